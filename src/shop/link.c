/* lostwax: approval links (see link.h). */
#include "shop/link.h"

#include <stdio.h>
#include <string.h>

#include "shop/auth.h"
#include "shop/input.h"
#include "shop/shop_int.h"

lw_rc lw_shop_link_actor(lw_shop *s, const char *token, lw_actor *who, lw_err *err)
{
    memset(who, 0, sizeof *who);
    if (!token || strlen(token) != LW_TOKEN_CHARS)
        return lw_err_set(err, LW_EDENIED, "this link is not valid (or has expired)");
    unsigned char th[32];
    lw_token_hash(token, th);
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (!(rc = lw_conn_stmt(c,
                            "SELECT l.order_id, o.code FROM approval_link l JOIN orders o ON"
                            " o.id = l.order_id WHERE l.token_hash = ?1 AND l.expires_at > ?2",
                            &st, err))) {
        sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_TRANSIENT);
        lw_bind_i64(st, 2, lw_shop_now(s));
        if (sqlite3_step(st) == SQLITE_ROW) {
            who->role = LW_ROLE_CUSTOMER;
            who->order_id = sqlite3_column_int64(st, 0);
            snprintf(who->name, sizeof who->name, "customer link (%s)", lw_col_text(st, 1));
        } else {
            rc = lw_err_set(err, LW_EDENIED, "this link is not valid (or has expired)");
        }
        sqlite3_reset(st);
    }
    lw_db_release(s->db, c);
    return rc;
}

static lw_rc link_create(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "days"};
    int64_t order, days;
    bool has_days, found;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &order, err)) ||
        (rc = lw_in_opt_int(in, "days", 1, LW_LINK_DAYS_MAX, &has_days, &days, err)))
        return rc;
    int64_t dummy;
    if ((rc = lw_query_i64(tx, "SELECT id FROM orders WHERE id = ?1", order, &found, &dummy,
                           err)))
        return rc;
    if (!found)
        return lw_err_set(err, LW_ENOTFOUND, "no order %lld", (long long)order);
    char token[LW_TOKEN_CHARS + 1];
    unsigned char th[32];
    lw_token_new(token);
    lw_token_hash(token, th);
    int64_t expires = tx->now + 86400 * (has_days ? days : 7);
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO approval_link (token_hash, order_id, created_at,"
                           " expires_at) VALUES (?1, ?2, ?3, ?4)",
                           &st, err)))
        return rc;
    sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_TRANSIENT);
    lw_bind_i64(st, 2, order);
    lw_bind_i64(st, 3, tx->now);
    lw_bind_i64(st, 4, expires);
    if ((rc = lw_stmt_run(tx->c, st, "link", err)))
        return rc;
    char path[80];
    snprintf(path, sizeof path, "/approve/%s", token);
    json_object_set_new(out, "token", json_string(token));
    json_object_set_new(out, "path", json_string(path));
    json_object_set_new(out, "expires_at", json_integer(expires));
    char obj[48], detail[64];
    snprintf(obj, sizeof obj, "order %lld", (long long)order);
    snprintf(detail, sizeof detail, "approval link until %lld", (long long)expires);
    return lw_audit_add(tx, "link.create", obj, detail, err);
}

/* What a customer's link shows: the order's pieces with their newest design, its weight and
 * price, and where each stands. Nothing of the workshop's notes or files. */
static lw_rc link_view(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    int64_t order = tx->who->order_id;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT o.code, c.name, o.currency, o.quote_minor, o.paid_minor,"
                            " o.promised_at FROM orders o JOIN customer c ON c.id ="
                            " o.customer_id WHERE o.id = ?1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, order);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "the order of this link is gone");
    }
    static const char *const ocols[] = {"order", "customer", "currency", "quote_minor",
                                        "paid_minor", "promised_at"};
    for (int i = 0; i < 6; i++)
        lw_json_col(out, ocols[i], st, i);
    sqlite3_reset(st);
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT p.id, p.code, p.kind, p.metal, p.ring_circ_cmm, p.ring_chart,"
                           " p.stage, p.approval_rounds, r.id, r.number, r.metal_mg,"
                           " r.price_minor, r.preview_blob IS NOT NULL, p.approved_revision"
                           " FROM piece p LEFT JOIN revision r ON r.piece_id = p.id AND"
                           " r.number = (SELECT MAX(number) FROM revision q WHERE q.piece_id ="
                           " p.id) WHERE p.order_id = ?1 ORDER BY p.id",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, order);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *p = json_object();
        static const char *const pcols[] = {"id", "code", "kind", "metal"};
        for (int i = 0; i < 4; i++)
            lw_json_col(p, pcols[i], st, i);
        const lw_metal *m = tx->shop->metals ? lw_metals_find(tx->shop->metals,
                                                              lw_col_text(st, 3))
                                             : NULL;
        json_object_set_new(p, "metal_name", json_string(m ? m->name : lw_col_text(st, 3)));
        if (sqlite3_column_type(st, 4) == SQLITE_INTEGER)
            json_object_set_new(p, "ring_size",
                                lw_ring_size_json(tx->shop, sqlite3_column_int64(st, 4),
                                                  lw_col_text(st, 5)));
        lw_json_col(p, "stage", st, 6);
        lw_json_col(p, "rounds", st, 7);
        json_object_set_new(p, "waiting_for_you",
                            json_boolean(strcmp(lw_col_text(st, 6), "approval") == 0 &&
                                         sqlite3_column_type(st, 8) == SQLITE_INTEGER));
        if (sqlite3_column_type(st, 8) == SQLITE_INTEGER)
            json_object_set_new(
                p, "design",
                json_pack("{s:I,s:I,s:I,s:I,s:b,s:b}", "revision_id",
                          (json_int_t)sqlite3_column_int64(st, 8), "number",
                          (json_int_t)sqlite3_column_int64(st, 9), "metal_mg",
                          (json_int_t)sqlite3_column_int64(st, 10), "price_minor",
                          (json_int_t)sqlite3_column_int64(st, 11), "has_preview",
                          sqlite3_column_int(st, 12), "approved",
                          sqlite3_column_type(st, 13) == SQLITE_INTEGER &&
                              sqlite3_column_int64(st, 13) == sqlite3_column_int64(st, 8)));
        else
            json_object_set_new(p, "design", json_null());
        json_array_append_new(arr, p);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "pieces", arr);
    return LW_OK;
}

const lw_action lw_actions_link[] = {
    {"link.create", LW_ROLE_OWNER | LW_ROLE_FRONT, true, link_create},
    {"link.view", LW_ROLE_CUSTOMER, false, link_view},
};
const size_t lw_nactions_link = sizeof lw_actions_link / sizeof *lw_actions_link;
