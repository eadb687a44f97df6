/* test_ninjs.c - ninjs in and out: the seed article, each required field,
 * hostile input, dates, HTML bodies, and emit -> parse round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"
#include "content/ninjs.h"

static const char minimal[] =
    "{\"uri\": \"urn:x:1\", \"type\": \"text\", \"language\": \"en\","
    " \"versioncreated\": \"2024-03-01T12:00:00Z\","
    " \"headlines\": [{\"role\": \"main\", \"value\": \"A headline\"}],"
    " \"bodies\": [{\"role\": \"main\", \"contenttype\": \"text/plain\", \"value\": \"One.\\n\\nTwo <b>&amp;</b>\"}]}";

static json_t *
load(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);

	if (j == NULL)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* Parses `obj`, expects `want`, and (when msg_part) a message containing it. */
static void
expect(json_t *obj, enum dl_err want, const char *msg_part)
{
	struct arena *ar = arena_new(64 << 20);
	struct dl_article a;
	char msg[512];
	enum dl_err e;

	e = ninjs_parse(ar, obj, &a, msg, sizeof msg);
	if (e != want)
		fail_msg("got %d (%s), wanted %d", e, msg, want);
	if (msg_part && strstr(msg, msg_part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, msg_part);
	arena_free(ar);
	json_decref(obj);
}

/* expect() on `minimal` with obj[key] set to `value` (a new reference). */
static void
expect_set(const char *key, json_t *value, enum dl_err want, const char *msg_part)
{
	json_t *j = load(minimal);

	json_object_set_new(j, key, value);
	expect(j, want, msg_part);
}

/* expect() on `minimal` without obj[key]. */
static void
expect_without(const char *key, enum dl_err want, const char *msg_part)
{
	json_t *j = load(minimal);

	json_object_del(j, key);
	expect(j, want, msg_part);
}

static void
test_seed(void **state)
{
	const char *shared = getenv("SHARED_DIR");
	struct arena *ar = arena_new(64 << 20);
	struct dl_article a;
	char path[1024], msg[256];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof path, "%s/seed/asianews-article.ninjs.json", shared && *shared ? shared : "../shared");
	if ((j = json_load_file(path, 0, &je)) == NULL) {
		printf("skipped: %s not found (set SHARED_DIR)\n", path);
		arena_free(ar);
		skip();
	}
	if (ninjs_parse(ar, j, &a, msg, sizeof msg) != DL_OK)
		fail_msg("seed: %s", msg);
	assert_string_equal(a.uri, "urn:asianews:2025-12-29:central-asia-japan-ties");
	assert_string_equal(a.lang, "en");
	assert_string_equal(a.headline,
	    "Ecology, communication and human resources strengthen ties between Tokyo and Central Asia");
	assert_true(strncmp(a.standfirst, "Japan is looking to the region", 30) == 0);
	assert_string_equal(a.byline, "Vladimir Rozanskij");
	assert_string_equal(a.author.name, "Vladimir Rozanskij");
	assert_string_equal(a.author.slug, "vladimir-rozanskij");
	assert_string_equal(a.located, "Moscow");
	assert_string_equal(a.copyright, "AsiaNews");
	assert_string_equal(a.translation_of, "");
	assert_int_equal(a.status, DL_PUBLISHED);
	/* 2025-12-29T10:26:00+01:00 */
	assert_int_equal(a.first_created, 1767000360);
	assert_int_equal(a.version_created, 1767000360);
	assert_int_equal(a.n_places, 2);
	assert_string_equal(a.places[0].name, "Central Asia");
	assert_string_equal(a.places[0].slug, "central-asia");
	assert_string_equal(a.places[1].name, "Japan");
	assert_int_equal(a.n_tags, 0);
	assert_true(strncmp(a.body_text, "On 20 December, the first \xe2\x80\x98" "Central Asia-Japan", 45) == 0);
	assert_non_null(strstr(a.body_text, "3 trillion yen"));
	assert_true(strncmp(a.body_html, "<p>On 20 December", 17) == 0);
	/* 16 paragraphs in the seed. */
	{
		const char *p = a.body_html;
		int n = 0;

		while ((p = strstr(p, "<p>")) != NULL) {
			n++;
			p += 3;
		}
		assert_int_equal(n, 16);
	}
	assert_non_null(strstr(a.body_html, "countries&#39; politics"));
	json_decref(j);
	arena_free(ar);
}

static void
test_minimal_and_escape(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	struct dl_article a;
	char msg[256];
	json_t *j = load(minimal);

	assert_int_equal(ninjs_parse(ar, j, &a, msg, sizeof msg), DL_OK);
	assert_string_equal(a.body_text, "One.\n\nTwo <b>&amp;</b>");
	assert_string_equal(a.body_html, "<p>One.</p>\n<p>Two &lt;b&gt;&amp;amp;&lt;/b&gt;</p>\n");
	assert_int_equal(a.first_created, a.version_created);
	assert_string_equal(a.standfirst, "");
	json_decref(j);
	arena_free(ar);
}

