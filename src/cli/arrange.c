/* lostwax: building the plate for `plate` and `slice` (see arrange.h). */
#include "cli/arrange.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/text.h"

void lw_cli_plate_clear(lw_cli_plate *p)
{
    for (size_t i = 0; i < p->nfiles; i++) {
        lw_cli_mesh_clear(&p->files[i]);
        lw_free(p->part_names ? p->part_names[i] : NULL);
    }
    for (size_t i = 0; i < p->nplaced; i++) {
        lw_mesh_clear(&p->placed[i]);
        lw_free(p->placed_names[i]);
    }
    lw_free(p->files);
    lw_free(p->parts);
    lw_free(p->part_names);
    lw_free(p->placed);
    lw_free(p->placed_names);
    lw_plate_clear(&p->plate);
    memset(p, 0, sizeof *p);
}

/* "ring.stl:3" -> path "ring.stl", copies 3. The suffix is a copy count only when it is all
 * digits, so a path with a colon in it still works. */
static int split_copies(const char *cmd, const char *arg, char *path, size_t size,
                        uint32_t *copies)
{
    snprintf(path, size, "%s", arg);
    *copies = 1;
    char *colon = strrchr(path, ':');
    if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return 0;
    int64_t n;
    const char *stop;
    if (!lw_parse_i64(colon + 1, colon + strlen(colon), &n, &stop) || n < 1 || n > 10000)
        return lw_cli_fail(cmd, LW_EXIT_USAGE, "%s: copies must be 1 to 10000", arg);
    *colon = 0;
    *copies = (uint32_t)n;
    return 0;
}

static char *stem(const char *path)
{
    const char *base = lw_path_base(path), *dot = strrchr(base, '.');
    return lw_strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

/* The tilt --tilt gives for this file (by its path as typed or its name), or 0. */
static int tilt_for(const char *cmd, const char *tilts, const char *path, double *deg)
{
    *deg = 0;
    if (!tilts)
        return 0;
    char list[1024];
    snprintf(list, sizeof list, "%s", tilts);
    for (char *p = list, *comma; p && *p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        char *eq = strrchr(p, '=');
        if (!eq)
            return lw_cli_fail(cmd, LW_EXIT_USAGE, "--tilt %s: write FILE=DEGREES", p);
        *eq = 0;
        if (strcmp(p, path) == 0 || strcmp(p, lw_path_base(path)) == 0) {
            if (!lw_parse_f64_str(eq + 1, deg) || fabs(*deg) > 90)
                return lw_cli_fail(cmd, LW_EXIT_USAGE, "--tilt %s: degrees from -90 to 90",
                                   eq + 1);
        }
    }
    return 0;
}

int lw_cli_plate_build(const char *cmd, const char *const *args, size_t nargs,
                       const lw_printer *pr, const lw_cli_plate_opts *o, lw_cli_plate *out)
{
    memset(out, 0, sizeof *out);
    lw_plate_init(&out->plate);
    out->files = lw_calloc(nargs, sizeof *out->files);
    out->parts = lw_calloc(nargs, sizeof *out->parts);
    out->part_names = lw_calloc(nargs, sizeof *out->part_names);
    if (!out->files || !out->parts || !out->part_names)
        return lw_cli_fail(cmd, LW_EXIT_FAIL, "out of memory");
    int e = 0;
    for (size_t i = 0; i < nargs && !e; i++) {
        char path[4096];
        uint32_t copies;
        double tilt;
        if ((e = split_copies(cmd, args[i], path, sizeof path, &copies)) ||
            (e = tilt_for(cmd, o->tilts, path, &tilt)))
            break;
        e = lw_cli_mesh_load(cmd, path, o->units, false, &out->files[i]);
        out->nfiles = i + 1;
        /* The loaded file keeps a pointer to its path: give it one that lives as long. */
        out->files[i].path = args[i];
        if (e)
            break;
        if (!out->files[i].report.watertight)
            fprintf(stderr, "lostwax %s: %s: warning: not watertight (%u holes): it may print "
                    "with defects\n", cmd, path, out->files[i].report.holes);
        if (!(out->part_names[i] = stem(path)))
            return lw_cli_fail(cmd, LW_EXIT_FAIL, "out of memory");
        out->parts[i] = (lw_plate_part){.mesh = &out->files[i].imp.mesh,
                                        .name = out->part_names[i],
                                        .copies = copies,
                                        .tilt_deg = tilt};
    }
    if (e)
        return e;
    lw_plate_opts po;
    lw_plate_opts_printer(&po, pr);
    if (o->gap >= 0)
        po.gap = o->gap;
    if (o->lift >= 0)
        po.lift = o->lift;
    lw_err err;
    lw_err_clear(&err);
    if (lw_plate_arrange(out->parts, nargs, &po, &out->plate, &err))
        return lw_cli_fail(cmd, lw_cli_exit_for(err.rc), "%s", err.msg);
    out->placed = lw_calloc(out->plate.placed ? out->plate.placed : 1, sizeof *out->placed);
    out->placed_names = lw_calloc(out->plate.placed ? out->plate.placed : 1,
                                  sizeof *out->placed_names);
    if (!out->placed || !out->placed_names)
        return lw_cli_fail(cmd, LW_EXIT_FAIL, "out of memory");
    for (size_t k = 0; k < out->plate.nitems; k++) {
        const lw_plate_item *it = &out->plate.items[k];
        if (it->status != LW_PLATE_PLACED)
            continue;
        size_t j = out->nplaced++;
        char name[160];
        snprintf(name, sizeof name, "%s #%u", out->part_names[it->part], it->copy);
        if (lw_mesh_copy(&out->placed[j], out->parts[it->part].mesh) ||
            !(out->placed_names[j] = lw_strdup(name)))
            return lw_cli_fail(cmd, LW_EXIT_FAIL, "out of memory");
        lw_mesh_transform(&out->placed[j], it->a);
    }
    return 0;
}
