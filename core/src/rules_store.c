/*
 * rules_store.c - the scripts of a rules folder as compiled, swappable,
 * reference-counted versions (see rules_store.h).
 *
 * Locking: `lock` (a read-write lock) guards the entry array and each
 * entry's version and error; readers hold it only to take a reference
 * or copy.  Only the scanner writes, one scan at a time (`scan_lock`),
 * so it reads its own entries without `lock` and takes the write lock
 * just to change them.  File reads, hashing and compiling happen with
 * no lock held.  An entry's stat and seen fields belong to the scanner.
 *
 * Change detection: a file is re-read only when its inode, size, mtime
 * or ctime changed; it is re-compiled only when its SHA-256 changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "branch.h"
#include "rules_lua.h"
#include "rules_store.h"
#include "tradewind/log.h"

/* What a file looked like when the scanner last read it. */
typedef struct tw_rule_stat {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
} tw_rule_stat_t;

typedef struct tw_rule_entry {
    tw_rule_file_t file;
    tw_rule_stat_t stat; /* scanner only */
    bool seen;           /* scanner only: found by the current scan */
} tw_rule_entry_t;

/* A file a scan found on disk. */
typedef struct tw_rule_found {
    char path[TW_RULE_PATH_MAX];
    tw_rule_kind_t kind;
    char code[TW_RULE_CODE_MAX + 1];
    char name[TW_RULE_NAME_MAX + 1];
    tw_rule_stat_t stat;
} tw_rule_found_t;

/* The files of one scan. */
typedef struct tw_rule_walk {
    tw_rule_found_t *found;
    size_t count;
    bool partial; /* a folder could not be read: drop nothing */
} tw_rule_walk_t;

struct tw_rule_store {
    char *dir;
    bool quiet;
    tw_rule_validate_fn validate;
    void *validate_ctx;
    pthread_rwlock_t lock;
    pthread_mutex_t scan_lock;
    tw_rule_entry_t *entries; /* sorted by path */
    size_t count;
    atomic_ulong generation;
    atomic_ulong lib_generation;
    bool missing_warned;    /* scanner only */
    bool unreadable_warned; /* scanner only: the last scan was partial */

    /* the watcher */
    pthread_t thread;
    bool watching;
    unsigned reload_ms;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stopping;
};

static const char *const tw_rule_kind_dirs[] = {"default", "branches", "lib"};


bool
tw_rule_path(char *buf, size_t size, tw_rule_kind_t kind, const char *code,
             const char *name)
{
    int n;

    if (name == NULL || !tw_rule_name_valid(name, strlen(name))) {
        return false;
    }
    if (kind == TW_RULE_KIND_BRANCH) {
        if (code == NULL || !tw_branch_code_valid(code)) {
            return false;
        }
        n = snprintf(buf, size, "branches/%s/%s.lua", code, name);
    } else {
        n = snprintf(buf, size, "%s/%s.lua", tw_rule_kind_dirs[kind], name);
    }
    return n > 0 && (size_t) n < size;
}


/* {======================================================================
 * Versions
 * ======================================================================*/


void
tw_rule_version_ref(tw_rule_version_t *version)
{
    atomic_fetch_add_explicit(&version->refs, 1, memory_order_relaxed);
}


void
tw_rule_version_release(tw_rule_version_t *version)
{
    if (version == NULL ||
        atomic_fetch_sub_explicit(&version->refs, 1,
                                  memory_order_acq_rel) != 1) {
        return;
    }
    free(version->source);
    free(version);
}


/* A version of `path` owning `source`; NULL (source freed) when out of
 * memory. */
static tw_rule_version_t *
tw_rule_version_new(const char *path, const char *hash, char *source,
                    size_t len)
{
    tw_rule_version_t *version = calloc(1, sizeof *version);

    if (version == NULL) {
        free(source);
        return NULL;
    }
    snprintf(version->path, sizeof version->path, "%s", path);
    memcpy(version->hash, hash, sizeof version->hash);
    version->source = source;
    version->len = len;
    version->loaded_at = time(NULL);
    atomic_init(&version->refs, 1);
    return version;
}


