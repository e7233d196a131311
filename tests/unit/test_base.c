/*
 * test_base.c - unit tests for src/base: the bounded buffer, string views,
 * the arena, the CSV reader, JSON request decoding, the error struct and the
 * small utilities (hex, SHA-256, ISO 8601). Table-driven where the behaviour
 * is a mapping from input to output; every case names what it protects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/jdec.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/util.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* True when s is well-formed UTF-8 (no truncated or stray sequence). */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int len = *p < 0x80             ? 1
                  : (*p & 0xE0) == 0xC0 ? 2
                  : (*p & 0xF0) == 0xE0 ? 3
                  : (*p & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (len == 0)
            return 0;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += len;
    }
    return 1;
}

/* ------------------------------------------------------------------ buf */

static void test_buf_append_up_to_max_succeeds_and_terminates(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "abc", 3), CREST_OK);
    assert_int_equal(b.n, 3);
    assert_string_equal(b.p, "abc");
    assert_int_equal(buf_append(&b, "defgh", 5), CREST_OK); /* exactly max: allowed */
    assert_int_equal(b.n, 8);
    assert_string_equal(b.p, "abcdefgh");
    buf_cleanup(&b);
}

static void test_buf_append_past_max_fails_and_leaves_buffer_unchanged(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "abcdef"), CREST_OK);
    char *before = b.p;
    assert_int_equal(buf_append(&b, "xyz", 3), CREST_TOOBIG);
    assert_int_equal(b.n, 6);
    assert_ptr_equal(b.p, before);
    assert_string_equal(b.p, "abcdef");
    /* a length that would overflow size_t arithmetic is refused too */
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), CREST_TOOBIG);
    assert_int_equal(b.n, 6);
    assert_string_equal(b.p, "abcdef");
    buf_cleanup(&b);
}

static void test_buf_printf_past_max_fails_and_leaves_buffer_unchanged(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), CREST_OK);
    assert_string_equal(b.p, "42-ab");
    assert_int_equal(buf_printf(&b, "%s", "123456"), CREST_TOOBIG);
    assert_int_equal(b.n, 5);
    assert_string_equal(b.p, "42-ab");
    assert_int_equal(buf_printf(&b, "%05d", 7), CREST_OK); /* 10 bytes exactly */
    assert_string_equal(b.p, "42-ab00007");
    buf_cleanup(&b);
}

static void test_buf_grows_across_many_appends_and_stays_terminated(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 5000);
    for (int i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(buf_append(&b, &c, 1), CREST_OK);
        assert_int_equal(b.p[b.n], '\0');
    }
    assert_int_equal(buf_append(&b, "z", 1), CREST_TOOBIG);
    assert_int_equal(strlen(b.p), 5000);
    for (size_t i = 0; i < b.n; i++)
        assert_int_equal(b.p[i], 'a' + (int)(i % 26));
    buf_cleanup(&b);
}

static void test_buf_reset_empties_and_keeps_memory(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    buf_puts(&b, "hello");
    char *p = b.p;
    buf_reset(&b);
    assert_int_equal(b.n, 0);
    assert_ptr_equal(b.p, p);
    assert_string_equal(b.p, "");
    buf_reset(&b);
    buf_cleanup(&b);
    buf_reset(&b); /* on a buffer with no memory: harmless */
    assert_null(b.p);
}

static void test_buf_append_nothing_gives_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "", 0), CREST_OK);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(buf_append(&b, "x", 1), CREST_TOOBIG);
    buf_cleanup(&b);
}

static void test_buf_steal_hands_over_terminated_bytes(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    buf_puts(&b, "abc");
    size_t len = 99;
    char *p = buf_steal(&b, &len);
    assert_string_equal(p, "abc");
    assert_int_equal(len, 3);
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    free(p);
    /* the buffer is reusable after a steal */
    assert_int_equal(buf_puts(&b, "de"), CREST_OK);
    assert_string_equal(b.p, "de");
    buf_cleanup(&b);
}

static void test_buf_steal_of_empty_buffer_is_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    size_t len = 99;
    char *p = buf_steal(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    free(p);
}

/* ------------------------------------------------------------------ str */

static void test_str_cut_splits_at_first_separator(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *head;
        const char *rest; /* NULL: separator absent (rest.p == NULL) */
    } cases[] = {
        {"a=b", "a", "b"}, {"abc", "abc", NULL},  {"=b", "", "b"}, {"a=", "a", ""},
        {"", "", NULL},    {"a=b=c", "a", "b=c"}, {"==", "", "="},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct str head;
        struct str rest = str_cut(str_of(cases[i].in), '=', &head);
        if (!str_eq_c(head, cases[i].head))
            fail_msg("case %zu \"%s\": head is \"%.*s\"", i, cases[i].in, (int)head.n, head.p);
        if (cases[i].rest == NULL) {
            assert_null(rest.p);
            assert_int_equal(rest.n, 0);
        } else {
            assert_non_null(rest.p);
            if (!str_eq_c(rest, cases[i].rest))
                fail_msg("case %zu \"%s\": rest is \"%.*s\"", i, cases[i].in, (int)rest.n, rest.p);
        }
    }
}

static void test_str_cut_does_not_read_past_view(void **state)
{
    (void)state;
    /* the separator lies just past the view: it must not be found */
    const char text[] = "ab=c";
    struct str head;
    struct str rest = str_cut((struct str){text, 2}, '=', &head);
    assert_null(rest.p);
    assert_int_equal(head.n, 2);
}

