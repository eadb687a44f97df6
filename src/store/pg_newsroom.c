/* pg_newsroom.c - the newsroom's tables on PostgreSQL: accounts, sessions,
 * password links, failed logins, drafts (owner, Markdown, schedule),
 * revisions, the audit log, corrections and the terms editor. The same
 * statements as sqlite_newsroom.c, with $n parameters. */
#include <string.h>
#include "base/log.h"
#include "content/slug.h"
#include "store/pg_int.h"

/* A write: like SQLite's run(), every constraint violation (a taken key,
 * a missing user or article) is DL_ERR_EXISTS. */
static enum dl_err
run(struct store *st, const char *sql, int n, const char *const *p)
{
	enum dl_err e = pg_cmd(st, sql, n, p, NULL);

	return e == DL_ERR_INVALID ? DL_ERR_EXISTS : e;
}

/* A write that may break a constraint, in its own transaction or, inside
 * store_begin(), its own savepoint: as on SQLite, the failure leaves the
 * caller's transaction usable. */
static enum dl_err
guarded(struct store *st, const char *sql, int n, const char *const *p)
{
	enum dl_err e, e2;
	int started = 0;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	e = run(st, sql, n, p);
	e2 = pg_tx_end(st, started, e == DL_OK);
	return e != DL_OK ? e : e2;
}

/* Reads row `row` of r into out (a struct of the caller's type). */
typedef enum dl_err (*row_fn)(struct arena *ar, const PGresult *r, int row, void *out);

/* Runs a query that gives at most one row and reads it with fill:
 * DL_ERR_NOTFOUND without a row. */
static enum dl_err
one_row(struct store *st, struct arena *ar, const char *sql, int n, const char *const *p,
    row_fn fill, void *out)
{
	enum dl_err e = DL_ERR_DB;
	PGresult *r;

	if ((r = pg_exec(st, sql, n, p, &e)) == NULL)
		return e == DL_ERR_INVALID ? DL_ERR_EXISTS : e == DL_OK ? DL_ERR_DB : e;
	e = PQntuples(r) > 0 ? fill(ar, r, 0, out) : DL_ERR_NOTFOUND;
	PQclear(r);
	return e;
}

/* Runs a query of many rows into an array from the arena of up to `cap`
 * items of `size` bytes, each read by fill; *n of them. */
static enum dl_err
all_rows(struct store *st, struct arena *ar, const char *sql, int np, const char *const *p,
    row_fn fill, size_t size, size_t cap, void **items, size_t *n)
{
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	size_t rows;
	char *v;

	*n = 0;
	if ((v = arena_alloc(ar, (cap ? cap : 1) * size)) == NULL)
		return DL_ERR_NOMEM;
	*items = v;
	if ((r = pg_exec(st, sql, np, p, &e)) == NULL)
		return e == DL_OK ? DL_ERR_DB : e;
	rows = (size_t)PQntuples(r);
	e = DL_OK;
	while (e == DL_OK && *n < cap && *n < rows)
		if ((e = fill(ar, r, (int)*n, v + *n * size)) == DL_OK)
			(*n)++;
	PQclear(r);
	return e;
}

/* one_row() for a query with one integer parameter (an id). */
static enum dl_err
row_by_id(struct store *st, struct arena *ar, const char *sql, int64_t id, row_fn fill, void *out)
{
	char b[24];
	const char *p[] = { pg_i64(b, id) };

	return one_row(st, ar, sql, 1, p, fill, out);
}

static enum dl_err
fill_id(struct arena *ar, const PGresult *r, int row, void *out)
{
	*(int64_t *)out = pg_int(r, row, 0);
	return DL_OK;
}

static enum dl_err
fill_text(struct arena *ar, const PGresult *r, int row, void *out)
{
	return (*(const char **)out = pg_str(ar, r, row, 0)) ? DL_OK : DL_ERR_NOMEM;
}

/* ---- accounts ---- */

