/* lostwax: the audit log. Every CAD view and export, slice, approval, price change and metal
 * movement is an entry written in the same transaction as the action, so an action and its
 * entry are both there or neither is. Entries are chained: each holds the BLAKE2b-256 hash of
 * its own fields and the previous entry's hash, so editing, removing or reordering an entry
 * (with the database's own tools, past the triggers that refuse UPDATE and DELETE) breaks the
 * chain at that entry, which audit.verify names. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/shop_int.h"

#define HASH_BYTES 32

static void put_text(crypto_generichash_state *h, const char *s)
{
    /* Length first: ("ab", "c") and ("a", "bc") must not hash alike. */
    uint64_t n = strlen(s);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(h, len, sizeof len);
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void put_i64(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

static void entry_hash(const unsigned char prev[HASH_BYTES], int64_t id, int64_t at,
                       int64_t staff, const char *actor, const char *action, const char *object,
                       const char *detail, unsigned char out[HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HASH_BYTES);
    crypto_generichash_update(&h, prev, HASH_BYTES);
    put_i64(&h, id);
    put_i64(&h, at);
    put_i64(&h, staff);
    put_text(&h, actor);
    put_text(&h, action);
    put_text(&h, object);
    put_text(&h, detail);
    crypto_generichash_final(&h, out, HASH_BYTES);
}

lw_rc lw_audit_add(lw_tx *tx, const char *action, const char *object, const char *detail,
                   lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &st,
                            err);
    if (rc)
        return rc;
    unsigned char prev[HASH_BYTES] = {0};
    int64_t id = 1;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0) + 1;
        if (sqlite3_column_bytes(st, 1) == HASH_BYTES)
            memcpy(prev, sqlite3_column_blob(st, 1), HASH_BYTES);
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return lw_conn_fail(tx->c, s, "audit", err);
    unsigned char hash[HASH_BYTES];
    entry_hash(prev, id, tx->now, tx->who->staff_id, tx->who->name, action, object, detail,
               hash);
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO audit (id, at, staff_id, actor, action, object, detail,"
                           " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_i64(st, 2, tx->now);
    lw_bind_opt_i64(st, 3, tx->who->staff_id != 0, tx->who->staff_id);
    lw_bind_text(st, 4, tx->who->name);
    lw_bind_text(st, 5, action);
    lw_bind_text(st, 6, object);
    lw_bind_text(st, 7, detail);
    sqlite3_bind_blob(st, 8, prev, HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 9, hash, HASH_BYTES, SQLITE_TRANSIENT);
    return lw_stmt_run(tx->c, st, "audit", err);
}

/* Walks the chain from the first entry; the first entry whose stored previous hash or own hash
 * does not match is where the log was tampered with. */
static lw_rc audit_verify(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT id, at, COALESCE(staff_id, 0), actor, action, object, detail,"
                            " prev_hash, hash FROM audit ORDER BY id",
                            &st, err);
    if (rc)
        return rc;
    unsigned char prev[HASH_BYTES] = {0}, h[HASH_BYTES];
    int64_t n = 0, expect_id = 1, broken = 0;
    const char *why = NULL;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        n++;
        entry_hash(prev, id, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                   lw_col_text(st, 3), lw_col_text(st, 4), lw_col_text(st, 5),
                   lw_col_text(st, 6), h);
        if (id != expect_id)
            why = "an entry is missing before it";
        else if (sqlite3_column_bytes(st, 7) != HASH_BYTES ||
                 sodium_memcmp(sqlite3_column_blob(st, 7), prev, HASH_BYTES) != 0)
            why = "its link to the previous entry does not match";
        else if (sqlite3_column_bytes(st, 8) != HASH_BYTES ||
                 sodium_memcmp(sqlite3_column_blob(st, 8), h, HASH_BYTES) != 0)
            why = "its contents do not match its hash";
        if (why) {
            broken = id;
            break;
        }
        memcpy(prev, h, HASH_BYTES);
        expect_id = id + 1;
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return lw_conn_fail(tx->c, s, "audit", err);
    json_object_set_new(out, "entries_checked", json_integer(n));
    json_object_set_new(out, "intact", json_boolean(!why));
    if (why) {
        json_object_set_new(out, "broken_at", json_integer(broken));
        json_object_set_new(out, "reason", json_string(why));
    }
    return LW_OK;
}

static lw_rc audit_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"limit", "before"};
    int64_t limit, before;
    bool has_limit, has_before;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_opt_int(in, "limit", 1, 1000, &has_limit, &limit, err)) ||
        (rc = lw_in_opt_int(in, "before", 1, INT64_MAX, &has_before, &before, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT id, at, actor, action, object, detail FROM audit"
                           " WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, has_before ? before : INT64_MAX);
    lw_bind_i64(st, 2, has_limit ? limit : 100);
    json_t *arr = json_array();
    static const char *const cols[] = {"id", "at", "actor", "action", "object", "detail"};
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e = json_object();
        for (int i = 0; i < 6; i++)
            lw_json_col(e, cols[i], st, i);
        json_array_append_new(arr, e);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "entries", arr);
    return s == SQLITE_DONE ? LW_OK : lw_conn_fail(tx->c, s, "audit", err);
}

const lw_action lw_actions_audit[] = {
    {"audit.verify", LW_ROLE_OWNER, false, audit_verify},
    {"audit.list", LW_ROLE_OWNER, false, audit_list},
};
const size_t lw_nactions_audit = sizeof lw_actions_audit / sizeof *lw_actions_audit;
