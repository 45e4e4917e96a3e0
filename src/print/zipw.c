/* lostwax: the streaming ZIP writer (see zipw.h). Record layouts follow PKWARE's APPNOTE 6.3:
 * local file header (4.3.7), central directory header (4.3.12), zip64 extended information
 * extra field (4.5.3), zip64 end of central directory record and locator (4.3.14, 4.3.15), end of
 * central directory record (4.3.16). All integers are little-endian.
 */
#include "print/zipw.h"

#include <libdeflate.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define MAX32 0xFFFFFFFFu
#define MAX16 0xFFFFu
/* "made by": Unix (3) in the high byte, so the permissions below mean something; the low byte
 * is the APPNOTE version whose features we use (4.5, zip64). */
#define MADE_BY ((3u << 8) | 45u)
/* -rw-r--r-- regular file, in the high 16 bits as Unix zip tools read it. */
#define UNIX_FILE_ATTR (0100644u << 16)
/* libdeflate's level for the small text entries: they are a few kilobytes, so speed is moot. */
#define DEFLATE_LEVEL 9

struct lw_zipw {
    lw_sink *sink;
    uint64_t base;          /* sink position of the archive's first byte */
    uint16_t dos_time, dos_date;
    lw_buf dir;             /* the central directory records so far */
    uint64_t count;
    bool force64, finished;
    struct libdeflate_compressor *deflater; /* made on the first deflated entry */
    uint8_t *zbuf;
    size_t zcap;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xFFFFu);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* DOS time: bits 15-11 hours, 10-5 minutes, 4-0 seconds / 2; date: bits 15-9 years since 1980,
 * 8-5 month, 4-0 day. Outside 1980-2107 the nearest end is used. */
static void dos_stamp(int64_t t, uint16_t *dtime, uint16_t *ddate)
{
    const int64_t lo = 315532800;   /* 1980-01-01 00:00:00 UTC */
    const int64_t hi = 4354819198;  /* 2107-12-31 23:59:58 UTC */
    if (t < lo)
        t = lo;
    if (t > hi)
        t = hi;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) { /* cannot happen within the clamp; stay deterministic anyway */
        *dtime = 0;
        *ddate = (0u << 9) | (1u << 5) | 1u;
        return;
    }
    *dtime = (uint16_t)(((unsigned)tm.tm_hour << 11) | ((unsigned)tm.tm_min << 5) |
                        ((unsigned)tm.tm_sec / 2));
    *ddate = (uint16_t)(((unsigned)(tm.tm_year + 1900 - 1980) << 9) |
                        ((unsigned)(tm.tm_mon + 1) << 5) | (unsigned)tm.tm_mday);
}

lw_rc lw_zipw_new(lw_sink *sink, int64_t mtime_unix, lw_zipw **out, lw_err *err)
{
    *out = NULL;
    lw_zipw *z = lw_calloc(1, sizeof *z);
    if (!z)
        return lw_err_nomem(err);
    z->sink = sink;
    z->base = lw_sink_tell(sink);
    dos_stamp(mtime_unix, &z->dos_time, &z->dos_date);
    lw_buf_init(&z->dir, LW_ZIPW_MAX_DIRECTORY);
    *out = z;
    return LW_OK;
}

void lw_zipw_force_zip64(lw_zipw *z) { z->force64 = true; }

uint64_t lw_zipw_count(const lw_zipw *z) { return z->count; }

void lw_zipw_free(lw_zipw *z)
{
    if (!z)
        return;
    lw_buf_clear(&z->dir);
    if (z->deflater)
        libdeflate_free_compressor(z->deflater);
    lw_free(z->zbuf);
    lw_free(z);
}

/* Deflates data into z->zbuf; returns the compressed size, or 0 when it would not be smaller
 * (the caller then stores). */
