/* lostwax: the forward plan behind a promised date (see promise.h). */
#include "shop/promise.h"

#include <math.h>
#include <stdio.h>

void lw_workshop_default(lw_workshop *w)
{
    *w = (lw_workshop){.utc_offset_min = 0, .open_h = 9, .close_h = 18, .workdays = 0x7E,
                       .print_start_h = 18, .print_hours = 10, .cast_start_h = 9,
                       .cast_hours = 4, .designers = 1, .benchers = 1};
}

/* Local seconds from Unix seconds and back; days start at local midnight. */
static int64_t local(const lw_workshop *w, int64_t t)
{
    return t + 60 * (int64_t)w->utc_offset_min;
}

static int64_t utc(const lw_workshop *w, int64_t t)
{
    return t - 60 * (int64_t)w->utc_offset_min;
}

static int64_t day_start(int64_t lt) { return lt - (((lt % 86400) + 86400) % 86400); }

static int weekday(int64_t lt)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t days = (lt - (((lt % 86400) + 86400) % 86400)) / 86400;
    return (int)(((days + 4) % 7 + 7) % 7);
}

static int works(const lw_workshop *w, int64_t lt)
{
    return (w->workdays >> weekday(lt)) & 1u;
}

/* The time `hours` of work after t, counting only working hours (local). */
static int64_t add_work(const lw_workshop *w, int64_t t, double hours)
{
    int64_t lt = local(w, t), left = (int64_t)ceil(hours * 3600);
    for (int guard = 0; guard < 4000; guard++) {
        int64_t d = day_start(lt), open = d + 3600 * w->open_h, close = d + 3600 * w->close_h;
        if (!works(w, lt) || lt >= close) {
            lt = d + 86400 + 3600 * w->open_h;
            continue;
        }
        if (lt < open)
            lt = open;
        if (left <= close - lt)
            return utc(w, lt + left);
        left -= close - lt;
        lt = d + 86400 + 3600 * w->open_h;
    }
    return utc(w, lt); /* more than ten years of work: the caller shows an absurd date */
}

/* The first time at `hour` local on a working day at or after t. */
static int64_t next_at(const lw_workshop *w, int64_t t, int hour)
{
    int64_t lt = local(w, t), d = day_start(lt);
    int64_t at = d + 3600 * hour;
    if (at < lt)
        at += 86400;
    for (int i = 0; i < 8 && !works(w, at); i++)
        at += 86400;
    return utc(w, at);
}

void lw_promise_plan(const lw_workshop *w, const lw_promise_in *in, lw_promise *out)
{
    int designers = w->designers > 0 ? w->designers : 1;
    int benchers = w->benchers > 0 ? w->benchers : 1;
    out->reason[0] = 0;
    /* The queue is shared by the people at it: each takes his share of what is ahead. */
    double design_wait = in->design_queue_h / designers;
    out->design_done = in->design_hours > 0 || design_wait > 0
                           ? add_work(w, in->now, design_wait + in->design_hours)
                           : in->now;
    out->approved = out->design_done;
    int64_t print = next_at(w, out->approved, w->print_start_h);
    out->printed = print + 3600 * (int64_t)w->print_hours;
    int64_t cast = next_at(w, out->printed, w->cast_start_h);
    out->cast = cast + 3600 * (int64_t)w->cast_hours;
    double bench_wait = in->bench_queue_h / benchers;
    out->ready = add_work(w, out->cast, bench_wait + in->bench_hours);
    out->promised = out->ready;
    out->hours = (double)(out->ready - in->now) / 3600.0;
    out->within_48h = out->ready - in->now <= 48 * 3600;
    out->meets_deadline = !in->deadline || out->ready <= in->deadline;
    if (!out->within_48h) {
        /* Name the largest cause, so the counter can say it in one sentence. */
        if (design_wait >= bench_wait && design_wait >= 8)
            snprintf(out->reason, sizeof out->reason,
                     "%.0f h of design work is ahead of this piece", design_wait);
        else if (bench_wait >= 8)
            snprintf(out->reason, sizeof out->reason,
                     "%.0f h of bench work is ahead of this piece", bench_wait);
        else if (in->design_hours + in->bench_hours > 9)
            snprintf(out->reason, sizeof out->reason,
                     "the piece itself takes %.0f h of design and bench work",
                     in->design_hours + in->bench_hours);
        else
            snprintf(out->reason, sizeof out->reason,
                     "the next print night and casting morning fall after a day the workshop "
                     "is closed");
    }
}
