/* Tests of the design vault (src/store/vault.c).
 *
 * The vault's promise is that a read returns exactly what was stored or an error, never other
 * bytes: so every bit of a stored blob is flipped in turn, files are truncated, renamed, read
 * with the wrong key file and from before a key rotation, and each must fail without handing
 * out plaintext. Rotation is interrupted at each stage (the test hook stops it as a crash would)
 * and the vault reopened: every blob must still read back and a rerun must finish the job.
 * The fuzzer's seed files are produced here too, and compared with the committed ones, which
 * pins the blob and key file formats: a change to either shows up as a diff.
 */
#include "lwtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fuzz/vault_seed_keys.h"
#include "base/alloc.h"
#include "base/file.h"
#include "store/vault.h"

/* ---- scratch vaults ---- */

typedef struct scratch {
    char dir[1024];  /* the vault */
    char key[1024];  /* its key file, beside it as the server keeps it */
    char root[900];
} scratch;

/* Removes a scratch tree (depth first; symbolic links are removed, never followed). */
static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                    continue;
                char sub[2048];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_rf(sub);
            }
            closedir(d);
        }
        (void)rmdir(path);
    } else {
        (void)unlink(path);
    }
}

static void scratch_init(scratch *s, const char *name)
{
    char leaf[128];
    snprintf(leaf, sizeof leaf, "vault-%s", name);
    snprintf(s->root, sizeof s->root, "%s", lwt_tmp(leaf));
    rm_rf(s->root);
    assert_int_equal(mkdir(s->root, 0700), 0);
    snprintf(s->dir, sizeof s->dir, "%s/vault", s->root);
    snprintf(s->key, sizeof s->key, "%s/vault.key", s->root);
}

static lw_vault *open_ok(const scratch *s, bool create, const lw_vault_opts *o)
{
    lw_vault *v;
    lw_err err;
    lw_err_clear(&err);
    if (lw_vault_open_opts(s->dir, s->key, create, o, &v, &err))
        fail_msg("open %s: %s", s->dir, err.msg);
    return v;
}

static void put_ok(lw_vault *v, const void *data, size_t len, char id[LW_VAULT_ID_HEX + 1])
{
    lw_err err;
    lw_err_clear(&err);
    if (lw_vault_put(v, data, len, id, &err))
        fail_msg("put %zu bytes: %s", len, err.msg);
    assert_int_equal(strlen(id), LW_VAULT_ID_HEX);
}

static void get_same(lw_vault *v, const char *id, const void *want, size_t len)
{
    uint8_t *got;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    if (lw_vault_get(v, id, &got, &n, &err))
        fail_msg("get %s: %s", id, err.msg);
    assert_non_null(got);
    assert_int_equal(n, len);
    if (len)
        assert_memory_equal(got, want, len);
    lw_free(got);
}

/* A get that must fail with rc and hand out nothing. */
static void get_fails(lw_vault *v, const char *id, lw_rc rc)
{
    uint8_t *got = (uint8_t *)"sentinel";
    size_t n = 12345;
    lw_err err;
    lw_err_clear(&err);
    lw_rc r = lw_vault_get(v, id, &got, &n, &err);
    if (r != rc)
        fail_msg("get %s: %s (%s), expected %s", id, lw_rc_name(r), err.msg, lw_rc_name(rc));
    assert_null(got);
    assert_int_equal(n, 0);
    assert_int_equal(err.rc, rc);
    assert_true(err.msg[0] != 0);
}

static void blob_path(const scratch *s, const char *id, char *out, size_t size)
{
    snprintf(out, size, "%s/%.2s/%s", s->dir, id, id + 2);
}

static void read_all(const char *path, uint8_t **data, size_t *len)
{
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(path, (size_t)1 << 30, data, len, &err))
        fail_msg("%s: %s", path, err.msg);
}

