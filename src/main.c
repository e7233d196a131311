/*
 * main.c - the `crest` command: subcommand dispatch and configuration
 * (defaults → CREST_* environment → flags, validated once, then immutable).
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "community/community.h" /* community pillar: residents import */
#include "db/audit.h"
#include "db/db.h"
#include "demo/demo.h"
#include "http/http.h"
#include "http/user.h"
#include "policy/policy.h"
#include "queue/queue.h"
#include "routes.h"
#include "supply/supply.h" /* supply pillar */

#ifndef CREST_SOURCE_DIR
#define CREST_SOURCE_DIR "."
#endif
#define CREST_VERSION "0.1.0"

struct config {
    char db[1024];
    struct http_config http;
    double scale;
    uint64_t seed;
    char data_dir[512];
    char policy[512];
    bool print_config;
};

static void usage(FILE *f)
{
    fputs("usage: crest COMMAND [options]\n"
          "\n"
          "  serve   [--db DB] [--listen HOST:PORT] [--threads N] [--web DIR]\n"
          "          [--conn-timeout SECONDS]   close idle connections (default 30)\n"
          "          [--log-level debug|info|warn|error] [--secure-cookie] [--policy FILE]\n"
          "          [--print-config]\n"
          "  demo    [--db DB] [--scale F] [--seed N] [--data DIR]\n"
          "  migrate [--db DB]\n"
          "  policy  check [FILE]        validate a policy pack (default: the one serve loads)\n"
          "  user    add NAME --role ROLE --scope CODE [--db DB]   (password on stdin)\n"
          "          passwd NAME | list | disable NAME [--db DB]\n"
          "  audit   verify [--db DB]\n"
          "  supply  verify [--db DB]     every stock balance against its movements\n"
          "          plan [--db DB] [--region CODE] [--item CODE] [--depots-hospitals]\n"
          "               [--lp-json FILE] [--solver network|clp]\n"
          "               the dispatch LP, computed and printed\n"
          "  residents import FILE [--db DB] [--scope CODE] [--skip-bad] [--dry-run]\n"
          "          a roster (CSV or XLSX) into the resident registry: all or nothing\n"
          "          unless --skip-bad; one line per bad field, exit 1 if nothing written\n"
          "  backup  FILE [--db DB]      online copy of an SQLite database\n"
          "  restore FILE [--db DB]      replace the database with a backup (server stopped)\n"
          "  queue   simulate [--clinics N] [--patients N] [--seed N] [--load F] [--mismatch S] "
          "[--json]\n"
          "          a fever-clinic peak day: nearest clinic vs crest's routing\n"
          "  version\n"
          "\n"
          "DB is a file path, sqlite:PATH or postgres://… (default var/crest.db).\n"
          "Environment: CREST_DB, CREST_LISTEN, CREST_THREADS, CREST_WEB, CREST_LOG_LEVEL.\n",
          f);
}

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "crest: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see `crest help`)\n", stderr);
    return 2;
}

static bool parse_listen(const char *s, struct http_config *h)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof h->listen_host)
        return false;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || port < 0 || port > 65535)
        return false;
    memcpy(h->listen_host, s, (size_t)(colon - s));
    h->listen_host[colon - s] = '\0';
    h->port = (int)port;
    return true;
}

