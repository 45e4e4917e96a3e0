/* lostwax tests: shared helpers for the cmocka suites (paths, loading, allocation torture). */
#ifndef LW_TESTS_LWTEST_H
#define LW_TESTS_LWTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/err.h"
#include "geom/import.h"

/* Full path of a file under ../shared/data (LW_SHARED_DATA). If the folder or the file is absent
 * the whole test program exits 77, which CTest reports as skipped: never as passed. Returns a
 * static buffer valid until the next call. */
const char *lwt_shared(const char *rel);

/* A path for a scratch file of this test (LW_TEST_TMP, or /tmp). Static buffer as above. */
const char *lwt_tmp(const char *name);

/* A path under the source tree (LW_SOURCE_DIR). Static buffer as above. */
const char *lwt_source(const char *rel);

/* Reads and imports a mesh file; fails the test with the error message if it cannot. */
void lwt_load(const char *path, lw_import *imp);

/* Relative difference |a-b| / max(|a|,|b|, tiny). */
double lwt_rel(double a, double b);

/* Allocation torture: calls fn(ctx) with the 0th, 1st, 2nd ... allocation failing, until a run
 * succeeds with no injected failure. Every failed run must return non-zero (fn's own rc), never
 * crash; leaks are caught by LeakSanitizer at exit. Returns the number of failing points tried. */
long lwt_alloc_torture(int (*fn)(void *ctx), void *ctx);

#endif
