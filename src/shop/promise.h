/* lostwax: the delivery date promised at the counter, from the workshop's real load. A simple
 * forward plan over stage durations, good enough until the planning issue replaces it:
 *
 *   design   the designer's queue, then this piece's design hours, in working hours;
 *   approval the customer's answer (assumed the same working day the design is done);
 *   print    the next print night after approval (plates start at print_start_h);
 *   tree and cast the next casting morning after the print;
 *   bench    cleanup, setting (per stone), polishing and QC after the bench queue ahead of it,
 *            shared by the bench craftsmen, in working hours.
 *
 * Pure: numbers in, numbers out. Times are Unix seconds; the working day is given in the
 * studio's local hours with its offset from UTC. */
#ifndef LW_SHOP_PROMISE_H
#define LW_SHOP_PROMISE_H

#include <stdint.h>

typedef struct lw_workshop {
    int utc_offset_min;        /* the studio's local time minus UTC, minutes */
    int open_h, close_h;       /* working hours, local (9, 18) */
    unsigned workdays;         /* bit d for weekday d (0 Sunday): Monday to Saturday = 0x7E */
    int print_start_h;         /* plates start printing (local hour, 18) */
    int print_hours;           /* a night's print takes at most this long (10) */
    int cast_start_h;          /* casting starts (local hour, 9) */
    int cast_hours;            /* burnout and cast take (invested the evening before) (4) */
    int designers, benchers;   /* people at each (at least 1) */
} lw_workshop;

void lw_workshop_default(lw_workshop *w);

typedef struct lw_promise_in {
    int64_t now;
    double design_hours;       /* this piece's design work left (0 when the design exists) */
    double bench_hours;        /* its cleanup + setting + polish + QC */
    double design_queue_h;     /* design work ahead of it (all designers' hours) */
    double bench_queue_h;      /* bench work ahead of it */
    int64_t deadline;          /* the customer's, or 0 */
} lw_promise_in;

typedef struct lw_promise {
    int64_t design_done, approved, printed, cast, ready;
    int64_t promised;          /* = ready */
    double hours;              /* promised - now, hours */
    int within_48h;            /* 1 when ready within 48 hours of now */
    int meets_deadline;        /* 1 when there is no deadline or ready is before it */
    char reason[200];          /* why 48 h is not possible ("" when it is) */
} lw_promise;

/* Plans one piece through the workshop. */
void lw_promise_plan(const lw_workshop *w, const lw_promise_in *in, lw_promise *out);

#endif
