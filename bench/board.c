/* bench/board: the workshop's board under load. A studio with 500 open orders (a piece each,
 * spread over the stages) is served in process by lostwax's server; wrk (Debian's) then asks
 * for the board with 64 connections for 10 seconds, and again while a second wrk storms the
 * sign-in route with wrong passwords from the same address. Printed: requests per second and
 * the 50th and 99th percentile latency of each run. Targets from issue 4: at least 3000
 * requests/s with p99 under 25 ms on this 2-core machine, and a sign-in storm does not slow the
 * board for others.
 *
 * usage: bench_board [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/alloc.h"
#include "base/file.h"
#include "http/server.h"
#include "shop/auth.h"
#include "shop/shop.h"

#define ORDERS 500

static void load(const char *rel, lw_rc (*fn)(void *, const char *, size_t, const char *,
                                               lw_err *),
                 void *t)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", LW_BENCH_DATA, rel);
    uint8_t *d;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(path, 1 << 24, &d, &n, &err) || fn(t, (const char *)d, n, rel, &err)) {
        fprintf(stderr, "bench_board: %s\n", err.msg);
        exit(1);
    }
    lw_free(d);
}

static lw_rc metals_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_metals_load(t, s, n, name, e);
}
static lw_rc stones_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_gem_load_stones(t, s, n, name, e);
}
static lw_rc cuts_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_gem_load_cuts(t, s, n, name, e);
}
static lw_rc charts_fn(void *t, const char *s, size_t n, const char *name, lw_err *e)
{
    return lw_ring_charts_load(t, s, n, name, e);
}

static json_t *must(lw_shop *s, const lw_actor *a, const char *action, json_t *in)
{
    json_t *out;
    lw_err err;
    lw_err_clear(&err);
    if (lw_shop_run(s, a, action, in, &out, &err)) {
        fprintf(stderr, "bench_board: %s: %s\n", action, err.msg);
        exit(1);
    }
    json_decref(in);
    return out;
}

typedef struct wrk_result {
    double rps, p50_ms, p99_ms;
    long errors;
} wrk_result;

static double ms_of(const char *s)
{
    double v = strtod(s, NULL);
    if (strstr(s, "us"))
        return v / 1000;
    if (strstr(s, "ms"))
        return v;
    if (strstr(s, "s"))
        return v * 1000;
    return v;
}

/* Parses wrk's report: "Requests/sec:", the --latency percentiles, non-2xx answers. */
static void parse_wrk(const char *text, wrk_result *r)
{
    memset(r, 0, sizeof *r);
    const char *p;
    if ((p = strstr(text, "Requests/sec:")))
        r->rps = strtod(p + 13, NULL);
    if ((p = strstr(text, " 50%")))
        r->p50_ms = ms_of(p + 4 + strspn(p + 4, " "));
    if ((p = strstr(text, " 99%")))
        r->p99_ms = ms_of(p + 4 + strspn(p + 4, " "));
    if ((p = strstr(text, "Non-2xx or 3xx responses:")))
        r->errors = strtol(p + 26, NULL, 10);
}

