/* lostwax: loading the trade tables from the data folder (see tables.h). */
#include "cli/tables.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/table.h"
#include "cli/common.h"

const char *const lw_cli_ring_systems[] = {"us", "uk", "iso", "ch", "jp", "hk", "in", "cn"};
const int lw_cli_ring_nsystems = 8;

typedef lw_rc (*loader)(void *table, const char *text, size_t len, const char *name, lw_err *err);

/* Loads data/<rel> into table; an absent optional file is fine. */
static int load_one(const char *cmd, const char *rel, int optional, loader fn, void *table)
{
    char path[4400];
    lw_cli_data_path(rel, path, sizeof path);
    if (optional && access(path, F_OK) != 0)
        return 0;
    uint8_t *text;
    size_t len;
    int e = lw_cli_data_read(cmd, rel, &text, &len);
    if (e)
        return e;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = fn(table, (const char *)text, len, rel, &err);
    lw_free(text);
    if (rc)
        return lw_cli_fail(cmd, lw_cli_exit_for(rc), "%s", err.msg);
    return 0;
}

static lw_rc metals_fn(void *t, const char *text, size_t len, const char *name, lw_err *err)
{
    return lw_metals_load(t, text, len, name, err);
}
static lw_rc stones_fn(void *t, const char *text, size_t len, const char *name, lw_err *err)
{
    return lw_gem_load_stones(t, text, len, name, err);
}
static lw_rc cuts_fn(void *t, const char *text, size_t len, const char *name, lw_err *err)
{
    return lw_gem_load_cuts(t, text, len, name, err);
}
static lw_rc charts_fn(void *t, const char *text, size_t len, const char *name, lw_err *err)
{
    return lw_ring_charts_load(t, text, len, name, err);
}

int lw_cli_load_metals(const char *cmd, lw_metals *t)
{
    lw_metals_init(t);
    int e = load_one(cmd, "metals.tsv", 0, metals_fn, t);
    return e ? e : load_one(cmd, "metals.local.tsv", 1, metals_fn, t);
}

int lw_cli_load_gems(const char *cmd, lw_gem_tables *t)
{
    lw_gem_tables_init(t);
    int e = load_one(cmd, "gems.tsv", 0, stones_fn, t);
    if (!e)
        e = load_one(cmd, "gems.local.tsv", 1, stones_fn, t);
    if (!e)
        e = load_one(cmd, "cuts.tsv", 0, cuts_fn, t);
    if (!e)
        e = load_one(cmd, "cuts.local.tsv", 1, cuts_fn, t);
    return e;
}

static lw_rc resins_fn(void *t, const char *text, size_t len, const char *name, lw_err *err)
{
    return lw_resins_load(t, text, len, name, err);
}

int lw_cli_load_resins(const char *cmd, lw_resins *t)
{
    lw_resins_init(t);
    int e = load_one(cmd, "resins.tsv", 0, resins_fn, t);
    return e ? e : load_one(cmd, "resins.local.tsv", 1, resins_fn, t);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lw_cli_load_ring_charts(const char *cmd, lw_ring_charts *set)
{
    lw_ring_charts_init(set);
    char dir[4400];
    lw_cli_data_path("ring-sizes", dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        return lw_cli_fail(cmd, LW_EXIT_USAGE, "no ring-size charts: cannot open %s", dir);
    /* Load in name order so the result does not depend on the directory's order. */
    char *names[LW_RING_CHARTS_MAX];
    size_t n = 0;
    int e = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len < 5 || strcmp(ent->d_name + len - 4, ".tsv") != 0)
            continue;
        if (n == LW_RING_CHARTS_MAX) {
            e = lw_cli_fail(cmd, LW_EXIT_USAGE, "%s: more than %d charts", dir,
                            LW_RING_CHARTS_MAX);
            break;
        }
        if (!(names[n] = lw_strdup(ent->d_name))) {
            e = lw_cli_fail(cmd, LW_EXIT_FAIL, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "ring-sizes/%s", names[i]);
        if (!e)
            e = load_one(cmd, rel, 0, charts_fn, set);
        lw_free(names[i]);
    }
    return e;
}

/* The ids of the printer profiles, for the message when one is not found. */
static void list_printers(char *buf, size_t size)
{
    char dir[4400];
    lw_cli_data_path("printers", dir, sizeof dir);
    DIR *d = opendir(dir);
    char *names[256];
    size_t n = 0;
    struct dirent *ent;
    while (d && (ent = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(ent->d_name);
        if (len > 4 && strcmp(ent->d_name + len - 4, ".ini") == 0)
            if ((names[n] = lw_strndup(ent->d_name, len - 4)))
                n++;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, by_name);
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        lw_free(names[i]);
    }
}

int lw_cli_load_printer(const char *cmd, const char *name, lw_printer *out)
{
    memset(out, 0, sizeof *out);
    char list[2048];
    if (!lw_table_id_valid(name, strlen(name), sizeof out->id)) {
        list_printers(list, sizeof list);
        return lw_cli_fail(cmd, LW_EXIT_USAGE, "'%s' is not a printer name; the printers are: "
                           "%s", name, list);
    }
    char rel[128], path[4400];
    snprintf(rel, sizeof rel, "printers/%s.ini", name);
    lw_cli_data_path(rel, path, sizeof path);
    if (access(path, R_OK) != 0) {
        list_printers(list, sizeof list);
        return lw_cli_fail(cmd, LW_EXIT_USAGE, "no printer '%s'; the printers are: %s (a studio "
                           "adds its own as data/printers/NAME.ini)", name, list);
    }
    uint8_t *text;
    size_t len;
    int e = lw_cli_data_read(cmd, rel, &text, &len);
    if (e)
        return e;
    lw_err err;
    lw_err_clear(&err);
    char fname[96];
    snprintf(fname, sizeof fname, "%s.ini", name);
    lw_rc rc = lw_printer_parse((const char *)text, len, fname, out, &err);
    lw_free(text);
    if (rc)
        return lw_cli_fail(cmd, lw_cli_exit_for(rc), "%s", err.msg);
    return 0;
}
