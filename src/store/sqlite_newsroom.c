/* sqlite_newsroom.c - the newsroom's tables on SQLite: accounts, sessions,
 * password links, failed logins, drafts (owner, Markdown, schedule),
 * revisions and the audit log. Plain parameterized SQL. */
#include <string.h>
#include "base/log.h"
#include "content/slug.h"
#include "store/sqlite_int.h"

static enum dl_err
dberr(struct store *st, const char *what)
{
	sqlite3 *db = sqlite_conn(st);
	int rc = db ? sqlite3_errcode(db) : SQLITE_ERROR;

	log_error("store: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
	return (rc & 0xff) == SQLITE_NOMEM ? DL_ERR_NOMEM : DL_ERR_DB;
}

/* Steps a write statement to completion. */
static enum dl_err
run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			return DL_ERR_EXISTS;
		return dberr(st, what);
	}
	return DL_OK;
}

/* Reads the current row of s into out (a struct of the caller's type). */
typedef enum dl_err (*row_fn)(struct arena *ar, sqlite3_stmt *s, void *out);

/* Steps a query that gives at most one row and reads it with fill:
 * DL_ERR_NOTFOUND without a row; resets the statement. */
static enum dl_err
one_row(struct store *st, struct arena *ar, sqlite3_stmt *s, const char *what, row_fn fill,
    void *out)
{
	enum dl_err e;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		e = fill(ar, s, out);
	else
		e = rc == SQLITE_DONE ? DL_ERR_NOTFOUND : dberr(st, what);
	sqlite3_reset(s);
	return e;
}

/* Steps a query of many rows into an array from the arena of up to `cap`
 * items of `size` bytes, each read by fill; *n of them. Resets. */
static enum dl_err
all_rows(struct arena *ar, sqlite3_stmt *s, row_fn fill, size_t size, size_t cap, void **items,
    size_t *n)
{
	enum dl_err e = DL_OK;
	char *v;

	*n = 0;
	if ((v = arena_alloc(ar, (cap ? cap : 1) * size)) == NULL) {
		sqlite3_reset(s);
		return DL_ERR_NOMEM;
	}
	*items = v;
	while (e == DL_OK && *n < cap && sqlite3_step(s) == SQLITE_ROW)
		if ((e = fill(ar, s, v + *n * size)) == DL_OK)
			(*n)++;
	sqlite3_reset(s);
	return e;
}

/* one_row() for a query with one integer parameter (an id). */
static enum dl_err
row_by_id(struct store *st, struct arena *ar, const char *sql, int64_t id, const char *what,
    row_fn fill, void *out)
{
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	return one_row(st, ar, s, what, fill, out);
}

static enum dl_err
fill_id(struct arena *ar, sqlite3_stmt *s, void *out)
{
	*(int64_t *)out = sqlite3_column_int64(s, 0);
	return DL_OK;
}

static enum dl_err
fill_text(struct arena *ar, sqlite3_stmt *s, void *out)
{
	return (*(const char **)out = sqlite_col_str(ar, s, 0)) ? DL_OK : DL_ERR_NOMEM;
}

/* ---- accounts ---- */

enum dl_err
sqlite_user_add(struct store *st, const char *email, const char *name, int role, int64_t now,
    int64_t *id)
{
	static const char sql[] = "INSERT INTO users (email, name, role, created) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, role);
	sqlite3_bind_int64(s, 4, now);
	if ((e = run(st, s, "add user")) != DL_OK)
		return e;
	if (id)
		*id = sqlite3_last_insert_rowid(sqlite_conn(st));
	return DL_OK;
}

static enum dl_err
fill_user(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct dl_account *out = o;

	out->id = sqlite3_column_int64(s, 0);
	out->email = sqlite_col_str(ar, s, 1);
	out->name = sqlite_col_str(ar, s, 2);
	out->role = sqlite3_column_int(s, 3);
	out->pwhash = sqlite_col_str(ar, s, 4);
	return out->email && out->name && out->pwhash ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_user_get(struct store *st, struct arena *ar, const char *email, struct dl_account *out)
{
	static const char sql[] = "SELECT id, email, name, role, pwhash FROM users WHERE email = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	return one_row(st, ar, s, "get user", fill_user, out);
}

enum dl_err
sqlite_user_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_account *out)
{
	return row_by_id(st, ar, "SELECT id, email, name, role, pwhash FROM users WHERE id = ?", id,
	    "get user", fill_user, out);
}

