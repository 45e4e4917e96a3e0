/* libFuzzer target: lw_stl_parse on arbitrary bytes, binary and ASCII alike, with the default
 * limits except 100,000 triangles and 1 MiB, so no input can make a run allocate without bound.
 * Whatever the bytes, the parse must return cleanly, leak nothing, explain every failure and
 * leave a failed import empty; a success must hold a mesh whose indices are all in range.
 * Seeds: tests/fuzz/corpus/stl/ (tiny files made for lostwax). */
#include <stddef.h>
#include <stdint.h>

#include "geom/import.h"
#include "geom/stl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 100000;
    lim.max_file_bytes = (size_t)1 << 20;
    lw_import imp;
    lw_import_init(&imp);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_stl_parse(data, size, &lim, &imp, &err);
    if (rc && (err.rc != rc || !err.msg[0] || imp.nparts || imp.mesh.nt || imp.mesh.nv))
        __builtin_trap();
    for (size_t i = 0; !rc && i < 3 * (size_t)imp.mesh.nt; i++)
        if (imp.mesh.tri[i] >= imp.mesh.nv || lw_mesh_part(&imp.mesh, (uint32_t)(i / 3)) >=
                                                   imp.nparts)
            __builtin_trap();
    lw_import_clear(&imp);
    return 0;
}
