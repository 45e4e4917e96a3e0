/* lostwax: orders and their pieces at the counter: taking an order with its specification,
 * the quote (metal weight x today's price per gram + stones + labour), payments, and the date
 * promised from the workshop's load. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/promise.h"
#include "shop/shop_int.h"

#define MAX_PIECES 20
#define MAX_STONES 60

static const char *const k_kinds[] = {"ring", "band", "pendant", "earrings", "bracelet",
                                      "brooch", "other"};
/* Work each kind takes, hours: design, and bench (cleanup + polish + QC); setting adds
 * SETTING_H per stone. Editable defaults until the planning issue measures them. */
static const double k_design_h[] = {3, 1.5, 2.5, 3, 3, 3, 3};
static const double k_bench_h[] = {2.5, 2, 2.5, 3, 3.5, 3, 3};
#define SETTING_H 0.4

static int kind_index(const char *k)
{
    for (size_t i = 0; i < sizeof k_kinds / sizeof *k_kinds; i++)
        if (strcmp(k, k_kinds[i]) == 0)
            return (int)i;
    return (int)(sizeof k_kinds / sizeof *k_kinds) - 1;
}

/* Today's day number in the studio (for the one-price-a-day table). */
static int64_t day_of(int64_t t) { return t / 86400; }

/* ---- reading a piece's specification ---- */

typedef struct stone_in {
    const char *stone, *cut;
    int64_t length_um, width_um, count, mct_each, price_each;
    bool customer_owned;
} stone_in;

static lw_rc read_stone(lw_tx *tx, const json_t *j, size_t i, stone_in *s, lw_err *err)
{
    static const char *const keys[] = {"stone", "cut", "length_um", "width_um", "count",
                                       "mct_each", "customer_owned", "price_minor_each"};
    bool has_w, has_mct, has_price;
    lw_rc rc;
    if ((rc = lw_in_only(j, keys, 8, err)) ||
        (rc = lw_in_text(j, "stone", 1, 40, &s->stone, err)) ||
        (rc = lw_in_text(j, "cut", 1, 40, &s->cut, err)) ||
        (rc = lw_in_int(j, "length_um", 500, 60000, &s->length_um, err)) ||
        (rc = lw_in_opt_int(j, "width_um", 500, 60000, &has_w, &s->width_um, err)) ||
        (rc = lw_in_int(j, "count", 1, 500, &s->count, err)) ||
        (rc = lw_in_opt_int(j, "mct_each", 1, 100000000, &has_mct, &s->mct_each, err)) ||
        (rc = lw_in_bool(j, "customer_owned", false, &s->customer_owned, err)) ||
        (rc = lw_in_opt_int(j, "price_minor_each", 0, 100000000000, &has_price, &s->price_each,
                            err))) {
        lw_err_prefix(err, "stones[%zu]", i);
        return rc;
    }
    if (!has_w)
        s->width_um = s->length_um;
    const lw_stone *stone;
    const lw_cut *cut;
    if (!tx->shop->gems)
        return lw_err_set(err, LW_EUNSUPPORTED, "no gem tables loaded");
    if ((rc = lw_gem_get_stone(tx->shop->gems, s->stone, &stone, err)) ||
        (rc = lw_gem_get_cut(tx->shop->gems, s->cut, &cut, err))) {
        lw_err_prefix(err, "stones[%zu]", i);
        return LW_EINVAL;
    }
    s->stone = stone->id;
    s->cut = cut->id;
    if (!has_mct) {
        lw_gem_estimate est;
        if ((rc = lw_gem_estimate_ct(stone, cut, s->length_um / 1000.0, s->width_um / 1000.0, 0,
                                     &est, err))) {
            lw_err_prefix(err, "stones[%zu]", i);
            return LW_EINVAL;
        }
        s->mct_each = est.mct;
    }
    return LW_OK;
}

