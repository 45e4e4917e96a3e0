/* lostwax: customers, their contact details and the ring sizes on file; and the ring-size
 * reading and showing every part of the shop shares. */
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/shop_int.h"

static const char *const k_systems[] = {"us", "uk", "iso", "ch", "jp", "hk", "in", "cn"};

lw_rc lw_in_ring_size(lw_tx *tx, const json_t *in, const char *key, const char *chart_key,
                      bool *has, lw_ring_size *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    const char *text, *chart;
    lw_rc rc;
    if ((rc = lw_in_opt_text(in, key, 20, NULL, &text, err)) ||
        (rc = lw_in_opt_text(in, chart_key, 30, NULL, &chart, err)))
        return rc;
    *has = text != NULL;
    if (!text)
        return LW_OK;
    if (!chart) {
        rc = lw_ring_size_parse_mm(text, out, NULL, NULL, err);
    } else {
        const lw_ring_chart *c;
        if (!tx->shop->charts)
            return lw_err_set(err, LW_EUNSUPPORTED, "%s: no ring-size charts loaded", key);
        if ((rc = lw_ring_charts_get(tx->shop->charts, chart, &c, err))) {
            lw_err_prefix(err, "%s", chart_key);
            return LW_EINVAL;
        }
        rc = lw_ring_size_parse(c, text, out, err);
    }
    if (rc) {
        lw_err_prefix(err, "%s", key);
        return LW_EINVAL;
    }
    return LW_OK;
}

json_t *lw_ring_size_json(const lw_shop *s, int64_t circ_cmm, const char *chart)
{
    json_t *o = json_object();
    json_object_set_new(o, "circ_cmm", json_integer(circ_cmm));
    json_object_set_new(o, "chart", json_string(chart));
    json_object_set_new(o, "inner_diameter_mm",
                        json_real(lw_ring_dia_mm((lw_circ_cmm)circ_cmm)));
    const lw_ring_chart *own = s->charts ? lw_ring_charts_find(s->charts, chart) : NULL;
    lw_ring_match m;
    if (own) {
        lw_ring_size_to(own, (lw_circ_cmm)circ_cmm, &m);
        json_object_set_new(o, "label", m.found ? json_string(m.label) : json_null());
    } else {
        char mm[32];
        snprintf(mm, sizeof mm, "%.2f mm", lw_ring_circ_mm((lw_circ_cmm)circ_cmm));
        json_object_set_new(o, "label", json_string(mm));
    }
    json_t *sizes = json_object();
    for (size_t i = 0; i < sizeof k_systems / sizeof *k_systems; i++) {
        const lw_ring_chart *c = s->charts ? lw_ring_charts_find(s->charts, k_systems[i]) : NULL;
        if (c)
            lw_ring_size_to(c, (lw_circ_cmm)circ_cmm, &m);
        json_object_set_new(sizes, k_systems[i],
                            c && m.found ? json_string(m.label) : json_null());
    }
    json_object_set_new(o, "sizes", sizes);
    return o;
}

/* ---- actions ---- */

static lw_rc customer_fields(const json_t *in, bool partial, const char **name,
                             const char **email, const char **phone, const char **notes,
                             lw_err *err)
{
    lw_rc rc = partial ? lw_in_opt_text(in, "name", 120, NULL, name, err)
                       : lw_in_text(in, "name", 1, 120, name, err);
    if (!rc && partial && *name && !**name)
        rc = lw_err_set(err, LW_EINVAL, "name: expected 1 to 120 characters, got 0");
    if (!rc)
        rc = lw_in_opt_text(in, "email", 200, partial ? NULL : "", email, err);
    if (!rc && *email && **email && !strchr(*email, '@'))
        rc = lw_err_set(err, LW_EINVAL, "email: '%.80s' has no @", *email);
    if (!rc)
        rc = lw_in_opt_text(in, "phone", 40, partial ? NULL : "", phone, err);
    if (!rc)
        rc = lw_in_opt_text(in, "notes", 4000, partial ? NULL : "", notes, err);
    return rc;
}

