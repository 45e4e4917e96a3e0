/* lostwax: design revisions, previews and approvals (see revision.h). */
#include "shop/revision.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/pool.h"
#include "design/render.h"
#include "geom/check.h"
#include "geom/import.h"
#include "geom/mesh_units.h"
#include "print/volume.h"
#include "shop/input.h"
#include "shop/shop_int.h"

/* ---- checking an upload (outside any transaction: it takes a while) ---- */

typedef struct design_file {
    lw_import imp;
    lw_mesh_report report;
    double volume;     /* mm³ of metal: the union of overlapping shells, else their sum */
    bool union_used;
} design_file;

static lw_rc check_design(const char *file_name, const uint8_t *data, size_t len,
                          design_file *d, lw_err *err)
{
    memset(d, 0, sizeof *d);
    lw_import_init(&d->imp);
    char ext[16];
    lw_path_ext(file_name, ext, sizeof ext);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_rc rc = lw_mesh_import(data, len, ext, &lim, &d->imp, err);
    if (rc) {
        lw_err_prefix(err, "%s", file_name);
        return rc;
    }
    lw_bbox raw = lw_mesh_bbox(&d->imp.mesh);
    lw_units_judgement u;
    lw_units_judge(&raw, d->imp.unit_mm, 0, &u);
    if (!u.plausible)
        return lw_err_set(err, LW_EINVAL, "%s: %.2f mm across is not a piece of jewellery%s",
                          file_name, u.size_mm,
                          u.suggest > 0 ? " (drawn in another unit? export it in millimetres)"
                                        : "");
    if (u.mm_per_unit != 1)
        lw_mesh_scale(&d->imp.mesh, u.mm_per_unit);
    lw_check_opts opts;
    lw_check_opts_default(&opts);
    if ((rc = lw_mesh_check(&d->imp.mesh, &opts, &d->report, err)))
        return rc;
    if (!d->report.watertight)
        return lw_err_set(err, LW_EINVAL, "%s: the surface is not closed (%llu holes, %llu open "
                          "edges): it cannot be weighed or printed; close it in the CAD program",
                          file_name, (unsigned long long)d->report.holes,
                          (unsigned long long)d->report.boundary_edges);
    d->volume = fabs(d->report.total.volume);
    if (d->report.overlapping_pairs > 0) {
        lw_pool *pool = NULL;
        lw_union_volume uni;
        rc = lw_pool_new(0, &pool, err);
        if (!rc)
            rc = lw_union_volume_measure(&d->imp.mesh, 0.02, 0.01, pool, &uni, err);
        lw_pool_free(pool);
        if (rc)
            return rc;
        d->volume = uni.volume;
        d->union_used = true;
    }
    if (!(d->volume > 0.5))
        return lw_err_set(err, LW_EINVAL, "%s: %.3f mm³ of metal is too little for a piece",
                          file_name, d->volume);
    return LW_OK;
}

static void design_clear(design_file *d)
{
    lw_import_clear(&d->imp);
    lw_mesh_report_clear(&d->report);
}

/* ---- the piece as the upload needs it ---- */

typedef struct piece_info {
    char code[32], metal[48], stage[16], order_code[32], customer[128];
    int64_t order_id;
    bool approved;
} piece_info;

static lw_rc piece_read(lw_tx *tx, int64_t piece, piece_info *p, lw_err *err)
{
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(tx->c,
                            "SELECT p.code, p.metal, p.stage, o.code, c.name, o.id,"
                            " p.approved_revision IS NOT NULL FROM piece p JOIN orders o ON"
                            " o.id = p.order_id JOIN customer c ON c.id = o.customer_id"
                            " WHERE p.id = ?1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, piece);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "no piece %lld", (long long)piece);
    }
    snprintf(p->code, sizeof p->code, "%s", lw_col_text(st, 0));
    snprintf(p->metal, sizeof p->metal, "%s", lw_col_text(st, 1));
    snprintf(p->stage, sizeof p->stage, "%s", lw_col_text(st, 2));
    snprintf(p->order_code, sizeof p->order_code, "%s", lw_col_text(st, 3));
    snprintf(p->customer, sizeof p->customer, "%s", lw_col_text(st, 4));
    p->order_id = sqlite3_column_int64(st, 5);
    p->approved = sqlite3_column_int(st, 6);
    sqlite3_reset(st);
    return LW_OK;
}