enum dl_err
sqlite_user_set_password(struct store *st, int64_t id, const char *pwhash)
{
	sqlite3_stmt *s = sqlite_stmt(st, "UPDATE users SET pwhash = ? WHERE id = ?");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	return run(st, s, "set password");
}

/* ---- sessions ---- */

enum dl_err
sqlite_session_put(struct store *st, const char *id_hash, int64_t user_id, const char *csrf,
    int64_t now)
{
	static const char sql[] = "INSERT INTO sessions (id_hash, user_id, csrf, created, last_seen) "
	    "VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now);
	return run(st, s, "add session");
}

/* A row of (integer, text, integer): a session's user, CSRF token and last
 * use; a draft's owner, Markdown and publish time. */
struct row_iti {
	int64_t a, c;
	const char *b;
};

static enum dl_err
fill_iti(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct row_iti *r = o;

	r->a = sqlite3_column_int64(s, 0);
	r->b = sqlite_col_str(ar, s, 1);
	r->c = sqlite3_column_int64(s, 2);
	return r->b ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_session_get(struct store *st, struct arena *ar, const char *id_hash, int64_t idle_cutoff,
    int64_t *user_id, const char **csrf, int64_t *last_seen)
{
	static const char sql[] = "SELECT user_id, csrf, last_seen FROM sessions WHERE id_hash = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	struct row_iti r;
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	if ((e = one_row(st, ar, s, "get session", fill_iti, &r)) != DL_OK)
		return e;
	*user_id = r.a;
	*csrf = r.b;
	*last_seen = r.c;
	if (r.c >= idle_cutoff)
		return DL_OK;
	if (store_session_delete(st, id_hash) != DL_OK)
		log_warn("store: could not delete an expired session");
	return DL_ERR_NOTFOUND;
}

enum dl_err
sqlite_session_touch(struct store *st, const char *id_hash, int64_t now)
{
	sqlite3_stmt *s = sqlite_stmt(st, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, id_hash, -1, SQLITE_STATIC);
	return run(st, s, "touch session");
}

enum dl_err
sqlite_session_delete(struct store *st, const char *id_hash)
{
	sqlite3_stmt *s = sqlite_stmt(st, "DELETE FROM sessions WHERE id_hash = ?");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	return run(st, s, "delete session");
}

enum dl_err
sqlite_sessions_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	sqlite3_stmt *s = sqlite_stmt(st, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, keep_hash ? keep_hash : "", -1, SQLITE_STATIC);
	return run(st, s, "delete sessions");
}

/* ---- password links ---- */

enum dl_err
sqlite_pwtoken_put(struct store *st, const char *token_hash, int64_t user_id, int64_t expires)
{
	static const char sql[] = "INSERT INTO password_tokens (token_hash, user_id, expires) VALUES (?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, expires);
	return run(st, s, "add password token");
}

enum dl_err
sqlite_pwtoken_use(struct store *st, const char *token_hash, int64_t now, int64_t *user_id)
{
	/* One UPDATE decides: two requests with the same token cannot both win. */
	static const char sql[] = "UPDATE password_tokens SET used = 1 "
	    "WHERE token_hash = ? AND used = 0 AND expires > ? RETURNING user_id";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return one_row(st, NULL, s, "use password token", fill_id, user_id);
}

int
sqlite_pwtoken_valid(struct store *st, const char *token_hash, int64_t now)
{
	static const char sql[] = "SELECT 1 FROM password_tokens "
	    "WHERE token_hash = ? AND used = 0 AND expires > ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int ok;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	ok = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return ok;
}

/* ---- failed logins ---- */

enum dl_err
sqlite_login_failure_add(struct store *st, const char *account, int64_t now)
{
	sqlite3_stmt *s = sqlite_stmt(st, "INSERT INTO login_failures (account, at) VALUES (?, ?)");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return run(st, s, "add login failure");
}

