/* lostwax: the design vault (see vault.h; the formats are in docs/internals/vault.md).
 *
 * The file is in three parts: the key file codec, the blob codec (both pure, so the fuzzer and
 * the tests reach them without a filesystem), and the vault itself: a directory handle, the
 * keys, a lock, and the walks behind verify and rotation. Every file of the vault is written to
 * a temporary name in its final directory, fsynced, renamed and the directory fsynced, so a
 * reader sees the old file or the new one and a crash leaves at worst a temporary file, which
 * nothing reads and verify reports.
 */
#include "store/vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/size.h"

static const uint8_t k_magic[4] = {'L', 'W', 'V', 'B'};
enum { BLOB_VERSION = 1, KEYFILE_VERSION = 1 };
enum { OFF_VERSION = 4, OFF_RESERVED = 5, OFF_GEN = 8, OFF_LEN = 12, OFF_NONCE = 20 };
#define OVERHEAD (LW_VAULT_HEADER_BYTES + LW_VAULT_TAG_BYTES)
#define AD_BYTES (LW_VAULT_ID_BYTES + LW_VAULT_HEADER_BYTES)
#define FANOUT_NAME 62 /* hex digits of a blob's file name after its two-digit directory */
static const char k_tmp_prefix[] = ".tmp-";
static const char k_lock_name[] = "lock";
static const char k_keyfile_magic[] = "lostwax-vault-keys";

/* ---------------------------------------------------------------------------------------------
 * Small helpers */

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Decodes 2*n lowercase hex digits. Key material passes through here, so there is no branch or
 * table lookup on a digit's value (the comparisons compile to flag arithmetic); only the final
 * "was every digit valid" decides. Returns false on any other character. */
static bool hex_decode(const char *s, uint8_t *out, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned is_d = (c - '0') < 10u, is_a = (c - 'a') < 6u;
        unsigned v = is_d * (c - '0') + is_a * (c - 'a' + 10);
        bad |= !(is_d | is_a);
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return bad == 0;
}

/* libsodium must be initialised before use; sodium_init is idempotent and thread-safe. */
static bool sodium_ready(void)
{
    return sodium_init() >= 0;
}

/* ---------------------------------------------------------------------------------------------
 * Ids */

void lw_vault_id_of(const lw_vault_keys *k, const void *data, size_t len,
                    uint8_t id[LW_VAULT_ID_BYTES])
{
    static const uint8_t none = 0;
    (void)sodium_ready();
    crypto_generichash(id, LW_VAULT_ID_BYTES, len ? data : &none, len, k->id_key,
                       sizeof k->id_key);
}

void lw_vault_id_format(const uint8_t id[LW_VAULT_ID_BYTES], char hex[LW_VAULT_ID_HEX + 1])
{
    sodium_bin2hex(hex, LW_VAULT_ID_HEX + 1, id, LW_VAULT_ID_BYTES);
}

lw_rc lw_vault_id_parse(const char *hex, uint8_t id[LW_VAULT_ID_BYTES], lw_err *err)
{
    size_t n = hex ? strnlen(hex, LW_VAULT_ID_HEX + 1) : 0;
    if (n != LW_VAULT_ID_HEX || !is_lower_hex(hex, n) || !hex_decode(hex, id, LW_VAULT_ID_BYTES))
        return lw_err_set(err, LW_EINVAL, "'%.80s' is not a blob id (64 lowercase hex digits)",
                          hex ? hex : "(null)");
    return LW_OK;
}

/* "ab/cdef..." for an id: where its blob lives inside the vault. */
static void id_rel_path(const uint8_t id[LW_VAULT_ID_BYTES], char rel[LW_VAULT_ID_HEX + 2])
{
    char hex[LW_VAULT_ID_HEX + 1];
    lw_vault_id_format(id, hex);
    rel[0] = hex[0];
    rel[1] = hex[1];
    rel[2] = '/';
    memcpy(rel + 3, hex + 2, FANOUT_NAME + 1);
}

/* ---------------------------------------------------------------------------------------------
 * Key file codec */

void lw_vault_keys_wipe(lw_vault_keys *k)
{
    if (k)
        sodium_memzero(k, sizeof *k);
}

static bool keys_valid(const lw_vault_keys *k)
{
    if (k->ngens < 1 || k->ngens > LW_VAULT_MAX_GENS || k->gen[0] < 1)
        return false;
    for (uint32_t i = 1; i < k->ngens; i++)
        if (k->gen[i] <= k->gen[i - 1])
            return false;
    return true;
}

