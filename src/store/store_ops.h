/* store_ops.h - private to src/store/: the engine behind store.h.
 *
 * store_open() picks an engine by the DSN (a postgresql:// or postgres://
 * URI or "key=value" libpq string: PostgreSQL, src/store/pg*.c; anything
 * else is a SQLite file, src/store/sqlite*.c) and every store_* call goes
 * through the engine's table. The lists below name every function of
 * store.h but store_open() and store_close(); X(ret, name, params, args)
 * stands for store_<name>. An engine defines <engine>_<name> for each
 * (sqlite_article_get, pg_article_get...) and its table with
 * STORE_OPS_TABLE. Adding a function to store.h: add it to a list here,
 * then to every engine; the compiler finds what is missing.
 */
#ifndef DL_STORE_OPS_H
#define DL_STORE_OPS_H

#include "store/store.h"

/* Functions that return a value. */
#define STORE_OPS(X) \
	X(int, schema_version, (struct store *st), (st)) \
	X(uint64_t, generation, (struct store *st), (st)) \
	X(enum dl_err, article_get, (struct store *st, struct arena *ar, const char *lang, const char *slug, struct dl_article *out), (st, ar, lang, slug, out)) \
	X(enum dl_err, article_get_uri, (struct store *st, struct arena *ar, const char *uri, struct dl_article *out), (st, ar, uri, out)) \
	X(enum dl_err, articles_list, (struct store *st, struct arena *ar, const struct dl_filter *f, size_t offset, size_t limit, struct dl_article_list *out), (st, ar, f, offset, limit, out)) \
	X(enum dl_err, translations, (struct store *st, struct arena *ar, const struct dl_article *a, struct dl_article_list *out), (st, ar, a, out)) \
	X(enum dl_err, related, (struct store *st, struct arena *ar, const struct dl_article *a, size_t limit, struct dl_article_list *out), (st, ar, a, limit, out)) \
	X(enum dl_err, term_get, (struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang, const char *slug, struct dl_term *out), (st, ar, kind, lang, slug, out)) \
	X(enum dl_err, archive_months, (struct store *st, struct arena *ar, const char *lang, struct dl_month **out, size_t *n), (st, ar, lang, out, n)) \
	X(enum dl_err, languages, (struct store *st, struct arena *ar, const char ***out, size_t *n), (st, ar, out, n)) \
	X(enum dl_err, article_put, (struct store *st, const struct dl_article *a, int *created), (st, a, created)) \
	X(enum dl_err, begin, (struct store *st), (st)) \
	X(enum dl_err, commit, (struct store *st), (st)) \
	X(enum dl_err, articles_each, (struct store *st, int (*fn)(void *ctx, const struct dl_article *a), void *ctx), (st, fn, ctx)) \
	X(enum dl_err, backup, (struct store *st, const char *dest, char *msg, size_t msglen), (st, dest, msg, msglen)) \
	X(int64_t, article_count, (struct store *st), (st)) \
	X(enum dl_err, related_put, (struct store *st, const char *uri, const struct dl_related *items, size_t n), (st, uri, items, n)) \
	X(enum dl_err, related_get, (struct store *st, struct arena *ar, const char *uri, struct dl_related **out, size_t *n), (st, ar, uri, out, n)) \
	X(enum dl_err, related_override_set, (struct store *st, const char *uri, const char *other, enum dl_related_override kind), (st, uri, other, kind)) \
	X(enum dl_err, related_overrides, (struct store *st, struct arena *ar, const char *uri, const char ***others, enum dl_related_override **kinds, size_t *n), (st, ar, uri, others, kinds, n)) \
	X(enum dl_err, related_state_put, (struct store *st, const char *name, const void *data, size_t len), (st, name, data, len)) \
	X(enum dl_err, related_state_get, (struct store *st, const char *name, void **data, size_t *len), (st, name, data, len)) \
	X(enum dl_err, related_state_each, (struct store *st, const char *prefix, int (*fn)(void *ctx, const char *name, const void *data, size_t len), void *ctx), (st, prefix, fn, ctx)) \
	X(enum dl_err, related_state_clear, (struct store *st), (st)) \
	X(enum dl_err, related_state_read, (struct store *st, const char *name, const size_t *offsets, size_t n, size_t len, void *buf), (st, name, offsets, n, len, buf)) \
	X(enum dl_err, secret, (struct store *st, unsigned char key[32]), (st, key)) \
	X(enum dl_err, search, (struct store *st, struct arena *ar, const struct dl_search *q, size_t offset, size_t limit, struct dl_article_list *out, int *exact), (st, ar, q, offset, limit, out, exact)) \
	X(enum dl_err, search_langs, (struct store *st, struct arena *ar, const struct dl_search *q, struct dl_search_lang **out, size_t *n), (st, ar, q, out, n)) \
	X(enum dl_err, search_rebuild, (struct store *st, int64_t *n), (st, n)) \
	X(enum dl_err, user_add, (struct store *st, const char *email, const char *name, int role, int64_t now, int64_t *id), (st, email, name, role, now, id)) \
	X(enum dl_err, user_get, (struct store *st, struct arena *ar, const char *email, struct dl_account *out), (st, ar, email, out)) \
	X(enum dl_err, user_get_id, (struct store *st, struct arena *ar, int64_t id, struct dl_account *out), (st, ar, id, out)) \
	X(enum dl_err, user_set_password, (struct store *st, int64_t id, const char *pwhash), (st, id, pwhash)) \
	X(enum dl_err, session_put, (struct store *st, const char *id_hash, int64_t user_id, const char *csrf, int64_t now), (st, id_hash, user_id, csrf, now)) \
	X(enum dl_err, session_get, (struct store *st, struct arena *ar, const char *id_hash, int64_t idle_cutoff, int64_t *user_id, const char **csrf, int64_t *last_seen), (st, ar, id_hash, idle_cutoff, user_id, csrf, last_seen)) \
	X(enum dl_err, session_touch, (struct store *st, const char *id_hash, int64_t now), (st, id_hash, now)) \
	X(enum dl_err, session_delete, (struct store *st, const char *id_hash), (st, id_hash)) \
	X(enum dl_err, sessions_delete_user, (struct store *st, int64_t user_id, const char *keep_hash), (st, user_id, keep_hash)) \
	X(enum dl_err, pwtoken_put, (struct store *st, const char *token_hash, int64_t user_id, int64_t expires), (st, token_hash, user_id, expires)) \
	X(enum dl_err, pwtoken_use, (struct store *st, const char *token_hash, int64_t now, int64_t *user_id), (st, token_hash, now, user_id)) \
	X(int, pwtoken_valid, (struct store *st, const char *token_hash, int64_t now), (st, token_hash, now)) \
	X(enum dl_err, login_failure_add, (struct store *st, const char *account, int64_t now), (st, account, now)) \
	X(int64_t, login_failures, (struct store *st, const char *account, int64_t since, int64_t *oldest), (st, account, since, oldest)) \
	X(enum dl_err, login_failures_clear, (struct store *st, const char *account), (st, account)) \
	X(enum dl_err, article_get_id, (struct store *st, struct arena *ar, int64_t id, struct dl_article *out), (st, ar, id, out)) \
	X(int64_t, article_id, (struct store *st, const char *uri), (st, uri)) \
	X(enum dl_err, draft_get, (struct store *st, struct arena *ar, int64_t article, struct dl_draft *out), (st, ar, article, out)) \
	X(enum dl_err, draft_put, (struct store *st, int64_t article, const struct dl_draft *d), (st, article, d)) \
	X(enum dl_err, newsroom_list, (struct store *st, struct arena *ar, int status, int64_t owner, const char *lang, size_t offset, size_t limit, struct dl_article_list *out), (st, ar, status, owner, lang, offset, limit, out)) \
	X(enum dl_err, due_articles, (struct store *st, struct arena *ar, int64_t now, size_t max, int64_t **ids, size_t *n), (st, ar, now, max, ids, n)) \
	X(enum dl_err, revision_add, (struct store *st, int64_t article, int64_t user_id, int64_t at, const char *fields), (st, article, user_id, at, fields)) \
	X(enum dl_err, revisions, (struct store *st, struct arena *ar, int64_t article, size_t limit, struct dl_revision **out, size_t *n), (st, ar, article, limit, out, n)) \
	X(enum dl_err, revision_get, (struct store *st, struct arena *ar, int64_t id, struct dl_revision *out), (st, ar, id, out)) \
	X(enum dl_err, audit_add, (struct store *st, int64_t user_id, const char *action, const char *target, int64_t now), (st, user_id, action, target, now)) \
	X(enum dl_err, audit_list, (struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_audit **out, size_t *n), (st, ar, offset, limit, out, n)) \
	X(enum dl_err, newsroom_prune, (struct store *st, int64_t now, int64_t session_cutoff, int64_t failure_cutoff), (st, now, session_cutoff, failure_cutoff)) \
	X(enum dl_err, correction_add, (struct store *st, int64_t article, int64_t user_id, int64_t at, const char *note), (st, article, user_id, at, note)) \
	X(enum dl_err, corrections, (struct store *st, struct arena *ar, int64_t article, struct dl_correction **out, size_t *n), (st, ar, article, out, n)) \
	X(enum dl_err, article_get_any, (struct store *st, struct arena *ar, const char *lang, const char *slug, struct dl_article *out), (st, ar, lang, slug, out)) \
	X(enum dl_err, terms_list, (struct store *st, struct arena *ar, int kind, const char *lang, struct dl_term_row **out, size_t *n), (st, ar, kind, lang, out, n)) \
	X(enum dl_err, term_create, (struct store *st, int kind, const char *lang, const char *name, int64_t *id), (st, kind, lang, name, id)) \
	X(enum dl_err, term_rename, (struct store *st, int64_t id, const char *name), (st, id, name)) \
	X(enum dl_err, term_merge, (struct store *st, int64_t from, int64_t into), (st, from, into)) \
	X(enum dl_err, term_alias, (struct store *st, struct arena *ar, int kind, const char *lang, const char *slug, const char **current), (st, ar, kind, lang, slug, current)) \
	X(enum dl_err, outbox_put, (struct store *st, const char *kind, const char *env_from, const char *rcpt, const char *data, size_t len, int64_t now, int64_t *id), (st, kind, env_from, rcpt, data, len, now, id)) \
	X(enum dl_err, outbox_claim, (struct store *st, struct arena *ar, const char *worker, int64_t now, int64_t lease_until, size_t limit, struct dl_outbox_row **out, size_t *n), (st, ar, worker, now, lease_until, limit, out, n)) \
	X(enum dl_err, outbox_sent, (struct store *st, int64_t id, const char *worker, int64_t now), (st, id, worker, now)) \
	X(enum dl_err, outbox_retry, (struct store *st, int64_t id, const char *worker, int64_t due, const char *error), (st, id, worker, due, error)) \
	X(enum dl_err, outbox_fail, (struct store *st, int64_t id, const char *worker, int64_t now, const char *error, int permanent, unsigned bounce_limit), (st, id, worker, now, error, permanent, bounce_limit)) \
	X(enum dl_err, outbox_list, (struct store *st, struct arena *ar, const char *state, size_t offset, size_t limit, struct dl_outbox_row **out, size_t *n), (st, ar, state, offset, limit, out, n)) \
	X(enum dl_err, outbox_counts, (struct store *st, int64_t counts[4]), (st, counts)) \
	X(enum dl_err, bounces, (struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_bounce **out, size_t *n), (st, ar, offset, limit, out, n)) \
	X(enum dl_err, newsletter_add, (struct store *st, const struct dl_newsletter *nl, int64_t *id), (st, nl, id)) \
	X(enum dl_err, newsletters, (struct store *st, struct arena *ar, const char *lang, struct dl_newsletter **out, size_t *n), (st, ar, lang, out, n)) \
	X(enum dl_err, subscriber_request, (struct store *st, const char *email, const char *lang, const char *frequency, const int64_t *newsletters, size_t n_newsletters, int64_t nonce, int64_t now, int64_t *id, int64_t *nonce_out, const char **status_out), (st, email, lang, frequency, newsletters, n_newsletters, nonce, now, id, nonce_out, status_out)) \
	X(enum dl_err, subscriber_confirm, (struct store *st, int64_t id, int64_t nonce, int64_t now), (st, id, nonce, now)) \
	X(enum dl_err, subscriber_get, (struct store *st, struct arena *ar, int64_t id, struct dl_subscriber *out), (st, ar, id, out)) \
	X(enum dl_err, subscriber_set_prefs, (struct store *st, const struct dl_subscriber *s), (st, s)) \
	X(enum dl_err, subscriber_leave, (struct store *st, int64_t id, int64_t now), (st, id, now)) \
	X(enum dl_err, subscriber_import, (struct store *st, const char *email, const char *lang, const char *frequency, int64_t now, int64_t *id), (st, email, lang, frequency, now, id)) \
	X(enum dl_err, subscribers_due, (struct store *st, struct arena *ar, const char *frequency, int64_t slot, int64_t after, size_t limit, struct dl_subscriber **out, size_t *n), (st, ar, frequency, slot, after, limit, out, n)) \
	X(enum dl_err, subscriber_digest_done, (struct store *st, int64_t id, int64_t slot, int64_t cutoff), (st, id, slot, cutoff)) \
	X(enum dl_err, terms_used, (struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang, size_t limit, struct dl_term **out, size_t *n), (st, ar, kind, lang, limit, out, n)) \
	X(enum dl_err, subscribers_list, (struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_subscriber **out, size_t *n, int64_t *total), (st, ar, offset, limit, out, n, total)) \
	X(int, lock_try, (struct store *st, enum dl_store_lock lock), (st, lock)) \
	X(enum dl_err, sync, (struct store *st, int timeout_ms), (st, timeout_ms)) \
	X(enum dl_err, table_each, (struct store *st, const char *table, int (*fn)(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals), void *ctx), (st, table, fn, ctx)) \
	X(enum dl_err, table_put, (struct store *st, const char *table, size_t n, const char *const *cols, const struct dl_value *vals), (st, table, n, cols, vals)) \
	X(enum dl_err, table_count, (struct store *st, const char *table, int64_t *n), (st, table, n)) \
	X(enum dl_err, copy_finish, (struct store *st), (st))

