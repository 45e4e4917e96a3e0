/* Tests of print/islands: hand-drawn layers (a bridge, separate blobs, a single supporting pixel,
 * contact by a corner or a side only, diagonal neighbours, thresholds, the first layer), random
 * layers against a flood fill on full frames written here, large counts, bad arguments and
 * allocation failures. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "print/islands.h"

/* A layer from text rows: '.' unlit, '#' 255, 'a'..'z' levels 10..260 step 10 (capped at 255). */
static void draw(lw_layer_img *img, uint32_t w, const char *const *rows, uint32_t h)
{
    lw_layer_img_init(img, w, h);
    for (uint32_t y = 0; y < h; y++) {
        assert_int_equal(strlen(rows[y]), w);
        for (uint32_t x = 0; x < w; x++) {
            char ch = rows[y][x];
            unsigned level = ch == '#' ? 255 : ch == '.' ? 0 : (unsigned)(ch - 'a' + 1) * 10;
            level = level > 255 ? 255 : level;
            assert_int_equal(lw_layer_img_add(img, y, x, 1, (uint8_t)level), LW_OK);
        }
    }
}

static void find(lw_islands *is, const lw_layer_img *below, const lw_layer_img *img,
                 uint8_t th)
{
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_islands_find(is, below, img, th, &err), LW_OK);
}

static void check_island(const lw_island *is, uint64_t pixels, uint32_t x0, uint32_t y0,
                         uint32_t x1, uint32_t y1, double cx, double cy)
{
    assert_true(is->pixels == pixels);
    assert_int_equal(is->x0, x0);
    assert_int_equal(is->y0, y0);
    assert_int_equal(is->x1, x1);
    assert_int_equal(is->y1, y1);
    assert_true(fabs(is->cx - cx) < 1e-12);
    assert_true(fabs(is->cy - cy) < 1e-12);
}

/* A U (two legs joined by a base): one part. Standing on one leg it is supported; over nothing
 * it is one island of 2 x 4 + 7 = 15 pixels. Centroid: legs (columns 1 and 7, rows 0-3) and base
 * (columns 1-7, row 4): x = (4 * 1.5 + 4 * 7.5 + 7 * 4.5) / 15 = 67.5 / 15 = 4.5; y = (8 * 2 +
 * 7 * 4.5) / 15 = 47.5 / 15. */
static void test_bridge(void **state)
{
    (void)state;
    const char *u[5] = {".#.....#.", ".#.....#.", ".#.....#.", ".#.....#.", ".#######."};
    const char *leg[5] = {".#.......", ".........", ".........", ".........", "........."};
    const char *none[5] = {".........", ".........", ".........", ".........", "........."};
    lw_layer_img a, b, c;
    draw(&a, 9, u, 5);
    draw(&b, 9, leg, 5);
    draw(&c, 9, none, 5);
    lw_islands is;
    lw_islands_init(&is);
    find(&is, &b, &a, 128);
    assert_int_equal(is.n, 0);
    find(&is, &c, &a, 128);
    assert_int_equal(is.n, 1);
    check_island(&is.items[0], 15, 1, 0, 7, 4, 4.5, 47.5 / 15);
    /* The first layer rests on the plate. */
    find(&is, NULL, &a, 128);
    assert_int_equal(is.n, 0);
    lw_islands_clear(&is);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
    lw_layer_img_clear(&c);
}

/* Two blobs; the left one stands on a single pixel (its corner pixel over a lit pixel), the
 * right one over nothing (the pixels under it are below the threshold), and a third blob whose
 * neighbour below touches it only by a corner (diagonally), a fourth only by a side (the pixel
 * beside it). Those are islands: support is a lit pixel at the very same place. */
static void test_blobs_and_contacts(void **state)
{
    (void)state;
    const char *top[8] = {"###....###....",
                          "###....###....",
                          "..............",
                          "..............",
                          "..##.......##.",
                          "..##.......##.",
                          "..............",
                          ".............."};
    const char *bot[8] = {"..#....ccc....",
                          ".......ccc....",
                          "..............",
                          ".#............",
                          "..........#...",
                          "..............",
                          "..............",
                          ".............."};
    lw_layer_img a, b;
    draw(&a, 14, top, 8);
    draw(&b, 14, bot, 8);
    lw_islands is;
    lw_islands_init(&is);
    find(&is, &b, &a, 128);
    /* In order of first pixel: right top blob, lower left, lower right. */
    assert_int_equal(is.n, 3);
    check_island(&is.items[0], 6, 7, 0, 9, 1, 8.5, 1.0);
    check_island(&is.items[1], 4, 2, 4, 3, 5, 3.0, 5.0);
    check_island(&is.items[2], 4, 11, 4, 12, 5, 12.0, 5.0);
    /* At a threshold the grey pixels reach ('c' = 30), the right top blob stands. */
    find(&is, &b, &a, 30);
    assert_int_equal(is.n, 2);
    assert_int_equal(is.items[0].x0, 2);
    lw_islands_clear(&is);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

/* Pixels joined only diagonally are separate parts (4-connectivity); pixels under the threshold
 * split a part; runs of different levels at or above it join. */
static void test_connectivity_and_threshold(void **state)
{
    (void)state;
    const char *top[4] = {"#.....", ".#....", "..#f##", "......"};
    const char *none[4] = {"......", "......", "......", "......"};
    lw_layer_img a, b;
    draw(&a, 6, top, 4);
    draw(&b, 6, none, 4);
    lw_islands is;
    lw_islands_init(&is);
    find(&is, &b, &a, 100);
    assert_int_equal(is.n, 4); /* three diagonal pixels; 'f' = 60 splits the last row */
    check_island(&is.items[0], 1, 0, 0, 0, 0, 0.5, 0.5);
    check_island(&is.items[1], 1, 1, 1, 1, 1, 1.5, 1.5);
    check_island(&is.items[2], 1, 2, 2, 2, 2, 2.5, 2.5);
    check_island(&is.items[3], 2, 4, 2, 5, 2, 5.0, 2.5);
    find(&is, &b, &a, 60);
    assert_int_equal(is.n, 3);
    check_island(&is.items[2], 4, 2, 2, 5, 2, 4.0, 2.5);
    lw_islands_clear(&is);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

/* ---- random layers against a flood fill ----------------------------------------------------- */

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 16) % n);
}