typedef struct read_ctx {
    lw_tx tx;
    int64_t piece;
    piece_info info;
} read_ctx;

static lw_rc read_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    read_ctx *r = ctx;
    r->tx.c = c;
    return piece_read(&r->tx, r->piece, &r->info, err);
}

/* Stages after which a new design cannot change the piece any more. */
static bool is_cast(const char *stage)
{
    static const char *const late[] = {"cast", "cleanup", "setting", "polish", "qc", "ready",
                                       "delivered"};
    for (size_t i = 0; i < sizeof late / sizeof *late; i++)
        if (strcmp(stage, late[i]) == 0)
            return true;
    return false;
}

/* ---- adding a revision ---- */

typedef struct add_ctx {
    lw_tx tx;
    int64_t piece;
    const char *file_name, *format, *note, *blob, *preview;
    double volume;
    int64_t metal_mg;
    json_t *out;
} add_ctx;

static lw_rc add_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    add_ctx *a = ctx;
    a->tx.c = c;
    piece_info p;
    lw_rc rc = piece_read(&a->tx, a->piece, &p, err);
    if (rc)
        return rc;
    if (is_cast(p.stage))
        return lw_err_set(err, LW_ECONFLICT, "%s is already %s: a new design needs a new piece",
                          p.code, strcmp(p.stage, "delivered") == 0 ? "delivered" : "cast");
    bool found;
    int64_t number, price;
    if ((rc = lw_query_i64(&a->tx, "SELECT COALESCE(MAX(number), 0) + 1 FROM revision WHERE"
                                   " piece_id = ?1",
                           a->piece, &found, &number, err)) ||
        (rc = lw_piece_price(&a->tx, a->piece, a->metal_mg, &price, err)))
        return rc;
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(c,
                           "INSERT INTO revision (piece_id, number, blob_id, file_name, format,"
                           " volume_mm3, metal_mg, price_minor, preview_blob, note, staff_id,"
                           " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                           " ?12)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, a->piece);
    lw_bind_i64(st, 2, number);
    lw_bind_text(st, 3, a->blob);
    lw_bind_text(st, 4, a->file_name);
    lw_bind_text(st, 5, a->format);
    sqlite3_bind_double(st, 6, a->volume);
    lw_bind_i64(st, 7, a->metal_mg);
    lw_bind_i64(st, 8, price);
    lw_bind_text(st, 9, a->preview);
    lw_bind_text(st, 10, a->note);
    lw_bind_opt_i64(st, 11, a->tx.who->staff_id != 0, a->tx.who->staff_id);
    lw_bind_i64(st, 12, a->tx.now);
    if ((rc = lw_stmt_run(c, st, "revision", err)))
        return rc;
    int64_t id = lw_conn_last_id(c);
    /* A change after approval re-opens it: the approved design is no longer the one to make. */
    bool reopened = p.approved || strcmp(p.stage, "print") == 0 || strcmp(p.stage, "tree") == 0;
    if (reopened) {
        if ((rc = lw_conn_stmt(c,
                               "UPDATE piece SET approved_revision = NULL, stage = 'approval',"
                               " stage_since = ?2 WHERE id = ?1",
                               &st, err)))
            return rc;
        lw_bind_i64(st, 1, a->piece);
        lw_bind_i64(st, 2, a->tx.now);
        if ((rc = lw_stmt_run(c, st, "piece", err)))
            return rc;
        if (strcmp(p.stage, "approval") != 0) {
            char note[96];
            snprintf(note, sizeof note, "revision %lld re-opens the approval", (long long)number);
            if ((rc = lw_conn_stmt(c,
                                   "INSERT INTO stage_event (piece_id, from_stage, to_stage,"
                                   " staff_id, at, note) VALUES (?1, ?2, 'approval', ?3, ?4, ?5)",
                                   &st, err)))
                return rc;
            lw_bind_i64(st, 1, a->piece);
            lw_bind_text(st, 2, p.stage);
            lw_bind_opt_i64(st, 3, a->tx.who->staff_id != 0, a->tx.who->staff_id);
            lw_bind_i64(st, 4, a->tx.now);
            lw_bind_text(st, 5, note);
            if ((rc = lw_stmt_run(c, st, "stage", err)))
                return rc;
        }
    }
    json_object_set_new(a->out, "id", json_integer(id));
    json_object_set_new(a->out, "number", json_integer(number));
    json_object_set_new(a->out, "blob_id", json_string(a->blob));
    json_object_set_new(a->out, "preview_blob", a->preview ? json_string(a->preview)
                                                           : json_null());
    json_object_set_new(a->out, "volume_mm3", json_real(a->volume));
    json_object_set_new(a->out, "metal_mg", json_integer(a->metal_mg));
    json_object_set_new(a->out, "price_minor", json_integer(price));
    json_object_set_new(a->out, "reopened", json_boolean(reopened));
    char obj[48], detail[200];
    snprintf(obj, sizeof obj, "blob %.16s", a->blob);
    snprintf(detail, sizeof detail, "%s revision %lld (%s, %.0f mg)", p.code, (long long)number,
             a->file_name, (double)a->metal_mg);
    return lw_audit_add(&a->tx, "revision.add", obj, detail, err);
}