lw_rc lw_vault_keys_format(const lw_vault_keys *k, char *buf, size_t size, size_t *len,
                           lw_err *err)
{
    *len = 0;
    if (!keys_valid(k))
        return lw_err_set(err, LW_EINVAL, "key ring has no generations or unordered ones");
    if (size < LW_VAULT_KEYFILE_MAX)
        return lw_err_set(err, LW_EINVAL, "key file buffer smaller than %d bytes",
                          LW_VAULT_KEYFILE_MAX);
    (void)sodium_ready();
    char hex[2 * LW_VAULT_KEY_BYTES + 1];
    size_t n = (size_t)snprintf(buf, size,
                                "# lostwax design-vault keys. Secret: keep mode 0600 and back it "
                                "up with the vault (docs/internals/vault.md).\n%s %d\n",
                                k_keyfile_magic, KEYFILE_VERSION);
    sodium_bin2hex(hex, sizeof hex, k->id_key, sizeof k->id_key);
    n += (size_t)snprintf(buf + n, size - n, "id %s\n", hex);
    for (uint32_t i = 0; i < k->ngens; i++) {
        sodium_bin2hex(hex, sizeof hex, k->key[i], LW_VAULT_KEY_BYTES);
        n += (size_t)snprintf(buf + n, size - n, "gen %u %s\n", k->gen[i], hex);
    }
    uint8_t sum[32];
    crypto_generichash(sum, sizeof sum, (const uint8_t *)buf, n, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
    n += (size_t)snprintf(buf + n, size - n, "check %s\n", hex);
    sodium_memzero(hex, sizeof hex);
    /* 16 generations of 80 bytes and the rest stay far below LW_VAULT_KEYFILE_MAX. */
    *len = n;
    return LW_OK;
}

/* Parses a generation number: 1 to 4294967295, decimal, no sign or leading zero. */
static bool parse_gen(const char *s, size_t n, uint32_t *out)
{
    if (n == 0 || n > 10 || s[0] == '0')
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool starts(const char *line, size_t n, const char *word)
{
    size_t w = strlen(word);
    return n >= w && memcmp(line, word, w) == 0;
}

lw_rc lw_vault_keys_parse(const uint8_t *text, size_t len, lw_vault_keys *k, lw_err *err)
{
    memset(k, 0, sizeof *k);
    if (len > LW_VAULT_KEYFILE_MAX)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes, more than a key file's %d", len,
                          LW_VAULT_KEYFILE_MAX);
    (void)sodium_ready();
    const char *s = (const char *)text;
    enum { WANT_MAGIC, WANT_ID, WANT_GEN, DONE } state = WANT_MAGIC;
    size_t pos = 0, line_no = 0;
    lw_rc rc = LW_OK;
    while (pos < len && rc == LW_OK) {
        line_no++;
        const char *line = s + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (!nl) {
            rc = lw_err_set(err, LW_EFORMAT, "line %zu: no newline at the end (truncated?)",
                            line_no);
            break;
        }
        size_t n = (size_t)(nl - line);
        size_t line_start = pos;
        pos += n + 1;
        if (state == DONE) {
            rc = lw_err_set(err, LW_EFORMAT, "line %zu: text after the check line", line_no);
        } else if (n > 0 && line[0] == '#') {
            continue; /* comments are covered by the checksum like everything else */
        } else if (state == WANT_MAGIC) {
            char want[32];
            int w = snprintf(want, sizeof want, "%s %d", k_keyfile_magic, KEYFILE_VERSION);
            if (starts(line, n, k_keyfile_magic) && !(n == (size_t)w && !memcmp(line, want, n)))
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: key file version '%.*s' unknown "
                                "(this lostwax reads version %d)", line_no,
                                (int)(n > 40 ? 40 : n), line, KEYFILE_VERSION);
            else if (n != (size_t)w || memcmp(line, want, n))
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: not a lostwax vault key file",
                                line_no);
            else
                state = WANT_ID;
        } else if (state == WANT_ID) {
            if (n != 3 + 64 || !starts(line, n, "id ") ||
                !hex_decode(line + 3, k->id_key, LW_VAULT_KEY_BYTES))
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected 'id' and 64 hex digits",
                                line_no);
            else
                state = WANT_GEN;
        } else if (starts(line, n, "gen ")) {
            const char *sp = memchr(line + 4, ' ', n - 4);
            uint32_t g;
            if (!sp || !parse_gen(line + 4, (size_t)(sp - line - 4), &g) ||
                (size_t)(line + n - sp - 1) != 64) {
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected 'gen N' and 64 hex digits",
                                line_no);
            } else if (k->ngens == LW_VAULT_MAX_GENS) {
                rc = lw_err_set(err, LW_ELIMIT, "line %zu: more than %d key generations",
                                line_no, LW_VAULT_MAX_GENS);
            } else if (k->ngens && g <= k->gen[k->ngens - 1]) {
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: generation %u after %u (they must "
                                "ascend)", line_no, g, k->gen[k->ngens - 1]);
            } else if (!hex_decode(sp + 1, k->key[k->ngens], LW_VAULT_KEY_BYTES)) {
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: key is not 64 hex digits", line_no);
            } else {
                k->gen[k->ngens++] = g;
            }
        } else if (starts(line, n, "check ") && k->ngens > 0) {
            uint8_t want[32], got[32];
            crypto_generichash(want, sizeof want, text, line_start, NULL, 0);
            if (n != 6 + 64 || !hex_decode(line + 6, got, sizeof got))
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected 'check' and 64 hex digits",
                                line_no);
            else if (sodium_memcmp(want, got, sizeof want) != 0)
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: checksum does not match (the file "
                                "was edited or damaged)", line_no);
            else
                state = DONE;
        } else {
            rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected %s", line_no,
                            k->ngens ? "'gen N KEY' or 'check SUM'" : "'gen N KEY'");
        }
    }
    if (rc == LW_OK && state != DONE)
        rc = lw_err_set(err, LW_EFORMAT, "ends before its %s line (truncated?)",
                        state == WANT_MAGIC ? "first"
                        : state == WANT_ID  ? "id"
                                            : "check");
    if (rc != LW_OK)
        lw_vault_keys_wipe(k);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Blob codec */

typedef struct blob_hdr {
    uint8_t raw[LW_VAULT_HEADER_BYTES]; /* as stored: it is authenticated as it is */
    uint32_t gen;
    uint64_t len;
    uint32_t key_index; /* the generation's place in the key ring */
} blob_hdr;

/* Checks a header against the size of the whole file and the keys; fills *h. Defensive: the
 * length is compared with the file's size before anything trusts it. */
