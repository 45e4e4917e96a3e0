/* lostwax: the API's routes: each a method and a path pattern, mapped to one shop action.
 * Path parameters ("{id}" a whole number, "{code}" text) go into the action's input under their
 * name, over whatever the body or the query said, so a URL cannot be contradicted by its body. */
#ifndef LW_HTTP_ROUTES_H
#define LW_HTTP_ROUTES_H

#include <stddef.h>

#include <jansson.h>

typedef struct lw_route {
    const char *method;  /* "GET", "POST", "PUT" */
    const char *pattern; /* "/api/customers/{id}/sizes" */
    const char *action;  /* "customer.size_add" */
    unsigned cache_s;    /* GET routes whose answer is the same for every signed-in member of
                          * staff may be served from a cache this many seconds old at most,
                          * and never after a write: the board, read by every tablet. 0: no */
} lw_route;

/* The table, for the server and for the tests that check every route against its action. */
const lw_route *lw_routes(size_t *n);

/* Whether path fits pattern; on a match its parameters are set on params. */
int lw_route_pattern_match(const char *pattern, const char *path, json_t *params);

/* The route for method and path; its parameters are set on params (an object). NULL when no
 * route matches; *path_known then says whether the path exists under another method (405
 * rather than 404). */
const lw_route *lw_route_match(const char *method, const char *path, json_t *params,
                               int *path_known);

#endif
