/*
 * csv.h - an RFC 4180 CSV reader over a memory buffer: quoted fields, doubled
 * quotes, CRLF or LF, a UTF-8 BOM skipped. Fields are views into the buffer
 * unless quoted with doubled quotes, in which case they are unescaped into a
 * per-reader scratch buffer. No field or row may exceed the set maximums
 * (CREST_TOOBIG), so a hostile file cannot make it allocate without bound.
 */
#ifndef CREST_CSV_H
#define CREST_CSV_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

#define CSV_MAX_FIELDS 64

struct csv {
    const char *p, *end;
    int line; /* 1-based line of the row just read */
    int nfields;
    struct str f[CSV_MAX_FIELDS];
    struct buf scratch; /* unescaped quoted fields of the current row */
};

void csv_init(struct csv *c, const char *data, size_t n);
/* Read the next row: 1 row, 0 end of input, -1 malformed (c->line says where). */
int csv_next(struct csv *c);
void csv_cleanup(struct csv *c);

/* Append s to b as one CSV field: quoted when it holds a comma, quote or
 * line break; a leading = + - @ is prefixed with ' inside quotes, so a
 * spreadsheet shows the text instead of running it as a formula. */
void csv_write_field(struct buf *b, const char *s);

#endif
