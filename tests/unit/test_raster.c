/* Tests of print/raster: rectangles on pixel boundaries give exact runs; fractional rectangles
 * give the coverage worked out by hand; random convex and concave polygons and n-gons match,
 * pixel by pixel, an exact reference written here (each polygon clipped to each pixel square,
 * Sutherland-Hodgman, area by the shoelace formula); holes, non-zero overlaps, clipping,
 * mirroring, threshold and quantisation rules; determinism and the exact invariances the fixed
 * point walk promises; the lw_layer_img invariants; allocation failures. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "print/raster.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double rnd(void) /* uniform in [0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static lw_pixel_grid grid(uint32_t w, uint32_t h, double pitch)
{
    lw_pixel_grid g = {w, h, pitch, pitch, false, false};
    return g;
}

/* A polygon given in the image's pixel coordinates (x right, y down), stored as plate mm for an
 * unmirrored grid: x = px * pitch, y = (height - py) * pitch. */
static void add_px(lw_contours *c, const lw_pixel_grid *g, const double *p, uint32_t n)
{
    assert_int_equal(lw_contours_begin(c), LW_OK);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(lw_contours_point(c, p[2 * i] * g->pitch_x,
                                           ((double)g->height - p[2 * i + 1]) * g->pitch_y),
                         LW_OK);
}

static void add_rect(lw_contours *c, const lw_pixel_grid *g, double x0, double y0, double x1,
                     double y1, int reversed)
{
    /* Counter-clockwise on the plate is clockwise in the image's y-down coordinates. */
    double p[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    if (!reversed) {
        double q[8] = {x0, y0, x0, y1, x1, y1, x1, y0};
        memcpy(p, q, sizeof p);
    }
    add_px(c, g, p, 4);
}

/* The lw_layer_img invariants: runs inside, sorted by y then x, not overlapping, equal
 * neighbours merged, no level 0, lit = sum of len x level. */
static void check_img(const lw_layer_img *img)
{
    uint64_t lit = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        const lw_run *r = &img->runs[i];
        assert_true(r->y < img->height);
        assert_true(r->len > 0 && r->x < img->width && r->len <= img->width - r->x);
        assert_true(r->level > 0);
        lit += (uint64_t)r->len * r->level;
        if (i) {
            const lw_run *p = &img->runs[i - 1];
            assert_true(p->y < r->y || (p->y == r->y && p->x + p->len <= r->x));
            assert_false(p->y == r->y && p->x + p->len == r->x && p->level == r->level);
        }
    }
    assert_true(lit == img->lit);
}

/* The image as a frame (caller frees). */
static uint8_t *frame(const lw_layer_img *img)
{
    uint8_t *f = lw_malloc((size_t)img->width * img->height);
    assert_non_null(f);
    size_t cur = 0;
    for (uint32_t y = 0; y < img->height; y++)
        lw_layer_img_row(img, y, f + (size_t)y * img->width, &cur);
    return f;
}

static void render(const lw_pixel_grid *g, const lw_contours *c, unsigned aa, lw_layer_img *img)
{
    lw_rasterizer *r;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_rasterizer_new(g, &r, &err), LW_OK);
    lw_layer_img_init(img, 0, 0);
    assert_int_equal(lw_rasterize(r, c, aa, img, &err), LW_OK);
    assert_int_equal(img->width, g->width);
    assert_int_equal(img->height, g->height);
    check_img(img);
    lw_rasterizer_free(r);
}

/* The level the contract gives to exact coverage c (0..1) at n levels: step k = floor(c n +
 * 1/2), level = floor(255 k / n + 1/2); n = 1 is the same rule (lit from half coverage). */
static unsigned level_of(double c, unsigned n)
{
    unsigned k = (unsigned)floor(c * n + 0.5);
    return (2 * 255 * k + n) / (2 * n);
}

/* ---- exact reference ---------------------------------------------------------------------- */

/* Clips polygon p (n points, pixel coordinates) to the half-plane s * (coord[axis] - v) >= 0. */
static uint32_t clip_half(const double *p, uint32_t n, int axis, double v, double s, double *out)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
        double da = s * (a[axis] - v), db = s * (b[axis] - v);
        if (da >= 0) {
            out[2 * m] = a[0];
            out[2 * m + 1] = a[1];
            m++;
        }
        if ((da >= 0) != (db >= 0)) {
            double t = da / (da - db);
            out[2 * m] = a[0] + t * (b[0] - a[0]);
            out[2 * m + 1] = a[1] + t * (b[1] - a[1]);
            out[2 * m + axis] = v; /* exactly on the line */
            m++;
        }
    }
    return m;
}

static double shoelace(const double *p, uint32_t n)
{
    double s = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
        s += a[0] * b[1] - b[0] * a[1];
    }
    return s / 2;
}

/* Signed area of polygon p inside pixel (i, j): the integral of its winding number there (a
 * concave polygon clipped to a convex window leaves zero-width bridges, which add no area). */
