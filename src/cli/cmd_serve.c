/* lostwax serve: the studio's server, the main job of `make run`. On its first start in a new
 * studio folder it makes the demo studio (unless --empty) and prints the staff sign-ins; then it
 * serves the UI and the API until it is stopped (Ctrl-C, SIGTERM), finishing the requests in
 * progress. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "base/text.h"
#include "cli/studio.h"
#include "http/server.h"
#include "shop/demo.h"

static const char k_help[] =
    "usage: lostwax serve [--studio DIR] [--db PATH] [--port N] [--bind ADDR] [--empty]\n"
    "                     [--web DIR] [--threads N]\n"
    "\n"
    "Serves the studio: the UI at http://HOST:PORT/ and the JSON API under /api/\n"
    "(docs/api.md). The studio lives in DIR (default lostwax-studio): its database studio.db\n"
    "(or --db PATH), the design vault and its key. A new studio is filled with a demo studio\n"
    "(staff, prices, customers, orders at every stage) unless --empty; the demo staff's\n"
    "sign-ins are printed once, here.\n"
    "\n"
    "  --port N     default 8080; 0 picks a free port (printed)\n"
    "  --bind ADDR  an IPv4 address to listen on (default all, so the workshop's tablets\n"
    "               reach it)\n"
    "\n"
    "Exit: 0 stopped by a signal, 1 the server could not start, 2 bad input.\n";

/* Where the UI's files are: --web, $LOSTWAX_WEB, web/ beside or above the executable's folder,
 * else the source tree it was built from. */
static void web_dir(const char *opt, char *out, size_t size)
{
    if (opt) {
        snprintf(out, size, "%s", opt);
        return;
    }
    const char *env = getenv("LOSTWAX_WEB");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        const char *tries[] = {"/web", "/../web", "/../../web"};
        for (size_t i = 0; i < 3; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s%s", exe, tries[i]);
            char idx[4300];
            snprintf(idx, sizeof idx, "%s/index.html", p);
            if (access(idx, R_OK) == 0) {
                snprintf(out, size, "%s", p);
                return;
            }
        }
    }
    snprintf(out, size, "%s", LW_WEB_DIR);
}

int lw_cmd_serve(int argc, char **argv)
{
    lw_opt opts[] = {{"studio", true}, {"db", true},      {"port", true},    {"bind", true},
                     {"empty", false}, {"web", true},     {"threads", true}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("serve", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 0, 0,
                         &args);
    if (e >= 0)
        return e;
    double port = 8080, threads = 0;
    if (opts[2].present && (!lw_parse_f64_str(opts[2].value, &port) || port < 0 ||
                            port > 65535 || port != (int)port))
        return lw_cli_fail("serve", LW_EXIT_USAGE, "--port %s: a port number 0 to 65535",
                           opts[2].value);
    if (opts[6].present && (!lw_parse_f64_str(opts[6].value, &threads) || threads < 1 ||
                            threads > 64 || threads != (int)threads))
        return lw_cli_fail("serve", LW_EXIT_USAGE, "--threads %s: 1 to 64", opts[6].value);
    /* Signals are taken by sigwait below, so block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    lw_cli_studio st;
    if ((e = lw_cli_studio_open("serve", opts[0].value, opts[1].value, true, &st))) {
        lw_cli_studio_close(&st);
        return e;
    }
    lw_err err;
    lw_err_clear(&err);
    if (st.created && !opts[4].present) {
        lw_demo_login logins[LW_DEMO_STAFF];
        printf("lostwax: a new studio in %s: filling it with the demo studio...\n", st.dir);
        fflush(stdout);
        if (lw_shop_demo(&st.shop, logins, &err)) {
            e = lw_cli_fail("serve", lw_cli_exit_for(err.rc), "%s", err.msg);
            lw_cli_studio_close(&st);
            return e;
        }
        printf("\nDemo staff sign-ins (shown only now; add your own with `lostwax user add`):\n");
        for (int i = 0; i < LW_DEMO_STAFF; i++)
            printf("  %-8s %-10s password %s\n", logins[i].username, logins[i].role,
                   logins[i].password);
        printf("\n");
    }
    char web[4096];
    web_dir(opts[5].value, web, sizeof web);
    lw_server_opts so = {.port = (uint16_t)port, .bind = opts[3].value, .web_dir = web,
                         .threads = (unsigned)threads};
    lw_server *srv;
    if (lw_server_start(&st.shop, &so, &srv, &err)) {
        e = lw_cli_fail("serve", LW_EXIT_FAIL, "%s", err.msg);
        lw_cli_studio_close(&st);
        return e;
    }
    printf("lostwax: serving the studio %s at http://%s:%u/ (Ctrl-C stops)\n", st.db_path,
           opts[3].present ? opts[3].value : "localhost", (unsigned)lw_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    printf("lostwax: stopping (signal %d)\n", sig);
    lw_server_stop(srv);
    lw_cli_studio_close(&st);
    return LW_EXIT_OK;
}
