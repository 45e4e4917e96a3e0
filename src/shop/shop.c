/* lostwax: running the shop's actions: the registry, the role check, one transaction each. */
#include "shop/shop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shop/shop_int.h"

static const char *const k_role_names[] = {"owner", "front", "designer", "workshop", "bench",
                                           "customer"};

const char *lw_role_name(lw_role r)
{
    for (unsigned i = 0; i < sizeof k_role_names / sizeof *k_role_names; i++)
        if (r == (lw_role)(1u << i))
            return k_role_names[i];
    return NULL;
}

lw_role lw_role_parse(const char *s)
{
    for (unsigned i = 0; i < sizeof k_role_names / sizeof *k_role_names; i++)
        if (s && strcmp(s, k_role_names[i]) == 0)
            return (lw_role)(1u << i);
    return 0;
}

int64_t lw_shop_now(const lw_shop *s)
{
    return s->now ? s->now(s->now_ctx) : (int64_t)time(NULL);
}

void lw_actor_system(lw_actor *a)
{
    memset(a, 0, sizeof *a);
    a->role = LW_ROLE_OWNER;
    snprintf(a->name, sizeof a->name, "system");
}

/* Every module's actions in one list, built once (the lists are constant). */
typedef struct group {
    const lw_action *list;
    const size_t *n;
} group;

static const group k_groups[] = {
    {lw_actions_staff, &lw_nactions_staff},   {lw_actions_customer, &lw_nactions_customer},
    {lw_actions_order, &lw_nactions_order},   {lw_actions_board, &lw_nactions_board},
    {lw_actions_price, &lw_nactions_price},   {lw_actions_audit, &lw_nactions_audit},
    {lw_actions_counter, &lw_nactions_counter}, {lw_actions_revision, &lw_nactions_revision},
    {lw_actions_link, &lw_nactions_link},
};

#define MAX_ACTIONS 128
static lw_action g_all[MAX_ACTIONS];
static size_t g_nall;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void gather(void)
{
    for (size_t g = 0; g < sizeof k_groups / sizeof *k_groups; g++)
        for (size_t i = 0; i < *k_groups[g].n && g_nall < MAX_ACTIONS; i++)
            g_all[g_nall++] = k_groups[g].list[i];
}

const lw_action *lw_shop_actions(size_t *n)
{
    pthread_once(&g_once, gather);
    *n = g_nall;
    return g_all;
}

const lw_action *lw_shop_action(const char *name)
{
    size_t n;
    const lw_action *a = lw_shop_actions(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].name, name) == 0)
            return &a[i];
    return NULL;
}

typedef struct run_ctx {
    lw_tx tx;
    const lw_action *a;
    const json_t *in;
    json_t *out;
} run_ctx;

static lw_rc run_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    run_ctx *r = ctx;
    r->tx.c = c;
    return r->a->fn(&r->tx, r->in, r->out, err);
}

lw_rc lw_shop_run(lw_shop *s, const lw_actor *who, const char *name, const json_t *in,
                  json_t **out, lw_err *err)
{
    *out = NULL;
    const lw_action *a = lw_shop_action(name);
    if (!a)
        return lw_err_set(err, LW_ENOTFOUND, "no action '%.80s'", name);
    if (!(a->roles & who->role)) {
        const char *rn = lw_role_name(who->role);
        return lw_err_set(err, LW_EDENIED, "%s: not allowed for the %s role", name,
                          rn ? rn : "unknown");
    }
    json_t *empty = NULL;
    if (!in)
        in = empty = json_object();
    if (!json_is_object(in)) {
        json_decref(empty);
        return lw_err_set(err, LW_EINVAL, "%s: the request must be a JSON object", name);
    }
    run_ctx r = {.tx = {.shop = s, .who = who, .now = lw_shop_now(s)}, .a = a, .in = in,
                 .out = json_object()};
    lw_conn *c = NULL;
    lw_rc rc = r.out ? lw_db_acquire(s->db, &c, err) : lw_err_nomem(err);
    if (!rc)
        rc = lw_conn_tx(c, a->write, run_in_tx, &r, err);
    lw_db_release(s->db, c);
    json_decref(empty);
    if (rc) {
        json_decref(r.out);
        return rc;
    }
    if (a->write)
        atomic_fetch_add(&s->generation, 1);
    *out = r.out;
    return LW_OK;
}

uint64_t lw_shop_generation(const lw_shop *s)
{
    return atomic_load(&((lw_shop *)s)->generation);
}

lw_rc lw_query_i64(lw_tx *tx, const char *sql, int64_t arg, bool *found, int64_t *out,
                   lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c, sql, &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, arg);
    int s = sqlite3_step(st);
    *found = s == SQLITE_ROW;
    *out = *found ? sqlite3_column_int64(st, 0) : 0;
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = lw_conn_fail(tx->c, s, "query", err);
    sqlite3_reset(st);
    return rc;
}

void lw_json_col(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    json_t *v;
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, col)); break;
    case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, col)); break;
    case SQLITE_TEXT: v = json_string(lw_col_text(st, col)); break;
    default: v = json_null(); break;
    }
    json_object_set_new(o, key, v);
}
