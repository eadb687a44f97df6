/* sqlite_copy.c - rows as values, for `dateline migrate` (store.h's
 * whole-site copy) on SQLite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "store/sqlite_int.h"

#define COPY_MAX_COLS 32

enum dl_err
sqlite_table_each(struct store *st, const char *table,
    int (*fn)(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals), void *ctx)
{
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;
	const char *cols[COPY_MAX_COLS];
	struct dl_value vals[COPY_MAX_COLS];
	char sql[160];
	int rc, n, i;

	if (!store_table_known(table))
		return DL_ERR_INVALID;
	if (db == NULL)
		return DL_ERR_DB;
	snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_error("store: %s: %s", sql, sqlite3_errmsg(db));
		return DL_ERR_DB;
	}
	n = sqlite3_column_count(s);
	if (n > COPY_MAX_COLS) {
		sqlite3_finalize(s);
		return DL_ERR_TOOBIG;
	}
	for (i = 0; i < n; i++)
		cols[i] = sqlite3_column_name(s, i);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			struct dl_value *v = &vals[i];

			memset(v, 0, sizeof *v);
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				v->type = DL_V_INT;
				v->i = sqlite3_column_int64(s, i);
				break;
			case SQLITE_FLOAT:
				v->type = DL_V_REAL;
				v->r = sqlite3_column_double(s, i);
				break;
			case SQLITE_TEXT:
				v->type = DL_V_TEXT;
				v->p = sqlite3_column_text(s, i);
				v->len = (size_t)sqlite3_column_bytes(s, i);
				break;
			case SQLITE_BLOB:
				v->type = DL_V_BLOB;
				v->p = sqlite3_column_blob(s, i);
				v->len = (size_t)sqlite3_column_bytes(s, i);
				break;
			default:
				v->type = DL_V_NULL;
			}
		}
		if (fn(ctx, (size_t)n, cols, vals) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_error("store: reading %s: %s", table, sqlite3_errmsg(db));
		return DL_ERR_DB;
	}
	return DL_OK;
}

enum dl_err
sqlite_table_put(struct store *st, const char *table, size_t n, const char *const *cols,
    const struct dl_value *vals)
{
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;
	char sql[2048];
	size_t i, len;
	int rc;

	if (!store_table_known(table) || n == 0 || n > COPY_MAX_COLS)
		return DL_ERR_INVALID;
	if (db == NULL)
		return DL_ERR_DB;
	len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (", table);
	for (i = 0; i < n && len < sizeof sql; i++) {
		if (!store_name_plain(cols[i]))
			return DL_ERR_INVALID;
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? ", " : "", cols[i]);
	}
	for (i = 0; i < n && len < sizeof sql; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?", i ? ", " : ") VALUES (");
	if (len + 2 >= sizeof sql)
		return DL_ERR_TOOBIG;
	strcat(sql, ")");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_error("store: %s: %s", sql, sqlite3_errmsg(db));
		return DL_ERR_DB;
	}
	for (i = 0; i < n; i++) {
		const struct dl_value *v = &vals[i];
		int k = (int)i + 1;

		switch (v->type) {
		case DL_V_INT: sqlite3_bind_int64(s, k, v->i); break;
		case DL_V_REAL: sqlite3_bind_double(s, k, v->r); break;
		case DL_V_TEXT: sqlite3_bind_text(s, k, v->p, (int)v->len, SQLITE_TRANSIENT); break;
		case DL_V_BLOB: sqlite3_bind_blob(s, k, v->p, (int)v->len, SQLITE_TRANSIENT); break;
		default: sqlite3_bind_null(s, k);
		}
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_error("store: copying a row into %s: %s", table, sqlite3_errmsg(db));
		return (rc & 0xff) == SQLITE_CONSTRAINT ? DL_ERR_EXISTS : DL_ERR_DB;
	}
	return DL_OK;
}

enum dl_err
sqlite_table_count(struct store *st, const char *table, int64_t *n)
{
	sqlite3 *db = sqlite_conn(st);
	sqlite3_stmt *s = NULL;
	char sql[160];
	enum dl_err e = DL_ERR_DB;

	if (!store_table_known(table))
		return DL_ERR_INVALID;
	if (db == NULL)
		return DL_ERR_DB;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*n = sqlite3_column_int64(s, 0);
		e = DL_OK;
	}
	sqlite3_finalize(s);
	return e;
}

enum dl_err
sqlite_copy_finish(struct store *st)
{
	int64_t n;
	enum dl_err e = sqlite_search_rebuild(st, &n);

	sqlite_bump_generation(st);
	return e;
}
