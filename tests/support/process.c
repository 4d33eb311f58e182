/*
 * process.c - child processes of the test harness: `tradewind` commands
 * run to completion with their output collected, servers started in the
 * background with a log file, and bounded waiting.
 *
 * Pipes are created close-on-exec, so a child inherits only its standard
 * streams.  SIGPIPE is ignored in the test process: a child that exits
 * without reading its input must not kill the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

/* Room for the arguments of one tw_test_run() call. */
#define TW_TEST_MAX_ARGS 64


/* In the child: wires the standard streams and replaces the process. */
static _Noreturn void
tw_test_exec_child(char *const argv[], int in_fd, int out_fd)
{
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(out_fd, STDERR_FILENO) < 0) {
        _exit(127);
    }

    execv(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}


static int
tw_test_exit_code(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        return WEXITSTATUS(wstatus);
    }
    return 128 + WTERMSIG(wstatus);
}


/* Writes what the child can take without blocking (at most PIPE_BUF
 * bytes after POLLOUT); closes its standard input after the last byte. */
static void
tw_test_feed(struct pollfd *fd, const char **input, size_t *left)
{
    size_t chunk = *left < PIPE_BUF ? *left : PIPE_BUF;
    ssize_t n = write(fd->fd, *input, chunk);

    if (n > 0) {
        *input += n;
        *left -= (size_t)n;
    }

    if ((n < 0 && errno != EINTR) || *left == 0) {
        close(fd->fd);
        fd->fd = -1;
    }
}


/* Reads what the child wrote; closes the pipe at end of file. */
static void
tw_test_drain(struct pollfd *fd, tw_test_buf_t *out)
{
    char chunk[4096];
    ssize_t n = read(fd->fd, chunk, sizeof(chunk));

    if (n > 0 && tw_test_buf_append(out, chunk, (size_t)n) == 0) {
        return;
    }
    if (n < 0 && errno == EINTR) {
        return;
    }

    close(fd->fd);
    fd->fd = -1;
}


/* Feeds `input` to the child and collects its output until it closes
 * standard output.  Closes both descriptors; -1 if poll fails. */
static int
tw_test_pump(int in_fd, int out_fd, const char *input, tw_test_buf_t *out)
{
    size_t left = input ? strlen(input) : 0;
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int rc = 0;

    if (left == 0) {
        close(in_fd);
        fds[1].fd = -1;
    }

    while (fds[0].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -1;
            break;
        }

        if (fds[1].fd >= 0 && fds[1].revents != 0) {
            tw_test_feed(&fds[1], &input, &left);
        }
        if (fds[0].revents != 0) {
            tw_test_drain(&fds[0], out);
        }
    }

    for (size_t i = 0; i < 2; i++) {
        if (fds[i].fd >= 0) {
            close(fds[i].fd);
        }
    }
    return rc;
}


/* The child's standard input and output, both close-on-exec. */
static int
tw_test_open_pipes(int in_pipe[2], int out_pipe[2])
{
    if (pipe2(in_pipe, O_CLOEXEC) != 0) {
        print_error("pipe: %s\n", strerror(errno));
        return -1;
    }

    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        print_error("pipe: %s\n", strerror(errno));
        close(in_pipe[0]);
        close(in_pipe[1]);
        return -1;
    }

    return 0;
}


int
tw_test_spawn_wait(char *const argv[], const char *input, char **output)
{
    int in_pipe[2], out_pipe[2], wstatus = 0;
    tw_test_buf_t out = {0};
    pid_t pid;

    signal(SIGPIPE, SIG_IGN);
    if (tw_test_open_pipes(in_pipe, out_pipe) != 0) {
        return -1;
    }

    pid = fork();
    if (pid == 0) {
        tw_test_exec_child(argv, in_pipe[0], out_pipe[1]);
    }

    close(in_pipe[0]);
    close(out_pipe[1]);
    if (pid < 0) {
        print_error("fork: %s\n", strerror(errno));
        close(in_pipe[1]);
        close(out_pipe[0]);
        return -1;
    }

    if (tw_test_pump(in_pipe[1], out_pipe[0], input, &out) != 0) {
        print_error("poll: %s\n", strerror(errno));
        kill(pid, SIGKILL);
    }
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }

    if (output != NULL) {
        *output = out.data ? out.data : strdup("");
    } else {
        free(out.data);
    }
    return tw_test_exit_code(wstatus);
}


pid_t
tw_test_spawn_logged(char *const argv[], const char *log_path)
{
    int log_fd, null_fd;
    pid_t parent = getpid(), pid;

    log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        print_error("open %s: %s\n", log_path, strerror(errno));
        return -1;
    }
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    pid = fork();
    if (pid == 0) {
        /* A crashed test must not leave its server running. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        tw_test_exec_child(argv, null_fd, log_fd);
    }

    if (pid < 0) {
        print_error("fork: %s\n", strerror(errno));
    }
    close(log_fd);
    close(null_fd);
    return pid;
}


int
tw_test_wait_ms(pid_t pid, unsigned timeout_ms, int *wstatus)
{
    unsigned waited = 0;
    pid_t r;

    for (;;) {
        r = waitpid(pid, wstatus, WNOHANG);
        if (r == pid) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (waited >= timeout_ms) {
            return -1;
        }

        tw_test_sleep_ms(10);
        waited += 10;
    }
}


int
tw_test_run(const char *config_path, const char *input, char **output, ...)
{
    char *argv[TW_TEST_MAX_ARGS + 4];
    size_t n = 0;
    const char *arg;
    va_list ap;

    argv[n++] = (char *)TW_TEST_BINARY;
    va_start(ap, output);
    while ((arg = va_arg(ap, const char *)) != NULL) {
        if (n == TW_TEST_MAX_ARGS) {
            va_end(ap);
            fail_msg("tw_test_run: more than %d arguments",
                     TW_TEST_MAX_ARGS - 1);
        }
        argv[n++] = (char *)arg;
    }
    va_end(ap);

    argv[n++] = (char *)"--config";
    argv[n++] = (char *)config_path;
    argv[n] = NULL;
    return tw_test_spawn_wait(argv, input, output);
}