int64_t
sqlite_login_failures(struct store *st, const char *account, int64_t since, int64_t *oldest)
{
	static const char sql[] = "SELECT count(*), coalesce(min(at), 0) FROM login_failures "
	    "WHERE account = ? AND at >= ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int64_t n = 0;

	*oldest = 0;
	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = sqlite3_column_int64(s, 0);
		*oldest = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return n;
}

enum dl_err
sqlite_login_failures_clear(struct store *st, const char *account)
{
	sqlite3_stmt *s = sqlite_stmt(st, "DELETE FROM login_failures WHERE account = ?");

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	return run(st, s, "clear login failures");
}

/* ---- drafts ---- */

int64_t
sqlite_article_id(struct store *st, const char *uri)
{
	sqlite3_stmt *s = sqlite_stmt(st, "SELECT id FROM articles WHERE uri = ?");
	int64_t id = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	if (one_row(st, NULL, s, "article id", fill_id, &id) != DL_OK)
		return 0;
	return id;
}

enum dl_err
sqlite_article_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_article *out)
{
	const char *uri = NULL;
	enum dl_err e;

	if ((e = row_by_id(st, ar, "SELECT uri FROM articles WHERE id = ?", id, "article by id", fill_text,
	    &uri)) != DL_OK)
		return e;
	return store_article_get_uri(st, ar, uri, out);
}

enum dl_err
sqlite_draft_get(struct store *st, struct arena *ar, int64_t article, struct dl_draft *out)
{
	struct row_iti r;
	enum dl_err e;

	e = row_by_id(st, ar, "SELECT owner, markdown, publish_at FROM newsroom_articles WHERE article = ?",
	    article, "get draft", fill_iti, &r);
	if (e == DL_OK) {
		out->owner = r.a;
		out->markdown = r.b;
		out->publish_at = r.c;
	}
	return e;
}

enum dl_err
sqlite_draft_put(struct store *st, int64_t article, const struct dl_draft *d)
{
	static const char sql[] = "INSERT INTO newsroom_articles (article, owner, markdown, publish_at) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (article) DO UPDATE SET owner = ?2, markdown = ?3, "
	    "publish_at = ?4";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	sqlite3_bind_int64(s, 2, d->owner);
	sqlite3_bind_text(s, 3, d->markdown ? d->markdown : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, d->publish_at);
	return run(st, s, "put draft");
}