static double pixel_area(const double *p, uint32_t n, uint32_t i, uint32_t j)
{
    double *a = lw_malloc(sizeof(double) * 2 * (n + 8));
    double *b = lw_malloc(sizeof(double) * 2 * (n + 8));
    assert_non_null(a);
    assert_non_null(b);
    uint32_t m = clip_half(p, n, 0, i, 1, a);
    m = clip_half(a, m, 0, i + 1.0, -1, b);
    m = clip_half(b, m, 1, j, 1, a);
    m = clip_half(a, m, 1, j + 1.0, -1, b);
    double s = m >= 3 ? shoelace(b, m) : 0;
    lw_free(a);
    lw_free(b);
    return s;
}

/* Coverage of every pixel by the polygons (simple, not overlapping each other except holes
 * inside outer boundaries): |sum of signed areas|. */
static double *reference(const lw_pixel_grid *g, const double *const *polys, const uint32_t *ns,
                         int npolys)
{
    double *cov = lw_calloc((size_t)g->width * g->height, sizeof *cov);
    assert_non_null(cov);
    for (uint32_t j = 0; j < g->height; j++)
        for (uint32_t i = 0; i < g->width; i++) {
            double s = 0;
            for (int k = 0; k < npolys; k++)
                s += pixel_area(polys[k], ns[k], i, j);
            cov[(size_t)j * g->width + i] = fabs(s);
        }
    return cov;
}

/* Compares a rendering with the reference: where c n + 1/2 is clear of a whole number the level
 * is exactly the contract's; within n * EPS of one, either neighbour. EPS bounds the walk's
 * coverage error: its points are within 2^-16 pixel of the exact ones, and a pixel holds less
 * than 4 pixels of outline here, so less than 6e-5 of a pixel.
 * Also checks that the total lit area is within the quantisation bound of the exact area:
 * at most half a step (1/(2n)) plus half a level (0.5/255) per partly covered pixel. */
#define EPS 1e-4
static void compare(const lw_layer_img *img, const double *cov, unsigned n, double exact_area)
{
    uint8_t *f = frame(img);
    size_t np = (size_t)img->width * img->height, partial = 0;
    for (size_t k = 0; k < np; k++) {
        double c = cov[k];
        assert_true(c <= 1 + 1e-9);
        if (c > 1e-12 && c < 1 - 1e-12)
            partial++;
        double t = c * n + 0.5;
        if (fabs(t - floor(t + 0.5)) > n * EPS) {
            if (f[k] != level_of(c, n))
                fail_msg("pixel (%zu, %zu): level %u, coverage %.6f gives %u at %u levels",
                         k % img->width, k / img->width, f[k], c, level_of(c, n), n);
        } else {
            unsigned lo = level_of(c - EPS, n), hi = level_of(c + EPS, n);
            assert_true(f[k] == lo || f[k] == hi);
        }
        /* The brief's per-pixel bound, which the exact check above implies. */
        assert_true(fabs(f[k] / 255.0 - c) <= 1 / 255.0 + 0.5 / n + 1e-9 || n == 1);
    }
    double lit = (double)img->lit / 255.0;
    double bound = (double)partial * (0.5 / n + 0.5 / 255) + 1e-6;
    if (n > 1 && fabs(lit - exact_area) > bound)
        fail_msg("lit %.6f px, exact %.6f px, bound %.6f", lit, exact_area, bound);
    lw_free(f);
}

/* ---- hand-worked cases -------------------------------------------------------------------- */

static void test_rect_on_pixel_boundaries(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(12, 8, 0.05);
    for (int rev = 0; rev < 2; rev++) {
        lw_contours c;
        lw_contours_init(&c);
        add_rect(&c, &g, 2, 3, 7, 5, rev);
        for (unsigned aa = 1; aa <= 16; aa *= 2) {
            lw_layer_img img;
            render(&g, &c, aa, &img);
            assert_int_equal(img.nruns, 2);
            for (int k = 0; k < 2; k++) {
                assert_int_equal(img.runs[k].y, 3 + k);
                assert_int_equal(img.runs[k].x, 2);
                assert_int_equal(img.runs[k].len, 5);
                assert_int_equal(img.runs[k].level, 255);
            }
            assert_true(img.lit == 10 * 255);
            lw_layer_img_clear(&img);
        }
        lw_contours_clear(&c);
    }
}

/* Rectangle x in [2.25, 5.5], y in [1.5, 3.75] (pixels). Column coverages 0.75, 1, 1, 0.5; row
 * coverages 0.5, 1, 0.75; a pixel's coverage is their product. At 16 levels: 0.375 -> step 6 ->
 * 95.625 -> 96; 0.5 -> 8 -> 127.5 -> 128; 0.25 -> 4 -> 63.75 -> 64; 0.75 -> 12 -> 191.25 -> 191;
 * 0.5625 -> 9 -> 143.4375 -> 143. At 2 levels: 0.25 -> 0.5 + 0.5 -> step 1 -> 128 (ties up),
 * 0.375 and 0.5 and 0.5625 -> 128, 0.75 -> 1.5 + 0.5 -> 255. At 1 level, lit from 0.5. */
