/* lostwax: PNG encoding of layers straight from their runs, RGBA thumbnails through libdeflate,
 * and decoding through libspng (see png.h).
 *
 * Why the layer encoder writes its own deflate ("write your own where the library would be
 * slower"): a 7500 x 3240 layer is 24.3 MB of raw PNG rows, and a general compressor has to read
 * every one of those bytes and search for matches in them; Adler-32 over them alone costs
 * milliseconds. Measured on this project's 2-core machine under load (docs/internals/sl1.md has
 * the figures and how): libdeflate's fastest level took 82 ms of CPU for such a layer, zlib level
 * 6 about 150 ms; encoding from the runs takes 12 us for a blank layer, 50-180 us for a ring and
 * about 1 ms for a plate of 16 rings (53,000 runs), with files as small as zlib's on rings.
 *
 * How: the raw image is the rows, each a filter byte 0 and width pixels. With filter 0 and the
 * runs in order, that stream is zeros everywhere except the run pixels at known offsets
 * (y * (width + 1) + 1 + x), so it is a short list of (value, count) segments. Each segment
 * becomes one literal (the first byte) and then copies of the previous byte: matches at
 * distance 1, 258 bytes at a time, which is deflate's longest match. Two passes: the first turns
 * the segments into tokens, counts the symbols and computes the Adler-32 of the raw stream in
 * closed form per segment; the code lengths come from the counts; the second writes the tokens'
 * bits. Since the exact size is known before the second pass, the output is allocated once and
 * the hot loop has no bounds checks. The whole image is one dynamic-Huffman block in one IDAT
 * chunk.
 */
#include "print/png.h"

#include <assert.h>
#include <libdeflate.h>
#include <spng.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"

#define NLITLEN 286 /* literal/length symbols deflate uses: 0-255 bytes, 256 end, 257-285 */
#define END_OF_BLOCK 256
#define SYM_258 285
#define PNG_MAX_DIM 0x7FFFFFFFu  /* PNG's limit on width, height and chunk length */
#define THUMB_DEFLATE_LEVEL 9

static const uint8_t k_signature[8] = {137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};

/* RFC 1951 3.2.5: the shortest length of each length symbol 257..285 and its extra bits. */
static const uint16_t k_len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
                                        15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
                                        67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t k_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                        2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
/* RFC 1951 3.2.7: the order in which code-length code lengths are sent. */
static const uint8_t k_cl_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                       11, 4, 12, 3, 13, 2, 14, 1, 15};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void lw_png_enc_init(lw_png_enc *e)
{
    memset(e, 0, sizeof *e);
    for (unsigned s = 0; s < 29; s++) {
        unsigned hi = s < 28 ? k_len_base[s + 1] - 1u : 258u;
        for (unsigned l = k_len_base[s]; l <= hi; l++)
            e->lsym[l] = (uint16_t)(257 + s);
    }
}

void lw_png_enc_clear(lw_png_enc *e)
{
    lw_free(e->png);
    lw_free(e->tok);
    e->png = NULL;
    e->tok = NULL;
    e->cap = e->tokcap = 0;
}

/* ---- Huffman codes -------------------------------------------------------------------------- */

/* Code lengths of a Huffman code for freq[0..n), n <= 288, none longer than maxbits; len[i] = 0
 * for unused symbols. When the tree is too deep the counts are halved (rounding up, so no used
 * symbol disappears) and the tree rebuilt: the result is always a true Huffman tree, hence a
 * complete code, which inflaters insist on. A lone used symbol gets a partner for the same
 * reason. Ties are broken by symbol number, so the lengths are deterministic. */
