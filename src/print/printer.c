/* PLACEHOLDER until the profiles land: replaced wholesale by their implementation. */
#include "print/printer.h"
#include <string.h>
lw_rc lw_printer_parse(const char *text, size_t len, const char *name, lw_printer *out,
                       lw_err *err)
{
    (void)text; (void)len; (void)name; memset(out, 0, sizeof *out);
    return lw_err_set(err, LW_EUNSUPPORTED, "printer profiles not written yet");
}
void lw_resins_init(lw_resins *t) { memset(t, 0, sizeof *t); }
void lw_resins_clear(lw_resins *t) { memset(t, 0, sizeof *t); }
lw_rc lw_resins_load(lw_resins *t, const char *text, size_t len, const char *name, lw_err *err)
{
    (void)t; (void)text; (void)len; (void)name;
    return lw_err_set(err, LW_EUNSUPPORTED, "resins not written yet");
}
lw_rc lw_resins_get(const lw_resins *t, const char *id, const lw_resin **out, lw_err *err)
{
    (void)t; (void)id; *out = NULL;
    return lw_err_set(err, LW_EUNSUPPORTED, "resins not written yet");
}
