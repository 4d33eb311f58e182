/*
 * cli_identity.c - `tradewind user ...` and `tradewind branch ...`.
 *
 * Each change runs in one transaction with its audit row (login "cli",
 * headquarters' branch), as the database owner: the command line is the
 * administrator's tool and is not isolated by branch.  Exit codes: 0 ok,
 * 1 runtime failure (database, unknown branch, duplicate), 2 bad usage.
 * Argon2id hashing happens once, before the transaction, which may rerun.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "branch.h"
#include "cli.h"
#include "identity.h"
#include "identity_internal.h"
#include "password.h"
#include "user.h"

/* tw_cli_parse(): the options are parsed, go on. */
#define TW_CLI_CONTINUE (-1)

static const char tw_cli_user_usage[] =
    "usage: tradewind user add LOGIN --branch CODE --role ROLE "
    "[--role ROLE...]\n"
    "       tradewind user list\n"
    "add reads the password from the first line of standard input "
    "(at least 8 characters).\n";

static const char tw_cli_branch_usage[] =
    "usage: tradewind branch add CODE --name NAME --parent CODE\n"
    "       tradewind branch list\n"
    "CODE is an upper-case letter followed by up to 31 of A-Z, 0-9, _.\n";

const tw_user_t tw_cli_actor = {0, "cli", 0, NULL, NULL, 0};

/* A subcommand: argv[0] is its name. */
typedef struct tw_cli_sub {
    const char *name;
    int (*fn)(tw_pool_t *pool, int argc, char **argv);
} tw_cli_sub_t;

/* Receives one parsed option; false refuses its value. */
typedef bool (*tw_cli_option_fn)(void *ctx, int option, char *value);

typedef struct tw_cli_user_add {
    tw_cli_tx_t tx; /* first: the transaction sees it as a tw_cli_tx_t */
    tw_user_spec_t spec;
    const char **roles;
    char hash[TW_PASSWORD_HASH_SIZE];
    int64_t id;
} tw_cli_user_add_t;

typedef struct tw_cli_branch_add {
    tw_cli_tx_t tx; /* first, as above */
    const char *code;
    const char *name;
    const char *parent;
    int64_t id;
} tw_cli_branch_add_t;


void
tw_cli_tx_failed(tw_cli_tx_t *tx, tw_db_t *db)
{
    snprintf(tx->db_error, sizeof tx->db_error, "%s", tw_db_message(db));
}


int
tw_cli_transact(tw_pool_t *pool, const char *command, tw_tx_fn fn,
                tw_cli_tx_t *tx)
{
    tx->err[0] = '\0';
    tx->db_error[0] = '\0';

    tw_rc_t rc = tw_db_transaction(pool, fn, tx);

    if (rc == TW_OK) {
        return TW_EXIT_OK;
    }
    if (tx->err[0] != '\0') {
        fprintf(stderr, "tradewind %s: %s\n", command, tx->err);
        return rc == TW_ERR_INVALID ? TW_EXIT_USAGE : TW_EXIT_FAILURE;
    }
    fprintf(stderr, "tradewind %s: %s\n", command,
            tx->db_error[0] != '\0' ? tx->db_error
            : rc == TW_ERR_UNAVAILABLE ? "the database is unavailable"
                                       : "the change failed");
    return TW_EXIT_FAILURE;
}


/* Runs the subcommand named by argv[1] of a command with `usage`. */
static int
tw_cli_dispatch(tw_pool_t *pool, int argc, char **argv,
                const tw_cli_sub_t *subs, const char *usage)
{
    const char *name = argc > 1 ? argv[1] : NULL;

    if (name != NULL &&
        (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)) {
        fputs(usage, stdout);
        return TW_EXIT_OK;
    }
    for (size_t i = 0; name != NULL && subs[i].name != NULL; i++) {
        if (strcmp(name, subs[i].name) == 0) {
            return subs[i].fn(pool, argc - 1, argv + 1);
        }
    }
    if (name != NULL) {
        fprintf(stderr, "tradewind %s: unknown subcommand '%s'\n", argv[0],
                name);
    }
    fputs(usage, stderr);
    return TW_EXIT_USAGE;
}


/* Parses the options of a subcommand; positional arguments are then
 * argv[*first] to argv[argc - 1].  Returns TW_CLI_CONTINUE, TW_EXIT_OK
 * after printing the usage for --help, or TW_EXIT_USAGE. */
