/* lostwax tests: shared helpers (see lwtest.h). */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/file.h"

static char g_path[4096];

const char *lwt_shared(const char *rel)
{
    const char *root = getenv("LW_SHARED_DATA");
    struct stat st;
    if (!root || stat(root, &st) != 0) {
        fprintf(stderr, "SKIP: shared data folder not found (LW_SHARED_DATA=%s)\n",
                root ? root : "(unset)");
        exit(77);
    }
    snprintf(g_path, sizeof g_path, "%s/%s", root, rel);
    if (stat(g_path, &st) != 0) {
        fprintf(stderr, "SKIP: %s is not in the shared data folder\n", rel);
        exit(77);
    }
    return g_path;
}

const char *lwt_tmp(const char *name)
{
    const char *root = getenv("LW_TEST_TMP");
    snprintf(g_path, sizeof g_path, "%s/%s", root ? root : "/tmp", name);
    return g_path;
}

const char *lwt_source(const char *rel)
{
    const char *root = getenv("LW_SOURCE_DIR");
    snprintf(g_path, sizeof g_path, "%s/%s", root ? root : ".", rel);
    return g_path;
}

void lwt_load(const char *path, lw_import *imp)
{
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_rc rc = lw_file_read(path, lim.max_file_bytes, &data, &len, &err);
    if (rc)
        fail_msg("%s: %s", path, err.msg);
    char ext[8];
    lw_path_ext(path, ext, sizeof ext);
    rc = lw_mesh_import(data, len, ext, &lim, imp, &err);
    lw_free(data);
    if (rc)
        fail_msg("%s: %s", path, err.msg);
}

double lwt_rel(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    return m < 1e-300 ? 0 : fabs(a - b) / m;
}

long lwt_alloc_torture(int (*fn)(void *ctx), void *ctx)
{
    for (long n = 0;; n++) {
        lw_alloc_fail_after(n);
        int rc = fn(ctx);
        long injected = lw_alloc_failures();
        lw_alloc_fail_reset();
        if (injected == 0) {
            if (rc != 0)
                fail_msg("allocation torture: the run without failures returned %d", rc);
            return n;
        }
        if (rc == 0)
            fail_msg("allocation torture: allocation %ld failed but the call reported success", n);
        if (n > 10000000)
            fail_msg("allocation torture: more than ten million allocations");
    }
}
