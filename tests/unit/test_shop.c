/* Tests of the studio's database and shop actions (src/store/db.c and src/shop/), on a real
 * SQLite file with a clock the test sets.
 *
 * What they prove: the schema migrates and refuses a newer file; every action checks its role
 * and its input and writes nothing when it fails (an order whose second piece is wrong leaves no
 * order behind); the quote is the metal weight times the day's price plus stones plus labour,
 * computed here independently; pieces move one stage at a time, by the roles the trade allows,
 * and never past approval without an approved design; the audit log's chain detects an edited
 * entry; sign-in gives the same answer for a wrong name and a wrong password, and sessions
 * expire; the promise plan follows the working week; concurrent writers lose nothing.
 */
#include "lwtest.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/file.h"
#include "shop/auth.h"
#include "shop/promise.h"
#include "shop/shop.h"
#include "store/db.h"

/* Monday 2026-11-30 10:00 UTC. */
#define MONDAY_10 1796032800LL

typedef struct fixture {
    lw_metals metals;
    lw_gem_tables gems;
    lw_ring_charts charts;
    lw_shop shop;
    int64_t now;
    char path[512];
} fixture;

static int64_t clock_of(void *ctx)
{
    return ((fixture *)ctx)->now;
}

static void load(const char *rel, lw_rc (*fn)(void *, const char *, size_t, const char *,
                                               lw_err *),
                 void *t)
{
    uint8_t *d;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_file_read(lwt_source(rel), 1 << 24, &d, &n, &err), LW_OK);
    assert_int_equal(fn(t, (const char *)d, n, rel, &err), LW_OK);
    lw_free(d);
}

static lw_rc metals_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_metals_load(t, s, n, name, e);
}
static lw_rc stones_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_gem_load_stones(t, s, n, name, e);
}
static lw_rc cuts_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_gem_load_cuts(t, s, n, name, e);
}
static lw_rc charts_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_ring_charts_load(t, s, n, name, e);
}

static int setup(void **state)
{
    static int counter;
    fixture *f = lw_calloc(1, sizeof *f);
    lw_metals_init(&f->metals);
    lw_gem_tables_init(&f->gems);
    lw_ring_charts_init(&f->charts);
    load("data/metals.tsv", metals_fn, &f->metals);
    load("data/gems.tsv", stones_fn, &f->gems);
    load("data/cuts.tsv", cuts_fn, &f->gems);
    load("data/ring-sizes/us-jc.tsv", charts_fn, &f->charts);
    load("data/ring-sizes/uk-bs.tsv", charts_fn, &f->charts);
    snprintf(f->path, sizeof f->path, "%s", lwt_tmp("shop.db"));
    char suffix[32];
    snprintf(suffix, sizeof suffix, "-%d-%d", (int)getpid(), counter++);
    strncat(f->path, suffix, sizeof f->path - strlen(f->path) - 1);
    unlink(f->path);
    lw_err err;
    lw_err_clear(&err);
    lw_db_opts o = {.create = true};
    assert_int_equal(lw_db_open(f->path, &o, &f->shop.db, &err), LW_OK);
    f->now = MONDAY_10;
    f->shop.metals = &f->metals;
    f->shop.gems = &f->gems;
    f->shop.charts = &f->charts;
    f->shop.currency = "EUR";
    f->shop.now = clock_of;
    f->shop.now_ctx = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lw_db_close(f->shop.db);
    char side[600];
    unlink(f->path);
    snprintf(side, sizeof side, "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", f->path);
    unlink(side);
    lw_metals_clear(&f->metals);
    lw_gem_tables_clear(&f->gems);
    lw_ring_charts_clear(&f->charts);
    lw_free(f);
    return 0;
}

static lw_actor actor(lw_role role, int64_t id)
{
    lw_actor a;
    memset(&a, 0, sizeof a);
    a.role = role;
    a.staff_id = id;
    snprintf(a.name, sizeof a.name, "test (%s)", lw_role_name(role));
    return a;
}

/* Runs an action; returns its rc and (when out is not NULL) its output. in is consumed. */
static lw_rc act(fixture *f, lw_role role, const char *name, json_t *in, json_t **out,
                 lw_err *err)
{
    lw_actor a = actor(role, 0);
    json_t *o = NULL;
    lw_err_clear(err);
    lw_rc rc = lw_shop_run(&f->shop, &a, name, in, &o, err);
    json_decref(in);
    if (out)
        *out = o;
    else
        json_decref(o);
    return rc;
}