static void
tw_rule_hash(const char *source, size_t len, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, (const unsigned char *) source, len);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

/* }====================================================================== */


/* {======================================================================
 * Walking the folder
 * ======================================================================*/


static void
tw_rule_stat_from(tw_rule_stat_t *out, const struct stat *st)
{
    out->dev = st->st_dev;
    out->ino = st->st_ino;
    out->size = st->st_size;
    out->mtime = st->st_mtim;
    out->ctime = st->st_ctim;
}


static bool
tw_rule_stat_equal(const tw_rule_stat_t *a, const tw_rule_stat_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec &&
           a->ctime.tv_nsec == b->ctime.tv_nsec;
}


/* The name of "<name>.lua" without ".lua" into `name`; false for any
 * other file name (editor backups, case files, hidden files). */
static bool
tw_rule_script_name(const char *file, char *name, size_t size)
{
    size_t len = strlen(file);

    if (len <= 4 || strcmp(file + len - 4, ".lua") != 0 ||
        !tw_rule_name_valid(file, len - 4) || len - 4 >= size) {
        return false;
    }
    memcpy(name, file, len - 4);
    name[len - 4] = '\0';
    return true;
}


static bool
tw_rule_walk_add(tw_rule_walk_t *walk, const tw_rule_found_t *found)
{
    tw_rule_found_t *all = tw_array_grow(walk->found, walk->count,
                                         sizeof *all);

    if (all == NULL) {
        walk->partial = true;
        return false;
    }
    walk->found = all;
    all[walk->count++] = *found;
    return true;
}


/* Opens <dir>/<sub>; NULL when it is absent (fine) or unreadable (then
 * the walk is partial, so that nothing is dropped for it, and a warning
 * says so once, not at every scan). */
static DIR *
tw_rule_walk_open(const tw_rule_store_t *store, tw_rule_walk_t *walk,
                  const char *sub)
{
    char path[PATH_MAX];
    DIR *d;

    snprintf(path, sizeof path, "%s/%s", store->dir, sub);
    d = opendir(path);
    if (d == NULL && errno != ENOENT && errno != ENOTDIR) {
        if (!store->unreadable_warned) {
            tw_log_warn("cannot read a rules folder",
                        "folder=%s error=\"%s\"", path, strerror(errno));
        }
        walk->partial = true;
    }
    return d;
}


