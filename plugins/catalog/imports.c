/*
 * imports.c - `tradewind catalog-import products|dealers|stock FILE.csv`,
 * the first-time load of master data from CSV.
 *
 * The file needs a header line naming its columns with the JSON field
 * names of the routes.  Every row is checked with the routes' own field
 * descriptions before anything is sent; then, in one transaction, the
 * rows go to a temporary table with COPY, checks that need the database
 * (unknown branch or warehouse, a key twice in the file) name the first
 * bad line, and one INSERT ... ON CONFLICT upserts them all.  Any error
 * imports nothing.  The COPY text is built in memory before the
 * transaction, so a retried transaction sends the same data again.
 *
 * Exit status: 0 imported, 1 a bad file or a database failure, 2 bad
 * usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define CAT_CSV_MAX_CELLS 16
#define CAT_ERR_SIZE 512

/* One kind of import: its columns and the SQL that loads it.  The
 * temporary table cat_import holds the line number, then one column per
 * field in field order. */
typedef struct cat_import_kind {
    const char *name;
    const cat_entity_t *entity; /* whose fields the columns are, or NULL */
    const cat_field_t *fields;  /* without an entity */
    size_t n_fields;
    const char *create_sql;
    const char *const *checks; /* each: (line, column, message) or none */
    const char *upsert_sql;
} cat_import_kind_t;

/* An import in progress. */
typedef struct cat_import {
    const cat_import_kind_t *kind;
    const char *path;
    int columns[CAT_CSV_MAX_CELLS]; /* field index of each CSV column */
    size_t n_columns;
    char *copy; /* COPY text of every row */
    size_t copy_len;
    size_t copy_cap;
    long rows;
    char err[CAT_ERR_SIZE];
} cat_import_t;

/* A CSV reader over a file held in memory (RFC 4180 quoting). */
typedef struct cat_csv {
    const char *p;
    const char *end;
    long line;        /* the line the next record starts on */
    long record_line; /* the line the last record started on */
    char *buf;        /* the last record's cells, NUL-separated */
    char *cells[CAT_CSV_MAX_CELLS];
    size_t n;
} cat_csv_t;

/* {======================================================================
 * What each kind holds
 * ======================================================================*/

#define CAT_DUPLICATE_CHECK(column, key)                                 \
    "SELECT line, '" column "', format('%s appears again (first on line "\
    "%s)', key, first) FROM (SELECT line, " key " AS key,"                \
    " min(line) OVER (PARTITION BY " key ") AS first FROM cat_import) t"  \
    " WHERE line > first ORDER BY line LIMIT 1"

#define CAT_UNKNOWN_CHECK(column, table, key)                            \
    "SELECT line, '" column "', format('no " column " %s', " column ")"  \
    " FROM cat_import i WHERE NOT EXISTS (SELECT 1 FROM " table " x"     \
    " WHERE x." key " = i." column ") ORDER BY line LIMIT 1"

static const char *const cat_product_checks[] = {
    CAT_DUPLICATE_CHECK("sku", "sku"),
    NULL,
};

static const char *const cat_dealer_checks[] = {
    CAT_DUPLICATE_CHECK("code", "code"),
    CAT_UNKNOWN_CHECK("branch", "core.branches", "code"),
    CAT_UNKNOWN_CHECK("warehouse", "catalog.warehouses", "code"),
    "SELECT i.line, 'branch', format('dealer %s belongs to branch %s; its "
    "branch cannot change', i.code, b.code) FROM cat_import i"
    " JOIN catalog.dealers d ON d.code = i.code"
    " JOIN core.branches b ON b.id = d.branch_id"
    " WHERE b.code <> i.branch ORDER BY i.line LIMIT 1",
    NULL,
};

static const char *const cat_stock_checks[] = {
    CAT_DUPLICATE_CHECK("sku", "warehouse || ' ' || sku"),
    CAT_UNKNOWN_CHECK("warehouse", "catalog.warehouses", "code"),
    CAT_UNKNOWN_CHECK("sku", "catalog.products", "sku"),
    "SELECT i.line, 'on_hand', format('on_hand %s is below the %s "
    "reserved', i.on_hand, s.reserved) FROM cat_import i"
    " JOIN catalog.stock s ON s.warehouse_code = i.warehouse"
    " AND s.sku = i.sku WHERE s.reserved > i.on_hand"
    " ORDER BY i.line LIMIT 1",
    NULL,
};