/* The watermarked preview: three views in the piece's metal, the order named across it. */
static lw_rc render_preview(const lw_shop *s, const lw_mesh *m, const piece_info *p,
                            lw_buf *png, lw_err *err)
{
    lw_render_opts o;
    lw_render_opts_default(&o);
    const lw_metal *metal = s->metals ? lw_metals_find(s->metals, p->metal) : NULL;
    if (metal)
        o.metal_rgb = metal->rgb;
    char mark[200];
    snprintf(mark, sizeof mark, "%s · %s · %s", p->order_code, p->customer, p->code);
    o.watermark = mark;
    lw_image im = {0};
    lw_rc rc = lw_render(m, &o, &im, err);
    if (!rc)
        rc = lw_render_png(&im, png, err);
    lw_image_clear(&im);
    return rc;
}

lw_rc lw_revision_add(lw_shop *s, const lw_actor *who, int64_t piece_id, const char *file_name,
                      const uint8_t *data, size_t len, const char *note, json_t **out,
                      lw_err *err)
{
    *out = NULL;
    if (!(who->role & (LW_ROLE_DESIGNER | LW_ROLE_OWNER)))
        return lw_err_set(err, LW_EDENIED, "revision.add: not allowed for the %s role",
                          lw_role_name(who->role) ? lw_role_name(who->role) : "unknown");
    if (!s->vault)
        return lw_err_set(err, LW_EUNSUPPORTED, "this studio has no design vault");
    if (len > LW_DESIGN_MAX_BYTES)
        return lw_err_set(err, LW_ELIMIT, "%s: %zu bytes, more than the %zu a design may have",
                          file_name, len, LW_DESIGN_MAX_BYTES);
    size_t nn = strlen(file_name);
    if (nn < 1 || nn > 120 || strchr(file_name, '/') || strchr(file_name, '\\'))
        return lw_err_set(err, LW_EINVAL, "name: a file name of 1 to 120 characters, no folders");
    if (note && strlen(note) > 1000)
        return lw_err_set(err, LW_EINVAL, "note: at most 1000 characters");
    /* Which piece, in which metal: read first, so a wrong id costs no parsing. */
    read_ctx rd = {.tx = {.shop = s, .who = who, .now = lw_shop_now(s)}, .piece = piece_id};
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    rc = lw_conn_tx(c, false, read_in_tx, &rd, err);
    lw_db_release(s->db, c);
    if (rc)
        return rc;
    if (is_cast(rd.info.stage))
        return lw_err_set(err, LW_ECONFLICT, "%s is already cast: a new design needs a new piece",
                          rd.info.code);
    design_file d;
    rc = check_design(file_name, data, len, &d, err);
    lw_mg mg = 0;
    const lw_metal *metal = s->metals ? lw_metals_find(s->metals, rd.info.metal) : NULL;
    if (!rc && !metal)
        rc = lw_err_set(err, LW_ENOTFOUND, "%s: the metal %s is not in the table", rd.info.code,
                        rd.info.metal);
    if (!rc)
        rc = lw_metal_weight(metal, d.volume, &mg, err);
    char blob[65] = "", preview[65] = "";
    lw_buf png;
    lw_buf_init(&png, 0);
    if (!rc)
        rc = lw_vault_put(s->vault, data, len, blob, err);
    if (!rc && render_preview(s, &d.imp.mesh, &rd.info, &png, err) == LW_OK)
        rc = lw_vault_put(s->vault, png.data, png.len, preview, err);
    /* A preview that cannot be drawn is not a reason to lose the design: it is left out. */
    if (rc == LW_OK)
        lw_err_clear(err);
    lw_buf_clear(&png);
    char ext[16];
    lw_path_ext(file_name, ext, sizeof ext);
    add_ctx a = {.tx = {.shop = s, .who = who, .now = lw_shop_now(s)}, .piece = piece_id,
                 .file_name = file_name, .format = ext, .note = note ? note : "", .blob = blob,
                 .preview = preview[0] ? preview : NULL, .volume = d.volume, .metal_mg = mg,
                 .out = json_object()};
    design_clear(&d);
    if (!rc && !a.out)
        rc = lw_err_nomem(err);
    if (!rc && !(rc = lw_db_acquire(s->db, &c, err))) {
        rc = lw_conn_tx(c, true, add_in_tx, &a, err);
        lw_db_release(s->db, c);
    }
    if (rc) {
        json_decref(a.out);
        return rc;
    }
    atomic_fetch_add(&s->generation, 1);
    *out = a.out;
    return LW_OK;
}

