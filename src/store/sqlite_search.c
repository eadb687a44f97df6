/* sqlite_search.c - the full-text index behind store_search(): an FTS5
 * table over our own tokens.
 *
 * Why pre-tokenized text rather than an FTS5 tokenizer callback: FTS5 does
 * not tell a tokenizer which row (so which language) it is reading, and it
 * re-tokenizes stored text on delete and for its snippet functions, again
 * without the row. So each field is run through tok_text() (ICU words,
 * case folding, Snowball in the article's own language) here, and the terms
 * are stored joined by spaces under FTS5's built-in 'ascii' tokenizer, which
 * only splits on ASCII space and punctuation and leaves UTF-8 alone. The
 * query side runs the same tok_text() over each query word in the language
 * searched and quotes the result, so both sides meet on the same terms.
 * Snippets are made from body_text outside the store (src/search/).
 *
 * Every query is built here from a parsed struct dl_search: the reader's
 * text only ever reaches FTS5 inside double-quoted strings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/buf.h"
#include "base/log.h"
#include "store/sqlite_int.h"
#include "text/token.h"

#define SEARCH_FIELD_MAX (TOK_MAX_INPUT + 1024)  /* one field's terms */
#define SEARCH_EXPR_MAX (64u << 10)              /* one FTS5 expression */
#define SEARCH_MAX_LANGS 64
#define SEARCH_LIMIT_MAX 100
/* Past this many matches, relevance ranking (BM25 costs about a microsecond
 * a match) looks only at the newest SEARCH_RANK_WINDOW: a broad query gets
 * the best of recent news, and a 200,000-article site still answers in
 * milliseconds. Narrower queries are ranked over every match. */
#define SEARCH_RANK_WINDOW 500
#define SEARCH_COUNT_BUDGET_MS 8
/* Ranking: BM25 as FTS5's bm25() computes it (column weights: headline 10,
 * standfirst 4, body 1, byline, places and tags 2, lang 0), with one
 * difference, in dl_bm25() below: the inverse document frequency of a phrase
 * found in more than SEARCH_IDF_SCAN articles is estimated from where its
 * first SEARCH_IDF_SCAN matches lie instead of counted. bm25() counts every
 * match of every phrase before scoring the first row: for a phrase of very
 * common words that is a walk over most of the index (40 ms and more at
 * 200,000 articles), whatever the LIMIT. And when the query has a single
 * positive term (the last argument, :one, is 1) no IDF is computed at all:
 * it would multiply every score by the same number. */
#define BM25 "dl_bm25(search_fts, 10.0, 4.0, 1.0, 2.0, 2.0, 2.0, 0.0, :one)"
#define SEARCH_IDF_SCAN 2000

