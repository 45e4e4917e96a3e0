/* lostwax: the command-line entry point. Everything it does is in lw_cli_main (cli.h), so tests
 * can run commands in-process. */
#include "cli/cli.h"

int main(int argc, char **argv) { return lw_cli_main(argc, argv); }