/* ---- reading a revision's blobs ---- */

typedef struct blob_ctx {
    lw_tx tx;
    int64_t rev;
    lw_revision_part part;
    char blob[65], name[128], piece[32];
    int64_t order_id;
} blob_ctx;

static lw_rc blob_in_tx(lw_conn *c, void *ctx, lw_err *err)
{
    blob_ctx *b = ctx;
    b->tx.c = c;
    sqlite3_stmt *st;
    lw_rc rc = lw_conn_stmt(c,
                            "SELECT r.blob_id, COALESCE(r.preview_blob, ''), r.file_name,"
                            " p.code, p.order_id, r.number FROM revision r JOIN piece p ON"
                            " p.id = r.piece_id WHERE r.id = ?1",
                            &st, err);
    if (rc)
        return rc;
    lw_bind_i64(st, 1, b->rev);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ENOTFOUND, "no revision %lld", (long long)b->rev);
    }
    snprintf(b->blob, sizeof b->blob, "%s",
             lw_col_text(st, b->part == LW_REV_CAD ? 0 : 1));
    snprintf(b->piece, sizeof b->piece, "%s", lw_col_text(st, 3));
    b->order_id = sqlite3_column_int64(st, 4);
    if (b->part == LW_REV_CAD)
        snprintf(b->name, sizeof b->name, "%s", lw_col_text(st, 2));
    else
        snprintf(b->name, sizeof b->name, "%s-r%d.png", b->piece, sqlite3_column_int(st, 5));
    sqlite3_reset(st);
    if (b->tx.who->role == LW_ROLE_CUSTOMER && b->order_id != b->tx.who->order_id)
        return lw_err_set(err, LW_EDENIED, "this link is for another order");
    if (!b->blob[0])
        return lw_err_set(err, LW_ENOTFOUND, "revision %lld has no preview", (long long)b->rev);
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "blob %.16s", b->blob);
    snprintf(detail, sizeof detail, "%s revision %lld", b->piece, (long long)b->rev);
    if (b->part == LW_REV_CAD)
        return lw_audit_add(&b->tx, "cad.export", obj, detail, err);
    if (b->tx.who->role == LW_ROLE_CUSTOMER)
        return lw_audit_add(&b->tx, "preview.view", obj, detail, err);
    return LW_OK;
}

lw_rc lw_revision_read(lw_shop *s, const lw_actor *who, int64_t revision_id,
                       lw_revision_part part, uint8_t **data, size_t *len, char *name,
                       lw_err *err)
{
    *data = NULL;
    *len = 0;
    unsigned allowed = part == LW_REV_CAD ? (LW_ROLE_DESIGNER | LW_ROLE_OWNER)
                                          : (LW_ROLES_STAFF | LW_ROLE_CUSTOMER);
    if (!(who->role & allowed))
        return lw_err_set(err, LW_EDENIED, "%s: not allowed for the %s role",
                          part == LW_REV_CAD ? "the CAD file" : "the preview",
                          lw_role_name(who->role) ? lw_role_name(who->role) : "unknown");
    if (!s->vault)
        return lw_err_set(err, LW_EUNSUPPORTED, "this studio has no design vault");
    blob_ctx b = {.tx = {.shop = s, .who = who, .now = lw_shop_now(s)}, .rev = revision_id,
                  .part = part};
    lw_conn *c;
    lw_rc rc = lw_db_acquire(s->db, &c, err);
    if (rc)
        return rc;
    /* The audit entry is written in the same transaction as the look-up; the bytes come after:
     * a read that fails later still shows in the log that it was asked for. */
    rc = lw_conn_tx(c, part == LW_REV_CAD || who->role == LW_ROLE_CUSTOMER, blob_in_tx, &b, err);
    lw_db_release(s->db, c);
    if (rc)
        return rc;
    snprintf(name, 128, "%s", b.name);
    return lw_vault_get(s->vault, b.blob, data, len, err);
}

