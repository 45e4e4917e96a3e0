/* lostwax: shared plumbing of the subcommands (see common.h). */
#include "cli/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/pool.h"
#include "cli/args.h"
#include "geom/measure.h"

int lw_cli_fail(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lostwax %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int lw_cli_begin(const char *cmd, int argc, char **argv, lw_opt *opts, size_t nopts,
                 const char *help, int min_pos, int max_pos, lw_args *args)
{
    int e = lw_args_parse(cmd, argc, argv, 2, opts, nopts, args);
    if (e)
        return e;
    if (lw_opt_get(opts, nopts, "help")->present) {
        fputs(help, stdout);
        return LW_EXIT_OK;
    }
    if (args->npos < min_pos || args->npos > max_pos) {
        fputs(help, stderr);
        return LW_EXIT_USAGE;
    }
    return -1;
}

int lw_cli_exit_for(lw_rc rc)
{
    return rc == LW_OK ? LW_EXIT_OK : rc == LW_ENOMEM ? LW_EXIT_FAIL : LW_EXIT_USAGE;
}

/* The trade-table folder, found once per call (cheap: a few stat calls). */
static void data_dir(char *buf, size_t size)
{
    const char *env = getenv("LOSTWAX_DATA");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            const char *tries[] = {"/data", "/../data", "/../../data", "/../share/lostwax"};
            for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
                snprintf(buf, size, "%s%s", exe, tries[i]);
                char probe[4200];
                snprintf(probe, sizeof probe, "%s/metals.tsv", buf);
                if (access(probe, R_OK) == 0)
                    return;
            }
        }
    }
    snprintf(buf, size, "%s", LW_DATA_DIR);
}

void lw_cli_data_path(const char *rel, char *buf, size_t size)
{
    char dir[4096];
    data_dir(dir, sizeof dir);
    snprintf(buf, size, "%s/%s", dir, rel);
}

int lw_cli_data_read(const char *cmd, const char *rel, uint8_t **data, size_t *len)
{
    char path[4400];
    lw_cli_data_path(rel, path, sizeof path);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_file_read(path, (size_t)64 << 20, data, len, &err);
    if (rc)
        return lw_cli_fail(cmd, lw_cli_exit_for(rc), "trade table %s: %s (set LOSTWAX_DATA to the "
                           "folder holding metals.tsv)", path, err.msg);
    return 0;
}

void lw_cli_json_print(json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        lw_free(s);
    } else {
        fputs("{\"error\": \"out of memory writing JSON\"}\n", stdout);
    }
    json_decref(doc);
}

void lw_json_set(json_t *obj, const char *key, json_t *value)
{
    /* json_object_set_new steals value even on failure, so nothing leaks; a NULL value (out of
     * memory) is simply not added. */
    json_object_set_new(obj, key, value);
}

json_t *lw_json_vec3(const double v[3])
{
    return json_pack("[f,f,f]", v[0], v[1], v[2]);
}

json_t *lw_json_bbox(const lw_bbox *b)
{
    if (lw_bbox_is_empty(b))
        return json_null();
    double size[3] = {b->max[0] - b->min[0], b->max[1] - b->min[1], b->max[2] - b->min[2]};
    json_t *o = json_object();
    lw_json_set(o, "min", lw_json_vec3(b->min));
    lw_json_set(o, "max", lw_json_vec3(b->max));
    lw_json_set(o, "size", lw_json_vec3(size));
    return o;
}

int lw_cli_mesh_load(const char *cmd, const char *path, double units_override, bool measure_ring,
                     lw_cli_mesh *out)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    lw_import_init(&out->imp);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_err err;
    lw_err_clear(&err);
    lw_file_view view;
    lw_rc rc = lw_file_view_open(path, lim.max_file_bytes, &view, &err);
    if (!rc) {
        char ext[16];
        lw_path_ext(path, ext, sizeof ext);
        rc = lw_mesh_import(view.data, view.len, ext, &lim, &out->imp, &err);
        lw_file_view_close(&view);
    }
    if (rc)
        return lw_cli_fail(cmd, lw_cli_exit_for(rc), "%s: %s", path, err.msg);
    lw_bbox raw = lw_mesh_bbox(&out->imp.mesh);
    lw_units_judge(&raw, out->imp.unit_mm, units_override, &out->units);
    if (out->units.mm_per_unit != 1)
        lw_mesh_scale(&out->imp.mesh, out->units.mm_per_unit);
    lw_check_opts opts;
    lw_check_opts_default(&opts);
    rc = lw_mesh_check(&out->imp.mesh, &opts, &out->report, &err);
    if (!rc && measure_ring)
        rc = lw_ring_measure(&out->imp.mesh, &out->ring, &err);
    if (!rc && out->report.overlapping_pairs > 0 && out->report.watertight) {
        /* Overlapping shells: the sum of their volumes counts the overlap twice. Layers of 20 um
         * and pixels of 10 um keep the stated error near a thousandth for a ring. */
        lw_pool *pool = NULL;
        rc = lw_pool_new(0, &pool, &err);
        if (!rc)
            rc = lw_union_volume_measure(&out->imp.mesh, 0.02, 0.01, pool, &out->uni, &err);
        lw_pool_free(pool);
        out->has_union = rc == LW_OK;
    }
    if (rc)
        return lw_cli_fail(cmd, lw_cli_exit_for(rc), "%s: %s", path, err.msg);
    return 0;
}

void lw_cli_mesh_clear(lw_cli_mesh *m)
{
    lw_import_clear(&m->imp);
    lw_mesh_report_clear(&m->report);
}

int lw_cli_mesh_overlaps(const lw_cli_mesh *m) { return m->report.overlapping_pairs > 0; }

double lw_cli_mesh_volume(const lw_cli_mesh *m)
{
    return m->has_union ? m->uni.volume : m->report.total.volume;
}
