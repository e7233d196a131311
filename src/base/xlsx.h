/*
 * xlsx.h - spreadsheets in and out. Officials keep their lists in Excel, so
 * imports accept XLSX beside CSV and every export offers XLSX.
 *
 * Reading: the first worksheet of an .xlsx (a zip of XML parts) read from
 * memory with minizip and expat, cells as text (shared strings, inline
 * strings, numbers as written). Hard limits on every size so a hostile file
 * (zip bomb, a million columns) fails cleanly with CREST_TOOBIG/INVALID.
 * Writing: libxlsxwriter into a temporary file, returned as bytes.
 */
#ifndef CREST_XLSX_H
#define CREST_XLSX_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define XLSX_MAX_COLS 64
#define XLSX_MAX_ROWS 200000
#define XLSX_MAX_PART ((size_t)64 << 20) /* uncompressed bytes of one XML part */

/* Called per row, in order; empty rows are skipped. cells[i] is "" when the
 * cell is empty; ncells = 1 + the last non-empty column. Return non-zero to
 * stop (xlsx_read then returns that value). */
typedef int (*xlsx_row_fn)(void *arg, int row, int ncells, const char *const *cells);

int xlsx_read(const void *data, size_t n, xlsx_row_fn fn, void *arg, struct crest_error *err);

/* A sheet being written. Cells that look like numbers are written as text
 * unless added with xlsx_out_num: region codes must keep their digits. */
struct xlsx_out;
struct xlsx_out *xlsx_out_new(const char *sheet_name);
void xlsx_out_str(struct xlsx_out *x, int row, int col, const char *s);
void xlsx_out_num(struct xlsx_out *x, int row, int col, double v);
/* Finish into out (appended); frees x. CREST_OK or CREST_IO. */
int xlsx_out_finish(struct xlsx_out *x, struct buf *out);

#endif
