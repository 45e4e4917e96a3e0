/* lostwax: the demo studio `lostwax serve` makes on its first start, so that `make run` shows a
 * living workshop: staff of every role with their sign-ins, today's metal prices and labour,
 * customers with sizes on file, and orders with pieces at every stage of the board, some rush,
 * some late. Everything goes through the shop's own actions where one exists, so the demo data
 * obeys the same rules as real data; history (when a piece entered its stage) is written as it
 * would have happened, days ago. */
#ifndef LW_SHOP_DEMO_H
#define LW_SHOP_DEMO_H

#include "shop/auth.h"
#include "shop/shop.h"

#define LW_DEMO_STAFF 5

typedef struct lw_demo_login {
    char username[16], role[16];
    char password[LW_TOKEN_CHARS + 1];
} lw_demo_login;

/* Fills an empty studio. The passwords are random, made here and returned for the console (the
 * only place they appear). LW_ECONFLICT when the studio already has staff. */
lw_rc lw_shop_demo(lw_shop *s, lw_demo_login logins[LW_DEMO_STAFF], lw_err *err);

#endif