static const cat_field_t cat_stock_import_fields[] = {
    {"warehouse", CAT_KIND_CODE, CAT_F_REQUIRED, 0, 0},
    {"sku", CAT_KIND_SKU, CAT_F_REQUIRED, 0, 0},
    {"on_hand", CAT_KIND_INT, CAT_F_REQUIRED, 0, CAT_COUNT_MAX},
};

static const cat_import_kind_t cat_import_kinds[] = {
    {"products", &cat_product_entity, NULL, 0,
     "CREATE TEMP TABLE cat_import (line integer, sku text, name text,"
     " category text, volume_cl bigint, weight_g bigint,"
     " list_price_fen bigint, floor_price_fen bigint, active boolean)"
     " ON COMMIT DROP",
     cat_product_checks,
     "INSERT INTO catalog.products AS p (sku, name, category, volume_cl,"
     " weight_g, list_price_fen, floor_price_fen, active)"
     " SELECT sku, name, category, volume_cl, weight_g, list_price_fen,"
     " floor_price_fen, coalesce(active, true) FROM cat_import ORDER BY line"
     " ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name,"
     " category = EXCLUDED.category, volume_cl = EXCLUDED.volume_cl,"
     " weight_g = EXCLUDED.weight_g,"
     " list_price_fen = EXCLUDED.list_price_fen,"
     " floor_price_fen = EXCLUDED.floor_price_fen,"
     " active = EXCLUDED.active, updated_at = now()"},
    {"dealers", &cat_dealer_entity, NULL, 0,
     "CREATE TEMP TABLE cat_import (line integer, code text, name text,"
     " branch text, region text, warehouse text, discount_bp integer,"
     " credit_limit_fen bigint, active boolean) ON COMMIT DROP",
     cat_dealer_checks,
     "INSERT INTO catalog.dealers AS d (code, name, branch_id, region,"
     " warehouse_code, discount_bp, credit_limit_fen, active)"
     " SELECT i.code, i.name, b.id, i.region, i.warehouse,"
     " coalesce(i.discount_bp, 0), i.credit_limit_fen,"
     " coalesce(i.active, true)"
     " FROM cat_import i JOIN core.branches b ON b.code = i.branch"
     " ORDER BY i.line"
     " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
     " region = EXCLUDED.region, warehouse_code = EXCLUDED.warehouse_code,"
     " discount_bp = EXCLUDED.discount_bp,"
     " credit_limit_fen = EXCLUDED.credit_limit_fen,"
     " active = EXCLUDED.active, updated_at = now()"},
    {"stock", NULL, cat_stock_import_fields,
     sizeof cat_stock_import_fields / sizeof cat_stock_import_fields[0],
     "CREATE TEMP TABLE cat_import (line integer, warehouse text, sku text,"
     " on_hand bigint) ON COMMIT DROP",
     cat_stock_checks,
     "INSERT INTO catalog.stock AS s (warehouse_code, sku, on_hand)"
     " SELECT warehouse, sku, on_hand FROM cat_import ORDER BY line"
     " ON CONFLICT (warehouse_code, sku) DO UPDATE"
     " SET on_hand = EXCLUDED.on_hand, updated_at = now()"},
};

/* }====================================================================== */


/* The kind named `name`, with the fields of its entity when it has
 * one; false if there is no such kind. */
static bool
cat_import_kind(const char *name, cat_import_kind_t *kind)
{
    size_t n = sizeof cat_import_kinds / sizeof cat_import_kinds[0];

    for (size_t i = 0; i < n; i++) {
        if (strcmp(name, cat_import_kinds[i].name) != 0) {
            continue;
        }
        *kind = cat_import_kinds[i];
        if (kind->entity != NULL) {
            kind->fields = kind->entity->fields;
            kind->n_fields = kind->entity->n_fields;
        }
        return true;
    }
    return false;
}


/* Reads a whole file; NULL (with errno) on failure. */
static char *
cat_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;

    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (*len + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            char *grown = realloc(data, cap);
            if (grown == NULL) {
                break;
            }
            data = grown;
        } else {
            size_t got = fread(data + *len, 1, cap - *len - 1, f);
            *len += got;
            if (got == 0) {
                data[*len] = '\0';
                fclose(f);
                return data;
            }
        }
    }
    free(data);
    fclose(f);
    errno = ENOMEM;
    return NULL;
}


