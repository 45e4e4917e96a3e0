/* lostwax: the web server on libmicrohttpd (see server.h). */
#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "http/routes.h"
#include "shop/auth.h"
#include "shop/link.h"
#include "shop/revision.h"

#define COOKIE "lw_session"
#define RATE_SLOTS 512
#define CACHE_SLOTS 16

/* A serialized answer of a cacheable route (routes.h), valid while the shop's generation has not
 * moved and for the route's seconds at most. The board is read by every tablet every 30 s and
 * by every page that shows it; computing it for 500 pieces takes milliseconds, copying it takes
 * microseconds. */
typedef struct cached {
    char *key;      /* action + "?" + the input, keys sorted */
    char *body;
    size_t len;
    uint64_t gen;
    double at;      /* mono_now() when made */
} cached;

/* Sign-in attempts per address: a token bucket each, in a small table where the least recently
 * seen address gives way (an attacker with many addresses only pushes out others' buckets, and
 * the Argon2 gate below still bounds the work). */
typedef struct rate_slot {
    uint32_t addr;
    double tokens, last;
} rate_slot;

struct lw_server {
    struct MHD_Daemon *d;
    lw_shop *shop;
    lw_server_opts o;
    char *web_dir;
    pthread_mutex_t rate_mu;
    rate_slot rate[RATE_SLOTS];
    /* At most two sign-ins at a time are hashing or waiting to: a storm of them may not take
     * every worker thread from the people using the board. */
    atomic_int logins_in_flight;
    pthread_mutex_t login_mu;
    pthread_mutex_t cache_mu;
    cached cache[CACHE_SLOTS];
};

typedef struct request {
    lw_buf body;
    size_t limit;
    bool too_big;
} request;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- responses ---- */

static void security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data: blob:; style-src 'self';"
                            " frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *doc,
                                 const char *cookie)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *body = text ? text : "{\"error\":\"out of memory\"}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    lw_free(text); /* jansson allocates through lw_malloc (lw_cli_main sets the seam) */
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    security_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static unsigned status_of(lw_rc rc)
{
    switch (rc) {
    case LW_OK: return 200;
    case LW_EINVAL:
    case LW_EFORMAT: return 400;
    case LW_EDENIED: return 403;
    case LW_ENOTFOUND: return 404;
    case LW_ECONFLICT: return 409;
    case LW_ELIMIT: return 413;
    case LW_EUNSUPPORTED: return 501;
    default: return 500;
    }
}

static const char *code_of(lw_rc rc)
{
    switch (rc) {
    case LW_EINVAL:
    case LW_EFORMAT: return "invalid";
    case LW_EDENIED: return "denied";
    case LW_ENOTFOUND: return "not_found";
    case LW_ECONFLICT: return "conflict";
    case LW_ELIMIT: return "too_large";
    case LW_EUNSUPPORTED: return "unsupported";
    default: return "internal";
    }
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *msg)
{
    return send_json(c, status, json_pack("{s:s,s:s}", "error", msg, "code", code), NULL);
}

static enum MHD_Result send_rc(struct MHD_Connection *c, const lw_err *err)
{
    return send_error(c, status_of(err->rc), code_of(err->rc),
                      err->msg[0] ? err->msg : "failed");
}

