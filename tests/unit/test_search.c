/* test_search.c - query parsing, snippets, and the index behind
 * store_search() (src/search/query.c, src/store/sqlite_search.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "search/query.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "text/token.h"
#include "unit_db.h"

static void
test_parse(void **state)
{
	struct arena *ar = arena_new(1 << 20);
	struct search_query q;

	(void)state;
	assert_int_equal(search_parse(ar, "oil  \"crude oil\" -england OR x", &q), DL_OK);
	/* OR after an exclusion does not join it */
	assert_int_equal(q.n_terms, 4);
	assert_string_equal(q.terms[0].text, "oil");
	assert_false(q.terms[0].phrase);
	assert_string_equal(q.terms[1].text, "crude oil");
	assert_true(q.terms[1].phrase);
	assert_true(q.terms[2].exclude);
	assert_false(q.terms[2].or_next);
	assert_int_equal(q.n_positive, 3);

	assert_int_equal(search_parse(ar, "a OR b c", &q), DL_OK);
	assert_int_equal(q.n_terms, 3);
	assert_true(q.terms[0].or_next);
	assert_false(q.terms[1].or_next);

	/* unbalanced quote runs to the end; lone operators vanish */
	assert_int_equal(search_parse(ar, "\"bank of", &q), DL_OK);
	assert_int_equal(q.n_terms, 1);
	assert_string_equal(q.terms[0].text, "bank of");
	assert_int_equal(search_parse(ar, "OR - \"\" OR", &q), DL_OK);
	assert_int_equal(q.n_terms, 0);

	/* invalid UTF-8 becomes U+FFFD; control characters spaces */
	assert_int_equal(search_parse(ar, "a\xff\x01z", &q), DL_OK);
	assert_string_equal(q.text, "a\xEF\xBF\xBD z");

	/* caps */
	{
		char big[SEARCH_QUERY_MAX + 2];

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(search_parse(ar, big, &q), DL_ERR_TOOBIG);
		memset(big, 0, sizeof big);
		for (int i = 0; i < DL_SEARCH_MAX_TERMS + 1; i++)
			strcat(big, "w ");
		assert_int_equal(search_parse(ar, big, &q), DL_ERR_TOOBIG);
	}
	arena_free(ar);
}

static void
joined(const struct search_seg *v, size_t n, char *out, size_t cap)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (v[i].hit)
			strncat(out, "[", cap - strlen(out) - 1);
		strncat(out, v[i].text, cap - strlen(out) - 1);
		if (v[i].hit)
			strncat(out, "]", cap - strlen(out) - 1);
	}
}

