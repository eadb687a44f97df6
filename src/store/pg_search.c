/* pg_search.c - the full-text index behind store_search() on PostgreSQL:
 * the same terms, the same matches and the same BM25 ranking as
 * sqlite_search.c, so a site answers a query alike on either engine.
 *
 * Tokens: each field runs through tok_text() (ICU words, case folding,
 * Snowball in the article's own language) as on SQLite, and each term is
 * then split as FTS5's 'ascii' tokenizer splits the text stored there (at
 * every ASCII byte that is not a letter or digit, ASCII lower-cased): both
 * engines hold the same tokens at the same positions, Chinese and Japanese
 * included. PostgreSQL's parsers never see a word: a row's tsvector is
 * written here as tsvector text (lexemes quoted) and cast, and a query is
 * tsquery text built here from the same tokens, passed as a parameter
 * ($1::tsquery). Only this file writes either syntax.
 *
 * One tsvector per article holds the seven FTS5 columns one after the
 * other, a position apart so that no phrase spans two: the language tag
 * (lexemes prefixed with '=', a byte no token has), headline (weight A),
 * standfirst (B), byline, places and tags (C), body (D). A reader's word
 * that is also a token of an indexed language tag ("en", "br") matches
 * '=en' too, as on SQLite, where the language column is searched with the
 * rest (with weight 0). FTS5's `lang : "en"` restrictions become a
 * condition on the lang column (plan_langs()): every row has a language,
 * and a lexeme in every row is a long list for GIN to merge.
 *
 * Ranking: dl_bm25() of sqlite_search.c (same column weights, same IDF
 * estimate past SEARCH_IDF_SCAN, IDF 1 for a single positive term, the same
 * newest SEARCH_RANK_WINDOW, the same tie orders), computed here over the
 * candidates: weighted phrase frequencies from ts_rank_cd() (see WIN_COLS),
 * document lengths from search_docs.ntok, collection totals from
 * search_stats (kept with every write). PostgreSQL keeps positions up to
 * 16383 and 255 a lexeme: in a body past about 16,000 words, phrases are
 * not found and frequencies undercounted (BM25 has long saturated there).
 * Totals are exact up to DL_SEARCH_COUNT_MAX, with no time budget (SQLite
 * stops counting after 8 ms and gives a lower bound).
 *
 * Plans: pg.c prepares every statement, and PostgreSQL soon runs a
 * prepared statement with a generic plan, blind to how common the words
 * are; so each statement here admits one good plan whatever the estimates
 * (see WIN_NEW and WIN_OLD), and this file picks between them from counts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "store/pg_int.h"
#include "text/token.h"

#define SEARCH_FIELD_MAX (TOK_MAX_INPUT + 1024)
#define SEARCH_EXPR_MAX (64u << 10)       /* one tsquery */
#define SEARCH_MAX_LANGS 64
#define SEARCH_LIMIT_MAX 100
#define SEARCH_RANK_WINDOW 500
#define SEARCH_REBUILD_CHUNK 64           /* articles read and written at a time */
#define SEARCH_REBUILD_ARENA (512u << 20)

/* PostgreSQL's tsvector limits (tsearch/ts_type.h): positions 1..16383,
 * 255 kept a lexeme, a lexeme under 2 KiB, 1 MiB a row of lexemes (each
 * padded to an even length) and positions (2 bytes each and 2 a lexeme). */
#define TSV_POS_MAX 16383
#define TSV_POS_PER_LEX 255
#define TSV_LEX_MAX 2046
#define TSV_BYTES ((1u << 20) - 4096)

/* Step 6. search_stats holds FTS5's row count and token total (for BM25's
 * average length). Unlike SQLite's step 6 it flags no rebuild: a
 * PostgreSQL database gets every step before its first article. */
const char pg_search_schema[] =
    "CREATE TABLE search_docs (\n"
    "  article BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,\n"
    "  lang TEXT NOT NULL,\n"
    "  first_created BIGINT NOT NULL,\n"
    "  ntok BIGINT NOT NULL,\n"
    "  words TSVECTOR NOT NULL\n"
    ");\n"
    "CREATE INDEX search_docs_words ON search_docs USING gin (words) WITH (gin_pending_list_limit = 256);\n"
    "CREATE TABLE search_langs (lang TEXT PRIMARY KEY);\n"
    "CREATE TABLE search_stats (\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  docs BIGINT NOT NULL,\n"
    "  tokens BIGINT NOT NULL\n"
    ");\n"
    "INSERT INTO search_stats (id, docs, tokens) VALUES (1, 0, 0);\n";

/* ---- tokens ---- */

/* FTS5 'ascii' token bytes: ASCII letters and digits, and every byte of a
 * non-ASCII character. */
static int
tok_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The next token of s[*i..n): its start and length; 0 at the end. */
static int
next_token(const char *s, size_t n, size_t *i, size_t *start, size_t *len)
{
	while (*i < n && !tok_byte((unsigned char)s[*i]))
		(*i)++;
	if (*i >= n)
		return 0;
	*start = *i;
	while (*i < n && tok_byte((unsigned char)s[*i]))
		(*i)++;
	*len = *i - *start;
	return 1;
}

/* An arena copy of a token, ASCII lower-cased, after `prefix` ("" or "="). */
static char *
token_dup(struct arena *ar, const char *prefix, const char *s, size_t n)
{
	size_t p = strlen(prefix), i;
	char *v = arena_alloc(ar, p + n + 1);

	if (v == NULL)
		return NULL;
	memcpy(v, prefix, p);
	for (i = 0; i < n; i++)
		v[p + i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] | 0x20) : s[i];
	v[p + n] = '\0';
	return v;
}

