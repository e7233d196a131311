/*
 * parse.c - the small text parsers the server owns: query strings, percent
 * decoding, the Cookie header, Accept-Language. Pure functions over bounded
 * buffers, each covered by a fuzz target in tests/fuzz/.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool http_pct_decode(struct str in, char *out, size_t cap, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < in.n; i++) {
        char c = in.p[i];
        if (c == '%') {
            if (in.n - i < 3)
                return false;
            int h = hexval(in.p[i + 1]), l = hexval(in.p[i + 2]);
            if (h < 0 || l < 0)
                return false;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == '\0' || o + 1 >= cap)
            return false;
        out[o++] = c;
    }
    if (cap == 0)
        return false;
    out[o] = '\0';
    if (outlen)
        *outlen = o;
    return true;
}

int http_query_find(const char *query, const char *name, char *out, size_t cap)
{
    struct str rest = str_of(query), pair;
    size_t nl = strlen(name);
    while (rest.p && rest.n) {
        rest = str_cut(rest, '&', &pair);
        struct str key;
        struct str val = str_cut(pair, '=', &key);
        char kbuf[64];
        size_t kl;
        if (!http_pct_decode(key, kbuf, sizeof kbuf, &kl))
            continue; /* a key we cannot read is not the one asked for */
        if (kl != nl || memcmp(kbuf, name, nl) != 0)
            continue;
        if (!val.p)
            val = (struct str){"", 0};
        return http_pct_decode(val, out, cap, NULL) ? 1 : -1;
    }
    return 0;
}

bool http_cookie_find(const char *header, const char *name, struct str *out)
{
    if (!header)
        return false;
    struct str rest = str_of(header), item;
    size_t nl = strlen(name);
    while (rest.p && rest.n) {
        rest = str_cut(rest, ';', &item);
        while (item.n && (item.p[0] == ' ' || item.p[0] == '\t')) {
            item.p++;
            item.n--;
        }
        struct str k;
        struct str v = str_cut(item, '=', &k);
        while (k.n && (k.p[k.n - 1] == ' ' || k.p[k.n - 1] == '\t'))
            k.n--;
        if (v.p && k.n == nl && memcmp(k.p, name, nl) == 0) {
            /* RFC 6265 §5.2: whitespace around the value is not part of it */
            while (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
                v.p++;
                v.n--;
            }
            while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
                v.n--;
            if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
                v.p++;
                v.n -= 2;
            }
            *out = v;
            return true;
        }
    }
    return false;
}

const char *http_lang_pick(const char *al)
{
    if (!al)
        return "zh";
    struct str rest = str_of(al), item;
    const char *best = NULL;
    int bestq = -1;
    while (rest.p && rest.n) {
        rest = str_cut(rest, ',', &item);
        struct str tag;
        struct str params = str_cut(item, ';', &tag);
        while (tag.n && tag.p[0] == ' ') {
            tag.p++;
            tag.n--;
        }
        while (tag.n && tag.p[tag.n - 1] == ' ')
            tag.n--;
        int q = 1000;
        /* q=0.8 → 800; anything unparsable counts as q=1 per RFC 9110 leniency */
        const char *qp = params.p ? memchr(params.p, '=', params.n) : NULL;
        if (qp && qp > params.p && (qp[-1] == 'q' || qp[-1] == 'Q')) {
            size_t left = params.n - (size_t)(qp + 1 - params.p);
            const char *d = qp + 1;
            if (left >= 1 && d[0] == '0') {
                q = 0;
                if (left >= 3 && d[1] == '.') {
                    int mul = 100;
                    for (size_t i = 2; i < left && i < 5 && d[i] >= '0' && d[i] <= '9'; i++) {
                        q += (d[i] - '0') * mul;
                        mul /= 10;
                    }
                }
            }
        }
        const char *lang = NULL;
        if (tag.n >= 2 && (tag.p[0] | 32) == 'z' && (tag.p[1] | 32) == 'h' &&
            (tag.n == 2 || tag.p[2] == '-' || tag.p[2] == '_'))
            lang = "zh";
        else if (tag.n >= 2 && (tag.p[0] | 32) == 'e' && (tag.p[1] | 32) == 'n' &&
                 (tag.n == 2 || tag.p[2] == '-' || tag.p[2] == '_'))
            lang = "en";
        if (lang && q > 0 && q > bestq) {
            best = lang;
            bestq = q;
        }
    }
    return best ? best : "zh";
}
