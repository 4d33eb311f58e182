/*
 * router.c - the route tree and path matching (see router.h).
 *
 * Each node of the tree is one path segment: literal children in a small
 * array, at most one {param} child, and the routes that end at the node
 * (one per method).  Matching walks the tree depth first, literal child
 * before {param} child, and backtracks, so "/a/new" reaches a literal
 * route and "/a/7" the {param} route beside it.  The tree is built
 * single-threaded and never changes after; no locking.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "tradewind/log.h"

/* Distinct methods reported in one Allow header. */
#define TW_ROUTER_MAX_METHODS 16

typedef struct tw_router_entry {
    const tw_route_t *route;
    char **names;      /* {param} names in path order */
    size_t name_count;
} tw_router_entry_t;

typedef struct tw_router_node tw_router_node_t;

struct tw_router_node {
    char *literal;                /* NULL for a {param} node */
    tw_router_node_t **children;  /* literal children */
    size_t child_count;
    tw_router_node_t *param;      /* the {param} child, if any */
    tw_router_entry_t *entries;   /* routes ending here */
    size_t entry_count;
};

struct tw_router {
    tw_router_node_t root;
};

/* The state of one match while the tree is walked. */
typedef struct tw_router_walk {
    const char *method;
    char **segs;
    size_t seg_count;
    const char *values[TW_ROUTER_MAX_SEGMENTS];
    size_t value_count;
    const tw_router_entry_t *found;
    const char *allowed[TW_ROUTER_MAX_METHODS];
    size_t allowed_count;
} tw_router_walk_t;


static void
tw_router_node_clear(tw_router_node_t *node)
{
    size_t i, j;

    for (i = 0; i < node->child_count; i++) {
        tw_router_node_clear(node->children[i]);
        free(node->children[i]);
    }
    free(node->children);

    if (node->param != NULL) {
        tw_router_node_clear(node->param);
        free(node->param);
    }

    for (i = 0; i < node->entry_count; i++) {
        for (j = 0; j < node->entries[i].name_count; j++)
            free(node->entries[i].names[j]);
        free(node->entries[i].names);
    }
    free(node->entries);
    free(node->literal);
}


tw_router_t *
tw_router_new(void)
{
    return calloc(1, sizeof(tw_router_t));
}


void
tw_router_free(tw_router_t *router)
{
    if (router == NULL)
        return;

    tw_router_node_clear(&router->root);
    free(router);
}


/* Splits "/a/b/" in place into "a", "b", "".  Returns the number of
 * segments, or 0 when `s` does not start with '/' or has more than
 * TW_ROUTER_MAX_SEGMENTS of them. */
static size_t
tw_router_split(char *s, char **segs)
{
    size_t n = 0;

    if (s[0] != '/')
        return 0;

    while (*s == '/') {
        if (n == TW_ROUTER_MAX_SEGMENTS)
            return 0;
        *s++ = '\0';
        segs[n++] = s;
        s += strcspn(s, "/");
    }
    return n;
}


static int
tw_router_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


/* Percent-decodes one segment in place.  False for a broken escape and
 * for %00, which no handler could tell from the end of the string. */