/* Parse common flags from argv[i…]; positional arguments are collected. */
static int parse_flags(int argc, char **argv, int i, struct config *c, const char **pos, int *npos,
                       const char **role, const char **scope)
{
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                                                 \
    do {                                                                                           \
        if (!v)                                                                                    \
            return die_usage("%s needs a value", a);                                               \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(a, "--db")) {
            NEED_VALUE;
            str_copy(c->db, sizeof c->db, v);
        } else if (!strcmp(a, "--listen")) {
            NEED_VALUE;
            if (!parse_listen(v, &c->http))
                return die_usage("--listen wants HOST:PORT, got '%s'", v);
        } else if (!strcmp(a, "--threads")) {
            NEED_VALUE;
            c->http.threads = atoi(v); /* NOLINT: range-checked below */
            if (c->http.threads < 1 || c->http.threads > 256)
                return die_usage("--threads wants 1..256, got '%s'", v);
        } else if (!strcmp(a, "--conn-timeout")) {
            NEED_VALUE;
            char *end;
            errno = 0;
            long t = strtol(v, &end, 10);
            if (errno || end == v || *end || t < 1 || t > 3600)
                return die_usage("--conn-timeout wants 1..3600 seconds, got '%s'", v);
            c->http.conn_timeout_s = (int)t;
        } else if (!strcmp(a, "--web")) {
            NEED_VALUE;
            str_copy(c->http.web_root, sizeof c->http.web_root, v);
        } else if (!strcmp(a, "--log-level")) {
            NEED_VALUE;
            int l = log_level_parse(v);
            if (l < 0)
                return die_usage("--log-level wants debug|info|warn|error|off, got '%s'", v);
            log_min_level = (enum log_level)l;
        } else if (!strcmp(a, "--secure-cookie")) {
            c->http.secure_cookie = true;
        } else if (!strcmp(a, "--print-config")) {
            c->print_config = true;
        } else if (!strcmp(a, "--scale")) {
            NEED_VALUE;
            char *end;
            c->scale = strtod(v, &end);
            if (*end || !(c->scale > 0 && c->scale <= 1.0))
                return die_usage("--scale wants a number in (0, 1], got '%s'", v);
        } else if (!strcmp(a, "--seed")) {
            NEED_VALUE;
            char *end;
            errno = 0;
            c->seed = strtoull(v, &end, 10);
            if (errno || *end)
                return die_usage("--seed wants a whole number, got '%s'", v);
        } else if (!strcmp(a, "--policy")) {
            NEED_VALUE;
            snprintf(c->policy, sizeof c->policy, "%s", v);
        } else if (!strcmp(a, "--data")) {
            NEED_VALUE;
            str_copy(c->data_dir, sizeof c->data_dir, v);
        } else if (!strcmp(a, "--role") && role) {
            NEED_VALUE;
            *role = v;
        } else if (!strcmp(a, "--scope") && scope) {
            NEED_VALUE;
            *scope = v;
        } else if (a[0] == '-' && a[1] == '-') {
            return die_usage("unknown option %s", a);
        } else if (*npos < 4) {
            pos[(*npos)++] = a;
        } else {
            return die_usage("unexpected argument %s", a);
        }
#undef NEED_VALUE
    }
    return 0;
}

static void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->db, sizeof c->db, "var/crest.db");
    http_config_defaults(&c->http);
    snprintf(c->http.web_root, sizeof c->http.web_root, "%s/web", CREST_SOURCE_DIR);
    snprintf(c->data_dir, sizeof c->data_dir, "%s/data", CREST_SOURCE_DIR);
    snprintf(c->policy, sizeof c->policy, "%s/policy/zhejiang-2022-12.json", CREST_SOURCE_DIR);
    c->scale = 0.05;
    c->seed = 20221216;
    const char *e;
    if ((e = getenv("CREST_DB")) && *e)
        str_copy(c->db, sizeof c->db, e);
    if ((e = getenv("CREST_LISTEN")) && *e)
        parse_listen(e, &c->http);
    if ((e = getenv("CREST_THREADS")) && atoi(e) > 0) /* NOLINT */
        c->http.threads = atoi(e);                    /* NOLINT */
    if ((e = getenv("CREST_WEB")) && *e)
        str_copy(c->http.web_root, sizeof c->http.web_root, e);
    if ((e = getenv("CREST_POLICY")) && *e)
        snprintf(c->policy, sizeof c->policy, "%s", e);
    if ((e = getenv("CREST_LOG_LEVEL")) && log_level_parse(e) >= 0)
        log_min_level = (enum log_level)log_level_parse(e);
}

/* For a default SQLite path under var/, create the folder. */
static void ensure_dir(const char *db)
{
    if (strncmp(db, "postgres", 8) == 0)
        return;
    const char *p = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    const char *slash = strrchr(p, '/');
    if (!slash)
        return;
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
    /* one level is all var/ needs; deeper paths must exist */
    if (access(dir, F_OK) != 0)
        mkdir(dir, 0700);
}

