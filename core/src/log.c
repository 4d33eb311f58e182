/*
 * log.c - one line per event on stderr, in logfmt:
 *     level=info msg="server listening" time=2026-12-03T08:00:00.000Z ...
 *
 * A line is composed in a local buffer and written with one call under
 * the stream lock, so lines from worker threads never interleave.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tradewind/log.h"

static atomic_int tw_log_min_level = TW_LOG_INFO;

static const char *const tw_log_level_names[] = {
    "debug", "info", "warn", "error"
};


void
tw_log_set_level(tw_log_level_t level)
{
    atomic_store(&tw_log_min_level, (int) level);
}


int
tw_log_level_parse(const char *name)
{
    for (int i = TW_LOG_DEBUG; i <= TW_LOG_ERROR; i++) {
        if (name != NULL && strcmp(name, tw_log_level_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}


/* Appends `msg` as a quoted logfmt value; returns the new length. */
static size_t
tw_log_quote(char *buf, size_t len, size_t cap, const char *msg)
{
    if (len < cap) {
        buf[len++] = '"';
    }
    for (const char *p = msg; *p != '\0' && len + 2 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            buf[len++] = '\\';
            buf[len++] = *p;
        } else if (*p == '\n') {
            buf[len++] = '\\';
            buf[len++] = 'n';
        } else {
            buf[len++] = *p;
        }
    }
    if (len < cap) {
        buf[len++] = '"';
    }
    return len;
}


/* Appends " time=<RFC 3339 UTC with milliseconds>"; returns the length. */
static size_t
tw_log_time(char *buf, size_t len, size_t cap)
{
    struct timespec now;
    struct tm tm;
    char stamp[32];

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    int n = snprintf(buf + len, cap - len, " time=%s.%03ldZ", stamp,
                     now.tv_nsec / 1000000);
    return n < 0 ? len : len + (size_t) n;
}


void
tw_log(tw_log_level_t level, const char *msg, const char *kv_fmt, ...)
{
    char line[4096];
    size_t cap = sizeof line - 2; /* room for '\n' and NUL */

    if ((int) level < atomic_load(&tw_log_min_level)) {
        return;
    }

    int n = snprintf(line, cap, "level=%s msg=", tw_log_level_names[level]);
    size_t len = tw_log_quote(line, (size_t) n, cap, msg);
    len = tw_log_time(line, len, cap);

    if (kv_fmt != NULL && kv_fmt[0] != '\0' && len + 1 < cap) {
        va_list ap;

        line[len++] = ' ';
        va_start(ap, kv_fmt);
        n = vsnprintf(line + len, cap - len, kv_fmt, ap);
        va_end(ap);
        len = n < 0 ? len : len + (size_t) n;
        if (len > cap) {
            len = cap;
        }
    }

    line[len++] = '\n';
    line[len] = '\0';
    flockfile(stderr);
    fputs(line, stderr);
    funlockfile(stderr);
}
