/* Fuzz target: the loaders of the trade tables (ring-size charts, metals, stones, cuts) on
 * fuzzed text, each loaded on top of a small valid table as a studio's file would be.
 *
 * The first byte picks the loader; the rest is the file. A refusal must leave the table as it
 * was; an accepted table must hold what the loaders promise (ordered charts, densities in
 * range) and survive the calculations that use it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "design/gem.h"
#include "design/metal.h"
#include "design/ring_size.h"

static const char k_chart[] = "# chart: base\n# system: us\nsize\tcirc_mm\n1\t39\n2\t41.5\n";
static const char k_metals[] = "id\tname\tkind\tdensity\tfineness\tfine\tcolour\tsource\n"
                               "gold\tGold\talloy\t15.58\t750\tAu\t#E8C15A\tx\n"
                               "wax\tWax\tpattern\t1\t0\t-\t#3A7BD5\tx\n";
static const char k_stones[] = "id\tname\tsg\tsource\ndiamond\tDiamond\t3.53\tx\n";
static const char k_cuts[] = "id\tname\tsolid\tcorrection\tsymmetric\tdepth\ttrade\tsource\n"
                             "round\tRound\tcone\t1.3056\tyes\t60.58\td2:0.0061\tx\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_chart(const char *text, size_t len)
{
    lw_ring_charts set;
    lw_ring_charts_init(&set);
    if (lw_ring_charts_load(&set, k_chart, strlen(k_chart), "base", NULL))
        abort();
    lw_err err;
    lw_err_clear(&err);
    if (lw_ring_charts_load(&set, text, len, "fuzz.tsv", &err)) {
        if (!err.msg[0] || set.n != 1 || set.items[0].n != 2)
            abort();
    } else {
        for (size_t i = 0; i < set.n; i++) {
            const lw_ring_chart *c = &set.items[i];
            if (c->n < 2 || !lw_ring_charts_find(&set, c->id) ||
                !lw_ring_charts_default(&set, c->system))
                abort();
            for (size_t r = 1; r < c->n; r++)
                if (!(c->rows[r].circ_mm > c->rows[r - 1].circ_mm) ||
                    !(c->rows[r].value > c->rows[r - 1].value))
                    abort();
            for (size_t r = 0; r < c->n; r++) {
                lw_ring_size s;
                if (lw_ring_size_parse(c, c->rows[r].label, &s, NULL))
                    abort(); /* every label of a loaded chart reads */
                lw_ring_match m;
                lw_ring_size_to(c, s.circ_cmm, &m);
            }
            lw_ring_match m;
            lw_ring_size_to(c, 5000, &m);
        }
    }
    lw_ring_charts_clear(&set);
}

static void fuzz_metals(const char *text, size_t len)
{
    lw_metals t;
    lw_metals_init(&t);
    if (lw_metals_load(&t, k_metals, strlen(k_metals), "base", NULL))
        abort();
    lw_err err;
    lw_err_clear(&err);
    if (lw_metals_load(&t, text, len, "fuzz.tsv", &err)) {
        if (!err.msg[0] || t.n != 2 || t.items[0].density != 15.58)
            abort();
    } else {
        for (size_t i = 0; i < t.n; i++) {
            const lw_metal *m = &t.items[i];
            if (!(m->density >= LW_DENSITY_MIN && m->density <= LW_DENSITY_MAX) ||
                m->fineness < 0 || m->fineness > 1000 || lw_metals_find(&t, m->id) != m)
                abort();
            lw_mg mg;
            if (lw_metal_weight(m, 623.0, &mg, NULL) || mg < 0)
                abort();
            lw_piece_weight w;
            if (m->kind == LW_METAL_ALLOY &&
                (lw_metal_piece_weight(m, 5000, 1000, &w, NULL) || w.fine > w.net))
                abort();
        }
    }
    lw_metals_clear(&t);
}

static void fuzz_gems(const char *text, size_t len, bool cuts)
{
    lw_gem_tables t;
    lw_gem_tables_init(&t);
    if (lw_gem_load_stones(&t, k_stones, strlen(k_stones), "base", NULL) ||
        lw_gem_load_cuts(&t, k_cuts, strlen(k_cuts), "base", NULL))
        abort();
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = cuts ? lw_gem_load_cuts(&t, text, len, "fuzz.tsv", &err)
                    : lw_gem_load_stones(&t, text, len, "fuzz.tsv", &err);
    if (rc) {
        if (!err.msg[0] || t.nstones != 1 || t.ncuts != 1)
            abort();
    } else {
        for (size_t s = 0; s < t.nstones; s++)
            for (size_t c = 0; c < t.ncuts; c++) {
                lw_gem_estimate e;
                if (lw_gem_estimate_ct(&t.stones[s], &t.cuts[c], 6.5, 5, 0, &e, NULL) ||
                    e.mct < 0 || !isfinite(e.volume_mm3))
                    abort();
                lw_gem_dims d;
                lw_gem_size_for_carat(&t.stones[s], &t.cuts[c], 1000,
                                      t.cuts[c].symmetric ? 0 : 0.75, 0, &d, NULL);
            }
    }
    lw_gem_tables_clear(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    /* An exact-size copy, so reading one byte past the text is caught. */
    size_t len = size - 1;
    char *text = lw_malloc(len);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    switch (data[0] % 4) {
    case 0: fuzz_chart(text, len); break;
    case 1: fuzz_metals(text, len); break;
    case 2: fuzz_gems(text, len, false); break;
    default: fuzz_gems(text, len, true); break;
    }
    lw_free(text);
    return 0;
}
