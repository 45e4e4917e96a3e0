/* lostwax: the studio's database, a pool of SQLite connections (see db.h). */
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "store/schema.h"

#define STMT_CACHE 256 /* statements a connection keeps prepared; a power of two */
#define MAX_CONNS 64

struct lw_conn {
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    bool busy; /* handed out */
};

struct lw_db {
    char *path;
    int busy_ms;
    unsigned max_conns, nconns, opening; /* opening: being opened outside the lock */
    lw_conn *conns[MAX_CONNS];
    pthread_mutex_t mu;
    pthread_cond_t freed;
};

int lw_db_schema_version(void)
{
    return lw_schema_newest();
}

lw_rc lw_conn_fail(lw_conn *c, int rc, const char *what, lw_err *err)
{
    const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
        return lw_err_set(err, LW_ECONFLICT, "%s: %s", what, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return lw_err_set(err, LW_ECONFLICT, "%s: the studio's database is busy, try again",
                          what);
    case SQLITE_NOMEM:
        return lw_err_nomem(err);
    case SQLITE_TOOBIG:
        return lw_err_set(err, LW_ELIMIT, "%s: %s", what, msg);
    default:
        return lw_err_set(err, LW_EIO, "%s: %s", what, msg);
    }
}

static lw_rc exec(lw_conn *c, const char *sql, const char *what, lw_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return LW_OK;
    lw_rc r = (rc & 0xFF) == SQLITE_BUSY ? lw_conn_fail(c, rc, what, err)
                                         : lw_err_set(err, rc == SQLITE_NOMEM ? LW_ENOMEM : LW_EIO,
                                                      "%s: %s", what, msg ? msg : "failed");
    sqlite3_free(msg);
    return r;
}

static void conn_close(lw_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->db);
    lw_free(c);
}

static lw_rc conn_open(const char *path, bool create, int busy_ms, lw_conn **out, lw_err *err)
{
    *out = NULL;
    lw_conn *c = lw_calloc(1, sizeof *c);
    if (!c)
        return lw_err_nomem(err);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        lw_rc r = rc == SQLITE_CANTOPEN && !create
                      ? lw_err_set(err, LW_ENOTFOUND, "%s: no such database", path)
                      : lw_err_set(err, LW_EIO, "%s: %s", path,
                                   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        conn_close(c);
        return r;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, busy_ms);
    /* WAL lets readers go on while one writer commits; FULL syncs the WAL at every commit, which
     * is what makes an acknowledged action survive a power cut, not only a killed process. */
    lw_rc r = exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
                   path, err);
    if (r) {
        conn_close(c);
        return r;
    }
    *out = c;
    return LW_OK;
}

static lw_rc migrate(lw_conn *c, const char *path, lw_err *err)
{
    lw_rc r = exec(c, "BEGIN IMMEDIATE", path, err);
    if (r)
        return r;
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0) {
        r = lw_err_set(err, LW_EIO, "%s: not a lostwax database (%s)", path,
                       sqlite3_errmsg(c->db));
    } else if (version > lw_schema_newest()) {
        r = lw_err_set(err, LW_EUNSUPPORTED, "%s: written by a newer lostwax (schema version "
                       "%d; this one knows up to %d)", path, version, lw_schema_newest());
    } else {
        for (size_t i = 0; i < lw_schema_count() && !r; i++) {
            const lw_migration *m = lw_schema_migration(i);
            if (m->version <= version)
                continue;
            char what[64], set[48];
            snprintf(what, sizeof what, "schema migration %d", m->version);
            snprintf(set, sizeof set, "PRAGMA user_version=%d", m->version);
            if (!(r = exec(c, m->sql, what, err)))
                r = exec(c, set, what, err);
        }
    }
    if (r) {
        (void)exec(c, "ROLLBACK", path, NULL);
        return r;
    }
    return exec(c, "COMMIT", path, err);
}

lw_rc lw_db_open(const char *path, const lw_db_opts *o, lw_db **out, lw_err *err)
{
    *out = NULL;
    lw_db_opts d = {0};
    if (o)
        d = *o;
    if (d.max_conns == 0)
        d.max_conns = 8;
    if (d.max_conns > MAX_CONNS)
        return lw_err_set(err, LW_EINVAL, "%u database connections: at most %d", d.max_conns,
                          MAX_CONNS);
    if (d.busy_timeout_ms <= 0)
        d.busy_timeout_ms = 5000;
    lw_db *db = lw_calloc(1, sizeof *db);
    size_t n = strlen(path) + 1;
    char *p = lw_malloc(n);
    if (!db || !p) {
        lw_free(db);
        lw_free(p);
        return lw_err_nomem(err);
    }
    memcpy(p, path, n);
    db->path = p;
    db->busy_ms = d.busy_timeout_ms;
    db->max_conns = d.max_conns;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->freed, NULL);
    lw_conn *c;
    lw_rc r = conn_open(path, d.create, db->busy_ms, &c, err);
    if (!r) {
        db->conns[db->nconns++] = c;
        r = migrate(c, path, err);
    }
    if (r) {
        lw_db_close(db);
        return r;
    }
    *out = db;
    return LW_OK;
}