static void test_str_to_i64_accepts_only_in_range_decimals(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ok;
        int64_t want;
    } cases[] = {
        {"0", 1, 0},
        {"-0", 1, 0},
        {"7", 1, 7},
        {"007", 1, 7},
        {"-123", 1, -123},
        {"9223372036854775807", 1, INT64_MAX},
        {"-9223372036854775808", 1, INT64_MIN},
        {"9223372036854775808", 0, 0},
        {"-9223372036854775809", 0, 0},
        {"9999999999999999999", 0, 0},
        {"18446744073709551615", 0, 0},
        {"18446744073709551616", 0, 0},
        {"99999999999999999999999", 0, 0},
        {"", 0, 0},
        {"-", 0, 0},
        {"--1", 0, 0},
        {"+1", 0, 0},
        {" 1", 0, 0},
        {"1 ", 0, 0},
        {"1a", 0, 0},
        {"0x10", 0, 0},
        {"1.5", 0, 0},
        {"1e3", 0, 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t v = 4242;
        bool ok = str_to_i64(str_of(cases[i].in), &v);
        if ((int)ok != cases[i].ok)
            fail_msg("case %zu \"%s\": ok=%d, want %d", i, cases[i].in, ok, cases[i].ok);
        if (ok && v != cases[i].want)
            fail_msg("case %zu \"%s\": got %lld", i, cases[i].in, (long long)v);
        if (!ok && v != 4242)
            fail_msg("case %zu \"%s\": output written on failure", i, cases[i].in);
    }
}

static void test_str_to_i64_reads_only_the_view(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(str_to_i64((struct str){"12345", 3}, &v));
    assert_int_equal(v, 123);
    assert_false(str_to_i64((struct str){"12345", 0}, &v));
}

static void test_str_all_digits(void **state)
{
    (void)state;
    assert_true(str_all_digits(str_of("0123456789")));
    assert_false(str_all_digits(str_of("")));
    assert_false(str_all_digits(str_of("12a")));
    assert_false(str_all_digits(str_of("-1")));
    assert_false(str_all_digits(str_of("\xd9\xa3"))); /* Arabic-Indic three */
}

static void test_str_eq_compares_views(void **state)
{
    (void)state;
    assert_true(str_eq(STR_LIT("abc"), (struct str){"abcd", 3}));
    assert_false(str_eq(STR_LIT("abc"), STR_LIT("abd")));
    assert_false(str_eq(STR_LIT("abc"), STR_LIT("ab")));
    assert_true(str_eq((struct str){NULL, 0}, STR_LIT("")));
    assert_true(str_eq_c(STR_LIT(""), NULL));
}

static void test_str_copy_cuts_at_utf8_boundary(void **state)
{
    (void)state;
    /* 请 = E8 AF B7 (3 bytes), 😀 = F0 9F 98 80 (4 bytes) */
    static const struct {
        const char *src;
        size_t cap;
        const char *want;
    } cases[] = {
        {"hello", 10, "hello"},
        {"hello", 6, "hello"},
        {"hello", 5, "hell"},
        {"hello", 1, ""},
        {NULL, 4, ""},
        {"\xe8\xaf\xb7", 4, "\xe8\xaf\xb7"},
        {"\xe8\xaf\xb7", 3, ""},
        {"\xe8\xaf\xb7", 2, ""},
        {"a\xe8\xaf\xb7", 4, "a"},
        {"a\xe8\xaf\xb7", 5, "a\xe8\xaf\xb7"},
        {"\xe8\xaf\xb7\xe8\xaf\xb7", 6, "\xe8\xaf\xb7"},
        {"\xe8\xaf\xb7\xe8\xaf\xb7", 7, "\xe8\xaf\xb7\xe8\xaf\xb7"},
        {"\xf0\x9f\x98\x80x", 4, ""},
        {"\xf0\x9f\x98\x80x", 5, "\xf0\x9f\x98\x80"},
        {"\xc3\xa9\xc3\xa9", 4, "\xc3\xa9"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[16];
        memset(out, 'Z', sizeof out);
        str_copy(out, cases[i].cap, cases[i].src);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu cap %zu: got \"%s\", want \"%s\"", i, cases[i].cap, out,
                     cases[i].want);
        assert_true(utf8_valid(out));
        /* nothing written past cap */
        for (size_t k = cases[i].cap; k < sizeof out; k++)
            assert_int_equal(out[k], 'Z');
    }
    char z = 'Z';
    str_copy(&z, 0, "abc"); /* cap 0 writes nothing */
    assert_int_equal(z, 'Z');
}

static void test_str_ct_equal(void **state)
{
    (void)state;
    assert_true(str_ct_equal("abcdef", "abcdef", 6));
    assert_false(str_ct_equal("abcdef", "abcdeF", 6));
    assert_false(str_ct_equal("Xbcdef", "abcdef", 6));
    assert_true(str_ct_equal("a", "b", 0));
}

/* ---------------------------------------------------------------- arena */

static void test_arena_allocations_are_aligned_distinct_and_survive(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    enum { N = 2000 };
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)(i * 37 % 300) + 1;
        if (i % 500 == 7)
            sizes[i] = 20000; /* bigger than a block */
        ptrs[i] = arena_alloc(&a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % _Alignof(max_align_t), 0);
        memset(ptrs[i], i & 0xff, sizes[i]);
    }
    /* no allocation overwrote another */
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            if (ptrs[i][k] != (unsigned char)(i & 0xff))
                fail_msg("allocation %d byte %zu was overwritten", i, k);
    arena_free(&a);
    assert_null(a.head);
    /* usable again after a free */
    char *s = arena_strdup(&a, "again");
    assert_string_equal(s, "again");
    arena_free(&a);
}

