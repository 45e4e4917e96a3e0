/* lostwax: a studio as the command line opens it: its folder (default lostwax-studio/: the
 * database studio.db, the design vault vault/ and its key vault.key), the trade tables from the
 * data folder, and the shop context over them. `serve`, `user`, `backup` and `restore` share it.
 * The key lives beside the database, not in it: a copy of the database alone opens no design. */
#ifndef LW_CLI_STUDIO_H
#define LW_CLI_STUDIO_H

#include <stdbool.h>

#include "shop/shop.h"

#define LW_STUDIO_DEFAULT "lostwax-studio"

typedef struct lw_cli_studio {
    char dir[4096];
    char db_path[4200];
    lw_metals metals;
    lw_gem_tables gems;
    lw_ring_charts charts;
    lw_shop shop;
    lw_vault *vault;
    bool created;        /* the database did not exist before */
} lw_cli_studio;

/* Opens the studio in dir (NULL: the default), its database at db_path (NULL: dir/studio.db),
 * creating both when create is set. Prints its own errors; returns 0 or an exit code. Close
 * with lw_cli_studio_close whatever it returned. */
int lw_cli_studio_open(const char *cmd, const char *dir, const char *db_path, bool create,
                       lw_cli_studio *st);
void lw_cli_studio_close(lw_cli_studio *st);

#endif
