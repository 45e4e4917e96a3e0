/* lostwax: design revisions and their approval. A designer's CAD file (STL, OBJ, 3MF) is
 * checked before it is kept: parsed with limits, its unit judged, its shells checked (it must be
 * closed to be weighed and printed) and measured, its metal weighed in the piece's alloy. Then
 * it goes into the vault (encrypted, by content) with a rendered, watermarked preview, and the
 * revision row records both blob ids, the weight and the price at that weight. Revisions are
 * never overwritten: revision 3 is a new row.
 *
 * Front staff and customers only ever get the preview; the CAD comes out of the vault only for
 * the designer and the owner, and every such export is in the audit log.
 *
 * An approval binds the exact revision (its vault blob id). A new revision after approval
 * re-opens it: the piece goes back to approval unless it has already been cast. A request for
 * changes counts a round and sends the piece back to design. */
#ifndef LW_SHOP_REVISION_H
#define LW_SHOP_REVISION_H

#include <stddef.h>
#include <stdint.h>

#include "shop/shop.h"

#define LW_DESIGN_MAX_BYTES ((size_t)64 << 20) /* an upload's size */

/* Adds a revision of piece_id from a CAD file's bytes (file_name gives the format by its
 * extension). Designer or owner. *out (the caller decrefs) is {id, number, blob_id, volume_mm3,
 * metal_mg, price_minor, preview_blob, reopened}. LW_EDENIED, LW_ENOTFOUND (no piece),
 * LW_EINVAL / LW_EFORMAT (the file: not a mesh, not closed, implausible units — the message
 * says what and where), LW_ELIMIT, LW_ECONFLICT (the piece is already cast or delivered),
 * LW_EUNSUPPORTED (no vault). Nothing is stored on failure (a blob already in the vault from an
 * earlier identical upload stays). */
lw_rc lw_revision_add(lw_shop *s, const lw_actor *who, int64_t piece_id, const char *file_name,
                      const uint8_t *data, size_t len, const char *note, json_t **out,
                      lw_err *err);

/* What a revision holds, for download. */
typedef enum lw_revision_part { LW_REV_PREVIEW, LW_REV_CAD } lw_revision_part;

/* The preview PNG (any member of staff: the board shows it; a customer for their own order's
 * pieces) or the CAD file (designer, owner; audited as cad.export) of revision_id. *data is the caller's
 * (lw_free); name (at least 128 bytes) gets a file name for it. Audited: every CAD export
 * (cad.export) and every preview a customer views (preview.view). LW_EDENIED, LW_ENOTFOUND,
 * LW_EFORMAT (the vault found the blob damaged: it is never served). */
lw_rc lw_revision_read(lw_shop *s, const lw_actor *who, int64_t revision_id,
                       lw_revision_part part, uint8_t **data, size_t *len, char *name,
                       lw_err *err);

#endif
