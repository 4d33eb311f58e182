/*
 * name.h - checking a name against its alphabet (core only): branch
 * codes, logins, module, command and path parameter names.
 *
 * ASCII only; a byte outside the given sets (UTF-8 included) fails the
 * name.  No state, no allocation.
 */
#ifndef TW_NAME_H
#define TW_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define TW_NAME_LOWER "abcdefghijklmnopqrstuvwxyz"
#define TW_NAME_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define TW_NAME_DIGITS "0123456789"

/* True when the `len` bytes at `name` are 1 to `max_len` long, the first
 * one of `first` and every other one of `rest`. */
static inline bool
tw_name_valid(const char *name, size_t len, size_t max_len,
              const char *first, const char *rest)
{
    if (len == 0 || len > max_len || name[0] == '\0' ||
        strchr(first, name[0]) == NULL) {
        return false;
    }

    /* strchr() finds the terminating NUL too, hence the explicit test. */
    for (size_t i = 1; i < len; i++) {
        if (name[i] == '\0' || strchr(rest, name[i]) == NULL) {
            return false;
        }
    }
    return true;
}

#endif
