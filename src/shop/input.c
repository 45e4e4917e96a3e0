/* lostwax: reading actions' JSON fields (see input.h). */
#include "shop/input.h"

#include <string.h>

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "text";
    case JSON_INTEGER: return "a whole number";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "true or false";
    case JSON_NULL: return "null";
    }
    return "something else";
}

/* Counts code points, or returns SIZE_MAX at a control character other than tab and newline.
 * The bytes are valid UTF-8 already: jansson refuses anything else. */
static size_t text_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
            return SIZE_MAX;
        if ((c & 0xC0) != 0x80)
            chars++;
    }
    return chars;
}

static lw_rc text_of(const json_t *v, const char *key, size_t min, size_t max, const char **out,
                     lw_err *err)
{
    if (!json_is_string(v))
        return lw_err_set(err, LW_EINVAL, "%s: expected text, got %s", key, type_name(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), chars = text_chars(s, n);
    if (chars == SIZE_MAX)
        return lw_err_set(err, LW_EINVAL, "%s: control characters are not allowed", key);
    if (chars < min || chars > max) {
        if (min == max)
            return lw_err_set(err, LW_EINVAL, "%s: expected %zu characters, got %zu", key, min,
                              chars);
        return lw_err_set(err, LW_EINVAL, "%s: expected %zu to %zu characters, got %zu", key,
                          min, max, chars);
    }
    *out = s;
    return LW_OK;
}

lw_rc lw_in_text(const json_t *in, const char *key, size_t min, size_t max, const char **out,
                 lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    if (!v || json_is_null(v))
        return lw_err_set(err, LW_EINVAL, "%s: required", key);
    return text_of(v, key, min, max, out, err);
}

lw_rc lw_in_opt_text(const json_t *in, const char *key, size_t max, const char *def,
                     const char **out, lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    if (!v || json_is_null(v)) {
        *out = def;
        return LW_OK;
    }
    return text_of(v, key, 0, max, out, err);
}

/* Text that is a whole number: optional '-', 1 to 18 digits, nothing else. */
static bool digits_of(const char *s, size_t n, int64_t *out)
{
    size_t i = s[0] == '-';
    if (n <= i || n - i > 18)
        return false;
    int64_t v = 0;
    for (size_t k = i; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (s[k] - '0');
    }
    *out = i ? -v : v;
    return true;
}

static lw_rc int_of(const json_t *v, const char *key, int64_t lo, int64_t hi, int64_t *out,
                    lw_err *err)
{
    int64_t x;
    if (json_is_integer(v))
        x = json_integer_value(v);
    else if (!json_is_string(v) || !digits_of(json_string_value(v), json_string_length(v), &x))
        return lw_err_set(err, LW_EINVAL, "%s: expected a whole number from %lld to %lld, got %s",
                          key, (long long)lo, (long long)hi, type_name(v));
    if (x < lo || x > hi)
        return lw_err_set(err, LW_EINVAL, "%s: %lld is outside %lld to %lld", key, (long long)x,
                          (long long)lo, (long long)hi);
    *out = x;
    return LW_OK;
}

lw_rc lw_in_int(const json_t *in, const char *key, int64_t lo, int64_t hi, int64_t *out,
                lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    if (!v || json_is_null(v))
        return lw_err_set(err, LW_EINVAL, "%s: required", key);
    return int_of(v, key, lo, hi, out, err);
}

lw_rc lw_in_opt_int(const json_t *in, const char *key, int64_t lo, int64_t hi, bool *has,
                    int64_t *out, lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    *has = false;
    *out = 0;
    if (!v || json_is_null(v))
        return LW_OK;
    lw_rc rc = int_of(v, key, lo, hi, out, err);
    *has = rc == LW_OK;
    return rc;
}

lw_rc lw_in_bool(const json_t *in, const char *key, bool def, bool *out, lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    if (!v || json_is_null(v)) {
        *out = def;
        return LW_OK;
    }
    if (!json_is_boolean(v))
        return lw_err_set(err, LW_EINVAL, "%s: expected true or false, got %s", key,
                          type_name(v));
    *out = json_is_true(v);
    return LW_OK;
}

lw_rc lw_in_enum(const json_t *in, const char *key, const char *const *values, size_t n,
                 int *out, lw_err *err)
{
    const char *s;
    lw_rc rc = lw_in_text(in, key, 1, 64, &s, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, values[i]) == 0) {
            *out = (int)i;
            return LW_OK;
        }
    char list[400] = "";
    size_t at = 0;
    for (size_t i = 0; i < n && at + 1 < sizeof list; i++) {
        int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", values[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return lw_err_set(err, LW_EINVAL, "%s: '%.60s' is not one of %s", key, s, list);
}

lw_rc lw_in_opt_array(const json_t *in, const char *key, size_t max, const json_t **out,
                      lw_err *err)
{
    const json_t *v = in ? json_object_get(in, key) : NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return LW_OK;
    if (!json_is_array(v))
        return lw_err_set(err, LW_EINVAL, "%s: expected a list, got %s", key, type_name(v));
    if (json_array_size(v) > max)
        return lw_err_set(err, LW_EINVAL, "%s: %zu items, at most %zu", key, json_array_size(v),
                          max);
    *out = v;
    return LW_OK;
}

lw_rc lw_in_only(const json_t *in, const char *const *keys, size_t n, lw_err *err)
{
    if (!in)
        return LW_OK;
    if (!json_is_object(in))
        return lw_err_set(err, LW_EINVAL, "expected a JSON object, got %s", type_name(in));
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)in, k, v) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(k, keys[i]) == 0;
        if (!known)
            return lw_err_set(err, LW_EINVAL, "%.60s: not a field of this request", k);
    }
    return LW_OK;
}
