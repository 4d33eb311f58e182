/*
 * config.c - reads the INI configuration with inih and validates it.
 *
 * The core's keys are described once, in tw_config_fields: section, key,
 * kind of value, range and default.  The defaults go through the same
 * parser as the file, so a default can never be out of its own range.
 *
 * inih as packaged by Debian cannot report the line of a key to its
 * handler, so the file is read into memory and handed to inih line by
 * line through tw_config_reader, which counts the lines itself.  That
 * reader also refuses lines longer than inih's buffer (inih would split
 * them silently) and the handler refuses indented lines (inih would take
 * them as continuations of the previous value).
 *
 * Ownership: a tw_config_t owns every string in it; after tw_config_load
 * returns it is never written, so threads may read it without a lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "config.h"
#include "name.h"
#include "tradewind/log.h"

/* Longest line inih takes whole: its buffer less "\r\n" and the NUL. */
#define TW_CONFIG_MAX_LINE (INI_MAX_LINE - 3)

/* A configuration file larger than this is certainly a mistake. */
#define TW_CONFIG_MAX_FILE (1024 * 1024)

#define TW_CONFIG_ENV_URL "TRADEWIND_DATABASE_URL"

typedef enum tw_config_kind {
    TW_CONFIG_UINT,    /* unsigned, min..max */
    TW_CONFIG_SIZE,    /* size_t bytes, k/m suffix allowed, min..max */
    TW_CONFIG_BOOL,    /* on | off */
    TW_CONFIG_TEXT,    /* string of at least `min` bytes */
    TW_CONFIG_ADDRESS, /* numeric IPv4 or IPv6 address */
    TW_CONFIG_LEVEL    /* log level name */
} tw_config_kind_t;

typedef struct tw_config_field {
    const char *section;
    const char *key;
    tw_config_kind_t kind;
    size_t offset; /* of the member in tw_config_t */
    unsigned long min;
    unsigned long max;
    const char *default_value;
} tw_config_field_t;

#define TW_CONFIG_AT(member) offsetof(tw_config_t, member)

static const tw_config_field_t tw_config_fields[] = {
    {"server", "listen", TW_CONFIG_ADDRESS, TW_CONFIG_AT(listen), 0, 0,
     "127.0.0.1"},
    {"server", "port", TW_CONFIG_UINT, TW_CONFIG_AT(port), 1, 65535, "8080"},
    {"server", "threads", TW_CONFIG_UINT, TW_CONFIG_AT(threads), 1, 256,
     "4"},
    {"server", "max_connections", TW_CONFIG_UINT,
     TW_CONFIG_AT(max_connections), 1, 65535, "512"},
    {"server", "per_ip_connections", TW_CONFIG_UINT,
     TW_CONFIG_AT(per_ip_connections), 1, 65535, "64"},
    {"server", "body_limit", TW_CONFIG_SIZE, TW_CONFIG_AT(body_limit),
     1024, 64ul * 1024 * 1024, "1m"},
    {"server", "timeout_s", TW_CONFIG_UINT, TW_CONFIG_AT(timeout_s), 1, 3600,
     "30"},
    {"server", "plugin_dir", TW_CONFIG_TEXT, TW_CONFIG_AT(plugin_dir), 1, 0,
     "build/release/plugins"},
    {"database", "url", TW_CONFIG_TEXT, TW_CONFIG_AT(db_url), 0, 0, ""},
    {"database", "pool_size", TW_CONFIG_UINT, TW_CONFIG_AT(pool_size), 1, 512,
     "8"},
    {"database", "statement_timeout_ms", TW_CONFIG_UINT,
     TW_CONFIG_AT(statement_timeout_ms), 0, 3600000, "5000"},
    {"database", "auto_migrate", TW_CONFIG_BOOL, TW_CONFIG_AT(auto_migrate),
     0, 0, "off"},
    {"auth", "session_ttl_s", TW_CONFIG_UINT, TW_CONFIG_AT(session_ttl_s), 1,
     31536000, "28800"},
    {"rules", "dir", TW_CONFIG_TEXT, TW_CONFIG_AT(rules_dir), 1, 0,
     "scripts"},
    {"rules", "instruction_budget", TW_CONFIG_UINT,
     TW_CONFIG_AT(rules_instruction_budget), 1000, 1000000000, "1000000"},
    {"rules", "memory_limit", TW_CONFIG_SIZE,
     TW_CONFIG_AT(rules_memory_limit), 1024ul * 1024, 1024ul * 1024 * 1024,
     "32m"},
    {"rules", "reload_ms", TW_CONFIG_UINT, TW_CONFIG_AT(rules_reload_ms), 50,
     10000, "500"},
    {"log", "level", TW_CONFIG_LEVEL, TW_CONFIG_AT(log_level), 0, 0, "info"},
};

