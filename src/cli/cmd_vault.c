/* lostwax vault: the studio's design vault from the command line (store/vault.h): store a file,
 * read one back, check every blob, rotate the key. The vault is STUDIO/vault with its keys in
 * STUDIO/vault.key, where the studio server keeps them beside its database. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/file.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "store/vault.h"

static const char k_help[] =
    "usage: lostwax vault put FILE [--studio DIR] [--json]\n"
    "       lostwax vault get ID -o FILE [--studio DIR] [--json]\n"
    "       lostwax vault verify [--studio DIR] [--json]\n"
    "       lostwax vault rotate-key [--studio DIR] [--json]\n"
    "\n"
    "The studio's vault of design files: encrypted, each stored once under an id made from its\n"
    "content, and authenticated on every read. It lives in DIR/vault with its keys in\n"
    "DIR/vault.key; put makes both on first use. Back the key file up with the vault (but not\n"
    "in the same place): without it nothing in the vault can be read.\n"
    "\n"
    "  put FILE        store FILE (- for standard input) and print its id\n"
    "  get ID -o FILE  write the blob ID to FILE (- for standard output)\n"
    "  verify          read and authenticate every blob; name corrupt blobs and stray files\n"
    "  rotate-key      re-encrypt every blob under a new key; stop the studio server first.\n"
    "                  If it is interrupted, run it again to finish\n"
    "  --studio DIR    the studio folder (default lostwax-studio)\n"
    "  --json          machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 done; 1 the work failed (a corrupt blob read or found, a write failed, the vault\n"
    "is in use); 2 bad input (no such id, a malformed id, an unreadable file, no vault).\n";

/* Exit code for an error of opening or using the vault: what the user can fix by giving other
 * input is 2; a vault that is damaged, busy or cannot be written is 1. */
static int exit_for(lw_rc rc)
{
    switch (rc) {
    case LW_OK: return LW_EXIT_OK;
    case LW_EINVAL:
    case LW_ENOTFOUND:
    case LW_EDENIED: return LW_EXIT_USAGE;
    default: return LW_EXIT_FAIL;
    }
}

typedef struct paths {
    char studio[4096];
    char dir[4200];
    char key[4200];
} paths;

static int open_vault(const paths *p, bool create, lw_vault **v)
{
    lw_err err;
    lw_err_clear(&err);
    if (create && mkdir(p->studio, 0700) != 0 && errno != EEXIST)
        return lw_cli_fail("vault", LW_EXIT_FAIL, "%s: cannot make the studio folder: %s",
                           p->studio, strerror(errno));
    lw_rc rc = lw_vault_open(p->dir, p->key, create, v, &err);
    if (rc == LW_OK)
        return 0;
    if (rc == LW_ENOTFOUND && !create)
        return lw_cli_fail("vault", LW_EXIT_USAGE, "%s: %s (put makes a vault; --studio names "
                           "the studio folder)", p->dir, err.msg);
    /* A malformed key file is input the user must fix, not a failure of the work. */
    return lw_cli_fail("vault", rc == LW_EFORMAT ? LW_EXIT_USAGE : exit_for(rc), "%s: %s",
                       p->dir, err.msg);
}

static int cmd_put(const paths *p, const char *file, bool json)
{
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_file_read(file, LW_VAULT_MAX_BLOB, &data, &len, &err);
    if (rc)
        return lw_cli_fail("vault", lw_cli_exit_for(rc), "%s: %s", file, err.msg);
    lw_vault *v;
    int e = open_vault(p, true, &v);
    if (e) {
        lw_free(data);
        return e;
    }
    char id[LW_VAULT_ID_HEX + 1];
    rc = lw_vault_put(v, data, len, id, &err);
    lw_vault_close(v);
    lw_free(data);
    if (rc)
        return lw_cli_fail("vault", rc == LW_ELIMIT ? LW_EXIT_USAGE : LW_EXIT_FAIL, "%s: %s",
                           file, err.msg);
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "file", json_string(file));
        lw_json_set(o, "id", json_string(id));
        lw_json_set(o, "bytes", json_integer((json_int_t)len));
        lw_cli_json_print(o);
    } else {
        printf("%s  %s\n", id, file);
    }
    return 0;
}

static int cmd_get(const paths *p, const char *id, const char *out, bool json)
{
    if (json && strcmp(out, "-") == 0)
        return lw_cli_fail("vault", LW_EXIT_USAGE, "get -o - writes the blob to standard "
                           "output: no room for --json there");
    lw_vault *v;
    int e = open_vault(p, false, &v);
    if (e)
        return e;
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_get(v, id, &data, &len, &err);
    lw_vault_close(v);
    if (rc)
        return lw_cli_fail("vault", exit_for(rc), "%s%s", err.msg,
                           rc == LW_EFORMAT ? " (lostwax vault verify checks the whole vault)"
                                            : "");
    rc = lw_file_write_atomic(out, data, len, &err);
    lw_free(data);
    if (rc)
        return lw_cli_fail("vault", LW_EXIT_FAIL, "%s: %s", out, err.msg);
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "id", json_string(id));
        lw_json_set(o, "file", json_string(out));
        lw_json_set(o, "bytes", json_integer((json_int_t)len));
        lw_cli_json_print(o);
    } else if (strcmp(out, "-") != 0) {
        printf("wrote %zu bytes of %s to %s\n", len, id, out);
    }
    return 0;
}

typedef struct verify_out {
    json_t *problems; /* with --json; else each problem is printed as it is found */
} verify_out;