static void test_arena_string_helpers(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    char *s = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    char *p = arena_printf(&a, "%s-%d-%05.1f", "x", -7, 2.25);
    assert_string_equal(p, "x--7-002.2");
    char big[10000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *q = arena_printf(&a, "<%s>", big);
    assert_int_equal(strlen(q), sizeof big + 1);
    assert_int_equal(q[0], '<');
    assert_int_equal(q[sizeof big], '>');
    assert_string_equal(s, "abc"); /* earlier strings untouched */
    arena_free(&a);
}

static void test_xcalloc_zeroes_and_xstrndup_terminates(void **state)
{
    (void)state;
    unsigned char *z = xcalloc(100, 3);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    free(z);
    char *d = xstrndup("abcdef", 4);
    assert_string_equal(d, "abcd");
    free(d);
    char *e = xstrdup("");
    assert_string_equal(e, "");
    free(e);
}

/* ------------------------------------------------------------------ csv */

#define CSV_ROWS 4
#define CSV_COLS 4

struct csv_case {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    int nrows;  /* rows read before the end or the error */
    int nfields[CSV_ROWS];
    const char *f[CSV_ROWS][CSV_COLS];
    int error;      /* 1: csv_next returns -1 after nrows rows */
    int error_line; /* c->line at the error */
};

static const struct csv_case csv_cases[] = {
    {"plain LF", "a,b,c\n1,2,3\n", 0, 2, {3, 3}, {{"a", "b", "c"}, {"1", "2", "3"}}, 0, 0},
    {"CRLF", "a,b\r\n1,2\r\n", 0, 2, {2, 2}, {{"a", "b"}, {"1", "2"}}, 0, 0},
    {"no final newline", "a,b\n1,2", 0, 2, {2, 2}, {{"a", "b"}, {"1", "2"}}, 0, 0},
    {"BOM skipped",
     "\xEF\xBB\xBFname,code\nx,1\n",
     0,
     2,
     {2, 2},
     {{"name", "code"}, {"x", "1"}},
     0,
     0},
    {"BOM only", "\xEF\xBB\xBF", 0, 0, {0}, {{NULL}}, 0, 0},
    {"empty input", "", 0, 0, {0}, {{NULL}}, 0, 0},
    {"quoted comma", "\"a,b\",c\n", 0, 1, {2}, {{"a,b", "c"}}, 0, 0},
    {"doubled quotes", "\"say \"\"hi\"\"\",x\n", 0, 1, {2}, {{"say \"hi\"", "x"}}, 0, 0},
    {"only a doubled quote", "\"\"\"\"\n", 0, 1, {1}, {{"\""}}, 0, 0},
    {"empty quoted", "\"\",x\n", 0, 1, {2}, {{"", "x"}}, 0, 0},
    {"newline inside quotes",
     "\"multi\nline\",x\nnext,y\n",
     0,
     2,
     {2, 2},
     {{"multi\nline", "x"}, {"next", "y"}},
     0,
     0},
    {"CRLF inside quotes", "\"a\r\nb\"\r\n", 0, 1, {1}, {{"a\r\nb"}}, 0, 0},
    {"empty fields", "a,,c\n,\n", 0, 2, {3, 2}, {{"a", "", "c"}, {"", ""}}, 0, 0},
    {"trailing comma", "a,b,\n", 0, 1, {3}, {{"a", "b", ""}}, 0, 0},
    {"UTF-8 fields",
     "\xe6\x9d\xad\xe5\xb7\x9e,330100\n",
     0,
     1,
     {2},
     {{"\xe6\x9d\xad\xe5\xb7\x9e", "330100"}},
     0,
     0},
    /* the reader runs to the end looking for the closing quote: line is where it stopped */
    {"unterminated quote", "\"abc,x\n", 0, 0, {0}, {{NULL}}, 1, 2},
    {"unterminated quote, no newline", "\"abc,x", 0, 0, {0}, {{NULL}}, 1, 1},
    {"unterminated quote on row 2", "a\n\"b,c", 0, 1, {1}, {{"a"}}, 1, 2},
    {"bare quote in field", "ab\"c,d\n", 0, 0, {0}, {{NULL}}, 1, 1},
    {"text after closing quote", "\"ab\"c,d\n", 0, 0, {0}, {{NULL}}, 1, 1},
    {"space after closing quote", "ok\n\"ab\" ,d\n", 0, 1, {1}, {{"ok"}}, 1, 2},
    {"quote at end of input", "a,\"", 0, 0, {0}, {{NULL}}, 1, 1},
};

static void test_csv_reads_rfc4180(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(csv_cases); i++) {
        const struct csv_case *t = &csv_cases[i];
        size_t len = t->len ? t->len : strlen(t->in);
        /* an exact-size copy so ASan catches any read past the end */
        char *data = xmalloc(len ? len : 1);
        memcpy(data, t->in, len);
        struct csv c;
        csv_init(&c, data, len);
        int r, row = 0;
        while ((r = csv_next(&c)) == 1) {
            if (row >= t->nrows)
                fail_msg("%s: more than %d rows", t->name, t->nrows);
            if (c.nfields != t->nfields[row])
                fail_msg("%s: row %d has %d fields, want %d", t->name, row, c.nfields,
                         t->nfields[row]);
            for (int k = 0; k < c.nfields && k < CSV_COLS; k++)
                if (!str_eq_c(c.f[k], t->f[row][k]))
                    fail_msg("%s: row %d field %d is \"%.*s\", want \"%s\"", t->name, row, k,
                             (int)c.f[k].n, c.f[k].p, t->f[row][k]);
            row++;
        }
        if (row != t->nrows)
            fail_msg("%s: read %d rows, want %d", t->name, row, t->nrows);
        if (t->error) {
            if (r != -1)
                fail_msg("%s: csv_next returned %d, want -1", t->name, r);
            if (c.line != t->error_line)
                fail_msg("%s: error on line %d, want %d", t->name, c.line, t->error_line);
        } else if (r != 0) {
            fail_msg("%s: csv_next returned %d at the end, want 0", t->name, r);
        }
        csv_cleanup(&c);
        free(data);
    }
}

