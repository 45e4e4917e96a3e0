/* lostwax: what the shop's modules share among themselves (not for the layers above). */
#ifndef LW_SHOP_SHOP_INT_H
#define LW_SHOP_SHOP_INT_H

#include "shop/shop.h"

/* Appends an entry to the audit log in tx's transaction: who (tx->who), what (action, e.g.
 * "order.create"), to which record ("order 12", "blob 3fa9..."), and a short detail. The entry
 * is chained to the previous one by its hash (shop/audit.c). */
lw_rc lw_audit_add(lw_tx *tx, const char *action, const char *object, const char *detail,
                   lw_err *err);

/* A query that yields one row's integer (COUNT(*), an id): *out, or *found = false. */
lw_rc lw_query_i64(lw_tx *tx, const char *sql, int64_t arg, bool *found, int64_t *out,
                   lw_err *err);

/* Sets key on o to the column's value: text, integer, real, or null. */
void lw_json_col(json_t *o, const char *key, sqlite3_stmt *st, int col);

/* A ring size from an action's input: `key` is "7" on the chart named by `chart_key` ("us",
 * "uk-bs"...), or a measurement ("54.4mm", "d17.3") when chart_key is absent. *has is false
 * when key is absent or null. LW_EINVAL naming the field. */
lw_rc lw_in_ring_size(lw_tx *tx, const json_t *in, const char *key, const char *chart_key,
                      bool *has, lw_ring_size *out, lw_err *err);
/* A stored size as JSON: {circ_cmm, chart, label (on that chart), inner_diameter_mm, sizes:
 * {us, uk, iso, ...}} (a size is null where its chart has none). */
json_t *lw_ring_size_json(const lw_shop *s, int64_t circ_cmm, const char *chart);

/* A new random token (base64url of 32 bytes) and the hash under which the database keeps it
 * (sessions, approval links). */
void lw_token_new(char out[44]);
void lw_token_hash(const char *token, unsigned char out[32]);

/* The price of one piece with metal_mg of metal: the metal at today's price per gram, the
 * studio's stones, the labour for its kind (minor units). LW_ENOTFOUND. */
lw_rc lw_piece_price(lw_tx *tx, int64_t piece, int64_t metal_mg, int64_t *total, lw_err *err);

/* The actions, one list per module (shop/shop.c gathers them). */
extern const lw_action lw_actions_staff[], lw_actions_customer[], lw_actions_order[],
    lw_actions_board[], lw_actions_price[], lw_actions_audit[], lw_actions_counter[], lw_actions_revision[], lw_actions_link[];
extern const size_t lw_nactions_staff, lw_nactions_customer, lw_nactions_order,
    lw_nactions_board, lw_nactions_price, lw_nactions_audit, lw_nactions_counter, lw_nactions_revision, lw_nactions_link;

#endif
