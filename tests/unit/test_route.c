/* test_route.c - the route table and route_find. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "pages/page.h"
#include "web/web.h"
#include "unit_arena.h"

static const struct route *
find(struct req *rq, const char *method, const char *path)
{
	memset(rq, 0, sizeof *rq);
	rq->arena = ar;
	return route_find(rq, method, path);
}

static void
test_pages(void **state)
{
	struct req rq;
	const struct route *r;

	assert_non_null(r = find(&rq, "GET", "/"));
	assert_ptr_equal(r->fn, page_root);
	assert_int_equal(r->flags & ROUTE_CACHE, 0);

	assert_non_null(r = find(&rq, "GET", "/static/style.css"));
	assert_ptr_equal(r->fn, page_asset);
	assert_true(r->flags & ROUTE_CACHE);
	assert_false(r->flags & ROUTE_EDITION);
	assert_string_equal(req_param(&rq, "name"), "style.css");

	assert_non_null(r = find(&rq, "GET", "/it/"));
	assert_ptr_equal(r->fn, page_home);
	assert_int_equal(r->flags, ROUTE_CACHE | ROUTE_EDITION);
	assert_string_equal(req_param(&rq, "lang"), "it");

	assert_non_null(r = find(&rq, "GET", "/en/news/a-slug-1"));
	assert_ptr_equal(r->fn, page_article);
	assert_string_equal(req_param(&rq, "lang"), "en");
	assert_string_equal(req_param(&rq, "slug"), "a-slug-1");
	assert_null(req_param(&rq, "name"));

	assert_non_null(r = find(&rq, "GET", "/en/news/a-slug-1/print"));
	assert_ptr_equal(r->fn, page_print);
	assert_string_equal(req_param(&rq, "slug"), "a-slug-1");

	assert_ptr_equal(find(&rq, "GET", "/zh/place/tokyo")->fn, page_listing);
	assert_string_equal(req_param(&rq, "slug"), "tokyo");
	assert_ptr_equal(find(&rq, "GET", "/zh/tag/x")->fn, page_listing);
	assert_ptr_equal(find(&rq, "GET", "/zh/author/y")->fn, page_listing);
	assert_ptr_equal(find(&rq, "GET", "/es/archive")->fn, page_archive);
	assert_ptr_equal(find(&rq, "GET", "/es/archive/2025/12")->fn, page_archive);
	assert_string_equal(req_param(&rq, "year"), "2025");
	assert_string_equal(req_param(&rq, "month"), "12");
	assert_ptr_equal(find(&rq, "GET", "/en/share/s")->fn, page_share);
	assert_ptr_equal(find(&rq, "POST", "/en/share/s")->fn, page_share);
	assert_false(find(&rq, "GET", "/en/share/s")->flags & ROUTE_CACHE);
	assert_ptr_equal(find(&rq, "GET", "/en/newsletter")->fn, page_newsletter);
	assert_ptr_equal(find(&rq, "POST", "/en/newsletter")->fn, page_newsletter_subscribe);
	assert_false(find(&rq, "GET", "/en/newsletter")->flags & ROUTE_CACHE);
}

static void
test_edition_redirect(void **state)
{
	struct req rq;
	struct resp rs = { .body = BUF_INIT(1024) };
	const struct route *r;

	assert_non_null(r = find(&rq, "GET", "/it"));
	assert_ptr_not_equal(r->fn, page_home);
	assert_true(r->flags & ROUTE_EDITION);
	assert_int_equal(r->fn(&rq, &rs), DL_OK);
	assert_int_equal(rs.status, 301);
	assert_string_equal(rs.location, "/it/");
	buf_free(&rs.body);
}

static void
test_misses(void **state)
{
	struct req rq;

	assert_null(find(&rq, "GET", ""));
	assert_null(find(&rq, "GET", "//"));
	assert_null(find(&rq, "GET", "/en/news"));
	assert_null(find(&rq, "GET", "/en/news/"));
	assert_null(find(&rq, "GET", "/en/news/x/"));        /* slash significant */
	assert_null(find(&rq, "GET", "/en/news/x/print/"));
	assert_null(find(&rq, "GET", "/en/news/x/y"));
	assert_null(find(&rq, "GET", "/en/news/.."));
	assert_null(find(&rq, "GET", "/static/."));
	assert_ptr_not_equal(find(&rq, "GET", "/static/")->fn, page_asset); /* an edition root: 404 by edition */
	assert_null(find(&rq, "GET", "/en/archive/2025"));
	assert_null(find(&rq, "GET", "/en/unknown"));
	assert_int_equal(rq.n_params, 0);
	assert_null(find(&rq, "POST", "/en/"));
	assert_null(find(&rq, "DELETE", "/"));
}

static void
test_head_is_get(void **state)
{
	struct req rq;
	const struct route *r;

	assert_non_null(r = find(&rq, "HEAD", "/en/news/x"));
	assert_ptr_equal(r->fn, page_article);
}

static void
test_table_shape(void **state)
{
	const struct route *r;
	size_t n = 0;

	for (r = routes; r->pattern; r++, n++) {
		assert_non_null(r->method);
		assert_non_null(r->fn);
		assert_true(r->pattern[0] == '/');
		/* edition routes, and only they, start with {lang} */
		assert_int_equal(!!(r->flags & ROUTE_EDITION), strncmp(r->pattern, "/{lang}", 7) == 0);
	}
	assert_true(n >= 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_edition_redirect),
		cmocka_unit_test(test_misses),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_table_shape),
	};
	return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
