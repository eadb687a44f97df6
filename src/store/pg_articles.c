/* pg_articles.c - articles, listings, terms, the archive and article
 * writes on PostgreSQL: the same results in the same order as sqlite.c.
 * Text is ordered with COLLATE "C", byte by byte as SQLite does. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "content/slug.h"
#include "store/pg_int.h"

#define COLS PG_ARTICLE_COLS
#define COLS_BODY COLS ", a.body_html, a.body_text"
/* An article's places, tags and author as one text column, so that a
 * page's articles come with their terms in one round trip: for each, in
 * the article's order, "KIND,N,M," then the name (N characters) and the
 * slug (M characters). */
#define TERMS_COL "(SELECT string_agg(at.kind || ',' || char_length(t.name) || ',' || " \
	"char_length(t.slug) || ',' || t.name || t.slug, '' ORDER BY at.kind, at.position) " \
	"FROM article_terms at JOIN terms t ON t.id = at.term WHERE at.article = a.id)"
/* Short lists without OFFSET (translations, See also): the columns without
 * bodies, then the terms (column 13). Listings page with OFFSET, and the
 * terms of every skipped row would be read: they take theirs with one
 * more query (load_terms_many). */
#define LIST_COLS COLS ", " TERMS_COL
#define LIST_TERMS 13
/* One article: with bodies, then the terms (column 15). */
#define ONE_COLS COLS_BODY ", " TERMS_COL
#define ONE_TERMS 15
#define PUT_ARENA (4u << 20)
#define EACH_BATCH 256
#define EACH_BATCH_S "256"
#define EACH_ARENA (64u << 20)

/* ---- reading rows ---- */

enum dl_err
pg_row_article(struct arena *ar, const PGresult *r, int row, int body, struct dl_article *a)
{
	memset(a, 0, sizeof *a);
	a->id = pg_int(r, row, 0);
	a->uri = pg_str(ar, r, row, 1);
	a->lang = pg_str(ar, r, row, 2);
	a->slug = pg_str(ar, r, row, 3);
	a->headline = pg_str(ar, r, row, 4);
	a->standfirst = pg_str(ar, r, row, 5);
	a->byline = pg_str(ar, r, row, 6);
	a->located = pg_str(ar, r, row, 7);
	a->copyright = pg_str(ar, r, row, 8);
	a->translation_of = pg_str(ar, r, row, 9);
	a->status = (enum dl_status)pg_int(r, row, 10);
	a->first_created = pg_int(r, row, 11);
	a->version_created = pg_int(r, row, 12);
	a->body_html = body ? pg_str(ar, r, row, 13) : arena_strdup(ar, "");
	a->body_text = body ? pg_str(ar, r, row, 14) : arena_strdup(ar, "");
	a->author.name = arena_strdup(ar, "");
	a->author.slug = arena_strdup(ar, "");
	if (!a->uri || !a->lang || !a->slug || !a->headline || !a->standfirst || !a->byline ||
	    !a->located || !a->copyright || !a->translation_of || !a->body_html || !a->body_text ||
	    !a->author.name || !a->author.slug)
		return DL_ERR_NOMEM;
	return DL_OK;
}

/* "{1,2,3}": a bigint[] parameter, malloc'd. */
static char *
id_array(const int64_t *ids, size_t n, size_t stride)
{
	size_t cap = n * 21 + 3, len = 0, i;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%" PRId64, i ? "," : "",
		    *(const int64_t *)(const void *)((const char *)ids + i * stride));
	s[len++] = '}';
	s[len] = '\0';
	return s;
}

/* The first row of r (ordered by column 0, an article id) whose id is
 * `id`, or rows when none. */
static int
first_row_of(const PGresult *r, int rows, int64_t id)
{
	int lo = 0, hi = rows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pg_int(r, mid, 0) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rows && pg_int(r, lo, 0) == id ? lo : rows;
}

/* Adds one term of `kind` to a (an author replaces the one before). */
static enum dl_err
term_add(struct arena *ar, struct dl_article *a, int64_t kind, const char *name, const char *slug,
    size_t *cap_p, size_t *cap_t)
{
	switch (kind) {
	case DL_PLACE:
		return store_term_push(ar, &a->places, &a->n_places, cap_p, name, slug);
	case DL_TAG:
		return store_term_push(ar, &a->tags, &a->n_tags, cap_t, name, slug);
	case DL_AUTHOR:
		a->author.name = name;
		a->author.slug = slug;
		break;
	}
	return DL_OK;
}

