/* lostwax: the demo studio (see demo.h). */
#include "shop/demo.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "design/band.h"
#include "geom/shapes.h"
#include "geom/stl.h"
#include "shop/revision.h"
#include "shop/shop_int.h"

static const struct {
    const char *user, *display;
    lw_role role;
} k_staff[LW_DEMO_STAFF] = {
    {"olga", "Olga Brandt", LW_ROLE_OWNER},       {"anna", "Anna Ferreira", LW_ROLE_FRONT},
    {"dario", "Dario Conti", LW_ROLE_DESIGNER},   {"wen", "Wen Li", LW_ROLE_WORKSHOP},
    {"bruno", "Bruno Haas", LW_ROLE_BENCH},
};

static const struct {
    const char *metal;
    int64_t per_g;
} k_prices[] = {
    {"18k-yellow", 7250}, {"18k-white-pd", 7900}, {"18k-rose", 7200}, {"14k-yellow", 5600},
    {"sterling", 140},    {"pt950-ru", 4300},     {"9k-yellow", 2900},
};

static const struct {
    const char *kind;
    int64_t minor;
} k_labour[] = {{"ring", 28000},     {"band", 14000},    {"pendant", 22000},
                {"earrings", 26000}, {"bracelet", 32000}, {"other", 20000}};

/* Each demo order: customer, piece, where it stands on the board and for how long. */
static const struct {
    const char *name, *email, *phone;
    const char *kind, *metal, *size, *chart;
    const char *stone, *cut;
    int stone_um, stones;
    int64_t stone_price, est_mg;
    const char *stage;
    int days_in_stage, due_in_days, rush;
} k_orders[] = {
    {"Zoë Ångström", "zoe@example.org", "+46 70 123 4567", "ring", "18k-yellow", "6.5", "us",
     "diamond", "round", 6500, 1, 450000, 4200, "design", 0, 9, 0},
    {"Marcus Webb", "m.webb@example.com", "+44 7700 900123", "band", "pt950-ru", "T", "uk", NULL,
     NULL, 0, 0, 0, 9800, "design", 1, 12, 0},
    {"Priya Nair", "priya.nair@example.in", "+91 98200 12345", "ring", "18k-rose", "14",
     "in", "sapphire", "oval", 7000, 1, 90000, 3900, "approval", 1, 8, 0},
    {"Jonas Keller", "jonas@example.de", "+49 151 2345678", "band", "18k-white-pd", "58",
     "iso", NULL, NULL, 0, 0, 0, 7400, "print", 0, 3, 1},
    {"Léa Moreau", "lea.moreau@example.fr", "+33 6 12 34 56 78", "pendant", "18k-yellow", NULL,
     NULL, "emerald", "pear", 8000, 1, 120000, 2600, "print", 0, 6, 0},
    {"Hiro Tanaka", "hiro@example.jp", "+81 90 1234 5678", "ring", "pt950-ru", "12", "jp",
     "diamond", "round", 5000, 3, 150000, 5100, "tree", 0, 5, 0},
    {"Sofia Rossi", "sofia.rossi@example.it", "+39 333 123 4567", "ring", "18k-yellow", "14",
     "ch", "ruby", "cushion", 6000, 1, 110000, 4600, "cast", 1, 4, 0},
    {"Daniel Okafor", "d.okafor@example.ng", "+234 803 123 4567", "band", "14k-yellow", "10",
     "us", NULL, NULL, 0, 0, 0, 6900, "cleanup", 1, 2, 1},
    {"Emma Lindqvist", "emma.l@example.se", "+46 73 987 6543", "earrings", "18k-white-pd", NULL,
     NULL, "diamond", "round", 3000, 2, 25000, 2100, "setting", 2, -1, 0},
    {"Carlos Mendes", "carlos@example.pt", "+351 912 345 678", "ring", "sterling", "S1/2",
     "uk", "amethyst", "oval", 9000, 1, 6000, 5200, "polish", 1, 1, 0},
    {"Aisha Rahman", "aisha.r@example.ae", "+971 50 123 4567", "ring", "18k-rose", "7",
     "us", "diamond", "round", 4000, 1, 60000, 3500, "qc", 0, 1, 1},
    {"Tom Becker", "tom.becker@example.at", "+43 664 1234567", "band", "18k-yellow", "62",
     "iso", NULL, NULL, 0, 0, 0, 8100, "ready", 0, 0, 0},
    {"Mei Chen", "mei.chen@example.cn", "+86 139 1234 5678", "pendant", "sterling", NULL, NULL,
     NULL, NULL, 0, 0, 0, 3000, "delivered", 2, -3, 0},
};