#define TW_CONFIG_FIELD_COUNT \
    (sizeof tw_config_fields / sizeof tw_config_fields[0])

/* Sections that are not plugin sections; a module may not take a name
 * from this list ("core" is the core's own schema and host). */
static const char *const tw_config_core_sections[] = {
    "server", "database", "auth", "rules", "log", "modules", "core", NULL
};

/* One key already seen, to refuse a duplicate. */
typedef struct tw_config_seen {
    char *section;
    char *key;
    int line;
} tw_config_seen_t;

/* The state of one tw_config_load. */
typedef struct tw_config_parse {
    tw_config_t *cfg;
    const char *text;      /* the whole file, NUL-terminated */
    size_t pos;            /* where the reader continues */
    int line;              /* line the reader handed out last */
    const char *line_text; /* its first byte */
    tw_config_seen_t *seen;
    size_t seen_count;
    bool failed;   /* err holds the first problem */
    int fail_line; /* its line, 0 when none applies */
    char *err;
    size_t err_size;
} tw_config_parse_t;


static void tw_config_vformat(char *err, size_t err_size, const char *path,
                              int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
static void tw_config_format(char *err, size_t err_size, const char *path,
                             int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void tw_config_fail(tw_config_parse_t *p, int line, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));


/* Writes "path:line: message" (or "path: message" for line 0). */
static void
tw_config_vformat(char *err, size_t err_size, const char *path, int line,
                  const char *fmt, va_list ap)
{
    int n;

    if (err == NULL || err_size == 0) {
        return;
    }

    if (line > 0) {
        n = snprintf(err, err_size, "%s:%d: ", path, line);
    } else {
        n = snprintf(err, err_size, "%s: ", path);
    }

    if (n >= 0 && (size_t) n < err_size) {
        vsnprintf(err + n, err_size - (size_t) n, fmt, ap);
    }
}


static void
tw_config_format(char *err, size_t err_size, const char *path, int line,
                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tw_config_vformat(err, err_size, path, line, fmt, ap);
    va_end(ap);
}


/* Records the first problem of a load; later ones are ignored. */
static void
tw_config_fail(tw_config_parse_t *p, int line, const char *fmt, ...)
{
    va_list ap;

    if (p->failed) {
        return;
    }
    p->failed = true;
    p->fail_line = line;

    va_start(ap, fmt);
    tw_config_vformat(p->err, p->err_size, p->cfg->path, line, fmt, ap);
    va_end(ap);
}


static bool
tw_config_is_core_section(const char *name)
{
    for (size_t i = 0; tw_config_core_sections[i] != NULL; i++) {
        if (strcmp(name, tw_config_core_sections[i]) == 0) {
            return true;
        }
    }
    return false;
}


/* True for [a-z][a-z0-9_]{0,62}. */
static bool
tw_config_is_module_name(const char *name)
{
    return tw_name_valid(name, strlen(name), 63, TW_NAME_LOWER,
                         TW_NAME_LOWER TW_NAME_DIGITS "_");
}


/* Parses decimal digits, with a k or m suffix when `suffixed`, strictly:
 * no sign, no blanks, no trailing text, no overflow. */
static bool
tw_config_parse_number(const char *text, bool suffixed, unsigned long *out)
{
    unsigned long value = 0;
    const char *p = text;

    if (*p < '0' || *p > '9') {
        return false;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned long digit = (unsigned long) (*p - '0');
        if (value > (ULONG_MAX - digit) / 10) {
            return false;
        }
        value = value * 10 + digit;
    }

    unsigned long unit = 1;
    if (suffixed && (*p == 'k' || *p == 'm')) {
        unit = *p == 'k' ? 1024ul : 1024ul * 1024;
        p++;
    }
    if (*p != '\0' || value > ULONG_MAX / unit) {
        return false;
    }
    *out = value * unit;
    return true;
}


/* Writes a byte count the way a user would type it: "64k", "1m". */
static void
tw_config_size_text(char *buf, size_t size, unsigned long bytes)
{
    if (bytes % (1024ul * 1024) == 0) {
        snprintf(buf, size, "%lum", bytes / (1024ul * 1024));
    } else if (bytes % 1024 == 0) {
        snprintf(buf, size, "%luk", bytes / 1024);
    } else {
        snprintf(buf, size, "%lu", bytes);
    }
}


/* Describes what `field` accepts, for the "invalid value" message. */
static void
tw_config_expectation(const tw_config_field_t *field, char *buf, size_t size)
{
    char lo[32];
    char hi[32];

    switch (field->kind) {
    case TW_CONFIG_UINT:
        snprintf(buf, size, "expected an integer from %lu to %lu",
                 field->min, field->max);
        break;
    case TW_CONFIG_SIZE:
        tw_config_size_text(lo, sizeof lo, field->min);
        tw_config_size_text(hi, sizeof hi, field->max);
        snprintf(buf, size, "expected a size from %s to %s (bytes, or a "
                 "number with a k or m suffix)", lo, hi);
        break;
    case TW_CONFIG_BOOL:
        snprintf(buf, size, "expected on or off");
        break;
    case TW_CONFIG_TEXT:
        snprintf(buf, size, "expected a non-empty value");
        break;
    case TW_CONFIG_ADDRESS:
        snprintf(buf, size, "expected a numeric IPv4 or IPv6 address");
        break;
    case TW_CONFIG_LEVEL:
        snprintf(buf, size, "expected debug, info, warn or error");
        break;
    }
}


/* Parses "on" or "off" exactly. */
static bool
tw_config_parse_bool(const char *text, bool *out)
{
    if (strcmp(text, "on") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(text, "off") == 0) {
        *out = false;
        return true;
    }
    return false;
}


static bool
tw_config_is_address(const char *text)
{
    unsigned char addr[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, text, addr) == 1 ||
           inet_pton(AF_INET6, text, addr) == 1;
}


/* Replaces the string member at `slot`.  False when out of memory. */
static bool
tw_config_set_text(char **slot, const char *text)
{
    char *copy = strdup(text);

    if (copy == NULL) {
        return false;
    }
    free(*slot);
    *slot = copy;
    return true;
}


/* Parses a number of `field`'s kind and range; stores it. */
static bool
tw_config_set_number(tw_config_t *cfg, const tw_config_field_t *field,
                     const char *text)
{
    unsigned long value;
    char *member = (char *) cfg + field->offset;

    if (!tw_config_parse_number(text, field->kind == TW_CONFIG_SIZE, &value) ||
        value < field->min || value > field->max) {
        return false;
    }

    if (field->kind == TW_CONFIG_SIZE) {
        *(size_t *) (void *) member = (size_t) value;
    } else {
        *(unsigned *) (void *) member = (unsigned) value;
    }
    return true;
}


/* Stores `text` into the member `field` describes.  Returns 1 when
 * stored, 0 when the value is malformed, -1 when out of memory. */
static int
tw_config_set_field(tw_config_t *cfg, const tw_config_field_t *field,
                    const char *text)
{
    char *member = (char *) cfg + field->offset;
    int level;

    switch (field->kind) {
    case TW_CONFIG_UINT:
    case TW_CONFIG_SIZE:
        return tw_config_set_number(cfg, field, text) ? 1 : 0;
    case TW_CONFIG_BOOL:
        return tw_config_parse_bool(text, (bool *) (void *) member) ? 1 : 0;
    case TW_CONFIG_LEVEL:
        level = tw_log_level_parse(text);
        if (level < 0) {
            return 0;
        }
        *(int *) (void *) member = level;
        return 1;
    case TW_CONFIG_ADDRESS:
        if (!tw_config_is_address(text)) {
            return 0;
        }
        break;
    case TW_CONFIG_TEXT:
        if (strlen(text) < field->min) {
            return 0;
        }
        break;
    }
    return tw_config_set_text((char **) (void *) member, text) ? 1 : -1;
}


static const tw_config_field_t *
tw_config_field_find(const char *section, const char *key)
{
    for (size_t i = 0; i < TW_CONFIG_FIELD_COUNT; i++) {
        const tw_config_field_t *f = &tw_config_fields[i];
        if (strcmp(f->section, section) == 0 && strcmp(f->key, key) == 0) {
            return f;
        }
    }
    return NULL;
}


tw_config_t *
tw_config_defaults(void)
{
    tw_config_t *cfg = calloc(1, sizeof *cfg);

    if (cfg == NULL) {
        return NULL;
    }

    for (size_t i = 0; i < TW_CONFIG_FIELD_COUNT; i++) {
        const tw_config_field_t *f = &tw_config_fields[i];
        if (tw_config_set_field(cfg, f, f->default_value) != 1) {
            tw_config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}


void
tw_config_free(tw_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }

    for (size_t i = 0; i < cfg->module_count; i++) {
        free(cfg->modules[i].name);
    }
    free(cfg->modules);

    for (size_t i = 0; i < cfg->plugin_setting_count; i++) {
        free(cfg->plugin_settings[i].section);
        free(cfg->plugin_settings[i].key);
        free(cfg->plugin_settings[i].value);
    }
    free(cfg->plugin_settings);

    free(cfg->path);
    free(cfg->listen);
    free(cfg->plugin_dir);
    free(cfg->db_url);
    free(cfg->rules_dir);
    free(cfg);
}


/* Refuses a second value for section.key; remembers the first. */
static bool
tw_config_check_duplicate(tw_config_parse_t *p, const char *section,
                          const char *key)
{
    for (size_t i = 0; i < p->seen_count; i++) {
        const tw_config_seen_t *s = &p->seen[i];
        if (strcmp(s->section, section) == 0 && strcmp(s->key, key) == 0) {
            tw_config_fail(p, p->line, "duplicate key '%s' in [%s] (first "
                           "set on line %d)", key, section, s->line);
            return false;
        }
    }

    tw_config_seen_t seen = {strdup(section), strdup(key), p->line};
    tw_config_seen_t *all = NULL;
    if (seen.section != NULL && seen.key != NULL) {
        all = tw_array_grow(p->seen, p->seen_count, sizeof *all);
    }
    if (all == NULL) {
        free(seen.section);
        free(seen.key);
        tw_config_fail(p, 0, "out of memory");
        return false;
    }
    p->seen = all;
    all[p->seen_count++] = seen;
    return true;
}


static void
tw_config_invalid(tw_config_parse_t *p, const tw_config_field_t *field,
                  const char *value)
{
    char expected[256];

    tw_config_expectation(field, expected, sizeof expected);
    tw_config_fail(p, p->line, "invalid value '%s' for '%s' in [%s]: %s",
                   value, field->key, field->section, expected);
}


static void
tw_config_on_core_key(tw_config_parse_t *p, const char *section,
                      const char *key, const char *value)
{
    const tw_config_field_t *field = tw_config_field_find(section, key);

    if (field == NULL) {
        tw_config_fail(p, p->line, "unknown key '%s' in [%s]", key, section);
        return;
    }

    int stored = tw_config_set_field(p->cfg, field, value);
    if (stored == 0) {
        tw_config_invalid(p, field, value);
    } else if (stored < 0) {
        tw_config_fail(p, 0, "out of memory");
    }
}


static void
tw_config_on_module(tw_config_parse_t *p, const char *name,
                    const char *value)
{
    tw_config_t *cfg = p->cfg;
    bool on;

    if (!tw_config_is_module_name(name)) {
        tw_config_fail(p, p->line, "invalid module name '%s' in [modules]: "
                       "expected [a-z][a-z0-9_]{0,62}", name);
        return;
    }
    if (tw_config_is_core_section(name)) {
        tw_config_fail(p, p->line, "module name '%s' in [modules] is "
                       "reserved for the core", name);
        return;
    }
    if (!tw_config_parse_bool(value, &on)) {
        tw_config_fail(p, p->line, "invalid value '%s' for '%s' in "
                       "[modules]: expected on or off", value, name);
        return;
    }

    tw_module_setting_t m = {strdup(name), on, p->line};
    tw_module_setting_t *all = NULL;
    if (m.name != NULL) {
        all = tw_array_grow(cfg->modules, cfg->module_count, sizeof *all);
    }
    if (all == NULL) {
        free(m.name);
        tw_config_fail(p, 0, "out of memory");
        return;
    }
    cfg->modules = all;
    all[cfg->module_count++] = m;
}


/* Keeps a key of a plugin section raw, for tw_config_check_plugin. */
static void
tw_config_on_plugin_key(tw_config_parse_t *p, const char *section,
                        const char *key, const char *value)
{
    tw_config_t *cfg = p->cfg;
    tw_plugin_setting_t setting = {strdup(section), strdup(key),
                                   strdup(value), p->line};
    tw_plugin_setting_t *all = NULL;

    if (setting.section != NULL && setting.key != NULL &&
        setting.value != NULL) {
        all = tw_array_grow(cfg->plugin_settings, cfg->plugin_setting_count,
                            sizeof *all);
    }
    if (all == NULL) {
        free(setting.section);
        free(setting.key);
        free(setting.value);
        tw_config_fail(p, 0, "out of memory");
        return;
    }
    cfg->plugin_settings = all;
    all[cfg->plugin_setting_count++] = setting;
}


/* inih's callback for each key; returns 0 to mark the line as failed. */
static int
tw_config_handler(void *user, const char *section, const char *key,
                  const char *value)
{
    tw_config_parse_t *p = user;

    if (p->failed) {
        return 0;
    }

    if (*p->line_text == ' ' || *p->line_text == '\t') {
        tw_config_fail(p, p->line, "unexpected indentation (a value cannot "
                       "continue over several lines)");
    } else if (section[0] == '\0') {
        tw_config_fail(p, p->line, "key '%s' is outside any section", key);
    } else if (!tw_config_check_duplicate(p, section, key)) {
        return 0;
    } else if (strcmp(section, "modules") == 0) {
        tw_config_on_module(p, key, value);
    } else if (tw_config_is_core_section(section)) {
        tw_config_on_core_key(p, section, key, value);
    } else {
        tw_config_on_plugin_key(p, section, key, value);
    }
    return p->failed ? 0 : 1;
}


/* inih's fgets-like source: hands out one whole line of the file per
 * call and counts it, so the handler knows the line it is called for. */
static char *
tw_config_reader(char *buf, int size, void *stream)
{
    tw_config_parse_t *p = stream;
    const char *start = p->text + p->pos;

    if (*start == '\0' || p->failed) {
        return NULL;
    }

    const char *nl = strchr(start, '\n');
    size_t len = nl != NULL ? (size_t) (nl - start) + 1 : strlen(start);
    p->line++;
    p->line_text = start;

    size_t content = len;
    while (content > 0 && (start[content - 1] == '\n' ||
                           start[content - 1] == '\r')) {
        content--;
    }
    if (content > TW_CONFIG_MAX_LINE || len >= (size_t) size) {
        tw_config_fail(p, p->line, "line is longer than %d characters",
                       TW_CONFIG_MAX_LINE);
        return NULL;
    }

    memcpy(buf, start, len);
    buf[len] = '\0';
    p->pos += len;
    return buf;
}


/* Reads the whole file into a NUL-terminated buffer (malloc'd). */
static char *
tw_config_read_file(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        tw_config_format(err, err_size, path, 0, "cannot open: %s",
                         strerror(errno));
        return NULL;
    }

    char *text = malloc(TW_CONFIG_MAX_FILE + 1);
    size_t len = text != NULL ? fread(text, 1, TW_CONFIG_MAX_FILE + 1, f) : 0;
    int read_errno = errno;

    if (text == NULL) {
        tw_config_format(err, err_size, path, 0, "out of memory");
    } else if (ferror(f)) {
        tw_config_format(err, err_size, path, 0, "cannot read: %s",
                         strerror(read_errno));
    } else if (len > TW_CONFIG_MAX_FILE) {
        tw_config_format(err, err_size, path, 0, "larger than %d bytes",
                         TW_CONFIG_MAX_FILE);
    } else if (memchr(text, '\0', len) != NULL) {
        tw_config_format(err, err_size, path, 0, "not a text file");
    } else {
        fclose(f);
        text[len] = '\0';
        return text;
    }

    fclose(f);
    free(text);
    return NULL;
}


static bool
tw_config_section_known(const tw_config_t *cfg, const char *name)
{
    return tw_config_is_core_section(name) ||
           tw_config_module(cfg, name) != NULL;
}


/* Checks every [section] header of the file, including empty sections,
 * once [modules] is complete (it may come after plugin sections). */
static void
tw_config_check_headers(tw_config_parse_t *p)
{
    const char *line = p->text;

    /* inih skips a UTF-8 byte order mark; so must this scan */
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
    }
    for (int n = 1; *line != '\0' && !p->failed; n++) {
        const char *start = line + strspn(line, " \t");
        const char *nl = strchr(line, '\n');
        const char *close = strchr(start, ']');

        if (*start == '[' && close != NULL && (nl == NULL || close < nl)) {
            char name[INI_MAX_LINE];
            int len = (int) (close - start - 1);
            snprintf(name, sizeof name, "%.*s", len, start + 1);
            if (!tw_config_section_known(p->cfg, name)) {
                tw_config_fail(p, n, "unknown section [%s]", name);
            }
        }
        line = nl != NULL ? nl + 1 : line + strlen(line);
    }
}