static lw_rc customer_create(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"name", "email", "phone", "notes"};
    const char *name, *email, *phone, *notes;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 4, err)) ||
        (rc = customer_fields(in, false, &name, &email, &phone, &notes, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO customer (name, email, phone, notes, created_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5)",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, name);
    lw_bind_text(st, 2, email);
    lw_bind_text(st, 3, phone);
    lw_bind_text(st, 4, notes);
    lw_bind_i64(st, 5, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "customer", err)))
        return rc;
    int64_t id = lw_conn_last_id(tx->c);
    char obj[48];
    snprintf(obj, sizeof obj, "customer %lld", (long long)id);
    json_object_set_new(out, "id", json_integer(id));
    return lw_audit_add(tx, "customer.create", obj, name, err);
}

static lw_rc customer_update(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "name", "email", "phone", "notes"};
    const char *name, *email, *phone, *notes;
    int64_t id;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 5, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)) ||
        (rc = customer_fields(in, true, &name, &email, &phone, &notes, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "UPDATE customer SET name = COALESCE(?2, name), email = COALESCE(?3,"
                           " email), phone = COALESCE(?4, phone), notes = COALESCE(?5, notes)"
                           " WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, name);
    lw_bind_text(st, 3, email);
    lw_bind_text(st, 4, phone);
    lw_bind_text(st, 5, notes);
    if ((rc = lw_stmt_run(tx->c, st, "customer", err)))
        return rc;
    if (sqlite3_changes(lw_conn_sqlite(tx->c)) == 0)
        return lw_err_set(err, LW_ENOTFOUND, "no customer %lld", (long long)id);
    char obj[48];
    snprintf(obj, sizeof obj, "customer %lld", (long long)id);
    json_object_set_new(out, "id", json_integer(id));
    return lw_audit_add(tx, "customer.update", obj, "details changed", err);
}

static lw_rc customer_size_add(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "finger", "size", "chart"};
    int64_t id;
    const char *finger;
    bool has;
    lw_ring_size rs;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 4, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)) ||
        (rc = lw_in_opt_text(in, "finger", 40, "", &finger, err)) ||
        (rc = lw_in_ring_size(tx, in, "size", "chart", &has, &rs, err)))
        return rc;
    if (!has)
        return lw_err_set(err, LW_EINVAL, "size: required");
    bool found;
    int64_t dummy;
    if ((rc = lw_query_i64(tx, "SELECT id FROM customer WHERE id = ?1", id, &found, &dummy,
                           err)))
        return rc;
    if (!found)
        return lw_err_set(err, LW_ENOTFOUND, "no customer %lld", (long long)id);
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO customer_size (customer_id, finger, circ_cmm, chart,"
                           " noted_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, finger);
    lw_bind_i64(st, 3, rs.circ_cmm);
    lw_bind_text(st, 4, rs.chart);
    lw_bind_i64(st, 5, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "ring size", err)))
        return rc;
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "customer %lld", (long long)id);
    snprintf(detail, sizeof detail, "%s: %.2f mm (%s)", finger[0] ? finger : "ring size",
             lw_ring_circ_mm(rs.circ_cmm), rs.chart);
    json_object_set_new(out, "size", lw_ring_size_json(tx->shop, rs.circ_cmm, rs.chart));
    return lw_audit_add(tx, "customer.size_add", obj, detail, err);
}