/* Reads one CSV cell into `out` (advancing both); false on an unclosed
 * quote. */
static bool
cat_csv_cell(cat_csv_t *csv, char **out)
{
    bool quoted = csv->p < csv->end && *csv->p == '"';

    if (quoted) {
        csv->p++;
    }
    while (csv->p < csv->end) {
        char c = *csv->p;

        if (quoted && c == '"') {
            if (csv->p + 1 < csv->end && csv->p[1] == '"') {
                *(*out)++ = '"';
                csv->p += 2;
                continue;
            }
            quoted = false;
            csv->p++;
            continue;
        }
        if (!quoted && (c == ',' || c == '\n' || c == '\r')) {
            break;
        }
        csv->line += c == '\n';
        *(*out)++ = c;
        csv->p++;
    }
    *(*out)++ = '\0';
    return !quoted;
}


/* Reads the next record: 1, 0 at the end, -1 on a malformed one (with
 * the reason in err).  Blank lines are skipped. */
static int
cat_csv_next(cat_csv_t *csv, char *err, size_t err_size)
{
    while (csv->p < csv->end && (*csv->p == '\n' || *csv->p == '\r')) {
        csv->line += *csv->p == '\n';
        csv->p++;
    }
    if (csv->p >= csv->end) {
        return 0;
    }

    char *out = csv->buf;
    csv->record_line = csv->line;
    csv->n = 0;
    for (;;) {
        if (csv->n == CAT_CSV_MAX_CELLS) {
            snprintf(err, err_size, "more than %d columns",
                     CAT_CSV_MAX_CELLS);
            return -1;
        }
        csv->cells[csv->n++] = out;
        if (!cat_csv_cell(csv, &out)) {
            snprintf(err, err_size, "a quoted value is never closed");
            return -1;
        }
        if (csv->p >= csv->end || *csv->p != ',') {
            return 1;
        }
        csv->p++;
    }
}


/* Maps the header's columns to fields; false (with err) when a column
 * is unknown or twice, or a required one is missing. */
static bool
cat_import_header(cat_import_t *imp, const cat_csv_t *csv)
{
    const cat_import_kind_t *kind = imp->kind;
    bool seen[CAT_CSV_MAX_CELLS] = {false};

    imp->n_columns = csv->n;
    for (size_t c = 0; c < csv->n; c++) {
        size_t f = 0;

        while (f < kind->n_fields &&
               strcmp(kind->fields[f].name, csv->cells[c]) != 0) {
            f++;
        }
        if (f == kind->n_fields || seen[f]) {
            snprintf(imp->err, sizeof imp->err, "%s:1: column '%s' is %s",
                     imp->path, csv->cells[c],
                     f == kind->n_fields ? "unknown" : "given twice");
            return false;
        }
        seen[f] = true;
        imp->columns[c] = (int) f;
    }

    for (size_t f = 0; f < kind->n_fields; f++) {
        if (!seen[f] && (kind->fields[f].flags & CAT_F_REQUIRED)) {
            snprintf(imp->err, sizeof imp->err,
                     "%s:1: column '%s' is missing", imp->path,
                     kind->fields[f].name);
            return false;
        }
    }
    return true;
}


/* Appends `len` bytes to the COPY text; false when memory runs out. */
static bool
cat_copy_append(cat_import_t *imp, const char *text, size_t len)
{
    if (imp->copy_len + len + 1 > imp->copy_cap) {
        size_t cap = (imp->copy_cap + len) * 2 + 4096;
        char *grown = realloc(imp->copy, cap);

        if (grown == NULL) {
            return false;
        }
        imp->copy = grown;
        imp->copy_cap = cap;
    }
    memcpy(imp->copy + imp->copy_len, text, len);
    imp->copy_len += len;
    return true;
}


/* Appends one value in COPY text format: \N for none, and backslash,
 * tab, newline and carriage return escaped. */
static bool
cat_copy_value(cat_import_t *imp, const cat_value_t *value)
{
    bool ok = cat_copy_append(imp, "\t", 1);

    if (!value->present || value->null) {
        return ok && cat_copy_append(imp, "\\N", 2);
    }
    for (const char *p = value->text; ok && *p != '\0'; p++) {
        const char *escaped = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t"
                            : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;

        ok = escaped != NULL ? cat_copy_append(imp, escaped, 2)
                             : cat_copy_append(imp, p, 1);
    }
    return ok;
}