/* Sends bytes the server owns no longer (the caller frees them after). */
static enum MHD_Result send_blob(struct MHD_Connection *c, const uint8_t *data, size_t len,
                                 const char *type, const char *attachment)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "private, no-store");
    if (attachment) {
        char cd[200];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", attachment);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    security_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* A file name safe in a header: [A-Za-z0-9._-], others become '_'. */
static void safe_name(const char *in, char *out, size_t size)
{
    size_t k = 0;
    for (; *in && k + 1 < size; in++) {
        char c = *in;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        out[k++] = ok ? c : '_';
    }
    out[k] = 0;
}

static enum MHD_Result send_revision(lw_server *s, struct MHD_Connection *c,
                                     const lw_actor *who, int64_t rev, lw_revision_part part)
{
    uint8_t *data;
    size_t len;
    char name[128], safe[128];
    lw_err err;
    lw_err_clear(&err);
    if (lw_revision_read(s->shop, who, rev, part, &data, &len, name, &err)) {
        /* A blob the vault finds damaged is the studio's problem, not the request's. */
        if (err.rc == LW_EFORMAT)
            return send_error(c, 500, "corrupt", err.msg);
        return send_rc(c, &err);
    }
    safe_name(name, safe, sizeof safe);
    enum MHD_Result ret = part == LW_REV_PREVIEW
                              ? send_blob(c, data, len, "image/png", NULL)
                              : send_blob(c, data, len, "application/octet-stream", safe);
    lw_free(data);
    return ret;
}

/* ---- static files ---- */

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".png", "image/png"},                 {".ico", "image/x-icon"},
        {".json", "application/json"},         {".woff2", "font/woff2"},
    };
    for (size_t i = 0; dot && i < sizeof map / sizeof *map; i++)
        if (strcmp(dot, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

/* Serves a file of the UI. Paths are checked before they touch the file system: only
 * [A-Za-z0-9._-/], no "..", no hidden files; symbolic links are not followed. A path with no
 * extension is a page of the single-page UI (a QR code's /p/PC-00042) and gets index.html. */
static enum MHD_Result send_static(lw_server *s, struct MHD_Connection *c, const char *url)
{
    if (!s->web_dir)
        return send_error(c, 404, "not_found", "no such page");
    const char *rel = strcmp(url, "/") == 0 ? "/index.html" : url;
    size_t n = strlen(rel);
    bool ok = n < 200 && rel[0] == '/';
    for (size_t i = 0; ok && i < n; i++) {
        char ch = rel[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '.' || ch == '_' || ch == '-' || ch == '/';
        if (ok && ch == '.' && i > 0 && rel[i - 1] == '/')
            ok = false; /* "..", ".hidden" */
    }
    if (!ok)
        return send_error(c, 404, "not_found", "no such page");
    const char *last = strrchr(rel, '/');
    if (!strchr(last, '.'))
        rel = "/index.html";
    char path[4400];
    snprintf(path, sizeof path, "%s%s", s->web_dir, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return send_error(c, 404, "not_found", "no such page");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type(rel));
    MHD_add_response_header(r, "Cache-Control", strcmp(rel, "/index.html") == 0
                                                    ? "no-cache"
                                                    : "public, max-age=300");
    security_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- sessions ---- */

static uint32_t client_addr(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || ci->client_addr->sa_family != AF_INET)
        return 0;
    return ((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr.s_addr;
}

static bool rate_allow(lw_server *s, uint32_t addr)
{
    double now = mono_now(), burst = s->o.login_burst, per_s = s->o.login_per_min / 60.0;
    pthread_mutex_lock(&s->rate_mu);
    rate_slot *slot = NULL, *oldest = &s->rate[0];
    for (size_t i = 0; i < RATE_SLOTS; i++) {
        if (s->rate[i].last > 0 && s->rate[i].addr == addr) {
            slot = &s->rate[i];
            break;
        }
        if (s->rate[i].last < oldest->last)
            oldest = &s->rate[i];
    }
    if (!slot) {
        slot = oldest;
        *slot = (rate_slot){.addr = addr, .tokens = burst, .last = now};
    }
    slot->tokens = fmin(burst, slot->tokens + (now - slot->last) * per_s);
    slot->last = now;
    bool ok = slot->tokens >= 1;
    if (ok)
        slot->tokens -= 1;
    pthread_mutex_unlock(&s->rate_mu);
    return ok;
}

static void session_cookie(const lw_server *s, const char *token, long max_age, char *out,
                           size_t size)
{
    snprintf(out, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", COOKIE,
             token, max_age, s->o.secure_cookies ? "; Secure" : "");
}

static json_t *session_json(const lw_session *ses)
{
    return json_pack("{s:s,s:{s:I,s:s,s:s},s:I}", "csrf", ses->csrf, "staff", "id",
                     (json_int_t)ses->who.staff_id, "name", ses->who.name, "role",
                     lw_role_name(ses->who.role), "expires_at", (json_int_t)ses->expires_at);
}

static json_t *parse_body(const request *rq, json_error_t *jerr)
{
    if (rq->body.len == 0)
        return json_object();
    /* Duplicate keys are refused: {"role":"front","role":"owner"} means nothing good. */
    return json_loadb((const char *)rq->body.data, rq->body.len,
                      JSON_REJECT_DUPLICATES, jerr);
}

static enum MHD_Result do_login(lw_server *s, struct MHD_Connection *c, const request *rq)
{
    if (!rate_allow(s, client_addr(c)))
        return send_json(c, 429,
                         json_pack("{s:s,s:s}", "error",
                                   "too many sign-in attempts from this address; wait a minute",
                                   "code", "rate_limited"),
                         NULL);
    json_error_t jerr;
    json_t *in = parse_body(rq, &jerr);
    if (!in || !json_is_object(in)) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not a JSON object: %s (line %d, column %d)",
                 in ? "another JSON value" : jerr.text, jerr.line, jerr.column);
        json_decref(in);
        return send_error(c, 400, "invalid", msg);
    }
    const char *user = json_string_value(json_object_get(in, "username"));
    const char *pass = json_string_value(json_object_get(in, "password"));
    if (!user || !pass) {
        json_decref(in);
        return send_error(c, 400, "invalid", "username and password: required, as text");
    }
    if (atomic_fetch_add(&s->logins_in_flight, 1) >= 2) {
        atomic_fetch_sub(&s->logins_in_flight, 1);
        json_decref(in);
        return send_json(c, 429,
                         json_pack("{s:s,s:s}", "error", "the server is busy signing others in;"
                                   " try again in a moment", "code", "rate_limited"),
                         NULL);
    }
    pthread_mutex_lock(&s->login_mu);
    char token[LW_TOKEN_CHARS + 1];
    lw_session ses;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_shop_login(s->shop, user, pass, token, &ses, &err);
    pthread_mutex_unlock(&s->login_mu);
    atomic_fetch_sub(&s->logins_in_flight, 1);
    json_decref(in);
    if (rc)
        return send_rc(c, &err);
    char cookie[200];
    session_cookie(s, token, LW_SESSION_SECONDS, cookie, sizeof cookie);
    sodium_memzero(token, sizeof token);
    return send_json(c, 200, session_json(&ses), cookie);
}

/* ---- the API ---- */

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    /* Query values stay text; the shop reads "20" as a whole number where it wants one. */
    json_t *v = json_string(value ? value : "");
    if (v)
        json_object_set_new((json_t *)cls, key, v);
    return MHD_YES;
}

static enum MHD_Result send_bytes_json(struct MHD_Connection *c, const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    security_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Serves key from the cache if a fresh copy is there. */
static bool cache_send(lw_server *s, struct MHD_Connection *c, const char *key, unsigned max_s,
                       enum MHD_Result *ret)
{
    uint64_t gen = lw_shop_generation(s->shop);
    double now = mono_now();
    bool hit = false;
    pthread_mutex_lock(&s->cache_mu);
    for (size_t i = 0; i < CACHE_SLOTS && !hit; i++) {
        cached *e = &s->cache[i];
        if (e->key && e->gen == gen && now - e->at < max_s && strcmp(e->key, key) == 0) {
            /* MHD copies the bytes before we let go of the lock. */
            *ret = send_bytes_json(c, e->body, e->len);
            hit = true;
        }
    }
    pthread_mutex_unlock(&s->cache_mu);
    return hit;
}

/* Keeps body under key, made at generation gen, in place of the oldest entry. */
static void cache_put(lw_server *s, const char *key, const char *body, uint64_t gen)
{
    size_t kn = strlen(key) + 1, bn = strlen(body);
    char *k = lw_malloc(kn), *b = lw_malloc(bn + 1);
    if (!k || !b) {
        lw_free(k);
        lw_free(b);
        return; /* a cache that cannot grow just misses */
    }
    memcpy(k, key, kn);
    memcpy(b, body, bn + 1);
    pthread_mutex_lock(&s->cache_mu);
    cached *slot = &s->cache[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (s->cache[i].key && strcmp(s->cache[i].key, key) == 0) {
            slot = &s->cache[i];
            break;
        }
        if (!s->cache[i].key || s->cache[i].at < slot->at)
            slot = &s->cache[i];
    }
    lw_free(slot->key);
    lw_free(slot->body);
    *slot = (cached){.key = k, .body = b, .len = bn, .gen = gen, .at = mono_now()};
    pthread_mutex_unlock(&s->cache_mu);
}

/* The customer's side: /api/link/{token}/... with the token as the only credential. */
static enum MHD_Result link_api(lw_server *s, struct MHD_Connection *c, const char *url,
                                const char *method, const request *rq)
{
    json_t *p = json_object();
    lw_actor who;
    lw_err err;
    lw_err_clear(&err);
    enum MHD_Result ret;
    const char *token;
    bool get = strcmp(method, "GET") == 0;
    if (lw_route_pattern_match("/api/link/{code}", url, p) ||
        lw_route_pattern_match("/api/link/{code}/decide", url, p) ||
        lw_route_pattern_match("/api/link/{code}/pieces/{id}/revisions", url, p) ||
        lw_route_pattern_match("/api/link/{code}/revisions/{id}/preview.png", url, p)) {
        token = json_string_value(json_object_get(p, "code"));
    } else {
        json_decref(p);
        return send_error(c, 404, "not_found", "no such link route");
    }
    if (lw_shop_link_actor(s->shop, token, &who, &err)) {
        json_decref(p);
        return send_rc(c, &err);
    }
    json_t *id = json_object_get(p, "id");
    json_t *in = NULL, *out = NULL;
    const char *action = NULL;
    if (strstr(url, "/preview.png")) {
        ret = get ? send_revision(s, c, &who, json_integer_value(id), LW_REV_PREVIEW)
                  : send_error(c, 405, "method", "use GET");
        json_decref(p);
        return ret;
    }
    if (strstr(url, "/decide")) {
        json_error_t jerr;
        in = get ? NULL : parse_body(rq, &jerr);
        if (!in || !json_is_object(in)) {
            json_decref(in);
            json_decref(p);
            return send_error(c, get ? 405 : 400, get ? "method" : "invalid",
                              get ? "use POST" : "the body is not a JSON object");
        }
        action = "approval.decide";
    } else if (!get) {
        json_decref(p);
        return send_error(c, 405, "method", "use GET");
    } else if (id) {
        in = json_pack("{s:O}", "id", id);
        action = "revision.list";
    } else {
        in = json_object();
        action = "link.view";
    }
    json_decref(p);
    lw_rc rc = lw_shop_run(s->shop, &who, action, in, &out, &err);
    json_decref(in);
    return rc ? send_rc(c, &err) : send_json(c, 200, out, NULL);
}

/* Routes whose body or answer is not JSON: CAD uploads and the revisions' files. */
static bool binary_api(lw_server *s, struct MHD_Connection *c, const char *url,
                       const char *method, const request *rq, const lw_actor *who,
                       enum MHD_Result *ret)
{
    json_t *p = json_object();
    bool handled = true;
    lw_err err;
    lw_err_clear(&err);
    if (lw_route_pattern_match("/api/pieces/{id}/revisions", url, p) &&
        strcmp(method, "POST") == 0) {
        const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
        const char *note = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "note");
        json_t *out;
        if (!name)
            *ret = send_error(c, 400, "invalid", "name: the file's name, in the query string");
        else if (lw_revision_add(s->shop, who, json_integer_value(json_object_get(p, "id")),
                                 name, rq->body.data ? rq->body.data : (const uint8_t *)"",
                                 rq->body.len, note, &out, &err))
            *ret = send_rc(c, &err);
        else
            *ret = send_json(c, 200, out, NULL);
    } else if (lw_route_pattern_match("/api/revisions/{id}/preview.png", url, p)) {
        *ret = strcmp(method, "GET") == 0
                   ? send_revision(s, c, who, json_integer_value(json_object_get(p, "id")),
                                   LW_REV_PREVIEW)
                   : send_error(c, 405, "method", "use GET");
    } else if (lw_route_pattern_match("/api/revisions/{id}/cad", url, p)) {
        *ret = strcmp(method, "GET") == 0
                   ? send_revision(s, c, who, json_integer_value(json_object_get(p, "id")),
                                   LW_REV_CAD)
                   : send_error(c, 405, "method", "use GET");
    } else {
        handled = false;
    }
    json_decref(p);
    return handled;
}

static enum MHD_Result api(lw_server *s, struct MHD_Connection *c, const char *url,
                           const char *method, const request *rq)
{
    if (strncmp(url, "/api/link/", 10) == 0)
        return link_api(s, c, url, method, rq);
    if (strcmp(url, "/api/health") == 0)
        return send_json(c, 200, json_pack("{s:s}", "status", "ok"), NULL);
    if (strcmp(url, "/api/login") == 0) {
        if (strcmp(method, "POST") != 0)
            return send_error(c, 405, "method", "sign in with POST");
        return do_login(s, c, rq);
    }
    const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
    lw_session ses;
    lw_err err;
    lw_err_clear(&err);
    if (lw_shop_session(s->shop, token, &ses, &err)) {
        if (err.rc == LW_EDENIED)
            return send_error(c, 401, "unauthenticated", "sign in first");
        return send_rc(c, &err);
    }
    bool safe = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!safe) {
        /* The CSRF token comes from the session and must be echoed by the page's script: a
         * form or link on another site cannot read it. */
        const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!hdr || strlen(hdr) != strlen(ses.csrf) ||
            sodium_memcmp(hdr, ses.csrf, strlen(ses.csrf)) != 0)
            return send_error(c, 403, "csrf", "missing or wrong X-CSRF-Token header");
    }
    if (strcmp(url, "/api/session") == 0)
        return send_json(c, 200, session_json(&ses), NULL);
    if (strcmp(url, "/api/logout") == 0) {
        if (safe)
            return send_error(c, 405, "method", "sign out with POST");
        if (lw_shop_logout(s->shop, token, &err))
            return send_rc(c, &err);
        char cookie[200];
        session_cookie(s, "", 0, cookie, sizeof cookie);
        return send_json(c, 200, json_pack("{s:b}", "signed_out", 1), cookie);
    }
    enum MHD_Result bin;
    if (binary_api(s, c, url, method, rq, &ses.who, &bin))
        return bin;
    json_t *params = json_object();
    int known;
    const lw_route *route = lw_route_match(method, url, params, &known);
    if (!route) {
        json_decref(params);
        return known ? send_error(c, 405, "method", "this method is not allowed here")
                     : send_error(c, 404, "not_found", "no such API route");
    }
    json_t *in;
    if (safe) {
        in = json_object();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, in);
    } else {
        json_error_t jerr;
        in = parse_body(rq, &jerr);
        if (!in || !json_is_object(in)) {
            char msg[300];
            snprintf(msg, sizeof msg, "the body is not a JSON object: %s (line %d, column %d)",
                     in ? "another JSON value" : jerr.text, jerr.line, jerr.column);
            json_decref(in);
            json_decref(params);
            return send_error(c, 400, "invalid", msg);
        }
    }
    json_object_update(in, params);
    json_decref(params);
    /* A cacheable route: the same answer for every role the action allows. */
    char *key = NULL;
    uint64_t gen = 0;
    const lw_action *a = lw_shop_action(route->action);
    if (route->cache_s && safe && a && (a->roles & ses.who.role)) {
        char *q = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
        size_t kn = strlen(route->action) + (q ? strlen(q) : 0) + 2;
        key = q ? lw_malloc(kn) : NULL;
        if (key)
            snprintf(key, kn, "%s?%s", route->action, q);
        lw_free(q);
        enum MHD_Result ret;
        if (key && cache_send(s, c, key, route->cache_s, &ret)) {
            lw_free(key);
            json_decref(in);
            return ret;
        }
        gen = lw_shop_generation(s->shop); /* before the read: a write during it makes it stale */
    }
    json_t *out;
    lw_rc rc = lw_shop_run(s->shop, &ses.who, route->action, in, &out, &err);
    json_decref(in);
    if (rc) {
        lw_free(key);
        return send_rc(c, &err);
    }
    if (!key)
        return send_json(c, 200, out, NULL);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    enum MHD_Result ret;
    if (text) {
        cache_put(s, key, text, gen);
        ret = send_bytes_json(c, text, strlen(text));
    } else {
        ret = send_error(c, 500, "internal", "out of memory");
    }
    lw_free(text);
    lw_free(key);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    lw_server *s = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = lw_calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        /* A design upload may be large; everything else is a small JSON body. */
        json_t *p = json_object();
        bool is_upload = strcmp(method, "POST") == 0 &&
                      lw_route_pattern_match("/api/pieces/{id}/revisions", url, p);
        json_decref(p);
        rq->limit = is_upload ? LW_DESIGN_MAX_BYTES : s->o.max_body;
        lw_buf_init(&rq->body, rq->limit);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        /* Past the limit the rest is read and dropped, so the client gets its 413 answer
         * instead of a reset connection. */
        if (!rq->too_big && lw_buf_append(&rq->body, upload, *upload_size) != LW_OK)
            rq->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->too_big) {
        char msg[96];
        snprintf(msg, sizeof msg, "the request body is larger than %zu bytes", rq->limit);
        return send_error(c, 413, "too_large", msg);
    }
    if (strncmp(url, "/api/", 5) == 0)
        return api(s, c, url, method, rq);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(c, 405, "method", "this method is not allowed here");
    return send_static(s, c, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        lw_buf_clear(&rq->body);
        lw_free(rq);
    }
    *con_cls = NULL;
}

