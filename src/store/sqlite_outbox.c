/* sqlite_outbox.c - the mail outbox, bounce counts, newsletters and
 * subscribers on SQLite. Plain SQL only: claiming is a SELECT then UPDATE in
 * one BEGIN IMMEDIATE transaction (PostgreSQL: FOR UPDATE SKIP LOCKED). */
#include <stdio.h>
#include <string.h>
#include "base/log.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define CHOICES_MAX 256

static enum dl_err
fail(struct store *st, const char *what)
{
	sqlite3 *db = sqlite_conn(st);

	log_error("store: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
	return DL_ERR_DB;
}

/* Runs a prepared statement that returns no rows. */
static enum dl_err
done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return DL_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return DL_ERR_EXISTS;
	return fail(st, what);
}

/* Runs q, which returns no rows and takes one parameter: id. */
static enum dl_err
done_id(struct store *st, const char *q, int64_t id, const char *what)
{
	sqlite3_stmt *s = sqlite_stmt(st, q);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	return done(st, s, what);
}

/* Room for the rows of a listing: *limit is first clamped to max, then
 * *limit + 1 rows of `size` bytes come from ar. NULL when out of memory. */
static void *
rows_alloc(struct arena *ar, size_t *limit, size_t max, size_t size)
{
	if (*limit > max)
		*limit = max;
	return arena_alloc(ar, (*limit + 1) * size);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

static int
tx_begin(struct store *st)
{
	sqlite3 *db = sqlite_conn(st);

	return db && sqlite3_get_autocommit(db) ? store_begin(st) == DL_OK ? 1 : -1 : 0;
}

static enum dl_err
tx_end(struct store *st, int own, enum dl_err e)
{
	if (own != 1)
		return e;
	if (e == DL_OK)
		return store_commit(st);
	store_rollback(st);
	return e;
}

/* ---- outbox ---- */

enum dl_err
sqlite_outbox_put(struct store *st, const char *kind, const char *env_from, const char *rcpt,
    const char *data, size_t len, int64_t now, int64_t *id)
{
	static const char q_bounce[] = "SELECT bouncing FROM mail_addresses WHERE addr = ?";
	static const char q_ins[] = "INSERT INTO outbox (kind, env_from, rcpt, data, size, created, due) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, q_bounce);
	int bouncing = 0;
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	bind_text(s, 1, rcpt);
	if (sqlite3_step(s) == SQLITE_ROW)
		bouncing = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (bouncing)
		return DL_ERR_UNSUPPORTED;
	if ((s = sqlite_stmt(st, q_ins)) == NULL)
		return DL_ERR_DB;
	bind_text(s, 1, kind);
	bind_text(s, 2, env_from);
	bind_text(s, 3, rcpt);
	sqlite3_bind_blob64(s, 4, data, len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)len);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, now);
	if ((e = done(st, s, "outbox put")) != DL_OK)
		return e;
	if (id)
		*id = sqlite3_last_insert_rowid(sqlite_conn(st));
	return DL_OK;
}

