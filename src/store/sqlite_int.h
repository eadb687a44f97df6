/* sqlite_int.h - private to src/store/: what other SQLite-backed store files
 * (other .c files in src/store/) share with sqlite.c and migrate.c.
 *
 * Adding tables: append a step to store_migrations[] in migrate.c (never
 * edit a step that has shipped). Each step runs in its own transaction and
 * PRAGMA user_version records the last step applied.
 */
#ifndef DL_STORE_SQLITE_INT_H
#define DL_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include "store/store.h"
#include "store/store_ops.h"

/* sqlite_<name> for every store_<name> of store.h (store_ops.h). */
STORE_OPS(STORE_OPS_DECL_sqlite)
STORE_OPS_VOID(STORE_OPS_DECL_sqlite)

struct store_migration {
	const char *name;  /* a few words for logs */
	const char *sql;   /* one or more statements */
};

/* The steps, in order: step k (1-based) is store_migrations[k - 1]. */
extern const struct store_migration store_migrations[];
extern const int store_n_migrations;

/* Applies the pending steps to `db`, each in a BEGIN IMMEDIATE transaction,
 * up to step `upto` (store_n_migrations for all). `name` is the file name for
 * messages. A database whose user_version is above store_n_migrations is
 * refused with DL_ERR_UNSUPPORTED and a sentence in msg. */
enum dl_err store_migrate_db(sqlite3 *db, const char *name, int upto, char *msg,
    size_t msglen) DL_WUR;

/* Test hook: creates or opens the SQLite file `path` and applies steps 1..k
 * only, then closes it. */
enum dl_err store_migrate_to(const char *path, int k, char *msg, size_t msglen) DL_WUR;

/* The calling thread's connection to the store's database, opened on first
 * use (WAL, foreign keys, busy timeout). NULL when it cannot be opened (the
 * reason is logged). Owned by the store: do not close it. */
sqlite3 *sqlite_conn(struct store *st);

/* A statement for `sql` on the calling thread's connection, prepared on the
 * first call and cached (keyed by the pointer `sql`, so pass a string
 * constant). Reset and with bindings cleared. NULL on error (logged). */
sqlite3_stmt *sqlite_stmt(struct store *st, const char *sql);

/* Reading article rows, for the other sqlite_*.c files. A statement reads
 * SQLITE_ARTICLE_COLS from `articles a`, then (when `body`) body_html and
 * body_text. */
#define SQLITE_ARTICLE_COLS "a.id, a.uri, a.lang, a.slug, a.headline, a.standfirst, a.byline, " \
	"a.located, a.copyright, a.translation_of, a.status, a.first_created, a.version_created"
/* Column i as an arena string ("" for NULL); NULL when out of memory. */
const char *sqlite_col_str(struct arena *ar, sqlite3_stmt *s, int i);
/* The current row of `s` into *a (no places, tags or author). DL_ERR_NOMEM. */
enum dl_err sqlite_row_article(struct arena *ar, sqlite3_stmt *s, int body,
    struct dl_article *a) DL_WUR;
/* Fills a's places, tags and author from the store (a->id set). */
enum dl_err sqlite_load_terms(struct store *st, struct arena *ar, struct dl_article *a) DL_WUR;

/* To call after committing a write to articles made outside sqlite.c:
 * records it in the meta table (its own small transaction) and makes
 * store_generation() grow in this process at once and in others within a
 * second. */
void sqlite_bump_generation(struct store *st);

/* Search (sqlite_search.c). Called by store_article_put() inside its
 * transaction after the row is written: replaces the article's entry in the
 * full-text index (removes it when the status is not published). */
enum dl_err sqlite_search_put(struct store *st, const struct dl_article *a) DL_WUR;
/* Called by store_open() after the migrations: rebuilds the index when a
 * migration left it stale (an existing database getting search). */
enum dl_err sqlite_search_check(struct store *st, char *msg, size_t msglen) DL_WUR;
/* Called by sqlite.c on every connection it opens: registers the search
 * ranking function (dl_bm25, an FTS5 auxiliary function) on `db`; a
 * failure is logged (searches then fail with DL_ERR_DB). */
void sqlite_search_conn(sqlite3 *db);
/* Re-indexes the published articles of term `term` (a place, tag or
 * author whose name changed, or the survivor of a merge): to call inside
 * the transaction that renamed or merged it, after the change. */
enum dl_err sqlite_search_reindex_term(struct store *st, int64_t term) DL_WUR;

#endif