/* Adds the scripts of folder <dir>/<sub> (of `kind`, branch `code`). */
static void
tw_rule_walk_folder(const tw_rule_store_t *store, tw_rule_walk_t *walk,
                    const char *sub, tw_rule_kind_t kind, const char *code)
{
    DIR *d = tw_rule_walk_open(store, walk, sub);
    struct dirent *ent;
    struct stat st;
    tw_rule_found_t found;

    while (d != NULL && (ent = readdir(d)) != NULL) {
        memset(&found, 0, sizeof found);
        if (!tw_rule_script_name(ent->d_name, found.name, sizeof found.name)
            || fstatat(dirfd(d), ent->d_name, &st, 0) != 0 ||
            !S_ISREG(st.st_mode) ||
            !tw_rule_path(found.path, sizeof found.path, kind, code,
                          found.name)) {
            continue;
        }
        found.kind = kind;
        snprintf(found.code, sizeof found.code, "%s", code);
        tw_rule_stat_from(&found.stat, &st);
        if (!tw_rule_walk_add(walk, &found)) {
            break;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
}


/* Adds branches/<CODE>/ for every folder named like a branch code. */
static void
tw_rule_walk_branches(const tw_rule_store_t *store, tw_rule_walk_t *walk)
{
    DIR *d = tw_rule_walk_open(store, walk, "branches");
    struct dirent *ent;
    char sub[TW_RULE_PATH_MAX];

    while (d != NULL && (ent = readdir(d)) != NULL) {
        if (!tw_branch_code_valid(ent->d_name)) {
            continue;
        }
        snprintf(sub, sizeof sub, "branches/%.*s", TW_RULE_CODE_MAX,
                 ent->d_name);
        tw_rule_walk_folder(store, walk, sub, TW_RULE_KIND_BRANCH,
                            ent->d_name);
    }
    if (d != NULL) {
        closedir(d);
    }
}


/* Finds every script on disk; warns once while the folder is missing. */
static void
tw_rule_walk(tw_rule_store_t *store, tw_rule_walk_t *walk)
{
    struct stat st;

    if (stat(store->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (!store->missing_warned) {
            tw_log_warn("rules folder missing: no rule scripts",
                        "folder=%s", store->dir);
            store->missing_warned = true;
        }
        return;
    }
    store->missing_warned = false;

    tw_rule_walk_folder(store, walk, "lib", TW_RULE_KIND_LIB, "");
    tw_rule_walk_folder(store, walk, "default", TW_RULE_KIND_DEFAULT, "");
    tw_rule_walk_branches(store, walk);
}

/* }====================================================================== */


/* {======================================================================
 * Entries (sorted by path)
 * ======================================================================*/


/* The index of `path`, or where it would go (*found false). */
static size_t
tw_rule_entry_index(const tw_rule_store_t *store, const char *path,
                    bool *found)
{
    size_t lo = 0;
    size_t hi = store->count;

    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(path, store->entries[mid].file.path);

        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}


static tw_rule_entry_t *
tw_rule_entry_find(const tw_rule_store_t *store, const char *path)
{
    bool found;
    size_t i = tw_rule_entry_index(store, path, &found);

    return found ? &store->entries[i] : NULL;
}


/* Under the write lock: the entry of `found`, inserted when new.  NULL
 * when out of memory. */
static tw_rule_entry_t *
tw_rule_entry_take(tw_rule_store_t *store, const tw_rule_found_t *found)
{
    bool exists;
    size_t i = tw_rule_entry_index(store, found->path, &exists);

    if (exists) {
        return &store->entries[i];
    }

    tw_rule_entry_t *all = tw_array_grow(store->entries, store->count,
                                         sizeof *all);
    if (all == NULL) {
        return NULL;
    }
    memmove(&all[i + 1], &all[i], (store->count - i) * sizeof *all);
    memset(&all[i], 0, sizeof *all);
    snprintf(all[i].file.path, sizeof all[i].file.path, "%s", found->path);
    snprintf(all[i].file.code, sizeof all[i].file.code, "%s", found->code);
    snprintf(all[i].file.name, sizeof all[i].file.name, "%s", found->name);
    all[i].file.kind = found->kind;
    all[i].seen = true;
    store->entries = all;
    store->count++;
    return &all[i];
}


static void
tw_rule_store_changed(tw_rule_store_t *store, tw_rule_kind_t kind)
{
    atomic_fetch_add(&store->generation, 1);
    if (kind == TW_RULE_KIND_LIB) {
        atomic_fetch_add(&store->lib_generation, 1);
    }
}


/* Makes `version` the active one of `found`'s path (stealing it). */
static void
tw_rule_store_activate(tw_rule_store_t *store, const tw_rule_found_t *found,
                       tw_rule_version_t *version)
{
    tw_rule_version_t *old = NULL;
    char *old_error = NULL;

    pthread_rwlock_wrlock(&store->lock);
    tw_rule_entry_t *e = tw_rule_entry_take(store, found);
    if (e != NULL) {
        old = e->file.version;
        old_error = e->file.error;
        e->file.version = version;
        e->file.error = NULL;
        e->stat = found->stat;
    }
    pthread_rwlock_unlock(&store->lock);

    if (e == NULL) {
        tw_rule_version_release(version);
        return;
    }
    tw_rule_version_release(old);
    free(old_error);
    tw_rule_store_changed(store, found->kind);
    if (!store->quiet) {
        tw_log_info("rule activated", "path=%s hash=%s", version->path,
                    version->hash);
    }
}


/* Records `error` as the last error of `found`'s path; an active
 * version stays active. */
static void
tw_rule_store_refuse(tw_rule_store_t *store, const tw_rule_found_t *found,
                     const char *error)
{
    char *copy = strdup(error);
    char *old = NULL;

    pthread_rwlock_wrlock(&store->lock);
    tw_rule_entry_t *e = tw_rule_entry_take(store, found);
    if (e != NULL) {
        old = e->file.error;
        e->file.error = copy;
        e->file.error_at = time(NULL);
        e->stat = found->stat;
    }
    pthread_rwlock_unlock(&store->lock);

    free(e != NULL ? old : copy);
    if (!store->quiet) {
        tw_log_error("rule refused", "path=%s error=\"%s\"", found->path,
                     error);
    }
}


/* The file's content was already active: note its stat, forget an error
 * of an edit since undone. */
static void
tw_rule_store_unchanged(tw_rule_store_t *store, tw_rule_entry_t *e,
                        const tw_rule_found_t *found)
{
    pthread_rwlock_wrlock(&store->lock);
    char *old = e->file.error;
    e->file.error = NULL;
    e->stat = found->stat;
    pthread_rwlock_unlock(&store->lock);
    free(old);
}

/* }====================================================================== */


/* {======================================================================
 * Scanning
 * ======================================================================*/


/* Reads `size` bytes of `fd` into a new NUL-terminated buffer; NULL
 * with errno set on failure. */
static char *
tw_rule_read_all(int fd, size_t size, size_t *len)
{
    char *source = malloc(size + 1);
    size_t got = 0;
    ssize_t n = 1;

    while (source != NULL && got < size && n > 0) {
        n = read(fd, source + got, size - got);
        got += n > 0 ? (size_t) n : 0;
    }
    if (source == NULL || n < 0) {
        free(source);
        return NULL;
    }
    source[got] = '\0';
    *len = got;
    return source;
}


/* Reads <dir>/<path> into *source (malloc'd, NUL-terminated); false with
 * "path: cannot read: why" in err. */
static bool
tw_rule_read(const tw_rule_store_t *store, const char *path, char **source,
             size_t *len, char *err, size_t err_size)
{
    char full[PATH_MAX];
    struct stat st;
    const char *why = NULL;

    snprintf(full, sizeof full, "%s/%s", store->dir, path);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        why = strerror(errno);
    } else if (st.st_size > TW_RULE_FILE_MAX) {
        why = "larger than 1 MiB";
    } else if ((*source = tw_rule_read_all(fd, (size_t) st.st_size,
                                           len)) == NULL) {
        why = strerror(errno);
    }

    if (fd >= 0) {
        close(fd);
    }
    if (why != NULL) {
        snprintf(err, err_size, "%s: cannot read: %s", path, why);
    }
    return why == NULL;
}


/* True when the new content of `found` compiles and, for a rule script,
 * passes the owner's validation; else the reason is in err. */
static bool
tw_rule_store_accepts(tw_rule_store_t *store, const tw_rule_found_t *found,
                      const char *source, size_t len, char *err,
                      size_t err_size)
{
    if (tw_lua_check(found->path, source, len, err, err_size) != TW_OK) {
        return false;
    }
    return found->kind == TW_RULE_KIND_LIB || store->validate == NULL ||
           store->validate(store->validate_ctx, store, found->path, source,
                           len, err, err_size) == TW_OK;
}


/* Looks at one file found on disk: re-reads it if it changed on disk,
 * and re-compiles it if its content changed. */
static void
tw_rule_store_visit(tw_rule_store_t *store, const tw_rule_found_t *found)
{
    tw_rule_entry_t *e = tw_rule_entry_find(store, found->path);
    char err[1024];
    char hash[65];
    char *source = NULL;
    size_t len = 0;

    if (e != NULL) {
        e->seen = true;
        if (tw_rule_stat_equal(&e->stat, &found->stat)) {
            return;
        }
    }

    if (!tw_rule_read(store, found->path, &source, &len, err, sizeof err)) {
        tw_rule_store_refuse(store, found, err);
        return;
    }

    tw_rule_hash(source, len, hash);
    if (e != NULL && e->file.version != NULL &&
        strcmp(e->file.version->hash, hash) == 0) {
        free(source);
        tw_rule_store_unchanged(store, e, found);
        return;
    }

    tw_rule_version_t *version = NULL;
    if (!tw_rule_store_accepts(store, found, source, len, err, sizeof err)) {
        free(source);
        tw_rule_store_refuse(store, found, err);
    } else if ((version = tw_rule_version_new(found->path, hash, source,
                                              len)) != NULL) {
        tw_rule_store_activate(store, found, version);
    }
}


/* Removes the entries the scan did not see (deleted files). */
static void
tw_rule_store_sweep(tw_rule_store_t *store)
{
    tw_rule_entry_t *gone = malloc((store->count + 1) * sizeof *gone);
    size_t gone_count = 0;
    size_t kept = 0;

    if (gone == NULL) {
        return;
    }

    pthread_rwlock_wrlock(&store->lock);
    for (size_t i = 0; i < store->count; i++) {
        if (store->entries[i].seen) {
            store->entries[i].seen = false;
            store->entries[kept++] = store->entries[i];
        } else {
            gone[gone_count++] = store->entries[i];
        }
    }
    store->count = kept;
    pthread_rwlock_unlock(&store->lock);

    for (size_t i = 0; i < gone_count; i++) {
        tw_rule_version_release(gone[i].file.version);
        free(gone[i].file.error);
        tw_rule_store_changed(store, gone[i].file.kind);
        if (!store->quiet) {
            tw_log_info("rule deactivated", "path=%s", gone[i].file.path);
        }
    }
    free(gone);
}


void
tw_rule_store_scan(tw_rule_store_t *store)
{
    tw_rule_walk_t walk = {NULL, 0, false};

    pthread_mutex_lock(&store->scan_lock);
    tw_rule_walk(store, &walk);
    for (size_t i = 0; i < walk.count; i++) {
        tw_rule_store_visit(store, &walk.found[i]);
    }
    store->unreadable_warned = walk.partial;
    if (!walk.partial) {
        tw_rule_store_sweep(store);
    } else {
        for (size_t i = 0; i < store->count; i++) {
            store->entries[i].seen = false;
        }
    }
    pthread_mutex_unlock(&store->scan_lock);
    free(walk.found);
}

/* }====================================================================== */


/* {======================================================================
 * Opening, watching, closing
 * ======================================================================*/


tw_rule_store_t *
tw_rule_store_open(const char *dir, bool quiet, tw_rule_validate_fn validate,
                   void *ctx)
{
    tw_rule_store_t *store = calloc(1, sizeof *store);

    if (store == NULL || sodium_init() < 0 ||
        (store->dir = strdup(dir)) == NULL) {
        free(store);
        return NULL;
    }
    store->quiet = quiet;
    store->validate = validate;
    store->validate_ctx = ctx;
    pthread_rwlock_init(&store->lock, NULL);
    pthread_mutex_init(&store->scan_lock, NULL);
    pthread_mutex_init(&store->stop_lock, NULL);
    atomic_init(&store->generation, 0);
    atomic_init(&store->lib_generation, 0);

    tw_rule_store_scan(store);
    return store;
}


/* The watcher: a scan every reload_ms until told to stop. */
static void *
tw_rule_store_watcher(void *arg)
{
    tw_rule_store_t *store = arg;
    struct timespec deadline;

    pthread_mutex_lock(&store->stop_lock);
    while (!store->stopping) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += store->reload_ms / 1000;
        deadline.tv_nsec += (long) (store->reload_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }

        int rc = 0;
        while (!store->stopping && rc != ETIMEDOUT) {
            rc = pthread_cond_timedwait(&store->stop_cond, &store->stop_lock,
                                        &deadline);
        }
        if (store->stopping) {
            break;
        }

        pthread_mutex_unlock(&store->stop_lock);
        tw_rule_store_scan(store);
        pthread_mutex_lock(&store->stop_lock);
    }
    pthread_mutex_unlock(&store->stop_lock);
    return NULL;
}


tw_rc_t
tw_rule_store_watch(tw_rule_store_t *store, unsigned reload_ms)
{
    pthread_condattr_t attr;
    int rc;

    if (store->watching) {
        return TW_ERR_STATE;
    }
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&store->stop_cond, &attr);
    pthread_condattr_destroy(&attr);

    store->reload_ms = reload_ms;
    rc = pthread_create(&store->thread, NULL, tw_rule_store_watcher, store);
    if (rc != 0) {
        tw_log_error("cannot start the rules watcher",
                     "call=pthread_create error=\"%s\"", strerror(rc));
        pthread_cond_destroy(&store->stop_cond);
        return TW_ERR_INTERNAL;
    }
    store->watching = true;
    return TW_OK;
}