static lw_rc header_parse(const uint8_t *raw, uint64_t file_len, const lw_vault_keys *k,
                          size_t max_plain, blob_hdr *h, lw_err *err)
{
    if (file_len < OVERHEAD)
        return lw_err_set(err, LW_EFORMAT, "truncated: %llu bytes, a blob file has at least %d",
                          (unsigned long long)file_len, OVERHEAD);
    memcpy(h->raw, raw, sizeof h->raw);
    if (memcmp(raw, k_magic, sizeof k_magic) != 0)
        return lw_err_set(err, LW_EFORMAT, "not a vault blob (its first bytes are wrong)");
    if (raw[OFF_VERSION] != BLOB_VERSION)
        return lw_err_set(err, LW_EFORMAT, "blob format version %u is unknown (corrupt, or "
                          "written by a newer lostwax)", raw[OFF_VERSION]);
    if (raw[OFF_RESERVED] | raw[OFF_RESERVED + 1] | raw[OFF_RESERVED + 2])
        return lw_err_set(err, LW_EFORMAT, "reserved header bytes are not zero");
    h->gen = get_le32(raw + OFF_GEN);
    h->len = get_le64(raw + OFF_LEN);
    if (h->len != file_len - OVERHEAD)
        return lw_err_set(err, LW_EFORMAT, "header says %llu bytes of content but the file "
                          "holds %llu (truncated or extended)", (unsigned long long)h->len,
                          (unsigned long long)(file_len - OVERHEAD));
    if (h->len > max_plain)
        return lw_err_set(err, LW_ELIMIT, "%llu bytes, more than the limit of %zu",
                          (unsigned long long)h->len, max_plain);
    for (uint32_t i = 0; i < k->ngens; i++)
        if (k->gen[i] == h->gen) {
            h->key_index = i;
            return LW_OK;
        }
    return lw_err_set(err, LW_EFORMAT, "key generation %u is not in the key file (the blob "
                      "belongs to another vault or key file)", h->gen);
}

/* The additional data authenticated with every blob: its id, then its header (which holds the
 * generation, the length and the nonce). */
static void make_ad(uint8_t ad[AD_BYTES], const uint8_t id[LW_VAULT_ID_BYTES], const blob_hdr *h)
{
    memcpy(ad, id, LW_VAULT_ID_BYTES);
    memcpy(ad + LW_VAULT_ID_BYTES, h->raw, LW_VAULT_HEADER_BYTES);
}

/* Authenticates h->len bytes of ciphertext ct with tag mac and decrypts them to out (out may be
 * ct: libsodium checks the tag before it writes anything), then checks the plaintext hashes to
 * id. On failure out holds no plaintext. */
static lw_rc blob_decrypt(const lw_vault_keys *k, const uint8_t id[LW_VAULT_ID_BYTES],
                          const blob_hdr *h, const uint8_t *ct, const uint8_t *mac, uint8_t *out,
                          lw_err *err)
{
    uint8_t ad[AD_BYTES];
    make_ad(ad, id, h);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            out, NULL, ct, h->len, mac, ad, sizeof ad, h->raw + OFF_NONCE,
            k->key[h->key_index]) != 0)
        return lw_err_set(err, LW_EFORMAT, "authentication failed: the blob was altered, renamed "
                          "from another id, or written under another key");
    /* The tag binds the id already; hashing the content again proves the id names it even if
     * a key generation were known to an attacker, and catches our own mistakes. */
    uint8_t got[LW_VAULT_ID_BYTES];
    lw_vault_id_of(k, out, (size_t)h->len, got);
    if (sodium_memcmp(got, id, sizeof got) != 0) {
        sodium_memzero(out, (size_t)h->len);
        return lw_err_set(err, LW_EFORMAT, "content does not match its id");
    }
    return LW_OK;
}

lw_rc lw_vault_blob_seal(const lw_vault_keys *k, const uint8_t id[LW_VAULT_ID_BYTES],
                         const void *plain, size_t len, const uint8_t *nonce, uint8_t **blob,
                         size_t *blob_len, lw_err *err)
{
    static const uint8_t none = 0;
    *blob = NULL;
    *blob_len = 0;
    size_t total;
    if (!lw_size_add(len, OVERHEAD, &total) ||
        len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes is too large for a blob", len);
    if (!sodium_ready())
        return lw_err_set(err, LW_EIO, "libsodium could not be initialised");
    uint8_t *b = lw_malloc(total);
    if (!b)
        return lw_err_nomem(err);
    blob_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.raw, k_magic, sizeof k_magic);
    h.raw[OFF_VERSION] = BLOB_VERSION;
    h.key_index = k->ngens - 1;
    h.gen = k->gen[h.key_index];
    h.len = len;
    put_le32(h.raw + OFF_GEN, h.gen);
    put_le64(h.raw + OFF_LEN, h.len);
    if (nonce)
        memcpy(h.raw + OFF_NONCE, nonce, LW_VAULT_NONCE_BYTES);
    else
        randombytes_buf(h.raw + OFF_NONCE, LW_VAULT_NONCE_BYTES);
    memcpy(b, h.raw, sizeof h.raw);
    uint8_t ad[AD_BYTES];
    make_ad(ad, id, &h);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        b + LW_VAULT_HEADER_BYTES, b + LW_VAULT_HEADER_BYTES + len, NULL, len ? plain : &none,
        len, ad, sizeof ad, NULL, h.raw + OFF_NONCE, k->key[h.key_index]);
    *blob = b;
    *blob_len = total;
    return LW_OK;
}

lw_rc lw_vault_blob_open(const lw_vault_keys *k, const uint8_t id[LW_VAULT_ID_BYTES],
                         const uint8_t *blob, size_t len, size_t max_plain, uint8_t **plain,
                         size_t *plain_len, uint32_t *gen, lw_err *err)
{
    *plain = NULL;
    *plain_len = 0;
    if (!sodium_ready())
        return lw_err_set(err, LW_EIO, "libsodium could not be initialised");
    blob_hdr h;
    lw_rc rc = header_parse(blob, len, k, max_plain, &h, err);
    if (rc)
        return rc;
    uint8_t *out = lw_malloc((size_t)h.len);
    if (!out)
        return lw_err_nomem(err);
    const uint8_t *ct = blob + LW_VAULT_HEADER_BYTES;
    if ((rc = blob_decrypt(k, id, &h, ct, ct + h.len, out, err))) {
        lw_free(out);
        return rc;
    }
    *plain = out;
    *plain_len = (size_t)h.len;
    if (gen)
        *gen = h.gen;
    return LW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Files */

static lw_rc write_all(int fd, const uint8_t *p, size_t n, lw_err *err)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return lw_err_set(err, LW_EIO, "cannot write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return LW_OK;
}

/* Reads exactly n bytes at offset off; a short file is LW_EFORMAT (it shrank under us). */
static lw_rc read_exact(int fd, uint8_t *p, size_t n, off_t off, lw_err *err)
{
    while (n) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return lw_err_set(err, LW_EIO, "cannot read: %s", strerror(errno));
        }
        if (r == 0)
            return lw_err_set(err, LW_EFORMAT, "truncated while being read");
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return LW_OK;
}

