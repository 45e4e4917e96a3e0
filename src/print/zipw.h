/* lostwax: a streaming ZIP writer (PKWARE APPNOTE 6.3): entries go into an lw_sink one after the
 * other and only the central directory stays in memory, so an SL1 with thousands of layer PNGs
 * never exists whole in memory. libzip cannot do this: it keeps every entry until zip_close.
 *
 * Each entry is handed over whole (a layer PNG, an INI file), so its CRC and sizes are known
 * before its local header is written: no data descriptors and no seeking back, which also lets the
 * archive go to standard output. Entries are stored, or deflated with libdeflate when asked and
 * when that is smaller. Every entry carries the same DOS timestamp, taken from the caller's
 * time, never the clock: the same entries give the same bytes. Zip64 records are written when an
 * entry or an offset reaches 4 GiB or the archive reaches 65535 entries.
 */
#ifndef LW_PRINT_ZIPW_H
#define LW_PRINT_ZIPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sink.h"

typedef struct lw_zipw lw_zipw;

/* The most central-directory bytes kept in memory (about 100 bytes an entry): LW_ELIMIT past it. */
#define LW_ZIPW_MAX_DIRECTORY ((size_t)256 << 20)

/* Starts an archive at the sink's current position (offsets in the archive count from there).
 * Every entry is stamped with mtime_unix (seconds since 1970 UTC) as a DOS date and time, which
 * has two-second steps and runs from 1980 to 2107: earlier or later times are clamped to those
 * ends. The sink is borrowed until lw_zipw_free. LW_ENOMEM. */
lw_rc lw_zipw_new(lw_sink *sink, int64_t mtime_unix, lw_zipw **out, lw_err *err);

/* Writes one entry: its local header and its len bytes (data may be NULL when len is 0).
 * name is 1 to 65535 bytes of path with '/' separators, no NUL; names are not checked for
 * duplicates (the caller makes them unique). deflate: compress with libdeflate, keeping the
 * stored bytes if that is not smaller. Errors: LW_EINVAL (bad name; after finish), LW_ELIMIT (the
 * directory limit), LW_ENOMEM, the sink's LW_EIO. After an error the archive is unusable. */
lw_rc lw_zipw_add(lw_zipw *z, const char *name, const void *data, size_t len, bool deflate,
                  lw_err *err);

/* Writes the central directory and the end records (zip64 ones when needed). The archive is then
 * complete; the caller commits the sink. */
lw_rc lw_zipw_finish(lw_zipw *z, lw_err *err);

/* Frees the writer (not the sink). Harmless on NULL. */
void lw_zipw_free(lw_zipw *z);

/* Entries written so far. */
uint64_t lw_zipw_count(const lw_zipw *z);

/* Writes zip64 fields for every entry and the zip64 end records even where 32 bits would do, so
 * tests can prove the zip64 layout with small archives. Call before the first entry. */
void lw_zipw_force_zip64(lw_zipw *z);

#endif
