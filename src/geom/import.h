/* lostwax: what a mesh file holds, read from memory, whatever its format.
 *
 * Parsers take bytes (never a path: the caller reads the file with its own size limit, which also
 * lets fuzzers call them directly) and fill an lw_import: one welded mesh, with every facet tagged
 * by the part (STL solid, OBJ object/group, 3MF object or build item) it came from, plus the facts
 * about the file a jeweller needs to trust it: the unit it declares and the stored normals that
 * were wrong (they are never used).
 *
 * Coordinates stay in the file's own unit; lw_import_unit_mm() says how many millimetres one unit
 * is as declared, and the caller decides (units.h) what to believe before scaling to millimetres.
 */
#ifndef LW_GEOM_IMPORT_H
#define LW_GEOM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "geom/mesh.h"

typedef enum lw_mesh_format {
    LW_FORMAT_UNKNOWN = 0,
    LW_FORMAT_STL_BINARY,
    LW_FORMAT_STL_ASCII,
    LW_FORMAT_OBJ,
    LW_FORMAT_3MF,
} lw_mesh_format;

typedef struct lw_import {
    lw_mesh_format format;
    lw_mesh mesh;            /* welded; coordinates in file units; part ids index part_names */
    char **part_names;       /* nparts owned UTF-8 names as in the file ("" when unnamed) */
    uint32_t nparts;
    size_t cap_parts;
    double unit_mm;          /* millimetres per file unit as declared by the file; 0 = undeclared */
    char unit_decl[32];      /* the declaration as written ("millimeter", "cm"); "" if none */
    uint64_t facets_in_file; /* facets / faces / triangles as stored, before triangulating n-gons
                              * and before instancing 3MF components */
    uint32_t ngons_split;    /* OBJ faces with more than three corners, triangulated */
    uint32_t normals_zero;   /* STL facets whose stored normal is the zero vector */
    uint32_t normals_wrong;  /* STL facets whose stored normal disagrees with the vertex order */
    uint32_t build_items;    /* 3MF build items placed */
    char header[81];         /* STL: header text or solid name, non-printable bytes as '?' */
} lw_import;

void lw_import_init(lw_import *imp);
void lw_import_clear(lw_import *imp);

/* Appends a part named by the n bytes at name (any bytes; NULs end it early). *id receives its
 * index. LW_ELIMIT past lim->max_parts, LW_ENOMEM. Records no message. */
lw_rc lw_import_add_part(lw_import *imp, const char *name, size_t n, uint32_t max_parts,
                         uint32_t *id);

const char *lw_mesh_format_name(lw_mesh_format f);

/* Guesses the format from the bytes; ext_hint ("stl", "obj", "3mf", or NULL) breaks ties for text.
 * A zip is 3MF; an 84+50n-byte file whose count matches is binary STL even when its header starts
 * with "solid"; text starting with "solid" is ASCII STL; text with v/f records is OBJ. */
lw_mesh_format lw_mesh_detect(const uint8_t *data, size_t len, const char *ext_hint);

/* Detects the format and parses. On failure *out is left empty (and must still be cleared) and err
 * says what and where, without the file name (the caller prefixes it). Errors: LW_EFORMAT (corrupt,
 * truncated, NaN/infinite coordinates, index out of range), LW_ELIMIT (a limit of lim), LW_ENOMEM,
 * LW_EUNSUPPORTED (a valid file we do not read, e.g. a 3MF with only a beam lattice). */
lw_rc lw_mesh_import(const uint8_t *data, size_t len, const char *ext_hint,
                     const lw_mesh_limits *lim, lw_import *out, lw_err *err);

#endif