static int64_t count(fixture *f, const char *sql)
{
    lw_conn *c;
    lw_err err;
    assert_int_equal(lw_db_acquire(f->shop.db, &c, &err), LW_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(lw_conn_sqlite(c), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    lw_db_release(f->shop.db, c);
    return n;
}

static void exec_sql(fixture *f, const char *sql)
{
    lw_conn *c;
    lw_err err;
    assert_int_equal(lw_db_acquire(f->shop.db, &c, &err), LW_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(lw_conn_sqlite(c), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    lw_db_release(f->shop.db, c);
}

/* ---- the database ---- */

static void test_schema(void **state)
{
    fixture *f = *state;
    assert_int_equal(count(f, "PRAGMA user_version"), lw_db_schema_version());
    assert_true(count(f, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") >= 15);
    assert_int_equal(count(f, "PRAGMA foreign_keys"), 1);
    /* A file from a newer lostwax is refused, not damaged. */
    exec_sql(f, "PRAGMA user_version = 999");
    lw_db *db2;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_db_open(f->path, NULL, &db2, &err), LW_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "999"));
    exec_sql(f, "PRAGMA user_version = 1");
    /* Not a database at all. */
    const char *junk = lwt_tmp("not-a-db.sqlite");
    FILE *fp = fopen(junk, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 4096; i++)
        fputc('x', fp);
    fclose(fp);
    assert_int_equal(lw_db_open(junk, NULL, &db2, &err), LW_EIO);
    unlink(junk);
    assert_int_equal(lw_db_open(lwt_tmp("no-such-dir/x.db"), NULL, &db2, &err), LW_ENOTFOUND);
}

/* ---- input checks ---- */

static void test_customer_input(void **state)
{
    fixture *f = *state;
    lw_err err;
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.create",
                         json_pack("{s:s,s:s}", "name", "Zoë Ångström", "email", "z@example.org"),
                         &out, &err),
                     LW_OK);
    json_int_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    assert_true(id > 0);
    struct {
        json_t *in;
        const char *needle;
    } bad[] = {
        {json_pack("{}"), "name: required"},
        {json_pack("{s:i}", "name", 5), "name: expected text, got a whole number"},
        {json_pack("{s:s}", "name", ""), "name: expected 1 to 120 characters, got 0"},
        {json_pack("{s:s}", "name", "A\x01" "B"), "control characters"},
        {json_pack("{s:s,s:s}", "name", "A", "email", "nobody"), "has no @"},
        {json_pack("{s:s,s:s}", "name", "A", "nmae", "x"), "nmae: not a field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(act(f, LW_ROLE_FRONT, "customer.create", bad[i].in, NULL, &err),
                         LW_EINVAL);
        if (!strstr(err.msg, bad[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].needle);
    }
    /* 120 characters of a two-byte letter are 120 characters, not 240. */
    char name[400];
    for (int i = 0; i < 120; i++)
        memcpy(name + 2 * i, "é", 2);
    name[240] = 0;
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.create", json_pack("{s:s}", "name", name),
                         NULL, &err),
                     LW_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM customer"), 2);
    /* A ring size on file, read on the US chart, kept as circumference. */
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.size_add",
                         json_pack("{s:I,s:s,s:s}", "id", id, "size", "7", "chart", "us"), &out,
                         &err),
                     LW_OK);
    json_t *size = json_object_get(out, "size");
    /* US 7 is 54.4 mm of circumference on the JewelCraft chart. */
    assert_true(llabs(json_integer_value(json_object_get(size, "circ_cmm")) - 5440) <= 5);
    json_decref(out);
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.size_add",
                         json_pack("{s:I,s:s,s:s}", "id", id, "size", "7", "chart", "xx"), NULL,
                         &err),
                     LW_EINVAL);
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.size_add",
                         json_pack("{s:I,s:s}", "id", (json_int_t)9999, "size", "54mm"), NULL,
                         &err),
                     LW_ENOTFOUND);
    /* The bench has no business with customers. */
    assert_int_equal(act(f, LW_ROLE_BENCH, "customer.list", NULL, NULL, &err), LW_EDENIED);
    assert_non_null(strstr(err.msg, "bench"));
}

/* ---- orders and quotes ---- */