static enum dl_err
db_fail(struct store *st, const char *what)
{
	sqlite3 *db = sqlite_conn(st);

	log_error("store: search: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
	return DL_ERR_DB;
}

/* ---- ranking: dl_bm25() ---- */

struct idf_scan {
	const Fts5ExtensionApi *api;
	int64_t n, first, last;
};

/* xQueryPhrase() callback: counts the phrase's matches (in rowid order),
 * stopping after SEARCH_IDF_SCAN. */
static int
idf_count(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
	struct idf_scan *sc = ctx;
	int64_t id = api->xRowid(fts);

	if (sc->n++ == 0)
		sc->first = id;
	sc->last = id;
	return sc->n >= SEARCH_IDF_SCAN ? SQLITE_DONE : SQLITE_OK;
}

/* The highest article id (the index's rowids are article ids); 0 when it
 * cannot be read. */
static int64_t
max_article_id(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM articles", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Per query (FTS5 auxiliary data): the average document length and each
 * phrase's IDF, computed when a row first needs it (NAN until then). */
struct bm25_data {
	int nphrase;
	int64_t nrow;
	double avgdl;
	double *idf;
	double *freq;
};

static int
phrase_idf(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *db, struct bm25_data *d, int i)
{
	struct idf_scan sc = { api, 0, 0, 0 };
	double hits;
	int rc;

	if ((rc = api->xQueryPhrase(fts, i, &sc, idf_count)) != SQLITE_OK)
		return rc;
	hits = (double)sc.n;
	if (sc.n >= SEARCH_IDF_SCAN && sc.last > sc.first) {
		/* Matches from the first on spread as the first SEARCH_IDF_SCAN
		 * do, up to the newest article. */
		int64_t top = max_article_id(db);

		if (top > sc.last)
			hits = (double)sc.n * (double)(top - sc.first + 1) / (double)(sc.last - sc.first + 1);
		if (hits > (double)d->nrow)
			hits = (double)d->nrow;
	}
	d->idf[i] = log(((double)d->nrow - hits + 0.5) / (hits + 0.5));
	if (d->idf[i] <= 0.0)
		d->idf[i] = 1e-6;
	return SQLITE_OK;
}

static void
bm25_data_free(void *p)
{
	sqlite3_free(p);
}

static void
dl_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
    sqlite3_value **val)
{
	const double k1 = 1.2, b = 0.75;
	struct bm25_data *d = api->xGetAuxdata(fts, 0);
	double score = 0.0;
	int rc = SQLITE_OK, ninst = 0, i, ip, ic, io, ntok = 0;

	if (d == NULL) {
		int n = api->xPhraseCount(fts);
		sqlite3_int64 nrow = 0, ntokens = 0;

		if ((d = sqlite3_malloc64(sizeof *d + (size_t)n * 2 * sizeof(double))) == NULL) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		d->nphrase = n;
		d->idf = (double *)(d + 1);
		d->freq = d->idf + n;
		for (i = 0; i < n; i++)
			d->idf[i] = NAN;
		if ((rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
			rc = api->xColumnTotalSize(fts, -1, &ntokens);
		d->nrow = nrow;
		d->avgdl = nrow > 0 ? (double)ntokens / (double)nrow : 1.0;
		if (d->avgdl <= 0.0)
			d->avgdl = 1.0;
		if (rc != SQLITE_OK || (rc = api->xSetAuxdata(fts, d, bm25_data_free)) != SQLITE_OK) {
			if (rc == SQLITE_OK)
				sqlite3_free(d);
			sqlite3_result_error_code(ctx, rc);
			return;
		}
	}
	for (i = 0; i < d->nphrase; i++)
		d->freq[i] = 0.0;
	rc = api->xInstCount(fts, &ninst);
	for (i = 0; rc == SQLITE_OK && i < ninst; i++)
		if ((rc = api->xInst(fts, i, &ip, &ic, &io)) == SQLITE_OK && ip >= 0 && ip < d->nphrase)
			d->freq[ip] += nval > ic && ic < 7 ? sqlite3_value_double(val[ic]) : 1.0;
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &ntok);
	for (i = 0; rc == SQLITE_OK && i < d->nphrase; i++) {
		if (d->freq[i] == 0.0)   /* adds nothing: no IDF needed */
			continue;
		if (isnan(d->idf[i]) && nval > 7 && sqlite3_value_int(val[7]) == 1)
			d->idf[i] = 1.0;   /* one positive term: the IDF only scales */
		if (isnan(d->idf[i]) &&
		    (rc = phrase_idf(api, fts, sqlite3_context_db_handle(ctx), d, i)) != SQLITE_OK)
			break;
		score += d->idf[i] * (d->freq[i] * (k1 + 1.0)) /
		    (d->freq[i] + k1 * (1.0 - b + b * (double)ntok / d->avgdl));
	}
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_double(ctx, -score);
}

void
sqlite_search_conn(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	fts5_api *api = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
		(void)sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (api == NULL || api->iVersion < 2 ||
	    api->xCreateFunction(api, "dl_bm25", NULL, dl_bm25, NULL) != SQLITE_OK)
		log_error("store: search: cannot register dl_bm25 (FTS5 missing?): searches will fail");
}

/* ---- indexing ---- */

static enum dl_err
index_article(struct store *st, struct tok *t, int64_t id, const struct dl_article *a)
{
	static const char del[] = "DELETE FROM search_fts WHERE rowid = ?";
	static const char ins[] = "INSERT INTO search_fts (rowid, headline, standfirst, body, byline, "
	    "places, tags, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char lng[] = "INSERT OR IGNORE INTO search_langs (lang) VALUES (?)";
	struct buf f[6] = { BUF_INIT(SEARCH_FIELD_MAX), BUF_INIT(SEARCH_FIELD_MAX),
	    BUF_INIT(SEARCH_FIELD_MAX), BUF_INIT(SEARCH_FIELD_MAX), BUF_INIT(SEARCH_FIELD_MAX),
	    BUF_INIT(SEARCH_FIELD_MAX) };
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	size_t i;
	int rc;

	if ((s = sqlite_stmt(st, del)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "delete");
	if (a->status != DL_PUBLISHED)
		return DL_OK;
	if ((e = tok_join(t, a->lang, a->headline, &f[0])) != DL_OK ||
	    (e = tok_join(t, a->lang, a->standfirst, &f[1])) != DL_OK ||
	    (e = tok_join(t, a->lang, a->body_text, &f[2])) != DL_OK ||
	    (e = tok_join(t, a->lang, a->author.name && a->author.name[0] ? a->author.name : a->byline,
	    &f[3])) != DL_OK ||
	    (e = tok_join(t, a->lang, a->located, &f[4])) != DL_OK)
		goto out;
	for (i = 0; i < a->n_places; i++)
		if ((e = tok_join(t, a->lang, a->places[i].name, &f[4])) != DL_OK)
			goto out;
	for (i = 0; i < a->n_tags; i++)
		if ((e = tok_join(t, a->lang, a->tags[i].name, &f[5])) != DL_OK)
			goto out;
	if ((s = sqlite_stmt(st, ins)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	for (i = 0; i < 6; i++)
		sqlite3_bind_text(s, (int)i + 2, f[i].data ? f[i].data : "", (int)f[i].len, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, a->lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		e = db_fail(st, "insert");
		goto out;
	}
	if ((s = sqlite_stmt(st, lng)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, a->lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		e = db_fail(st, "language");
out:
	for (i = 0; i < 6; i++)
		buf_free(&f[i]);
	return e;
}

enum dl_err
sqlite_search_put(struct store *st, const struct dl_article *a)
{
	sqlite3_stmt *s;
	struct tok *t;
	int64_t id = 0;
	enum dl_err e;
	int rc;

	if ((s = sqlite_stmt(st, "SELECT id FROM articles WHERE uri = ?")) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, a->uri, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? DL_ERR_NOTFOUND : db_fail(st, "find article");
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	e = index_article(st, t, id, a);
	tok_free(t);
	return e;
}

enum dl_err
sqlite_search_reindex_term(struct store *st, int64_t term)
{
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;
	struct arena *ar = NULL;
	struct dl_article a;
	struct tok *t = NULL;
	enum dl_err e = DL_OK;
	int rc;

	if (db == NULL)
		return DL_ERR_DB;
	if (sqlite3_prepare_v2(db, "SELECT a.uri FROM article_terms at JOIN articles a ON a.id = at.article "
	    "WHERE at.term = ? AND a.status = 0 ORDER BY a.id", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, "prepare reindex");
	if ((t = tok_new()) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	sqlite3_bind_int64(s, 1, term);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *uri = sqlite3_column_text(s, 0);

		if ((ar = arena_new(64u << 20)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		if ((e = store_article_get_uri(st, ar, uri ? (const char *)uri : "", &a)) != DL_OK ||
		    (e = index_article(st, t, a.id, &a)) != DL_OK)
			goto out;
		arena_free(ar);
		ar = NULL;
	}
	if (rc != SQLITE_DONE)
		e = db_fail(st, "reindex");
out:
	arena_free(ar);
	tok_free(t);
	sqlite3_finalize(s);
	return e;
}

struct rebuild {
	struct store *st;
	struct tok *t;
	int64_t n;
	enum dl_err e;
};

static int
rebuild_one(void *ctx, const struct dl_article *a)
{
	struct rebuild *r = ctx;

	if (a->status != DL_PUBLISHED)
		return 0;
	if ((r->e = index_article(r->st, r->t, a->id, a)) != DL_OK)
		return 1;
	r->n++;
	return 0;
}

static enum dl_err
rebuild_in_tx(struct store *st, int64_t *n)
{
	struct rebuild r = { st, NULL, 0, DL_OK };
	sqlite3 *db = sqlite_conn(st);
	enum dl_err e;

	if (db == NULL)
		return DL_ERR_DB;
	if (sqlite3_exec(db, "DELETE FROM search_fts; DELETE FROM search_langs; "
	    "DELETE FROM meta WHERE key = 'search_stale'", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, "clear");
	if ((r.t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	e = store_articles_each(st, rebuild_one, &r);
	tok_free(r.t);
	if (e == DL_OK)
		e = r.e;
	if (e == DL_OK && sqlite3_exec(db, "INSERT INTO search_fts (search_fts) VALUES ('optimize')",
	    NULL, NULL, NULL) != SQLITE_OK)
		e = db_fail(st, "optimize");
	if (n)
		*n = r.n;
	return e;
}

enum dl_err
sqlite_search_rebuild(struct store *st, int64_t *n)
{
	enum dl_err e;

	if ((e = store_begin(st)) != DL_OK)
		return e;
	if ((e = rebuild_in_tx(st, n)) != DL_OK) {
		store_rollback(st);
		return e;
	}
	return store_commit(st);
}

enum dl_err
sqlite_search_check(struct store *st, char *msg, size_t msglen)
{
	sqlite3_stmt *s;
	int stale, rc;
	int64_t n = 0;
	enum dl_err e;

	if ((s = sqlite_stmt(st, "SELECT value FROM meta WHERE key = 'search_stale'")) == NULL)
		return DL_ERR_DB;
	rc = sqlite3_step(s);
	stale = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) != 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "check");
	if (!stale)
		return DL_OK;
	log_info("store: building the search index");
	if ((e = store_search_rebuild(st, &n)) != DL_OK) {
		snprintf(msg, msglen, "cannot build the search index: %s", dl_strerror(e));
		return e;
	}
	log_info("store: search index built: %lld articles", (long long)n);
	return DL_OK;
}

/* ---- queries ---- */

/* Appends `s` to b as an FTS5 string: in double quotes, quotes doubled. */
static enum dl_err
put_quoted(struct buf *b, const char *s, size_t n)
{
	enum dl_err e;
	size_t i;

	if ((e = buf_putc(b, '"')) != DL_OK)
		return e;
	for (i = 0; i < n; i++) {
		if (s[i] == '"' && (e = buf_putc(b, '"')) != DL_OK)
			return e;
		if ((e = buf_putc(b, s[i])) != DL_OK)
			return e;
	}
	return buf_putc(b, '"');
}

/* 1 when FTS5's ascii tokenizer finds a token in s (an ASCII letter or
 * digit, or any non-ASCII byte). */
static int
has_token(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			return 1;
	}
	return 0;
}

/* Appends one term in FTS5 syntax: "t1 t2 ..." (a phrase of its terms in
 * `lang`); *ok 0 and nothing appended when it has no searchable word. */
static enum dl_err
put_term(struct tok *t, const char *lang, const struct dl_search_term *term, struct buf *b, int *ok)
{
	struct buf terms = BUF_INIT(8192);
	enum dl_err e;

	*ok = 0;
	e = tok_join(t, lang, term->text, &terms);
	if (e == DL_ERR_TOOBIG) {   /* a term longer than the cap: nothing to look for */
		e = DL_OK;
		goto out;
	}
	if (e != DL_OK || terms.len == 0 || !has_token(terms.data, terms.len))
		goto out;
	if ((e = put_quoted(b, terms.data, terms.len)) == DL_OK)
		*ok = 1;
out:
	buf_free(&terms);
	return e;
}

/* The FTS5 expression of q's terms in `lang` into b (emptied first): OR
 * groups ANDed, then NOT each exclusion. *ok 0 when no positive term has a
 * searchable word. */
static enum dl_err
build_expr(struct tok *t, const char *lang, const struct dl_search *q, struct buf *b, int *ok)
{
	struct buf grp = BUF_INIT(SEARCH_EXPR_MAX), x = BUF_INIT(SEARCH_EXPR_MAX);
	size_t i, ngroups = 0, ningrp = 0;
	enum dl_err e = DL_OK;
	int tok_ok;

	buf_reset(b);
	*ok = 0;
	for (i = 0; i < q->n_terms && i < DL_SEARCH_MAX_TERMS; i++) {
		const struct dl_search_term *term = &q->terms[i];
		int last_in_group = !term->or_next || i + 1 >= q->n_terms || q->terms[i + 1].exclude;

		if (term->exclude)
			continue;
		buf_reset(&x);
		if ((e = put_term(t, lang, term, &x, &tok_ok)) != DL_OK)
			goto out;
		if (tok_ok) {
			if ((ningrp && (e = buf_puts(&grp, " OR ")) != DL_OK) ||
			    (e = buf_append(&grp, x.data, x.len)) != DL_OK)
				goto out;
			ningrp++;
		}
		if (last_in_group && ningrp) {
			if ((ngroups && (e = buf_puts(b, " AND ")) != DL_OK) ||
			    (e = buf_printf(b, "(%s)", grp.data)) != DL_OK)
				goto out;
			ngroups++;
		}
		if (last_in_group) {
			buf_reset(&grp);
			ningrp = 0;
		}
	}
	if (ngroups == 0)
		goto out;
	for (i = 0; i < q->n_terms && i < DL_SEARCH_MAX_TERMS; i++) {
		if (!q->terms[i].exclude)
			continue;
		buf_reset(&x);
		if ((e = put_term(t, lang, &q->terms[i], &x, &tok_ok)) != DL_OK)
			goto out;
		if (!tok_ok)
			continue;
		buf_reset(&grp);
		if ((e = buf_printf(&grp, "(%s) NOT %s", b->data, x.data)) != DL_OK)
			goto out;
		buf_reset(b);
		if ((e = buf_append(b, grp.data, grp.len)) != DL_OK)
			goto out;
	}
	*ok = 1;
out:
	buf_free(&grp);
	buf_free(&x);
	return e;
}

/* The languages in the index (sorted); strings from ar. */
static enum dl_err
index_langs(struct store *st, struct arena *ar, const char ***out, size_t *n)
{
	sqlite3_stmt *s = sqlite_stmt(st, "SELECT lang FROM search_langs ORDER BY lang");
	const char **v;
	int rc;

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = arena_alloc(ar, SEARCH_MAX_LANGS * sizeof *v)) == NULL) {
		sqlite3_reset(s);
		return DL_ERR_NOMEM;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < SEARCH_MAX_LANGS) {
		const unsigned char *l = sqlite3_column_text(s, 0);

		if ((v[*n] = arena_strdup(ar, l ? (const char *)l : "")) == NULL) {
			sqlite3_reset(s);
			return DL_ERR_NOMEM;
		}
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "languages");
	*out = v;
	return DL_OK;
}

/* The whole MATCH expression: restricted to `lang`, or, with lang NULL,
 * an OR over every indexed language of (that language AND the terms as
 * tokenized in it). Languages whose tokenization gives the same expression
 * share one branch. *ok 0 when nothing is searchable. */
static enum dl_err
match_expr(struct store *st, struct tok *t, struct arena *ar, const char *lang,
    const struct dl_search *q, struct buf *out, int *ok)
{
	struct buf e1 = BUF_INIT(SEARCH_EXPR_MAX);
	const char **langs = NULL, *exprs[SEARCH_MAX_LANGS];
	int done[SEARCH_MAX_LANGS] = { 0 };
	size_t n = 0, i, k, nb = 0;
	enum dl_err e;
	int one_ok;

	buf_reset(out);
	*ok = 0;
	if (lang && lang[0]) {
		if ((e = build_expr(t, lang, q, &e1, &one_ok)) != DL_OK || !one_ok)
			goto out;
		/* An index of this language alone needs no language term (which
		 * would cost a merge with a doclist of every article). */
		if ((e = index_langs(st, ar, &langs, &n)) != DL_OK)
			goto out;
		if (n == 1 && strcmp(langs[0], lang) == 0) {
			e = buf_append(out, e1.data, e1.len);
			*ok = e == DL_OK;
			goto out;
		}
		if ((e = buf_puts(out, "lang : ")) != DL_OK ||
		    (e = put_quoted(out, lang, strlen(lang))) != DL_OK ||
		    (e = buf_printf(out, " AND (%s)", e1.data)) != DL_OK)
			goto out;
		*ok = 1;
		goto out;
	}
	if ((e = index_langs(st, ar, &langs, &n)) != DL_OK)
		goto out;
	for (i = 0; i < n; i++) {
		exprs[i] = NULL;
		if ((e = build_expr(t, langs[i], q, &e1, &one_ok)) != DL_OK)
			goto out;
		if (one_ok && (exprs[i] = arena_strdup(ar, e1.data)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (exprs[i] == NULL || done[i])
			continue;
		if ((nb && (e = buf_puts(out, " OR ")) != DL_OK) || (e = buf_puts(out, "(lang : (")) != DL_OK)
			goto out;
		for (k = i; k < n; k++) {
			if (exprs[k] == NULL || done[k] || strcmp(exprs[k], exprs[i]) != 0)
				continue;
			done[k] = 1;
			if ((k != i && (e = buf_puts(out, " OR ")) != DL_OK) ||
			    (e = put_quoted(out, langs[k], strlen(langs[k]))) != DL_OK)
				goto out;
		}
		if ((e = buf_printf(out, ") AND (%s))", exprs[i])) != DL_OK)
			goto out;
		nb++;
	}
	*ok = nb > 0;
	/* One branch for every language: the language terms only cost time. */
	if (nb == 1 && n > 0) {
		for (i = 0; i < n && exprs[i] != NULL; i++)
			;
		if (i == n) {
			buf_reset(out);
			e = buf_puts(out, exprs[0]);
		}
	}
out:
	buf_free(&e1);
	return e;
}

/* FROM/WHERE for q's filters after "SELECT ... FROM search_fts f". */
static enum dl_err
put_filters(struct buf *b, const struct dl_search *q, int join)
{
	static const char *const kinds[] = { ":place", ":tag", ":author" };
	const char *slugs[3] = { q->place_slug, q->tag_slug, q->author_slug };
	enum dl_err e;
	int i;

	if (join && (e = buf_puts(b, " JOIN articles a ON a.id = f.rowid")) != DL_OK)
		return e;
	if ((e = buf_puts(b, " WHERE search_fts MATCH :q")) != DL_OK)
		return e;
	if (q->from && (e = buf_puts(b, " AND a.first_created >= :from")) != DL_OK)
		return e;
	if (q->to && (e = buf_puts(b, " AND a.first_created < :to")) != DL_OK)
		return e;
	for (i = 0; i < 3; i++) {
		if (slugs[i] == NULL || slugs[i][0] == '\0')
			continue;
		if ((e = buf_printf(b, " AND f.rowid IN (SELECT at.article FROM article_terms at JOIN terms t "
		    "ON t.id = at.term WHERE t.kind = %d AND t.slug = %s)", i, kinds[i])) != DL_OK)
			return e;
	}
	return DL_OK;
}

static void
bind_named(sqlite3_stmt *s, const struct dl_search *q, const char *expr)
{
	int k;

	sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":q"), expr, -1, SQLITE_STATIC);
	if ((k = sqlite3_bind_parameter_index(s, ":one")) > 0)
		sqlite3_bind_int(s, k, store_search_positive_terms(q) == 1);
	if ((k = sqlite3_bind_parameter_index(s, ":from")) > 0)
		sqlite3_bind_int64(s, k, q->from);
	if ((k = sqlite3_bind_parameter_index(s, ":to")) > 0)
		sqlite3_bind_int64(s, k, q->to);
	if ((k = sqlite3_bind_parameter_index(s, ":place")) > 0)
		sqlite3_bind_text(s, k, q->place_slug, -1, SQLITE_STATIC);
	if ((k = sqlite3_bind_parameter_index(s, ":tag")) > 0)
		sqlite3_bind_text(s, k, q->tag_slug, -1, SQLITE_STATIC);
	if ((k = sqlite3_bind_parameter_index(s, ":author")) > 0)
		sqlite3_bind_text(s, k, q->author_slug, -1, SQLITE_STATIC);
}

/* 1 when q has a filter beyond the MATCH (the statement is then built
 * for it); 0 for the common case, whose statements are string constants
 * prepared once per connection (sqlite_stmt). */
static int
has_filters(const struct dl_search *q)
{
	return q->from || q->to || (q->place_slug && q->place_slug[0]) ||
	    (q->tag_slug && q->tag_slug[0]) || (q->author_slug && q->author_slug[0]);
}

/* A statement for `head` + q's filters + `tail`: the cached `fixed` (the
 * same text without filters) when q has none (*owned 0), else prepared here
 * (*owned 1: the caller finalizes it). NULL on error (logged). */
static sqlite3_stmt *
query_stmt(struct store *st, const struct dl_search *q, const char *fixed, const char *head,
    const char *tail, int *owned)
{
	struct buf sql = BUF_INIT(4096);
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;

	*owned = 0;
	if (!has_filters(q))
		return sqlite_stmt(st, fixed);
	if (db == NULL)
		return NULL;
	if (buf_puts(&sql, head) != DL_OK || put_filters(&sql, q, q->from || q->to) != DL_OK ||
	    buf_puts(&sql, tail) != DL_OK) {
		log_error("store: search: query too long");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		(void)db_fail(st, "prepare");
		s = NULL;
		goto out;
	}
	*owned = 1;
out:
	buf_free(&sql);
	return s;
}

static void
query_done(sqlite3_stmt *s, int owned)
{
	if (owned)
		sqlite3_finalize(s);
	else if (s)
		sqlite3_reset(s);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Counts the matches with rowid below `below` (0: all), stopping past
 * `max` or when SEARCH_COUNT_BUDGET_MS have gone by (*exact 0 then: *total
 * is a lower bound). Phrases of very common words are what can take that
 * long. (Counting in chunks with count(*) inside SQLite measured slower
 * than stepping: 0.2 ms more per query.) */
static enum dl_err
count_matches(struct store *st, const struct dl_search *q, const char *expr, int64_t below,
    int64_t max, int64_t *total, int *exact)
{
	static const char fixed_all[] = "SELECT 1 FROM search_fts f WHERE search_fts MATCH :q LIMIT :max";
	static const char fixed_below[] = "SELECT 1 FROM search_fts f WHERE search_fts MATCH :q "
	    "AND f.rowid < :hi LIMIT :max";
	sqlite3_stmt *s;
	int64_t deadline = now_ms() + SEARCH_COUNT_BUDGET_MS;
	enum dl_err e = DL_OK;
	int rc, owned;

	*total = 0;
	*exact = 1;
	if ((s = query_stmt(st, q, below ? fixed_below : fixed_all, "SELECT 1 FROM search_fts f",
	    below ? " AND f.rowid < :hi LIMIT :max" : " LIMIT :max", &owned)) == NULL)
		return DL_ERR_DB;
	bind_named(s, q, expr);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":max"), max + 1);
	if (below)
		sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":hi"), below);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		(*total)++;
		if ((*total & 15) == 0 && now_ms() > deadline) {
			*exact = 0;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		e = db_fail(st, "count");
	else if (*total > max)
		*exact = 0;
out:
	query_done(s, owned);
	return e;
}

struct scored {
	int64_t id;
	double score;   /* BM25 as FTS5 gives it: lower is better */
};

static int
cmp_scored(const void *pa, const void *pb)
{
	const struct scored *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;   /* then newest first */
}

/* One walk over the newest `window` (at most SEARCH_RANK_WINDOW) matches
 * (rowids grow with publication), scoring each: v[0..*n) gets them, and
 * *cut the rowid of the last one when the window is full (older matches
 * are below it), else 0. */
static enum dl_err
window_scan(struct store *st, const struct dl_search *q, const char *expr, struct scored *v,
    int64_t *n, int64_t *cut)
{
	static const char fixed[] = "SELECT f.rowid, " BM25 " FROM search_fts f "
	    "WHERE search_fts MATCH :q ORDER BY f.rowid DESC LIMIT :win";
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	int rc = SQLITE_DONE, owned;

	*cut = *n = 0;
	if ((s = query_stmt(st, q, fixed, "SELECT f.rowid, " BM25 " FROM search_fts f",
	    " ORDER BY f.rowid DESC LIMIT :win", &owned)) == NULL)
		return DL_ERR_DB;
	bind_named(s, q, expr);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":win"), SEARCH_RANK_WINDOW);
	while (*n < SEARCH_RANK_WINDOW && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		v[*n].id = sqlite3_column_int64(s, 0);
		v[*n].score = sqlite3_column_double(s, 1);
		(*n)++;
	}
	if (*n < SEARCH_RANK_WINDOW && rc != SQLITE_DONE)
		e = db_fail(st, "window");
	else if (*n == SEARCH_RANK_WINDOW)
		*cut = v[*n - 1].id;
	query_done(s, owned);
	return e;
}

/* Loads published article `id` (no body_html; body_text cut at 65,536
 * characters, enough for a snippet) with its places, tags and author into
 * *a; *found 0 when it is gone or no longer published. */
static enum dl_err
load_article(struct store *st, struct arena *ar, int64_t id, struct dl_article *a, int *found)
{
	static const char one[] = "SELECT " SQLITE_ARTICLE_COLS ", '', substr(a.body_text, 1, 65536) "
	    "FROM articles a WHERE a.id = ? AND a.status = 0";
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	int rc;

	*found = 0;
	if ((s = sqlite_stmt(st, one)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		e = sqlite_row_article(ar, s, 1, a);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return DL_OK;
	if (rc != SQLITE_ROW)
		return db_fail(st, "load");
	if (e != DL_OK || (e = sqlite_load_terms(st, ar, a)) != DL_OK)
		return e;
	*found = 1;
	return DL_OK;
}

/* Appends to ids[*n..] the matches ranked (or by date) among rowids in
 * [lo, hi) (0: unbounded), from `offset`, until `limit` in all. */
static enum dl_err
rank_ids(struct store *st, const struct dl_search *q, const char *expr, int64_t lo, int64_t hi,
    size_t offset, size_t limit, int64_t *ids, size_t *n)
{
	struct buf sql = BUF_INIT(4096);
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;
	enum dl_err e;
	int rc = SQLITE_DONE;

	if (db == NULL)
		return DL_ERR_DB;
	if ((e = buf_puts(&sql, "SELECT f.rowid FROM search_fts f")) != DL_OK ||
	    (e = put_filters(&sql, q, q->from || q->to || q->by_date)) != DL_OK ||
	    (lo && (e = buf_puts(&sql, " AND f.rowid >= :lo")) != DL_OK) ||
	    (hi && (e = buf_puts(&sql, " AND f.rowid < :hi")) != DL_OK) ||
	    (e = buf_puts(&sql, q->by_date ? " ORDER BY a.first_created DESC, a.id DESC" :
	    " ORDER BY " BM25)) != DL_OK ||
	    (e = buf_puts(&sql, " LIMIT :lim OFFSET :off")) != DL_OK)
		goto out;
	if (sqlite3_prepare_v2(db, sql.data, -1, &s, NULL) != SQLITE_OK) {
		e = db_fail(st, "prepare search");
		goto out;
	}
	bind_named(s, q, expr);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":lim"), (int64_t)(limit - *n));
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":off"), (int64_t)offset);
	if (lo)
		sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":lo"), lo);
	if (hi)
		sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":hi"), hi);
	while (*n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	if (*n < limit && rc != SQLITE_DONE)
		e = db_fail(st, "search");
out:
	sqlite3_finalize(s);
	buf_free(&sql);
	return e;
}

