/*
 * mem.h - allocation wrappers and the per-request arena.
 *
 * x* wrappers abort on out-of-memory (as Redis and h2o do in servers): it
 * removes untestable branches. Bad input never reaches abort(): sizes derived
 * from input are bounded before they get here.
 *
 * An arena hands out memory that lives until arena_free(); a request owns one
 * and frees it when the response is sent. Not thread-safe: one owner.
 */
#ifndef CREST_MEM_H
#define CREST_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size); /* checks nmemb*size overflow */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

struct arena_block;
struct arena {
    struct arena_block *head;
};

void arena_init(struct arena *a);
/* Memory aligned for any type; lives until arena_free(). */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into arena memory; returns the NUL-terminated string. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

#endif
