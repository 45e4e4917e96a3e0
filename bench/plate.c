/* bench/plate: the night's plate, lostwax against PrusaSlicer in the same run.
 *
 * Twelve six-prong solitaires and twelve comfort-fit bands (the OpenSCAD rings of the shared
 * models, made into STLs with Debian's openscad and cached) are arranged by `lostwax plate` on
 * the Sonic-Mini-8K-like screen (7500 x 3240 px, 22 um, 30 um layers). Then the same plate is
 * sliced to SL1 and GOO by lostwax and to SL1 by PrusaSlicer 2.5 with supports and pad off and
 * --dont-arrange (the plate as placed), each as a process: wall time and peak memory (maxrss of
 * the child). Both SL1 files are then read back with lostwax's reader and compared layer by
 * layer: lit area, and the largest difference.
 *
 * usage: bench_plate [lostwax-repeats] (PrusaSlicer runs once: it takes a minute)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/file.h"
#include "print/layer.h"
#include "print/printfile.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct outcome {
    double secs;
    long maxrss_kb;
    int status;
} outcome;

/* Runs argv as a child (output to /dev/null), measuring wall time and the child's peak memory. */
static outcome run(char *const argv[], const char *data_dir)
{
    outcome o = {0, 0, -1};
    fflush(stdout);
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        setenv("LC_ALL", "C", 1);
        if (data_dir)
            setenv("LOSTWAX_DATA", data_dir, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
        o.secs = now() - t0;
        o.maxrss_kb = ru.ru_maxrss;
        o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    }
    return o;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && st.st_size > 0;
}