enum dl_err
pg_user_add(struct store *st, const char *email, const char *name, int role, int64_t now,
    int64_t *id)
{
	/* A taken address inserts no row, so it spends no id (ids follow
	 * each other as SQLite's do); a race still ends on the UNIQUE key. */
	static const char sql[] = "INSERT INTO users (email, name, role, created) "
	    "SELECT $1::text, $2::text, $3::bigint, $4::bigint "
	    "WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = $1::text) RETURNING id";
	char b1[24], b2[24];
	const char *p[] = { email, name ? name : "", pg_i64(b1, role), pg_i64(b2, now) };
	int64_t v = 0;
	enum dl_err e, e2;
	int started = 0;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	e = one_row(st, NULL, sql, 4, p, fill_id, &v);
	if (e == DL_ERR_NOTFOUND)
		e = DL_ERR_EXISTS;
	e2 = pg_tx_end(st, started, e == DL_OK);
	if (e == DL_OK)
		e = e2;
	if (e == DL_OK && id)
		*id = v;
	return e;
}

static enum dl_err
fill_user(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct dl_account *out = o;

	out->id = pg_int(r, row, 0);
	out->email = pg_str(ar, r, row, 1);
	out->name = pg_str(ar, r, row, 2);
	out->role = (int)pg_int(r, row, 3);
	out->pwhash = pg_str(ar, r, row, 4);
	return out->email && out->name && out->pwhash ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_user_get(struct store *st, struct arena *ar, const char *email, struct dl_account *out)
{
	static const char sql[] = "SELECT id, email, name, role, pwhash FROM users WHERE email = $1";
	const char *p[] = { email };

	return one_row(st, ar, sql, 1, p, fill_user, out);
}

enum dl_err
pg_user_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_account *out)
{
	return row_by_id(st, ar, "SELECT id, email, name, role, pwhash FROM users WHERE id = $1", id,
	    fill_user, out);
}

enum dl_err
pg_user_set_password(struct store *st, int64_t id, const char *pwhash)
{
	char b[24];
	const char *p[] = { pwhash, pg_i64(b, id) };

	return run(st, "UPDATE users SET pwhash = $1 WHERE id = $2", 2, p);
}

/* ---- sessions ---- */

enum dl_err
pg_session_put(struct store *st, const char *id_hash, int64_t user_id, const char *csrf,
    int64_t now)
{
	static const char sql[] = "INSERT INTO sessions (id_hash, user_id, csrf, created, last_seen) "
	    "VALUES ($1, $2, $3, $4, $4)";
	char b1[24], b2[24];
	const char *p[] = { id_hash, pg_i64(b1, user_id), csrf, pg_i64(b2, now) };

	return guarded(st, sql, 4, p);
}

/* A row of (integer, text, integer): a session's user, CSRF token and last
 * use; a draft's owner, Markdown and publish time. */
struct row_iti {
	int64_t a, c;
	const char *b;
};

static enum dl_err
fill_iti(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct row_iti *x = o;

	x->a = pg_int(r, row, 0);
	x->b = pg_str(ar, r, row, 1);
	x->c = pg_int(r, row, 2);
	return x->b ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_session_get(struct store *st, struct arena *ar, const char *id_hash, int64_t idle_cutoff,
    int64_t *user_id, const char **csrf, int64_t *last_seen)
{
	static const char sql[] = "SELECT user_id, csrf, last_seen FROM sessions WHERE id_hash = $1";
	const char *p[] = { id_hash };
	struct row_iti r = { 0, 0, NULL };
	enum dl_err e;

	if ((e = one_row(st, ar, sql, 1, p, fill_iti, &r)) != DL_OK)
		return e;
	*user_id = r.a;
	*csrf = r.b;
	*last_seen = r.c;
	if (r.c >= idle_cutoff)
		return DL_OK;
	if (pg_session_delete(st, id_hash) != DL_OK)
		log_warn("store: could not delete an expired session");
	return DL_ERR_NOTFOUND;
}

enum dl_err
pg_session_touch(struct store *st, const char *id_hash, int64_t now)
{
	char b[24];
	const char *p[] = { pg_i64(b, now), id_hash };

	return run(st, "UPDATE sessions SET last_seen = $1 WHERE id_hash = $2", 2, p);
}

enum dl_err
pg_session_delete(struct store *st, const char *id_hash)
{
	const char *p[] = { id_hash };

	return run(st, "DELETE FROM sessions WHERE id_hash = $1", 1, p);
}

enum dl_err
pg_sessions_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	char b[24];
	const char *p[] = { pg_i64(b, user_id), keep_hash ? keep_hash : "" };

	return run(st, "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", 2, p);
}

/* ---- password links ---- */