static struct db *open_db(const struct config *c, bool migrate)
{
    ensure_dir(c->db);
    struct crest_error err;
    struct db_opts o = {.readers = c->http.threads + 2, .no_migrate = !migrate};
    struct db *db = db_open(c->db, &o, &err);
    if (!db)
        fprintf(stderr, "crest: cannot open database %s: %s\n", c->db, err.detail);
    return db;
}

static int housekeep(struct db_conn *c, void *arg, struct crest_error *err)
{
    (void)arg;
    int64_t now = util_now_ms();
    int rc = db_exec(c, err, NULL, "DELETE FROM idempotency WHERE created_ms < ?", "i",
                     now - (int64_t)24 * 3600 * 1000);
    if (rc == CREST_OK)
        rc = db_exec(c, err, NULL, "DELETE FROM sessions WHERE expires_ms < ?", "i", now);
    return rc;
}

static void print_fields(const struct crest_error *e);

/* Load and validate the policy pack; on failure say which fields are wrong. */
static int load_policy(const char *path)
{
    struct crest_error err;
    struct policy *p = xcalloc(1, sizeof *p);
    char *text = NULL;
    if (policy_load(path, p, &text, &err) != CREST_OK) {
        fprintf(stderr, "crest: policy pack %s is not valid\n", path);
        print_fields(&err);
        free(p);
        return 1;
    }
    policy_install(p, text);
    return 0;
}

static int cmd_serve(struct config *c)
{
    if (c->print_config) {
        printf("db=%s\nlisten=%s:%d\nthreads=%d\nbody_max=%zu\nconn_timeout_s=%d\n"
               "session_ttl_s=%d\nsecure_cookie=%d\nweb=%s\npolicy=%s\nlog_level=%d\n",
               strncmp(c->db, "postgres", 8) == 0 ? "postgres://(redacted)" : c->db,
               c->http.listen_host, c->http.port, c->http.threads, c->http.body_max,
               c->http.conn_timeout_s, c->http.session_ttl_s, c->http.secure_cookie,
               c->http.web_root, c->policy, (int)log_min_level);
        return 0;
    }
    if (load_policy(c->policy) != 0)
        return 1;
    struct db *db = open_db(c, true);
    if (!db) {
        policy_uninstall();
        return 1;
    }
    struct crest_error err;
    struct http_server *s = http_server_new(&c->http, db, crest_routes, crest_nroutes, &err);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* workers inherit: signals come to us */
    signal(SIGPIPE, SIG_IGN);
    if (http_server_start(s, &err) != CREST_OK) {
        fprintf(stderr, "crest: %s\n", err.detail);
        http_server_free(s);
        db_close(db);
        policy_uninstall();
        return 1;
    }
    LOG_INFO("msg=listening addr=http://%s:%d db=%s threads=%d", c->http.listen_host,
             http_server_port(s), db_describe(db), c->http.threads);
    for (;;) {
        struct timespec ts = {60, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM)
            break;
        if (db_write(db, housekeep, NULL, &err) != CREST_OK)
            LOG_WARN("msg=\"housekeeping failed\" detail=\"%s\"", err.detail);
    }
    LOG_INFO("msg=stopping");
    http_server_free(s);
    db_close(db);
    policy_uninstall();
    return 0;
}

static bool read_password(char *out, size_t cap)
{
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password (10+ characters): ");
    if (!fgets(out, (int)cap, stdin))
        return false;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return true;
}

static void print_fields(const struct crest_error *e)
{
    if (e->detail[0] || !e->nfields)
        fprintf(stderr, "crest: %s\n", e->detail[0] ? e->detail : crest_err_name(e->code));
    for (int i = 0; i < e->nfields; i++) {
        char text[256];
        msg_format(text, sizeof text, "en", e->fields[i].key, e->fields[i].arg);
        fprintf(stderr, "  %s: %s\n", e->fields[i].field, text);
    }
}

static void list_one(const struct user_row *u, void *arg)
{
    (void)arg;
    printf("%-20s %-11s %-16s %s\n", u->username, role_name(u->role), u->scope,
           u->disabled ? "disabled" : "active");
}