/* Writes bytes to path in place (not atomically: the tests play the part of damage). */
static void write_raw(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

typedef struct findings {
    int corrupt, stray;
    char last_id[LW_VAULT_ID_HEX + 1];
    char last_rel[256];
} findings;

static void on_finding(void *ctx, lw_vault_finding kind, const char *rel, const char *id,
                       const char *why)
{
    findings *f = ctx;
    assert_non_null(why);
    assert_true(why[0] != 0);
    snprintf(f->last_rel, sizeof f->last_rel, "%s", rel);
    if (kind == LW_VAULT_CORRUPT) {
        f->corrupt++;
        assert_non_null(id);
        snprintf(f->last_id, sizeof f->last_id, "%s", id);
    } else {
        f->stray++;
        assert_null(id);
    }
}

static lw_vault_counts verify_ok(lw_vault *v, findings *f)
{
    lw_vault_counts c;
    lw_err err;
    lw_err_clear(&err);
    if (f)
        memset(f, 0, sizeof *f);
    if (lw_vault_verify(v, f ? on_finding : NULL, f, &c, &err))
        fail_msg("verify: %s", err.msg);
    if (f) {
        assert_int_equal(f->corrupt, (int)c.corrupt);
        assert_int_equal(f->stray, (int)c.stray);
    }
    return c;
}

static void fill_random(uint8_t *p, size_t n)
{
    randombytes_buf(p, n);
}

static void read_keys_file(const scratch *s, lw_vault_keys *k)
{
    uint8_t *text;
    size_t len;
    read_all(s->key, &text, &len);
    lw_err err;
    lw_err_clear(&err);
    if (lw_vault_keys_parse(text, len, k, &err))
        fail_msg("key file: %s", err.msg);
    sodium_memzero(text, len);
    lw_free(text);
}

static uint32_t blob_file_gen(const scratch *s, const char *id)
{
    char path[1200];
    blob_path(s, id, path, sizeof path);
    uint8_t *b;
    size_t n;
    read_all(path, &b, &n);
    assert_true(n >= LW_VAULT_HEADER_BYTES);
    uint32_t g = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
                 (uint32_t)b[11] << 24;
    lw_free(b);
    return g;
}

/* ---- round trips ---- */

static void test_roundtrip(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "roundtrip");
    lw_vault *v = open_ok(&s, true, NULL);
    struct stat st;
    assert_int_equal(stat(s.key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(s.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    const size_t sizes[] = {0, 1, 100, (size_t)1 << 20};
    char ids[4][LW_VAULT_ID_HEX + 1];
    uint8_t *data[4];
    for (int i = 0; i < 4; i++) {
        data[i] = lw_malloc(sizes[i] + 1);
        assert_non_null(data[i]);
        fill_random(data[i], sizes[i]);
        put_ok(v, sizes[i] ? data[i] : NULL, sizes[i], ids[i]);
        char path[1200];
        blob_path(&s, ids[i], path, sizeof path);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal((size_t)st.st_size, sizes[i] + LW_VAULT_HEADER_BYTES +
                                                  LW_VAULT_TAG_BYTES);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    for (int i = 0; i < 4; i++) {
        get_same(v, ids[i], data[i], sizes[i]);
        bool has = false;
        lw_err err;
        lw_err_clear(&err);
        assert_int_equal(lw_vault_has(v, ids[i], &has, &err), LW_OK);
        assert_true(has);
    }
    /* The same after closing and reopening: nothing lived only in memory. */
    lw_vault_close(v);
    v = open_ok(&s, false, NULL);
    for (int i = 0; i < 4; i++)
        get_same(v, ids[i], data[i], sizes[i]);
    lw_vault_counts c = verify_ok(v, NULL);
    assert_int_equal(c.ok, 4);
    assert_int_equal(c.corrupt + c.stray + c.old_gen, 0);
    assert_int_equal(c.bytes, 0 + 1 + 100 + ((size_t)1 << 20));

    /* Unknown and malformed ids. */
    char unknown[LW_VAULT_ID_HEX + 1];
    memset(unknown, 'e', LW_VAULT_ID_HEX);
    unknown[LW_VAULT_ID_HEX] = 0;
    get_fails(v, unknown, LW_ENOTFOUND);
    bool has = true;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_has(v, unknown, &has, &err), LW_OK);
    assert_false(has);
    char upper[LW_VAULT_ID_HEX + 1];
    memcpy(upper, ids[2], sizeof upper);
    for (int i = 0; i < LW_VAULT_ID_HEX; i++)
        if (upper[i] >= 'a')
            upper[i] = (char)(upper[i] - 32);
    const char *bad[] = {"", "abc", "../../etc/passwd", upper, "g123"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        get_fails(v, bad[i], LW_EINVAL);
        lw_err_clear(&err);
        assert_int_equal(lw_vault_has(v, bad[i], &has, &err), LW_EINVAL);
    }
    char longer[LW_VAULT_ID_HEX + 2];
    snprintf(longer, sizeof longer, "%s0", ids[2]);
    get_fails(v, longer, LW_EINVAL);
    lw_vault_close(v);
    lw_vault_close(NULL);
    for (int i = 0; i < 4; i++)
        lw_free(data[i]);
    rm_rf(s.root);
}

/* Counts the blob files under the vault (regular files in fan-out directories). */
static int count_blob_files(const scratch *s)
{
    lw_vault *v = open_ok(s, false, NULL);
    lw_vault_counts c = verify_ok(v, NULL);
    lw_vault_close(v);
    return (int)(c.ok + c.corrupt);
}

static void test_dedup(void **state)
{
    (void)state;
    scratch s, t;
    scratch_init(&s, "dedup");
    scratch_init(&t, "dedup-other");
    lw_vault *v = open_ok(&s, true, NULL);
    const char text[] = "solitaire ring, 1.2 ct round, platinum, revision 3";
    char a[LW_VAULT_ID_HEX + 1], b[LW_VAULT_ID_HEX + 1], c[LW_VAULT_ID_HEX + 1];
    put_ok(v, text, sizeof text, a);
    char path[1200];
    blob_path(&s, a, path, sizeof path);
    uint8_t *first;
    size_t first_len;
    read_all(path, &first, &first_len);
    put_ok(v, text, sizeof text, b);
    assert_string_equal(a, b);
    /* Not rewritten: the same nonce, the same bytes. */
    uint8_t *second;
    size_t second_len;
    read_all(path, &second, &second_len);
    assert_int_equal(first_len, second_len);
    assert_memory_equal(first, second, first_len);
    put_ok(v, text, sizeof text - 1, c);
    assert_string_not_equal(a, c);
    lw_vault_close(v);
    assert_int_equal(count_blob_files(&s), 2);

    /* A damaged copy is replaced by the next put of the same content. */
    second[first_len / 2] ^= 0x10;
    write_raw(path, second, second_len);
    v = open_ok(&s, false, NULL);
    get_fails(v, a, LW_EFORMAT);
    put_ok(v, text, sizeof text, b);
    get_same(v, a, text, sizeof text);
    lw_vault_close(v);

    /* Another studio's id key gives another id for the same design: an outsider with a public
     * design cannot test for it. */
    lw_vault *w = open_ok(&t, true, NULL);
    put_ok(w, text, sizeof text, b);
    assert_string_not_equal(a, b);
    lw_vault_close(w);
    lw_free(first);
    lw_free(second);
    rm_rf(s.root);
    rm_rf(t.root);
}

/* ---- damage ---- */

static void test_every_bit_flip(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "flip");
    lw_vault *v = open_ok(&s, true, NULL);
    uint8_t data[40];
    fill_random(data, sizeof data);
    char id[LW_VAULT_ID_HEX + 1];
    put_ok(v, data, sizeof data, id);
    char path[1200];
    blob_path(&s, id, path, sizeof path);
    uint8_t *orig;
    size_t n;
    read_all(path, &orig, &n);
    assert_int_equal(n, sizeof data + LW_VAULT_HEADER_BYTES + LW_VAULT_TAG_BYTES);
    uint8_t *bytes = lw_malloc(n);
    assert_non_null(bytes);
    /* On disk: every byte, one bit each (a different bit from byte to byte), through get and
     * through verify. */
    for (size_t i = 0; i < n; i++) {
        memcpy(bytes, orig, n);
        bytes[i] ^= (uint8_t)(1u << (i % 8));
        write_raw(path, bytes, n);
        get_fails(v, id, LW_EFORMAT);
        findings f;
        lw_vault_counts c = verify_ok(v, &f);
        assert_int_equal(c.ok, 0);
        assert_int_equal(c.corrupt, 1);
        assert_string_equal(f.last_id, id);
    }
    write_raw(path, orig, n);
    get_same(v, id, data, sizeof data);

    /* In memory, through the pure decoder: every bit of every byte. */
    lw_vault_keys k;
    read_keys_file(&s, &k);
    uint8_t raw_id[LW_VAULT_ID_BYTES];
    assert_int_equal(lw_vault_id_parse(id, raw_id, NULL), LW_OK);
    uint8_t *plain;
    size_t plen;
    uint32_t gen;
    assert_int_equal(lw_vault_blob_open(&k, raw_id, orig, n, 1000, &plain, &plen, &gen, NULL),
                     LW_OK);
    assert_int_equal(gen, 1);
    assert_int_equal(plen, sizeof data);
    assert_memory_equal(plain, data, plen);
    lw_free(plain);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) {
            memcpy(bytes, orig, n);
            bytes[i] ^= (uint8_t)(1u << b);
            lw_err err;
            lw_err_clear(&err);
            plain = (uint8_t *)"x";
            assert_int_equal(lw_vault_blob_open(&k, raw_id, bytes, n, 1000, &plain, &plen, NULL,
                                                &err), LW_EFORMAT);
            assert_null(plain);
            assert_int_equal(plen, 0);
        }
    /* The right bytes under the wrong id. */
    raw_id[31] ^= 1;
    assert_int_equal(lw_vault_blob_open(&k, raw_id, orig, n, 1000, &plain, &plen, NULL, NULL),
                     LW_EFORMAT);
    assert_null(plain);
    lw_vault_keys_wipe(&k);
    lw_free(bytes);
    lw_free(orig);
    lw_vault_close(v);
    rm_rf(s.root);
}

static void test_truncated_and_extended(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "trunc");
    lw_vault *v = open_ok(&s, true, NULL);
    const char text[] = "signet ring, oval face, 9k rose gold";
    char id[LW_VAULT_ID_HEX + 1];
    put_ok(v, text, sizeof text, id);
    char path[1200];
    blob_path(&s, id, path, sizeof path);
    uint8_t *orig;
    size_t n;
    read_all(path, &orig, &n);
    for (size_t len = 0; len < n; len++) {
        write_raw(path, orig, len);
        get_fails(v, id, LW_EFORMAT);
    }
    uint8_t *longer = lw_malloc(n + 1);
    assert_non_null(longer);
    memcpy(longer, orig, n);
    longer[n] = 0;
    write_raw(path, longer, n + 1);
    get_fails(v, id, LW_EFORMAT);
    lw_vault_counts c = verify_ok(v, NULL);
    assert_int_equal(c.corrupt, 1);
    /* A directory or a symbolic link where the blob should be. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    get_fails(v, id, LW_EFORMAT);
    assert_int_equal(rmdir(path), 0);
    char elsewhere[1200];
    snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", s.root);
    write_raw(elsewhere, orig, n);
    assert_int_equal(symlink(elsewhere, path), 0);
    get_fails(v, id, LW_EFORMAT);
    assert_int_equal(unlink(path), 0);
    write_raw(path, orig, n);
    get_same(v, id, text, sizeof text);
    lw_free(longer);
    lw_free(orig);
    lw_vault_close(v);
    rm_rf(s.root);
}

static void test_renamed(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "rename");
    lw_vault *v = open_ok(&s, true, NULL);
    const char a_text[] = "pendant A", b_text[] = "pendant B", c_text[] = "pendant C";
    char a[LW_VAULT_ID_HEX + 1], b[LW_VAULT_ID_HEX + 1], c[LW_VAULT_ID_HEX + 1];
    put_ok(v, a_text, sizeof a_text, a);
    put_ok(v, b_text, sizeof b_text, b);
    char pa[1200], pb[1200], pc[1200];
    blob_path(&s, a, pa, sizeof pa);
    blob_path(&s, b, pb, sizeof pb);
    /* A's file under B's name: the id is authenticated with the content. */
    uint8_t *bytes;
    size_t n;
    read_all(pa, &bytes, &n);
    write_raw(pb, bytes, n);
    get_fails(v, b, LW_EFORMAT);
    get_same(v, a, a_text, sizeof a_text);
    /* A's file moved to the name of content never stored. */
    put_ok(v, c_text, sizeof c_text, c);
    blob_path(&s, c, pc, sizeof pc);
    assert_int_equal(rename(pa, pc), 0);
    get_fails(v, c, LW_EFORMAT);
    get_fails(v, a, LW_ENOTFOUND);
    findings f;
    lw_vault_counts cnt = verify_ok(v, &f);
    assert_int_equal(cnt.ok, 0);
    assert_int_equal(cnt.corrupt, 2);
    lw_free(bytes);
    lw_vault_close(v);
    rm_rf(s.root);
}

