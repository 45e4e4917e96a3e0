/* lostwax: signing in. Staff passwords are stored as Argon2id hashes (libsodium's
 * crypto_pwhash_str, interactive limits: 64 MiB and about a tenth of a second a try, which is
 * what makes a stolen database slow to attack); sessions are random 256-bit tokens of which the
 * database keeps only a hash, each with its own CSRF token that every state-changing request must
 * echo in a header.
 *
 * These are not actions (no one is signed in yet when they run); they write the audit log
 * themselves. */
#ifndef LW_SHOP_AUTH_H
#define LW_SHOP_AUTH_H

#include "shop/shop.h"

#define LW_TOKEN_CHARS 43       /* base64url of 32 random bytes */
#define LW_SESSION_SECONDS 43200 /* a working day and a half: 12 h */
#define LW_PASSWORD_MIN 8
#define LW_PASSWORD_MAX 256

typedef struct lw_session {
    lw_actor who;
    char csrf[LW_TOKEN_CHARS + 1];
    int64_t expires_at;
} lw_session;

/* Adds a member of staff (username 1-40 of a-z 0-9 . _ -, display name, role, a password of
 * LW_PASSWORD_MIN to LW_PASSWORD_MAX bytes). LW_EINVAL naming the field, LW_ECONFLICT when the
 * username is taken. *id is the new staff id. */
lw_rc lw_staff_add(lw_shop *s, const lw_actor *who, const char *username, const char *display,
                   lw_role role, const char *password, int64_t *id, lw_err *err);

/* Checks username and password and opens a session: token (LW_TOKEN_CHARS + NUL) for the
 * cookie, *out for the response. A wrong username and a wrong password give the same
 * LW_EDENIED "wrong username or password", after the same amount of work. */
lw_rc lw_shop_login(lw_shop *s, const char *username, const char *password,
                    char token[LW_TOKEN_CHARS + 1], lw_session *out, lw_err *err);

/* The session of a token: LW_EDENIED when unknown, expired, or its member of staff was
 * deactivated. */
lw_rc lw_shop_session(lw_shop *s, const char *token, lw_session *out, lw_err *err);

/* Ends the session of a token (unknown tokens are not an error). */
lw_rc lw_shop_logout(lw_shop *s, const char *token, lw_err *err);

#endif
