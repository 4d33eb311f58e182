/*
 * util.c - small helpers of the test harness: a growable buffer,
 * temporary folders, printing logs and building libpq conninfo strings.
 *
 * No state; every function is safe to call from any test.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness_internal.h"


int
tw_test_buf_append(tw_test_buf_t *buf, const void *bytes, size_t n)
{
    size_t cap = buf->cap ? buf->cap : 4096;
    char *data;

    while (buf->len + n + 1 > cap) {
        cap *= 2;
    }

    if (cap != buf->cap) {
        data = realloc(buf->data, cap);
        if (data == NULL) {
            return -1;
        }
        buf->data = data;
        buf->cap = cap;
    }

    memcpy(buf->data + buf->len, bytes, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return 0;
}


int
tw_test_buf_printf(tw_test_buf_t *buf, const char *fmt, ...)
{
    char small[256];
    char *big;
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    if ((size_t)n < sizeof(small)) {
        return tw_test_buf_append(buf, small, (size_t)n);
    }

    big = malloc((size_t)n + 1);
    if (big == NULL) {
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rc = tw_test_buf_append(buf, big, (size_t)n);
    free(big);
    return rc;
}


int
tw_test_make_dir(char *buf, size_t size, const char *prefix)
{
    int n = snprintf(buf, size, "/tmp/%sXXXXXX", prefix);

    if (n < 0 || (size_t)n >= size) {
        print_error("temporary folder name too long for %s\n", prefix);
        return -1;
    }

    if (mkdtemp(buf) == NULL) {
        print_error("mkdtemp %s: %s\n", buf, strerror(errno));
        buf[0] = '\0';
        return -1;
    }

    return 0;
}


static int
tw_test_remove_entry(const char *path, const struct stat *st, int type,
                     struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;

    if (remove(path) != 0) {
        print_error("remove %s: %s\n", path, strerror(errno));
    }
    return 0;
}


void
tw_test_remove_tree(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        return;
    }

    nftw(path, tw_test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}


void
tw_test_print_file(const char *title, const char *path)
{
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        print_error("%s: cannot open %s: %s\n", title, path, strerror(errno));
        return;
    }

    fprintf(stderr, "----- %s (%s) -----\n", title, path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        fwrite(chunk, 1, n, stderr);
    }
    fprintf(stderr, "----- end of %s -----\n", title);
    fclose(f);
}


void
tw_test_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}


/* Appends `value` to `out` as a conninfo value: bare when it is safe,
 * otherwise in single quotes with ' and \ escaped. */
static int
tw_test_conninfo_value(tw_test_buf_t *out, const char *value)
{
    size_t plain = strspn(value, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-");
    int rc = 0;

    if (value[0] != '\0' && value[plain] == '\0') {
        return tw_test_buf_append(out, value, plain);
    }

    rc |= tw_test_buf_append(out, "'", 1);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\'' || *p == '\\') {
            rc |= tw_test_buf_append(out, "\\", 1);
        }
        rc |= tw_test_buf_append(out, p, 1);
    }
    rc |= tw_test_buf_append(out, "'", 1);
    return rc;
}


int
tw_test_conninfo(char *buf, size_t size, const char *host, const char *user,
                 const char *dbname)
{
    tw_test_buf_t out = {0};
    int rc = 0;

    rc |= tw_test_buf_append(&out, "host=", 5);
    rc |= tw_test_conninfo_value(&out, host);
    rc |= tw_test_buf_append(&out, " user=", 6);
    rc |= tw_test_conninfo_value(&out, user);
    rc |= tw_test_buf_append(&out, " dbname=", 8);
    rc |= tw_test_conninfo_value(&out, dbname);

    if (rc != 0 || out.len >= size) {
        free(out.data);
        return -1;
    }

    memcpy(buf, out.data, out.len + 1);
    free(out.data);
    return 0;
}
