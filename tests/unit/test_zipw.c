/* Tests of the streaming ZIP writer (src/print/zipw.c).
 *
 * libzip, which we did not write, reads every archive back: names, sizes, methods, CRCs,
 * timestamps and every byte of every entry. One tiny archive is also compared byte for byte
 * with the records worked out by hand from PKWARE's APPNOTE, so the layout itself is pinned, not
 * only what one reader tolerates. Zip64 is proven twice: forced on a small archive (every zip64
 * field present) and reached honestly with 70,000 entries.
 */
#include "lwtest.h"

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/sink.h"
#include "print/zipw.h"

static uint64_t g_rng = 0x1234567887654321ull;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

typedef struct entry {
    char name[64];
    uint8_t *data;
    size_t len;
    bool deflate;
} entry;

static zip_t *open_zip(const lw_buf *b)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(b->data, b->len, 0, &ze);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za)
        fail_msg("libzip: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return za;
}

/* libzip finds exactly the entries, in order, with their bytes, CRCs, methods and time. */
static void check_archive(const lw_buf *b, const entry *e, size_t n, time_t mtime)
{
    zip_t *za = open_zip(b);
    assert_int_equal(zip_get_num_entries(za, 0), (zip_int64_t)n);
    for (size_t i = 0; i < n; i++) {
        zip_stat_t st;
        assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
        assert_string_equal(st.name, e[i].name);
        assert_int_equal(st.size, e[i].len);
        assert_int_equal(st.crc, (uint32_t)libdeflate_crc32(0, e[i].data, e[i].len));
        if (!e[i].deflate || e[i].len == 0)
            assert_int_equal(st.comp_method, ZIP_CM_STORE);
        if (mtime)
            assert_int_equal(st.mtime, mtime);
        uint8_t *got = lw_malloc(e[i].len + 1);
        assert_non_null(got);
        zip_file_t *zf = zip_fopen_index(za, i, 0);
        assert_non_null(zf);
        zip_int64_t r = zip_fread(zf, got, e[i].len + 1); /* libzip checks the CRC at the end */
        assert_int_equal(r, (zip_int64_t)e[i].len);
        assert_int_equal(zip_fclose(zf), 0);
        if (e[i].len)
            assert_memory_equal(got, e[i].data, e[i].len);
        lw_free(got);
    }
    zip_discard(za);
}

static void write_archive(lw_buf *out, const entry *e, size_t n, int64_t mtime, bool force64)
{
    lw_sink sink;
    lw_sink_open_buf(&sink, out);
    lw_zipw *z;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_new(&sink, mtime, &z, &err), LW_OK);
    if (force64)
        lw_zipw_force_zip64(z);
    for (size_t i = 0; i < n; i++)
        if (lw_zipw_add(z, e[i].name, e[i].data, e[i].len, e[i].deflate, &err))
            fail_msg("%s", err.msg);
    assert_int_equal(lw_zipw_count(z), n);
    assert_int_equal(lw_zipw_finish(z, &err), LW_OK);
    assert_int_equal(lw_sink_commit(&sink, &err), LW_OK);
    lw_zipw_free(z);
}

static entry *make_entries(size_t n)
{
    entry *e = lw_calloc(n, sizeof *e);
    assert_non_null(e);
    for (size_t i = 0; i < n; i++) {
        snprintf(e[i].name, sizeof e[i].name, i % 3 ? "layer%05zu.png" : "dir/sub/f%zu.ini", i);
        e[i].len = i == 1 ? 0 : rnd() % (i % 4 ? 3000 : 200000);
        e[i].data = lw_malloc(e[i].len + 1);
        assert_non_null(e[i].data);
        int text = (int)(i % 2);
        for (size_t k = 0; k < e[i].len; k++)
            e[i].data[k] = text ? (uint8_t)"key = value\n"[k % 12] : (uint8_t)rnd();
        e[i].deflate = i % 2 == 1 || i % 5 == 0;
    }
    return e;
}

static void free_entries(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lw_free(e[i].data);
    lw_free(e);
}

