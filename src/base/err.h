/* lostwax: the one error type.
 *
 * Every fallible function returns an lw_rc and, when handed an lw_err, records the *first*
 * failure's message there ("facet 1204: vertex 2 is NaN"). Callers add outer context with
 * lw_err_prefix() as the error travels up ("ring.stl: facet 1204: ..."), so the user sees what
 * failed and where.
 */
#ifndef LW_BASE_ERR_H
#define LW_BASE_ERR_H

#include <stdarg.h>

typedef enum lw_rc {
    LW_OK = 0,
    LW_ENOMEM,       /* an allocation failed */
    LW_EIO,          /* the operating system refused a read or write */
    LW_EFORMAT,      /* input is not what it claims to be (corrupt, truncated, malformed) */
    LW_ELIMIT,       /* input is well formed but exceeds a configured limit */
    LW_EINVAL,       /* a caller or user argument is out of range or meaningless */
    LW_ENOTFOUND,    /* a named thing (file, alloy, chart, record) does not exist */
    LW_EDENIED,      /* not allowed (role, password, permission) */
    LW_ECONFLICT,    /* the request contradicts the current state */
    LW_EUNSUPPORTED, /* valid input we deliberately do not handle (say why in the message) */
} lw_rc;

#define LW_ERR_MSG_MAX 512

typedef struct lw_err {
    lw_rc rc;                 /* LW_OK until the first lw_err_set() */
    char msg[LW_ERR_MSG_MAX]; /* NUL-terminated; empty while rc == LW_OK */
} lw_err;

/* Short stable name of a code ("ENOMEM", "EFORMAT", ...). Never NULL. */
const char *lw_rc_name(lw_rc rc);

/* Resets *e to "no error". e may be NULL. */
void lw_err_clear(lw_err *e);

/* Records rc and the formatted message if e holds no error yet; later calls keep the first error.
 * Returns rc so a caller can write `return lw_err_set(err, LW_EFORMAT, "...")`. e may be NULL. */
lw_rc lw_err_set(lw_err *e, lw_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
lw_rc lw_err_vset(lw_err *e, lw_rc rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Records "out of memory" (a fixed message: formatting must not allocate). Returns LW_ENOMEM. */
lw_rc lw_err_nomem(lw_err *e);

/* Prepends "<formatted>: " to an error already recorded (does nothing if there is none).
 * The message is truncated at LW_ERR_MSG_MAX rather than failing. */
void lw_err_prefix(lw_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