static bool
tw_router_decode(char *seg)
{
    char *out = seg;
    int hi, lo;

    for (; *seg != '\0'; seg++) {
        if (*seg != '%') {
            *out++ = *seg;
            continue;
        }

        hi = tw_router_hex(seg[1]);
        lo = hi < 0 ? -1 : tw_router_hex(seg[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return false;
        *out++ = (char)(hi * 16 + lo);
        seg += 2;
    }
    *out = '\0';
    return true;
}


static bool
tw_router_is_param(const char *seg)
{
    size_t len = strlen(seg);

    return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}


static tw_router_node_t *
tw_router_literal_child(const tw_router_node_t *node, const char *seg)
{
    size_t i;

    for (i = 0; i < node->child_count; i++) {
        if (strcmp(node->children[i]->literal, seg) == 0)
            return node->children[i];
    }
    return NULL;
}


static tw_router_node_t *
tw_router_add_literal(tw_router_node_t *node, const char *seg)
{
    tw_router_node_t **grown;
    tw_router_node_t *child;

    grown = realloc(node->children,
                    (node->child_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return NULL;
    node->children = grown;

    child = calloc(1, sizeof(*child));
    if (child == NULL)
        return NULL;
    child->literal = strdup(seg);
    if (child->literal == NULL) {
        free(child);
        return NULL;
    }

    node->children[node->child_count++] = child;
    return child;
}


/* The child of `node` for pattern segment `seg`, created if missing. */
static tw_router_node_t *
tw_router_child(tw_router_node_t *node, const char *seg)
{
    tw_router_node_t *child;

    if (!tw_router_is_param(seg)) {
        child = tw_router_literal_child(node, seg);
        return child != NULL ? child : tw_router_add_literal(node, seg);
    }

    if (node->param == NULL)
        node->param = calloc(1, sizeof(tw_router_node_t));
    return node->param;
}


/* Copies the names of the {param} segments, without braces. */
static tw_rc_t
tw_router_entry_names(tw_router_entry_t *entry, char **segs, size_t n)
{
    size_t i;

    entry->names = calloc(n, sizeof(char *));
    if (entry->names == NULL)
        return TW_ERR_NOMEM;

    for (i = 0; i < n; i++) {
        if (!tw_router_is_param(segs[i]))
            continue;
        entry->names[entry->name_count] =
            strndup(segs[i] + 1, strlen(segs[i]) - 2);
        if (entry->names[entry->name_count] == NULL)
            return TW_ERR_NOMEM;
        entry->name_count++;
    }
    return TW_OK;
}


static tw_rc_t
tw_router_add_entry(tw_router_node_t *node, const tw_route_t *route,
                    char **segs, size_t n)
{
    tw_router_entry_t *grown, *entry;
    size_t i;

    for (i = 0; i < node->entry_count; i++) {
        if (strcmp(node->entries[i].route->method, route->method) == 0)
            return TW_ERR_CONFLICT;
    }

    grown = realloc(node->entries,
                    (node->entry_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return TW_ERR_NOMEM;
    node->entries = grown;

    entry = &node->entries[node->entry_count++];
    memset(entry, 0, sizeof(*entry));
    entry->route = route;
    return tw_router_entry_names(entry, segs, n);
}


tw_rc_t
tw_router_add(tw_router_t *router, const tw_route_t *route)
{
    char *segs[TW_ROUTER_MAX_SEGMENTS];
    tw_router_node_t *node = &router->root;
    char *copy;
    size_t n, i;
    tw_rc_t rc = TW_ERR_NOMEM;

    copy = strdup(route->pattern);
    if (copy == NULL)
        return TW_ERR_NOMEM;

    n = tw_router_split(copy, segs);
    if (n == 0) {
        rc = TW_ERR_INVALID;
        goto out;
    }

    for (i = 0; i < n && node != NULL; i++)
        node = tw_router_child(node, segs[i]);
    if (node != NULL)
        rc = tw_router_add_entry(node, route, segs, n);

out:
    free(copy);
    return rc;
}


tw_router_t *
tw_router_from_registry(void)
{
    tw_router_t *router = tw_router_new();
    const tw_route_t *route;
    size_t i;
    tw_rc_t rc;

    for (i = 0; router != NULL && i < tw_registry_route_count(); i++) {
        route = tw_registry_route(i);
        rc = tw_router_add(router, route);
        if (rc == TW_OK)
            continue;

        tw_log_error("route refused",
                     "plugin=%s method=%s pattern=\"%s\" reason=%s",
                     route->plugin, route->method, route->pattern,
                     rc == TW_ERR_CONFLICT ? "same_shape_and_method"
                                           : "invalid_pattern");
        tw_router_free(router);
        return NULL;
    }
    return router;
}


/* A path ends at `node`: remember the route for the method, or the
 * methods the path has for a 405. */
static bool
tw_router_visit(const tw_router_node_t *node, tw_router_walk_t *w)
{
    const char *method;
    size_t i, j;

    for (i = 0; i < node->entry_count; i++) {
        method = node->entries[i].route->method;
        if (strcmp(method, w->method) == 0) {
            w->found = &node->entries[i];
            return true;
        }

        for (j = 0; j < w->allowed_count; j++) {
            if (strcmp(w->allowed[j], method) == 0)
                break;
        }
        if (j == w->allowed_count && j < TW_ROUTER_MAX_METHODS)
            w->allowed[w->allowed_count++] = method;
    }
    return false;
}


static bool
tw_router_walk(const tw_router_node_t *node, size_t i, tw_router_walk_t *w)
{
    const tw_router_node_t *child;
    const char *seg;

    if (i == w->seg_count)
        return tw_router_visit(node, w);

    seg = w->segs[i];
    child = tw_router_literal_child(node, seg);
    if (child != NULL && tw_router_walk(child, i + 1, w))
        return true;

    if (node->param == NULL || seg[0] == '\0')
        return false;

    w->values[w->value_count++] = seg;
    if (tw_router_walk(node->param, i + 1, w))
        return true;
    w->value_count--;
    return false;
}


/* Joins the collected methods as "GET, POST". */
static char *
tw_router_allow(const tw_router_walk_t *w)
{
    size_t i, len = 1;
    char *allow;

    for (i = 0; i < w->allowed_count; i++)
        len += strlen(w->allowed[i]) + 2;

    allow = malloc(len);
    if (allow == NULL)
        return NULL;

    allow[0] = '\0';
    for (i = 0; i < w->allowed_count; i++) {
        if (i > 0)
            strcat(allow, ", ");
        strcat(allow, w->allowed[i]);
    }
    return allow;
}


static tw_router_result_t
tw_router_outcome(const tw_router_walk_t *w, tw_router_match_t *match)
{
    if (w->found != NULL) {
        match->route = w->found->route;
        match->names = (const char *const *)w->found->names;
        memcpy(match->values, w->values,
               w->value_count * sizeof(w->values[0]));
        match->param_count = w->value_count;
        return TW_ROUTER_FOUND;
    }

    if (w->allowed_count == 0)
        return TW_ROUTER_NO_PATH;

    match->allow = tw_router_allow(w);
    return match->allow != NULL ? TW_ROUTER_NO_METHOD : TW_ROUTER_NOMEM;
}


tw_router_result_t
tw_router_match(const tw_router_t *router, const char *method,
                const char *path, tw_router_match_t *match)
{
    char *segs[TW_ROUTER_MAX_SEGMENTS];
    tw_router_walk_t w;
    size_t i;

    memset(match, 0, sizeof(*match));
    memset(&w, 0, sizeof(w));
    w.method = method;
    w.segs = segs;

    match->buffer = strdup(path);
    if (match->buffer == NULL)
        return TW_ROUTER_NOMEM;

    /* Split before decoding, so that %2F stays inside its segment. */
    w.seg_count = tw_router_split(match->buffer, segs);
    if (w.seg_count == 0)
        return TW_ROUTER_NO_PATH;
    for (i = 0; i < w.seg_count; i++) {
        if (!tw_router_decode(segs[i]))
            return TW_ROUTER_NO_PATH;
    }

    tw_router_walk(&router->root, 0, &w);
    return tw_router_outcome(&w, match);
}


const char *
tw_router_param(const tw_router_match_t *match, const char *name)
{
    size_t i;

    for (i = 0; i < match->param_count; i++) {
        if (strcmp(match->names[i], name) == 0)
            return match->values[i];
    }
    return NULL;
}


void
tw_router_match_clear(tw_router_match_t *match)
{
    free(match->allow);
    free(match->buffer);
    memset(match, 0, sizeof(*match));
}
