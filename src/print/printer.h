/* lostwax: printer and resin profiles.
 *
 * A printer profile is a text file in data/printers/ (one per model; a studio adds its own by
 * writing one): "key = value" lines, '#' comments. It says what the screen is (pixels, pitch,
 * mirroring), what files the printer takes, and how it moves and exposes, which is what a print
 * file must carry and what the time estimate needs. A resin profile (data/resins.tsv) gives the
 * castable resin's density, its usual exposures and its price.
 *
 * Speeds are mm/min (as the formats store them), times seconds, lengths mm. Pure: the loader
 * takes the file's text.
 */
#ifndef LW_PRINT_PRINTER_H
#define LW_PRINT_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/units.h"

/* The printer file formats lostwax knows. */
typedef enum lw_print_format {
    LW_PFMT_NONE = 0,
    LW_PFMT_SL1,  /* Prusa SL1 / SL1S: zip of PNG layers and INI files */
    LW_PFMT_CTB,  /* Chitubox CTB v3 / v4 (not the encrypted v5) */
    LW_PFMT_GOO,  /* Elegoo GOO v3 (Phrozen .prz is the same layout) */
} lw_print_format;

const char *lw_print_format_name(lw_print_format f); /* "sl1", "ctb", "goo" */
lw_print_format lw_print_format_parse(const char *s); /* also "prz", "sl1s"; NONE if unknown */

/* How the build plate moves between layers (two-stage lifts as the formats store them; a
 * single-stage printer has lift2 = retract2 = 0) and the waits around each exposure. */
typedef struct lw_motion {
    double lift_mm, lift_speed;       /* first (slow) stage up */
    double lift2_mm, lift2_speed;     /* second stage up; 0 = none */
    double retract_mm, retract_speed; /* first stage down (usually the fast one) */
    double retract2_mm, retract2_speed;
    double wait_before_cure_s, wait_after_cure_s, wait_after_lift_s;
    double light_off_s;               /* delay between layers for firmware without waits */
} lw_motion;

typedef struct lw_printer {
    char id[48];                /* the file's name without .ini: "phrozen-sonic-mini-8k-s" */
    char name[96];              /* "Phrozen Sonic Mini 8K S" */
    char machine[64];           /* the machine name printer files carry */
    uint32_t res_x, res_y;      /* screen pixels */
    double display_w, display_h;/* screen size, mm (pitch = size / pixels) */
    double max_z;               /* mm */
    bool mirror_x, mirror_y;    /* how the image must be flipped for this printer's optics */
    lw_print_format formats[4]; /* formats it takes, preferred first; NONE-terminated */
    bool encrypted_ctb_only;    /* its firmware takes only encrypted CTB (see printer_note) */
    char note[200];             /* said to the user when choosing this printer, or "" */
    char file_ext[8];           /* extension its firmware expects for the preferred format
                                 * ("goo", "prz", "ctb", "sl1s") */
    double layer_heights[8];    /* allowed layer heights, mm, ascending */
    int nlayer_heights;
    double layer_height;        /* default */
    uint32_t bottom_layers, transition_layers;
    double exposure_s, bottom_exposure_s;
    lw_motion normal, bottom;
    double tilt_s;              /* tilting-vat printers: time of a tilt cycle; 0 = lifts */
    unsigned aa_levels;         /* anti-aliasing levels the firmware accepts: bit k = 2^k levels
                                 * (1, 2, 4, 8, 16) */
    unsigned aa_default;        /* 1, 2, 4, 8 or 16 */
    uint16_t pwm, bottom_pwm;   /* light intensity, 0-255 */
} lw_printer;

/* Reads a profile from its text (`name` = the file's name, for messages and the id). Unknown
 * keys, missing required keys, values out of range: LW_EFORMAT naming the line and key. */
lw_rc lw_printer_parse(const char *text, size_t len, const char *name, lw_printer *out,
                       lw_err *err);

/* Pixel pitch, mm. */
static inline double lw_printer_pitch_x(const lw_printer *p) { return p->display_w / p->res_x; }
static inline double lw_printer_pitch_y(const lw_printer *p) { return p->display_h / p->res_y; }

typedef struct lw_resin {
    char id[40], name[64];
    double density;            /* g/cm³ */
    double exposure_s, bottom_exposure_s; /* suggested; 0 = use the printer's */
    lw_minor price_per_litre;  /* minor units */
    char currency[4];          /* ISO 4217, "EUR" */
    char source[160];
} lw_resin;

typedef struct lw_resins {
    lw_resin *items;
    size_t n, cap;
} lw_resins;

void lw_resins_init(lw_resins *t);
void lw_resins_clear(lw_resins *t);
/* Loads data/resins.tsv text (columns id, name, density, exposure, bottom_exposure,
 * price_per_litre, currency, source); a row with a loaded id replaces it. */
lw_rc lw_resins_load(lw_resins *t, const char *text, size_t len, const char *name, lw_err *err);
/* By id (lw_table_id_eq), or LW_ENOTFOUND listing the resins. */
lw_rc lw_resins_get(const lw_resins *t, const char *id, const lw_resin **out, lw_err *err);

#endif
