/* lostwax: ring recognition and measurement (see ring_measure.h). */
#include "design/ring_measure.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

#define GRID 256         /* cells across the projection's longer side */
#define MIN_HOLE_MM 10.0 /* smaller than any adult or child ring (US 0 is 11.6 mm) */
#define MAX_HOLE_MM 30.0 /* larger than any thumb ring */
#define MAX_ROUNDNESS 1.5
#define ANGLE_BINS 36

typedef struct grid {
    uint8_t *cell; /* 0 empty, 1 metal, 2 outside (reached from the border), 3 hole */
    int n;         /* n x n cells */
    double u0, v0, step;
} grid;

static void mark(grid *g, double u, double v)
{
    int i = (int)floor((u - g->u0) / g->step), j = (int)floor((v - g->v0) / g->step);
    if (i >= 0 && j >= 0 && i < g->n && j < g->n)
        g->cell[j * g->n + i] = 1;
}

/* Marks every cell the projected triangle touches: its interior by cell centres, and its edges
 * by sampling at half a cell, so triangles seen edge-on (the inside wall of a straight band)
 * still block the view. */
static void raster_tri(grid *g, const double p[3][2])
{
    for (int e = 0; e < 3; e++) {
        const double *a = p[e], *b = p[(e + 1) % 3];
        double len = hypot(b[0] - a[0], b[1] - a[1]);
        int steps = (int)ceil(len / (g->step * 0.5));
        if (steps > 4 * g->n)
            steps = 4 * g->n;
        for (int s = 0; s <= steps; s++) {
            double t = steps ? (double)s / steps : 0;
            mark(g, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
        }
    }
    double area2 = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) -
                   (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
    if (fabs(area2) < g->step * g->step)
        return;
    double umin = fmin(p[0][0], fmin(p[1][0], p[2][0]));
    double umax = fmax(p[0][0], fmax(p[1][0], p[2][0]));
    double vmin = fmin(p[0][1], fmin(p[1][1], p[2][1]));
    double vmax = fmax(p[0][1], fmax(p[1][1], p[2][1]));
    int i0 = (int)floor((umin - g->u0) / g->step), i1 = (int)floor((umax - g->u0) / g->step);
    int j0 = (int)floor((vmin - g->v0) / g->step), j1 = (int)floor((vmax - g->v0) / g->step);
    for (int j = j0 < 0 ? 0 : j0; j <= j1 && j < g->n; j++)
        for (int i = i0 < 0 ? 0 : i0; i <= i1 && i < g->n; i++) {
            double u = g->u0 + (i + 0.5) * g->step, v = g->v0 + (j + 0.5) * g->step;
            double w0 = (p[1][0] - u) * (p[2][1] - v) - (p[2][0] - u) * (p[1][1] - v);
            double w1 = (p[2][0] - u) * (p[0][1] - v) - (p[0][0] - u) * (p[2][1] - v);
            double w2 = (p[0][0] - u) * (p[1][1] - v) - (p[1][0] - u) * (p[0][1] - v);
            if ((w0 >= 0 && w1 >= 0 && w2 >= 0) || (w0 <= 0 && w1 <= 0 && w2 <= 0))
                g->cell[j * g->n + i] = 1;
        }
}

/* Grows the metal by one cell in all eight directions. Facets seen edge-on or seams that fall on a
 * grid line can leave one-cell cracks in the projection through which the outside would flood
 * into the hole. The grid only locates the hole: the diameter is measured exactly afterwards, so
 * shrinking the hole by a cell here costs no precision. */
static lw_rc dilate(grid *g)
{
    size_t n = (size_t)g->n * g->n;
    uint8_t *copy = lw_malloc(n);
    if (!copy)
        return LW_ENOMEM;
    memcpy(copy, g->cell, n);
    for (int j = 0; j < g->n; j++)
        for (int i = 0; i < g->n; i++) {
            if (!copy[j * g->n + i])
                continue;
            for (int b = j - 1; b <= j + 1; b++)
                for (int a = i - 1; a <= i + 1; a++)
                    if (a >= 0 && b >= 0 && a < g->n && b < g->n)
                        g->cell[b * g->n + a] = 1;
        }
    lw_free(copy);
    return LW_OK;
}

/* Marks empty cells reachable from the border as outside (value 2), iteratively with a stack. */
static lw_rc flood_outside(grid *g)
{
    size_t n = (size_t)g->n * g->n;
    uint32_t *stack = lw_malloc(n * sizeof *stack);
    if (!stack)
        return LW_ENOMEM;
    size_t top = 0;
    for (int i = 0; i < g->n; i++) {
        uint32_t border[4] = {(uint32_t)i, (uint32_t)((g->n - 1) * g->n + i),
                              (uint32_t)(i * g->n), (uint32_t)(i * g->n + g->n - 1)};
        for (int k = 0; k < 4; k++)
            if (g->cell[border[k]] == 0) {
                g->cell[border[k]] = 2;
                stack[top++] = border[k];
            }
    }
    while (top) {
        uint32_t c = stack[--top];
        int i = (int)(c % (uint32_t)g->n), j = (int)(c / (uint32_t)g->n);
        const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
        for (int k = 0; k < 4; k++) {
            int a = i + di[k], b = j + dj[k];
            if (a < 0 || b < 0 || a >= g->n || b >= g->n)
                continue;
            uint32_t d = (uint32_t)(b * g->n + a);
            if (g->cell[d] == 0) {
                g->cell[d] = 2;
                stack[top++] = d;
            }
        }
    }
    lw_free(stack);
    return LW_OK;
}

/* Squared distance from point q to the segment ab in the plane. */
static double seg_dist2(const double q[2], const double a[2], const double b[2])
{
    double dx = b[0] - a[0], dy = b[1] - a[1], l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = a[0] + t * dx - q[0], ey = a[1] + t * dy - q[1];
    return ex * ex + ey * ey;
}

/* Distance from q to one projected facet (0 when q is inside it). */
static double facet_dist(const double *proj, const uint32_t *tri, uint32_t f, const double q[2])
{
    const double *p0 = proj + 2 * (size_t)tri[3 * (size_t)f],
                 *p1 = proj + 2 * (size_t)tri[3 * (size_t)f + 1],
                 *p2 = proj + 2 * (size_t)tri[3 * (size_t)f + 2];
    double w0 = (p1[0] - q[0]) * (p2[1] - q[1]) - (p2[0] - q[0]) * (p1[1] - q[1]);
    double w1 = (p2[0] - q[0]) * (p0[1] - q[1]) - (p0[0] - q[0]) * (p2[1] - q[1]);
    double w2 = (p0[0] - q[0]) * (p1[1] - q[1]) - (p1[0] - q[0]) * (p0[1] - q[1]);
    if ((w0 > 0 && w1 > 0 && w2 > 0) || (w0 < 0 && w1 < 0 && w2 < 0))
        return 0;
    return sqrt(fmin(seg_dist2(q, p0, p1), fmin(seg_dist2(q, p1, p2), seg_dist2(q, p2, p0))));
}

/* Distance from q to the union of the listed projected facets (all when list is NULL). */
static double clearance(const double *proj, const uint32_t *tri, uint32_t nt, const uint32_t *list,
                        const double q[2])
{
    double best = INFINITY;
    for (uint32_t k = 0; k < nt; k++) {
        double d = facet_dist(proj, tri, list ? list[k] : k, q);
        if (d < best) {
            best = d;
            if (d == 0)
                break;
        }
    }
    return best;
}


typedef struct candidate {
    bool found;
    double centre[2], radius, roundness;
    char why[160];
} candidate;

static lw_rc try_axis(const lw_mesh *m, const lw_bbox *bb, int axis, double *proj, grid *g,
                      candidate *c)
{
    int ua = (axis + 1) % 3, va = (axis + 2) % 3;
    memset(c, 0, sizeof *c);
    for (uint32_t i = 0; i < m->nv; i++) {
        proj[2 * (size_t)i] = m->xyz[3 * (size_t)i + ua];
        proj[2 * (size_t)i + 1] = m->xyz[3 * (size_t)i + va];
    }
    double eu = bb->max[ua] - bb->min[ua], ev = bb->max[va] - bb->min[va];
    g->step = fmax(eu, ev) / (GRID - 4);
    if (!(g->step > 0)) {
        snprintf(c->why, sizeof c->why, "flat along this axis");
        return LW_OK;
    }
    g->u0 = bb->min[ua] - 2 * g->step;
    g->v0 = bb->min[va] - 2 * g->step;
    memset(g->cell, 0, (size_t)g->n * g->n);
    for (uint32_t f = 0; f < m->nt; f++) {
        double p[3][2];
        for (int k = 0; k < 3; k++) {
            const double *q = proj + 2 * (size_t)m->tri[3 * (size_t)f + k];
            p[k][0] = q[0];
            p[k][1] = q[1];
        }
        raster_tri(g, p);
    }
    lw_rc rc = dilate(g);
    if (!rc)
        rc = flood_outside(g);
    if (rc)
        return rc;
    /* The hole: the enclosed empty cells. Its centroid starts the search for the centre. */
    double su = 0, sv = 0;
    size_t holes = 0;
    for (int j = 0; j < g->n; j++)
        for (int i = 0; i < g->n; i++)
            if (g->cell[j * g->n + i] == 0) {
                su += g->u0 + (i + 0.5) * g->step;
                sv += g->v0 + (j + 0.5) * g->step;
                holes++;
            }
    if (holes == 0) {
        snprintf(c->why, sizeof c->why, "no hole through it");
        return LW_OK;
    }
    double q0[2] = {su / holes, sv / holes}, q[2] = {q0[0], q0[1]};
    double r = clearance(proj, m->tri, m->nt, NULL, q);
    /* Only facets near the first guess can bound the circle: if the centre moves at most `reach`
     * from q0, the circle grows to at most r + reach, so a facet farther than r + 2 reach from q0
     * never touches it. This keeps the search linear in the hole's neighbourhood, not the mesh. */
    double reach = fmax(2.0, 0.25 * r);
    uint32_t *near = lw_malloc(((size_t)m->nt ? m->nt : 1) * sizeof *near), nnear = 0;
    if (!near)
        return LW_ENOMEM;
    for (uint32_t f = 0; f < m->nt; f++)
        if (facet_dist(proj, m->tri, f, q0) <= r + 2 * reach)
            near[nnear++] = f;
    /* Pattern search for the largest empty circle: near a round hole's centre the clearance rises
     * steadily toward the centre, so halving steps converge to it quickly. */
    for (double step = g->step * 4; step > 1e-5; step *= 0.5) {
        bool moved = true;
        for (int iter = 0; moved && iter < 64; iter++) {
            moved = false;
            const double dir[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1},
                                      {0.7071, 0.7071}, {-0.7071, 0.7071},
                                      {0.7071, -0.7071}, {-0.7071, -0.7071}};
            for (int k = 0; k < 8; k++) {
                double t[2] = {q[0] + step * dir[k][0], q[1] + step * dir[k][1]};
                if (hypot(t[0] - q0[0], t[1] - q0[1]) > reach)
                    continue;
                double rt = clearance(proj, m->tri, nnear, near, t);
                if (rt > r + 1e-12) {
                    r = rt;
                    q[0] = t[0];
                    q[1] = t[1];
                    moved = true;
                }
            }
        }
    }
    lw_free(near);
    /* The dilation shrank the hole's radius by about a cell: add it back for the roundness. */
    double hole_r = sqrt((double)holes / M_PI) * g->step + g->step;
    double hole_area = M_PI * hole_r * hole_r;
    c->centre[0] = q[0];
    c->centre[1] = q[1];
    c->radius = r;
    c->roundness = r > 0 ? hole_area / (M_PI * r * r) : INFINITY;
    if (2 * r < MIN_HOLE_MM || 2 * r > MAX_HOLE_MM) {
        snprintf(c->why, sizeof c->why, "its hole is %.1f mm across, not 10-30 mm", 2 * r);
        return LW_OK;
    }
    if (c->roundness > MAX_ROUNDNESS) {
        snprintf(c->why, sizeof c->why, "its hole is not round (%.2f times a circle's area)",
                 c->roundness);
        return LW_OK;
    }
    c->found = true;
    return LW_OK;
}