static void test_rect_fractional(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(8, 6, 0.25); /* dyadic pitch: the coordinates are exact */
    lw_contours c;
    lw_contours_init(&c);
    add_rect(&c, &g, 2.25, 1.5, 5.5, 3.75, 0);
    static const uint8_t want16[3][4] = {{96, 128, 128, 64}, {191, 255, 255, 128},
                                         {143, 191, 191, 96}};
    static const uint8_t want2[3][4] = {{128, 128, 128, 128}, {255, 255, 255, 128},
                                        {128, 255, 255, 128}};
    static const uint8_t want1[3][4] = {{0, 255, 255, 0}, {255, 255, 255, 255},
                                        {255, 255, 255, 0}};
    const uint8_t(*wants[3])[4] = {want16, want2, want1};
    const unsigned levels[3] = {16, 2, 1};
    for (int t = 0; t < 3; t++) {
        lw_layer_img img;
        render(&g, &c, levels[t], &img);
        uint8_t *f = frame(&img);
        for (uint32_t y = 0; y < g.height; y++)
            for (uint32_t x = 0; x < g.width; x++) {
                unsigned want = y >= 1 && y <= 3 && x >= 2 && x <= 5 ? wants[t][y - 1][x - 2] : 0;
                if (f[y * g.width + x] != want)
                    fail_msg("aa %u pixel (%u, %u): %u, want %u", levels[t], x, y,
                             f[y * g.width + x], want);
            }
        lw_free(f);
        lw_layer_img_clear(&img);
    }
    /* The runs of row 1 at 16 levels: 96 | 128 128 (merged) | 64. */
    lw_layer_img img;
    render(&g, &c, 16, &img);
    assert_int_equal(img.runs[0].y, 1);
    assert_int_equal(img.runs[0].x, 2);
    assert_int_equal(img.runs[0].len, 1);
    assert_int_equal(img.runs[1].x, 3);
    assert_int_equal(img.runs[1].len, 2);
    assert_int_equal(img.runs[1].level, 128);
    assert_int_equal(img.runs[2].x, 5);
    assert_int_equal(img.runs[2].level, 64);
    lw_layer_img_clear(&img);
    lw_contours_clear(&c);
}

/* A sliver of x in [3, 3 + w) across rows: aa 1 lights it exactly when w >= 1/2. */
static void test_threshold_half(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(8, 4, 0.125);
    const double widths[4] = {0.5, 0.5 - 1.0 / 64, 0.5 + 1.0 / 64, 0.25};
    const int lit[4] = {1, 0, 1, 0};
    for (int k = 0; k < 4; k++) {
        lw_contours c;
        lw_contours_init(&c);
        add_rect(&c, &g, 3, 0, 3 + widths[k], 4, 0);
        lw_layer_img img;
        render(&g, &c, 1, &img);
        assert_int_equal(img.nruns, lit[k] ? 4 : 0);
        for (size_t i = 0; i < img.nruns; i++) {
            assert_int_equal(img.runs[i].x, 3);
            assert_int_equal(img.runs[i].len, 1);
            assert_int_equal(img.runs[i].level, 255);
        }
        lw_layer_img_clear(&img);
        lw_contours_clear(&c);
    }
}

/* Every level the quantiser can give, from slivers of width k/64 of a pixel (exact): the level
 * is the contract's, at each anti-aliasing setting. */
static void test_quantisation_table(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(70, 1, 0.25);
    lw_contours c;
    lw_contours_init(&c);
    for (int k = 0; k <= 64; k++)
        add_rect(&c, &g, k, 0, k + k / 64.0, 1, 0); /* pixel k covered k/64 */
    for (unsigned aa = 1; aa <= 16; aa *= 2) {
        lw_layer_img img;
        render(&g, &c, aa, &img);
        uint8_t *f = frame(&img);
        for (int k = 0; k <= 64; k++) {
            /* Ties (k/64 n + 1/2 whole) go up: exact here, as the coordinates are. */
            unsigned want = level_of(k / 64.0, aa);
            if (f[k] != want)
                fail_msg("aa %u, coverage %d/64: %u, want %u", aa, k, f[k], want);
        }
        lw_free(f);
        lw_layer_img_clear(&img);
    }
    assert_int_equal(level_of(1, 16), 255);
    assert_int_equal(level_of(0.5, 2), 128);
    lw_contours_clear(&c);
}

/* A square with a square hole: a frame when the hole runs the other way; filled (winding 2 is
 * still inside under the non-zero rule) when it runs the same way. */
static void test_frame_and_nonzero(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(12, 12, 0.1);
    for (int same = 0; same < 2; same++) {
        lw_contours c;
        lw_contours_init(&c);
        add_rect(&c, &g, 2, 2, 10, 10, 0);
        add_rect(&c, &g, 4, 4, 8, 8, !same);
        lw_layer_img img;
        render(&g, &c, 16, &img);
        uint8_t *f = frame(&img);
        for (uint32_t y = 0; y < 12; y++)
            for (uint32_t x = 0; x < 12; x++) {
                int in = x >= 2 && x < 10 && y >= 2 && y < 10;
                int hole = x >= 4 && x < 8 && y >= 4 && y < 8;
                assert_int_equal(f[y * 12 + x], in && (same || !hole) ? 255 : 0);
            }
        assert_int_equal(img.nruns, same ? 8 : 12);
        lw_free(f);
        lw_layer_img_clear(&img);
        lw_contours_clear(&c);
    }
}

