/* lostwax user: the studio's staff from the command line, for first setup and for scripts.
 * The password is read from standard input (one line), never from the command line, where
 * other users of the machine could read it in the process list. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/studio.h"
#include "shop/auth.h"

static const char k_help[] =
    "usage: lostwax user add NAME --role ROLE [--display TEXT] [--studio DIR] [--db PATH]\n"
    "       lostwax user list [--studio DIR] [--db PATH] [--json]\n"
    "\n"
    "Adds a member of staff (the password is read from standard input, one line) or lists\n"
    "them. Roles: owner, front, designer, workshop, bench.\n"
    "\n"
    "Exit: 0 done, 1 the studio refused (the name is taken), 2 bad input.\n";

/* Reads one line from standard input into buf, without echo on a terminal. */
static int read_password(char *buf, size_t size)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *got = fgets(buf, (int)size, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (!got)
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    if (n && buf[n - 1] == '\r')
        buf[--n] = 0;
    return 0;
}

static int user_add(lw_opt *opts, const char *name)
{
    lw_role role = lw_role_parse(opts[0].value);
    if (!role || role == LW_ROLE_CUSTOMER)
        return lw_cli_fail("user", LW_EXIT_USAGE, "--role %s: one of owner, front, designer, "
                           "workshop, bench", opts[0].present ? opts[0].value : "(missing)");
    char pw[LW_PASSWORD_MAX + 4];
    if (read_password(pw, sizeof pw) != 0)
        return lw_cli_fail("user", LW_EXIT_USAGE, "no password on standard input");
    lw_cli_studio st;
    int e = lw_cli_studio_open("user", opts[2].value, opts[3].value, true, &st);
    if (!e) {
        lw_actor sys;
        lw_actor_system(&sys);
        lw_err err;
        lw_err_clear(&err);
        int64_t id;
        if (lw_staff_add(&st.shop, &sys, name, opts[1].present ? opts[1].value : name, role, pw,
                         &id, &err))
            e = lw_cli_fail("user", lw_cli_exit_for(err.rc), "%s", err.msg);
        else
            printf("added %s (%s), staff id %lld\n", name, lw_role_name(role), (long long)id);
    }
    memset(pw, 0, sizeof pw);
    lw_cli_studio_close(&st);
    return e;
}

static int user_list(lw_opt *opts)
{
    lw_cli_studio st;
    int e = lw_cli_studio_open("user", opts[2].value, opts[3].value, false, &st);
    if (!e) {
        lw_actor sys;
        lw_actor_system(&sys);
        lw_err err;
        lw_err_clear(&err);
        json_t *out;
        if (lw_shop_run(&st.shop, &sys, "staff.list", NULL, &out, &err)) {
            e = lw_cli_fail("user", lw_cli_exit_for(err.rc), "%s", err.msg);
        } else if (opts[4].present) {
            lw_cli_json_print(out);
        } else {
            size_t i;
            json_t *u;
            json_array_foreach(json_object_get(out, "staff"), i, u)
                printf("%-20s %-9s %s%s\n", json_string_value(json_object_get(u, "username")),
                       json_string_value(json_object_get(u, "role")),
                       json_string_value(json_object_get(u, "display_name")),
                       json_is_true(json_object_get(u, "active")) ? "" : " (inactive)");
            json_decref(out);
        }
    }
    lw_cli_studio_close(&st);
    return e;
}

int lw_cmd_user(int argc, char **argv)
{
    lw_opt opts[] = {{"role", true},  {"display", true}, {"studio", true},
                     {"db", true},    {"json", false},   {"help", false}};
    lw_args args;
    int e = lw_cli_begin("user", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 1, 2,
                         &args);
    if (e >= 0)
        return e;
    if (strcmp(args.pos[0], "add") == 0 && args.npos == 2)
        return user_add(opts, args.pos[1]);
    if (strcmp(args.pos[0], "list") == 0 && args.npos == 1)
        return user_list(opts);
    return lw_cli_fail("user", LW_EXIT_USAGE, "use `lostwax user add NAME --role ROLE` or "
                       "`lostwax user list`");
}
