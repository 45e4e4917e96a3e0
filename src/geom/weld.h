/* lostwax: welding a triangle soup into an indexed mesh.
 *
 * Two corners are the same vertex exactly when their coordinates are bitwise equal (after -0 is
 * read as +0). That is what CAD exporters mean: a shared corner is written with the same digits
 * every time. A tolerance would silently merge distinct fine details (0.3 mm filigree written at
 * 1 µm spacing) and make results depend on the order of facets; exact matching does neither. Near
 * misses stay open edges, which lw_mesh_check() reports where they are.
 */
#ifndef LW_GEOM_WELD_H
#define LW_GEOM_WELD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "geom/mesh.h"

/* An open-addressing hash from coordinates to vertex index, appending new vertices to a mesh.
 * The welder borrows the mesh; free the welder with lw_welder_clear() before or after the mesh. */
typedef struct lw_welder {
    lw_mesh *mesh;
    uint64_t *slots; /* high 32 bits: hash tag; low 32: vertex index + 1 (0 = empty) */
    size_t mask;     /* slots - 1, a power of two minus one */
} lw_welder;

/* Prepares to weld about `expected_vertices` distinct vertices into `mesh` (which may already
 * hold vertices: they are indexed too). LW_ENOMEM. */
lw_rc lw_welder_init(lw_welder *w, lw_mesh *mesh, size_t expected_vertices);
void lw_welder_clear(lw_welder *w);

/* Index of the vertex at p, appending it to the mesh if new. LW_ENOMEM, LW_ELIMIT (mesh->max_v). */
lw_rc lw_welder_add(lw_welder *w, const double p[3], uint32_t *idx);

/* The welder for float32 corners, as binary STL stores them: the same result as lw_welder (a
 * vertex per distinct position, numbered in order of first use), several times faster. The key
 * lives in the slot, so a probe touches one cache line and never the vertex array, and a block
 * of corners has its slots prefetched before any is resolved, so the memory misses of a table
 * larger than the cache overlap instead of queueing. */
typedef struct lw_welder32 {
    lw_mesh *mesh;
    uint32_t *slots; /* 4 words a slot: x, y, z bit patterns (-0 as +0), vertex index + 1 */
    size_t mask;     /* slots - 1 */
    size_t used;
    uint32_t *memo;  /* recently resolved corners, same layout, 2 ways per set; see weld.c */
    unsigned memo_bits;
} lw_welder32;

/* Prepares to weld about `expected_vertices` vertices into `mesh` (which must have no vertices
 * yet). LW_ENOMEM. */
lw_rc lw_welder32_init(lw_welder32 *w, lw_mesh *mesh, size_t expected_vertices);
void lw_welder32_clear(lw_welder32 *w);

/* Resolves n corners, keys[3i..3i+2] the float32 bit patterns of corner i (finite: the caller
 * checks), into idx[0..n). New vertices are appended to the mesh in order.
 * LW_ENOMEM, LW_ELIMIT (mesh->max_v); on error *failed (if not NULL) is the corner that could not
 * be added, idx is partly written and the mesh holds the vertices added so far. */
lw_rc lw_welder32_add(lw_welder32 *w, const uint32_t *keys, size_t n, uint32_t *idx,
                      size_t *failed);

/* Welds an indexed mesh in place: vertices at equal positions become one, facets are renumbered,
 * unreferenced vertices are dropped, vertex order is first use by facets (deterministic).
 * Facets are kept as they are (degenerate ones too: checking reports them). LW_ENOMEM. */
lw_rc lw_mesh_weld(lw_mesh *m);

#endif
