/* test_config.c - defaults, a good file, and each kind of error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/config.h"

static char path[64];

static void
write_file(const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "/tmp/dateline-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static enum dl_err
load(struct config *cfg, const char *text, char *msg, size_t msglen)
{
	enum dl_err e;

	write_file(text);
	e = config_load(cfg, path, msg, msglen);
	unlink(path);
	return e;
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.site_name, "dateline");
	assert_string_equal(c.agency, "dateline");
	assert_string_equal(c.base_url, "http://127.0.0.1:8080");
	assert_string_equal(c.timezone, "UTC");
	assert_string_equal(c.default_lang, "en");
	assert_int_equal(c.n_editions, 4);
	assert_string_equal(c.editions[0], "en");
	assert_string_equal(c.editions[1], "it");
	assert_string_equal(c.editions[2], "es");
	assert_string_equal(c.editions[3], "zh");
	assert_true(config_has_edition(&c, "zh"));
	assert_false(config_has_edition(&c, "fr"));
	assert_false(config_has_edition(&c, NULL));
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.threads, 2);
	assert_int_equal(c.cache_bytes, 64u << 20);
	assert_string_equal(c.theme_dir, "");
}

static void
test_good_file(void **state)
{
	struct config c;
	char msg[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(load(&c,
	    "; a comment\n"
	    "[site]\n"
	    "name = AsiaNews\n"
	    "base_url = https://example.org/\n"
	    "timezone = Europe/Rome  ; inline comment\n"
	    "default_lang = it\n"
	    "editions = it, en ,zh\n"
	    "[server]\n"
	    "listen = 0.0.0.0:9000\n"
	    "threads = 8\n"
	    "cache_mb = 128\n", msg, sizeof msg), DL_OK);
	assert_string_equal(c.site_name, "AsiaNews");
	assert_string_equal(c.agency, "AsiaNews");   /* follows the name */
	assert_string_equal(c.base_url, "https://example.org");
	assert_string_equal(c.timezone, "Europe/Rome");
	assert_string_equal(c.default_lang, "it");
	assert_int_equal(c.n_editions, 3);
	assert_string_equal(c.editions[1], "en");
	assert_false(config_has_edition(&c, "es"));
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_int_equal(c.threads, 8);
	assert_int_equal(c.cache_bytes, (size_t)128 << 20);

	/* An agency set on its own stays. */
	config_defaults(&c);
	assert_int_equal(load(&c, "[site]\nagency = AN\nname = AsiaNews\n", msg, sizeof msg), DL_OK);
	assert_string_equal(c.agency, "AN");
	assert_string_equal(c.site_name, "AsiaNews");

	/* An empty file changes nothing. */
	config_defaults(&c);
	assert_int_equal(load(&c, "", msg, sizeof msg), DL_OK);
	assert_string_equal(c.site_name, "dateline");
}

static void
expect_error(const char *text, enum dl_err want, const char *want_msg)
{
	struct config c, before;
	char msg[512], full[600];
	enum dl_err e;

	config_defaults(&c);
	before = c;
	e = load(&c, text, msg, sizeof msg);
	if (e != want)
		fail_msg("[%s]: got %s (%s), want %s", text, dl_strerror(e), msg, dl_strerror(want));
	snprintf(full, sizeof full, "%s%s", path, want_msg);
	if (strcmp(msg, full) != 0)
		fail_msg("[%s]: message [%s], want [%s]", text, msg, full);
	/* A failed load leaves the config as it was. */
	assert_memory_equal(&c, &before, sizeof c);
}

static void
test_errors(void **state)
{
	char text[2048];

	(void)state;
	expect_error("[site]\nname = x\ncolour = red\n", DL_ERR_INVALID, ":3: unknown key 'colour' in [site]");
	expect_error("[nope]\nname = x\n", DL_ERR_INVALID, ":2: unknown key 'name' in [nope]");
	expect_error("name = x\n", DL_ERR_INVALID, ":1: key 'name' outside any section ([site] or [server])");
	expect_error("[server]\nthreads = many\n", DL_ERR_INVALID, ":2: 'threads' must be a number from 1 to 256");
	expect_error("[server]\nthreads = 0\n", DL_ERR_INVALID, ":2: 'threads' must be a number from 1 to 256");
	expect_error("[server]\nthreads = -1\n", DL_ERR_INVALID, ":2: 'threads' must be a number from 1 to 256");
	expect_error("[server]\ncache_mb = 12x\n", DL_ERR_INVALID, ":2: 'cache_mb' must be a number from 0 to 65536");
	expect_error("[site]\neditions = en,i\n", DL_ERR_INVALID, ":2: editions: 'i' is not a 2-8 letter language code");
	expect_error("[site]\neditions = en,it-IT\n", DL_ERR_INVALID, ":2: editions: 'it-IT' is not a 2-8 letter language code");
	expect_error("[site]\neditions = en,,it\n", DL_ERR_INVALID, ":2: editions: '' is not a 2-8 letter language code");
	expect_error("[site]\neditions = en,abcdefghi\n", DL_ERR_INVALID, ":2: editions: 'abcdefghi' is not a 2-8 letter language code");
	expect_error("[site]\neditions = en,it,en\n", DL_ERR_INVALID, ":2: editions: 'en' twice");
	expect_error("[site]\neditions = it,es\n", DL_ERR_INVALID, ": default_lang 'en' is not one of the editions");
	expect_error("[site]\nbase_url = ftp://x\n", DL_ERR_INVALID, ":2: base_url must start with http:// or https://");
	expect_error("[site]\nthis line has no equals sign\n", DL_ERR_INVALID, ":2: syntax error");

	/* Too long for its field (127 bytes max), on a line inih reads whole. */
	snprintf(text, sizeof text, "[site]\nname = %0150d\n", 0);
	expect_error(text, DL_ERR_INVALID, ":2: value of 'name' is too long (150 bytes, at most 127)");
	snprintf(text, sizeof text, "[site]\ntimezone = %080d\n", 0);
	expect_error(text, DL_ERR_INVALID, ":2: value of 'timezone' is too long (80 bytes, at most 63)");
	/* Longer than the line inih reads: reported, never split. */
	snprintf(text, sizeof text, "[site]\nbase_url = http://%0500d\nname = ok\n", 0);
	{
		struct config c;
		char msg[512];

		config_defaults(&c);
		assert_int_equal(load(&c, text, msg, sizeof msg), DL_ERR_INVALID);
		assert_non_null(strstr(msg, ":2: line longer than"));
		assert_string_equal(c.base_url, "http://127.0.0.1:8080");
	}
}

static void
test_missing_file(void **state)
{
	struct config c;
	char msg[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/dateline.ini", msg, sizeof msg), DL_ERR_IO);
	assert_non_null(strstr(msg, "/nonexistent/dateline.ini: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
