/* lostwax: whole-file reads with a size limit, and writes that never leave a half-written file.
 *
 * Reads bring a file into memory so parsers work on (pointer, length) and can be fuzzed directly.
 * Writes go to a temporary name in the same directory, are flushed to disk and renamed over the
 * target, so a crash leaves either the old file or the new one, never a torn one.
 */
#ifndef LW_BASE_FILE_H
#define LW_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Reads all of `path` ("-" is standard input) into a new buffer (*data, NUL-terminated beyond
 * *len, free with lw_free). Files larger than max_bytes fail with LW_ELIMIT before reading them.
 * Errors: LW_ENOTFOUND (no such file), LW_EIO (unreadable, a directory), LW_ELIMIT, LW_ENOMEM.
 * Messages do not repeat the path: callers prefix it. */
lw_rc lw_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len, lw_err *err);

/* A file's bytes for reading: mapped when it is a regular file (no copy: a 50 MB mesh costs no
 * time to "read" and the parser's first touch brings the pages in), read into memory otherwise
 * (standard input, pipes). Read-only. */
typedef struct lw_file_view {
    const uint8_t *data; /* len bytes (not NUL-terminated) */
    size_t len;
    void *owned;         /* internal: the heap copy, when not mapped */
    size_t map_len;      /* internal: the mapped length, when mapped */
} lw_file_view;

/* Opens `path` ("-" is standard input) for reading with the same limit and errors as
 * lw_file_read. Release with lw_file_view_close (harmless on a zeroed view). A file that changes
 * while mapped may show the change; lostwax maps only files it reads once, straight away. */
lw_rc lw_file_view_open(const char *path, size_t max_bytes, lw_file_view *view, lw_err *err);
void lw_file_view_close(lw_file_view *view);

/* Atomically replaces `path` with the n bytes at data (temp file, fsync, rename, fsync of the
 * directory). "-" writes to standard output. Errors: LW_EIO with the system's reason. */
lw_rc lw_file_write_atomic(const char *path, const void *data, size_t n, lw_err *err);

/* The last path component of `path` (a pointer into it). */
const char *lw_path_base(const char *path);

/* The extension of `path` after the last '.' of its last component, lower-cased into ext
 * (at most ext_size-1 chars); "" if none. */
void lw_path_ext(const char *path, char *ext, size_t ext_size);

#endif
