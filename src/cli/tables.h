/* lostwax: the trade tables as the command line loads them from the data folder: the shipped
 * table, then the studio's own corrections and additions on top when present
 * (metals.local.tsv, gems.local.tsv, cuts.local.tsv; any extra chart in ring-sizes/). Each
 * function prints its own error and returns 0 or an exit code; clear the tables either way. */
#ifndef LW_CLI_TABLES_H
#define LW_CLI_TABLES_H

#include "design/gem.h"
#include "design/metal.h"
#include "design/ring_size.h"
#include "print/printer.h"

int lw_cli_load_metals(const char *cmd, lw_metals *t);
int lw_cli_load_gems(const char *cmd, lw_gem_tables *t);
int lw_cli_load_ring_charts(const char *cmd, lw_ring_charts *set);

/* The printer profile data/printers/<name>.ini (name: its id, or "list"-style errors name the
 * profiles there). */
int lw_cli_load_printer(const char *cmd, const char *name, lw_printer *out);
/* resins.tsv, then resins.local.tsv on top when present. */
int lw_cli_load_resins(const char *cmd, lw_resins *t);

/* The systems shown when none are asked for, in this order. */
extern const char *const lw_cli_ring_systems[];
extern const int lw_cli_ring_nsystems;

#endif