static int cmd_user(struct config *c, const char **pos, int npos, const char *role,
                    const char *scope)
{
    if (npos < 1)
        return die_usage("user needs add|passwd|list|disable%s", "");
    const char *sub = pos[0];
    struct crest_error err;
    crest_error_clear(&err);
    if (!strcmp(sub, "list")) {
        struct db *db = open_db(c, true);
        if (!db)
            return 1;
        printf("%-20s %-11s %-16s %s\n", "username", "role", "scope", "status");
        int rc = user_list(db, list_one, NULL, &err);
        db_close(db);
        return rc ? 1 : 0;
    }
    if (npos < 2)
        return die_usage("user %s needs a NAME", sub);
    const char *name = pos[1];
    char pw[256] = "";
    int rc;
    if (!strcmp(sub, "add")) {
        if (!role || !scope)
            return die_usage("user add needs --role and --scope%s", "");
        if (!read_password(pw, sizeof pw))
            return die_usage("no password on standard input%s", "");
        struct db *db = open_db(c, true);
        if (!db)
            return 1;
        rc = user_add(db, name, role, scope, pw, NULL, &err);
        db_close(db);
    } else if (!strcmp(sub, "passwd")) {
        if (!read_password(pw, sizeof pw))
            return die_usage("no password on standard input%s", "");
        struct db *db = open_db(c, true);
        if (!db)
            return 1;
        rc = user_passwd(db, name, pw, &err);
        db_close(db);
    } else if (!strcmp(sub, "disable")) {
        struct db *db = open_db(c, true);
        if (!db)
            return 1;
        rc = user_disable(db, name, &err);
        db_close(db);
    } else {
        return die_usage("unknown user command %s", sub);
    }
    memset(pw, 0, sizeof pw);
    if (rc != CREST_OK) {
        print_fields(&err);
        return 1;
    }
    fprintf(stderr, "crest: user %s: %s done\n", name, sub);
    return 0;
}