static void
test_snippet(void **state)
{
	struct arena *ar = arena_new(4 << 20);
	struct tok *t = tok_new();
	struct search_query q;
	struct search_stems st;
	struct search_seg *v;
	size_t n, i;
	char out[4096];
	static char long_text[20000];

	(void)state;
	assert_non_null(t);
	assert_int_equal(search_parse(ar, "strengthen ties", &q), DL_OK);
	assert_int_equal(search_stems(t, ar, "en", &q, &st), DL_OK);
	assert_int_equal(search_snippet(t, ar, "en", &st, "Allies strengthened their ties.", 0, &v, &n),
	    DL_OK);
	joined(v, n, out, sizeof out);
	assert_string_equal(out, "Allies [strengthened] their [ties].");

	/* a long text: a window around the matches, cut marks on both sides */
	long_text[0] = '\0';
	for (i = 0; i < 300; i++)
		strcat(long_text, "Filler words go here. ");
	strcat(long_text, "Then the governments strengthened their ties again. ");
	for (i = 0; i < 300; i++)
		strcat(long_text, "More filler text. ");
	assert_int_equal(search_snippet(t, ar, "en", &st, long_text, 20, &v, &n), DL_OK);
	joined(v, n, out, sizeof out);
	assert_non_null(strstr(out, "[strengthened] their [ties]"));
	assert_int_equal(strncmp(out, "… ", strlen("… ")), 0);
	assert_non_null(strstr(out, " …"));
	assert_true(strlen(out) < 300);

	/* Paragraphs: the first lines (with stop words, numbers and a curly
	 * apostrophe, which count as positions or not as the tokenizer says)
	 * lack the words, so the rest is read too and the marks must land on
	 * the very words, not next to them. */
	long_text[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(long_text, i % 2 ? "It is 12 o\u2019clock and the 3 of us are in a room.\n" :
		    "Some strings (no match, but read) tie nothing here.\n");
	strcat(long_text, "\nThe governments strengthened, in 2024, their old ties.\n");
	for (i = 0; i < 30; i++)
		strcat(long_text, "After 5 more years of it, all was quiet. ");
	assert_int_equal(search_snippet(t, ar, "en", &st, long_text, 12, &v, &n), DL_OK);
	joined(v, n, out, sizeof out);
	assert_non_null(strstr(out, "governments [strengthened], in 2024, their old [ties]."));
	assert_int_equal(strncmp(out, "… ", strlen("… ")), 0);
	/* ... and when the first lines have every word, the snippet is there */
	long_text[0] = '\0';
	strcat(long_text, "Ties were strengthened at once.");
	for (i = 0; i < 30; i++)
		strcat(long_text, " Filler words go here.");
	strcat(long_text, "\n");
	for (i = 0; i < 30; i++)
		strcat(long_text, "Later they strengthened ties and ties again. ");
	assert_int_equal(search_snippet(t, ar, "en", &st, long_text, 12, &v, &n), DL_OK);
	joined(v, n, out, sizeof out);
	assert_int_equal(strncmp(out, "[Ties] were [strengthened] at once.", 35), 0);

	/* Chinese: the matched word, not its characters elsewhere */
	assert_int_equal(search_parse(ar, "基金", &q), DL_OK);
	assert_int_equal(search_stems(t, ar, "zh", &q, &st), DL_OK);
	assert_int_equal(search_snippet(t, ar, "zh", &st, "国内基金表现最好的是开放式基金。", 0, &v, &n), DL_OK);
	joined(v, n, out, sizeof out);
	assert_non_null(strstr(out, "[基金]"));

	/* no match: the opening words */
	assert_int_equal(search_snippet(t, ar, "zh", &st, "今天天气很好。", 10, &v, &n), DL_OK);
	joined(v, n, out, sizeof out);
	assert_string_equal(out, "今天天气很好。");
	tok_free(t);
	arena_free(ar);
}

static const struct dl_article *
mk(struct dl_article *a, const char *uri, const char *lang, const char *headline, const char *body,
    enum dl_status status)
{
	memset(a, 0, sizeof *a);
	a->uri = uri;
	a->lang = lang;
	a->slug = "";
	a->headline = headline;
	a->standfirst = "";
	a->byline = "";
	a->located = "";
	a->copyright = "";
	a->body_html = "";
	a->body_text = body;
	a->translation_of = "";
	a->status = status;
	a->first_created = 1700000000;
	a->version_created = 1700000000;
	a->author.name = "";
	a->author.slug = "";
	return a;
}

static int64_t
count(struct store *st, const char *lang, const char *text)
{
	struct arena *ar = arena_new(4 << 20);
	struct search_query q;
	struct dl_search s = { 0 };
	struct dl_article_list l;
	int64_t n;
	int exact = 0;

	assert_int_equal(search_parse(ar, text, &q), DL_OK);
	s.terms = q.terms;
	s.n_terms = q.n_terms;
	s.lang = lang;
	assert_int_equal(store_search(st, ar, &s, 0, 10, &l, &exact), DL_OK);
	assert_true(exact);
	n = l.total;
	assert_int_equal((int64_t)l.n, n < 10 ? n : 10);
	arena_free(ar);
	return n;
}

static void
test_index(void **state)
{
	const char *db = unit_db("search.db");
	char msg[256];
	struct store *st;
	struct dl_article a;
	int created;
	int64_t n;

	(void)state;
	assert_int_equal(store_open(db, &st, msg, sizeof msg), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "u:1", "en", "Ties strengthened",
	    "Trade ties.", DL_PUBLISHED), &created), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "u:2", "it", "Legami rafforzati",
	    "I legami commerciali.", DL_PUBLISHED), &created), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "u:3", "en", "Draft about ties",
	    "Not yet.", DL_DRAFT), &created), DL_OK);
	assert_int_equal(count(st, "en", "tie"), 1);
	assert_int_equal(count(st, "it", "legame"), 1);
	assert_int_equal(count(st, NULL, "tie OR legame"), 2);
	assert_int_equal(count(st, "en", "legame"), 0);
	/* retracting removes it, in the same put */
	assert_int_equal(store_article_put(st, mk(&a, "u:1", "en", "Ties strengthened",
	    "Trade ties.", DL_RETRACTED), &created), DL_OK);
	assert_int_equal(count(st, "en", "tie"), 0);
	/* a rolled-back put leaves the index as it was */
	assert_int_equal(store_begin(st), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "u:4", "en", "Zebra", "Zebra.", DL_PUBLISHED),
	    &created), DL_OK);
	store_rollback(st);
	assert_int_equal(count(st, "en", "zebra"), 0);
	assert_int_equal(store_search_rebuild(st, &n), DL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(count(st, NULL, "legame"), 1);
	/* a renamed tag: its articles are re-indexed under the new name */
	if (unit_is_pg()) {
		struct dl_term tag = { "Energia", "" };
		struct arena *ar = arena_new(1 << 20);
		struct dl_term_row *rows;
		size_t nr;

		mk(&a, "u:5", "it", "Prezzi", "I prezzi salgono.", DL_PUBLISHED);
		a.tags = &tag;
		a.n_tags = 1;
		assert_int_equal(store_article_put(st, &a, &created), DL_OK);
		assert_int_equal(count(st, "it", "energia"), 1);
		assert_int_equal(store_terms_list(st, ar, DL_TAG, "it", &rows, &nr), DL_OK);
		assert_int_equal(nr, 1);
		assert_string_equal(rows[0].name, "Energia");
		assert_int_equal(store_term_rename(st, rows[0].id, "Petrolio"), DL_OK);
		assert_int_equal(count(st, "it", "petrolio"), 1);
		assert_int_equal(count(st, "it", "energia"), 0);
		arena_free(ar);
	} else {
		struct dl_term tag = { "Energia", "" };
		sqlite3_stmt *s;
		int64_t id;

		mk(&a, "u:5", "it", "Prezzi", "I prezzi salgono.", DL_PUBLISHED);
		a.tags = &tag;
		a.n_tags = 1;
		assert_int_equal(store_article_put(st, &a, &created), DL_OK);
		assert_int_equal(count(st, "it", "energia"), 1);
		assert_int_equal(sqlite3_prepare_v2(sqlite_conn(st), "SELECT id FROM terms WHERE name = "
		    "'Energia'", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		id = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		assert_int_equal(sqlite3_exec(sqlite_conn(st), "UPDATE terms SET name = 'Petrolio' WHERE "
		    "name = 'Energia'", NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(count(st, "it", "petrolio"), 0);
		assert_int_equal(sqlite_search_reindex_term(st, id), DL_OK);
		assert_int_equal(count(st, "it", "petrolio"), 1);
		assert_int_equal(count(st, "it", "energia"), 0);
	}
	store_close(st);
}

/* How many articles match `text` in `lang`; -1 for DL_ERR_INVALID (no
 * searchable word). Any other error fails the test. */
static int64_t
count_any(struct store *st, const char *lang, const char *text)
{
	struct arena *ar = arena_new(4 << 20);
	struct search_query q;
	struct dl_search s = { 0 };
	struct dl_article_list l;
	enum dl_err e;
	int64_t n = -1;

	assert_int_equal(search_parse(ar, text, &q), DL_OK);
	s.terms = q.terms;
	s.n_terms = q.n_terms;
	s.lang = lang;
	e = store_search(st, ar, &s, 0, 10, &l, NULL);
	if (e != DL_ERR_INVALID) {
		if (e != DL_OK)
			fail_msg("query [%s]: %s", text, dl_strerror(e));
		n = l.total;
	}
	arena_free(ar);
	return n;
}

/* Query text that is engine syntax somewhere (FTS5, tsquery, SQL) is only
 * words: it matches what its words match, and never breaks the query. */
static void
test_hostile(void **state)
{
	static const struct {
		const char *q;
		int64_t n;
	} cases[] = {
		{ "oil:*", 2 }, { "'oil'", 2 }, { "\\'oil\\'", 2 }, { "oil'|'x", 0 },
		{ "'oil' & 'x'", 0 }, { "!oil", 2 }, { "(oil", 2 }, { "oil)", 2 },
		{ "oil <-> prices", 2 }, { "oil:A", 2 }, { "'a':1A", 0 }, { "o'brien", 1 },
		{ "\"oil prices", 1 }, { "\"prices oil\"", 0 }, { "oil -'prices'", 0 },
		{ "''", -1 }, { "'", -1 }, { "\\", -1 }, { ":*", -1 }, { "&|!()<->", -1 },
		{ "oil\\", 2 }, { "x' OR '1'='1", 0 }, { "oil; DROP TABLE articles", 0 },
		{ "\"oil\" | \"gas\"", 2 }, { "oil | gas", 2 }, { "oil OR gas", 2 },
		{ "en", 2 }, { "-en oil", 0 }, { "zebra OR oil", 2 },
	};
	const char *db = unit_db("hostile.db");
	char msg[256];
	struct store *st;
	struct dl_article a;
	size_t i;
	int created;

	(void)state;
	assert_int_equal(store_open(db, &st, msg, sizeof msg), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "h:1", "en", "O'Brien's oil: prices & (futures)",
	    "Oil prices rose \\ fell; 'quoted' words:* and !bangs.", DL_PUBLISHED), &created), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "h:2", "en", "Gas and oil",
	    "Prices of gas, then oil.", DL_PUBLISHED), &created), DL_OK);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t n = count_any(st, NULL, cases[i].q);

		if (n != cases[i].n)
			fail_msg("query [%s]: %lld matches, want %lld", cases[i].q, (long long)n,
			    (long long)cases[i].n);
	}
	store_close(st);
}

/* An article of a great many distinct words (past what one PostgreSQL
 * tsvector holds) is still published and found by its headline. */
static void
test_huge_vocabulary(void **state)
{
	const char *db = unit_db("huge.db");
	size_t n = 950u << 10, i = 0, k;
	char msg[256], *body = malloc(n + 1);
	uint32_t x = 12345;
	struct store *st;
	struct dl_article a;
	int created;

	(void)state;
	assert_non_null(body);
	while (i + 10 < n) {   /* nine pseudo-random letters, a space */
		for (k = 0; k < 9; k++) {
			x = x * 1103515245u + 12345u;
			body[i++] = (char)('a' + (x >> 16) % 26);
		}
		body[i++] = ' ';
	}
	body[i] = '\0';
	assert_int_equal(store_open(db, &st, msg, sizeof msg), DL_OK);
	assert_int_equal(store_article_put(st, mk(&a, "big:1", "en", "Zanzibar ledger", body, DL_PUBLISHED),
	    &created), DL_OK);
	assert_int_equal(count_any(st, "en", "zanzibar"), 1);
	assert_int_equal(count_any(st, "en", "\"zanzibar ledger\""), 1);
	store_close(st);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_huge_vocabulary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