static json_int_t new_customer(fixture *f)
{
    lw_err err;
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_FRONT, "customer.create", json_pack("{s:s}", "name", "Ann"),
                         &out, &err),
                     LW_OK);
    json_int_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static void test_order_and_quote(void **state)
{
    fixture *f = *state;
    lw_err err;
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_OWNER, "price.set",
                         json_pack("{s:s,s:i}", "metal", "18k-yellow", "minor_per_g", 7250), NULL,
                         &err),
                     LW_OK);
    assert_int_equal(act(f, LW_ROLE_OWNER, "labour.set",
                         json_pack("{s:s,s:i}", "kind", "ring", "minor", 28000), NULL, &err),
                     LW_OK);
    assert_int_equal(act(f, LW_ROLE_FRONT, "price.set",
                         json_pack("{s:s,s:i}", "metal", "18k-yellow", "minor_per_g", 1), NULL,
                         &err),
                     LW_EDENIED);
    json_int_t cust = new_customer(f);
    /* The second piece has a metal the studio does not know: nothing of the order remains. */
    int64_t orders = count(f, "SELECT COUNT(*) FROM orders");
    int64_t pieces = count(f, "SELECT COUNT(*) FROM piece");
    int64_t audit = count(f, "SELECT COUNT(*) FROM audit");
    assert_int_equal(
        act(f, LW_ROLE_FRONT, "order.create",
            json_pack("{s:I,s:[{s:s,s:s,s:s,s:s},{s:s,s:s}]}", "customer_id", cust, "pieces",
                      "kind", "ring", "metal", "18k-yellow", "ring_size", "7", "ring_chart",
                      "us", "kind", "pendant", "metal", "kryptonite"),
            NULL, &err),
        LW_EINVAL);
    assert_non_null(strstr(err.msg, "pieces[1].metal"));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders"), orders);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM piece"), pieces);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit"), audit);
    /* A ring needs a size. */
    assert_int_equal(act(f, LW_ROLE_FRONT, "order.create",
                         json_pack("{s:I,s:[{s:s,s:s}]}", "customer_id", cust, "pieces", "kind",
                                   "ring", "metal", "18k-yellow"),
                         NULL, &err),
                     LW_EINVAL);
    assert_non_null(strstr(err.msg, "ring size"));
    /* 4.2 g of 18K at 72.50 a gram, one studio diamond at 4,500.00, a customer's sapphire
     * (not charged), ring labour 280.00. */
    assert_int_equal(
        act(f, LW_ROLE_FRONT, "order.create",
            json_pack("{s:I,s:[{s:s,s:s,s:s,s:s,s:i,s:[{s:s,s:s,s:i,s:i,s:i},"
                      "{s:s,s:s,s:i,s:i,s:b}]}]}",
                      "customer_id", cust, "pieces", "kind", "ring", "metal", "18k-yellow",
                      "ring_size", "7", "ring_chart", "us", "est_metal_mg", 4201, "stones",
                      "stone", "diamond", "cut", "round", "length_um", 6500, "count", 1,
                      "price_minor_each", 450000, "stone", "sapphire", "cut", "oval",
                      "length_um", 7000, "count", 1, "customer_owned", 1),
            &out, &err),
        LW_OK);
    json_t *q = json_object_get(out, "quote");
    json_int_t metal = (4201 * 7250 + 500) / 1000; /* 30457.25 -> 30457 */
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(q, "pieces"), 0), "metal_minor")),
                     metal);
    assert_int_equal(json_integer_value(json_object_get(q, "total_minor")),
                     metal + 450000 + 28000);
    assert_true(json_is_true(json_object_get(q, "complete")));
    json_int_t order = json_integer_value(json_object_get(out, "id"));
    json_int_t piece = json_integer_value(
        json_object_get(json_array_get(json_object_get(out, "pieces"), 0), "id"));
    assert_string_equal(json_string_value(json_object_get(out, "code")), "ORD-00001");
    json_t *promise = json_object_get(out, "promise");
    assert_true(json_integer_value(json_object_get(promise, "promised_at")) > f->now);
    json_decref(out);
    /* The diamond's weight was estimated from its size: a 6.5 mm round is about 1 ct. */
    assert_int_equal(act(f, LW_ROLE_WORKSHOP, "piece.get", json_pack("{s:I}", "id", piece),
                         &out, &err),
                     LW_OK);
    json_int_t mct = json_integer_value(
        json_object_get(json_array_get(json_object_get(out, "stones"), 0), "mct_each"));
    assert_in_range(mct, 950, 1050);
    json_decref(out);
    /* Payments. */
    assert_int_equal(act(f, LW_ROLE_FRONT, "order.pay",
                         json_pack("{s:I,s:i,s:s}", "id", order, "amount_minor", 250000, "kind",
                                   "deposit"),
                         &out, &err),
                     LW_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "balance_minor")),
                     metal + 450000 + 28000 - 250000);
    json_decref(out);
    assert_int_equal(act(f, LW_ROLE_FRONT, "order.pay",
                         json_pack("{s:I,s:i,s:s}", "id", order, "amount_minor", 1, "kind",
                                   "tip"),
                         NULL, &err),
                     LW_EINVAL);
}

