/* pg_related.c - stored See-also lists, editor overrides and the See-also
 * engine's saved state on PostgreSQL: as sqlite_related.c. Like it, these
 * writes do not bump the generation themselves: the caller calls
 * store_touch() once the lists are written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "store/pg_int.h"

#define REL_LIST_MAX 1000
/* Past any bytea (1 GB at most): a larger offset reads nothing either. */
#define OFF_MAX 2000000000u

/* The article id of `uri`: 0 when none, -1 on error. */
static int64_t
id_of(struct store *st, const char *uri)
{
	static const char sql[] = "SELECT id FROM articles WHERE uri = $1";
	const char *p[1] = { uri };
	PGresult *r;
	int64_t id = 0;

	if (uri == NULL || (r = pg_exec(st, sql, 1, p, NULL)) == NULL)
		return -1;
	if (PQntuples(r) > 0)
		id = pg_int(r, 0, 0);
	PQclear(r);
	return id;
}

/* Appends s to the array literal in b (quoted, with \ before " and \). */
static char *
put_elem(char *b, const char *s)
{
	*b++ = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			*b++ = '\\';
		*b++ = *s;
	}
	*b++ = '"';
	return b;
}

enum dl_err
pg_related_put(struct store *st, const char *uri, const struct dl_related *items, size_t n)
{
	static const char del[] = "DELETE FROM related WHERE article = $1";
	static const char ins[] = "INSERT INTO related (article, rank, related_uri, score) "
	    "SELECT $1::bigint, u.i - 1, u.uri, u.score FROM unnest($2::text[], $3::float8[]) "
	    "WITH ORDINALITY AS u (uri, score, i)";
	int64_t id = id_of(st, uri);
	char idb[24], *uris = NULL, *scores = NULL, *u, *s;
	const char *p[3];
	size_t i, ulen = 3, slen = 3;
	enum dl_err e;

	if (id < 0)
		return DL_ERR_DB;
	if (id == 0)
		return DL_ERR_NOTFOUND;
	if (n > REL_LIST_MAX)
		return DL_ERR_TOOBIG;
	p[0] = pg_i64(idb, id);
	if ((e = pg_cmd(st, del, 1, p, NULL)) != DL_OK)
		return e == DL_ERR_NOMEM ? e : DL_ERR_DB;
	if (n == 0)
		return DL_OK;
	for (i = 0; i < n; i++) {
		if (items[i].uri == NULL)   /* SQLite's NOT NULL refuses it */
			return DL_ERR_DB;
		ulen += strlen(items[i].uri) * 2 + 3;
		slen += 32;
	}
	if ((uris = malloc(ulen)) == NULL || (scores = malloc(slen)) == NULL) {
		free(uris);
		return DL_ERR_NOMEM;
	}
	u = uris;
	s = scores;
	*u++ = '{';
	*s++ = '{';
	for (i = 0; i < n; i++) {
		if (i) {
			*u++ = ',';
			*s++ = ',';
		}
		u = put_elem(u, items[i].uri);
		s += snprintf(s, 32, "%.17g", items[i].score);
	}
	*u++ = '}';
	*u = '\0';
	*s++ = '}';
	*s = '\0';
	p[1] = uris;
	p[2] = scores;
	e = pg_cmd(st, ins, 3, p, NULL);
	free(uris);
	free(scores);
	return e == DL_OK || e == DL_ERR_NOMEM ? e : DL_ERR_DB;
}

