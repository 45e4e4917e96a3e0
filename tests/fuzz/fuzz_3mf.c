/* libFuzzer target for the 3MF reader: zip handling, relationships, the model XML and the
 * placement of build items, under limits small enough that every input finishes quickly.
 *
 * Two kinds of input: a zip (starting "PK") is parsed as it is; anything else is taken as the
 * text of a model part and packed, stored uncompressed, as 3D/3dmodel.model first. Mutating
 * deflated bytes rarely yields XML, so the second kind is what lets the fuzzer explore the model
 * grammar; the first explores libzip's side and our limits. Whatever the bytes, the parse must
 * return cleanly, leak nothing, explain every failure, and a success must hold a consistent mesh.
 * Seeds: tests/fuzz/corpus/3mf/ (tiny packages and model texts made for lostwax).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "geom/import.h"
#include "geom/threemf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A package holding the bytes as its model part (stored). NULL if libzip fails. */
static uint8_t *pack_model(const uint8_t *data, size_t size, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!mem)
        return NULL;
    zip_source_keep(mem);
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, NULL);
    uint8_t *out = NULL;
    if (!za) {
        zip_source_free(mem);
        zip_source_free(mem);
        return NULL;
    }
    zip_source_t *s = zip_source_buffer(za, data, size, 0);
    zip_int64_t idx = s ? zip_file_add(za, "3D/3dmodel.model", s, 0) : -1;
    if (idx < 0) {
        zip_source_free(s);
        zip_discard(za);
        zip_source_free(mem);
        return NULL;
    }
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    if (zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(mem);
        return NULL;
    }
    zip_stat_t st;
    if (zip_source_open(mem) == 0) {
        if (zip_source_stat(mem, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
            (out = lw_malloc(st.size ? st.size : 1)) &&
            zip_source_read(mem, out, st.size) != (zip_int64_t)st.size) {
            lw_free(out);
            out = NULL;
        }
        *len = out ? st.size : 0;
        zip_source_close(mem);
    }
    zip_source_free(mem);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_file_bytes = (size_t)1 << 20;
    lim.max_triangles = 100000;
    lim.max_vertices = 100000;
    lim.max_unzipped_bytes = (uint64_t)16 << 20;
    /* Low enough that small inputs can reach every limit's error path. */
    lim.max_parts = 64;
    lim.max_xml_depth = 32;
    lim.max_component_depth = 4;
    if (size > lim.max_file_bytes)
        return 0;
    uint8_t *packed = NULL;
    size_t len = size;
    if (size < 2 || data[0] != 'P' || data[1] != 'K') {
        packed = pack_model(data, size, &len);
        if (!packed)
            return 0;
        data = packed;
    }
    lw_import imp;
    lw_import_init(&imp);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_3mf_parse(data, len, &lim, &imp, &err);
    if (rc == LW_OK) {
        /* Every facet names existing vertices and a part; counts respect the limits. */
        if (imp.mesh.nt > lim.max_triangles || imp.mesh.nv > lim.max_vertices ||
            imp.nparts != imp.build_items || imp.nparts == 0 || imp.unit_mm <= 0)
            abort();
        for (size_t i = 0; i < 3 * (size_t)imp.mesh.nt; i++)
            if (imp.mesh.tri[i] >= imp.mesh.nv)
                abort();
        for (uint32_t f = 0; f < imp.mesh.nt; f++)
            if (lw_mesh_part(&imp.mesh, f) >= imp.nparts)
                abort();
        for (size_t i = 0; i < 3 * (size_t)imp.mesh.nv; i++)
            if (!isfinite(imp.mesh.xyz[i]))
                abort();
    } else if (err.rc != rc || !err.msg[0] || imp.mesh.nt || imp.nparts) {
        abort(); /* every failure explains itself and leaves the import empty */
    }
    lw_import_clear(&imp);
    lw_free(packed);
    return 0;
}