/* Reads every layer's lit area (mm²) of a printer file. Returns the layer count or -1. */
static long areas_of(const char *path, double **areas)
{
    lw_err err;
    lw_err_clear(&err);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_file_view view;
    lw_print_file f;
    if (lw_file_view_open(path, lim.max_file_bytes, &view, &err) ||
        lw_print_file_open(view.data, view.len, &lim, &f, &err)) {
        fprintf(stderr, "bench_plate: %s: %s\n", path, err.msg);
        return -1;
    }
    long n = f.h.layer_count;
    *areas = lw_calloc((size_t)n + 1, sizeof **areas);
    if (!*areas) {
        fprintf(stderr, "bench_plate: %s: out of memory\n", path);
        n = -1;
    }
    lw_layer_img img;
    lw_layer_img_init(&img, f.h.res_x, f.h.res_y);
    double px = f.h.display_w / f.h.res_x, py = f.h.display_h / f.h.res_y;
    for (long i = 0; i < n && *areas; i++) {
        if (lw_print_file_layer(&f, (uint32_t)i, &img, &err)) {
            fprintf(stderr, "bench_plate: %s: layer %ld: %s\n", path, i, err.msg);
            n = -1;
            break;
        }
        (*areas)[i] = lw_layer_img_area(&img, px, py);
    }
    lw_layer_img_clear(&img);
    lw_print_file_clear(&f);
    lw_file_view_close(&view);
    return n;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
    if (repeats < 1)
        repeats = 1;
    const char *shared = getenv("LW_SHARED_DATA") ? getenv("LW_SHARED_DATA") : LW_BENCH_SHARED;
    char band_scad[4096], sol_scad[4096], ini[4096];
    snprintf(band_scad, sizeof band_scad, "%s/models/openscad/band.scad", shared);
    snprintf(sol_scad, sizeof sol_scad, "%s/models/openscad/solitaire.scad", shared);
    snprintf(ini, sizeof ini, "%s/models/openscad/phrozen_sm8k_sla.ini", shared);
    printf("plate: 12 solitaires + 12 comfort-fit bands on the Sonic-Mini-8K-like screen\n");
    if (!exists(band_scad) || !exists(ini)) {
        printf("  skipped: the shared models are not at %s\n", shared);
        return 0;
    }
    mkdir(LW_BENCH_CACHE, 0755);
    char band[4200], sol[4200], plate[4200], lw_sl1[4200], lw_goo[4200], ps_sl1[4200];
    snprintf(band, sizeof band, "%s/band.stl", LW_BENCH_CACHE);
    snprintf(sol, sizeof sol, "%s/solitaire.stl", LW_BENCH_CACHE);
    snprintf(plate, sizeof plate, "%s/plate24.3mf", LW_BENCH_CACHE);
    snprintf(lw_sl1, sizeof lw_sl1, "%s/plate24-lostwax.sl1", LW_BENCH_CACHE);
    snprintf(lw_goo, sizeof lw_goo, "%s/plate24-lostwax.goo", LW_BENCH_CACHE);
    snprintf(ps_sl1, sizeof ps_sl1, "%s/plate24-prusaslicer.sl1", LW_BENCH_CACHE);
    struct {
        const char *stl, *scad;
    } make[2] = {{band, band_scad}, {sol, sol_scad}};
    for (int i = 0; i < 2; i++) {
        if (exists(make[i].stl))
            continue;
        printf("  making %s with openscad (the solitaire takes about a minute, once)\n",
               make[i].stl);
        char *av[] = {"openscad", "-o", (char *)make[i].stl, (char *)make[i].scad, NULL};
        if (run(av, NULL).status != 0) {
            printf("  skipped: openscad is not installed or failed (scripts/deps bench)\n");
            return 0;
        }
    }
    char bands[4300], sols[4300];
    snprintf(bands, sizeof bands, "%s:12", band);
    snprintf(sols, sizeof sols, "%s:12", sol);
    char *plate_av[] = {LW_BENCH_LOSTWAX, "plate", "--printer", "sm8k-like", bands, sols,
                        "-o", plate, NULL};
    outcome op = run(plate_av, LW_BENCH_DATA);
    if (op.status != 0) {
        printf("  lostwax plate failed (exit %d)\n", op.status);
        return 1;
    }
    printf("  lostwax plate   arranged 24 rings                %7.2f s  %6.0f MB\n", op.secs,
           op.maxrss_kb / 1024.0);

    char *sl1_av[] = {LW_BENCH_LOSTWAX, "slice", plate, "--printer", "sm8k-like", "-o", lw_sl1,
                      NULL};
    char *goo_av[] = {LW_BENCH_LOSTWAX, "slice", plate, "--printer", "sm8k-like", "-o", lw_goo,
                      NULL};
    outcome best_sl1 = {INFINITY, 0, 0}, best_goo = {INFINITY, 0, 0};
    for (int r = 0; r < repeats; r++) {
        outcome a = run(sl1_av, LW_BENCH_DATA), b = run(goo_av, LW_BENCH_DATA);
        if (a.status || b.status) {
            printf("  lostwax slice failed (exit %d / %d)\n", a.status, b.status);
            return 1;
        }
        if (a.secs < best_sl1.secs)
            best_sl1 = a;
        if (b.secs < best_goo.secs)
            best_goo = b;
    }
    printf("  lostwax  SL1    best of %d                        %7.2f s  %6.0f MB\n", repeats,
           best_sl1.secs, best_sl1.maxrss_kb / 1024.0);
    printf("  lostwax  GOO    best of %d                        %7.2f s  %6.0f MB\n", repeats,
           best_goo.secs, best_goo.maxrss_kb / 1024.0);
    char *ps_av[] = {"prusa-slicer", "--load", ini, "--no-supports-enable", "--no-pad-enable",
                     "--dont-arrange", "--export-sla", "-o", ps_sl1, plate, NULL};
    outcome ps = run(ps_av, NULL);
    if (ps.status != 0) {
        printf("  PrusaSlicer not installed or failed (scripts/deps bench): no ratio\n");
        return 0;
    }
    printf("  PrusaSlicer SL1 (supports and pad off)           %7.2f s  %6.0f MB\n", ps.secs,
           ps.maxrss_kb / 1024.0);
    printf("  ratio    SL1 %.1fx, GOO %.1fx faster than PrusaSlicer's SL1 (targets: 10x, 20x; "
           "memory <= 300 MB)\n",
           ps.secs / best_sl1.secs, ps.secs / best_goo.secs);

    double *a = NULL, *b = NULL;
    long na = areas_of(lw_sl1, &a), nb = areas_of(ps_sl1, &b);
    if (na < 0 || nb < 0) {
        lw_free(a);
        lw_free(b);
        return 1;
    }
    long n = na < nb ? na : nb, worst = -1, compared = 0;
    double worst_rel = 0, sum_a = 0, sum_b = 0;
    for (long i = 0; i < n; i++) {
        sum_a += a[i];
        sum_b += b[i];
        if (b[i] < 1.0) /* the last slivers of a layer: relative figures mean nothing there */
            continue;
        compared++;
        double rel = fabs(a[i] - b[i]) / b[i];
        if (rel > worst_rel) {
            worst_rel = rel;
            worst = i;
        }
    }
    printf("  layers   lostwax %ld, PrusaSlicer %ld; lit volume %.3f ml and %.3f ml\n", na, nb,
           sum_a * 0.03 / 1000, sum_b * 0.03 / 1000);
    if (worst >= 0)
        printf("  areas    largest difference on %ld layers of 1 mm2 or more: %.3f %% (layer "
               "%ld: %.3f vs %.3f mm2)\n",
               compared, 100 * worst_rel, worst, a[worst], b[worst]);
    lw_free(a);
    lw_free(b);
    return 0;
}
