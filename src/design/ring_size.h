/* lostwax: ring sizes. A size is stored as the ring's inner circumference in 1/100 mm together
 * with the id of the chart it was read with; every system's label is worked out on display.
 *
 * Charts are data (one TSV per chart in data/ring-sizes/): each lists size labels with the inner
 * circumference each stands for. Systems disagree (US by JewelCraft's formula or Wikipedia's
 * chart, UK by the BS-style model or trade charts, JP by the JIS formula or JewelCraft's table),
 * so several charts may serve one system and one of them is the system's default. A chart file
 * opens with '# key: value' lines the loader reads (docs/internals/calculators.md has the format):
 *   chart (id, required), system (required), default (yes/no), continuous (yes/no),
 *   decimals (0-3), match_mm, title, source.
 * A table chart (US, UK, JP, HK, IN, CN) only knows its labels; a continuous chart (ISO, CH)
 * takes any number between its first and last rows, interpolating linearly between rows.
 *
 * Pure computation: no file I/O, no globals. Labels are read the way customers write them:
 * numbers "7", "7.25", "7,25", "7 1/4", "7-1/4", "7¼", "7½"; UK letters "N", "N1/2", "N½",
 * "N 1/2", "N.5", "Z+1", "Z+1 1/2", "Z+1.5". A size that is not on the chart is an error naming
 * the nearest sizes: lostwax never rounds a typed size onto a customer's record.
 */
#ifndef LW_DESIGN_RING_SIZE_H
#define LW_DESIGN_RING_SIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/units.h"

#define LW_RING_ID_MAX 32     /* chart id, NUL included: [a-z0-9._-] */
#define LW_RING_SYSTEM_MAX 16 /* system name, NUL included: [a-z] */
#define LW_RING_LABEL_MAX 24  /* a size label as shown, NUL included */
#define LW_RING_TITLE_MAX 96
#define LW_RING_SOURCE_MAX 160
#define LW_RING_ROWS_MAX 1000   /* sizes on one chart */
#define LW_RING_CHARTS_MAX 256  /* charts in one set */
#define LW_RING_TEXT_MAX 262144 /* bytes of one chart file */
#define LW_RING_INPUT_MAX 64    /* bytes of one typed size */

/* Every chart's circumferences, and every measured size, lie in this range (mm). */
#define LW_RING_CIRC_MIN_MM 25.0
#define LW_RING_CIRC_MAX_MM 125.0

/* The chart ids a size gets when it was typed as a measurement rather than a label. */
#define LW_RING_CHART_CIRC "circ-mm"
#define LW_RING_CHART_DIA "dia-mm"

/* A size on file: what the shop stores for a customer or a piece. */
typedef struct lw_ring_size {
    lw_circ_cmm circ_cmm;       /* inner circumference, 1/100 mm */
    char chart[LW_RING_ID_MAX]; /* the chart it was read with, or LW_RING_CHART_CIRC / _DIA */
} lw_ring_size;

typedef struct lw_ring_row {
    char label[LW_RING_LABEL_MAX]; /* as written in the chart ("7.25", "N1/2", "Z+1") */
    double value;                  /* the label as a number; UK letters count A = 0 ... Z = 25,
                                    * halves 0.5, Z+n = 25 + n */
    double circ_mm;                /* the inner circumference the label stands for */
} lw_ring_row;

typedef struct lw_ring_chart {
    char id[LW_RING_ID_MAX];
    char system[LW_RING_SYSTEM_MAX];
    char title[LW_RING_TITLE_MAX];   /* "" when the file gives none */
    char source[LW_RING_SOURCE_MAX]; /* "" when the file gives none */
    bool declared_default; /* the file says "default: yes" */
    bool continuous;       /* any value between the rows is a size (ISO, CH) */
    bool letters;          /* labels are letters (UK style) rather than numbers */
    int decimals;          /* continuous charts: decimals of the labels shown */
    double match_mm;       /* table charts: a circumference matches a label within this many
                            * mm; 0 means half the step to the neighbouring size */
    lw_ring_row *rows;     /* owned; circumference and value both strictly increasing */
    size_t n;
    unsigned long seq;     /* load order, for "the last default loaded wins" */
} lw_ring_chart;

/* A set of charts. Pointers to its charts stay valid until the next load into the set or
 * lw_ring_charts_clear(). */
typedef struct lw_ring_charts {
    lw_ring_chart *items;
    size_t n, cap;
    unsigned long seq;
} lw_ring_charts;

