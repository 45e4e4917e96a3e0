/* lostwax info: what is in a mesh file, whether it can be printed and cast, and, for a ring, its
 * size. The first question at the bench about any CAD file that arrives. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"

static const char k_help[] =
    "usage: lostwax info [--units UNIT] [--strict] [--json] FILE...\n"
    "\n"
    "What is in each mesh file (STL, OBJ, 3MF): format, unit, facets, shells, whether it is\n"
    "watertight and consistently oriented, the problems found and where, size, volume, area,\n"
    "centroid; and for a ring, its inner diameter, its size in the common charts, and the width\n"
    "and thickness of the shank.\n"
    "\n"
    "  --units UNIT  the unit the file was drawn in (mm, cm, m, in, um, or e.g. 0.1mm),\n"
    "                overriding what the file says or lostwax assumes\n"
    "  --strict      exit 1 unless every file is printable (watertight, orientable)\n"
    "  --json        machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 done, 1 a file is not printable under --strict, 2 a file could not be read.\n";

/* A value as printed with two decimals, without the "-0.00" of tiny negatives. */
static double tidy(double v) { return fabs(v) < 0.005 ? 0 : v; }

static const char *axis_name(int a) { return a == 0 ? "x" : a == 1 ? "y" : a == 2 ? "z" : "?"; }

static int printable(const lw_mesh_report *r)
{
    return r->watertight && r->oriented && r->nshells > 0;
}