static lw_rc insert_piece(lw_tx *tx, int64_t order_id, const json_t *p, size_t i,
                          int64_t order_due, bool order_rush, json_t *out_pieces, lw_err *err)
{
    static const char *const keys[] = {"kind", "metal", "ring_size", "ring_chart", "stones",
                                       "est_metal_mg", "notes", "rush", "due_at"};
    const char *kind, *metal, *notes;
    const json_t *stones;
    bool has_size, has_est, has_due, rush;
    lw_ring_size rs;
    int64_t est, due;
    int k;
    lw_rc rc;
    if ((rc = lw_in_only(p, keys, 9, err)) ||
        (rc = lw_in_enum(p, "kind", k_kinds, sizeof k_kinds / sizeof *k_kinds, &k, err)) ||
        (rc = lw_in_text(p, "metal", 1, 40, &metal, err)) ||
        (rc = lw_in_ring_size(tx, p, "ring_size", "ring_chart", &has_size, &rs, err)) ||
        (rc = lw_in_opt_array(p, "stones", MAX_STONES, &stones, err)) ||
        (rc = lw_in_opt_int(p, "est_metal_mg", 0, 10000000, &has_est, &est, err)) ||
        (rc = lw_in_opt_text(p, "notes", 4000, "", &notes, err)) ||
        (rc = lw_in_bool(p, "rush", order_rush, &rush, err)) ||
        (rc = lw_in_opt_int(p, "due_at", 0, INT64_MAX, &has_due, &due, err))) {
        lw_err_prefix(err, "pieces[%zu]", i);
        return rc;
    }
    kind = k_kinds[k];
    const lw_metal *m;
    if (!tx->shop->metals)
        return lw_err_set(err, LW_EUNSUPPORTED, "no metal table loaded");
    if ((rc = lw_metals_get(tx->shop->metals, metal, LW_METAL_ALLOY, &m, err))) {
        lw_err_prefix(err, "pieces[%zu].metal", i);
        return LW_EINVAL;
    }
    if ((k == 0 || k == 1) && !has_size)
        return lw_err_set(err, LW_EINVAL, "pieces[%zu].ring_size: a %s needs a ring size", i,
                          kind);
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO piece (code, order_id, kind, metal, ring_circ_cmm,"
                           " ring_chart, stage, stage_since, rush, due_at, notes, est_metal_mg,"
                           " created_at) VALUES ('', ?1, ?2, ?3, ?4, ?5, 'design', ?6, ?7, ?8,"
                           " ?9, ?10, ?6)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, order_id);
    lw_bind_text(st, 2, kind);
    lw_bind_text(st, 3, m->id);
    lw_bind_opt_i64(st, 4, has_size, rs.circ_cmm);
    lw_bind_text(st, 5, has_size ? rs.chart : NULL);
    lw_bind_i64(st, 6, tx->now);
    lw_bind_i64(st, 7, rush);
    lw_bind_opt_i64(st, 8, has_due || order_due, has_due ? due : order_due);
    lw_bind_text(st, 9, notes);
    lw_bind_opt_i64(st, 10, has_est, est);
    if ((rc = lw_stmt_run(tx->c, st, "piece", err)))
        return rc;
    int64_t id = lw_conn_last_id(tx->c);
    char code[32];
    snprintf(code, sizeof code, "PC-%05lld", (long long)id);
    if ((rc = lw_conn_stmt(tx->c, "UPDATE piece SET code = ?2 WHERE id = ?1", &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, code);
    if ((rc = lw_stmt_run(tx->c, st, "piece", err)))
        return rc;
    for (size_t j = 0; stones && j < json_array_size(stones); j++) {
        stone_in s;
        if ((rc = read_stone(tx, json_array_get(stones, j), j, &s, err))) {
            lw_err_prefix(err, "pieces[%zu]", i);
            return rc;
        }
        if ((rc = lw_conn_stmt(tx->c,
                               "INSERT INTO piece_stone (piece_id, stone, cut, length_um,"
                               " width_um, count, mct_each, customer_owned, price_minor_each)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                               &st, err)))
            return rc;
        lw_bind_i64(st, 1, id);
        lw_bind_text(st, 2, s.stone);
        lw_bind_text(st, 3, s.cut);
        lw_bind_i64(st, 4, s.length_um);
        lw_bind_i64(st, 5, s.width_um);
        lw_bind_i64(st, 6, s.count);
        lw_bind_i64(st, 7, s.mct_each);
        lw_bind_i64(st, 8, s.customer_owned);
        lw_bind_i64(st, 9, s.customer_owned ? 0 : s.price_each);
        if ((rc = lw_stmt_run(tx->c, st, "stone", err)))
            return rc;
    }
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO stage_event (piece_id, from_stage, to_stage, staff_id,"
                           " at, note) VALUES (?1, NULL, 'design', ?2, ?3, 'order taken')",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_opt_i64(st, 2, tx->who->staff_id != 0, tx->who->staff_id);
    lw_bind_i64(st, 3, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "stage", err)))
        return rc;
    json_array_append_new(out_pieces, json_pack("{s:I,s:s}", "id", (json_int_t)id, "code", code));
    return LW_OK;
}

/* ---- the quote ---- */

/* The metal weight a piece is quoted on: its newest revision's, else the estimate taken at the
 * counter; *basis says which ("design", "estimate", or "unknown"). */
static lw_rc piece_metal(lw_tx *tx, int64_t piece, int64_t *mg, const char **basis, lw_err *err)
{
    bool found;
    lw_rc rc = lw_query_i64(tx, "SELECT metal_mg FROM revision WHERE piece_id = ?1"
                                " ORDER BY number DESC LIMIT 1",
                            piece, &found, mg, err);
    if (rc || found) {
        *basis = "design";
        return rc;
    }
    rc = lw_query_i64(tx, "SELECT est_metal_mg FROM piece WHERE id = ?1 AND est_metal_mg IS NOT"
                          " NULL",
                      piece, &found, mg, err);
    *basis = found ? "estimate" : "unknown";
    return rc;
}

static lw_rc price_per_g(lw_tx *tx, const char *metal, bool *found, int64_t *minor, lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT minor_per_g FROM metal_price WHERE metal = ?1 AND day <= ?2"
                            " ORDER BY day DESC LIMIT 1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_text(st, 1, metal);
    lw_bind_i64(st, 2, day_of(tx->now));
    *found = sqlite3_step(st) == SQLITE_ROW;
    *minor = *found ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return LW_OK;
}

lw_rc lw_piece_price(lw_tx *tx, int64_t piece, int64_t metal_mg, int64_t *total, lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT p.metal, COALESCE((SELECT minor FROM labour_price l WHERE"
                            " l.kind = p.kind), 0), (SELECT COALESCE(SUM(count *"
                            " price_minor_each), 0) FROM piece_stone s WHERE s.piece_id = p.id"
                            " AND customer_owned = 0) FROM piece p WHERE p.id = ?1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, piece);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "no piece %lld", (long long)piece);
    }
    char metal[48];
    snprintf(metal, sizeof metal, "%s", lw_col_text(st, 0));
    int64_t labour = sqlite3_column_int64(st, 1), stones = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    bool priced;
    int64_t per_g;
    if ((rc = price_per_g(tx, metal, &priced, &per_g, err)))
        return rc;
    *total = (priced ? (metal_mg * per_g + 500) / 1000 : 0) + stones + labour;
    return LW_OK;
}

/* Quotes every piece of an order into out ({pieces: [...], total_minor, currency,
 * complete}) and stores the total on the order. */
static lw_rc quote_order(lw_tx *tx, int64_t order_id, json_t *out, int64_t *total_out,
                         lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT p.id, p.code, p.kind, p.metal,"
                            " COALESCE((SELECT minor FROM labour_price l WHERE l.kind = p.kind),"
                            " 0), (SELECT COALESCE(SUM(count * price_minor_each), 0) FROM"
                            " piece_stone s WHERE s.piece_id = p.id AND customer_owned = 0)"
                            " FROM piece p WHERE p.order_id = ?1 ORDER BY p.id",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, order_id);
    /* Copy the rows first: the per-piece queries below reuse the connection's statements. */
    struct row {
        int64_t id, labour, stones;
        char code[32], kind[16], metal[48];
    } rows[MAX_PIECES];
    size_t n = 0;
    while (n < MAX_PIECES && sqlite3_step(st) == SQLITE_ROW) {
        rows[n].id = sqlite3_column_int64(st, 0);
        snprintf(rows[n].code, sizeof rows[n].code, "%s", lw_col_text(st, 1));
        snprintf(rows[n].kind, sizeof rows[n].kind, "%s", lw_col_text(st, 2));
        snprintf(rows[n].metal, sizeof rows[n].metal, "%s", lw_col_text(st, 3));
        rows[n].labour = sqlite3_column_int64(st, 4);
        rows[n].stones = sqlite3_column_int64(st, 5);
        n++;
    }
    sqlite3_reset(st);
    json_t *arr = json_array();
    json_object_set_new(out, "pieces", arr);
    int64_t total = 0;
    bool complete = true;
    for (size_t i = 0; i < n; i++) {
        int64_t mg, per_g;
        const char *basis;
        bool priced;
        if ((rc = piece_metal(tx, rows[i].id, &mg, &basis, err)) ||
            (rc = price_per_g(tx, rows[i].metal, &priced, &per_g, err)))
            return rc;
        /* Metal in minor units: mg x (minor per g) / 1000, rounded half up. */
        int64_t metal_minor = priced ? (mg * per_g + 500) / 1000 : 0;
        complete = complete && priced && strcmp(basis, "unknown") != 0;
        int64_t sum = metal_minor + rows[i].stones + rows[i].labour;
        total += sum;
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:s,s:I,s:s,s:o,s:I,s:I,s:I,s:I}", "id",
                           (json_int_t)rows[i].id, "code", rows[i].code, "metal", rows[i].metal,
                           "metal_mg", (json_int_t)mg, "weight_basis", basis, "price_per_g_minor",
                           priced ? json_integer(per_g) : json_null(), "metal_minor",
                           (json_int_t)metal_minor, "stones_minor", (json_int_t)rows[i].stones,
                           "labour_minor", (json_int_t)rows[i].labour, "total_minor",
                           (json_int_t)sum));
    }
    json_object_set_new(out, "total_minor", json_integer(total));
    json_object_set_new(out, "currency", json_string(tx->shop->currency));
    json_object_set_new(out, "complete", json_boolean(complete));
    /* The usual deposit: half, rounded up to a whole unit of the currency. */
    json_object_set_new(out, "deposit_minor", json_integer((total / 2 + 99) / 100 * 100));
    if ((rc = lw_conn_stmt(tx->c, "UPDATE orders SET quote_minor = ?2 WHERE id = ?1", &st,
                           err)))
        return rc;
    lw_bind_i64(st, 1, order_id);
    lw_bind_i64(st, 2, total);
    *total_out = total;
    return lw_stmt_run(tx->c, st, "order", err);
}

/* ---- the promise ---- */

static lw_rc piece_hours(lw_tx *tx, int64_t piece, const char *kind, double *design,
                         double *bench, lw_err *err)
{
    bool found;
    int64_t stones, revs;
    lw_rc rc;
    if ((rc = lw_query_i64(tx, "SELECT COALESCE(SUM(count), 0) FROM piece_stone WHERE"
                               " piece_id = ?1",
                           piece, &found, &stones, err)) ||
        (rc = lw_query_i64(tx, "SELECT COUNT(*) FROM revision WHERE piece_id = ?1", piece,
                           &found, &revs, err)))
        return rc;
    int k = kind_index(kind);
    *design = revs ? 0 : k_design_h[k];
    *bench = k_bench_h[k] + SETTING_H * (double)stones;
    return LW_OK;
}

/* Hours of design and bench work ahead: the pieces already in those stages (or before them). */
static lw_rc queues(lw_tx *tx, int64_t exclude_order, double *design_q, double *bench_q,
                    lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT p.kind, p.stage, (SELECT COALESCE(SUM(count), 0) FROM"
                            " piece_stone s WHERE s.piece_id = p.id) FROM piece p"
                            " WHERE p.stage NOT IN ('ready','delivered') AND p.order_id != ?1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, exclude_order);
    *design_q = *bench_q = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int k = kind_index(lw_col_text(st, 0));
        const char *stage = lw_col_text(st, 1);
        if (strcmp(stage, "design") == 0)
            *design_q += k_design_h[k];
        *bench_q += k_bench_h[k] + SETTING_H * (double)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return LW_OK;
}

static lw_rc promise_order(lw_tx *tx, int64_t order_id, int64_t deadline, json_t *out,
                           int64_t *promised, char *reason, size_t reason_size, lw_err *err)
{
    double dq, bq;
    lw_rc rc = queues(tx, order_id, &dq, &bq, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c, "SELECT id, kind FROM piece WHERE order_id = ?1", &st, err)))
        return rc;
    lw_bind_i64(st, 1, order_id);
    int64_t ids[MAX_PIECES];
    char kinds[MAX_PIECES][16];
    size_t n = 0;
    while (n < MAX_PIECES && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        snprintf(kinds[n], sizeof kinds[n], "%s", lw_col_text(st, 1));
        n++;
    }
    sqlite3_reset(st);
    /* The order's pieces go through together: their work adds up. */
    double design = 0, bench = 0;
    for (size_t i = 0; i < n; i++) {
        double d, b;
        if ((rc = piece_hours(tx, ids[i], kinds[i], &d, &b, err)))
            return rc;
        design += d;
        bench += b;
    }
    lw_workshop w;
    lw_workshop_default(&w);
    lw_promise_in pin = {.now = tx->now, .design_hours = design, .bench_hours = bench,
                         .design_queue_h = dq, .bench_queue_h = bq, .deadline = deadline};
    lw_promise p;
    lw_promise_plan(&w, &pin, &p);
    json_object_set_new(out, "promised_at", json_integer(p.promised));
    json_object_set_new(out, "hours", json_real(round(p.hours * 10) / 10));
    json_object_set_new(out, "within_48h", json_boolean(p.within_48h));
    json_object_set_new(out, "meets_deadline", json_boolean(p.meets_deadline));
    json_object_set_new(out, "reason", json_string(p.reason));
    json_object_set_new(out, "plan",
                        json_pack("{s:I,s:I,s:I,s:I}", "design_done", (json_int_t)p.design_done,
                                  "printed", (json_int_t)p.printed, "cast", (json_int_t)p.cast,
                                  "ready", (json_int_t)p.ready));
    *promised = p.promised;
    snprintf(reason, reason_size, "%s", p.reason);
    return LW_OK;
}

/* ---- actions ---- */

static lw_rc order_create(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"customer_id", "deadline", "budget_minor", "notes",
                                       "rush", "pieces"};
    int64_t customer, deadline, budget;
    bool has_deadline, has_budget, rush;
    const char *notes;
    const json_t *pieces;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 6, err)) ||
        (rc = lw_in_int(in, "customer_id", 1, INT64_MAX, &customer, err)) ||
        (rc = lw_in_opt_int(in, "deadline", 0, INT64_MAX, &has_deadline, &deadline, err)) ||
        (rc = lw_in_opt_int(in, "budget_minor", 0, 100000000000, &has_budget, &budget, err)) ||
        (rc = lw_in_opt_text(in, "notes", 4000, "", &notes, err)) ||
        (rc = lw_in_bool(in, "rush", false, &rush, err)) ||
        (rc = lw_in_opt_array(in, "pieces", MAX_PIECES, &pieces, err)))
        return rc;
    if (!pieces || json_array_size(pieces) == 0)
        return lw_err_set(err, LW_EINVAL, "pieces: an order needs at least one piece");
    bool found;
    int64_t dummy;
    if ((rc = lw_query_i64(tx, "SELECT id FROM customer WHERE id = ?1", customer, &found,
                           &dummy, err)))
        return rc;
    if (!found)
        return lw_err_set(err, LW_ENOTFOUND, "customer_id: no customer %lld",
                          (long long)customer);
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO orders (code, customer_id, status, deadline,"
                           " budget_minor, currency, notes, created_at) VALUES ('', ?1, 'open',"
                           " ?2, ?3, ?4, ?5, ?6)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, customer);
    lw_bind_opt_i64(st, 2, has_deadline, deadline);
    lw_bind_opt_i64(st, 3, has_budget, budget);
    lw_bind_text(st, 4, tx->shop->currency);
    lw_bind_text(st, 5, notes);
    lw_bind_i64(st, 6, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "order", err)))
        return rc;
    int64_t id = lw_conn_last_id(tx->c);
    char code[32];
    snprintf(code, sizeof code, "ORD-%05lld", (long long)id);
    json_t *plist = json_array();
    json_object_set_new(out, "id", json_integer(id));
    json_object_set_new(out, "code", json_string(code));
    json_object_set_new(out, "pieces", plist);
    for (size_t i = 0; i < json_array_size(pieces); i++)
        if ((rc = insert_piece(tx, id, json_array_get(pieces, i), i,
                               has_deadline ? deadline : 0, rush, plist, err)))
            return rc;
    json_t *quote = json_object(), *promise = json_object();
    json_object_set_new(out, "quote", quote);
    json_object_set_new(out, "promise", promise);
    int64_t total, promised;
    char reason[200];
    if ((rc = quote_order(tx, id, quote, &total, err)) ||
        (rc = promise_order(tx, id, has_deadline ? deadline : 0, promise, &promised, reason,
                            sizeof reason, err)))
        return rc;
    if ((rc = lw_conn_stmt(tx->c,
                           "UPDATE orders SET code = ?2, promised_at = ?3, promise_reason = ?4"
                           " WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, code);
    lw_bind_i64(st, 3, promised);
    lw_bind_text(st, 4, reason);
    if ((rc = lw_stmt_run(tx->c, st, "order", err)))
        return rc;
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "order %lld", (long long)id);
    snprintf(detail, sizeof detail, "%s, %zu piece(s), quote %lld", code,
             json_array_size(pieces), (long long)total);
    return lw_audit_add(tx, "order.create", obj, detail, err);
}

static lw_rc order_exists(lw_tx *tx, int64_t id, lw_err *err)
{
    bool found;
    int64_t dummy;
    lw_rc rc = lw_query_i64(tx, "SELECT id FROM orders WHERE id = ?1", id, &found, &dummy, err);
    if (!rc && !found)
        rc = lw_err_set(err, LW_ENOTFOUND, "no order %lld", (long long)id);
    return rc;
}

static lw_rc order_id_only(lw_tx *tx, const json_t *in, int64_t *id, lw_err *err)
{
    static const char *const keys[] = {"id"};
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 1, err)) || (rc = lw_in_int(in, "id", 1, INT64_MAX, id, err)))
        return rc;
    if (tx->who->role == LW_ROLE_CUSTOMER && *id != tx->who->order_id)
        return lw_err_set(err, LW_EDENIED, "this link is for another order");
    return order_exists(tx, *id, err);
}

