/* lostwax: the API's route table and its matcher (see routes.h; docs/api.md lists them). */
#include "http/routes.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const lw_route k_routes[] = {
    {"GET", "/api/me", "staff.me"},
    {"GET", "/api/staff", "staff.list"},
    {"POST", "/api/staff/{id}/active", "staff.set_active"},
    {"GET", "/api/audit", "audit.list"},
    {"GET", "/api/audit/verify", "audit.verify"},
    {"GET", "/api/customers", "customer.list"},
    {"POST", "/api/customers", "customer.create"},
    {"GET", "/api/customers/{id}", "customer.get"},
    {"PUT", "/api/customers/{id}", "customer.update"},
    {"POST", "/api/customers/{id}/sizes", "customer.size_add"},
    {"GET", "/api/orders", "order.list"},
    {"POST", "/api/orders", "order.create"},
    {"GET", "/api/orders/{id}", "order.get"},
    {"POST", "/api/orders/{id}/quote", "order.quote"},
    {"GET", "/api/orders/{id}/promise", "order.promise"},
    {"POST", "/api/orders/{id}/payments", "order.pay"},
    {"GET", "/api/board", "board.get", 5},
    {"GET", "/api/pieces/{id}", "piece.get"},
    {"GET", "/api/pieces/{id}/revisions", "revision.list"},
    {"POST", "/api/approvals", "approval.decide"},
    {"POST", "/api/orders/{id}/link", "link.create"},
    {"GET", "/api/pieces/code/{code}", "piece.get"},
    {"POST", "/api/pieces/{id}/move", "piece.move"},
    {"GET", "/api/prices", "price.list"},
    {"POST", "/api/prices", "price.set"},
    {"POST", "/api/labour", "labour.set"},
    {"GET", "/api/tables", "tables.get"},
    {"GET", "/api/sizes", "size.convert"},
    {"GET", "/api/gems/estimate", "gem.estimate"},
};

const lw_route *lw_routes(size_t *n)
{
    *n = sizeof k_routes / sizeof *k_routes;
    return k_routes;
}

/* Matches one pattern segment by segment; parameters are collected only on a full match. */
static bool match(const char *pattern, const char *path, json_t *params)
{
    const char *p = pattern, *s = path;
    json_t *found = json_object();
    bool ok = true;
    while (ok && *p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t seg = strcspn(s, "/");
            if (!close || seg == 0 || seg > 64) {
                ok = false;
                break;
            }
            char name[16], value[65];
            size_t nn = (size_t)(close - p - 1);
            if (nn >= sizeof name) {
                ok = false;
                break;
            }
            memcpy(name, p + 1, nn);
            name[nn] = 0;
            memcpy(value, s, seg);
            value[seg] = 0;
            if (strcmp(name, "id") == 0) {
                /* A whole number of at most 18 digits (no sign, no leading zero games). */
                int64_t v = 0;
                for (size_t i = 0; i < seg && ok; i++) {
                    ok = value[i] >= '0' && value[i] <= '9' && seg <= 18;
                    v = v * 10 + (value[i] - '0');
                }
                if (ok)
                    json_object_set_new(found, name, json_integer(v));
            } else {
                for (size_t i = 0; i < seg && ok; i++) {
                    char c = value[i];
                    ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                }
                if (ok)
                    json_object_set_new(found, name, json_string(value));
            }
            p = close + 1;
            s += seg;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            ok = false;
        }
    }
    ok = ok && !*p && !*s;
    if (ok)
        json_object_update(params, found);
    json_decref(found);
    return ok;
}

int lw_route_pattern_match(const char *pattern, const char *path, json_t *params)
{
    return match(pattern, path, params);
}

const lw_route *lw_route_match(const char *method, const char *path, json_t *params,
                               int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < sizeof k_routes / sizeof *k_routes; i++) {
        json_t *scratch = json_object();
        bool m = match(k_routes[i].pattern, path, scratch);
        if (m && strcmp(k_routes[i].method, method) == 0) {
            json_object_update(params, scratch);
            json_decref(scratch);
            return &k_routes[i];
        }
        json_decref(scratch);
        if (m)
            *path_known = 1;
    }
    return NULL;
}
