/* lostwax: the studio's database. SQLite in WAL mode, durable on commit (synchronous=FULL, so a
 * transaction the server has acknowledged survives a crash of the process or the machine), with
 * foreign keys enforced, STRICT tables, versioned migrations (src/store/schema.c), and a small
 * pool of connections so each server thread works on its own while readers never wait for the
 * one writer.
 *
 * Every user action of the shop runs in one transaction (lw_conn_tx). Writers take the write
 * lock at BEGIN (BEGIN IMMEDIATE), so two writers never both read and then fail to upgrade; a
 * writer waits for another up to the busy timeout, after which the action fails with
 * LW_ECONFLICT ("the studio's database is busy") rather than hanging a request.
 */
#ifndef LW_STORE_DB_H
#define LW_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/err.h"

typedef struct lw_db lw_db;     /* the database: a pool of connections to one file */
typedef struct lw_conn lw_conn; /* one connection, used by one thread at a time */

typedef struct lw_db_opts {
    unsigned max_conns;   /* connections in the pool (1 ... 64); 0 = 8 */
    int busy_timeout_ms;  /* how long a writer waits for another; 0 = 5000 */
    bool create;          /* make the file if it does not exist */
} lw_db_opts;

/* Opens (with o->create, creates) the database at path and brings its schema to the newest
 * version. NULL o: the defaults. LW_ENOTFOUND (no file and not create), LW_EIO (cannot open, not a
 * database), LW_EUNSUPPORTED (written by a newer lostwax: its schema version is named),
 * LW_ENOMEM. *out is NULL on failure. */
lw_rc lw_db_open(const char *path, const lw_db_opts *o, lw_db **out, lw_err *err);

/* Closes every connection (all must have been released). NULL is harmless. */
void lw_db_close(lw_db *db);

/* The schema version this lostwax writes, and the file's (after lw_db_open: the same). */
int lw_db_schema_version(void);

/* Takes a connection from the pool, waiting while all are in use. LW_ENOMEM / LW_EIO when a new
 * connection cannot be opened. Give it back with lw_db_release. */
lw_rc lw_db_acquire(lw_db *db, lw_conn **out, lw_err *err);
void lw_db_release(lw_db *db, lw_conn *c);

/* Writes an online backup of the database to path (a new file, written under a temporary name
 * and renamed when complete). LW_EIO. */
lw_rc lw_db_backup(lw_db *db, const char *path, lw_err *err);

/* ---- on one connection ---- */

sqlite3 *lw_conn_sqlite(lw_conn *c);

/* Runs fn(c, ctx, err) in one transaction: committed when fn returns LW_OK, rolled back
 * otherwise (fn's rc and message are returned). write: take the write lock at the start. A
 * busy database is LW_ECONFLICT; a failed commit LW_EIO. */
typedef lw_rc (*lw_tx_fn)(lw_conn *c, void *ctx, lw_err *err);
lw_rc lw_conn_tx(lw_conn *c, bool write, lw_tx_fn fn, void *ctx, lw_err *err);

/* A prepared statement for sql, from the connection's cache (sql must be a string that lives as
 * long as the program: a literal). It comes reset and unbound. LW_EIO naming the SQL error. */
lw_rc lw_conn_stmt(lw_conn *c, const char *sql, sqlite3_stmt **out, lw_err *err);

/* The lw_rc for SQLite's rc on this connection, with its message after `what`:
 * SQLITE_CONSTRAINT -> LW_ECONFLICT, SQLITE_BUSY/LOCKED -> LW_ECONFLICT, SQLITE_NOMEM ->
 * LW_ENOMEM, SQLITE_TOOBIG -> LW_ELIMIT, anything else LW_EIO. */
lw_rc lw_conn_fail(lw_conn *c, int rc, const char *what, lw_err *err);

/* Runs a statement that returns no rows (a step to SQLITE_DONE), then resets it. */
lw_rc lw_stmt_run(lw_conn *c, sqlite3_stmt *st, const char *what, lw_err *err);

/* The rowid of the last insert on this connection. */
int64_t lw_conn_last_id(lw_conn *c);

/* Binding helpers: text may be NULL (binds NULL); copied by SQLite. */
void lw_bind_text(sqlite3_stmt *st, int i, const char *text);
void lw_bind_i64(sqlite3_stmt *st, int i, int64_t v);
/* Binds NULL when has is false. */
void lw_bind_opt_i64(sqlite3_stmt *st, int i, bool has, int64_t v);

/* The text of column i, "" for NULL (valid until the next step or reset). */
const char *lw_col_text(sqlite3_stmt *st, int i);

#endif