/* Functions that return nothing. */
#define STORE_OPS_VOID(X) \
	X(void, rollback, (struct store *st), (st)) \
	X(void, touch, (struct store *st), (st)) \
	X(void, unlock, (struct store *st, enum dl_store_lock lock), (st, lock))

#define STORE_OPS_MEMBER(ret, name, params, args) ret (*name) params;
struct store_ops {
	const char *engine;        /* "sqlite", "postgresql" */
	void (*close)(struct store *st);
	STORE_OPS(STORE_OPS_MEMBER)
	STORE_OPS_VOID(STORE_OPS_MEMBER)
};

/* The head of every engine's own store struct. */
struct store {
	const struct store_ops *ops;
};

/* For the engines: declare every <engine>_<name> and fill the table,
 *   STORE_OPS(STORE_OPS_DECL_pg)
 *   const struct store_ops pg_store_ops = { .engine = "postgresql",
 *       .close = pg_close, STORE_OPS(STORE_OPS_TABLE_ENTRY_pg) ... };
 */
#define STORE_OPS_TABLE_ENTRY_sqlite(ret, name, params, args) .name = sqlite_##name,
#define STORE_OPS_TABLE_ENTRY_pg(ret, name, params, args) .name = pg_##name,
#define STORE_OPS_DECL_sqlite(ret, name, params, args) ret sqlite_##name params;
#define STORE_OPS_DECL_pg(ret, name, params, args) ret pg_##name params;