static void test_csv_counts_lines_across_quoted_newlines(void **state)
{
    (void)state;
    const char *in = "h\n\"a\nb\nc\",x\nlast\n";
    struct csv c;
    csv_init(&c, in, strlen(in));
    assert_int_equal(csv_next(&c), 1);
    assert_int_equal(c.line, 1);
    assert_int_equal(csv_next(&c), 1);
    assert_int_equal(csv_next(&c), 1);
    assert_true(str_eq_c(c.f[0], "last"));
    assert_int_equal(c.line, 5); /* the row starts on the 5th line of the file */
    assert_int_equal(csv_next(&c), 0);
    csv_cleanup(&c);
}

static void test_csv_accepts_max_fields_and_rejects_one_more(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        buf_printf(&b, "%s%d", i ? "," : "", i);
    buf_puts(&b, "\n");
    struct csv c;
    csv_init(&c, b.p, b.n);
    assert_int_equal(csv_next(&c), 1);
    assert_int_equal(c.nfields, CSV_MAX_FIELDS);
    assert_true(str_eq_c(c.f[CSV_MAX_FIELDS - 1], "63"));
    csv_cleanup(&c);

    buf_reset(&b);
    for (int i = 0; i <= CSV_MAX_FIELDS; i++)
        buf_printf(&b, "%s%d", i ? "," : "", i);
    csv_init(&c, b.p, b.n);
    assert_int_equal(csv_next(&c), -1);
    csv_cleanup(&c);
    buf_cleanup(&b);
}

static void test_csv_quoted_fields_survive_scratch_growth(void **state)
{
    (void)state;
    /* several long quoted fields in one row make the scratch buffer move;
     * every earlier field must still point at its own text */
    struct buf in;
    buf_init(&in, 1 << 16);
    char want[5][700];
    for (int k = 0; k < 5; k++) {
        size_t n = 300 + (size_t)k * 90;
        for (size_t j = 0; j < n; j++)
            want[k][j] = (char)('a' + (k + (int)j) % 26);
        want[k][n] = '\0';
        buf_printf(&in, "%s\"%s\"\"\"", k ? "," : "", want[k]);
        size_t l = strlen(want[k]);
        want[k][l] = '"';
        want[k][l + 1] = '\0';
    }
    struct csv c;
    csv_init(&c, in.p, in.n);
    assert_int_equal(csv_next(&c), 1);
    assert_int_equal(c.nfields, 5);
    for (int k = 0; k < 5; k++)
        if (!str_eq_c(c.f[k], want[k]))
            fail_msg("field %d changed after the scratch buffer grew", k);
    csv_cleanup(&c);
    buf_cleanup(&in);
}

/* ----------------------------------------------------------------- jdec */

static const struct crest_field_err *find_field(const struct crest_error *e, const char *name)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, name) == 0)
            return &e->fields[i];
    return NULL;
}

static void test_jdec_rejects_bodies_that_are_not_objects(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *code;
    } cases[] = {
        {"", "required"},
        {"{", "malformed"},
        {"{\"a\":1,}", "malformed"},
        {"[1,2]", "type"},
        {"\"text\"", "malformed"}, /* jansson wants an array or object */
        {"42", "malformed"},
        {"null", "malformed"},
        {"{\"a\":1,\"a\":2}", "malformed"},            /* duplicate key */
        {"{\"a\":\"\xff\"}", "malformed"},             /* invalid UTF-8 */
        {"{\"a\":\"x\\u0000y\"}", "malformed"},        /* NUL */
        {"{\"a\":1} {\"b\":2}", "malformed"},          /* trailing data */
        {"{\"a\":99999999999999999999}", "malformed"}, /* beyond 64 bits */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct crest_error e;
        crest_error_clear(&e);
        struct jdec d;
        int rc = jdec_begin(&d, cases[i].body, strlen(cases[i].body), &e);
        if (rc != CREST_INVALID || e.code != CREST_INVALID)
            fail_msg("case %zu %s: rc %d", i, cases[i].body, rc);
        assert_int_equal(e.nfields, 1);
        assert_string_equal(e.fields[0].field, "body");
        if (strcmp(e.fields[0].code, cases[i].code) != 0)
            fail_msg("case %zu %s: code %s, want %s", i, cases[i].body, e.fields[0].code,
                     cases[i].code);
        /* decoders after a failed begin add nothing and do not crash */
        assert_null(jdec_str(&d, "a", true, 0, 10));
        assert_int_equal(jdec_end(&d), CREST_INVALID);
        assert_int_equal(e.nfields, 1);
        jdec_free(&d);
    }
}

static void test_jdec_malformed_body_says_where(void **state)
{
    (void)state;
    struct crest_error e;
    crest_error_clear(&e);
    struct jdec d;
    const char *body = "{\n\"a\": tru}";
    jdec_begin(&d, body, strlen(body), &e);
    assert_string_equal(e.fields[0].key, "body_malformed");
    assert_true(strchr(e.fields[0].arg, ':') != NULL); /* "line:column" */
    assert_int_equal(e.fields[0].arg[0], '2');
    jdec_free(&d);
}

