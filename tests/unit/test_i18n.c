/* test_i18n.c - locale strings (checked by invariants, since the locale
 * files grow on their own) and ICU dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"

/* 2025-12-29T09:26:00Z: 10:26 in Rome (winter, +01:00). */
#define T_WINTER INT64_C(1767000360)
/* 2025-07-01T12:00:00Z: 14:00 in Rome (summer, +02:00). */
#define T_SUMMER INT64_C(1751371200)

static int
setup(void **state)
{
	char msg[256];
	enum dl_err e = i18n_init(msg, sizeof msg);

	(void)state;
	if (e != DL_OK)
		fprintf(stderr, "i18n_init: %s: %s\n", dl_strerror(e), msg);
	return e == DL_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free();
	return 0;
}

static void
test_strings(void **state)
{
	static const char *const langs[] = { "en", "it", "es", "zh", "xx", "", "EN-us" };
	const json_t *en = i18n_strings("en"), *s;
	const char *key;
	json_t *val;
	size_t i;

	(void)state;
	assert_true(i18n_has("en"));
	assert_false(i18n_has("xx"));
	assert_true(json_is_object(en));
	assert_true(json_object_size(en) > 0);
	assert_string_equal(i18n_language_name("en"), "English");
	for (i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		s = i18n_strings(langs[i]);
		assert_true(json_is_object(s));
		/* Every English key is there in every language (fallback). */
		json_object_foreach((json_t *)en, key, val) {
			const json_t *v = json_object_get(s, key);

			if (!json_is_string(v))
				fail_msg("%s has no string for key %s", langs[i], key);
			assert_string_equal(i18n_get(langs[i], key), json_string_value(v));
		}
		if (!i18n_has(langs[i]))
			assert_ptr_equal(s, en);
		else
			assert_true(strlen(i18n_language_name(langs[i])) > 0);
	}
	/* A language with its own file has its own language name. */
	if (i18n_has("it"))
		assert_string_not_equal(i18n_language_name("it"), "English");
	assert_string_equal(i18n_get("it", "no_such_key_anywhere"), "no_such_key_anywhere");
	assert_string_equal(i18n_get("xx", "language_name"), "English");
}

static char *
fmt(char *dst, size_t n, const char *lang, const char *tz, int64_t t, enum i18n_date_style st)
{
	struct buf b = BUF_INIT(1024);

	assert_int_equal(i18n_format_time(&b, lang, tz, t, st), DL_OK);
	snprintf(dst, n, "%s", b.data);
	buf_free(&b);
	return dst;
}

static char *
iso(char *dst, size_t n, const char *tz, int64_t t)
{
	struct buf b = BUF_INIT(64);

	assert_int_equal(i18n_iso_time(&b, tz, t), DL_OK);
	snprintf(dst, n, "%s", b.data);
	buf_free(&b);
	return dst;
}

static void
test_dates(void **state)
{
	char s[256];

	(void)state;
	fmt(s, sizeof s, "en", "Europe/Rome", T_WINTER, I18N_DATETIME);
	printf("en: %s\n", s);
	assert_true(strstr(s, "December 29, 2025") || strstr(s, "29 December 2025"));
	assert_non_null(strstr(s, "10:26"));
	fmt(s, sizeof s, "it", "Europe/Rome", T_WINTER, I18N_DATETIME);
	printf("it: %s\n", s);
	assert_non_null(strstr(s, "29 dicembre 2025"));
	assert_non_null(strstr(s, "10:26"));
	fmt(s, sizeof s, "es", "Europe/Rome", T_WINTER, I18N_DATE);
	printf("es: %s\n", s);
	assert_non_null(strstr(s, "diciembre"));
	fmt(s, sizeof s, "zh", "Europe/Rome", T_WINTER, I18N_DATETIME);
	printf("zh: %s\n", s);
	assert_non_null(strstr(s, "2025年12月29日"));
	assert_non_null(strstr(s, "10:26"));
	fmt(s, sizeof s, "it", "Europe/Rome", T_WINTER, I18N_MONTH_YEAR);
	assert_non_null(strstr(s, "dicembre 2025"));
	assert_null(strstr(s, "29"));
	fmt(s, sizeof s, "en", "Europe/Rome", T_WINTER, I18N_DATE);
	assert_null(strstr(s, "10:26"));
	/* The zone matters: the same instant in Tokyo is 18:26. */
	fmt(s, sizeof s, "en", "Asia/Tokyo", T_WINTER, I18N_DATETIME);
	assert_non_null(strstr(s, "18:26"));
	/* Unknown language: English. */
	fmt(s, sizeof s, "xx", "Europe/Rome", T_WINTER, I18N_DATE);
	assert_true(strstr(s, "December 29, 2025") || strstr(s, "29 December 2025"));
}

