/* pg_copy.c - rows as values, for `dateline migrate` (store.h's
 * whole-site copy) on PostgreSQL. Reading goes through a cursor in binary
 * format, a batch at a time, so that a large table never sits whole in
 * memory and bytea arrives as bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "store/pg_int.h"

#define COPY_MAX_COLS 32
#define FETCH_ROWS 100

/* PostgreSQL type oids (pg_type.h is not a client header). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701

static uint64_t
be(const char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | (unsigned char)p[i];
	return v;
}

/* Field (row, i) of a binary-format result as a value. */
static enum dl_err
value_of(const PGresult *r, int row, int i, struct dl_value *v)
{
	const char *p = PQgetvalue(r, row, i);
	int len = PQgetlength(r, row, i);
	Oid t = PQftype(r, i);
	uint64_t u;
	union { uint64_t u; double d; } d8;
	union { uint32_t u; float f; } d4;

	memset(v, 0, sizeof *v);
	if (PQgetisnull(r, row, i)) {
		v->type = DL_V_NULL;
		return DL_OK;
	}
	switch (t) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_BOOL:
		if (len != 8 && len != 4 && len != 2 && len != 1)
			return DL_ERR_CORRUPT;
		u = be(p, len);
		v->type = DL_V_INT;
		/* Sign-extend the narrow ones. */
		if (len == 8)
			v->i = (int64_t)u;
		else if (len == 4)
			v->i = (int32_t)(uint32_t)u;
		else if (len == 2)
			v->i = (int16_t)(uint16_t)u;
		else
			v->i = (int64_t)u;
		return DL_OK;
	case OID_FLOAT8:
		if (len != 8)
			return DL_ERR_CORRUPT;
		d8.u = be(p, 8);
		v->type = DL_V_REAL;
		v->r = d8.d;
		return DL_OK;
	case OID_FLOAT4:
		if (len != 4)
			return DL_ERR_CORRUPT;
		d4.u = (uint32_t)be(p, 4);
		v->type = DL_V_REAL;
		v->r = d4.f;
		return DL_OK;
	case OID_BYTEA:
		v->type = DL_V_BLOB;
		v->p = p;
		v->len = (size_t)len;
		return DL_OK;
	default:
		/* text, varchar...: their binary form is the text. Types
		 * whose binary form is not (dates, numeric) do not occur in
		 * dateline's tables. */
		v->type = DL_V_TEXT;
		v->p = p;
		v->len = (size_t)len;
		return DL_OK;
	}
}

/* "ORDER BY" and the table's primary key columns, or "" without one. */
static enum dl_err
key_order(struct store *st, const char *table, char *out, size_t len)
{
	static const char sql[] = "SELECT a.attname FROM pg_index i "
	    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
	    "WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
	    "ORDER BY array_position(i.indkey::int2[], a.attnum)";
	const char *params[1] = { table };
	enum dl_err e;
	PGresult *r;
	size_t n = 0;
	int i;

	out[0] = '\0';
	if ((r = pg_exec(st, sql, 1, params, &e)) == NULL)
		return e;
	for (i = 0; i < PQntuples(r); i++) {
		const char *col = PQgetvalue(r, i, 0);

		if (!store_name_plain(col) || n + strlen(col) + 12 >= len) {
			PQclear(r);
			return DL_ERR_INVALID;
		}
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : " ORDER BY ", col);
	}
	PQclear(r);
	return DL_OK;
}

/* Runs cursor command `sql` (not prepared: cursors come and go) on the
 * thread's connection, results in binary. */
static PGresult *
cursor_cmd(struct store *st, const char *sql, enum dl_err *e)
{
	PGconn *pg = pg_conn(st);
	PGresult *r;
	char m[300];

	*e = DL_OK;
	if (pg == NULL) {
		*e = DL_ERR_DB;
		return NULL;
	}
	r = PQexecParams(pg, sql, 0, NULL, NULL, NULL, NULL, 1);
	if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	snprintf(m, sizeof m, "%s", r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(pg));
	m[strcspn(m, "\n")] = '\0';
	log_error("store: %s: %s", sql, m);
	PQclear(r);
	*e = DL_ERR_DB;
	return NULL;
}

