/*
 * http_client.c - a small HTTP/1.1 client for the tests: one request per
 * connection to 127.0.0.1 (Connection: close), the whole answer read until
 * the server closes, chunked bodies decoded, JSON bodies parsed.
 *
 * Blocking sockets with 5 s timeouts, so a hung server fails a test
 * instead of hanging it.  A refused connection is silent (the harness
 * polls a starting server that way); other failures are printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

#define TW_TEST_HTTP_TIMEOUT_S 5


static int
tw_test_http_connect(unsigned port)
{
    struct timeval tv = {TW_TEST_HTTP_TIMEOUT_S, 0};
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        print_error("socket: %s\n", strerror(errno));
        return -1;
    }

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}


static int
tw_test_http_format(tw_test_buf_t *req, unsigned port, const char *method,
                    const char *path, const char *token,
                    const char *extra_headers, const char *body)
{
    int rc = tw_test_buf_printf(req,
                                "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                "Connection: close\r\n",
                                method, path, port);

    if (token != NULL) {
        rc |= tw_test_buf_printf(req, "Authorization: Bearer %s\r\n", token);
    }
    if (extra_headers != NULL) {
        rc |= tw_test_buf_printf(req, "%s", extra_headers);
    }
    if (body != NULL) {
        rc |= tw_test_buf_printf(req,
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: %zu\r\n",
                                 strlen(body));
    }

    rc |= tw_test_buf_printf(req, "\r\n%s", body ? body : "");
    return rc;
}


/* Sends the request.  A server may answer (413) and close before taking
 * all of it, so a failed send is not an error by itself: the caller
 * still reads the answer. */
static void
tw_test_http_send(int fd, const tw_test_buf_t *req)
{
    size_t done = 0;
    ssize_t n;

    while (done < req->len) {
        n = send(fd, req->data + done, req->len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        done += (size_t)n;
    }
}


/* Reads until the server closes.  A reset after some bytes ends the
 * answer (the server closed with part of our request unread). */
static int
tw_test_http_receive(int fd, tw_test_buf_t *raw)
{
    char chunk[8192];
    ssize_t n;

    for (;;) {
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET && raw->len > 0)) {
            return 0;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            print_error("http: no complete answer: %s\n", strerror(errno));
            return -1;
        }
        if (tw_test_buf_append(raw, chunk, (size_t)n) != 0) {
            return -1;
        }
    }
}


/* Decodes a chunked body of `n` bytes at `p` into `out`; -1 if cut. */
static int
tw_test_http_unchunk(const char *p, size_t n, tw_test_buf_t *out)
{
    const char *eol;
    size_t size, head;

    for (;;) {
        eol = memmem(p, n, "\r\n", 2);
        if (eol == NULL) {
            return -1;
        }

        size = strtoul(p, NULL, 16);
        head = (size_t)(eol - p) + 2;
        if (size == 0) {
            return 0;
        }
        if (head + size + 2 > n ||
            tw_test_buf_append(out, p + head, size) != 0) {
            return -1;
        }

        p += head + size + 2;
        n -= head + size + 2;
    }
}


/* Fills res->body from the bytes after the header block. */
static int
tw_test_http_body(tw_test_response_t *res, const char *p, size_t n)
{
    tw_test_buf_t body = {0};
    char *te = tw_test_header(res, "Transfer-Encoding");
    char *cl = tw_test_header(res, "Content-Length");
    int rc = 0;

    if (te != NULL && strcasestr(te, "chunked") != NULL) {
        rc = tw_test_http_unchunk(p, n, &body);
    } else {
        if (cl != NULL && strtoull(cl, NULL, 10) < n) {
            n = (size_t)strtoull(cl, NULL, 10);
        }
        rc = tw_test_buf_append(&body, p, n);
    }
    free(te);
    free(cl);

    res->body = body.data ? body.data : strdup("");
    res->body_len = body.len;
    return rc == 0 && res->body != NULL ? 0 : -1;
}


static int
tw_test_http_parse(const tw_test_buf_t *raw, tw_test_response_t *res)
{
    const char *end = memmem(raw->data, raw->len, "\r\n\r\n", 4);
    const char *first_eol = memmem(raw->data, raw->len, "\r\n", 2);

    if (end == NULL || sscanf(raw->data, "HTTP/1.%*d %d", &res->status) != 1) {
        print_error("http: malformed answer: %.200s\n", raw->data);
        return -1;
    }

    /* The header lines, each ending in CRLF, without the status line. */
    res->headers = strndup(first_eol + 2, (size_t)(end - first_eol));
    if (res->headers == NULL) {
        return -1;
    }

    end += 4;
    if (tw_test_http_body(res, end, raw->len - (size_t)(end - raw->data)) !=
        0) {
        return -1;
    }

    if (res->body_len > 0) {
        res->json = json_loadb(res->body, res->body_len, JSON_DECODE_ANY, NULL);
    }
    return 0;
}


int
tw_test_http(unsigned port, const char *method, const char *path,
             const char *token, const char *extra_headers, const char *body,
             tw_test_response_t *res)
{
    tw_test_buf_t req = {0}, raw = {0};
    int fd, rc = -1;

    memset(res, 0, sizeof(*res));
    fd = tw_test_http_connect(port);
    if (fd < 0) {
        return -1;
    }

    if (tw_test_http_format(&req, port, method, path, token, extra_headers,
                            body) == 0) {
        tw_test_http_send(fd, &req);
        if (tw_test_http_receive(fd, &raw) == 0 && raw.len > 0) {
            rc = tw_test_http_parse(&raw, res);
        }
    }

    close(fd);
    free(req.data);
    free(raw.data);
    if (rc != 0) {
        tw_test_response_free(res);
    }
    return rc;
}


void
tw_test_response_free(tw_test_response_t *res)
{
    free(res->headers);
    free(res->body);
    json_decref(res->json);
    memset(res, 0, sizeof(*res));
}


char *
tw_test_header(const tw_test_response_t *res, const char *name)
{
    size_t len = strlen(name);
    const char *line = res->headers, *value, *eol;

    while (line != NULL && *line != '\0') {
        eol = strstr(line, "\r\n");
        if (eol == NULL) {
            return NULL;
        }

        if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
            value = line + len + 1;
            value += strspn(value, " \t");
            while (eol > value && (eol[-1] == ' ' || eol[-1] == '\t')) {
                eol--;
            }
            return strndup(value, (size_t)(eol - value));
        }
        line = eol + 2;
    }
    return NULL;
}
