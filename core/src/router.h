/*
 * router.h - matching a request's method and path to a registered route.
 *
 * Routes are compiled once, at server start, into a tree of path
 * segments; afterwards the router is read-only, so any number of threads
 * match against it without a lock.  The router borrows the tw_route_t
 * records (they live in the registry) and owns everything else.
 *
 * Matching rules: the path is split on '/' before percent-decoding, so an
 * encoded slash (%2F) stays inside one segment; each segment is decoded
 * on its own.  A literal segment wins over a {param}; a {param} matches
 * one non-empty segment.  A trailing slash is significant: "/a/" is not
 * "/a".  Methods compare case-sensitively, as HTTP defines them.
 */
#ifndef TW_ROUTER_H
#define TW_ROUTER_H

#include <stddef.h>

#include "registry.h"

/* Paths with more segments than this match no route. */
#define TW_ROUTER_MAX_SEGMENTS 32

typedef struct tw_router tw_router_t;

typedef enum tw_router_result {
    TW_ROUTER_FOUND = 0,
    TW_ROUTER_NO_PATH,   /* no route has this path: 404 */
    TW_ROUTER_NO_METHOD, /* the path exists with other methods: 405 */
    TW_ROUTER_NOMEM
} tw_router_result_t;

/* The outcome of one match.  Owns `allow` and `buffer`; release it with
 * tw_router_match_clear(). */
typedef struct tw_router_match {
    const tw_route_t *route;     /* TW_ROUTER_FOUND only */
    const char *const *names;    /* the route's {param} names, in order */
    const char *values[TW_ROUTER_MAX_SEGMENTS]; /* decoded, in `buffer` */
    size_t param_count;
    char *allow;                 /* TW_ROUTER_NO_METHOD: "GET, POST" */
    char *buffer;                /* the decoded copy of the path */
} tw_router_match_t;

/* An empty router; NULL when out of memory. */
tw_router_t *tw_router_new(void);
void tw_router_free(tw_router_t *router);

/* Adds `route` (borrowed: it must outlive the router).  TW_ERR_INVALID for
 * a pattern not starting with '/' or too long, TW_ERR_CONFLICT when a
 * route with the same method and the same shape ("/a/{x}" and "/a/{y}"
 * have the same shape) exists, TW_ERR_NOMEM. */
tw_rc_t tw_router_add(tw_router_t *router, const tw_route_t *route);

/* A router holding every registered route; NULL (logged) when one is
 * refused. */
tw_router_t *tw_router_from_registry(void);

/* Matches `method` and the raw (still percent-encoded) `path`, without
 * its query string.  Always initialises *match. */
tw_router_result_t tw_router_match(const tw_router_t *router,
                                   const char *method, const char *path,
                                   tw_router_match_t *match);

/* The decoded value of {name} in a found match; NULL if none. */
const char *tw_router_param(const tw_router_match_t *match,
                            const char *name);

void tw_router_match_clear(tw_router_match_t *match);

#endif