static json_t *problems_json(const lw_mesh_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->nproblems; i++) {
        const lw_problem *p = &r->problems[i];
        char text[256];
        lw_problem_describe(p, text, sizeof text);
        json_t *o = json_object();
        lw_json_set(o, "kind", json_string(lw_problem_kind_name(p->kind)));
        lw_json_set(o, "text", json_string(text));
        lw_json_set(o, "where_mm", lw_json_vec3(p->where));
        if (p->shell != UINT32_MAX)
            lw_json_set(o, "shell", json_integer(p->shell));
        if (p->other_shell != UINT32_MAX)
            lw_json_set(o, "other_shell", json_integer(p->other_shell));
        if (p->face != UINT32_MAX)
            lw_json_set(o, "facet", json_integer(p->face));
        lw_json_set(o, "count", json_integer(p->count));
        lw_json_set(o, "fixed", json_boolean(p->fixed));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *info_json(const lw_cli_mesh *m)
{
    const lw_mesh_report *r = &m->report;
    json_t *o = json_object();
    lw_json_set(o, "file", json_string(m->path));
    lw_json_set(o, "format", json_string(lw_mesh_format_name(m->imp.format)));
    if (m->imp.header[0])
        lw_json_set(o, "header", json_string(m->imp.header));
    json_t *u = json_object();
    char uname[32];
    lw_units_name(m->units.mm_per_unit, uname, sizeof uname);
    lw_json_set(u, "unit", json_string(uname));
    lw_json_set(u, "mm_per_unit", json_real(m->units.mm_per_unit));
    lw_json_set(u, "basis", json_string(m->units.basis));
    lw_json_set(u, "declared", json_string(m->imp.unit_decl));
    lw_json_set(u, "largest_extent_mm", json_real(m->units.size_mm));
    lw_json_set(u, "plausible", json_boolean(m->units.plausible));
    if (m->units.suggest > 0)
        lw_json_set(u, "suggested_mm_per_unit", json_real(m->units.suggest));
    lw_json_set(o, "units", u);
    lw_json_set(o, "facets_in_file", json_integer((json_int_t)m->imp.facets_in_file));
    lw_json_set(o, "vertices", json_integer(m->imp.mesh.nv));
    lw_json_set(o, "facets", json_integer(m->imp.mesh.nt));
    lw_json_set(o, "parts", json_integer(m->imp.nparts));
    lw_json_set(o, "printable", json_boolean(printable(r)));
    lw_json_set(o, "watertight", json_boolean(r->watertight));
    lw_json_set(o, "oriented", json_boolean(r->oriented));
    lw_json_set(o, "shell_count", json_integer(r->nshells));
    lw_json_set(o, "holes", json_integer(r->holes));
    lw_json_set(o, "boundary_edges", json_integer((json_int_t)r->boundary_edges));
    lw_json_set(o, "nonmanifold_edges", json_integer((json_int_t)r->nonmanifold_edges));
    lw_json_set(o, "degenerate_facets", json_integer(r->degenerate_facets));
    lw_json_set(o, "flipped_facets_fixed", json_integer(r->flipped_facets));
    lw_json_set(o, "inverted_shells", json_integer(r->inverted_shells));
    lw_json_set(o, "overlapping_shell_pairs", json_integer(r->overlapping_pairs));
    lw_json_set(o, "stored_normals_wrong", json_integer(m->imp.normals_wrong));
    lw_json_set(o, "stored_normals_zero", json_integer(m->imp.normals_zero));
    lw_json_set(o, "volume_mm3", json_real(lw_cli_mesh_volume(m)));
    lw_json_set(o, "volume_method", json_string(m->has_union ? "union" : "shells"));
    lw_json_set(o, "shell_volume_sum_mm3", json_real(r->total.volume));
    if (m->has_union)
        lw_json_set(o, "volume_error_mm3", json_real(m->uni.bound));
    lw_json_set(o, "area_mm2", json_real(r->total.area));
    lw_json_set(o, "bbox_mm", lw_json_bbox(&r->total.bbox));
    lw_json_set(o, "centroid_mm", lw_json_vec3(r->total.centroid));
    json_t *shells = json_array();
    for (uint32_t i = 0; i < r->nshells; i++) {
        const lw_shell *s = &r->shells[i];
        json_t *sj = json_object();
        lw_json_set(sj, "facets", json_integer(s->m.nfaces));
        lw_json_set(sj, "volume_mm3", json_real(s->m.volume));
        lw_json_set(sj, "area_mm2", json_real(s->m.area));
        lw_json_set(sj, "bbox_mm", lw_json_bbox(&s->m.bbox));
        lw_json_set(sj, "centroid_mm", lw_json_vec3(s->m.centroid));
        lw_json_set(sj, "closed", json_boolean(s->closed));
        lw_json_set(sj, "holes", json_integer(s->holes));
        lw_json_set(sj, "cavity", json_boolean(s->cavity));
        lw_json_set(sj, "inverted", json_boolean(s->inverted));
        lw_json_set(sj, "part", json_string(s->part < m->imp.nparts ? m->imp.part_names[s->part]
                                                                     : ""));
        json_array_append_new(shells, sj);
    }
    lw_json_set(o, "shells", shells);
    lw_json_set(o, "problems", problems_json(r));
    if (m->ring.is_ring) {
        const lw_ring_measures *g = &m->ring;
        json_t *rj = json_object();
        lw_json_set(rj, "axis", json_string(axis_name(g->axis)));
        lw_json_set(rj, "inner_diameter_mm", json_real(g->inner_diameter));
        lw_json_set(rj, "inner_circumference_mm", json_real(M_PI * g->inner_diameter));
        lw_json_set(rj, "sizes", lw_cli_ring_sizes_json(M_PI * g->inner_diameter));
        lw_json_set(rj, "shank_thickness_mm", json_real(g->shank_thickness));
        lw_json_set(rj, "shank_width_mm", json_real(g->shank_width));
        lw_json_set(rj, "outer_diameter_mm", json_real(g->outer_diameter));
        lw_json_set(o, "ring", rj);
    } else {
        lw_json_set(o, "ring", json_null());
        lw_json_set(o, "not_a_ring_because", json_string(m->ring.why_not));
    }
    return o;
}

static void info_text(const lw_cli_mesh *m)
{
    const lw_mesh_report *r = &m->report;
    const lw_bbox *b = &r->total.bbox;
    char uname[32];
    lw_units_name(m->units.mm_per_unit, uname, sizeof uname);
    printf("%s: %s, %llu facets", m->path, lw_mesh_format_name(m->imp.format),
           (unsigned long long)m->imp.facets_in_file);
    if (m->imp.nparts > 1)
        printf(" in %u parts", m->imp.nparts);
    printf("\n");
    printf("  unit       %s, %s; %.2f mm across\n", uname, m->units.basis, m->units.size_mm);
    if (!m->units.plausible) {
        if (m->units.suggest > 0) {
            char sname[32];
            lw_units_name(m->units.suggest, sname, sizeof sname);
            printf("  WARNING    %.2f mm across is not the size of a piece of jewellery; "
                   "drawn in %s it would be %.2f mm (use --units %s)\n",
                   m->units.size_mm, sname, m->units.suggest_size, sname);
        } else {
            printf("  WARNING    %.2f mm across is not the size of a piece of jewellery: check the "
                   "unit (--units)\n", m->units.size_mm);
        }
    }
    if (printable(r))
        printf("  printable  yes: watertight, consistently oriented, %u shell%s\n", r->nshells,
               r->nshells == 1 ? "" : "s");
    else
        printf("  printable  NO: %s%s%s\n", r->watertight ? "" : "not watertight",
               !r->watertight && !r->oriented ? ", " : "",
               r->oriented ? "" : "cannot be consistently oriented");
    printf("  mesh       %u vertices, %u facets, %u shell%s, %u hole%s, %u degenerate facet%s\n",
           m->imp.mesh.nv, m->imp.mesh.nt, r->nshells, r->nshells == 1 ? "" : "s", r->holes,
           r->holes == 1 ? "" : "s", r->degenerate_facets, r->degenerate_facets == 1 ? "" : "s");
    if (!lw_bbox_is_empty(b))
        printf("  size       %.2f x %.2f x %.2f mm (x %.2f..%.2f, y %.2f..%.2f, z %.2f..%.2f)\n",
               b->max[0] - b->min[0], b->max[1] - b->min[1], b->max[2] - b->min[2],
               tidy(b->min[0]), tidy(b->max[0]), tidy(b->min[1]), tidy(b->max[1]),
               tidy(b->min[2]), tidy(b->max[2]));
    if (m->has_union)
        printf("  volume     %.2f mm³ +- %.2f: the union of overlapping shells (their sum, %.2f "
               "mm³, counts the overlap twice)\n",
               m->uni.volume, m->uni.bound, r->total.volume);
    else
        printf("  volume     %.2f mm³%s\n", r->total.volume,
               lw_cli_mesh_overlaps(m) ? " (shells overlap and the mesh is not closed: their "
                                         "sum counts the overlap twice)"
                                       : "");
    printf("  area       %.2f mm²\n", r->total.area);
    printf("  centroid   (%.2f, %.2f, %.2f) mm\n", tidy(r->total.centroid[0]),
           tidy(r->total.centroid[1]), tidy(r->total.centroid[2]));
    if (m->ring.is_ring) {
        const lw_ring_measures *g = &m->ring;
        printf("  ring       inner diameter %.2f mm (circumference %.2f mm), finger along %s\n",
               g->inner_diameter, M_PI * g->inner_diameter, axis_name(g->axis));
        printf("  sizes      ");
        lw_cli_ring_sizes_text(M_PI * g->inner_diameter, stdout);
        printf("\n");
        printf("  shank      %.2f mm thick, %.2f mm wide at its thinnest "
               "(outer diameter %.2f mm)\n",
               g->shank_thickness, g->shank_width, g->outer_diameter);
    }
    if (m->imp.normals_wrong || m->imp.normals_zero)
        printf("  normals    %u stored facet normal%s wrong and %u zero: ignored (lostwax "
               "recomputes normals from the vertices)\n",
               m->imp.normals_wrong, m->imp.normals_wrong == 1 ? " was" : "s were",
               m->imp.normals_zero);
    if (r->nproblems) {
        printf("  problems\n");
        for (size_t i = 0; i < r->nproblems; i++) {
            char text[256];
            lw_problem_describe(&r->problems[i], text, sizeof text);
            printf("    - %s%s\n", text, r->problems[i].fixed ? " (fixed)" : "");
        }
    }
}

int lw_cmd_info(int argc, char **argv)
{
    lw_opt opts[] = {{"units", true}, {"strict", false}, {"json", false}, {"help", false}};
    lw_args args;
    int rc = lw_cli_begin("info", argc, argv, opts, 4, k_help, 1, LW_MAX_POSITIONAL, &args);
    if (rc >= 0)
        return rc;
    double units = 0;
    if (opts[0].present) {
        lw_err err;
        lw_err_clear(&err);
        if (lw_units_parse(opts[0].value, &units, &err))
            return lw_cli_fail("info", LW_EXIT_USAGE, "--units: %s", err.msg);
    }
    int exit_code = LW_EXIT_OK;
    json_t *files = opts[2].present ? json_array() : NULL;
    for (int i = 0; i < args.npos; i++) {
        lw_cli_mesh m;
        int e = lw_cli_mesh_load("info", args.pos[i], units, true, &m);
        if (e) {
            if (e > exit_code || exit_code == LW_EXIT_FAIL)
                exit_code = e;
        } else {
            if (files)
                json_array_append_new(files, info_json(&m));
            else
                info_text(&m);
            if (opts[1].present && !printable(&m.report) && exit_code == LW_EXIT_OK)
                exit_code = LW_EXIT_FAIL;
        }
        lw_cli_mesh_clear(&m);
    }
    if (files) {
        json_t *doc = json_object();
        lw_json_set(doc, "files", files);
        lw_cli_json_print(doc);
    }
    return exit_code;
}
