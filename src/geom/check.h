/* lostwax: is this mesh a solid that can be printed and cast?
 *
 * Builds the edge topology of a welded mesh and reports, per shell (a set of facets connected
 * through shared edges) and in total: open edges and the holes (boundary loops) they form,
 * non-manifold edges (three or more facets), degenerate facets (repeated vertex or zero area),
 * facets wound against their neighbours (fixed when asked), non-orientable shells, inverted shells
 * (inside out: negative volume without being a cavity of another shell, fixed when asked),
 * cavities (shells nested in others, facing inward: legitimate), and shells that overlap
 * another (their volumes cannot simply be added: the metal is their union).
 * Every problem comes with a place in millimetres so a designer can find it.
 */
#ifndef LW_GEOM_CHECK_H
#define LW_GEOM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "geom/measure.h"
#include "geom/mesh.h"

typedef enum lw_problem_kind {
    LW_PROBLEM_DEGENERATE_FACET,  /* face: a facet with a repeated vertex or zero area */
    LW_PROBLEM_HOLE,              /* shell, count = open edges in the loop, where = a point on it */
    LW_PROBLEM_NONMANIFOLD_EDGE,  /* v0-v1 shared by count facets (3 or more) */
    LW_PROBLEM_FLIPPED_FACETS,    /* shell, count facets wound against their neighbours */
    LW_PROBLEM_NONORIENTABLE,     /* shell cannot be oriented (a Moebius-like surface) */
    LW_PROBLEM_INVERTED_SHELL,    /* shell faces inward and is not inside another shell */
    LW_PROBLEM_OVERLAPPING_SHELLS,/* shell and other_shell intersect or one holds the other */
} lw_problem_kind;

typedef struct lw_problem {
    lw_problem_kind kind;
    uint32_t shell, other_shell; /* UINT32_MAX where not applicable */
    uint32_t face;               /* a facet concerned, UINT32_MAX where not applicable */
    uint32_t v0, v1;             /* an edge concerned, UINT32_MAX where not applicable */
    uint32_t count;              /* see the kinds */
    bool fixed;                  /* lw_mesh_check changed the mesh to cure it */
    double where[3];             /* a point of the problem, mm */
} lw_problem;

typedef struct lw_shell {
    lw_measure m;              /* after any fixes */
    uint32_t part;             /* part id of its first facet */
    uint32_t boundary_edges;   /* edges with one facet */
    uint32_t nonmanifold_edges;
    uint32_t holes;            /* boundary loops */
    int32_t inside_of;         /* index of the innermost shell that encloses it, or -1 */
    bool closed;               /* no boundary and no non-manifold edges */
    bool orientable;
    bool inverted;             /* was inside out (and not a cavity); see fixed state in problems */
    bool cavity;               /* a void inside another shell (faces inward, legitimately) */
} lw_shell;

typedef struct lw_mesh_report {
    lw_shell *shells;          /* owned, nshells, ordered by lowest facet index */
    uint32_t nshells;
    uint32_t *face_shell;      /* owned, mesh nt entries: shell of each facet */
    uint64_t edges;            /* undirected edges */
    uint64_t boundary_edges, nonmanifold_edges;
    uint32_t holes, degenerate_facets, flipped_facets, inverted_shells, overlapping_pairs;
    bool watertight;           /* every edge shared by exactly two facets, no degenerate facet */
    bool oriented;             /* after fixes, every shell consistently oriented and outward */
    lw_measure total;          /* sums over shells; overlapping shells overstate the volume */
    lw_problem *problems;      /* owned; at most max_problems listed, counts above are complete */
    size_t nproblems;
} lw_mesh_report;

typedef struct lw_check_opts {
    bool fix_orientation;      /* rewind facets to agree with their shell (majority wins) */
    bool fix_inverted;         /* turn inside-out shells (not cavities) outward */
    bool find_overlaps;        /* test shell pairs for intersection and nesting */
    size_t max_problems;       /* 0 = 1000 */
} lw_check_opts;

/* Default options: fix orientation and inverted shells, find overlaps. */
void lw_check_opts_default(lw_check_opts *o);

/* Checks (and with the fix options, repairs) the welded mesh m; opts NULL = defaults. On success
 * *out holds the report; free it with lw_mesh_report_clear. An empty mesh gives an empty report
 * (not watertight). Without find_overlaps no shell is nested, so an inward closed shell lying in
 * another's box is given no verdict (it may be a cavity) rather than called inside out.
 * Errors, each with the report left empty and the mesh unchanged: LW_ENOMEM; LW_EINVAL (a vertex
 * index out of range: the message names the facet); LW_ELIMIT (more than 700 million facets). */
lw_rc lw_mesh_check(lw_mesh *m, const lw_check_opts *opts, lw_mesh_report *out, lw_err *err);
void lw_mesh_report_clear(lw_mesh_report *r);

/* One-line human description of a problem ("hole of 12 open edges near (3.10, -8.65, 2.00) mm"). */
void lw_problem_describe(const lw_problem *p, char *buf, size_t size);
const char *lw_problem_kind_name(lw_problem_kind k); /* stable JSON name: "hole", ... */

#endif