static const char *const k_stage_order[] = {"design",  "approval", "print", "tree",
                                            "cast",    "cleanup",  "setting", "polish",
                                            "qc",      "ready",    "delivered"};

static int stage_no(const char *s)
{
    for (int i = 0; i < 11; i++)
        if (strcmp(s, k_stage_order[i]) == 0)
            return i;
    return 0;
}

typedef struct seed_ctx {
    lw_tx tx;
    size_t order;      /* which of k_orders */
    int64_t piece_id;
} seed_ctx;

/* Places a piece where the demo wants it, with a history of moves a day apart ending
 * `days_in_stage` days ago. This is history being written, not a move being made now, so it
 * does not go through piece.move's rules. */
static lw_rc place_piece(lw_conn *c, void *ctx, lw_err *err)
{
    seed_ctx *s = ctx;
    s->tx.c = c;
    int target = stage_no(k_orders[s->order].stage);
    int64_t entered = s->tx.now - 86400 * (int64_t)k_orders[s->order].days_in_stage - 3600;
    sqlite3_stmt *st;
    lw_rc rc;
    /* The real moves made a moment ago (design, approval) give way to the backdated story. */
    if ((rc = lw_conn_stmt(c, "DELETE FROM stage_event WHERE piece_id = ?1 AND from_stage IS NOT"
                              " NULL",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    for (int k = 1; k <= target; k++) {
        int64_t at = entered - 86400 / 2 * (int64_t)(target - k);
        if ((rc = lw_conn_stmt(c,
                               "INSERT INTO stage_event (piece_id, from_stage, to_stage, at,"
                               " note) VALUES (?1, ?2, ?3, ?4, 'demo history')",
                               &st, err)))
            return rc;
        lw_bind_i64(st, 1, s->piece_id);
        lw_bind_text(st, 2, k_stage_order[k - 1]);
        lw_bind_text(st, 3, k_stage_order[k]);
        lw_bind_i64(st, 4, at);
        if ((rc = lw_stmt_run(c, st, "demo", err)))
            return rc;
    }
    /* The order was taken a day before its first move. */
    int64_t taken = entered - 86400 / 2 * (int64_t)target - 86400;
    if ((rc = lw_conn_stmt(c,
                           "UPDATE stage_event SET at = ?2 WHERE piece_id = ?1 AND from_stage"
                           " IS NULL",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    lw_bind_i64(st, 2, taken);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    /* Designs are drawn the day after the order; approvals come with the move to print. */
    if ((rc = lw_conn_stmt(c, "UPDATE revision SET created_at = ?2 WHERE piece_id = ?1", &st,
                           err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    lw_bind_i64(st, 2, taken + 86400 / 2);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    if ((rc = lw_conn_stmt(c, "UPDATE approval SET at = ?2 WHERE piece_id = ?1", &st, err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    lw_bind_i64(st, 2, target >= 2 ? entered - 86400 / 2 * (int64_t)(target - 2) : taken);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    if ((rc = lw_conn_stmt(c,
                           "UPDATE orders SET created_at = ?2 WHERE id = (SELECT order_id FROM"
                           " piece WHERE id = ?1)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    lw_bind_i64(st, 2, taken);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    if ((rc = lw_conn_stmt(c,
                           "UPDATE piece SET stage = ?2, stage_since = ?3, created_at = ?4"
                           " WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, s->piece_id);
    lw_bind_text(st, 2, k_stage_order[target]);
    lw_bind_i64(st, 3, entered);
    lw_bind_i64(st, 4, taken);
    if ((rc = lw_stmt_run(c, st, "demo", err)))
        return rc;
    if (target == 10) {
        if ((rc = lw_conn_stmt(c,
                               "UPDATE orders SET status = 'delivered', delivered_at = ?2,"
                               " paid_minor = COALESCE(quote_minor, 0) WHERE id = (SELECT"
                               " order_id FROM piece WHERE id = ?1)",
                               &st, err)))
            return rc;
        lw_bind_i64(st, 1, s->piece_id);
        lw_bind_i64(st, 2, entered);
        if ((rc = lw_stmt_run(c, st, "demo", err)))
            return rc;
    }
    return lw_audit_add(&s->tx, "demo.place", "piece", k_stage_order[target], err);
}

/* A design the program draws itself: a comfort-fit band at the piece's ring size for rings and
 * bands, a torus for pendants and earrings. As a binary STL, as a designer would upload it. */
static lw_rc demo_design(size_t i, int64_t circ_cmm, lw_buf *stl, lw_err *err)
{
    lw_mesh m;
    lw_mesh_init(&m);
    lw_rc rc;
    const char *kind = k_orders[i].kind;
    if (strcmp(kind, "ring") == 0 || strcmp(kind, "band") == 0) {
        lw_band_spec b;
        lw_band_spec_default(&b);
        b.inner_diameter = circ_cmm > 0 ? (double)circ_cmm / 100.0 / 3.14159265358979 : 17.3;
        b.width = strcmp(kind, "band") == 0 ? 5.0 : 2.6;
        b.thickness = strcmp(kind, "band") == 0 ? 1.9 : 1.6;
        b.segments = 128;
        b.profile_steps = 24;
        rc = lw_band_build(&b, &m, err);
    } else {
        double big = strcmp(kind, "pendant") == 0 ? 8.0 : 5.5;
        rc = lw_shape_torus(&m, big, big / 7.0, 96, 24) ? lw_err_nomem(err) : LW_OK;
    }
    if (!rc)
        rc = lw_stl_write_binary(&m, "lostwax demo design", stl, err);
    lw_mesh_clear(&m);
    return rc;
}

static lw_rc run(lw_shop *s, const lw_actor *who, const char *action, json_t *in, json_t **out,
                 lw_err *err)
{
    json_t *o = NULL;
    lw_rc rc = lw_shop_run(s, who, action, in, &o, err);
    json_decref(in);
    if (out)
        *out = o;
    else
        json_decref(o);
    if (rc)
        lw_err_prefix(err, "demo %s", action);
    return rc;
}

lw_rc lw_shop_demo(lw_shop *s, lw_demo_login logins[LW_DEMO_STAFF], lw_err *err)
{
    lw_actor sys;
    lw_actor_system(&sys);
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    int64_t staff = 0;
    if (!(rc = lw_conn_stmt(c, "SELECT COUNT(*) FROM staff", &st, err))) {
        if (sqlite3_step(st) == SQLITE_ROW)
            staff = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    lw_db_release(s->db, c);
    if (rc)
        return rc;
    if (staff)
        return lw_err_set(err, LW_ECONFLICT, "the studio already has staff: no demo data");
    for (int i = 0; i < LW_DEMO_STAFF; i++) {
        unsigned char raw[9];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(logins[i].password, sizeof logins[i].password, raw, sizeof raw,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(logins[i].username, sizeof logins[i].username, "%s", k_staff[i].user);
        snprintf(logins[i].role, sizeof logins[i].role, "%s", lw_role_name(k_staff[i].role));
        int64_t id;
        if ((rc = lw_staff_add(s, &sys, k_staff[i].user, k_staff[i].display, k_staff[i].role,
                               logins[i].password, &id, err)))
            return rc;
    }
    for (size_t i = 0; i < sizeof k_prices / sizeof *k_prices; i++) {
        if (!s->metals || !lw_metals_find(s->metals, k_prices[i].metal))
            continue; /* a studio table without this alloy */
        if ((rc = run(s, &sys, "price.set",
                      json_pack("{s:s,s:I}", "metal", k_prices[i].metal, "minor_per_g",
                                (json_int_t)k_prices[i].per_g),
                      NULL, err)))
            return rc;
    }
    for (size_t i = 0; i < sizeof k_labour / sizeof *k_labour; i++)
        if ((rc = run(s, &sys, "labour.set",
                      json_pack("{s:s,s:I}", "kind", k_labour[i].kind, "minor",
                                (json_int_t)k_labour[i].minor),
                      NULL, err)))
            return rc;
    int64_t now = lw_shop_now(s);
    for (size_t i = 0; i < sizeof k_orders / sizeof *k_orders; i++) {
        json_t *out;
        if ((rc = run(s, &sys, "customer.create",
                      json_pack("{s:s,s:s,s:s}", "name", k_orders[i].name, "email",
                                k_orders[i].email, "phone", k_orders[i].phone),
                      &out, err)))
            return rc;
        json_int_t cust = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
        json_t *piece = json_pack("{s:s,s:s,s:I}", "kind", k_orders[i].kind, "metal",
                                  k_orders[i].metal, "est_metal_mg",
                                  (json_int_t)k_orders[i].est_mg);
        if (k_orders[i].size) {
            json_object_set_new(piece, "ring_size", json_string(k_orders[i].size));
            json_object_set_new(piece, "ring_chart", json_string(k_orders[i].chart));
            if ((rc = run(s, &sys, "customer.size_add",
                          json_pack("{s:I,s:s,s:s,s:s}", "id", cust, "finger", "left ring",
                                    "size", k_orders[i].size, "chart", k_orders[i].chart),
                          NULL, err))) {
                json_decref(piece);
                return rc;
            }
        }
        if (k_orders[i].stone)
            json_object_set_new(piece, "stones",
                                json_pack("[{s:s,s:s,s:i,s:i,s:I}]", "stone", k_orders[i].stone,
                                          "cut", k_orders[i].cut, "length_um",
                                          k_orders[i].stone_um, "count", k_orders[i].stones,
                                          "price_minor_each",
                                          (json_int_t)k_orders[i].stone_price));
        json_t *order = json_pack("{s:I,s:I,s:b,s:[o]}", "customer_id", cust, "deadline",
                                  (json_int_t)(now + 86400 * (int64_t)k_orders[i].due_in_days),
                                  "rush", k_orders[i].rush, "pieces", piece);
        if ((rc = run(s, &sys, "order.create", order, &out, err)))
            return rc;
        seed_ctx sc = {.tx = {.shop = s, .who = &sys, .now = now}, .order = i,
                       .piece_id = json_integer_value(json_object_get(
                           json_array_get(json_object_get(out, "pieces"), 0), "id"))};
        json_decref(out);
        /* Pieces past design have a design; past approval, an approved one. */
        int target = stage_no(k_orders[i].stage);
        if (target >= 1 && s->vault) {
            int64_t circ = 0;
            if (k_orders[i].size) {
                json_t *z = NULL;
                if (!run(s, &sys, "size.convert",
                         json_pack("{s:s,s:s}", "size", k_orders[i].size, "chart",
                                   k_orders[i].chart),
                         &z, err))
                    circ = json_integer_value(
                        json_object_get(json_object_get(z, "size"), "circ_cmm"));
                json_decref(z);
            }
            lw_buf stl;
            lw_buf_init(&stl, 0);
            json_t *rev = NULL;
            char fname[48];
            snprintf(fname, sizeof fname, "%s-v1.stl", k_orders[i].kind);
            if ((rc = demo_design(i, circ, &stl, err)) ||
                (rc = lw_revision_add(s, &sys, sc.piece_id, fname, stl.data, stl.len,
                                      "first design", &rev, err)) ||
                (rc = run(s, &sys, "piece.move",
                          json_pack("{s:I,s:s}", "id", (json_int_t)sc.piece_id, "to",
                                    "approval"),
                          NULL, err))) {
                lw_buf_clear(&stl);
                json_decref(rev);
                return rc;
            }
            lw_buf_clear(&stl);
            json_int_t rev_id = json_integer_value(json_object_get(rev, "id"));
            json_decref(rev);
            if (target >= 2 &&
                (rc = run(s, &sys, "approval.decide",
                          json_pack("{s:I,s:I,s:s}", "piece_id", (json_int_t)sc.piece_id,
                                    "revision_id", rev_id, "decision", "approved"),
                          NULL, err)))
                return rc;
        }
        if ((rc = lw_db_acquire(s->db, &c, err)))
            return rc;
        rc = lw_conn_tx(c, true, place_piece, &sc, err);
        lw_db_release(s->db, c);
        if (rc)
            return rc;
    }
    return LW_OK;
}