/* ---- approvals ---- */

static lw_rc approval_decide(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"piece_id", "revision_id", "decision", "comment",
                                       "token"};
    static const char *const decisions[] = {"approved", "changes"};
    int64_t piece, rev;
    int decision;
    const char *comment;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 5, err)) ||
        (rc = lw_in_int(in, "piece_id", 1, INT64_MAX, &piece, err)) ||
        (rc = lw_in_int(in, "revision_id", 1, INT64_MAX, &rev, err)) ||
        (rc = lw_in_enum(in, "decision", decisions, 2, &decision, err)) ||
        (rc = lw_in_opt_text(in, "comment", 2000, "", &comment, err)))
        return rc;
    piece_info p;
    if ((rc = piece_read(tx, piece, &p, err)))
        return rc;
    bool customer = tx->who->role == LW_ROLE_CUSTOMER;
    if (customer && p.order_id != tx->who->order_id)
        return lw_err_set(err, LW_EDENIED, "this link is for another order");
    if (strcmp(p.stage, "approval") != 0)
        return lw_err_set(err, LW_ECONFLICT, "%s is in %s, not waiting for approval", p.code,
                          p.stage);
    if (decision == 1 && !comment[0])
        return lw_err_set(err, LW_EINVAL, "comment: say what should change");
    /* Only the newest revision can be approved: an older one is not what would be made. */
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT id, number, blob_id, price_minor FROM revision WHERE"
                           " piece_id = ?1 ORDER BY number DESC LIMIT 1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, piece);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return lw_err_set(err, LW_ECONFLICT, "%s has no design to approve yet", p.code);
    }
    int64_t newest = sqlite3_column_int64(st, 0), number = sqlite3_column_int64(st, 1),
            price = sqlite3_column_int64(st, 3);
    char blob[65];
    snprintf(blob, sizeof blob, "%s", lw_col_text(st, 2));
    sqlite3_reset(st);
    if (newest != rev)
        return lw_err_set(err, LW_ECONFLICT, "revision %lld is not %s's newest design (revision "
                          "%lld is)", (long long)rev, p.code, (long long)number);
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO approval (piece_id, revision_id, blob_id, decision,"
                           " channel, price_minor, comment, staff_id, at) VALUES (?1, ?2, ?3,"
                           " ?4, ?5, ?6, ?7, ?8, ?9)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, piece);
    lw_bind_i64(st, 2, rev);
    lw_bind_text(st, 3, blob);
    lw_bind_text(st, 4, decisions[decision]);
    lw_bind_text(st, 5, customer ? "link" : "counter");
    lw_bind_i64(st, 6, price);
    lw_bind_text(st, 7, comment);
    lw_bind_opt_i64(st, 8, tx->who->staff_id != 0, tx->who->staff_id);
    lw_bind_i64(st, 9, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "approval", err)))
        return rc;
    /* Approved: the piece joins the print queue with that exact design. Changes: a round is
     * counted and the designer has it back. */
    const char *to = decision == 0 ? "print" : "design";
    if ((rc = lw_conn_stmt(tx->c,
                           "UPDATE piece SET approved_revision = CASE WHEN ?2 = 0 THEN ?3 ELSE"
                           " NULL END, approval_rounds = approval_rounds + 1, stage = ?4,"
                           " stage_since = ?5 WHERE id = ?1",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, piece);
    lw_bind_i64(st, 2, decision);
    lw_bind_i64(st, 3, rev);
    lw_bind_text(st, 4, to);
    lw_bind_i64(st, 5, tx->now);
    if ((rc = lw_stmt_run(tx->c, st, "piece", err)))
        return rc;
    char note[200];
    snprintf(note, sizeof note, "%s revision %lld%s%.150s",
             decision == 0 ? "approved" : "changes asked for on", (long long)number,
             comment[0] ? ": " : "", comment);
    if ((rc = lw_conn_stmt(tx->c,
                           "INSERT INTO stage_event (piece_id, from_stage, to_stage, staff_id,"
                           " at, note) VALUES (?1, 'approval', ?2, ?3, ?4, ?5)",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, piece);
    lw_bind_text(st, 2, to);
    lw_bind_opt_i64(st, 3, tx->who->staff_id != 0, tx->who->staff_id);
    lw_bind_i64(st, 4, tx->now);
    lw_bind_text(st, 5, note);
    if ((rc = lw_stmt_run(tx->c, st, "stage", err)))
        return rc;
    json_object_set_new(out, "piece_id", json_integer(piece));
    json_object_set_new(out, "revision_id", json_integer(rev));
    json_object_set_new(out, "decision", json_string(decisions[decision]));
    json_object_set_new(out, "blob_id", json_string(blob));
    json_object_set_new(out, "stage", json_string(to));
    char obj[48], detail[240];
    snprintf(obj, sizeof obj, "piece %lld", (long long)piece);
    snprintf(detail, sizeof detail, "%s (%s, %.16s): %.160s", p.code,
             customer ? "link" : "counter",
             blob, note);
    return lw_audit_add(tx, decision == 0 ? "approval.approve" : "approval.changes", obj,
                        detail, err);
}

static lw_rc revision_list(lw_tx *tx, const json_t *in, json_t *out, lw_err *err)
{
    static const char *const keys[] = {"id"};
    int64_t piece;
    lw_rc rc;
    if ((rc = lw_in_only(in, keys, 1, err)) ||
        (rc = lw_in_int(in, "id", 1, INT64_MAX, &piece, err)))
        return rc;
    piece_info p;
    if ((rc = piece_read(tx, piece, &p, err)))
        return rc;
    if (tx->who->role == LW_ROLE_CUSTOMER && p.order_id != tx->who->order_id)
        return lw_err_set(err, LW_EDENIED, "this link is for another order");
    bool cad = tx->who->role & (LW_ROLE_DESIGNER | LW_ROLE_OWNER);
    sqlite3_stmt *st;
    if ((rc = lw_conn_stmt(tx->c,
                           "SELECT r.id, r.number, r.file_name, r.volume_mm3, r.metal_mg,"
                           " r.price_minor, r.preview_blob IS NOT NULL, r.note, r.created_at,"
                           " s.username, r.blob_id, (SELECT a.decision FROM approval a WHERE"
                           " a.revision_id = r.id ORDER BY a.id DESC LIMIT 1) FROM revision r"
                           " LEFT JOIN staff s ON s.id = r.staff_id WHERE r.piece_id = ?1"
                           " ORDER BY r.number",
                           &st, err)))
        return rc;
    lw_bind_i64(st, 1, piece);
    static const char *const cols[] = {"id", "number", "file_name", "volume_mm3", "metal_mg",
                                       "price_minor", "has_preview", "note", "created_at",
                                       "by", "blob_id", "decision"};
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *r = json_object();
        for (int i = 0; i < 12; i++)
            lw_json_col(r, cols[i], st, i);
        json_object_set_new(r, "has_preview", json_boolean(sqlite3_column_int(st, 6)));
        if (!cad) {
            /* What the CAD file is called and who drew it is the studio's business. */
            json_object_del(r, "file_name");
            json_object_del(r, "by");
        }
        json_array_append_new(arr, r);
    }
    sqlite3_reset(st);
    json_object_set_new(out, "piece_id", json_integer(piece));
    json_object_set_new(out, "code", json_string(p.code));
    json_object_set_new(out, "revisions", arr);
    return LW_OK;
}

const lw_action lw_actions_revision[] = {
    {"approval.decide", LW_ROLE_OWNER | LW_ROLE_FRONT | LW_ROLE_CUSTOMER, true, approval_decide},
    {"revision.list", LW_ROLES_STAFF | LW_ROLE_CUSTOMER, false, revision_list},
};
const size_t lw_nactions_revision = sizeof lw_actions_revision / sizeof *lw_actions_revision;