void lw_ring_charts_init(lw_ring_charts *set);
/* Frees every chart; the set is left empty and may be reused. */
void lw_ring_charts_clear(lw_ring_charts *set);

/* Loads one chart file (len bytes of TSV text, no NUL needed) into the set. `name` (the file's
 * name) prefixes every message: "us-jc.tsv: line 12: circ_mm 'abc' is not a number".
 * A chart whose id is already in the set replaces that chart whole: this is how a studio
 * corrects a shipped chart; a new id adds a chart. A chart saying "default: yes" becomes the
 * default of its system (the last such chart loaded wins); a system with no declared default
 * uses its first chart loaded.
 * Returns LW_OK; LW_EFORMAT (malformed text, missing chart or system, unknown column, a label
 * that does not read, sizes out of order); LW_ELIMIT (too large, too many rows or charts);
 * LW_ENOMEM. On failure the set is unchanged. */
lw_rc lw_ring_charts_load(lw_ring_charts *set, const char *text, size_t len, const char *name,
                          lw_err *err);

/* The chart named by `name`: a chart id ("us-wiki"), a system ("us": its default chart) or a
 * country alias of a system ("ca", "au", "de", "it"...). Case-insensitive. NULL if none. */
const lw_ring_chart *lw_ring_charts_find(const lw_ring_charts *set, const char *name);

/* As lw_ring_charts_find, but a miss is LW_ENOTFOUND with a message listing the systems and
 * charts that exist. */
lw_rc lw_ring_charts_get(const lw_ring_charts *set, const char *name, const lw_ring_chart **out,
                         lw_err *err);

/* The default chart of a system (exact system name), or NULL. */
const lw_ring_chart *lw_ring_charts_default(const lw_ring_charts *set, const char *system);

/* Reads a size written in the chart's system ("7", "N1/2", "14.4") into *out (the chart's id is
 * recorded with it). Returns LW_OK or LW_EINVAL with a message that says why: not a size of
 * that form, negative, or not on the chart (naming the nearest sizes on it). On failure *out
 * is zeroed. */
lw_rc lw_ring_size_parse(const lw_ring_chart *chart, const char *text, lw_ring_size *out,
                         lw_err *err);

/* Which measure a millimetre value was taken as. */
typedef enum lw_ring_mm_kind { LW_RING_MM_CIRC, LW_RING_MM_DIA } lw_ring_mm_kind;

/* Reads a measured size: "54.4mm", "54.4 mm", "54,4", "17.3". A prefix says which measure it
 * is ("c", "circ", "circumference"; "d", "dia", "diameter", "ø", "Ø"); without one a value of
 * 30 mm or more is taken as the inner circumference and a smaller one as the inner diameter,
 * and *assumed is set so the caller can say so. *kind tells which was used. The size records
 * LW_RING_CHART_CIRC or LW_RING_CHART_DIA. Returns LW_OK or LW_EINVAL (not a number, or outside
 * LW_RING_CIRC_MIN_MM..LW_RING_CIRC_MAX_MM of circumference). kind and assumed may be NULL. */
lw_rc lw_ring_size_parse_mm(const char *text, lw_ring_size *out, lw_ring_mm_kind *kind,
                            bool *assumed, lw_err *err);

/* A size shown on a chart. */
typedef struct lw_ring_match {
    bool found;                    /* false: no size of the chart corresponds */
    char label[LW_RING_LABEL_MAX]; /* the nearest label (also when !found, for messages; ""
                                    * for a continuous chart's value off its range) */
    double circ_mm;                /* the circumference that label stands for */
    double diff_mm;                /* the size minus circ_mm: > 0, the size is larger */
} lw_ring_match;

/* Shows the circumference circ_cmm on a chart. Table charts give the nearest label (ties go to
 * the larger size); it is "found" when it lies within the chart's match_mm, or by default
 * within half the step to the neighbouring size, so a value off the end of the chart, or in a
 * gap of a sparse table (JewelCraft's JP and HK tables), has no corresponding size. Continuous
 * charts give the value rounded to the chart's decimals when it lies within the chart's range. */
void lw_ring_size_to(const lw_ring_chart *chart, lw_circ_cmm circ_cmm, lw_ring_match *m);

/* Inner circumference and diameter of a stored size, mm. */
double lw_ring_circ_mm(lw_circ_cmm circ_cmm);
double lw_ring_dia_mm(lw_circ_cmm circ_cmm);

#endif