static void test_libzip_reads_back(void **state)
{
    (void)state;
    const int64_t t = 1718900000; /* 2024-06-20 16:13:20 UTC: an even second */
    entry *e = make_entries(40);
    lw_buf a, b;
    lw_buf_init(&a, 0);
    lw_buf_init(&b, 0);
    write_archive(&a, e, 40, t, false);
    check_archive(&a, e, 40, (time_t)t);
    /* Deterministic: the same entries, the same bytes. */
    write_archive(&b, e, 40, t, false);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Text entries were deflated (and smaller), random ones stored. */
    zip_t *za = open_zip(&a);
    zip_stat_t st;
    assert_int_equal(zip_stat_index(za, 3, 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_DEFLATE);
    assert_true(st.comp_size < st.size / 4);
    assert_int_equal(zip_stat_index(za, 10, 0, &st), 0); /* random bytes do not shrink */
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
    zip_discard(za);
    lw_buf_clear(&a);
    lw_buf_clear(&b);
    free_entries(e, 40);
}

static void test_forced_zip64(void **state)
{
    (void)state;
    entry *e = make_entries(9);
    lw_buf a;
    lw_buf_init(&a, 0);
    write_archive(&a, e, 9, 1718900000, true);
    check_archive(&a, e, 9, 1718900000);
    /* The end records: zip64 record, locator, then the classic record full of markers. */
    size_t n = a.len;
    const uint8_t *end = a.data + n - 22;
    assert_int_equal(end[0], 0x50);
    assert_int_equal(end[3], 0x06);
    assert_int_equal(end[8] | end[9] << 8, 0xFFFF);
    const uint8_t *loc = end - 20;
    assert_memory_equal(loc, "PK\x06\x07", 4);
    const uint8_t *rec = loc - 56;
    assert_memory_equal(rec, "PK\x06\x06", 4);
    assert_int_equal(rec[24], 9); /* entries */
    /* Local headers ask for version 4.5 and carry the zip64 field with both sizes. */
    assert_memory_equal(a.data, "PK\x03\x04", 4);
    assert_int_equal(a.data[4], 45);
    assert_int_equal(a.data[28], 20);
    lw_buf_clear(&a);
    free_entries(e, 9);
}

static void test_many_entries_zip64(void **state)
{
    (void)state;
    enum { N = 70000 };
    lw_buf a;
    lw_buf_init(&a, 0);
    lw_sink sink;
    lw_sink_open_buf(&sink, &a);
    lw_zipw *z;
    lw_err err;
    assert_int_equal(lw_zipw_new(&sink, 0, &z, &err), LW_OK);
    char name[32], body[32];
    for (unsigned i = 0; i < N; i++) {
        snprintf(name, sizeof name, "e%05u.txt", i);
        int len = snprintf(body, sizeof body, "entry %u", i);
        assert_int_equal(lw_zipw_add(z, name, body, (size_t)len, false, &err), LW_OK);
    }
    assert_int_equal(lw_zipw_finish(z, &err), LW_OK);
    lw_zipw_free(z);
    zip_t *za = open_zip(&a);
    assert_int_equal(zip_get_num_entries(za, 0), N);
    static const unsigned probe[] = {0, 1, 65534, 65535, 65536, N - 1};
    for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
        unsigned i = probe[k];
        snprintf(name, sizeof name, "e%05u.txt", i);
        int len = snprintf(body, sizeof body, "entry %u", i);
        zip_int64_t idx = zip_name_locate(za, name, 0);
        assert_int_equal(idx, (zip_int64_t)i);
        zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
        assert_non_null(zf);
        char got[32];
        assert_int_equal(zip_fread(zf, got, sizeof got), len);
        assert_memory_equal(got, body, (size_t)len);
        zip_fclose(zf);
    }
    zip_discard(za);
    lw_buf_clear(&a);
}