/* Two overlapping squares, both counter-clockwise, fill their union once: exactly on pixel
 * boundaries, and offset by halves, where the union's coverage per pixel is worked out from the
 * rectangles (inclusion-exclusion). The same square twice is the square. */
static double rect_in_pixel(double x0, double y0, double x1, double y1, uint32_t i, uint32_t j)
{
    double w = fmin(x1, i + 1.0) - fmax(x0, i), h = fmin(y1, j + 1.0) - fmax(y0, j);
    return w > 0 && h > 0 ? w * h : 0;
}

static void test_union_once(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(14, 11, 0.25);
    const double a[4] = {1, 1, 7, 5};
    const double offs[2] = {0, 0.5};
    for (int t = 0; t < 2; t++) {
        double b[4] = {4 + offs[t], 3 + offs[t], 10 + offs[t], 8 + offs[t]};
        lw_contours c;
        lw_contours_init(&c);
        add_rect(&c, &g, a[0], a[1], a[2], a[3], 0);
        add_rect(&c, &g, b[0], b[1], b[2], b[3], 0);
        lw_layer_img img;
        render(&g, &c, 16, &img);
        uint8_t *f = frame(&img);
        for (uint32_t y = 0; y < g.height; y++)
            for (uint32_t x = 0; x < g.width; x++) {
                double ox0 = fmax(a[0], b[0]), oy0 = fmax(a[1], b[1]);
                double ox1 = fmin(a[2], b[2]), oy1 = fmin(a[3], b[3]);
                double u = rect_in_pixel(a[0], a[1], a[2], a[3], x, y) +
                           rect_in_pixel(b[0], b[1], b[2], b[3], x, y) -
                           rect_in_pixel(ox0, oy0, ox1, oy1, x, y);
                if (f[y * g.width + x] != level_of(u, 16))
                    fail_msg("offset %g pixel (%u, %u): %u, union covers %g", offs[t], x, y,
                             f[y * g.width + x], u);
            }
        double area = 24 + 30 - (7 - b[0]) * (5 - b[1]);
        assert_true(fabs((double)img.lit / 255 - area) <= 1e-9 || t == 1);
        lw_free(f);
        lw_layer_img_clear(&img);
        lw_contours_clear(&c);
    }
    lw_contours c;
    lw_contours_init(&c);
    add_rect(&c, &g, 2, 2, 6, 6, 0);
    add_rect(&c, &g, 2, 2, 6, 6, 0);
    lw_layer_img img;
    render(&g, &c, 16, &img);
    assert_int_equal(img.nruns, 4);
    assert_true(img.lit == 16 * 255);
    lw_layer_img_clear(&img);
    lw_contours_clear(&c);
}

/* Parts off the screen are clipped: a square over each side and corner, a triangle with far
 * away corners (the 128-bit clipping path) covering everything, a polygon wholly outside. */
static void test_clipping(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(10, 7, 0.05);
    const double sq[5][4] = {{-3, -2, 4, 3}, {6, -5, 13, 2}, {7, 4, 30, 30}, {-9, 5, 2, 9},
                             {-1, -1, 11, 8}};
    for (int k = 0; k < 5; k++) {
        lw_contours c;
        lw_contours_init(&c);
        add_rect(&c, &g, sq[k][0], sq[k][1], sq[k][2], sq[k][3], k & 1);
        lw_layer_img img;
        render(&g, &c, 8, &img);
        uint8_t *f = frame(&img);
        for (uint32_t y = 0; y < g.height; y++)
            for (uint32_t x = 0; x < g.width; x++) {
                int in = x >= sq[k][0] && x < sq[k][2] && y >= sq[k][1] && y < sq[k][3];
                assert_int_equal(f[y * g.width + x], in ? 255 : 0);
            }
        lw_free(f);
        lw_layer_img_clear(&img);
        lw_contours_clear(&c);
    }
    /* A huge triangle: every row one full-width run. */
    lw_contours c;
    lw_contours_init(&c);
    const double tri[6] = {-3e6, -1e6, 4e6, 2e5, -2e5, 5e6};
    add_px(&c, &g, tri, 3);
    lw_layer_img img;
    render(&g, &c, 16, &img);
    assert_int_equal(img.nruns, g.height);
    for (uint32_t y = 0; y < g.height; y++) {
        assert_int_equal(img.runs[y].x, 0);
        assert_int_equal(img.runs[y].len, g.width);
        assert_int_equal(img.runs[y].level, 255);
    }
    lw_layer_img_clear(&img);
    lw_contours_reset(&c);
    const double out[6] = {20, 1, 30, 2, 25, 6}; /* right of the screen */
    add_px(&c, &g, out, 3);
    const double above[6] = {1, -9, 8, -9, 4, -0.5};
    add_px(&c, &g, above, 3);
    render(&g, &c, 16, &img);
    assert_int_equal(img.nruns, 0);
    assert_true(img.lit == 0);
    lw_layer_img_clear(&img);
    lw_contours_clear(&c);
}

/* ---- random shapes against the exact reference --------------------------------------------- */

