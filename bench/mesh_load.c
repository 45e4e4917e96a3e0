/* bench/mesh_load: how fast lostwax reads, welds, checks and measures a big binary STL, against
 * admesh (Debian's mesh checker) on the same file in the same run.
 *
 * The file is a torus of 1,000,000 facets the benchmark writes itself (so every run measures the
 * same input). lostwax's figure is the whole pipeline in this process on one thread: read the
 * file, parse and weld, build the edge topology and check it (orientation, shells, holes),
 * measure volume/area/centroid. admesh runs as a process with --exact --normal-directions
 * --normal-values: exact edge matching, orientation check and fix, normal recomputation, and the
 * volume it prints, which is the same work. Its process start-up is a millisecond or two of the
 * total. Each side runs several times, the two alternating run by run, and the best time of
 * each counts (its least disturbed run).
 *
 * usage: bench_mesh_load [facets] [repeats]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "geom/check.h"
#include "geom/import.h"
#include "geom/measure.h"
#include "geom/shapes.h"
#include "geom/stl.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One run of the lostwax pipeline; returns seconds, fills the figures for the report. */
static double run_lostwax(const char *path, double *volume, uint32_t *shells, uint64_t *edges)
{
    double t0 = now();
    lw_err err;
    lw_err_clear(&err);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_file_view view;
    lw_import imp;
    lw_mesh_report rep;
    if (lw_file_view_open(path, lim.max_file_bytes, &view, &err) ||
        lw_mesh_import(view.data, view.len, "stl", &lim, &imp, &err)) {
        fprintf(stderr, "bench_mesh_load: %s: %s\n", path, err.msg);
        exit(1);
    }
    lw_file_view_close(&view);
    lw_check_opts opts;
    lw_check_opts_default(&opts);
    if (lw_mesh_check(&imp.mesh, &opts, &rep, &err)) {
        fprintf(stderr, "bench_mesh_load: check: %s\n", err.msg);
        exit(1);
    }
    double t = now() - t0;
    *volume = rep.total.volume;
    *shells = rep.nshells;
    *edges = rep.edges;
    lw_mesh_report_clear(&rep);
    lw_import_clear(&imp);
    return t;
}

/* One run of admesh; returns seconds or -1 when admesh is not installed. Its report goes to a
 * file so the volume it found can be shown next to ours. */
static double run_admesh(const char *path, const char *report)
{
    fflush(stdout); /* or the child's freopen would print our pending output again */
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(report, "w", stdout);
        (void)f;
        execlp("admesh", "admesh", "--exact", "--normal-directions", "--normal-values", path,
               (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    double t = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return t;
}

static double admesh_volume(const char *report)
{
    uint8_t *d;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(report, 1 << 20, &d, &n, &err))
        return NAN;
    const char *p = strstr((const char *)d, "Volume");
    double v = NAN;
    if (p && (p = strchr(p, ':')))
        v = strtod(p + 1, NULL);
    lw_free(d);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The exact volume of lw_shape_torus's polyhedron, from the same closed form the tests check. */
static double torus_exact_volume(double R, double r, uint32_t nseg, uint32_t nprof)
{
    double *rz = lw_malloc(2 * (size_t)nprof * sizeof *rz), v;
    if (!rz)
        return NAN;
    for (uint32_t i = 0; i < nprof; i++) {
        double a = 2 * M_PI * i / nprof;
        rz[2 * i] = R + r * cos(a);
        rz[2 * i + 1] = r * sin(a);
    }
    v = lw_revolve_volume(rz, nprof, nseg);
    lw_free(rz);
    return v;
}

int main(int argc, char **argv)
{
    long facets = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    int repeats = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    if (facets < 1000 || repeats < 1) {
        fprintf(stderr, "usage: bench_mesh_load [facets >= 1000] [repeats >= 1]\n");
        return 2;
    }
    /* A torus of nseg x nprof quads = 2 nseg nprof facets, in the size of a ring. */
    uint32_t nprof = (uint32_t)sqrt((double)facets / 2 / 2), nseg = (uint32_t)(facets / 2 / nprof);
    lw_mesh m;
    lw_mesh_init(&m);
    lw_err err;
    lw_err_clear(&err);
    lw_buf stl;
    lw_buf_init(&stl, 0);
    char path[256], report[256];
    snprintf(path, sizeof path, "/tmp/lostwax-bench-%ld.stl", (long)getpid());
    snprintf(report, sizeof report, "/tmp/lostwax-bench-%ld.admesh", (long)getpid());
    if (lw_shape_torus(&m, 9.65, 1.0, nseg, nprof) ||
        lw_stl_write_binary(&m, "lostwax benchmark torus", &stl, &err) ||
        lw_file_write_atomic(path, stl.data, stl.len, &err)) {
        fprintf(stderr, "bench_mesh_load: cannot make the test file: %s\n", err.msg);
        return 1;
    }
    printf("mesh_load: torus R 9.65 r 1.0 mm, %u facets, binary STL %.1f MB\n", m.nt,
           (double)stl.len / 1e6);
    lw_buf_clear(&stl);
    lw_mesh_clear(&m);

    /* lostwax and admesh alternate, so both meet the same conditions on a shared machine; the
     * best run of each is its speed undisturbed, and the median of the paired ratios says how
     * the two compare run for run. */
    double best = INFINITY, abest = INFINITY, vol = 0, ratios[64];
    uint32_t shells = 0;
    uint64_t edges = 0;
    int nratio = 0;
    bool have_admesh = true;
    for (int i = 0; i < repeats && i < 64; i++) {
        double t = run_lostwax(path, &vol, &shells, &edges);
        best = fmin(best, t);
        double a = have_admesh ? run_admesh(path, report) : -1;
        if (a < 0) {
            have_admesh = false;
            continue;
        }
        abest = fmin(abest, a);
        ratios[nratio++] = a / t;
    }
    printf("  lostwax  read+weld+check+measure  best of %d: %7.3f s   (%u shell, %llu edges, "
           "volume %.4f mm3)\n",
           repeats, best, shells, (unsigned long long)edges, vol);
    printf("  exact    polyhedral volume of the torus (closed form):      %.4f mm3\n",
           torus_exact_volume(9.65, 1.0, nseg, nprof));
    if (!have_admesh) {
        printf("  admesh   not installed (scripts/deps bench): no ratio\n");
    } else {
        qsort(ratios, (size_t)nratio, sizeof *ratios, cmp_double);
        printf("  admesh   --exact -d -v            best of %d: %7.3f s   (volume %.4f mm3)\n",
               repeats, abest, admesh_volume(report));
        printf("  ratio    admesh / lostwax: best %.1fx, median of paired runs %.1fx   "
               "(targets: >= 3x; lostwax <= 0.300 s)\n",
               abest / best, ratios[nratio / 2]);
    }
    unlink(path);
    unlink(report);
    return 0;
}
