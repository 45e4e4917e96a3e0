/* lostwax: opening a studio from the command line (see studio.h). */
#include "cli/studio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/tables.h"

int lw_cli_studio_open(const char *cmd, const char *dir, const char *db_path, bool create,
                       lw_cli_studio *st)
{
    memset(st, 0, sizeof *st);
    lw_metals_init(&st->metals);
    lw_gem_tables_init(&st->gems);
    lw_ring_charts_init(&st->charts);
    snprintf(st->dir, sizeof st->dir, "%s", dir ? dir : LW_STUDIO_DEFAULT);
    if (db_path)
        snprintf(st->db_path, sizeof st->db_path, "%s", db_path);
    else
        snprintf(st->db_path, sizeof st->db_path, "%s/studio.db", st->dir);
    if (create && mkdir(st->dir, 0700) != 0 && errno != EEXIST)
        return lw_cli_fail(cmd, LW_EXIT_FAIL, "%s: cannot create the studio folder: %s",
                           st->dir, strerror(errno));
    int e;
    if ((e = lw_cli_load_metals(cmd, &st->metals)) || (e = lw_cli_load_gems(cmd, &st->gems)) ||
        (e = lw_cli_load_ring_charts(cmd, &st->charts)))
        return e;
    st->created = access(st->db_path, F_OK) != 0;
    if (st->created && !create)
        return lw_cli_fail(cmd, LW_EXIT_USAGE, "%s: no studio database here (lostwax serve "
                           "makes one)", st->db_path);
    lw_err err;
    lw_err_clear(&err);
    lw_db_opts o = {.create = create, .max_conns = 16};
    if (lw_db_open(st->db_path, &o, &st->shop.db, &err))
        return lw_cli_fail(cmd, lw_cli_exit_for(err.rc), "%s", err.msg);
    char vdir[4200], vkey[4200];
    snprintf(vdir, sizeof vdir, "%s/vault", st->dir);
    snprintf(vkey, sizeof vkey, "%s/vault.key", st->dir);
    if (lw_vault_open(vdir, vkey, create, &st->vault, &err))
        return lw_cli_fail(cmd, lw_cli_exit_for(err.rc), "%s", err.msg);
    st->shop.vault = st->vault;
    st->shop.metals = &st->metals;
    st->shop.gems = &st->gems;
    st->shop.charts = &st->charts;
    st->shop.currency = "EUR";
    return 0;
}

void lw_cli_studio_close(lw_cli_studio *st)
{
    lw_vault_close(st->vault);
    st->vault = NULL;
    lw_db_close(st->shop.db);
    st->shop.db = NULL;
    lw_metals_clear(&st->metals);
    lw_gem_tables_clear(&st->gems);
    lw_ring_charts_clear(&st->charts);
}
