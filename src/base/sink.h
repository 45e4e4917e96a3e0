/* lostwax: where a writer's bytes go. Printer files reach hundreds of megabytes, so writers
 * stream into a sink instead of building the file in memory; some formats (CTB's layer table)
 * go back to fill in what they only know at the end, so a sink can also seek.
 *
 * A file sink writes to a temporary name beside the target and only renames it into place on
 * lw_sink_commit (after flushing it to disk): an interrupted or failed job never leaves a
 * truncated printer file where the printer would take it. A memory sink collects into an lw_buf
 * (tests, small files).
 */
#ifndef LW_BASE_SINK_H
#define LW_BASE_SINK_H

#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct lw_sink {
    /* Internal state; use the functions below. */
    FILE *file;      /* file sinks */
    char *path;      /* the target, owned */
    char *tmp;       /* the temporary name, owned */
    lw_buf *buf;     /* memory sinks: borrowed */
    uint64_t pos;    /* where the next write lands */
    uint64_t size;   /* bytes in the sink (the high-water mark) */
    lw_rc failed;    /* the first error; every later call returns it */
} lw_sink;

/* Opens a sink that will become the file at `path` on commit. "-" writes to standard output
 * (no seeking). LW_EIO with the system's reason. */
lw_rc lw_sink_open_file(lw_sink *s, const char *path, lw_err *err);

/* A sink appending into buf (which the caller owns and keeps initialised). */
void lw_sink_open_buf(lw_sink *s, lw_buf *buf);

/* Writes n bytes at the current position (overwriting or extending). LW_EIO, LW_ENOMEM,
 * LW_ELIMIT (buffer maximum). After a failure every call fails the same way. */
lw_rc lw_sink_write(lw_sink *s, const void *data, size_t n, lw_err *err);

/* Little-endian and big-endian integers and floats, the way printer formats store them. */
lw_rc lw_sink_u8(lw_sink *s, uint8_t v, lw_err *err);
lw_rc lw_sink_u16le(lw_sink *s, uint16_t v, lw_err *err);
lw_rc lw_sink_u32le(lw_sink *s, uint32_t v, lw_err *err);
lw_rc lw_sink_f32le(lw_sink *s, float v, lw_err *err);
lw_rc lw_sink_u16be(lw_sink *s, uint16_t v, lw_err *err);
lw_rc lw_sink_u32be(lw_sink *s, uint32_t v, lw_err *err);
lw_rc lw_sink_f32be(lw_sink *s, float v, lw_err *err);
/* n zero bytes. */
lw_rc lw_sink_zeros(lw_sink *s, size_t n, lw_err *err);

/* Moves the write position (at most to the current size). LW_EIO for standard output. */
lw_rc lw_sink_seek(lw_sink *s, uint64_t pos, lw_err *err);
static inline uint64_t lw_sink_tell(const lw_sink *s) { return s->pos; }

/* File sinks: flush, fsync and rename into place. Memory sinks: nothing to do. The sink is
 * closed either way (a failed commit removes the temporary file). */
lw_rc lw_sink_commit(lw_sink *s, lw_err *err);

/* Closes without committing: the temporary file is removed, the target untouched. Harmless
 * after a commit and on a zeroed sink. */
void lw_sink_abort(lw_sink *s);

#endif