/* Random polygon of n points around (cx, cy): convex (points on an ellipse at sorted angles),
 * star-shaped concave (random radii), or a regular n-gon (a circle); reversed if asked. */
static void random_poly(double *p, uint32_t n, int kind, double cx, double cy, double r, int rev)
{
    double ang[64];
    double rot = rnd() * 2 * M_PI, ex = 0.5 + rnd() * 0.5;
    for (uint32_t i = 0; i < n; i++)
        ang[i] = kind == 2 ? 2 * M_PI * i / n : rnd() * 2 * M_PI;
    for (uint32_t i = 1; i < n; i++) /* insertion sort of the angles */
        for (uint32_t j = i; j > 0 && ang[j] < ang[j - 1]; j--) {
            double t = ang[j];
            ang[j] = ang[j - 1];
            ang[j - 1] = t;
        }
    for (uint32_t i = 0; i < n; i++) {
        double rr = kind == 1 ? r * (0.25 + 0.75 * rnd()) : r;
        double a = rev ? -ang[i] : ang[i];
        double x = rr * cos(a) * (kind == 0 ? ex : 1), y = rr * sin(a);
        p[2 * i] = cx + x * cos(rot) - y * sin(rot);
        p[2 * i + 1] = cy + x * sin(rot) + y * cos(rot);
    }
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(23, 17, 0.037);
    for (int trial = 0; trial < 90; trial++) {
        int kind = trial % 3;
        uint32_t n = kind == 2 ? 5 + (uint32_t)(rnd() * 59) : 3 + (uint32_t)(rnd() * 40);
        double p[128];
        /* Some reach past the screen's sides. */
        random_poly(p, n, kind, -2 + rnd() * 27, -2 + rnd() * 21, 1 + rnd() * 9, trial & 1);
        lw_contours c;
        lw_contours_init(&c);
        add_px(&c, &g, p, n);
        const double *polys[1] = {p};
        double *cov = reference(&g, polys, &n, 1);
        double exact = 0;
        for (size_t k = 0; k < (size_t)g.width * g.height; k++)
            exact += cov[k];
        const unsigned aa = 1u << (trial % 5);
        lw_layer_img img;
        render(&g, &c, aa, &img);
        compare(&img, cov, aa, exact);
        lw_layer_img_clear(&img);
        lw_free(cov);
        lw_contours_clear(&c);
    }
}

/* A circle with a concentric hole (an annulus, as a band's cross-section) and a thin sliver
 * whose edges share cells, against the reference. */
static void test_annulus_and_sliver(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(30, 26, 0.022);
    double outer[128], inner[128], sliver[8] = {3.1, 20.2, 27.6, 2.3, 27.9, 2.6, 3.4, 20.5};
    random_poly(outer, 64, 2, 14.3, 12.7, 11.2, 0);
    random_poly(inner, 64, 2, 14.3, 12.7, 8.9, 1);
    const double *polys[2] = {outer, inner};
    const uint32_t ns[2] = {64, 64};
    for (int t = 0; t < 2; t++) {
        lw_contours c;
        lw_contours_init(&c);
        double *cov;
        if (t == 0) {
            add_px(&c, &g, outer, 64);
            add_px(&c, &g, inner, 64);
            cov = reference(&g, polys, ns, 2);
        } else {
            add_px(&c, &g, sliver, 4);
            const double *sp[1] = {sliver};
            const uint32_t sn[1] = {4};
            cov = reference(&g, sp, sn, 1);
        }
        double exact = 0;
        for (size_t k = 0; k < (size_t)g.width * g.height; k++)
            exact += cov[k];
        for (unsigned aa = 1; aa <= 16; aa *= 2) {
            lw_layer_img img;
            render(&g, &c, aa, &img);
            compare(&img, cov, aa, exact);
            lw_layer_img_clear(&img);
        }
        lw_free(cov);
        lw_contours_clear(&c);
    }
}

/* On a bigger grid, the total of a large n-gon against its exact area within the quantisation
 * bound; the number of partly covered pixels is bounded by the outline: an edge of extent
 * (dx, dy) pixels meets at most ceil(dx) + ceil(dy) + 1 pixels. */
static void test_total_area(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(400, 300, 0.022);
    for (int t = 0; t < 4; t++) {
        double p[128];
        uint32_t n = 64;
        random_poly(p, n, t % 3, 190 + rnd() * 20, 140 + rnd() * 20, 60 + rnd() * 70, t & 1);
        lw_contours c;
        lw_contours_init(&c);
        add_px(&c, &g, p, n);
        double area = fabs(shoelace(p, n)), cells = 0;
        for (uint32_t i = 0; i < n; i++) {
            const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
            cells += ceil(fabs(b[0] - a[0])) + ceil(fabs(b[1] - a[1])) + 1;
        }
        for (unsigned aa = 2; aa <= 16; aa *= 2) {
            lw_layer_img img;
            render(&g, &c, aa, &img);
            double lit = (double)img.lit / 255;
            assert_true(fabs(lit - area) <= cells * (0.5 / aa + 0.5 / 255));
            lw_layer_img_clear(&img);
        }
        lw_contours_clear(&c);
    }
}

