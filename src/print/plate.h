/* lostwax: arranging a night's pieces on the build plate.
 *
 * Each part is first oriented (tilted about X, as rings are for printing), then its footprint,
 * the projection of its triangles onto the plate, is rasterised on a fine grid for a number of
 * turns about Z. Pieces go on largest first, each copy at the left-most, then front-most free
 * place of any of its turns (bottom-left fill on a grid of the bed), so the free part of the
 * plate stays one block on the right. When pieces are left over, the plate is laid out again
 * letting pieces lean a little right to sit lower (round pieces then stand in straight columns
 * instead of nesting in the hollows between them), and the layout that places most is kept.
 * A pixel grid is exact for any shape, rings with holes and all, and a jewellery plate holds a
 * few dozen pieces, so no polygon nesting is needed (docs/internals/plate.md; printing.md
 * section 6).
 *
 * Promise: two placed footprints, each grown by its part's margin, are at least `gap` apart,
 * measured on the real triangles, not on the grid; every grown footprint lies inside the bed
 * less its border. The grid only costs a little room (about two grid steps per gap).
 *
 * Pure: data in, data out; the same parts and options give the same arrangement.
 */
#ifndef LW_PRINT_PLATE_H
#define LW_PRINT_PLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/pool.h"
#include "geom/mesh.h"
#include "print/printer.h"

/* One model to print, as drawn (mm). The mesh and name are borrowed for the call (and by
 * lw_plate_report / lw_plate_mesh / lw_plate_write_3mf / lw_plate_png later). */
typedef struct lw_plate_part {
    const lw_mesh *mesh;
    const char *name;  /* for reports and labels ("band-17.3"); NULL = "part N" */
    uint32_t copies;   /* how many to place (0 places none) */
    double tilt_deg;   /* turn about the part's X axis before anything else, degrees; 0 keeps
                        * the part as drawn, its own Z up (rings print best at 30-45) */
    double margin;     /* mm the footprint grows on every side before the gap is kept, for
                        * supports and their pads; 0 = the bare part */
    bool fill_holes;   /* take the footprint's holes too (a ring's middle): for a pad that
                        * covers them, or to keep other pieces out; false lets small pieces
                        * sit inside a ring */
} lw_plate_part;

typedef struct lw_plate_opts {
    double bed_w, bed_h;   /* mm: the printer's display (x to the right, y to the back) */
    double gap;            /* mm kept free between footprints (default 2) */
    double border;         /* mm kept free along the bed's edges (default 1) */
    double lift;           /* mm: each part's lowest point ends at z = lift (support height;
                            * default 0, on the plate) */
    uint32_t rotations;    /* turns about Z tried, evenly over 360 degrees; 1 = as oriented
                            * only (default 16, every 22.5 degrees) */
    double pixel;          /* mm: the footprint grid (default 0.1) */
    uint64_t max_cells;    /* limit on the bed grid's cells (default 32 million) */
    lw_pool *pool;         /* threads to make the footprints with (borrowed); NULL = the
                            * calling thread. The arrangement is the same either way. */
} lw_plate_opts;

/* Defaults as documented above for a bed of w x h mm. */
void lw_plate_opts_default(lw_plate_opts *o, double bed_w, double bed_h);

/* The same for a printer: its display is the bed. */
static inline void lw_plate_opts_printer(lw_plate_opts *o, const lw_printer *p)
{
    lw_plate_opts_default(o, p->display_w, p->display_h);
}

typedef enum lw_plate_status {
    LW_PLATE_PLACED = 0,
    LW_PLATE_TOO_BIG, /* larger than the bed less its border in every turn tried */
    LW_PLATE_NO_ROOM, /* would fit an empty bed, but the pieces placed before it left no room */
    LW_PLATE_EMPTY,   /* the mesh has no facets: nothing to place */
} lw_plate_status;

/* One copy of one part. */
typedef struct lw_plate_item {
    uint32_t part;          /* index into the parts array */
    uint32_t copy;          /* 1 .. copies */
    lw_plate_status status;
    double rot_deg;         /* turn about Z chosen, degrees in [0, 360) (0 when not placed) */
    double a[12];           /* as drawn -> on the plate (lw_affine, geom/mesh.h): tilt about X,
                             * turn about Z, then the move; identity when not placed */
    lw_bbox box;            /* of the placed mesh (mm); empty when not placed */
    double min_w, min_h;    /* TOO_BIG: the smallest footprint over the turns tried, mm, margin
                             * included (for the message) */
} lw_plate_item;

/* The arrangement. Ownership: the caller owns the struct; lw_plate_clear() frees it. */
typedef struct lw_plate {
    lw_plate_item *items; /* by part, then copy: parts[0] copy 1..n, parts[1] copy 1..n, ... */
    size_t nitems;
    size_t placed;        /* items placed */
    size_t too_big, no_room, empty; /* items not placed, by reason */
    double bed_w, bed_h;  /* as given, for reports and pictures */
    double gap, border;   /* as given */
} lw_plate;

void lw_plate_init(lw_plate *pl);
void lw_plate_clear(lw_plate *pl);

/* Arranges copies of the parts on the bed into *out (freshly lw_plate_init'ed or cleared; left
 * empty on failure). Pieces that do not fit are not an error: they are items whose status says
 * why. Errors: LW_EINVAL (bed, gap, pixel, rotations, tilt or margin out of range or not finite,
 * a NULL mesh, coordinates beyond a kilometre), LW_ELIMIT (the bed grid would pass max_cells,
 * more than 100000 items), LW_ENOMEM. */
lw_rc lw_plate_arrange(const lw_plate_part *parts, size_t nparts, const lw_plate_opts *o,
                       lw_plate *out, lw_err *err);

/* Appends a report for people to out: one line of counts, then one line per part ("band: 20 of
 * 24 placed; 4 did not fit: no room left on the plate"), then a line per placed item with its
 * place. Deterministic text. LW_ENOMEM / LW_ELIMIT (out's limit); out keeps what it had. */
lw_rc lw_plate_report(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                      lw_buf *out);

/* Appends every placed item's mesh, transformed, to out with part id = its index in pl->items
 * (unplaced items leave their id unused): the plate as the slicer sees it. LW_ENOMEM,
 * LW_ELIMIT (out's limits). On failure out is restored to what it held. */
lw_rc lw_plate_mesh(const lw_plate *pl, const lw_plate_part *parts, size_t nparts, lw_mesh *out,
                    lw_err *err);

/* Appends a 3MF package of the plate to out: each part with a placed copy written once as an
 * object named after the part, one build item per placed copy with its transform
 * (lw_3mf_write_items). LW_EINVAL (nothing placed), LW_ENOMEM, LW_ELIMIT, LW_EIO. */
lw_rc lw_plate_write_3mf(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                         lw_buf *out, lw_err *err);

#endif
