/* lostwax: the studio's prices: metal per gram (one version a day, so a quote can always say
 * which day's price it used) and labour by kind of piece. */
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/shop_int.h"

static lw_rc price_set(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"metal", "minor_per_g"};
    const char *metal;
    int64_t minor;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_text(in, "metal", 1, 40, &metal, err)) ||
        (rc = lw_in_int(in, "minor_per_g", 1, 100000000, &minor, err)))
        return rc;
    const lw_metal *m;
    if (!tx->shop->metals)
        return lw_err_set(err, LW_EUNSUPPORTED, "no metal table loaded");
    if ((rc = lw_metals_get(tx->shop->metals, metal, LW_METAL_ALLOY, &m, err))) {
        lw_err_prefix(err, "metal");
        return LW_EINVAL;
    }
    /* Today's row is replaced, earlier days are kept: quotes made on them stay explainable. */
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO metal_price (metal, day, minor_per_g, staff_id) VALUES"
                           " (?1, ?2, ?3, ?4) ON CONFLICT (metal, day) DO UPDATE SET"
                           " minor_per_g = excluded.minor_per_g, staff_id = excluded.staff_id",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, m->id);
    lw_bind_i64(st, 2, tx->now / 86400);
    lw_bind_i64(st, 3, minor);
    lw_bind_opt_i64(st, 4, tx->who->staff_id != 0, tx->who->staff_id);
    if ((rc = lw_stmt_run(tx->c, st, "price", err)))
        return rc;
    char detail[96];
    snprintf(detail, sizeof detail, "%s: %lld per g", m->id, (long long)minor);
    json_object_set_new(out, "metal", json_string(m->id));
    json_object_set_new(out, "minor_per_g", json_integer(minor));
    json_object_set_new(out, "day", json_integer(tx->now / 86400));
    return lw_audit_add(tx, "price.set", "metal price", detail, err);
}

static lw_rc price_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT p.metal, p.minor_per_g, p.day FROM metal_price p WHERE"
                            " p.day = (SELECT MAX(day) FROM metal_price q WHERE q.metal ="
                            " p.metal AND q.day <= ?1) ORDER BY p.metal",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, tx->now / 86400);
    json_t *metals = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        lw_json_col(o, "metal", st, 0);
        lw_json_col(o, "minor_per_g", st, 1);
        lw_json_col(o, "day", st, 2);
        const lw_metal *m = tx->shop->metals ? lw_metals_find(tx->shop->metals,
                                                              lw_col_text(st, 0))
                                             : NULL;
        json_object_set_new(o, "name", json_string(m ? m->name : lw_col_text(st, 0)));
        json_array_append_new(metals, o);
    }
    sqlite3_reset(st);
    if ((rc = lw_conn_stmt(tx->c, "SELECT kind, minor, hours_design FROM labour_price ORDER BY"
                                  " kind",
                           &st, err)))
        return rc;
    json_t *labour = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        lw_json_col(o, "kind", st, 0);
        lw_json_col(o, "minor", st, 1);
        json_array_append_new(labour, o);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "metals", metals);
    json_object_set_new(out, "labour", labour);
    json_object_set_new(out, "currency", json_string(tx->shop->currency));
    return LW_OK;
}

static lw_rc labour_set(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"kind", "minor"};
    static const char *const kinds[] = {"ring", "band", "pendant", "earrings", "bracelet",
                                        "brooch", "other"};
    int kind;
    int64_t minor;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_enum(in, "kind", kinds, 7, &kind, err)) ||
        (rc = lw_in_int(in, "minor", 0, 100000000, &minor, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO labour_price (kind, minor) VALUES (?1, ?2)"
                           " ON CONFLICT (kind) DO UPDATE SET minor = excluded.minor",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, kinds[kind]);
    lw_bind_i64(st, 2, minor);
    if ((rc = lw_stmt_run(tx->c, st, "labour", err)))
        return rc;
    char detail[64];
    snprintf(detail, sizeof detail, "%s: %lld", kinds[kind], (long long)minor);
    json_object_set_new(out, "kind", json_string(kinds[kind]));
    json_object_set_new(out, "minor", json_integer(minor));
    return lw_audit_add(tx, "labour.set", "labour price", detail, err);
}

const lw_action lw_actions_price[] = {
    {"price.set", LW_ROLE_OWNER, true, price_set},
    {"price.list", LW_ROLE_OWNER | LW_ROLE_FRONT, false, price_list},
    {"labour.set", LW_ROLE_OWNER, true, labour_set},
};
const size_t lw_nactions_price = sizeof lw_actions_price / sizeof *lw_actions_price;
