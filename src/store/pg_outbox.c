/* pg_outbox.c - the mail outbox, bounce counts, newsletters and
 * subscribers on PostgreSQL, with the behaviour of sqlite_outbox.c.
 *
 * Claiming is one UPDATE of rows picked FOR UPDATE SKIP LOCKED, so outbox
 * workers on several nodes never take the same message. Inserts that may
 * meet an existing row use ON CONFLICT DO NOTHING rather than failing: a
 * failed statement aborts the whole PostgreSQL transaction, and an import
 * wraps thousands of inserts in one and goes on past duplicates. Text
 * ordering is COLLATE "C", the byte order SQLite sorts in. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "base/log.h"
#include "store/pg_int.h"

#define CHOICES_MAX 256

static const char *
txt(const char *s)
{
	return s ? s : "";
}

/* LIMIT and OFFSET values as PostgreSQL takes them (a bigint). */
static const char *
count_arg(char *buf, size_t v)
{
	return pg_i64(buf, v > INT64_MAX ? INT64_MAX : (int64_t)v);
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

/* Ends what pg_tx_begin() started: commits when e is DL_OK, else rolls
 * back and returns e. */
static enum dl_err
tx_end(struct store *st, int started, enum dl_err e)
{
	enum dl_err e2 = pg_tx_end(st, started, e == DL_OK);

	return e != DL_OK ? e : e2;
}

/* ---- outbox ---- */

enum dl_err
pg_outbox_put(struct store *st, const char *kind, const char *env_from, const char *rcpt,
    const char *data, size_t len, int64_t now, int64_t *id)
{
	/* One statement (a newsletter run makes thousands): no row back means
	 * the address is bouncing. */
	static const char q[] = "INSERT INTO outbox (kind, env_from, rcpt, data, size, created, due) "
	    "SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bigint, $6::bigint, $6::bigint "
	    "WHERE NOT EXISTS (SELECT 1 FROM mail_addresses WHERE addr = $3::text AND bouncing <> 0) "
	    "RETURNING id";
	char b_size[24], b_now[24];
	const char *p[6];
	int lens[6] = { 0 }, binary[6] = { 0 };
	PGresult *r;
	enum dl_err e;
	int queued;

	if (len > INT_MAX)
		return DL_ERR_TOOBIG;
	p[0] = txt(kind);
	p[1] = txt(env_from);
	p[2] = txt(rcpt);
	p[3] = data ? data : "";
	lens[3] = (int)len;
	binary[3] = 1;
	p[4] = pg_i64(b_size, (int64_t)len);
	p[5] = pg_i64(b_now, now);
	if ((r = pg_exec_bin(st, q, 6, p, lens, binary, &e)) == NULL)
		return e;
	if ((queued = PQntuples(r) > 0) && id)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return queued ? DL_OK : DL_ERR_UNSUPPORTED;
}

/* Field `col` of row `row`, a bytea, into the arena with a NUL after it. */
static enum dl_err
col_bytes(struct arena *ar, const PGresult *r, int row, int col, const char **out, size_t *len)
{
	const char *v = PQgetvalue(r, row, col);
	unsigned char *raw = NULL;
	size_t n;
	char *d;

	if (PQfformat(r, col) == 1) {
		n = (size_t)PQgetlength(r, row, col);
	} else {
		if ((raw = PQunescapeBytea((const unsigned char *)v, &n)) == NULL)
			return DL_ERR_NOMEM;
		v = (const char *)raw;
	}
	d = arena_alloc(ar, n + 1);
	if (d != NULL && n > 0)
		memcpy(d, v, n);
	PQfreemem(raw);
	if (d == NULL)
		return DL_ERR_NOMEM;
	*out = d;
	*len = n;
	return DL_OK;
}

enum dl_err
pg_outbox_claim(struct store *st, struct arena *ar, const char *worker, int64_t now,
    int64_t lease_until, size_t limit, struct dl_outbox_row **out, size_t *n)
{
	/* The rows are locked by the inner SELECT and skipped by every other
	 * claimer while this statement's transaction lasts; a row another
	 * claimer changed meanwhile is re-checked against the condition. */
	static const char q[] = "WITH c AS (UPDATE outbox SET state = 'sending', worker = $1, "
	    "lease_until = $3, attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox "
	    "WHERE (state = 'queued' AND due <= $2) OR (state = 'sending' AND lease_until <= $2) "
	    "ORDER BY due, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, kind, env_from, rcpt, data, attempts, created, due) "
	    "SELECT id, kind, env_from, rcpt, data, attempts, created, due FROM c ORDER BY due, id";
	char b_now[24], b_lease[24], b_limit[24];
	const char *p[4];
	struct dl_outbox_row *v;
	PGresult *r = NULL;
	enum dl_err e = DL_OK;
	size_t i = 0;
	int started = 0, rows, k;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return DL_OK;
	if ((v = arena_alloc(ar, limit * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = txt(worker);
	p[1] = pg_i64(b_now, now);
	p[2] = pg_i64(b_lease, lease_until);
	p[3] = count_arg(b_limit, limit);
	/* A transaction of its own so that running out of memory below puts
	 * the rows back. */
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	if ((r = pg_exec(st, q, 4, p, &e)) == NULL)
		goto out;
	rows = PQntuples(r);
	for (k = 0; k < rows && i < limit; k++) {
		struct dl_outbox_row *o = &v[i];

		if ((e = col_bytes(ar, r, k, 4, &o->data, &o->len)) != DL_OK)
			goto out;
		o->id = pg_int(r, k, 0);
		o->kind = pg_str(ar, r, k, 1);
		o->env_from = pg_str(ar, r, k, 2);
		o->rcpt = pg_str(ar, r, k, 3);
		o->attempts = (unsigned)pg_int(r, k, 5);
		o->created = pg_int(r, k, 6);
		o->due = pg_int(r, k, 7);
		o->sent_at = 0;
		o->state = "sending";
		o->error = "";
		if (!o->kind || !o->env_from || !o->rcpt) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		i++;
	}
out:
	PQclear(r);
	if ((e = tx_end(st, started, e)) != DL_OK)
		return e;
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
pg_outbox_sent(struct store *st, int64_t id, const char *worker, int64_t now)
{
	static const char q[] = "UPDATE outbox SET state = 'sent', sent_at = $1, data = ''::bytea, "
	    "error = '' WHERE id = $2 AND worker = $3";
	char b_now[24], b_id[24];
	const char *p[3] = { pg_i64(b_now, now), pg_i64(b_id, id), txt(worker) };

	return pg_cmd(st, q, 3, p, NULL);
}

enum dl_err
pg_outbox_retry(struct store *st, int64_t id, const char *worker, int64_t due, const char *error)
{
	static const char q[] = "UPDATE outbox SET state = 'queued', due = $1, lease_until = 0, "
	    "error = $2 WHERE id = $3 AND worker = $4";
	char b_due[24], b_id[24];
	const char *p[4] = { pg_i64(b_due, due), txt(error), pg_i64(b_id, id), txt(worker) };

	return pg_cmd(st, q, 4, p, NULL);
}

enum dl_err
pg_outbox_fail(struct store *st, int64_t id, const char *worker, int64_t now, const char *error,
    int permanent, unsigned bounce_limit)
{
	static const char q[] = "UPDATE outbox SET state = 'failed', error = $1, lease_until = 0 "
	    "WHERE id = $2 AND worker = $3";
	static const char q_addr[] = "INSERT INTO mail_addresses (addr, failures, bouncing, error, updated) "
	    "SELECT rcpt, 1, CASE WHEN $1::bigint <= 1 THEN 1 ELSE 0 END, $2::text, $3::bigint "
	    "FROM outbox WHERE id = $4::bigint "
	    "ON CONFLICT (addr) DO UPDATE SET failures = mail_addresses.failures + 1, "
	    "bouncing = CASE WHEN mail_addresses.failures + 1 >= $1::bigint THEN 1 "
	    "ELSE mail_addresses.bouncing END, "
	    "error = excluded.error, updated = excluded.updated";
	char b_id[24], b_now[24], b_lim[24];
	const char *p[4];
	enum dl_err e;
	int started = 0;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	p[0] = txt(error);
	p[1] = pg_i64(b_id, id);
	p[2] = txt(worker);
	if ((e = pg_cmd(st, q, 3, p, NULL)) != DL_OK || !permanent)
		goto out;
	p[0] = pg_i64(b_lim, (int64_t)bounce_limit);
	p[1] = txt(error);
	p[2] = pg_i64(b_now, now);
	p[3] = b_id;
	e = pg_cmd(st, q_addr, 4, p, NULL);
out:
	return tx_end(st, started, e);
}

enum dl_err
pg_outbox_list(struct store *st, struct arena *ar, const char *state, size_t offset,
    size_t limit, struct dl_outbox_row **out, size_t *n)
{
	static const char q[] = "SELECT id, kind, env_from, rcpt, size, state, attempts, created, due, "
	    "sent_at, error FROM outbox WHERE ($1::text = '' OR state = $1::text) "
	    "ORDER BY id DESC LIMIT $2 OFFSET $3";
	char b_lim[24], b_off[24];
	const char *p[3];
	struct dl_outbox_row *v;
	PGresult *r;
	enum dl_err e;
	size_t i = 0;
	int rows;

	*out = NULL;
	*n = 0;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = txt(state);
	p[1] = count_arg(b_lim, limit);
	p[2] = count_arg(b_off, offset);
	if ((r = pg_exec(st, q, 3, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (; i < limit && (int)i < rows; i++) {
		struct dl_outbox_row *o = &v[i];
		int k = (int)i;

		o->id = pg_int(r, k, 0);
		o->kind = pg_str(ar, r, k, 1);
		o->env_from = pg_str(ar, r, k, 2);
		o->rcpt = pg_str(ar, r, k, 3);
		o->data = "";
		o->len = (size_t)pg_int(r, k, 4);
		o->state = pg_str(ar, r, k, 5);
		o->attempts = (unsigned)pg_int(r, k, 6);
		o->created = pg_int(r, k, 7);
		o->due = pg_int(r, k, 8);
		o->sent_at = pg_int(r, k, 9);
		o->error = pg_str(ar, r, k, 10);
	}
	PQclear(r);
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
pg_outbox_counts(struct store *st, int64_t counts[4])
{
	static const char q[] = "SELECT state, COUNT(*) FROM outbox GROUP BY state";
	static const char *const names[] = { "queued", "sending", "sent", "failed" };
	PGresult *r;
	enum dl_err e;
	int k, i;

	memset(counts, 0, 4 * sizeof counts[0]);
	if ((r = pg_exec(st, q, 0, NULL, &e)) == NULL)
		return e;
	for (k = 0; k < PQntuples(r); k++)
		for (i = 0; i < 4; i++)
			if (strcmp(PQgetvalue(r, k, 0), names[i]) == 0)
				counts[i] = pg_int(r, k, 1);
	PQclear(r);
	return DL_OK;
}

enum dl_err
pg_bounces(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_bounce **out, size_t *n)
{
	static const char q[] = "SELECT addr, failures, bouncing, error, updated FROM mail_addresses "
	    "ORDER BY updated DESC, addr COLLATE \"C\" LIMIT $1 OFFSET $2";
	char b_lim[24], b_off[24];
	const char *p[2];
	struct dl_bounce *v;
	PGresult *r;
	enum dl_err e;
	size_t i = 0;
	int rows;

	*out = NULL;
	*n = 0;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = count_arg(b_lim, limit);
	p[1] = count_arg(b_off, offset);
	if ((r = pg_exec(st, q, 2, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (; i < limit && (int)i < rows; i++) {
		int k = (int)i;

		v[i].addr = pg_str(ar, r, k, 0);
		v[i].failures = pg_int(r, k, 1);
		v[i].bouncing = (int)pg_int(r, k, 2);
		v[i].error = pg_str(ar, r, k, 3);
		v[i].updated = pg_int(r, k, 4);
	}
	PQclear(r);
	*out = v;
	*n = i;
	return DL_OK;
}

/* ---- newsletters ---- */

enum dl_err
pg_newsletter_add(struct store *st, const struct dl_newsletter *nl, int64_t *id)
{
	/* NOT EXISTS spares an identity value in the usual case; ON CONFLICT
	 * covers a concurrent insert. */
	static const char q[] = "INSERT INTO newsletters (kind, lang, name, description, term_kind, "
	    "term_slug) SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text "
	    "WHERE NOT EXISTS (SELECT 1 FROM newsletters WHERE kind = $1::text AND lang = $2::text "
	    "AND term_kind = $5::bigint AND term_slug = $6::text) ON CONFLICT DO NOTHING RETURNING id";
	char b_kind[24];
	const char *p[6] = { txt(nl->kind), txt(nl->lang), txt(nl->name), txt(nl->description),
	    pg_i64(b_kind, (int64_t)nl->term_kind), txt(nl->term_slug) };
	PGresult *r;
	enum dl_err e;
	int found;

	if ((r = pg_exec(st, q, 6, p, &e)) == NULL)
		return e;
	if ((found = PQntuples(r) > 0) && id)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return found ? DL_OK : DL_ERR_EXISTS;
}

enum dl_err
pg_newsletters(struct store *st, struct arena *ar, const char *lang, struct dl_newsletter **out,
    size_t *n)
{
	static const char q[] = "SELECT id, kind, lang, name, description, term_kind, term_slug "
	    "FROM newsletters WHERE ($1::text = '' OR lang = $1::text) "
	    "ORDER BY lang COLLATE \"C\", kind = 'alert', name COLLATE \"C\", id LIMIT 500";
	const char *p[1] = { txt(lang) };
	struct dl_newsletter *v;
	PGresult *r;
	enum dl_err e;
	int i, rows;

	*out = NULL;
	*n = 0;
	if ((v = arena_alloc(ar, 501 * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	if ((r = pg_exec(st, q, 1, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (i = 0; i < rows && i < 500; i++) {
		v[i].id = pg_int(r, i, 0);
		v[i].kind = pg_str(ar, r, i, 1);
		v[i].lang = pg_str(ar, r, i, 2);
		v[i].name = pg_str(ar, r, i, 3);
		v[i].description = pg_str(ar, r, i, 4);
		v[i].term_kind = (enum dl_term_kind)pg_int(r, i, 5);
		v[i].term_slug = pg_str(ar, r, i, 6);
	}
	PQclear(r);
	*out = v;
	*n = (size_t)i;
	return DL_OK;
}

/* ---- subscribers ---- */

static enum dl_err
set_choices(struct store *st, int64_t id, const int64_t *nl, size_t n_nl, const char **places,
    size_t n_places, const char **tags, size_t n_tags)
{
	static const char q_d1[] = "DELETE FROM subscriber_newsletters WHERE subscriber = $1";
	static const char q_d2[] = "DELETE FROM subscriber_terms WHERE subscriber = $1";
	static const char q_nl[] = "INSERT INTO subscriber_newsletters (subscriber, newsletter) "
	    "SELECT $1::bigint, id FROM newsletters WHERE id = $2::bigint ON CONFLICT DO NOTHING";
	static const char q_t[] = "INSERT INTO subscriber_terms (subscriber, kind, slug) "
	    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
	char b_id[24], b_x[24];
	const char *p[3];
	enum dl_err e;
	size_t i;

	if (n_nl > CHOICES_MAX || n_places > CHOICES_MAX || n_tags > CHOICES_MAX)
		return DL_ERR_TOOBIG;
	p[0] = pg_i64(b_id, id);
	if ((e = pg_cmd(st, q_d1, 1, p, NULL)) != DL_OK ||
	    (e = pg_cmd(st, q_d2, 1, p, NULL)) != DL_OK)
		return e;
	for (i = 0; i < n_nl; i++) {
		p[1] = pg_i64(b_x, nl[i]);
		if ((e = pg_cmd(st, q_nl, 2, p, NULL)) != DL_OK)
			return e;
	}
	for (i = 0; i < n_places + n_tags; i++) {
		p[1] = pg_i64(b_x, i < n_places ? DL_PLACE : DL_TAG);
		p[2] = txt(i < n_places ? places[i] : tags[i - n_places]);
		if ((e = pg_cmd(st, q_t, 3, p, NULL)) != DL_OK)
			return e;
	}
	return DL_OK;
}

enum dl_err
pg_subscriber_request(struct store *st, const char *email, const char *lang,
    const char *frequency, const int64_t *newsletters, size_t n_newsletters, int64_t nonce,
    int64_t now, int64_t *id, int64_t *nonce_out, const char **status_out)
{
	/* FOR UPDATE: two requests for one address take turns. */
	static const char q_get[] = "SELECT id, status, nonce FROM subscribers WHERE email = $1 FOR UPDATE";
	static const char q_ins[] = "INSERT INTO subscribers (email, lang, frequency, status, nonce, created) "
	    "VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT DO NOTHING RETURNING id";
	static const char q_upd[] = "UPDATE subscribers SET lang = $1, frequency = $2, status = 'pending', "
	    "nonce = $3 WHERE id = $4";
	char status[16] = "", b_nonce[24], b_now[24], b_sid[24];
	const char *p[5];
	int64_t sid = 0, cur = 0;
	PGresult *r;
	enum dl_err e = DL_OK;
	int started = 0, attempt;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	/* The second round is for an address another request inserted
	 * between our SELECT and INSERT. */
	for (attempt = 0; attempt < 2 && sid == 0; attempt++) {
		p[0] = txt(email);
		if ((r = pg_exec(st, q_get, 1, p, &e)) == NULL)
			goto out;
		if (PQntuples(r) > 0) {
			sid = pg_int(r, 0, 0);
			snprintf(status, sizeof status, "%s", PQgetvalue(r, 0, 1));
			cur = pg_int(r, 0, 2);
		}
		PQclear(r);
		if (sid != 0)
			break;
		p[1] = txt(lang);
		p[2] = txt(frequency);
		p[3] = pg_i64(b_nonce, nonce);
		p[4] = pg_i64(b_now, now);
		if ((r = pg_exec(st, q_ins, 5, p, &e)) == NULL)
			goto out;
		if (PQntuples(r) > 0) {
			sid = pg_int(r, 0, 0);
			cur = nonce;
			snprintf(status, sizeof status, "new");
		}
		PQclear(r);
	}
	if (sid == 0) {
		log_error("store: subscriber request: the address came and went");
		e = DL_ERR_DB;
		goto out;
	}
	*status_out = "pending";
	if (strcmp(status, "active") == 0) {
		*status_out = "active";
		*id = sid;
		*nonce_out = cur;
		goto out;
	}
	if (strcmp(status, "new") != 0) {
		if (strcmp(status, "pending") != 0)
			cur = nonce;
		p[0] = txt(lang);
		p[1] = txt(frequency);
		p[2] = pg_i64(b_nonce, cur);
		p[3] = pg_i64(b_sid, sid);
		if ((e = pg_cmd(st, q_upd, 4, p, NULL)) != DL_OK)
			goto out;
	}
	e = set_choices(st, sid, newsletters, n_newsletters, NULL, 0, NULL, 0);
	*id = sid;
	*nonce_out = cur;
out:
	return tx_end(st, started, e);
}

enum dl_err
pg_subscriber_confirm(struct store *st, int64_t id, int64_t nonce, int64_t now)
{
	static const char q_get[] = "SELECT status, nonce FROM subscribers WHERE id = $1";
	static const char q_upd[] = "UPDATE subscribers SET status = 'active', confirmed = $1, "
	    "last_digest = $1, nonce = 0 WHERE id = $2 AND status = 'pending' AND nonce = $3";
	char status[16] = "", b_now[24], b_id[24], b_nonce[24];
	const char *p[3];
	int64_t cur = 0, changed = 0;
	PGresult *r;
	enum dl_err e;

	p[0] = pg_i64(b_id, id);
	if ((r = pg_exec(st, q_get, 1, p, &e)) == NULL)
		return e;
	if (PQntuples(r) > 0) {
		snprintf(status, sizeof status, "%s", PQgetvalue(r, 0, 0));
		cur = pg_int(r, 0, 1);
	}
	PQclear(r);
	if (strcmp(status, "active") == 0)
		return DL_ERR_EXISTS;
	if (strcmp(status, "pending") != 0 || cur != nonce || nonce == 0)
		return DL_ERR_NOTFOUND;
	p[0] = pg_i64(b_now, now);
	p[1] = pg_i64(b_id, id);
	p[2] = pg_i64(b_nonce, nonce);
	if ((e = pg_cmd(st, q_upd, 3, p, &changed)) != DL_OK)
		return e;
	return changed == 1 ? DL_OK : DL_ERR_EXISTS;
}

#define SUB_COLS "s.id, s.email, s.lang, s.frequency, s.status, s.nonce, s.created, s.confirmed, " \
	"s.last_digest, s.last_slot"

static enum dl_err
row_subscriber(struct arena *ar, const PGresult *r, int row, struct dl_subscriber *o)
{
	memset(o, 0, sizeof *o);
	o->id = pg_int(r, row, 0);
	o->email = pg_str(ar, r, row, 1);
	o->lang = pg_str(ar, r, row, 2);
	o->frequency = pg_str(ar, r, row, 3);
	o->status = pg_str(ar, r, row, 4);
	o->nonce = pg_int(r, row, 5);
	o->created = pg_int(r, row, 6);
	o->confirmed = pg_int(r, row, 7);
	o->last_digest = pg_int(r, row, 8);
	o->last_slot = pg_int(r, row, 9);
	return o->email && o->lang && o->frequency && o->status ? DL_OK : DL_ERR_NOMEM;
}

/* The ids of v[0..n) as a bigint[] literal ("{1,2,3}"). */
static const char *
id_array(struct arena *ar, const struct dl_subscriber *v, size_t n)
{
	char *s = arena_alloc(ar, n * 21 + 3), *w = s;
	size_t i;

	if (s == NULL)
		return NULL;
	*w++ = '{';
	for (i = 0; i < n; i++)
		w += sprintf(w, "%s%lld", i ? "," : "", (long long)v[i].id);
	*w++ = '}';
	*w = '\0';
	return s;
}

/* Loads the newsletters, places and tags of v[0..n), which are in
 * ascending id order, in two queries for all (as SQLite's per-subscriber
 * queries: newsletters by id, at most CHOICES_MAX; terms by kind and slug,
 * the first 2 * CHOICES_MAX rows, at most CHOICES_MAX of each kind). */
static enum dl_err
load_choices(struct store *st, struct arena *ar, struct dl_subscriber *v, size_t n)
{
	static const char q_nl[] = "SELECT subscriber, newsletter FROM subscriber_newsletters "
	    "WHERE subscriber = ANY ($1::bigint[]) ORDER BY subscriber, newsletter";
	static const char q_t[] = "SELECT subscriber, kind, slug FROM subscriber_terms "
	    "WHERE subscriber = ANY ($1::bigint[]) ORDER BY subscriber, kind, slug COLLATE \"C\"";
	const char *p[1];
	PGresult *r = NULL;
	enum dl_err e = DL_OK;
	size_t i, j, seen = 0;
	int k, rows;

	if (n == 0)
		return DL_OK;
	for (i = 0; i < n; i++) {
		v[i].newsletters = arena_alloc(ar, CHOICES_MAX * sizeof *v[i].newsletters);
		v[i].places = arena_alloc(ar, CHOICES_MAX * sizeof *v[i].places);
		v[i].tags = arena_alloc(ar, CHOICES_MAX * sizeof *v[i].tags);
		v[i].n_newsletters = v[i].n_places = v[i].n_tags = 0;
		if (!v[i].newsletters || !v[i].places || !v[i].tags)
			return DL_ERR_NOMEM;
	}
	if ((p[0] = id_array(ar, v, n)) == NULL)
		return DL_ERR_NOMEM;
	if ((r = pg_exec(st, q_nl, 1, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (k = 0, j = 0; k < rows; k++) {
		int64_t sub = pg_int(r, k, 0);

		while (j < n && v[j].id < sub)
			j++;
		if (j == n)
			break;
		if (v[j].id == sub && v[j].n_newsletters < CHOICES_MAX)
			v[j].newsletters[v[j].n_newsletters++] = pg_int(r, k, 1);
	}
	PQclear(r);
	if ((r = pg_exec(st, q_t, 1, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (k = 0, j = 0; k < rows; k++) {
		int64_t sub = pg_int(r, k, 0);
		int kind = (int)pg_int(r, k, 1);
		struct dl_subscriber *o;

		if (j < n && v[j].id < sub) {
			while (j < n && v[j].id < sub)
				j++;
			seen = 0;
		}
		if (j == n)
			break;
		o = &v[j];
		if (o->id != sub || seen++ >= 2 * CHOICES_MAX)
			continue;
		if (kind == DL_PLACE && o->n_places < CHOICES_MAX) {
			if ((o->places[o->n_places++] = pg_str(ar, r, k, 2)) == NULL)
				e = DL_ERR_NOMEM;
		} else if (kind == DL_TAG && o->n_tags < CHOICES_MAX) {
			if ((o->tags[o->n_tags++] = pg_str(ar, r, k, 2)) == NULL)
				e = DL_ERR_NOMEM;
		}
		if (e != DL_OK)
			break;
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_subscriber_get(struct store *st, struct arena *ar, int64_t id, struct dl_subscriber *out)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s WHERE s.id = $1";
	char b_id[24];
	const char *p[1] = { pg_i64(b_id, id) };
	PGresult *r;
	enum dl_err e;
	int found;

	if ((r = pg_exec(st, q, 1, p, &e)) == NULL)
		return e;
	if ((found = PQntuples(r) > 0))
		e = row_subscriber(ar, r, 0, out);
	PQclear(r);
	if (!found)
		return DL_ERR_NOTFOUND;
	if (e != DL_OK)
		return e;
	return load_choices(st, ar, out, 1);
}

enum dl_err
pg_subscriber_set_prefs(struct store *st, const struct dl_subscriber *sub)
{
	static const char q[] = "UPDATE subscribers SET lang = $1, frequency = $2 "
	    "WHERE id = $3 AND status = 'active'";
	char b_id[24];
	const char *p[3] = { txt(sub->lang), txt(sub->frequency), pg_i64(b_id, sub->id) };
	int64_t changed = 0;
	enum dl_err e;
	int started = 0;

	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	if ((e = pg_cmd(st, q, 3, p, &changed)) != DL_OK)
		goto out;
	if (changed != 1) {
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	e = set_choices(st, sub->id, sub->newsletters, sub->n_newsletters, sub->places, sub->n_places,
	    sub->tags, sub->n_tags);
out:
	return tx_end(st, started, e);
}

enum dl_err
pg_subscriber_leave(struct store *st, int64_t id, int64_t now)
{
	static const char q[] = "UPDATE subscribers SET status = 'left', nonce = 0 WHERE id = $1";
	char b_id[24];
	const char *p[1] = { pg_i64(b_id, id) };
	int64_t changed = 0;
	enum dl_err e;
	int started = 0;

	(void)now;
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	if ((e = pg_cmd(st, q, 1, p, &changed)) != DL_OK)
		goto out;
	if (changed != 1) {
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	e = set_choices(st, id, NULL, 0, NULL, 0, NULL, 0);
out:
	return tx_end(st, started, e);
}

enum dl_err
pg_subscriber_import(struct store *st, const char *email, const char *lang,
    const char *frequency, int64_t now, int64_t *id)
{
	/* One statement, so atomic without a transaction or savepoint of its
	 * own (an import makes thousands). No row back: the address is there. */
	static const char q[] = "WITH s AS (INSERT INTO subscribers (email, lang, frequency, status, "
	    "created, confirmed, last_digest) SELECT $1::text, $2::text, $3::text, 'active', $4::bigint, "
	    "$4::bigint, $4::bigint WHERE NOT EXISTS (SELECT 1 FROM subscribers WHERE email = $1::text) "
	    "ON CONFLICT DO NOTHING RETURNING id), "
	    "n AS (INSERT INTO subscriber_newsletters (subscriber, newsletter) SELECT s.id, nl.id "
	    "FROM s, newsletters nl WHERE nl.kind = 'digest' AND nl.lang = $2::text) "
	    "SELECT id FROM s";
	char b_now[24];
	const char *p[4] = { txt(email), txt(lang), txt(frequency), pg_i64(b_now, now) };
	PGresult *r;
	enum dl_err e;
	int added;

	if ((r = pg_exec(st, q, 4, p, &e)) == NULL)
		return e;
	if ((added = PQntuples(r) > 0) && id)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return added ? DL_OK : DL_ERR_EXISTS;
}

enum dl_err
pg_subscribers_due(struct store *st, struct arena *ar, const char *frequency, int64_t slot,
    int64_t after, size_t limit, struct dl_subscriber **out, size_t *n)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s WHERE s.status = 'active' "
	    "AND s.frequency = $1 AND s.last_slot < $2 AND s.id > $3 AND NOT EXISTS (SELECT 1 FROM "
	    "mail_addresses m WHERE m.addr = s.email AND m.bouncing = 1) ORDER BY s.id LIMIT $4";
	char b_slot[24], b_after[24], b_lim[24];
	const char *p[4];
	struct dl_subscriber *v;
	PGresult *r;
	enum dl_err e = DL_OK;
	size_t i = 0;
	int rows;

	*out = NULL;
	*n = 0;
	if ((v = rows_alloc(ar, &limit, 5000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = txt(frequency);
	p[1] = pg_i64(b_slot, slot);
	p[2] = pg_i64(b_after, after);
	p[3] = count_arg(b_lim, limit);
	if ((r = pg_exec(st, q, 4, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (; i < limit && (int)i < rows && e == DL_OK; i++)
		e = row_subscriber(ar, r, (int)i, &v[i]);
	PQclear(r);
	if (e != DL_OK || (e = load_choices(st, ar, v, i)) != DL_OK)
		return e;
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
pg_subscriber_digest_done(struct store *st, int64_t id, int64_t slot, int64_t cutoff)
{
	static const char q[] = "UPDATE subscribers SET last_slot = $1, "
	    "last_digest = CASE WHEN $2::bigint > 0 THEN $2::bigint ELSE last_digest END WHERE id = $3";
	char b_slot[24], b_cut[24], b_id[24];
	const char *p[3] = { pg_i64(b_slot, slot), pg_i64(b_cut, cutoff), pg_i64(b_id, id) };

	return pg_cmd(st, q, 3, p, NULL);
}

enum dl_err
pg_subscribers_list(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_subscriber **out, size_t *n, int64_t *total)
{
	static const char q[] = "SELECT " SUB_COLS " FROM subscribers s ORDER BY s.id LIMIT $1 OFFSET $2";
	static const char q_n[] = "SELECT COUNT(*) FROM subscribers";
	char b_lim[24], b_off[24];
	const char *p[2];
	struct dl_subscriber *v;
	PGresult *r;
	enum dl_err e = DL_OK;
	size_t i = 0;
	int rows;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((v = rows_alloc(ar, &limit, 100000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = count_arg(b_lim, limit);
	p[1] = count_arg(b_off, offset);
	if ((r = pg_exec(st, q, 2, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (; i < limit && (int)i < rows && e == DL_OK; i++)
		e = row_subscriber(ar, r, (int)i, &v[i]);
	PQclear(r);
	if (e != DL_OK)
		return e;
	if ((r = pg_exec(st, q_n, 0, NULL, &e)) == NULL)
		return e;
	if (PQntuples(r) > 0)
		*total = pg_int(r, 0, 0);
	PQclear(r);
	*out = v;
	*n = i;
	return DL_OK;
}

enum dl_err
pg_terms_used(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang,
    size_t limit, struct dl_term **out, size_t *n)
{
	static const char q[] = "SELECT t.name, t.slug FROM terms t JOIN article_terms x ON x.term = t.id "
	    "JOIN articles a ON a.id = x.article AND a.status = 0 WHERE t.kind = $1 AND t.lang = $2 "
	    "GROUP BY t.id, t.name, t.slug ORDER BY COUNT(*) DESC, t.name COLLATE \"C\", t.id LIMIT $3";
	char b_kind[24], b_lim[24];
	const char *p[3];
	struct dl_term *v;
	PGresult *r;
	enum dl_err e;
	size_t i = 0;
	int rows;

	*out = NULL;
	*n = 0;
	if ((v = rows_alloc(ar, &limit, 1000, sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	p[0] = pg_i64(b_kind, (int64_t)kind);
	p[1] = txt(lang);
	p[2] = count_arg(b_lim, limit);
	if ((r = pg_exec(st, q, 3, p, &e)) == NULL)
		return e;
	rows = PQntuples(r);
	for (; i < limit && (int)i < rows; i++) {
		v[i].name = pg_str(ar, r, (int)i, 0);
		v[i].slug = pg_str(ar, r, (int)i, 1);
	}
	PQclear(r);
	*out = v;
	*n = i;
	return DL_OK;
}
