/*
 * log.h - structured logging for the core and plugins.
 *
 * Every event is one line on stderr: `level=info msg="..." key=value ...`,
 * so that log tools can parse it.  Messages start lower-case and carry no
 * trailing period; the key=value part is a printf format.  Thread-safe.
 */
#ifndef TRADEWIND_LOG_H
#define TRADEWIND_LOG_H

#include "tradewind/visibility.h"

typedef enum tw_log_level {
    TW_LOG_DEBUG = 0,
    TW_LOG_INFO,
    TW_LOG_WARN,
    TW_LOG_ERROR
} tw_log_level_t;

/* Writes one line if `level` is at or above the configured level.
 * `kv_fmt` may be NULL; otherwise it is a printf format producing
 * space-separated key=value pairs. */
TW_API void tw_log(tw_log_level_t level, const char *msg, const char *kv_fmt,
                   ...) __attribute__((format(printf, 3, 4)));

/* Sets the lowest level written; the default is TW_LOG_INFO. */
TW_API void tw_log_set_level(tw_log_level_t level);

/* Parses "debug", "info", "warn" or "error"; returns -1 otherwise. */
TW_API int tw_log_level_parse(const char *name);

#define tw_log_debug(msg, ...) tw_log(TW_LOG_DEBUG, (msg), __VA_ARGS__)
#define tw_log_info(msg, ...) tw_log(TW_LOG_INFO, (msg), __VA_ARGS__)
#define tw_log_warn(msg, ...) tw_log(TW_LOG_WARN, (msg), __VA_ARGS__)
#define tw_log_error(msg, ...) tw_log(TW_LOG_ERROR, (msg), __VA_ARGS__)

#endif
