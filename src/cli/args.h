/* lostwax: command-line options, parsed without globals (so commands can run in-process in tests).
 * Options are --name VALUE, --name=VALUE or --flag, and -x VALUE for an option whose name is the
 * single letter x (-o OUT); "--" ends options; everything else is a
 * positional argument. Values that start with '-' are fine after --name ("--units -" is odd but
 * "lostwax size -1" is a positional the command itself rejects with a clear message). */
#ifndef LW_CLI_ARGS_H
#define LW_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lw_opt {
    const char *name;  /* without the leading "--" */
    bool takes_value;
    const char *value; /* set by lw_args_parse (the last occurrence wins) */
    bool present;
} lw_opt;

#define LW_MAX_POSITIONAL 256

typedef struct lw_args {
    const char *pos[LW_MAX_POSITIONAL];
    int npos;
} lw_args;

/* Parses argv[first..argc) against opts. Returns 0, or 2 after printing "lostwax CMD: ..." to
 * stderr for an unknown option, a missing value, or too many arguments. */
int lw_args_parse(const char *cmd, int argc, char **argv, int first, lw_opt *opts, size_t nopts,
                  lw_args *out);

/* The option named `name` (must exist in opts). */
lw_opt *lw_opt_get(lw_opt *opts, size_t nopts, const char *name);

#endif
