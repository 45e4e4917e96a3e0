/* lostwax: approval links. The front store sends a customer a link to their order's previews:
 * an unguessable token (256 random bits; the database keeps only its hash) that expires, needs
 * no account, and lets its holder see that one order's previews, weights and prices and
 * approve or ask for changes, nothing else. */
#ifndef LW_SHOP_LINK_H
#define LW_SHOP_LINK_H

#include "shop/shop.h"

#define LW_LINK_DAYS_MAX 30

/* The customer a link token stands for: *who gets LW_ROLE_CUSTOMER and the order. LW_EDENIED
 * for an unknown or expired token (one message for both). */
lw_rc lw_shop_link_actor(lw_shop *s, const char *token, lw_actor *who, lw_err *err);

#endif