static void test_wrong_key_file(void **state)
{
    (void)state;
    scratch s, t;
    scratch_init(&s, "wrongkey");
    scratch_init(&t, "wrongkey-other");
    lw_vault *v = open_ok(&s, true, NULL);
    const char text[] = "eternity band, 22 stones";
    char id[LW_VAULT_ID_HEX + 1];
    put_ok(v, text, sizeof text, id);
    lw_vault_close(v);
    lw_vault_close(open_ok(&t, true, NULL)); /* another studio's key file */
    scratch mixed = s;
    memcpy(mixed.key, t.key, sizeof t.key);
    v = open_ok(&mixed, false, NULL);
    get_fails(v, id, LW_EFORMAT);
    lw_vault_counts c = verify_ok(v, NULL);
    assert_int_equal(c.ok, 0);
    assert_int_equal(c.corrupt, 1);
    lw_vault_close(v);

    /* create with the key file gone must not make a new one: it could never read the blobs. */
    assert_int_equal(unlink(s.key), 0);
    lw_vault *w = (lw_vault *)1;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_open(s.dir, s.key, true, &w, &err), LW_ECONFLICT);
    assert_null(w);
    assert_non_null(strstr(err.msg, "restore"));
    lw_err_clear(&err);
    assert_int_equal(lw_vault_open(s.dir, s.key, false, &w, &err), LW_ENOTFOUND);
    lw_err_clear(&err);
    assert_int_equal(lw_vault_open(t.dir, s.key, false, &w, &err), LW_ENOTFOUND);
    char nodir[1200];
    snprintf(nodir, sizeof nodir, "%s/none", s.root);
    lw_err_clear(&err);
    assert_int_equal(lw_vault_open(nodir, t.key, false, &w, &err), LW_ENOTFOUND);
    rm_rf(s.root);
    rm_rf(t.root);
}

