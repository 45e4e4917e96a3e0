/* lostwax: error codes and first-error-wins messages (see err.h). */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

const char *lw_rc_name(lw_rc rc)
{
    switch (rc) {
    case LW_OK: return "OK";
    case LW_ENOMEM: return "ENOMEM";
    case LW_EIO: return "EIO";
    case LW_EFORMAT: return "EFORMAT";
    case LW_ELIMIT: return "ELIMIT";
    case LW_EINVAL: return "EINVAL";
    case LW_ENOTFOUND: return "ENOTFOUND";
    case LW_EDENIED: return "EDENIED";
    case LW_ECONFLICT: return "ECONFLICT";
    case LW_EUNSUPPORTED: return "EUNSUPPORTED";
    }
    return "E?";
}

void lw_err_clear(lw_err *e)
{
    if (!e)
        return;
    e->rc = LW_OK;
    e->msg[0] = '\0';
}

lw_rc lw_err_vset(lw_err *e, lw_rc rc, const char *fmt, va_list ap)
{
    if (!e || e->rc != LW_OK)
        return rc;
    e->rc = rc;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return rc;
}

lw_rc lw_err_set(lw_err *e, lw_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lw_err_vset(e, rc, fmt, ap);
    va_end(ap);
    return rc;
}

lw_rc lw_err_nomem(lw_err *e)
{
    if (e && e->rc == LW_OK) {
        e->rc = LW_ENOMEM;
        memcpy(e->msg, "out of memory", sizeof "out of memory");
    }
    return LW_ENOMEM;
}

void lw_err_prefix(lw_err *e, const char *fmt, ...)
{
    if (!e || e->rc == LW_OK)
        return;
    char head[LW_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Build "head: msg" by hand, truncating the tail, so nothing here can fail. */
    char joined[LW_ERR_MSG_MAX];
    size_t hl = strlen(head), ml = strlen(e->msg), k = 0;
    for (size_t i = 0; i < hl && k + 1 < sizeof joined; i++)
        joined[k++] = head[i];
    for (size_t i = 0; i < 2 && k + 1 < sizeof joined; i++)
        joined[k++] = ": "[i];
    for (size_t i = 0; i < ml && k + 1 < sizeof joined; i++)
        joined[k++] = e->msg[i];
    joined[k] = 0;
    memcpy(e->msg, joined, k + 1);
}
