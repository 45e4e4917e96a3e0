/* lostwax: format detection and dispatch for mesh files (see import.h). */
#include "geom/import.h"

#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "geom/obj.h"
#include "geom/stl.h"
#include "geom/threemf.h"

void lw_import_init(lw_import *imp)
{
    memset(imp, 0, sizeof *imp);
    lw_mesh_init(&imp->mesh);
}

void lw_import_clear(lw_import *imp)
{
    for (uint32_t i = 0; i < imp->nparts; i++)
        lw_free(imp->part_names[i]);
    lw_free(imp->part_names);
    lw_mesh_clear(&imp->mesh);
    lw_import_init(imp);
}

lw_rc lw_import_add_part(lw_import *imp, const char *name, size_t n, uint32_t max_parts,
                         uint32_t *id)
{
    if (imp->nparts >= max_parts)
        return LW_ELIMIT;
    lw_rc rc = LW_VEC_RESERVE(imp->part_names, imp->cap_parts, (size_t)imp->nparts + 1, max_parts);
    if (rc)
        return rc;
    char *copy = lw_strndup(name ? name : "", name ? n : 0);
    if (!copy)
        return LW_ENOMEM;
    imp->part_names[imp->nparts] = copy;
    *id = imp->nparts++;
    return LW_OK;
}

const char *lw_mesh_format_name(lw_mesh_format f)
{
    switch (f) {
    case LW_FORMAT_STL_BINARY: return "binary STL";
    case LW_FORMAT_STL_ASCII: return "ASCII STL";
    case LW_FORMAT_OBJ: return "OBJ";
    case LW_FORMAT_3MF: return "3MF";
    case LW_FORMAT_UNKNOWN: break;
    }
    return "unknown";
}

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Does the text look like OBJ: a line starting with "v " or "f " within the first 64 KiB? */
static int looks_like_obj(const uint8_t *d, size_t len)
{
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 0; i + 1 < n; i++) {
        if ((i == 0 || d[i - 1] == '\n') && (d[i] == 'v' || d[i] == 'f') &&
            (d[i + 1] == ' ' || d[i + 1] == '\t'))
            return 1;
    }
    return 0;
}

lw_mesh_format lw_mesh_detect(const uint8_t *data, size_t len, const char *ext_hint)
{
    if (len >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4)
        return LW_FORMAT_3MF;
    if (len >= 84) {
        uint32_t count = (uint32_t)data[80] | (uint32_t)data[81] << 8 | (uint32_t)data[82] << 16 |
                         (uint32_t)data[83] << 24;
        if ((uint64_t)count * 50 + 84 == len)
            return LW_FORMAT_STL_BINARY;
    }
    size_t i = 0;
    while (i < len && is_space(data[i]))
        i++;
    if (len - i >= 5 && memcmp(data + i, "solid", 5) == 0 &&
        (len - i == 5 || is_space(data[i + 5])))
        return LW_FORMAT_STL_ASCII;
    if (ext_hint && strcmp(ext_hint, "obj") == 0)
        return LW_FORMAT_OBJ;
    if (ext_hint && strcmp(ext_hint, "stl") == 0)
        return LW_FORMAT_STL_BINARY; /* the binary parser explains what is wrong with its size */
    if (ext_hint && strcmp(ext_hint, "3mf") == 0)
        return LW_FORMAT_3MF;
    if (looks_like_obj(data, len))
        return LW_FORMAT_OBJ;
    if (len >= 84)
        return LW_FORMAT_STL_BINARY;
    return LW_FORMAT_UNKNOWN;
}

lw_rc lw_mesh_import(const uint8_t *data, size_t len, const char *ext_hint,
                     const lw_mesh_limits *lim, lw_import *out, lw_err *err)
{
    lw_import_init(out);
    if (len == 0)
        return lw_err_set(err, LW_EFORMAT, "the file is empty");
    if (len > lim->max_file_bytes)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes is more than the limit of %zu bytes", len,
                          lim->max_file_bytes);
    lw_rc rc;
    switch (lw_mesh_detect(data, len, ext_hint)) {
    case LW_FORMAT_STL_BINARY:
    case LW_FORMAT_STL_ASCII: rc = lw_stl_parse(data, len, lim, out, err); break;
    case LW_FORMAT_OBJ: rc = lw_obj_parse(data, len, lim, out, err); break;
    case LW_FORMAT_3MF: rc = lw_3mf_parse(data, len, lim, out, err); break;
    default:
        return lw_err_set(err, LW_EFORMAT,
                          "not a mesh file lostwax reads (STL, OBJ or 3MF): %zu bytes that are "
                          "neither a zip, an STL nor OBJ text",
                          len);
    }
    if (rc)
        lw_import_clear(out);
    return rc;
}