static lw_rc open_rc(const scratch *s, lw_err *err)
{
    lw_vault *v = (lw_vault *)1;
    lw_err_clear(err);
    lw_rc rc = lw_vault_open(s->dir, s->key, false, &v, err);
    if (rc)
        assert_null(v);
    lw_vault_close(v);
    return rc;
}

static void test_key_file_checks(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "keyfile");
    lw_vault_close(open_ok(&s, true, NULL));
    lw_err err;
    /* Open to group or others: refused with the reason. */
    const mode_t modes[] = {0640, 0604, 0620, 0602, 0660};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        assert_int_equal(chmod(s.key, modes[i]), 0);
        assert_int_equal(open_rc(&s, &err), LW_EDENIED);
        assert_non_null(strstr(err.msg, "chmod 600"));
    }
    assert_int_equal(chmod(s.key, 0600), 0);
    assert_int_equal(open_rc(&s, &err), LW_OK);
    assert_int_equal(chmod(s.key, 0400), 0); /* stricter is fine */
    assert_int_equal(open_rc(&s, &err), LW_OK);
    assert_int_equal(chmod(s.key, 0600), 0);

    /* Every bit of the key file matters: the checksum (or the syntax) catches each flip. */
    uint8_t *orig;
    size_t n;
    read_all(s.key, &orig, &n);
    uint8_t *bytes = lw_malloc(n + 1);
    assert_non_null(bytes);
    for (size_t i = 0; i < n; i++) {
        memcpy(bytes, orig, n);
        bytes[i] ^= (uint8_t)(1u << (i % 8));
        write_raw(s.key, bytes, n);
        lw_rc rc = open_rc(&s, &err);
        if (rc != LW_EFORMAT)
            fail_msg("key file with byte %zu flipped: %s (%s)", i, lw_rc_name(rc), err.msg);
    }
    for (size_t len = 0; len < n; len += 7) {
        write_raw(s.key, orig, len);
        assert_int_equal(open_rc(&s, &err), LW_EFORMAT);
    }
    memcpy(bytes, orig, n);
    bytes[n] = '\n';
    write_raw(s.key, bytes, n + 1);
    assert_int_equal(open_rc(&s, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "after the check line"));
    /* A symbolic link is refused: rotation would replace the link, not the file. */
    char real[1200];
    snprintf(real, sizeof real, "%s/real.key", s.root);
    write_raw(real, orig, n);
    assert_int_equal(unlink(s.key), 0);
    assert_int_equal(symlink(real, s.key), 0);
    assert_int_equal(open_rc(&s, &err), LW_EINVAL);
    assert_int_equal(unlink(s.key), 0);
    write_raw(s.key, orig, n);
    assert_int_equal(open_rc(&s, &err), LW_OK);
    lw_free(bytes);
    sodium_memzero(orig, n);
    lw_free(orig);
    rm_rf(s.root);
}

/* Formats a key ring and parses it back, or parses hand-made text. */
static lw_rc parse_text(const char *text, lw_vault_keys *k, lw_err *err)
{
    lw_err_clear(err);
    return lw_vault_keys_parse((const uint8_t *)text, strlen(text), k, err);
}

