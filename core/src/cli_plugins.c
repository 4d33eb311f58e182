/*
 * cli_plugins.c - `tradewind plugins`: what is installed and switched on.
 */
#include <stdio.h>

#include "cli.h"


int
tw_cli_plugins(const tw_config_t *cfg, const tw_plugins_t *plugins, int argc,
               char **argv)
{
    if (tw_cli_wants_help(argc, argv)) {
        printf("usage: tradewind plugins [--config FILE]\n"
               "Lists every module of [modules], whether it is on, and the "
               "version and requirements of each loaded plugin.\n");
        return TW_EXIT_OK;
    }

    for (size_t i = 0; i < tw_plugins_count(plugins); i++) {
        const tw_plugin_t *p = tw_plugins_get(plugins, i);

        printf("%-20s on   %-10s requires:", p->name, p->version);
        for (size_t r = 0; p->requires != NULL && p->requires[r]; r++) {
            printf(" %s", p->requires[r]);
        }
        printf("%s\n", p->requires != NULL && p->requires[0] ? "" : " -");
    }
    for (size_t i = 0; i < cfg->module_count; i++) {
        if (!cfg->modules[i].on) {
            printf("%-20s off\n", cfg->modules[i].name);
        }
    }
    return TW_EXIT_OK;
}
