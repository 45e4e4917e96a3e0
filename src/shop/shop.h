/* lostwax: the studio itself. The shop layer is the one place that knows the workflow: every
 * user action (create a customer, take an order, move a piece on the board, set today's gold
 * price) is one named action that runs in one database transaction, checks who may do it, and
 * writes what it did to the audit log in the same transaction. The HTTP API and the command line
 * both call actions by name; neither holds a business rule.
 *
 * Actions take and return JSON objects (jansson): the API speaks JSON, and one validating reader
 * per field (shop/input.h) gives every bad request the same kind of message ("deposit_minor:
 * expected a whole number from 0 to 100000000"). docs/api.md lists every action's fields.
 */
#ifndef LW_SHOP_SHOP_H
#define LW_SHOP_SHOP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "design/gem.h"
#include "design/metal.h"
#include "design/ring_size.h"
#include "store/db.h"
#include "store/vault.h"

/* What a member of staff is allowed to be. A customer following an approval link is not staff:
 * LW_ROLE_CUSTOMER stands for them, with access only to that order (shop/approval). */
typedef enum lw_role {
    LW_ROLE_OWNER = 1u << 0,    /* everything, prices, staff, the metal ledger, the audit */
    LW_ROLE_FRONT = 1u << 1,    /* customers, orders, quotes, previews; never CAD */
    LW_ROLE_DESIGNER = 1u << 2, /* CAD in and out, revisions */
    LW_ROLE_WORKSHOP = 1u << 3, /* print files, plates, casting */
    LW_ROLE_BENCH = 1u << 4,    /* their own operations, metal and stones */
    LW_ROLE_CUSTOMER = 1u << 5,
} lw_role;

#define LW_ROLES_STAFF (LW_ROLE_OWNER | LW_ROLE_FRONT | LW_ROLE_DESIGNER | LW_ROLE_WORKSHOP | \
                        LW_ROLE_BENCH)

/* "owner", "front", ...; NULL for a value that is not one role. */
const char *lw_role_name(lw_role r);
/* The role named s; 0 when s names none. */
lw_role lw_role_parse(const char *s);

/* Who is acting: a signed-in member of staff, or the system (demo data, migrations). */
typedef struct lw_actor {
    int64_t staff_id;   /* 0 for the system or a customer */
    lw_role role;
    char name[64];      /* for the audit log: "anna (front)", "system", "customer link" */
    int64_t order_id;   /* a customer's link: the only order they may see */
} lw_actor;

/* The studio's context: the database, the trade tables (loaded once by the caller, read-only
 * here, so threads share them), the clock. Everything is borrowed. */
typedef struct lw_shop {
    lw_db *db;
    lw_vault *vault;                /* the design vault; NULL: revisions cannot be stored */
    const lw_metals *metals;
    const lw_gem_tables *gems;
    const lw_ring_charts *charts;
    const char *currency;           /* ISO 4217, "EUR" */
    int64_t (*now)(void *ctx);      /* Unix seconds; NULL = the system clock */
    void *now_ctx;
    /* Counts committed write actions (starts at 0): a reader that cached something computed
     * from the database knows it is stale when this has moved. Written by lw_shop_run. */
    _Atomic uint64_t generation;
} lw_shop;

/* The number of write actions committed so far in this process. */
uint64_t lw_shop_generation(const lw_shop *s);

int64_t lw_shop_now(const lw_shop *s);

/* One action in progress: its connection (in a transaction), who acts, and when. */
typedef struct lw_tx {
    lw_shop *shop;
    lw_conn *c;
    const lw_actor *who;
    int64_t now;
} lw_tx;

typedef lw_rc (*lw_action_fn)(lw_tx *tx, const json_t *in, json_t *out, lw_err *err);

typedef struct lw_action {
    const char *name;  /* "customer.create" */
    unsigned roles;    /* lw_role bits allowed */
    bool write;        /* takes the write lock; read-only actions run in a read transaction */
    lw_action_fn fn;
} lw_action;

/* The action called name, or NULL. */
const lw_action *lw_shop_action(const char *name);
/* All actions, for the API's route table check and the role-matrix test. */
const lw_action *lw_shop_actions(size_t *n);

/* Runs the action `name` for `who` with input in (an object; NULL = {}): checks the role
 * (LW_EDENIED naming the action and the role), runs it in one transaction on a pooled
 * connection and, on success, sets *out to a new object the caller decrefs. Errors: the action's
 * own (LW_EINVAL for bad input naming the field, LW_ENOTFOUND, LW_ECONFLICT for a request the
 * state forbids), LW_ENOTFOUND for an unknown action. Nothing is written on failure. */
lw_rc lw_shop_run(lw_shop *s, const lw_actor *who, const char *name, const json_t *in,
                  json_t **out, lw_err *err);

/* The system acting (demo data, command-line setup). */
void lw_actor_system(lw_actor *a);

#endif