enum dl_err
pg_table_each(struct store *st, const char *table,
    int (*fn)(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals), void *ctx)
{
	static unsigned seq;    /* cursor names: callbacks may nest */
	const char *cols[COPY_MAX_COLS];
	struct dl_value vals[COPY_MAX_COLS];
	char order[512], sql[768], name[32], fetch[80], close_sql[64];
	enum dl_err e, e2;
	PGresult *r = NULL;
	int started, n, i, row, stop = 0;

	if (!store_table_known(table))
		return DL_ERR_INVALID;
	if ((e = key_order(st, table, order, sizeof order)) != DL_OK)
		return e;
	snprintf(name, sizeof name, "dl_copy_%u", __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	snprintf(sql, sizeof sql, "DECLARE %s NO SCROLL CURSOR FOR SELECT * FROM %s%s", name, table,
	    order);
	snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", FETCH_ROWS, name);
	snprintf(close_sql, sizeof close_sql, "CLOSE %s", name);
	/* A cursor lives in a transaction. */
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	if ((r = cursor_cmd(st, sql, &e)) == NULL)
		goto out;
	PQclear(r);
	while (!stop && (r = cursor_cmd(st, fetch, &e)) != NULL) {
		if (PQntuples(r) == 0)
			break;
		if ((n = PQnfields(r)) > COPY_MAX_COLS) {
			e = DL_ERR_TOOBIG;
			break;
		}
		for (i = 0; i < n; i++)
			cols[i] = PQfname(r, i);
		for (row = 0; row < PQntuples(r) && !stop; row++) {
			for (i = 0; i < n && e == DL_OK; i++)
				e = value_of(r, row, i, &vals[i]);
			if (e != DL_OK) {
				log_error("store: reading %s: a value of an unexpected type", table);
				stop = 1;
			} else if (fn(ctx, (size_t)n, cols, vals) != 0)
				stop = 1;
		}
		PQclear(r);
		r = NULL;
	}
	PQclear(r);
	r = NULL;
	if (e == DL_OK) {
		PGresult *c = cursor_cmd(st, close_sql, &e);

		PQclear(c);
	}
out:
	e2 = pg_tx_end(st, started, e == DL_OK);
	return e != DL_OK ? e : e2;
}

enum dl_err
pg_table_put(struct store *st, const char *table, size_t n, const char *const *cols,
    const struct dl_value *vals)
{
	const char *params[COPY_MAX_COLS];
	int lens[COPY_MAX_COLS], binary[COPY_MAX_COLS];
	char sql[2048], *buf = NULL, *at;
	size_t i, len, need = 0;
	enum dl_err e;
	PGresult *r;

	if (!store_table_known(table) || n == 0 || n > COPY_MAX_COLS)
		return DL_ERR_INVALID;
	len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (", table);
	for (i = 0; i < n && len < sizeof sql; i++) {
		if (!store_name_plain(cols[i]))
			return DL_ERR_INVALID;
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? ", " : "", cols[i]);
	}
	for (i = 0; i < n && len < sizeof sql; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s$%zu", i ? ", " : ") VALUES (",
		    i + 1);
	if (len + 2 >= sizeof sql)
		return DL_ERR_TOOBIG;
	strcat(sql, ")");
	/* Text parameters need their terminating NUL: one buffer for all. */
	for (i = 0; i < n; i++)
		need += (vals[i].type == DL_V_TEXT ? vals[i].len : 32) + 1;
	if ((buf = malloc(need)) == NULL)
		return DL_ERR_NOMEM;
	at = buf;
	for (i = 0; i < n; i++) {
		const struct dl_value *v = &vals[i];

		lens[i] = 0;
		binary[i] = 0;
		params[i] = at;
		switch (v->type) {
		case DL_V_INT:
			at += snprintf(at, 32, "%lld", (long long)v->i) + 1;
			break;
		case DL_V_REAL:
			at += snprintf(at, 32, "%.17g", v->r) + 1;
			break;
		case DL_V_TEXT:
			if (v->len)
				memcpy(at, v->p, v->len);
			at[v->len] = '\0';
			at += v->len + 1;
			break;
		case DL_V_BLOB:
			if (v->len > 0x7fffffff) {
				free(buf);
				return DL_ERR_TOOBIG;
			}
			params[i] = v->len ? v->p : "";
			lens[i] = (int)v->len;
			binary[i] = 1;
			break;
		default:
			params[i] = NULL;
		}
	}
	r = pg_exec_bin(st, sql, (int)n, params, lens, binary, &e);
	free(buf);
	if (r == NULL) {
		log_error("store: copying a row into %s failed", table);
		/* As on SQLite: any constraint says the row cannot go there. */
		return e == DL_ERR_INVALID ? DL_ERR_EXISTS : e;
	}
	PQclear(r);
	return DL_OK;
}

enum dl_err
pg_table_count(struct store *st, const char *table, int64_t *n)
{
	char sql[160];
	enum dl_err e;
	PGresult *r;

	if (!store_table_known(table))
		return DL_ERR_INVALID;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if ((r = pg_exec(st, sql, 0, NULL, &e)) == NULL)
		return e;
	*n = pg_int(r, 0, 0);
	PQclear(r);
	return DL_OK;
}

enum dl_err
pg_copy_finish(struct store *st)
{
	static const char ids[] = "SELECT table_name::text, column_name::text "
	    "FROM information_schema.columns "
	    "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1";
	char sql[512];
	const char *params[2];
	enum dl_err e;
	PGresult *r, *s;
	int64_t n;
	int i;

	/* Rows came with their ids: each identity moves past the largest. */
	if ((r = pg_exec(st, ids, 0, NULL, &e)) == NULL)
		return e;
	for (i = 0; i < PQntuples(r); i++) {
		params[0] = PQgetvalue(r, i, 0);
		params[1] = PQgetvalue(r, i, 1);
		if (!store_table_known(params[0]) || !store_name_plain(params[1]))
			continue;
		snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence($1, $2), "
		    "coalesce(max(%s), 0) + 1, false) FROM %s", params[1], params[0]);
		if ((s = pg_exec(st, sql, 2, params, &e)) == NULL) {
			PQclear(r);
			return e;
		}
		PQclear(s);
	}
	PQclear(r);
	if ((e = pg_search_rebuild(st, &n)) != DL_OK)
		return e;
	/* The planner knows nothing of rows that arrived in one go until
	 * autovacuum comes by: an uncached page took 5.8 ms instead of 0.7. */
	if ((e = pg_cmd(st, "ANALYZE", 0, NULL, NULL)) != DL_OK)
		return e;
	return pg_bump_generation(st);
}
