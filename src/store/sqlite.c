/* sqlite.c - store.h on SQLite 3: one connection per thread, statements
 * prepared once per connection, WAL so that readers never wait for the
 * writer. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "content/slug.h"
#include "store/sqlite_int.h"

#define CACHE_MAX 128
#define LIST_MASKS 64
#define DV_INTERVAL_MS 200
#define PUT_ARENA (4u << 20)

struct conn {
	sqlite3 *db;
	struct conn *next;
	struct { const char *key; sqlite3_stmt *s; } cache[CACHE_MAX];
	int ncache;
	sqlite3_stmt *list[LIST_MASKS];
	sqlite3_stmt *count[LIST_MASKS];
	int64_t dv;             /* last PRAGMA data_version seen */
	int64_t dv_checked;     /* monotonic ms of that check */
	int64_t pending_meta;   /* generation written inside store_begin..commit */
	int pending;
};

struct sqlite_store {
	struct store base;      /* first: a struct store * is one of these */
	char *path;
	pthread_key_t key;
	pthread_mutex_t mu;     /* guards conns */
	struct conn *conns;
	_Atomic uint64_t gen;
	int version;
};

#define SQ(st) ((struct sqlite_store *)(st))

/* Columns of an article row, bodies last so that lists can leave them out. */
#define COLS SQLITE_ARTICLE_COLS
#define COLS_BODY COLS ", a.body_html, a.body_text"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
bump_to(struct store *st, uint64_t v)
{
	uint64_t cur = atomic_load(&SQ(st)->gen), want;

	do {
		want = v > cur + 1 ? v : cur + 1;
	} while (!atomic_compare_exchange_weak(&SQ(st)->gen, &cur, want));
}

static enum dl_err
db_err(sqlite3 *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db);

	log_error("store: %s: %s (%d)", what, sqlite3_errmsg(db), rc);
	rc &= 0xff;
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return DL_ERR_CORRUPT;
	if (rc == SQLITE_NOMEM)
		return DL_ERR_NOMEM;
	if (rc == SQLITE_TOOBIG)
		return DL_ERR_TOOBIG;
	return DL_ERR_DB;
}

/* DATELINE_SLOW_SQL_MS=N logs every statement that took N ms or more: its
 * text with the ? placeholders, never the bound values (they may be
 * password hashes, session or token hashes, addresses). */
static int
slow_sql(unsigned type, void *ctx, void *p, void *x)
{
	int64_t ns = *(int64_t *)x;

	if (type == SQLITE_TRACE_PROFILE && ns >= (int64_t)(intptr_t)ctx * 1000000)
		log_warn("slow SQL (%.2f ms): %.300s", (double)ns / 1e6, sqlite3_sql(p));
	return 0;
}

static int
configure(sqlite3 *db)
{
	const char *slow = getenv("DATELINE_SLOW_SQL_MS");

	if (slow && *slow)
		sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, slow_sql, (void *)(intptr_t)atoi(slow));
	sqlite3_busy_timeout(db, 5000);
	sqlite_search_conn(db);   /* the search ranking function (sqlite_search.c) */
	sqlite3_extended_result_codes(db, 1);
	/* Reads through a memory map rather than a pread per page: the page
	 * render's queries touch many pages and the syscalls dominated. */
	return sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
	    "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -8192;",
	    NULL, NULL, NULL);
}

static void
conn_free(struct conn *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncache; i++)
		sqlite3_finalize(c->cache[i].s);
	for (i = 0; i < LIST_MASKS; i++) {
		sqlite3_finalize(c->list[i]);
		sqlite3_finalize(c->count[i]);
	}
	sqlite3_close(c->db);
	free(c);
}

