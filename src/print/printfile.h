/* lostwax: a printer file, whatever its format: the settings every format carries in some form,
 * each layer's own settings, and the interfaces of the format writers and readers
 * (print/fmt_*.c, one file per format with its writer and its reader).
 *
 * Writers stream: the job gives them layers in order, they encode and write each one to a sink
 * and forget it, so memory does not grow with the layer count. Readers work on the file's bytes
 * in memory (mapped), check every offset and size against the file before using it, and decode
 * a layer on request.
 */
#ifndef LW_PRINT_PRINTFILE_H
#define LW_PRINT_PRINTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/image.h"
#include "base/sink.h"
#include "print/layer.h"
#include "print/printer.h"

/* What a layer of a print does: where the plate stands, the light, the motion after it. */
typedef struct lw_layer_settings {
    double z;          /* mm: height of the layer's top above the plate */
    double exposure_s;
    lw_motion motion;  /* the lift and retract after this layer, its waits, its light-off */
    uint16_t pwm;
} lw_layer_settings;

typedef struct lw_print_header {
    lw_print_format format;
    uint32_t version;          /* the format's own version (CTB 3 or 4, GOO 3, SL1 1) */
    uint32_t res_x, res_y;
    double display_w, display_h, machine_z; /* mm */
    bool mirror_x, mirror_y;
    double layer_height;       /* mm */
    uint32_t layer_count, bottom_layers, transition_layers;
    double exposure_s, bottom_exposure_s;
    lw_motion normal, bottom;  /* the defaults the header states */
    uint16_t pwm, bottom_pwm;
    unsigned aa_level;         /* anti-aliasing levels: 1 (off), 2, 4, 8 or 16 */
    double print_time_s;       /* the estimate written into the file */
    double volume_ml, weight_g, cost;
    char currency[8];
    char machine[64];          /* machine name */
    char material[64];         /* resin name (SL1 materialName; CTB v5 resin) */
    char job_name[64];         /* the job's name ([A-Za-z0-9_-], SL1's jobDir and layer names) */
    int64_t created_unix;      /* creation time written into the file (seconds since 1970 UTC);
                                * the caller chooses it, so the same job gives the same bytes */
    lw_image preview_small, preview_large; /* optional (width 0 = none); owned */
} lw_print_header;

void lw_print_header_clear(lw_print_header *h); /* frees the previews */

/* ---- writing ---- */

typedef struct lw_print_writer lw_print_writer;

/* Starts a file of the header's format in the sink (which the writer borrows until
 * lw_print_writer_finish). The header is copied. LW_EINVAL for settings the format cannot hold
 * (a resolution over its limits, an AA level it lacks), LW_EIO, LW_ENOMEM. */
lw_rc lw_print_writer_open(const lw_print_header *h, lw_sink *sink, lw_print_writer **out,
                           lw_err *err);

/* Adds layer `index` (they come in order 0, 1, ...; the image is the layer's full screen). */
lw_rc lw_print_writer_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                            const lw_layer_img *img, lw_err *err);

/* The figures only the end of a job knows (they depend on every layer's lit area): the print
 * time, resin volume and weight, and cost the file's header states. Call before finish; the
 * back-end writes them in finish (seeking back to the header where it must). */
void lw_print_writer_set_estimate(lw_print_writer *w, double print_time_s, double volume_ml,
                                  double weight_g, double cost);

/* Writes what only the end knows (tables, counts, checksums, the estimate). The sink is then
 * complete; the caller commits it. */
lw_rc lw_print_writer_finish(lw_print_writer *w, lw_err *err);
void lw_print_writer_free(lw_print_writer *w);

/* ---- reading ---- */

typedef struct lw_print_limits {
    size_t max_file_bytes;
    uint32_t max_layers;
    uint32_t max_pixels_x, max_pixels_y;
    size_t max_layer_bytes;    /* encoded size of one layer */
} lw_print_limits;

void lw_print_limits_default(lw_print_limits *lim);

typedef struct lw_print_file {
    lw_print_header h;
    lw_layer_settings *layers; /* owned, h.layer_count */
    /* internal, format-specific: where each layer's data is */
    const uint8_t *data;       /* borrowed: the file's bytes, valid while the file is open */
    size_t len;
    uint64_t *layer_off, *layer_len; /* owned */
    uint32_t xor_seed;         /* CTB layer obfuscation (0 = none) */
    void *priv;                /* owned by the format reader (SL1: the zip directory) */
} lw_print_file;

/* Detects the format (CTB magic, GOO "V3.0", a zip with config.ini) and reads the header and
 * the layer table. data must stay valid until lw_print_file_clear. Errors: LW_EFORMAT naming the
 * field and offset ("layer 12: data at offset 91234567 + 40000 bytes runs past the end of the
 * 5000000-byte file"), LW_EUNSUPPORTED (encrypted CTB, GOO v5: said so), LW_ELIMIT. */
lw_rc lw_print_file_open(const uint8_t *data, size_t len, const lw_print_limits *lim,
                         lw_print_file *out, lw_err *err);
/* Decodes layer i into img (reset and sized to the screen). LW_EFORMAT for corrupt data. */
lw_rc lw_print_file_layer(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err);
void lw_print_file_clear(lw_print_file *f);

#endif