/* A random layer of blobby runs: each row keeps or changes the last row's pattern. */
static void random_layer(lw_layer_img *img, uint32_t w, uint32_t h, unsigned density)
{
    lw_layer_img_init(img, w, h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w;) {
            uint32_t len = 1 + rnd(6);
            len = len > w - x ? w - x : len;
            uint8_t level = rnd(100) < density ? (uint8_t)(1 + rnd(255)) : 0;
            assert_int_equal(lw_layer_img_add(img, y, x, len, level), LW_OK);
            x += len;
        }
}

static uint8_t *dense(const lw_layer_img *img)
{
    uint8_t *f = lw_malloc((size_t)img->width * img->height);
    assert_non_null(f);
    for (uint32_t y = 0; y < img->height; y++)
        lw_layer_img_row(img, y, f + (size_t)y * img->width, NULL);
    return f;
}

/* The reference: flood fill from each counting pixel in raster order (so parts come out in
 * order of their first pixel), with an explicit stack. */
static void reference(const lw_layer_img *below, const lw_layer_img *img, uint8_t th,
                      lw_island *out, size_t *n)
{
    uint32_t w = img->width, h = img->height;
    uint8_t *f = dense(img), *g = dense(below);
    uint8_t *seen = lw_calloc((size_t)w * h, 1);
    uint32_t *stack = lw_malloc(sizeof *stack * w * h);
    assert_non_null(seen);
    assert_non_null(stack);
    *n = 0;
    for (uint32_t p0 = 0; p0 < w * h; p0++) {
        if (f[p0] < th || seen[p0])
            continue;
        lw_island is = {0, UINT32_MAX, UINT32_MAX, 0, 0, 0, 0};
        int supported = 0;
        size_t sp = 0;
        stack[sp++] = p0;
        seen[p0] = 1;
        while (sp) {
            uint32_t p = stack[--sp], x = p % w, y = p / w;
            is.pixels++;
            is.x0 = x < is.x0 ? x : is.x0;
            is.y0 = y < is.y0 ? y : is.y0;
            is.x1 = x > is.x1 ? x : is.x1;
            is.y1 = y > is.y1 ? y : is.y1;
            is.cx += x + 0.5;
            is.cy += y + 0.5;
            supported |= g[p] >= th;
            const int64_t nb[4][2] = {{(int64_t)x - 1, y}, {(int64_t)x + 1, y},
                                      {x, (int64_t)y - 1}, {x, (int64_t)y + 1}};
            for (int k = 0; k < 4; k++) {
                int64_t nx = nb[k][0], ny = nb[k][1];
                if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                    continue;
                uint32_t q = (uint32_t)(ny * w + nx);
                if (f[q] >= th && !seen[q]) {
                    seen[q] = 1;
                    stack[sp++] = q;
                }
            }
        }
        if (!supported) {
            is.cx /= (double)is.pixels;
            is.cy /= (double)is.pixels;
            out[(*n)++] = is;
        }
    }
    lw_free(f);
    lw_free(g);
    lw_free(seen);
    lw_free(stack);
}

static void test_random_vs_flood_fill(void **state)
{
    (void)state;
    lw_islands is;
    lw_islands_init(&is);
    size_t total = 0;
    for (int trial = 0; trial < 60; trial++) {
        uint32_t w = 5 + rnd(60), h = 3 + rnd(40);
        lw_layer_img below, img;
        random_layer(&below, w, h, 20 + rnd(50));
        random_layer(&img, w, h, 20 + rnd(60));
        uint8_t th = (uint8_t)(1 + rnd(255));
        lw_island *want = lw_malloc(sizeof *want * w * h);
        assert_non_null(want);
        size_t n;
        reference(&below, &img, th, want, &n);
        find(&is, &below, &img, th);
        assert_int_equal(is.n, n);
        for (size_t k = 0; k < n; k++) {
            const lw_island *a = &is.items[k], *b = &want[k];
            assert_true(a->pixels == b->pixels);
            assert_int_equal(a->x0, b->x0);
            assert_int_equal(a->y0, b->y0);
            assert_int_equal(a->x1, b->x1);
            assert_int_equal(a->y1, b->y1);
            assert_true(fabs(a->cx - b->cx) < 1e-9 && fabs(a->cy - b->cy) < 1e-9);
        }
        total += n;
        lw_free(want);
        lw_layer_img_clear(&below);
        lw_layer_img_clear(&img);
    }
    assert_true(total > 100); /* the trials did find islands */
    lw_islands_clear(&is);
}