/* a's terms from the rows of r (SQL_TERMS) that are its, strings in ar. */
static enum dl_err
terms_from(struct arena *ar, const PGresult *r, int rows, struct dl_article *a)
{
	size_t cap_p = 0, cap_t = 0;
	const char *name, *slug;
	enum dl_err e = DL_OK;
	int i;

	for (i = first_row_of(r, rows, a->id); e == DL_OK && i < rows && pg_int(r, i, 0) == a->id; i++) {
		name = pg_str(ar, r, i, 2);
		slug = pg_str(ar, r, i, 3);
		if (!name || !slug)
			return DL_ERR_NOMEM;
		e = term_add(ar, a, pg_int(r, i, 1), name, slug, &cap_p, &cap_t);
	}
	return e;
}

/* The end of n UTF-8 characters from p, or NULL past end. */
static const char *
utf8_skip(const char *p, const char *end, long n)
{
	while (n > 0 && p < end) {
		p++;
		while (p < end && ((unsigned char)*p & 0xc0) == 0x80)
			p++;
		n--;
	}
	return n == 0 ? p : NULL;
}

/* Field `col` of r (TERMS_COL) into a's places, tags and author. */
static enum dl_err
terms_parse(struct arena *ar, const PGresult *r, int row, int col, struct dl_article *a)
{
	const char *p = PQgetvalue(r, row, col), *end = p + PQgetlength(r, row, col), *ne, *se;
	const char *name, *slug;
	size_t cap_p = 0, cap_t = 0;
	enum dl_err e = DL_OK;
	long kind, n, m;
	char *q;

	while (p < end && e == DL_OK) {
		kind = strtol(p, &q, 10);
		if (*q != ',' || (n = strtol(q + 1, &q, 10)) < 0 || *q != ',' ||
		    (m = strtol(q + 1, &q, 10)) < 0 || *q != ',')
			goto bad;
		p = q + 1;
		if ((ne = utf8_skip(p, end, n)) == NULL || (se = utf8_skip(ne, end, m)) == NULL)
			goto bad;
		name = arena_strndup(ar, p, (size_t)(ne - p));
		slug = arena_strndup(ar, ne, (size_t)(se - ne));
		if (!name || !slug)
			return DL_ERR_NOMEM;
		p = se;
		e = term_add(ar, a, kind, name, slug, &cap_p, &cap_t);
	}
	return e;
bad:
	log_error("store: unreadable terms of article %lld", (long long)a->id);
	return DL_ERR_DB;
}

/* The terms rows of articles ids[] (n of them, `stride` bytes apart),
 * ordered by article then as the article orders them. */
static const char SQL_TERMS[] = "SELECT at.article, at.kind, t.name, t.slug FROM article_terms at "
    "JOIN terms t ON t.id = at.term WHERE at.article = ANY ($1::bigint[]) "
    "ORDER BY at.article, at.kind, at.position";

static PGresult *
terms_of(struct store *st, const int64_t *ids, size_t n, size_t stride, enum dl_err *e)
{
	const char *p[1];
	char *arr;
	PGresult *r;

	if ((arr = id_array(ids, n, stride)) == NULL) {
		*e = DL_ERR_NOMEM;
		return NULL;
	}
	p[0] = arr;
	r = pg_exec(st, SQL_TERMS, 1, p, e);
	free(arr);
	if (r == NULL && *e == DL_OK)
		*e = DL_ERR_DB;
	return r;
}

/* Fills the terms of items[0..n-1] with one query. */
static enum dl_err
load_terms_many(struct store *st, struct arena *ar, struct dl_article *items, size_t n)
{
	enum dl_err e = DL_OK;
	PGresult *r;
	size_t i;

	if (n == 0)
		return DL_OK;
	if ((r = terms_of(st, &items[0].id, n, sizeof *items, &e)) == NULL)
		return e;
	for (i = 0; i < n && e == DL_OK; i++)
		e = terms_from(ar, r, PQntuples(r), &items[i]);
	PQclear(r);
	return e;
}

enum dl_err
pg_load_terms(struct store *st, struct arena *ar, struct dl_article *a)
{
	return load_terms_many(st, ar, a, 1);
}

/* Runs `sql` and collects at most `limit` rows (without bodies) with their
 * terms: from column LIST_TERMS when `with_terms` (LIST_COLS), else with
 * one more query. out->items is never NULL. */
