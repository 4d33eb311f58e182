/*
 * visibility.h - marks the symbols the core exports to plugins.
 *
 * The core is compiled with -fvisibility=hidden; only functions marked
 * TW_API are visible to a loaded plugin.  Plugins are compiled the same
 * way and export only their descriptor (TW_PLUGIN_EXPORT).
 */
#ifndef TRADEWIND_VISIBILITY_H
#define TRADEWIND_VISIBILITY_H

#define TW_API __attribute__((visibility("default")))
#define TW_PLUGIN_EXPORT __attribute__((visibility("default")))

#endif