enum dl_err
pg_pwtoken_put(struct store *st, const char *token_hash, int64_t user_id, int64_t expires)
{
	static const char sql[] = "INSERT INTO password_tokens (token_hash, user_id, expires) "
	    "VALUES ($1, $2, $3)";
	char b1[24], b2[24];
	const char *p[] = { token_hash, pg_i64(b1, user_id), pg_i64(b2, expires) };

	return guarded(st, sql, 3, p);
}

enum dl_err
pg_pwtoken_use(struct store *st, const char *token_hash, int64_t now, int64_t *user_id)
{
	/* One UPDATE decides: under READ COMMITTED a second node's UPDATE waits
	 * for the first to commit, then re-checks used = 0 and finds no row. */
	static const char sql[] = "UPDATE password_tokens SET used = 1 "
	    "WHERE token_hash = $1 AND used = 0 AND expires > $2 RETURNING user_id";
	char b[24];
	const char *p[] = { token_hash, pg_i64(b, now) };

	return one_row(st, NULL, sql, 2, p, fill_id, user_id);
}

int
pg_pwtoken_valid(struct store *st, const char *token_hash, int64_t now)
{
	static const char sql[] = "SELECT 1 FROM password_tokens "
	    "WHERE token_hash = $1 AND used = 0 AND expires > $2";
	char b[24];
	const char *p[] = { token_hash, pg_i64(b, now) };
	PGresult *r;
	int ok;

	if ((r = pg_exec(st, sql, 2, p, NULL)) == NULL)
		return 0;
	ok = PQntuples(r) > 0;
	PQclear(r);
	return ok;
}

/* ---- failed logins ---- */

enum dl_err
pg_login_failure_add(struct store *st, const char *account, int64_t now)
{
	char b[24];
	const char *p[] = { account, pg_i64(b, now) };

	return run(st, "INSERT INTO login_failures (account, at) VALUES ($1, $2)", 2, p);
}

int64_t
pg_login_failures(struct store *st, const char *account, int64_t since, int64_t *oldest)
{
	static const char sql[] = "SELECT count(*), coalesce(min(at), 0) FROM login_failures "
	    "WHERE account = $1 AND at >= $2";
	char b[24];
	const char *p[] = { account, pg_i64(b, since) };
	PGresult *r;
	int64_t n = 0;

	*oldest = 0;
	if ((r = pg_exec(st, sql, 2, p, NULL)) == NULL)
		return 0;
	if (PQntuples(r) > 0) {
		n = pg_int(r, 0, 0);
		*oldest = pg_int(r, 0, 1);
	}
	PQclear(r);
	return n;
}

enum dl_err
pg_login_failures_clear(struct store *st, const char *account)
{
	const char *p[] = { account };

	return run(st, "DELETE FROM login_failures WHERE account = $1", 1, p);
}

/* ---- drafts ---- */

int64_t
pg_article_id(struct store *st, const char *uri)
{
	const char *p[] = { uri };
	int64_t id = 0;

	if (one_row(st, NULL, "SELECT id FROM articles WHERE uri = $1", 1, p, fill_id, &id) != DL_OK)
		return 0;
	return id;
}

enum dl_err
pg_article_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_article *out)
{
	const char *uri = NULL;
	enum dl_err e;

	if ((e = row_by_id(st, ar, "SELECT uri FROM articles WHERE id = $1", id, fill_text,
	    &uri)) != DL_OK)
		return e;
	return store_article_get_uri(st, ar, uri, out);
}

enum dl_err
pg_draft_get(struct store *st, struct arena *ar, int64_t article, struct dl_draft *out)
{
	struct row_iti r = { 0, 0, NULL };
	enum dl_err e;

	e = row_by_id(st, ar, "SELECT owner, markdown, publish_at FROM newsroom_articles "
	    "WHERE article = $1", article, fill_iti, &r);
	if (e == DL_OK) {
		out->owner = r.a;
		out->markdown = r.b;
		out->publish_at = r.c;
	}
	return e;
}

enum dl_err
pg_draft_put(struct store *st, int64_t article, const struct dl_draft *d)
{
	static const char sql[] = "INSERT INTO newsroom_articles (article, owner, markdown, publish_at) "
	    "VALUES ($1, $2, $3, $4) ON CONFLICT (article) DO UPDATE SET owner = excluded.owner, "
	    "markdown = excluded.markdown, publish_at = excluded.publish_at";
	char b1[24], b2[24], b3[24];
	const char *p[] = { pg_i64(b1, article), pg_i64(b2, d->owner),
	    d->markdown ? d->markdown : "", pg_i64(b3, d->publish_at) };

	return guarded(st, sql, 4, p);
}