void
tw_rule_store_close(tw_rule_store_t *store)
{
    if (store == NULL) {
        return;
    }

    if (store->watching) {
        pthread_mutex_lock(&store->stop_lock);
        store->stopping = true;
        pthread_cond_signal(&store->stop_cond);
        pthread_mutex_unlock(&store->stop_lock);
        pthread_join(store->thread, NULL);
        pthread_cond_destroy(&store->stop_cond);
    }

    for (size_t i = 0; i < store->count; i++) {
        tw_rule_version_release(store->entries[i].file.version);
        free(store->entries[i].file.error);
    }
    free(store->entries);
    pthread_rwlock_destroy(&store->lock);
    pthread_mutex_destroy(&store->scan_lock);
    pthread_mutex_destroy(&store->stop_lock);
    free(store->dir);
    free(store);
}

/* }====================================================================== */


/* {======================================================================
 * Readers
 * ======================================================================*/


tw_rc_t
tw_rule_store_find(tw_rule_store_t *store, const char *path,
                   tw_rule_version_t **version, char *err, size_t err_size)
{
    tw_rc_t rc = TW_ERR_NOT_FOUND;

    *version = NULL;
    pthread_rwlock_rdlock(&store->lock);
    const tw_rule_entry_t *e = tw_rule_entry_find(store, path);
    if (e != NULL && e->file.version != NULL) {
        *version = e->file.version;
        tw_rule_version_ref(*version);
        rc = TW_OK;
    } else if (e != NULL) {
        snprintf(err, err_size, "%s", e->file.error != NULL ? e->file.error
                                                            : path);
        rc = TW_ERR_INVALID;
    }
    pthread_rwlock_unlock(&store->lock);
    return rc;
}


