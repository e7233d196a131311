/* util.c - time, randomness, hashing, hex; see util.h. */
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int util_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

int64_t util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void util_random(void *out, size_t n)
{
    randombytes_buf(out, n);
}

void util_token(char *out, size_t cap, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw)
        nbytes = sizeof raw;
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, cap, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void util_hex(char *out, const void *in, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void util_sha256_hex(char out[65], const void *data, size_t n)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, n);
    util_hex(out, h, sizeof h);
}

void util_iso8601(char out[32], int64_t ms)
{
    /* floor division: before 1970, -1 ms is 23:59:59.999 of the day before */
    int64_t frac = ms % 1000, secs = ms / 1000;
    if (frac < 0) {
        frac += 1000;
        secs--;
    }
    time_t s = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&s, &tm))
        memset(&tm, 0, sizeof tm); /* year out of range: a fixed, harmless text */
    char tmp[64]; /* wide enough for any int fields: no truncation to reason about */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
    snprintf(out, 32, "%.31s", tmp);
}