enum dl_err
sqlite_search(struct store *st, struct arena *ar, const struct dl_search *q, size_t offset,
    size_t limit, struct dl_article_list *out, int *exact)
{
	struct buf expr = BUF_INIT(SEARCH_EXPR_MAX);
	struct tok *t = NULL;
	struct scored *win = NULL;
	int64_t ids[SEARCH_LIMIT_MAX], cut = 0, in_window = 0, older = 0;
	size_t n = 0, i;
	enum dl_err e;
	int ok, found, dummy;

	memset(out, 0, sizeof *out);
	if (exact == NULL)
		exact = &dummy;
	*exact = 1;
	if (limit > SEARCH_LIMIT_MAX)
		limit = SEARCH_LIMIT_MAX;
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	if ((e = match_expr(st, t, ar, q->lang, q, &expr, &ok)) != DL_OK)
		goto out;
	if (!ok) {
		e = DL_ERR_INVALID;
		goto out;
	}
	if ((win = arena_alloc(ar, SEARCH_RANK_WINDOW * sizeof *win)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	/* One walk over the newest matches, scored as it goes; when there are
	 * more than the window, the count carries on below it. The order is
	 * then: the window's matches ranked, then the older ones ranked (deep
	 * pages only). */
	if ((e = window_scan(st, q, expr.data, win, &in_window, &cut)) != DL_OK)
		goto out;
	out->total = in_window;
	if (cut) {
		if ((e = count_matches(st, q, expr.data, cut, DL_SEARCH_COUNT_MAX - in_window, &older,
		    exact)) != DL_OK)
			goto out;
		out->total += older;
	}
	if (out->total == 0 || offset >= (size_t)out->total || limit == 0)
		goto out;
	if (offset < (size_t)in_window) {
		if (q->by_date) {
			if ((e = rank_ids(st, q, expr.data, cut, 0, offset, limit, ids, &n)) != DL_OK)
				goto out;
		} else {
			qsort(win, (size_t)in_window, sizeof *win, cmp_scored);
			for (i = offset; i < (size_t)in_window && n < limit; i++)
				ids[n++] = win[i].id;
		}
	}
	if (cut && n < limit && (e = rank_ids(st, q, expr.data, 0, cut,
	    offset > (size_t)in_window ? offset - (size_t)in_window : 0, limit, ids, &n)) != DL_OK)
		goto out;
	if ((out->items = arena_alloc(ar, (n ? n : 1) * sizeof *out->items)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((e = load_article(st, ar, ids[i], &out->items[out->n], &found)) != DL_OK)
			goto out;
		out->n += (size_t)found;
	}
out:
	tok_free(t);
	buf_free(&expr);
	return e;
}

enum dl_err
sqlite_search_langs(struct store *st, struct arena *ar, const struct dl_search *q,
    struct dl_search_lang **out, size_t *n)
{
	struct buf expr = BUF_INIT(SEARCH_EXPR_MAX);
	struct tok *t = NULL;
	const char **langs = NULL;
	size_t nl = 0, i;
	int64_t count;
	enum dl_err e;
	int ok, exact;

	*out = NULL;
	*n = 0;
	if ((e = index_langs(st, ar, &langs, &nl)) != DL_OK)
		return e;
	if ((*out = arena_alloc(ar, (nl ? nl : 1) * sizeof **out)) == NULL)
		return DL_ERR_NOMEM;
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < nl; i++) {
		if ((e = match_expr(st, t, ar, langs[i], q, &expr, &ok)) != DL_OK)
			goto out;
		if (!ok)
			continue;
		if ((e = count_matches(st, q, expr.data, 0, DL_SEARCH_COUNT_MAX, &count, &exact)) != DL_OK)
			goto out;
		if (count == 0)
			continue;
		(*out)[*n].lang = langs[i];
		(*out)[*n].count = count;
		(*n)++;
	}
out:
	tok_free(t);
	buf_free(&expr);
	return e;
}
