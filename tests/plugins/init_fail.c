/*
 * init_fail.c - a test plugin whose init fails; the loader must refuse
 * it with the plugin's name and its message, and shut down the plugins
 * started before it.
 */
#include <stdio.h>

#include "tradewind/tradewind.h"


static tw_rc_t
init_fail_init(tw_host_t *host, char *err, size_t err_size)
{
    (void) host;

    snprintf(err, err_size, "database of widgets is missing");
    return TW_ERR_INVALID;
}


static const tw_plugin_t init_fail_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "init_fail",
    .version = "1.0",
    .requires = NULL,
    .config_keys = NULL,
    .init = init_fail_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(init_fail_plugin)