static void test_jdec_decodes_valid_fields(void **state)
{
    (void)state;
    const char *body =
        "{\"name\":\"\xe8\xa5\xbf\xe6\xb9\x96\",\"n\":-5,\"big\":9223372036854775807,"
        "\"ok\":true,\"off\":false,\"opt\":null}";
    struct crest_error e;
    crest_error_clear(&e);
    struct jdec d;
    assert_int_equal(jdec_begin(&d, body, strlen(body), &e), CREST_OK);
    assert_string_equal(jdec_str(&d, "name", true, 1, 2), "\xe8\xa5\xbf\xe6\xb9\x96");
    int64_t n = 0, big = 0, absent = 77;
    assert_true(jdec_int(&d, "n", true, -5, 5, &n));
    assert_int_equal(n, -5);
    assert_true(jdec_int(&d, "big", true, INT64_MIN, INT64_MAX, &big));
    assert_true(big == INT64_MAX);
    bool ok = false, off = true;
    assert_true(jdec_bool(&d, "ok", true, &ok));
    assert_true(ok);
    assert_true(jdec_bool(&d, "off", true, &off));
    assert_false(off);
    assert_null(jdec_str(&d, "opt", false, 0, 10)); /* null = absent, optional */
    assert_false(jdec_int(&d, "missing", false, 0, 1, &absent));
    assert_int_equal(absent, 77);
    assert_int_equal(jdec_end(&d), CREST_OK);
    assert_int_equal(e.nfields, 0);
    jdec_free(&d);
}

struct jdec_case {
    const char *name;
    const char *body;
    char kind; /* 's' string, 'i' int, 'b' bool */
    bool required;
    int64_t min, max; /* string: length bounds in characters; int: value bounds */
    const char *code; /* expected field error code on "v", NULL = accepted */
    const char *arg;  /* expected arg, NULL = not checked */
};

static const struct jdec_case jdec_cases[] = {
    {"required absent", "{}", 's', true, 0, 10, "required", NULL},
    {"required null", "{\"v\":null}", 's', true, 0, 10, "required", NULL},
    {"optional absent", "{}", 's', false, 0, 10, NULL, NULL},
    {"string given number", "{\"v\":1}", 's', true, 0, 10, "type", NULL},
    {"string given object", "{\"v\":{}}", 's', true, 0, 10, "type", NULL},
    {"string given array", "{\"v\":[\"a\"]}", 's', true, 0, 10, "type", NULL},
    {"empty string below min", "{\"v\":\"\"}", 's', true, 1, 10, "required", NULL},
    {"too short", "{\"v\":\"a\"}", 's', true, 2, 10, "too_short", "2"},
    {"at max in ASCII", "{\"v\":\"abc\"}", 's', true, 0, 3, NULL, NULL},
    {"over max in ASCII", "{\"v\":\"abcd\"}", 's', true, 0, 3, "too_long", "3"},
    /* 9 bytes, 3 characters: lengths count characters, not bytes */
    {"CJK at max", "{\"v\":\"\xe8\xaf\xb7\xe8\xaf\xb7\xe8\xaf\xb7\"}", 's', true, 0, 3, NULL, NULL},
    {"CJK over max", "{\"v\":\"\xe8\xaf\xb7\xe8\xaf\xb7\xe8\xaf\xb7\xe8\xaf\xb7\"}", 's', true, 0,
     3, "too_long", "3"},
    {"escaped CJK counted as characters", "{\"v\":\"\\u8bf7\\u8bf7\"}", 's', true, 2, 2, NULL,
     NULL},
    {"emoji is one character", "{\"v\":\"\\ud83d\\ude00\"}", 's', true, 1, 1, NULL, NULL},
    {"tab", "{\"v\":\"a\\tb\"}", 's', true, 0, 10, "invalid", NULL},
    {"newline", "{\"v\":\"a\\nb\"}", 's', true, 0, 10, "invalid", NULL},
    {"unit separator", "{\"v\":\"a\\u001fb\"}", 's', true, 0, 10, "invalid", NULL},
    {"DEL", "{\"v\":\"a\\u007fb\"}", 's', true, 0, 10, "invalid", NULL},
    {"SQL metacharacters are just text", "{\"v\":\"'; DROP TABLE x;--\"}", 's', true, 0, 40, NULL,
     NULL},
    {"int given string", "{\"v\":\"5\"}", 'i', true, 0, 10, "type", NULL},
    {"int given real", "{\"v\":1.0}", 'i', true, 0, 10, "type", NULL},
    {"int given bool", "{\"v\":true}", 'i', true, 0, 10, "type", NULL},
    {"int at min", "{\"v\":1}", 'i', true, 1, 10, NULL, NULL},
    {"int at max", "{\"v\":10}", 'i', true, 1, 10, NULL, NULL},
    {"int below min", "{\"v\":0}", 'i', true, 1, 10, "range", "1..10"},
    {"int above max", "{\"v\":11}", 'i', true, 1, 10, "range", "1..10"},
    {"int required absent", "{}", 'i', true, 1, 10, "required", NULL},
    {"bool given int", "{\"v\":1}", 'b', true, 0, 0, "type", NULL},
    {"bool given string", "{\"v\":\"true\"}", 'b', true, 0, 0, "type", NULL},
    {"bool required null", "{\"v\":null}", 'b', true, 0, 0, "required", NULL},
};

