/*
 * probes.c - the core's own routes for operators: GET /healthz (the
 * process answers), GET /readyz (the database answers and its schema is
 * current) and GET /metrics (Prometheus text).
 *
 * All three are public and run without a transaction (TW_ROUTE_NO_DB),
 * so they answer while the database is down; /readyz borrows one pooled
 * connection only for its ping.
 */
#include "migrate.h"
#include "pool.h"
#include "registry.h"
#include "request.h"
#include "server.h"


static void
tw_probe_healthz(tw_req_t *req, void *ctx)
{
    (void)ctx;
    tw_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}


static void
tw_probe_not_ready(tw_req_t *req, bool up, bool counted, size_t pending)
{
    json_t *details;

    details = json_pack("{s:s, s:o}", "database", up ? "up" : "down",
                        "pending_migrations",
                        counted ? json_integer((json_int_t)pending)
                                : json_null());

    if (!up)
        tw_reply_error(req, 503, "not_ready", details,
                       "the database cannot be reached");
    else if (!counted)
        tw_reply_error(req, 503, "not_ready", details,
                       "pending migrations cannot be counted");
    else
        tw_reply_error(req, 503, "not_ready", details,
                       "%zu migrations are pending", pending);
}


static void
tw_probe_readyz(tw_req_t *req, void *ctx)
{
    tw_pool_t *pool = tw_req_pool(req);
    size_t pending = 0;
    bool up, counted;

    (void)ctx;
    up = pool != NULL && tw_pool_ping(pool);
    counted = up && tw_migrate_pending(pool, &pending) == TW_OK;

    if (counted && pending == 0)
        tw_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
    else
        tw_probe_not_ready(req, up, counted, pending);
}


static void
tw_probe_metrics(tw_req_t *req, void *ctx)
{
    tw_pool_t *pool = tw_req_pool(req);
    char *text;

    (void)ctx;
    text = tw_metrics_render(tw_req_metrics(req),
                             pool != NULL ? tw_pool_in_use(pool) : 0,
                             pool != NULL ? tw_pool_size(pool) : 0);
    if (text == NULL) {
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
        return;
    }
    tw_reply_text(req, 200, "text/plain; version=0.0.4", text);
}


tw_rc_t
tw_server_register_probes(tw_host_t *core_host)
{
    static const struct {
        const char *pattern;
        tw_handler_fn handler;
    } probes[] = {
        { "/healthz", tw_probe_healthz },
        { "/readyz", tw_probe_readyz },
        { "/metrics", tw_probe_metrics },
    };
    size_t i;
    tw_rc_t rc;

    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        rc = tw_route_add_flags(core_host, "GET", probes[i].pattern,
                                TW_PERM_PUBLIC, probes[i].handler, NULL,
                                TW_ROUTE_NO_DB);
        if (rc != TW_OK)
            return rc;
    }
    return TW_OK;
}