static struct conn *
conn_get(struct store *st)
{
	struct conn *c = pthread_getspecific(SQ(st)->key);

	if (c)
		return c;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if (sqlite3_open_v2(SQ(st)->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    configure(c->db) != SQLITE_OK) {
		log_error("store: cannot open %s: %s", SQ(st)->path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
		conn_free(c);
		return NULL;
	}
	c->dv = -1;
	pthread_mutex_lock(&SQ(st)->mu);
	c->next = SQ(st)->conns;
	SQ(st)->conns = c;
	pthread_mutex_unlock(&SQ(st)->mu);
	pthread_setspecific(SQ(st)->key, c);
	return c;
}

sqlite3 *
sqlite_conn(struct store *st)
{
	struct conn *c = conn_get(st);

	return c ? c->db : NULL;
}

static sqlite3_stmt *
stmt_on(struct conn *c, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int i;

	for (i = 0; i < c->ncache; i++)
		if (c->cache[i].key == sql) {
			s = c->cache[i].s;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	if (c->ncache == CACHE_MAX) {
		log_error("store: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		(void)db_err(c->db, sql);
		return NULL;
	}
	c->cache[c->ncache].key = sql;
	c->cache[c->ncache].s = s;
	c->ncache++;
	return s;
}

sqlite3_stmt *
sqlite_stmt(struct store *st, const char *sql)
{
	struct conn *c = conn_get(st);

	return c ? stmt_on(c, sql) : NULL;
}

static const char SQL_BUMP[] =
    "UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value";
static const char SQL_GEN[] = "SELECT value FROM meta WHERE key = 'generation'";

void
sqlite_bump_generation(struct store *st)
{
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	int64_t v = 0;

	if (c && (s = stmt_on(c, SQL_BUMP)) != NULL) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	bump_to(st, v > 0 ? (uint64_t)v : 0);
}

enum dl_err
sqlite_backup(struct store *st, const char *dest, char *msg, size_t msglen)
{
	sqlite3 *src = sqlite_conn(st), *dst = NULL;
	sqlite3_backup *b;
	enum dl_err e = DL_ERR_DB;
	int fd, rc;

	if (src == NULL) {
		snprintf(msg, msglen, "cannot read the database");
		return DL_ERR_DB;
	}
	/* Create the file ourselves, exclusively: never overwrite anything. */
	if ((fd = open(dest, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		snprintf(msg, msglen, "%s: %s", dest, strerror(errno));
		return errno == EEXIST ? DL_ERR_EXISTS : DL_ERR_IO;
	}
	close(fd);
	if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "%s: %s", dest, dst ? sqlite3_errmsg(dst) : "cannot open");
		goto fail;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(msg, msglen, "%s: %s", dest, sqlite3_errmsg(dst));
		goto fail;
	}
	/* Small steps, so that writers wait at most one step's time. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(msg, msglen, "%s: %s", dest, sqlite3_errstr(rc));
		e = rc == SQLITE_FULL || rc == SQLITE_IOERR ? DL_ERR_IO : DL_ERR_DB;
		goto fail;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		dst = NULL;
		snprintf(msg, msglen, "%s: cannot close", dest);
		goto fail;
	}
	return DL_OK;
fail:
	sqlite3_close(dst);
	unlink(dest);
	return e;
}

void
sqlite_touch(struct store *st)
{
	sqlite_bump_generation(st);
}

/* ---- opening ---- */

static enum dl_err
check_dir(const char *path, char *msg, size_t msglen)
{
	const char *slash = strrchr(path, '/');
	struct stat sb;
	char dir[4096];

	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			snprintf(msg, msglen, "%s is a directory, not a dateline database", path);
			return DL_ERR_IO;
		}
		return DL_OK;
	}
	if (slash == NULL)
		return DL_OK;
	if ((size_t)(slash - path) >= sizeof dir) {
		snprintf(msg, msglen, "%s: path too long", path);
		return DL_ERR_IO;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (dir[0] == '\0')
		return DL_OK;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(msg, msglen, "cannot create %s: directory %s does not exist", path, dir);
		return DL_ERR_IO;
	}
	return DL_OK;
}

/* Refuses files that are not SQLite, and SQLite files that hold other
 * things than ours. */
static enum dl_err
check_ours(sqlite3 *db, const char *path, char *msg, size_t msglen)
{
	sqlite3_stmt *s = NULL;
	int uv = 0, ntables = 0, ours = 0, rc;
	enum dl_err e = DL_OK;

	rc = sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version), "
	    "count(*), coalesce(sum(name IN ('articles', 'meta')), 0) FROM sqlite_master WHERE type = 'table'",
	    -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		uv = sqlite3_column_int(s, 0);
		ntables = sqlite3_column_int(s, 1);
		ours = sqlite3_column_int(s, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		rc &= 0xff;
		if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
			snprintf(msg, msglen, "%s is not a dateline database", path);
			return DL_ERR_CORRUPT;
		}
		snprintf(msg, msglen, "cannot read %s: %s", path, sqlite3_errmsg(db));
		return DL_ERR_DB;
	}
	if ((uv == 0 && ntables > 0) || (uv > 0 && ours < 2)) {
		snprintf(msg, msglen, "%s is not a dateline database", path);
		e = DL_ERR_CORRUPT;
	}
	return e;
}

enum dl_err
sqlite_open(const char *dsn, struct store **out, char *msg, size_t msglen)
{
	struct sqlite_store *st = NULL;
	struct conn *c;
	sqlite3_stmt *s = NULL;
	enum dl_err e;
	int key_ok = 0;

	*out = NULL;
	if (msglen)
		msg[0] = '\0';
	if (dsn == NULL || dsn[0] == '\0') {
		snprintf(msg, msglen, "no database file given");
		return DL_ERR_INVALID;
	}
	if ((e = check_dir(dsn, msg, msglen)) != DL_OK)
		return e;
	e = DL_ERR_NOMEM;
	if ((st = calloc(1, sizeof *st)) == NULL || (st->path = strdup(dsn)) == NULL)
		goto out;
	st->base.ops = &sqlite_store_ops;
	pthread_mutex_init(&st->mu, NULL);
	if (pthread_key_create(&st->key, NULL) != 0)
		goto out;
	key_ok = 1;
	if ((c = calloc(1, sizeof *c)) == NULL)
		goto out;
	c->dv = -1;
	st->conns = c;
	pthread_setspecific(st->key, c);
	if (sqlite3_open_v2(dsn, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "cannot open %s: %s", dsn, c->db ? sqlite3_errmsg(c->db) : "out of memory");
		e = DL_ERR_IO;
		goto out;
	}
	if (configure(c->db) != SQLITE_OK || (e = check_ours(c->db, dsn, msg, msglen)) != DL_OK) {
		if (e == DL_OK || e == DL_ERR_NOMEM) {
			e = DL_ERR_CORRUPT;
			snprintf(msg, msglen, "%s is not a dateline database", dsn);
		}
		goto out;
	}
	if (sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "%s: cannot use write-ahead logging: %s", dsn, sqlite3_errmsg(c->db));
		e = DL_ERR_DB;
		goto out;
	}
	if ((e = store_migrate_db(c->db, dsn, store_n_migrations, msg, msglen)) != DL_OK)
		goto out;
	st->version = store_n_migrations;
	if (sqlite3_prepare_v2(c->db, SQL_GEN, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		snprintf(msg, msglen, "%s is not a dateline database", dsn);
		e = DL_ERR_CORRUPT;
		goto out;
	}
	atomic_store(&st->gen, (uint64_t)sqlite3_column_int64(s, 0) + 1);
	if ((e = sqlite_search_check(&st->base, msg, msglen)) != DL_OK)
		goto out;
	*out = &st->base;
	e = DL_OK;
out:
	sqlite3_finalize(s);
	if (e != DL_OK && st) {
		if (msglen && msg[0] == '\0')
			snprintf(msg, msglen, "cannot open %s: %s", dsn, dl_strerror(e));
		conn_free(st->conns);
		st->conns = NULL;
		if (key_ok) {
			pthread_setspecific(st->key, NULL);
			pthread_key_delete(st->key);
		}
		pthread_mutex_destroy(&st->mu);
		free(st->path);
		free(st);
	} else if (e != DL_OK && msglen && msg[0] == '\0') {
		snprintf(msg, msglen, "cannot open %s: %s", dsn, dl_strerror(e));
	}
	return e;
}

static void
sqlite_close(struct store *base)
{
	struct sqlite_store *st = SQ(base);
	struct conn *c, *next;

	for (c = st->conns; c; c = next) {
		next = c->next;
		conn_free(c);
	}
	pthread_setspecific(st->key, NULL);
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->mu);
	free(st->path);
	free(st);
}

