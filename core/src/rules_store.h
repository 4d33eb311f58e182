/*
 * rules_store.h - the rule scripts of one rules folder, as compiled
 * versions that are swapped in when their files change (core only).
 *
 * The store reads <dir>/lib/<name>.lua, <dir>/default/<hook>.lua and
 * <dir>/branches/<CODE>/<hook>.lua (libraries first, so that scripts are
 * checked against current ones) and ignores every other file.  A file
 * that compiles, and passes the owner's validation (a rule script must
 * load and define rule()), becomes its path's active version; an edit
 * that does not leaves the previous version active and is kept as the
 * file's last error; a deleted file has no version any more.
 *
 * A version is immutable and reference-counted: a reader takes a
 * reference under a short read lock and evaluates without any lock; the
 * scanner swaps versions under the write lock and the last reference
 * frees the old one.  Scans are serialised; the watcher thread (if
 * started) runs one every reload_ms.
 */
#ifndef TW_RULES_STORE_H
#define TW_RULES_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rules_hooks.h"
#include "tradewind/result.h"

/* Longest path of a script relative to the rules folder, with its NUL:
 * "branches/" + a 32-byte code + "/" + a 64-byte name + ".lua". */
#define TW_RULE_PATH_MAX 128

/* Longest branch code, as a folder name: ^[A-Z][A-Z0-9_]{0,31}$. */
#define TW_RULE_CODE_MAX 32

/* The largest script file read: 1 MiB. */
#define TW_RULE_FILE_MAX (1024 * 1024)

typedef enum tw_rule_kind {
    TW_RULE_KIND_DEFAULT, /* default/<hook>.lua */
    TW_RULE_KIND_BRANCH,  /* branches/<code>/<hook>.lua */
    TW_RULE_KIND_LIB      /* lib/<name>.lua */
} tw_rule_kind_t;

/* One compiled script, shared by every reader holding a reference. */
typedef struct tw_rule_version {
    char path[TW_RULE_PATH_MAX]; /* "branches/GD/commission.lua" */
    char hash[65];               /* SHA-256 of the bytes, hex */
    char *source;                /* the file's bytes, NUL-terminated */
    size_t len;
    time_t loaded_at; /* when it became active */
    atomic_uint refs;
} tw_rule_version_t;

/* What the store knows of one file (a snapshot copy; see below). */
typedef struct tw_rule_file {
    char path[TW_RULE_PATH_MAX];
    tw_rule_kind_t kind;
    char code[TW_RULE_CODE_MAX + 1]; /* the branch code, "" otherwise */
    char name[TW_RULE_NAME_MAX + 1]; /* the hook or library name */
    tw_rule_version_t *version; /* a reference; NULL: never compiled */
    char *error;                /* the last edit's error, or NULL */
    time_t error_at;
} tw_rule_file_t;

typedef struct tw_rule_store tw_rule_store_t;

/* Checks a rule script (not a library) that compiled, before it becomes
 * active: TW_OK, or an error with "path:line: message" in err.  Runs on
 * the scanning thread, with no store lock held. */
typedef tw_rc_t (*tw_rule_validate_fn)(void *ctx, tw_rule_store_t *store,
                                       const char *path, const char *source,
                                       size_t len, char *err,
                                       size_t err_size);

/* A store of folder `dir` after one scan.  `quiet` keeps it from logging
 * activations and compile errors (the CLI prints its own); `validate`
 * (may be NULL) is called with `ctx`.  NULL when out of memory.  A
 * missing folder is an empty one (with a warning). */
tw_rule_store_t *tw_rule_store_open(const char *dir, bool quiet,
                                    tw_rule_validate_fn validate, void *ctx);

/* Starts the watcher thread, which scans every `reload_ms`. */
tw_rc_t tw_rule_store_watch(tw_rule_store_t *store, unsigned reload_ms);

/* Stops the watcher (if any), joins it and frees the store; versions
 * still referenced live on until released. */
void tw_rule_store_close(tw_rule_store_t *store);

/* Looks at every file once: compiles what changed, drops what is gone. */
void tw_rule_store_scan(tw_rule_store_t *store);

/* The active version of `path` (a new reference) in *version.  TW_OK;
 * TW_ERR_NOT_FOUND when there is no such file; TW_ERR_INVALID when the
 * file exists but never compiled (its error in err). */
tw_rc_t tw_rule_store_find(tw_rule_store_t *store, const char *path,
                           tw_rule_version_t **version, char *err,
                           size_t err_size);

/* import() for a Lua state (rules_lua.h), `ctx` being the store: the
 * active version of lib/<name>.lua. */
tw_rc_t tw_rule_store_import(void *ctx, const char *name, char **source,
                             size_t *len, char *chunkname);

void tw_rule_version_ref(tw_rule_version_t *version);
void tw_rule_version_release(tw_rule_version_t *version);

/* Copies the state of every file, sorted by path, into *files (free with
 * tw_rule_store_snapshot_free).  Returns the count; 0 and NULL when out
 * of memory or empty. */
size_t tw_rule_store_snapshot(tw_rule_store_t *store, tw_rule_file_t **files);
void tw_rule_store_snapshot_free(tw_rule_file_t *files, size_t count);

/* Counters that change whenever a script (resp. a library) is
 * activated or dropped, so holders of compiled copies know to refresh. */
unsigned long tw_rule_store_generation(const tw_rule_store_t *store);
unsigned long tw_rule_store_lib_generation(const tw_rule_store_t *store);

/* The folder as given to tw_rule_store_open. */
const char *tw_rule_store_dir(const tw_rule_store_t *store);

/* Writes "branches/<code>/<name>.lua", "default/<name>.lua" or
 * "lib/<name>.lua"; false when the name or code is invalid. */
bool tw_rule_path(char *buf, size_t size, tw_rule_kind_t kind,
                  const char *code, const char *name);

#endif