static int
tw_cli_parse(int argc, char **argv, const struct option *options,
             tw_cli_option_fn fn, void *ctx, const char *usage, int *first)
{
    int option;

    optind = 0; /* GNU: start afresh, whatever parsed argv before */
    opterr = 0;
    while ((option = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (option == 'h') {
            fputs(usage, stdout);
            return TW_EXIT_OK;
        }
        if (option == '?' || option == ':' || !fn(ctx, option, optarg)) {
            fprintf(stderr, "tradewind: bad option or missing value: %s\n%s",
                    argv[optind - 1], usage);
            return TW_EXIT_USAGE;
        }
    }
    *first = optind;
    return TW_CLI_CONTINUE;
}


/* Reads the first line of standard input without its line end; NULL at
 * end of input. */
static char *
tw_cli_read_line(void)
{
    char *line = NULL;
    size_t size = 0;

    if (getline(&line, &size, stdin) < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}


/* Prints every item `fetch` returns with `print`, under `header`. */
static int
tw_cli_list(tw_pool_t *pool, const char *command,
            json_t *(*fetch)(tw_db_t *db), void (*print)(json_t *item),
            const char *header)
{
    tw_db_t *db = tw_pool_acquire(pool);
    json_t *items = db != NULL ? fetch(db) : NULL;
    json_t *item;
    size_t i;

    if (items == NULL) {
        fprintf(stderr, "tradewind %s: %s\n", command,
                db != NULL ? tw_db_message(db)
                           : "the database is unavailable");
    }
    if (db != NULL) {
        tw_pool_release(pool, db);
    }
    if (items == NULL) {
        return TW_EXIT_FAILURE;
    }
    fputs(header, stdout);
    json_array_foreach(items, i, item) {
        print(item);
    }
    json_decref(items);
    return TW_EXIT_OK;
}


/* A list subcommand takes no arguments but --help. */
static int
tw_cli_list_args(int argc, char **argv, const char *usage)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int first = 0;
    int rc = tw_cli_parse(argc, argv, options, NULL, NULL, usage, &first);

    if (rc == TW_CLI_CONTINUE && first < argc) {
        fprintf(stderr, "tradewind: unexpected argument '%s'\n%s",
                argv[first], usage);
        return TW_EXIT_USAGE;
    }
    return rc;
}

/* {======================================================================
 * tradewind user
 * ======================================================================*/


static bool
tw_cli_user_option(void *ctx, int option, char *value)
{
    tw_cli_user_add_t *add = ctx;

    if (option == 'b') {
        add->spec.branch = value;
    } else {
        add->roles[add->spec.role_count++] = value;
    }
    return true;
}


static tw_rc_t
tw_cli_user_add_tx(tw_db_t *db, void *ctx)
{
    tw_cli_user_add_t *add = ctx;
    tw_rc_t rc = tw_user_create(db, &add->spec, add->hash, &add->id,
                                add->tx.err, sizeof add->tx.err);

    if (rc == TW_OK) {
        rc = tw_audit_write(db, &tw_cli_actor, NULL, "create", "user",
                            add->spec.login);
    }
    if (rc != TW_OK) {
        tw_cli_tx_failed(&add->tx, db);
    }
    return rc;
}


/* Reads and checks the password, then checks the whole user; returns
 * TW_CLI_CONTINUE or TW_EXIT_USAGE. */
static int
tw_cli_user_check(tw_cli_user_add_t *add, char **password)
{
    char err[256];

    *password = tw_cli_read_line();
    add->spec.password = *password != NULL ? *password : "";
    if (tw_user_check(&add->spec, err, sizeof err) != TW_OK) {
        fprintf(stderr, "tradewind user add: %s\n", err);
        return TW_EXIT_USAGE;
    }
    if (sodium_init() < 0 ||
        tw_password_hash(add->spec.password, add->hash) != TW_OK) {
        fprintf(stderr, "tradewind user add: cannot hash the password\n");
        return TW_EXIT_FAILURE;
    }
    return TW_CLI_CONTINUE;
}


static int
tw_cli_user_add(tw_pool_t *pool, int argc, char **argv)
{
    static const struct option options[] = {
        {"branch", required_argument, NULL, 'b'},
        {"role", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tw_cli_user_add_t add = {.roles = calloc((size_t) argc, sizeof(char *))};
    char *password = NULL;
    int first = 0;
    int rc = add.roles == NULL ? TW_EXIT_FAILURE
             : tw_cli_parse(argc, argv, options, tw_cli_user_option, &add,
                            tw_cli_user_usage, &first);

    if (rc == TW_CLI_CONTINUE &&
        (first != argc - 1 || add.spec.branch == NULL ||
         add.spec.role_count == 0)) {
        fprintf(stderr, "tradewind user add: one LOGIN, --branch and at "
                "least one --role are required\n%s", tw_cli_user_usage);
        rc = TW_EXIT_USAGE;
    }
    if (rc == TW_CLI_CONTINUE) {
        add.spec.login = argv[first];
        add.spec.roles = add.roles;
        rc = tw_cli_user_check(&add, &password);
    }
    if (rc == TW_CLI_CONTINUE) {
        rc = tw_cli_transact(pool, "user add", tw_cli_user_add_tx, &add.tx);
    }
    if (rc == TW_EXIT_OK && add.id != 0) {
        printf("user '%s' added (id %" PRId64 ")\n", add.spec.login, add.id);
    }
    sodium_memzero(add.hash, sizeof add.hash);
    if (password != NULL) {
        sodium_memzero(password, strlen(password));
    }
    free(password);
    free(add.roles);
    return rc;
}


static json_t *
tw_cli_user_fetch(tw_db_t *db)
{
    return tw_user_list(db, 0, 0);
}


static void
tw_cli_user_print(json_t *user)
{
    json_t *roles = json_object_get(user, "roles");
    json_t *role;
    size_t i;

    printf("%-6" JSON_INTEGER_FORMAT " %-24s %-12s %-8s ",
           json_integer_value(json_object_get(user, "id")),
           json_string_value(json_object_get(user, "login")),
           json_string_value(json_object_get(user, "branch")),
           json_is_true(json_object_get(user, "active")) ? "yes" : "no");
    json_array_foreach(roles, i, role) {
        printf("%s%s", i > 0 ? "," : "", json_string_value(role));
    }
    putchar('\n');
}


static int
tw_cli_user_list(tw_pool_t *pool, int argc, char **argv)
{
    int rc = tw_cli_list_args(argc, argv, tw_cli_user_usage);

    if (rc != TW_CLI_CONTINUE) {
        return rc;
    }
    return tw_cli_list(pool, "user list", tw_cli_user_fetch,
                       tw_cli_user_print,
                       "ID     LOGIN                    BRANCH       ACTIVE"
                       "   ROLES\n");
}


int
tw_cli_user(tw_pool_t *pool, int argc, char **argv)
{
    static const tw_cli_sub_t subs[] = {
        {"add", tw_cli_user_add}, {"list", tw_cli_user_list}, {NULL, NULL}};

    return tw_cli_dispatch(pool, argc, argv, subs, tw_cli_user_usage);
}

/* }====================================================================== */

/* {======================================================================
 * tradewind branch
 * ======================================================================*/


static bool
tw_cli_branch_option(void *ctx, int option, char *value)
{
    tw_cli_branch_add_t *add = ctx;

    if (option == 'n') {
        add->name = value;
    } else {
        add->parent = value;
    }
    return true;
}


static tw_rc_t
tw_cli_branch_add_tx(tw_db_t *db, void *ctx)
{
    tw_cli_branch_add_t *add = ctx;
    tw_rc_t rc = tw_branch_create(db, add->code, add->name, add->parent, 0,
                                  &add->id, add->tx.err,
                                  sizeof add->tx.err);

    if (rc == TW_OK) {
        rc = tw_audit_write(db, &tw_cli_actor, NULL, "create", "branch",
                            add->code);
    }
    if (rc != TW_OK) {
        tw_cli_tx_failed(&add->tx, db);
    }
    return rc;
}


static int
tw_cli_branch_add(tw_pool_t *pool, int argc, char **argv)
{
    static const struct option options[] = {
        {"name", required_argument, NULL, 'n'},
        {"parent", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tw_cli_branch_add_t add = {0};
    int first = 0;
    int rc = tw_cli_parse(argc, argv, options, tw_cli_branch_option, &add,
                          tw_cli_branch_usage, &first);

    if (rc == TW_CLI_CONTINUE &&
        (first != argc - 1 || add.name == NULL || add.parent == NULL)) {
        fprintf(stderr, "tradewind branch add: one CODE, --name and "
                "--parent are required\n%s", tw_cli_branch_usage);
        rc = TW_EXIT_USAGE;
    }
    if (rc == TW_CLI_CONTINUE) {
        add.code = argv[first];
        rc = tw_cli_transact(pool, "branch add", tw_cli_branch_add_tx,
                             &add.tx);
    }
    if (rc == TW_EXIT_OK && add.id != 0) {
        printf("branch '%s' added (id %" PRId64 ")\n", add.code, add.id);
    }
    return rc;
}


static json_t *
tw_cli_branch_fetch(tw_db_t *db)
{
    return tw_branch_list(db, 0, 0, 0);
}


static void
tw_cli_branch_print(json_t *branch)
{
    json_t *parent = json_object_get(branch, "parent");

    printf("%-6" JSON_INTEGER_FORMAT " %-12s %-12s %s\n",
           json_integer_value(json_object_get(branch, "id")),
           json_string_value(json_object_get(branch, "code")),
           json_is_string(parent) ? json_string_value(parent) : "-",
           json_string_value(json_object_get(branch, "name")));
}


static int
tw_cli_branch_list(tw_pool_t *pool, int argc, char **argv)
{
    int rc = tw_cli_list_args(argc, argv, tw_cli_branch_usage);

    if (rc != TW_CLI_CONTINUE) {
        return rc;
    }
    return tw_cli_list(pool, "branch list", tw_cli_branch_fetch,
                       tw_cli_branch_print,
                       "ID     CODE         PARENT       NAME\n");
}


int
tw_cli_branch(tw_pool_t *pool, int argc, char **argv)
{
    static const tw_cli_sub_t subs[] = {
        {"add", tw_cli_branch_add}, {"list", tw_cli_branch_list},
        {NULL, NULL}};

    return tw_cli_dispatch(pool, argc, argv, subs, tw_cli_branch_usage);
}

/* }====================================================================== */