/* Appends the check line to body (as a key file's writer would). */
static void with_check(const char *body, char *out, size_t size)
{
    uint8_t sum[32];
    char hex[65];
    crypto_generichash(sum, sizeof sum, (const uint8_t *)body, strlen(body), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
    snprintf(out, size, "%scheck %s\n", body, hex);
}

static void test_key_file_codec(void **state)
{
    (void)state;
    lw_vault_keys k, back;
    lwf_vault_keys(&k, 0);
    char buf[LW_VAULT_KEYFILE_MAX];
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_keys_format(&k, buf, sizeof buf, &n, &err), LW_OK);
    assert_int_equal(lw_vault_keys_parse((uint8_t *)buf, n, &back, &err), LW_OK);
    assert_memory_equal(&k, &back, sizeof k);

    const char *hex32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char body[LW_VAULT_KEYFILE_MAX], text[LW_VAULT_KEYFILE_MAX + 100];
    /* Hand-made files, each with a valid checksum so the rule itself is what refuses them. */
    struct {
        const char *g1, *g2; /* the generation fields of up to two "gen G KEY" lines */
        lw_rc rc;
        const char *why;
    } cases[] = {
        {"1", NULL, LW_OK, NULL},
        {"1", "5", LW_OK, NULL},
        {"2", "1", LW_EFORMAT, "ascend"},
        {"1", "1", LW_EFORMAT, "ascend"},
        {"0", NULL, LW_EFORMAT, "gen N"},
        {"01", NULL, LW_EFORMAT, "gen N"},
        {"4294967296", NULL, LW_EFORMAT, "gen N"},
        {"4294967295", NULL, LW_OK, NULL},
        {"-1", NULL, LW_EFORMAT, "gen N"},
        {"1 ", NULL, LW_EFORMAT, "gen N"},
        {NULL, NULL, LW_EFORMAT, "expected 'gen N KEY'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t at = (size_t)snprintf(body, sizeof body, "# test\nlostwax-vault-keys 1\nid %s\n",
                                     hex32);
        if (cases[i].g1)
            at += (size_t)snprintf(body + at, sizeof body - at, "gen %s %s\n", cases[i].g1,
                                   hex32);
        if (cases[i].g2)
            snprintf(body + at, sizeof body - at, "gen %s %s\n", cases[i].g2, hex32);
        with_check(body, text, sizeof text);
        lw_rc rc = parse_text(text, &back, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %s (%s)", i, lw_rc_name(rc), err.msg);
        if (cases[i].why)
            assert_non_null(strstr(err.msg, cases[i].why));
    }
    /* Upper-case hex, a wrong version, a foreign file, a generation too many. */
    char upper[65];
    snprintf(upper, sizeof upper, "%s", hex32);
    upper[10] = 'A';
    snprintf(body, sizeof body, "lostwax-vault-keys 1\nid %s\ngen 1 %s\n", upper, hex32);
    with_check(body, text, sizeof text);
    assert_int_equal(parse_text(text, &back, &err), LW_EFORMAT);
    snprintf(body, sizeof body, "lostwax-vault-keys 2\nid %s\ngen 1 %s\n", hex32, hex32);
    with_check(body, text, sizeof text);
    assert_int_equal(parse_text(text, &back, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "version"));
    assert_int_equal(parse_text("[keys]\nid = 1\n", &back, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "not a lostwax vault key file"));
    size_t at = (size_t)snprintf(body, sizeof body, "lostwax-vault-keys 1\nid %s\n", hex32);
    for (int g = 1; g <= LW_VAULT_MAX_GENS + 1; g++)
        at += (size_t)snprintf(body + at, sizeof body - at, "gen %d %s\n", g, hex32);
    with_check(body, text, sizeof text);
    assert_int_equal(parse_text(text, &back, &err), LW_ELIMIT);
    /* Every generation of a parsed ring is wiped when the parse fails. */
    assert_int_equal(back.ngens, 0);
    assert_true(sodium_is_zero((const uint8_t *)&back, sizeof back));
    /* Format refuses a ring that breaks the rules. */
    k.gen[1] = 1;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_keys_format(&k, buf, sizeof buf, &n, &err), LW_EINVAL);
    lw_vault_keys_wipe(&k);
}

/* ---- rotation ---- */

enum { NB = 5 };

typedef struct corpus {
    uint8_t *data[NB];
    size_t len[NB];
    char id[NB][LW_VAULT_ID_HEX + 1];
} corpus;

static void corpus_put(lw_vault *v, corpus *c)
{
    const size_t sizes[NB] = {0, 1, 333, 4096, 70000};
    for (int i = 0; i < NB; i++) {
        c->len[i] = sizes[i];
        c->data[i] = lw_malloc(sizes[i] + 1);
        assert_non_null(c->data[i]);
        fill_random(c->data[i], sizes[i]);
        put_ok(v, c->data[i], c->len[i], c->id[i]);
    }
}

static void corpus_check(lw_vault *v, const corpus *c)
{
    for (int i = 0; i < NB; i++)
        get_same(v, c->id[i], c->data[i], c->len[i]);
}

static void corpus_free(corpus *c)
{
    for (int i = 0; i < NB; i++)
        lw_free(c->data[i]);
}

static void rotate_ok(lw_vault *v, lw_vault_rotation *st)
{
    lw_err err;
    lw_err_clear(&err);
    if (lw_vault_rotate_key(v, st, &err))
        fail_msg("rotate: %s", err.msg);
}

