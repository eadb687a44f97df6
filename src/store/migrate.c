/* migrate.c - the numbered schema steps of the SQLite store. Append new
 * steps at the end of store_migrations[]; never change one that shipped. */
#include <stdio.h>
#include <string.h>
#include "base/log.h"
#include "store/sqlite_int.h"

const struct store_migration store_migrations[] = {
	/* 1 */
	{ "articles, terms and meta",
	  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;\n"
	  "INSERT INTO meta (key, value) VALUES ('generation', 0);\n"
	  "CREATE TABLE articles (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  uri TEXT NOT NULL UNIQUE,\n"
	  "  lang TEXT NOT NULL,\n"
	  "  slug TEXT NOT NULL,\n"
	  "  headline TEXT NOT NULL,\n"
	  "  standfirst TEXT NOT NULL DEFAULT '',\n"
	  "  byline TEXT NOT NULL DEFAULT '',\n"
	  "  located TEXT NOT NULL DEFAULT '',\n"
	  "  copyright TEXT NOT NULL DEFAULT '',\n"
	  "  body_html TEXT NOT NULL DEFAULT '',\n"
	  "  body_text TEXT NOT NULL DEFAULT '',\n"
	  "  translation_of TEXT NOT NULL DEFAULT '',\n"
	  "  status INTEGER NOT NULL DEFAULT 0,\n"
	  "  first_created INTEGER NOT NULL,\n"
	  "  version_created INTEGER NOT NULL,\n"
	  "  UNIQUE (lang, slug)\n"
	  ");\n"
	  "CREATE INDEX articles_lang_status_time ON articles (lang, status, first_created DESC);\n"
	  "CREATE INDEX articles_status_time ON articles (status, first_created DESC);\n"
	  "CREATE INDEX articles_translation_of ON articles (translation_of) WHERE translation_of <> '';\n"
	  "CREATE TABLE terms (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  kind INTEGER NOT NULL,\n"
	  "  lang TEXT NOT NULL,\n"
	  "  name TEXT NOT NULL,\n"
	  "  slug TEXT NOT NULL,\n"
	  "  UNIQUE (kind, lang, slug)\n"
	  ");\n"
	  "CREATE TABLE article_terms (\n"
	  "  article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
	  "  term INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,\n"
	  "  kind INTEGER NOT NULL,\n"
	  "  position INTEGER NOT NULL,\n"
	  "  PRIMARY KEY (article, kind, position)\n"
	  ") WITHOUT ROWID;\n"
	  "CREATE INDEX article_terms_term ON article_terms (term, article);\n" },
	/* 2 */
	{ "stored See-also lists",
	  "CREATE TABLE related (\n"
	  "  article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
	  "  rank INTEGER NOT NULL,\n"
	  "  related_uri TEXT NOT NULL,\n"
	  "  score REAL NOT NULL DEFAULT 0,\n"
	  "  PRIMARY KEY (article, rank)\n"
	  ") WITHOUT ROWID;\n" },
	/* Append new steps here. */
};

const int store_n_migrations = (int)(sizeof store_migrations / sizeof store_migrations[0]);

static int
user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

enum dl_err
store_migrate_db(sqlite3 *db, const char *name, int upto, char *msg, size_t msglen)
{
	char *errmsg = NULL, setv[64];
	int v, rc;

	if (upto > store_n_migrations)
		upto = store_n_migrations;
	if (user_version(db, &v) != SQLITE_OK)
		goto dberr;
	if (v > store_n_migrations) {
		snprintf(msg, msglen, "%s has schema version %d, newer than this dateline knows (%d): "
		    "use a newer dateline", name, v, store_n_migrations);
		return DL_ERR_UNSUPPORTED;
	}
	while (v < upto) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &errmsg) != SQLITE_OK)
			goto dberr;
		/* Another process may have migrated while we waited for the lock. */
		if (user_version(db, &v) != SQLITE_OK)
			goto rollback;
		if (v >= upto) {
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
			break;
		}
		log_info("%s: schema step %d: %s", name, v + 1, store_migrations[v].name);
		snprintf(setv, sizeof setv, "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, store_migrations[v].sql, NULL, NULL, &errmsg) != SQLITE_OK ||
		    sqlite3_exec(db, setv, NULL, NULL, &errmsg) != SQLITE_OK)
			goto rollback;
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, &errmsg) != SQLITE_OK)
			goto rollback;
		v++;
	}
	return DL_OK;
rollback:
	rc = sqlite3_errcode(db);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	goto report;
dberr:
	rc = sqlite3_errcode(db);
report:
	snprintf(msg, msglen, "%s: schema step %d failed: %s", name, v + 1,
	    errmsg ? errmsg : sqlite3_errmsg(db));
	log_error("%s", msg);
	sqlite3_free(errmsg);
	return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? DL_ERR_CORRUPT : DL_ERR_DB;
}

enum dl_err
store_migrate_to(const char *path, int k, char *msg, size_t msglen)
{
	sqlite3 *db = NULL;
	enum dl_err e;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return DL_ERR_DB;
	}
	e = store_migrate_db(db, path, k, msg, msglen);
	sqlite3_close(db);
	return e;
}
