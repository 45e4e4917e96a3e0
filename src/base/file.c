/* lostwax: bounded whole-file reads and atomic writes (see file.h). */
#include "base/file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/size.h"

static lw_rc read_fd(int fd, size_t max_bytes, size_t hint, uint8_t **data, size_t *len,
                     lw_err *err)
{
    size_t cap = hint ? hint + 1 : 65536, n = 0;
    if (cap > max_bytes + 1)
        cap = max_bytes + 1;
    uint8_t *buf = lw_malloc(cap);
    if (!buf)
        return lw_err_nomem(err);
    for (;;) {
        if (n == cap) {
            if (n > max_bytes) {
                lw_free(buf);
                return lw_err_set(err, LW_ELIMIT, "larger than the limit of %zu bytes",
                                  max_bytes);
            }
            size_t ncap;
            if (!lw_size_mul(cap, 2, &ncap))
                ncap = SIZE_MAX;
            if (ncap > max_bytes + 1)
                ncap = max_bytes + 1;
            uint8_t *nb = lw_realloc(buf, ncap);
            if (!nb) {
                lw_free(buf);
                return lw_err_nomem(err);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            lw_free(buf);
            return lw_err_set(err, LW_EIO, "cannot read: %s", strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > max_bytes) {
        lw_free(buf);
        return lw_err_set(err, LW_ELIMIT, "larger than the limit of %zu bytes", max_bytes);
    }
    /* Room for the terminator: grow by one if the data filled the buffer exactly. */
    if (n == cap) {
        uint8_t *nb = lw_realloc(buf, n + 1);
        if (!nb) {
            lw_free(buf);
            return lw_err_nomem(err);
        }
        buf = nb;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return LW_OK;
}

lw_rc lw_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len, lw_err *err)
{
    *data = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0)
        return read_fd(STDIN_FILENO, max_bytes, 0, data, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return lw_err_set(err, e == ENOENT ? LW_ENOTFOUND : LW_EIO, "cannot open: %s",
                          strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return lw_err_set(err, LW_EIO, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return lw_err_set(err, LW_EIO, "is a directory, not a file");
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
        close(fd);
        return lw_err_set(err, LW_ELIMIT, "%lld bytes is larger than the limit of %zu bytes",
                          (long long)st.st_size, max_bytes);
    }
    size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    lw_rc rc = read_fd(fd, max_bytes, hint, data, len, err);
    close(fd);
    return rc;
}

lw_rc lw_file_view_open(const char *path, size_t max_bytes, lw_file_view *view, lw_err *err)
{
    memset(view, 0, sizeof *view);
    if (strcmp(path, "-") != 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            return lw_err_set(err, e == ENOENT ? LW_ENOTFOUND : LW_EIO, "cannot open: %s",
                              strerror(e));
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            if ((uint64_t)st.st_size > max_bytes) {
                close(fd);
                return lw_err_set(err, LW_ELIMIT,
                                  "%lld bytes is larger than the limit of %zu bytes",
                                  (long long)st.st_size, max_bytes);
            }
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            close(fd);
            if (p != MAP_FAILED) {
                /* Parsers read front to back: let the kernel read ahead generously. */
                (void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
                (void)madvise(p, (size_t)st.st_size, MADV_WILLNEED);
                view->data = p;
                view->len = view->map_len = (size_t)st.st_size;
                return LW_OK;
            }
        } else {
            close(fd);
        }
        /* Not mappable (empty, a directory, a device): the ordinary read explains or copes. */
    }
    uint8_t *data;
    size_t len;
    lw_rc rc = lw_file_read(path, max_bytes, &data, &len, err);
    if (rc)
        return rc;
    view->data = data;
    view->len = len;
    view->owned = data;
    return LW_OK;
}

void lw_file_view_close(lw_file_view *view)
{
    if (view->map_len)
        munmap((void *)view->data, view->map_len);
    lw_free(view->owned);
    memset(view, 0, sizeof *view);
}

static lw_rc write_all(int fd, const void *data, size_t n, lw_err *err)
{
    const uint8_t *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return lw_err_set(err, LW_EIO, "cannot write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return LW_OK;
}

lw_rc lw_file_write_atomic(const char *path, const void *data, size_t n, lw_err *err)
{
    if (strcmp(path, "-") == 0)
        return write_all(STDOUT_FILENO, data, n, err);
    size_t plen = strlen(path);
    char *tmp = lw_malloc(plen + 32);
    if (!tmp)
        return lw_err_nomem(err);
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        lw_free(tmp);
        return lw_err_set(err, LW_EIO, "cannot create: %s", strerror(e));
    }
    lw_rc rc = write_all(fd, data, n, err);
    if (rc == LW_OK && fsync(fd) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot flush to disk: %s", strerror(errno));
    if (close(fd) != 0 && rc == LW_OK)
        rc = lw_err_set(err, LW_EIO, "cannot close: %s", strerror(errno));
    if (rc == LW_OK && rename(tmp, path) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot rename into place: %s", strerror(errno));
    if (rc != LW_OK) {
        unlink(tmp);
        lw_free(tmp);
        return rc;
    }
    lw_free(tmp);
    /* Make the rename itself durable. Failure here is not worth failing the write over: the data
     * is complete under its final name either way. */
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash && (size_t)(slash - path) < sizeof dir) {
        memcpy(dir, path, (size_t)(slash - path) + (slash == path));
        dir[(size_t)(slash - path) + (slash == path)] = 0;
    } else {
        memcpy(dir, ".", 2);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return LW_OK;
}

const char *lw_path_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void lw_path_ext(const char *path, char *ext, size_t ext_size)
{
    const char *base = lw_path_base(path);
    const char *dot = strrchr(base, '.');
    size_t i = 0;
    if (dot && ext_size) {
        for (dot++; *dot && i + 1 < ext_size; dot++)
            ext[i++] = (char)tolower((unsigned char)*dot);
    }
    if (ext_size)
        ext[i] = 0;
}
