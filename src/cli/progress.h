/* lostwax: a progress bar for long commands on a terminal ("slicing  [#####.....] 312/709
 * layers  12 s left"), redrawn in place at most ten times a second; nothing at all when standard
 * error is not a terminal (scripts and CI logs get the summary only). */
#ifndef LW_CLI_PROGRESS_H
#define LW_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct lw_progress {
    bool enabled;
    const char *what;    /* "slicing" */
    const char *unit;    /* "layers" */
    uint64_t total;
    double start, last;  /* monotonic seconds */
} lw_progress;

/* Starts a bar for `total` units of work (enabled only on a terminal, unless LOSTWAX_PROGRESS=1
 * forces it, for tests). */
void lw_progress_start(lw_progress *p, const char *what, const char *unit, uint64_t total);
/* Reports `done` units finished (redraws if enough time passed or done == total). */
void lw_progress_update(lw_progress *p, uint64_t done);
/* Clears the bar's line. */
void lw_progress_end(lw_progress *p);
/* Seconds since the bar started. */
double lw_progress_elapsed(const lw_progress *p);

#endif