static lw_rc order_quote(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    int64_t id, total;
    lw_rc rc = order_id_only(tx, in, &id, err);
    if (!rc)
        rc = quote_order(tx, id, out, &total, err);
    if (!rc) {
        char obj[48], detail[48];
        snprintf(obj, sizeof obj, "order %lld", (long long)id);
        snprintf(detail, sizeof detail, "quote %lld", (long long)total);
        rc = lw_audit_add(tx, "order.quote", obj, detail, err);
    }
    return rc;
}

static lw_rc order_promise(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    int64_t id, promised, deadline;
    bool found;
    char reason[200];
    lw_rc rc = order_id_only(tx, in, &id, err);
    if (!rc)
        rc = lw_query_i64(tx, "SELECT COALESCE(deadline, 0) FROM orders WHERE id = ?1", id,
                          &found, &deadline, err);
    if (!rc)
        rc = promise_order(tx, id, deadline, out, &promised, reason, sizeof reason, err);
    return rc;
}

static void order_row_json(sqlite3_stmt *st, json_t *o)
{
    static const char *const cols[] = {"id", "code", "customer_id", "customer", "status",
                                       "deadline", "budget_minor", "quote_minor",
                                       "deposit_minor", "paid_minor", "currency", "promised_at",
                                       "promise_reason", "notes", "created_at", "delivered_at"};
    for (int i = 0; i < 16; i++)
        lw_json_col(o, cols[i], st, i);
}