/* The value of field `name` in a row, or NULL when it has none. */
static const char *
cat_row_value(const cat_import_t *imp, const cat_value_t *values,
              const char *name)
{
    for (size_t f = 0; f < imp->kind->n_fields; f++) {
        if (strcmp(imp->kind->fields[f].name, name) == 0) {
            return cat_value_param(&values[f]);
        }
    }
    return NULL;
}


/* Checks what involves two fields of a row: a floor price above the
 * list price (the routes leave this to the database constraint). */
static bool
cat_row_consistent(cat_import_t *imp, const cat_value_t *values, long line)
{
    const char *list = cat_row_value(imp, values, "list_price_fen");
    const char *floor = cat_row_value(imp, values, "floor_price_fen");

    if (list == NULL || floor == NULL ||
        strtoll(floor, NULL, 10) <= strtoll(list, NULL, 10)) {
        return true;
    }
    snprintf(imp->err, sizeof imp->err, "%s:%ld: column floor_price_fen: "
             "floor_price_fen must be from 0 to list_price_fen", imp->path,
             line);
    return false;
}


/* Checks one cell into values[field]; false with err naming line and
 * column. */
static bool
cat_import_cell(cat_import_t *imp, const char *cell, long line,
                const cat_field_t *field, cat_value_t *value)
{
    char why[200];

    if (cell[0] == '\0' && !(field->flags & CAT_F_REQUIRED)) {
        return true; /* none: NULL, or the default on insert */
    }
    if (cell[0] == '\0') {
        snprintf(why, sizeof why, "%s is required", field->name);
    } else if (cat_field_parse_text(field, cell, value, why, sizeof why)) {
        return true;
    }
    snprintf(imp->err, sizeof imp->err, "%s:%ld: column %s: %s", imp->path,
             line, field->name, why);
    return false;
}


/* Checks one record and appends it to the COPY text. */
static bool
cat_import_row(cat_import_t *imp, const cat_csv_t *csv)
{
    cat_value_t values[CAT_CSV_MAX_CELLS];
    char line_text[24];

    if (csv->n != imp->n_columns) {
        snprintf(imp->err, sizeof imp->err, "%s:%ld: %zu columns, the "
                 "header has %zu", imp->path, csv->record_line, csv->n,
                 imp->n_columns);
        return false;
    }
    memset(values, 0, sizeof values);
    for (size_t c = 0; c < csv->n; c++) {
        const cat_field_t *field = &imp->kind->fields[imp->columns[c]];

        if (!cat_import_cell(imp, csv->cells[c], csv->record_line, field,
                             &values[imp->columns[c]])) {
            return false;
        }
    }
    if (!cat_row_consistent(imp, values, csv->record_line)) {
        return false;
    }

    int n = snprintf(line_text, sizeof line_text, "%ld", csv->record_line);
    bool ok = cat_copy_append(imp, line_text, (size_t) n);
    for (size_t f = 0; ok && f < imp->kind->n_fields; f++) {
        ok = cat_copy_value(imp, &values[f]);
    }
    if (!ok || !cat_copy_append(imp, "\n", 1)) {
        snprintf(imp->err, sizeof imp->err, "out of memory");
        return false;
    }
    imp->rows++;
    return true;
}


/* Reads and checks the whole file into imp->copy. */
static bool
cat_import_parse(cat_import_t *imp, char *data, size_t len)
{
    cat_csv_t csv = {data, data + len, 1, 1, NULL, {NULL}, 0};
    char why[200];
    int got;

    csv.buf = malloc(len + CAT_CSV_MAX_CELLS + 1);
    if (csv.buf == NULL) {
        snprintf(imp->err, sizeof imp->err, "out of memory");
        return false;
    }

    got = cat_csv_next(&csv, why, sizeof why);
    bool ok = got == 1 && cat_import_header(imp, &csv);
    if (got == 0) {
        snprintf(imp->err, sizeof imp->err, "%s:1: the header line is "
                 "missing", imp->path);
    }
    while (ok && (got = cat_csv_next(&csv, why, sizeof why)) == 1) {
        ok = cat_import_row(imp, &csv);
    }
    if (got < 0) {
        ok = false;
        snprintf(imp->err, sizeof imp->err, "%s:%ld: %s", imp->path,
                 csv.record_line, why);
    }
    free(csv.buf);
    return ok;
}