/* ---- the board ---- */

static json_int_t new_piece(fixture *f)
{
    lw_err err;
    json_t *out;
    json_int_t cust = new_customer(f);
    assert_int_equal(act(f, LW_ROLE_FRONT, "order.create",
                         json_pack("{s:I,s:[{s:s,s:s}]}", "customer_id", cust, "pieces", "kind",
                                   "pendant", "metal", "sterling"),
                         &out, &err),
                     LW_OK);
    json_int_t id = json_integer_value(
        json_object_get(json_array_get(json_object_get(out, "pieces"), 0), "id"));
    json_decref(out);
    return id;
}

static lw_rc move(fixture *f, lw_role role, json_int_t piece, const char *to, const char *note,
                  lw_err *err)
{
    json_t *in = json_pack("{s:I,s:s}", "id", piece, "to", to);
    if (note)
        json_object_set_new(in, "note", json_string(note));
    return act(f, role, "piece.move", in, NULL, err);
}

static void test_moves(void **state)
{
    fixture *f = *state;
    lw_err err;
    json_int_t p = new_piece(f);
    assert_int_equal(move(f, LW_ROLE_DESIGNER, p, "print", NULL, &err), LW_ECONFLICT);
    assert_non_null(strstr(err.msg, "moves to approval next"));
    assert_int_equal(move(f, LW_ROLE_BENCH, p, "approval", NULL, &err), LW_EDENIED);
    assert_int_equal(move(f, LW_ROLE_DESIGNER, p, "approval", NULL, &err), LW_OK);
    /* No approved design: the wax is not printed. */
    assert_int_equal(move(f, LW_ROLE_FRONT, p, "print", NULL, &err), LW_ECONFLICT);
    assert_non_null(strstr(err.msg, "no approved design"));
    /* Back to design needs a reason. */
    assert_int_equal(move(f, LW_ROLE_FRONT, p, "design", NULL, &err), LW_EINVAL);
    assert_int_equal(move(f, LW_ROLE_FRONT, p, "design", "customer wants a thinner band", &err),
                     LW_OK);
    /* The history holds every move, and the board shows the piece in design, 2 days later. */
    f->now += 2 * 86400;
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_BENCH, "board.get", NULL, &out, &err), LW_OK);
    json_t *lane = json_array_get(json_object_get(out, "lanes"), 0);
    assert_string_equal(json_string_value(json_object_get(lane, "stage")), "design");
    json_t *card = json_array_get(json_object_get(lane, "pieces"), 0);
    assert_int_equal(json_integer_value(json_object_get(card, "days_in_stage")), 2);
    json_decref(out);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM stage_event"), 3);
    /* Pieces past approval (placed there as history would have it) move on by role. */
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE piece SET stage = 'qc' WHERE id = %lld", (long long)p);
    exec_sql(f, sql);
    assert_int_equal(move(f, LW_ROLE_WORKSHOP, p, "ready", NULL, &err), LW_EDENIED);
    assert_int_equal(move(f, LW_ROLE_BENCH, p, "ready", NULL, &err), LW_OK);
    assert_int_equal(move(f, LW_ROLE_BENCH, p, "delivered", NULL, &err), LW_EDENIED);
    assert_int_equal(act(f, LW_ROLE_FRONT, "piece.move",
                         json_pack("{s:I,s:s}", "id", p, "to", "delivered"), &out, &err),
                     LW_OK);
    assert_true(json_is_true(json_object_get(out, "order_delivered")));
    json_decref(out);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE status = 'delivered'"), 1);
    assert_int_equal(move(f, LW_ROLE_OWNER, p, "qc", "oops", &err), LW_ECONFLICT);
}

/* ---- the audit chain ---- */

