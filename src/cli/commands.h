/* lostwax: the subcommands (one file each, cli/cmd_*.c). Each takes the whole argv (argv[1] is
 * its own name) and returns the process exit code. */
#ifndef LW_CLI_COMMANDS_H
#define LW_CLI_COMMANDS_H

#include <stdio.h>

#include <jansson.h>

int lw_cmd_info(int argc, char **argv);
int lw_cmd_weigh(int argc, char **argv);
int lw_cmd_size(int argc, char **argv);
int lw_cmd_gem(int argc, char **argv);
int lw_cmd_demo(int argc, char **argv);
int lw_cmd_inspect(int argc, char **argv);
int lw_cmd_plate(int argc, char **argv);
int lw_cmd_slice(int argc, char **argv);
int lw_cmd_serve(int argc, char **argv);
int lw_cmd_user(int argc, char **argv);
int lw_cmd_render(int argc, char **argv);
int lw_cmd_envelope(int argc, char **argv);
int lw_cmd_vault(int argc, char **argv);

/* A ring's size in the common charts, for info: as JSON ({"us": "7", ...}) and as one line of
 * text. The charts are read from the data folder; when they cannot be read, the sizes are left
 * out with a note, never invented. */
json_t *lw_cli_ring_sizes_json(double circumference_mm);
void lw_cli_ring_sizes_text(double circumference_mm, FILE *out);

#endif