/* Hundreds of edges crossing the same rows: a comb whose back runs along row 3 to the right and
 * whose teeth zigzag through rows 1-2 back to the left, so that a row's spans come in reverse
 * order and the sort must fall back from insertion to merging. */
static void test_many_edges_in_a_row(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(260, 5, 0.05);
    enum { TEETH = 250 };
    double *p = lw_malloc(sizeof(double) * 2 * (2 * TEETH + 2));
    assert_non_null(p);
    uint32_t n = 0;
    p[2 * n] = 1.5;
    p[2 * n++ + 1] = 3.4;
    p[2 * n] = 2 + TEETH + 0.5;
    p[2 * n++ + 1] = 3.6;
    for (int k = TEETH - 1; k >= 0; k--) {
        p[2 * n] = 2 + k + 0.6;
        p[2 * n++ + 1] = 2.7 - 0.017 * (k % 5);
        p[2 * n] = 2 + k + 0.1 + 0.05 * (k % 7);
        p[2 * n++ + 1] = 1.3 + 0.013 * (k % 11);
    }
    lw_contours c;
    lw_contours_init(&c);
    add_px(&c, &g, p, n);
    const double *polys[1] = {p};
    double *cov = reference(&g, polys, &n, 1);
    double exact = 0;
    for (size_t k = 0; k < (size_t)g.width * g.height; k++)
        exact += cov[k];
    lw_layer_img img;
    render(&g, &c, 16, &img);
    compare(&img, cov, 16, exact);
    lw_layer_img_clear(&img);
    lw_free(cov);
    lw_free(p);
    lw_contours_clear(&c);
}

/* ---- exact invariances --------------------------------------------------------------------- */

/* Dyadic coordinates (multiples of 1/64 pixel on a pitch of 1/4 mm) map to pixels exactly,
 * mirrored or not, so mirroring must flip the image exactly, and reversing the contours,
 * starting them elsewhere or moving them by whole pixels must change nothing else. */
static void dyadic_shape(lw_contours *c, const lw_pixel_grid *g, int rev, int rot, double dx,
                         double dy)
{
    double p[2][96];
    uint32_t n[2] = {37, 23};
    for (int k = 0; k < 2; k++) {
        double q[96];
        random_poly(q, n[k], k, k ? 14 : 12, k ? 9 : 10, k ? 3.5 : 8, k);
        for (uint32_t i = 0; i < 2 * n[k]; i++)
            q[i] = round(q[i] * 64) / 64;
        for (uint32_t i = 0; i < n[k]; i++) {
            uint32_t s = (i + (uint32_t)rot) % n[k];
            s = rev ? n[k] - 1 - s : s; /* the same points the other way round */
            p[k][2 * i] = q[2 * s] + dx;
            p[k][2 * i + 1] = q[2 * s + 1] + dy;
        }
        add_px(c, g, p[k], n[k]);
    }
}

static void test_mirror_and_invariance(void **state)
{
    (void)state;
    for (int trial = 0; trial < 6; trial++) {
        uint64_t seed = rng_state;
        lw_pixel_grid g = grid(29, 21, 0.25);
        lw_contours c;
        lw_contours_init(&c);
        dyadic_shape(&c, &g, 0, 0, 0, 0);
        unsigned aa = trial < 3 ? 16 : 4;
        lw_layer_img base;
        render(&g, &c, aa, &base);
        uint8_t *f0 = frame(&base);
        assert_true(base.lit > 0);
        for (int m = 1; m < 4; m++) {
            lw_pixel_grid gm = g;
            gm.mirror_x = m & 1;
            gm.mirror_y = (m >> 1) & 1;
            lw_layer_img img;
            render(&gm, &c, aa, &img);
            uint8_t *f = frame(&img);
            for (uint32_t y = 0; y < g.height; y++)
                for (uint32_t x = 0; x < g.width; x++) {
                    uint32_t sx = gm.mirror_x ? g.width - 1 - x : x;
                    uint32_t sy = gm.mirror_y ? g.height - 1 - y : y;
                    assert_int_equal(f[y * g.width + x], f0[sy * g.width + sx]);
                }
            assert_true(img.lit == base.lit);
            lw_free(f);
            lw_layer_img_clear(&img);
        }
        /* Reversed contours, another start point, moved by (3, -2) pixels. */
        for (int v = 0; v < 3; v++) {
            rng_state = seed;
            lw_contours d;
            lw_contours_init(&d);
            dyadic_shape(&d, &g, v == 0, v == 1 ? 5 : 0, v == 2 ? 3 : 0, v == 2 ? -2 : 0);
            lw_layer_img img;
            render(&g, &d, aa, &img);
            uint8_t *f = frame(&img);
            for (uint32_t y = 0; y < g.height; y++)
                for (uint32_t x = 0; x < g.width; x++) {
                    int64_t sx = v == 2 ? (int64_t)x - 3 : x, sy = v == 2 ? (int64_t)y + 2 : y;
                    uint8_t want = sx >= 0 && sx < (int64_t)g.width && sy < (int64_t)g.height
                                       ? f0[sy * g.width + sx]
                                       : 0;
                    assert_int_equal(f[y * g.width + x], want);
                }
            lw_free(f);
            lw_layer_img_clear(&img);
            lw_contours_clear(&d);
        }
        lw_free(f0);
        lw_layer_img_clear(&base);
        lw_contours_clear(&c);
    }
}

