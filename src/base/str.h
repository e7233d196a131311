/*
 * str.h - string views (pointer + length) for parsing, as h2o does: parse
 * without copying to NUL-terminate. A view does not own its bytes.
 */
#ifndef CREST_STR_H
#define CREST_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct str {
    const char *p;
    size_t n;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

static inline struct str str_of(const char *s)
{
    return (struct str){s, s ? strlen(s) : 0};
}

static inline bool str_eq(struct str a, struct str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool str_eq_c(struct str a, const char *b)
{
    return str_eq(a, str_of(b));
}

/* Split at the first c: *head gets what precedes it, returns what follows
 * (empty view with p == NULL when c is absent, head then being all of s). */
struct str str_cut(struct str s, char c, struct str *head);

/* Decimal integer, optional leading '-', no spaces, no overflow. */
bool str_to_i64(struct str s, int64_t *out);

/* True when every byte is an ASCII digit (and n > 0). */
bool str_all_digits(struct str s);

/* Copy src into dst (cap bytes), NUL-terminated; a copy that must be cut is
 * cut at a UTF-8 character boundary. NULL src copies "". */
void str_copy(char *dst, size_t cap, const char *src);

/* Constant-time comparison of two equal-length byte strings. */
bool str_ct_equal(const void *a, const void *b, size_t n);

#endif