static void huff_lengths(const uint64_t *freq, unsigned n, unsigned maxbits, uint8_t *len)
{
    uint64_t f[288], w[576];
    uint16_t sym[288], parent[576];
    uint8_t depth[576];
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++) {
        f[i] = freq[i];
        len[i] = 0;
        if (f[i])
            sym[m++] = (uint16_t)i;
    }
    for (unsigned s = 0; m < 2 && s < n; s++)
        if (!f[s]) {
            f[s] = 1;
            sym[m++] = (uint16_t)s;
        }
    for (;;) {
        for (unsigned i = 1; i < m; i++) { /* insertion sort by (count, symbol) */
            uint16_t s = sym[i];
            unsigned j = i;
            while (j > 0 && (f[sym[j - 1]] > f[s] || (f[sym[j - 1]] == f[s] && sym[j - 1] > s))) {
                sym[j] = sym[j - 1];
                j--;
            }
            sym[j] = s;
        }
        /* Two queues: leaves in order, and internal nodes, which are made in order of weight. */
        for (unsigned i = 0; i < m; i++)
            w[i] = f[sym[i]];
        unsigned leaf = 0, node = m, next = m;
        while (next < 2 * m - 1) {
            unsigned pick[2];
            for (int k = 0; k < 2; k++) {
                if (leaf < m && (node >= next || w[leaf] <= w[node]))
                    pick[k] = leaf++;
                else
                    pick[k] = node++;
            }
            w[next] = w[pick[0]] + w[pick[1]];
            parent[pick[0]] = parent[pick[1]] = (uint16_t)next;
            next++;
        }
        depth[2 * m - 2] = 0;
        unsigned maxd = 0;
        for (int k = (int)(2 * m) - 3; k >= 0; k--)
            depth[k] = (uint8_t)(depth[parent[k]] + 1);
        for (unsigned i = 0; i < m; i++)
            maxd = depth[i] > maxd ? depth[i] : maxd;
        if (maxd <= maxbits) {
            for (unsigned i = 0; i < m; i++)
                len[sym[i]] = depth[i];
            return;
        }
        for (unsigned i = 0; i < m; i++)
            f[sym[i]] = (f[sym[i]] + 1) / 2;
    }
}

/* Canonical codes for the lengths (RFC 1951 3.2.2), bit-reversed because deflate sends Huffman
 * codes from their most significant bit while everything else goes least significant first. */