/* Measures the shank at the angle where the outer surface is closest to the axis. */
static void measure_shank(const lw_mesh *m, int axis, const double centre[2], double inner_r,
                          lw_ring_measures *out)
{
    int ua = (axis + 1) % 3, va = (axis + 2) % 3;
    double rmin[ANGLE_BINS], rmax[ANGLE_BINS], amin[ANGLE_BINS], amax[ANGLE_BINS];
    for (int b = 0; b < ANGLE_BINS; b++) {
        rmin[b] = amin[b] = INFINITY;
        rmax[b] = amax[b] = -INFINITY;
    }
    for (uint32_t i = 0; i < m->nv; i++) {
        const double *p = m->xyz + 3 * (size_t)i;
        double du = p[ua] - centre[0], dv = p[va] - centre[1], rho = hypot(du, dv);
        double ang = atan2(dv, du) + M_PI;
        int b = (int)(ang / (2 * M_PI) * ANGLE_BINS);
        b = b < 0 ? 0 : b >= ANGLE_BINS ? ANGLE_BINS - 1 : b;
        rmin[b] = fmin(rmin[b], rho);
        rmax[b] = fmax(rmax[b], rho);
        amin[b] = fmin(amin[b], p[axis]);
        amax[b] = fmax(amax[b], p[axis]);
    }
    int best = -1;
    for (int b = 0; b < ANGLE_BINS; b++)
        if (rmax[b] > -INFINITY && (best < 0 || rmax[b] < rmax[best]))
            best = b;
    if (best < 0)
        return;
    out->shank_thickness = rmax[best] - inner_r;
    out->shank_width = amax[best] - amin[best];
    out->outer_diameter = 2 * rmax[best];
}

