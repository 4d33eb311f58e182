/*
 * harness_internal.h - helpers shared by the files of tests/support; tests
 * include harness.h only.
 *
 * Everything here runs in the single-threaded test process.  Functions
 * that allocate say so; the caller frees.
 */
#ifndef TW_TEST_HARNESS_INTERNAL_H
#define TW_TEST_HARNESS_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>

/* A growable byte buffer, always NUL-terminated once something was
 * appended. */
typedef struct tw_test_buf {
    char *data;
    size_t len;
    size_t cap;
} tw_test_buf_t;

/* Appends `n` bytes; -1 when out of memory. */
int tw_test_buf_append(tw_test_buf_t *buf, const void *bytes, size_t n);

/* Appends printf-formatted text; -1 when out of memory. */
int tw_test_buf_printf(tw_test_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Creates a private folder "/tmp/<prefix>XXXXXX" in `buf`; 0 on
 * success. */
int tw_test_make_dir(char *buf, size_t size, const char *prefix);

/* Removes `path` and everything below it (nothing when path is ""). */
void tw_test_remove_tree(const char *path);

/* Copies the file at `path` to stderr between two marker lines, so that
 * `ctest --output-on-failure` shows it. */
void tw_test_print_file(const char *title, const char *path);

void tw_test_sleep_ms(unsigned ms);

/* Writes the conninfo "host=... user=... dbname=..." (values quoted when
 * needed) into `buf`; -1 when it does not fit. */
int tw_test_conninfo(char *buf, size_t size, const char *host, const char *user,
                     const char *dbname);

/* Runs argv[0] (a path) with `input` (may be NULL) on standard input and
 * collects standard output and error into *output (malloc'd; output may
 * be NULL).  Returns the exit status, 128 + the signal number when a
 * signal ended it, or -1 when it could not be run. */
int tw_test_spawn_wait(char *const argv[], const char *input, char **output);

/* Starts argv[0] in the background with standard output and error
 * written to `log_path`.  The child receives SIGTERM should the test
 * process die first.  Returns its pid, or -1. */
pid_t tw_test_spawn_logged(char *const argv[], const char *log_path);

/* Waits at most `timeout_ms` for `pid` to end: 0 with *wstatus set, or
 * -1 when it is still running (or on error). */
int tw_test_wait_ms(pid_t pid, unsigned timeout_ms, int *wstatus);

#endif