extern const struct store_ops sqlite_store_ops, pg_store_ops;

/* Helpers both engines share (store.c). */

/* 1 when `table` is one of store_tables (its name may then go into SQL
 * text). */
int store_table_known(const char *table);
/* 1 when s is a plain SQL name, [a-z0-9_]+ (checked before a column name
 * goes into SQL text). */
int store_name_plain(const char *s);
/* Appends {name, slug} to the arena array *v of *n items (capacity *cap),
 * growing it. DL_ERR_NOMEM. */
enum dl_err store_term_push(struct arena *ar, struct dl_term **v, size_t *n, size_t *cap,
    const char *name, const char *slug) DL_WUR;

/* How many of q's terms are not exclusions. */
size_t store_search_positive_terms(const struct dl_search *q);

/* Keeps the first item of each run of one language in `out` (a list
 * sorted by language, best first), for store_translations(). */
void store_list_one_per_lang(struct dl_article_list *out);

enum dl_err sqlite_open(const char *dsn, struct store **out, char *msg, size_t msglen) DL_WUR;
enum dl_err pg_open(const char *dsn, struct store **out, char *msg, size_t msglen) DL_WUR;
/* A PostgreSQL DSN without its password, as libpq parses it:
 * postgresql://user@host:port/dbname. DL_ERR_INVALID when it does not
 * parse (nothing is written then: libpq's message may quote it). */
enum dl_err pg_dsn_shown(const char *dsn, char *out, size_t len) DL_WUR;

#endif