int
sqlite_schema_version(struct store *st)
{
	return SQ(st)->version;
}

uint64_t
sqlite_generation(struct store *st)
{
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	int64_t t, dv, meta = 0;

	if (c == NULL)
		return atomic_load(&SQ(st)->gen);
	t = now_ms();
	if (c->dv >= 0 && t - c->dv_checked < DV_INTERVAL_MS)
		return atomic_load(&SQ(st)->gen);
	c->dv_checked = t;
	if ((s = stmt_on(c, "PRAGMA data_version")) == NULL)
		return atomic_load(&SQ(st)->gen);
	dv = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : c->dv;
	sqlite3_reset(s);
	if (c->dv >= 0 && dv != c->dv) {
		if ((s = stmt_on(c, SQL_GEN)) != NULL) {
			if (sqlite3_step(s) == SQLITE_ROW)
				meta = sqlite3_column_int64(s, 0);
			sqlite3_reset(s);
		}
		bump_to(st, (uint64_t)meta);
	}
	c->dv = dv;
	return atomic_load(&SQ(st)->gen);
}

/* ---- reading rows ---- */

const char *
sqlite_col_str(struct arena *ar, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return arena_strndup(ar, t ? (const char *)t : "", (size_t)sqlite3_column_bytes(s, i));
}

enum dl_err
sqlite_row_article(struct arena *ar, sqlite3_stmt *s, int body, struct dl_article *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	a->uri = sqlite_col_str(ar, s, 1);
	a->lang = sqlite_col_str(ar, s, 2);
	a->slug = sqlite_col_str(ar, s, 3);
	a->headline = sqlite_col_str(ar, s, 4);
	a->standfirst = sqlite_col_str(ar, s, 5);
	a->byline = sqlite_col_str(ar, s, 6);
	a->located = sqlite_col_str(ar, s, 7);
	a->copyright = sqlite_col_str(ar, s, 8);
	a->translation_of = sqlite_col_str(ar, s, 9);
	a->status = (enum dl_status)sqlite3_column_int(s, 10);
	a->first_created = sqlite3_column_int64(s, 11);
	a->version_created = sqlite3_column_int64(s, 12);
	a->body_html = body ? sqlite_col_str(ar, s, 13) : arena_strdup(ar, "");
	a->body_text = body ? sqlite_col_str(ar, s, 14) : arena_strdup(ar, "");
	a->author.name = arena_strdup(ar, "");
	a->author.slug = arena_strdup(ar, "");
	if (!a->uri || !a->lang || !a->slug || !a->headline || !a->standfirst || !a->byline ||
	    !a->located || !a->copyright || !a->translation_of || !a->body_html || !a->body_text ||
	    !a->author.name || !a->author.slug)
		return DL_ERR_NOMEM;
	return DL_OK;
}

