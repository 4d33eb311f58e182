/*
 * server.c - a real `tradewind serve` process per test: its INI file in a
 * private /tmp folder, start-up until /healthz answers, a clean stop, and
 * the two things most scenarios need first: a user and a login.
 *
 * A server that crashes, leaks (AddressSanitizer aborts at exit) or
 * ignores SIGTERM fails the test that stops it.  cmocka does not count a
 * failing group teardown, so such a failure also makes the test program
 * exit 1 (an atexit check) wherever tw_test_server_stop() was called.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

#define TW_TEST_READY_MS 20000
#define TW_TEST_POLL_MS 50
#define TW_TEST_STOP_MS 10000
#define TW_TEST_MAX_ROLES 16

static bool tw_test_unclean_stop;


static void
tw_test_exit_check(void)
{
    if (tw_test_unclean_stop) {
        fprintf(stderr, "a tradewind server stopped uncleanly: failing\n");
        _exit(1);
    }
}


/* A port nobody listens on now: bind port 0, read it back, close. */
static unsigned
tw_test_free_port(void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
        port = ntohs(addr.sin_port);
    } else {
        print_error("cannot find a free port: %s\n", strerror(errno));
    }

    if (fd >= 0) {
        close(fd);
    }
    return port;
}


/* The INI text for `opts`; see harness.h for the defaults. */
static int
tw_test_config_text(tw_test_buf_t *ini, unsigned port, const char *db_url,
                    const tw_test_options_t *opts)
{
    int rc = tw_test_buf_printf(
        ini,
        "[server]\nlisten = 127.0.0.1\nport = %u\nthreads = 4\n"
        "timeout_s = %u\nplugin_dir = %s\n",
        port, opts->timeout_s ? opts->timeout_s : 10,
        opts->plugin_dir ? opts->plugin_dir : TW_TEST_PLUGIN_DIR);

    if (opts->body_limit != 0) {
        rc |= tw_test_buf_printf(ini, "body_limit = %zu\n", opts->body_limit);
    }

    rc |= tw_test_buf_printf(ini, "\n[database]\n");
    if (db_url != NULL) {
        rc |= tw_test_buf_printf(ini, "url = %s\n", db_url);
    }
    rc |= tw_test_buf_printf(ini, "pool_size = 8\nauto_migrate = %s\n",
                             opts->manual_migrations ? "off" : "on");

    if (opts->session_ttl_s != 0) {
        rc |= tw_test_buf_printf(ini, "\n[auth]\nsession_ttl_s = %u\n",
                                 opts->session_ttl_s);
    }

    rc |= tw_test_buf_printf(ini, "\n[log]\nlevel = info\n\n[modules]\n%s\n%s",
                             opts->modules ? opts->modules : "",
                             opts->extra ? opts->extra : "");
    return rc;
}