static lw_rc customer_get(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id"};
    int64_t id;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 1, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT id, name, email, phone, notes, created_at FROM customer"
                           " WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    static const char *const cols[] = {"id", "name", "email", "phone", "notes", "created_at"};
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "no customer %lld", (long long)id);
    }
    for (int i = 0; i < 6; i++)
        lw_json_col(out, cols[i], st, i);
    sqlite3_reset(st);
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT finger, circ_cmm, chart, noted_at FROM customer_size"
                           " WHERE customer_id = ?1 ORDER BY noted_at DESC, id DESC",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    json_t *sizes = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *z = lw_ring_size_json(tx->shop, sqlite3_column_int64(st, 1), lw_col_text(st, 2));
        lw_json_col(z, "finger", st, 0);
        lw_json_col(z, "noted_at", st, 3);
        json_array_append_new(sizes, z);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "sizes", sizes);
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT id, code, status, created_at, promised_at FROM orders"
                           " WHERE customer_id = ?1 ORDER BY id DESC",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    json_t *orders = json_array();
    static const char *const ocols[] = {"id", "code", "status", "created_at", "promised_at"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < 5; i++)
            lw_json_col(o, ocols[i], st, i);
        json_array_append_new(orders, o);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "orders", orders);
    return LW_OK;
}

static lw_rc customer_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"q", "limit", "offset"};
    const char *q;
    int64_t limit, offset;
    bool has_limit, has_offset;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 3, err)) ||
        (rc = lw_in_opt_text(in, "q", 100, "", &q, err)) ||
        (rc = lw_in_opt_int(in, "limit", 1, 500, &has_limit, &limit, err)) ||
        (rc = lw_in_opt_int(in, "offset", 0, INT32_MAX, &has_offset, &offset, err)))
        return rc;
    /* The search is a plain substring of name, email or phone: a counter looks people up by
     * whatever they remember. LIKE's wildcards in q are taken literally. */
    char pat[420];
    size_t k = 0;
    pat[k++] = '%';
    for (const char *p = q; *p && k + 3 < sizeof pat; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            pat[k++] = '\\';
        pat[k++] = *p;
    }
    pat[k++] = '%';
    pat[k] = 0;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT c.id, c.name, c.email, c.phone,"
                           " (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id"
                           "  AND o.status = 'open') FROM customer c"
                           " WHERE c.name LIKE ?1 ESCAPE '\\' OR c.email LIKE ?1 ESCAPE '\\'"
                           " OR c.phone LIKE ?1 ESCAPE '\\'"
                           " ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?2 OFFSET ?3",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, pat);
    lw_bind_i64(st, 2, has_limit ? limit : 100);
    lw_bind_i64(st, 3, offset);
    static const char *const cols[] = {"id", "name", "email", "phone", "open_orders"};
    json_t *arr = json_array();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < 5; i++)
            lw_json_col(o, cols[i], st, i);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "customers", arr);
    return r == SQLITE_DONE ? LW_OK : lw_conn_fail(tx->c, r, "customers", err);
}

#define FRONT (LW_ROLE_OWNER | LW_ROLE_FRONT)

const lw_action lw_actions_customer[] = {
    {"customer.create", FRONT, true, customer_create},
    {"customer.update", FRONT, true, customer_update},
    {"customer.size_add", FRONT, true, customer_size_add},
    {"customer.get", FRONT, false, customer_get},
    {"customer.list", FRONT, false, customer_list},
};
const size_t lw_nactions_customer = sizeof lw_actions_customer / sizeof *lw_actions_customer;

/* ---- the counter's converters ---- */

static lw_rc size_convert(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"size", "chart"};
    bool has;
    lw_ring_size rs;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_ring_size(tx, in, "size", "chart", &has, &rs, err)))
        return rc;
    if (!has)
        return lw_err_set(err, LW_EINVAL, "size: required");
    json_object_set_new(out, "size", lw_ring_size_json(tx->shop, rs.circ_cmm, rs.chart));
    return LW_OK;
}