static void test_audit(void **state)
{
    fixture *f = *state;
    lw_err err;
    for (int i = 0; i < 5; i++)
        new_customer(f);
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_OWNER, "audit.verify", NULL, &out, &err), LW_OK);
    assert_true(json_is_true(json_object_get(out, "intact")));
    assert_int_equal(json_integer_value(json_object_get(out, "entries_checked")), 5);
    json_decref(out);
    /* The triggers refuse edits through SQL ... */
    lw_conn *c;
    assert_int_equal(lw_db_acquire(f->shop.db, &c, &err), LW_OK);
    assert_int_not_equal(sqlite3_exec(lw_conn_sqlite(c), "UPDATE audit SET detail = 'x'", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
    lw_db_release(f->shop.db, c);
    /* ... and someone who drops them and edits entry 3 is found out at entry 3. */
    exec_sql(f, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'Bob' WHERE id = 3");
    assert_int_equal(act(f, LW_ROLE_OWNER, "audit.verify", NULL, &out, &err), LW_OK);
    assert_true(json_is_false(json_object_get(out, "intact")));
    assert_int_equal(json_integer_value(json_object_get(out, "broken_at")), 3);
    json_decref(out);
    /* Removing an entry breaks the chain after it. */
    exec_sql(f, "UPDATE audit SET detail = 'Ann' WHERE id = 3; DROP TRIGGER audit_no_delete;"
                " DELETE FROM audit WHERE id = 4");
    assert_int_equal(act(f, LW_ROLE_OWNER, "audit.verify", NULL, &out, &err), LW_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "broken_at")), 5);
    json_decref(out);
    assert_int_equal(act(f, LW_ROLE_FRONT, "audit.verify", NULL, NULL, &err), LW_EDENIED);
}

/* ---- signing in ---- */

