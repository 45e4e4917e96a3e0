/* lostwax: which unit a mesh was drawn in.
 *
 * STL has no unit at all; OBJ only a comment some exporters write; 3MF declares one, and it can be
 * wrong too (a file saved in centimetres but drawn in tenths of a millimetre). A jeweller knows at
 * a glance that a ring is not 1.9 mm or 1939 mm across; this module encodes that glance: it takes
 * the declared unit (or millimetres when there is none), checks the size of the piece against the
 * sizes jewellery comes in, and when it is implausible proposes the unit that makes it plausible.
 * It never rescales on its own: the user confirms with --units.
 */
#ifndef LW_GEOM_MESH_UNITS_H
#define LW_GEOM_MESH_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "geom/mesh.h"

/* Sizes of jewellery, largest extent in mm: below the smallest stud or bead, or above a large
 * necklace piece, a size is implausible. */
#define LW_JEWELLERY_MIN_MM 3.0
#define LW_JEWELLERY_MAX_MM 300.0

/* Parses a unit as users write it: mm, cm, m, in/inch, um/micron, ft, or a length "0.1mm",
 * "10um", "0.5" (millimetres per file unit). *mm_per_unit receives millimetres per file unit.
 * LW_EINVAL with a message listing the accepted forms. */
lw_rc lw_units_parse(const char *text, double *mm_per_unit, lw_err *err);

/* A short name for a scale ("mm", "cm", "inch", "0.1 mm"). */
void lw_units_name(double mm_per_unit, char *buf, size_t size);

typedef struct lw_units_judgement {
    double mm_per_unit;   /* the scale to apply: override, else declared, else 1 */
    const char *basis;    /* "--units", "declared by the file", "assumed (the format has none)" */
    double size_mm;       /* largest extent after scaling */
    bool plausible;       /* size within the jewellery range */
    double suggest;       /* when implausible: the scale that makes it so (0 if none does) */
    double suggest_size;  /* the largest extent under the suggested scale */
} lw_units_judgement;

/* Judges the raw (file-unit) bounding box. declared = millimetres per unit the file declares
 * (0 if none); override = from --units (0 if none). Pure. */
void lw_units_judge(const lw_bbox *raw, double declared, double override,
                    lw_units_judgement *out);

#endif