static void test_rotate(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "rotate");
    lw_vault *v = open_ok(&s, true, NULL);
    corpus c;
    corpus_put(v, &c);
    lw_vault_keys before, after;
    read_keys_file(&s, &before);
    assert_int_equal(before.ngens, 1);
    assert_int_equal(before.gen[0], 1);
    char before_path[1200];
    blob_path(&s, c.id[3], before_path, sizeof before_path);
    uint8_t *old_blob;
    size_t old_len;
    read_all(before_path, &old_blob, &old_len);

    /* Not while another handle has the vault open (a server would keep writing under gen 1). */
    lw_vault *other = open_ok(&s, false, NULL);
    lw_vault_rotation st;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_rotate_key(v, &st, &err), LW_ECONFLICT);
    lw_vault_close(other);
    /* ... and the refused attempt left the lock shared: others may open again. */
    other = open_ok(&s, false, NULL);
    lw_vault_close(other);

    rotate_ok(v, &st);
    assert_int_equal(st.generation, 2);
    assert_false(st.resumed);
    assert_int_equal(st.reencrypted, NB);
    assert_int_equal(st.current + st.failed, 0);
    corpus_check(v, &c);
    for (int i = 0; i < NB; i++)
        assert_int_equal(blob_file_gen(&s, c.id[i]), 2);
    /* The key file holds generation 2 only; generation 1's key is gone from it; the id key is
     * unchanged (so ids are too). */
    read_keys_file(&s, &after);
    assert_int_equal(after.ngens, 1);
    assert_int_equal(after.gen[0], 2);
    assert_memory_equal(after.id_key, before.id_key, LW_VAULT_KEY_BYTES);
    assert_memory_not_equal(after.key[0], before.key[0], LW_VAULT_KEY_BYTES);
    uint8_t *text;
    size_t tlen;
    read_all(s.key, &text, &tlen);
    char old_hex[65];
    sodium_bin2hex(old_hex, sizeof old_hex, before.key[0], LW_VAULT_KEY_BYTES);
    assert_null(strstr((char *)text, old_hex));
    assert_null(strstr((char *)text, "gen 1 "));
    lw_free(text);
    struct stat sb;
    assert_int_equal(stat(s.key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* The same after reopening; a blob from before the rotation (a restored backup without its
     * key file) names a generation the key file no longer holds. */
    lw_vault_close(v);
    v = open_ok(&s, false, NULL);
    corpus_check(v, &c);
    write_raw(before_path, old_blob, old_len);
    get_fails(v, c.id[3], LW_EFORMAT);
    lw_err_clear(&err);
    uint8_t *got;
    size_t n;
    assert_int_equal(lw_vault_get(v, c.id[3], &got, &n, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "generation 1 is not in the key file"));
    /* A put heals it (the stored copy does not authenticate) under generation 2. */
    put_ok(v, c.data[3], c.len[3], c.id[3]);
    assert_int_equal(blob_file_gen(&s, c.id[3]), 2);
    /* Again: generation 3. */
    rotate_ok(v, &st);
    assert_int_equal(st.generation, 3);
    assert_int_equal(st.reencrypted, NB);
    corpus_check(v, &c);
    lw_vault_counts cnt = verify_ok(v, NULL);
    assert_int_equal(cnt.ok, NB);
    assert_int_equal(cnt.old_gen, 0);
    lw_vault_close(v);
    lw_vault_keys_wipe(&before);
    lw_vault_keys_wipe(&after);
    lw_free(old_blob);
    corpus_free(&c);
    rm_rf(s.root);
}

/* A crash at each stage of a rotation: after the new generation is written (0), part way
 * through the blobs (1, 3) and after the last blob but before the key file drops the old
 * generation (NB). Reopened, everything reads back; a rerun finishes without a new key. */
static void test_rotate_crash(void **state)
{
    (void)state;
    const long stops[] = {0, 1, 3, NB};
    for (size_t t = 0; t < sizeof stops / sizeof *stops; t++) {
        scratch s;
        scratch_init(&s, "crash");
        lw_vault *v = open_ok(&s, true, NULL);
        corpus c;
        corpus_put(v, &c);
        lw_vault_close(v);

        lw_vault_opts o;
        lw_vault_opts_default(&o);
        o.crash_after = stops[t];
        v = open_ok(&s, false, &o);
        lw_vault_rotation st;
        lw_err err;
        lw_err_clear(&err);
        assert_int_equal(lw_vault_rotate_key(v, &st, &err), LW_EIO);
        assert_non_null(strstr(err.msg, "simulated crash"));
        lw_vault_close(v);
        /* A crash in the middle of writing a blob leaves its temporary file behind. */
        char tmp[1200];
        snprintf(tmp, sizeof tmp, "%s/%.2s/.tmp-00000000deadbeef", s.dir, c.id[2]);
        write_raw(tmp, "half a blob", 11);

        v = open_ok(&s, false, NULL);
        corpus_check(v, &c);
        lw_vault_keys k;
        read_keys_file(&s, &k);
        assert_int_equal(k.ngens, 2); /* both generations kept while blobs are mixed */
        assert_int_equal(k.gen[1], 2);
        lw_vault_keys_wipe(&k);
        lw_vault_counts cnt = verify_ok(v, NULL);
        assert_int_equal(cnt.ok, NB);
        assert_int_equal(cnt.corrupt, 0);
        assert_int_equal(cnt.stray, 1);
        assert_int_equal(cnt.old_gen, NB - stops[t]);
        /* Writing goes on under the new generation meanwhile. */
        const char more[] = "added between the crash and the rerun";
        char mid[LW_VAULT_ID_HEX + 1];
        put_ok(v, more, sizeof more, mid);
        assert_int_equal(blob_file_gen(&s, mid), 2);

        rotate_ok(v, &st);
        assert_true(st.resumed);
        assert_int_equal(st.generation, 2);
        assert_int_equal(st.reencrypted, NB - stops[t]);
        assert_int_equal(st.current, stops[t] + 1);
        corpus_check(v, &c);
        get_same(v, mid, more, sizeof more);
        read_keys_file(&s, &k);
        assert_int_equal(k.ngens, 1);
        assert_int_equal(k.gen[0], 2);
        lw_vault_keys_wipe(&k);
        cnt = verify_ok(v, NULL);
        assert_int_equal(cnt.ok, NB + 1);
        assert_int_equal(cnt.old_gen, 0);
        assert_int_equal(cnt.stray, 1);
        lw_vault_close(v);
        corpus_free(&c);
        rm_rf(s.root);
    }
}

/* A corrupt blob stops the old generations from being dropped (it, or a backup of it, may need
 * them), but everything else moves on; once it is dealt with, a rerun finishes. */
static void test_rotate_with_corrupt_blob(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "rotate-corrupt");
    lw_vault *v = open_ok(&s, true, NULL);
    corpus c;
    corpus_put(v, &c);
    char path[1200];
    blob_path(&s, c.id[4], path, sizeof path);
    uint8_t *orig;
    size_t n;
    read_all(path, &orig, &n);
    orig[100] ^= 4;
    write_raw(path, orig, n);
    lw_vault_rotation st;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_rotate_key(v, &st, &err), LW_EFORMAT);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.reencrypted, NB - 1);
    lw_vault_keys k;
    read_keys_file(&s, &k);
    assert_int_equal(k.ngens, 2);
    lw_vault_keys_wipe(&k);
    orig[100] ^= 4; /* restored from a backup, under generation 1 */
    write_raw(path, orig, n);
    rotate_ok(v, &st);
    assert_true(st.resumed);
    assert_int_equal(st.reencrypted, 1);
    corpus_check(v, &c);
    read_keys_file(&s, &k);
    assert_int_equal(k.ngens, 1);
    lw_vault_keys_wipe(&k);
    lw_free(orig);
    lw_vault_close(v);
    corpus_free(&c);
    rm_rf(s.root);
}

