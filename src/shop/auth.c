/* lostwax: staff, passwords and sessions (see auth.h). */
#include "shop/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/shop_int.h"

static bool username_ok(const char *u)
{
    size_t n = strlen(u);
    if (n < 1 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

void lw_token_new(char out[LW_TOKEN_CHARS + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, LW_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void lw_token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

typedef struct add_ctx {
    lw_tx tx;
    const char *username, *display, *hash;
    lw_role role;
    int64_t id;
} add_ctx;

static lw_rc add_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    add_ctx *a = ctx;
    a->tx.c = c;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(c,
                            "INSERT INTO staff (username, display_name, role, pw_hash, created_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_text(st, 1, a->username);
    lw_bind_text(st, 2, a->display);
    lw_bind_text(st, 3, lw_role_name(a->role));
    lw_bind_text(st, 4, a->hash);
    lw_bind_i64(st, 5, a->tx.now);
    if ((rc = lw_stmt_run(c, st, "staff", err))) {
        if (rc == LW_ECONFLICT)
            lw_err_set(err, LW_ECONFLICT, "username %s is taken", a->username);
        return rc;
    }
    a->id = lw_conn_last_id(c);
    char obj[48], detail[120];
    snprintf(obj, sizeof obj, "staff %lld", (long long)a->id);
    snprintf(detail, sizeof detail, "%s as %s", a->username, lw_role_name(a->role));
    return lw_audit_add(&a->tx, "staff.create", obj, detail, err);
}

lw_rc lw_staff_add(lw_shop *s, const lw_actor *who, const char *username, const char *display,
                   lw_role role, const char *password, int64_t *id, lw_err *err)
{
    if (!(who->role & LW_ROLE_OWNER))
        return lw_err_set(err, LW_EDENIED, "only the owner adds staff");
    if (!username_ok(username))
        return lw_err_set(err, LW_EINVAL, "username: 1 to 40 of a-z, 0-9, '.', '_' and '-'");
    size_t dn = strlen(display);
    if (dn < 1 || dn > 80)
        return lw_err_set(err, LW_EINVAL, "display name: 1 to 80 characters");
    if (!lw_role_name(role) || role == LW_ROLE_CUSTOMER)
        return lw_err_set(err, LW_EINVAL, "role: one of owner, front, designer, workshop, bench");
    size_t pn = strlen(password);
    if (pn < LW_PASSWORD_MIN || pn > LW_PASSWORD_MAX)
        return lw_err_set(err, LW_EINVAL, "password: %d to %d characters", LW_PASSWORD_MIN,
                          LW_PASSWORD_MAX);
    if (sodium_init() < 0)
        return lw_err_set(err, LW_EIO, "libsodium cannot start");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, pn, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return lw_err_nomem(err);
    add_ctx a = {.tx = {.shop = s, .who = who, .now = lw_shop_now(s)}, .username = username,
                 .display = display, .hash = hash, .role = role};
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    rc = lw_conn_tx(c, true, add_in_tx, &a, err);
    lw_db_release(s->db, c);
    *id = a.id;
    return rc;
}

/* A hash of a password nobody has, checked when the username is unknown, so that a wrong
 * username costs as long as a wrong password and the timing tells nothing. */
static char g_dummy[crypto_pwhash_STRBYTES];
static pthread_once_t g_dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[LW_TOKEN_CHARS + 1];
    lw_token_new(pw);
    if (crypto_pwhash_str(g_dummy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        g_dummy[0] = 0;
}

typedef struct login_ctx {
    lw_tx tx;
    lw_actor who;
    const char *username, *password;
    char *token;
    lw_session *out;
    bool ok;
} login_ctx;

static lw_rc open_session(login_ctx *l, lw_conn *c, lw_err *err)
{
    lw_token_new(l->token);
    lw_token_new(l->out->csrf);
    unsigned char th[32];
    lw_token_hash(l->token, th);
    l->out->expires_at = l->tx.now + LW_SESSION_SECONDS;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(c,
                            "INSERT INTO session (token_hash, staff_id, csrf, created_at,"
                            " expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            &st, err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_TRANSIENT);
    lw_bind_i64(st, 2, l->who.staff_id);
    lw_bind_text(st, 3, l->out->csrf);
    lw_bind_i64(st, 4, l->tx.now);
    lw_bind_i64(st, 5, l->out->expires_at);
    if ((rc = lw_stmt_run(c, st, "session", err)))
        return rc;
    /* Expired sessions go when someone signs in: no timer needed. */
    if ((rc = lw_conn_stmt(c, "DELETE FROM session WHERE expires_at < ?1", &st, err)))
        return rc;
    lw_bind_i64(st, 1, l->tx.now);
    return lw_stmt_run(c, st, "session", err);
}

static void actor_of(sqlite3_stmt *st, lw_actor *a)
{
    memset(a, 0, sizeof *a);
    a->staff_id = sqlite3_column_int64(st, 0);
    a->role = lw_role_parse(lw_col_text(st, 2));
    snprintf(a->name, sizeof a->name, "%s (%s)", lw_col_text(st, 1), lw_col_text(st, 2));
}

static lw_rc login_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    login_ctx *l = ctx;
    l->tx.c = c;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(c,
                            "SELECT id, username, role, pw_hash FROM staff"
                            " WHERE username = ?1 AND active = 1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_text(st, 1, l->username);
    char hash[crypto_pwhash_STRBYTES] = "";
    bool known = sqlite3_step(st) == SQLITE_ROW;
    if (known) {
        actor_of(st, &l->who);
        snprintf(hash, sizeof hash, "%s", lw_col_text(st, 3));
    }
    sqlite3_reset(st);
    pthread_once(&g_dummy_once, make_dummy);
    const char *check = known ? hash : g_dummy;
    bool match = crypto_pwhash_str_verify(check, l->password, strlen(l->password)) == 0;
    l->ok = known && match;
    l->tx.who = known ? &l->who : l->tx.who;
    if (!l->ok) {
        /* The failure is recorded (and committed: the caller reports it after the commit). */
        char detail[80];
        snprintf(detail, sizeof detail, "failed sign-in as %.40s", l->username);
        return lw_audit_add(&l->tx, "login.fail", "session", detail, err);
    }
    if ((rc = open_session(l, c, err)))
        return rc;
    l->out->who = l->who;
    return lw_audit_add(&l->tx, "login", "session", l->who.name, err);
}

lw_rc lw_shop_login(lw_shop *s, const char *username, const char *password,
                    char token[LW_TOKEN_CHARS + 1], lw_session *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    token[0] = 0;
    if (sodium_init() < 0)
        return lw_err_set(err, LW_EIO, "libsodium cannot start");
    if (strlen(username) > 80 || strlen(password) > LW_PASSWORD_MAX)
        return lw_err_set(err, LW_EDENIED, "wrong username or password");
    lw_actor anon;
    memset(&anon, 0, sizeof anon);
    snprintf(anon.name, sizeof anon.name, "anonymous");
    login_ctx l = {.tx = {.shop = s, .who = &anon, .now = lw_shop_now(s)}, .username = username,
                   .password = password, .token = token, .out = out};
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    rc = lw_conn_tx(c, true, login_in_tx, &l, err);
    lw_db_release(s->db, c);
    if (!rc && !l.ok) {
        token[0] = 0;
        memset(out, 0, sizeof *out);
        return lw_err_set(err, LW_EDENIED, "wrong username or password");
    }
    return rc;
}

lw_rc lw_shop_session(lw_shop *s, const char *token, lw_session *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!token || strlen(token) != LW_TOKEN_CHARS)
        return lw_err_set(err, LW_EDENIED, "not signed in");
    unsigned char th[32];
    lw_token_hash(token, th);
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (!(rc = lw_conn_stmt(c,
                            "SELECT staff.id, staff.username, staff.role, session.csrf,"
                            " session.expires_at FROM session JOIN staff ON staff.id ="
                            " session.staff_id WHERE session.token_hash = ?1 AND staff.active = 1"
                            " AND session.expires_at > ?2",
                            &st, err))) {
        sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_TRANSIENT);
        lw_bind_i64(st, 2, lw_shop_now(s));
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            actor_of(st, &out->who);
            snprintf(out->csrf, sizeof out->csrf, "%s", lw_col_text(st, 3));
            out->expires_at = sqlite3_column_int64(st, 4);
        } else if (r == SQLITE_DONE) {
            rc = lw_err_set(err, LW_EDENIED, "not signed in (or the session has expired)");
        } else {
            rc = lw_conn_fail(c, r, "session", err);
        }
        sqlite3_reset(st);
    }
    lw_db_release(s->db, c);
    return rc;
}

lw_rc lw_shop_logout(lw_shop *s, const char *token, lw_err *err)
{
    if (!token || strlen(token) != LW_TOKEN_CHARS)
        return LW_OK;
    unsigned char th[32];
    lw_token_hash(token, th);
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (!(rc = lw_conn_stmt(c, "DELETE FROM session WHERE token_hash = ?1", &st, err))) {
        sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_TRANSIENT);
        rc = lw_stmt_run(c, st, "session", err);
    }
    lw_db_release(s->db, c);
    return rc;
}

/* ---- actions ---- */

static lw_rc staff_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT id, username, display_name, role, active, created_at"
                            " FROM staff ORDER BY username",
                            &st, err);
    if (rc)
        return rc;
    static const char *const cols[] = {"id", "username", "display_name", "role", "active",
                                       "created_at"};
    json_t *arr = json_array();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < 6; i++)
            lw_json_col(o, cols[i], st, i);
        json_object_set_new(o, "active", json_boolean(sqlite3_column_int(st, 4)));
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "staff", arr);
    return r == SQLITE_DONE ? LW_OK : lw_conn_fail(tx->c, r, "staff", err);
}