static enum dl_err
load_terms(struct conn *c, struct arena *ar, struct dl_article *a)
{
	static const char sql[] = "SELECT at.kind, t.name, t.slug FROM article_terms at "
	    "JOIN terms t ON t.id = at.term WHERE at.article = ? ORDER BY at.kind, at.position";
	sqlite3_stmt *s = stmt_on(c, sql);
	size_t cap_p = 0, cap_t = 0;
	enum dl_err e = DL_OK;
	const char *name, *slug;
	int rc;

	if (s == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, a->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		name = sqlite_col_str(ar, s, 1);
		slug = sqlite_col_str(ar, s, 2);
		if (!name || !slug) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		switch (sqlite3_column_int(s, 0)) {
		case DL_PLACE:
			e = store_term_push(ar, &a->places, &a->n_places, &cap_p, name, slug);
			break;
		case DL_TAG:
			e = store_term_push(ar, &a->tags, &a->n_tags, &cap_t, name, slug);
			break;
		case DL_AUTHOR:
			a->author.name = name;
			a->author.slug = slug;
			break;
		}
		if (e != DL_OK)
			goto out;
	}
	if (rc != SQLITE_DONE)
		e = db_err(c->db, "load terms");
out:
	sqlite3_reset(s);
	return e;
}

enum dl_err
sqlite_load_terms(struct store *st, struct arena *ar, struct dl_article *a)
{
	struct conn *c = conn_get(st);

	return c ? load_terms(c, ar, a) : DL_ERR_DB;
}

/* Runs `s` (bound, not yet stepped) and collects at most `limit` rows. */
static enum dl_err
collect(struct conn *c, struct arena *ar, sqlite3_stmt *s, int body, size_t limit,
    struct dl_article_list *out)
{
	size_t cap = limit < 64 ? limit : 64;
	struct dl_article *nv;
	enum dl_err e = DL_OK;
	int rc = SQLITE_DONE;

	out->items = NULL;
	out->n = 0;
	if (cap == 0)
		cap = 1;
	if ((out->items = arena_alloc(ar, cap * sizeof *out->items)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	while (out->n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap *= 2;
			if ((nv = arena_alloc(ar, cap * sizeof *nv)) == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			memcpy(nv, out->items, out->n * sizeof *nv);
			out->items = nv;
		}
		if ((e = sqlite_row_article(ar, s, body, &out->items[out->n])) != DL_OK)
			goto out;
		out->n++;
	}
	if (out->n < limit && rc != SQLITE_DONE)
		e = db_err(c->db, "list articles");
out:
	sqlite3_reset(s);
	if (e == DL_OK) {
		size_t i;

		for (i = 0; i < out->n && e == DL_OK; i++)
			e = load_terms(c, ar, &out->items[i]);
	}
	out->total = (int64_t)out->n;
	return e;
}

static enum dl_err
get_one(struct conn *c, struct arena *ar, sqlite3_stmt *s, struct dl_article *out)
{
	enum dl_err e;
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		e = DL_ERR_NOTFOUND;
	else if (rc != SQLITE_ROW)
		e = db_err(c->db, "get article");
	else
		e = sqlite_row_article(ar, s, 1, out);
	sqlite3_reset(s);
	if (e == DL_OK)
		e = load_terms(c, ar, out);
	return e;
}

enum dl_err
sqlite_article_get(struct store *st, struct arena *ar, const char *lang, const char *slug,
    struct dl_article *out)
{
	static const char sql[] = "SELECT " COLS_BODY " FROM articles a "
	    "WHERE a.lang = ? AND a.slug = ? AND a.status = 0";
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;

	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	return get_one(c, ar, s, out);
}

enum dl_err
sqlite_article_get_uri(struct store *st, struct arena *ar, const char *uri, struct dl_article *out)
{
	static const char sql[] = "SELECT " COLS_BODY " FROM articles a WHERE a.uri = ?";
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;

	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	return get_one(c, ar, s, out);
}

/* ---- listings ---- */

enum { F_LANG = 1, F_PLACE = 2, F_TAG = 4, F_AUTHOR = 8, F_FROM = 16, F_TO = 32 };

static sqlite3_stmt *
list_stmt(struct conn *c, int mask, int count)
{
	sqlite3_stmt **slot = count ? &c->count[mask] : &c->list[mask];
	static const struct { int bit; int kind; const char *name; } terms[] = {
		{ F_PLACE, DL_PLACE, ":place" }, { F_TAG, DL_TAG, ":tag" }, { F_AUTHOR, DL_AUTHOR, ":author" },
	};
	char sql[2048];
	size_t n = 0, i;

	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return *slot;
	}
#define ADD(...) (n += (size_t)snprintf(sql + n, sizeof sql - n, __VA_ARGS__))
	ADD("SELECT %s FROM articles a", count ? "count(*)" : COLS);
	for (i = 0; i < 3; i++)
		if (mask & terms[i].bit)
			ADD(" JOIN article_terms at%zu ON at%zu.article = a.id AND at%zu.term IN "
			    "(SELECT id FROM terms WHERE kind = %d AND slug = %s%s)", i, i, i,
			    terms[i].kind, terms[i].name, mask & F_LANG ? " AND lang = :lang" : "");
	ADD(" WHERE a.status = 0");
	if (mask & F_LANG)
		ADD(" AND a.lang = :lang");
	if (mask & F_FROM)
		ADD(" AND a.first_created >= :from");
	if (mask & F_TO)
		ADD(" AND a.first_created < :to");
	if (!count)
		ADD(" ORDER BY a.first_created DESC, a.id DESC LIMIT :limit OFFSET :offset");
#undef ADD
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		(void)db_err(c->db, "prepare listing");
		*slot = NULL;
	}
	return *slot;
}