/* The tokens of s (prefixed) into an arena array; *n of them. */
static enum dl_err
tokens_of(struct arena *ar, const char *prefix, const char *s, size_t len, const char ***out,
    size_t *n)
{
	size_t i = 0, st, l, cap = 0, k;
	const char **v;

	while (next_token(s, len, &i, &st, &l))
		cap++;
	*n = 0;
	if ((v = arena_alloc(ar, (cap ? cap : 1) * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0, k = 0; next_token(s, len, &i, &st, &l); k++)
		if ((v[k] = token_dup(ar, prefix, s + st, l)) == NULL)
			return DL_ERR_NOMEM;
	*out = v;
	*n = k;
	return DL_OK;
}

/* ---- quoting ---- */

/* A lexeme in tsvector or tsquery text: in single quotes, quotes doubled,
 * backslashes escaped. Tokens hold neither, but nothing here relies on it. */
static enum dl_err
put_lexeme(struct buf *b, const char *s, size_t n)
{
	enum dl_err e;
	size_t i;

	if ((e = buf_putc(b, '\'')) != DL_OK)
		return e;
	for (i = 0; i < n; i++) {
		if ((s[i] == '\'' || s[i] == '\\') && (e = buf_putc(b, s[i] == '\'' ? '\'' : '\\')) != DL_OK)
			return e;
		if ((e = buf_putc(b, s[i])) != DL_OK)
			return e;
	}
	return buf_putc(b, '\'');
}

/* Appends an element to the array literal begun in b ("{" first): in
 * double quotes, backslashes before double quotes and backslashes, a comma
 * before all but the first. */
static enum dl_err
put_elem(struct buf *b, const char *s, size_t n)
{
	enum dl_err e;
	size_t i;

	if ((b->len > 1 || (b->len == 1 && b->data[0] != '{')) && (e = buf_putc(b, ',')) != DL_OK)
		return e;
	if ((e = buf_putc(b, '"')) != DL_OK)
		return e;
	for (i = 0; i < n; i++) {
		if ((s[i] == '"' || s[i] == '\\') && (e = buf_putc(b, '\\')) != DL_OK)
			return e;
		if ((e = buf_putc(b, s[i])) != DL_OK)
			return e;
	}
	return buf_putc(b, '"');
}

/* ---- indexing: one article's tsvector ---- */

struct ent {
	const char *s;  /* set once doc.lex stops moving */
	uint32_t off;   /* in doc.lex */
	uint32_t len;
	uint32_t pos;   /* 1..TSV_POS_MAX */
	char w;         /* weight letter */
};

struct doc {
	struct buf lex;
	struct ent *v;
	size_t n, cap;
	uint32_t pos;   /* the next position */
	int64_t ntok;
	char w;
	const char *prefix;
	enum dl_err e;
};

static void
doc_token(struct doc *d, const char *s, size_t n)
{
	size_t p = strlen(d->prefix), i;

	d->ntok++;
	if (d->e != DL_OK || p + n > TSV_LEX_MAX) {
		d->pos++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct ent *v = realloc(d->v, cap * sizeof *v);

		if (v == NULL) {
			d->e = DL_ERR_NOMEM;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].s = NULL;
	d->v[d->n].off = (uint32_t)d->lex.len;
	d->v[d->n].len = (uint32_t)(p + n);
	/* Past the last position every token shares it: leave the one before
	 * it empty, so that no phrase joins a real position to that heap. */
	d->v[d->n].pos = d->pos < TSV_POS_MAX - 1 ? d->pos : TSV_POS_MAX;
	d->v[d->n].w = d->w;
	d->pos++;
	if ((d->e = buf_append(&d->lex, d->prefix, p)) != DL_OK)
		return;
	for (i = 0; i < n && d->e == DL_OK; i++)
		d->e = buf_putc(&d->lex, (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] | 0x20) : s[i]);
	if (d->e == DL_OK)
		d->n++;
}

/* Every FTS5 'ascii' token of s. */
static void
doc_split(struct doc *d, const char *s, size_t n)
{
	size_t i = 0, st, l;

	while (next_token(s, n, &i, &st, &l))
		doc_token(d, s + st, l);
}

static void
doc_emit(void *ctx, const char *term, size_t n, int pos)
{
	(void)pos;
	doc_split(ctx, term, n);
}

/* Adds the words of `text` to the current field. */
static enum dl_err
doc_text(struct doc *d, struct tok *t, const char *lang, const char *text)
{
	size_t len;
	enum dl_err e;

	if (text == NULL || (len = strlen(text)) == 0)
		return d->e;
	if (len > TOK_MAX_INPUT)
		len = TOK_MAX_INPUT;
	if ((e = tok_text(t, lang, text, len, doc_emit, d)) != DL_OK)
		return e;
	return d->e;
}

/* Ends a field: the next starts two positions on, out of a phrase's reach. */
static void
doc_field(struct doc *d, char w)
{
	d->pos++;
	d->w = w;
}

static int
cmp_ent(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return a->w < b->w ? -1 : a->w > b->w;   /* 'A' (highest) first */
}

/* Tokens [i, j) of d (one lexeme, sorted by position): how many positions
 * the tsvector keeps, and 1 in *title when one is outside the body. */
static size_t
lex_positions(const struct doc *d, size_t i, size_t j, int *title)
{
	uint32_t last = 0;
	size_t npos = 0;

	*title = d->v[i].s[0] == '=';
	for (; i < j; i++) {
		*title |= d->v[i].w != 'D';
		if (d->v[i].pos != last && npos < TSV_POS_PER_LEX) {
			last = d->v[i].pos;
			npos++;
		}
	}
	return npos;
}

/* The tsvector text of d's tokens into out. PostgreSQL refuses a tsvector
 * past TSV_BYTES of lexemes and positions: only text with a great many
 * distinct words (a megabyte of tables, codes or random letters) gets
 * there; then the lexemes of headline, standfirst, byline, places and tags
 * go in first, and body words while they fit. */
static enum dl_err
doc_tsvector(struct doc *d, struct buf *out)
{
	size_t i, j, total = 0, npos, pass;
	enum dl_err e = DL_OK;
	int title;

	if (d->n == 0)
		return DL_OK;
	for (i = 0; i < d->n; i++)
		d->v[i].s = d->lex.data + d->v[i].off;
	qsort(d->v, d->n, sizeof *d->v, cmp_ent);
	for (pass = 0; pass < 2 && e == DL_OK; pass++) {
		for (i = 0; i < d->n && e == DL_OK; i = j) {
			uint32_t last = 0;
			size_t k, size;

			for (j = i + 1; j < d->n && d->v[j].len == d->v[i].len &&
			    memcmp(d->v[j].s, d->v[i].s, d->v[i].len) == 0; j++)
				;
			npos = lex_positions(d, i, j, &title);
			if (title != (pass == 0))
				continue;
			size = ((d->v[i].len + 1) & ~(size_t)1) + 2 + 2 * npos;
			if (total + size > TSV_BYTES)
				continue;
			total += size;
			if ((out->len && (e = buf_putc(out, ' ')) != DL_OK) ||
			    (e = put_lexeme(out, d->v[i].s, d->v[i].len)) != DL_OK)
				break;
			for (k = i, npos = 0; k < j && e == DL_OK; k++) {
				if (d->v[k].pos == last || npos == TSV_POS_PER_LEX)
					continue;   /* the same position, weight already the highest */
				last = d->v[k].pos;
				e = buf_printf(out, "%c%u", npos++ ? ',' : ':', (unsigned)d->v[k].pos);
				if (e == DL_OK && d->v[k].w != 'D')
					e = buf_putc(out, d->v[k].w);
			}
		}
	}
	return e;
}

/* Builds a's tsvector text into tsv and its FTS5 token count. */
static enum dl_err
doc_build(struct tok *t, const struct dl_article *a, struct buf *tsv, int64_t *ntok)
{
	struct doc d = { BUF_INIT((size_t)SEARCH_FIELD_MAX * 8), NULL, 0, 0, 1, 0, 'D', "=", DL_OK };
	const char *by = a->author.name && a->author.name[0] ? a->author.name : a->byline;
	enum dl_err e;
	size_t i;

	doc_split(&d, a->lang, strlen(a->lang));
	d.prefix = "";
	doc_field(&d, 'A');
	if ((e = doc_text(&d, t, a->lang, a->headline)) != DL_OK)
		goto out;
	doc_field(&d, 'B');
	if ((e = doc_text(&d, t, a->lang, a->standfirst)) != DL_OK)
		goto out;
	doc_field(&d, 'C');
	if ((e = doc_text(&d, t, a->lang, by)) != DL_OK)
		goto out;
	doc_field(&d, 'C');
	if ((e = doc_text(&d, t, a->lang, a->located)) != DL_OK)
		goto out;
	for (i = 0; i < a->n_places; i++)
		if ((e = doc_text(&d, t, a->lang, a->places[i].name)) != DL_OK)
			goto out;
	doc_field(&d, 'C');
	for (i = 0; i < a->n_tags; i++)
		if ((e = doc_text(&d, t, a->lang, a->tags[i].name)) != DL_OK)
			goto out;
	doc_field(&d, 'D');
	if ((e = doc_text(&d, t, a->lang, a->body_text)) != DL_OK)
		goto out;
	if ((e = d.e) == DL_OK)
		e = doc_tsvector(&d, tsv);
	*ntok = d.ntok;
out:
	free(d.v);
	buf_free(&d.lex);
	return e;
}

/* ---- indexing: writes ---- */

/* Rows to insert, as array literals for one INSERT ... unnest(). */
struct batch {
	struct buf id, lang, created, ntok, words;
	size_t n;
};

#define BATCH_INIT { BUF_INIT(1u << 20), BUF_INIT(1u << 20), BUF_INIT(1u << 20), \
	BUF_INIT(1u << 20), BUF_INIT(256u << 20), 0 }

static void
batch_reset(struct batch *b)
{
	buf_reset(&b->id);
	buf_reset(&b->lang);
	buf_reset(&b->created);
	buf_reset(&b->ntok);
	buf_reset(&b->words);
	b->n = 0;
}

static void
batch_free(struct batch *b)
{
	buf_free(&b->id);
	buf_free(&b->lang);
	buf_free(&b->created);
	buf_free(&b->ntok);
	buf_free(&b->words);
}

/* Adds article a (published; id its row's) to b. */
static enum dl_err
batch_add(struct batch *b, struct tok *t, int64_t id, const struct dl_article *a)
{
	struct buf tsv = BUF_INIT(64u << 20);
	char n1[24], n2[24], n3[24];
	int64_t ntok = 0;
	enum dl_err e;

	if (b->n == 0) {
		batch_reset(b);
		if ((e = buf_putc(&b->id, '{')) != DL_OK || (e = buf_putc(&b->lang, '{')) != DL_OK ||
		    (e = buf_putc(&b->created, '{')) != DL_OK || (e = buf_putc(&b->ntok, '{')) != DL_OK ||
		    (e = buf_putc(&b->words, '{')) != DL_OK)
			return e;
	}
	if ((e = doc_build(t, a, &tsv, &ntok)) != DL_OK)
		goto out;
	pg_i64(n1, id);
	pg_i64(n2, a->first_created);
	pg_i64(n3, ntok);
	if ((e = put_elem(&b->id, n1, strlen(n1))) != DL_OK ||
	    (e = put_elem(&b->lang, a->lang, strlen(a->lang))) != DL_OK ||
	    (e = put_elem(&b->created, n2, strlen(n2))) != DL_OK ||
	    (e = put_elem(&b->ntok, n3, strlen(n3))) != DL_OK ||
	    (e = put_elem(&b->words, tsv.data ? tsv.data : "", tsv.len)) != DL_OK)
		goto out;
	b->n++;
out:
	buf_free(&tsv);
	return e;
}

static enum dl_err
batch_flush(struct store *st, struct batch *b)
{
	static const char sql[] = "WITH ins AS (INSERT INTO search_docs (article, lang, first_created, "
	    "ntok, words) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], "
	    "$5::tsvector[]) RETURNING lang, ntok), "
	    "l AS (INSERT INTO search_langs (lang) SELECT DISTINCT lang FROM ins ON CONFLICT DO NOTHING) "
	    "UPDATE search_stats SET docs = docs + (SELECT count(*) FROM ins), "
	    "tokens = tokens + (SELECT coalesce(sum(ntok), 0) FROM ins) WHERE id = 1";
	const char *p[5];
	enum dl_err e;

	if (b->n == 0)
		return DL_OK;
	if ((e = buf_putc(&b->id, '}')) != DL_OK || (e = buf_putc(&b->lang, '}')) != DL_OK ||
	    (e = buf_putc(&b->created, '}')) != DL_OK || (e = buf_putc(&b->ntok, '}')) != DL_OK ||
	    (e = buf_putc(&b->words, '}')) != DL_OK)
		return e;
	p[0] = b->id.data;
	p[1] = b->lang.data;
	p[2] = b->created.data;
	p[3] = b->ntok.data;
	p[4] = b->words.data;
	e = pg_cmd(st, sql, 5, p, NULL);
	b->n = 0;
	return e;
}

/* Replaces article `id`'s entry by a's (none when a is not published). */
static enum dl_err
index_article(struct store *st, struct tok *t, int64_t id, const struct dl_article *a)
{
	static const char del[] = "WITH old AS (DELETE FROM search_docs WHERE article = $1 RETURNING ntok) "
	    "UPDATE search_stats SET docs = docs - (SELECT count(*) FROM old), "
	    "tokens = tokens - (SELECT coalesce(sum(ntok), 0) FROM old) "
	    "WHERE id = 1 AND EXISTS (SELECT 1 FROM old)";
	struct batch b = BATCH_INIT;
	char n1[24];
	const char *p[] = { pg_i64(n1, id) };
	enum dl_err e;

	if ((e = pg_cmd(st, del, 1, p, NULL)) != DL_OK || a->status != DL_PUBLISHED)
		return e;
	if ((e = batch_add(&b, t, id, a)) == DL_OK)
		e = batch_flush(st, &b);
	batch_free(&b);
	return e;
}

enum dl_err
pg_search_put(struct store *st, const struct dl_article *a)
{
	const char *p[] = { a->uri };
	enum dl_err e = DL_ERR_DB;
	struct tok *t;
	PGresult *r;
	int64_t id;

	if ((r = pg_exec(st, "SELECT id FROM articles WHERE uri = $1", 1, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return DL_ERR_NOTFOUND;
	}
	id = pg_int(r, 0, 0);
	PQclear(r);
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	e = index_article(st, t, id, a);
	tok_free(t);
	return e;
}

enum dl_err
pg_search_reindex_term(struct store *st, int64_t term)
{
	static const char sql[] = "SELECT a.uri FROM article_terms at JOIN articles a ON a.id = at.article "
	    "WHERE at.term = $1 AND a.status = 0 ORDER BY a.id";
	struct arena *ar = NULL;
	struct dl_article a;
	struct tok *t = NULL;
	enum dl_err e = DL_ERR_DB;
	char n1[24];
	const char *p[] = { pg_i64(n1, term) };
	PGresult *r;
	int i, rows;

	if ((r = pg_exec(st, sql, 1, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	e = DL_OK;
	rows = PQntuples(r);
	if ((t = tok_new()) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < rows && e == DL_OK; i++) {
		if ((ar = arena_new(64u << 20)) == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		if ((e = store_article_get_uri(st, ar, PQgetvalue(r, i, 0), &a)) == DL_OK)
			e = index_article(st, t, a.id, &a);
		arena_free(ar);
		ar = NULL;
	}
out:
	tok_free(t);
	PQclear(r);
	return e;
}

/* Indexes every published article, SEARCH_REBUILD_CHUNK at a time. */
static enum dl_err
rebuild_all(struct store *st, struct tok *t, int64_t *n)
{
	static const char page[] = "SELECT " PG_ARTICLE_COLS ", '', a.body_text FROM articles a "
	    "WHERE a.status = 0 AND a.id > $1 ORDER BY a.id LIMIT $2";
	struct batch b = BATCH_INIT;
	struct arena *ar = NULL;
	int64_t after = 0;
	enum dl_err e = DL_OK;

	for (;;) {
		char n1[24], n2[24];
		const char *p[] = { pg_i64(n1, after), pg_i64(n2, SEARCH_REBUILD_CHUNK) };
		struct dl_article a;
		PGresult *r;
		int i, rows;

		if ((ar = arena_new(SEARCH_REBUILD_ARENA)) == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		if ((r = pg_exec(st, page, 2, p, &e)) == NULL) {
			e = e == DL_OK ? DL_ERR_DB : e;
			break;
		}
		rows = PQntuples(r);
		for (i = 0; i < rows && e == DL_OK; i++) {
			if ((e = pg_row_article(ar, r, i, 1, &a)) != DL_OK ||
			    (e = pg_load_terms(st, ar, &a)) != DL_OK)
				break;
			after = a.id;
			if ((e = batch_add(&b, t, a.id, &a)) == DL_OK)
				(*n)++;
		}
		PQclear(r);
		if (e == DL_OK)
			e = batch_flush(st, &b);
		arena_free(ar);
		ar = NULL;
		if (e != DL_OK || rows < SEARCH_REBUILD_CHUNK)
			break;
	}
	arena_free(ar);
	batch_free(&b);
	return e;
}

enum dl_err
pg_search_rebuild(struct store *st, int64_t *n)
{
	static const char *const clear[] = {
		"DELETE FROM search_docs",
		"DELETE FROM search_langs",
		"UPDATE search_stats SET docs = 0, tokens = 0 WHERE id = 1",
		"DELETE FROM meta WHERE key = 'search_stale'",
	};
	struct tok *t = NULL;
	int64_t count = 0;
	enum dl_err e, e2;
	size_t i;
	int started;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	for (i = 0; i < sizeof clear / sizeof *clear && e == DL_OK; i++)
		e = pg_cmd(st, clear[i], 0, NULL, NULL);
	if (e == DL_OK && (t = tok_new()) == NULL)
		e = DL_ERR_NOMEM;
	if (e == DL_OK)
		e = rebuild_all(st, t, &count);
	tok_free(t);
	e2 = pg_tx_end(st, started, e == DL_OK);
	if (e == DL_OK)
		e = e2;
	if (n)
		*n = e == DL_OK ? count : 0;
	return e;
}

/* ---- queries: from struct dl_search to tsquery ---- */

struct phrase {
	const char **lex;   /* tokens in order */
	size_t n;
	int exclude;
	int branch;         /* scored in rows of this branch; -1: never scored */
	const char *rq;     /* tsquery for its weighted frequency (scored phrases) */
	double idf;         /* NAN until needed */
};

struct branch {
	const char **langs;   /* NULL: every row */
	size_t n;
};

struct plan {
	struct arena *ar;
	const char **ilangs;           /* indexed languages, sorted */
	size_t nil;
	const char **ltok;             /* every token of those language tags */
	size_t nltok;
	struct phrase *ph;
	size_t nph, phcap;
	struct branch br[SEARCH_MAX_LANGS];
	size_t nbr;
	const char *la, *qa;           /* the language condition (plan_langs()) */
	struct phrase **sp;            /* the scored phrases */
	size_t nsp;
	int one;                       /* a single positive term: IDF 1 */
	int64_t nrow;
	double avgdl;
	const char *lc_lang[SEARCH_MAX_LANGS];   /* which branches a row language is in */
	uint64_t lc_mask[SEARCH_MAX_LANGS];
	size_t nlc;
};

static int
is_lang_token(const struct plan *pl, const char *x)
{
	size_t i;

	for (i = 0; i < pl->nltok; i++)
		if (strcmp(pl->ltok[i], x) == 0)
			return 1;
	return 0;
}

/* One token of a reader's term: also the same token in the language
 * column when some language tag has it (FTS5 searches every column). */
static enum dl_err
put_lexq(const struct plan *pl, struct buf *b, const char *x)
{
	size_t n = strlen(x);
	enum dl_err e;
	char *v;

	if (!is_lang_token(pl, x))
		return put_lexeme(b, x, n);
	if ((v = arena_alloc(pl->ar, n + 2)) == NULL)
		return DL_ERR_NOMEM;
	v[0] = '=';
	memcpy(v + 1, x, n + 1);
	if ((e = buf_puts(b, "( ")) != DL_OK || (e = put_lexeme(b, x, n)) != DL_OK ||
	    (e = buf_puts(b, " | ")) != DL_OK || (e = put_lexeme(b, v, n + 1)) != DL_OK)
		return e;
	return buf_puts(b, " )");
}

/* The tsquery of one phrase: its tokens a position apart. */
static enum dl_err
put_phrase(const struct plan *pl, struct buf *b, const struct phrase *ph)
{
	enum dl_err e;
	size_t i;

	if (ph->n > 1 && (e = buf_puts(b, "( ")) != DL_OK)
		return e;
	for (i = 0; i < ph->n; i++)
		if ((i && (e = buf_puts(b, " <-> ")) != DL_OK) || (e = put_lexq(pl, b, ph->lex[i])) != DL_OK)
			return e;
	return ph->n > 1 ? buf_puts(b, " )") : DL_OK;
}

/* Term `term` in `lang` as a new phrase of pl; *ok 0 when it has no
 * searchable word (as sqlite_search.c's put_term()). */
static enum dl_err
add_phrase(struct plan *pl, struct tok *t, const char *lang, const struct dl_search_term *term,
    struct phrase **out, int *ok)
{
	struct buf terms = BUF_INIT(8192);
	struct phrase *ph;
	enum dl_err e;

	*ok = 0;
	e = tok_join(t, lang, term->text, &terms);
	if (e == DL_ERR_TOOBIG) {
		e = DL_OK;
		goto out;
	}
	if (e != DL_OK || terms.len == 0)
		goto out;
	if (pl->nph == pl->phcap) {
		e = DL_ERR_TOOBIG;
		goto out;
	}
	ph = &pl->ph[pl->nph];
	memset(ph, 0, sizeof *ph);
	if ((e = tokens_of(pl->ar, "", terms.data, terms.len, &ph->lex, &ph->n)) != DL_OK || ph->n == 0)
		goto out;
	ph->exclude = term->exclude;
	ph->branch = -1;
	ph->idf = NAN;
	pl->nph++;
	*out = ph;
	*ok = 1;
out:
	buf_free(&terms);
	return e;
}

/* The tsquery of q's terms in `lang` into b (emptied first), its phrases
 * added to pl from *first on: OR groups ANDed, then each exclusion ANDed
 * negated. *ok 0 when no positive term has a searchable word. */
static enum dl_err
build_expr(struct plan *pl, struct tok *t, const char *lang, const struct dl_search *q,
    struct buf *b, size_t *first, int *ok)
{
	struct buf grp = BUF_INIT(SEARCH_EXPR_MAX);
	size_t i, ngroups = 0, ningrp = 0;
	enum dl_err e = DL_OK;
	struct phrase *ph;
	int tok_ok;

	buf_reset(b);
	*first = pl->nph;
	*ok = 0;
	for (i = 0; i < q->n_terms && i < DL_SEARCH_MAX_TERMS; i++) {
		const struct dl_search_term *term = &q->terms[i];
		int last_in_group = !term->or_next || i + 1 >= q->n_terms || q->terms[i + 1].exclude;

		if (term->exclude)
			continue;
		if ((e = add_phrase(pl, t, lang, term, &ph, &tok_ok)) != DL_OK)
			goto out;
		if (tok_ok && ((ningrp && (e = buf_puts(&grp, " | ")) != DL_OK) ||
		    (e = put_phrase(pl, &grp, ph)) != DL_OK))
			goto out;
		ningrp += (size_t)tok_ok;
		if (last_in_group && ningrp) {
			if ((ngroups && (e = buf_puts(b, " & ")) != DL_OK) ||
			    (e = buf_printf(b, "( %s )", grp.data)) != DL_OK)
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
		if ((e = add_phrase(pl, t, lang, &q->terms[i], &ph, &tok_ok)) != DL_OK)
			goto out;
		if (!tok_ok)
			continue;
		buf_reset(&grp);
		if ((e = buf_printf(&grp, "( %s ) & !", b->data)) != DL_OK ||
		    (e = (ph->n > 1 ? DL_OK : buf_puts(&grp, "( "))) != DL_OK ||
		    (e = put_phrase(pl, &grp, ph)) != DL_OK ||
		    (e = (ph->n > 1 ? DL_OK : buf_puts(&grp, " )"))) != DL_OK)
			goto out;
		buf_reset(b);
		if ((e = buf_append(b, grp.data, grp.len)) != DL_OK)
			goto out;
	}
	*ok = 1;
out:
	buf_free(&grp);
	return e;
}

/* The languages of the index (sorted) and their tokens. */
static enum dl_err
plan_init(struct plan *pl, struct store *st, struct arena *ar)
{
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	size_t i, k, n;
	const char **tk;

	memset(pl, 0, sizeof *pl);
	pl->ar = ar;
	if ((r = pg_exec(st, "SELECT lang FROM search_langs ORDER BY lang COLLATE \"C\"", 0, NULL, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	n = (size_t)PQntuples(r);
	if (n > SEARCH_MAX_LANGS)
		n = SEARCH_MAX_LANGS;
	e = DL_ERR_NOMEM;
	if ((pl->ilangs = arena_alloc(ar, (n ? n : 1) * sizeof *pl->ilangs)) == NULL ||
	    (pl->ltok = arena_alloc(ar, 64 * sizeof *pl->ltok)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((pl->ilangs[i] = pg_str(ar, r, (int)i, 0)) == NULL)
			goto out;
		if (tokens_of(ar, "", pl->ilangs[i], strlen(pl->ilangs[i]), &tk, &k) != DL_OK)
			goto out;
		while (k-- > 0)
			if (!is_lang_token(pl, tk[k]) && pl->nltok < 64)
				pl->ltok[pl->nltok++] = tk[k];
	}
	pl->nil = n;
	pl->phcap = DL_SEARCH_MAX_TERMS * (n + 1);
	if ((pl->ph = arena_alloc(ar, pl->phcap * sizeof *pl->ph)) == NULL)
		goto out;
	e = DL_OK;
out:
	PQclear(r);
	return e;
}

/* 1 when language tag `in` holds the tokens of `tag` in a row (FTS5's
 * phrase `lang : "tag"` matching a row whose language is `in`). */
static int
lang_within(struct arena *ar, const char *tag, const char *in)
{
	const char **a, **b;
	size_t na, nb, i, k;

	if (tokens_of(ar, "", tag, strlen(tag), &a, &na) != DL_OK ||
	    tokens_of(ar, "", in, strlen(in), &b, &nb) != DL_OK || na == 0)
		return 0;
	for (i = 0; i + na <= nb; i++) {
		for (k = 0; k < na && strcmp(a[k], b[i + k]) == 0; k++)
			;
		if (k == na)
			return 1;
	}
	return 0;
}

/* 1 when a row in language `lang` is in branch br. */
static int
in_branch(struct plan *pl, const struct branch *br, const char *lang)
{
	size_t k;

	if (br->langs == NULL)
		return 1;
	for (k = 0; k < br->n; k++)
		if (lang_within(pl->ar, br->langs[k], lang))
			return 1;
	return 0;
}

/* The languages of FTS5's `lang : (...)` as a condition on rows:
 * pl->la and pl->qa, array literals giving each indexed language the
 * expression its rows must match (the OR of those of the branches it is
 * in: exprs[b] for branch b); NULL when every row is in the only branch.
 * The parameters are typed arrays, parsed once a statement. */
static enum dl_err
plan_langs(struct plan *pl, const char *const *exprs)
{
	struct buf la = BUF_INIT(SEARCH_EXPR_MAX), qa = BUF_INIT(SEARCH_EXPR_MAX * 4);
	struct buf one = BUF_INIT(SEARCH_EXPR_MAX * 4);
	enum dl_err e;
	size_t i, b;

	pl->la = pl->qa = NULL;
	if (pl->nbr == 1 && pl->br[0].langs == NULL)
		return DL_OK;
	if ((e = buf_putc(&la, '{')) != DL_OK || (e = buf_putc(&qa, '{')) != DL_OK)
		goto out;
	for (i = 0; i < pl->nil; i++) {
		buf_reset(&one);
		for (b = 0; b < pl->nbr; b++)
			if (in_branch(pl, &pl->br[b], pl->ilangs[i]) &&
			    ((one.len && (e = buf_puts(&one, " | ")) != DL_OK) ||
			    (e = buf_printf(&one, "( %s )", exprs[b])) != DL_OK))
				goto out;
		if (one.len && ((e = put_elem(&la, pl->ilangs[i], strlen(pl->ilangs[i]))) != DL_OK ||
		    (e = put_elem(&qa, one.data, one.len)) != DL_OK))
			goto out;
	}
	if ((e = buf_putc(&la, '}')) != DL_OK || (e = buf_putc(&qa, '}')) != DL_OK)
		goto out;
	if ((pl->la = arena_strdup(pl->ar, la.data)) == NULL ||
	    (pl->qa = arena_strdup(pl->ar, qa.data)) == NULL)
		e = DL_ERR_NOMEM;
out:
	buf_free(&la);
	buf_free(&qa);
	buf_free(&one);
	return e;
}

/* The whole query, as sqlite_search.c's match_expr(): q's terms in `lang`
 * restricted to it, or, with lang NULL, an OR over every indexed language
 * of (that language AND the terms as tokenized in it), languages with the
 * same expression sharing one branch. Into out the tsquery the GIN index
 * answers (the OR of the branches' expressions), and into pl the language
 * condition (plan_langs()); the language is a column, not a lexeme to
 * look up, as every row has one. *ok 0 when nothing is searchable. */
static enum dl_err
match_expr(struct plan *pl, struct tok *t, const char *lang, const struct dl_search *q,
    struct buf *out, int *ok)
{
	struct buf e1 = BUF_INIT(SEARCH_EXPR_MAX);
	const char *exprs[SEARCH_MAX_LANGS], *bexprs[SEARCH_MAX_LANGS];
	size_t firsts[SEARCH_MAX_LANGS], ends[SEARCH_MAX_LANGS], i, k, j, first;
	int done[SEARCH_MAX_LANGS] = { 0 };
	enum dl_err e;
	int one_ok;

	buf_reset(out);
	*ok = 0;
	pl->nph = 0;
	pl->nbr = 0;
	pl->la = pl->qa = NULL;
	if (lang && lang[0]) {
		if ((e = build_expr(pl, t, lang, q, &e1, &first, &one_ok)) != DL_OK || !one_ok)
			goto out;
		for (k = first; k < pl->nph; k++)
			pl->ph[k].branch = 0;
		pl->nbr = 1;
		pl->br[0].langs = NULL;
		/* An index of this language alone needs no condition. */
		if (pl->nil != 1 || strcmp(pl->ilangs[0], lang) != 0) {
			if ((pl->br[0].langs = arena_alloc(pl->ar, sizeof *pl->br[0].langs)) == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			pl->br[0].langs[0] = lang;
			pl->br[0].n = 1;
		}
		bexprs[0] = e1.data;
		if ((e = plan_langs(pl, bexprs)) != DL_OK)
			goto out;
		e = buf_append(out, e1.data, e1.len);
		*ok = e == DL_OK;
		goto out;
	}
	for (i = 0; i < pl->nil; i++) {
		exprs[i] = NULL;
		if ((e = build_expr(pl, t, pl->ilangs[i], q, &e1, &firsts[i], &one_ok)) != DL_OK)
			goto out;
		ends[i] = pl->nph;
		if (one_ok && (exprs[i] = arena_strdup(pl->ar, e1.data)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < pl->nil; i++) {
		struct branch *br = &pl->br[pl->nbr];

		if (exprs[i] == NULL || done[i])
			continue;
		if ((br->langs = arena_alloc(pl->ar, pl->nil * sizeof *br->langs)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		br->n = 0;
		for (k = i; k < pl->nil; k++) {
			if (exprs[k] == NULL || done[k] || strcmp(exprs[k], exprs[i]) != 0)
				continue;
			done[k] = 1;
			br->langs[br->n++] = pl->ilangs[k];
		}
		for (j = firsts[i]; j < ends[i]; j++)
			pl->ph[j].branch = (int)pl->nbr;
		bexprs[pl->nbr] = exprs[i];
		if ((pl->nbr && (e = buf_puts(out, " | ")) != DL_OK) ||
		    (e = buf_printf(out, "( %s )", exprs[i])) != DL_OK)
			goto out;
		pl->nbr++;
	}
	*ok = pl->nbr > 0;
	/* One branch for every language: no condition. */
	if (pl->nbr == 1) {
		for (i = 0; i < pl->nil && exprs[i] != NULL; i++)
			;
		if (i == pl->nil) {
			pl->br[0].langs = NULL;
			pl->br[0].n = 0;
		}
	}
	e = *ok ? plan_langs(pl, bexprs) : DL_OK;
out:
	buf_free(&e1);
	return e;
}

/* The scored phrases (positive, of a branch), each with its tsquery for
 * ts_rank_cd(): its tokens a position apart, without the language column
 * (FTS5 gives that column weight 0). With more than RANK_SLOTS of them,
 * rqs gets the array literal of those tsqueries. */
static enum dl_err
plan_scored(struct plan *pl, const struct dl_search *q, struct buf *rqs)
{
	struct buf one = BUF_INIT(SEARCH_EXPR_MAX);
	enum dl_err e = DL_OK;
	size_t i, j;

	pl->one = store_search_positive_terms(q) == 1;
	pl->nsp = 0;
	buf_reset(rqs);
	if ((pl->sp = arena_alloc(pl->ar, (pl->nph ? pl->nph : 1) * sizeof *pl->sp)) == NULL)
		return DL_ERR_NOMEM;
	if ((e = buf_putc(rqs, '{')) != DL_OK)
		goto out;
	for (i = 0; i < pl->nph; i++) {
		struct phrase *ph = &pl->ph[i];

		if (ph->exclude || ph->branch < 0)
			continue;
		buf_reset(&one);
		for (j = 0; j < ph->n; j++)
			if ((j && (e = buf_puts(&one, " <-> ")) != DL_OK) ||
			    (e = put_lexeme(&one, ph->lex[j], strlen(ph->lex[j]))) != DL_OK)
				goto out;
		if ((ph->rq = arena_strdup(pl->ar, one.data)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		if ((e = put_elem(rqs, one.data, one.len)) != DL_OK)
			goto out;
		pl->sp[pl->nsp++] = ph;
	}
	e = buf_putc(rqs, '}');
out:
	buf_free(&one);
	return e;
}

/* The branches a row in language `lang` is scored in, as a bit mask. */
static uint64_t
lang_mask(struct plan *pl, const char *lang)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < pl->nlc; i++)
		if (strcmp(pl->lc_lang[i], lang) == 0)
			return pl->lc_mask[i];
	for (i = 0; i < pl->nbr && i < 64; i++)
		if (in_branch(pl, &pl->br[i], lang))
			m |= (uint64_t)1 << i;
	if (pl->nlc < SEARCH_MAX_LANGS && (pl->lc_lang[pl->nlc] = arena_strdup(pl->ar, lang)) != NULL)
		pl->lc_mask[pl->nlc++] = m;
	return m;
}

/* ---- queries: candidates and ranking ---- */

/* q's filters and the language condition (plan_langs()), parameters f
 * (from), t (to), place, tag and author slugs, then the languages and their
 * expressions; a statement without them is used when there are none. */
#define FILTERS(f, t, p, g, a, l, x) \
	" AND ($" f "::bigint = 0 OR d.first_created >= $" f "::bigint)" \
	" AND ($" t "::bigint = 0 OR d.first_created < $" t "::bigint)" \
	" AND ($" p "::text IS NULL OR d.article IN (SELECT at.article FROM article_terms at " \
	"JOIN terms t ON t.id = at.term WHERE t.kind = 0 AND t.slug = $" p "::text))" \
	" AND ($" g "::text IS NULL OR d.article IN (SELECT at.article FROM article_terms at " \
	"JOIN terms t ON t.id = at.term WHERE t.kind = 1 AND t.slug = $" g "::text))" \
	" AND ($" a "::text IS NULL OR d.article IN (SELECT at.article FROM article_terms at " \
	"JOIN terms t ON t.id = at.term WHERE t.kind = 2 AND t.slug = $" a "::text))" \
	" AND ($" l "::text[] IS NULL OR " \
	"d.words @@ ($" x "::tsquery[])[array_position($" l "::text[], d.lang)])"

/* Matches newest first, at most $lim (NULL: all), each with its language,
 * length, date and each scored phrase's weighted frequency in the row
 * (WIN_COLS): ts_rank_cd() with weights D 0.1, C 0.2, B 0.4, A 1 and no
 * normalization sums, over the phrase's occurrences (its covers, as no two
 * tokens share a position), the weight of the field it is in: a tenth of
 * FTS5's weighted count (body 1, byline/places/tags 2, standfirst 4,
 * headline 10). RANK_SLOTS phrases as parameters $2.., NULL for none (the
 * function is strict); past that, one array ($2). The subquery's LIMIT
 * keeps ranking to the rows returned. */
#define RANK_SLOTS 8
#define RANK_W "'{0.1,0.2,0.4,1.0}'"
#define RANK(n) "ts_rank_cd(" RANK_W ", w.words, $" n "::tsquery)"
#define WIN_COLS "SELECT w.article, w.lang, w.ntok, w.first_created, "
#define WIN_SLOTS RANK("2") ", " RANK("3") ", " RANK("4") ", " RANK("5") ", " RANK("6") ", " \
	RANK("7") ", " RANK("8") ", " RANK("9")
#define WIN_ARRAY "ARRAY(SELECT ts_rank_cd(" RANK_W ", w.words, u.q) " \
	"FROM unnest($2::tsquery[]) WITH ORDINALITY u(q, i) ORDER BY u.i)"
#define WIN_FROM " FROM (SELECT d.article, d.lang, d.ntok, d.first_created, d.words FROM search_docs d "
/* Two ways to the newest matches, each forced whatever the row estimates
 * (a prepared statement soon runs a generic plan): "new" walks the primary
 * key down from the newest row to `bound` (exclusive), testing each row
 * (IS TRUE keeps the GIN index out), so its cost is bounded by the rows
 * above `bound` however common the words; "old" takes every match at or
 * below `bound` from the GIN index and sorts them (+ 0 keeps the primary
 * key out), so its cost is the number of matches. */
#define WIN_NEW(b) "WHERE d.article > $" b "::bigint AND (d.words @@ $1::tsquery) IS TRUE"
#define WIN_NEW_TAIL(l) " ORDER BY d.article DESC LIMIT $" l "::bigint) w"
#define WIN_OLD(b) "WHERE d.words @@ $1::tsquery AND d.article + 0 <= $" b "::bigint"
#define WIN_OLD_TAIL(l) " ORDER BY d.article + 0 DESC LIMIT $" l "::bigint) w"
#define F_SLOTS FILTERS("12", "13", "14", "15", "16", "17", "18")
#define F_ARRAY FILTERS("5", "6", "7", "8", "9", "10", "11")
static const char *const win_sqls[2][2][2] = {   /* [old][array][filters] */
	{ { WIN_COLS WIN_SLOTS WIN_FROM WIN_NEW("10") WIN_NEW_TAIL("11"),
	    WIN_COLS WIN_SLOTS WIN_FROM WIN_NEW("10") F_SLOTS WIN_NEW_TAIL("11") },
	  { WIN_COLS WIN_ARRAY WIN_FROM WIN_NEW("3") WIN_NEW_TAIL("4"),
	    WIN_COLS WIN_ARRAY WIN_FROM WIN_NEW("3") F_ARRAY WIN_NEW_TAIL("4") } },
	{ { WIN_COLS WIN_SLOTS WIN_FROM WIN_OLD("10") WIN_OLD_TAIL("11"),
	    WIN_COLS WIN_SLOTS WIN_FROM WIN_OLD("10") F_SLOTS WIN_OLD_TAIL("11") },
	  { WIN_COLS WIN_ARRAY WIN_FROM WIN_OLD("3") WIN_OLD_TAIL("4"),
	    WIN_COLS WIN_ARRAY WIN_FROM WIN_OLD("3") F_ARRAY WIN_OLD_TAIL("4") } },
};

/* How many rows match $1 (up to $2) with the index totals and the newest
 * indexed article. */
#define CNT_MATCHES(f) "(SELECT count(*) FROM (SELECT FROM search_docs d WHERE d.words @@ $1::tsquery" \
	f " LIMIT $2::bigint) c)"
#define CNT_STATS ", s.docs, s.tokens, coalesce((SELECT max(article) FROM search_docs), 0) " \
	"FROM search_stats s WHERE s.id = 1"
static const char cnt_sql[] = "SELECT " CNT_MATCHES("") CNT_STATS;
static const char cnt_sql_f[] = "SELECT " CNT_MATCHES(FILTERS("3", "4", "5", "6", "7", "8", "9")) CNT_STATS;

#define DATE_HEAD "SELECT d.article FROM search_docs d WHERE d.words @@ $1::tsquery " \
	"AND d.article + 0 < $2::bigint"
#define DATE_TAIL " ORDER BY d.first_created DESC, d.article DESC LIMIT $3::bigint OFFSET $4::bigint"
static const char date_sql[] = DATE_HEAD DATE_TAIL;
static const char date_sql_f[] = DATE_HEAD FILTERS("5", "6", "7", "8", "9", "10", "11") DATE_TAIL;

/* Per phrase: how many rows match it, counting the first SEARCH_IDF_SCAN
 * (oldest first), and the first and last of those; and the newest
 * article. (Counting is no cheaper than this: PostgreSQL 15 reads the heap
 * page of every match.) */
#define SEARCH_IDF_SCAN 2000
static const char idf_sql[] = "SELECT q.i, s.n, s.lo, s.hi, (SELECT max(id) FROM articles) "
    "FROM unnest($1::tsquery[]) WITH ORDINALITY q(t, i) CROSS JOIN LATERAL "
    "(SELECT count(*), min(x.article), max(x.article) FROM (SELECT d.article FROM search_docs d "
    "WHERE d.words @@ q.t ORDER BY d.article LIMIT 2000) x) s(n, lo, hi)";

/* 1 when the statements with FILTERS are needed. */
static int
has_filters(const struct plan *pl, const struct dl_search *q)
{
	return q->from || q->to || (q->place_slug && q->place_slug[0]) ||
	    (q->tag_slug && q->tag_slug[0]) || (q->author_slug && q->author_slug[0]) || pl->la;
}

#define NFILTERS 7

/* Parameters: `n` of the statement's own, then those of FILTERS when
 * needed (bufs: 2 x 24 bytes). The number of parameters. */
static int
params(const struct plan *pl, const struct dl_search *q, const char **p, int n, char bufs[2][24])
{
	if (!has_filters(pl, q))
		return n;
	p[n] = pg_i64(bufs[0], q->from);
	p[n + 1] = pg_i64(bufs[1], q->to);
	p[n + 2] = q->place_slug && q->place_slug[0] ? q->place_slug : NULL;
	p[n + 3] = q->tag_slug && q->tag_slug[0] ? q->tag_slug : NULL;
	p[n + 4] = q->author_slug && q->author_slug[0] ? q->author_slug : NULL;
	p[n + 5] = pl->la;
	p[n + 6] = pl->qa;
	return n + NFILTERS;
}

static enum dl_err
exec_fail(enum dl_err e)
{
	return e == DL_OK ? DL_ERR_DB : e;
}

/* How many rows match tsq, up to max + 1 (*exact 0 past max); the index
 * totals into pl (for BM25) and *top (may be NULL) the newest indexed
 * article. */
static enum dl_err
count_matches(struct store *st, struct plan *pl, const struct dl_search *q, const char *tsq,
    int64_t max, int64_t *total, int *exact, int64_t *top)
{
	char b1[24], fb[2][24];
	const char *p[2 + NFILTERS] = { tsq, pg_i64(b1, max + 1) };
	int np = params(pl, q, p, 2, fb);
	enum dl_err e = DL_ERR_DB;
	int64_t tokens;
	PGresult *r;

	*total = 0;
	*exact = 1;
	if ((r = pg_exec(st, has_filters(pl, q) ? cnt_sql_f : cnt_sql, np, p, &e)) == NULL)
		return exec_fail(e);
	if (PQntuples(r) == 0) {   /* no search_stats row: an index not made by step 6 */
		PQclear(r);
		log_error("store: search: the search_stats row is missing");
		return DL_ERR_CORRUPT;
	}
	*total = pg_int(r, 0, 0);
	pl->nrow = pg_int(r, 0, 1);
	tokens = pg_int(r, 0, 2);
	pl->avgdl = pl->nrow > 0 ? (double)tokens / (double)pl->nrow : 1.0;
	if (pl->avgdl <= 0.0)
		pl->avgdl = 1.0;
	if (top)
		*top = pg_int(r, 0, 3);

	PQclear(r);
	if (*total > max)
		*exact = 0;
	return DL_OK;
}

struct cand {
	int64_t id;
	int64_t created;
	double score;   /* BM25 negated, as FTS5 gives it: lower is better */
};

static int
cmp_scored(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;   /* then newest first */
}

/* The older matches of deep pages: SQLite's ORDER BY dl_bm25() keeps equal
 * scores in the order it reads them, oldest first. */
static int
cmp_scored_old(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int
cmp_date(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->created != b->created)
		return a->created > b->created ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

/* IDF of every scored phrase that needs one and has none yet (need[i] set
 * for sp[i]), as sqlite_search.c's phrase_idf(): from how many rows match
 * it, or, past SEARCH_IDF_SCAN, from where its first SEARCH_IDF_SCAN
 * matches lie. */
static enum dl_err
compute_idf(struct store *st, struct plan *pl, const unsigned char *need)
{
	struct buf lits = BUF_INIT(SEARCH_EXPR_MAX * 4), one = BUF_INIT(SEARCH_EXPR_MAX);
	size_t i, map[SEARCH_MAX_LANGS * DL_SEARCH_MAX_TERMS], nq = 0;
	enum dl_err e = DL_OK;
	PGresult *r = NULL;
	const char *p[1];
	int row;

	if ((e = buf_putc(&lits, '{')) != DL_OK)
		goto out;
	for (i = 0; i < pl->nsp; i++) {
		if (!need[i] || !isnan(pl->sp[i]->idf))
			continue;
		if (pl->one) {
			pl->sp[i]->idf = 1.0;
			continue;
		}
		buf_reset(&one);
		if ((e = put_phrase(pl, &one, pl->sp[i])) != DL_OK ||
		    (e = put_elem(&lits, one.data, one.len)) != DL_OK)
			goto out;
		map[nq++] = i;
	}
	if (nq == 0)
		goto out;
	if ((e = buf_putc(&lits, '}')) != DL_OK)
		goto out;
	p[0] = lits.data;
	if ((r = pg_exec(st, idf_sql, 1, p, &e)) == NULL) {
		e = exec_fail(e);
		goto out;
	}
	for (row = 0; row < PQntuples(r); row++) {
		int64_t qi = pg_int(r, row, 0), n = pg_int(r, row, 1), first = pg_int(r, row, 2);
		int64_t last = pg_int(r, row, 3), top = pg_int(r, row, 4);
		double hits = (double)n, idf;

		if (qi < 1 || (size_t)qi > nq)
			continue;
		if (n >= SEARCH_IDF_SCAN && last > first) {
			if (top > last)
				hits = (double)n * (double)(top - first + 1) / (double)(last - first + 1);
			if (hits > (double)pl->nrow)
				hits = (double)pl->nrow;
		}
		idf = log(((double)pl->nrow - hits + 0.5) / (hits + 0.5));
		pl->sp[map[qi - 1]]->idf = idf <= 0.0 ? 1e-6 : idf;
	}
out:
	PQclear(r);
	buf_free(&lits);
	buf_free(&one);
	return e;
}

/* The weighted frequencies of the scored phrases in row i of r, into f
 * (columns 4.. one a phrase, or column 4 an array of them); 0 for those
 * of branches not in `mask`, the row's. */
static void
row_freqs(const struct plan *pl, const PGresult *r, int i, uint64_t mask, double *f)
{
	const char *s = PQgetvalue(r, i, 4);
	char *end;
	size_t j;

	if (*s == '{')
		s++;
	for (j = 0; j < pl->nsp; j++) {
		int br = pl->sp[j]->branch;

		if (pl->nsp <= RANK_SLOTS) {
			f[j] = floor(pg_real(r, i, 4 + (int)j) * 10.0 + 0.5);
		} else {
			f[j] = floor(strtod(s, &end) * 10.0 + 0.5);
			if (end == s)
				f[j] = 0.0;
			s = *end == ',' ? end + 1 : end;
		}
		if (br >= 64 || !(mask & ((uint64_t)1 << br)))
			f[j] = 0.0;
	}
}

/* Matches of tsq newest first, at most `max` (0: all): above `bound`
 * when !old, else at or below it; into *out (malloc'd; *n of them), scored
 * unless by date. */
static enum dl_err
fetch_scored(struct store *st, struct plan *pl, const struct dl_search *q, const char *tsq,
    const char *rqs, int old, int64_t bound, int64_t max, struct cand **out, size_t *n)
{
	const double k1 = 1.2, b = 0.75;
	char b1[24], b2[24], fb[2][24];
	const char *p[11 + NFILTERS] = { tsq };
	const char *sql;
	int slots = pl->nsp <= RANK_SLOTS, np, rows, i;
	struct cand *v = NULL;
	double *f = NULL;
	unsigned char *need = NULL;
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	size_t j;

	*out = NULL;
	*n = 0;
	if (slots) {
		for (j = 0; j < RANK_SLOTS; j++)
			p[1 + j] = !q->by_date && j < pl->nsp ? pl->sp[j]->rq : NULL;
		p[9] = pg_i64(b1, bound);
		p[10] = max ? pg_i64(b2, max) : NULL;
		np = params(pl, q, p, 11, fb);
	} else {
		p[1] = q->by_date ? "{}" : rqs;
		p[2] = pg_i64(b1, bound);
		p[3] = max ? pg_i64(b2, max) : NULL;
		np = params(pl, q, p, 4, fb);
	}
	sql = win_sqls[old != 0][!slots][has_filters(pl, q)];
	if ((r = pg_exec(st, sql, np, p, &e)) == NULL)
		return exec_fail(e);
	rows = PQntuples(r);
	e = DL_ERR_NOMEM;
	if ((v = calloc((size_t)rows + 1, sizeof *v)) == NULL ||
	    (f = calloc(pl->nsp + 1, sizeof *f)) == NULL ||
	    (need = calloc(pl->nsp + 1, 1)) == NULL)
		goto out;
	e = DL_OK;
	for (i = 0; i < rows; i++) {
		v[i].id = pg_int(r, i, 0);
		v[i].created = pg_int(r, i, 3);
	}
	if (q->by_date || rows == 0)
		goto done;
	/* Two passes over the rows, so that memory stays one row's worth a
	 * phrase: which phrases occur (they need an IDF), then the scores. */
	for (i = 0; i < rows; i++) {
		row_freqs(pl, r, i, lang_mask(pl, PQgetvalue(r, i, 1)), f);
		for (j = 0; j < pl->nsp; j++)
			need[j] |= f[j] > 0.0;
	}
	if ((e = compute_idf(st, pl, need)) != DL_OK)
		goto out;
	for (i = 0; i < rows; i++) {
		double score = 0.0, dl = (double)pg_int(r, i, 2);

		row_freqs(pl, r, i, lang_mask(pl, PQgetvalue(r, i, 1)), f);
		for (j = 0; j < pl->nsp; j++)
			if (f[j] > 0.0)
				score += pl->sp[j]->idf * (f[j] * (k1 + 1.0)) /
				    (f[j] + k1 * (1.0 - b + b * dl / pl->avgdl));
		v[i].score = -score;
	}
done:
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	PQclear(r);
	free(v);
	free(f);
	free(need);
	return e;
}

/* The newest SEARCH_RANK_WINDOW of `count` matches (how many the index
 * holds, for the way to them), scored, into *out (malloc'd). Fetching
 * matches from the GIN index costs one heap row each; walking the newest
 * rows costs one a row walked, about window x rows / count of them: the
 * GIN index when count is below sqrt(window x rows), else a walk as far as
 * 1.5 times that (the GIN index giving what it missed). */
static enum dl_err
window(struct store *st, struct plan *pl, const struct dl_search *q, const char *tsq,
    const char *rqs, int64_t top, int64_t count, struct cand **out, size_t *n)
{
	struct cand *more = NULL, *v;
	int64_t span, bound;
	size_t nmore = 0;
	enum dl_err e;

	if (count <= SEARCH_RANK_WINDOW || (double)count * (double)count <=
	    (double)SEARCH_RANK_WINDOW * (double)(pl->nrow > count ? pl->nrow : count))
		return fetch_scored(st, pl, q, tsq, rqs, 1, top, SEARCH_RANK_WINDOW, out, n);
	span = (int64_t)ceil(1.5 * SEARCH_RANK_WINDOW * (double)(pl->nrow > count ? pl->nrow : count) /
	    (double)count);
	bound = top > span ? top - span : 0;
	if ((e = fetch_scored(st, pl, q, tsq, rqs, 0, bound, SEARCH_RANK_WINDOW, out, n)) != DL_OK ||
	    *n >= SEARCH_RANK_WINDOW || bound == 0)
		return e;
	if ((e = fetch_scored(st, pl, q, tsq, rqs, 1, bound, SEARCH_RANK_WINDOW - (int64_t)*n, &more,
	    &nmore)) != DL_OK || nmore == 0)
		goto out;
	if ((v = realloc(*out, (*n + nmore) * sizeof *v)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	memcpy(v + *n, more, nmore * sizeof *v);
	*out = v;
	*n += nmore;
out:
	free(more);
	return e;
}

/* Older matches (below `cut`) by date, from `offset`, appended to ids
 * until `limit`. */
static enum dl_err
older_by_date(struct store *st, const struct plan *pl, const struct dl_search *q, const char *tsq,
    int64_t cut, size_t offset, size_t limit, int64_t *ids, size_t *n)
{
	char b1[24], b2[24], b3[24], fb[2][24];
	const char *p[4 + NFILTERS] = { tsq, pg_i64(b1, cut), pg_i64(b2, (int64_t)(limit - *n)),
	    pg_i64(b3, (int64_t)offset) };
	int np = params(pl, q, p, 4, fb), i;
	enum dl_err e = DL_ERR_DB;
	PGresult *r;

	if ((r = pg_exec(st, has_filters(pl, q) ? date_sql_f : date_sql, np, p, &e)) == NULL)
		return exec_fail(e);
	for (i = 0; i < PQntuples(r) && *n < limit; i++)
		ids[(*n)++] = pg_int(r, i, 0);
	PQclear(r);
	return DL_OK;
}

/* The published articles `ids` (no body_html; body_text cut at 65,536
 * characters), in that order, into out. */
static enum dl_err
load_articles(struct store *st, struct arena *ar, const int64_t *ids, size_t n,
    struct dl_article_list *out)
{
	static const char sql[] = "SELECT " PG_ARTICLE_COLS ", '', substr(a.body_text, 1, 65536) "
	    "FROM articles a WHERE a.id = ANY($1::bigint[]) AND a.status = 0";
	struct buf lit = BUF_INIT(4096);
	enum dl_err e = DL_OK;
	PGresult *r = NULL;
	const char *p[1];
	size_t i;
	int row, rows;

	if ((out->items = arena_alloc(ar, (n ? n : 1) * sizeof *out->items)) == NULL)
		return DL_ERR_NOMEM;
	if (n == 0)
		return DL_OK;
	if ((e = buf_putc(&lit, '{')) != DL_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((e = buf_printf(&lit, "%s%lld", i ? "," : "", (long long)ids[i])) != DL_OK)
			goto out;
	if ((e = buf_putc(&lit, '}')) != DL_OK)
		goto out;
	p[0] = lit.data;
	if ((r = pg_exec(st, sql, 1, p, &e)) == NULL) {
		e = exec_fail(e);
		goto out;
	}
	rows = PQntuples(r);
	for (i = 0; i < n; i++) {
		for (row = 0; row < rows && pg_int(r, row, 0) != ids[i]; row++)
			;
		if (row == rows)
			continue;   /* gone, or no longer published */
		if ((e = pg_row_article(ar, r, row, 1, &out->items[out->n])) != DL_OK ||
		    (e = pg_load_terms(st, ar, &out->items[out->n])) != DL_OK)
			goto out;
		out->n++;
	}
out:
	PQclear(r);
	buf_free(&lit);
	return e;
}

enum dl_err
pg_search(struct store *st, struct arena *ar, const struct dl_search *q, size_t offset,
    size_t limit, struct dl_article_list *out, int *exact)
{
	struct buf tsq = BUF_INIT(SEARCH_EXPR_MAX * 4), rqs = BUF_INIT(SEARCH_EXPR_MAX * 4);
	struct cand *win = NULL, *old = NULL;
	struct tok *t = NULL;
	struct plan pl;
	int64_t ids[SEARCH_LIMIT_MAX], cut = 0, count = 0, top = 0;
	size_t n = 0, nwin = 0, nold = 0, i;
	enum dl_err e;
	int ok, dummy;

	memset(out, 0, sizeof *out);
	if (exact == NULL)
		exact = &dummy;
	*exact = 1;
	if (limit > SEARCH_LIMIT_MAX)
		limit = SEARCH_LIMIT_MAX;
	if ((e = plan_init(&pl, st, ar)) != DL_OK)
		return e;
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	if ((e = match_expr(&pl, t, q->lang, q, &tsq, &ok)) != DL_OK)
		goto out;
	if (!ok) {
		e = DL_ERR_INVALID;
		goto out;
	}
	if ((e = plan_scored(&pl, q, &rqs)) != DL_OK)
		goto out;
	/* Every match counted (up to DL_SEARCH_COUNT_MAX), the newest
	 * SEARCH_RANK_WINDOW scored. The order is then: the window's matches
	 * ranked, then the older ones ranked (deep pages only). */
	if ((e = count_matches(st, &pl, q, tsq.data, DL_SEARCH_COUNT_MAX, &count, exact, &top)) != DL_OK)
		goto out;
	out->total = count;
	if (count > 0 && (e = window(st, &pl, q, tsq.data, rqs.data, top, count, &win, &nwin)) != DL_OK)
		goto out;
	if (nwin == SEARCH_RANK_WINDOW)
		for (cut = win[0].id, i = 1; i < nwin; i++)
			if (win[i].id < cut)
				cut = win[i].id;
	if (out->total == 0 || offset >= (size_t)out->total || limit == 0)
		goto load;
	if (offset < nwin) {
		qsort(win, nwin, sizeof *win, q->by_date ? cmp_date : cmp_scored);
		for (i = offset; i < nwin && n < limit; i++)
			ids[n++] = win[i].id;
	}
	if (cut && n < limit) {
		size_t off2 = offset > nwin ? offset - nwin : 0;

		if (q->by_date) {
			if ((e = older_by_date(st, &pl, q, tsq.data, cut, off2, limit, ids, &n)) != DL_OK)
				goto out;
		} else {
			if ((e = fetch_scored(st, &pl, q, tsq.data, rqs.data, 1, cut - 1, 0, &old, &nold)) != DL_OK)
				goto out;
			qsort(old, nold, sizeof *old, cmp_scored_old);
			for (i = off2; i < nold && n < limit; i++)
				ids[n++] = old[i].id;
		}
	}
load:
	e = load_articles(st, ar, ids, n, out);
out:
	free(win);
	free(old);
	tok_free(t);
	buf_free(&tsq);
	buf_free(&rqs);
	return e;
}

enum dl_err
pg_search_langs(struct store *st, struct arena *ar, const struct dl_search *q,
    struct dl_search_lang **out, size_t *n)
{
	struct buf tsq = BUF_INIT(SEARCH_EXPR_MAX * 4);
	struct tok *t = NULL;
	struct plan pl;
	const char **langs;
	size_t nl, i;
	int64_t count;
	enum dl_err e;
	int ok, exact;

	*out = NULL;
	*n = 0;
	if ((e = plan_init(&pl, st, ar)) != DL_OK)
		return e;
	langs = pl.ilangs;
	nl = pl.nil;
	if ((*out = arena_alloc(ar, (nl ? nl : 1) * sizeof **out)) == NULL)
		return DL_ERR_NOMEM;
	if ((t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < nl; i++) {
		if ((e = match_expr(&pl, t, langs[i], q, &tsq, &ok)) != DL_OK)
			goto out;
		if (!ok)
			continue;
		if ((e = count_matches(st, &pl, q, tsq.data, DL_SEARCH_COUNT_MAX, &count, &exact, NULL)) != DL_OK)
			goto out;
		if (count == 0)
			continue;
		(*out)[*n].lang = langs[i];
		(*out)[*n].count = count;
		(*n)++;
	}
out:
	tok_free(t);
	buf_free(&tsq);
	return e;
}
