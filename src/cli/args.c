/* lostwax: command-line option parsing (see args.h). */
#include "cli/args.h"

#include <stdio.h>
#include <string.h>

lw_opt *lw_opt_get(lw_opt *opts, size_t nopts, const char *name)
{
    for (size_t i = 0; i < nopts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

int lw_args_parse(const char *cmd, int argc, char **argv, int first, lw_opt *opts, size_t nopts,
                  lw_args *out)
{
    out->npos = 0;
    bool only_pos = false;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        /* "--name[=value]", or "-x" for an option whose name is the one letter x. */
        bool letter = !only_pos && a[0] == '-' && a[1] && a[1] != '-' && !a[2] &&
                      lw_opt_get(opts, nopts, a + 1);
        if (letter || (!only_pos && a[0] == '-' && a[1] == '-' && a[2])) {
            const char *name = a + (letter ? 1 : 2), *eq = letter ? NULL : strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            lw_opt *o = NULL;
            for (size_t k = 0; k < nopts; k++)
                if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
                    o = &opts[k];
            if (!o) {
                fprintf(stderr, "lostwax %s: unknown option '--%.*s' (see lostwax %s --help)\n",
                        cmd, (int)len, name, cmd);
                return 2;
            }
            o->present = true;
            if (o->takes_value) {
                if (eq) {
                    o->value = eq + 1;
                } else if (i + 1 < argc) {
                    o->value = argv[++i];
                } else {
                    fprintf(stderr, "lostwax %s: option --%s needs a value\n", cmd, o->name);
                    return 2;
                }
            } else if (eq) {
                fprintf(stderr, "lostwax %s: option --%s takes no value\n", cmd, o->name);
                return 2;
            }
            continue;
        }
        if (out->npos >= LW_MAX_POSITIONAL) {
            fprintf(stderr, "lostwax %s: more than %d arguments\n", cmd, LW_MAX_POSITIONAL);
            return 2;
        }
        out->pos[out->npos++] = a;
    }
    return 0;
}
