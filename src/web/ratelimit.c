/* ratelimit.c - token buckets in a fixed hash table (see ratelimit.h).
 *
 * Keys are not stored: each is reduced to a 16-byte BLAKE2b digest keyed
 * with a random per-table key (so an attacker cannot aim collisions at a
 * slot). A key lives in one of RL_WINDOW slots from its home slot; when all
 * are taken by other keys, the least recently used of them is forgotten.
 * One mutex guards the table.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "web/ratelimit.h"

#define RL_DIGEST 16
#define RL_WINDOW 16

struct rl_slot {
	unsigned char id[RL_DIGEST];
	double tokens;
	int64_t last;      /* time of the last refill */
	uint64_t used;     /* tick of the last use; 0 = empty slot */
};

struct ratelimit {
	pthread_mutex_t mu;
	unsigned char hkey[crypto_generichash_KEYBYTES];
	uint64_t tick;
	struct rl_slot *slots;   /* RATELIMIT_SLOTS */
};

struct ratelimit *
ratelimit_new(void)
{
	struct ratelimit *rl;

	if (sodium_init() < 0)
		return NULL;
	if ((rl = calloc(1, sizeof *rl)) == NULL)
		return NULL;
	if ((rl->slots = calloc(RATELIMIT_SLOTS, sizeof *rl->slots)) == NULL) {
		free(rl);
		return NULL;
	}
	randombytes_buf(rl->hkey, sizeof rl->hkey);
	pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->slots);
	free(rl);
}

static size_t
home_of(const unsigned char id[RL_DIGEST])
{
	size_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = (h << 8) | id[i];
	return h % RATELIMIT_SLOTS;
}

/* The slot of id, or NULL; *victim gets an empty slot or the least recently
 * used one of the window when victim is not NULL. Called with mu held. */
static struct rl_slot *
find(struct ratelimit *rl, const unsigned char id[RL_DIGEST], struct rl_slot **victim)
{
	size_t home = home_of(id), i;
	struct rl_slot *v = NULL;

	for (i = 0; i < RL_WINDOW; i++) {
		struct rl_slot *s = &rl->slots[(home + i) % RATELIMIT_SLOTS];

		if (s->used != 0 && memcmp(s->id, id, RL_DIGEST) == 0)
			return s;
		if (v == NULL || (v->used != 0 && s->used < v->used))
			v = s;
	}
	if (victim)
		*victim = v;
	return NULL;
}

static void
digest(struct ratelimit *rl, const char *key, unsigned char id[RL_DIGEST])
{
	crypto_generichash(id, RL_DIGEST, (const unsigned char *)key, strlen(key), rl->hkey,
	    sizeof rl->hkey);
}

int64_t
ratelimit_take(struct ratelimit *rl, const char *key, double burst, double per_hour, int64_t now)
{
	unsigned char id[RL_DIGEST];
	struct rl_slot *s, *v = NULL;
	double wait;
	int64_t r;

	if (rl == NULL || key == NULL)
		return 0;
	if (!(burst >= 1))
		burst = 1;
	digest(rl, key, id);
	pthread_mutex_lock(&rl->mu);
	if ((s = find(rl, id, &v)) == NULL) {
		s = v;
		memcpy(s->id, id, RL_DIGEST);
		s->tokens = burst;
		s->last = now;
	} else if (now > s->last) {
		if (per_hour > 0)
			s->tokens += (double)(now - s->last) * per_hour / 3600.0;
		if (s->tokens > burst)
			s->tokens = burst;
		s->last = now;
	}
	s->used = ++rl->tick;
	if (s->tokens >= 1) {
		s->tokens -= 1;
		r = 0;
	} else {
		if (per_hour > 0) {
			wait = ceil((1 - s->tokens) * 3600.0 / per_hour);
			r = wait < 1 ? 1 : wait > 86400 * 365.0 ? 86400 * 365 : (int64_t)wait;
		} else
			r = 86400 * 365;   /* never refilled */
	}
	pthread_mutex_unlock(&rl->mu);
	return r;
}

void
ratelimit_reset(struct ratelimit *rl, const char *key)
{
	unsigned char id[RL_DIGEST];
	struct rl_slot *s;

	if (rl == NULL || key == NULL)
		return;
	digest(rl, key, id);
	pthread_mutex_lock(&rl->mu);
	if ((s = find(rl, id, NULL)) != NULL)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&rl->mu);
}
