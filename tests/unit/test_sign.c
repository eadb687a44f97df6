/* test_sign.c - signed tokens (sign.h) and the stored site secret. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "base/arena.h"
#include "base/sign.h"
#include "store/store.h"
#include "unit_db.h"

static const unsigned char key1[SIGN_KEY_BYTES] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[SIGN_KEY_BYTES] = "fedcba9876543210fedcba9876543210";

static void
test_roundtrip(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	const char *payload;
	int64_t now = time(NULL), issued;
	char *t;

	(void)state;
	sign_init(key1);
	t = sign_make(ar, "share-form", "en/some-slug", now + 600);
	assert_non_null(t);
	assert_null(strpbrk(t, "+/="));   /* URL-safe, no padding */
	assert_int_equal(sign_check(ar, "share-form", t, now, &payload, &issued), SIGN_OK);
	assert_string_equal(payload, "en/some-slug");
	assert_true(issued >= now - 1 && issued <= now + 1);
	/* an empty payload is fine */
	t = sign_make(ar, "csrf", "", now + 10);
	assert_int_equal(sign_check(ar, "csrf", t, now, &payload, NULL), SIGN_OK);
	assert_string_equal(payload, "");
	arena_free(ar);
}

static void
test_forged_and_purpose(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	const char *payload;
	int64_t now = time(NULL);
	char *t;

	(void)state;
	sign_init(key2);
	t = sign_make(ar, "confirm", "a@example.org", now + 600);
	sign_init(key1);
	/* made with another key */
	assert_int_equal(sign_check(ar, "confirm", t, now, &payload, NULL), SIGN_BAD);
	assert_null(payload);
	t = sign_make(ar, "confirm", "a@example.org", now + 600);
	assert_int_equal(sign_check(ar, "confirm", t, now, &payload, NULL), SIGN_OK);
	/* other purpose, also one that is a prefix or extension */
	assert_int_equal(sign_check(ar, "unsubscribe", t, now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "confir", t, now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "confirma", t, now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "", t, now, &payload, NULL), SIGN_BAD);
	arena_free(ar);
}

static void
test_truncated_tampered(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	const char *payload;
	int64_t now = time(NULL);
	char *t, *c;
	size_t n, i;
	unsigned char bin[2048];
	size_t blen;

	(void)state;
	sign_init(key1);
	t = sign_make(ar, "prefs", "user-42", now + 600);
	n = strlen(t);
	c = arena_strdup(ar, t);
	for (i = 0; i < n; i++) {
		c[i] = '\0';
		assert_int_not_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_OK);
		c[i] = t[i];
	}
	/* every single-character change is refused */
	for (i = 0; i < n; i++) {
		c[i] = t[i] == 'A' ? 'B' : 'A';
		assert_int_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_BAD);
		c[i] = t[i];
	}
	/* the payload changed in the binary form, MAC kept */
	assert_int_equal(sodium_base642bin(bin, sizeof bin, t, n, NULL, &blen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	bin[16] = 'U';   /* "user-42" -> "User-42" */
	sodium_bin2base64(c, n + 1, bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_int_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_BAD);
	/* the expiry pushed later */
	bin[16] = 'u';
	bin[15] ^= 0x40;
	sodium_bin2base64(c, n + 1, bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_int_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_BAD);
	/* extra characters after a good token */
	c = arena_printf(ar, "%sAA", t);
	assert_int_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_BAD);
	c = arena_printf(ar, "%s=", t);
	assert_int_equal(sign_check(ar, "prefs", c, now, &payload, NULL), SIGN_BAD);
	arena_free(ar);
}

static void
test_expired(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	const char *payload;
	int64_t now = time(NULL);
	char *t;

	(void)state;
	sign_init(key1);
	t = sign_make(ar, "share-form", "x", now + 60);
	assert_int_equal(sign_check(ar, "share-form", t, now + 60, &payload, NULL), SIGN_OK);
	assert_int_equal(sign_check(ar, "share-form", t, now + 61, &payload, NULL), SIGN_EXPIRED);
	assert_null(payload);
	t = sign_make(ar, "share-form", "x", now - 1);
	assert_int_equal(sign_check(ar, "share-form", t, now, &payload, NULL), SIGN_EXPIRED);
	arena_free(ar);
}

static void
test_hostile_lengths(void **state)
{
	struct arena *ar = arena_new(1 << 22);
	const char *payload;
	int64_t now = time(NULL);
	char *big, *t;
	size_t i;

	(void)state;
	sign_init(key1);
	big = arena_alloc(ar, 200001);
	memset(big, 'A', 200000);
	big[200000] = '\0';
	assert_int_equal(sign_check(ar, "p", big, now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "p", "", now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "p", "A", now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "p", "!!!!$$$%%%", now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, "p", NULL, now, &payload, NULL), SIGN_BAD);
	assert_int_equal(sign_check(ar, big, "AAAA", now, &payload, NULL), SIGN_BAD);
	/* payload at and over the limit */
	big[SIGN_MAX_PAYLOAD] = '\0';
	t = sign_make(ar, "p", big, now + 10);
	assert_non_null(t);
	assert_int_equal(sign_check(ar, "p", t, now, &payload, NULL), SIGN_OK);
	assert_int_equal(strlen(payload), SIGN_MAX_PAYLOAD);
	big[SIGN_MAX_PAYLOAD] = 'A';
	big[SIGN_MAX_PAYLOAD + 1] = '\0';
	assert_null(sign_make(ar, "p", big, now + 10));
	/* a well-formed base64 string of every length up to the maximum */
	for (i = 1; i < 1500; i += 7) {
		big[i] = '\0';
		assert_int_equal(sign_check(ar, "p", big, now, &payload, NULL), SIGN_BAD);
		big[i] = 'A';
	}
	arena_free(ar);
}

static void
test_store_secret(void **state)
{
	const char *path = unit_db("s.db");
	char msg[256];
	unsigned char k1[32], k2[32], zero[32] = { 0 };
	struct store *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(store_open(path, &a, msg, sizeof msg), DL_OK);
	assert_int_equal(store_open(path, &b, msg, sizeof msg), DL_OK);
	assert_int_equal(store_secret(a, k1), DL_OK);
	assert_int_equal(store_secret(b, k2), DL_OK);
	assert_memory_equal(k1, k2, 32);
	assert_memory_not_equal(k1, zero, 32);
	assert_int_equal(store_secret(a, k2), DL_OK);
	assert_memory_equal(k1, k2, 32);
	store_close(a);
	store_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_forged_and_purpose),
		cmocka_unit_test(test_truncated_tampered),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_store_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