enum dl_err
pg_newsroom_list(struct store *st, struct arena *ar, int status, int64_t owner,
    const char *lang, size_t offset, size_t limit, struct dl_article_list *out)
{
	static const char count_sql[] = "SELECT count(*) FROM articles a "
	    "LEFT JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE ($1::bigint < 0 OR a.status = $1::bigint) AND ($2::bigint = 0 OR n.owner = $2::bigint) "
	    "AND ($3::text = '' OR a.lang = $3::text)";
	static const char list_sql[] = "SELECT a.id, a.uri, a.lang, a.slug, a.headline, a.byline, a.status, "
	    "a.first_created, a.version_created, coalesce(n.publish_at, 0) FROM articles a "
	    "LEFT JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE ($1::bigint < 0 OR a.status = $1::bigint) AND ($2::bigint = 0 OR n.owner = $2::bigint) "
	    "AND ($3::text = '' OR a.lang = $3::text) "
	    "ORDER BY a.version_created DESC, a.id DESC LIMIT $4 OFFSET $5";
	char b1[24], b2[24], b4[24], b5[24];
	const char *p[] = { pg_i64(b1, status), pg_i64(b2, owner), lang ? lang : "",
	    pg_i64(b4, 0), pg_i64(b5, (int64_t)offset) };
	struct dl_article *a;
	enum dl_err e = DL_ERR_DB;
	PGresult *r;
	int i, rows;

	memset(out, 0, sizeof *out);
	if (limit > 1000)
		limit = 1000;
	pg_i64(b4, (int64_t)limit);
	if ((r = pg_exec(st, count_sql, 3, p, NULL)) != NULL) {
		if (PQntuples(r) > 0)
			out->total = pg_int(r, 0, 0);
		PQclear(r);
	}
	if ((out->items = arena_alloc(ar, (limit ? limit : 1) * sizeof *out->items)) == NULL)
		return DL_ERR_NOMEM;
	if ((r = pg_exec(st, list_sql, 5, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	e = DL_OK;
	for (i = 0; i < rows && out->n < limit; i++) {
		a = &out->items[out->n];
		memset(a, 0, sizeof *a);
		a->id = pg_int(r, i, 0);
		a->uri = pg_str(ar, r, i, 1);
		a->lang = pg_str(ar, r, i, 2);
		a->slug = pg_str(ar, r, i, 3);
		a->headline = pg_str(ar, r, i, 4);
		a->byline = pg_str(ar, r, i, 5);
		a->status = (enum dl_status)pg_int(r, i, 6);
		a->first_created = pg_int(r, i, 7);
		a->version_created = pg_int(r, i, 8);
		/* The scheduled time travels in first_created for scheduled items. */
		if (a->status == DL_SCHEDULED && pg_int(r, i, 9) > 0)
			a->first_created = pg_int(r, i, 9);
		a->standfirst = a->located = a->copyright = a->body_html = a->body_text = "";
		a->translation_of = "";
		a->author.name = a->author.slug = "";
		if (!a->uri || !a->lang || !a->slug || !a->headline || !a->byline) {
			e = DL_ERR_NOMEM;
			break;
		}
		out->n++;
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_due_articles(struct store *st, struct arena *ar, int64_t now, size_t max, int64_t **ids,
    size_t *n)
{
	static const char sql[] = "SELECT a.id FROM articles a JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE a.status = 3 AND n.publish_at > 0 AND n.publish_at <= $1 "
	    "ORDER BY n.publish_at, a.id LIMIT $2";
	char b1[24], b2[24];
	const char *p[] = { pg_i64(b1, now), pg_i64(b2, (int64_t)max) };
	PGresult *r;
	int i, rows;

	*n = 0;
	if ((*ids = arena_alloc(ar, (max ? max : 1) * sizeof **ids)) == NULL)
		return DL_ERR_NOMEM;
	if ((r = pg_exec(st, sql, 2, p, NULL)) == NULL)
		return DL_ERR_DB;
	rows = PQntuples(r);
	for (i = 0; i < rows && *n < max; i++)
		(*ids)[(*n)++] = pg_int(r, i, 0);
	PQclear(r);
	return DL_OK;
}

/* ---- revisions ---- */

enum dl_err
pg_revision_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *fields)
{
	static const char sql[] = "INSERT INTO revisions (article, user_id, at, fields) "
	    "VALUES ($1, $2, $3, $4)";
	char b1[24], b2[24], b3[24];
	const char *p[] = { pg_i64(b1, article), pg_i64(b2, user_id), pg_i64(b3, at), fields };

	return guarded(st, sql, 4, p);
}

static enum dl_err
fill_revision(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct dl_revision *x = o;

	x->id = pg_int(r, row, 0);
	x->article = pg_int(r, row, 1);
	x->user_id = pg_int(r, row, 2);
	x->at = pg_int(r, row, 3);
	x->email = pg_str(ar, r, row, 4);
	x->fields = pg_str(ar, r, row, 5);
	return x->email && x->fields ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_revisions(struct store *st, struct arena *ar, int64_t article, size_t limit,
    struct dl_revision **out, size_t *n)
{
	static const char sql[] = "SELECT r.id, r.article, r.user_id, r.at, coalesce(u.email, ''), r.fields "
	    "FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE r.article = $1 "
	    "ORDER BY r.id DESC LIMIT $2";
	char b1[24], b2[24];
	const char *p[] = { pg_i64(b1, article), pg_i64(b2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit) };

	return all_rows(st, ar, sql, 2, p, fill_revision, sizeof **out, limit, (void **)out, n);
}

enum dl_err
pg_revision_get(struct store *st, struct arena *ar, int64_t id, struct dl_revision *out)
{
	static const char sql[] = "SELECT r.id, r.article, r.user_id, r.at, coalesce(u.email, ''), r.fields "
	    "FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE r.id = $1";

	return row_by_id(st, ar, sql, id, fill_revision, out);
}

/* ---- audit ---- */

enum dl_err
pg_audit_add(struct store *st, int64_t user_id, const char *action, const char *target,
    int64_t now)
{
	static const char sql[] = "INSERT INTO audit (at, user_id, action, target) VALUES ($1, $2, $3, $4)";
	char b1[24], b2[24];
	const char *p[] = { pg_i64(b1, now), pg_i64(b2, user_id), action, target ? target : "" };

	return run(st, sql, 4, p);
}

static enum dl_err
fill_audit(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct dl_audit *x = o;

	x->at = pg_int(r, row, 0);
	x->email = pg_str(ar, r, row, 1);
	x->action = pg_str(ar, r, row, 2);
	x->target = pg_str(ar, r, row, 3);
	return x->email && x->action && x->target ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_audit_list(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_audit **out, size_t *n)
{
	static const char sql[] = "SELECT a.at, coalesce(u.email, ''), a.action, a.target FROM audit a "
	    "LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT $1 OFFSET $2";
	char b1[24], b2[24];
	const char *p[2];

	if (limit > 1000)
		limit = 1000;
	p[0] = pg_i64(b1, (int64_t)limit);
	p[1] = pg_i64(b2, (int64_t)offset);
	return all_rows(st, ar, sql, 2, p, fill_audit, sizeof **out, limit, (void **)out, n);
}

/* ---- corrections ---- */

enum dl_err
pg_correction_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *note)
{
	static const char sql[] = "INSERT INTO corrections (article, at, user_id, note) "
	    "VALUES ($1, $2, $3, $4)";
	char b1[24], b2[24], b3[24];
	const char *p[] = { pg_i64(b1, article), pg_i64(b2, at), pg_i64(b3, user_id), note };
	enum dl_err e, e2;
	int started = 0;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	if ((e = run(st, sql, 4, p)) == DL_OK)
		e = pg_bump_generation(st);
	e2 = pg_tx_end(st, started, e == DL_OK);
	return e != DL_OK ? e : e2;
}

static enum dl_err
fill_correction(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct dl_correction *c = o;

	c->at = pg_int(r, row, 0);
	return (c->note = pg_str(ar, r, row, 1)) ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_corrections(struct store *st, struct arena *ar, int64_t article, struct dl_correction **out,
    size_t *n)
{
	static const char sql[] = "SELECT at, note FROM corrections WHERE article = $1 "
	    "ORDER BY at, id LIMIT 100";
	char b[24];
	const char *p[] = { pg_i64(b, article) };

	return all_rows(st, ar, sql, 1, p, fill_correction, sizeof **out, 100, (void **)out, n);
}

enum dl_err
pg_article_get_any(struct store *st, struct arena *ar, const char *lang, const char *slug,
    struct dl_article *out)
{
	const char *p[] = { lang, slug };
	int64_t id = 0;
	enum dl_err e;

	if ((e = one_row(st, ar, "SELECT id FROM articles WHERE lang = $1 AND slug = $2", 2, p,
	    fill_id, &id)) != DL_OK)
		return e;
	return store_article_get_id(st, ar, id, out);
}

/* ---- places, tags, authors ---- */

/* id, kind, lang, name, slug, count */
static enum dl_err
fill_term(struct arena *ar, const PGresult *r, int row, void *o)
{
	struct dl_term_row *x = o;

	x->id = pg_int(r, row, 0);
	x->kind = (int)pg_int(r, row, 1);
	x->lang = pg_str(ar, r, row, 2);
	x->name = pg_str(ar, r, row, 3);
	x->slug = pg_str(ar, r, row, 4);
	x->count = pg_int(r, row, 5);
	return x->lang && x->name && x->slug ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
pg_terms_list(struct store *st, struct arena *ar, int kind, const char *lang,
    struct dl_term_row **out, size_t *n)
{
	/* COLLATE "C": byte order, as SQLite's BINARY. */
	static const char sql[] = "SELECT t.id, t.kind, t.lang, t.name, t.slug, "
	    "(SELECT count(*) FROM article_terms at WHERE at.term = t.id) "
	    "FROM terms t WHERE t.kind = $1 AND t.lang = $2 ORDER BY t.name COLLATE \"C\", t.id LIMIT 2000";
	char b[24];
	const char *p[] = { pg_i64(b, kind), lang };

	return all_rows(st, ar, sql, 2, p, fill_term, sizeof **out, 2000, (void **)out, n);
}

static enum dl_err
term_row(struct store *st, struct arena *ar, int64_t id, struct dl_term_row *r)
{
	return row_by_id(st, ar, "SELECT id, kind, lang, name, slug, 0 FROM terms WHERE id = $1", id,
	    fill_term, r);
}

/* The id of the term; 0 when none, -1 on error. */
static int64_t
term_by_slug(struct store *st, int kind, const char *lang, const char *slug)
{
	static const char sql[] = "SELECT id FROM terms WHERE kind = $1 AND lang = $2 AND slug = $3";
	char b[24];
	const char *p[] = { pg_i64(b, kind), lang, slug };
	int64_t id = 0;
	enum dl_err e;

	if ((e = one_row(st, NULL, sql, 3, p, fill_id, &id)) == DL_ERR_NOTFOUND)
		return 0;
	return e == DL_OK ? id : -1;
}

static enum dl_err
put_alias(struct store *st, int kind, const char *lang, const char *slug, int64_t term)
{
	static const char sql[] = "INSERT INTO term_aliases (kind, lang, slug, term) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (kind, lang, slug) DO UPDATE SET term = excluded.term";
	char b1[24], b2[24];
	const char *p[] = { pg_i64(b1, kind), lang, slug, pg_i64(b2, term) };

	return run(st, sql, 4, p);
}

enum dl_err
pg_term_create(struct store *st, int kind, const char *lang, const char *name, int64_t *id)
{
	static const char sql[] = "INSERT INTO terms (kind, lang, name, slug) VALUES ($1, $2, $3, $4) "
	    "RETURNING id";
	struct arena *ar = arena_new(64u << 10);
	char b[24];
	const char *slug, *p[4];
	int64_t v = 0;
	enum dl_err e, e2;
	int started = 0;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	e = DL_ERR_NOMEM;
	if ((slug = slug_make(ar, name)) == NULL)
		goto out;
	e = DL_ERR_INVALID;
	if (slug[0] == '\0')
		goto out;
	e = DL_ERR_EXISTS;
	if (term_by_slug(st, kind, lang, slug) != 0)
		goto out;
	p[0] = pg_i64(b, kind);
	p[1] = lang;
	p[2] = name;
	p[3] = slug;
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		goto out;
	e = one_row(st, NULL, sql, 4, p, fill_id, &v);
	e2 = pg_tx_end(st, started, e == DL_OK);
	if (e == DL_OK)
		e = e2;
	if (e == DL_OK && id)
		*id = v;
out:
	arena_free(ar);
	return e;
}

enum dl_err
pg_term_rename(struct store *st, int64_t id, const char *name)
{
	static const char sql[] = "UPDATE terms SET name = $1, slug = $2 WHERE id = $3";
	struct arena *ar = arena_new(64u << 10);
	struct dl_term_row r;
	char b[24];
	const char *slug, *p[3];
	int64_t other;
	enum dl_err e, e2;
	int started = 0;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = term_row(st, ar, id, &r)) != DL_OK)
		goto out;
	e = DL_ERR_NOMEM;
	if ((slug = slug_make(ar, name)) == NULL)
		goto out;
	e = DL_ERR_INVALID;
	if (slug[0] == '\0')
		goto out;
	e = DL_ERR_EXISTS;
	if ((other = term_by_slug(st, r.kind, r.lang, slug)) != 0 && other != id)
		goto out;
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		goto out;
	p[0] = name;
	p[1] = slug;
	p[2] = pg_i64(b, id);
	if ((e = run(st, sql, 3, p)) == DL_OK &&
	    (strcmp(slug, r.slug) == 0 || (e = put_alias(st, r.kind, r.lang, r.slug, id)) == DL_OK) &&
	    /* Search finds the articles under the new name, in the same transaction. */
	    (e = pg_search_reindex_term(st, id)) == DL_OK)
		e = pg_bump_generation(st);
	e2 = pg_tx_end(st, started, e == DL_OK);
	if (e == DL_OK)
		e = e2;
out:
	arena_free(ar);
	return e;
}

enum dl_err
pg_term_merge(struct store *st, int64_t from, int64_t into)
{
	/* Articles that had both keep `into` only. */
	static const char move_sql[] = "UPDATE article_terms SET term = $2 WHERE term = $1 AND article NOT IN "
	    "(SELECT article FROM article_terms WHERE term = $2)";
	static const char drop_sql[] = "DELETE FROM article_terms WHERE term = $1";
	static const char alias_sql[] = "UPDATE term_aliases SET term = $2 WHERE term = $1";
	static const char del_sql[] = "DELETE FROM terms WHERE id = $1";
	struct arena *ar = arena_new(64u << 10);
	struct dl_term_row a, b;
	char b1[24], b2[24];
	const char *p[] = { pg_i64(b1, from), pg_i64(b2, into) };
	enum dl_err e, e2;
	int started = 0;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = term_row(st, ar, from, &a)) != DL_OK || (e = term_row(st, ar, into, &b)) != DL_OK)
		goto out;
	e = DL_ERR_INVALID;
	if (from == into || a.kind != b.kind || strcmp(a.lang, b.lang) != 0)
		goto out;
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		goto out;
	if ((e = run(st, move_sql, 2, p)) == DL_OK &&
	    (e = run(st, drop_sql, 1, p)) == DL_OK &&
	    (e = run(st, alias_sql, 2, p)) == DL_OK &&
	    (e = put_alias(st, a.kind, a.lang, a.slug, into)) == DL_OK &&
	    (e = run(st, del_sql, 1, p)) == DL_OK &&
	    (e = pg_search_reindex_term(st, into)) == DL_OK)
		e = pg_bump_generation(st);
	e2 = pg_tx_end(st, started, e == DL_OK);
	if (e == DL_OK)
		e = e2;
out:
	arena_free(ar);
	return e;
}

enum dl_err
pg_term_alias(struct store *st, struct arena *ar, int kind, const char *lang, const char *slug,
    const char **current)
{
	static const char sql[] = "SELECT t.slug FROM term_aliases a JOIN terms t ON t.id = a.term "
	    "WHERE a.kind = $1 AND a.lang = $2 AND a.slug = $3";
	char b[24];
	const char *p[] = { pg_i64(b, kind), lang, slug };

	return one_row(st, ar, sql, 3, p, fill_text, current);
}

enum dl_err
pg_newsroom_prune(struct store *st, int64_t now, int64_t session_cutoff, int64_t failure_cutoff)
{
	char b1[24], b2[24], b3[24];
	const char *p1[] = { pg_i64(b1, session_cutoff) };
	const char *p2[] = { pg_i64(b2, failure_cutoff) };
	const char *p3[] = { pg_i64(b3, now) };
	enum dl_err e;

	if ((e = run(st, "DELETE FROM sessions WHERE last_seen < $1", 1, p1)) != DL_OK ||
	    (e = run(st, "DELETE FROM login_failures WHERE at < $1", 1, p2)) != DL_OK)
		return e;
	return run(st, "DELETE FROM password_tokens WHERE expires < $1", 1, p3);
}
