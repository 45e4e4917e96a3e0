/* lostwax: the night's pieces on a printer's plate, as `plate` and `slice` both build it: the
 * files named on the command line ("A.stl", "B.stl:3" for three copies), each tilted about X if
 * --tilt says so ("--tilt B.stl=35"), arranged with a gap, lifted by the support height. */
#ifndef LW_CLI_ARRANGE_H
#define LW_CLI_ARRANGE_H

#include <stddef.h>

#include "cli/common.h"
#include "print/plate.h"
#include "print/printer.h"

typedef struct lw_cli_plate {
    lw_cli_mesh *files;    /* loaded inputs, one per distinct argument */
    lw_plate_part *parts;  /* one per file */
    char **part_names;     /* owned: the file's name without folder and extension */
    size_t nfiles;
    lw_plate plate;
    lw_mesh *placed;       /* owned: the placed items' meshes, in plate millimetres */
    char **placed_names;   /* owned: "band #2" */
    size_t nplaced;
} lw_cli_plate;

typedef struct lw_cli_plate_opts {
    double gap, lift;      /* mm; < 0: the default */
    const char *tilts;     /* "A.stl=35,B.stl=40" or NULL */
    double units;          /* --units (0: as the files say) */
} lw_cli_plate_opts;

/* Loads, arranges and places. args: "FILE" or "FILE:COPIES". Prints errors; returns 0 or an exit
 * code. Clear *out either way. */
int lw_cli_plate_build(const char *cmd, const char *const *args, size_t nargs,
                       const lw_printer *pr, const lw_cli_plate_opts *o, lw_cli_plate *out);
void lw_cli_plate_clear(lw_cli_plate *p);

#endif