/* One stored entry "a.txt" holding "hi", 1980-01-01 00:00:00, worked out from the APPNOTE. */
static void test_exact_bytes(void **state)
{
    (void)state;
    lw_buf a;
    lw_buf_init(&a, 0);
    entry e = {"a.txt", (uint8_t *)"hi", 2, false};
    write_archive(&a, &e, 1, 0 /* before 1980: clamped to 1980-01-01 */, false);
    uint32_t crc = (uint32_t)libdeflate_crc32(0, "hi", 2);
    uint8_t c[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    uint8_t want[30 + 5 + 2 + 46 + 5 + 22];
    size_t k = 0;
    const uint8_t local[] = {'P', 'K', 3, 4, 10, 0, 0, 0, 0, 0, /* version 1.0, flags, stored */
                             0, 0, 0x21, 0};                   /* time 00:00:00, date 1980-1-1 */
    memcpy(want + k, local, sizeof local);
    k += sizeof local;
    memcpy(want + k, c, 4);
    k += 4;
    const uint8_t sizes[] = {2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0};
    memcpy(want + k, sizes, sizeof sizes);
    k += sizeof sizes;
    memcpy(want + k, "a.txthi", 7);
    k += 7;
    const uint8_t central[] = {'P', 'K', 1, 2, 45, 3, 10, 0, 0, 0, 0, 0, 0, 0, 0x21, 0};
    memcpy(want + k, central, sizeof central);
    k += sizeof central;
    memcpy(want + k, c, 4);
    k += 4;
    const uint8_t rest[] = {2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0xA4, 0x81, 0, 0, 0, 0}; /* attrs 0100644 << 16, offset 0 */
    memcpy(want + k, rest, sizeof rest);
    k += sizeof rest;
    memcpy(want + k, "a.txt", 5);
    k += 5;
    const uint8_t endrec[] = {'P', 'K', 5, 6, 0, 0, 0, 0, 1, 0, 1, 0,
                              51, 0, 0, 0, 37, 0, 0, 0, 0, 0};
    memcpy(want + k, endrec, sizeof endrec);
    k += sizeof endrec;
    assert_int_equal(a.len, k);
    assert_memory_equal(a.data, want, k);
    lw_buf_clear(&a);
}

static void test_dos_time(void **state)
{
    (void)state;
    /* 2107-12-31 23:59:58 is the last DOS time; later is clamped to it. 2000-02-29 12:34:56. */
    static const struct { int64_t t; uint16_t time, date; } cases[] = {
        {951827696, (12 << 11) | (34 << 5) | 28, (20 << 9) | (2 << 5) | 29},
        {4354819198, (23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31},
        {9999999999, (23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31},
        {-5, 0, (0 << 9) | (1 << 5) | 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_buf a;
        lw_buf_init(&a, 0);
        entry e = {"x", (uint8_t *)"y", 1, false};
        write_archive(&a, &e, 1, cases[i].t, false);
        assert_int_equal(a.data[10] | a.data[11] << 8, cases[i].time);
        assert_int_equal(a.data[12] | a.data[13] << 8, cases[i].date);
        lw_buf_clear(&a);
    }
}

static void test_errors(void **state)
{
    (void)state;
    lw_buf a;
    lw_buf_init(&a, 300); /* a sink that fills up */
    lw_sink sink;
    lw_sink_open_buf(&sink, &a);
    lw_zipw *z;
    lw_err err;
    assert_int_equal(lw_zipw_new(&sink, 0, &z, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_add(z, "", "x", 1, false, &err), LW_EINVAL);
    char *longname = lw_malloc(70000);
    assert_non_null(longname);
    memset(longname, 'n', 69999);
    longname[69999] = '\0';
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_add(z, longname, "x", 1, false, &err), LW_EINVAL);
    lw_free(longname);
    uint8_t big[400] = {0};
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_add(z, "big", big, sizeof big, false, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "big"));
    lw_zipw_free(z);
    lw_sink_abort(&sink);
    lw_buf_clear(&a);

    lw_buf_init(&a, 0);
    lw_sink_open_buf(&sink, &a);
    assert_int_equal(lw_zipw_new(&sink, 0, &z, &err), LW_OK);
    assert_int_equal(lw_zipw_finish(z, &err), LW_OK); /* an empty archive is valid */
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_add(z, "late", "x", 1, false, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_zipw_finish(z, &err), LW_EINVAL);
    lw_zipw_free(z);
    lw_zipw_free(NULL);
    zip_t *za = open_zip(&a);
    assert_int_equal(zip_get_num_entries(za, 0), 0);
    zip_discard(za);
    lw_buf_clear(&a);
}

static int torture(void *ctx)
{
    (void)ctx;
    lw_buf a;
    lw_buf_init(&a, 0);
    lw_sink sink;
    lw_sink_open_buf(&sink, &a);
    lw_zipw *z = NULL;
    lw_err err;
    lw_err_clear(&err);
    static const char text[] = "a = 1\nb = 2\na = 1\nb = 2\na = 1\nb = 2\na = 1\nb = 2\n";
    lw_rc rc = lw_zipw_new(&sink, 1718900000, &z, &err);
    if (!rc)
        rc = lw_zipw_add(z, "config.ini", text, sizeof text - 1, true, &err);
    if (!rc)
        rc = lw_zipw_add(z, "b.png", "PNG", 3, false, &err);
    if (!rc)
        rc = lw_zipw_finish(z, &err);
    if (rc)
        assert_int_equal(err.rc, rc);
    lw_zipw_free(z);
    lw_buf_clear(&a);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    assert_true(lwt_alloc_torture(torture, NULL) >= 3);
}

int main(void)
{
    /* libzip turns DOS times into time_t with the local zone: make it UTC. */
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libzip_reads_back),
        cmocka_unit_test(test_forced_zip64),
        cmocka_unit_test(test_many_entries_zip64),
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_dos_time),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
