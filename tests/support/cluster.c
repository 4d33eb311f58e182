/*
 * cluster.c - a private PostgreSQL cluster for tests that stop and
 * restart the database (outages), driven through tools/pg.
 *
 * The cluster lives in its own /tmp folder, which belongs to the
 * `tradewind` user when the tests run as root (PostgreSQL refuses root).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

#define TW_TEST_PG_TOOL TW_SOURCE_DIR "/tools/pg"


/* Runs `tools/pg <command> [--fast] <dir>`; 0 on success. */
static int
tw_test_pg_tool(const char *command, const char *dir)
{
    char *argv[5];
    char *output = NULL;
    size_t n = 0;
    int status;

    argv[n++] = (char *)TW_TEST_PG_TOOL;
    argv[n++] = (char *)command;
    if (strcmp(command, "start") == 0) {
        argv[n++] = (char *)"--fast";
    }
    argv[n++] = (char *)dir;
    argv[n] = NULL;

    status = tw_test_spawn_wait(argv, NULL, &output);
    if (status != 0) {
        print_error("tools/pg %s %s failed (%d):\n%s", command, dir, status,
                    output ? output : "");
    }
    free(output);
    return status == 0 ? 0 : -1;
}


/* PostgreSQL will not run as root: tools/pg runs it as `tradewind`,
 * which must own the folder. */
static int
tw_test_give_dir(const char *dir)
{
    struct passwd *pw;

    if (geteuid() != 0) {
        return 0;
    }

    pw = getpwnam("tradewind");
    if (pw == NULL || chown(dir, pw->pw_uid, pw->pw_gid) != 0) {
        print_error("cannot hand %s to user tradewind: %s\n", dir,
                    pw ? strerror(errno) : "no such user");
        return -1;
    }
    return 0;
}


int
tw_test_cluster_start(tw_test_cluster_t *cluster)
{
    memset(cluster, 0, sizeof(*cluster));
    if (tw_test_make_dir(cluster->dir, sizeof(cluster->dir), "tw-pg.") != 0) {
        return -1;
    }

    if (tw_test_give_dir(cluster->dir) != 0 ||
        tw_test_conninfo(cluster->url, sizeof(cluster->url), cluster->dir,
                         "tradewind", "postgres") != 0 ||
        tw_test_pg_tool("start", cluster->dir) != 0) {
        tw_test_remove_tree(cluster->dir);
        cluster->dir[0] = '\0';
        return -1;
    }

    return 0;
}


int
tw_test_cluster_stop(tw_test_cluster_t *cluster)
{
    return tw_test_pg_tool("stop", cluster->dir);
}


int
tw_test_cluster_restart(tw_test_cluster_t *cluster)
{
    return tw_test_pg_tool("start", cluster->dir);
}


void
tw_test_cluster_destroy(tw_test_cluster_t *cluster)
{
    if (cluster->dir[0] == '\0') {
        return;
    }

    tw_test_pg_tool("stop", cluster->dir);
    tw_test_remove_tree(cluster->dir);
    cluster->dir[0] = '\0';
}