static int
tw_test_write_file(const char *path, const tw_test_buf_t *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        print_error("cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }

    fwrite(text->data, 1, text->len, f);
    if (fclose(f) != 0) {
        print_error("cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}


int
tw_test_config_write(tw_test_server_t *srv, const char *db_url,
                     const tw_test_options_t *opts)
{
    static const tw_test_options_t defaults;
    tw_test_buf_t ini = {0};
    int rc;

    memset(srv, 0, sizeof(*srv));

    /* It would override the url written below, in every child. */
    unsetenv("TRADEWIND_DATABASE_URL");

    srv->port = tw_test_free_port();
    if (srv->port == 0 ||
        tw_test_make_dir(srv->dir, sizeof(srv->dir), "tw-srv.") != 0) {
        return -1;
    }

    snprintf(srv->config_path, sizeof(srv->config_path), "%s/tradewind.ini",
             srv->dir);
    snprintf(srv->log_path, sizeof(srv->log_path), "%s/server.log", srv->dir);

    rc = tw_test_config_text(&ini, srv->port, db_url, opts ? opts : &defaults);
    if (rc == 0) {
        rc = tw_test_write_file(srv->config_path, &ini);
    }
    free(ini.data);
    return rc;
}


/* Polls /healthz until it answers 200; -1 when the server exits first
 * or does not answer in time. */
static int
tw_test_server_wait_ready(tw_test_server_t *srv)
{
    tw_test_response_t res;
    unsigned waited;
    int wstatus, status;

    for (waited = 0; waited < TW_TEST_READY_MS; waited += TW_TEST_POLL_MS) {
        if (waitpid(srv->pid, &wstatus, WNOHANG) == srv->pid) {
            print_error("tradewind serve exited during start-up\n");
            srv->pid = 0;
            return -1;
        }

        if (tw_test_http(srv->port, "GET", "/healthz", NULL, NULL, NULL,
                         &res) == 0) {
            status = res.status;
            tw_test_response_free(&res);
            if (status == 200) {
                return 0;
            }
        }
        tw_test_sleep_ms(TW_TEST_POLL_MS);
    }

    print_error("tradewind serve: no /healthz answer within %d ms\n",
                TW_TEST_READY_MS);
    return -1;
}


/* Ends the process (if any) without judging it and removes the folder. */
static void
tw_test_server_discard(tw_test_server_t *srv)
{
    if (srv->pid > 0) {
        kill(srv->pid, SIGKILL);
        waitpid(srv->pid, NULL, 0);
        srv->pid = 0;
    }

    tw_test_remove_tree(srv->dir);
    srv->dir[0] = '\0';
}


int
tw_test_server_start(tw_test_server_t *srv, const char *db_url,
                     const tw_test_options_t *opts)
{
    static bool check_registered;
    char *argv[] = {(char *)TW_TEST_BINARY, (char *)"serve", (char *)"--config",
                    srv->config_path, NULL};

    if (!check_registered) {
        atexit(tw_test_exit_check);
        check_registered = true;
    }

    if (tw_test_config_write(srv, db_url, opts) != 0) {
        tw_test_server_discard(srv);
        return -1;
    }

    srv->pid = tw_test_spawn_logged(argv, srv->log_path);
    if (srv->pid < 0 || tw_test_server_wait_ready(srv) != 0) {
        tw_test_print_file("server log", srv->log_path);
        tw_test_server_discard(srv);
        return -1;
    }
    return 0;
}


/* Describes how the server ended; false unless it exited with 0. */
static bool
tw_test_describe_exit(int wstatus, char *buf, size_t size)
{
    if (WIFEXITED(wstatus)) {
        snprintf(buf, size, "exit status %d", WEXITSTATUS(wstatus));
        return WEXITSTATUS(wstatus) == 0;
    }

    snprintf(buf, size, "signal %d (%s)", WTERMSIG(wstatus),
             strsignal(WTERMSIG(wstatus)));
    return false;
}


void
tw_test_server_stop(tw_test_server_t *srv)
{
    char how[96] = "not stopped within 10 s, killed";
    bool clean = false;
    int wstatus;

    if (srv->pid <= 0) {
        tw_test_server_discard(srv);
        return;
    }

    kill(srv->pid, SIGTERM);
    if (tw_test_wait_ms(srv->pid, TW_TEST_STOP_MS, &wstatus) == 0) {
        srv->pid = 0;
        clean = tw_test_describe_exit(wstatus, how, sizeof(how));
    }

    if (!clean) {
        tw_test_print_file("server log", srv->log_path);
        tw_test_unclean_stop = true;
    }
    tw_test_server_discard(srv);

    if (!clean) {
        fail_msg("tradewind serve stopped uncleanly: %s", how);
    }
}


/* Fills argv with `tradewind user add LOGIN --branch B --role R...
 * --config PATH`, splitting the comma-separated `roles` in place; -1 when
 * there are too many roles. */
static int
tw_test_user_argv(char **argv, const tw_test_server_t *srv, const char *login,
                  const char *branch, char *roles)
{
    char *role, *save = NULL;
    size_t n = 0, count = 0;

    argv[n++] = (char *)TW_TEST_BINARY;
    argv[n++] = (char *)"user";
    argv[n++] = (char *)"add";
    argv[n++] = (char *)login;
    argv[n++] = (char *)"--branch";
    argv[n++] = (char *)branch;

    for (role = strtok_r(roles, ",", &save); role != NULL;
         role = strtok_r(NULL, ",", &save)) {
        if (++count > TW_TEST_MAX_ROLES) {
            print_error("tw_test_add_user: more than %d roles\n",
                        TW_TEST_MAX_ROLES);
            return -1;
        }
        argv[n++] = (char *)"--role";
        argv[n++] = role;
    }

    argv[n++] = (char *)"--config";
    argv[n++] = (char *)srv->config_path;
    argv[n] = NULL;
    return 0;
}


int
tw_test_add_user(const tw_test_server_t *srv, const char *login,
                 const char *password, const char *branch, const char *roles)
{
    char *argv[9 + 2 * TW_TEST_MAX_ROLES];
    char *list = strdup(roles), *input = NULL, *output = NULL;
    int status = -1;

    if (list != NULL && asprintf(&input, "%s\n", password) >= 0 &&
        tw_test_user_argv(argv, srv, login, branch, list) == 0) {
        status = tw_test_spawn_wait(argv, input, &output);
    }

    if (status != 0) {
        print_error("tradewind user add %s failed (%d):\n%s", login, status,
                    output ? output : "");
    }

    free(output);
    free(input);
    free(list);
    return status == 0 ? 0 : -1;
}


char *
tw_test_login(const tw_test_server_t *srv, const char *login,
              const char *password)
{
    json_t *req = json_pack("{s:s, s:s}", "login", login, "password", password);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    tw_test_response_t res;
    json_t *token;
    char *copy = NULL;

    if (body != NULL && tw_test_http(srv->port, "POST", "/api/v1/sessions",
                                     NULL, NULL, body, &res) == 0) {
        token = json_object_get(res.json, "token");
        if (res.status / 100 == 2 && json_is_string(token)) {
            copy = strdup(json_string_value(token));
        } else {
            print_error("login %s: status %d: %s\n", login, res.status,
                        res.body);
        }
        tw_test_response_free(&res);
    }

    free(body);
    json_decref(req);
    return copy;
}
