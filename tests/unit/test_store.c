/* test_store.c - the store: puts and reads, listings and filters,
 * translations, See-also fallback, slugs, generation, on the run's engine
 * (unit_db.h: SQLite, or PostgreSQL with DATELINE_TEST_PG); and, on SQLite,
 * refusing foreign files and migration from every earlier schema version. */
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
#include <sys/wait.h>
#include <unistd.h>
#include "base/arena.h"
#include "content/slug.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "unit_db.h"

static char dir[256];
static const char *last_dsn;   /* the database open_new() made last */

static const char *
tmp_path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static int
setup(void **state)
{
	char *d;

	snprintf(dir, sizeof dir, "/tmp/dateline-test-store-XXXXXX");
	d = mkdtemp(dir);
	assert_non_null(d);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store *
open_new(const char *name)
{
	struct store *st = NULL;
	char msg[256];

	last_dsn = unit_db(name);
	if (store_open(last_dsn, &st, msg, sizeof msg) != DL_OK)
		fail_msg("store_open: %s", msg);
	return st;
}

static struct dl_term places_ca_jp[] = { { "Central Asia", "" }, { "Japan", "" } };
static struct dl_term places_it[] = { { "Italy", "" } };
static struct dl_term tags_eco[] = { { "Ecology", "" }, { "Energy", "" } };

static struct dl_article
mk(const char *uri, const char *lang, const char *headline, int64_t t)
{
	struct dl_article a;

	memset(&a, 0, sizeof a);
	a.uri = uri;
	a.lang = lang;
	a.slug = "";
	a.headline = headline;
	a.standfirst = "A standfirst";
	a.byline = "Vladimir Rozanskij";
	a.located = "Moscow";
	a.copyright = "AsiaNews";
	a.body_html = "<p>Body</p>\n";
	a.body_text = "Body";
	a.translation_of = "";
	a.status = DL_PUBLISHED;
	a.first_created = t;
	a.version_created = t;
	return a;
}

static void
put(struct store *st, const struct dl_article *a, int want_created)
{
	int created = -1;

	assert_int_equal(store_article_put(st, a, &created), DL_OK);
	assert_int_equal(created, want_created);
}

static void
test_open_empty(void **state)
{
	struct store *st = open_new("empty.db");
	const char *dsn = last_dsn;

	assert_int_equal(store_schema_version(st), store_n_migrations);
	assert_int_equal(store_article_count(st), 0);
	store_close(st);
	/* Reopening an existing database works and keeps the version. */
	{
		struct store *st2 = NULL;
		char msg[256];

		assert_int_equal(store_open(dsn, &st2, msg, sizeof msg), DL_OK);
		assert_int_equal(store_schema_version(st2), store_n_migrations);
		store_close(st2);
	}
}

static void
test_put_get(void **state)
{
	struct store *st = open_new("put.db");
	struct arena *ar = arena_new(1 << 20);
	struct dl_article a = mk("urn:t:1", "en", "Ecology, communication and ties", 1767000000), got;

	a.places = places_ca_jp;
	a.n_places = 2;
	a.tags = tags_eco;
	a.n_tags = 2;
	put(st, &a, 1);
	assert_int_equal(store_article_get(st, ar, "en", "ecology-communication-and-ties", &got), DL_OK);
	assert_string_equal(got.uri, "urn:t:1");
	assert_string_equal(got.headline, "Ecology, communication and ties");
	assert_string_equal(got.standfirst, "A standfirst");
	assert_string_equal(got.byline, "Vladimir Rozanskij");
	assert_string_equal(got.located, "Moscow");
	assert_string_equal(got.copyright, "AsiaNews");
	assert_string_equal(got.body_html, "<p>Body</p>\n");
	assert_string_equal(got.body_text, "Body");
	assert_int_equal(got.first_created, 1767000000);
	assert_int_equal(got.n_places, 2);
	assert_string_equal(got.places[0].name, "Central Asia");
	assert_string_equal(got.places[0].slug, "central-asia");
	assert_string_equal(got.places[1].slug, "japan");
	assert_int_equal(got.n_tags, 2);
	assert_string_equal(got.tags[1].name, "Energy");
	assert_string_equal(got.author.name, "Vladimir Rozanskij");
	assert_string_equal(got.author.slug, "vladimir-rozanskij");
	assert_int_equal(store_article_get(st, ar, "it", "ecology-communication-and-ties", &got),
	    DL_ERR_NOTFOUND);
	assert_int_equal(store_article_get_uri(st, ar, "urn:t:1", &got), DL_OK);
	assert_int_equal(store_article_get_uri(st, ar, "urn:none", &got), DL_ERR_NOTFOUND);
	{
		struct dl_term t;

		assert_int_equal(store_term_get(st, ar, DL_PLACE, "en", "japan", &t), DL_OK);
		assert_string_equal(t.name, "Japan");
		assert_int_equal(store_term_get(st, ar, DL_TAG, "en", "japan", &t), DL_ERR_NOTFOUND);
		assert_int_equal(store_term_get(st, ar, DL_AUTHOR, "en", "vladimir-rozanskij", &t), DL_OK);
	}
	/* Drafts are not served by slug. */
	a = mk("urn:t:2", "en", "A draft", 1767000001);
	a.status = DL_DRAFT;
	put(st, &a, 1);
	assert_int_equal(store_article_get(st, ar, "en", "a-draft", &got), DL_ERR_NOTFOUND);
	assert_int_equal(store_article_get_uri(st, ar, "urn:t:2", &got), DL_OK);
	assert_int_equal(got.status, DL_DRAFT);
	arena_free(ar);
	store_close(st);
}

static void
test_upsert(void **state)
{
	struct store *st = open_new("upsert.db");
	struct arena *ar = arena_new(1 << 20);
	struct dl_article a = mk("urn:u:1", "en", "First title", 1000), got;
	uint64_t g0, g1;

	a.places = places_ca_jp;
	a.n_places = 2;
	put(st, &a, 1);
	g0 = store_generation(st);
	a.headline = "Second title";
	a.places = places_it;
	a.n_places = 1;
	put(st, &a, 0);
	g1 = store_generation(st);
	assert_true(g1 > g0);
	assert_int_equal(store_article_count(st), 1);
	assert_int_equal(store_article_get_uri(st, ar, "urn:u:1", &got), DL_OK);
	assert_string_equal(got.headline, "Second title");
	/* The URL stays what it was. */
	assert_string_equal(got.slug, "first-title");
	assert_int_equal(got.n_places, 1);
	assert_string_equal(got.places[0].name, "Italy");
	arena_free(ar);
	store_close(st);
}

static void
test_slugs(void **state)
{
	struct store *st = open_new("slugs.db");
	struct arena *ar = arena_new(1 << 20);
	struct dl_article a, got;
	char uri[32], longh[400];
	const char *s;
	int i;

	assert_string_equal(slug_make(ar, "  Hello, World!  "), "hello-world");
	assert_string_equal(slug_make(ar, "Città del Vaticano"), "città-del-vaticano");
	assert_string_equal(slug_make(ar, "中亚 日本：合作"), "中亚-日本-合作");
	assert_string_equal(slug_make(ar, "ÉCOLE"), "école");
	assert_string_equal(slug_make(ar, "!!!"), "");
	assert_string_equal(slug_make(ar, "a\xff\xfe" "b"), "a-b");
	for (i = 0; i < 130; i++)
		memcpy(longh + 3 * i, "\xe4\xb8\xad", 3);  /* 中 */
	longh[390] = '\0';
	s = slug_make(ar, longh);
	assert_true(strlen(s) <= SLUG_MAX);
	assert_int_equal(strlen(s) % 3, 0);  /* cut on a character boundary */
	s = slug_with_suffix(ar, s, 12);
	assert_true(strlen(s) <= SLUG_MAX);
	assert_string_equal(s + strlen(s) - 3, "-12");

	for (i = 1; i <= 3; i++) {
		snprintf(uri, sizeof uri, "urn:s:%d", i);
		a = mk(uri, "en", "Same headline", 100 + i);
		put(st, &a, 1);
	}
	a = mk("urn:s:it", "it", "Same headline", 200);
	put(st, &a, 1);
	assert_int_equal(store_article_get_uri(st, ar, "urn:s:1", &got), DL_OK);
	assert_string_equal(got.slug, "same-headline");
	assert_int_equal(store_article_get_uri(st, ar, "urn:s:2", &got), DL_OK);
	assert_string_equal(got.slug, "same-headline-2");
	assert_int_equal(store_article_get_uri(st, ar, "urn:s:3", &got), DL_OK);
	assert_string_equal(got.slug, "same-headline-3");
	/* Another edition has its own slugs. */
	assert_int_equal(store_article_get_uri(st, ar, "urn:s:it", &got), DL_OK);
	assert_string_equal(got.slug, "same-headline");
	/* A headline with no letters still gets a slug. */
	a = mk("urn:s:punct", "en", "???", 300);
	put(st, &a, 1);
	assert_int_equal(store_article_get_uri(st, ar, "urn:s:punct", &got), DL_OK);
	assert_string_equal(got.slug, "article");
	/* Terms whose names differ only in case share one slug and one term. */
	{
		struct dl_term p1[] = { { "NEW YORK", "" } }, p2[] = { { "New York", "" } };
		struct dl_filter f = { .lang = "en", .place_slug = "new-york" };
		struct dl_article_list l;

		a = mk("urn:s:ny1", "en", "NY one", 400);
		a.places = p1;
		a.n_places = 1;
		put(st, &a, 1);
		a = mk("urn:s:ny2", "en", "NY two", 401);
		a.places = p2;
		a.n_places = 1;
		put(st, &a, 1);
		assert_int_equal(store_articles_list(st, ar, &f, 0, 10, &l), DL_OK);
		assert_int_equal(l.total, 2);
	}
	arena_free(ar);
	store_close(st);
}

/* 30 English articles a day apart, every third in Italy, every fifth
 * tagged, two authors; 5 Italian ones; 2 drafts. */
static struct store *
fill(const char *name)
{
	struct store *st = open_new(name);
	struct dl_term tag_energy[] = { { "Energy", "" } };
	struct dl_article a;
	char uri[64], h[64];
	int i;

	assert_int_equal(store_begin(st), DL_OK);
	for (i = 0; i < 30; i++) {
		snprintf(uri, sizeof uri, "urn:f:en:%d", i);
		snprintf(h, sizeof h, "English story %d", i);
		a = mk(uri, "en", h, 1700000000 + (int64_t)i * 86400);
		if (i % 3 == 0) {
			a.places = places_it;
			a.n_places = 1;
		} else {
			a.places = places_ca_jp;
			a.n_places = 2;
		}
		if (i % 5 == 0) {
			a.tags = tag_energy;
			a.n_tags = 1;
		}
		a.byline = i % 2 ? "Anna Bono" : "Vladimir Rozanskij";
		put(st, &a, 1);
	}
	for (i = 0; i < 5; i++) {
		snprintf(uri, sizeof uri, "urn:f:it:%d", i);
		snprintf(h, sizeof h, "Storia italiana %d", i);
		a = mk(uri, "it", h, 1700000000 + (int64_t)i * 86400);
		put(st, &a, 1);
	}
	for (i = 0; i < 2; i++) {
		snprintf(uri, sizeof uri, "urn:f:draft:%d", i);
		a = mk(uri, "en", "Draft", 1800000000);
		a.status = i ? DL_DRAFT : DL_RETRACTED;
		a.places = places_it;
		a.n_places = 1;
		put(st, &a, 1);
	}
	assert_int_equal(store_commit(st), DL_OK);
	return st;
}

static void
test_list_filters(void **state)
{
	struct store *st = fill("list.db");
	struct arena *ar = arena_new(4 << 20);
	struct dl_article_list l;
	struct dl_filter f = { .lang = "en" };
	const char **langs;
	struct dl_month *months;
	size_t n, i;

	assert_int_equal(store_article_count(st), 37);
	assert_int_equal(store_articles_list(st, ar, &f, 0, 10, &l), DL_OK);
	assert_int_equal(l.total, 30);
	assert_int_equal(l.n, 10);
	assert_string_equal(l.items[0].uri, "urn:f:en:29");   /* newest first */
	assert_string_equal(l.items[9].uri, "urn:f:en:20");
	assert_string_equal(l.items[0].body_html, "");
	assert_true(l.items[0].n_places > 0);
	/* Pagination: the last page is short, past the end is empty. */
	assert_int_equal(store_articles_list(st, ar, &f, 25, 10, &l), DL_OK);
	assert_int_equal(l.total, 30);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.items[4].uri, "urn:f:en:0");
	assert_int_equal(store_articles_list(st, ar, &f, 40, 10, &l), DL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.total, 30);
	/* By place: every third, never the drafts. */
	f.place_slug = "italy";
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 10);
	for (i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].places[0].slug, "italy");
	/* By place and tag: i % 15 == 0. */
	f.tag_slug = "energy";
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 2);
	/* By author. */
	memset(&f, 0, sizeof f);
	f.lang = "en";
	f.author_slug = "anna-bono";
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 15);
	assert_string_equal(l.items[0].author.name, "Anna Bono");
	/* By date: days 10..19. */
	memset(&f, 0, sizeof f);
	f.lang = "en";
	f.from = 1700000000 + 10 * 86400;
	f.to = 1700000000 + 20 * 86400;
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 10);
	assert_string_equal(l.items[0].uri, "urn:f:en:19");
	/* By language, and all languages. */
	memset(&f, 0, sizeof f);
	f.lang = "it";
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 5);
	assert_int_equal(store_articles_list(st, ar, NULL, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 35);
	memset(&f, 0, sizeof f);
	f.place_slug = "no-such-place";
	assert_int_equal(store_articles_list(st, ar, &f, 0, 100, &l), DL_OK);
	assert_int_equal(l.total, 0);
	/* Languages and months. */
	assert_int_equal(store_languages(st, ar, &langs, &n), DL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(langs[0], "en");
	assert_string_equal(langs[1], "it");
	assert_int_equal(store_archive_months(st, ar, "en", &months, &n), DL_OK);
	/* 2023-11-14 + 30 days: November and December 2023. */
	assert_int_equal(n, 2);
	assert_int_equal(months[0].year, 2023);
	assert_int_equal(months[0].month, 12);
	assert_int_equal(months[1].month, 11);
	assert_int_equal(months[0].count + months[1].count, 30);
	arena_free(ar);
	store_close(st);
}

static void
test_translations_related(void **state)
{
	struct store *st = open_new("tr.db");
	struct arena *ar = arena_new(4 << 20);
	struct dl_article a, orig;
	struct dl_article_list l;
	struct dl_term p_jp[] = { { "Japan", "" } }, p_fr[] = { { "France", "" } };
	struct dl_term t_eco[] = { { "Ecology", "" } };
	struct dl_related stored[] = { { "urn:r3", 0.9 } };

	a = mk("urn:o", "en", "Original", 1000);
	a.places = p_jp;
	a.n_places = 1;
	put(st, &a, 1);
	a = mk("urn:o:it", "it", "Originale", 1001);
	a.translation_of = "urn:o";
	a.places = p_jp;
	a.n_places = 1;
	put(st, &a, 1);
	a = mk("urn:o:zh", "zh", "原文", 1002);
	a.translation_of = "urn:o";
	put(st, &a, 1);
	/* Same edition, same place: related. */
	a = mk("urn:r1", "en", "Related by place", 2000);
	a.places = p_jp;
	a.n_places = 1;
	put(st, &a, 1);
	a = mk("urn:r2", "en", "Related by tag newer", 3000);
	a.places = p_fr;
	a.n_places = 1;
	a.tags = t_eco;
	a.n_tags = 1;
	put(st, &a, 1);
	a = mk("urn:r3", "en", "Unrelated", 4000);
	a.places = p_fr;
	a.n_places = 1;
	put(st, &a, 1);
	a = mk("urn:r4", "en", "Related but draft", 5000);
	a.places = p_jp;
	a.n_places = 1;
	a.status = DL_DRAFT;
	put(st, &a, 1);

	assert_int_equal(store_article_get_uri(st, ar, "urn:o", &orig), DL_OK);
	assert_int_equal(store_translations(st, ar, &orig, &l), DL_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].lang, "it");
	assert_string_equal(l.items[1].lang, "zh");
	/* From a translation: the original and the other translation. */
	assert_int_equal(store_article_get_uri(st, ar, "urn:o:it", &a), DL_OK);
	assert_int_equal(store_translations(st, ar, &a, &l), DL_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].uri, "urn:o");
	assert_string_equal(l.items[1].uri, "urn:o:zh");

	/* Give the original the Ecology tag too, then ask for See also. */
	orig.tags = t_eco;
	orig.n_tags = 1;
	put(st, &orig, 0);
	assert_int_equal(store_related(st, ar, &orig, 10, &l), DL_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].uri, "urn:r2");  /* newest first */
	assert_string_equal(l.items[1].uri, "urn:r1");
	assert_int_equal(store_related(st, ar, &orig, 1, &l), DL_OK);
	assert_int_equal(l.n, 1);

	/* A stored list wins when there is one. */
	assert_int_equal(store_related_put(st, "urn:o", stored, 1), DL_OK);
	assert_int_equal(store_related(st, ar, &orig, 10, &l), DL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].uri, "urn:r3");
	arena_free(ar);
	store_close(st);
}