static void on_finding(void *ctx, lw_vault_finding kind, const char *rel, const char *id,
                       const char *why)
{
    verify_out *vo = ctx;
    const char *k = kind == LW_VAULT_CORRUPT ? "corrupt" : "stray";
    if (vo->problems) {
        json_t *o = json_object();
        lw_json_set(o, "kind", json_string(k));
        lw_json_set(o, "path", json_string(rel));
        lw_json_set(o, "id", id ? json_string(id) : json_null());
        lw_json_set(o, "why", json_string(why));
        json_array_append_new(vo->problems, o);
    } else {
        printf("  %-8s %s: %s\n", k, rel, why);
    }
}

static int cmd_verify(const paths *p, bool json)
{
    lw_vault *v;
    int e = open_vault(p, false, &v);
    if (e)
        return e;
    verify_out vo = {json ? json_array() : NULL};
    lw_vault_counts c;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_verify(v, on_finding, &vo, &c, &err);
    lw_vault_close(v);
    if (rc) {
        json_decref(vo.problems);
        return lw_cli_fail("vault", LW_EXIT_FAIL, "%s: %s", p->dir, err.msg);
    }
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "vault", json_string(p->dir));
        lw_json_set(o, "ok", json_integer((json_int_t)c.ok));
        lw_json_set(o, "corrupt", json_integer((json_int_t)c.corrupt));
        lw_json_set(o, "stray", json_integer((json_int_t)c.stray));
        lw_json_set(o, "old_generation", json_integer((json_int_t)c.old_gen));
        lw_json_set(o, "bytes", json_integer((json_int_t)c.bytes));
        lw_json_set(o, "problems", vo.problems);
        lw_cli_json_print(o);
    } else {
        printf("%s: %llu blob%s ok (%llu bytes), %llu corrupt, %llu stray file%s\n", p->dir,
               (unsigned long long)c.ok, c.ok == 1 ? "" : "s", (unsigned long long)c.bytes,
               (unsigned long long)c.corrupt, (unsigned long long)c.stray,
               c.stray == 1 ? "" : "s");
        if (c.old_gen)
            printf("  %llu blob%s under an older key: a key rotation was interrupted; run "
                   "lostwax vault rotate-key to finish it\n", (unsigned long long)c.old_gen,
                   c.old_gen == 1 ? " is" : "s are");
        if (c.stray)
            printf("  stray files are left by interrupted writes; they are never read and may "
                   "be deleted while nothing writes to the vault\n");
    }
    return c.corrupt ? LW_EXIT_FAIL : LW_EXIT_OK;
}

static int cmd_rotate(const paths *p, bool json)
{
    lw_vault *v;
    int e = open_vault(p, false, &v);
    if (e)
        return e;
    lw_vault_rotation st;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_vault_rotate_key(v, &st, &err);
    lw_vault_close(v);
    if (rc)
        return lw_cli_fail("vault", exit_for(rc), "%s: %s", p->dir, err.msg);
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "generation", json_integer(st.generation));
        lw_json_set(o, "resumed", json_boolean(st.resumed));
        lw_json_set(o, "reencrypted", json_integer((json_int_t)st.reencrypted));
        lw_json_set(o, "already_current", json_integer((json_int_t)st.current));
        lw_cli_json_print(o);
    } else {
        printf("%s: key generation %u; %llu blob%s re-encrypted, %llu already under it%s\n",
               p->dir, st.generation, (unsigned long long)st.reencrypted,
               st.reencrypted == 1 ? "" : "s", (unsigned long long)st.current,
               st.resumed ? " (finished an interrupted rotation)" : "");
    }
    return 0;
}

int lw_cmd_vault(int argc, char **argv)
{
    lw_opt opts[] = {{"studio", true}, {"o", true}, {"json", false}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("vault", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 1, 2,
                         &args);
    if (e >= 0)
        return e;
    const char *sub = args.pos[0];
    bool json = opts[2].present;
    paths p;
    snprintf(p.studio, sizeof p.studio, "%s", opts[0].present ? opts[0].value : "lostwax-studio");
    if (!p.studio[0] || strlen(p.studio) + 1 >= sizeof p.studio)
        return lw_cli_fail("vault", LW_EXIT_USAGE, "--studio: give a folder");
    snprintf(p.dir, sizeof p.dir, "%s/vault", p.studio);
    snprintf(p.key, sizeof p.key, "%s/vault.key", p.studio);
    bool is_get = strcmp(sub, "get") == 0;
    if (opts[1].present && !is_get)
        return lw_cli_fail("vault", LW_EXIT_USAGE, "-o goes with get");
    int want = strcmp(sub, "put") == 0 || is_get ? 2 : 1;
    if (strcmp(sub, "put") && !is_get && strcmp(sub, "verify") && strcmp(sub, "rotate-key")) {
        fputs(k_help, stderr);
        return lw_cli_fail("vault", LW_EXIT_USAGE, "unknown vault command '%s'", sub);
    }
    if (args.npos != want) {
        fputs(k_help, stderr);
        return LW_EXIT_USAGE;
    }
    if (strcmp(sub, "put") == 0)
        return cmd_put(&p, args.pos[1], json);
    if (is_get) {
        if (!opts[1].present)
            return lw_cli_fail("vault", LW_EXIT_USAGE, "get needs -o FILE (- for standard "
                               "output)");
        return cmd_get(&p, args.pos[1], opts[1].value, json);
    }
    if (strcmp(sub, "verify") == 0)
        return cmd_verify(&p, json);
    return cmd_rotate(&p, json);
}