static void huff_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
    unsigned count[16] = {0}, next[16] = {0};
    for (unsigned i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    unsigned c = 0;
    for (unsigned b = 1; b < 16; b++) {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (unsigned i = 0; i < n; i++) {
        code[i] = 0;
        if (!len[i])
            continue;
        unsigned v = next[len[i]]++, r = 0;
        for (unsigned b = 0; b < len[i]; b++)
            r |= ((v >> b) & 1u) << (len[i] - 1 - b);
        code[i] = (uint16_t)r;
    }
}

/* ---- the layer encoder ---------------------------------------------------------------------- */

typedef struct bitw {
    uint8_t *p;
    uint64_t acc;
    unsigned n; /* bits in acc, < 32 between calls */
} bitw;

static inline void put_bits(bitw *b, uint32_t v, unsigned nb)
{
    b->acc |= (uint64_t)v << b->n;
    b->n += nb;
    if (b->n >= 32) {
        uint32_t o = (uint32_t)b->acc;
        b->p[0] = (uint8_t)o;
        b->p[1] = (uint8_t)(o >> 8);
        b->p[2] = (uint8_t)(o >> 16);
        b->p[3] = (uint8_t)(o >> 24);
        b->p += 4;
        b->acc >>= 32;
        b->n -= 32;
    }
}

static void flush_bits(bitw *b)
{
    while (b->n) {
        *b->p++ = (uint8_t)b->acc;
        b->acc >>= 8;
        b->n = b->n > 8 ? b->n - 8 : 0;
    }
}

/* Pass 1 turns the segments into tokens, so pass 2 is a plain loop of table lookups and bit
 * writes. A token is either a symbol with its extra bits (bit 31 clear: symbol in bits 0-8, the
 * length's extra-bits value from bit 9; a length symbol implies the one-bit distance code that
 * follows it) or a count of 258-byte matches (bit 31 set, the count below it). */
#define TOK_RUN258 0x80000000u
#define TOK_MAX_RUN 0x7FFFFFFFu

typedef struct plan {
    const uint16_t *lsym;     /* length -> symbol */
    uint32_t *tok, *t;        /* the tokens, and the next free one */
    uint64_t freq[NLITLEN];   /* literal/length symbol counts */
    uint64_t nmatch;          /* matches (all at distance 1) */
    uint64_t s1, s2;          /* Adler-32 sums, reduced lazily */
    int prev;                 /* the last byte value in the stream; -1 before the first */
} plan;

/* Adler-32 (RFC 1950 8.2) over n bytes of value v, in closed form: s1 grows by n v and s2 by
 * n s1 + v n (n + 1) / 2. Short segments (nearly all) add without reducing; the sums are reduced
 * modulo 65521 only before they could overflow. */
static inline void adler_run(plan *p, unsigned v, uint64_t n)
{
    const uint64_t mod = 65521;
    if (n < 65536) { /* n s1 < 2^48 while s1 < 2^32; v n (n + 1) / 2 < 2^40 */
        p->s2 += n * p->s1 + v * (n * (n + 1) / 2);
        p->s1 += n * v;
        if (p->s1 >= ((uint64_t)1 << 31) || p->s2 >= ((uint64_t)1 << 62)) {
            p->s1 %= mod;
            p->s2 %= mod;
        }
        return;
    }
    p->s1 %= mod;
    p->s2 %= mod;
    uint64_t nm = n % mod;
    uint64_t tri = n % 2 == 0 ? (n / 2 % mod) * ((n + 1) % mod) : nm * ((n + 1) / 2 % mod);
    tri %= mod;
    p->s2 = (p->s2 + nm * p->s1 + v * tri) % mod;
    p->s1 = (p->s1 + nm * v) % mod;
}

static inline void tok_match(plan *p, unsigned len)
{
    unsigned sym = p->lsym[len];
    *p->t++ = sym | (uint32_t)(len - k_len_base[sym - 257]) << 9;
    p->freq[sym]++;
    p->nmatch++;
}

/* One segment: n bytes of value v. The first byte is a literal unless the stream already ends
 * in v; the rest are copies of the byte before, as matches at distance 1: k of 258 bytes, then
 * one of the remainder r >= 3, or (r = 1, 2 after a 258) 255 + r and 3, or r literals. */
static inline void segment(plan *p, unsigned v, uint64_t n)
{
    adler_run(p, v, n);
    if ((int)v != p->prev) {
        *p->t++ = v;
        p->freq[v]++;
        n--;
        p->prev = (int)v;
    }
    if (n < 3) {
        for (; n; n--) {
            *p->t++ = v;
            p->freq[v]++;
        }
        return;
    }
    if (n <= 258) {
        tok_match(p, (unsigned)n);
        return;
    }
    uint64_t k = n / 258;
    unsigned r = (unsigned)(n % 258);
    if (r > 0 && r < 3)
        k--;
    p->freq[SYM_258] += k;
    p->nmatch += k;
    for (; k > TOK_MAX_RUN; k -= TOK_MAX_RUN)
        *p->t++ = TOK_RUN258 | TOK_MAX_RUN;
    if (k)
        *p->t++ = TOK_RUN258 | (uint32_t)k;
    if (r >= 3) {
        tok_match(p, r);
    } else if (r > 0) {
        tok_match(p, 255 + r);
        tok_match(p, 3);
    }
}

/* Walks the raw stream as segments: zeros (filter bytes and dark pixels) and the runs, checking
 * the runs on the way. */
static lw_rc tokenize(plan *p, const lw_layer_img *img, lw_err *err)
{
    uint64_t row = (uint64_t)img->width + 1, total = row * img->height, cur = 0;
    p->prev = -1;
    for (size_t i = 0; i < img->nruns; i++) {
        const lw_run *r = &img->runs[i];
        if (r->level == 0 || r->len == 0)
            continue;
        uint64_t at = (uint64_t)r->y * row + 1 + r->x;
        if (r->y >= img->height || r->x >= img->width || r->len > img->width - r->x || at < cur)
            return lw_err_set(err, LW_EINVAL,
                              "layer run %zu (row %u, x %u, %u pixels) is out of order or "
                              "outside the %ux%u image", i, r->y, r->x, r->len, img->width,
                              img->height);
        if (at > cur)
            segment(p, 0, at - cur);
        segment(p, r->level, r->len);
        cur = at + r->len;
    }
    if (total > cur)
        segment(p, 0, total - cur);
    return LW_OK;
}

/* Pass 2: the tokens as bits. put[s] holds symbol s's code and, for lengths, the shift of the
 * extra bits; nbits[s] the bits per token (code, extra, distance). */
static void emit_tokens(const plan *p, const uint16_t *code, const uint8_t *len, bitw *b)
{
    uint32_t bits[NLITLEN];
    uint8_t nbits[NLITLEN];
    for (unsigned s = 0; s < NLITLEN; s++) {
        bits[s] = code[s];
        nbits[s] = (uint8_t)(len[s] + (s > END_OF_BLOCK ? k_len_extra[s - 257] + 1u : 0u));
    }
    /* As many (258, distance 1) pairs as fit in 32 bits, packed once. */
    unsigned one = len[SYM_258] + 1u, per = len[SYM_258] ? 32 / one : 1;
    uint32_t pat = 0;
    for (unsigned i = 0; i < per; i++)
        pat |= (uint32_t)code[SYM_258] << (i * one);
    unsigned pat_bits = per * one;
    for (const uint32_t *t = p->tok; t < p->t; t++) {
        uint32_t x = *t;
        if (x & TOK_RUN258) {
            uint32_t k = x & TOK_MAX_RUN;
            for (; k >= per; k -= per)
                put_bits(b, pat, pat_bits);
            for (; k; k--)
                put_bits(b, code[SYM_258], one);
        } else {
            unsigned s = x & 511u;
            put_bits(b, bits[s] | (x >> 9) << len[s], nbits[s]);
        }
    }
}

/* The code lengths of the block header, run-length coded with the code-length alphabet
 * (RFC 1951 3.2.7): 16 repeats the previous length 3-6 times, 17 and 18 give 3-10 and 11-138
 * zeros. */
typedef struct cl_seq {
    uint8_t sym[NLITLEN + 2], extra[NLITLEN + 2];
    unsigned n;
} cl_seq;

static void cl_encode(const uint8_t *lens, unsigned n, cl_seq *q)
{
    q->n = 0;
    for (unsigned i = 0; i < n;) {
        unsigned v = lens[i], run = 1;
        while (i + run < n && lens[i + run] == v)
            run++;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                unsigned k = run < 138 ? run : 138;
                q->sym[q->n] = 18;
                q->extra[q->n++] = (uint8_t)(k - 11);
                run -= k;
            }
            if (run >= 3) {
                q->sym[q->n] = 17;
                q->extra[q->n++] = (uint8_t)(run - 3);
                run = 0;
            }
        } else {
            q->sym[q->n] = (uint8_t)v;
            q->extra[q->n++] = 0;
            run--;
            while (run >= 3) {
                unsigned k = run < 6 ? run : 6;
                q->sym[q->n] = 16;
                q->extra[q->n++] = (uint8_t)(k - 3);
                run -= k;
            }
        }
        for (; run; run--) {
            q->sym[q->n] = (uint8_t)v;
            q->extra[q->n++] = 0;
        }
    }
}

