/* lostwax: the design vault, where every CAD revision of a customer's piece is kept.
 *
 * A vault is a directory of blob files plus a key file kept elsewhere (beside the database). Blobs
 * are content-addressed: a blob's id is a keyed BLAKE2b-256 of its plaintext, so identical content
 * is stored once, and someone without the key cannot test whether a known design is in the vault.
 * Every blob is encrypted with XChaCha20-Poly1305 under the current key generation and
 * authenticated on every read, with its id and generation bound in, so a flipped bit, a truncated
 * or renamed file, a forged header or the wrong key file is always an error, never plaintext.
 * Writes go through a temporary file and a rename, so a crash never leaves half a blob visible.
 * Keys can be rotated; a rotation interrupted at any point leaves every blob readable and is
 * finished by running it again. The layout is in docs/internals/vault.md.
 *
 * Concurrency: one lw_vault may serve several threads at once for put, get, has and verify;
 * rotate_key takes it exclusively. Across processes every open vault holds a shared lock on
 * DIR/lock and rotation needs it exclusively, so a rotation never runs while a server has the
 * vault open (it would go on writing under a key the rotation drops).
 */
#ifndef LW_STORE_VAULT_H
#define LW_STORE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Default largest plaintext of one blob (512 MiB): a CAD revision of a piece of jewellery is a
 * few MB; a whole scanned-and-sculpted collection in one file is still far below. Both put and
 * get refuse larger ones with LW_ELIMIT; get needs about the blob's size in memory. */
#define LW_VAULT_MAX_BLOB ((size_t)512 << 20)

#define LW_VAULT_ID_BYTES 32   /* a blob id, raw */
#define LW_VAULT_ID_HEX 64     /* ... as lowercase hex, the form the API takes and returns */
#define LW_VAULT_KEY_BYTES 32  /* the id key and each generation's encryption key */
#define LW_VAULT_MAX_GENS 16   /* key generations one key file may hold */
#define LW_VAULT_KEYFILE_MAX 4096 /* bytes of a key file; a longer one is malformed */

/* Blob file layout: a 44-byte header, the ciphertext (as long as the plaintext), a 16-byte tag. */
#define LW_VAULT_HEADER_BYTES 44
#define LW_VAULT_TAG_BYTES 16
#define LW_VAULT_NONCE_BYTES 24

/* The keys of one vault: the id key (never rotated, so ids stay stable) and one encryption key per
 * generation, in ascending generation order; the last is the current one, used for new blobs.
 * Caller-owned, no heap; wipe with lw_vault_keys_wipe when done. */
typedef struct lw_vault_keys {
    uint8_t id_key[LW_VAULT_KEY_BYTES];
    uint32_t ngens;                     /* 1 ... LW_VAULT_MAX_GENS */
    uint32_t gen[LW_VAULT_MAX_GENS];    /* strictly ascending, each >= 1 */
    uint8_t key[LW_VAULT_MAX_GENS][LW_VAULT_KEY_BYTES];
} lw_vault_keys;

/* Tunables of an open vault; lw_vault_opts_default gives the production values. */
typedef struct lw_vault_opts {
    size_t max_blob;   /* largest plaintext accepted and returned; default LW_VAULT_MAX_BLOB */
    /* Tests only: rotate_key stops as if the process died after re-encrypting this many blobs
     * (0: right after the new key generation is written), returning LW_EIO. < 0 never. */
    long crash_after;
} lw_vault_opts;

/* Fills *o with the defaults: max_blob LW_VAULT_MAX_BLOB, crash_after -1. */
void lw_vault_opts_default(lw_vault_opts *o);

typedef struct lw_vault lw_vault;

/* Opens the vault in directory `dir` with the keys in `key_path` (normally outside dir, beside
 * the database, e.g. lostwax-studio/vault.key). With create, a missing dir is made (mode 0700;
 * its parent must exist) and a missing key file is made (mode 0600) with fresh random keys;
 * existing ones are used as they are. Initialises libsodium. opts may be NULL for the defaults.
 * *out is the vault (free with lw_vault_close) or NULL on error.
 * Errors: LW_ENOTFOUND (no dir or no key file, without create); LW_EDENIED (the key file is
 * readable or writable by group or others: chmod 600 it); LW_EFORMAT (the key file is malformed
 * or fails its checksum; not a regular file); LW_ECONFLICT (create, the key file is missing but
 * dir already holds blobs: a new key could never read them, so the old one must be restored; or
 * another process is rotating the keys); LW_EINVAL (opts out of range; the key file is a
 * symbolic link, which rotation would replace rather than follow; its name is empty or over 200
 * bytes); LW_EIO; LW_ENOMEM. */
