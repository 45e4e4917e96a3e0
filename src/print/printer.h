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

/* Limits of a profile (docs/internals/printers.md lists every key, its range and default). */
#define LW_PRINTER_TEXT_MAX 65536     /* bytes of one profile */
#define LW_PRINTER_PIXELS_MAX 32768   /* screen pixels along either side */
#define LW_PRINTER_PITCH_MIN 0.005    /* mm: a pixel is 5 ... 200 µm */
#define LW_PRINTER_PITCH_MAX 0.2
#define LW_PRINTER_LAYERS_MAX 200     /* bottom or transition layers */
#define LW_PRINTER_EXPOSURE_MAX 600.0 /* s, any exposure */

/* Reads a profile from its text (`name` = the file's name, for messages and the id: the name
 * without directories and without ".ini", which must be an id of a-z 0-9 . _ -). Unknown keys,
 * a key set twice, missing required keys, bad numbers, values out of range, unknown formats, AA
 * levels other than 1, 2, 4, 8, 16, settings that contradict each other: LW_EFORMAT naming the
 * file, the line and the key ("sm8k.ini: line 12: exposure 'abc' is not a number"); a text over
 * LW_PRINTER_TEXT_MAX: LW_ELIMIT. Allocates nothing. On failure *out is zeroed. */
lw_rc lw_printer_parse(const char *text, size_t len, const char *name, lw_printer *out,
                       lw_err *err);

/* Does the printer take files of format f? */
bool lw_printer_takes(const lw_printer *p, lw_print_format f);
/* Does its firmware accept this anti-aliasing level (1, 2, 4, 8, 16)? */
bool lw_printer_aa_ok(const lw_printer *p, unsigned level);

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

#define LW_RESIN_ROWS_MAX 1024        /* resins in one table */
#define LW_RESIN_TEXT_MAX 1048576     /* bytes of one table file */
#define LW_RESIN_DENSITY_MIN 0.5      /* g/cm³: castable resins are 1.05 ... 1.2 */
#define LW_RESIN_DENSITY_MAX 3.0
#define LW_RESIN_PRICE_MAX ((lw_minor)100000000) /* minor units per litre */

void lw_resins_init(lw_resins *t);
void lw_resins_clear(lw_resins *t);
/* Loads data/resins.tsv text (columns id, name, density, exposure, bottom_exposure,
 * price_per_litre, currency, source, in any order); a row with a loaded id replaces it, a new id
 * is added. Exposures 0 ... LW_PRINTER_EXPOSURE_MAX (0 = no suggestion), price a whole number
 * of minor units 0 ... LW_RESIN_PRICE_MAX (0 = unknown), currency three capital letters.
 * LW_EFORMAT naming the file, line and column; LW_ELIMIT; LW_ENOMEM. All or nothing: on failure
 * the table is as it was. Pointers into it stay valid until the next load or clear. */
lw_rc lw_resins_load(lw_resins *t, const char *text, size_t len, const char *name, lw_err *err);
/* By id: exactly, else as lw_table_id_eq reads it; or LW_ENOTFOUND listing the resins. */
lw_rc lw_resins_get(const lw_resins *t, const char *id, const lw_resin **out, lw_err *err);

#endif