static unsigned cl_extra_bits(unsigned sym)
{
    return sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0;
}

lw_rc lw_png_encode_layer(lw_png_enc *e, const lw_layer_img *img, const uint8_t **png,
                          size_t *len, lw_err *err)
{
    *png = NULL;
    *len = 0;
    if (img->width == 0 || img->height == 0 || img->width > PNG_MAX_DIM ||
        img->height > PNG_MAX_DIM)
        return lw_err_set(err, LW_EINVAL, "a PNG layer cannot be %ux%u pixels", img->width,
                          img->height);
    /* Tokens: at most four per segment (a literal, then two literals, one match, or a count
     * and two matches), segments at most two per run plus one, plus the counts that a
     * gigantic dark stretch splits into. */
    uint64_t raw = ((uint64_t)img->width + 1) * img->height;
    size_t ntok;
    if (!lw_size_mul(img->nruns, 8, &ntok) ||
        !lw_size_add(ntok, 8 + (size_t)(raw / 258 / TOK_MAX_RUN), &ntok))
        return lw_err_set(err, LW_ELIMIT, "a layer of %zu runs is too many", img->nruns);
    if (LW_VEC_RESERVE(e->tok, e->tokcap, ntok, SIZE_MAX / sizeof(uint32_t)))
        return lw_err_nomem(err);
    plan *p = lw_calloc(1, sizeof *p); /* ~2.5 KB: kept off the stack of pool threads */
    if (!p)
        return lw_err_nomem(err);
    p->lsym = e->lsym;
    p->tok = p->t = e->tok;
    p->s1 = 1;
    lw_rc rc = tokenize(p, img, err);
    if (rc) {
        lw_free(p);
        return rc;
    }
    p->freq[END_OF_BLOCK] = 1;
    uint8_t ll_len[NLITLEN];
    uint16_t ll_code[NLITLEN];
    huff_lengths(p->freq, NLITLEN, 15, ll_len);
    huff_codes(ll_len, NLITLEN, ll_code);
    unsigned hlit = NLITLEN;
    while (hlit > 257 && ll_len[hlit - 1] == 0)
        hlit--;

    /* Two distance codes of one bit each (distances 1 and 2): a complete code, which every
     * inflater takes, though only distance 1 is ever used. */
    uint8_t lens[NLITLEN + 2];
    memcpy(lens, ll_len, hlit);
    lens[hlit] = lens[hlit + 1] = 1;
    cl_seq q;
    cl_encode(lens, hlit + 2, &q);
    uint64_t clf[19] = {0};
    for (unsigned i = 0; i < q.n; i++)
        clf[q.sym[i]]++;
    uint8_t cl_len[19];
    uint16_t cl_code[19];
    huff_lengths(clf, 19, 7, cl_len);
    huff_codes(cl_len, 19, cl_code);
    unsigned hclen = 19;
    while (hclen > 4 && cl_len[k_cl_order[hclen - 1]] == 0)
        hclen--;

    /* The exact size of the block, so the output is allocated once. */
    uint64_t bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen;
    for (unsigned i = 0; i < q.n; i++)
        bits += cl_len[q.sym[i]] + cl_extra_bits(q.sym[i]);
    for (unsigned s = 0; s < NLITLEN; s++) {
        uint64_t per = ll_len[s] + (s > END_OF_BLOCK ? k_len_extra[s - 257] : 0u);
        bits += p->freq[s] * per;
    }
    bits += p->nmatch; /* one bit of distance code each */
    uint64_t deflate_bytes = (bits + 7) / 8;
    uint64_t zbytes = 2 + deflate_bytes + 4;
    if (zbytes > PNG_MAX_DIM) {
        lw_free(p);
        return lw_err_set(err, LW_ELIMIT, "the %ux%u layer compresses to %llu bytes, more than "
                          "one PNG chunk holds", img->width, img->height,
                          (unsigned long long)zbytes);
    }
    size_t total = 8 + 25 + 8 + (size_t)zbytes + 4 + 12;
    if (total > e->cap) {
        uint8_t *np = lw_realloc(e->png, total);
        if (!np) {
            lw_free(p);
            return lw_err_nomem(err);
        }
        e->png = np;
        e->cap = total;
    }
    uint8_t *o = e->png;
    memcpy(o, k_signature, 8);
    put_be32(o + 8, 13);
    memcpy(o + 12, "IHDR", 4);
    put_be32(o + 16, img->width);
    put_be32(o + 20, img->height);
    o[24] = 8; /* bit depth */
    o[25] = 0; /* greyscale */
    o[26] = 0; /* deflate */
    o[27] = 0; /* filter method 0: a filter type byte starts each row */
    o[28] = 0; /* no interlace */
    put_be32(o + 29, (uint32_t)libdeflate_crc32(0, o + 12, 17));
    put_be32(o + 33, (uint32_t)zbytes);
    memcpy(o + 37, "IDAT", 4);
    uint8_t *z = o + 41;
    z[0] = 0x78; /* deflate, 32 KiB window */
    z[1] = 0x01; /* no dictionary, "fastest" level; 0x7801 is a multiple of 31 */

    bitw b = {z + 2, 0, 0};
    put_bits(&b, 1, 1); /* the final block */
    put_bits(&b, 2, 2); /* dynamic Huffman codes */
    put_bits(&b, hlit - 257, 5);
    put_bits(&b, 2 - 1, 5);
    put_bits(&b, hclen - 4, 4);
    for (unsigned i = 0; i < hclen; i++)
        put_bits(&b, cl_len[k_cl_order[i]], 3);
    for (unsigned i = 0; i < q.n; i++) {
        put_bits(&b, cl_code[q.sym[i]], cl_len[q.sym[i]]);
        put_bits(&b, q.extra[i], cl_extra_bits(q.sym[i]));
    }
    emit_tokens(p, ll_code, ll_len, &b);
    put_bits(&b, ll_code[END_OF_BLOCK], ll_len[END_OF_BLOCK]);
    flush_bits(&b);
    assert((uint64_t)(b.p - (z + 2)) == deflate_bytes);
    uint8_t *t = z + 2 + deflate_bytes;
    put_be32(t, (uint32_t)(p->s2 % 65521) << 16 | (uint32_t)(p->s1 % 65521));
    put_be32(t + 4, (uint32_t)libdeflate_crc32(0, o + 37, 4 + (size_t)zbytes));
    put_be32(t + 8, 0);
    memcpy(t + 12, "IEND", 4);
    put_be32(t + 16, 0xAE426082u); /* the CRC of "IEND" */
    lw_free(p);
    *png = e->png;
    *len = total;
    return LW_OK;
}

