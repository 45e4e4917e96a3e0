/* lostwax: 3MF, the core specification (3D Manufacturing Format, core 1.x).
 *
 * A 3MF file is a zip (OPC package): [Content_Types].xml, _rels/.rels pointing at the model part
 * (usually 3D/3dmodel.model), the model XML with <resources> (objects with a <mesh> of <vertices>
 * and <triangles>, or <components> referring to other objects with transforms) and <build> items
 * that place objects with transforms. The `unit` attribute of <model> (micron, millimeter,
 * centimeter, inch, foot, meter; default millimeter) sets unit_mm. Every build item becomes one
 * part, its objects' meshes instanced with the composed transforms. Extensions we do not need
 * (materials, slices, beam lattices, production paths) are ignored where the core geometry is
 * complete without them.
 *
 * Zip archives are hostile input: entry counts, per-entry uncompressed size, the compression
 * ratio and the total unzipped bytes are checked against lw_mesh_limits before inflating.
 */
#ifndef LW_GEOM_THREEMF_H
#define LW_GEOM_THREEMF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "geom/import.h"
#include "geom/mesh.h"

/* Parses a 3MF package held in memory into *out, which must be freshly lw_import_init'ed (it is
 * cleared on failure). A model without a unit attribute is in millimetres, as the specification
 * says: unit_mm = 1 and unit_decl = "millimeter". Errors name the entry and the XML line/column
 * (indices as in the file, from 0):
 * "3D/3dmodel.model: line 12, column 5: triangle 7 refers to vertex 40 of object 1, which has
 * 36 vertices". */
lw_rc lw_3mf_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err);

/* Appends a 3MF package of the mesh to out: one object per part (facets grouped by part id, each
 * object's vertices re-indexed from 0 in order of first use, parts without facets skipped), named
 * from part_names when given, one build item per object with an identity transform, unit
 * millimetre, coordinates written with lw_fmt_f64 (they read back bit-exact), fixed timestamps
 * (the same mesh gives the same bytes). nparts 0 means "highest part id + 1" and ignores
 * part_names. PrusaSlicer and other slicers open it. Errors: LW_EINVAL (no facets, a part id
 * >= nparts, an index out of range, a non-finite coordinate), LW_ENOMEM, LW_ELIMIT, LW_EIO (the
 * zip library). */
lw_rc lw_3mf_write(const lw_mesh *m, const char *const *part_names, uint32_t nparts, lw_buf *out,
                   lw_err *err);

/* An object of a 3MF package written by lw_3mf_write_items: a mesh (all its facets, part ids
 * ignored) and its name (NULL or "" = unnamed). Borrowed for the call. */
typedef struct lw_3mf_object {
    const lw_mesh *mesh;
    const char *name;
} lw_3mf_object;

/* A build item: object index (into the objects array, from 0) and the affine map that places it
 * (lw_affine convention, geom/mesh.h; written as the transposed row-vector 3MF matrix). */
typedef struct lw_3mf_item {
    uint32_t object;
    double a[12];
} lw_3mf_item;

/* Appends a 3MF package to out with each object written once (object id = index + 1, vertices
 * re-indexed in order of first use as lw_3mf_write does) and one build item per item, in order,
 * with its transform (omitted when it is the identity); unit millimetre, fixed timestamps (same
 * input, same bytes). lw_3mf_parse reads it back as one part per item, placed. Objects no item
 * uses are still written. Errors: LW_EINVAL (no objects or items, an object without facets or
 * with an index out of range or a non-finite coordinate, an item naming a missing object, a
 * transform that is not finite or is singular), LW_ENOMEM, LW_ELIMIT, LW_EIO. */
lw_rc lw_3mf_write_items(const lw_3mf_object *objs, size_t nobjs, const lw_3mf_item *items,
                         size_t nitems, lw_buf *out, lw_err *err);

#endif
