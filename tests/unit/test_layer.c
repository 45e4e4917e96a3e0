/* print/layer and print/contour: runs stay sorted and merged, rows expand exactly, the
 * difference count is exact, the plate-to-pixel mapping and its mirrors, contour areas. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "print/contour.h"
#include "print/layer.h"

static void test_runs_merge_and_refuse_disorder(void **state)
{
    (void)state;
    lw_layer_img img;
    lw_layer_img_init(&img, 100, 10);
    assert_int_equal(lw_layer_img_add(&img, 2, 10, 5, 255), LW_OK);
    assert_int_equal(lw_layer_img_add(&img, 2, 15, 5, 255), LW_OK); /* continues: merged */
    assert_int_equal(lw_layer_img_add(&img, 2, 20, 1, 128), LW_OK);
    assert_int_equal(lw_layer_img_add(&img, 2, 30, 0, 255), LW_OK); /* empty: skipped */
    assert_int_equal(lw_layer_img_add(&img, 2, 30, 4, 0), LW_OK);   /* unlit: skipped */
    assert_int_equal(img.nruns, 2);
    assert_int_equal(img.runs[0].len, 10);
    assert_int_equal(img.lit, 10 * 255 + 128);
    assert_int_equal(lw_layer_img_add(&img, 2, 20, 3, 9), LW_EINVAL);  /* overlaps */
    assert_int_equal(lw_layer_img_add(&img, 1, 0, 3, 9), LW_EINVAL);   /* goes back a row */
    assert_int_equal(lw_layer_img_add(&img, 3, 98, 3, 9), LW_EINVAL);  /* leaves the image */
    assert_int_equal(lw_layer_img_add(&img, 10, 0, 1, 9), LW_EINVAL);  /* below the image */
    assert_int_equal(img.nruns, 2);
    /* 0.1 mm pixels: 10 + 128/255 pixels lit. */
    assert_true(fabs(lw_layer_img_area(&img, 0.1, 0.1) - (10 + 128.0 / 255) * 0.01) < 1e-12);
    lw_layer_img_clear(&img);
}

static void test_rows_expand(void **state)
{
    (void)state;
    lw_layer_img img;
    lw_layer_img_init(&img, 8, 4);
    assert_int_equal(lw_layer_img_add(&img, 0, 0, 2, 7), LW_OK);
    assert_int_equal(lw_layer_img_add(&img, 2, 3, 5, 255), LW_OK);
    assert_int_equal(lw_layer_img_add(&img, 3, 7, 1, 1), LW_OK);
    uint8_t row[8];
    const uint8_t want[4][8] = {{7, 7, 0, 0, 0, 0, 0, 0},
                                {0},
                                {0, 0, 0, 255, 255, 255, 255, 255},
                                {0, 0, 0, 0, 0, 0, 0, 1}};
    size_t cursor = 0;
    for (uint32_t y = 0; y < 4; y++) {
        lw_layer_img_row(&img, y, row, &cursor);
        assert_memory_equal(row, want[y], 8);
    }
    lw_layer_img_row(&img, 2, row, NULL); /* random access */
    assert_memory_equal(row, want[2], 8);
    lw_layer_img_clear(&img);
}

static void test_diff_counts_pixels(void **state)
{
    (void)state;
    lw_layer_img a, b;
    lw_layer_img_init(&a, 50, 3);
    lw_layer_img_init(&b, 50, 3);
    assert_int_equal(lw_layer_img_add(&a, 1, 10, 20, 255), LW_OK); /* 10..29 */
    assert_int_equal(lw_layer_img_add(&b, 1, 15, 20, 250), LW_OK); /* 15..34 */
    assert_int_equal(lw_layer_img_add(&b, 2, 0, 3, 255), LW_OK);
    uint64_t d, beyond;
    lw_layer_img_diff(&a, &b, 10, &d, &beyond);
    /* 10..14 lit only in a, 15..29 differ by 5, 30..34 lit only in b, 3 pixels of row 2. */
    assert_int_equal(d, 5 + 15 + 5 + 3);
    assert_int_equal(beyond, 5 + 5 + 3);
    lw_layer_img_diff(&a, &a, 0, &d, &beyond);
    assert_int_equal(d, 0);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

static void test_grid_mapping_and_mirrors(void **state)
{
    (void)state;
    lw_pixel_grid g = {.width = 200, .height = 100, .pitch_x = 0.05, .pitch_y = 0.05};
    double px, py;
    /* The plate's front-left corner is the image's bottom-left; the back-right its top-right. */
    lw_grid_to_pixel(&g, 0, 0, &px, &py);
    assert_true(px == 0 && py == 100);
    lw_grid_to_pixel(&g, 10, 5, &px, &py);
    assert_true(fabs(px - 200) < 1e-9 && fabs(py) < 1e-9);
    g.mirror_x = true;
    lw_grid_to_pixel(&g, 0.05, 0, &px, &py);
    assert_true(fabs(px - 199) < 1e-9);
    g.mirror_y = true;
    lw_grid_to_pixel(&g, 0.05, 0.05, &px, &py);
    assert_true(fabs(py - 1) < 1e-9);
}

static void test_contour_areas(void **state)
{
    (void)state;
    lw_contours c;
    lw_contours_init(&c);
    const double outer[] = {100, 100, 110, 100, 110, 105, 100, 105}; /* CCW, 10 x 5, far out */
    const double hole[] = {102, 101, 102, 103, 104, 103, 104, 101};  /* CW, 2 x 2 */
    const double two[] = {0, 0, 1, 1};
    assert_int_equal(lw_contours_add(&c, outer, 4), LW_OK);
    assert_int_equal(lw_contours_add(&c, two, 2), LW_OK); /* fewer than 3 points: ignored */
    assert_int_equal(lw_contours_add(&c, hole, 4), LW_OK);
    assert_int_equal(c.ncontours, 2);
    assert_true(lw_contour_area(&c, 0) == 50);
    assert_true(lw_contour_area(&c, 1) == -4);
    assert_true(lw_contours_area(&c) == 46);
    /* Built point by point, a degenerate contour in the middle is dropped. */
    lw_contours_reset(&c);
    assert_int_equal(lw_contours_begin(&c), LW_OK);
    assert_int_equal(lw_contours_point(&c, 0, 0), LW_OK);
    assert_int_equal(lw_contours_begin(&c), LW_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(lw_contours_point(&c, outer[2 * i], outer[2 * i + 1]), LW_OK);
    assert_int_equal(c.ncontours, 1);
    assert_true(lw_contours_area(&c) == 50);
    lw_contours_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_merge_and_refuse_disorder),
        cmocka_unit_test(test_rows_expand),
        cmocka_unit_test(test_diff_counts_pixels),
        cmocka_unit_test(test_grid_mapping_and_mirrors),
        cmocka_unit_test(test_contour_areas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
