/* str.c - string view helpers; see str.h. */
#include "str.h"

#include <limits.h>

struct str str_cut(struct str s, char c, struct str *head)
{
    const char *q = s.n ? memchr(s.p, c, s.n) : NULL;
    if (!q) {
        *head = s;
        return (struct str){NULL, 0};
    }
    head->p = s.p;
    head->n = (size_t)(q - s.p);
    return (struct str){q + 1, s.n - head->n - 1};
}

bool str_to_i64(struct str s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.n && s.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= s.n || s.n - i > 19)
        return false;
    uint64_t v = 0;
    for (; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

bool str_all_digits(struct str s)
{
    if (!s.n)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

bool str_ct_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

void str_copy(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* src[n] would be a continuation byte: back off to its lead */
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}
