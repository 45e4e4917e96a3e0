/* Fuzz target: the ring-size readers (labels in numeric, letter and continuous charts, and
 * millimetre measurements) and the conversion of whatever they accept.
 *
 * The first byte picks the reader; the rest is the text typed. Whatever is accepted must lie on
 * its chart and read back to the same circumference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "design/ring_size.h"

static const char k_us[] = "# chart: us-test\n# system: us\n# default: yes\nsize\tcirc_mm\n"
                           "0\t36.537\n0.25\t37.175\n0.5\t37.813\n1\t39.090\n7\t54.411\n"
                           "7.25\t55.050\n16\t77.393\n";
static const char k_uk[] = "# chart: uk-test\n# system: uk\nsize\tcirc_mm\nA\t37.5\nA1/2\t38.125\n"
                           "N\t53.75\nN 1/2\t54.375\nZ\t68.75\nZ½\t69.375\nZ+1\t70\nZ+1 1/2\t70.625\n"
                           "Z+6\t76.25\n";
static const char k_ch[] = "# chart: ch-test\n# system: ch\n# continuous: yes\n# decimals: 2\n"
                           "size\tcirc_mm\n0\t40\n10\t50\n40\t80\n";
static const char k_jp[] = "# chart: jp-test\n# system: jp\n# match_mm: 0.306\nsize\tcirc_mm\n"
                           "5\t45.155\n6\t45.793\n14\t54.411\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256)
        return 0;
    static lw_ring_charts set;
    static int ready;
    if (!ready) {
        lw_ring_charts_init(&set);
        const char *texts[] = {k_us, k_uk, k_ch, k_jp};
        for (int i = 0; i < 4; i++)
            if (lw_ring_charts_load(&set, texts[i], strlen(texts[i]), "fuzz", NULL))
                abort();
        ready = 1;
    }
    char *text = lw_malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    lw_ring_size s;
    lw_err err;
    lw_err_clear(&err);
    int which = data[0] % 5;
    lw_rc rc;
    const lw_ring_chart *c = NULL;
    if (which == 4) {
        lw_ring_mm_kind kind;
        bool assumed;
        rc = lw_ring_size_parse_mm(text, &s, &kind, &assumed, &err);
        if (!rc && (s.circ_cmm < 2500 || s.circ_cmm > 12500))
            abort();
    } else {
        c = &set.items[which];
        rc = lw_ring_size_parse(c, text, &s, &err);
    }
    if (rc) {
        if (!err.msg[0] || s.circ_cmm != 0)
            abort(); /* a refusal must say why and leave nothing behind */
    } else {
        for (size_t i = 0; i < set.n; i++) {
            lw_ring_match m;
            lw_ring_size_to(&set.items[i], s.circ_cmm, &m);
            if (m.found && m.label[0] == 0)
                abort();
        }
        if (c) {
            /* Accepted on a chart: the chart shows it again, and its label reads back. */
            lw_ring_match m;
            lw_ring_size_to(c, s.circ_cmm, &m);
            if (!m.found || m.diff_mm > 0.006 || m.diff_mm < -0.006)
                abort();
            lw_ring_size again;
            if (lw_ring_size_parse(c, m.label, &again, NULL))
                abort();
            int d = again.circ_cmm - s.circ_cmm;
            if (d > 1 || d < -1)
                abort();
        }
    }
    lw_free(text);
    return 0;
}