int main(int argc, char **argv)
{
    /* glibc gives a thread arena's free top back to the kernel once it passes
     * 128 KB (madvise), and the next allocation faults the pages in again: the
     * database writer did that ~1,000 times a second under follow-ups, a fifth
     * of its CPU with the TLB flushes (bench/RESULTS.md). Keep up to 32 MB per
     * arena, and serve blocks up to 4 MB (a grid list, an export's row) from
     * the arenas rather than fresh mappings. */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    if (util_init() != 0) {
        fputs("crest: libsodium failed to initialise\n", stderr);
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("crest %s\n", CREST_VERSION);
        return 0;
    }
    struct config c;
    config_defaults(&c);
    /* queue pillar: `crest queue simulate`, options of its own */
    if (!strcmp(cmd, "queue")) {
        if (argc < 3 || strcmp(argv[2], "simulate") != 0)
            return die_usage("queue wants `simulate [--clinics N] [--patients N] [--seed N] "
                             "[--load F] [--policy FILE] [--json]`%s",
                             "");
        return queue_cli_simulate(argc - 3, argv + 3, c.policy);
    }
    /* community pillar: `crest residents import`, options of its own */
    if (!strcmp(cmd, "residents"))
        return comm_cli(argc - 2, argv + 2, c.db, c.policy);
    /* supply pillar: its subcommands parse their own options */
    if (!strcmp(cmd, "supply"))
        return supply_cli(argc - 2, argv + 2, c.db, c.policy);
    const char *pos[4] = {0};
    int npos = 0;
    const char *role = NULL, *scope = NULL;
    int prc = parse_flags(argc, argv, 2, &c, pos, &npos, &role, &scope);
    if (prc)
        return prc;
    struct crest_error err;
    crest_error_clear(&err);
    if (!strcmp(cmd, "serve"))
        return cmd_serve(&c);
    if (!strcmp(cmd, "migrate")) {
        struct db *db = open_db(&c, true);
        if (!db)
            return 1;
        fprintf(stderr, "crest: %s is up to date\n", db_describe(db));
        db_close(db);
        return 0;
    }
    if (!strcmp(cmd, "demo")) {
        /* the community stage grades its people by the policy's rules */
        if (load_policy(c.policy) != 0)
            return 1;
        struct db *db = open_db(&c, true);
        if (!db) {
            policy_uninstall();
            return 1;
        }
        struct demo_opts o = {c.scale, c.seed, c.data_dir, stdout};
        int64_t t0 = util_mono_us();
        int rc = demo_run(db, &o, &err);
        db_close(db);
        policy_uninstall();
        if (rc != CREST_OK) {
            fprintf(stderr, "crest: demo failed: %s\n", err.detail);
            return 1;
        }
        fprintf(stderr, "crest: demo province ready in %.1f s\n",
                (double)(util_mono_us() - t0) / 1e6);
        return 0;
    }
    if (!strcmp(cmd, "user"))
        return cmd_user(&c, pos, npos, role, scope);
    if (!strcmp(cmd, "policy")) {
        if (npos < 1 || strcmp(pos[0], "check") != 0)
            return die_usage("policy wants `check [FILE]`%s", "");
        const char *path = npos > 1 ? pos[1] : c.policy;
        if (load_policy(path) != 0)
            return 1;
        const struct policy *p = policy_current();
        printf("policy pack %s v%lld (%s) is valid: %s\n", p->pack, (long long)p->version,
               p->effective_from, p->title_en);
        policy_uninstall();
        return 0;
    }
    if (!strcmp(cmd, "audit")) {
        if (npos < 1 || strcmp(pos[0], "verify") != 0)
            return die_usage("audit wants `verify`%s", "");
        if (db_sqlite_missing(c.db))
            return 1;
        /* no migrations: verifying a backup must not change it */
        struct db *db = open_db(&c, false);
        if (!db)
            return 1;
        struct audit_report rep;
        int rc = audit_verify(db, &rep, &err);
        db_close(db);
        if (rc != CREST_OK) {
            fprintf(stderr, "crest: audit verify: %s\n", err.detail);
            return 1;
        }
        if (rep.first_bad_id) {
            printf("audit chain BROKEN at row %lld: %s (%lld rows)\n", (long long)rep.first_bad_id,
                   rep.reason, (long long)rep.rows);
            return 3;
        }
        /* deleting the newest rows cannot break the chain: record the last
         * hash elsewhere (a ticket, a log) and compare it next time */
        printf("audit chain intact: %lld rows, last row %lld hash %s\n", (long long)rep.rows,
               (long long)rep.last_id, rep.last_hash[0] ? rep.last_hash : "-");
        return 0;
    }
    if (!strcmp(cmd, "backup")) {
        if (npos < 1)
            return die_usage("backup needs a FILE%s", "");
        if (access(pos[0], F_OK) == 0)
            return die_usage("%s exists; choose a new file", pos[0]);
        if (db_sqlite_missing(c.db))
            return 1;
        struct db *db = open_db(&c, false);
        if (!db)
            return 1;
        int rc = db_backup(db, pos[0], &err);
        db_close(db);
        if (rc != CREST_OK) {
            fprintf(stderr, "crest: backup failed: %s\n", err.detail);
            unlink(pos[0]); /* it did not exist before: leave no half copy behind */
            return 1;
        }
        fprintf(stderr, "crest: backup written to %s\n", pos[0]);
        return 0;
    }
    if (!strcmp(cmd, "restore")) {
        if (npos < 1)
            return die_usage("restore needs a FILE%s", "");
        if (!strncmp(c.db, "postgres", 8))
            return die_usage("restore is for SQLite; for PostgreSQL use pg_restore%s", "");
        if (access(pos[0], R_OK) != 0)
            return die_usage("cannot read %s", pos[0]);
        ensure_dir(c.db);
        const char *target = strncmp(c.db, "sqlite:", 7) == 0 ? c.db + 7 : c.db;
        if (db_restore(target, pos[0], &err) != CREST_OK) {
            fprintf(stderr, "crest: restore failed: %s\n", err.detail);
            return 1;
        }
        fprintf(stderr, "crest: %s restored from %s\n", target, pos[0]);
        return 0;
    }
    return die_usage("unknown command %s", cmd);
}
