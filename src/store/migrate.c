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
	/* 3 */
	{ "See-also editor overrides",
	  "CREATE TABLE related_overrides (\n"
	  "  article_uri TEXT NOT NULL,\n"
	  "  other_uri TEXT NOT NULL,\n"
	  "  kind INTEGER NOT NULL,\n"
	  "  seq INTEGER NOT NULL,\n"
	  "  PRIMARY KEY (article_uri, other_uri)\n"
	  ") WITHOUT ROWID;\n" },
	/* 4 */
	{ "site secrets",
	  "CREATE TABLE secrets (\n"
	  "  name TEXT PRIMARY KEY,\n"
	  "  value BLOB NOT NULL\n"
	  ");\n" },
	/* 5 (newsroom: src/store/sqlite_newsroom.c) */
	{ "newsroom accounts, sessions, drafts, revisions and audit log",
	  "CREATE TABLE users (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  email TEXT NOT NULL UNIQUE,\n"
	  "  name TEXT NOT NULL DEFAULT '',\n"
	  "  role INTEGER NOT NULL,\n"
	  "  pwhash TEXT NOT NULL DEFAULT '',\n"
	  "  created INTEGER NOT NULL\n"
	  ");\n"
	  "CREATE TABLE sessions (\n"
	  "  id_hash TEXT PRIMARY KEY,\n"
	  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
	  "  csrf TEXT NOT NULL,\n"
	  "  created INTEGER NOT NULL,\n"
	  "  last_seen INTEGER NOT NULL\n"
	  ");\n"
	  "CREATE INDEX sessions_user ON sessions (user_id);\n"
	  "CREATE TABLE password_tokens (\n"
	  "  token_hash TEXT PRIMARY KEY,\n"
	  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
	  "  expires INTEGER NOT NULL,\n"
	  "  used INTEGER NOT NULL DEFAULT 0\n"
	  ");\n"
	  "CREATE TABLE login_failures (account TEXT NOT NULL, at INTEGER NOT NULL);\n"
	  "CREATE INDEX login_failures_account ON login_failures (account, at);\n"
	  "CREATE TABLE newsroom_articles (\n"
	  "  article INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,\n"
	  "  owner INTEGER NOT NULL DEFAULT 0,\n"
	  "  markdown TEXT NOT NULL DEFAULT '',\n"
	  "  publish_at INTEGER NOT NULL DEFAULT 0\n"
	  ");\n"
	  "CREATE INDEX newsroom_articles_owner ON newsroom_articles (owner);\n"
	  "CREATE TABLE revisions (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
	  "  user_id INTEGER NOT NULL,\n"
	  "  at INTEGER NOT NULL,\n"
	  "  fields TEXT NOT NULL\n"
	  ");\n"
	  "CREATE INDEX revisions_article ON revisions (article, id);\n"
	  "CREATE TABLE audit (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  at INTEGER NOT NULL,\n"
	  "  user_id INTEGER NOT NULL,\n"
	  "  action TEXT NOT NULL,\n"
	  "  target TEXT NOT NULL DEFAULT ''\n"
	  ");\n" },
	/* 6 (search: src/store/sqlite_search.c) */
	{ "full-text search index",
	  "CREATE VIRTUAL TABLE search_fts USING fts5(headline, standfirst, body, byline, places, tags,\n"
	  "  lang, tokenize = 'ascii');\n"
	  "CREATE TABLE search_langs (lang TEXT PRIMARY KEY) WITHOUT ROWID;\n"
	  "INSERT INTO meta (key, value) SELECT 'search_stale', 1 WHERE EXISTS (SELECT 1 FROM articles);\n" },
	/* mail outbox, newsletters, subscribers (src/store/sqlite_outbox.c) */
	{ "mail outbox, newsletters and subscribers",
	  "CREATE TABLE outbox (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  kind TEXT NOT NULL,\n"
	  "  env_from TEXT NOT NULL,\n"
	  "  rcpt TEXT NOT NULL,\n"
	  "  data BLOB NOT NULL,\n"
	  "  size INTEGER NOT NULL,\n"
	  "  state TEXT NOT NULL DEFAULT 'queued',\n"
	  "  attempts INTEGER NOT NULL DEFAULT 0,\n"
	  "  created INTEGER NOT NULL,\n"
	  "  due INTEGER NOT NULL,\n"
	  "  lease_until INTEGER NOT NULL DEFAULT 0,\n"
	  "  worker TEXT NOT NULL DEFAULT '',\n"
	  "  sent_at INTEGER NOT NULL DEFAULT 0,\n"
	  "  error TEXT NOT NULL DEFAULT ''\n"
	  ");\n"
	  "CREATE INDEX outbox_state_due ON outbox (state, due);\n"
	  "CREATE TABLE mail_addresses (\n"
	  "  addr TEXT PRIMARY KEY,\n"
	  "  failures INTEGER NOT NULL DEFAULT 0,\n"
	  "  bouncing INTEGER NOT NULL DEFAULT 0,\n"
	  "  error TEXT NOT NULL DEFAULT '',\n"
	  "  updated INTEGER NOT NULL DEFAULT 0\n"
	  ");\n"
	  "CREATE TABLE newsletters (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  kind TEXT NOT NULL,\n"
	  "  lang TEXT NOT NULL,\n"
	  "  name TEXT NOT NULL,\n"
	  "  description TEXT NOT NULL DEFAULT '',\n"
	  "  term_kind INTEGER NOT NULL DEFAULT 0,\n"
	  "  term_slug TEXT NOT NULL DEFAULT '',\n"
	  "  UNIQUE (kind, lang, term_kind, term_slug)\n"
	  ");\n"
	  "CREATE TABLE subscribers (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  email TEXT NOT NULL UNIQUE,\n"
	  "  lang TEXT NOT NULL,\n"
	  "  frequency TEXT NOT NULL DEFAULT 'daily',\n"
	  "  status TEXT NOT NULL DEFAULT 'pending',\n"
	  "  nonce INTEGER NOT NULL DEFAULT 0,\n"
	  "  created INTEGER NOT NULL,\n"
	  "  confirmed INTEGER NOT NULL DEFAULT 0,\n"
	  "  last_digest INTEGER NOT NULL DEFAULT 0,\n"
	  "  last_slot INTEGER NOT NULL DEFAULT 0\n"
	  ");\n"
	  "CREATE INDEX subscribers_due ON subscribers (status, frequency, last_slot);\n"
	  "CREATE TABLE subscriber_newsletters (\n"
	  "  subscriber INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,\n"
	  "  newsletter INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,\n"
	  "  PRIMARY KEY (subscriber, newsletter)\n"
	  ") WITHOUT ROWID;\n"
	  "CREATE TABLE subscriber_terms (\n"
	  "  subscriber INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,\n"
	  "  kind INTEGER NOT NULL,\n"
	  "  slug TEXT NOT NULL,\n"
	  "  PRIMARY KEY (subscriber, kind, slug)\n"
	  ") WITHOUT ROWID;\n" },
	/* newsroom: corrections and term aliases (src/store/sqlite_newsroom.c) */
	{ "corrections and old place/tag/author slugs",
	  "CREATE TABLE corrections (\n"
	  "  id INTEGER PRIMARY KEY,\n"
	  "  article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
	  "  at INTEGER NOT NULL,\n"
	  "  user_id INTEGER NOT NULL,\n"
	  "  note TEXT NOT NULL\n"
	  ");\n"
	  "CREATE INDEX corrections_article ON corrections (article, at);\n"
	  "CREATE TABLE term_aliases (\n"
	  "  kind INTEGER NOT NULL,\n"
	  "  lang TEXT NOT NULL,\n"
	  "  slug TEXT NOT NULL,\n"
	  "  term INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,\n"
	  "  PRIMARY KEY (kind, lang, slug)\n"
	  ");\n" },
	/* (See-also engine state: src/store/sqlite_related.c) */
	{ "See-also engine state",
	  "CREATE TABLE related_state (\n"
	  "  name TEXT PRIMARY KEY,\n"
	  "  data BLOB NOT NULL\n"
	  ");\n" },
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
