/* Tests of the job envelope (src/shop/envelope.c).
 *
 * What a PDF reader needs is checked here on the bytes: the header and trailer, one page of the
 * exact size, the creation date taken from the input, and the same bytes for the same input.
 * Every refusal is checked for its code and for naming the field. What a person and a tablet
 * see (the QR code scanning back to the URL, the accented name, text kept inside the page) is
 * checked end to end by tests/cli/test_envelope.sh with poppler and zbar; the sample PDFs
 * written here to LW_TEST_TMP are for looking at.
 */
#include "lwtest.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/image.h"
#include "shop/envelope.h"

static const lw_envelope_stone k_stones[] = {
    {"diamond", "round brilliant", 650, 0, 1, 1020, LW_ENVELOPE_CUSTOMER},
    {"diamond", "round brilliant", 130, 0, 24, 10, LW_ENVELOPE_STUDIO},
    {"sapphire", "oval", 500, 300, 2, 250, LW_ENVELOPE_STUDIO},
};

/* A small picture: a gold ring on a transparent background. */
static lw_image make_preview(uint32_t w, uint32_t h)
{
    lw_image im = {w, h, lw_malloc((size_t)w * h * 4)};
    assert_non_null(im.rgba);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double dx = x - w / 2.0, dy = y - h / 2.0, r2 = dx * dx + dy * dy;
            double ro = 0.45 * (w < h ? w : h), ri = 0.33 * (w < h ? w : h);
            uint8_t *p = im.rgba + ((size_t)y * w + x) * 4;
            bool in = r2 <= ro * ro && r2 >= ri * ri;
            p[0] = 212, p[1] = (uint8_t)(160 + 40 * y / h), p[2] = 55, p[3] = in ? 255 : 0;
        }
    return im;
}

static lw_envelope sample(const lw_image *preview)
{
    lw_envelope e = {
        .piece_code = "PC-0042",
        .url = "https://studio.local/p/PC-0042",
        .studio = "Atelier Lostwax",
        .customer = "Zoë Ångström",
        .order_no = "O-2025-0117",
        .piece_type = "engagement ring",
        .metal = "18k yellow gold (750)",
        .ring_label = "US 7",
        .ring_circ_cmm = 5450,
        .metal_estimate_mg = 4250,
        .stones = k_stones,
        .nstones = sizeof k_stones / sizeof *k_stones,
        .due = "Fri 14 Mar 2025",
        .rush = true,
        .notes = "Customer's grandmother's diamond: check the girdle for chips before setting.\n"
                 "Comfort-fit shank, engrave \"Z & J 2025\" inside.",
        .preview = preview,
        .created = 1741599000, /* 2025-03-10T09:30:00Z */
    };
    return e;
}

static void render(const lw_envelope *e, lw_envelope_page page, lw_buf *out)
{
    lw_envelope_opts o;
    lw_envelope_opts_default(&o);
    o.page = page;
    lw_err err;
    lw_err_clear(&err);
    if (lw_envelope_pdf(e, &o, out, &err))
        fail_msg("lw_envelope_pdf: %s", err.msg);
}

static size_t count(const lw_buf *b, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= b->len; i++)
        n += memcmp(b->data + i, needle, k) == 0;
    return n;
}

static void save(const lw_buf *b, const char *name)
{
    FILE *f = fopen(lwt_tmp(name), "wb");
    if (f) {
        fwrite(b->data, 1, b->len, f);
        fclose(f);
    }
}

/* Header, trailer, one page, its size in points to cairo's six decimals, the metadata. */
static void check_pdf(const lw_buf *b, const char *mediabox)
{
    assert_true(b->len > 1000);
    assert_memory_equal(b->data, "%PDF-", 5);
    size_t end = b->len;
    while (end > 0 && (b->data[end - 1] == '\n' || b->data[end - 1] == '\r'))
        end--;
    assert_true(end >= 5);
    assert_memory_equal(b->data + end - 5, "%%EOF", 5);
    assert_int_equal(count(b, "/Type /Page "), 1);
    assert_int_equal(count(b, "/Type /Pages"), 1);
    assert_int_equal(count(b, "/Count 1"), 1);
    assert_int_equal(count(b, mediabox), 1);
    assert_int_equal(count(b, "/Title (Job envelope PC-0042)"), 1);
    assert_int_equal(count(b, "20250310093000Z"), 1);
}

