/* lostwax render: the picture the front store shows a customer instead of the CAD file: the
 * piece in polished metal from several sides, watermarked with the order so a copy shows where
 * it came from. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"
#include "design/render.h"

static const char k_help[] =
    "usage: lostwax render FILE -o PREVIEW.png [--metal ID] [--watermark TEXT] [--size WxH]\n"
    "                      [--views LIST] [--background RRGGBB] [--units UNIT] [--json]\n"
    "\n"
    "Draws the piece (STL, OBJ, 3MF) as polished metal, seen from several sides at one scale,\n"
    "with a scale bar under each view, and writes it as a PNG.\n"
    "\n"
    "  --metal ID        an alloy of data/metals.tsv, its colour (default 18k-yellow)\n"
    "  --watermark TEXT  text repeated across the whole picture (an order number, the shop)\n"
    "  --size WxH        the picture in pixels (default 1200x400; at most 8192 a side)\n"
    "  --views LIST      comma-separated, left to right: top, front, side, three-quarter\n"
    "                    (default three-quarter,front,top)\n"
    "  --background HEX  the colour behind the piece, RRGGBB (default FFFFFF)\n"
    "  --units UNIT      the file's unit when it does not say (mm, cm, in, ...)\n"
    "  --json            machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 written, 2 bad input (the message says what), 1 the picture could not be written.\n";

/* "1200x400" (also "1200X400"). */
static bool parse_size(const char *s, uint32_t *w, uint32_t *h)
{
    const char *end = s + strlen(s), *p;
    int64_t a, b;
    if (!lw_parse_i64(s, end, &a, &p) || (*p != 'x' && *p != 'X') ||
        !lw_parse_i64(p + 1, end, &b, &p) || p != end || a < 1 || b < 1 || a > UINT32_MAX ||
        b > UINT32_MAX)
        return false;
    *w = (uint32_t)a;
    *h = (uint32_t)b;
    return true;
}

static bool parse_hex(const char *s, uint32_t *rgb)
{
    if (*s == '#')
        s++;
    if (strlen(s) != 6)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 6; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *rgb = v;
    return true;
}

int lw_cmd_render(int argc, char **argv)
{
    lw_opt opts[] = {{"o", true},     {"metal", true},      {"watermark", true},
                     {"size", true},  {"views", true},      {"background", true},
                     {"units", true}, {"json", false},      {"help", false}};
    lw_args args;
    int e = lw_cli_begin("render", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 1, 1,
                         &args);
    if (e >= 0)
        return e;
    if (!opts[0].present)
        return lw_cli_fail("render", LW_EXIT_USAGE, "-o PREVIEW.png: where the picture goes");
    const char *path = args.pos[0], *png_path = opts[0].value;
    lw_err err;
    lw_err_clear(&err);
    lw_render_opts ro;
    lw_render_opts_default(&ro);
    ro.watermark = opts[2].value;
    double units = 0;
    if (opts[3].present && !parse_size(opts[3].value, &ro.width, &ro.height))
        return lw_cli_fail("render", LW_EXIT_USAGE, "--size '%s': give WIDTHxHEIGHT in pixels",
                           opts[3].value);
    if (opts[4].present && lw_render_views_parse(opts[4].value, &ro, &err))
        return lw_cli_fail("render", LW_EXIT_USAGE, "--views: %s", err.msg);
    if (opts[5].present && !parse_hex(opts[5].value, &ro.background_rgb))
        return lw_cli_fail("render", LW_EXIT_USAGE, "--background '%s': give RRGGBB in hex",
                           opts[5].value);
    if (opts[6].present && lw_units_parse(opts[6].value, &units, &err))
        return lw_cli_fail("render", LW_EXIT_USAGE, "--units: %s", err.msg);
    lw_metals metals;
    if ((e = lw_cli_load_metals("render", &metals))) {
        lw_metals_clear(&metals);
        return e;
    }
    const lw_metal *metal;
    if (lw_metals_get(&metals, opts[1].value ? opts[1].value : "18k-yellow", LW_METAL_ALLOY,
                      &metal, &err)) {
        lw_metals_clear(&metals);
        return lw_cli_fail("render", LW_EXIT_USAGE, "--metal: %s", err.msg);
    }
    ro.metal_rgb = metal->rgb;
    lw_cli_mesh m;
    e = lw_cli_mesh_load("render", path, units, false, &m);
    lw_image im = {0};
    lw_buf png;
    lw_buf_init(&png, 0);
    lw_render_layout lay;
    if (!e && (lw_render_layout_of(&m.imp.mesh, &ro, &lay, &err) ||
                lw_render(&m.imp.mesh, &ro, &im, &err)))
        e = lw_cli_fail("render", lw_cli_exit_for(err.rc), "%s: %s", path, err.msg);
    if (!e && lw_render_png(&im, &png, &err))
        e = lw_cli_fail("render", LW_EXIT_FAIL, "%s: %s", png_path, err.msg);
    if (!e && lw_file_write_atomic(png_path, png.data, png.len, &err))
        e = lw_cli_fail("render", LW_EXIT_FAIL, "%s: %s", png_path, err.msg);
    if (!e && opts[7].present) {
        json_t *o = json_object(), *views = json_array();
        for (uint32_t i = 0; i < ro.nviews; i++)
            json_array_append_new(views, json_string(lw_render_view_name(ro.views[i])));
        lw_json_set(o, "file", json_string(path));
        lw_json_set(o, "png", json_string(png_path));
        lw_json_set(o, "size", json_pack("[i,i]", (json_int_t)ro.width, (json_int_t)ro.height));
        lw_json_set(o, "views", views);
        lw_json_set(o, "metal", json_string(metal->id));
        lw_json_set(o, "metal_rgb", json_sprintf("#%06X", metal->rgb));
        lw_json_set(o, "scale_px_per_mm", json_real(lay.scale));
        lw_json_set(o, "scale_bar_mm", json_real(lay.bar_mm));
        lw_json_set(o, "watermark", ro.watermark ? json_string(ro.watermark) : json_null());
        lw_json_set(o, "png_bytes", json_integer((json_int_t)png.len));
        lw_cli_json_print(o);
    } else if (!e) {
        printf("%s: %u x %u px,", path, ro.width, ro.height);
        for (uint32_t i = 0; i < ro.nviews; i++)
            printf("%s %s", i ? "," : "", lw_render_view_name(ro.views[i]));
        printf(" in %s at %.2f px/mm%s -> %s\n", metal->name, lay.scale,
               ro.watermark ? ", watermarked" : "", png_path);
    }
    lw_buf_clear(&png);
    lw_image_clear(&im);
    lw_cli_mesh_clear(&m);
    lw_metals_clear(&metals);
    return e;
}
