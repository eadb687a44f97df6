/* ratelimit.h - in-memory token buckets keyed by strings ("login:ip:1.2.3.4",
 * "share:rcpt:a@b.c"), for login attempts, send-to-a-friend and subscribe.
 *
 * A limit is "at most `burst` events, refilled at `per_hour` per hour". The
 * table has a fixed number of slots (RATELIMIT_SLOTS); the least recently
 * used key is forgotten when it is full. Thread-safe. Per node: on a
 * multi-node site each node limits on its own (documented, acceptable for
 * abuse control). Implemented in src/web/ratelimit.c.
 */
#ifndef DL_RATELIMIT_H
#define DL_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_SLOTS 65536

struct ratelimit;

/* NULL when out of memory. */
struct ratelimit *ratelimit_new(void);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token from `key`'s bucket at time `now` (seconds). Returns 0 when
 * allowed; otherwise the number of seconds until a token is back (for
 * Retry-After), and takes nothing. */
int64_t ratelimit_take(struct ratelimit *rl, const char *key, double burst, double per_hour,
    int64_t now);

/* Forgets `key` (a successful login clears its failures). */
void ratelimit_reset(struct ratelimit *rl, const char *key);

#endif
