/*
 * import.h - the resident roster import's core, shared by the HTTP handler
 * (io.c, POST /api/v1/persons/import) and the command line (cli.c, `crest
 * residents import`), so both accept and refuse the same rows with the same
 * messages. It decodes rows, checks them against the database, and writes
 * the good ones with one audit row; it knows nothing of requests, replies or
 * terminals: the callers turn its per-row errors into a JSON report or lines
 * on stderr.
 *
 * Life of an import: comm_import_new; feed every row, the header first, to
 * comm_import_row (an xlsx_row_fn: give it to http_upload_rows or
 * http_sheet_rows); comm_import_finish for the file-level errors; then either
 * comm_import_check on a read connection (a dry run) or comm_import_write
 * inside a write transaction; comm_import_free.
 */
#ifndef CREST_COMMUNITY_IMPORT_H
#define CREST_COMMUNITY_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/err.h"
#include "../db/audit.h"
#include "../db/db.h"
#include "../http/http.h"

/* At most this many rows per file: the rows are held in memory and written
 * in one transaction. */
#define COMM_IMPORT_MAX_ROWS 50000

struct comm_import;

/* A new import; today is the business date (comm_today) the ID numbers'
 * birth dates are checked against. skip_bad: write the good rows even when
 * some are bad. progress: where to print a line every 10,000 rows read,
 * checked or written, or NULL. Free with comm_import_free. */
struct comm_import *comm_import_new(const char today[11], bool skip_bad, FILE *progress);
void comm_import_free(struct comm_import *im);

/* One row of the file, the header first (an xlsx_row_fn; arg is the
 * import). Returns non-zero to stop reading (too many rows). */
int comm_import_row(void *arg, int line, int ncells, const char *const *cells);

/* After reading, with the reader's return code (err holds its errors): the
 * file's own errors (too many rows, unknown or missing columns, no rows)
 * into err. Too many rows wins over read_rc: the XLSX reader hands back the
 * stop code of comm_import_row as its own. CREST_OK when the rows are worth
 * checking. */
int comm_import_finish(struct comm_import *im, int read_rc, struct crest_error *err);

/* The checks that need the database, on every row the decoding left good:
 * the grid exists and is within scope's prefix (else an error on "grid"),
 * the ID number is not in an earlier row nor in the registry. Re-runnable
 * (what it added last time is dropped first); comm_import_bad then counts
 * the bad rows. A lookup that fails (the database, not a row) stops it:
 * that error, since a row that could not be checked is not valid. */
int comm_import_check(struct db_conn *c, struct comm_import *im, const struct auth_user *scope,
                      struct crest_error *err);

/* In a write transaction (the fn of db_write or http_write; re-runnable):
 * comm_import_check, then, if no row is bad or skip_bad is set, insert the
 * good rows and append one audit row: actor's user_id, username, role and
 * addr, action "import", entity "person", entity_id the number written,
 * region scope->scope. With bad rows and no skip_bad nothing is written and
 * it returns CREST_INVALID with the key "import_rejected". */
int comm_import_write(struct db_conn *c, struct comm_import *im, const struct auth_user *scope,
                      const struct audit_entry *actor, struct crest_error *err);

/* Counts: rows read (header excluded), bad rows after the last check, rows
 * written by the last comm_import_write. */
int comm_import_rows(const struct comm_import *im);
int64_t comm_import_bad(const struct comm_import *im);
int64_t comm_import_created(const struct comm_import *im);

/* Row i's errors (empty when good) and its line in the file (the header is
 * line 1). arg is the import: the shape http_import_report wants. The rows
 * keep their errors packed (only a bad row has any); the answer is unpacked
 * into the import and holds until the next call. */
const struct crest_error *comm_import_row_err(void *arg, int i, int *line);

#endif