/* ---- RGBA thumbnails ------------------------------------------------------------------------ */

static unsigned paeth(unsigned a, unsigned b, unsigned c)
{
    int pp = (int)a + (int)b - (int)c;
    int pa = pp > (int)a ? pp - (int)a : (int)a - pp;
    int pb = pp > (int)b ? pp - (int)b : (int)b - pp;
    int pc = pp > (int)c ? pp - (int)c : (int)c - pp;
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

/* Filters one row five ways (PNG 9.2) into cand[0..5) and copies the one with the smallest sum of
 * bytes read as signed, the usual heuristic, into out (filter byte first). */
static void filter_row(const uint8_t *cur, const uint8_t *up, size_t stride, uint8_t *cand,
                       uint8_t *out)
{
    uint64_t best_sum = UINT64_MAX;
    unsigned best = 0;
    for (unsigned f = 0; f < 5; f++) {
        uint8_t *c = cand + f * stride;
        uint64_t sum = 0;
        for (size_t i = 0; i < stride; i++) {
            unsigned a = i >= 4 ? cur[i - 4] : 0, b = up ? up[i] : 0;
            unsigned cc = i >= 4 && up ? up[i - 4] : 0, pred = 0;
            switch (f) {
            case 1: pred = a; break;
            case 2: pred = b; break;
            case 3: pred = (a + b) / 2; break;
            case 4: pred = paeth(a, b, cc); break;
            default: break;
            }
            c[i] = (uint8_t)(cur[i] - pred);
            sum += c[i] < 128 ? c[i] : 256u - c[i];
        }
        if (sum < best_sum) {
            best_sum = sum;
            best = f;
        }
    }
    out[0] = (uint8_t)best;
    memcpy(out + 1, cand + best * stride, stride);
}

static lw_rc append_chunk(lw_buf *out, const char *type, const uint8_t *data, size_t n,
                          lw_err *err)
{
    uint8_t h[8];
    put_be32(h, (uint32_t)n);
    memcpy(h + 4, type, 4);
    uint32_t crc = (uint32_t)libdeflate_crc32(libdeflate_crc32(0, type, 4), n ? data : h, n);
    uint8_t c[4];
    put_be32(c, crc);
    lw_rc rc = lw_buf_append(out, h, 8);
    if (!rc && n)
        rc = lw_buf_append(out, data, n);
    if (!rc)
        rc = lw_buf_append(out, c, 4);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc)
        return lw_err_set(err, rc, "the PNG does not fit in its buffer");
    return LW_OK;
}