lw_rc lw_vault_open(const char *dir, const char *key_path, bool create, lw_vault **out,
                    lw_err *err);
lw_rc lw_vault_open_opts(const char *dir, const char *key_path, bool create,
                         const lw_vault_opts *opts, lw_vault **out, lw_err *err);

/* Wipes the keys from memory, releases the lock and frees the vault. Harmless on NULL. */
void lw_vault_close(lw_vault *v);

/* Stores len bytes (data may be NULL when len is 0) and writes their id, 64 lowercase hex digits
 * and a NUL, to id_out. Content already in the vault is not written again, once the stored copy
 * has authenticated; a stored copy that does not is replaced. Durable on return (file and
 * directory are fsynced). Errors: LW_ELIMIT (len over max_blob), LW_EIO, LW_ENOMEM. */
lw_rc lw_vault_put(lw_vault *v, const void *data, size_t len, char id_out[LW_VAULT_ID_HEX + 1],
                   lw_err *err);

/* Reads, authenticates and returns blob `id`: *data (free with lw_free; not NUL-terminated, but
 * never NULL on success, even for 0 bytes) and *len. On any error *data is NULL and no plaintext
 * has left the function. Errors: LW_EINVAL (id is not 64 lowercase hex digits), LW_ENOTFOUND (no
 * such blob), LW_EFORMAT (the blob file is corrupt, truncated, forged, renamed from another id,
 * written under another key or under a key generation the key file does not hold), LW_ELIMIT (the
 * blob is larger than max_blob), LW_EIO, LW_ENOMEM. */
lw_rc lw_vault_get(lw_vault *v, const char *id, uint8_t **data, size_t *len, lw_err *err);

/* *present: a blob file with this id exists (not authenticated: use get or verify for that).
 * Errors: LW_EINVAL (malformed id), LW_EIO. */
lw_rc lw_vault_has(lw_vault *v, const char *id, bool *present, lw_err *err);

typedef enum lw_vault_finding {
    LW_VAULT_CORRUPT, /* a blob file that does not authenticate (or cannot be read) */
    LW_VAULT_STRAY,   /* a temporary file left by an interrupted write, or a file not ours */
} lw_vault_finding;

/* Called by verify for each problem, in path order: rel is the file's path inside the vault
 * ("ab/cdef..."), id the blob id for a corrupt blob (NULL for strays), why a sentence. */
typedef void (*lw_vault_report_fn)(void *ctx, lw_vault_finding kind, const char *rel,
                                   const char *id, const char *why);

typedef struct lw_vault_counts {
    uint64_t ok;      /* blobs that authenticated and whose content matches their id */
    uint64_t corrupt; /* blob files that did not */
    uint64_t stray;   /* temporary and unknown files (ignored by get; safe to delete when no
                       * write is running) */
    uint64_t old_gen; /* of the ok blobs, those under an older key generation: a rotation was
                       * interrupted and rotate_key should be run again */
    uint64_t bytes;   /* plaintext bytes of the ok blobs */
} lw_vault_counts;

/* Reads and authenticates every blob, in path order, and counts what it finds into *counts
 * (zeroed first); report (may be NULL) hears of each problem. Corrupt blobs and strays are
 * findings, not errors: the return is LW_OK when the walk completed. Errors: LW_EIO (a directory
 * of the vault cannot be listed), LW_ENOMEM. */
lw_rc lw_vault_verify(lw_vault *v, lw_vault_report_fn report, void *ctx, lw_vault_counts *counts,
                      lw_err *err);

typedef struct lw_vault_rotation {
    uint32_t generation;  /* the generation every blob is now (or is to be) under */
    bool resumed;         /* the key file already held older generations: this run finished an
                           * interrupted rotation instead of making another key */
    uint64_t reencrypted; /* blobs moved to `generation` by this run */
    uint64_t current;     /* blobs already under it */
    uint64_t failed;      /* blobs that did not authenticate, so were left as they were */
} lw_vault_rotation;

