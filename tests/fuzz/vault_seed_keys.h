/* lostwax fuzzing: the fixed key ring of the vault fuzzer (fuzz_vault.c) and of the seeds that
 * test_vault.c writes into tests/fuzz/corpus/vault/. These keys are public test values, never a
 * real vault's. Generation 1 and 2 are known; seeds sealed under another generation exercise the
 * "unknown generation" path. */
#ifndef LW_TESTS_VAULT_SEED_KEYS_H
#define LW_TESTS_VAULT_SEED_KEYS_H

#include <string.h>

#include "store/vault.h"

/* The ring: id key 00 01 02 ..., generation 1 key 40 41 ..., generation 2 key 80 81 .... With
 * only_gen set, the ring holds just that generation (to seal a seed under it). */
static inline void lwf_vault_keys(lw_vault_keys *k, uint32_t only_gen)
{
    memset(k, 0, sizeof *k);
    for (int i = 0; i < LW_VAULT_KEY_BYTES; i++)
        k->id_key[i] = (uint8_t)i;
    if (only_gen) {
        k->ngens = 1;
        k->gen[0] = only_gen;
        for (int i = 0; i < LW_VAULT_KEY_BYTES; i++)
            k->key[0][i] = (uint8_t)(0x40 * only_gen + i);
        return;
    }
    k->ngens = 2;
    for (uint32_t g = 0; g < 2; g++) {
        k->gen[g] = g + 1;
        for (int i = 0; i < LW_VAULT_KEY_BYTES; i++)
            k->key[g][i] = (uint8_t)(0x40 * (g + 1) + i);
    }
}

#endif