enum dl_err
sqlite_outbox_claim(struct store *st, struct arena *ar, const char *worker, int64_t now,
    int64_t lease_until, size_t limit, struct dl_outbox_row **out, size_t *n)
{
	static const char q_sel[] = "SELECT id, kind, env_from, rcpt, data, attempts, created, due "
	    "FROM outbox WHERE (state = 'queued' AND due <= ?1) "
	    "OR (state = 'sending' AND lease_until <= ?1) ORDER BY due, id LIMIT ?2";
	static const char q_upd[] = "UPDATE outbox SET state = 'sending', worker = ?, lease_until = ?, "
	    "attempts = attempts + 1 WHERE id = ?";
	struct dl_outbox_row *v;
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return DL_OK;
	if ((v = arena_alloc(ar, limit * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_begin(st)) != DL_OK)
		return e;
	if ((s = sqlite_stmt(st, q_sel)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)limit);
	while (i < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct dl_outbox_row *r = &v[i];
		const void *blob = sqlite3_column_blob(s, 4);
		int bl = sqlite3_column_bytes(s, 4);
		char *d = arena_alloc(ar, (size_t)bl + 1);

		if (d == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		if (bl > 0)
			memcpy(d, blob, (size_t)bl);
		r->id = sqlite3_column_int64(s, 0);
		r->kind = sqlite_col_str(ar, s, 1);
		r->env_from = sqlite_col_str(ar, s, 2);
		r->rcpt = sqlite_col_str(ar, s, 3);
		r->data = d;
		r->len = (size_t)bl;
		r->attempts = (unsigned)sqlite3_column_int(s, 5) + 1;
		r->created = sqlite3_column_int64(s, 6);
		r->due = sqlite3_column_int64(s, 7);
		r->state = "sending";
		r->error = "";
		if (!r->kind || !r->env_from || !r->rcpt) {
			e = DL_ERR_NOMEM;
			break;
		}
		i++;
	}
	sqlite3_reset(s);
	if (e != DL_OK)
		goto out;
	for (size_t k = 0; k < i; k++) {
		if ((s = sqlite_stmt(st, q_upd)) == NULL) {
			e = DL_ERR_DB;
			goto out;
		}
		bind_text(s, 1, worker);
		sqlite3_bind_int64(s, 2, lease_until);
		sqlite3_bind_int64(s, 3, v[k].id);
		if ((e = done(st, s, "outbox claim")) != DL_OK)
			goto out;
	}
out:
	if (e != DL_OK) {
		store_rollback(st);
		return e;
	}
	if ((e = store_commit(st)) != DL_OK)
		return e;
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
sqlite_outbox_sent(struct store *st, int64_t id, const char *worker, int64_t now)
{
	static const char q[] = "UPDATE outbox SET state = 'sent', sent_at = ?, data = X'', "
	    "error = '' WHERE id = ? AND worker = ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	bind_text(s, 3, worker);
	return done(st, s, "outbox sent");
}

enum dl_err
sqlite_outbox_retry(struct store *st, int64_t id, const char *worker, int64_t due, const char *error)
{
	static const char q[] = "UPDATE outbox SET state = 'queued', due = ?, lease_until = 0, "
	    "error = ? WHERE id = ? AND worker = ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, due);
	bind_text(s, 2, error);
	sqlite3_bind_int64(s, 3, id);
	bind_text(s, 4, worker);
	return done(st, s, "outbox retry");
}

enum dl_err
sqlite_outbox_fail(struct store *st, int64_t id, const char *worker, int64_t now, const char *error,
    int permanent, unsigned bounce_limit)
{
	static const char q[] = "UPDATE outbox SET state = 'failed', error = ?, lease_until = 0 "
	    "WHERE id = ? AND worker = ?";
	static const char q_addr[] = "INSERT INTO mail_addresses (addr, failures, bouncing, error, updated) "
	    "SELECT rcpt, 1, CASE WHEN ?1 <= 1 THEN 1 ELSE 0 END, ?2, ?3 FROM outbox WHERE id = ?4 "
	    "ON CONFLICT (addr) DO UPDATE SET failures = failures + 1, "
	    "bouncing = CASE WHEN failures + 1 >= ?1 THEN 1 ELSE bouncing END, "
	    "error = excluded.error, updated = excluded.updated";
	sqlite3_stmt *s;
	enum dl_err e;
	int own = tx_begin(st);

	if (own < 0)
		return DL_ERR_DB;
	if ((s = sqlite_stmt(st, q)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	bind_text(s, 1, error);
	sqlite3_bind_int64(s, 2, id);
	bind_text(s, 3, worker);
	if ((e = done(st, s, "outbox fail")) != DL_OK || !permanent)
		goto out;
	if ((s = sqlite_stmt(st, q_addr)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, bounce_limit);
	bind_text(s, 2, error);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, id);
	e = done(st, s, "bounce count");
out:
	return tx_end(st, own, e);
}

enum dl_err
sqlite_outbox_list(struct store *st, struct arena *ar, const char *state, size_t offset,
    size_t limit, struct dl_outbox_row **out, size_t *n)
{
	static const char q[] = "SELECT id, kind, env_from, rcpt, size, state, attempts, created, due, "
	    "sent_at, error FROM outbox WHERE (?1 = '' OR state = ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_outbox_row *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	bind_text(s, 1, state);
	sqlite3_bind_int64(s, 2, (int64_t)limit);
	sqlite3_bind_int64(s, 3, (int64_t)offset);
	while (i < limit && sqlite3_step(s) == SQLITE_ROW) {
		struct dl_outbox_row *r = &v[i++];

		r->id = sqlite3_column_int64(s, 0);
		r->kind = sqlite_col_str(ar, s, 1);
		r->env_from = sqlite_col_str(ar, s, 2);
		r->rcpt = sqlite_col_str(ar, s, 3);
		r->data = "";
		r->len = (size_t)sqlite3_column_int64(s, 4);
		r->state = sqlite_col_str(ar, s, 5);
		r->attempts = (unsigned)sqlite3_column_int(s, 6);
		r->created = sqlite3_column_int64(s, 7);
		r->due = sqlite3_column_int64(s, 8);
		r->sent_at = sqlite3_column_int64(s, 9);
		r->error = sqlite_col_str(ar, s, 10);
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
sqlite_outbox_counts(struct store *st, int64_t counts[4])
{
	static const char q[] = "SELECT state, COUNT(*) FROM outbox GROUP BY state";
	static const char *const names[] = { "queued", "sending", "sent", "failed" };
	sqlite3_stmt *s = sqlite_stmt(st, q);
	int i;

	memset(counts, 0, 4 * sizeof counts[0]);
	if (s == NULL)
		return DL_ERR_DB;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 0);

		for (i = 0; i < 4; i++)
			if (state && strcmp(state, names[i]) == 0)
				counts[i] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return DL_OK;
}

enum dl_err
sqlite_bounces(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_bounce **out, size_t *n)
{
	static const char q[] = "SELECT addr, failures, bouncing, error, updated FROM mail_addresses "
	    "ORDER BY updated DESC, addr LIMIT ? OFFSET ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_bounce *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_int64(s, 1, (int64_t)limit);
	sqlite3_bind_int64(s, 2, (int64_t)offset);
	while (i < limit && sqlite3_step(s) == SQLITE_ROW) {
		v[i].addr = sqlite_col_str(ar, s, 0);
		v[i].failures = sqlite3_column_int64(s, 1);
		v[i].bouncing = sqlite3_column_int(s, 2);
		v[i].error = sqlite_col_str(ar, s, 3);
		v[i].updated = sqlite3_column_int64(s, 4);
		i++;
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return DL_OK;
}

/* ---- newsletters ---- */

enum dl_err
sqlite_newsletter_add(struct store *st, const struct dl_newsletter *nl, int64_t *id)
{
	static const char q[] = "INSERT INTO newsletters (kind, lang, name, description, term_kind, "
	    "term_slug) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	bind_text(s, 1, nl->kind);
	bind_text(s, 2, nl->lang);
	bind_text(s, 3, nl->name);
	bind_text(s, 4, nl->description);
	sqlite3_bind_int(s, 5, (int)nl->term_kind);
	bind_text(s, 6, nl->term_slug);
	if ((e = done(st, s, "newsletter add")) != DL_OK)
		return e;
	if (id)
		*id = sqlite3_last_insert_rowid(sqlite_conn(st));
	return DL_OK;
}

enum dl_err
sqlite_newsletters(struct store *st, struct arena *ar, const char *lang, struct dl_newsletter **out,
    size_t *n)
{
	static const char q[] = "SELECT id, kind, lang, name, description, term_kind, term_slug "
	    "FROM newsletters WHERE (?1 = '' OR lang = ?1) ORDER BY lang, kind = 'alert', name, id LIMIT 500";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_newsletter *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = arena_alloc(ar, 501 * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	bind_text(s, 1, lang);
	while (i < 500 && sqlite3_step(s) == SQLITE_ROW) {
		v[i].id = sqlite3_column_int64(s, 0);
		v[i].kind = sqlite_col_str(ar, s, 1);
		v[i].lang = sqlite_col_str(ar, s, 2);
		v[i].name = sqlite_col_str(ar, s, 3);
		v[i].description = sqlite_col_str(ar, s, 4);
		v[i].term_kind = (enum dl_term_kind)sqlite3_column_int(s, 5);
		v[i].term_slug = sqlite_col_str(ar, s, 6);
		i++;
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return DL_OK;
}

/* ---- subscribers ---- */

static enum dl_err
set_choices(struct store *st, int64_t id, const int64_t *nl, size_t n_nl, const char **places,
    size_t n_places, const char **tags, size_t n_tags)
{
	static const char q_d1[] = "DELETE FROM subscriber_newsletters WHERE subscriber = ?";
	static const char q_d2[] = "DELETE FROM subscriber_terms WHERE subscriber = ?";
	static const char q_nl[] = "INSERT OR IGNORE INTO subscriber_newsletters (subscriber, newsletter) "
	    "SELECT ?1, id FROM newsletters WHERE id = ?2";
	static const char q_t[] = "INSERT OR IGNORE INTO subscriber_terms (subscriber, kind, slug) "
	    "VALUES (?, ?, ?)";
	sqlite3_stmt *s;
	enum dl_err e;
	size_t i;

	if (n_nl > CHOICES_MAX || n_places > CHOICES_MAX || n_tags > CHOICES_MAX)
		return DL_ERR_TOOBIG;
	if ((e = done_id(st, q_d1, id, "subscriber choices")) != DL_OK ||
	    (e = done_id(st, q_d2, id, "subscriber choices")) != DL_OK)
		return e;
	for (i = 0; i < n_nl; i++) {
		if ((s = sqlite_stmt(st, q_nl)) == NULL)
			return DL_ERR_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, nl[i]);
		if ((e = done(st, s, "subscriber newsletter")) != DL_OK)
			return e;
	}
	for (i = 0; i < n_places + n_tags; i++) {
		if ((s = sqlite_stmt(st, q_t)) == NULL)
			return DL_ERR_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, i < n_places ? DL_PLACE : DL_TAG);
		bind_text(s, 3, i < n_places ? places[i] : tags[i - n_places]);
		if ((e = done(st, s, "subscriber term")) != DL_OK)
			return e;
	}
	return DL_OK;
}

enum dl_err
sqlite_subscriber_request(struct store *st, const char *email, const char *lang,
    const char *frequency, const int64_t *newsletters, size_t n_newsletters, int64_t nonce,
    int64_t now, int64_t *id, int64_t *nonce_out, const char **status_out)
{
	static const char q_get[] = "SELECT id, status, nonce FROM subscribers WHERE email = ?";
	static const char q_ins[] = "INSERT INTO subscribers (email, lang, frequency, status, nonce, created) "
	    "VALUES (?, ?, ?, 'pending', ?, ?)";
	static const char q_upd[] = "UPDATE subscribers SET lang = ?, frequency = ?, status = 'pending', "
	    "nonce = ? WHERE id = ?";
	sqlite3_stmt *s;
	char status[16] = "";
	int64_t sid = 0, cur = 0;
	enum dl_err e;
	int own = tx_begin(st);

	if (own < 0)
		return DL_ERR_DB;
	if ((s = sqlite_stmt(st, q_get)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	bind_text(s, 1, email);
	if (sqlite3_step(s) == SQLITE_ROW) {
		sid = sqlite3_column_int64(s, 0);
		snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(s, 1));
		cur = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	*status_out = "pending";
	if (strcmp(status, "active") == 0) {
		*status_out = "active";
		*id = sid;
		*nonce_out = cur;
		e = DL_OK;
		goto out;
	}
	if (sid == 0) {
		if ((s = sqlite_stmt(st, q_ins)) == NULL) {
			e = DL_ERR_DB;
			goto out;
		}
		bind_text(s, 1, email);
		bind_text(s, 2, lang);
		bind_text(s, 3, frequency);
		sqlite3_bind_int64(s, 4, nonce);
		sqlite3_bind_int64(s, 5, now);
		if ((e = done(st, s, "subscriber add")) != DL_OK)
			goto out;
		sid = sqlite3_last_insert_rowid(sqlite_conn(st));
		cur = nonce;
	} else {
		if (strcmp(status, "pending") != 0)
			cur = nonce;
		if ((s = sqlite_stmt(st, q_upd)) == NULL) {
			e = DL_ERR_DB;
			goto out;
		}
		bind_text(s, 1, lang);
		bind_text(s, 2, frequency);
		sqlite3_bind_int64(s, 3, cur);
		sqlite3_bind_int64(s, 4, sid);
		if ((e = done(st, s, "subscriber request")) != DL_OK)
			goto out;
	}
	e = set_choices(st, sid, newsletters, n_newsletters, NULL, 0, NULL, 0);
	*id = sid;
	*nonce_out = cur;
out:
	return tx_end(st, own, e);
}

enum dl_err
sqlite_subscriber_confirm(struct store *st, int64_t id, int64_t nonce, int64_t now)
{
	static const char q_get[] = "SELECT status, nonce FROM subscribers WHERE id = ?";
	static const char q_upd[] = "UPDATE subscribers SET status = 'active', confirmed = ?1, "
	    "last_digest = ?1, nonce = 0 WHERE id = ?2 AND status = 'pending' AND nonce = ?3";
	sqlite3_stmt *s = sqlite_stmt(st, q_get);
	char status[16] = "";
	int64_t cur = 0;
	int changes;
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(s, 0));
		cur = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (strcmp(status, "active") == 0)
		return DL_ERR_EXISTS;
	if (strcmp(status, "pending") != 0 || cur != nonce || nonce == 0)
		return DL_ERR_NOTFOUND;
	if ((s = sqlite_stmt(st, q_upd)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, nonce);
	if ((e = done(st, s, "subscriber confirm")) != DL_OK)
		return e;
	changes = sqlite3_changes(sqlite_conn(st));
	return changes == 1 ? DL_OK : DL_ERR_EXISTS;
}

static void
row_subscriber(struct arena *ar, sqlite3_stmt *s, struct dl_subscriber *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(s, 0);
	o->email = sqlite_col_str(ar, s, 1);
	o->lang = sqlite_col_str(ar, s, 2);
	o->frequency = sqlite_col_str(ar, s, 3);
	o->status = sqlite_col_str(ar, s, 4);
	o->nonce = sqlite3_column_int64(s, 5);
	o->created = sqlite3_column_int64(s, 6);
	o->confirmed = sqlite3_column_int64(s, 7);
	o->last_digest = sqlite3_column_int64(s, 8);
	o->last_slot = sqlite3_column_int64(s, 9);
}

#define SUB_COLS "s.id, s.email, s.lang, s.frequency, s.status, s.nonce, s.created, s.confirmed, " \
	"s.last_digest, s.last_slot"

static enum dl_err
load_choices(struct store *st, struct arena *ar, struct dl_subscriber *o)
{
	static const char q_nl[] = "SELECT newsletter FROM subscriber_newsletters WHERE subscriber = ? "
	    "ORDER BY newsletter LIMIT 256";
	static const char q_t[] = "SELECT kind, slug FROM subscriber_terms WHERE subscriber = ? "
	    "ORDER BY kind, slug LIMIT 512";
	sqlite3_stmt *s;

	o->newsletters = arena_alloc(ar, CHOICES_MAX * sizeof *o->newsletters);
	o->places = arena_alloc(ar, CHOICES_MAX * sizeof *o->places);
	o->tags = arena_alloc(ar, CHOICES_MAX * sizeof *o->tags);
	if (!o->newsletters || !o->places || !o->tags)
		return DL_ERR_NOMEM;
	if ((s = sqlite_stmt(st, q_nl)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, o->id);
	while (o->n_newsletters < CHOICES_MAX && sqlite3_step(s) == SQLITE_ROW)
		o->newsletters[o->n_newsletters++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if ((s = sqlite_stmt(st, q_t)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, o->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int kind = sqlite3_column_int(s, 0);

		if (kind == DL_PLACE && o->n_places < CHOICES_MAX)
			o->places[o->n_places++] = sqlite_col_str(ar, s, 1);
		else if (kind == DL_TAG && o->n_tags < CHOICES_MAX)
			o->tags[o->n_tags++] = sqlite_col_str(ar, s, 1);
	}
	sqlite3_reset(s);
	return DL_OK;
}

enum dl_err
sqlite_subscriber_get(struct store *st, struct arena *ar, int64_t id, struct dl_subscriber *out)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s WHERE s.id = ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	int found = 0;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		row_subscriber(ar, s, out);
		found = 1;
	}
	sqlite3_reset(s);
	if (!found)
		return DL_ERR_NOTFOUND;
	return load_choices(st, ar, out);
}

enum dl_err
sqlite_subscriber_set_prefs(struct store *st, const struct dl_subscriber *sub)
{
	static const char q[] = "UPDATE subscribers SET lang = ?, frequency = ? "
	    "WHERE id = ? AND status = 'active'";
	sqlite3_stmt *s;
	enum dl_err e;
	int own = tx_begin(st);

	if (own < 0)
		return DL_ERR_DB;
	if ((s = sqlite_stmt(st, q)) == NULL) {
		e = DL_ERR_DB;
		goto out;
	}
	bind_text(s, 1, sub->lang);
	bind_text(s, 2, sub->frequency);
	sqlite3_bind_int64(s, 3, sub->id);
	if ((e = done(st, s, "subscriber prefs")) != DL_OK)
		goto out;
	if (sqlite3_changes(sqlite_conn(st)) != 1) {
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	e = set_choices(st, sub->id, sub->newsletters, sub->n_newsletters, sub->places, sub->n_places,
	    sub->tags, sub->n_tags);
out:
	return tx_end(st, own, e);
}

enum dl_err
sqlite_subscriber_leave(struct store *st, int64_t id, int64_t now)
{
	static const char q[] = "UPDATE subscribers SET status = 'left', nonce = 0 WHERE id = ?";
	enum dl_err e;
	int own = tx_begin(st);

	(void)now;
	if (own < 0)
		return DL_ERR_DB;
	if ((e = done_id(st, q, id, "subscriber leave")) != DL_OK)
		goto out;
	if (sqlite3_changes(sqlite_conn(st)) != 1) {
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	e = set_choices(st, id, NULL, 0, NULL, 0, NULL, 0);
out:
	return tx_end(st, own, e);
}

enum dl_err
sqlite_subscriber_import(struct store *st, const char *email, const char *lang,
    const char *frequency, int64_t now, int64_t *id)
{
	static const char q_ins[] = "INSERT INTO subscribers (email, lang, frequency, status, created, "
	    "confirmed, last_digest) VALUES (?1, ?2, ?3, 'active', ?4, ?4, ?4)";
	static const char q_nl[] = "INSERT INTO subscriber_newsletters (subscriber, newsletter) "
	    "SELECT ?1, id FROM newsletters WHERE kind = 'digest' AND lang = ?2";
	sqlite3_stmt *s = sqlite_stmt(st, q_ins);
	int64_t sid;
	enum dl_err e;

	if (s == NULL)
		return DL_ERR_DB;
	bind_text(s, 1, email);
	bind_text(s, 2, lang);
	bind_text(s, 3, frequency);
	sqlite3_bind_int64(s, 4, now);
	if ((e = done(st, s, "subscriber import")) != DL_OK)
		return e;
	sid = sqlite3_last_insert_rowid(sqlite_conn(st));
	if ((s = sqlite_stmt(st, q_nl)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, sid);
	bind_text(s, 2, lang);
	if ((e = done(st, s, "subscriber import")) != DL_OK)
		return e;
	if (id)
		*id = sid;
	return DL_OK;
}

enum dl_err
sqlite_subscribers_due(struct store *st, struct arena *ar, const char *frequency, int64_t slot,
    int64_t after, size_t limit, struct dl_subscriber **out, size_t *n)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s WHERE s.status = 'active' "
	    "AND s.frequency = ? AND s.last_slot < ? AND s.id > ? AND NOT EXISTS (SELECT 1 FROM "
	    "mail_addresses m WHERE m.addr = s.email AND m.bouncing = 1) ORDER BY s.id LIMIT ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_subscriber *v;
	size_t i = 0, k;
	enum dl_err e;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = rows_alloc(ar, &limit, 5000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	bind_text(s, 1, frequency);
	sqlite3_bind_int64(s, 2, slot);
	sqlite3_bind_int64(s, 3, after);
	sqlite3_bind_int64(s, 4, (int64_t)limit);
	while (i < limit && sqlite3_step(s) == SQLITE_ROW)
		row_subscriber(ar, s, &v[i++]);
	sqlite3_reset(s);
	for (k = 0; k < i; k++)
		if ((e = load_choices(st, ar, &v[k])) != DL_OK)
			return e;
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
sqlite_subscriber_digest_done(struct store *st, int64_t id, int64_t slot, int64_t cutoff)
{
	static const char q[] = "UPDATE subscribers SET last_slot = ?1, "
	    "last_digest = CASE WHEN ?2 > 0 THEN ?2 ELSE last_digest END WHERE id = ?3";
	sqlite3_stmt *s = sqlite_stmt(st, q);

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, slot);
	sqlite3_bind_int64(s, 2, cutoff);
	sqlite3_bind_int64(s, 3, id);
	return done(st, s, "digest done");
}

enum dl_err
sqlite_subscribers_list(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_subscriber **out, size_t *n, int64_t *total)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s ORDER BY s.id LIMIT ? OFFSET ?";
	static const char q_n[] = "SELECT COUNT(*) FROM subscribers";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_subscriber *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = rows_alloc(ar, &limit, 100000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_int64(s, 1, (int64_t)limit);
	sqlite3_bind_int64(s, 2, (int64_t)offset);
	while (i < limit && sqlite3_step(s) == SQLITE_ROW)
		row_subscriber(ar, s, &v[i++]);
	sqlite3_reset(s);
	if ((s = sqlite_stmt(st, q_n)) == NULL)
		return DL_ERR_DB;
	if (sqlite3_step(s) == SQLITE_ROW)
		*total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
sqlite_terms_used(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang,
    size_t limit, struct dl_term **out, size_t *n)
{
	static const char q[] = "SELECT t.name, t.slug FROM terms t JOIN article_terms x ON x.term = t.id "
	    "JOIN articles a ON a.id = x.article AND a.status = 0 WHERE t.kind = ? AND t.lang = ? "
	    "GROUP BY t.id, t.name, t.slug ORDER BY COUNT(*) DESC, t.name LIMIT ?";
	sqlite3_stmt *s = sqlite_stmt(st, q);
	struct dl_term *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_int(s, 1, (int)kind);
	bind_text(s, 2, lang);
	sqlite3_bind_int64(s, 3, (int64_t)limit);
	while (i < limit && sqlite3_step(s) == SQLITE_ROW) {
		v[i].name = sqlite_col_str(ar, s, 0);
		v[i].slug = sqlite_col_str(ar, s, 1);
		i++;
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return DL_OK;
}
