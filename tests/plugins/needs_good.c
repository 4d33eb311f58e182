/*
 * needs_good.c - a test plugin that requires `good` and calls its
 * "good.echo" service, so the loader must start `good` first.
 */
#include <stdio.h>

#include "good_echo.h"
#include "tradewind/tradewind.h"

static const good_echo_t *needs_good_echo;


static void
needs_good_ping(tw_req_t *req, void *ctx)
{
    (void) ctx;

    tw_reply_json(req, 200, json_pack("{s:i}", "twice",
                                      needs_good_echo->twice(21)));
}


static tw_rc_t
needs_good_init(tw_host_t *host, char *err, size_t err_size)
{
    needs_good_echo = tw_service_find(GOOD_ECHO_SERVICE);
    if (needs_good_echo == NULL) {
        snprintf(err, err_size, "service '%s' is not registered",
                 GOOD_ECHO_SERVICE);
        return TW_ERR_NOT_FOUND;
    }

    tw_rc_t rc = tw_route_add(host, "GET", "/api/v1/needs-good/ping",
                              TW_PERM_PUBLIC, needs_good_ping, NULL);
    if (rc != TW_OK) {
        snprintf(err, err_size, "cannot add its route (result %d)", (int) rc);
    }
    return rc;
}


static const char *const needs_good_requires[] = {"good", NULL};

static const tw_plugin_t needs_good_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "needs_good",
    .version = "1.0",
    .requires = needs_good_requires,
    .config_keys = NULL,
    .init = needs_good_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(needs_good_plugin)
