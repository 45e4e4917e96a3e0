/* libFuzzer target for the design vault's decoders (src/store/vault.c), which read files an
 * attacker with access to the disk may have written: lw_vault_blob_open on the input taken as a
 * blob id (its first 32 bytes) and a blob file (the rest), and lw_vault_keys_parse on the whole
 * input taken as a key file. The keys are the fixed, public ring of vault_seed_keys.h.
 *
 * Whatever the bytes, both must return cleanly, leak nothing and explain every failure, and a
 * failed open must hand out no plaintext. A blob that opens must hash to its id under the ring
 * and seal and open again to the same plaintext; a key file that parses must format and parse
 * back to the same ring.
 * Seeds: tests/fuzz/corpus/vault/ (written and pinned by tests/unit/test_vault.c): blobs under
 * generation 1 and 2, an empty one, one under a generation the ring does not hold, the key file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "store/vault.h"
#include "vault_seed_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void blob(const lw_vault_keys *ring, const uint8_t *data, size_t size)
{
    if (size < LW_VAULT_ID_BYTES)
        return;
    const uint8_t *id = data;
    const uint8_t *b = data + LW_VAULT_ID_BYTES;
    size_t n = size - LW_VAULT_ID_BYTES;
    const size_t max_plain = (size_t)1 << 20;
    uint8_t *plain = (uint8_t *)"x";
    size_t len = 7;
    uint32_t gen = 0;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_blob_open(ring, id, b, n, max_plain, &plain, &len, &gen, &err);
    if (rc != LW_OK) {
        if (err.rc != rc || !err.msg[0] || plain || len)
            abort();
        return;
    }
    if (!plain || len > max_plain || len + LW_VAULT_HEADER_BYTES + LW_VAULT_TAG_BYTES != n ||
        (gen != 1 && gen != 2))
        abort();
    uint8_t again_id[LW_VAULT_ID_BYTES];
    lw_vault_id_of(ring, plain, len, again_id);
    if (memcmp(again_id, id, sizeof again_id))
        abort();
    uint8_t *sealed, *back;
    size_t sealed_len, back_len;
    if (lw_vault_blob_seal(ring, id, plain, len, NULL, &sealed, &sealed_len, &err) ||
        lw_vault_blob_open(ring, id, sealed, sealed_len, max_plain, &back, &back_len, &gen,
                           &err) ||
        back_len != len || gen != 2 || (len && memcmp(back, plain, len)))
        abort();
    lw_free(back);
    lw_free(sealed);
    lw_free(plain);
}

static void key_file(const uint8_t *data, size_t size)
{
    lw_vault_keys k, back;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_keys_parse(data, size, &k, &err);
    if (rc != LW_OK) {
        if (err.rc != rc || !err.msg[0] || k.ngens)
            abort();
        return;
    }
    if (k.ngens < 1 || k.ngens > LW_VAULT_MAX_GENS)
        abort();
    char buf[LW_VAULT_KEYFILE_MAX];
    size_t n;
    if (lw_vault_keys_format(&k, buf, sizeof buf, &n, &err) ||
        lw_vault_keys_parse((const uint8_t *)buf, n, &back, &err) ||
        memcmp(&k, &back, sizeof k))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_vault_keys ring;
    lwf_vault_keys(&ring, 0);
    blob(&ring, data, size);
    key_file(data, size);
    return 0;
}