enum dl_err
pg_related_get(struct store *st, struct arena *ar, const char *uri, struct dl_related **out,
    size_t *n)
{
	static const char sql[] = "SELECT r.related_uri, r.score FROM related r "
	    "JOIN articles q ON q.id = r.article JOIN articles a ON a.uri = r.related_uri "
	    "WHERE q.uri = $1 AND a.status = 0 ORDER BY r.rank LIMIT 1000";
	const char *p[1] = { uri };
	struct dl_related *v;
	PGresult *r;
	size_t rows, i;
	enum dl_err e = DL_OK;

	*out = NULL;
	*n = 0;
	if ((r = pg_exec(st, sql, 1, p, NULL)) == NULL)
		return DL_ERR_DB;
	rows = (size_t)PQntuples(r);
	if ((v = arena_alloc(ar, (rows > 32 ? rows : 32) * sizeof *v)) == NULL) {
		PQclear(r);
		return DL_ERR_NOMEM;
	}
	for (i = 0; i < rows; i++) {
		v[i].uri = pg_str(ar, r, (int)i, 0);
		v[i].score = pg_real(r, (int)i, 1);
		if (v[i].uri == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
	}
	PQclear(r);
	if (e != DL_OK)
		return e;
	*out = v;
	*n = rows;
	return DL_OK;
}

enum dl_err
pg_related_override_set(struct store *st, const char *uri, const char *other,
    enum dl_related_override kind)
{
	static const char del[] = "DELETE FROM related_overrides WHERE article_uri = $1 AND other_uri = $2";
	/* As SQLite's INSERT OR REPLACE: the sequence number is counted
	 * before the old row goes, so that a changed override moves last. */
	static const char ins[] = "INSERT INTO related_overrides (article_uri, other_uri, kind, seq) "
	    "VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0) + 1 FROM related_overrides WHERE article_uri = $1)) "
	    "ON CONFLICT (article_uri, other_uri) DO UPDATE SET kind = EXCLUDED.kind, seq = EXCLUDED.seq";
	int64_t a = id_of(st, uri), b = id_of(st, other);
	char kb[24];
	const char *p[3] = { uri, other, NULL };

	if (a < 0 || b < 0)
		return DL_ERR_DB;
	if (a == 0 || b == 0)
		return DL_ERR_NOTFOUND;
	if (kind != DL_REL_NONE && kind != DL_REL_PIN && kind != DL_REL_EXCLUDE)
		return DL_ERR_INVALID;
	if (kind == DL_REL_NONE)
		return pg_cmd(st, del, 2, p, NULL) == DL_OK ? DL_OK : DL_ERR_DB;
	p[2] = pg_i64(kb, (int64_t)kind);
	return pg_cmd(st, ins, 3, p, NULL) == DL_OK ? DL_OK : DL_ERR_DB;
}

enum dl_err
pg_related_overrides(struct store *st, struct arena *ar, const char *uri, const char ***others,
    enum dl_related_override **kinds, size_t *n)
{
	static const char sql[] = "SELECT other_uri, kind FROM related_overrides WHERE article_uri = $1 "
	    "ORDER BY kind, seq LIMIT 100";
	const char *p[1] = { uri };
	enum dl_err e = DL_OK;
	PGresult *r;
	size_t rows, i;

	*n = 0;
	*others = NULL;
	*kinds = NULL;
	*others = arena_alloc(ar, 100 * sizeof **others);
	*kinds = arena_alloc(ar, 100 * sizeof **kinds);
	if (*others == NULL || *kinds == NULL)
		return DL_ERR_NOMEM;
	if ((r = pg_exec(st, sql, 1, p, NULL)) == NULL)
		return DL_ERR_DB;
	rows = (size_t)PQntuples(r);
	for (i = 0; i < rows && i < 100; i++) {
		(*others)[*n] = pg_str(ar, r, (int)i, 0);
		(*kinds)[*n] = (enum dl_related_override)pg_int(r, (int)i, 1);
		if ((*others)[*n] == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		(*n)++;
	}
	PQclear(r);
	return e;
}

/* ---- the engine's saved state ---- */

enum dl_err
pg_related_state_put(struct store *st, const char *name, const void *data, size_t len)
{
	static const char sql[] = "INSERT INTO related_state (name, data) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data";
	const char *p[2] = { name, len ? data : "" };
	int lens[2] = { 0, (int)len }, bin[2] = { 0, 1 };
	PGresult *r;

	if (len > 0x7fffffff)
		return DL_ERR_TOOBIG;
	if ((r = pg_exec_bin(st, sql, 2, p, lens, bin, NULL)) == NULL)
		return DL_ERR_DB;
	PQclear(r);
	return DL_OK;
}

/* Blob `name` into a malloc'd copy. The answer comes in binary: a text
 * answer (hex) is twice the size and its decoding took most of the time
 * for the engine's blob (tens of megabytes), so this one statement goes
 * to the thread's connection directly rather than through pg_exec(). */
static enum dl_err
blob_get(struct store *st, const char *name, void **data, size_t *len)
{
	static const char sql[] = "SELECT data FROM related_state WHERE name = $1";
	const char *p[1] = { name };
	PGconn *c = pg_conn(st);
	PGresult *r;
	enum dl_err e = DL_OK;
	size_t n;

	*data = NULL;
	*len = 0;
	if (c == NULL)
		return DL_ERR_DB;
	r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error("store: %s: %s", sql, PQerrorMessage(c));
		e = DL_ERR_DB;
	} else if (PQntuples(r) == 0) {
		e = DL_ERR_NOTFOUND;
	} else {
		n = (size_t)PQgetlength(r, 0, 0);
		if ((*data = malloc(n ? n : 1)) == NULL) {
			e = DL_ERR_NOMEM;
		} else {
			memcpy(*data, PQgetvalue(r, 0, 0), n);
			*len = n;
		}
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_related_state_get(struct store *st, const char *name, void **data, size_t *len)
{
	return blob_get(st, name, data, len);
}

/* Names first, then each blob on its own: the blobs may be large, and fn
 * may stop early. */
enum dl_err
pg_related_state_each(struct store *st, const char *prefix,
    int (*fn)(void *ctx, const char *name, const void *data, size_t len), void *ctx)
{
	static const char names[] = "SELECT name FROM related_state WHERE substr(name, 1, $1) = $2 "
	    "ORDER BY name COLLATE \"C\"";
	char lb[24];
	const char *p[2] = { pg_i64(lb, (int64_t)strlen(prefix)), prefix }, *name;
	enum dl_err e = DL_OK;
	PGresult *r;
	void *data;
	size_t len;
	int i, stop = 0;

	if ((r = pg_exec(st, names, 2, p, NULL)) == NULL)
		return DL_ERR_DB;
	for (i = 0; i < PQntuples(r) && !stop && e == DL_OK; i++) {
		name = PQgetvalue(r, i, 0);
		if ((e = blob_get(st, name, &data, &len)) == DL_ERR_NOTFOUND) {
			e = DL_OK;      /* gone meanwhile */
			continue;
		}
		if (e == DL_OK)
			stop = fn(ctx, name, data, len) != 0;
		free(data);
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_related_state_clear(struct store *st)
{
	static const char sql[] = "DELETE FROM related_state";

	return pg_cmd(st, sql, 0, NULL, NULL) == DL_OK ? DL_OK : DL_ERR_DB;
}

/* Only the pieces asked for leave the server: substring() of each offset,
 * one after the other in one bytea. */
enum dl_err
pg_related_state_read(struct store *st, const char *name, const size_t *offsets, size_t n,
    size_t len, void *buf)
{
	static const char sql[] = "SELECT octet_length(s.data), (SELECT string_agg("
	    "substring(s.data FROM u.o + 1 FOR $3::int), ''::bytea ORDER BY u.i) "
	    "FROM unnest($2::int[]) WITH ORDINALITY AS u (o, i)) FROM related_state s WHERE s.name = $1";
	char lb[24], *offs = NULL;
	const char *p[3];
	unsigned char *pieces = NULL;
	enum dl_err e = DL_OK;
	PGresult *r = NULL;
	size_t i, total, cap, k = 0, got = 0;

	if (len > 0x7fffffff)
		return DL_ERR_TOOBIG;
	cap = n * 21 + 3;
	if ((offs = malloc(cap)) == NULL)
		return DL_ERR_NOMEM;
	offs[k++] = '{';
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(offs + k, cap - k, "%s%llu", i ? "," : "",
		    (unsigned long long)(offsets[i] > OFF_MAX ? OFF_MAX : offsets[i]));
	offs[k++] = '}';
	offs[k] = '\0';
	p[0] = name;
	p[1] = offs;
	p[2] = pg_i64(lb, (int64_t)len);
	r = pg_exec(st, sql, 3, p, NULL);
	free(offs);
	if (r == NULL)
		return DL_ERR_DB;
	if (PQntuples(r) == 0) {
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	total = (size_t)pg_int(r, 0, 0);
	if (n > 0 && !PQgetisnull(r, 0, 1)) {
		/* The pieces are a few hundred bytes: their text form is fine. */
		if ((pieces = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1),
		    &got)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
	}
	/* Every piece before the first short one is whole, len bytes. */
	for (i = 0; i < n && e == DL_OK; i++) {
		if (offsets[i] > total || total - offsets[i] < len)
			e = DL_ERR_CORRUPT;
		else if (got < (i + 1) * len)
			e = DL_ERR_DB;
		else
			memcpy((char *)buf + i * len, pieces + i * len, len);
	}
out:
	PQfreemem(pieces);
	PQclear(r);
	return e;
}