/* Sends the COPY text to the temporary table. */
static tw_rc_t
cat_import_copy(tw_db_t *db, cat_import_t *imp)
{
    tw_rc_t rc = tw_db_copy(db, "COPY cat_import FROM STDIN", imp->copy,
                            imp->copy_len);

    if (rc != TW_OK) {
        snprintf(imp->err, sizeof imp->err, "%s: copy failed: %s", imp->path,
                 tw_db_message(db));
    }
    return rc;
}


/* Runs the checks that need the database; the first bad line wins. */
static tw_rc_t
cat_import_check(tw_db_t *db, cat_import_t *imp)
{
    for (size_t i = 0; imp->kind->checks[i] != NULL; i++) {
        PGresult *res = tw_db_exec(db, imp->kind->checks[i], 0, NULL);

        if (res == NULL) {
            snprintf(imp->err, sizeof imp->err, "%s", tw_db_message(db));
            return tw_db_rc(db);
        }
        bool bad = PQntuples(res) > 0;
        if (bad) {
            snprintf(imp->err, sizeof imp->err, "%s:%s: column %s: %s",
                     imp->path, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                     PQgetvalue(res, 0, 2));
        }
        PQclear(res);
        if (bad) {
            return TW_ERR_INVALID;
        }
    }
    return TW_OK;
}


/* Runs one statement without parameters; its failure goes to err. */
static tw_rc_t
cat_import_exec(tw_db_t *db, cat_import_t *imp, const char *sql)
{
    PGresult *res = tw_db_exec(db, sql, 0, NULL);

    if (res == NULL) {
        snprintf(imp->err, sizeof imp->err, "%s: %s", imp->path,
                 tw_db_message(db));
        return tw_db_rc(db);
    }
    PQclear(res);
    return TW_OK;
}


/* The transaction: temporary table, COPY, checks, upsert. */
static tw_rc_t
cat_import_tx(tw_db_t *db, void *ctx)
{
    cat_import_t *imp = ctx;

    tw_rc_t rc = cat_import_exec(db, imp, imp->kind->create_sql);
    if (rc == TW_OK) {
        rc = cat_import_copy(db, imp);
    }
    if (rc == TW_OK) {
        rc = cat_import_check(db, imp);
    }
    if (rc == TW_OK) {
        rc = cat_import_exec(db, imp, imp->kind->upsert_sql);
    }
    return rc;
}


static int
cat_import_usage(FILE *out, int code)
{
    fprintf(out, "usage: tradewind catalog-import products|dealers|stock "
            "FILE.csv\n"
            "Loads master data from CSV (a header line naming the columns "
            "first); all rows or none.\n");
    return code;
}


/* Loads `path` as `kind` into the database; prints the outcome. */
static int
cat_import_run(tw_pool_t *pool, cat_import_t *imp)
{
    size_t len = 0;
    char *data = cat_read_file(imp->path, &len);

    if (data == NULL) {
        fprintf(stderr, "catalog-import: %s: %s\n", imp->path,
                strerror(errno));
        return 1;
    }
    bool parsed = cat_import_parse(imp, data, len);
    free(data);

    tw_rc_t rc = parsed ? tw_db_transaction(pool, cat_import_tx, imp)
                        : TW_ERR_INVALID;
    free(imp->copy);
    if (rc != TW_OK) {
        fprintf(stderr, "catalog-import: %s\n",
                imp->err[0] != '\0' ? imp->err : "the database failed");
        return 1;
    }
    tw_log_info("catalog import", "kind=%s rows=%ld file=%s",
                imp->kind->name, imp->rows, imp->path);
    printf("imported %ld %s\n", imp->rows, imp->kind->name);
    return 0;
}


static int
cat_import_command(tw_pool_t *pool, int argc, char **argv)
{
    cat_import_kind_t kind;
    cat_import_t imp;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        return cat_import_usage(stdout, 0);
    }
    if (argc != 3 || !cat_import_kind(argv[1], &kind)) {
        return cat_import_usage(stderr, 2);
    }

    memset(&imp, 0, sizeof imp);
    imp.kind = &kind;
    imp.path = argv[2];
    return cat_import_run(pool, &imp);
}


tw_rc_t
cat_imports_register(tw_host_t *host)
{
    return tw_command_add(host, "catalog-import",
                          "load products, dealers or stock from CSV",
                          cat_import_command);
}