static void
bind_filter(sqlite3_stmt *s, const struct dl_filter *f)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(s, ":lang")) > 0)
		sqlite3_bind_text(s, i, f->lang, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(s, ":place")) > 0)
		sqlite3_bind_text(s, i, f->place_slug, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(s, ":tag")) > 0)
		sqlite3_bind_text(s, i, f->tag_slug, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(s, ":author")) > 0)
		sqlite3_bind_text(s, i, f->author_slug, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(s, ":from")) > 0)
		sqlite3_bind_int64(s, i, f->from);
	if ((i = sqlite3_bind_parameter_index(s, ":to")) > 0)
		sqlite3_bind_int64(s, i, f->to);
}

enum dl_err
sqlite_articles_list(struct store *st, struct arena *ar, const struct dl_filter *f, size_t offset,
    size_t limit, struct dl_article_list *out)
{
	static const struct dl_filter none;
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	int mask = 0, rc;
	int64_t total;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (c == NULL)
		return DL_ERR_DB;
	if (f == NULL)
		f = &none;
	mask |= f->lang && f->lang[0] ? F_LANG : 0;
	mask |= f->place_slug && f->place_slug[0] ? F_PLACE : 0;
	mask |= f->tag_slug && f->tag_slug[0] ? F_TAG : 0;
	mask |= f->author_slug && f->author_slug[0] ? F_AUTHOR : 0;
	mask |= f->from ? F_FROM : 0;
	mask |= f->to ? F_TO : 0;
	if (limit > 10000)
		limit = 10000;
	if ((s = list_stmt(c, mask, 1)) == NULL)
		return DL_ERR_DB;
	bind_filter(s, f);
	rc = sqlite3_step(s);
	total = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_err(c->db, "count articles");
	if ((s = list_stmt(c, mask, 0)) == NULL)
		return DL_ERR_DB;
	bind_filter(s, f);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":limit"), (int64_t)limit);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":offset"),
	    offset > INT64_MAX ? INT64_MAX : (int64_t)offset);
	e = collect(c, ar, s, 0, limit, out);
	out->total = total;
	return e;
}

/* The uri that names the translation group of `a`. */
static const char *
group_root(const struct dl_article *a)
{
	return a->translation_of && a->translation_of[0] ? a->translation_of : a->uri;
}

