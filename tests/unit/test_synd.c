/* test_synd.c - the syndication helpers: XML 1.0 text cleaning, dates in
 * the three formats feeds use, JSON safe inside <script>, the HTTP date
 * parser the page cache and the feeds share, the feed and API routes and
 * the [feeds] config key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "base/config.h"
#include "pages/page.h"
#include "pages/synd.h"
#include "web/cache.h"
#include "web/web.h"
#include "unit_arena.h"

static void
test_xml_text(void **state)
{
	/* C0 controls go, tab/LF/CR stay; markup characters are left for the
	 * writer to escape. */
	assert_string_equal(synd_xml_text(ar, "a\x01" "b\x08\tc\nd\re\x1f" "f"), "ab\tc\nd\ref");
	assert_string_equal(synd_xml_text(ar, "]]> <script>&"), "]]> <script>&");
	assert_string_equal(synd_xml_text(ar, NULL), "");
	/* non-ASCII passes untouched */
	assert_string_equal(synd_xml_text(ar, "città 上海 \xF0\x9F\x93\xB0"), "città 上海 \xF0\x9F\x93\xB0");
	/* invalid UTF-8: a lone continuation byte, a truncated sequence, an
	 * overlong form, an encoded surrogate: each bad byte becomes U+FFFD */
	assert_string_equal(synd_xml_text(ar, "a\x80" "b"), "a\xEF\xBF\xBD" "b");
	assert_string_equal(synd_xml_text(ar, "a\xE4\xB8"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(synd_xml_text(ar, "\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(synd_xml_text(ar, "\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* U+FFFE and U+FFFF are not XML characters; U+FFFD is */
	assert_string_equal(synd_xml_text(ar, "x\xEF\xBF\xBEy\xEF\xBF\xBFz\xEF\xBF\xBD"), "xyz\xEF\xBF\xBD");
}

static void
test_dates(void **state)
{
	/* 2026-11-27 08:05:09 UTC, a Friday */
	assert_string_equal(synd_rfc3339(ar, 1795766709), "2026-11-27T08:05:09Z");
	assert_string_equal(synd_rfc822(ar, 1795766709), "Fri, 27 Nov 2026 08:05:09 +0000");
	assert_string_equal(synd_http_date(ar, 1795766709), "Fri, 27 Nov 2026 08:05:09 GMT");
	assert_string_equal(synd_rfc3339(ar, 0), "1970-01-01T00:00:00Z");
	assert_int_equal(cache_http_date("Fri, 27 Nov 2026 08:05:09 GMT"), 1795766709);
	assert_int_equal(cache_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	/* not IMF-fixdate: refused, not guessed */
	assert_int_equal(cache_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
	assert_int_equal(cache_http_date("Sun Nov  6 08:49:37 1994"), -1);
	assert_int_equal(cache_http_date("Fri, 27 Foo 2026 08:05:09 GMT"), -1);
	assert_int_equal(cache_http_date("Fri, 27 ovN 2026 08:05:09 GMT"), -1);
	assert_int_equal(cache_http_date("Fri, 27 Nov 2026 25:05:09 GMT"), -1);
	assert_int_equal(cache_http_date("Fri, 27 Nov 2026 08:05:09"), -1);
	assert_int_equal(cache_http_date(""), -1);
	assert_int_equal(cache_http_date(NULL), -1);
}

static void
test_json_script(void **state)
{
	json_t *v = json_pack("{s:s, s:s}", "headline", "</script><!-- a & b > c",
	    "zh", "上海");
	char *s;
	json_t *back;

	assert_non_null(v);
	s = synd_json_script(ar, v);
	assert_non_null(s);
	assert_null(strchr(s, '<'));
	assert_null(strchr(s, '>'));
	assert_null(strchr(s, '&'));
	assert_non_null(strstr(s, "\\u003c/script\\u003e"));
	/* and it is the same JSON */
	back = json_loads(s, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, v));
	json_decref(back);
	json_decref(v);
}

static const struct route *
find(struct req *rq, const char *path)
{
	memset(rq, 0, sizeof *rq);
	rq->arena = ar;
	return route_find(rq, "GET", path);
}

static void
test_routes(void **state)
{
	struct req rq;
	const struct route *r;

	assert_ptr_equal(find(&rq, "/en/feed.rss")->fn, page_feed);
	assert_string_equal(req_param(&rq, "lang"), "en");
	assert_ptr_equal(find(&rq, "/zh/feed.json")->fn, page_feed);
	assert_non_null(r = find(&rq, "/it/place/genova/feed.atom"));
	assert_ptr_equal(r->fn, page_feed);
	assert_int_equal(r->flags, ROUTE_CACHE | ROUTE_EDITION);
	assert_string_equal(req_param(&rq, "slug"), "genova");
	assert_ptr_equal(find(&rq, "/en/tag/x/feed.rss")->fn, page_feed);
	assert_ptr_equal(find(&rq, "/en/author/y/feed.json")->fn, page_feed);
	r = find(&rq, "/en/feed.xml");
	assert_true(r == NULL || r->fn != page_feed);
	assert_ptr_equal(find(&rq, "/robots.txt")->fn, page_robots);
	assert_ptr_equal(find(&rq, "/sitemap.xml")->fn, page_sitemap);
	assert_ptr_equal(find(&rq, "/news-sitemap.xml")->fn, page_news_sitemap);
	assert_ptr_equal(find(&rq, "/sitemap-2026-11.xml")->fn, page_sitemap_month);
	assert_string_equal(req_param(&rq, "month"), "2026-11.xml");
	assert_ptr_equal(find(&rq, "/api/v1/items")->fn, page_api_items);
	/* {*uri} takes the rest of the path, slashes and all */
	assert_ptr_equal(find(&rq, "/api/v1/items/urn:x:1")->fn, page_api_item);
	assert_string_equal(req_param(&rq, "uri"), "urn:x:1");
	assert_ptr_equal(find(&rq, "/api/v1/items/http://ex.org/a/b")->fn, page_api_item);
	assert_string_equal(req_param(&rq, "uri"), "http://ex.org/a/b");
	assert_null(find(&rq, "/api/v1/items/"));
	assert_null(find(&rq, "/api/v1/items/.."));
}

static void
test_config_full_text(void **state)
{
	struct config cfg;
	char path[] = "/tmp/dateline-synd-XXXXXX", msg[256];
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	config_defaults(&cfg);
	assert_int_equal(cfg.feeds_full_text, 1);
	f = fopen(path, "w");
	fputs("[feeds]\nfull_text = false\n", f);
	fclose(f);
	assert_int_equal(config_load(&cfg, path, msg, sizeof msg), DL_OK);
	assert_int_equal(cfg.feeds_full_text, 0);
	f = fopen(path, "w");
	fputs("[feeds]\nfull_text = yes\n", f);
	fclose(f);
	assert_int_equal(config_load(&cfg, path, msg, sizeof msg), DL_ERR_INVALID);
	assert_non_null(strstr(msg, "full_text"));
	assert_int_equal(cfg.feeds_full_text, 0);   /* unchanged on error */
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_text),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_json_script),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_config_full_text),
	};

	return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