lw_rc lw_png_encode_rgba(const lw_image *im, lw_buf *out, lw_err *err)
{
    if (!im->width || !im->height || !im->rgba || im->width > PNG_MAX_DIM / 4 ||
        im->height > PNG_MAX_DIM)
        return lw_err_set(err, LW_EINVAL, "a PNG image cannot be %ux%u pixels", im->width,
                          im->height);
    size_t stride = 4 * (size_t)im->width, raw_len;
    if (!lw_size_mul(stride + 1, im->height, &raw_len))
        return lw_err_set(err, LW_ELIMIT, "a %ux%u image is too large", im->width, im->height);
    size_t before = out->len;
    uint8_t *raw = lw_malloc(raw_len);
    uint8_t *cand = lw_malloc(5 * stride);
    struct libdeflate_compressor *c = NULL;
    uint8_t *zbuf = NULL;
    lw_rc rc = LW_OK;
    if (!raw || !cand) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (uint32_t y = 0; y < im->height; y++)
        filter_row(im->rgba + y * stride, y ? im->rgba + (y - 1) * stride : NULL, stride, cand,
                   raw + y * (stride + 1));
    c = libdeflate_alloc_compressor(THUMB_DEFLATE_LEVEL);
    if (!c) {
        rc = lw_err_nomem(err);
        goto done;
    }
    size_t bound = libdeflate_zlib_compress_bound(c, raw_len);
    zbuf = lw_malloc(bound);
    if (!zbuf) {
        rc = lw_err_nomem(err);
        goto done;
    }
    size_t zlen = libdeflate_zlib_compress(c, raw, raw_len, zbuf, bound);
    if (zlen == 0 || zlen > PNG_MAX_DIM) {
        rc = lw_err_set(err, LW_ELIMIT, "the %ux%u image does not fit in one PNG chunk",
                        im->width, im->height);
        goto done;
    }
    uint8_t ihdr[13];
    put_be32(ihdr, im->width);
    put_be32(ihdr + 4, im->height);
    ihdr[8] = 8;
    ihdr[9] = 6; /* RGBA */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    rc = lw_buf_append(out, k_signature, 8);
    if (rc)
        rc = rc == LW_ENOMEM ? lw_err_nomem(err)
                             : lw_err_set(err, rc, "the PNG does not fit in its buffer");
    if (!rc)
        rc = append_chunk(out, "IHDR", ihdr, 13, err);
    if (!rc)
        rc = append_chunk(out, "IDAT", zbuf, zlen, err);
    if (!rc)
        rc = append_chunk(out, "IEND", NULL, 0, err);
done:
    if (rc)
        out->len = before;
    if (c)
        libdeflate_free_compressor(c);
    lw_free(zbuf);
    lw_free(cand);
    lw_free(raw);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------------- */

static lw_rc spng_failure(lw_err *err, int e, const char *what)
{
    if (e == SPNG_EMEM)
        return lw_err_nomem(err);
    if (e == SPNG_EUSER_WIDTH || e == SPNG_EUSER_HEIGHT || e == SPNG_ECHUNK_LIMITS)
        return lw_err_set(err, LW_ELIMIT, "%s: %s", what, spng_strerror(e));
    return lw_err_set(err, LW_EFORMAT, "%s: %s", what, spng_strerror(e));
}

/* A decoder context on the bytes, with lostwax's allocator and limits, and the image header. */
static lw_rc open_png(const uint8_t *data, size_t len, const lw_png_limits *lim,
                      spng_ctx **out, struct spng_ihdr *ihdr, lw_err *err)
{
    *out = NULL;
    static const uint8_t empty[1];
    struct spng_alloc alloc = {lw_malloc, lw_realloc, lw_calloc, lw_free};
    spng_ctx *ctx = spng_ctx_new2(&alloc, 0);
    if (!ctx)
        return lw_err_nomem(err);
    uint32_t mw = lim->max_width < PNG_MAX_DIM ? lim->max_width : PNG_MAX_DIM;
    uint32_t mh = lim->max_height < PNG_MAX_DIM ? lim->max_height : PNG_MAX_DIM;
    /* No chunk can be longer than the file, and the ancillary chunks libspng keeps cannot add
     * up to more than it either (libspng wants the second limit no lower than the first). */
    size_t chunk = len < PNG_MAX_DIM ? len : PNG_MAX_DIM;
    int e = spng_set_image_limits(ctx, mw ? mw : 1, mh ? mh : 1);
    if (!e)
        e = spng_set_chunk_limits(ctx, chunk ? chunk : 1, len ? len : 1);
    if (!e)
        e = spng_set_png_buffer(ctx, len ? data : empty, len);
    if (!e)
        e = spng_get_ihdr(ctx, ihdr);
    if (e) {
        spng_ctx_free(ctx);
        return spng_failure(err, e, "not a readable PNG");
    }
    *out = ctx;
    return LW_OK;
}

/* Appends row y's lit pixels to img as runs. Zeros are skipped eight at a time: layer rows are
 * mostly dark. */
static lw_rc row_runs(lw_layer_img *img, uint32_t y, const uint8_t *row, size_t max_runs,
                      lw_err *err)
{
    uint32_t w = img->width, x = 0;
    while (x < w) {
        if (!row[x]) {
            while (x + 8 <= w) {
                uint64_t v;
                memcpy(&v, row + x, 8);
                if (v)
                    break;
                x += 8;
            }
            while (x < w && !row[x])
                x++;
            if (x == w)
                break;
        }
        uint8_t v = row[x];
        uint32_t s = x;
        while (x < w && row[x] == v)
            x++;
        if (img->nruns >= max_runs)
            return lw_err_set(err, LW_ELIMIT, "row %u: more than %zu lit runs in the layer", y,
                              max_runs);
        lw_rc rc = lw_layer_img_add(img, y, s, x - s, v);
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err);
        if (rc)
            return lw_err_set(err, rc, "row %u: runs out of order", y); /* cannot happen */
    }
    return LW_OK;
}