static int64_t
article_id(struct conn *c, const struct dl_article *a)
{
	sqlite3_stmt *s;
	int64_t id = 0;

	if (a->id)
		return a->id;
	if (a->uri == NULL || (s = stmt_on(c, "SELECT id FROM articles WHERE uri = ?")) == NULL)
		return 0;
	sqlite3_bind_text(s, 1, a->uri, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

enum dl_err
sqlite_translations(struct store *st, struct arena *ar, const struct dl_article *a,
    struct dl_article_list *out)
{
	static const char sql[] = "SELECT " COLS " FROM articles a "
	    /* Two indexed look-ups, then rows by id ("+" keeps the planner off the
	     * status index): an OR of the two columns scanned the table. */
	    "WHERE a.id IN (SELECT id FROM articles WHERE uri = ?1 UNION ALL "
	    "SELECT id FROM articles WHERE translation_of = ?1 AND translation_of <> '') "
	    "AND a.uri <> ?2 AND a.lang <> ?3 "
	    "AND +a.status = 0 ORDER BY a.lang, a.first_created DESC";
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, group_root(a), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->uri ? a->uri : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->lang ? a->lang : "", -1, SQLITE_STATIC);
	if ((e = collect(c, ar, s, 0, 1000, out)) != DL_OK)
		return e;
	/* One per language: the newest, which comes first. */
	store_list_one_per_lang(out);
	return DL_OK;
}

enum dl_err
sqlite_related(struct store *st, struct arena *ar, const struct dl_article *a, size_t limit,
    struct dl_article_list *out)
{
	static const char stored[] = "SELECT " COLS " FROM related r JOIN articles a ON a.uri = r.related_uri "
	    "WHERE r.article = ?1 AND a.status = 0 AND a.id <> ?1 ORDER BY r.rank LIMIT ?2";
	static const char fallback[] = "SELECT " COLS " FROM articles a "
	    "WHERE a.lang = ?2 AND a.status = 0 AND a.id <> ?1 AND a.uri <> ?3 AND a.translation_of <> ?3 "
	    "AND a.id IN (SELECT o.article FROM article_terms m JOIN article_terms o ON o.term = m.term "
	    "WHERE m.article = ?1 AND m.kind IN (0, 1)) "
	    "ORDER BY a.first_created DESC, a.id DESC LIMIT ?4";
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	int64_t id;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (c == NULL)
		return DL_ERR_DB;
	if (limit > 1000)
		limit = 1000;
	if ((id = article_id(c, a)) == 0 || limit == 0)
		return collect(c, ar, NULL, 0, 0, out);
	if ((s = stmt_on(c, stored)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (int64_t)limit);
	if ((e = collect(c, ar, s, 0, limit, out)) != DL_OK || out->n > 0)
		return e;
	if ((s = stmt_on(c, fallback)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, a->lang ? a->lang : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, group_root(a), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)limit);
	return collect(c, ar, s, 0, limit, out);
}

enum dl_err
sqlite_term_get(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang,
    const char *slug, struct dl_term *out)
{
	static const char sql[] = "SELECT name, slug FROM terms WHERE kind = ? AND lang = ? AND slug = ?";
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	int rc;

	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, (int)kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->name = sqlite_col_str(ar, s, 0);
		out->slug = sqlite_col_str(ar, s, 1);
		if (!out->name || !out->slug)
			e = DL_ERR_NOMEM;
	} else {
		e = rc == SQLITE_DONE ? DL_ERR_NOTFOUND : db_err(c->db, "get term");
	}
	sqlite3_reset(s);
	return e;
}

enum dl_err
sqlite_archive_months(struct store *st, struct arena *ar, const char *lang, struct dl_month **out,
    size_t *n)
{
	static const char sql[] = "SELECT CAST(strftime('%Y', first_created, 'unixepoch') AS INTEGER) y, "
	    "CAST(strftime('%m', first_created, 'unixepoch') AS INTEGER) m, count(*) "
	    "FROM articles WHERE lang = ? AND status = 0 GROUP BY y, m ORDER BY y DESC, m DESC";
	struct conn *c = conn_get(st);
	size_t cap = 32;
	struct dl_month *v, *nv;
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
	if ((v = arena_alloc(ar, cap * sizeof *v)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap *= 2;
			if ((nv = arena_alloc(ar, cap * sizeof *nv)) == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			memcpy(nv, v, *n * sizeof *nv);
			v = nv;
		}
		v[*n].year = sqlite3_column_int(s, 0);
		v[*n].month = sqlite3_column_int(s, 1);
		v[*n].count = sqlite3_column_int64(s, 2);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		e = db_err(c->db, "archive months");
	*out = v;
out:
	sqlite3_reset(s);
	return e;
}

enum dl_err
sqlite_languages(struct store *st, struct arena *ar, const char ***out, size_t *n)
{
	static const char sql[] = "SELECT DISTINCT lang FROM articles WHERE status = 0 ORDER BY lang";
	struct conn *c = conn_get(st);
	size_t cap = 16;
	const char **v, **nv;
	sqlite3_stmt *s;
	enum dl_err e = DL_OK;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (s = stmt_on(c, sql)) == NULL)
		return DL_ERR_DB;
	if ((v = arena_alloc(ar, cap * sizeof *v)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap *= 2;
			if ((nv = arena_alloc(ar, cap * sizeof *nv)) == NULL) {
				e = DL_ERR_NOMEM;
				goto out;
			}
			memcpy(nv, v, *n * sizeof *nv);
			v = nv;
		}
		if ((v[*n] = sqlite_col_str(ar, s, 0)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		e = db_err(c->db, "languages");
	*out = v;
out:
	sqlite3_reset(s);
	return e;
}

/* ---- writing ---- */

static int
slug_taken(struct conn *c, const char *lang, const char *slug, int64_t self, int *taken)
{
	sqlite3_stmt *s = stmt_on(c, "SELECT id FROM articles WHERE lang = ? AND slug = ?");
	int rc;

	if (s == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*taken = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) != self;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The largest N among slugs "base-N" of the edition. */
static int
max_suffix(struct conn *c, const char *lang, const char *base, struct arena *ar)
{
	sqlite3_stmt *s = stmt_on(c, "SELECT substr(slug, length(?2) + 2) FROM articles "
	    "WHERE lang = ?1 AND slug > ?2 || '-' AND slug < ?2 || '.'");
	const char *t;
	int max = 1;
	long v;
	char *end;

	(void)ar;
	if (s == NULL)
		return 1;
	sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, base, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(s, 0);
		if (t == NULL || t[0] < '1' || t[0] > '9')
			continue;
		errno = 0;
		v = strtol(t, &end, 10);
		if (*end == '\0' && errno == 0 && v > max && v < 1000000000)
			max = (int)v;
	}
	sqlite3_reset(s);
	return max;
}

static enum dl_err
unique_slug(struct conn *c, struct arena *ar, const char *lang, const char *base, int64_t self,
    const char **out)
{
	const char *cand = base;
	int taken, n;

	if (slug_taken(c, lang, cand, self, &taken) != SQLITE_OK)
		return db_err(c->db, "slug lookup");
	if (!taken) {
		*out = cand;
		return DL_OK;
	}
	for (n = max_suffix(c, lang, base, ar) + 1; n < 1000000000; n++) {
		if ((cand = slug_with_suffix(ar, base, n)) == NULL)
			return DL_ERR_NOMEM;
		if (slug_taken(c, lang, cand, self, &taken) != SQLITE_OK)
			return db_err(c->db, "slug lookup");
		if (!taken) {
			*out = cand;
			return DL_OK;
		}
	}
	return DL_ERR_EXISTS;
}

static enum dl_err
term_id(struct conn *c, struct arena *ar, int kind, const char *lang, const char *name, int64_t *id)
{
	sqlite3_stmt *s;
	const char *slug;
	int rc;

	*id = 0;
	if ((slug = slug_make(ar, name)) == NULL)
		return DL_ERR_NOMEM;
	if (slug[0] == '\0')
		return DL_OK;
	if ((s = stmt_on(c, "SELECT id FROM terms WHERE kind = ? AND lang = ? AND slug = ?")) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return DL_OK;
	if (rc != SQLITE_DONE)
		return db_err(c->db, "term lookup");
	if ((s = stmt_on(c, "INSERT INTO terms (kind, lang, name, slug) VALUES (?, ?, ?, ?)")) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_err(c->db, "term insert");
	*id = sqlite3_last_insert_rowid(c->db);
	return DL_OK;
}

static enum dl_err
put_terms(struct conn *c, struct arena *ar, int64_t article, const struct dl_article *a)
{
	sqlite3_stmt *s;
	const struct dl_term *list;
	const char *name;
	int64_t id, seen[256];
	size_t n, i, k, nseen;
	int kind, rc, pos;
	enum dl_err e;

	if ((s = stmt_on(c, "DELETE FROM article_terms WHERE article = ?")) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_int64(s, 1, article);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_err(c->db, "delete terms");
	for (kind = DL_PLACE; kind <= DL_AUTHOR; kind++) {
		struct dl_term one;

		if (kind == DL_PLACE) {
			list = a->places;
			n = a->n_places;
		} else if (kind == DL_TAG) {
			list = a->tags;
			n = a->n_tags;
		} else {
			one.name = a->author.name && a->author.name[0] ? a->author.name : a->byline;
			one.slug = "";
			list = &one;
			n = one.name && one.name[0] ? 1 : 0;
		}
		nseen = 0;
		pos = 0;
		for (i = 0; i < n; i++) {
			name = list[i].name;
			if (name == NULL || name[0] == '\0')
				continue;
			if ((e = term_id(c, ar, kind, a->lang, name, &id)) != DL_OK)
				return e;
			if (id == 0)
				continue;
			for (k = 0; k < nseen && seen[k] != id; k++)
				;
			if (k < nseen)
				continue;
			if (nseen == sizeof seen / sizeof seen[0])
				break;
			seen[nseen++] = id;
			if ((s = stmt_on(c, "INSERT INTO article_terms (article, term, kind, position) "
			    "VALUES (?, ?, ?, ?)")) == NULL)
				return DL_ERR_DB;
			sqlite3_bind_int64(s, 1, article);
			sqlite3_bind_int64(s, 2, id);
			sqlite3_bind_int(s, 3, kind);
			sqlite3_bind_int(s, 4, pos++);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE)
				return db_err(c->db, "insert article term");
		}
	}
	return DL_OK;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static enum dl_err
put_row(struct conn *c, struct arena *ar, const struct dl_article *a, int *created, int64_t *meta)
{
	static const char find[] = "SELECT id, lang, slug FROM articles WHERE uri = ?";
	static const char ins[] = "INSERT INTO articles (lang, slug, headline, standfirst, byline, located, "
	    "copyright, body_html, body_text, translation_of, status, first_created, version_created, uri) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
	static const char upd[] = "UPDATE articles SET lang = ?1, slug = ?2, headline = ?3, standfirst = ?4, "
	    "byline = ?5, located = ?6, copyright = ?7, body_html = ?8, body_text = ?9, translation_of = ?10, "
	    "status = ?11, first_created = ?12, version_created = ?13 WHERE uri = ?14";
	sqlite3_stmt *s;
	int64_t id = 0;
	const char *old_lang = NULL, *old_slug = NULL, *base, *slug = NULL;
	enum dl_err e;
	int rc;

	if ((s = stmt_on(c, find)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, a->uri, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		old_lang = sqlite_col_str(ar, s, 1);
		old_slug = sqlite_col_str(ar, s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(c->db, "find article");
	if (id && (!old_lang || !old_slug))
		return DL_ERR_NOMEM;
	/* A stored article keeps its URL unless a slug is asked for. */
	if (a->slug && a->slug[0])
		base = slug_make(ar, a->slug);
	else if (id && strcmp(old_lang, a->lang) == 0)
		base = old_slug;
	else
		base = slug_make(ar, a->headline);
	if (base == NULL)
		return DL_ERR_NOMEM;
	if (base[0] == '\0')
		base = "article";
	if ((e = unique_slug(c, ar, a->lang, base, id, &slug)) != DL_OK)
		return e;
	if ((s = stmt_on(c, id ? upd : ins)) == NULL)
		return DL_ERR_DB;
	sqlite3_bind_text(s, 1, a->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->headline, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, nz(a->standfirst), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, nz(a->byline), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, nz(a->located), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, nz(a->copyright), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, nz(a->body_html), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, nz(a->body_text), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, nz(a->translation_of), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 11, (int)a->status);
	sqlite3_bind_int64(s, 12, a->first_created);
	sqlite3_bind_int64(s, 13, a->version_created);
	sqlite3_bind_text(s, 14, a->uri, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_err(c->db, id ? "update article" : "insert article");
	*created = id == 0;
	if (id == 0)
		id = sqlite3_last_insert_rowid(c->db);
	if ((e = put_terms(c, ar, id, a)) != DL_OK)
		return e;
	if ((s = stmt_on(c, SQL_BUMP)) == NULL)
		return DL_ERR_DB;
	rc = sqlite3_step(s);
	*meta = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_err(c->db, "bump generation");
	return DL_OK;
}

static int
exec_cached(struct conn *c, const char *sql)
{
	sqlite3_stmt *s = stmt_on(c, sql);
	int rc;

	if (s == NULL)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

enum dl_err
sqlite_article_put(struct store *st, const struct dl_article *a, int *created)
{
	struct conn *c = conn_get(st);
	struct arena *ar = NULL;
	int own, dummy;
	int64_t meta = 0;
	enum dl_err e;

	if (created == NULL)
		created = &dummy;
	*created = 0;
	if (c == NULL)
		return DL_ERR_DB;
	if (!a->uri || !a->uri[0] || !a->lang || !a->lang[0] || !a->headline || !a->headline[0])
		return DL_ERR_INVALID;
	if ((ar = arena_new(PUT_ARENA)) == NULL)
		return DL_ERR_NOMEM;
	own = sqlite3_get_autocommit(c->db);
	if (exec_cached(c, own ? "BEGIN IMMEDIATE" : "SAVEPOINT put") != SQLITE_OK) {
		e = db_err(c->db, "begin");
		goto out;
	}
	if ((e = put_row(c, ar, a, created, &meta)) != DL_OK ||
	    (e = sqlite_search_put(st, a)) != DL_OK) {
		if (own) {
			exec_cached(c, "ROLLBACK");
		} else {
			exec_cached(c, "ROLLBACK TO put");
			exec_cached(c, "RELEASE put");
		}
		*created = 0;
		goto out;
	}
	if (own) {
		if (exec_cached(c, "COMMIT") != SQLITE_OK) {
			e = db_err(c->db, "commit");
			exec_cached(c, "ROLLBACK");
			*created = 0;
			goto out;
		}
		bump_to(st, (uint64_t)meta);
	} else {
		if (exec_cached(c, "RELEASE put") != SQLITE_OK) {
			e = db_err(c->db, "release");
			goto out;
		}
		c->pending = 1;
		c->pending_meta = meta;
	}
out:
	arena_free(ar);
	return e;
}

enum dl_err
sqlite_begin(struct store *st)
{
	struct conn *c = conn_get(st);

	if (c == NULL)
		return DL_ERR_DB;
	if (exec_cached(c, "BEGIN IMMEDIATE") != SQLITE_OK)
		return db_err(c->db, "begin");
	c->pending = 0;
	return DL_OK;
}

enum dl_err
sqlite_commit(struct store *st)
{
	struct conn *c = conn_get(st);

	if (c == NULL)
		return DL_ERR_DB;
	if (exec_cached(c, "COMMIT") != SQLITE_OK) {
		enum dl_err e = db_err(c->db, "commit");

		store_rollback(st);
		return e;
	}
	if (c->pending)
		bump_to(st, (uint64_t)c->pending_meta);
	c->pending = 0;
	return DL_OK;
}

void
sqlite_rollback(struct store *st)
{
	struct conn *c = conn_get(st);

	if (c == NULL)
		return;
	if (!sqlite3_get_autocommit(c->db))
		exec_cached(c, "ROLLBACK");
	c->pending = 0;
}

enum dl_err
sqlite_articles_each(struct store *st, int (*fn)(void *ctx, const struct dl_article *a), void *ctx)
{
	/* Not cached: a callback may itself read articles on this thread. */
	struct conn *c = conn_get(st);
	sqlite3_stmt *s = NULL;
	struct arena *ar = NULL;
	struct dl_article a;
	enum dl_err e = DL_OK;
	int rc;

	if (c == NULL)
		return DL_ERR_DB;
	if (sqlite3_prepare_v2(c->db, "SELECT " COLS_BODY " FROM articles a ORDER BY a.id", -1, &s,
	    NULL) != SQLITE_OK)
		return db_err(c->db, "each article");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((ar = arena_new(64u << 20)) == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		if ((e = sqlite_row_article(ar, s, 1, &a)) != DL_OK || (e = load_terms(c, ar, &a)) != DL_OK)
			goto out;
		if (fn(ctx, &a) != 0)
			goto out;
		arena_free(ar);
		ar = NULL;
	}
	if (rc != SQLITE_DONE)
		e = db_err(c->db, "each article");
out:
	arena_free(ar);
	sqlite3_finalize(s);
	return e;
}

int64_t
sqlite_article_count(struct store *st)
{
	struct conn *c = conn_get(st);
	sqlite3_stmt *s;
	int64_t n = -1;

	if (c == NULL || (s = stmt_on(c, "SELECT count(*) FROM articles")) == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* ---- several nodes: on SQLite one process serves, so locks are the
 * process's own and there is nobody to wait for ---- */

static pthread_mutex_t job_locks[4] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER,
};

int
sqlite_lock_try(struct store *st, enum dl_store_lock lock)
{
	(void)st;
	if ((unsigned)lock >= sizeof job_locks / sizeof job_locks[0])
		return 0;
	return pthread_mutex_trylock(&job_locks[lock]) == 0;
}

void
sqlite_unlock(struct store *st, enum dl_store_lock lock)
{
	(void)st;
	if ((unsigned)lock < sizeof job_locks / sizeof job_locks[0])
		pthread_mutex_unlock(&job_locks[lock]);
}

enum dl_err
sqlite_sync(struct store *st, int timeout_ms)
{
	(void)st;
	(void)timeout_ms;
	return DL_OK;
}

const struct store_ops sqlite_store_ops = {
	.engine = "sqlite",
	.close = sqlite_close,
	STORE_OPS(STORE_OPS_TABLE_ENTRY_sqlite)
	STORE_OPS_VOID(STORE_OPS_TABLE_ENTRY_sqlite)
};
