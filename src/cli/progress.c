/* lostwax: the terminal progress bar (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void lw_progress_start(lw_progress *p, const char *what, const char *unit, uint64_t total)
{
    const char *force = getenv("LOSTWAX_PROGRESS");
    p->enabled = (force && strcmp(force, "1") == 0) || isatty(STDERR_FILENO);
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->start = now();
    p->last = 0;
}

void lw_progress_update(lw_progress *p, uint64_t done)
{
    if (!p->enabled || p->total == 0)
        return;
    double t = now();
    if (done < p->total && t - p->last < 0.1)
        return;
    p->last = t;
    const int width = 30;
    int fill = (int)((double)done / (double)p->total * width);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double elapsed = t - p->start, left = done ? elapsed * (double)(p->total - done) / done : 0;
    fprintf(stderr, "\r%-10s [%s] %llu/%llu %s  %.0f s left ", p->what, bar,
            (unsigned long long)done, (unsigned long long)p->total, p->unit, left);
    fflush(stderr);
}

void lw_progress_end(lw_progress *p)
{
    if (p->enabled) {
        fprintf(stderr, "\r%*s\r", 78, "");
        fflush(stderr);
    }
}

double lw_progress_elapsed(const lw_progress *p) { return now() - p->start; }