static void
test_required(void **state)
{
	json_t *j;

	expect_without("uri", DL_ERR_INVALID, "missing \"uri\"");
	expect_without("language", DL_ERR_INVALID, "missing \"language\"");
	expect_without("headlines", DL_ERR_INVALID, "missing \"headlines\"");
	expect_set("headlines", json_array(), DL_ERR_INVALID, "missing \"headlines\"");
	expect_without("versioncreated", DL_ERR_INVALID, "\"firstcreated\" and \"versioncreated\"");
	expect_set("type", json_string("picture"), DL_ERR_UNSUPPORTED, "\"picture\"");
	expect_set("firstcreated", json_string("2024-03-01 noon"),
	    DL_ERR_INVALID, "\"firstcreated\" is not an RFC 3339");
	expect_set("language", json_string("english!"), DL_ERR_INVALID, "\"language\"");
	expect_set("headlines", json_pack("[{s:s}]", "value", "   "),
	    DL_ERR_INVALID, "headline is empty");
	/* No type is fine; "en-GB" is the "en" edition. */
	j = load(minimal);
	json_object_del(j, "type");
	json_object_set_new(j, "language", json_string("en-GB"));
	expect(j, DL_OK, NULL);
}

static void
test_hostile(void **state)
{
	char *big;
	json_t *arr;
	size_t n = 5u << 20;
	int i;

	/* A 5 MB headline. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	expect_set("headlines", json_pack("[{s:s, s:s}]", "role", "main", "value", big),
	    DL_ERR_TOOBIG, "headline is longer than 1000 bytes");
	/* A 5 MB body. */
	expect_set("bodies", json_pack("[{s:s}]", "value", big), DL_ERR_TOOBIG, "body");
	/* 1 MB of nested HTML: refused before the parser sees it. */
	{
		size_t k = 0, m = 1u << 20;

		while (k + 5 < m) {
			memcpy(big + k, "<div>", 5);
			k += 5;
		}
		memcpy(big + k, "x", 2);
		expect_set("bodies", json_pack("[{s:s, s:s}]", "contenttype", "text/html", "value", big),
		    DL_ERR_TOOBIG, "more than 5000 elements");
		/* 400 levels of nesting (the walker's own limit) is accepted. */
		big[400 * 5] = '\0';
		expect_set("bodies", json_pack("[{s:s, s:s}]", "contenttype", "text/html", "value", big),
		    DL_OK, NULL);
	}
	free(big);
	/* Wrong types. */
	expect_set("uri", json_integer(5), DL_ERR_INVALID, "\"uri\" must be a string");
	expect_set("headlines", json_string("nope"),
	    DL_ERR_INVALID, "\"headlines\" must be an array");
	expect_set("headlines", json_pack("[{s:i}]", "value", 3), DL_ERR_INVALID, "headlines[0]");
	expect_set("places", json_pack("[s]", "Rome"),
	    DL_ERR_INVALID, "places[0] must be an object");
	expect_set("places", json_pack("[{s:[]}]", "name"), DL_ERR_INVALID, "places[0].name");
	expect_set("by", json_pack("{s:{s:[]}}", "a", "b"),
	    DL_ERR_INVALID, "\"by\" must be a string");
	expect_set("bodies", json_pack("[{s:s, s:s}]", "contenttype", "image/png", "value", "x"),
	    DL_ERR_UNSUPPORTED, "image/png");
	expect(json_pack("[s]", "not an object"), DL_ERR_INVALID, "JSON object");
	/* Too many places. */
	arr = json_array();
	for (i = 0; i < 101; i++)
		json_array_append_new(arr, json_pack("{s:s+}", "name", "Place ", i % 2 ? "A" : "B"));
	expect_set("places", arr, DL_ERR_TOOBIG, "more than 100 places");
	/* Bad dates. */
	expect_set("versioncreated", json_string("2024-02-30T00:00:00Z"),
	    DL_ERR_INVALID, "versioncreated");
	expect_set("versioncreated", json_string("2024-02-01T00:00:00"),
	    DL_ERR_INVALID, "versioncreated");
}

static void
test_times(void **state)
{
	int64_t t;

	assert_int_equal(ninjs_parse_time("1970-01-01T00:00:00Z", &t), DL_OK);
	assert_int_equal(t, 0);
	assert_int_equal(ninjs_parse_time("2025-12-29T10:26:00+01:00", &t), DL_OK);
	assert_int_equal(t, 1767000360);
	assert_int_equal(ninjs_parse_time("2025-12-29T04:56:00.123-04:30", &t), DL_OK);
	assert_int_equal(t, 1767000360);
	assert_int_equal(ninjs_parse_time("2024-02-29T00:00:00Z", &t), DL_OK);
	assert_int_equal(ninjs_parse_time("2023-02-29T00:00:00Z", &t), DL_ERR_INVALID);
	assert_int_equal(ninjs_parse_time("2023-13-01T00:00:00Z", &t), DL_ERR_INVALID);
	assert_int_equal(ninjs_parse_time("2023-01-01T00:00:00Zjunk", &t), DL_ERR_INVALID);
	assert_int_equal(ninjs_parse_time("", &t), DL_ERR_INVALID);
}