/* RGBA to grey: integer luma weights summing to 256, then scaled by alpha. */
static void rgba_to_grey(const uint8_t *rgba, uint32_t w, uint8_t *grey)
{
    for (uint32_t x = 0; x < w; x++) {
        const uint8_t *px = rgba + 4 * (size_t)x;
        unsigned l = (77u * px[0] + 150u * px[1] + 29u * px[2] + 128u) >> 8;
        grey[x] = (uint8_t)((l * px[3] + 127u) / 255u);
    }
}

lw_rc lw_png_decode_layer(const uint8_t *data, size_t len, const lw_png_limits *lim,
                          lw_layer_img *img, lw_err *err)
{
    lw_layer_img_reset(img);
    spng_ctx *ctx;
    struct spng_ihdr ihdr;
    lw_rc rc = open_png(data, len, lim, &ctx, &ihdr, err);
    if (rc)
        return rc;
    if (img->width && img->height && (ihdr.width != img->width || ihdr.height != img->height)) {
        spng_ctx_free(ctx);
        return lw_err_set(err, LW_EFORMAT, "the PNG is %ux%u pixels, the screen %ux%u",
                          ihdr.width, ihdr.height, img->width, img->height);
    }
    img->width = ihdr.width;
    img->height = ihdr.height;
    bool grey = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && ihdr.bit_depth <= 8;
    int fmt = grey ? SPNG_FMT_G8 : SPNG_FMT_RGBA8;
    int flags = grey ? 0 : SPNG_DECODE_TRNS;
    size_t px = grey ? 1 : 4, w = ihdr.width, rowlen = px * w;
    uint8_t *whole = NULL, *row = NULL, *greyrow = lw_malloc(w);
    if (!greyrow) {
        rc = lw_err_nomem(err);
        goto done;
    }
    if (ihdr.interlace_method != SPNG_INTERLACE_NONE) {
        /* Adam7 delivers rows pass by pass: the image is needed whole. */
        size_t n;
        if (!lw_size_mul(rowlen, ihdr.height, &n) || n > lim->max_image_bytes) {
            rc = lw_err_set(err, LW_ELIMIT, "an interlaced %ux%u PNG needs more than the "
                            "limit of %zu bytes to decode", ihdr.width, ihdr.height,
                            lim->max_image_bytes);
            goto done;
        }
        whole = lw_malloc(n ? n : 1);
        if (!whole) {
            rc = lw_err_nomem(err);
            goto done;
        }
        int e = spng_decode_image(ctx, whole, n, fmt, flags);
        if (e) {
            rc = spng_failure(err, e, "corrupt PNG");
            goto done;
        }
    } else {
        row = lw_malloc(rowlen);
        if (!row) {
            rc = lw_err_nomem(err);
            goto done;
        }
        int e = spng_decode_image(ctx, NULL, 0, fmt, flags | SPNG_DECODE_PROGRESSIVE);
        if (e) {
            rc = spng_failure(err, e, "corrupt PNG");
            goto done;
        }
    }
    for (uint32_t y = 0; y < ihdr.height && !rc; y++) {
        const uint8_t *src;
        if (whole) {
            src = whole + (size_t)y * rowlen;
        } else {
            int e = spng_decode_row(ctx, row, rowlen);
            if (e && !(e == SPNG_EOI && y == ihdr.height - 1)) {
                rc = spng_failure(err, e, "corrupt PNG");
                lw_err_prefix(err, "row %u", y);
                break;
            }
            src = row;
        }
        if (grey) {
            memcpy(greyrow, src, w); /* libspng scales 1, 2 and 4-bit grey to 0-255 */
        } else {
            rgba_to_grey(src, ihdr.width, greyrow);
        }
        rc = row_runs(img, y, greyrow, lim->max_runs, err);
    }
done:
    spng_ctx_free(ctx);
    lw_free(whole);
    lw_free(row);
    lw_free(greyrow);
    if (rc)
        lw_layer_img_reset(img);
    return rc;
}

lw_rc lw_png_decode_rgba(const uint8_t *data, size_t len, const lw_png_limits *lim,
                         lw_image *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    spng_ctx *ctx;
    struct spng_ihdr ihdr;
    lw_rc rc = open_png(data, len, lim, &ctx, &ihdr, err);
    if (rc)
        return rc;
    size_t n;
    if (!lw_size_mul(4 * (size_t)ihdr.width, ihdr.height, &n) || n > lim->max_image_bytes) {
        spng_ctx_free(ctx);
        return lw_err_set(err, LW_ELIMIT, "a %ux%u PNG needs more than the limit of %zu bytes",
                          ihdr.width, ihdr.height, lim->max_image_bytes);
    }
    uint8_t *px = lw_malloc(n);
    if (!px) {
        spng_ctx_free(ctx);
        return lw_err_nomem(err);
    }
    int e = spng_decode_image(ctx, px, n, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
    spng_ctx_free(ctx);
    if (e) {
        lw_free(px);
        return spng_failure(err, e, "corrupt PNG");
    }
    out->width = ihdr.width;
    out->height = ihdr.height;
    out->rgba = px;
    return LW_OK;
}