static void test_jdec_field_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(jdec_cases); i++) {
        const struct jdec_case *t = &jdec_cases[i];
        struct crest_error e;
        crest_error_clear(&e);
        struct jdec d;
        if (jdec_begin(&d, t->body, strlen(t->body), &e) != CREST_OK)
            fail_msg("%s: body rejected", t->name);
        bool got = false;
        if (t->kind == 's') {
            const char *s = jdec_str(&d, "v", t->required, (size_t)t->min, (size_t)t->max);
            got = s != NULL;
        } else if (t->kind == 'i') {
            int64_t v;
            got = jdec_int(&d, "v", t->required, t->min, t->max, &v);
        } else {
            bool v;
            got = jdec_bool(&d, "v", t->required, &v);
        }
        int rc = jdec_end(&d);
        if (t->code == NULL) {
            if (rc != CREST_OK || e.nfields != 0)
                fail_msg("%s: rejected (%s)", t->name, e.nfields ? e.fields[0].code : "?");
            if (strcmp(t->body, "{}") != 0 && !got)
                fail_msg("%s: accepted but no value returned", t->name);
        } else {
            if (got)
                fail_msg("%s: a value was returned for a bad field", t->name);
            if (rc != CREST_INVALID || e.nfields != 1)
                fail_msg("%s: rc %d with %d field errors", t->name, rc, e.nfields);
            assert_string_equal(e.fields[0].field, "v");
            if (strcmp(e.fields[0].code, t->code) != 0)
                fail_msg("%s: code %s, want %s", t->name, e.fields[0].code, t->code);
            assert_non_null(e.fields[0].key);
            if (t->arg && strcmp(e.fields[0].arg, t->arg) != 0)
                fail_msg("%s: arg %s, want %s", t->name, e.fields[0].arg, t->arg);
        }
        jdec_free(&d);
    }
}

static void test_jdec_names_every_bad_and_unknown_field(void **state)
{
    (void)state;
    const char *body = "{\"name\":5,\"age\":-1,\"zz\":1,\"ok\":true,\"extra\":null}";
    struct crest_error e;
    crest_error_clear(&e);
    struct jdec d;
    assert_int_equal(jdec_begin(&d, body, strlen(body), &e), CREST_OK);
    int64_t age;
    bool ok;
    assert_null(jdec_str(&d, "name", true, 1, 10));
    assert_false(jdec_int(&d, "age", true, 0, 150, &age));
    assert_true(jdec_bool(&d, "ok", true, &ok));
    assert_null(jdec_str(&d, "city", true, 1, 10));
    assert_int_equal(jdec_end(&d), CREST_INVALID);
    assert_int_equal(e.nfields, 5);
    assert_string_equal(find_field(&e, "name")->code, "type");
    assert_string_equal(find_field(&e, "age")->code, "range");
    assert_string_equal(find_field(&e, "city")->code, "required");
    assert_string_equal(find_field(&e, "zz")->code, "unknown");
    assert_string_equal(find_field(&e, "extra")->code, "unknown"); /* even when null */
    assert_null(find_field(&e, "ok"));
    jdec_free(&d);
}

static void test_jdec_long_unknown_name_is_cut_on_a_character(void **state)
{
    (void)state;
    /* 40 three-byte characters: 120 bytes, does not fit a 64-byte field name */
    struct buf b;
    buf_init(&b, 4096);
    buf_puts(&b, "{\"");
    for (int i = 0; i < 40; i++)
        buf_puts(&b, "\xe5\x90\x8d");
    buf_puts(&b, "\":1}");
    struct crest_error e;
    crest_error_clear(&e);
    struct jdec d;
    assert_int_equal(jdec_begin(&d, b.p, b.n, &e), CREST_OK);
    assert_int_equal(jdec_end(&d), CREST_INVALID);
    assert_int_equal(e.nfields, 1);
    assert_string_equal(e.fields[0].code, "unknown");
    assert_true(strlen(e.fields[0].field) > 0);
    assert_true(utf8_valid(e.fields[0].field));
    jdec_free(&d);
    buf_cleanup(&b);
}

static void test_jdec_utf8_len_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(jdec_utf8_len(""), 0);
    assert_int_equal(jdec_utf8_len("abc"), 3);
    assert_int_equal(jdec_utf8_len("\xc3\xa9t\xc3\xa9"), 3);
    assert_int_equal(jdec_utf8_len("\xe8\xaf\xb7\xe5\x85\x88"), 2);
    assert_int_equal(jdec_utf8_len("\xf0\x9f\x98\x80!"), 2);
}

/* ------------------------------------------------------------------ err */

static void test_error_field_list_keeps_the_first_fields(void **state)
{
    (void)state;
    struct crest_error e;
    crest_error_clear(&e);
    for (int i = 0; i < CREST_ERR_MAX_FIELDS + 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        assert_int_equal(crest_error_field(&e, name, "required", "field_required", NULL),
                         CREST_INVALID);
    }
    assert_int_equal(e.code, CREST_INVALID);
    assert_int_equal(e.nfields, CREST_ERR_MAX_FIELDS);
    for (int i = 0; i < CREST_ERR_MAX_FIELDS; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        assert_string_equal(e.fields[i].field, name);
        assert_string_equal(e.fields[i].arg, "");
    }
}

static void test_error_field_keeps_an_earlier_code(void **state)
{
    (void)state;
    struct crest_error e;
    crest_error_clear(&e);
    crest_error_set(&e, CREST_CONFLICT, "conflict_exists", NULL);
    crest_error_field(&e, "code", "exists", "region_exists", NULL);
    assert_int_equal(e.code, CREST_CONFLICT);
    assert_int_equal(e.nfields, 1);
    crest_error_clear(&e);
    assert_int_equal(e.code, CREST_OK);
    assert_int_equal(e.nfields, 0);
    assert_null(e.key);
    assert_string_equal(e.detail, "");
}

