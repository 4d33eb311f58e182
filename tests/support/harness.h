/*
 * harness.h - what the tests share: a fresh PostgreSQL database per test
 * program, a real `tradewind serve` process on a free port, a small HTTP
 * client, running the `tradewind` program as a user would, and asserting
 * shortcuts built on them for the integration tests.
 *
 * The databases live in the throwaway cluster that tools/test starts; it
 * exports TW_TEST_PGHOST (the socket folder) and TW_TEST_PGUSER.
 */
#ifndef TW_TEST_HARNESS_H
#define TW_TEST_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tw_test_db {
    char name[64];
    char url[512]; /* libpq conninfo for the new database */
} tw_test_db_t;

/* Creates an empty database with a unique name; 0 on success.  Fails the
 * test (cmocka) when TW_TEST_PGHOST is not set. */
int tw_test_db_create(tw_test_db_t *db);
void tw_test_db_drop(tw_test_db_t *db);

/* Server options; zero fields take the defaults. */
typedef struct tw_test_options {
    const char *modules;    /* lines of [modules], e.g. "good = on\n" */
    const char *extra;      /* more sections appended to the INI file */
    unsigned session_ttl_s; /* [auth] session_ttl_s */
    size_t body_limit;      /* [server] body_limit in bytes */
    unsigned timeout_s;     /* [server] timeout_s */
    const char *plugin_dir; /* default TW_TEST_PLUGIN_DIR */
    bool manual_migrations; /* auto_migrate = off instead of on */
} tw_test_options_t;

typedef struct tw_test_server {
    pid_t pid;
    unsigned port;
    char dir[256];         /* temporary folder of this server */
    char config_path[512]; /* the INI file written there */
    char log_path[512];    /* the server's stderr */
} tw_test_server_t;

/* Writes an INI file for `db_url` and `opts` into a new temporary folder
 * (auto_migrate on unless opts->manual_migrations) without starting
 * anything; 0 on success. */
int tw_test_config_write(tw_test_server_t *srv, const char *db_url,
                         const tw_test_options_t *opts);

/* tw_test_config_write, then `tradewind serve`, waiting until /healthz
 * answers (at most 20 s); 0 on success. */
int tw_test_server_start(tw_test_server_t *srv, const char *db_url,
                         const tw_test_options_t *opts);

/* Stops the server with SIGTERM, waits for it and removes its folder. */
void tw_test_server_stop(tw_test_server_t *srv);

/* Runs `tradewind ARGS... --config CONFIG` (args NULL-terminated) with
 * `input` on standard input (may be NULL).  Returns the exit status and
 * sets *output (malloc'd, stdout and stderr together; may be NULL). */
int tw_test_run(const char *config_path, const char *input, char **output,
                ...) __attribute__((sentinel));

typedef struct tw_test_response {
    int status;        /* 0 when no answer came */
    char *headers;     /* raw header block */
    char *body;        /* NUL-terminated */
    size_t body_len;
    json_t *json;      /* parsed body, or NULL */
} tw_test_response_t;

/* Sends one request to 127.0.0.1:port and reads the whole answer.
 * `token` adds "Authorization: Bearer ..."; `body` may be NULL.  Extra
 * headers ("Name: value\r\n" lines) may be NULL.  0 on success. */
int tw_test_http(unsigned port, const char *method, const char *path,
                 const char *token, const char *extra_headers,
                 const char *body, tw_test_response_t *res);
void tw_test_response_free(tw_test_response_t *res);

/* The value of header `name` in res (case-insensitive), malloc'd, or
 * NULL. */
char *tw_test_header(const tw_test_response_t *res, const char *name);

/* Adds a user with `tradewind user add` (password on stdin); 0 on
 * success.  `roles` is a comma-separated list. */
int tw_test_add_user(const tw_test_server_t *srv, const char *login,
                     const char *password, const char *branch,
                     const char *roles);

/* Logs in through POST /api/v1/sessions; returns the token (malloc'd) or
 * NULL. */
char *tw_test_login(const tw_test_server_t *srv, const char *login,
                    const char *password);

/* The asserting shortcuts below fail the running test (cmocka) instead
 * of returning an error. */