#define ORDER_COLS                                                                             \
    "o.id, o.code, o.customer_id, c.name, o.status, o.deadline, o.budget_minor,"              \
    " o.quote_minor, o.deposit_minor, o.paid_minor, o.currency, o.promised_at,"               \
    " o.promise_reason, o.notes, o.created_at, o.delivered_at"

static lw_rc order_get(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    int64_t id;
    lw_rc rc = order_id_only(tx, in, &id, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT " ORDER_COLS " FROM orders o JOIN customer c ON c.id ="
                           " o.customer_id WHERE o.id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        order_row_json(st, out);
    sqlite3_reset(st);
    if (tx->who->role == LW_ROLE_CUSTOMER) /* a customer sees the price, not the notes */
        json_object_del(out, "notes");
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT id, code, kind, metal, ring_circ_cmm, ring_chart, stage,"
                           " stage_since, rush, due_at, est_metal_mg, approved_revision,"
                           " approval_rounds FROM piece WHERE order_id = ?1 ORDER BY id",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    static const char *const pcols[] = {"id", "code", "kind", "metal", "ring_circ_cmm",
                                        "ring_chart", "stage", "stage_since", "rush", "due_at",
                                        "est_metal_mg", "approved_revision", "approval_rounds"};
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *p = json_object();
        for (int i = 0; i < 13; i++)
            lw_json_col(p, pcols[i], st, i);
        json_object_set_new(p, "rush", json_boolean(sqlite3_column_int(st, 8)));
        if (sqlite3_column_type(st, 4) == SQLITE_INTEGER)
            json_object_set_new(p, "ring_size",
                                lw_ring_size_json(tx->shop, sqlite3_column_int64(st, 4),
                                                  lw_col_text(st, 5)));
        json_array_append_new(arr, p);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "pieces", arr);
    return LW_OK;
}

