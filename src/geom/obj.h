/* lostwax: Wavefront OBJ.
 *
 * Reads `v` (x y z, an optional w or colour ignored), `f` with any number of corners in the
 * forms i, i/t, i//n, i/t/n and negative (relative) indices, `o` and `g` (each starts a part),
 * and ignores everything else (vt, vn, usemtl, mtllib, s, l, p, comments) whatever bytes it holds.
 * Lines end in LF or CRLF; a trailing backslash continues a line. Faces with more than three
 * corners are triangulated as a fan from the first corner (the usual convention for the planar
 * convex faces CAD exports). A comment that declares units ("# units: cm", "# Units millimeters")
 * sets unit_mm / unit_decl, without scaling anything.
 */
#ifndef LW_GEOM_OBJ_H
#define LW_GEOM_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "geom/import.h"
#include "geom/mesh.h"

/* Parses OBJ text. Errors name the line: "line 88: face corner 4 refers to vertex 912, but only
 * 911 vertices are defined". */
lw_rc lw_obj_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err);

/* Appends OBJ text of the mesh to out: "# lostwax" header with "# units: mm", one `o` per part
 * (names from part_names when given, else "part-N"), vertices written with lw_fmt_f64 (they
 * read back bit-exact), 1-based faces. LW_ENOMEM, LW_ELIMIT. */
lw_rc lw_obj_write(const lw_mesh *m, const char *const *part_names, uint32_t nparts, lw_buf *out,
                   lw_err *err);

#endif
