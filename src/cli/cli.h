/* lostwax: the `lostwax` command. One file per subcommand (cli/cmd_*.c); this header is what they
 * share: exit codes, output mode, and the loading of meshes and trade tables.
 *
 * Exit codes: 0 the work succeeded; 1 the work failed (a mesh that is not printable when asked to
 * be, a conversion with no answer); 2 bad input or usage (unreadable or malformed files, unknown
 * options, values out of range). Results go to stdout; errors to stderr, naming file and place.
 */
#ifndef LW_CLI_CLI_H
#define LW_CLI_CLI_H

enum { LW_EXIT_OK = 0, LW_EXIT_FAIL = 1, LW_EXIT_USAGE = 2 };

/* Runs `lostwax argv[1] ...`; returns the process exit code. */
int lw_cli_main(int argc, char **argv);

#endif