static lw_rc deflate_entry(lw_zipw *z, const void *data, size_t len, size_t *clen, lw_err *err)
{
    *clen = 0;
    if (!z->deflater) {
        /* libdeflate allocates its compressor with its own malloc: it has no per-object
         * allocator in Debian 12's 1.14, and its global hook would be process-wide state. */
        z->deflater = libdeflate_alloc_compressor(DEFLATE_LEVEL);
        if (!z->deflater)
            return lw_err_nomem(err);
    }
    size_t bound = libdeflate_deflate_compress_bound(z->deflater, len);
    if (bound > z->zcap) {
        uint8_t *p = lw_realloc(z->zbuf, bound);
        if (!p)
            return lw_err_nomem(err);
        z->zbuf = p;
        z->zcap = bound;
    }
    size_t n = libdeflate_deflate_compress(z->deflater, data, len, z->zbuf, bound);
    if (n > 0 && n < len)
        *clen = n;
    return LW_OK;
}

static bool name_ascii(const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] >= 0x80)
            return false;
    return true;
}

lw_rc lw_zipw_add(lw_zipw *z, const char *name, const void *data, size_t len, bool deflate,
                  lw_err *err)
{
    if (z->finished)
        return lw_err_set(err, LW_EINVAL, "zip: entry %s added after the directory", name);
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > MAX16)
        return lw_err_set(err, LW_EINVAL, "zip: an entry name must be 1 to 65535 bytes, not %zu",
                          nlen);
    uint32_t crc = (uint32_t)libdeflate_crc32(0, len ? data : "", len);
    const void *payload = data;
    uint64_t csize = len, usize = len;
    uint16_t method = 0;
    if (deflate && len > 0) {
        size_t clen;
        lw_rc rc = deflate_entry(z, data, len, &clen, err);
        if (rc)
            return rc;
        if (clen) {
            payload = z->zbuf;
            csize = clen;
            method = 8;
        }
    }
    uint64_t offset = lw_sink_tell(z->sink) - z->base;
    bool big_sizes = z->force64 || usize >= MAX32 || csize >= MAX32;
    bool big_offset = z->force64 || offset >= MAX32;
    uint16_t need = (big_sizes || big_offset) ? 45 : method == 8 ? 20 : 10;
    uint16_t flags = name_ascii(name, nlen) ? 0 : (1u << 11); /* bit 11: the name is UTF-8 */

    /* Local header. Its zip64 field must hold both sizes whenever it is present (4.5.3). */
    uint8_t lh[30 + 20];
    put32(lh, SIG_LOCAL);
    put16(lh + 4, need);
    put16(lh + 6, flags);
    put16(lh + 8, method);
    put16(lh + 10, z->dos_time);
    put16(lh + 12, z->dos_date);
    put32(lh + 14, crc);
    put32(lh + 18, big_sizes ? MAX32 : (uint32_t)csize);
    put32(lh + 22, big_sizes ? MAX32 : (uint32_t)usize);
    put16(lh + 26, (uint32_t)nlen);
    put16(lh + 28, big_sizes ? 20 : 0);
    size_t lhn = 30;
    if (big_sizes) {
        put16(lh + 30, 0x0001);
        put16(lh + 32, 16);
        put64(lh + 34, usize);
        put64(lh + 42, csize);
        lhn += 20;
    }

    /* Central record: the zip64 field holds only what overflowed, in the APPNOTE's order. */
    uint8_t ch[46 + 28];
    uint8_t *x = ch + 46 + 4;
    if (big_sizes) {
        put64(x, usize);
        put64(x + 8, csize);
        x += 16;
    }
    if (big_offset) {
        put64(x, offset);
        x += 8;
    }
    size_t xlen = (size_t)(x - (ch + 46 + 4));
    put32(ch, SIG_CENTRAL);
    put16(ch + 4, MADE_BY);
    put16(ch + 6, need);
    put16(ch + 8, flags);
    put16(ch + 10, method);
    put16(ch + 12, z->dos_time);
    put16(ch + 14, z->dos_date);
    put32(ch + 16, crc);
    put32(ch + 20, big_sizes ? MAX32 : (uint32_t)csize);
    put32(ch + 24, big_sizes ? MAX32 : (uint32_t)usize);
    put16(ch + 28, (uint32_t)nlen);
    put16(ch + 30, xlen ? (uint32_t)(xlen + 4) : 0);
    put16(ch + 32, 0); /* comment */
    put16(ch + 34, 0); /* disk */
    put16(ch + 36, 0); /* internal attributes */
    put32(ch + 38, UNIX_FILE_ATTR);
    put32(ch + 42, big_offset ? MAX32 : (uint32_t)offset);
    if (xlen) {
        put16(ch + 46, 0x0001);
        put16(ch + 48, (uint32_t)xlen);
    }
    size_t before = z->dir.len;
    lw_rc rc = lw_buf_append(&z->dir, ch, 46);
    if (!rc)
        rc = lw_buf_append(&z->dir, name, nlen);
    if (!rc && xlen)
        rc = lw_buf_append(&z->dir, ch + 46, xlen + 4);
    if (rc) {
        z->dir.len = before;
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err);
        return lw_err_set(err, LW_ELIMIT, "zip: more than %zu bytes of central directory "
                          "(%llu entries)", (size_t)LW_ZIPW_MAX_DIRECTORY,
                          (unsigned long long)z->count);
    }

    if ((rc = lw_sink_write(z->sink, lh, 30, err)) ||
        (rc = lw_sink_write(z->sink, name, nlen, err)) ||
        (rc = lw_sink_write(z->sink, lh + 30, lhn - 30, err)) || /* the name, then the extra */
        (rc = lw_sink_write(z->sink, payload, (size_t)csize, err))) {
        lw_err_prefix(err, "zip entry %s", name);
        return rc;
    }
    z->count++;
    return LW_OK;
}

