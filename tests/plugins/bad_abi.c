/*
 * bad_abi.c - a test plugin built for the next ABI version; the loader
 * must refuse it, naming both versions, before running any of its code
 * but the descriptor function.
 */
#include "tradewind/tradewind.h"


static tw_rc_t
bad_abi_init(tw_host_t *host, char *err, size_t err_size)
{
    (void) host;
    (void) err;
    (void) err_size;
    return TW_OK;
}


static const tw_plugin_t bad_abi_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION + 1,
    .name = "bad_abi",
    .version = "1.0",
    .requires = NULL,
    .config_keys = NULL,
    .init = bad_abi_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(bad_abi_plugin)