static void test_error_field_truncates_on_a_character(void **state)
{
    (void)state;
    struct crest_error e;
    crest_error_clear(&e);
    char longname[200], longarg[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    longarg[0] = 'a'; /* then 90 bytes of three-byte characters: 63 bytes ends mid-character */
    for (int i = 0; i < 30; i++)
        memcpy(longarg + 1 + 3 * i, "\xe8\xaf\xb7", 4);
    crest_error_field(&e, longname, "required", "field_required", longarg);
    assert_int_equal(strlen(e.fields[0].field), sizeof e.fields[0].field - 1);
    assert_true(strlen(e.fields[0].arg) < sizeof e.fields[0].arg);
    assert_true(strlen(e.fields[0].arg) > 0);
    assert_true(utf8_valid(e.fields[0].arg)); /* the arg goes into a JSON message */
}

/* pack/unpack gives back every field error with the same text (incl. the
 * longest field names and args, an empty arg, all 16 slots), the code and
 * the key; nothing to pack is NULL, and NULL unpacks to a cleared error */
static void test_error_pack_round_trip(void **state)
{
    (void)state;
    struct crest_error e, back;
    crest_error_clear(&e);
    assert_null(crest_error_pack(&e));
    crest_error_set(&e, CREST_CONFLICT, "conflict_exists", "a detail that is not kept");
    assert_null(crest_error_pack(&e)); /* no field errors */
    char longname[200], longarg[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    memset(longarg, 'a', sizeof longarg - 1);
    longarg[sizeof longarg - 1] = '\0';
    crest_error_field(&e, longname, "too_long", "field_too_long", longarg);
    crest_error_field(&e, "id_number", "checksum", "person_id_checksum", NULL);
    for (int i = 0; i < CREST_ERR_MAX_FIELDS; i++) {
        char name[32], arg[16];
        snprintf(name, sizeof name, "items[%d].qty", i);
        snprintf(arg, sizeof arg, "%d", i);
        crest_error_field(&e, name, "range", "field_range", arg);
    }
    assert_int_equal(e.nfields, CREST_ERR_MAX_FIELDS);
    struct crest_error_packed *p = crest_error_pack(&e);
    assert_non_null(p);
    memset(&back, 0x5a, sizeof back);
    crest_error_unpack(p, &back);
    assert_int_equal(back.code, CREST_CONFLICT);
    assert_ptr_equal(back.key, e.key);
    assert_string_equal(back.detail, "");
    assert_int_equal(back.nfields, e.nfields);
    for (int i = 0; i < e.nfields; i++) {
        assert_string_equal(back.fields[i].field, e.fields[i].field);
        assert_string_equal(back.fields[i].code, e.fields[i].code);
        assert_ptr_equal(back.fields[i].key, e.fields[i].key);
        assert_string_equal(back.fields[i].arg, e.fields[i].arg);
    }
    free(p);
    crest_error_unpack(NULL, &back);
    assert_int_equal(back.code, CREST_OK);
    assert_int_equal(back.nfields, 0);
    assert_null(back.key);
    /* one short field, no arg */
    crest_error_clear(&e);
    crest_error_field(&e, "grid", "unknown", "region_not_found", NULL);
    p = crest_error_pack(&e);
    crest_error_unpack(p, &back);
    assert_int_equal(back.nfields, 1);
    assert_string_equal(back.fields[0].field, "grid");
    assert_string_equal(back.fields[0].code, "unknown");
    assert_string_equal(back.fields[0].arg, "");
    assert_int_equal(back.code, CREST_INVALID);
    free(p);
}

static void test_error_set_formats_detail_and_returns_code(void **state)
{
    (void)state;
    struct crest_error e;
    crest_error_clear(&e);
    assert_int_equal(crest_error_set(&e, CREST_NOTFOUND, "not_found", "no %s %d", "row", 7),
                     CREST_NOTFOUND);
    assert_int_equal(e.code, CREST_NOTFOUND);
    assert_string_equal(e.key, "not_found");
    assert_string_equal(e.detail, "no row 7");
    crest_error_set(&e, CREST_BUSY, "busy", NULL);
    assert_string_equal(e.detail, "");
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    crest_error_set(&e, CREST_DB, "db_error", "%s", big); /* truncated, terminated */
    assert_int_equal(strlen(e.detail), sizeof e.detail - 1);
}

static void test_error_names_are_stable(void **state)
{
    (void)state;
    /* these names appear in logs and problem types: they must not change */
    static const char *const names[] = {
        "ok",           "nomem", "invalid",  "notfound",  "conflict",
        "precondition", "busy",  "toobig",   "auth",      "forbidden",
        "io",           "db",    "internal", "throttled", "precondition_required",
    };
    for (int i = 0; i < (int)N_ELEMS(names); i++)
        assert_string_equal(crest_err_name((enum crest_err)i), names[i]);
    assert_string_equal(crest_err_name((enum crest_err)99), "unknown");
    assert_int_equal(CREST_INVALID, 2);
    assert_int_equal(CREST_PRECOND_REQ, 14);
}

/* ----------------------------------------------------------------- util */

static void test_util_hex_lowercase(void **state)
{
    (void)state;
    char out[16];
    const unsigned char in[] = {0x00, 0xff, 0x10, 0xab, 0x9c};
    util_hex(out, in, sizeof in);
    assert_string_equal(out, "00ff10ab9c");
    util_hex(out, in, 0);
    assert_string_equal(out, "");
}

static void test_util_sha256_known_vectors(void **state)
{
    (void)state;
    assert_int_equal(util_init(), 0);
    static const struct {
        const char *in, *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[65];
        util_sha256_hex(out, cases[i].in, strlen(cases[i].in));
        assert_string_equal(out, cases[i].hex);
    }
}

static void test_util_iso8601_formats_utc_ms(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1671177600000, "2022-12-16T08:00:00.000Z"},
        {1671177600123, "2022-12-16T08:00:00.123Z"},
        {951782400999, "2000-02-29T00:00:00.999Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-1000, "1969-12-31T23:59:59.000Z"},
        {-86400001, "1969-12-30T23:59:59.999Z"},
        {-62135596800000, "0001-01-01T00:00:00.000Z"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[32];
        util_iso8601(out, cases[i].ms);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%lld: got %s, want %s", (long long)cases[i].ms, out, cases[i].want);
    }
    /* out-of-range times must not overflow (UBSan) nor overrun out */
    char out[32];
    util_iso8601(out, INT64_MAX);
    assert_true(strlen(out) < sizeof out);
    util_iso8601(out, INT64_MIN);
    assert_true(strlen(out) < sizeof out);
}

static void test_util_token_is_urlsafe_and_random(void **state)
{
    (void)state;
    assert_int_equal(util_init(), 0);
    char a[80], b[80];
    util_token(a, sizeof a, 32);
    util_token(b, sizeof b, 32);
    assert_int_equal(strlen(a), 43); /* 32 bytes, base64 without padding */
    assert_string_not_equal(a, b);
    for (const char *p = a; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
}

static void test_util_clocks_move_forward(void **state)
{
    (void)state;
    assert_true(util_now_ms() > 1600000000000LL); /* after 2020: not seconds, not zero */
    int64_t a = util_mono_us(), b = util_mono_us();
    assert_true(b >= a);
}

static void test_log_level_parse(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("info"), LOG_INFO);
    assert_int_equal(log_level_parse("warn"), LOG_WARN);
    assert_int_equal(log_level_parse("error"), LOG_ERROR);
    assert_int_equal(log_level_parse("off"), LOG_OFF);
    assert_int_equal(log_level_parse("INFO"), -1);
    assert_int_equal(log_level_parse(""), -1);
}

static int side_effects;
static const char *count_call(void)
{
    side_effects++;
    return "x";
}

static void test_log_macro_skips_arguments_below_level(void **state)
{
    (void)state;
    enum log_level saved = log_min_level;
    log_min_level = LOG_ERROR;
    side_effects = 0;
    LOG_DEBUG("msg=%s", count_call());
    LOG_INFO("msg=%s", count_call());
    assert_int_equal(side_effects, 0);
    log_min_level = LOG_OFF;
    LOG_ERROR("msg=%s", count_call());
    assert_int_equal(side_effects, 0);
    log_min_level = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_up_to_max_succeeds_and_terminates),
        cmocka_unit_test(test_buf_append_past_max_fails_and_leaves_buffer_unchanged),
        cmocka_unit_test(test_buf_printf_past_max_fails_and_leaves_buffer_unchanged),
        cmocka_unit_test(test_buf_grows_across_many_appends_and_stays_terminated),
        cmocka_unit_test(test_buf_reset_empties_and_keeps_memory),
        cmocka_unit_test(test_buf_append_nothing_gives_empty_string),
        cmocka_unit_test(test_buf_steal_hands_over_terminated_bytes),
        cmocka_unit_test(test_buf_steal_of_empty_buffer_is_empty_string),
        cmocka_unit_test(test_str_cut_splits_at_first_separator),
        cmocka_unit_test(test_str_cut_does_not_read_past_view),
        cmocka_unit_test(test_str_to_i64_accepts_only_in_range_decimals),
        cmocka_unit_test(test_str_to_i64_reads_only_the_view),
        cmocka_unit_test(test_str_all_digits),
        cmocka_unit_test(test_str_eq_compares_views),
        cmocka_unit_test(test_str_copy_cuts_at_utf8_boundary),
        cmocka_unit_test(test_str_ct_equal),
        cmocka_unit_test(test_arena_allocations_are_aligned_distinct_and_survive),
        cmocka_unit_test(test_arena_string_helpers),
        cmocka_unit_test(test_xcalloc_zeroes_and_xstrndup_terminates),
        cmocka_unit_test(test_csv_reads_rfc4180),
        cmocka_unit_test(test_csv_counts_lines_across_quoted_newlines),
        cmocka_unit_test(test_csv_accepts_max_fields_and_rejects_one_more),
        cmocka_unit_test(test_csv_quoted_fields_survive_scratch_growth),
        cmocka_unit_test(test_jdec_rejects_bodies_that_are_not_objects),
        cmocka_unit_test(test_jdec_malformed_body_says_where),
        cmocka_unit_test(test_jdec_decodes_valid_fields),
        cmocka_unit_test(test_jdec_field_rules),
        cmocka_unit_test(test_jdec_names_every_bad_and_unknown_field),
        cmocka_unit_test(test_jdec_long_unknown_name_is_cut_on_a_character),
        cmocka_unit_test(test_jdec_utf8_len_counts_code_points),
        cmocka_unit_test(test_error_field_list_keeps_the_first_fields),
        cmocka_unit_test(test_error_field_keeps_an_earlier_code),
        cmocka_unit_test(test_error_field_truncates_on_a_character),
        cmocka_unit_test(test_error_pack_round_trip),
        cmocka_unit_test(test_error_set_formats_detail_and_returns_code),
        cmocka_unit_test(test_error_names_are_stable),
        cmocka_unit_test(test_util_hex_lowercase),
        cmocka_unit_test(test_util_sha256_known_vectors),
        cmocka_unit_test(test_util_iso8601_formats_utc_ms),
        cmocka_unit_test(test_util_token_is_urlsafe_and_random),
        cmocka_unit_test(test_util_clocks_move_forward),
        cmocka_unit_test(test_log_level_parse),
        cmocka_unit_test(test_log_macro_skips_arguments_below_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