/* Creates a database and starts a server on it with `opts` (may be
 * NULL): a group set-up's first step. */
void tw_test_serve(tw_test_db_t *db, tw_test_server_t *srv,
                   const tw_test_options_t *opts);

/* A group tear-down's step: stops the server should a failed test have
 * left it running, removes its folder (also after tw_test_config_write
 * alone) and drops `db` (may be NULL). */
void tw_test_finish(tw_test_db_t *db, tw_test_server_t *srv);

/* The last test of a group: stops the server, failing unless it stops
 * cleanly (a failing group tear-down is not counted). */
void tw_test_stop(tw_test_server_t *srv);

/* Sends a request (see tw_test_http) and asserts its status, printing
 * the body when it differs.  Returns the JSON body, a new reference or
 * NULL when there is none. */
json_t *tw_test_call(const tw_test_server_t *srv, const char *method,
                     const char *path, const char *token,
                     const char *extra_headers, const char *body,
                     int expected_status);

/* tw_test_call() of a request that must be refused with
 * `expected_status` and error code `expected_code`.  Returns the "error"
 * object, a new reference. */
json_t *tw_test_refusal(const tw_test_server_t *srv, const char *method,
                        const char *path, const char *token,
                        const char *body, int expected_status,
                        const char *expected_code);

/* tw_test_add_user() and tw_test_login(), asserting both; returns the
 * token (malloc'd). */
char *tw_test_user(const tw_test_server_t *srv, const char *login,
                   const char *password, const char *branch,
                   const char *roles);

/* Runs `sql` with the one parameter `param` (may be NULL) on `db` over a
 * connection of its own, asserting that it answers one row; returns the
 * first value (malloc'd). */
char *tw_test_db_value(const tw_test_db_t *db, const char *sql,
                       const char *param);

/* Asserts that tw_test_db_value() of `sql` and `param` is `expected`. */
void tw_test_db_expect(const tw_test_db_t *db, const char *sql,
                       const char *param, const char *expected);

/* The fixture of a test of the command-line tools: a database and a
 * configuration for it, no server.  A test's own state may start with
 * one and add fields after it. */
typedef struct tw_test_cli {
    tw_test_db_t db;
    tw_test_server_t srv; /* only its configuration and folder are used */
} tw_test_cli_t;

/* A group set-up's first step for such a test: *state becomes a zeroed
 * block of `size` bytes (a tw_test_cli_t or a struct starting with one)
 * holding a new database and a configuration for it written with `opts`
 * (may be NULL).  Returns *state. */
void *tw_test_cli_setup(void **state, size_t size,
                        const tw_test_options_t *opts);

/* The group tear-down of tw_test_cli_setup(): drops the database,
 * removes the folder and frees *state.  Returns 0. */
int tw_test_cli_teardown(void **state);

/* Asserts that a tw_test_run() of `tradewind ARGS` (`args` says them in
 * the failure message) exited with `expected`; prints its output when
 * not.  Returns `output`, which it frees before failing. */
char *tw_test_cli_expect(int status, int expected, char *output,
                         const char *args);

/* Writes <dir>/<rel> through a rename, as an editor saving atomically
 * does, after creating the folders of <rel> that are missing. */
void tw_test_save_file(const char *dir, const char *rel, const char *text);

/* Removes the folder `dir` with what it holds (nothing when `dir` is
 * empty); says so on stderr and returns -1 when that fails. */
int tw_test_remove_dir(const char *dir);

/* The SHA-256 of `text` as 64 lower-case hex digits and a NUL: the
 * content hash the rules engine reports for a script. */
void tw_test_sha256_hex(const char *text, char hex[65]);

/* A private PostgreSQL cluster for tests that stop the database. */
typedef struct tw_test_cluster {
    char dir[256];
    char url[512]; /* conninfo of its "postgres" database */
} tw_test_cluster_t;

/* tools/pg start in a new temporary folder; 0 on success. */
int tw_test_cluster_start(tw_test_cluster_t *cluster);
int tw_test_cluster_stop(tw_test_cluster_t *cluster);    /* keeps data */
int tw_test_cluster_restart(tw_test_cluster_t *cluster); /* after stop */
void tw_test_cluster_destroy(tw_test_cluster_t *cluster);

#endif
