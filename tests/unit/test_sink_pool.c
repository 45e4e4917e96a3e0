/* base/sink and base/pool: files appear only on commit and never half-written, memory sinks
 * seek and overwrite, the pool runs every item once on any number of threads and reports the
 * lowest failing item whatever the timing. */
#include "lwtest.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/pool.h"
#include "base/sink.h"

static void test_buf_sink_seek_and_overwrite(void **state)
{
    (void)state;
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_sink s;
    lw_sink_open_buf(&s, &b);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_sink_u32le(&s, 0, &e), LW_OK); /* a placeholder to fill in later */
    assert_int_equal(lw_sink_write(&s, "abcdef", 6, &e), LW_OK);
    assert_int_equal(lw_sink_seek(&s, 0, &e), LW_OK);
    assert_int_equal(lw_sink_u32be(&s, 0x01020304, &e), LW_OK);
    assert_int_equal(lw_sink_seek(&s, 10, &e), LW_OK);
    assert_int_equal(lw_sink_f32le(&s, 1.0f, &e), LW_OK);
    assert_int_equal(lw_sink_u16le(&s, 0xBEEF, &e), LW_OK);
    assert_int_equal(lw_sink_tell(&s), 16);
    const uint8_t want[16] = {1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e', 'f', 0, 0, 0x80, 0x3F, 0xEF, 0xBE};
    assert_int_equal(b.len, 16);
    assert_memory_equal(b.data, want, 16);
    assert_int_equal(lw_sink_seek(&s, 17, &e), LW_EINVAL); /* past the end */
    assert_int_equal(lw_sink_commit(&s, &e), LW_OK);
    lw_buf_clear(&b);
}

static void test_file_sink_appears_only_on_commit(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s", lwt_tmp("sink_commit.bin"));
    unlink(path);
    lw_sink s;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_sink_open_file(&s, path, &e), LW_OK);
    assert_int_equal(lw_sink_zeros(&s, 10000, &e), LW_OK);
    assert_int_equal(lw_sink_seek(&s, 5000, &e), LW_OK);
    assert_int_equal(lw_sink_write(&s, "X", 1, &e), LW_OK);
    assert_int_not_equal(access(path, F_OK), 0); /* not there yet */
    assert_int_equal(lw_sink_commit(&s, &e), LW_OK);
    uint8_t *d;
    size_t n;
    assert_int_equal(lw_file_read(path, 1 << 20, &d, &n, &e), LW_OK);
    assert_int_equal(n, 10000);
    assert_int_equal(d[5000], 'X');
    assert_int_equal(d[4999], 0);
    lw_free(d);

    /* An aborted sink leaves the earlier file as it was. */
    assert_int_equal(lw_sink_open_file(&s, path, &e), LW_OK);
    assert_int_equal(lw_sink_write(&s, "new", 3, &e), LW_OK);
    lw_sink_abort(&s);
    assert_int_equal(lw_file_read(path, 1 << 20, &d, &n, &e), LW_OK);
    assert_int_equal(n, 10000);
    lw_free(d);
    unlink(path);
}

static void test_sink_open_fails_cleanly(void **state)
{
    (void)state;
    lw_sink s;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_sink_open_file(&s, "/nonexistent-dir/x.goo", &e), LW_EIO);
    assert_non_null(strstr(e.msg, "/nonexistent-dir/x.goo"));
    lw_sink_abort(&s); /* harmless on a failed open */
}

typedef struct work {
    atomic_int seen[1000];
    size_t fail_from; /* items >= this fail */
    atomic_int ran;
} work;

static lw_rc item(void *ctx, size_t i, unsigned worker, lw_err *err)
{
    work *w = ctx;
    (void)worker;
    atomic_fetch_add(&w->seen[i], 1);
    atomic_fetch_add(&w->ran, 1);
    if (i >= w->fail_from)
        return lw_err_set(err, LW_EFORMAT, "item %zu failed", i);
    return LW_OK;
}

static void test_pool_runs_every_item_once(void **state)
{
    (void)state;
    for (unsigned threads = 1; threads <= 4; threads++) {
        lw_pool *p;
        lw_err e;
        lw_err_clear(&e);
        assert_int_equal(lw_pool_new(threads, &p, &e), LW_OK);
        assert_int_equal(lw_pool_threads(p), threads);
        for (int round = 0; round < 20; round++) {
            static work w;
            memset(&w, 0, sizeof w);
            w.fail_from = SIZE_MAX;
            assert_int_equal(lw_pool_for(p, 1000, item, &w, &e), LW_OK);
            for (int i = 0; i < 1000; i++)
                assert_int_equal(atomic_load(&w.seen[i]), 1);
        }
        lw_pool_free(p);
    }
}

static void test_pool_reports_lowest_failure(void **state)
{
    (void)state;
    lw_pool *p;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_pool_new(3, &p, &e), LW_OK);
    for (int round = 0; round < 50; round++) {
        static work w;
        memset(&w, 0, sizeof w);
        w.fail_from = 300;
        lw_err_clear(&e);
        assert_int_equal(lw_pool_for(p, 1000, item, &w, &e), LW_EFORMAT);
        assert_string_equal(e.msg, "item 300 failed");
        for (int i = 0; i < 300; i++) /* everything below the failure ran */
            assert_int_equal(atomic_load(&w.seen[i]), 1);
    }
    lw_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_sink_seek_and_overwrite),
        cmocka_unit_test(test_file_sink_appears_only_on_commit),
        cmocka_unit_test(test_sink_open_fails_cleanly),
        cmocka_unit_test(test_pool_runs_every_item_once),
        cmocka_unit_test(test_pool_reports_lowest_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