size_t
tw_rule_store_snapshot(tw_rule_store_t *store, tw_rule_file_t **files)
{
    size_t count = 0;

    pthread_rwlock_rdlock(&store->lock);
    *files = store->count > 0 ? calloc(store->count, sizeof **files) : NULL;
    for (size_t i = 0; *files != NULL && i < store->count; i++) {
        const tw_rule_file_t *from = &store->entries[i].file;
        tw_rule_file_t *to = &(*files)[count];

        *to = *from;
        to->error = NULL;
        if (from->error != NULL && (to->error = strdup(from->error)) == NULL) {
            continue;
        }
        if (to->version != NULL) {
            tw_rule_version_ref(to->version);
        }
        count++;
    }
    pthread_rwlock_unlock(&store->lock);
    return count;
}


tw_rc_t
tw_rule_store_import(void *ctx, const char *name, char **source,
                     size_t *len, char *chunkname)
{
    tw_rule_version_t *version = NULL;
    char path[TW_RULE_PATH_MAX];
    char err[256];

    if (!tw_rule_path(path, sizeof path, TW_RULE_KIND_LIB, NULL, name) ||
        tw_rule_store_find(ctx, path, &version, err, sizeof err) != TW_OK) {
        return TW_ERR_NOT_FOUND;
    }

    *source = malloc(version->len + 1);
    if (*source != NULL) {
        memcpy(*source, version->source, version->len + 1);
        *len = version->len;
        snprintf(chunkname, 256, "%s", version->path);
    }
    tw_rule_version_release(version);
    return *source != NULL ? TW_OK : TW_ERR_NOMEM;
}


void
tw_rule_store_snapshot_free(tw_rule_file_t *files, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        tw_rule_version_release(files[i].version);
        free(files[i].error);
    }
    free(files);
}


unsigned long
tw_rule_store_generation(const tw_rule_store_t *store)
{
    return atomic_load(&store->generation);
}


unsigned long
tw_rule_store_lib_generation(const tw_rule_store_t *store)
{
    return atomic_load(&store->lib_generation);
}


const char *
tw_rule_store_dir(const tw_rule_store_t *store)
{
    return store->dir;
}

/* }====================================================================== */
