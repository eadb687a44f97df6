/* test_tmpl.c - the mustache spec (read from $SHARED_DIR/conformance/mustache
 * at run time) and dateline's own cases: escaping, hostile templates, caps,
 * concurrent renders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tmpl/tmpl.h"

static char spec_dir[1024];

static int
find_spec(void)
{
	const char *shared = getenv("SHARED_DIR");
	struct stat st;

	snprintf(spec_dir, sizeof spec_dir, "%s/conformance/mustache", shared && *shared ? shared : "../shared");
	return stat(spec_dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
run_spec(const char *file)
{
	char path[1200], msg[256];
	json_error_t jerr;
	json_t *root, *tests, *t;
	size_t i, failed = 0, ran = 0;

	if (!find_spec()) {
		printf("skipped: mustache spec not found at %s\n", spec_dir);
		skip();
	}
	snprintf(path, sizeof path, "%s/%s", spec_dir, file);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fail_msg("%s: %s", path, jerr.text);
	tests = json_object_get(root, "tests");
	assert_true(json_is_array(tests));
	json_array_foreach(tests, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *tpl = json_string_value(json_object_get(t, "template"));
		const char *want = json_string_value(json_object_get(t, "expected"));
		struct buf out = BUF_INIT(1 << 20);
		enum dl_err e;

		assert_non_null(tpl);
		assert_non_null(want);
		e = tmpl_render_string(tpl, json_object_get(t, "data"), json_object_get(t, "partials"),
		    &out, msg, sizeof msg);
		ran++;
		if (e != DL_OK) {
			print_error("FAIL %s: %s: error %s (%s)\n", file, name, dl_strerror(e), msg);
			failed++;
		} else if (strcmp(out.data ? out.data : "", want) != 0) {
			print_error("FAIL %s: %s:\n  want [%s]\n  got  [%s]\n", file, name, want,
			    out.data ? out.data : "");
			failed++;
		}
		buf_free(&out);
	}
	json_decref(root);
	printf("%s: %zu cases, %zu failed\n", file, ran, failed);
	assert_true(ran > 0);
	assert_int_equal(failed, 0);
}

static void spec_interpolation(void **s) { (void)s; run_spec("interpolation.json"); }
static void spec_sections(void **s) { (void)s; run_spec("sections.json"); }
static void spec_inverted(void **s) { (void)s; run_spec("inverted.json"); }
static void spec_partials(void **s) { (void)s; run_spec("partials.json"); }
static void spec_delimiters(void **s) { (void)s; run_spec("delimiters.json"); }
static void spec_comments(void **s) { (void)s; run_spec("comments.json"); }

/* Renders src with ctx given as JSON text; returns a malloc'd string or NULL. */
static char *
render(const char *src, const char *ctxjson, enum dl_err *ep)
{
	json_t *ctx = json_loads(ctxjson, 0, NULL);
	struct buf out = BUF_INIT(1 << 20);
	char msg[256];
	enum dl_err e;

	assert_non_null(ctx);
	e = tmpl_render_string(src, ctx, NULL, &out, msg, sizeof msg);
	json_decref(ctx);
	if (ep)
		*ep = e;
	if (e != DL_OK) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

static void
test_escape(void **state)
{
	struct buf b = BUF_INIT(1024);
	char *s;

	(void)state;
	assert_int_equal(tmpl_escape_html(&b, "a&b<c>d\"e'f", 11), DL_OK);
	assert_string_equal(b.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	buf_reset(&b);
	assert_int_equal(tmpl_escape_html(&b, "plain", 5), DL_OK);
	assert_string_equal(b.data, "plain");
	buf_free(&b);

	s = render("{{x}}|{{{x}}}|{{&x}}", "{\"x\": \"<a href='q'>&\\\"</a>\"}", NULL);
	assert_non_null(s);
	assert_string_equal(s, "&lt;a href=&#39;q&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='q'>&\"</a>|<a href='q'>&\"</a>");
	free(s);

	/* An escape that does not fit leaves the buffer as it was. */
	struct buf small = BUF_INIT(8);
	assert_int_equal(buf_puts(&small, "ab"), DL_OK);
	assert_int_equal(tmpl_escape_html(&small, "<<<", 3), DL_ERR_TOOBIG);
	assert_string_equal(small.data, "ab");
	buf_free(&small);
}

static void
test_values(void **state)
{
	char *s;

	(void)state;
	s = render("{{i}} {{n}} {{r}} {{z}} {{big}} {{t}} {{nul}}|{{missing}}|{{a.b.c}}",
	    "{\"i\": 85, \"n\": -3, \"r\": 1.21, \"z\": 0.1, \"big\": 9007199254740993, "
	    "\"t\": true, \"nul\": null, \"a\": {\"b\": {\"c\": \"deep\"}}}", NULL);
	assert_non_null(s);
	assert_string_equal(s, "85 -3 1.21 0.1 9007199254740993 true ||deep");
	free(s);

	s = render("{{#list}}[{{.}}]{{/list}}{{^empty}}none{{/empty}}{{#obj}}{{name}}{{top}}{{/obj}}",
	    "{\"list\": [1, \"two\", 3.5], \"empty\": [], \"obj\": {\"name\": \"N\"}, \"top\": \"T\"}", NULL);
	assert_non_null(s);
	assert_string_equal(s, "[1][two][3.5]noneNT");
	free(s);
}

static void
expect_invalid(const char *src, const char *want_prefix)
{
	struct tmpl_set *ts = tmpl_set_new();
	char msg[256];
	enum dl_err e;

	assert_non_null(ts);
	e = tmpl_set_add(ts, "t", src, strlen(src), msg, sizeof msg);
	if (e != DL_ERR_INVALID)
		fail_msg("template [%.60s] gave %s, want invalid", src, dl_strerror(e));
	if (strncmp(msg, want_prefix, strlen(want_prefix)) != 0)
		fail_msg("template [%.60s]: message [%s] does not start with [%s]", src, msg, want_prefix);
	assert_false(tmpl_set_has(ts, "t"));
	tmpl_set_free(ts);
}

static void
test_hostile(void **state)
{
	struct tmpl_set *ts;
	size_t i, n = 10000, len;
	char *src, msg[256];
	enum dl_err e;

	(void)state;
	expect_invalid("{{a", "t:1: ");
	expect_invalid("x\ny\n{{#a}}x", "t:3: unclosed section");
	expect_invalid("{{/a}}", "t:1: ");
	expect_invalid("{{#a}}\n\n{{/b}}", "t:3: closing 'b' but 'a'");
	expect_invalid("{{=a=}}", "t:1: bad delimiter");
	expect_invalid("{{=  =}}", "t:1: bad delimiter");
	expect_invalid("{{{a}}", "t:1: unclosed tag");
	expect_invalid("{{}}", "t:1: empty tag name");
	expect_invalid("{{a..b}}", "t:1: ");
	expect_invalid("{{#}}{{/}}", "t:1: ");
	expect_invalid("{{", "t:1: unclosed tag");

	/* 10,000 nested sections. */
	src = malloc(n * 12 + 1);
	assert_non_null(src);
	len = 0;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(src + len, "{{#a}}");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(src + len, "{{/a}}");
	ts = tmpl_set_new();
	e = tmpl_set_add(ts, "deep", src, len, msg, sizeof msg);
	assert_int_equal(e, DL_ERR_INVALID);
	assert_non_null(strstr(msg, "deep:1: "));
	/* 10,000 sections side by side are fine. */
	len = 0;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(src + len, "{{#a}}{{/a}}");
	assert_int_equal(tmpl_set_add(ts, "wide", src, len, msg, sizeof msg), DL_OK);
	free(src);

	/* A 2 MB template is over the 1 MiB cap. */
	len = 2 * 1024 * 1024;
	src = malloc(len);
	assert_non_null(src);
	memset(src, 'x', len);
	assert_int_equal(tmpl_set_add(ts, "huge", src, len, msg, sizeof msg), DL_ERR_TOOBIG);
	assert_non_null(strstr(msg, "huge:"));
	assert_false(tmpl_set_has(ts, "huge"));
	/* ...and 2 MB of open tags with nothing closed. */
	for (i = 0; i + 2 <= len; i += 2)
		src[i] = '{', src[i + 1] = '{';
	assert_int_not_equal(tmpl_set_add(ts, "huge", src, len / 2, msg, sizeof msg), DL_OK);
	free(src);

	/* Endless partial recursion stops at depth 32. */
	assert_int_equal(tmpl_set_add(ts, "loop", "x{{>loop}}", 10, msg, sizeof msg), DL_OK);
	{
		struct buf out = BUF_INIT(1 << 20);
		json_t *ctx = json_object();

		assert_int_equal(tmpl_render(ts, "loop", ctx, &out), DL_ERR_TOOBIG);
		assert_true(out.len == 0);
		assert_int_equal(tmpl_render(ts, "nope", ctx, &out), DL_ERR_NOTFOUND);
		json_decref(ctx);
		buf_free(&out);
	}
	tmpl_set_free(ts);
}

static void
test_cap(void **state)
{
	struct tmpl_set *ts = tmpl_set_new();
	struct buf out = BUF_INIT(100);
	json_t *ctx = json_pack("{s:[i,i,i,i,i,i,i,i,i,i]}", "xs", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	const char *src = "{{#xs}}item number {{.}}\n{{/xs}}";
	char msg[256];

	(void)state;
	assert_non_null(ts);
	assert_int_equal(tmpl_set_add(ts, "list", src, strlen(src), msg, sizeof msg), DL_OK);
	assert_int_equal(buf_puts(&out, "head:"), DL_OK);
	assert_int_equal(tmpl_render(ts, "list", ctx, &out), DL_ERR_TOOBIG);
	assert_string_equal(out.data, "head:");   /* nothing half-written */
	out.max = 1000;
	assert_int_equal(tmpl_render(ts, "list", ctx, &out), DL_OK);
	assert_true(out.len > 100);
	assert_non_null(strstr(out.data, "item number 10\n"));
	json_decref(ctx);
	buf_free(&out);
	tmpl_set_free(ts);
}

struct job {
	const struct tmpl_set *ts;
	const json_t *ctx;
	const char *want;
	int mismatches;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	int i;

	for (i = 0; i < 300; i++) {
		struct buf out = BUF_INIT(1 << 20);

		if (tmpl_render(j->ts, "page", j->ctx, &out) != DL_OK || strcmp(out.data, j->want) != 0)
			j->mismatches++;
		buf_free(&out);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct tmpl_set *ts = tmpl_set_new();
	const char *page = "<h1>{{title}}</h1>\n{{#items}}\n  {{>item}}\n{{/items}}\n{{^items}}none{{/items}}\n";
	const char *item = "<li>{{name}} ({{n}}) {{{raw}}}</li>\n{{#tags}}<b>{{.}}</b>{{/tags}}\n";
	struct buf ref = BUF_INIT(1 << 20);
	struct job jobs[4];
	pthread_t th[4];
	json_t *ctx, *items;
	char msg[256];
	int i;

	(void)state;
	assert_int_equal(tmpl_set_add(ts, "page", page, strlen(page), msg, sizeof msg), DL_OK);
	assert_int_equal(tmpl_set_add(ts, "item", item, strlen(item), msg, sizeof msg), DL_OK);
	ctx = json_pack("{s:s}", "title", "Q&A <today>");
	items = json_array();
	for (i = 0; i < 50; i++)
		json_array_append_new(items, json_pack("{s:s, s:i, s:s, s:[s,s]}", "name", "x'y\"z",
		    "n", i, "raw", "<em>r</em>", "tags", "a<", "b>"));
	json_object_set_new(ctx, "items", items);
	assert_int_equal(tmpl_render(ts, "page", ctx, &ref), DL_OK);
	assert_non_null(strstr(ref.data, "  <li>x&#39;y&quot;z (49) <em>r</em></li>\n  <b>a&lt;</b><b>b&gt;</b>\n"));
	for (i = 0; i < 4; i++) {
		jobs[i] = (struct job){ ts, ctx, ref.data, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].mismatches, 0);
	}
	json_decref(ctx);
	buf_free(&ref);
	tmpl_set_free(ts);
}

static void
test_replace(void **state)
{
	struct tmpl_set *ts = tmpl_set_new();
	struct buf out = BUF_INIT(1024);
	char msg[256];

	(void)state;
	assert_int_equal(tmpl_set_add(ts, "b", "B1", 2, msg, sizeof msg), DL_OK);
	assert_int_equal(tmpl_set_add(ts, "a", "A{{>b}}", 7, msg, sizeof msg), DL_OK);
	assert_int_equal(tmpl_set_add(ts, "b", "B2", 2, msg, sizeof msg), DL_OK);
	assert_int_equal(tmpl_set_add(ts, "b", "{{#bad}}", 8, msg, sizeof msg), DL_ERR_INVALID);
	assert_int_equal(tmpl_render(ts, "a", NULL, &out), DL_OK);
	assert_string_equal(out.data, "AB2");   /* a failed replace keeps the old one */
	buf_free(&out);
	tmpl_set_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_interpolation),
		cmocka_unit_test(spec_sections),
		cmocka_unit_test(spec_inverted),
		cmocka_unit_test(spec_partials),
		cmocka_unit_test(spec_delimiters),
		cmocka_unit_test(spec_comments),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_replace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