/* Crossings that fall exactly half a unit (2^-17 pixel) between two fixed-point values, in a
 * pixel whose coverage the choice puts exactly at or just under one half, so that at one level
 * the choice decides whether it is lit. The edge from (1.5 - 2^-16, 0) to (1.5, 2) crosses row
 * 1 at x = 1.5 - 2^-17; the region left of it and right of x = 1 covers pixel (1, 1) by exactly
 * 1/2 if the crossing rounds to 1.5, by 1/2 - 2^-17 if to 1.5 - 2^-16. Ties go to the even
 * fixed-point value, 1.5 (98304 units), so the pixel is lit, and the mirrored screens, whose
 * crossing is the mirror of this one, light its mirror image. The transposed shape does the
 * same for a column crossing, and the third for a corner: x = 1.5 - 2^-17 rounds to 1.5, making
 * pixels (1, 0) and (1, 1) exactly half covered. */
static void test_ties(void **state)
{
    (void)state;
    const double e = 1.0 / 65536;
    const double rowtie[8] = {1, 0, 1, 2, 1.5, 2, 1.5 - e, 0};
    const double coltie[8] = {0, 1, 2, 1, 2, 1.5, 0, 1.5 - e};
    const double cornertie[8] = {1, 0, 1, 2, 1.5, 2, 1.5 - e / 2, 0};
    const double *shapes[3] = {rowtie, coltie, cornertie};
    for (int s = 0; s < 3; s++)
        for (int m = 0; m < 4; m++) {
            lw_pixel_grid g = grid(4, 4, 1);
            lw_contours c;
            lw_contours_init(&c);
            add_px(&c, &g, shapes[s], 4);
            g.mirror_x = m & 1;
            g.mirror_y = (m >> 1) & 1;
            lw_layer_img img;
            render(&g, &c, 1, &img);
            uint8_t *f = frame(&img);
            for (uint32_t y = 0; y < 4; y++)
                for (uint32_t x = 0; x < 4; x++) {
                    uint32_t sx = g.mirror_x ? 3 - x : x, sy = g.mirror_y ? 3 - y : y;
                    /* Pixel (1, 0) of the row tie (and (0, 1) of the column tie) is covered
                     * 1/2 - 2^-16 or 1/2 - 2^-17: never lit. */
                    int lit = sx == 1 && (sy == 1 || (s == 2 && sy == 0));
                    assert_int_equal(f[y * 4 + x], lit ? 255 : 0);
                }
            lw_free(f);
            lw_layer_img_clear(&img);
            lw_contours_clear(&c);
        }
}

/* An edge that reaches the screen's right side at a row boundary and runs down it for one unit:
 * its last piece lies on the side itself (the right side of the last cell), and mirrored, on
 * the left side. Row 0: three pixels lit; row 1, covered 2^-16 high, dark. */
static void test_edges_on_screen_sides(void **state)
{
    (void)state;
    const double e = 1.0 / 65536;
    for (int m = 0; m < 2; m++) {
        lw_pixel_grid g = grid(6, 4, 1);
        const double p[8] = {3, 0, 6 - e, 0, 6, 1 + e, 3, 1 + e};
        lw_contours c;
        lw_contours_init(&c);
        add_px(&c, &g, p, 4);
        g.mirror_x = m;
        lw_layer_img img;
        render(&g, &c, 16, &img);
        assert_int_equal(img.nruns, 1);
        assert_int_equal(img.runs[0].y, 0);
        assert_int_equal(img.runs[0].x, m ? 0 : 3);
        assert_int_equal(img.runs[0].len, 3);
        assert_int_equal(img.runs[0].level, 255);
        lw_layer_img_clear(&img);
        lw_contours_clear(&c);
    }
}

/* One rasteriser reused for different layers gives what a fresh one gives, byte for byte. */
static void test_determinism_and_reuse(void **state)
{
    (void)state;
    lw_pixel_grid g = grid(64, 48, 0.05);
    lw_contours c[3];
    for (int k = 0; k < 3; k++) {
        lw_contours_init(&c[k]);
        double p[128];
        random_poly(p, 40, k, 30 + 10 * k, 24, 14 + 6 * k, k & 1);
        add_px(&c[k], &g, p, 40);
    }
    lw_layer_img fresh[3];
    for (int k = 0; k < 3; k++)
        render(&g, &c[k], 16, &fresh[k]);
    lw_rasterizer *r;
    assert_int_equal(lw_rasterizer_new(&g, &r, NULL), LW_OK);
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    const int seq[7] = {2, 0, 1, 0, 2, 2, 1};
    for (int s = 0; s < 7; s++) {
        int k = seq[s];
        assert_int_equal(lw_rasterize(r, &c[k], 16, &img, NULL), LW_OK);
        assert_int_equal(img.nruns, fresh[k].nruns);
        assert_memory_equal(img.runs, fresh[k].runs, img.nruns * sizeof *img.runs);
        assert_true(img.lit == fresh[k].lit);
    }
    lw_layer_img_clear(&img);
    lw_rasterizer_free(r);
    for (int k = 0; k < 3; k++) {
        lw_layer_img_clear(&fresh[k]);
        lw_contours_clear(&c[k]);
    }
}

