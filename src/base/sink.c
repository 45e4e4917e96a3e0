/* lostwax: streaming output to files (atomically) or memory (see sink.h). */
#include "base/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"

lw_rc lw_sink_open_file(lw_sink *s, const char *path, lw_err *err)
{
    memset(s, 0, sizeof *s);
    if (strcmp(path, "-") == 0) {
        s->file = stdout;
        return LW_OK;
    }
    size_t n = strlen(path);
    s->path = lw_strdup(path);
    s->tmp = lw_malloc(n + 32);
    if (!s->path || !s->tmp) {
        lw_free(s->path);
        lw_free(s->tmp);
        memset(s, 0, sizeof *s);
        return lw_err_nomem(err);
    }
    snprintf(s->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    s->file = fopen(s->tmp, "w+b");
    if (!s->file) {
        int e = errno;
        lw_free(s->path);
        lw_free(s->tmp);
        memset(s, 0, sizeof *s);
        return lw_err_set(err, LW_EIO, "cannot create %s: %s", path, strerror(e));
    }
    return LW_OK;
}

void lw_sink_open_buf(lw_sink *s, lw_buf *buf)
{
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->pos = s->size = buf->len;
}

static lw_rc fail(lw_sink *s, lw_rc rc, lw_err *err, const char *what)
{
    s->failed = rc;
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    return lw_err_set(err, rc, "%s: %s", what, rc == LW_EIO ? strerror(errno) : lw_rc_name(rc));
}

lw_rc lw_sink_write(lw_sink *s, const void *data, size_t n, lw_err *err)
{
    if (s->failed)
        return lw_err_set(err, s->failed, "writing after an earlier error");
    if (n == 0)
        return LW_OK;
    if (s->buf) {
        if (s->pos == s->buf->len) {
            lw_rc rc = lw_buf_append(s->buf, data, n);
            if (rc)
                return fail(s, rc, err, "cannot grow the output");
        } else {
            size_t over = s->buf->len - (size_t)s->pos < n ? s->buf->len - (size_t)s->pos : n;
            memcpy(s->buf->data + s->pos, data, over);
            if (over < n) {
                lw_rc rc = lw_buf_append(s->buf, (const uint8_t *)data + over, n - over);
                if (rc)
                    return fail(s, rc, err, "cannot grow the output");
            }
        }
    } else if (fwrite(data, 1, n, s->file) != n) {
        return fail(s, LW_EIO, err, "cannot write");
    }
    s->pos += n;
    if (s->pos > s->size)
        s->size = s->pos;
    return LW_OK;
}

lw_rc lw_sink_u8(lw_sink *s, uint8_t v, lw_err *err) { return lw_sink_write(s, &v, 1, err); }

lw_rc lw_sink_u16le(lw_sink *s, uint16_t v, lw_err *err)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return lw_sink_write(s, b, 2, err);
}

lw_rc lw_sink_u32le(lw_sink *s, uint32_t v, lw_err *err)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return lw_sink_write(s, b, 4, err);
}

lw_rc lw_sink_f32le(lw_sink *s, float v, lw_err *err)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return lw_sink_u32le(s, u, err);
}

lw_rc lw_sink_u16be(lw_sink *s, uint16_t v, lw_err *err)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return lw_sink_write(s, b, 2, err);
}

lw_rc lw_sink_u32be(lw_sink *s, uint32_t v, lw_err *err)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return lw_sink_write(s, b, 4, err);
}

lw_rc lw_sink_f32be(lw_sink *s, float v, lw_err *err)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return lw_sink_u32be(s, u, err);
}

lw_rc lw_sink_zeros(lw_sink *s, size_t n, lw_err *err)
{
    static const uint8_t zero[4096];
    while (n) {
        size_t k = n < sizeof zero ? n : sizeof zero;
        lw_rc rc = lw_sink_write(s, zero, k, err);
        if (rc)
            return rc;
        n -= k;
    }
    return LW_OK;
}

lw_rc lw_sink_seek(lw_sink *s, uint64_t pos, lw_err *err)
{
    if (s->failed)
        return lw_err_set(err, s->failed, "seeking after an earlier error");
    if (pos > s->size)
        return lw_err_set(err, LW_EINVAL, "seek to %llu past the end (%llu)",
                          (unsigned long long)pos, (unsigned long long)s->size);
    if (!s->buf) {
        if (s->file == stdout)
            return lw_err_set(err, LW_EIO, "this format cannot be written to standard output: "
                              "it goes back to fill in its tables; give a file name");
        if (fseeko(s->file, (off_t)pos, SEEK_SET) != 0)
            return fail(s, LW_EIO, err, "cannot seek");
    }
    s->pos = pos;
    return LW_OK;
}

lw_rc lw_sink_commit(lw_sink *s, lw_err *err)
{
    if (s->buf || !s->file) {
        lw_rc rc = s->failed;
        memset(s, 0, sizeof *s);
        return rc ? lw_err_set(err, rc, "output failed earlier") : LW_OK;
    }
    if (s->file == stdout) {
        lw_rc rc = fflush(stdout) == 0 && !s->failed ? LW_OK : LW_EIO;
        memset(s, 0, sizeof *s);
        return rc ? lw_err_set(err, rc, "cannot write to standard output") : LW_OK;
    }
    lw_rc rc = s->failed;
    if (!rc && (fflush(s->file) != 0 || fsync(fileno(s->file)) != 0))
        rc = lw_err_set(err, LW_EIO, "cannot flush %s: %s", s->path, strerror(errno));
    if (fclose(s->file) != 0 && !rc)
        rc = lw_err_set(err, LW_EIO, "cannot close %s: %s", s->path, strerror(errno));
    s->file = NULL;
    if (!rc && rename(s->tmp, s->path) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot rename into %s: %s", s->path, strerror(errno));
    if (rc) {
        unlink(s->tmp);
        if (!err || err->rc == LW_OK)
            lw_err_set(err, rc, "%s: output failed", s->path);
    }
    lw_free(s->path);
    lw_free(s->tmp);
    memset(s, 0, sizeof *s);
    return rc;
}

void lw_sink_abort(lw_sink *s)
{
    if (s->file && s->file != stdout) {
        fclose(s->file);
        unlink(s->tmp);
    }
    lw_free(s->path);
    lw_free(s->tmp);
    memset(s, 0, sizeof *s);
}