static lw_rc staff_me(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    (void)err;
    json_object_set_new(out, "staff_id", json_integer(tx->who->staff_id));
    json_object_set_new(out, "name", json_string(tx->who->name));
    json_object_set_new(out, "role", json_string(lw_role_name(tx->who->role)));
    return LW_OK;
}

static lw_rc staff_set_active(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "active"};
    int64_t id;
    bool active;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)) ||
        (rc = lw_in_bool(in, "active", true, &active, err)))
        return rc;
    if (id == tx->who->staff_id && !active)
        return lw_err_set(err, LW_ECONFLICT, "you cannot deactivate yourself");
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c, "UPDATE staff SET active = ?2 WHERE id = ?1", &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_i64(st, 2, active);
    if ((rc = lw_stmt_run(tx->c, st, "staff", err)))
        return rc;
    if (sqlite3_changes(lw_conn_sqlite(tx->c)) == 0)
        return lw_err_set(err, LW_ENOTFOUND, "no staff member %lld", (long long)id);
    char obj[48];
    snprintf(obj, sizeof obj, "staff %lld", (long long)id);
    json_object_set_new(out, "id", json_integer(id));
    json_object_set_new(out, "active", json_boolean(active));
    return lw_audit_add(tx, "staff.set_active", obj, active ? "active" : "inactive", err);
}

const lw_action lw_actions_staff[] = {
    {"staff.list", LW_ROLE_OWNER, false, staff_list},
    {"staff.me", LW_ROLES_STAFF, false, staff_me},
    {"staff.set_active", LW_ROLE_OWNER, true, staff_set_active},
};
const size_t lw_nactions_staff = sizeof lw_actions_staff / sizeof *lw_actions_staff;
