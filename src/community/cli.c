/*
 * cli.c - `crest residents import FILE`: a community office's roster (CSV
 * or XLSX) into the resident registry from the command line, for an office
 * or an operator without the web page. The same core as POST
 * /api/v1/persons/import (import.c): the same columns, the same checks, the
 * same messages (in English), all or nothing unless --skip-bad, --dry-run
 * only checks. One line on stderr per bad field ("row 14: id_number: …"),
 * then a summary line.
 *
 * Exit status: 0 when rows were written (with --skip-bad, the bad ones are
 * listed and left out), 1 when nothing was written (a bad row without
 * --skip-bad, every row bad, a bad file, a database error), 2 for a usage
 * error. --dry-run exits as the same command without it would.
 *
 * The writes are one db_write transaction with one audit row: user 0,
 * username "-", role "cli", address "cli" (as `crest user add`), action
 * "import", entity "person", entity_id the number written, region --scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../http/http.h"
#include "../policy/policy.h"
#include "../region/region.h"
#include "api.h"
#include "community.h"
#include "import.h"

static int usage(void)
{
    fputs("usage: crest residents import FILE [--db DB] [--scope CODE] [--skip-bad] [--dry-run]\n"
          "                                    [--policy FILE]\n"
          "  FILE      a roster in CSV (UTF-8) or XLSX, the columns of the web import\n"
          "  --scope   only grids under this region code may be written (default 33)\n"
          "  --skip-bad  write the good rows and list the bad ones (default: all or nothing)\n"
          "  --dry-run   check only, write nothing\n",
          stderr);
    return 2;
}

/* The whole file, at most HTTP_BIGBODY_MAX bytes (the web upload's limit). */
static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "crest: cannot read %s\n", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "crest: %s is not a file\n", path);
        fclose(f);
        return NULL;
    }
    if ((size_t)st.st_size > HTTP_BIGBODY_MAX) {
        fprintf(stderr, "crest: %s is larger than %zu MiB; split it\n", path,
                HTTP_BIGBODY_MAX >> 20);
        fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    *n = fread(buf, 1, (size_t)st.st_size, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        fprintf(stderr, "crest: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    buf[*n] = '\0';
    return buf;
}

static void print_error(const char *prefix, const struct crest_error *e)
{
    if (!e->nfields) {
        char text[256] = "";
        if (e->key)
            msg_format(text, sizeof text, "en", e->key, NULL);
        fprintf(stderr, "%s%s\n", prefix,
                e->detail[0] ? e->detail
                : text[0]    ? text
                             : crest_err_name(e->code));
    }
    for (int i = 0; i < e->nfields; i++) {
        char text[256];
        msg_format(text, sizeof text, "en", e->fields[i].key, e->fields[i].arg);
        fprintf(stderr, "%s%s: %s\n", prefix, e->fields[i].field, text);
    }
}

static void print_rows(struct comm_import *im)
{
    for (int i = 0; i < comm_import_rows(im); i++) {
        int line;
        const struct crest_error *e = comm_import_row_err(im, i, &line);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "row %d: ", line);
        if (e->nfields)
            print_error(prefix, e);
    }
}

struct write_arg {
    struct comm_import *im;
    const struct auth_user *scope;
};

static int write_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct write_arg *a = arg;
    struct audit_entry who = {0, "-", "cli", NULL, NULL, NULL, NULL, "cli"};
    return comm_import_write(c, a->im, a->scope, &who, err);
}

/* The scope must be a region of the database (as `crest user add` wants). */
static int check_scope(struct db *db, const char *in, struct auth_user *u)
{
    struct crest_error err;
    crest_error_clear(&err);
    char code[REGION_CODE_MAX];
    int rc = region_code_normalize(in, code, "scope", &err);
    if (rc == CREST_OK) {
        struct db_conn *c = db_acquire(db);
        struct region_row row;
        rc = region_get(c, code, &row, &err);
        db_release(db, c);
        if (rc == CREST_NOTFOUND) {
            crest_error_clear(&err);
            rc = crest_error_field(&err, "scope", "unknown", "region_not_found", NULL);
        }
    }
    if (rc != CREST_OK) {
        print_error("crest: --scope: ", &err);
        return 1;
    }
    memset(u, 0, sizeof *u);
    str_copy(u->scope, sizeof u->scope, code);
    return 0;
}

static const char *plural(int64_t n)
{
    return n == 1 ? "" : "s";
}