static void
test_generation(void **state)
{
	struct store *st = open_new("gen.db"), *other = NULL;
	const char *dsn = last_dsn;
	struct dl_article a = mk("urn:g:1", "en", "One", 1);
	char msg[256];
	uint64_t g0, g1, g2;
	pid_t pid;
	int status, i;

	g0 = store_generation(st);
	assert_int_equal(store_generation(st), g0);  /* no write, no change */
	put(st, &a, 1);
	g1 = store_generation(st);
	assert_true(g1 > g0);
	/* A write from another process is seen within a second. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dl_article b = mk("urn:g:2", "en", "Two", 2);
		int c;

		if (store_open(dsn, &other, msg, sizeof msg) != DL_OK)
			_exit(2);
		_exit(store_article_put(other, &b, &c) == DL_OK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g2 = g1;
	for (i = 0; i < 12 && g2 == g1; i++) {
		usleep(100 * 1000);
		g2 = store_generation(st);
	}
	assert_true(g2 > g1);
	assert_int_equal(store_article_count(st), 2);
	store_close(st);
}

struct thr {
	struct store *st;
	int ok;
};

static void *
reader(void *p)
{
	struct thr *t = p;
	struct arena *ar = arena_new(1 << 20);
	struct dl_article_list l;
	struct dl_filter f = { .lang = "en" };
	int i;

	t->ok = 1;
	for (i = 0; i < 50; i++) {
		if (store_articles_list(t->st, ar, &f, 0, 5, &l) != DL_OK || l.total != 30)
			t->ok = 0;
		(void)store_generation(t->st);
	}
	arena_free(ar);
	return NULL;
}

static void
test_threads(void **state)
{
	struct store *st = fill("thr.db");
	pthread_t th[4];
	struct thr t[4];
	int i;

	for (i = 0; i < 4; i++) {
		t[i].st = st;
		assert_int_equal(pthread_create(&th[i], NULL, reader, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(t[i].ok);
	}
	store_close(st);
}

static void
test_refuses_foreign(void **state)
{
	struct store *st = NULL;
	char msg[512], path[512];
	FILE *f;
	sqlite3 *db;
	int i;

	UNIT_SQLITE_ONLY("refusing foreign files is about SQLite files");
	/* Garbage. */
	snprintf(path, sizeof path, "%s", tmp_path("garbage.db"));
	f = fopen(path, "wb");
	assert_non_null(f);
	for (i = 0; i < 8192; i++)
		fputc((i * 7919 + 13) & 0xff, f);
	fclose(f);
	assert_int_equal(store_open(path, &st, msg, sizeof msg), DL_ERR_CORRUPT);
	assert_null(st);
	assert_non_null(strstr(msg, "is not a dateline database"));
	assert_non_null(strstr(msg, "garbage.db"));
	/* A text file. */
	snprintf(path, sizeof path, "%s", tmp_path("text.db"));
	f = fopen(path, "w");
	fputs("hello, I am a text file, not a database at all. Really not.\n", f);
	fclose(f);
	assert_int_equal(store_open(path, &st, msg, sizeof msg), DL_ERR_CORRUPT);
	assert_non_null(strstr(msg, "is not a dateline database"));
	/* Someone else's SQLite database. */
	snprintf(path, sizeof path, "%s", tmp_path("other.db"));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (y); INSERT INTO x VALUES (1)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st, msg, sizeof msg), DL_ERR_CORRUPT);
	assert_non_null(strstr(msg, "is not a dateline database"));
	/* A missing directory. */
	snprintf(path, sizeof path, "%s/no/such/dir/site.db", dir);
	assert_int_not_equal(store_open(path, &st, msg, sizeof msg), DL_OK);
	assert_non_null(strstr(msg, "does not exist"));
	/* A directory. */
	assert_int_not_equal(store_open(dir, &st, msg, sizeof msg), DL_OK);
	assert_non_null(strstr(msg, "directory"));
	/* A newer schema than we know. */
	snprintf(path, sizeof path, "%s", tmp_path("future.db"));
	assert_int_equal(store_migrate_to(path, store_n_migrations, msg, sizeof msg), DL_OK);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(msg, sizeof msg, "PRAGMA user_version = %d", store_n_migrations + 1);
	assert_int_equal(sqlite3_exec(db, msg, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st, msg, sizeof msg), DL_ERR_UNSUPPORTED);
	assert_non_null(strstr(msg, "newer"));
}