static void fsync_dir_at(int at, const char *rel)
{
    int fd = openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        /* A failed directory fsync is not worth failing a write over: the file is complete
         * under its final name either way, only its survival of a power cut is in doubt. */
        (void)fsync(fd);
        close(fd);
    }
}

/* Replaces `name` in directory dfd with n bytes, atomically and durably: a temporary file named
 * tmp_prefix + 16 random hex digits (mode `mode`), written, fsynced, renamed over name, and the
 * directory fsynced. On error the temporary file is removed. */
static lw_rc write_atomic(int dfd, const char *name, const char *tmp_prefix, const void *data,
                          size_t n, mode_t mode, lw_err *err)
{
    uint8_t rnd[8];
    char rhex[17], tmp[320];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rhex, sizeof rhex, rnd, sizeof rnd);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s%s", tmp_prefix, rhex) >= sizeof tmp)
        return lw_err_set(err, LW_EINVAL, "file name too long");
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return lw_err_set(err, LW_EIO, "cannot create a temporary file: %s", strerror(errno));
    lw_rc rc = LW_OK;
    /* The umask may have taken bits away; set exactly what was asked. */
    if (fchmod(fd, mode) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot set the mode: %s", strerror(errno));
    if (rc == LW_OK)
        rc = write_all(fd, data, n, err);
    if (rc == LW_OK && fsync(fd) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot flush to disk: %s", strerror(errno));
    if (close(fd) != 0 && rc == LW_OK)
        rc = lw_err_set(err, LW_EIO, "cannot close: %s", strerror(errno));
    if (rc == LW_OK && renameat(dfd, tmp, dfd, name) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot rename into place: %s", strerror(errno));
    if (rc != LW_OK) {
        (void)unlinkat(dfd, tmp, 0);
        return rc;
    }
    (void)fsync(dfd); /* as in fsync_dir_at: the rename happened either way */
    return LW_OK;
}

/* Sorted names of a directory (without . and ..), each lw_strdup'ed. */
typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list;

static void names_clear(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        lw_free(l->names[i]);
    lw_free(l->names);
    memset(l, 0, sizeof *l);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static lw_rc list_dir(int at, const char *rel, name_list *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    int fd = openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lw_err_set(err, LW_EIO, "%s: cannot open the directory: %s", rel,
                          strerror(errno));
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return lw_err_set(err, LW_EIO, "%s: cannot list: %s", rel, strerror(e));
    }
    lw_rc rc = LW_OK;
    struct dirent *de;
    errno = 0;
    while (rc == LW_OK && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (out->n == out->cap) {
            size_t ncap = out->cap ? out->cap * 2 : 16;
            char **nn = lw_reallocarray(out->names, ncap, sizeof *nn);
            if (!nn) {
                rc = lw_err_nomem(err);
                break;
            }
            out->names = nn;
            out->cap = ncap;
        }
        if (!(out->names[out->n] = lw_strdup(de->d_name)))
            rc = lw_err_nomem(err);
        else
            out->n++;
        errno = 0;
    }
    if (rc == LW_OK && errno != 0)
        rc = lw_err_set(err, LW_EIO, "%s: cannot list: %s", rel, strerror(errno));
    closedir(d);
    if (rc != LW_OK) {
        names_clear(out);
        return rc;
    }
    if (out->n)
        qsort(out->names, out->n, sizeof *out->names, name_cmp);
    return LW_OK;
}

static bool is_fanout_name(const char *s)
{
    return strlen(s) == 2 && is_lower_hex(s, 2);
}

/* ---------------------------------------------------------------------------------------------
 * The vault */

struct lw_vault {
    int dirfd;         /* the vault directory */
    int keydirfd;      /* the key file's directory (the path may be relative to a cwd we leave) */
    char *key_name;    /* the key file's name in it */
    int lockfd;        /* DIR/lock: shared while open, exclusive while rotating; -1 if none */
    lw_vault_opts opts;
    lw_vault_keys keys;
    pthread_rwlock_t rw; /* readers: put/get/has/verify; writer: rotate_key */
    bool rw_ready;
};

void lw_vault_opts_default(lw_vault_opts *o)
{
    o->max_blob = LW_VAULT_MAX_BLOB;
    o->crash_after = -1;
}

void lw_vault_close(lw_vault *v)
{
    if (!v)
        return;
    lw_vault_keys_wipe(&v->keys);
    if (v->dirfd >= 0)
        close(v->dirfd);
    if (v->keydirfd >= 0)
        close(v->keydirfd);
    if (v->lockfd >= 0)
        close(v->lockfd); /* releases the flock */
    if (v->rw_ready)
        pthread_rwlock_destroy(&v->rw);
    lw_free(v->key_name);
    lw_free(v);
}

static lw_rc write_keys(lw_vault *v, const lw_vault_keys *k, lw_err *err)
{
    char buf[LW_VAULT_KEYFILE_MAX];
    size_t n;
    lw_rc rc = lw_vault_keys_format(k, buf, sizeof buf, &n, err);
    if (rc == LW_OK) {
        char prefix[300];
        if ((size_t)snprintf(prefix, sizeof prefix, ".%s.tmp-", v->key_name) >= sizeof prefix)
            rc = lw_err_set(err, LW_EINVAL, "key file name too long");
        else
            rc = write_atomic(v->keydirfd, v->key_name, prefix, buf, n, 0600, err);
        if (rc)
            lw_err_prefix(err, "key file");
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static lw_rc read_keys(lw_vault *v, lw_err *err)
{
    int fd = openat(v->keydirfd, v->key_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return lw_err_set(err, LW_EINVAL, "key file is a symbolic link: give its own path "
                              "(rotation replaces the file)");
        return lw_err_set(err, e == ENOENT ? LW_ENOTFOUND : LW_EIO, "key file: cannot open: %s",
                          strerror(e));
    }
    struct stat st;
    lw_rc rc = LW_OK;
    if (fstat(fd, &st) != 0)
        rc = lw_err_set(err, LW_EIO, "key file: cannot stat: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = lw_err_set(err, LW_EFORMAT, "key file is not a regular file");
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        rc = lw_err_set(err, LW_EDENIED, "key file is open to group or others (mode %04o): "
                        "chmod 600 it, and consider whether its keys have leaked",
                        (unsigned)(st.st_mode & 07777));
    uint8_t buf[LW_VAULT_KEYFILE_MAX + 1];
    size_t n = 0;
    while (rc == LW_OK && n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = lw_err_set(err, LW_EIO, "key file: cannot read: %s", strerror(errno));
        else if (r == 0)
            break;
        else
            n += (size_t)r;
    }
    close(fd);
    if (rc == LW_OK && (rc = lw_vault_keys_parse(buf, n, &v->keys, err)))
        lw_err_prefix(err, "key file");
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* True when some fan-out directory of the vault holds a file. */
static lw_rc has_any_blob(lw_vault *v, bool *any, lw_err *err)
{
    *any = false;
    name_list top;
    lw_rc rc = list_dir(v->dirfd, ".", &top, err);
    for (size_t i = 0; rc == LW_OK && i < top.n && !*any; i++) {
        if (!is_fanout_name(top.names[i]))
            continue;
        name_list sub;
        if ((rc = list_dir(v->dirfd, top.names[i], &sub, err)) == LW_OK)
            *any = sub.n > 0;
        names_clear(&sub);
    }
    names_clear(&top);
    return rc;
}

static lw_rc new_keys(lw_vault_keys *k)
{
    memset(k, 0, sizeof *k);
    randombytes_buf(k->id_key, sizeof k->id_key);
    k->ngens = 1;
    k->gen[0] = 1;
    randombytes_buf(k->key[0], LW_VAULT_KEY_BYTES);
    return LW_OK;
}

/* Opens the directory that holds `path` and copies its last component. */
static lw_rc open_parent(const char *path, int *dfd, char **base, lw_err *err)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    if (!*b)
        return lw_err_set(err, LW_EINVAL, "key file path '%s' names a directory", path);
    char *dir = slash ? lw_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : lw_strdup(".");
    if (!dir)
        return lw_err_nomem(err);
    *dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    lw_free(dir);
    if (*dfd < 0)
        return lw_err_set(err, e == ENOENT ? LW_ENOTFOUND : LW_EIO,
                          "key file's directory: cannot open: %s", strerror(e));
    if (!(*base = lw_strdup(b))) {
        close(*dfd);
        *dfd = -1;
        return lw_err_nomem(err);
    }
    return LW_OK;
}

static lw_rc open_dir(const char *dir, bool create, int *fd, lw_err *err)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd >= 0)
        return LW_OK;
    int e = errno;
    if (e != ENOENT)
        return lw_err_set(err, LW_EIO, "vault directory: cannot open: %s", strerror(e));
    if (!create)
        return lw_err_set(err, LW_ENOTFOUND, "no vault directory");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return lw_err_set(err, errno == ENOENT ? LW_ENOTFOUND : LW_EIO,
                          "cannot make the vault directory: %s", strerror(errno));
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return lw_err_set(err, LW_EIO, "vault directory: cannot open: %s", strerror(errno));
    /* The new directory's own entry must survive a power cut too. */
    int pfd;
    char *base = NULL;
    if (open_parent(dir, &pfd, &base, NULL) == LW_OK) {
        (void)fsync(pfd);
        close(pfd);
    }
    lw_free(base);
    return LW_OK;
}

/* Takes DIR/lock exclusively (no other lw_vault open on this vault, here or elsewhere), or
 * restores the shared lock and says why not; `doing` ends the message. */
static lw_rc lock_exclusive(lw_vault *v, const char *doing, lw_err *err)
{
    if (v->lockfd < 0)
        return lw_err_set(err, LW_EIO, "the vault's lock file could not be opened (read-only "
                          "storage?): cannot lock it %s", doing);
    if (flock(v->lockfd, LOCK_EX | LOCK_NB) == 0)
        return LW_OK;
    int e = errno;
    /* Converting a lock may drop it first: take the shared one back. */
    (void)flock(v->lockfd, LOCK_SH | LOCK_NB);
    if (e == EWOULDBLOCK)
        return lw_err_set(err, LW_ECONFLICT, "the vault is open elsewhere (the studio server, "
                          "another command): close it %s", doing);
    return lw_err_set(err, LW_EIO, "cannot lock the vault: %s", strerror(e));
}

static lw_rc lock_shared(lw_vault *v, lw_err *err)
{
    v->lockfd = openat(v->dirfd, k_lock_name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (v->lockfd < 0) /* a read-only copy of a vault can still be read */
        v->lockfd = openat(v->dirfd, k_lock_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (v->lockfd >= 0 && flock(v->lockfd, LOCK_SH | LOCK_NB) != 0) {
        int e = errno;
        return lw_err_set(err, e == EWOULDBLOCK ? LW_ECONFLICT : LW_EIO,
                          "cannot lock the vault: %s", e == EWOULDBLOCK
                          ? "another process is rotating its keys, try again" : strerror(e));
    }
    return LW_OK;
}

/* Reads the key file or, with create and none there, makes one. */
static lw_rc load_keys(lw_vault *v, bool create, lw_err *err)
{
    lw_err kerr;
    lw_err_clear(&kerr);
    lw_rc rc = read_keys(v, &kerr);
    if (rc != LW_ENOTFOUND || !create) {
        if (rc)
            lw_err_set(err, kerr.rc, "%s", kerr.msg);
        return rc;
    }
    /* Exclusively, so two first commands cannot each make a key file of their own. */
    if ((rc = lock_exclusive(v, "while its key file is made", err)))
        return rc;
    lw_err_clear(&kerr);
    rc = read_keys(v, &kerr); /* made by another process meanwhile? */
    if (rc == LW_ENOTFOUND) {
        bool any;
        if ((rc = has_any_blob(v, &any, err)) == LW_OK && any)
            rc = lw_err_set(err, LW_ECONFLICT, "the vault holds blobs but its key file is "
                            "missing: restore the key file (a new key could not read them)");
        if (rc == LW_OK && (rc = new_keys(&v->keys)) == LW_OK)
            rc = write_keys(v, &v->keys, err);
    } else if (rc) {
        lw_err_set(err, kerr.rc, "%s", kerr.msg);
    }
    (void)flock(v->lockfd, LOCK_SH | LOCK_NB);
    return rc;
}

lw_rc lw_vault_open(const char *dir, const char *key_path, bool create, lw_vault **out,
                    lw_err *err)
{
    return lw_vault_open_opts(dir, key_path, create, NULL, out, err);
}

lw_rc lw_vault_open_opts(const char *dir, const char *key_path, bool create,
                         const lw_vault_opts *opts, lw_vault **out, lw_err *err)
{
    *out = NULL;
    lw_vault_opts o;
    lw_vault_opts_default(&o);
    if (opts)
        o = *opts;
    if (o.max_blob < 1 || o.max_blob > SIZE_MAX - 2 * OVERHEAD ||
        o.max_blob > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
        return lw_err_set(err, LW_EINVAL, "blob size limit %zu is out of range", o.max_blob);
    if (!sodium_ready())
        return lw_err_set(err, LW_EIO, "libsodium could not be initialised");
    lw_vault *v = lw_calloc(1, sizeof *v);
    if (!v)
        return lw_err_nomem(err);
    v->dirfd = v->keydirfd = v->lockfd = -1;
    v->opts = o;
    lw_rc rc = open_dir(dir, create, &v->dirfd, err);
    if (rc == LW_OK)
        rc = open_parent(key_path, &v->keydirfd, &v->key_name, err);
    /* Room for the temporary name beside it (".NAME.tmp-" and 16 digits) within NAME_MAX. */
    if (rc == LW_OK && strlen(v->key_name) > 200)
        rc = lw_err_set(err, LW_EINVAL, "key file name over 200 bytes");
    /* The lock before the keys: a rotation elsewhere holds it exclusively until its key file is
     * final, so the keys read here are never a rotation's half-way state. */
    if (rc == LW_OK)
        rc = lock_shared(v, err);
    if (rc == LW_OK)
        rc = load_keys(v, create, err);
    if (rc == LW_OK) {
        if (pthread_rwlock_init(&v->rw, NULL) != 0)
            rc = lw_err_set(err, LW_ENOMEM, "cannot make the vault's lock");
        else
            v->rw_ready = true;
    }
    if (rc) {
        lw_vault_close(v);
        return rc;
    }
    *out = v;
    return LW_OK;
}

/* Reads, authenticates and decrypts the blob named id: the plaintext in a buffer of its own
 * (read ciphertext and tag straight into it and decrypt in place, so a blob costs its size in
 * memory once, not twice). */
static lw_rc blob_read(lw_vault *v, const uint8_t id[LW_VAULT_ID_BYTES], uint8_t **plain,
                       size_t *plain_len, uint32_t *gen, lw_err *err)
{
    *plain = NULL;
    *plain_len = 0;
    char rel[LW_VAULT_ID_HEX + 2];
    id_rel_path(id, rel);
    int fd = openat(v->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return lw_err_set(err, LW_ENOTFOUND, "no such blob");
        if (e == ELOOP)
            return lw_err_set(err, LW_EFORMAT, "the blob file is a symbolic link");
        return lw_err_set(err, LW_EIO, "cannot open the blob file: %s", strerror(e));
    }
    struct stat st;
    uint8_t raw[LW_VAULT_HEADER_BYTES];
    blob_hdr h;
    uint8_t *buf = NULL;
    lw_rc rc = LW_OK;
    if (fstat(fd, &st) != 0)
        rc = lw_err_set(err, LW_EIO, "cannot stat the blob file: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = lw_err_set(err, LW_EFORMAT, "the blob file is not a regular file");
    else if ((uint64_t)st.st_size > (uint64_t)v->opts.max_blob + OVERHEAD)
        rc = lw_err_set(err, LW_ELIMIT, "the blob file is %lld bytes, over the limit of %zu",
                        (long long)st.st_size, v->opts.max_blob);
    else if (st.st_size < OVERHEAD)
        rc = lw_err_set(err, LW_EFORMAT, "truncated: %lld bytes, a blob file has at least %d",
                        (long long)st.st_size, OVERHEAD);
    if (rc == LW_OK)
        rc = read_exact(fd, raw, sizeof raw, 0, err);
    if (rc == LW_OK)
        rc = header_parse(raw, (uint64_t)st.st_size, &v->keys, v->opts.max_blob, &h, err);
    if (rc == LW_OK && !(buf = lw_malloc((size_t)h.len + LW_VAULT_TAG_BYTES)))
        rc = lw_err_nomem(err);
    if (rc == LW_OK)
        rc = read_exact(fd, buf, (size_t)h.len + LW_VAULT_TAG_BYTES, LW_VAULT_HEADER_BYTES, err);
    if (rc == LW_OK)
        rc = blob_decrypt(&v->keys, id, &h, buf, buf + h.len, buf, err);
    close(fd);
    if (rc) {
        lw_free(buf);
        return rc;
    }
    *plain = buf;
    *plain_len = (size_t)h.len;
    if (gen)
        *gen = h.gen;
    return LW_OK;
}

static void free_plain(uint8_t *p, size_t n)
{
    if (p) {
        /* Customers' designs are confidential too: leave none in freed memory. */
        sodium_memzero(p, n);
        lw_free(p);
    }
}

/* Encrypts plain under the current generation and puts it in place of blob id. */
static lw_rc blob_write(lw_vault *v, const uint8_t id[LW_VAULT_ID_BYTES], const void *plain,
                        size_t len, lw_err *err)
{
    char rel[LW_VAULT_ID_HEX + 2];
    id_rel_path(id, rel);
    rel[2] = 0; /* rel is now the fan-out directory, rel + 3 the file's name in it */
    if (mkdirat(v->dirfd, rel, 0700) == 0)
        fsync_dir_at(v->dirfd, ".");
    else if (errno != EEXIST)
        return lw_err_set(err, LW_EIO, "cannot make directory %s: %s", rel, strerror(errno));
    int dfd = openat(v->dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0)
        return lw_err_set(err, LW_EIO, "cannot open directory %s: %s", rel, strerror(errno));
    uint8_t *blob;
    size_t n;
    lw_rc rc = lw_vault_blob_seal(&v->keys, id, plain, len, NULL, &blob, &n, err);
    if (rc == LW_OK)
        rc = write_atomic(dfd, rel + 3, k_tmp_prefix, blob, n, 0600, err);
    close(dfd);
    lw_free(blob);
    return rc;
}

lw_rc lw_vault_put(lw_vault *v, const void *data, size_t len, char id_out[LW_VAULT_ID_HEX + 1],
                   lw_err *err)
{
    id_out[0] = 0;
    if (len > v->opts.max_blob)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes, more than the vault's limit of %zu", len,
                          v->opts.max_blob);
    pthread_rwlock_rdlock(&v->rw);
    uint8_t id[LW_VAULT_ID_BYTES];
    lw_vault_id_of(&v->keys, data, len, id);
    /* Identical content is stored once, but only a copy that authenticates counts: a damaged
     * one is replaced, so a put is never a silent no-op on a blob nobody can read. */
    uint8_t *old;
    size_t old_len;
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = blob_read(v, id, &old, &old_len, NULL, &e);
    free_plain(old, old_len);
    if (rc == LW_ENOTFOUND || rc == LW_EFORMAT || rc == LW_ELIMIT)
        rc = blob_write(v, id, data, len, err);
    else if (rc)
        lw_err_set(err, rc, "%s", e.msg);
    pthread_rwlock_unlock(&v->rw);
    if (rc == LW_OK)
        lw_vault_id_format(id, id_out);
    return rc;
}

lw_rc lw_vault_get(lw_vault *v, const char *id, uint8_t **data, size_t *len, lw_err *err)
{
    *data = NULL;
    *len = 0;
    uint8_t raw[LW_VAULT_ID_BYTES];
    lw_rc rc = lw_vault_id_parse(id, raw, err);
    if (rc)
        return rc;
    pthread_rwlock_rdlock(&v->rw);
    rc = blob_read(v, raw, data, len, NULL, err);
    pthread_rwlock_unlock(&v->rw);
    if (rc)
        lw_err_prefix(err, "blob %s", id);
    return rc;
}

lw_rc lw_vault_has(lw_vault *v, const char *id, bool *present, lw_err *err)
{
    *present = false;
    uint8_t raw[LW_VAULT_ID_BYTES];
    lw_rc rc = lw_vault_id_parse(id, raw, err);
    if (rc)
        return rc;
    char rel[LW_VAULT_ID_HEX + 2];
    id_rel_path(raw, rel);
    struct stat st;
    if (fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        *present = S_ISREG(st.st_mode);
    else if (errno != ENOENT && errno != ENOTDIR)
        return lw_err_set(err, LW_EIO, "blob %s: cannot stat: %s", id, strerror(errno));
    return LW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Walking every file of the vault, in path order (verify and rotation) */

enum walk_kind { WALK_BLOB, WALK_TEMP, WALK_OTHER };

/* Called for each file; rel is its path in the vault, id the blob's id (WALK_BLOB only). A
 * return other than LW_OK stops the walk. */
typedef lw_rc (*walk_fn)(lw_vault *v, void *ctx, enum walk_kind kind, const char *rel,
                         const uint8_t *id, lw_err *err);

static lw_rc walk(lw_vault *v, walk_fn fn, void *ctx, lw_err *err)
{
    name_list top;
    lw_rc rc = list_dir(v->dirfd, ".", &top, err);
    for (size_t i = 0; rc == LW_OK && i < top.n; i++) {
        const char *d = top.names[i];
        struct stat st;
        bool is_dir = fstatat(v->dirfd, d, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        if (!strcmp(d, k_lock_name))
            continue;
        if (!is_fanout_name(d) || !is_dir) {
            rc = fn(v, ctx, d[0] == '.' && !strncmp(d, k_tmp_prefix, strlen(k_tmp_prefix))
                                ? WALK_TEMP : WALK_OTHER, d, NULL, err);
            continue;
        }
        name_list sub;
        if ((rc = list_dir(v->dirfd, d, &sub, err)))
            break;
        for (size_t j = 0; rc == LW_OK && j < sub.n; j++) {
            const char *f = sub.names[j];
            char rel[300], hex[LW_VAULT_ID_HEX + 1];
            snprintf(rel, sizeof rel, "%s/%s", d, f);
            if (strlen(f) == FANOUT_NAME && is_lower_hex(f, FANOUT_NAME)) {
                uint8_t id[LW_VAULT_ID_BYTES];
                snprintf(hex, sizeof hex, "%s%s", d, f);
                (void)lw_vault_id_parse(hex, id, NULL);
                rc = fn(v, ctx, WALK_BLOB, rel, id, err);
            } else {
                bool tmp = !strncmp(f, k_tmp_prefix, strlen(k_tmp_prefix));
                rc = fn(v, ctx, tmp ? WALK_TEMP : WALK_OTHER, rel, NULL, err);
            }
        }
        names_clear(&sub);
    }
    names_clear(&top);
    return rc;
}

typedef struct verify_ctx {
    lw_vault_report_fn report;
    void *ctx;
    lw_vault_counts *counts;
} verify_ctx;

static lw_rc verify_one(lw_vault *v, void *vctx, enum walk_kind kind, const char *rel,
                        const uint8_t *id, lw_err *err)
{
    verify_ctx *c = vctx;
    if (kind != WALK_BLOB) {
        c->counts->stray++;
        if (c->report)
            c->report(c->ctx, LW_VAULT_STRAY, rel, NULL,
                      kind == WALK_TEMP ? "temporary file of an interrupted write"
                                        : "not a file of the vault");
        return LW_OK;
    }
    uint8_t *plain;
    size_t len;
    uint32_t gen;
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = blob_read(v, id, &plain, &len, &gen, &e);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc == LW_ENOTFOUND)
        return LW_OK; /* removed while we walked: nothing to judge */
    if (rc == LW_OK) {
        c->counts->ok++;
        c->counts->bytes += len;
        if (gen != v->keys.gen[v->keys.ngens - 1])
            c->counts->old_gen++;
        free_plain(plain, len);
        return LW_OK;
    }
    c->counts->corrupt++;
    if (c->report) {
        char hex[LW_VAULT_ID_HEX + 1];
        lw_vault_id_format(id, hex);
        c->report(c->ctx, LW_VAULT_CORRUPT, rel, hex, e.msg);
    }
    return LW_OK;
}

lw_rc lw_vault_verify(lw_vault *v, lw_vault_report_fn report, void *ctx, lw_vault_counts *counts,
                      lw_err *err)
{
    memset(counts, 0, sizeof *counts);
    verify_ctx c = {report, ctx, counts};
    pthread_rwlock_rdlock(&v->rw);
    lw_rc rc = walk(v, verify_one, &c, err);
    pthread_rwlock_unlock(&v->rw);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Key rotation */

typedef struct rotate_ctx {
    lw_vault_rotation *st;
} rotate_ctx;

static lw_rc rotate_one(lw_vault *v, void *vctx, enum walk_kind kind, const char *rel,
                        const uint8_t *id, lw_err *err)
{
    lw_vault_rotation *st = ((rotate_ctx *)vctx)->st;
    if (kind != WALK_BLOB)
        return LW_OK;
    uint8_t *plain;
    size_t len;
    uint32_t gen;
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = blob_read(v, id, &plain, &len, &gen, &e);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc == LW_ENOTFOUND)
        return LW_OK;
    if (rc) {
        st->failed++; /* left as it is: verify names it */
        return LW_OK;
    }
    if (gen == st->generation) {
        st->current++;
        free_plain(plain, len);
        return LW_OK;
    }
    rc = blob_write(v, id, plain, len, err);
    free_plain(plain, len);
    if (rc) {
        lw_err_prefix(err, "re-encrypting %s", rel);
        return rc;
    }
    st->reencrypted++;
    if (v->opts.crash_after > 0 && st->reencrypted == (uint64_t)v->opts.crash_after)
        return lw_err_set(err, LW_EIO, "simulated crash after %ld blobs (test hook)",
                          v->opts.crash_after);
    return LW_OK;
}

static lw_rc rotate_locked(lw_vault *v, lw_vault_rotation *st, lw_err *err)
{
    lw_vault_keys *k = &v->keys;
    lw_rc rc = LW_OK;
    st->resumed = k->ngens > 1;
    if (!st->resumed) {
        /* Step 1: a new generation, written to the key file before any blob uses it. */
        uint32_t last = k->gen[k->ngens - 1];
        if (last == UINT32_MAX)
            return lw_err_set(err, LW_ELIMIT, "no key generation number left after %u", last);
        lw_vault_keys next = *k;
        next.gen[next.ngens] = last + 1;
        randombytes_buf(next.key[next.ngens], LW_VAULT_KEY_BYTES);
        next.ngens++;
        rc = write_keys(v, &next, err);
        if (rc == LW_OK)
            *k = next;
        lw_vault_keys_wipe(&next);
        if (rc)
            return rc;
    }
    st->generation = k->gen[k->ngens - 1];
    if (v->opts.crash_after == 0)
        return lw_err_set(err, LW_EIO, "simulated crash before re-encrypting (test hook)");
    /* Step 2: every blob under the new generation, each replaced atomically. */
    rotate_ctx c = {st};
    if ((rc = walk(v, rotate_one, &c, err)))
        return rc;
    if (st->failed)
        return lw_err_set(err, LW_EFORMAT, "%llu blob(s) did not authenticate and were left as "
                          "they were (run verify); the older key generations stay in the key "
                          "file until a rerun succeeds", (unsigned long long)st->failed);
    /* Step 3: only now can the older generations go. */
    lw_vault_keys last = *k;
    last.gen[0] = k->gen[k->ngens - 1];
    memcpy(last.key[0], k->key[k->ngens - 1], LW_VAULT_KEY_BYTES);
    for (uint32_t i = 1; i < LW_VAULT_MAX_GENS; i++) {
        last.gen[i] = 0;
        sodium_memzero(last.key[i], LW_VAULT_KEY_BYTES);
    }
    last.ngens = 1;
    rc = write_keys(v, &last, err);
    if (rc == LW_OK)
        *k = last;
    lw_vault_keys_wipe(&last);
    return rc;
}

lw_rc lw_vault_rotate_key(lw_vault *v, lw_vault_rotation *stats, lw_err *err)
{
    lw_vault_rotation local;
    lw_vault_rotation *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    pthread_rwlock_wrlock(&v->rw);
    lw_rc rc = lock_exclusive(v, "before rotating the keys", err);
    if (rc == LW_OK) {
        rc = rotate_locked(v, st, err);
        (void)flock(v->lockfd, LOCK_SH | LOCK_NB);
    }
    pthread_rwlock_unlock(&v->rw);
    return rc;
}
