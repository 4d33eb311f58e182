/*
 * array.h - growing a malloc'd array by one element (core only).
 *
 * The configuration and the registry keep small arrays that grow only
 * while the process starts; one element at a time is plenty.
 */
#ifndef TW_ARRAY_H
#define TW_ARRAY_H

#include <stdlib.h>
#include <string.h>

/* Reallocates `items` (an array of `count` elements of `size` bytes) with
 * one more element, zeroed, at index `count`.  Returns the new array, or
 * NULL when out of memory (then `items` is unchanged). */
static inline void *
tw_array_grow(void *items, size_t count, size_t size)
{
    char *grown = realloc(items, (count + 1) * size);

    if (grown != NULL) {
        memset(grown + count * size, 0, size);
    }
    return grown;
}

#endif