static void test_well_formed_pages(void **state)
{
    (void)state;
    lw_image pv = make_preview(96, 64);
    lw_envelope e = sample(&pv);
    static const struct {
        lw_envelope_page page;
        const char *box, *file;
    } pages[] = {
        {LW_ENVELOPE_A5, "/MediaBox [ 0 0 419.527559 595.275591 ]", "envelope-a5.pdf"},
        {LW_ENVELOPE_A4, "/MediaBox [ 0 0 595.275591 841.889764 ]", "envelope-a4.pdf"},
        {LW_ENVELOPE_LABEL, "/MediaBox [ 0 0 283.464567 425.19685 ]", "envelope-label.pdf"},
    };
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        lw_buf b;
        lw_buf_init(&b, 0);
        render(&e, pages[i].page, &b);
        check_pdf(&b, pages[i].box);
        save(&b, pages[i].file);
        lw_buf_clear(&b);
    }
    /* Appends: what the buffer held stays in front. */
    lw_buf b;
    lw_buf_init(&b, 0);
    assert_int_equal(lw_buf_puts(&b, "head"), LW_OK);
    render(&e, LW_ENVELOPE_A5, &b);
    assert_memory_equal(b.data, "head%PDF-", 9);
    lw_buf_clear(&b);
    /* The least an envelope needs: a code and a url; no options means A5. */
    lw_envelope min = {.piece_code = "PC-0042", .url = "https://studio.local/p/PC-0042",
                       .created = 1741599000};
    lw_buf_init(&b, 0);
    lw_err err;
    assert_int_equal(lw_envelope_pdf(&min, NULL, &b, &err), LW_OK);
    check_pdf(&b, "/MediaBox [ 0 0 419.527559 595.275591 ]");
    save(&b, "envelope-minimal.pdf");
    lw_buf_clear(&b);
    lw_image_clear(&pv);
}

static void test_pages_named(void **state)
{
    (void)state;
    lw_envelope_page p;
    lw_err err;
    assert_int_equal(lw_envelope_page_parse("A4", &p, &err), LW_OK);
    assert_int_equal(p, LW_ENVELOPE_A4);
    assert_int_equal(lw_envelope_page_parse("label", &p, &err), LW_OK);
    assert_int_equal(p, LW_ENVELOPE_LABEL);
    assert_int_equal(lw_envelope_page_parse("a5", &p, &err), LW_OK);
    assert_int_equal(p, LW_ENVELOPE_A5);
    lw_err_clear(&err);
    assert_int_equal(lw_envelope_page_parse("letter", &p, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "letter"));
    double w, h;
    lw_envelope_page_size(LW_ENVELOPE_LABEL, &w, &h);
    assert_true(w == 100 && h == 150);
    lw_envelope e = sample(NULL);
    lw_envelope_opts o = {.page = (lw_envelope_page)7};
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_envelope_pdf(&e, &o, &b, &err), LW_EINVAL);
    assert_int_equal(b.len, 0);
    lw_buf_clear(&b);
}

static void test_deterministic(void **state)
{
    (void)state;
    lw_image pv = make_preview(40, 40);
    lw_envelope e = sample(&pv);
    lw_buf a, b;
    lw_buf_init(&a, 0);
    lw_buf_init(&b, 0);
    render(&e, LW_ENVELOPE_A5, &a);
    render(&e, LW_ENVELOPE_A5, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* The date is the input's, not the clock's: another date, other bytes, same length. */
    e.created += 86400;
    lw_buf_reset(&b);
    render(&e, LW_ENVELOPE_A5, &b);
    assert_int_equal(count(&b, "20250311093000Z"), 1);
    assert_int_equal(a.len, b.len);
    assert_true(memcmp(a.data, b.data, a.len) != 0);
    lw_buf_clear(&a);
    lw_buf_clear(&b);
    lw_image_clear(&pv);
}

/* Renders e and expects rc with a message naming `field`; out keeps what it had. */
static void expect_refused(const lw_envelope *e, lw_rc rc, const char *field)
{
    lw_buf b;
    lw_buf_init(&b, 0);
    assert_int_equal(lw_buf_puts(&b, "keep"), LW_OK);
    lw_err err;
    lw_err_clear(&err);
    lw_rc got = lw_envelope_pdf(e, NULL, &b, &err);
    if (got != rc)
        fail_msg("expected %s naming %s, got %s: %s", lw_rc_name(rc), field, lw_rc_name(got),
                 err.msg);
    assert_int_equal(err.rc, rc);
    if (!strstr(err.msg, field))
        fail_msg("the message does not name %s: %s", field, err.msg);
    assert_int_equal(b.len, 4);
    assert_string_equal((const char *)b.data, "keep");
    lw_buf_clear(&b);
}

static void test_bad_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zo\xC3",             /* cut short */
        "Zo\xC3\xABl\xEB",   /* Latin-1 ë after a good one */
        "\xC0\xAF",          /* overlong '/' */
        "\xE0\x80\xAF",      /* overlong, three bytes */
        "\xED\xA0\x80",      /* a surrogate */
        "\xF4\x90\x80\x80",  /* past U+10FFFF */
        "\xF8\x88\x80\x80\x80",
        "\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lw_envelope e = sample(NULL);
        e.customer = bad[i];
        expect_refused(&e, LW_EINVAL, "customer: not valid UTF-8");
    }
    lw_envelope e = sample(NULL);
    lw_envelope_stone st[3];
    memcpy(st, k_stones, sizeof st);
    st[1].cut = "brilliant\xFF";
    e.stones = st;
    expect_refused(&e, LW_EINVAL, "stones[1].cut");
    e = sample(NULL);
    e.notes = "ok\nthen a bell \x07";
    expect_refused(&e, LW_EINVAL, "notes: control character U+0007");
    e.notes = "tabs\tand\r\nline breaks are fine";
    e.piece_type = "C1 control \xC2\x85";
    expect_refused(&e, LW_EINVAL, "piece_type: control character U+0085");
    /* Accents, symbols and other scripts are text like any other. */
    e = sample(NULL);
    e.customer = "Zoë Ångström-Ødegård 张伟 Ξένια";
    e.metal = "950 Pt — “platinum”";
    lw_buf b;
    lw_buf_init(&b, 0);
    render(&e, LW_ENVELOPE_A5, &b);
    lw_buf_clear(&b);
}

