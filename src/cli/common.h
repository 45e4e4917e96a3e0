/* lostwax: what the subcommands share: error reporting with the exit-code convention, the trade
 * tables' folder, JSON output, and loading a mesh the way every command should (read with limits,
 * parse, judge its unit, scale to millimetres, check and fix orientation, measure).
 */
#ifndef LW_CLI_COMMON_H
#define LW_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "cli/cli.h"
#include "design/ring_measure.h"
#include "geom/check.h"
#include "geom/import.h"
#include "geom/mesh_units.h"
#include "print/volume.h"

struct lw_opt;
struct lw_args;

/* The start every command shares: parses its options (which must include "help"), prints its
 * help on stdout for --help (returns LW_EXIT_OK), or on stderr when the number of positional
 * arguments is outside min_pos ... max_pos (returns LW_EXIT_USAGE). Returns -1 when the command
 * should go on. */
int lw_cli_begin(const char *cmd, int argc, char **argv, struct lw_opt *opts, size_t nopts,
                 const char *help, int min_pos, int max_pos, struct lw_args *args);

/* Prints "lostwax CMD: message" to stderr and returns code. */
int lw_cli_fail(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit code for an error code: LW_ENOMEM and LW_EIO on output are failures of the work (1),
 * everything about the input is 2. */
int lw_cli_exit_for(lw_rc rc);

/* Reads data/<rel> from the trade-table folder: $LOSTWAX_DATA, else a data/ folder beside or above
 * the executable, else the folder the program was built from. Prints the error itself. Returns 0,
 * or an exit code. *data is freed with lw_free. */
int lw_cli_data_read(const char *cmd, const char *rel, uint8_t **data, size_t *len);

/* The path of data/<rel> in the trade-table folder (whether or not it exists). */
void lw_cli_data_path(const char *rel, char *buf, size_t size);

/* Prints a JSON document on stdout (2-space indent, keys in insertion order) and frees it. */
void lw_cli_json_print(json_t *doc);

/* json helpers that never fail silently: values are built fresh and stolen by the object. */
void lw_json_set(json_t *obj, const char *key, json_t *value);
json_t *lw_json_bbox(const lw_bbox *b);
json_t *lw_json_vec3(const double v[3]);

typedef struct lw_cli_mesh {
    const char *path;
    lw_import imp;            /* mesh in millimetres after the unit judgement */
    lw_units_judgement units;
    lw_mesh_report report;
    lw_ring_measures ring;
    bool has_union;           /* shells overlap: the metal is their union, measured here */
    lw_union_volume uni;
} lw_cli_mesh;

/* The volume of metal the mesh stands for: the union of its shells when they overlap, else the
 * sum of the shells (exact for a closed, oriented mesh). */
double lw_cli_mesh_volume(const lw_cli_mesh *m);

/* Loads path (see above); units_override is 0 or millimetres per file unit from --units; with
 * measure_ring the ring measures are taken too (for the commands that show them: on a plate of
 * rings it is most of the loading time). Errors are printed with the path; returns 0 or an exit
 * code. Clear *out in either case. */
int lw_cli_mesh_load(const char *cmd, const char *path, double units_override, bool measure_ring,
                     lw_cli_mesh *out);
void lw_cli_mesh_clear(lw_cli_mesh *m);

/* True when the shells overlap: volumes (and weights from them) count the overlap twice. */
int lw_cli_mesh_overlaps(const lw_cli_mesh *m);

#endif
