/* test_ratelimit.c - token buckets (ratelimit.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "web/ratelimit.h"

static void
test_burst_and_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new();
	int64_t t0 = 1000000, r;
	int i;

	(void)state;
	assert_non_null(rl);
	for (i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0), 0);
	/* 6 per hour: one token every 600 s */
	r = ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0);
	assert_int_equal(r, 600);
	r = ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0 + 100);
	assert_int_equal(r, 500);
	/* a refused take takes nothing: still 1 token after 600 s */
	assert_int_equal(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0 + 600), 0);
	assert_true(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0 + 600) > 0);
	/* other keys are independent */
	assert_int_equal(ratelimit_take(rl, "share:ip:1.2.3.5", 3, 6, t0), 0);
	/* refill is capped at burst */
	for (i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0 + 100000), 0);
	assert_true(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0 + 100000) > 0);
	/* time going backwards refills nothing and does not crash */
	assert_true(ratelimit_take(rl, "share:ip:1.2.3.4", 3, 6, t0) > 0);
	ratelimit_free(rl);
}

static void
test_reset_and_zero_rate(void **state)
{
	struct ratelimit *rl = ratelimit_new();
	int64_t t0 = 5000;

	(void)state;
	assert_int_equal(ratelimit_take(rl, "login:ip:x", 1, 0, t0), 0);
	assert_true(ratelimit_take(rl, "login:ip:x", 1, 0, t0 + 999999) > 0);
	ratelimit_reset(rl, "login:ip:x");
	assert_int_equal(ratelimit_take(rl, "login:ip:x", 1, 0, t0), 0);
	ratelimit_reset(rl, "never-seen");
	/* hostile values do not crash */
	assert_int_equal(ratelimit_take(rl, "", 0, -5, t0), 0);
	assert_true(ratelimit_take(rl, "", 0, -5, t0) > 0);
	assert_int_equal(ratelimit_take(NULL, "k", 1, 1, t0), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_eviction(void **state)
{
	struct ratelimit *rl = ratelimit_new();
	char key[64];
	int64_t t0 = 1;
	int i, evicted = 0;

	(void)state;
	/* fill a key's bucket, then flood the table with far more keys than it
	 * holds: the table stays bounded and the hot key, used often, survives */
	assert_int_equal(ratelimit_take(rl, "hot", 1, 1, t0), 0);
	for (i = 0; i < RATELIMIT_SLOTS * 3; i++) {
		snprintf(key, sizeof key, "k%d", i);
		(void)ratelimit_take(rl, key, 1, 1, t0);
		if (i % 1000 == 0)
			assert_true(ratelimit_take(rl, "hot", 1, 1, t0) > 0);
	}
	assert_true(ratelimit_take(rl, "hot", 1, 1, t0) > 0);
	/* the oldest cold keys were forgotten (a fresh full bucket) */
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		if (ratelimit_take(rl, key, 1, 1, t0) == 0)
			evicted++;
	}
	assert_true(evicted > 900);
	ratelimit_free(rl);
}

struct thr { struct ratelimit *rl; int allowed; };

static void *
hammer(void *p)
{
	struct thr *t = p;
	int i;

	for (i = 0; i < 10000; i++)
		if (ratelimit_take(t->rl, "shared", 50, 0, 7) == 0)
			t->allowed++;
	return NULL;
}

static void
test_threads(void **state)
{
	struct ratelimit *rl = ratelimit_new();
	struct thr t[4];
	pthread_t th[4];
	int i, total = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i].rl = rl;
		t[i].allowed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += t[i].allowed;
	}
	assert_int_equal(total, 50);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_reset_and_zero_rate),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
