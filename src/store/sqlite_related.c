/* sqlite_related.c - stored See-also lists and editor overrides. */
#include <stdlib.h>
#include <string.h>
#include "store/sqlite_int.h"
#include "store/store.h"

#define REL_LIST_MAX 1000

static int64_t
id_of(struct store *st, const char *uri)
{
	static const char sql[] = "SELECT id FROM articles WHERE uri = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int64_t id = 0;

	if (s == NULL || uri == NULL)
		return -1;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

enum dl_err
sqlite_related_put(struct store *st, const char *uri, const struct dl_related *items, size_t n)
{
	static const char del[] = "DELETE FROM related WHERE article = ?";
	static const char ins[] = "INSERT INTO related (article, rank, related_uri, score) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s;
	int64_t id = id_of(st, uri);
	size_t i;
	int rc;

	if (id < 0)
		return DL_ERR_DB;
	if (id == 0)
		return DL_ERR_NOTFOUND;
	if (n > REL_LIST_MAX)
		return DL_ERR_TOOBIG;
	if ((s = sqlite_stmt(st, del)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return DL_ERR_DB;
	for (i = 0; i < n; i++) {
		if ((s = sqlite_stmt(st, ins)) == NULL)
			return DL_ERR_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		sqlite3_bind_text(s, 3, items[i].uri, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 4, items[i].score);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return DL_ERR_DB;
	}
	return DL_OK;
}

enum dl_err
sqlite_related_get(struct store *st, struct arena *ar, const char *uri, struct dl_related **out,
    size_t *n)
{
	static const char sql[] = "SELECT r.related_uri, r.score FROM related r "
	    "JOIN articles q ON q.id = r.article JOIN articles a ON a.uri = r.related_uri "
	    "WHERE q.uri = ? AND a.status = 0 ORDER BY r.rank LIMIT 1000";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	struct dl_related *v;
	size_t cap = 32;
	enum dl_err e = DL_OK;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return DL_ERR_DB;
	if ((v = arena_alloc(ar, cap * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			struct dl_related *nv = arena_alloc(ar, cap * 2 * sizeof *nv);

			if (nv == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			memcpy(nv, v, cap * sizeof *v);
			v = nv;
			cap *= 2;
		}
		v[*n].uri = arena_strdup(ar, (const char *)sqlite3_column_text(s, 0));
		v[*n].score = sqlite3_column_double(s, 1);
		if (v[*n].uri == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		e = DL_ERR_DB;
	*out = v;
out:
	sqlite3_reset(s);
	return e;
}

enum dl_err
sqlite_related_override_set(struct store *st, const char *uri, const char *other,
    enum dl_related_override kind)
{
	static const char del[] = "DELETE FROM related_overrides WHERE article_uri = ? AND other_uri = ?";
	static const char ins[] = "INSERT OR REPLACE INTO related_overrides (article_uri, other_uri, kind, seq) "
	    "VALUES (?1, ?2, ?3, (SELECT coalesce(max(seq), 0) + 1 FROM related_overrides WHERE article_uri = ?1))";
	sqlite3_stmt *s;
	int64_t a = id_of(st, uri), b = id_of(st, other);
	int rc;

	if (a < 0 || b < 0)
		return DL_ERR_DB;
	if (a == 0 || b == 0)
		return DL_ERR_NOTFOUND;
	if (kind != DL_REL_NONE && kind != DL_REL_PIN && kind != DL_REL_EXCLUDE)
		return DL_ERR_INVALID;
	if ((s = sqlite_stmt(st, kind == DL_REL_NONE ? del : ins)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, other, -1, SQLITE_STATIC);
	if (kind != DL_REL_NONE)
		sqlite3_bind_int(s, 3, (int)kind);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DL_OK : DL_ERR_DB;
}

enum dl_err
sqlite_related_overrides(struct store *st, struct arena *ar, const char *uri, const char ***others,
    enum dl_related_override **kinds, size_t *n)
{
	static const char sql[] = "SELECT other_uri, kind FROM related_overrides WHERE article_uri = ? "
	    "ORDER BY kind, seq LIMIT 100";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	enum dl_err e = DL_OK;
	int rc;

	*n = 0;
	*others = NULL;
	*kinds = NULL;
	if (s == NULL)
		return DL_ERR_DB;
	*others = arena_alloc(ar, 100 * sizeof **others);
	*kinds = arena_alloc(ar, 100 * sizeof **kinds);
	if (*others == NULL || *kinds == NULL)
		return DL_ERR_NOMEM;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		(*others)[*n] = arena_strdup(ar, (const char *)sqlite3_column_text(s, 0));
		(*kinds)[*n] = (enum dl_related_override)sqlite3_column_int(s, 1);
		if ((*others)[*n] == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		(*n)++;
	}
	if (e == DL_OK && rc != SQLITE_DONE)
		e = DL_ERR_DB;
	sqlite3_reset(s);
	return e;
}

/* ---- the engine's saved state ---- */

enum dl_err
sqlite_related_state_put(struct store *st, const char *name, const void *data, size_t len)
{
	static const char sql[] = "INSERT OR REPLACE INTO related_state (name, data) VALUES (?, ?)";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int rc;

	if (s == NULL)
		return DL_ERR_DB;
	if (len > 0x7fffffff)
		return DL_ERR_TOOBIG;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, len ? data : "", (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? DL_OK : DL_ERR_DB;
}

/* Blobs are read with SQLite's incremental blob I/O straight into the
 * caller's memory (a column read would copy a large blob twice). */
static enum dl_err
state_open(struct store *st, const char *name, sqlite3_blob **out)
{
	static const char sql[] = "SELECT rowid FROM related_state WHERE name = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	sqlite3 *db = sqlite_conn(st);
	sqlite3_int64 rowid;
	int rc;

	*out = NULL;
	if (s == NULL || db == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	rowid = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return DL_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		return DL_ERR_DB;
	if (sqlite3_blob_open(db, "main", "related_state", "data", rowid, 0, out) != SQLITE_OK) {
		sqlite3_blob_close(*out);
		*out = NULL;
		return DL_ERR_DB;
	}
	return DL_OK;
}

enum dl_err
sqlite_related_state_get(struct store *st, const char *name, void **data, size_t *len)
{
	sqlite3_blob *b;
	enum dl_err e;
	size_t n;

	*data = NULL;
	*len = 0;
	if ((e = state_open(st, name, &b)) != DL_OK)
		return e;
	n = (size_t)sqlite3_blob_bytes(b);
	if ((*data = malloc(n ? n : 1)) == NULL) {
		sqlite3_blob_close(b);
		return DL_ERR_NOMEM;
	}
	if (n && sqlite3_blob_read(b, *data, (int)n, 0) != SQLITE_OK) {
		sqlite3_blob_close(b);
		free(*data);
		*data = NULL;
		return DL_ERR_DB;
	}
	sqlite3_blob_close(b);
	*len = n;
	return DL_OK;
}

enum dl_err
sqlite_related_state_each(struct store *st, const char *prefix,
    int (*fn)(void *ctx, const char *name, const void *data, size_t len), void *ctx)
{
	static const char sql[] = "SELECT name, data FROM related_state WHERE substr(name, 1, ?) = ? "
	    "ORDER BY name";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int rc;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, (int)strlen(prefix));
	sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 1);

		if (fn(ctx, (const char *)sqlite3_column_text(s, 0), p ? p : "",
		    (size_t)sqlite3_column_bytes(s, 1)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DL_OK : DL_ERR_DB;
}

enum dl_err
sqlite_related_state_clear(struct store *st)
{
	static const char sql[] = "DELETE FROM related_state";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int rc;

	if (s == NULL)
		return DL_ERR_DB;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? DL_OK : DL_ERR_DB;
}

enum dl_err
sqlite_related_state_read(struct store *st, const char *name, const size_t *offsets, size_t n,
    size_t len, void *buf)
{
	sqlite3_blob *b;
	enum dl_err e = DL_OK;
	size_t i, total;

	if (len > 0x7fffffff)
		return DL_ERR_TOOBIG;
	if ((e = state_open(st, name, &b)) != DL_OK)
		return e;
	total = (size_t)sqlite3_blob_bytes(b);
	for (i = 0; i < n && e == DL_OK; i++) {
		if (offsets[i] > total || total - offsets[i] < len)
			e = DL_ERR_CORRUPT;
		else if (sqlite3_blob_read(b, (char *)buf + i * len, (int)len, (int)offsets[i]) != SQLITE_OK)
			e = DL_ERR_DB;
	}
	sqlite3_blob_close(b);
	return e;
}