static void test_login(void **state)
{
    fixture *f = *state;
    lw_err err;
    lw_err_clear(&err);
    lw_actor sys;
    lw_actor_system(&sys);
    int64_t id;
    assert_int_equal(lw_staff_add(&f->shop, &sys, "anna", "Anna", LW_ROLE_FRONT,
                                  "correct horse", &id, &err),
                     LW_OK);
    assert_int_equal(lw_staff_add(&f->shop, &sys, "anna", "Anna B.", LW_ROLE_BENCH,
                                  "correct horse", &id, &err),
                     LW_ECONFLICT);
    assert_int_equal(lw_staff_add(&f->shop, &sys, "Anna", "Anna", LW_ROLE_FRONT,
                                  "correct horse", &id, &err),
                     LW_EINVAL); /* usernames are lower case */
    assert_int_equal(lw_staff_add(&f->shop, &sys, "bob", "Bob", LW_ROLE_BENCH, "short", &id,
                                  &err),
                     LW_EINVAL);
    lw_actor front = actor(LW_ROLE_FRONT, 1);
    assert_int_equal(lw_staff_add(&f->shop, &front, "eve", "Eve", LW_ROLE_OWNER,
                                  "long enough", &id, &err),
                     LW_EDENIED);
    char token[LW_TOKEN_CHARS + 1];
    lw_session ses;
    char wrong_pw[LW_ERR_MSG_MAX], wrong_user[LW_ERR_MSG_MAX];
    assert_int_equal(lw_shop_login(&f->shop, "anna", "wrong horse", token, &ses, &err),
                     LW_EDENIED);
    snprintf(wrong_pw, sizeof wrong_pw, "%s", err.msg);
    assert_int_equal(lw_shop_login(&f->shop, "nobody", "correct horse", token, &ses, &err),
                     LW_EDENIED);
    snprintf(wrong_user, sizeof wrong_user, "%s", err.msg);
    assert_string_equal(wrong_pw, wrong_user);
    assert_int_equal(token[0], 0);
    assert_int_equal(lw_shop_login(&f->shop, "anna", "correct horse", token, &ses, &err), LW_OK);
    assert_int_equal(strlen(token), LW_TOKEN_CHARS);
    assert_int_equal(ses.who.role, LW_ROLE_FRONT);
    /* The database keeps a hash of the token, not the token. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM session"), 1);
    lw_session again;
    assert_int_equal(lw_shop_session(&f->shop, token, &again, &err), LW_OK);
    assert_string_equal(again.csrf, ses.csrf);
    assert_int_equal(again.who.staff_id, ses.who.staff_id);
    /* Sessions end: by time, and by signing out. */
    f->now += LW_SESSION_SECONDS + 1;
    assert_int_equal(lw_shop_session(&f->shop, token, &again, &err), LW_EDENIED);
    f->now -= LW_SESSION_SECONDS + 1;
    assert_int_equal(lw_shop_session(&f->shop, token, &again, &err), LW_OK);
    assert_int_equal(lw_shop_logout(&f->shop, token, &err), LW_OK);
    assert_int_equal(lw_shop_session(&f->shop, token, &again, &err), LW_EDENIED);
    assert_int_equal(lw_shop_session(&f->shop, "short", &again, &err), LW_EDENIED);
    /* Failed sign-ins are in the audit log. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE action = 'login.fail'"), 2);
}

/* ---- the promise ---- */

static void test_promise(void **state)
{
    (void)state;
    lw_workshop w;
    lw_workshop_default(&w);
    lw_promise p;
    /* Monday 10:00, 3 h of design, 3 h of bench, nobody ahead: designed by 13:00, printed that
     * night, cast Tuesday 9-13, ready Tuesday 16:00: 30 hours. */
    lw_promise_in in = {.now = MONDAY_10, .design_hours = 3, .bench_hours = 3};
    lw_promise_plan(&w, &in, &p);
    assert_int_equal(p.design_done, MONDAY_10 + 3 * 3600);
    assert_int_equal(p.printed, MONDAY_10 + 8 * 3600 + 10 * 3600);
    assert_int_equal(p.cast, MONDAY_10 + 23 * 3600 + 4 * 3600);
    assert_int_equal(p.ready, MONDAY_10 + 30 * 3600);
    assert_true(p.within_48h);
    assert_string_equal(p.reason, "");
    /* 20 h of bench work ahead, one bench: not in 48 h, and the reason says so. */
    in.bench_queue_h = 20;
    lw_promise_plan(&w, &in, &p);
    assert_false(p.within_48h);
    assert_non_null(strstr(p.reason, "20 h of bench work"));
    /* Two benchers halve the wait. */
    w.benchers = 2;
    lw_promise_in in2 = in;
    lw_promise p2;
    lw_promise_plan(&w, &in2, &p2);
    assert_true(p2.ready < p.ready);
    /* Saturday 17:00: printed that night, but Sunday is closed: cast Monday. */
    lw_workshop_default(&w);
    lw_promise_in sat = {.now = MONDAY_10 - 2 * 86400 + 7 * 3600, .design_hours = 0,
                         .bench_hours = 2};
    lw_promise_plan(&w, &sat, &p);
    assert_int_equal(p.cast, MONDAY_10 - 3600 + 4 * 3600);
    assert_int_equal(p.ready, MONDAY_10 + 5 * 3600); /* 46 h: just inside 48 */
    assert_true(p.within_48h);
    /* The same on Saturday with 3 h of bench work left ends Tuesday: over 48 h. */
    sat.bench_hours = 6;
    lw_promise_plan(&w, &sat, &p);
    assert_int_equal(p.ready, MONDAY_10 + 86400); /* Mon 13-18 = 5 h, then Tue 9-10 */
    assert_false(p.within_48h);
    assert_non_null(strstr(p.reason, "closed"));
    /* A deadline before the plan. */
    in = (lw_promise_in){.now = MONDAY_10, .design_hours = 3, .bench_hours = 3,
                         .deadline = MONDAY_10 + 86400};
    lw_promise_plan(&w, &in, &p);
    assert_false(p.meets_deadline);
}

/* ---- concurrent writers ---- */

typedef struct worker {
    fixture *f;
    int made;
} worker;

static void *write_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 25; i++) {
        lw_err err;
        lw_actor a = actor(LW_ROLE_FRONT, 0);
        json_t *in = json_pack("{s:s}", "name", "Parallel"), *out = NULL;
        if (lw_shop_run(&w->f->shop, &a, "customer.create", in, &out, &err) == LW_OK)
            w->made++;
        json_decref(in);
        json_decref(out);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    fixture *f = *state;
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){f, 0};
        pthread_create(&t[i], NULL, write_many, &w[i]);
    }
    int made = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        made += w[i].made;
    }
    assert_int_equal(made, 100);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM customer"), 100);
    lw_err err;
    json_t *out;
    assert_int_equal(act(f, LW_ROLE_OWNER, "audit.verify", NULL, &out, &err), LW_OK);
    assert_true(json_is_true(json_object_get(out, "intact")));
    assert_int_equal(json_integer_value(json_object_get(out, "entries_checked")), 100);
    json_decref(out);
}

int main(void)
{
    json_set_alloc_funcs(lw_malloc, lw_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_customer_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_quote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, setup, teardown),
        cmocka_unit_test(test_promise),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
