/*
 * missing_req.c - a test plugin requiring a plugin that does not exist;
 * the loader must refuse it, naming the requirement.
 */
#include "tradewind/tradewind.h"


static tw_rc_t
missing_req_init(tw_host_t *host, char *err, size_t err_size)
{
    (void) host;
    (void) err;
    (void) err_size;
    return TW_OK;
}


static const char *const missing_req_requires[] = {"no_such_plugin", NULL};

static const tw_plugin_t missing_req_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "missing_req",
    .version = "1.0",
    .requires = missing_req_requires,
    .config_keys = NULL,
    .init = missing_req_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(missing_req_plugin)
