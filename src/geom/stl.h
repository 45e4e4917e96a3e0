/* lostwax: STL, binary and ASCII.
 *
 * Binary: 80-byte header (anything, including "solid" or Materialise "COLOR="), uint32 facet
 * count, then 50 bytes per facet: normal, three vertices (little-endian float32) and a 16-bit
 * attribute word that is ignored (some exporters put colour there). The file size must be exactly
 * 84 + 50 x count. ASCII: "solid name ... facet normal ... outer loop vertex x y z (x3) endloop
 * endfacet ... endsolid", several solids per file become several parts.
 * Stored normals are compared with the vertex order and counted when wrong; they are never used.
 */
#ifndef LW_GEOM_STL_H
#define LW_GEOM_STL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "geom/import.h"
#include "geom/mesh.h"

/* Parses binary or ASCII STL (decided as lw_mesh_detect() does) into out (initialised by the
 * caller with lw_import_init). Errors name the facet (binary: its index and byte offset; ASCII:
 * the line): "facet 1204 (byte 60284): vertex 2 has a NaN coordinate". */
lw_rc lw_stl_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err);

/* Appends a binary STL of the mesh to out: header text (truncated to 80 bytes, padded with
 * spaces; must not start with "solid" and is rewritten if it does), recomputed normals, zero
 * attribute words. Coordinates are rounded to float32. LW_ENOMEM, LW_ELIMIT (buffer max). */
lw_rc lw_stl_write_binary(const lw_mesh *m, const char *header, lw_buf *out, lw_err *err);

#endif