/* The database url from the environment wins over the file's. */
static void
tw_config_apply_env(tw_config_parse_t *p)
{
    const char *url = getenv(TW_CONFIG_ENV_URL);

    if (url != NULL && url[0] != '\0' &&
        !tw_config_set_text(&p->cfg->db_url, url)) {
        tw_config_fail(p, 0, "out of memory");
    }
}


/* Runs inih over p->text and the checks that need the whole file. */
static void
tw_config_parse(tw_config_parse_t *p)
{
    int rc = ini_parse_stream(tw_config_reader, p, tw_config_handler, p);

    /* inih returns the first line it or our handler refused, and goes
     * on after a syntax error; a syntax error before our first problem
     * (or without one) is the one to report. */
    if (rc > 0 && (!p->failed || rc < p->fail_line)) {
        p->failed = false;
        tw_config_fail(p, rc, "syntax error (expected [section] or "
                       "key = value)");
    } else if (rc < 0 && !p->failed) {
        tw_config_fail(p, 0, "cannot parse (inih error %d)", rc);
    }

    tw_config_check_headers(p);
    if (!p->failed) {
        tw_config_apply_env(p);
    }
}


tw_config_t *
tw_config_load(const char *path, char *err, size_t err_size)
{
    tw_config_parse_t p = {.err = err, .err_size = err_size};

    char *text = tw_config_read_file(path, err, err_size);
    if (text == NULL) {
        return NULL;
    }

    p.text = text;
    p.cfg = tw_config_defaults();
    if (p.cfg == NULL || (p.cfg->path = strdup(path)) == NULL) {
        tw_config_format(err, err_size, path, 0, "out of memory");
        p.failed = true;
    } else {
        tw_config_parse(&p);
    }

    for (size_t i = 0; i < p.seen_count; i++) {
        free(p.seen[i].section);
        free(p.seen[i].key);
    }
    free(p.seen);
    free(text);

    if (p.failed) {
        tw_config_free(p.cfg);
        return NULL;
    }
    return p.cfg;
}