enum dl_err
sqlite_newsroom_list(struct store *st, struct arena *ar, int status, int64_t owner,
    const char *lang, size_t offset, size_t limit, struct dl_article_list *out)
{
	static const char count_sql[] = "SELECT count(*) FROM articles a "
	    "LEFT JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE (?1 < 0 OR a.status = ?1) AND (?2 = 0 OR n.owner = ?2) AND (?3 = '' OR a.lang = ?3)";
	static const char list_sql[] = "SELECT a.id, a.uri, a.lang, a.slug, a.headline, a.byline, a.status, "
	    "a.first_created, a.version_created, coalesce(n.publish_at, 0) FROM articles a "
	    "LEFT JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE (?1 < 0 OR a.status = ?1) AND (?2 = 0 OR n.owner = ?2) AND (?3 = '' OR a.lang = ?3) "
	    "ORDER BY a.version_created DESC, a.id DESC LIMIT ?4 OFFSET ?5";
	sqlite3_stmt *s;
	struct dl_article *a;
	enum dl_err e = DL_OK;
	int rc;

	memset(out, 0, sizeof *out);
	if (limit > 1000)
		limit = 1000;
	if ((s = sqlite_stmt(st, count_sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, owner);
	sqlite3_bind_text(s, 3, lang ? lang : "", -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		out->total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if ((out->items = arena_alloc(ar, (limit ? limit : 1) * sizeof *out->items)) == NULL)
		return DL_ERR_NOMEM;
	if ((s = sqlite_stmt(st, list_sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, owner);
	sqlite3_bind_text(s, 3, lang ? lang : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)limit);
	sqlite3_bind_int64(s, 5, (int64_t)offset);
	while (out->n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		a = &out->items[out->n];
		memset(a, 0, sizeof *a);
		a->id = sqlite3_column_int64(s, 0);
		a->uri = sqlite_col_str(ar, s, 1);
		a->lang = sqlite_col_str(ar, s, 2);
		a->slug = sqlite_col_str(ar, s, 3);
		a->headline = sqlite_col_str(ar, s, 4);
		a->byline = sqlite_col_str(ar, s, 5);
		a->status = (enum dl_status)sqlite3_column_int(s, 6);
		a->first_created = sqlite3_column_int64(s, 7);
		a->version_created = sqlite3_column_int64(s, 8);
		/* The scheduled time travels in first_created for scheduled items. */
		if (a->status == DL_SCHEDULED && sqlite3_column_int64(s, 9) > 0)
			a->first_created = sqlite3_column_int64(s, 9);
		a->standfirst = a->located = a->copyright = a->body_html = a->body_text = "";
		a->translation_of = "";
		a->author.name = a->author.slug = "";
		if (!a->uri || !a->lang || !a->slug || !a->headline || !a->byline) {
			e = DL_ERR_NOMEM;
			break;
		}
		out->n++;
	}
	sqlite3_reset(s);
	return e;
}

enum dl_err
sqlite_due_articles(struct store *st, struct arena *ar, int64_t now, size_t max, int64_t **ids,
    size_t *n)
{
	static const char sql[] = "SELECT a.id FROM articles a JOIN newsroom_articles n ON n.article = a.id "
	    "WHERE a.status = 3 AND n.publish_at > 0 AND n.publish_at <= ? ORDER BY n.publish_at LIMIT ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int rc;

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((*ids = arena_alloc(ar, (max ? max : 1) * sizeof **ids)) == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return DL_OK;
}

/* ---- revisions ---- */

enum dl_err
sqlite_revision_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *fields)
{
	static const char sql[] = "INSERT INTO revisions (article, user_id, at, fields) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, at);
	sqlite3_bind_text(s, 4, fields, -1, SQLITE_STATIC);
	return run(st, s, "add revision");
}

static enum dl_err
fill_revision(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct dl_revision *r = o;

	r->id = sqlite3_column_int64(s, 0);
	r->article = sqlite3_column_int64(s, 1);
	r->user_id = sqlite3_column_int64(s, 2);
	r->at = sqlite3_column_int64(s, 3);
	r->email = sqlite_col_str(ar, s, 4);
	r->fields = sqlite_col_str(ar, s, 5);
	return r->email && r->fields ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_revisions(struct store *st, struct arena *ar, int64_t article, size_t limit,
    struct dl_revision **out, size_t *n)
{
	static const char sql[] = "SELECT r.id, r.article, r.user_id, r.at, coalesce(u.email, ''), r.fields "
	    "FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE r.article = ? "
	    "ORDER BY r.id DESC LIMIT ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	sqlite3_bind_int64(s, 2, (int64_t)limit);
	return all_rows(ar, s, fill_revision, sizeof **out, limit, (void **)out, n);
}

enum dl_err
sqlite_revision_get(struct store *st, struct arena *ar, int64_t id, struct dl_revision *out)
{
	static const char sql[] = "SELECT r.id, r.article, r.user_id, r.at, coalesce(u.email, ''), r.fields "
	    "FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE r.id = ?";
	return row_by_id(st, ar, sql, id, "get revision", fill_revision, out);
}

/* ---- audit ---- */

enum dl_err
sqlite_audit_add(struct store *st, int64_t user_id, const char *action, const char *target,
    int64_t now)
{
	static const char sql[] = "INSERT INTO audit (at, user_id, action, target) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, target ? target : "", -1, SQLITE_STATIC);
	return run(st, s, "add audit");
}

static enum dl_err
fill_audit(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct dl_audit *x = o;

	x->at = sqlite3_column_int64(s, 0);
	x->email = sqlite_col_str(ar, s, 1);
	x->action = sqlite_col_str(ar, s, 2);
	x->target = sqlite_col_str(ar, s, 3);
	return x->email && x->action && x->target ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_audit_list(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_audit **out, size_t *n)
{
	static const char sql[] = "SELECT a.at, coalesce(u.email, ''), a.action, a.target FROM audit a "
	    "LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT ? OFFSET ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if (limit > 1000)
		limit = 1000;
	sqlite3_bind_int64(s, 1, (int64_t)limit);
	sqlite3_bind_int64(s, 2, (int64_t)offset);
	return all_rows(ar, s, fill_audit, sizeof **out, limit, (void **)out, n);
}

/* ---- corrections ---- */

enum dl_err
sqlite_correction_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *note)
{
	static const char sql[] = "INSERT INTO corrections (article, at, user_id, note) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, user_id);
	sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
	if ((e = run(st, s, "add correction")) == DL_OK)
		sqlite_bump_generation(st);
	return e;
}

static enum dl_err
fill_correction(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct dl_correction *c = o;

	c->at = sqlite3_column_int64(s, 0);
	return (c->note = sqlite_col_str(ar, s, 1)) ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_corrections(struct store *st, struct arena *ar, int64_t article, struct dl_correction **out,
    size_t *n)
{
	static const char sql[] = "SELECT at, note FROM corrections WHERE article = ? ORDER BY at, id LIMIT 100";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	return all_rows(ar, s, fill_correction, sizeof **out, 100, (void **)out, n);
}

enum dl_err
sqlite_article_get_any(struct store *st, struct arena *ar, const char *lang, const char *slug,
    struct dl_article *out)
{
	sqlite3_stmt *s = sqlite_stmt(st, "SELECT id FROM articles WHERE lang = ? AND slug = ?");
	int64_t id = 0;
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	if ((e = one_row(st, ar, s, "article by slug", fill_id, &id)) != DL_OK)
		return e;
	return store_article_get_id(st, ar, id, out);
}

/* ---- places, tags, authors ---- */

/* id, kind, lang, name, slug, count */
static enum dl_err
fill_term(struct arena *ar, sqlite3_stmt *s, void *o)
{
	struct dl_term_row *r = o;

	r->id = sqlite3_column_int64(s, 0);
	r->kind = sqlite3_column_int(s, 1);
	r->lang = sqlite_col_str(ar, s, 2);
	r->name = sqlite_col_str(ar, s, 3);
	r->slug = sqlite_col_str(ar, s, 4);
	r->count = sqlite3_column_int64(s, 5);
	return r->lang && r->name && r->slug ? DL_OK : DL_ERR_NOMEM;
}

enum dl_err
sqlite_terms_list(struct store *st, struct arena *ar, int kind, const char *lang,
    struct dl_term_row **out, size_t *n)
{
	static const char sql[] = "SELECT t.id, t.kind, t.lang, t.name, t.slug, "
	    "(SELECT count(*) FROM article_terms at WHERE at.term = t.id) "
	    "FROM terms t WHERE t.kind = ? AND t.lang = ? ORDER BY t.name LIMIT 2000";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	return all_rows(ar, s, fill_term, sizeof **out, 2000, (void **)out, n);
}

static enum dl_err
term_row(struct store *st, struct arena *ar, int64_t id, struct dl_term_row *r)
{
	return row_by_id(st, ar, "SELECT id, kind, lang, name, slug, 0 FROM terms WHERE id = ?", id,
	    "get term", fill_term, r);
}

static int64_t
term_by_slug(struct store *st, int kind, const char *lang, const char *slug)
{
	sqlite3_stmt *s = sqlite_stmt(st, "SELECT id FROM terms WHERE kind = ? AND lang = ? AND slug = ?");
	int64_t id = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug, -1, SQLITE_STATIC);
	if (one_row(st, NULL, s, "term by slug", fill_id, &id) != DL_OK)
		return 0;
	return id;
}

static enum dl_err
exec1(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, b);
	return run(st, s, sql);
}

static enum dl_err
put_alias(struct store *st, int kind, const char *lang, const char *slug, int64_t term)
{
	static const char sql[] = "INSERT INTO term_aliases (kind, lang, slug, term) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (kind, lang, slug) DO UPDATE SET term = excluded.term";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, term);
	return run(st, s, "put alias");
}

enum dl_err
sqlite_term_create(struct store *st, int kind, const char *lang, const char *name, int64_t *id)
{
	static const char sql[] = "INSERT INTO terms (kind, lang, name, slug) VALUES (?, ?, ?, ?)";
	struct arena *ar = arena_new(64u << 10);
	const char *slug;
	sqlite3_stmt *s;
	enum dl_err e;

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
	e = DL_ERR_DB;
	if ((s = sqlite_stmt(st, sql)) == NULL)
		goto out;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, slug, -1, SQLITE_STATIC);
	if ((e = run(st, s, "create term")) == DL_OK && id)
		*id = sqlite3_last_insert_rowid(sqlite_conn(st));
out:
	arena_free(ar);
	return e;
}

enum dl_err
sqlite_term_rename(struct store *st, int64_t id, const char *name)
{
	static const char sql[] = "UPDATE terms SET name = ?, slug = ? WHERE id = ?";
	struct arena *ar = arena_new(64u << 10);
	struct dl_term_row r;
	const char *slug;
	sqlite3_stmt *s;
	int64_t other;
	enum dl_err e;

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
	if ((e = store_begin(st)) != DL_OK)
		goto out;
	e = DL_ERR_DB;
	if ((s = sqlite_stmt(st, sql)) == NULL)
		goto fail;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	if ((e = run(st, s, "rename term")) != DL_OK)
		goto fail;
	if (strcmp(slug, r.slug) != 0 && (e = put_alias(st, r.kind, r.lang, r.slug, id)) != DL_OK)
		goto fail;
	/* Search finds the articles under the new name, in the same transaction. */
	if ((e = sqlite_search_reindex_term(st, id)) != DL_OK)
		goto fail;
	if ((e = store_commit(st)) == DL_OK)
		sqlite_bump_generation(st);
	goto out;
fail:
	store_rollback(st);
out:
	arena_free(ar);
	return e;
}

enum dl_err
sqlite_term_merge(struct store *st, int64_t from, int64_t into)
{
	struct arena *ar = arena_new(64u << 10);
	struct dl_term_row a, b;
	enum dl_err e;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = term_row(st, ar, from, &a)) != DL_OK || (e = term_row(st, ar, into, &b)) != DL_OK)
		goto out;
	e = DL_ERR_INVALID;
	if (from == into || a.kind != b.kind || strcmp(a.lang, b.lang) != 0)
		goto out;
	if ((e = store_begin(st)) != DL_OK)
		goto out;
	/* Articles that had both keep `into` only. */
	if ((e = exec1(st, "UPDATE article_terms SET term = ?2 WHERE term = ?1 AND article NOT IN "
	    "(SELECT article FROM article_terms WHERE term = ?2)", from, into)) != DL_OK ||
	    (e = exec1(st, "DELETE FROM article_terms WHERE term = ?1", from, 0)) != DL_OK ||
	    (e = exec1(st, "UPDATE term_aliases SET term = ?2 WHERE term = ?1", from, into)) != DL_OK ||
	    (e = put_alias(st, a.kind, a.lang, a.slug, into)) != DL_OK ||
	    (e = exec1(st, "DELETE FROM terms WHERE id = ?1", from, 0)) != DL_OK ||
	    (e = sqlite_search_reindex_term(st, into)) != DL_OK) {
		store_rollback(st);
		goto out;
	}
	if ((e = store_commit(st)) == DL_OK)
		sqlite_bump_generation(st);
out:
	arena_free(ar);
	return e;
}

enum dl_err
sqlite_term_alias(struct store *st, struct arena *ar, int kind, const char *lang, const char *slug,
    const char **current)
{
	static const char sql[] = "SELECT t.slug FROM term_aliases a JOIN terms t ON t.id = a.term "
	    "WHERE a.kind = ? AND a.lang = ? AND a.slug = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug, -1, SQLITE_STATIC);
	return one_row(st, ar, s, "term alias", fill_text, current);
}

enum dl_err
sqlite_newsroom_prune(struct store *st, int64_t now, int64_t session_cutoff, int64_t failure_cutoff)
{
	enum dl_err e;

	if ((e = exec1(st, "DELETE FROM sessions WHERE last_seen < ?1", session_cutoff, 0)) != DL_OK ||
	    (e = exec1(st, "DELETE FROM login_failures WHERE at < ?1", failure_cutoff, 0)) != DL_OK)
		return e;
	return exec1(st, "DELETE FROM password_tokens WHERE expires < ?1", now, 0);
}