/* Rotates the encryption key: adds a new generation to the key file (written atomically),
 * re-encrypts every blob under it (each blob replaced atomically), then drops the older
 * generations from the key file. When the key file already holds more than one generation, an
 * earlier rotation was interrupted: no key is made and that rotation is finished. A crash at any
 * point leaves every blob readable, and running this again finishes the job. The id key never
 * changes, so ids stay valid. stats may be NULL.
 * Errors: LW_ECONFLICT (another lw_vault, in this process or another, has the vault open);
 * LW_EFORMAT (some blobs did not authenticate: they are counted in stats->failed and reported by
 * verify; everything else is re-encrypted but the older generations stay in the key file, since
 * those blobs or a backup of them may need them, until a rerun succeeds); LW_ELIMIT (no
 * generation number left); LW_EIO (the key file or a blob could not be written: rerun);
 * LW_ENOMEM. */
lw_rc lw_vault_rotate_key(lw_vault *v, lw_vault_rotation *stats, lw_err *err);

/* ---- Pure parts, with no filesystem: the key file and blob codecs (tests, fuzzing). ---- */

/* Wipes the keys (sodium_memzero). */
void lw_vault_keys_wipe(lw_vault_keys *k);

/* Parses a key file's bytes (format in docs/internals/vault.md) into *k, strictly: every line,
 * every hex digit, ascending generations and the trailing checksum. On error *k is wiped.
 * Errors: LW_EFORMAT ("line 3: ..."), LW_ELIMIT (over LW_VAULT_KEYFILE_MAX bytes or
 * LW_VAULT_MAX_GENS generations). */
lw_rc lw_vault_keys_parse(const uint8_t *text, size_t len, lw_vault_keys *k, lw_err *err);

/* Formats *k as a key file into buf (size >= LW_VAULT_KEYFILE_MAX), *len bytes, no NUL needed.
 * The caller wipes buf. Errors: LW_EINVAL (*k breaks the rules above). */
lw_rc lw_vault_keys_format(const lw_vault_keys *k, char *buf, size_t size, size_t *len,
                           lw_err *err);

/* The id of len bytes under k's id key. */
void lw_vault_id_of(const lw_vault_keys *k, const void *data, size_t len,
                    uint8_t id[LW_VAULT_ID_BYTES]);

/* Hex form of an id (64 lowercase digits and a NUL), and back. Parse errors: LW_EINVAL. */
void lw_vault_id_format(const uint8_t id[LW_VAULT_ID_BYTES], char hex[LW_VAULT_ID_HEX + 1]);
lw_rc lw_vault_id_parse(const char *hex, uint8_t id[LW_VAULT_ID_BYTES], lw_err *err);

/* Encrypts len bytes under k's current generation into a new blob file image (*blob, *blob_len
 * bytes, free with lw_free). id must be lw_vault_id_of the same bytes (a blob is bound to its
 * id). nonce is LW_VAULT_NONCE_BYTES bytes, or NULL for random ones (always, outside tests: a
 * repeated nonce under one key gives away plaintext). Errors: LW_ELIMIT (len so large the file
 * size would overflow), LW_ENOMEM. */
lw_rc lw_vault_blob_seal(const lw_vault_keys *k, const uint8_t id[LW_VAULT_ID_BYTES],
                         const void *plain, size_t len, const uint8_t *nonce, uint8_t **blob,
                         size_t *blob_len, lw_err *err);

/* Opens a blob file image: checks the header against len (magic, version, reserved bytes, length,
 * generation), authenticates and decrypts with the generation's key, and checks the plaintext
 * against id. Returns *plain (free with lw_free; never NULL on success), *plain_len and, if gen is
 * not NULL, the blob's generation. On error *plain is NULL. Errors: LW_EFORMAT (anything wrong
 * with the bytes, the key or the id; the message says what), LW_ELIMIT (plaintext over
 * max_plain), LW_ENOMEM. */
lw_rc lw_vault_blob_open(const lw_vault_keys *k, const uint8_t id[LW_VAULT_ID_BYTES],
                         const uint8_t *blob, size_t len, size_t max_plain, uint8_t **plain,
                         size_t *plain_len, uint32_t *gen, lw_err *err);

#endif
