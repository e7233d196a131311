/*
 * util.h - time, randomness, hashing and hex, small things every module needs.
 * Randomness and hashing come from libsodium (util_init() must run first).
 */
#ifndef CREST_UTIL_H
#define CREST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Initialise libsodium; returns 0 on success. Safe to call more than once. */
int util_init(void);

int64_t util_now_ms(void);  /* wall clock, UTC milliseconds */
int64_t util_mono_us(void); /* monotonic microseconds, for durations */

void util_random(void *out, size_t n);
/* Random URL-safe base64 token of nbytes of entropy into out (cap >= 2*nbytes). */
void util_token(char *out, size_t cap, size_t nbytes);

/* Lower-case hex of n bytes; out needs 2n+1. */
void util_hex(char *out, const void *in, size_t n);
/* SHA-256 of data as 64 hex chars + NUL. */
void util_sha256_hex(char out[65], const void *data, size_t n);

/* Format UTC ms as ISO 8601 "2022-12-16T08:00:00.000Z" (out needs 25). */
void util_iso8601(char out[32], int64_t ms);

#endif