static void test_stray_files(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "stray");
    lw_vault *v = open_ok(&s, true, NULL);
    const char text[] = "earring pair, left and right mirrored";
    char id[LW_VAULT_ID_HEX + 1];
    put_ok(v, text, sizeof text, id);
    char p[1200];
    snprintf(p, sizeof p, "%s/%.2s/.tmp-0123456789abcdef", s.dir, id);
    write_raw(p, "partial", 7);
    snprintf(p, sizeof p, "%s/%.2s/notes.txt", s.dir, id);
    write_raw(p, "hello", 5);
    snprintf(p, sizeof p, "%s/README", s.dir);
    write_raw(p, "hello", 5);
    findings f;
    lw_vault_counts c = verify_ok(v, &f);
    assert_int_equal(c.ok, 1);
    assert_int_equal(c.corrupt, 0);
    assert_int_equal(c.stray, 3);
    get_same(v, id, text, sizeof text);
    lw_vault_close(v);
    rm_rf(s.root);
}

static void test_limits(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "limits");
    lw_vault_opts o;
    lw_vault_opts_default(&o);
    assert_int_equal(o.max_blob, LW_VAULT_MAX_BLOB);
    o.max_blob = 1000;
    lw_vault *v = open_ok(&s, true, &o);
    uint8_t data[1001];
    fill_random(data, sizeof data);
    char id[LW_VAULT_ID_HEX + 1], small[LW_VAULT_ID_HEX + 1];
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_put(v, data, 1001, id, &err), LW_ELIMIT);
    assert_string_equal(id, "");
    put_ok(v, data, 1000, id);
    put_ok(v, data, 10, small);
    lw_vault_close(v);
    /* Stored under a larger limit, read under a smaller one. */
    o.max_blob = 500;
    v = open_ok(&s, false, &o);
    get_fails(v, id, LW_ELIMIT);
    get_same(v, small, data, 10);
    lw_vault_counts c = verify_ok(v, NULL);
    assert_int_equal(c.ok, 1);
    assert_int_equal(c.corrupt, 1);
    lw_vault_close(v);
    o.max_blob = 0;
    lw_vault *w = (lw_vault *)1;
    lw_err_clear(&err);
    assert_int_equal(lw_vault_open_opts(s.dir, s.key, false, &o, &w, &err), LW_EINVAL);
    assert_null(w);
    /* The pure decoder's limit. */
    lw_vault_keys k;
    lwf_vault_keys(&k, 0);
    uint8_t raw[LW_VAULT_ID_BYTES];
    lw_vault_id_of(&k, data, 100, raw);
    uint8_t *blob, *plain;
    size_t blen, plen;
    assert_int_equal(lw_vault_blob_seal(&k, raw, data, 100, NULL, &blob, &blen, NULL), LW_OK);
    assert_int_equal(lw_vault_blob_open(&k, raw, blob, blen, 99, &plain, &plen, NULL, NULL),
                     LW_ELIMIT);
    assert_int_equal(lw_vault_blob_open(&k, raw, blob, blen, 100, &plain, &plen, NULL, NULL),
                     LW_OK);
    lw_free(plain);
    lw_free(blob);
    lw_vault_keys_wipe(&k);
    rm_rf(s.root);
}

/* ---- allocation torture ---- */

typedef struct torture {
    scratch s;
    lw_vault *v;
    uint8_t data[3000];
    char id[LW_VAULT_ID_HEX + 1];
    char path[1200];
} torture;

static int torture_put_new(void *ctx)
{
    torture *t = ctx;
    (void)unlink(t->path);
    char id[LW_VAULT_ID_HEX + 1];
    return (int)lw_vault_put(t->v, t->data, sizeof t->data, id, NULL);
}

static int torture_put_again(void *ctx)
{
    torture *t = ctx;
    char id[LW_VAULT_ID_HEX + 1];
    return (int)lw_vault_put(t->v, t->data, sizeof t->data, id, NULL);
}

static int torture_get(void *ctx)
{
    torture *t = ctx;
    uint8_t *got;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_get(t->v, t->id, &got, &n, &err);
    if (rc == LW_OK) {
        assert_int_equal(n, sizeof t->data);
        assert_memory_equal(got, t->data, n);
        lw_free(got);
    } else {
        assert_int_equal(rc, LW_ENOMEM);
        assert_null(got);
    }
    return (int)rc;
}

static int torture_open(void *ctx)
{
    torture *t = ctx;
    lw_vault *v;
    lw_rc rc = lw_vault_open(t->s.dir, t->s.key, false, &v, NULL);
    lw_vault_close(v);
    return (int)rc;
}

static int torture_verify(void *ctx)
{
    torture *t = ctx;
    lw_vault_counts c;
    lw_rc rc = lw_vault_verify(t->v, NULL, NULL, &c, NULL);
    if (rc == LW_OK)
        assert_int_equal(c.ok, 1);
    return (int)rc;
}

static int torture_rotate(void *ctx)
{
    torture *t = ctx;
    return (int)lw_vault_rotate_key(t->v, NULL, NULL);
}

static void test_alloc_torture(void **state)
{
    (void)state;
    torture *t = lw_calloc(1, sizeof *t);
    assert_non_null(t);
    scratch_init(&t->s, "torture");
    t->v = open_ok(&t->s, true, NULL);
    fill_random(t->data, sizeof t->data);
    put_ok(t->v, t->data, sizeof t->data, t->id);
    blob_path(&t->s, t->id, t->path, sizeof t->path);
    assert_true(lwt_alloc_torture(torture_put_new, t) > 0);
    assert_true(lwt_alloc_torture(torture_put_again, t) > 0);
    assert_true(lwt_alloc_torture(torture_get, t) > 0);
    assert_true(lwt_alloc_torture(torture_verify, t) > 0);
    lw_vault_close(t->v);
    assert_true(lwt_alloc_torture(torture_open, t) > 0);
    t->v = open_ok(&t->s, false, NULL);
    /* Rotation under failing allocations: each failed run leaves a readable vault and the next
     * run carries on from there. */
    assert_true(lwt_alloc_torture(torture_rotate, t) > 0);
    get_same(t->v, t->id, t->data, sizeof t->data);
    lw_vault_close(t->v);
    rm_rf(t->s.root);
    lw_free(t);
}