lw_rc lw_ring_measure(const lw_mesh *m, lw_ring_measures *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    out->axis = -1;
    if (m->nt == 0) {
        snprintf(out->why_not, sizeof out->why_not, "the mesh is empty");
        return LW_OK;
    }
    lw_bbox bb = lw_mesh_bbox(m);
    double *proj = lw_malloc(2 * (size_t)m->nv * sizeof *proj);
    grid g = {.cell = lw_malloc((size_t)GRID * GRID), .n = GRID};
    if (!proj || !g.cell) {
        lw_free(proj);
        lw_free(g.cell);
        return lw_err_nomem(err);
    }
    candidate best = {0}, c;
    int best_axis = -1;
    lw_rc rc = LW_OK;
    for (int axis = 0; axis < 3 && !rc; axis++) {
        if ((rc = try_axis(m, &bb, axis, proj, &g, &c)))
            break;
        if (c.found && (best_axis < 0 || c.roundness < best.roundness)) {
            best = c;
            best_axis = axis;
        } else if (!c.found && best_axis < 0 && c.why[0] && !out->why_not[0]) {
            snprintf(out->why_not, sizeof out->why_not, "%s", c.why);
        }
    }
    lw_free(proj);
    lw_free(g.cell);
    if (rc)
        return lw_err_nomem(err);
    if (best_axis < 0) {
        if (!out->why_not[0])
            snprintf(out->why_not, sizeof out->why_not, "no round hole along X, Y or Z");
        return LW_OK;
    }
    out->is_ring = true;
    out->why_not[0] = 0;
    out->axis = best_axis;
    out->inner_diameter = 2 * best.radius;
    out->roundness = best.roundness;
    int ua = (best_axis + 1) % 3, va = (best_axis + 2) % 3;
    out->centre[ua] = best.centre[0];
    out->centre[va] = best.centre[1];
    out->centre[best_axis] = (bb.min[best_axis] + bb.max[best_axis]) / 2;
    measure_shank(m, best_axis, best.centre, best.radius, out);
    return LW_OK;
}