const tw_module_setting_t *
tw_config_module(const tw_config_t *cfg, const char *name)
{
    for (size_t i = 0; cfg != NULL && i < cfg->module_count; i++) {
        if (strcmp(cfg->modules[i].name, name) == 0) {
            return &cfg->modules[i];
        }
    }
    return NULL;
}


static bool
tw_config_key_declared(const tw_config_key_t *keys, const char *key)
{
    for (size_t i = 0; keys != NULL && keys[i].name != NULL; i++) {
        if (strcmp(keys[i].name, key) == 0) {
            return true;
        }
    }
    return false;
}


bool
tw_config_check_plugin(const tw_config_t *cfg, const char *plugin,
                       const tw_config_key_t *keys, char *err,
                       size_t err_size)
{
    for (size_t i = 0; i < cfg->plugin_setting_count; i++) {
        const tw_plugin_setting_t *s = &cfg->plugin_settings[i];
        if (strcmp(s->section, plugin) == 0 &&
            !tw_config_key_declared(keys, s->key)) {
            tw_config_format(err, err_size, cfg->path, s->line,
                             "unknown key '%s' in [%s]", s->key, plugin);
            return false;
        }
    }
    return true;
}


bool
tw_config_check_sections(const tw_config_t *cfg, char *err, size_t err_size)
{
    for (size_t i = 0; i < cfg->plugin_setting_count; i++) {
        const tw_plugin_setting_t *s = &cfg->plugin_settings[i];
        if (!tw_config_section_known(cfg, s->section)) {
            tw_config_format(err, err_size, cfg->path, s->line,
                             "unknown section [%s]", s->section);
            return false;
        }
    }
    return true;
}


const char *
tw_config_plugin_value(const tw_config_t *cfg, const char *plugin,
                       const char *key)
{
    for (size_t i = 0; cfg != NULL && i < cfg->plugin_setting_count; i++) {
        const tw_plugin_setting_t *s = &cfg->plugin_settings[i];
        if (strcmp(s->section, plugin) == 0 && strcmp(s->key, key) == 0) {
            return s->value;
        }
    }
    return NULL;
}
