/* lostwax: the mesh every layer shares.
 *
 * An indexed triangle list in millimetres. Vertices are doubles: file formats store floats, which
 * convert exactly, and the analytic shapes the tests and parametric designs generate keep their
 * full precision, so volumes can be checked against closed forms to 1e-9. Facets are
 * counter-clockwise seen from outside once lw_mesh_check() has fixed orientation. Normals are
 * never stored: they are recomputed from the vertices whenever needed.
 *
 * Ownership: the caller owns the struct; lw_mesh_clear() frees everything it points to.
 */
#ifndef LW_GEOM_MESH_H
#define LW_GEOM_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct lw_mesh {
    double *xyz;    /* 3 * nv coordinates, mm */
    uint32_t *tri;  /* 3 * nt vertex indices */
    uint32_t *part; /* nt part ids (which object of the file a facet came from), or NULL = all 0 */
    uint32_t nv, nt;
    size_t cap_v, cap_t, cap_p; /* allocated vertex / triangle / part-id slots */
    uint32_t max_v, max_t;      /* growth limits (LW_ELIMIT beyond); 0 = UINT32_MAX - 1 */
} lw_mesh;

typedef struct lw_bbox {
    double min[3], max[3]; /* empty box: min = +inf, max = -inf */
} lw_bbox;

/* Limits on what a loader accepts. Every parser checks these before allocating. */
typedef struct lw_mesh_limits {
    size_t max_file_bytes;       /* size of the file as read */
    uint32_t max_triangles;      /* after triangulating n-gons and instancing components */
    uint32_t max_vertices;
    uint32_t max_parts;          /* objects / groups / build items */
    uint64_t max_unzipped_bytes; /* 3MF: total uncompressed size of the parts we read */
    uint32_t max_zip_ratio;      /* 3MF: uncompressed/compressed size of one entry */
    uint32_t max_zip_entries;    /* 3MF: entries in the archive */
    uint32_t max_xml_depth;      /* 3MF: element nesting */
    uint32_t max_component_depth;/* 3MF: nesting of components in components */
    uint32_t max_line_bytes;     /* text formats: one line */
} lw_mesh_limits;

/* Defaults sized for jewellery on a workstation: 1 GiB files, 20 million facets. */
void lw_mesh_limits_default(lw_mesh_limits *lim);

void lw_mesh_init(lw_mesh *m);
void lw_mesh_clear(lw_mesh *m);

/* Makes room for nv vertices and nt triangles in total (not additional). LW_ELIMIT beyond
 * m->max_v / m->max_t, LW_ENOMEM. No message is recorded. */
lw_rc lw_mesh_reserve(lw_mesh *m, size_t nv, size_t nt);

/* Appends a vertex; *idx receives its index (may be NULL). LW_ELIMIT / LW_ENOMEM. */
lw_rc lw_mesh_add_vertex(lw_mesh *m, double x, double y, double z, uint32_t *idx);

/* Appends a triangle of existing vertices with a part id. Indices are NOT checked here (parsers
 * check them against nv and report the place). A part id other than 0 allocates m->part. */
lw_rc lw_mesh_add_tri(lw_mesh *m, uint32_t a, uint32_t b, uint32_t c, uint32_t part);

/* The part id of facet f (0 when m->part is NULL). */
static inline uint32_t lw_mesh_part(const lw_mesh *m, uint32_t f)
{
    return m->part ? m->part[f] : 0;
}

/* Deep copy (dst is initialised by this call; on failure dst is left empty). */
lw_rc lw_mesh_copy(lw_mesh *dst, const lw_mesh *src);

/* Appends all of src to dst (vertices not welded), giving its facets part id `part` if
 * part != UINT32_MAX, else keeping src's part ids. */
lw_rc lw_mesh_append(lw_mesh *dst, const lw_mesh *src, uint32_t part);

/* An affine map p' = A p + t stored as a[12] = {A00 A01 A02 A10 A11 A12 A20 A21 A22 t0 t1 t2}
 * (A row-major, column vectors). 3MF writes row-vector matrices "m00 m01 m02 m10 ... m32", which
 * is the transpose: A = [[m00 m10 m20] [m01 m11 m21] [m02 m12 m22]], t = (m30 m31 m32). */
void lw_affine_identity(double a[12]);
/* out = a after b (p -> a(b(p))); out may alias a or b. */
void lw_affine_compose(double out[12], const double a[12], const double b[12]);
double lw_affine_det(const double a[12]);

/* Copies the facets of part `part` of src into dst (initialised by this call), with only the
 * vertices they use, renumbered in order of first use. LW_ENOMEM, LW_ELIMIT. */
lw_rc lw_mesh_extract_part(const lw_mesh *src, uint32_t part, lw_mesh *dst);

/* Applies the map to every vertex. A map with negative determinant mirrors, so facet winding is
 * reversed to keep outward normals outward. */
void lw_mesh_transform(lw_mesh *m, const double a[12]);
void lw_mesh_scale(lw_mesh *m, double s);
void lw_mesh_translate(lw_mesh *m, double dx, double dy, double dz);

/* Bounding box of all vertices referenced or not (empty box for an empty mesh). */
lw_bbox lw_mesh_bbox(const lw_mesh *m);
void lw_bbox_empty(lw_bbox *b);
void lw_bbox_add(lw_bbox *b, const double p[3]);
static inline bool lw_bbox_is_empty(const lw_bbox *b) { return b->min[0] > b->max[0]; }

/* Unit normal of the triangle a, b, c (counter-clockwise = outward); the zero vector when the
 * corners are collinear. Returns twice the triangle's area. */
double lw_tri_normal(const double *a, const double *b, const double *c, double n[3]);

/* lw_tri_normal of facet f of the mesh. */
double lw_mesh_facet_normal(const lw_mesh *m, uint32_t f, double n[3]);

#endif