lw_rc lw_server_start(lw_shop *shop, const lw_server_opts *o, lw_server **out, lw_err *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return lw_err_set(err, LW_EIO, "libsodium cannot start");
    lw_server *s = lw_calloc(1, sizeof *s);
    if (!s)
        return lw_err_nomem(err);
    s->shop = shop;
    s->o = *o;
    if (!s->o.threads)
        s->o.threads = 4;
    if (!s->o.max_body)
        s->o.max_body = (size_t)1 << 20;
    if (!s->o.login_burst)
        s->o.login_burst = 10;
    if (!(s->o.login_per_min > 0))
        s->o.login_per_min = 6;
    if (o->web_dir) {
        size_t n = strlen(o->web_dir) + 1;
        s->web_dir = lw_malloc(n);
        if (!s->web_dir) {
            lw_free(s);
            return lw_err_nomem(err);
        }
        memcpy(s->web_dir, o->web_dir, n);
    }
    pthread_mutex_init(&s->rate_mu, NULL);
    pthread_mutex_init(&s->login_mu, NULL);
    pthread_mutex_init(&s->cache_mu, NULL);
    atomic_init(&s->logins_in_flight, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(o->port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (o->bind && inet_pton(AF_INET, o->bind, &addr.sin_addr) != 1) {
        lw_server_stop(s);
        return lw_err_set(err, LW_EINVAL, "--bind %s: not an IPv4 address", o->bind);
    }
    s->d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, o->port, NULL, NULL, handle, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)s->o.threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_END);
    if (!s->d) {
        char a[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &addr.sin_addr, a, sizeof a);
        lw_server_stop(s);
        return lw_err_set(err, LW_EIO, "cannot listen on %s port %u (in use, or not allowed)",
                          a, (unsigned)o->port);
    }
    *out = s;
    return LW_OK;
}

uint16_t lw_server_port(const lw_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

void lw_server_stop(lw_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->rate_mu);
    pthread_mutex_destroy(&s->login_mu);
    pthread_mutex_destroy(&s->cache_mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        lw_free(s->cache[i].key);
        lw_free(s->cache[i].body);
    }
    lw_free(s->web_dir);
    lw_free(s);
}
