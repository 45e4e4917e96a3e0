/* lostwax: what a print will do and cost: each layer's settings, the time the printer spends on
 * it, and for the whole plate the time, the resin and its price.
 *
 * A job prints with lw_print_settings: the printer's profile with the resin's suggested
 * exposures and the user's overrides applied. Layer i's settings follow the usual scheme of
 * the LCD formats: the first bottom_layers use the bottom exposure, motion and light; the next
 * transition_layers step the exposure evenly from the bottom value to the normal one (with T of
 * them, layer k of the transition gets bottom - (bottom - normal) x (k + 1) / (T + 1), which
 * neither repeats the bottom value nor reaches the normal one); the rest are normal.
 *
 * Time follows UVtools' model (docs/internals/printers.md, printing.md 1.1): a layer costs its
 * waits + its exposure + the plate's motion, with motion = lift1/v1 + lift2/v2 + retract2/r2 +
 * (lift1 + lift2 - retract2)/r (mm over mm/min; no acceleration). The first retract stage is
 * taken as whatever the second leaves of the lift, because the plate must come all the way
 * back, so lw_motion.retract_mm is not consulted. Every format lostwax writes for lifting
 * printers is run by firmware, not G-code, which takes the light-off delay as the least time
 * between exposures, so the motion counts max(motor time, light-off delay). A tilting vat
 * (tilt_s > 0) counts its flat tilt cycle instead of the motion. Resin is the lit area of each
 * layer times the layer height, anti-aliased edges counting their grey share.
 *
 * Pure computation on numbers: no allocation, no I/O.
 */
#ifndef LW_PRINT_ESTIMATE_H
#define LW_PRINT_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/units.h"
#include "print/printer.h"
#include "print/printfile.h"

/* The settings a job prints with (a copy: the printer's profile may go away). */
typedef struct lw_print_settings {
    double layer_height;                  /* mm */
    uint32_t bottom_layers, transition_layers;
    double exposure_s, bottom_exposure_s;
    lw_motion normal, bottom;
    uint16_t pwm, bottom_pwm;
    double tilt_s;                        /* > 0: a tilting vat, which replaces the motion */
} lw_print_settings;

/* What a job may change. Zeros (and false) keep what the resin or the printer says. */
typedef struct lw_print_overrides {
    double layer_height;                  /* mm: one of the printer's layer_heights */
    double exposure_s, bottom_exposure_s; /* s: 0 = the resin's suggestion, else the printer's */
    bool set_bottom_layers, set_transition_layers;
    uint32_t bottom_layers, transition_layers; /* 0 ... LW_PRINTER_LAYERS_MAX */
} lw_print_overrides;

/* The settings of a job on printer p with resin r (NULL: none) and overrides o (NULL: none).
 * Each exposure is the override's if set, else the resin's suggestion if it has one, else the
 * printer's. LW_EINVAL: a layer height the printer does not take (the message lists those it
 * does), an exposure outside (0, LW_PRINTER_EXPOSURE_MAX], layer counts over
 * LW_PRINTER_LAYERS_MAX. On failure *out is zeroed. */
lw_rc lw_print_settings_make(const lw_printer *p, const lw_resin *r, const lw_print_overrides *o,
                             lw_print_settings *out, lw_err *err);

/* Layer i's settings (i from 0): z = (i + 1) x layer height, exposure, motion and light as the
 * scheme at the top of this file says. */
void lw_print_layer_settings(const lw_print_settings *s, uint32_t i, lw_layer_settings *out);

/* Fills the settings part of a printer file's header: screen, mirroring and machine from the
 * printer; layer height, counts, exposures, motions and light from s. Leaves the format, the
 * version, AA, the layer count, the estimates, the names and the previews as they were. */
void lw_print_settings_header(const lw_print_settings *s, const lw_printer *p,
                              lw_print_header *h);

/* The layers a print needs for pieces reaching top_mm above the plate at layer height h (> 0):
 * a layer is printed when its mid-plane, where it is cut, lies inside a piece, so the top
 * layer exists when a piece reaches half way into it: round(top / h). (PrusaSlicer 2.5 floors
 * instead, dropping up to a whole layer of every piece's top: docs/benchmarks.md.) A double, so
 * a caller can refuse absurd counts before converting. */
