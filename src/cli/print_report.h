/* lostwax: a print estimate as plate, slice and inspect show it: the same words on a terminal
 * and the same fields in --json (docs/cli.md), so a studio reads one figure one way. */
#ifndef LW_CLI_PRINT_REPORT_H
#define LW_CLI_PRINT_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "print/estimate.h"
#include "print/printer.h"

/* "2 h 05 min" for an hour or more, else "12 min 30 s"; never longer than 31 bytes. */
void lw_cli_duration(double seconds, char *buf, size_t size);

/* Prints the "time" and "resin" lines (two-space indent, as the commands' summaries) of e;
 * resin (may be NULL) names the resin and its density made the weight. */
void lw_cli_estimate_print(const lw_print_estimate *e, const lw_resin *resin);

/* Prints ", 12.34 EUR" when e is priced, else nothing. */
void lw_cli_cost_print(const lw_print_estimate *e);

/* Sets print_time_s, exposure_s, motion_s, wait_s, resin_ml, resin_g, cost_minor (null when
 * unpriced), currency and resin (its id, or null) on the JSON object o. */
void lw_cli_estimate_json(json_t *o, const lw_print_estimate *e, const lw_resin *resin);

#endif