static lw_rc order_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"status", "limit"};
    static const char *const statuses[] = {"open", "delivered", "cancelled", "all"};
    int status = 0;
    int64_t limit;
    bool has_limit;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (json_object_get(in, "status") &&
         (rc = lw_in_enum(in, "status", statuses, 4, &status, err))) ||
        (rc = lw_in_opt_int(in, "limit", 1, 1000, &has_limit, &limit, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT " ORDER_COLS " FROM orders o JOIN customer c ON c.id ="
                           " o.customer_id WHERE ?1 = 'all' OR o.status = ?1"
                           " ORDER BY o.promised_at IS NULL, o.promised_at, o.id LIMIT ?2",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, statuses[status]);
    lw_bind_i64(st, 2, has_limit ? limit : 200);
    json_t *arr = json_array();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        order_row_json(st, o);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "orders", arr);
    return r == SQLITE_DONE ? LW_OK : lw_conn_fail(tx->c, r, "orders", err);
}

static lw_rc order_pay(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "amount_minor", "kind"};
    static const char *const kinds[] = {"deposit", "balance"};
    int64_t id, amount;
    int kind;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 3, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)) ||
        (rc = lw_in_int(in, "amount_minor", 1, 100000000000, &amount, err)) ||
        (rc = lw_in_enum(in, "kind", kinds, 2, &kind, err)) || (rc = order_exists(tx, id, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "UPDATE orders SET paid_minor = paid_minor + ?2, deposit_minor ="
                           " deposit_minor + CASE WHEN ?3 = 0 THEN ?2 ELSE 0 END"
                           " WHERE id = ?1 AND status != 'cancelled'",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_i64(st, 2, amount);
    lw_bind_i64(st, 3, kind);
    if ((rc = lw_stmt_run(tx->c, st, "payment", err)))
        return rc;
    if (sqlite3_changes(lw_conn_sqlite(tx->c)) == 0)
        return lw_err_set(err, LW_ECONFLICT, "order %lld is cancelled", (long long)id);
    bool found;
    int64_t paid, quote;
    if ((rc = lw_query_i64(tx, "SELECT paid_minor FROM orders WHERE id = ?1", id, &found, &paid,
                           err)) ||
        (rc = lw_query_i64(tx, "SELECT COALESCE(quote_minor, 0) FROM orders WHERE id = ?1", id,
                           &found, &quote, err)))
        return rc;
    json_object_set_new(out, "paid_minor", json_integer(paid));
    json_object_set_new(out, "balance_minor", json_integer(quote > paid ? quote - paid : 0));
    char obj[48], detail[64];
    snprintf(obj, sizeof obj, "order %lld", (long long)id);
    snprintf(detail, sizeof detail, "%s %lld", kinds[kind], (long long)amount);
    return lw_audit_add(tx, "order.pay", obj, detail, err);
}

#define FRONT (LW_ROLE_OWNER | LW_ROLE_FRONT)

const lw_action lw_actions_order[] = {
    {"order.create", FRONT, true, order_create},
    {"order.get", FRONT | LW_ROLE_CUSTOMER, false, order_get},
    {"order.list", FRONT, false, order_list},
    {"order.quote", FRONT, true, order_quote},
    {"order.promise", FRONT, false, order_promise},
    {"order.pay", FRONT, true, order_pay},
};
const size_t lw_nactions_order = sizeof lw_actions_order / sizeof *lw_actions_order;