/* ---- large counts ---------------------------------------------------------------------------- */

/* 100 x 100 isolated pixels on every other row and column: 10000 islands; standing on the same
 * pattern shifted by one column: still 10000; on itself: none. Then one serpentine part that
 * winds through 2000 rows (its rows joined at alternating ends), supported by a single pixel at
 * its far end, and unsupported: one island of 2000 x 50 + 1999 pixels. */
static void test_large_counts(void **state)
{
    (void)state;
    lw_layer_img a, b;
    lw_layer_img_init(&a, 200, 200);
    lw_layer_img_init(&b, 200, 200);
    for (uint32_t y = 0; y < 200; y += 2)
        for (uint32_t x = 0; x < 200; x += 2) {
            assert_int_equal(lw_layer_img_add(&a, y, x, 1, 200), LW_OK);
            assert_int_equal(lw_layer_img_add(&b, y, x + 1, 1, 200), LW_OK);
        }
    lw_islands is;
    lw_islands_init(&is);
    find(&is, &b, &a, 128);
    assert_int_equal(is.n, 10000);
    check_island(&is.items[10000 - 1], 1, 198, 198, 198, 198, 198.5, 198.5);
    find(&is, &a, &a, 128);
    assert_int_equal(is.n, 0);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);

    lw_layer_img_init(&a, 60, 4000);
    lw_layer_img_init(&b, 60, 4000);
    for (uint32_t r = 0; r < 2000; r++) {
        assert_int_equal(lw_layer_img_add(&a, 2 * r, 5, 50, 255), LW_OK);
        if (r + 1 < 2000) /* a link down at the right end of even rows, left end of odd */
            assert_int_equal(lw_layer_img_add(&a, 2 * r + 1, r % 2 ? 5 : 54, 1, 255), LW_OK);
    }
    assert_int_equal(lw_layer_img_add(&b, 3998, 20, 1, 255), LW_OK);
    find(&is, &b, &a, 255);
    assert_int_equal(is.n, 0);
    lw_layer_img_reset(&b);
    find(&is, &b, &a, 255);
    assert_int_equal(is.n, 1);
    assert_true(is.items[0].pixels == 2000 * 50 + 1999);
    assert_int_equal(is.items[0].x0, 5);
    assert_int_equal(is.items[0].x1, 54);
    assert_int_equal(is.items[0].y1, 3998);
    lw_islands_clear(&is);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    lw_layer_img a, b;
    lw_layer_img_init(&a, 10, 10);
    lw_layer_img_init(&b, 10, 11);
    assert_int_equal(lw_layer_img_add(&a, 1, 1, 3, 255), LW_OK);
    lw_islands is;
    lw_islands_init(&is);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_islands_find(&is, &b, &a, 128, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "10 x 11"));
    assert_int_equal(is.n, 0);
    b.height = 10;
    assert_int_equal(lw_islands_find(&is, &b, &a, 0, NULL), LW_EINVAL);
    assert_int_equal(lw_islands_find(&is, &b, &a, 1, NULL), LW_OK);
    assert_int_equal(is.n, 1);
    lw_islands_clear(&is);
    lw_islands_clear(&is); /* harmless twice */
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

typedef struct torture {
    lw_layer_img below, img;
    size_t want;
} torture;

static int torture_fn(void *ctx)
{
    torture *t = ctx;
    lw_islands is;
    lw_islands_init(&is);
    lw_rc rc = lw_islands_find(&is, &t->below, &t->img, 100, NULL);
    if (rc == LW_OK) /* again, reusing the storage */
        rc = lw_islands_find(&is, &t->below, &t->img, 100, NULL);
    assert_int_equal(is.n, rc ? 0 : t->want);
    lw_islands_clear(&is);
    return rc;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    torture t;
    random_layer(&t.below, 80, 60, 30);
    random_layer(&t.img, 80, 60, 50);
    lw_islands is;
    lw_islands_init(&is);
    find(&is, &t.below, &t.img, 100);
    t.want = is.n;
    assert_true(t.want > 0);
    lw_islands_clear(&is);
    assert_true(lwt_alloc_torture(torture_fn, &t) >= 4);
    lw_layer_img_clear(&t.below);
    lw_layer_img_clear(&t.img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge),
        cmocka_unit_test(test_blobs_and_contacts),
        cmocka_unit_test(test_connectivity_and_threshold),
        cmocka_unit_test(test_random_vs_flood_fill),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
