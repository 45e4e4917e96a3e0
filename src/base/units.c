/* lostwax: unit conversions and formatting (see units.h). */
#include "base/units.h"

#include <math.h>
#include <stdio.h>

#include "base/text.h"

int64_t lw_round_i64(double v) { return (int64_t)llround(v); }

lw_mg lw_mg_from_volume(double volume_mm3, double density_g_cm3)
{
    return lw_round_i64(volume_mm3 * density_g_cm3);
}

int lw_weight_unit_parse(const char *s, lw_weight_unit *out)
{
    if (lw_str_ieq(s, "g") || lw_str_ieq(s, "gram") || lw_str_ieq(s, "grams"))
        *out = LW_WEIGHT_G;
    else if (lw_str_ieq(s, "dwt"))
        *out = LW_WEIGHT_DWT;
    else if (lw_str_ieq(s, "ozt") || lw_str_ieq(s, "oz t") || lw_str_ieq(s, "toz"))
        *out = LW_WEIGHT_OZT;
    else
        return -1;
    return 0;
}

const char *lw_weight_unit_name(lw_weight_unit u)
{
    switch (u) {
    case LW_WEIGHT_G: return "g";
    case LW_WEIGHT_DWT: return "dwt";
    case LW_WEIGHT_OZT: return "ozt";
    }
    return "?";
}

double lw_mg_to(lw_mg mg, lw_weight_unit u)
{
    switch (u) {
    case LW_WEIGHT_G: return (double)mg / 1000.0;
    case LW_WEIGHT_DWT: return (double)mg / LW_MG_PER_DWT;
    case LW_WEIGHT_OZT: return (double)mg / LW_MG_PER_OZT;
    }
    return NAN;
}

char *lw_mg_format(lw_mg mg, lw_weight_unit u, char *buf, size_t size)
{
    if (u == LW_WEIGHT_G) {
        /* Exact from the integer: no float rounding in what the customer is charged for. */
        lw_mg a = mg < 0 ? -mg : mg;
        snprintf(buf, size, "%s%lld.%03lld g", mg < 0 ? "-" : "", (long long)(a / 1000),
                 (long long)(a % 1000));
    } else {
        snprintf(buf, size, "%.*f %s", u == LW_WEIGHT_OZT ? 4 : 3, lw_mg_to(mg, u),
                 lw_weight_unit_name(u));
    }
    return buf;
}

char *lw_mct_format(lw_mct mct, char *buf, size_t size)
{
    lw_mct a = mct < 0 ? -mct : mct;
    snprintf(buf, size, "%s%lld.%03lld ct", mct < 0 ? "-" : "", (long long)(a / 1000),
             (long long)(a % 1000));
    return buf;
}