static void
test_iso(void **state)
{
	char s[64];

	(void)state;
	assert_string_equal(iso(s, sizeof s, "Europe/Rome", T_WINTER), "2025-12-29T10:26:00+01:00");
	assert_string_equal(iso(s, sizeof s, "Europe/Rome", T_SUMMER), "2025-07-01T14:00:00+02:00");
	assert_string_equal(iso(s, sizeof s, "America/New_York", T_WINTER), "2025-12-29T04:26:00-05:00");
	assert_string_equal(iso(s, sizeof s, "Asia/Kolkata", T_WINTER), "2025-12-29T14:56:00+05:30");
	assert_string_equal(iso(s, sizeof s, "UTC", T_WINTER), "2025-12-29T09:26:00+00:00");
}

/* Documented behaviour: an unknown zone is UTC, not an error. */
static void
test_unknown_zone(void **state)
{
	static const char *const bad[] = { "Mars/Olympus_Mons", "", "Europe/Rome;DROP",
		"A/very/long/zone/name/that/is/longer/than/sixty/four/bytes/for/sure/xx" };
	char s[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_string_equal(iso(s, sizeof s, bad[i], T_WINTER), "2025-12-29T09:26:00+00:00");
		fmt(s, sizeof s, "en", bad[i], T_WINTER, I18N_DATETIME);
		assert_non_null(strstr(s, "09:26"));
	}
	assert_string_equal(iso(s, sizeof s, NULL, T_WINTER), "2025-12-29T09:26:00+00:00");
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *
thread_fmt(void *arg)
{
	int *bad = arg;
	int i;

	for (i = 0; i < 200; i++) {
		struct buf b = BUF_INIT(256);

		if (i18n_format_time(&b, i % 2 ? "it" : "zh", i % 3 ? "Europe/Rome" : "Asia/Tokyo",
		    T_WINTER, I18N_DATETIME) != DL_OK ||
		    !strstr(b.data, i % 3 ? "10:26" : "18:26"))
			(*bad)++;
		buf_free(&b);
	}
	return NULL;
}

static void
test_speed_and_threads(void **state)
{
	pthread_t th[4];
	int bad[4] = { 0 }, i, n = 2000;
	double t0, per;

	(void)state;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		struct buf b = BUF_INIT(256);

		assert_int_equal(i18n_format_time(&b, (i & 1) ? "it" : "en", "Europe/Rome",
		    T_WINTER + i * 60, I18N_DATETIME), DL_OK);
		buf_free(&b);
	}
	per = (now_us() - t0) / n;
	printf("i18n_format_time: %.2f us per call (cached formatter)\n", per);
	t0 = now_us();
	for (i = 0; i < n; i++) {
		struct buf b = BUF_INIT(64);

		assert_int_equal(i18n_iso_time(&b, "Europe/Rome", T_WINTER + i * 60), DL_OK);
		buf_free(&b);
	}
	printf("i18n_iso_time: %.2f us per call\n", (now_us() - t0) / n);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_fmt, &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_unknown_zone),
		cmocka_unit_test(test_speed_and_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
