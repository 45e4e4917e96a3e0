/* lostwax: subcommand dispatch and the top-level help. */
#include "cli/cli.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/commands.h"

static void usage(FILE *out)
{
    fputs("usage: lostwax COMMAND [ARGS...]\n"
          "\n"
          "Commands:\n"
          "  info FILE...      what is in a mesh file, is it printable, what is it (a ring?)\n"
          "  weigh FILE...     metal weight of a design in one or more alloys\n"
          "  size VALUE        convert a ring size between charts\n"
          "  gem CUT SIZE      carat weight of a stone from its dimensions (or size from carats)\n"
          "  plate FILE...     arrange pieces on a printer's plate (3MF and a picture)\n"
          "  slice FILE...     the night's print: the printer's own file, time, resin\n"
          "  inspect FILE      what is in a printer file (SL1, CTB, GOO), any layer as a PNG\n"
          "  render FILE       the piece in polished metal from several sides, watermarked (PNG)\n"
          "  envelope          a piece's job envelope as a PDF (QR code, stones, stages)\n"
          "  demo              a short tour on a ring lostwax makes itself\n"
          "  serve             the studio's server: front store and workshop in the browser\n"
          "  user add|list     the studio's staff and their roles\n"
          "  vault put|get|... the studio's encrypted vault of design files\n"
          "\n"
          "Every command takes --help and --json.\n",
          out);
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command k_commands[] = {
    {"info", lw_cmd_info}, {"weigh", lw_cmd_weigh}, {"size", lw_cmd_size},
    {"gem", lw_cmd_gem},   {"demo", lw_cmd_demo},   {"inspect", lw_cmd_inspect},
    {"plate", lw_cmd_plate},     {"slice", lw_cmd_slice},
    {"serve", lw_cmd_serve},     {"user", lw_cmd_user},
    {"render", lw_cmd_render},
    {"envelope", lw_cmd_envelope},
    {"vault", lw_cmd_vault},
};

int lw_cli_main(int argc, char **argv)
{
    /* JSON output allocates through the same seam as everything else. */
    json_set_alloc_funcs(lw_malloc, lw_free);
    if (argc < 2) {
        usage(stderr);
        return LW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LW_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lostwax %s\n", LW_VERSION);
        return LW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof k_commands / sizeof *k_commands; i++)
        if (strcmp(argv[1], k_commands[i].name) == 0)
            return k_commands[i].run(argc, argv);
    fprintf(stderr, "lostwax: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return LW_EXIT_USAGE;
}