static void
test_html_body_and_terms(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	struct dl_article a;
	char msg[256];
	json_t *j = load(minimal);

	json_object_set_new(j, "bodies", json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]",
	    "role", "summary", "contenttype", "text/plain", "value", "not this",
	    "role", "main", "contenttype", "text/html",
	    "value", "<p>First <b>bold</b>\n   text</p><script>alert(1)</script><div>Second &amp; "
	    "<img src=x onerror=alert(1)>last</div>"));
	json_object_set_new(j, "subjects", json_pack("[{s:s}, {s:s}]", "name", "Energy", "uri", "x:y"));
	json_object_set_new(j, "keywords", json_pack("[s]", "Ecology"));
	json_object_set_new(j, "associations", json_pack("[{s:s, s:s}]", "name", "translation-of", "uri", "urn:orig"));
	json_object_set_new(j, "pubstatus", json_string("canceled"));
	assert_int_equal(ninjs_parse(ar, j, &a, msg, sizeof msg), DL_OK);
	assert_string_equal(a.body_text, "First bold text\n\nSecond & last");
	/* HTML keeps its allowed markup; the script and the handler are gone. */
	assert_string_equal(a.body_html,
	    "<p>First <b>bold</b>\n   text</p><div>Second &amp; <img src=\"x\">last</div>");
	assert_int_equal(a.n_tags, 2);
	assert_string_equal(a.tags[0].name, "Energy");
	assert_string_equal(a.tags[1].name, "Ecology");
	assert_string_equal(a.translation_of, "urn:orig");
	assert_int_equal(a.status, DL_RETRACTED);
	json_object_set_new(j, "pubstatus", json_string("withheld"));
	assert_int_equal(ninjs_parse(ar, j, &a, msg, sizeof msg), DL_OK);
	assert_int_equal(a.status, DL_DRAFT);
	json_decref(j);
	arena_free(ar);
}

static void
round_trip(const char *lang, const char *headline, const char *standfirst, const char *body,
    const char *place, const char *tag)
{
	struct arena *ar = arena_new(4 << 20);
	struct dl_term p[] = { { place, "" } }, t[] = { { tag, "" } };
	struct dl_article a, b;
	char msg[256];
	json_t *j = NULL;

	/* Build the article as the importer would, from plain text. */
	{
		json_t *in = json_pack("{s:s, s:s, s:s, s:[{s:s}], s:[{s:s}], s:[{s:s, s:s}], s:s, s:s}",
		    "uri", "urn:rt", "language", lang, "firstcreated", "2024-05-01T08:00:00+02:00",
		    "headlines", "value", headline, "descriptions", "value", standfirst,
		    "bodies", "contenttype", "text/plain", "value", body, "by", "Redazione", "located", place);
		assert_non_null(in);
		assert_int_equal(ninjs_parse(ar, in, &a, msg, sizeof msg), DL_OK);
		json_decref(in);
	}
	a.places = p;
	a.n_places = 1;
	a.tags = t;
	a.n_tags = 1;
	a.translation_of = "urn:orig";
	assert_int_equal(ninjs_emit(&a, &j), DL_OK);
	assert_string_equal(json_string_value(json_object_get(j, "firstcreated")), "2024-05-01T06:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "standard"), "version")), "2.1");
	assert_int_equal(ninjs_parse(ar, j, &b, msg, sizeof msg), DL_OK);
	assert_string_equal(b.uri, a.uri);
	assert_string_equal(b.lang, lang);
	assert_string_equal(b.headline, headline);
	assert_string_equal(b.standfirst, standfirst);
	assert_string_equal(b.body_text, a.body_text);
	assert_string_equal(b.body_html, a.body_html);
	assert_string_equal(b.byline, "Redazione");
	assert_string_equal(b.located, place);
	assert_int_equal(b.first_created, a.first_created);
	assert_int_equal(b.n_places, 1);
	assert_string_equal(b.places[0].name, place);
	assert_int_equal(b.n_tags, 1);
	assert_string_equal(b.tags[0].name, tag);
	assert_string_equal(b.translation_of, "urn:orig");
	json_decref(j);
	arena_free(ar);
}

static void
test_round_trip(void **state)
{
	round_trip("zh", "中亚与日本：生态、通信和人力资源加强关系",
	    "日本正在以五年数十亿的项目关注该地区。",
	    "12月20日，首届“中亚-日本”峰会在东京闭幕。\n\n日本表示有意在未来五年内实施价值3万亿日元的商业项目。",
	    "中亚", "生态");
	round_trip("it", "Ecologia, comunicazione e risorse umane: è più forte il legame",
	    "Il Giappone guarda alla regione con progetti per miliardi.",
	    "Il 20 dicembre si è concluso a Tokyo il primo vertice «Asia centrale-Giappone».\n\n"
	    "Perché l'Asia centrale è sempre più importante? Città & società <cambiano>.",
	    "Città del Vaticano", "Ecologia");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_minimal_and_escape),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_html_body_and_terms),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
