/* lostwax: the workshop's board. Every piece by stage, rush first and then by due date, with its
 * days in stage and lateness; moving a piece is one action, and who may move it where follows
 * the trade: the designer hands a design to approval, the workshop runs print to cleanup, the
 * bench runs setting to ready, the front desk delivers. Every move is a stage_event, from which
 * lead times are measured. */
#include <stdio.h>
#include <string.h>

#include "shop/input.h"
#include "shop/shop_int.h"

static const char *const k_stages[] = {"design", "approval", "print",  "tree",  "cast",
                                       "cleanup", "setting", "polish", "qc",   "ready",
                                       "delivered"};
#define NSTAGES 11
enum { S_DESIGN, S_APPROVAL, S_PRINT, S_TREE, S_CAST, S_CLEANUP, S_SETTING, S_POLISH, S_QC,
       S_READY, S_DELIVERED };

static int stage_index(const char *s)
{
    for (int i = 0; i < NSTAGES; i++)
        if (strcmp(s, k_stages[i]) == 0)
            return i;
    return -1;
}

/* Who may move a piece into stage `to` (forward by one, or back for rework). */
static unsigned movers(int to)
{
    switch (to) {
    case S_DESIGN: return LW_ROLE_DESIGNER | LW_ROLE_FRONT;
    case S_APPROVAL: return LW_ROLE_DESIGNER | LW_ROLE_FRONT;
    case S_PRINT: return LW_ROLE_FRONT | LW_ROLE_WORKSHOP | LW_ROLE_DESIGNER;
    case S_TREE:
    case S_CAST:
    case S_CLEANUP: return LW_ROLE_WORKSHOP;
    case S_SETTING:
    case S_POLISH:
    case S_QC: return LW_ROLE_WORKSHOP | LW_ROLE_BENCH;
    case S_READY: return LW_ROLE_BENCH;
    case S_DELIVERED: return LW_ROLE_FRONT;
    }
    return 0;
}

static lw_rc board_get(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"metal", "delivered_days"};
    const char *metal;
    int64_t days;
    bool has_days;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_opt_text(in, "metal", 40, NULL, &metal, err)) ||
        (rc = lw_in_opt_int(in, "delivered_days", 0, 365, &has_days, &days, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT p.id, p.code, p.stage, p.stage_since, p.rush, p.due_at,"
                           " p.kind, p.metal, o.code, c.name, o.promised_at, p.ring_circ_cmm,"
                           " (SELECT id FROM revision r WHERE r.piece_id = p.id AND"
                           "  r.preview_blob IS NOT NULL ORDER BY number DESC LIMIT 1)"
                           " FROM piece p JOIN orders o ON o.id = p.order_id"
                           " JOIN customer c ON c.id = o.customer_id"
                           " WHERE (?1 IS NULL OR p.metal = ?1)"
                           " AND (p.stage != 'delivered' OR p.stage_since >= ?2)"
                           " ORDER BY p.rush DESC, COALESCE(p.due_at, o.promised_at,"
                           " 9223372036854775807), p.id",
                           &st, err)))
        return rc;
    lw_bind_text(st, 1, metal);
    lw_bind_i64(st, 2, tx->now - 86400 * (has_days ? days : 7));
    json_t *lanes[NSTAGES];
    for (int i = 0; i < NSTAGES; i++)
        lanes[i] = json_array();
    int r;
    int64_t late = 0, total = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int s = stage_index(lw_col_text(st, 2));
        if (s < 0)
            continue;
        json_t *card = json_object();
        static const char *const cols[] = {"id", "code", "stage", "stage_since", "rush",
                                           "due_at", "kind", "metal", "order", "customer",
                                           "promised_at", "ring_circ_cmm",
                                           "preview_revision"};
        for (int i = 0; i < 13; i++)
            lw_json_col(card, cols[i], st, i);
        json_object_set_new(card, "rush", json_boolean(sqlite3_column_int(st, 4)));
        int64_t since = sqlite3_column_int64(st, 3);
        json_object_set_new(card, "days_in_stage",
                            json_integer(since < tx->now ? (tx->now - since) / 86400 : 0));
        int64_t due = sqlite3_column_type(st, 5) == SQLITE_INTEGER
                          ? sqlite3_column_int64(st, 5)
                          : sqlite3_column_int64(st, 10);
        bool is_late = due && s < S_READY && due < tx->now;
        json_object_set_new(card, "late", json_boolean(is_late));
        late += is_late;
        total++;
        json_array_append_new(lanes[s], card);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        for (int i = 0; i < NSTAGES; i++)
            json_decref(lanes[i]);
        return lw_conn_fail(tx->c, r, "board", err);
    }
    json_t *arr = json_array();
    for (int i = 0; i < NSTAGES; i++)
        json_array_append_new(arr, json_pack("{s:s,s:o}", "stage", k_stages[i], "pieces",
                                             lanes[i]));
    json_object_set_new(out, "lanes", arr);
    json_object_set_new(out, "pieces", json_integer(total));
    json_object_set_new(out, "late", json_integer(late));
    json_object_set_new(out, "now", json_integer(tx->now));
    return LW_OK;
}

