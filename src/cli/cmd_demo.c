/* lostwax demo: a short tour of the bench calculators on a ring lostwax makes itself, so a new
 * user sees every command work without bringing a file. The ring is the comfort-fit band of the
 * shared test models (17.3 mm inside, about US 7; 6 mm wide; 2 mm thick), written as STL and 3MF
 * into a folder, then each command runs on it exactly as a user would type it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/file.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "design/band.h"
#include "geom/stl.h"
#include "geom/threemf.h"

static const char k_help[] =
    "usage: lostwax demo [DIR]\n"
    "\n"
    "Makes a comfort-fit wedding band (17.3 mm inside, 6 mm wide, 2 mm thick), writes it to DIR\n"
    "(default lostwax-demo) as band.stl and band.3mf, and runs info, weigh, size and gem on it.\n";

static int run(const char *line)
{
    char copy[640];
    snprintf(copy, sizeof copy, "%s", line);
    char *argv[32];
    int argc = 0;
    for (char *p = copy; *p && argc < 31;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
    }
    argv[argc] = NULL;
    printf("\n$ %s\n", line);
    fflush(stdout);
    int rc = lw_cli_main(argc, argv);
    fflush(stdout);
    return rc;
}

static int write_band(const char *dir)
{
    lw_band_spec spec;
    lw_band_spec_default(&spec);
    lw_mesh m;
    lw_mesh_init(&m);
    lw_err err;
    lw_err_clear(&err);
    lw_buf stl, tmf;
    lw_buf_init(&stl, 0);
    lw_buf_init(&tmf, 0);
    char path[4200];
    const char *names[] = {"comfort-fit band 17.3 x 6 x 2 mm"};
    lw_rc rc = lw_band_build(&spec, &m, &err);
    if (!rc)
        rc = lw_stl_write_binary(&m, "lostwax demo: comfort-fit band", &stl, &err);
    if (!rc)
        rc = lw_3mf_write(&m, names, 1, &tmf, &err);
    if (!rc) {
        snprintf(path, sizeof path, "%s/band.stl", dir);
        rc = lw_file_write_atomic(path, stl.data, stl.len, &err);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/band.3mf", dir);
        rc = lw_file_write_atomic(path, tmf.data, tmf.len, &err);
    }
    if (!rc)
        printf("lostwax made a comfort-fit wedding band: %u facets, 17.3 mm inside, 6 mm wide,\n"
               "2 mm thick (exact volume %.2f mm³), and wrote %s/band.stl and %s/band.3mf.\n",
               m.nt, lw_band_volume_exact(&spec), dir, dir);
    lw_mesh_clear(&m);
    lw_buf_clear(&stl);
    lw_buf_clear(&tmf);
    if (rc)
        return lw_cli_fail("demo", lw_cli_exit_for(rc), "%s: %s", dir, err.msg);
    return 0;
}

int lw_cmd_demo(int argc, char **argv)
{
    lw_opt opts[] = {{"help", false}};
    lw_args args;
    int e = lw_cli_begin("demo", argc, argv, opts, 1, k_help, 0, 1, &args);
    if (e >= 0)
        return e;
    const char *dir = args.npos ? args.pos[0] : "lostwax-demo";
    if (strlen(dir) > 300 || strchr(dir, ' '))
        return lw_cli_fail("demo", LW_EXIT_USAGE, "DIR must be a path of at most 300 characters "
                           "without spaces");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return lw_cli_fail("demo", LW_EXIT_USAGE, "cannot create %s: %s", dir, strerror(errno));
    if ((e = write_band(dir)))
        return e;
    char line[512];
    /* Steps that name a file of the demo start with '@', replaced by the folder. */
    const char *steps[] = {
        "info @/band.stl",
        "weigh @/band.3mf --metal 18k-yellow,14k-white-pd,sterling,pt950-ru",
        "weigh @/band.stl --metal 18k-rose --pattern bluecast --sprue 10% --unit dwt",
        "size 7 --from us",
        "size 54.4mm --to us,uk,jp",
        "gem round 6.5mm",
        "gem oval 8x6x3.8 --stone sapphire",
        "gem round --carat 1",
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        const char *at = strchr(steps[i], '@');
        if (at)
            snprintf(line, sizeof line, "%.*s%s%s", (int)(at - steps[i]), steps[i], dir, at + 1);
        else
            snprintf(line, sizeof line, "%s", steps[i]);
        char cmdline[600];
        snprintf(cmdline, sizeof cmdline, "lostwax %s", line);
        if ((e = run(cmdline)) != 0)
            return lw_cli_fail("demo", e, "step failed: %s", cmdline);
    }
    printf("\nEvery command takes --help and --json. The files are in %s/.\n", dir);
    return LW_EXIT_OK;
}
