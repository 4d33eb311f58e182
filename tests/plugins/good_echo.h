/*
 * good_echo.h - the "good.echo" service of the `good` test plugin, as
 * the plugins calling it (needs_good) see it.  A service table only ever
 * grows at its end.
 */
#ifndef GOOD_ECHO_H
#define GOOD_ECHO_H

#define GOOD_ECHO_SERVICE "good.echo"

typedef struct good_echo {
    int (*twice)(int n);
} good_echo_t;

#endif
