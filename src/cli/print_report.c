/* lostwax: the words and fields of a print estimate, shared by plate, slice and inspect. */
#include "cli/print_report.h"

#include <math.h>
#include <stdio.h>

#include "cli/common.h"

void lw_cli_duration(double seconds, char *buf, size_t size)
{
    long t = isfinite(seconds) && seconds > 0 && seconds < 1e9 ? lround(seconds) : 0;
    long m = (t + 30) / 60; /* whole minutes, rounded: the hours carry */
    if (t >= 3600)
        snprintf(buf, size, "%ld h %02ld min", m / 60, m % 60);
    else
        snprintf(buf, size, "%ld min %02ld s", t / 60, t % 60);
}

void lw_cli_estimate_print(const lw_print_estimate *e, const lw_resin *resin)
{
    char t[32];
    lw_cli_duration(e->time_s, t, sizeof t);
    printf("  time       %s to print (exposure %.0f min, motion %.0f min, waits %.0f min)\n", t,
           e->exposure_s / 60, e->motion_s / 60, e->wait_s / 60);
    printf("  resin      %.3f ml", e->volume_ml);
    if (resin)
        printf(", %.3f g of %s", e->weight_g, resin->name);
    lw_cli_cost_print(e);
    printf("\n");
}

void lw_cli_cost_print(const lw_print_estimate *e)
{
    if (e->priced)
        printf(", %lld.%02lld %s", (long long)(e->cost / 100), (long long)(e->cost % 100),
               e->currency);
}

void lw_cli_estimate_json(json_t *o, const lw_print_estimate *e, const lw_resin *resin)
{
    lw_json_set(o, "print_time_s", json_real(e->time_s));
    lw_json_set(o, "exposure_s", json_real(e->exposure_s));
    lw_json_set(o, "motion_s", json_real(e->motion_s));
    lw_json_set(o, "wait_s", json_real(e->wait_s));
    lw_json_set(o, "resin_ml", json_real(e->volume_ml));
    lw_json_set(o, "resin_g", json_real(e->weight_g));
    lw_json_set(o, "cost_minor", e->priced ? json_integer(e->cost) : json_null());
    lw_json_set(o, "currency", json_string(e->currency));
    lw_json_set(o, "resin", resin ? json_string(resin->id) : json_null());
}