/* ---- threads: one handle shared by writers and readers ---- */

typedef struct worker {
    lw_vault *v;
    int seed;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 20; i++) {
        char text[64], id[LW_VAULT_ID_HEX + 1];
        int len = snprintf(text, sizeof text, "piece %d revision %d", w->seed % 2, i);
        uint8_t *got;
        size_t n;
        if (lw_vault_put(w->v, text, (size_t)len, id, NULL) ||
            lw_vault_get(w->v, id, &got, &n, NULL)) {
            w->failures++;
            continue;
        }
        if (n != (size_t)len || memcmp(got, text, n))
            w->failures++;
        lw_free(got);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    scratch s;
    scratch_init(&s, "threads");
    lw_vault *v = open_ok(&s, true, NULL);
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){v, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    lw_vault_counts c = verify_ok(v, NULL);
    assert_int_equal(c.ok, 40); /* two pieces x 20 revisions, each stored once */
    assert_int_equal(c.stray, 0);
    lw_vault_close(v);
    rm_rf(s.root);
}

/* ---- the fuzzer's seeds (tests/fuzz/corpus/vault/) ---- */

typedef struct seed {
    const char *name;
    uint32_t gen; /* sealed under this generation alone */
    size_t len;
} seed;

/* id || blob for a plaintext of len bytes (a fixed pattern) under the fixed ring's `gen`. */
static void make_seed(const seed *sd, int index, uint8_t **out, size_t *out_len)
{
    lw_vault_keys ring, k;
    lwf_vault_keys(&ring, 0);
    lwf_vault_keys(&k, sd->gen);
    uint8_t *plain = lw_malloc(sd->len + 1);
    assert_non_null(plain);
    for (size_t i = 0; i < sd->len; i++)
        plain[i] = (uint8_t)"lost wax casting "[i % 17];
    uint8_t id[LW_VAULT_ID_BYTES], nonce[LW_VAULT_NONCE_BYTES];
    lw_vault_id_of(&ring, plain, sd->len, id);
    for (int i = 0; i < LW_VAULT_NONCE_BYTES; i++)
        nonce[i] = (uint8_t)(16 * index + i);
    uint8_t *blob;
    size_t blen;
    assert_int_equal(lw_vault_blob_seal(&k, id, plain, sd->len, nonce, &blob, &blen, NULL),
                     LW_OK);
    *out_len = LW_VAULT_ID_BYTES + blen;
    *out = lw_malloc(*out_len);
    assert_non_null(*out);
    memcpy(*out, id, LW_VAULT_ID_BYTES);
    memcpy(*out + LW_VAULT_ID_BYTES, blob, blen);
    /* The fuzzer's ring opens the known generations and refuses the others. */
    uint8_t *got;
    size_t glen;
    lw_rc rc = lw_vault_blob_open(&ring, id, blob, blen, 1 << 20, &got, &glen, NULL, NULL);
    assert_int_equal(rc, sd->gen <= 2 ? LW_OK : LW_EFORMAT);
    if (rc == LW_OK) {
        assert_int_equal(glen, sd->len);
        assert_memory_equal(got, plain, glen);
        lw_free(got);
    }
    lw_free(blob);
    lw_free(plain);
}

/* With LW_WRITE_VAULT_SEEDS=1 in the environment the seeds are (re)written into the source
 * tree; otherwise the committed ones must be byte for byte what this lostwax makes. */
static void check_or_write(const char *name, const uint8_t *bytes, size_t len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fuzz/corpus/vault/%s", name);
    char path[4096];
    snprintf(path, sizeof path, "%s", lwt_source(rel));
    const char *w = getenv("LW_WRITE_VAULT_SEEDS");
    lw_err err;
    lw_err_clear(&err);
    if (w && *w == '1') {
        if (lw_file_write_atomic(path, bytes, len, &err))
            fail_msg("%s: %s", path, err.msg);
        return;
    }
    uint8_t *have;
    size_t n;
    if (lw_file_read(path, 1 << 20, &have, &n, &err))
        fail_msg("%s: %s (LW_WRITE_VAULT_SEEDS=1 makes it)", path, err.msg);
    if (n != len || memcmp(have, bytes, n))
        fail_msg("%s differs from what this lostwax writes: the blob or key file format has "
                 "changed (docs/internals/vault.md)", path);
    lw_free(have);
}

static void test_fuzz_seeds(void **state)
{
    (void)state;
    const seed seeds[] = {
        {"empty-gen2.bin", 2, 0},
        {"text-gen1.bin", 1, 41},
        {"pattern-300-gen2.bin", 2, 300},
        {"unknown-gen7.bin", 7, 17},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        uint8_t *bytes;
        size_t len;
        make_seed(&seeds[i], (int)i, &bytes, &len);
        check_or_write(seeds[i].name, bytes, len);
        lw_free(bytes);
    }
    lw_vault_keys ring;
    lwf_vault_keys(&ring, 0);
    char buf[LW_VAULT_KEYFILE_MAX];
    size_t n;
    assert_int_equal(lw_vault_keys_format(&ring, buf, sizeof buf, &n, NULL), LW_OK);
    check_or_write("keys.txt", (const uint8_t *)buf, n);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_truncated_and_extended),
        cmocka_unit_test(test_renamed),
        cmocka_unit_test(test_wrong_key_file),
        cmocka_unit_test(test_key_file_checks),
        cmocka_unit_test(test_key_file_codec),
        cmocka_unit_test(test_rotate),
        cmocka_unit_test(test_rotate_crash),
        cmocka_unit_test(test_rotate_with_corrupt_blob),
        cmocka_unit_test(test_stray_files),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_torture),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
