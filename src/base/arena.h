/* arena.h - a per-request (or per-command) memory pool.
 *
 * Everything allocated from an arena is released by one arena_free(). An
 * arena refuses to grow past the cap given to arena_new(): allocations then
 * return NULL, so one hostile request cannot take the server's memory.
 * Allocations are zeroed and aligned for any type. Not thread-safe: one
 * arena belongs to one request. */
#ifndef DL_ARENA_H
#define DL_ARENA_H

#include <stddef.h>
#include "base/err.h"

struct arena;

/* NULL when out of memory. */
struct arena *arena_new(size_t max_bytes);
void arena_free(struct arena *a);

/* NULL past the cap or out of memory. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) DL_PRINTF(2, 3);
/* Bytes handed out so far. */
size_t arena_used(const struct arena *a);

#endif