/* ---- errors -------------------------------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    (void)state;
    lw_err err;
    lw_rasterizer *r = (lw_rasterizer *)&err;
    lw_pixel_grid g = grid(0, 5, 0.05);
    assert_int_equal(lw_rasterizer_new(&g, &r, NULL), LW_EINVAL);
    assert_null(r);
    g = grid(5, 5, 0);
    assert_int_equal(lw_rasterizer_new(&g, &r, NULL), LW_EINVAL);
    g = grid(5, 5, NAN);
    assert_int_equal(lw_rasterizer_new(&g, &r, NULL), LW_EINVAL);
    g = grid(40000, 5, 0.05);
    lw_err_clear(&err);
    assert_int_equal(lw_rasterizer_new(&g, &r, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "40000"));
    g = grid(10, 10, 0.1);
    assert_int_equal(lw_rasterizer_new(&g, &r, NULL), LW_OK);
    lw_contours c;
    lw_contours_init(&c);
    add_rect(&c, &g, 1, 1, 5, 5, 0);
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    const unsigned bad[4] = {0, 3, 32, 12};
    for (int k = 0; k < 4; k++) {
        lw_err_clear(&err);
        assert_int_equal(lw_rasterize(r, &c, bad[k], &img, &err), LW_EINVAL);
        assert_int_equal(img.nruns, 0);
        assert_non_null(strstr(err.msg, "anti-aliasing"));
    }
    /* A NaN or an absurd coordinate: EINVAL and an empty image, even after a good layer. */
    const double pts[2] = {NAN, 1e300};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(lw_rasterize(r, &c, 4, &img, NULL), LW_OK);
        assert_true(img.nruns > 0);
        lw_contours d;
        lw_contours_init(&d);
        const double tri[6] = {1, 1, pts[k], 2, 3, 4};
        assert_int_equal(lw_contours_add(&d, tri, 3), LW_OK);
        lw_err_clear(&err);
        assert_int_equal(lw_rasterize(r, &d, 4, &img, &err), LW_EINVAL);
        assert_int_equal(img.nruns, 0);
        assert_true(img.lit == 0);
        assert_non_null(strstr(err.msg, "contour 0, point 1"));
        lw_contours_clear(&d);
    }
    /* No contours: no runs. */
    lw_contours_reset(&c);
    assert_int_equal(lw_rasterize(r, &c, 16, &img, NULL), LW_OK);
    assert_int_equal(img.nruns, 0);
    lw_layer_img_clear(&img);
    lw_contours_clear(&c);
    lw_rasterizer_free(r);
    lw_rasterizer_free(NULL);
}

typedef struct torture {
    lw_contours c;
    lw_pixel_grid g;
    uint64_t want_lit;
    size_t want_runs;
} torture;

static int torture_fn(void *ctx)
{
    torture *t = ctx;
    lw_rasterizer *r;
    lw_rc rc = lw_rasterizer_new(&t->g, &r, NULL);
    if (rc)
        return rc;
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    rc = lw_rasterize(r, &t->c, 16, &img, NULL);
    if (rc == LW_OK) /* twice: the second reuses the storage */
        rc = lw_rasterize(r, &t->c, 16, &img, NULL);
    if (rc == LW_OK) {
        assert_int_equal(img.nruns, t->want_runs);
        assert_true(img.lit == t->want_lit);
    } else {
        assert_int_equal(img.nruns, 0);
    }
    lw_layer_img_clear(&img);
    lw_rasterizer_free(r);
    return rc;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    torture t;
    t.g = grid(120, 90, 0.05);
    lw_contours_init(&t.c);
    double p[128];
    random_poly(p, 60, 1, 60, 45, 50, 0); /* partly off the screen */
    add_px(&t.c, &t.g, p, 60);
    random_poly(p, 30, 2, 60, 45, 20, 1);
    add_px(&t.c, &t.g, p, 30);
    lw_layer_img img;
    render(&t.g, &t.c, 16, &img);
    t.want_runs = img.nruns;
    t.want_lit = img.lit;
    lw_layer_img_clear(&img);
    assert_true(lwt_alloc_torture(torture_fn, &t) >= 3);
    lw_contours_clear(&t.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect_on_pixel_boundaries),
        cmocka_unit_test(test_rect_fractional),
        cmocka_unit_test(test_threshold_half),
        cmocka_unit_test(test_quantisation_table),
        cmocka_unit_test(test_frame_and_nonzero),
        cmocka_unit_test(test_union_once),
        cmocka_unit_test(test_clipping),
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_annulus_and_sliver),
        cmocka_unit_test(test_total_area),
        cmocka_unit_test(test_many_edges_in_a_row),
        cmocka_unit_test(test_mirror_and_invariance),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_edges_on_screen_sides),
        cmocka_unit_test(test_determinism_and_reuse),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
