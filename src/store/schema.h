/* lostwax: the database schema as a list of migrations. Each has a version and the SQL that
 * brings the previous version to it; lw_db_open applies those the file lacks, in one
 * transaction, and records the version in PRAGMA user_version. A migration, once released, is
 * never edited: a change is a new migration at the end. The tables are described in
 * docs/internals/store.md. */
#ifndef LW_STORE_SCHEMA_H
#define LW_STORE_SCHEMA_H

#include <stddef.h>

typedef struct lw_migration {
    int version;     /* 1, 2, 3 ... in order */
    const char *sql; /* statements separated by ';' */
} lw_migration;

size_t lw_schema_count(void);
const lw_migration *lw_schema_migration(size_t i);
int lw_schema_newest(void);

#endif