/* Starts wrk with argv; its report goes to out_path. Returns the pid, or -1. */
static pid_t start_wrk(char *const argv[], const char *out_path)
{
    fflush(stdout); /* or the child's exit writes our buffered lines a second time */
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(out_path, "w", stdout);
        (void)f;
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int finish_wrk(pid_t pid, const char *out_path, wrk_result *r)
{
    int status = 0;
    waitpid(pid, &status, 0);
    uint8_t *d = NULL;
    size_t n = 0;
    lw_err err;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        lw_file_read(out_path, 1 << 20, &d, &n, &err))
        return -1;
    char *text = lw_malloc(n + 1);
    memcpy(text, d, n);
    text[n] = 0;
    parse_wrk(text, r);
    lw_free(text);
    lw_free(d);
    return 0;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 10;
    if (seconds < 1)
        seconds = 1;
    json_set_alloc_funcs(lw_malloc, lw_free);
    printf("board: %d open orders, the board's API under wrk -c64, %d s a run\n", ORDERS,
           seconds);
    if (system("wrk --version >/dev/null 2>&1") == -1 || access("/usr/bin/wrk", X_OK) != 0) {
        printf("  skipped: wrk is not installed (scripts/deps bench)\n");
        return 0;
    }
    mkdir(LW_BENCH_CACHE, 0755);
    char dbpath[4200];
    snprintf(dbpath, sizeof dbpath, "%s/board-%ld.db", LW_BENCH_CACHE, (long)getpid());
    lw_metals metals;
    lw_gem_tables gems;
    lw_ring_charts charts;
    lw_metals_init(&metals);
    lw_gem_tables_init(&gems);
    lw_ring_charts_init(&charts);
    load("metals.tsv", metals_fn, &metals);
    load("gems.tsv", stones_fn, &gems);
    load("cuts.tsv", cuts_fn, &gems);
    load("ring-sizes/us-jc.tsv", charts_fn, &charts);
    lw_shop shop = {.metals = &metals, .gems = &gems, .charts = &charts, .currency = "EUR"};
    lw_err err;
    lw_err_clear(&err);
    lw_db_opts dbo = {.create = true, .max_conns = 16};
    if (lw_db_open(dbpath, &dbo, &shop.db, &err)) {
        fprintf(stderr, "bench_board: %s\n", err.msg);
        return 1;
    }
    lw_actor sys;
    lw_actor_system(&sys);
    int64_t id;
    if (lw_staff_add(&shop, &sys, "bench", "Bench", LW_ROLE_WORKSHOP, "bench-password", &id,
                     &err)) {
        fprintf(stderr, "bench_board: %s\n", err.msg);
        return 1;
    }
    json_decref(must(&shop, &sys, "price.set",
                     json_pack("{s:s,s:i}", "metal", "18k-yellow", "minor_per_g", 7250)));
    static const char *const stages[] = {"design", "approval", "print", "tree", "cast",
                                         "cleanup", "setting", "polish", "qc", "ready"};
    for (int i = 0; i < ORDERS; i++) {
        char name[64];
        snprintf(name, sizeof name, "Customer %03d", i);
        json_t *c = must(&shop, &sys, "customer.create", json_pack("{s:s}", "name", name));
        json_t *o = must(&shop, &sys, "order.create",
                         json_pack("{s:O,s:b,s:[{s:s,s:s,s:s,s:s,s:i}]}", "customer_id",
                                   json_object_get(c, "id"), "rush", i % 17 == 0, "pieces",
                                   "kind", "ring", "metal", "18k-yellow", "ring_size", "7",
                                   "ring_chart", "us", "est_metal_mg", 4000 + i));
        json_decref(c);
        json_decref(o);
    }
    /* Spread the pieces over the stages, as a working studio's board is. */
    lw_conn *conn;
    if (lw_db_acquire(shop.db, &conn, &err) == LW_OK) {
        for (int s = 0; s < 10; s++) {
            char sql[200];
            snprintf(sql, sizeof sql, "UPDATE piece SET stage = '%s' WHERE id %% 10 = %d",
                     stages[s], s);
            sqlite3_exec(lw_conn_sqlite(conn), sql, NULL, NULL, NULL);
        }
        lw_db_release(shop.db, conn);
    }
    lw_server_opts so = {.port = 0, .bind = "127.0.0.1"};
    lw_server *srv;
    if (lw_server_start(&shop, &so, &srv, &err)) {
        fprintf(stderr, "bench_board: %s\n", err.msg);
        return 1;
    }
    char token[LW_TOKEN_CHARS + 1];
    lw_session ses;
    if (lw_shop_login(&shop, "bench", "bench-password", token, &ses, &err)) {
        fprintf(stderr, "bench_board: %s\n", err.msg);
        return 1;
    }
    char url[128], cookie[128], login_url[128], dur[16], lua[4300], out1[4300], out2[4300];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/api/board", (unsigned)lw_server_port(srv));
    snprintf(login_url, sizeof login_url, "http://127.0.0.1:%u/api/login",
             (unsigned)lw_server_port(srv));
    snprintf(cookie, sizeof cookie, "Cookie: lw_session=%s", token);
    snprintf(dur, sizeof dur, "%ds", seconds);
    snprintf(lua, sizeof lua, "%s/board-login-%ld.lua", LW_BENCH_CACHE, (long)getpid());
    snprintf(out1, sizeof out1, "%s/board-wrk1-%ld.txt", LW_BENCH_CACHE, (long)getpid());
    snprintf(out2, sizeof out2, "%s/board-wrk2-%ld.txt", LW_BENCH_CACHE, (long)getpid());
    FILE *lf = fopen(lua, "w");
    if (!lf)
        return 1;
    fputs("wrk.method = \"POST\"\n"
          "wrk.body = '{\"username\":\"bench\",\"password\":\"wrong-password\"}'\n"
          "wrk.headers[\"Content-Type\"] = \"application/json\"\n",
          lf);
    fclose(lf);
    json_t *board = must(&shop, &ses.who, "board.get", NULL);
    char *text = json_dumps(board, JSON_COMPACT);
    printf("  the board: %lld pieces, %zu bytes of JSON\n",
           (long long)json_integer_value(json_object_get(board, "pieces")), strlen(text));
    lw_free(text);
    json_decref(board);

    char *board_av[] = {"wrk", "-t2", "-c64", "-d", dur, "--latency", "-H", cookie, url, NULL};
    wrk_result alone, storm, logins;
    pid_t p = start_wrk(board_av, out1);
    if (finish_wrk(p, out1, &alone)) {
        printf("  wrk failed\n");
        return 1;
    }
    printf("  board alone            %8.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  (%ld "
           "non-2xx)\n",
           alone.rps, alone.p50_ms, alone.p99_ms, alone.errors);
    char *login_av[] = {"wrk", "-t1", "-c16", "-d", dur, "-s", lua, login_url, NULL};
    pid_t pl = start_wrk(login_av, out2);
    p = start_wrk(board_av, out1);
    int bad = finish_wrk(p, out1, &storm) | finish_wrk(pl, out2, &logins);
    if (bad) {
        printf("  wrk failed\n");
        return 1;
    }
    printf("  board during a storm   %8.0f requests/s  p50 %6.2f ms  p99 %6.2f ms\n", storm.rps,
           storm.p50_ms, storm.p99_ms);
    printf("  the storm              %8.0f sign-ins/s refused (429 or 403)\n", logins.rps);
    printf("  targets: >= 3000 requests/s, p99 < 25 ms, unchanged by the storm\n");
    lw_server_stop(srv);
    lw_db_close(shop.db);
    unlink(dbpath);
    char side[4300];
    snprintf(side, sizeof side, "%s-wal", dbpath);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", dbpath);
    unlink(side);
    unlink(lua);
    unlink(out1);
    unlink(out2);
    lw_metals_clear(&metals);
    lw_gem_tables_clear(&gems);
    lw_ring_charts_clear(&charts);
    return 0;
}