static int import(const char *path, const char *dburl, const char *scope_in, bool skip_bad,
                  bool dry_run)
{
    size_t n = 0;
    char *data = read_all(path, &n);
    if (!data)
        return 1;
    if (db_sqlite_missing(dburl)) {
        free(data);
        return 1;
    }
    struct crest_error err;
    crest_error_clear(&err);
    struct db_opts o = {.readers = 2};
    struct db *db = db_open(dburl, &o, &err);
    if (!db) {
        fprintf(stderr, "crest: cannot open database %s: %s\n", dburl, err.detail);
        free(data);
        return 1;
    }
    struct auth_user scope;
    struct comm_import *im = NULL;
    int status = 1, rc;
    int64_t bad, created = 0;
    char today[11];
    if (check_scope(db, scope_in, &scope) != 0)
        goto out;
    {
        struct db_conn *c = db_acquire(db);
        comm_today(c, today);
        db_release(db, c);
    }
    im = comm_import_new(today, skip_bad, stderr);
    size_t plen = strlen(path);
    bool xlsx = plen >= 5 && !strcmp(path + plen - 5, ".xlsx");
    rc = http_sheet_rows(data, n, xlsx, comm_import_row, im, &err);
    rc = comm_import_finish(im, rc, &err);
    if (rc != CREST_OK) {
        char prefix[600];
        snprintf(prefix, sizeof prefix, "%s: ", path);
        print_error(prefix, &err);
        fputs("nothing imported\n", stderr);
        goto out;
    }
    if (dry_run) {
        struct db_conn *c = db_acquire(db);
        rc = comm_import_check(c, im, &scope, &err);
        db_release(db, c);
        bad = comm_import_bad(im);
        if (rc != CREST_OK) {
            print_error("crest: import failed: ", &err);
            fputs("nothing imported\n", stderr);
            goto out;
        }
    } else {
        struct write_arg a = {im, &scope};
        rc = db_write(db, write_fn, &a, &err);
        bad = comm_import_bad(im);
        if (rc != CREST_OK && !(err.key && !strcmp(err.key, "import_rejected"))) {
            print_error("crest: import failed: ", &err);
            fputs("nothing imported\n", stderr);
            goto out;
        }
        if (rc == CREST_OK)
            created = comm_import_created(im);
    }
    print_rows(im);
    int rows = comm_import_rows(im);
    int64_t good = rows - bad;
    if (bad && !skip_bad) {
        fprintf(stderr, "%snothing %s: %lld bad row%s; fix them or use --skip-bad\n",
                dry_run ? "dry run: " : "", dry_run ? "would be imported" : "imported",
                (long long)bad, plural(bad));
    } else if (good == 0) {
        fprintf(stderr, "%snothing %s: all %d rows are bad\n", dry_run ? "dry run: " : "",
                dry_run ? "would be imported" : "imported", rows);
    } else if (dry_run) {
        fprintf(stderr, "dry run: %d row%s, %lld bad, %lld would be imported; nothing written\n",
                rows, plural(rows), (long long)bad, (long long)good);
        status = 0;
    } else {
        fprintf(stderr, "%d row%s, %lld bad, %lld imported\n", rows, plural(rows), (long long)bad,
                (long long)created);
        status = 0;
    }
out:
    comm_import_free(im);
    db_close(db);
    free(data);
    return status;
}

int comm_cli(int argc, char **argv, const char *dburl, const char *policy_path)
{
    if (argc < 1 || strcmp(argv[0], "import") != 0)
        return usage();
    const char *db = dburl, *pol = policy_path, *scope = "33", *file = NULL;
    bool skip_bad = false, dry_run = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--skip-bad")) {
            skip_bad = true;
        } else if (!strcmp(a, "--dry-run")) {
            dry_run = true;
        } else if (!strcmp(a, "--db") || !strcmp(a, "--scope") || !strcmp(a, "--policy")) {
            if (!v) {
                fprintf(stderr, "crest: %s needs a value\n", a);
                return usage();
            }
            i++;
            if (!strcmp(a, "--db"))
                db = v;
            else if (!strcmp(a, "--scope"))
                scope = v;
            else
                pol = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "crest: unknown option %s\n", a);
            return usage();
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "crest: unexpected argument %s\n", a);
            return usage();
        }
    }
    if (!file) {
        fputs("crest: residents import needs a FILE\n", stderr);
        return usage();
    }
    /* the decoding checks disease codes against the policy pack */
    struct crest_error err;
    crest_error_clear(&err);
    struct policy *p = xcalloc(1, sizeof *p);
    char *text = NULL;
    if (policy_load(pol, p, &text, &err) != CREST_OK) {
        fprintf(stderr, "crest: policy pack %s is not valid\n", pol);
        print_error("  ", &err);
        free(p);
        return 1;
    }
    policy_install(p, text);
    int status = import(file, db, scope, skip_bad, dry_run);
    policy_uninstall();
    return status;
}