static void
test_migrations(void **state)
{
	struct arena *ar;
	struct dl_article got;
	char path[512], msg[256], sql[512];
	struct store *st;
	sqlite3 *db;
	int k;

	UNIT_SQLITE_ONLY("the schema steps are built and checked here through SQLite files (store_migrate_to)");
	ar = arena_new(1 << 20);
	for (k = 1; k <= store_n_migrations; k++) {
		snprintf(path, sizeof path, "%s/mig%d.db", dir, k);
		assert_int_equal(store_migrate_to(path, k, msg, sizeof msg), DL_OK);
		/* Data as a version-k binary would have written it (step 1's columns). */
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		snprintf(sql, sizeof sql, "PRAGMA user_version");
		{
			sqlite3_stmt *s;

			assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(s, 0), k);
			sqlite3_finalize(s);
		}
		assert_int_equal(sqlite3_exec(db, "INSERT INTO articles (uri, lang, slug, headline, "
		    "first_created, version_created) VALUES ('urn:m', 'en', 'kept', 'Kept across versions', 5, 6);"
		    "INSERT INTO terms (kind, lang, name, slug) VALUES (0, 'en', 'Rome', 'rome');"
		    "INSERT INTO article_terms (article, term, kind, position) VALUES (1, 1, 0, 0);",
		    NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		st = NULL;
		if (store_open(path, &st, msg, sizeof msg) != DL_OK)
			fail_msg("open version %d: %s", k, msg);
		assert_int_equal(store_schema_version(st), store_n_migrations);
		assert_int_equal(store_article_get(st, ar, "en", "kept", &got), DL_OK);
		assert_string_equal(got.headline, "Kept across versions");
		assert_int_equal(got.version_created, 6);
		assert_int_equal(got.n_places, 1);
		assert_string_equal(got.places[0].name, "Rome");
		{
			struct dl_article_list l;

			assert_int_equal(store_related(st, ar, &got, 5, &l), DL_OK);
		}
		store_close(st);
	}
	arena_free(ar);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_empty),
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_upsert),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_list_filters),
		cmocka_unit_test(test_translations_related),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_refuses_foreign),
		cmocka_unit_test(test_migrations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