double lw_print_layer_count(double top_mm, double layer_height);

/* ---- time ---- */

/* The motor time of a motion, s, by the formula above. A stage with a non-positive speed counts
 * nothing (a profile never has one; a file read from elsewhere might). */
double lw_motion_time(const lw_motion *m);

typedef struct lw_layer_time {
    double exposure_s, wait_s, motion_s; /* motion: the tilt, or max(motor, light-off) */
    double total_s;
} lw_layer_time;

/* The time the printer spends on a layer with settings ls, on a tilting vat if tilt_s > 0. */
void lw_layer_time_of(const lw_layer_settings *ls, double tilt_s, lw_layer_time *out);

/* ---- a whole print ---- */

typedef struct lw_print_estimate {
    uint32_t layers;
    double time_s;                       /* = exposure_s + wait_s + motion_s */
    double exposure_s, wait_s, motion_s;
    double volume_mm3;                   /* sum of lit area x layer height */
    double volume_ml, weight_g;          /* set by lw_estimate_finish (weight: resin density) */
    lw_minor cost;                       /* minor units of `currency`; 0 when unpriced */
    char currency[4];                    /* "" when unpriced */
    bool priced;                         /* the resin has a price (cost means something) */
} lw_print_estimate;

/* Accumulation, for a job that makes its layers one at a time: init, then add layer after
 * layer (in order: the estimate counts them), then finish. */
void lw_estimate_init(lw_print_estimate *e);
/* Adds the next layer (index e->layers) with area_mm2 of lit area (lw_layer_img_area).
 * LW_EINVAL for an area that is negative or not finite (the estimate is unchanged). */
lw_rc lw_estimate_add(lw_print_estimate *e, const lw_print_settings *s, double area_mm2,
                      lw_err *err);
/* Converts the volume into ml, g (resin density; 0 without a resin) and money (the resin's price
 * per litre, rounded to the minor unit, half away from zero; unpriced without a price). */
void lw_estimate_finish(lw_print_estimate *e, const lw_resin *r);

/* The whole print at once: n layers with lit areas areas[0..n) (NULL: time only, no resin).
 * LW_EINVAL as lw_estimate_add, naming the layer. */
lw_rc lw_estimate_print(const lw_print_settings *s, uint32_t n, const double *areas,
                        const lw_resin *r, lw_print_estimate *out, lw_err *err);

/* Writes the estimate into a printer file's header: print_time_s, volume_ml, weight_g, and cost
 * in major units (minor / 100: the two-decimal currencies a studio prices in) with currency. */
void lw_estimate_header(const lw_print_estimate *e, lw_print_header *h);

/* ---- PrusaSlicer 2.5's own estimate, for comparison ---- */

/* How PrusaSlicer 2.5 classes the material (its material_print_speed). */
typedef enum lw_ps_speed { LW_PS_FAST = 0, LW_PS_SLOW, LW_PS_HIGH_VISCOSITY } lw_ps_speed;

typedef struct lw_ps_params {
    double exposure_s, initial_exposure_s;
    uint32_t faded_layers;
    double fast_tilt_s, slow_tilt_s, high_viscosity_tilt_s; /* PrusaSlicer: 5, 8, 10 */
    double area_fill_pct;      /* a layer lighting more than this % of the display is slow: 50 */
    double display_w, display_h; /* mm */
    double layer_height;       /* mm */
    lw_ps_speed speed;
} lw_ps_params;

/* PrusaSlicer 2.5's printTime for n layers (printing.md 2.3): per layer, the exposure (the first
 * 3 layers the initial one, then stepping down by (initial - normal)/(faded + 1) a layer until
 * it reaches the normal one), plus the tilt (fast or slow by area, or by the material), plus
 * its delays (3 s slow material, 3.5 s high viscosity, 1 s a slow layer), plus 5 x layer height
 * for the tower. areas (mm², NULL: every layer fast) decides fast and slow layers; *slow (may
 * be NULL) counts the slow ones. It has no lift kinematics: for LCD printers it is short. */
double lw_estimate_prusaslicer(const lw_ps_params *p, uint32_t n, const double *areas,
                               uint32_t *slow);

#endif