static lw_rc piece_get(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "code"};
    int64_t id = 0;
    bool has_id;
    const char *code;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 2, err)) ||
        (rc = lw_in_opt_int(in, "id", 1, INT64_MAX, &has_id, &id, err)) ||
        (rc = lw_in_opt_text(in, "code", 20, NULL, &code, err)))
        return rc;
    if (!has_id && !code)
        return lw_err_set(err, LW_EINVAL, "id or code: required");
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT p.id, p.code, p.order_id, o.code, c.name, p.kind, p.metal,"
                           " p.ring_circ_cmm, p.ring_chart, p.stage, p.stage_since, p.rush,"
                           " p.due_at, p.notes, p.est_metal_mg, p.approved_revision,"
                           " p.approval_rounds, o.promised_at FROM piece p JOIN orders o ON"
                           " o.id = p.order_id JOIN customer c ON c.id = o.customer_id"
                           " WHERE p.id = ?1 OR p.code = ?2",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, code ? code : "");
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return has_id ? lw_err_set(err, LW_ENOTFOUND, "no piece %lld", (long long)id)
                      : lw_err_set(err, LW_ENOTFOUND, "no piece %.20s", code);
    }
    static const char *const cols[] = {"id", "code", "order_id", "order", "customer", "kind",
                                       "metal", "ring_circ_cmm", "ring_chart", "stage",
                                       "stage_since", "rush", "due_at", "notes",
                                       "est_metal_mg", "approved_revision", "approval_rounds",
                                       "promised_at"};
    for (int i = 0; i < 18; i++)
        lw_json_col(out, cols[i], st, i);
    json_object_set_new(out, "rush", json_boolean(sqlite3_column_int(st, 11)));
    id = sqlite3_column_int64(st, 0);
    bool sized = sqlite3_column_type(st, 7) == SQLITE_INTEGER;
    int64_t circ = sqlite3_column_int64(st, 7);
    char chart[48];
    snprintf(chart, sizeof chart, "%s", lw_col_text(st, 8));
    sqlite3_reset(st);
    if (sized)
        json_object_set_new(out, "ring_size", lw_ring_size_json(tx->shop, circ, chart));
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT stone, cut, length_um, width_um, count, mct_each,"
                           " customer_owned, price_minor_each FROM piece_stone WHERE"
                           " piece_id = ?1 ORDER BY id",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    json_t *stones = json_array();
    static const char *const scols[] = {"stone", "cut", "length_um", "width_um", "count",
                                        "mct_each", "customer_owned", "price_minor_each"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *s = json_object();
        for (int i = 0; i < 8; i++)
            lw_json_col(s, scols[i], st, i);
        json_object_set_new(s, "customer_owned", json_boolean(sqlite3_column_int(st, 6)));
        json_array_append_new(stones, s);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "stones", stones);
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT e.from_stage, e.to_stage, e.at, e.note, s.username FROM"
                           " stage_event e LEFT JOIN staff s ON s.id = e.staff_id"
                           " WHERE e.piece_id = ?1 ORDER BY e.id",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    json_t *hist = json_array();
    static const char *const hcols[] = {"from", "to", "at", "note", "by"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *h = json_object();
        for (int i = 0; i < 5; i++)
            lw_json_col(h, hcols[i], st, i);
        json_array_append_new(hist, h);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "history", hist);
    return LW_OK;
}