lw_rc lw_zipw_finish(lw_zipw *z, lw_err *err)
{
    if (z->finished)
        return lw_err_set(err, LW_EINVAL, "zip: finished twice");
    z->finished = true;
    uint64_t dir_off = lw_sink_tell(z->sink) - z->base;
    uint64_t dir_len = z->dir.len;
    lw_rc rc = lw_sink_write(z->sink, z->dir.data, z->dir.len, err);
    if (rc)
        return rc;
    bool z64 = z->force64 || z->count >= MAX16 || dir_off >= MAX32 || dir_len >= MAX32;
    if (z64) {
        uint64_t end64_off = lw_sink_tell(z->sink) - z->base;
        uint8_t e[56 + 20];
        put32(e, SIG_END64);
        put64(e + 4, 44); /* the record's size after this field */
        put16(e + 12, MADE_BY);
        put16(e + 14, 45);
        put32(e + 16, 0);  /* this disk */
        put32(e + 20, 0);  /* the directory's disk */
        put64(e + 24, z->count);
        put64(e + 32, z->count);
        put64(e + 40, dir_len);
        put64(e + 48, dir_off);
        put32(e + 56, SIG_LOCATOR64);
        put32(e + 60, 0);
        put64(e + 64, end64_off);
        put32(e + 72, 1);  /* disks */
        if ((rc = lw_sink_write(z->sink, e, sizeof e, err)))
            return rc;
    }
    uint8_t e[22];
    uint32_t n16 = z64 ? MAX16 : (uint32_t)z->count;
    put32(e, SIG_END);
    put16(e + 4, 0);
    put16(e + 6, 0);
    put16(e + 8, n16);
    put16(e + 10, n16);
    put32(e + 12, z64 ? MAX32 : (uint32_t)dir_len);
    put32(e + 16, z64 ? MAX32 : (uint32_t)dir_off);
    put16(e + 20, 0); /* comment */
    return lw_sink_write(z->sink, e, sizeof e, err);
}