static lw_rc gem_estimate(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"stone", "cut", "length_um", "width_um", "depth_um"};
    const char *stone_id, *cut_id;
    int64_t l, w, d;
    bool has_w, has_d;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 5, err)) ||
        (rc = lw_in_opt_text(in, "stone", 40, "diamond", &stone_id, err)) ||
        (rc = lw_in_text(in, "cut", 1, 40, &cut_id, err)) ||
        (rc = lw_in_int(in, "length_um", 500, 60000, &l, err)) ||
        (rc = lw_in_opt_int(in, "width_um", 500, 60000, &has_w, &w, err)) ||
        (rc = lw_in_opt_int(in, "depth_um", 300, 60000, &has_d, &d, err)))
        return rc;
    const lw_stone *stone;
    const lw_cut *cut;
    if (!tx->shop->gems)
        return lw_err_set(err, LW_EUNSUPPORTED, "no gem tables loaded");
    if (lw_gem_get_stone(tx->shop->gems, stone_id, &stone, err) ||
        lw_gem_get_cut(tx->shop->gems, cut_id, &cut, err))
        return LW_EINVAL;
    lw_gem_estimate est;
    if (lw_gem_estimate_ct(stone, cut, l / 1000.0, has_w ? w / 1000.0 : 0,
                           has_d ? d / 1000.0 : 0, &est, err))
        return LW_EINVAL;
    json_object_set_new(out, "stone", json_string(stone->id));
    json_object_set_new(out, "cut", json_string(cut->id));
    json_object_set_new(out, "mct", json_integer(est.mct));
    json_object_set_new(out, "length_mm", json_real(est.length));
    json_object_set_new(out, "width_mm", json_real(est.width));
    json_object_set_new(out, "depth_mm", json_real(est.depth));
    json_object_set_new(out, "trade_mct", est.has_trade ? json_integer(est.trade_mct)
                                                        : json_null());
    return LW_OK;
}

/* The trade tables as the counter's forms offer them: alloys (with their preview colour),
 * stones, cuts, ring-size systems and the kinds of piece. */
static lw_rc tables_get(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    (void)in;
    (void)err;
    const lw_shop *s = tx->shop;
    json_t *metals = json_array(), *stones = json_array(), *cuts = json_array(),
           *systems = json_array(), *kinds = json_array();
    for (size_t i = 0; s->metals && i < s->metals->n; i++) {
        const lw_metal *m = &s->metals->items[i];
        if (m->kind != LW_METAL_ALLOY)
            continue;
        char rgb[8];
        snprintf(rgb, sizeof rgb, "#%06x", (unsigned)m->rgb);
        json_array_append_new(metals, json_pack("{s:s,s:s,s:s,s:i,s:f}", "id", m->id, "name",
                                                m->name, "colour", rgb, "fineness",
                                                (int)m->fineness, "density", m->density));
    }
    for (size_t i = 0; s->gems && i < s->gems->nstones; i++)
        json_array_append_new(stones, json_pack("{s:s,s:s}", "id", s->gems->stones[i].id,
                                                "name", s->gems->stones[i].name));
    for (size_t i = 0; s->gems && i < s->gems->ncuts; i++)
        json_array_append_new(cuts, json_pack("{s:s,s:s,s:b}", "id", s->gems->cuts[i].id,
                                              "name", s->gems->cuts[i].name, "symmetric",
                                              s->gems->cuts[i].symmetric));
    for (size_t i = 0; i < sizeof k_systems / sizeof *k_systems; i++)
        json_array_append_new(systems, json_string(k_systems[i]));
    static const char *const k_kinds[] = {"ring", "band", "pendant", "earrings", "bracelet",
                                          "brooch", "other"};
    for (size_t i = 0; i < sizeof k_kinds / sizeof *k_kinds; i++)
        json_array_append_new(kinds, json_string(k_kinds[i]));
    json_object_set_new(out, "metals", metals);
    json_object_set_new(out, "stones", stones);
    json_object_set_new(out, "cuts", cuts);
    json_object_set_new(out, "ring_systems", systems);
    json_object_set_new(out, "kinds", kinds);
    json_object_set_new(out, "currency", json_string(s->currency));
    return LW_OK;
}

const lw_action lw_actions_counter[] = {
    {"tables.get", LW_ROLES_STAFF, false, tables_get},
    {"size.convert", LW_ROLES_STAFF, false, size_convert},
    {"gem.estimate", LW_ROLES_STAFF, false, gem_estimate},
};
const size_t lw_nactions_counter = sizeof lw_actions_counter / sizeof *lw_actions_counter;