static enum dl_err
collect(struct store *st, struct arena *ar, const char *sql, int np, const char *const *p,
    int with_terms, size_t limit, struct dl_article_list *out)
{
	size_t cap = 0;
	enum dl_err e = DL_OK;
	PGresult *r = NULL;

	out->items = NULL;
	out->n = 0;
	out->total = 0;
	if (sql && limit > 0) {
		if ((r = pg_exec(st, sql, np, p, &e)) == NULL)
			return e == DL_OK ? DL_ERR_DB : e;
		cap = (size_t)PQntuples(r);
		if (cap > limit)
			cap = limit;
	}
	if (cap == 0)
		cap = 1;
	if ((out->items = arena_alloc(ar, cap * sizeof *out->items)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	while (r && out->n < cap && out->n < (size_t)PQntuples(r)) {
		if ((e = pg_row_article(ar, r, (int)out->n, 0, &out->items[out->n])) != DL_OK ||
		    (with_terms && (e = terms_parse(ar, r, (int)out->n, LIST_TERMS,
		    &out->items[out->n])) != DL_OK))
			goto out;
		out->n++;
	}
	if (!with_terms)
		e = load_terms_many(st, ar, out->items, out->n);
out:
	PQclear(r);
	out->total = (int64_t)out->n;
	return e;
}

static enum dl_err
get_one(struct store *st, struct arena *ar, const char *sql, int np, const char *const *p,
    struct dl_article *out)
{
	enum dl_err e = DL_ERR_DB;
	PGresult *r;

	if ((r = pg_exec(st, sql, np, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	if (PQntuples(r) == 0)
		e = DL_ERR_NOTFOUND;
	else if ((e = pg_row_article(ar, r, 0, 1, out)) == DL_OK)
		e = terms_parse(ar, r, 0, ONE_TERMS, out);
	PQclear(r);
	return e;
}

enum dl_err
pg_article_get(struct store *st, struct arena *ar, const char *lang, const char *slug,
    struct dl_article *out)
{
	static const char sql[] = "SELECT " ONE_COLS " FROM articles a "
	    "WHERE a.lang = $1 AND a.slug = $2 AND a.status = 0";
	const char *p[2] = { lang, slug };

	return get_one(st, ar, sql, 2, p, out);
}

enum dl_err
pg_article_get_uri(struct store *st, struct arena *ar, const char *uri, struct dl_article *out)
{
	static const char sql[] = "SELECT " ONE_COLS " FROM articles a WHERE a.uri = $1";
	const char *p[1] = { uri };

	return get_one(st, ar, sql, 1, p, out);
}

/* ---- listings ----
 *
 * One constant statement per combination of filters, as sqlite.c prepares
 * one per mask: the planner sees only the joins and conditions in use.
 * Parameters are numbered the same in all of them ($1 lang, $2 place, $3
 * tag, $4 author, $5 from, $6 to, $7 limit, $8 offset); one a statement
 * does not filter on is still named, in a condition that is always true
 * (PostgreSQL folds it away), so that every statement takes them all. */

enum { F_LANG = 1, F_PLACE = 2, F_TAG = 4, F_AUTHOR = 8, F_FROM = 16, F_TO = 32 };

#define IF_0(s)
#define IF_1(s) s
#define IF(b, s) IF_##b(s)
#define UNLESS_0(s) s
#define UNLESS_1(s)
#define UNLESS(b, s) UNLESS_##b(s)

#define TERM_JOIN(i, kind, par, l) " JOIN article_terms at" #i " ON at" #i ".article = a.id AND at" \
	#i ".term IN (SELECT id FROM terms WHERE kind = " #kind " AND slug = $" #par \
	IF(l, " AND lang = $1") ")"
#define UNUSED(par, type) " AND ($" #par "::" #type " IS NULL OR TRUE)"

#define LIST_SQL(count, l, p, t, au, fr, to) \
	"SELECT " IF(count, "count(*)") UNLESS(count, COLS) " FROM articles a" \
	IF(p, TERM_JOIN(0, 0, 2, l)) IF(t, TERM_JOIN(1, 1, 3, l)) IF(au, TERM_JOIN(2, 2, 4, l)) \
	" WHERE a.status = 0" \
	IF(l, " AND a.lang = $1") IF(fr, " AND a.first_created >= $5") \
	IF(to, " AND a.first_created < $6") \
	UNLESS(l, UNUSED(1, text)) UNLESS(p, UNUSED(2, text)) UNLESS(t, UNUSED(3, text)) \
	UNLESS(au, UNUSED(4, text)) UNLESS(fr, UNUSED(5, bigint)) UNLESS(to, UNUSED(6, bigint)) \
	UNLESS(count, " ORDER BY a.first_created DESC, a.id DESC LIMIT $7 OFFSET $8"),

/* Index = the mask: F_LANG varies fastest, F_TO slowest. */
#define M_L(c, to, fr, au, t, p) LIST_SQL(c, 0, p, t, au, fr, to) LIST_SQL(c, 1, p, t, au, fr, to)
#define M_P(c, to, fr, au, t) M_L(c, to, fr, au, t, 0) M_L(c, to, fr, au, t, 1)
#define M_T(c, to, fr, au) M_P(c, to, fr, au, 0) M_P(c, to, fr, au, 1)
#define M_AU(c, to, fr) M_T(c, to, fr, 0) M_T(c, to, fr, 1)
#define M_FR(c, to) M_AU(c, to, 0) M_AU(c, to, 1)
#define M_ALL(c) M_FR(c, 0) M_FR(c, 1)

static const char *const list_sql[64] = { M_ALL(0) };
static const char *const count_sql[64] = { M_ALL(1) };

enum dl_err
pg_articles_list(struct store *st, struct arena *ar, const struct dl_filter *f, size_t offset,
    size_t limit, struct dl_article_list *out)
{
	static const struct dl_filter none;
	char from[24], to[24], lim[24], off[24];
	const char *p[8];
	enum dl_err e = DL_ERR_DB;
	int64_t total;
	PGresult *r;
	int mask = 0;

	memset(out, 0, sizeof *out);
	if (f == NULL)
		f = &none;
	mask |= f->lang && f->lang[0] ? F_LANG : 0;
	mask |= f->place_slug && f->place_slug[0] ? F_PLACE : 0;
	mask |= f->tag_slug && f->tag_slug[0] ? F_TAG : 0;
	mask |= f->author_slug && f->author_slug[0] ? F_AUTHOR : 0;
	mask |= f->from ? F_FROM : 0;
	mask |= f->to ? F_TO : 0;
	if (limit > 10000)
		limit = 10000;
	p[0] = mask & F_LANG ? f->lang : NULL;
	p[1] = mask & F_PLACE ? f->place_slug : NULL;
	p[2] = mask & F_TAG ? f->tag_slug : NULL;
	p[3] = mask & F_AUTHOR ? f->author_slug : NULL;
	p[4] = mask & F_FROM ? pg_i64(from, f->from) : NULL;
	p[5] = mask & F_TO ? pg_i64(to, f->to) : NULL;
	p[6] = pg_i64(lim, (int64_t)limit);
	p[7] = pg_i64(off, offset > INT64_MAX ? INT64_MAX : (int64_t)offset);
	if ((r = pg_exec(st, count_sql[mask], 6, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	total = PQntuples(r) > 0 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	e = collect(st, ar, list_sql[mask], 8, p, 0, limit, out);
	out->total = total;
	return e;
}

/* The uri that names the translation group of `a`. */
static const char *
group_root(const struct dl_article *a)
{
	return a->translation_of && a->translation_of[0] ? a->translation_of : a->uri;
}

/* a's id, looked up by uri when not set; 0 when none or on error. */
static int64_t
article_id(struct store *st, const struct dl_article *a)
{
	static const char sql[] = "SELECT id FROM articles WHERE uri = $1";
	const char *p[1];
	PGresult *r;
	int64_t id = 0;

	if (a->id)
		return a->id;
	if (a->uri == NULL)
		return 0;
	p[0] = a->uri;
	if ((r = pg_exec(st, sql, 1, p, NULL)) == NULL)
		return 0;
	if (PQntuples(r) > 0)
		id = pg_int(r, 0, 0);
	PQclear(r);
	return id;
}

enum dl_err
pg_translations(struct store *st, struct arena *ar, const struct dl_article *a,
    struct dl_article_list *out)
{
	/* Two indexed look-ups, then rows by id. Among editions of one
	 * language published at the same second the first stored comes
	 * first, as SQLite's sort leaves them. */
	static const char sql[] = "SELECT " LIST_COLS " FROM articles a "
	    "WHERE a.id IN (SELECT id FROM articles WHERE uri = $1 UNION ALL "
	    "SELECT id FROM articles WHERE translation_of = $1 AND translation_of <> '') "
	    "AND a.uri <> $2 AND a.lang <> $3 AND a.status = 0 "
	    "ORDER BY a.lang COLLATE \"C\", a.first_created DESC, a.id LIMIT 1000";
	const char *p[3];
	enum dl_err e;

	memset(out, 0, sizeof *out);
	p[0] = group_root(a);
	p[1] = a->uri ? a->uri : "";
	p[2] = a->lang ? a->lang : "";
	if ((e = collect(st, ar, sql, 3, p, 1, 1000, out)) != DL_OK)
		return e;
	/* One per language: the newest, which comes first. */
	store_list_one_per_lang(out);
	return DL_OK;
}

enum dl_err
pg_related(struct store *st, struct arena *ar, const struct dl_article *a, size_t limit,
    struct dl_article_list *out)
{
	static const char stored[] = "SELECT " LIST_COLS " FROM related r JOIN articles a ON a.uri = r.related_uri "
	    "WHERE r.article = $1 AND a.status = 0 AND a.id <> $1 ORDER BY r.rank LIMIT $2";
	static const char fallback[] = "SELECT " LIST_COLS " FROM articles a "
	    "WHERE a.lang = $2 AND a.status = 0 AND a.id <> $1 AND a.uri <> $3 AND a.translation_of <> $3 "
	    "AND a.id IN (SELECT o.article FROM article_terms m JOIN article_terms o ON o.term = m.term "
	    "WHERE m.article = $1 AND m.kind IN (0, 1)) "
	    "ORDER BY a.first_created DESC, a.id DESC LIMIT $4";
	char idb[24], limb[24];
	const char *p[4];
	int64_t id;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (limit > 1000)
		limit = 1000;
	if ((id = article_id(st, a)) == 0 || limit == 0)
		return collect(st, ar, NULL, 0, NULL, 0, 0, out);
	p[0] = pg_i64(idb, id);
	p[1] = pg_i64(limb, (int64_t)limit);
	if ((e = collect(st, ar, stored, 2, p, 1, limit, out)) != DL_OK || out->n > 0)
		return e;
	p[1] = a->lang ? a->lang : "";
	p[2] = group_root(a);
	p[3] = limb;
	return collect(st, ar, fallback, 4, p, 1, limit, out);
}

enum dl_err
pg_term_get(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang,
    const char *slug, struct dl_term *out)
{
	static const char sql[] = "SELECT name, slug FROM terms WHERE kind = $1 AND lang = $2 AND slug = $3";
	char kb[24];
	const char *p[3] = { pg_i64(kb, (int64_t)kind), lang, slug };
	enum dl_err e = DL_ERR_DB;
	PGresult *r;

	if ((r = pg_exec(st, sql, 3, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	if (PQntuples(r) == 0) {
		e = DL_ERR_NOTFOUND;
	} else {
		out->name = pg_str(ar, r, 0, 0);
		out->slug = pg_str(ar, r, 0, 1);
		e = out->name && out->slug ? DL_OK : DL_ERR_NOMEM;
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_archive_months(struct store *st, struct arena *ar, const char *lang, struct dl_month **out,
    size_t *n)
{
	/* Months in UTC, as SQLite's strftime(..., 'unixepoch'), and like it
	 * no month outside the years 0 to 9999 (its NULL sorts last). */
	static const char sql[] = "SELECT y, m, count(*) FROM (SELECT "
	    "CASE WHEN first_created BETWEEN -62167219200 AND 253402300799 THEN "
	    "date_part('year', to_timestamp(first_created) AT TIME ZONE 'UTC')::int END y, "
	    "CASE WHEN first_created BETWEEN -62167219200 AND 253402300799 THEN "
	    "date_part('month', to_timestamp(first_created) AT TIME ZONE 'UTC')::int END m "
	    "FROM articles WHERE lang = $1 AND status = 0) t "
	    "GROUP BY y, m ORDER BY y DESC NULLS LAST, m DESC NULLS LAST";
	const char *p[1] = { lang };
	enum dl_err e = DL_ERR_DB;
	struct dl_month *v;
	PGresult *r;
	size_t rows, i;

	*out = NULL;
	*n = 0;
	if ((r = pg_exec(st, sql, 1, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	rows = (size_t)PQntuples(r);
	if ((v = arena_alloc(ar, (rows > 32 ? rows : 32) * sizeof *v)) == NULL) {
		PQclear(r);
		return DL_ERR_NOMEM;
	}
	for (i = 0; i < rows; i++) {
		v[i].year = (int)pg_int(r, (int)i, 0);
		v[i].month = (int)pg_int(r, (int)i, 1);
		v[i].count = pg_int(r, (int)i, 2);
	}
	PQclear(r);
	*out = v;
	*n = rows;
	return DL_OK;
}

enum dl_err
pg_languages(struct store *st, struct arena *ar, const char ***out, size_t *n)
{
	static const char sql[] = "SELECT DISTINCT lang FROM articles WHERE status = 0 ORDER BY lang";
	enum dl_err e = DL_ERR_DB;
	const char **v;
	PGresult *r;
	size_t rows, i;

	*out = NULL;
	*n = 0;
	if ((r = pg_exec(st, sql, 0, NULL, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	rows = (size_t)PQntuples(r);
	e = DL_OK;
	if ((v = arena_alloc(ar, (rows > 16 ? rows : 16) * sizeof *v)) == NULL)
		e = DL_ERR_NOMEM;
	for (i = 0; e == DL_OK && i < rows; i++)
		if ((v[i] = pg_str(ar, r, (int)i, 0)) == NULL)
			e = DL_ERR_NOMEM;
	PQclear(r);
	if (e != DL_OK)
		return e;
	*out = v;
	*n = rows;
	return DL_OK;
}

/* ---- writing ---- */

/* *taken: `slug` of edition `lang` belongs to an article other than self. */
static enum dl_err
slug_taken(struct store *st, const char *lang, const char *slug, int64_t self, int *taken)
{
	static const char sql[] = "SELECT id FROM articles WHERE lang = $1 AND slug = $2";
	const char *p[2] = { lang, slug };
	enum dl_err e = DL_ERR_DB;
	PGresult *r;

	if ((r = pg_exec(st, sql, 2, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	*taken = PQntuples(r) > 0 && pg_int(r, 0, 0) != self;
	PQclear(r);
	return DL_OK;
}

/* The largest N among slugs "base-N" of the edition (1 when none). */
static int
max_suffix(struct store *st, const char *lang, const char *base)
{
	static const char sql[] = "SELECT substr(slug, length($2) + 2) FROM articles "
	    "WHERE lang = $1 AND slug COLLATE \"C\" > $2 || '-' AND slug COLLATE \"C\" < $2 || '.'";
	const char *p[2] = { lang, base }, *t;
	PGresult *r;
	int max = 1, i;
	long v;
	char *end;

	if ((r = pg_exec(st, sql, 2, p, NULL)) == NULL)
		return 1;
	for (i = 0; i < PQntuples(r); i++) {
		t = PQgetvalue(r, i, 0);
		if (t[0] < '1' || t[0] > '9')
			continue;
		errno = 0;
		v = strtol(t, &end, 10);
		if (*end == '\0' && errno == 0 && v > max && v < 1000000000)
			max = (int)v;
	}
	PQclear(r);
	return max;
}

static enum dl_err
unique_slug(struct store *st, struct arena *ar, const char *lang, const char *base, int64_t self,
    const char **out)
{
	const char *cand = base;
	enum dl_err e;
	int taken, n;

	if ((e = slug_taken(st, lang, cand, self, &taken)) != DL_OK)
		return e;
	if (!taken) {
		*out = cand;
		return DL_OK;
	}
	for (n = max_suffix(st, lang, base) + 1; n < 1000000000; n++) {
		if ((cand = slug_with_suffix(ar, base, n)) == NULL)
			return DL_ERR_NOMEM;
		if ((e = slug_taken(st, lang, cand, self, &taken)) != DL_OK)
			return e;
		if (!taken) {
			*out = cand;
			return DL_OK;
		}
	}
	return DL_ERR_EXISTS;
}

/* The id of the term `name` of kind and edition, made when new; 0 when
 * the name has no slug. */
static enum dl_err
term_id(struct store *st, struct arena *ar, int kind, const char *lang, const char *name,
    int64_t *id)
{
	/* One round trip: the existing term, or the new one. A term another
	 * node made since the statement's snapshot is neither: then again. */
	static const char sql[] = "WITH old AS (SELECT id FROM terms WHERE kind = $1 AND lang = $2 AND slug = $4), "
	    "new AS (INSERT INTO terms (kind, lang, name, slug) SELECT $1::bigint, $2::text, $3::text, $4::text "
	    "WHERE NOT EXISTS (SELECT 1 FROM old) ON CONFLICT (kind, lang, slug) DO NOTHING RETURNING id) "
	    "SELECT id FROM old UNION ALL SELECT id FROM new";
	char kb[24];
	const char *p[4], *slug;
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	int tries, found = 0;

	*id = 0;
	if ((slug = slug_make(ar, name)) == NULL)
		return DL_ERR_NOMEM;
	if (slug[0] == '\0')
		return DL_OK;
	p[0] = pg_i64(kb, kind);
	p[1] = lang;
	p[2] = name;
	p[3] = slug;
	for (tries = 0; tries < 3 && !found; tries++) {
		if ((r = pg_exec(st, sql, 4, p, &e)) == NULL)
			return e == DL_OK ? DL_ERR_DB : e;
		if ((found = PQntuples(r) > 0))
			*id = pg_int(r, 0, 0);
		PQclear(r);
	}
	return found ? DL_OK : DL_ERR_DB;
}

/* "{a,b,c}" of ints into b (at least n * 12 + 3 bytes). */
static const char *
int_array(char *b, const int *v, size_t n)
{
	size_t len = 0, i;

	b[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(b + len, "%s%d", i ? "," : "", v[i]);
	b[len++] = '}';
	b[len] = '\0';
	return b;
}

#define TERMS_MAX 768   /* 256 per kind, as sqlite.c keeps */

/* Replaces the terms of `article` (`fresh`: a new one, without any). */
static enum dl_err
put_terms(struct store *st, struct arena *ar, int64_t article, int fresh, const struct dl_article *a)
{
	static const char del[] = "DELETE FROM article_terms WHERE article = $1";
	static const char ins[] = "INSERT INTO article_terms (article, term, kind, position) "
	    "SELECT $1::bigint, u.term, u.kind, u.position FROM unnest($2::bigint[], $3::int[], $4::int[]) "
	    "AS u (term, kind, position)";
	const struct dl_term *list;
	const char *name, *p[4];
	int64_t id, *ids;
	int *kinds, *pos;
	char ab[24], *ids_s = NULL, *kinds_s = NULL, *pos_s = NULL;
	size_t n, i, k, nseen, total = 0, kind_start;
	int kind, np;
	enum dl_err e;

	p[0] = pg_i64(ab, article);
	if (!fresh && (e = pg_cmd(st, del, 1, p, NULL)) != DL_OK)
		return e;
	ids = arena_alloc(ar, TERMS_MAX * sizeof *ids);
	kinds = arena_alloc(ar, TERMS_MAX * sizeof *kinds);
	pos = arena_alloc(ar, TERMS_MAX * sizeof *pos);
	if (!ids || !kinds || !pos)
		return DL_ERR_NOMEM;
	for (kind = DL_PLACE; kind <= DL_AUTHOR; kind++) {
		struct dl_term one;

		if (kind == DL_PLACE) {
			list = a->places;
			n = a->n_places;
		} else if (kind == DL_TAG) {
			list = a->tags;
			n = a->n_tags;
		} else {
			one.name = a->author.name && a->author.name[0] ? a->author.name : a->byline;
			one.slug = "";
			list = &one;
			n = one.name && one.name[0] ? 1 : 0;
		}
		kind_start = total;
		nseen = 0;
		np = 0;
		for (i = 0; i < n; i++) {
			name = list[i].name;
			if (name == NULL || name[0] == '\0')
				continue;
			if ((e = term_id(st, ar, kind, a->lang, name, &id)) != DL_OK)
				return e;
			if (id == 0)
				continue;
			for (k = 0; k < nseen && ids[kind_start + k] != id; k++)
				;
			if (k < nseen)
				continue;
			if (nseen == 256)
				break;
			ids[total] = id;
			kinds[total] = kind;
			pos[total] = np++;
			total++;
			nseen++;
		}
	}
	if (total == 0)
		return DL_OK;
	e = DL_ERR_NOMEM;
	if ((ids_s = id_array(ids, total, sizeof *ids)) == NULL ||
	    (kinds_s = malloc(total * 12 + 3)) == NULL || (pos_s = malloc(total * 12 + 3)) == NULL)
		goto out;
	p[1] = ids_s;
	p[2] = int_array(kinds_s, kinds, total);
	p[3] = int_array(pos_s, pos, total);
	e = pg_cmd(st, ins, 4, p, NULL);
out:
	free(ids_s);
	free(kinds_s);
	free(pos_s);
	return e;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static enum dl_err
put_row(struct store *st, struct arena *ar, const struct dl_article *a, int *created)
{
	/* Article writes take their turn, one at a time across all nodes, as
	 * under SQLite's single writer: the slug and term checks below then
	 * see every earlier write. (A lock of the meta row would do too, but
	 * each lock of a row the transaction updated walks its versions: an
	 * import of thousands of articles in one transaction slowed down.) */
	static const char lock[] = "SELECT pg_advisory_xact_lock(1684828020, 1)";
	static const char find[] = "SELECT id, lang, slug FROM articles WHERE uri = $1";
	static const char analyze[] = "ANALYZE articles, terms, article_terms";
	static const char ins[] = "INSERT INTO articles (lang, slug, headline, standfirst, byline, located, "
	    "copyright, body_html, body_text, translation_of, status, first_created, version_created, uri) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
	static const char upd[] = "UPDATE articles SET lang = $1, slug = $2, headline = $3, standfirst = $4, "
	    "byline = $5, located = $6, copyright = $7, body_html = $8, body_text = $9, translation_of = $10, "
	    "status = $11, first_created = $12, version_created = $13 WHERE uri = $14 RETURNING id";
	char sb[24], fb[24], vb[24];
	const char *p[14], *old_lang = NULL, *old_slug = NULL, *base, *slug = NULL;
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	int64_t id = 0;
	int existed;

	if ((r = pg_exec(st, lock, 0, NULL, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	PQclear(r);
	p[0] = a->uri;
	if ((r = pg_exec(st, find, 1, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	if (PQntuples(r) > 0) {
		id = pg_int(r, 0, 0);
		old_lang = pg_str(ar, r, 0, 1);
		old_slug = pg_str(ar, r, 0, 2);
	}
	PQclear(r);
	if (id && (!old_lang || !old_slug))
		return DL_ERR_NOMEM;
	/* A stored article keeps its URL unless a slug is asked for. */
	if (a->slug && a->slug[0])
		base = slug_make(ar, a->slug);
	else if (id && strcmp(old_lang, a->lang) == 0)
		base = old_slug;
	else
		base = slug_make(ar, a->headline);
	if (base == NULL)
		return DL_ERR_NOMEM;
	if (base[0] == '\0')
		base = "article";
	if ((e = unique_slug(st, ar, a->lang, base, id, &slug)) != DL_OK)
		return e;
	existed = id != 0;
	p[0] = a->lang;
	p[1] = slug;
	p[2] = a->headline;
	p[3] = nz(a->standfirst);
	p[4] = nz(a->byline);
	p[5] = nz(a->located);
	p[6] = nz(a->copyright);
	p[7] = nz(a->body_html);
	p[8] = nz(a->body_text);
	p[9] = nz(a->translation_of);
	p[10] = pg_i64(sb, (int64_t)(int)a->status);
	p[11] = pg_i64(fb, a->first_created);
	p[12] = pg_i64(vb, a->version_created);
	p[13] = a->uri;
	if ((r = pg_exec(st, existed ? upd : ins, 14, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	id = PQntuples(r) > 0 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	if (id == 0)
		return DL_ERR_DB;
	*created = !existed;
	if ((e = put_terms(st, ar, id, !existed, a)) != DL_OK)
		return e;
	/* A fresh database filled by an import has no statistics until
	 * autovacuum comes by, and a plan made while the table was tiny picks
	 * the wrong index for the slug look-up above (a scan of the whole
	 * edition per article). New statistics at each power of two from 1024
	 * articles on: a few times per import, rarely after. */
	if (!existed && id >= 1024 && (id & (id - 1)) == 0 &&
	    (e = pg_cmd(st, analyze, 0, NULL, NULL)) != DL_OK)
		return e;
	return pg_bump_generation(st);
}

enum dl_err
pg_article_put(struct store *st, const struct dl_article *a, int *created)
{
	struct arena *ar = NULL;
	int started = 0, dummy;
	enum dl_err e, e2;

	if (created == NULL)
		created = &dummy;
	*created = 0;
	if (!a->uri || !a->uri[0] || !a->lang || !a->lang[0] || !a->headline || !a->headline[0])
		return DL_ERR_INVALID;
	if ((ar = arena_new(PUT_ARENA)) == NULL)
		return DL_ERR_NOMEM;
	/* Inside store_begin() this is a savepoint: a failed put leaves the
	 * earlier ones of the transaction standing, as on SQLite. */
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		goto out;
	/* SQLite reports a refused write as a database error. */
	if ((e = put_row(st, ar, a, created)) == DL_ERR_INVALID)
		e = DL_ERR_DB;
	if (e == DL_OK)
		e = pg_search_put(st, a);
	if ((e2 = pg_tx_end(st, started, e == DL_OK)) != DL_OK && e == DL_OK)
		e = e2;
out:
	if (e != DL_OK)
		*created = 0;
	arena_free(ar);
	return e;
}

/* Every article by id, in batches of EACH_BATCH rows (keyset), so that fn
 * may itself use the store between rows. */
enum dl_err
pg_articles_each(struct store *st, int (*fn)(void *ctx, const struct dl_article *a), void *ctx)
{
	static const char sql[] = "SELECT " COLS_BODY " FROM articles a WHERE a.id > $1 "
	    "ORDER BY a.id LIMIT " EACH_BATCH_S;
	char lastb[24];
	const char *p[1];
	struct arena *ar = NULL;
	struct dl_article a;
	PGresult *r = NULL, *t = NULL;
	enum dl_err e = DL_OK;
	int64_t last = INT64_MIN, *ids = NULL;
	int rows, i;

	if ((ids = malloc(EACH_BATCH * sizeof *ids)) == NULL)
		return DL_ERR_NOMEM;
	do {
		p[0] = pg_i64(lastb, last);
		if ((r = pg_exec(st, sql, 1, p, &e)) == NULL) {
			e = e == DL_OK ? DL_ERR_DB : e;
			goto out;
		}
		rows = PQntuples(r);
		for (i = 0; i < rows; i++)
			ids[i] = pg_int(r, i, 0);
		if (rows > 0 && (t = terms_of(st, ids, (size_t)rows, sizeof *ids, &e)) == NULL)
			goto out;
		for (i = 0; i < rows; i++) {
			if ((ar = arena_new(EACH_ARENA)) == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			if ((e = pg_row_article(ar, r, i, 1, &a)) != DL_OK ||
			    (e = terms_from(ar, t, PQntuples(t), &a)) != DL_OK)
				goto out;
			if (fn(ctx, &a) != 0)
				goto out;
			arena_free(ar);
			ar = NULL;
			last = ids[i];
		}
		PQclear(r);
		PQclear(t);
		r = t = NULL;
	} while (rows == EACH_BATCH);
out:
	arena_free(ar);
	PQclear(r);
	PQclear(t);
	free(ids);
	return e;
}

int64_t
pg_article_count(struct store *st)
{
	static const char sql[] = "SELECT count(*) FROM articles";
	PGresult *r;
	int64_t n = -1;

	if ((r = pg_exec(st, sql, 0, NULL, NULL)) == NULL)
		return -1;
	if (PQntuples(r) > 0)
		n = pg_int(r, 0, 0);
	PQclear(r);
	return n;
}