void lw_db_close(lw_db *db)
{
    if (!db)
        return;
    for (unsigned i = 0; i < db->nconns; i++)
        conn_close(db->conns[i]);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->freed);
    lw_free(db->path);
    lw_free(db);
}

lw_rc lw_db_acquire(lw_db *db, lw_conn **out, lw_err *err)
{
    pthread_mutex_lock(&db->mu);
    for (;;) {
        for (unsigned i = 0; i < db->nconns; i++)
            if (!db->conns[i]->busy) {
                db->conns[i]->busy = true;
                *out = db->conns[i];
                pthread_mutex_unlock(&db->mu);
                return LW_OK;
            }
        if (db->nconns + db->opening < db->max_conns)
            break;
        pthread_cond_wait(&db->freed, &db->mu);
    }
    /* Open one more outside the lock: opening takes a while and others may release meanwhile. */
    db->opening++;
    pthread_mutex_unlock(&db->mu);
    lw_conn *c;
    lw_rc r = conn_open(db->path, false, db->busy_ms, &c, err);
    pthread_mutex_lock(&db->mu);
    db->opening--;
    if (!r) {
        c->busy = true;
        db->conns[db->nconns++] = c;
        *out = c;
    }
    /* A waiter may now open the connection this one could not. */
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->mu);
    return r;
}

void lw_db_release(lw_db *db, lw_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&db->mu);
    c->busy = false;
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->mu);
}

lw_rc lw_db_backup(lw_db *db, const char *path, lw_err *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= sizeof tmp)
        return lw_err_set(err, LW_EINVAL, "%s: path too long", path);
    lw_conn *c;
    lw_rc r = lw_db_acquire(db, &c, err);
    if (r)
        return r;
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
        if (b) {
            rc = sqlite3_backup_step(b, -1);
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
            sqlite3_backup_finish(b);
        } else {
            rc = sqlite3_errcode(dst);
        }
    }
    if (rc != SQLITE_OK)
        r = lw_err_set(err, LW_EIO, "backup to %s: %s", path,
                       dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
    sqlite3_close(dst);
    lw_db_release(db, c);
    if (!r && rename(tmp, path) != 0)
        r = lw_err_set(err, LW_EIO, "backup: cannot rename %s to %s", tmp, path);
    if (r)
        (void)unlink(tmp);
    return r;
}

sqlite3 *lw_conn_sqlite(lw_conn *c)
{
    return c->db;
}

lw_rc lw_conn_tx(lw_conn *c, bool write, lw_tx_fn fn, void *ctx, lw_err *err)
{
    lw_rc r = exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin", err);
    if (r)
        return r;
    r = fn(c, ctx, err);
    if (r) {
        (void)exec(c, "ROLLBACK", "rollback", NULL);
        return r;
    }
    r = exec(c, "COMMIT", "commit", err);
    if (r)
        (void)exec(c, "ROLLBACK", "rollback", NULL);
    return r;
}

lw_rc lw_conn_stmt(lw_conn *c, const char *sql, sqlite3_stmt **out, lw_err *err)
{
    /* Keyed by the literal's address: the same call site finds its statement in one probe. */
    size_t h = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull >> 56;
    for (size_t k = 0; k < STMT_CACHE; k++) {
        size_t i = (h + k) & (STMT_CACHE - 1);
        if (c->cache[i].sql == sql) {
            /* A caller that stopped part way (an error between steps) leaves it mid-run. */
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            *out = c->cache[i].st;
            return LW_OK;
        }
        if (!c->cache[i].sql) {
            int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                        &c->cache[i].st, NULL);
            if (rc != SQLITE_OK) {
                c->cache[i].st = NULL;
                return lw_conn_fail(c, rc, "prepare", err);
            }
            c->cache[i].sql = sql;
            *out = c->cache[i].st;
            return LW_OK;
        }
    }
    return lw_err_set(err, LW_ELIMIT, "more than %d distinct statements", STMT_CACHE);
}

lw_rc lw_stmt_run(lw_conn *c, sqlite3_stmt *st, const char *what, lw_err *err)
{
    int rc = sqlite3_step(st);
    lw_rc r = rc == SQLITE_DONE || rc == SQLITE_ROW ? LW_OK : lw_conn_fail(c, rc, what, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

int64_t lw_conn_last_id(lw_conn *c)
{
    return sqlite3_last_insert_rowid(c->db);
}

void lw_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void lw_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(st, i, v);
}

void lw_bind_opt_i64(sqlite3_stmt *st, int i, bool has, int64_t v)
{
    if (has)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

const char *lw_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}