static char *repeat(const char *unit, size_t n)
{
    size_t k = strlen(unit);
    char *s = lw_malloc(n * k + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * k, unit, k);
    s[n * k] = 0;
    return s;
}

static void test_limits(void **state)
{
    (void)state;
    lw_envelope e = sample(NULL);
    lw_buf b;
    lw_buf_init(&b, 0);
    /* Limits count characters: 120 two-byte letters are a name, 121 are not. */
    char *at = repeat("Å", LW_ENVELOPE_NAME_MAX), *over = repeat("Å", LW_ENVELOPE_NAME_MAX + 1);
    e.customer = at;
    render(&e, LW_ENVELOPE_A5, &b);
    e.customer = over;
    expect_refused(&e, LW_ELIMIT, "customer: 121 characters, more than the limit of 120");
    lw_free(at);
    lw_free(over);
    struct {
        const char **field;
        size_t max;
        const char *name;
    } fields[] = {
        {&e.piece_code, LW_ENVELOPE_CODE_MAX, "piece_code"},
        {&e.url, LW_ENVELOPE_URL_MAX, "url"},
        {&e.studio, LW_ENVELOPE_NAME_MAX, "studio"},
        {&e.order_no, LW_ENVELOPE_CODE_MAX, "order_no"},
        {&e.piece_type, LW_ENVELOPE_TEXT_MAX, "piece_type"},
        {&e.metal, LW_ENVELOPE_TEXT_MAX, "metal"},
        {&e.ring_label, LW_ENVELOPE_LABEL_MAX, "ring_label"},
        {&e.due, LW_ENVELOPE_TEXT_MAX, "due"},
        {&e.notes, LW_ENVELOPE_NOTES_MAX, "notes"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        e = sample(NULL);
        /* At the limit, in the widest letters and with no space to break at: drawn, cut. */
        char *s = repeat("W", fields[i].max);
        *fields[i].field = s;
        lw_buf_reset(&b);
        render(&e, LW_ENVELOPE_LABEL, &b);
        lw_free(s);
        s = repeat("W", fields[i].max + 1);
        *fields[i].field = s;
        expect_refused(&e, LW_ELIMIT, fields[i].name);
        lw_free(s);
    }
    e = sample(NULL);
    lw_envelope_stone st[LW_ENVELOPE_STONES_MAX + 1];
    for (size_t i = 0; i < sizeof st / sizeof *st; i++)
        st[i] = k_stones[i % 3];
    e.stones = st;
    e.nstones = LW_ENVELOPE_STONES_MAX; /* many more than fit: "+ N more rows" */
    lw_buf_reset(&b);
    render(&e, LW_ENVELOPE_A5, &b);
    e.nstones++;
    expect_refused(&e, LW_ELIMIT, "stones: 51 rows");
    e.nstones = 3;
    char *s = repeat("x", LW_ENVELOPE_STONE_TEXT_MAX + 1);
    st[2].stone = s;
    expect_refused(&e, LW_ELIMIT, "stones[2].stone");
    lw_free(s);
    st[2] = k_stones[2];
    st[0].count = LW_ENVELOPE_COUNT_MAX + 1;
    expect_refused(&e, LW_ELIMIT, "stones[0].count");
    st[0].count = 0;
    expect_refused(&e, LW_EINVAL, "stones[0].count");
    st[0] = k_stones[0];
    st[1].mct_each = -5;
    expect_refused(&e, LW_EINVAL, "stones[1].mct_each");
    st[1].mct_each = LW_ENVELOPE_MCT_MAX + 1;
    expect_refused(&e, LW_ELIMIT, "stones[1].mct_each");
    st[1] = k_stones[1];
    st[1].width_cmm = -1;
    expect_refused(&e, LW_EINVAL, "stones[1]: a negative size");
    st[1].width_cmm = LW_ENVELOPE_STONE_CMM_MAX + 1;
    expect_refused(&e, LW_ELIMIT, "stones[1]: a size over");
    st[1] = k_stones[1];
    st[1].source = (lw_envelope_source)9;
    expect_refused(&e, LW_EINVAL, "stones[1].source");

    e = sample(NULL);
    e.piece_code = NULL;
    expect_refused(&e, LW_EINVAL, "piece_code: required");
    e = sample(NULL);
    e.url = "";
    expect_refused(&e, LW_EINVAL, "url: required");
    e = sample(NULL);
    e.ring_circ_cmm = 2499;
    expect_refused(&e, LW_EINVAL, "ring_circ_cmm");
    e.ring_circ_cmm = 12501;
    expect_refused(&e, LW_EINVAL, "ring_circ_cmm");
    e = sample(NULL);
    e.metal_estimate_mg = -1;
    expect_refused(&e, LW_EINVAL, "metal_estimate_mg");
    e.metal_estimate_mg = LW_ENVELOPE_MG_MAX + 1;
    expect_refused(&e, LW_ELIMIT, "metal_estimate_mg");
    e = sample(NULL);
    e.created = -1;
    expect_refused(&e, LW_EINVAL, "created");
    e.created = LW_ENVELOPE_CREATED_MAX + 1;
    expect_refused(&e, LW_EINVAL, "created");
    e.created = LW_ENVELOPE_CREATED_MAX; /* 9999-12-31T23:59:59Z is fine */
    lw_buf_reset(&b);
    render(&e, LW_ENVELOPE_A5, &b);
    assert_int_equal(count(&b, "99991231235959Z"), 1);

    /* Pictures: a 0 x 0 one is none; without pixels or too large, refused. */
    e = sample(NULL);
    lw_image none = {0, 0, NULL}, nopix = {10, 10, NULL};
    e.preview = &none;
    lw_buf_reset(&b);
    render(&e, LW_ENVELOPE_A5, &b);
    e.preview = &nopix;
    expect_refused(&e, LW_EINVAL, "preview");
    lw_image big = make_preview(LW_ENVELOPE_PREVIEW_MAX + 1, 2);
    e.preview = &big;
    expect_refused(&e, LW_ELIMIT, "preview: 2049 x 2 pixels");
    lw_image_clear(&big);
    lw_image tall = make_preview(1, LW_ENVELOPE_PREVIEW_MAX); /* at the limit: drawn */
    e.preview = &tall;
    lw_buf_reset(&b);
    render(&e, LW_ENVELOPE_A5, &b);
    lw_image_clear(&tall);

    /* The buffer's own maximum. */
    e = sample(NULL);
    lw_buf small;
    lw_buf_init(&small, 2000);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_envelope_pdf(&e, NULL, &small, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "limit"));
    assert_int_equal(small.len, 0);
    lw_buf_clear(&small);
    lw_buf_clear(&b);
}

static int torture(void *ctx)
{
    const lw_image *pv = ctx;
    lw_envelope e = sample(pv);
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_envelope_pdf(&e, NULL, &b, &err);
    if (rc) {
        assert_int_equal(err.rc, rc);
        assert_int_equal(rc, LW_ENOMEM);
        assert_int_equal(b.len, 0);
    } else {
        assert_memory_equal(b.data, "%PDF-", 5);
    }
    lw_buf_clear(&b);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    lw_image pv = make_preview(32, 24);
    /* The preview's pixels, then the growing output: a few points at least. */
    assert_true(lwt_alloc_torture(torture, &pv) >= 3);
    lw_image_clear(&pv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_pages), cmocka_unit_test(test_pages_named),
        cmocka_unit_test(test_deterministic),     cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_limits),            cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
