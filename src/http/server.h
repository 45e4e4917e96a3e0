/* lostwax: the studio's web server. libmicrohttpd does the HTTP (a thread pool, limits on
 * connections, memory and time per connection); this layer adds what the studio needs on top:
 * the JSON API under /api/ (each route one shop action; docs/api.md), sessions by cookie with a
 * CSRF token for every request that changes anything, login rate limiting, body size limits,
 * security headers, and the UI's static files under /.
 *
 * Nothing here holds a business rule: a route parses the request into the action's JSON input,
 * the shop runs it, and the result or the error becomes the response. */
#ifndef LW_HTTP_SERVER_H
#define LW_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "shop/shop.h"

typedef struct lw_server lw_server;

typedef struct lw_server_opts {
    uint16_t port;          /* 0: any free port (tests); lw_server_port tells which */
    const char *bind;       /* an IPv4 address; NULL: all interfaces */
    const char *web_dir;    /* the UI's files; NULL: no UI, only the API */
    unsigned threads;       /* worker threads; 0: 4 */
    size_t max_body;        /* bytes of a JSON request; 0: 1 MiB */
    bool secure_cookies;    /* mark the session cookie Secure (behind HTTPS) */
    unsigned login_burst;   /* sign-in attempts an address may make at once; 0: 10 */
    double login_per_min;   /* then this many a minute; 0: 6 */
} lw_server_opts;

/* Starts serving shop (borrowed until lw_server_stop) in background threads. LW_EIO when the
 * port cannot be bound (the message names it), LW_ENOMEM. */
lw_rc lw_server_start(lw_shop *shop, const lw_server_opts *o, lw_server **out, lw_err *err);

/* The port it listens on. */
uint16_t lw_server_port(const lw_server *s);

/* Stops accepting, finishes the requests in progress, frees everything. NULL is harmless. */
void lw_server_stop(lw_server *s);

#endif