static lw_rc piece_move(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id", "to", "note"};
    int64_t id;
    int to;
    const char *note;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 3, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &id, err)) ||
        (rc = lw_in_enum(in, "to", k_stages, NSTAGES, &to, err)) ||
        (rc = lw_in_opt_text(in, "note", 1000, "", &note, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT stage, approved_revision, order_id, code FROM piece"
                           " WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "no piece %lld", (long long)id);
    }
    int from = stage_index(lw_col_text(st, 0));
    bool approved = sqlite3_column_type(st, 1) == SQLITE_INTEGER;
    int64_t order = sqlite3_column_int64(st, 2);
    char code[32];
    snprintf(code, sizeof code, "%s", lw_col_text(st, 3));
    sqlite3_reset(st);
    if (!(tx->who->role & (movers(to) | LW_ROLE_OWNER)))
        return lw_err_set(err, LW_EDENIED, "the %s role does not move pieces to %s",
                          lw_role_name(tx->who->role), k_stages[to]);
    if (from == to)
        return lw_err_set(err, LW_ECONFLICT, "%s is already in %s", code, k_stages[to]);
    if (from == S_DELIVERED)
        return lw_err_set(err, LW_ECONFLICT, "%s has been delivered", code);
    if (to > from + 1)
        return lw_err_set(err, LW_ECONFLICT, "%s is in %s: it moves to %s next, not %s", code,
                          k_stages[from], k_stages[from + 1], k_stages[to]);
    if (to < from && !note[0])
        return lw_err_set(err, LW_EINVAL, "note: say why %s goes back to %s", code,
                          k_stages[to]);
    /* The wax is printed from the approved design only. */
    if (from == S_APPROVAL && to == S_PRINT && !approved)
        return lw_err_set(err, LW_ECONFLICT, "%s has no approved design yet", code);
    if ((rc = lw_conn_stmt(tx->c,
                           "UPDATE piece SET stage = ?2, stage_since = ?3 WHERE id = ?1", &st,
                           err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, k_stages[to]);
    lw_bind_i64(st, 3, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "piece", err)))
        return rc;
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO stage_event (piece_id, from_stage, to_stage, staff_id,"
                           " at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, id);
    lw_bind_text(st, 2, k_stages[from]);
    lw_bind_text(st, 3, k_stages[to]);
    lw_bind_opt_i64(st, 4, tx->who->staff_id != 0, tx->who->staff_id);
    lw_bind_i64(st, 5, tx->now);
    lw_bind_text(st, 6, note);
    if ((rc = lw_stmt_run(tx->c, st, "stage", err)))
        return rc;
    if (to == S_DELIVERED) {
        /* The order is delivered with its last piece. */
        bool found;
        int64_t left;
        if ((rc = lw_query_i64(tx, "SELECT COUNT(*) FROM piece WHERE order_id = ?1 AND stage !="
                                   " 'delivered'",
                               order, &found, &left, err)))
            return rc;
        if (left == 0) {
            if ((rc = lw_conn_stmt(tx->c,
                                   "UPDATE orders SET status = 'delivered', delivered_at = ?2"
                                   " WHERE id = ?1",
                                   &st, err)))
                return rc;
            lw_bind_i64(st, 1, order);
            lw_bind_i64(st, 2, tx->now);
            if ((rc = lw_stmt_run(tx->c, st, "order", err)))
                return rc;
        }
        json_object_set_new(out, "order_delivered", json_boolean(left == 0));
    }
    json_object_set_new(out, "id", json_integer(id));
    json_object_set_new(out, "code", json_string(code));
    json_object_set_new(out, "from", json_string(k_stages[from]));
    json_object_set_new(out, "to", json_string(k_stages[to]));
    char obj[48], detail[160];
    snprintf(obj, sizeof obj, "piece %lld", (long long)id);
    snprintf(detail, sizeof detail, "%s: %s -> %s%s%.100s", code, k_stages[from], k_stages[to],
             note[0] ? ": " : "", note);
    return lw_audit_add(tx, "piece.move", obj, detail, err);
}

const lw_action lw_actions_board[] = {
    {"board.get", LW_ROLES_STAFF, false, board_get},
    {"piece.get", LW_ROLES_STAFF, false, piece_get},
    {"piece.move", LW_ROLES_STAFF, true, piece_move},
};
const size_t lw_nactions_board = sizeof lw_actions_board / sizeof *lw_actions_board;
