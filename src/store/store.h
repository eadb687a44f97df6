/* store.h - the only door to the database.
 *
 * Pages, commands and workers reach stored data through these functions and
 * nothing else, so that another engine (PostgreSQL, src/store/pg.c) can stand
 * behind the same door. The SQLite implementation is src/store/sqlite.c.
 *
 * Ownership: every string and array a store function hands out is allocated
 * from the arena the caller passes, and lives as long as that arena. Inputs
 * are only read, never kept.
 *
 * Two engines stand behind it (src/store/store_ops.h): SQLite
 * (src/store/sqlite*.c) for a file, PostgreSQL (src/store/pg*.c) for a
 * libpq URI, so that several dateline nodes can share one database.
 *
 * Threads: a struct store may be used from many threads at once; each thread
 * gets its own connection inside.
 *
 * Times are Unix seconds (UTC). Language codes are BCP 47 primary tags ("en",
 * "it", "es", "zh").
 */
#ifndef DL_STORE_H
#define DL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"
#include "base/err.h"

struct store;

/* A place, tag or author: a display name and its URL slug (unique per kind
 * and language). */
struct dl_term {
	const char *name;
	const char *slug;
};

enum dl_term_kind { DL_PLACE, DL_TAG, DL_AUTHOR };

enum dl_status { DL_PUBLISHED = 0, DL_DRAFT, DL_REVIEW, DL_SCHEDULED, DL_RETRACTED };

struct dl_article {
	int64_t id;               /* store's own key; 0 for a new article */
	const char *uri;          /* ninjs uri, unique across the site */
	const char *lang;         /* edition */
	const char *slug;         /* unique within lang; the URL is /{lang}/news/{slug} */
	const char *headline;
	const char *standfirst;   /* "" when none */
	const char *byline;       /* "" when none */
	const char *located;      /* "" when none: the dateline place */
	const char *copyright;    /* ninjs copyrightholder, "" when none */
	const char *body_html;    /* safe HTML (escaped text paragraphs or sanitized) */
	const char *body_text;    /* plain text, paragraphs split by a blank line */
	const char *translation_of; /* uri of the article this translates, or "" */
	enum dl_status status;
	int64_t first_created;    /* publication time shown to readers */
	int64_t version_created;  /* last modification */
	struct dl_term *places;   /* in the article's order */
	size_t n_places;
	struct dl_term *tags;
	size_t n_tags;
	struct dl_term author;    /* from byline; name and slug "" when none */
};

struct dl_article_list {
	struct dl_article *items;
	size_t n;
	int64_t total;            /* all matches, for pagination */
};

/* Listing filter: NULL or 0 fields do not filter. Only published articles
 * are ever listed. */
struct dl_filter {
	const char *lang;
	const char *place_slug;
	const char *tag_slug;
	const char *author_slug;
	int64_t from;             /* first_created >= from */
	int64_t to;               /* first_created < to */
};

/* Opens (creating if needed) the database named by `dsn`: a file path for
 * SQLite; a libpq connection URI (postgresql://... or postgres://...) for
 * PostgreSQL, whose database must exist. Runs pending migrations. On failure returns an error and writes a
 * sentence for the user into `msg` (e.g. "x.db is not a dateline database").
 * The caller frees the store with store_close(). */
enum dl_err store_open(const char *dsn, struct store **out, char *msg, size_t msglen) DL_WUR;
/* 1 when `dsn` names a PostgreSQL database rather than a SQLite file. */
int store_dsn_is_postgres(const char *dsn);
/* `dsn` as messages may show it: a file path as it is, a PostgreSQL DSN
 * without its password (or a placeholder when it does not parse). */
void store_dsn_shown(const char *dsn, char *out, size_t len);
void store_close(struct store *st);

/* Schema version after migrations (the number of the last migration run). */
int store_schema_version(struct store *st);

/* Content generation: a number that grows with every write to articles,
 * also writes made by another process on the same database (seen within one
 * second). Cheap: called on every request. */
uint64_t store_generation(struct store *st);

/* One published article by edition and slug. DL_ERR_NOTFOUND when none. */
enum dl_err store_article_get(struct store *st, struct arena *ar, const char *lang,
    const char *slug, struct dl_article *out) DL_WUR;
enum dl_err store_article_get_uri(struct store *st, struct arena *ar, const char *uri,
    struct dl_article *out) DL_WUR;

/* Published articles matching `f`, newest first, from `offset`, at most
 * `limit`. Items carry everything but body_html and body_text (""). */
enum dl_err store_articles_list(struct store *st, struct arena *ar, const struct dl_filter *f,
    size_t offset, size_t limit, struct dl_article_list *out) DL_WUR;

/* The other editions of `a` (same translation group), one per language. */
enum dl_err store_translations(struct store *st, struct arena *ar, const struct dl_article *a,
    struct dl_article_list *out) DL_WUR;

/* See also for `a`: the stored related list if the engine made one, else
 * published articles in the same edition sharing a place or tag with `a`,
 * newest first, never `a` itself nor its translations. */
enum dl_err store_related(struct store *st, struct arena *ar, const struct dl_article *a,
    size_t limit, struct dl_article_list *out) DL_WUR;

/* A place, tag or author of edition `lang` by slug. DL_ERR_NOTFOUND when none. */
enum dl_err store_term_get(struct store *st, struct arena *ar, enum dl_term_kind kind,
    const char *lang, const char *slug, struct dl_term *out) DL_WUR;

/* Months with published articles in edition `lang`, newest first. */
struct dl_month { int year; int month; int64_t count; };
enum dl_err store_archive_months(struct store *st, struct arena *ar, const char *lang,
    struct dl_month **out, size_t *n) DL_WUR;

/* Languages that have at least one published article, sorted. */
enum dl_err store_languages(struct store *st, struct arena *ar, const char ***out, size_t *n) DL_WUR;

/* Inserts or updates (by uri) one article with its places, tags and author.
 * Fills slug when empty (from the headline, made unique in its edition).
 * Sets *created to 1 for a new article, 0 for an update. Bumps the
 * generation. */
enum dl_err store_article_put(struct store *st, const struct dl_article *a, int *created) DL_WUR;

/* Group many puts in one transaction (import). */
enum dl_err store_begin(struct store *st) DL_WUR;
enum dl_err store_commit(struct store *st) DL_WUR;
void store_rollback(struct store *st);

/* Calls fn for every article, all statuses, in id order, each built in a
 * scratch arena freed after the call. Stops early when fn returns non-zero
 * and returns DL_OK. */
enum dl_err store_articles_each(struct store *st, int (*fn)(void *ctx, const struct dl_article *a),
    void *ctx) DL_WUR;

/* Copies the whole database, consistent as of one moment, to a new file
 * `dest` while readers and writers go on (SQLite's online backup API, in
 * steps of 256 pages). `dest` must not exist: nothing is ever overwritten.
 * On failure `dest` is removed and msg says why (DL_ERR_EXISTS, DL_ERR_IO,
 * DL_ERR_DB). */
enum dl_err store_backup(struct store *st, const char *dest, char *msg, size_t msglen) DL_WUR;

/* Makes store_generation() grow after a committed write that changes what
 * pages show but is not an article (See-also lists, pins): cached pages of
 * the older generation are then rendered again. */
void store_touch(struct store *st);

/* Number of articles (all statuses). */
int64_t store_article_count(struct store *st);

/* The engine's name: "sqlite" or "postgresql". */
const char *store_engine(struct store *st);

/* ---- Several nodes on one database ----
 *
 * Jobs that must run once across every node sharing the database. */
enum dl_store_lock {
	DL_LOCK_SCHEDULER = 1,   /* scheduled publishing */
	DL_LOCK_DIGESTS = 2,     /* newsletter digests */
	DL_LOCK_SEE_ALSO = 3,    /* writes to the See-also engine's saved state */
};

/* 1 when this thread now holds `lock` (until store_unlock() or until the
 * process dies), 0 when another node or thread holds it. On SQLite,
 * which one process serves, it is an in-process lock. */
int store_lock_try(struct store *st, enum dl_store_lock lock);
void store_unlock(struct store *st, enum dl_store_lock lock);

/* Waits until every live node sharing the database has seen this node's
 * writes so far (its store_generation() moved past them), at most
 * timeout_ms. DL_ERR_IO on timeout. On SQLite it returns at once: other
 * processes on the file see writes within a second by themselves. Used
 * after a retraction, so that its acknowledgement means every node
 * stopped serving the article. */
enum dl_err store_sync(struct store *st, int timeout_ms) DL_WUR;

/* ---- Whole-site copy between engines (dateline migrate) ----
 *
 * Tables are copied row by row as values; both engines keep the same
 * table and column names (store_tables lists them in an order that
 * satisfies foreign keys). The search index is not copied but rebuilt. */
enum dl_value_type { DL_V_NULL, DL_V_INT, DL_V_REAL, DL_V_TEXT, DL_V_BLOB };
struct dl_value {
	enum dl_value_type type;
	int64_t i;
	double r;
	const void *p;            /* text (not NUL-terminated) or blob */
	size_t len;
};
extern const char *const store_tables[];
extern const size_t store_n_tables;
/* Calls fn for every row of `table` in primary-key order; stops early on
 * non-zero (DL_OK). Values live until fn returns. */
enum dl_err store_table_each(struct store *st, const char *table,
    int (*fn)(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals),
    void *ctx) DL_WUR;
/* Inserts one row (inside store_begin()/store_commit()). */
enum dl_err store_table_put(struct store *st, const char *table, size_t n,
    const char *const *cols, const struct dl_value *vals) DL_WUR;
enum dl_err store_table_count(struct store *st, const char *table, int64_t *n) DL_WUR;
/* After a copy: moves id sequences past the copied ids, rebuilds the
 * search index, bumps the generation. */
enum dl_err store_copy_finish(struct store *st) DL_WUR;

/* ---- See-also lists and editor overrides (src/store/sqlite_related.c) ---- */

/* One item of a stored See-also list. */
struct dl_related {
	const char *uri;
	double score;
};

enum dl_related_override { DL_REL_NONE = 0, DL_REL_PIN = 1, DL_REL_EXCLUDE = 2 };

/* Replaces the stored list of article `uri` by items[0..n-1] (in rank
 * order). DL_ERR_NOTFOUND when there is no such article. Call inside
 * store_begin()/store_commit() when writing many. */
enum dl_err store_related_put(struct store *st, const char *uri, const struct dl_related *items,
    size_t n) DL_WUR;

/* The stored list of `uri` with scores, in rank order, only items that are
 * published; strings from `ar`. Empty (n 0) when none was stored. */
enum dl_err store_related_get(struct store *st, struct arena *ar, const char *uri,
    struct dl_related **out, size_t *n) DL_WUR;

/* Sets (DL_REL_PIN, DL_REL_EXCLUDE) or removes (DL_REL_NONE) the editor
 * override "`other` in / out of `uri`'s list". DL_ERR_NOTFOUND when either
 * article is unknown. Lists are not recomputed here. */
enum dl_err store_related_override_set(struct store *st, const char *uri, const char *other,
    enum dl_related_override kind) DL_WUR;

/* The overrides of `uri`: pins first (in the order they were set), then
 * excludes; kinds[i] says which. Strings from `ar`. */
enum dl_err store_related_overrides(struct store *st, struct arena *ar, const char *uri,
    const char ***others, enum dl_related_override **kinds, size_t *n) DL_WUR;

/* The See-also engine's saved state: named blobs (the engine at the last
 * full rebuild, then one per incremental addition). put replaces; get
 * gives a malloc'd copy the caller frees (DL_ERR_NOTFOUND when none); each
 * calls fn for every blob whose name starts with `prefix`, in name order
 * (stops early on non-zero); clear deletes them all. */
enum dl_err store_related_state_put(struct store *st, const char *name, const void *data,
    size_t len) DL_WUR;
enum dl_err store_related_state_get(struct store *st, const char *name, void **data,
    size_t *len) DL_WUR;
enum dl_err store_related_state_each(struct store *st, const char *prefix,
    int (*fn)(void *ctx, const char *name, const void *data, size_t len), void *ctx) DL_WUR;
enum dl_err store_related_state_clear(struct store *st) DL_WUR;
/* Reads n pieces of len bytes, at offsets[0..n-1] of blob `name`, one
 * after the other into buf, without reading the rest. DL_ERR_NOTFOUND
 * when none, DL_ERR_CORRUPT when it is shorter. */
enum dl_err store_related_state_read(struct store *st, const char *name, const size_t *offsets,
    size_t n, size_t len, void *buf) DL_WUR;

/* ---- Secrets (src/store/sqlite_secret.c) ---- */

/* The site's secret key for signed tokens (sign.h): 32 random bytes made on
 * first use (randombytes_buf) inside a transaction, so that every process
 * on the same database gets the same key. DL_ERR_DB when it cannot be read
 * or written (logged); key is then left unset. */
enum dl_err store_secret(struct store *st, unsigned char key[32]) DL_WUR;


/* ---- Full-text search (src/store/sqlite_search.c) ----
 *
 * The index holds published articles only, each tokenized in its own
 * language (src/text/token.h); store_article_put() updates it in the same
 * transaction. Queries arrive parsed (src/search/query.h), never as engine
 * syntax. */

#define DL_SEARCH_MAX_TERMS 32
/* Totals are counted up to this many (and for a few milliseconds at
 * most); past that store_search() gives a lower bound. */
#define DL_SEARCH_COUNT_MAX 10000

/* One term of a query: a word, or the words of a phrase in order. */
struct dl_search_term {
	const char *text;
	int phrase;
	int exclude;   /* articles containing it are left out */
	int or_next;   /* this term OR the next (both positive); AND otherwise */
};

struct dl_search {
	const struct dl_search_term *terms;
	size_t n_terms;
	const char *lang;         /* edition; NULL or "" searches every language */
	const char *place_slug;   /* filters: NULL or 0 do not filter */
	const char *tag_slug;
	const char *author_slug;
	int64_t from;
	int64_t to;
	int by_date;              /* newest first instead of relevance */
};

/* Published articles matching `q`, best first (BM25, headline weighted
 * highest) or newest first, from `offset`, at most `limit` (<= 100), and
 * the total; *exact (may be NULL) 0 when the total is only a lower bound
 * (more than DL_SEARCH_COUNT_MAX, or counting took too long). Past
 * 500 matches, relevance ranks the newest 500 (see sqlite_search.c).
 * Items carry body_text (its first 65,536 characters, for snippets), not
 * body_html.
 * DL_ERR_INVALID when no positive
 * term has a searchable word in the language(s) searched (only stop words,
 * punctuation or exclusions): the page says so. */
enum dl_err store_search(struct store *st, struct arena *ar,
    const struct dl_search *q, size_t offset, size_t limit, struct dl_article_list *out,
    int *exact) DL_WUR;

/* How many published articles match `q` in each language (q->lang ignored),
 * for "results in other editions" (counts may be lower bounds, as above). */
struct dl_search_lang { const char *lang; int64_t count; };
enum dl_err store_search_langs(struct store *st, struct arena *ar,
    const struct dl_search *q, struct dl_search_lang **out, size_t *n) DL_WUR;

/* Rebuilds the whole index from the articles table in one transaction;
 * *n gets the number of articles indexed. */
enum dl_err store_search_rebuild(struct store *st, int64_t *n) DL_WUR;

/* ---- Newsroom: accounts, sessions, drafts, revisions, audit
 * (src/store/sqlite_newsroom.c) ----
 * Secrets (session ids, password-link tokens) are never stored: callers
 * pass their SHA-256 as 64 hex digits. Times are Unix seconds. */

struct dl_account {
	int64_t id;
	const char *email;
	const char *name;
	int role;                 /* enum dl_role of web/auth.h */
	const char *pwhash;       /* crypto_pwhash_str text; "" when not set yet */
};

/* Adds an account without a password. DL_ERR_EXISTS when the email is taken. */
enum dl_err store_user_add(struct store *st, const char *email, const char *name, int role,
    int64_t now, int64_t *id) DL_WUR;
/* One account by email (exact, as stored lower-case) or by id. DL_ERR_NOTFOUND when none. */
enum dl_err store_user_get(struct store *st, struct arena *ar, const char *email,
    struct dl_account *out) DL_WUR;
enum dl_err store_user_get_id(struct store *st, struct arena *ar, int64_t id,
    struct dl_account *out) DL_WUR;
enum dl_err store_user_set_password(struct store *st, int64_t id, const char *pwhash) DL_WUR;

/* Sessions. store_session_get gives DL_ERR_NOTFOUND for an unknown session
 * or one last seen before `idle_cutoff` (and deletes that one). */
enum dl_err store_session_put(struct store *st, const char *id_hash, int64_t user_id,
    const char *csrf, int64_t now) DL_WUR;
enum dl_err store_session_get(struct store *st, struct arena *ar, const char *id_hash,
    int64_t idle_cutoff, int64_t *user_id, const char **csrf, int64_t *last_seen) DL_WUR;
enum dl_err store_session_touch(struct store *st, const char *id_hash, int64_t now) DL_WUR;
enum dl_err store_session_delete(struct store *st, const char *id_hash) DL_WUR;
/* Deletes every session of the user but `keep_hash` (NULL: all). */
enum dl_err store_sessions_delete_user(struct store *st, int64_t user_id,
    const char *keep_hash) DL_WUR;

/* One-time password-link tokens: store_pwtoken_use marks the token used and
 * gives its user, once; DL_ERR_NOTFOUND when unknown, used or expired. */
enum dl_err store_pwtoken_put(struct store *st, const char *token_hash, int64_t user_id,
    int64_t expires) DL_WUR;
enum dl_err store_pwtoken_use(struct store *st, const char *token_hash, int64_t now,
    int64_t *user_id) DL_WUR;
/* 1 when the token is valid now (not used, not expired), without using it. */
int store_pwtoken_valid(struct store *st, const char *token_hash, int64_t now);

/* Failed logins of `account` (an email, lower-case): add one, count those
 * at or after `since` (and the oldest of them), forget them. */
enum dl_err store_login_failure_add(struct store *st, const char *account, int64_t now) DL_WUR;
int64_t store_login_failures(struct store *st, const char *account, int64_t since,
    int64_t *oldest);
enum dl_err store_login_failures_clear(struct store *st, const char *account) DL_WUR;

/* The newsroom's side of an article: who owns it, its Markdown source and
 * the time it is scheduled for (0 when none). */
struct dl_draft {
	int64_t owner;
	const char *markdown;
	int64_t publish_at;
};

/* Any article (all statuses) by id. DL_ERR_NOTFOUND when none. */
enum dl_err store_article_get_id(struct store *st, struct arena *ar, int64_t id,
    struct dl_article *out) DL_WUR;
/* The article id of `uri` (any status); 0 when none. */
int64_t store_article_id(struct store *st, const char *uri);
/* DL_ERR_NOTFOUND when the article has no newsroom row (imported). */
enum dl_err store_draft_get(struct store *st, struct arena *ar, int64_t article,
    struct dl_draft *out) DL_WUR;
enum dl_err store_draft_put(struct store *st, int64_t article, const struct dl_draft *d) DL_WUR;

/* Articles of every status for the newsroom's list, newest change first:
 * status < 0 for all, owner 0 for everyone's, lang NULL/"" for all. Items
 * have no bodies. */
enum dl_err store_newsroom_list(struct store *st, struct arena *ar, int status, int64_t owner,
    const char *lang, size_t offset, size_t limit, struct dl_article_list *out) DL_WUR;
/* Ids of scheduled articles due at `now` (at most `max`). */
enum dl_err store_due_articles(struct store *st, struct arena *ar, int64_t now, size_t max,
    int64_t **ids, size_t *n) DL_WUR;

/* Revisions: `fields` is a JSON object text of the editable fields. */
struct dl_revision {
	int64_t id;
	int64_t article;
	int64_t user_id;
	int64_t at;
	const char *email;        /* of user_id; "" when unknown */
	const char *fields;
};
enum dl_err store_revision_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *fields) DL_WUR;
/* Newest first, at most `limit`. */
enum dl_err store_revisions(struct store *st, struct arena *ar, int64_t article, size_t limit,
    struct dl_revision **out, size_t *n) DL_WUR;
enum dl_err store_revision_get(struct store *st, struct arena *ar, int64_t id,
    struct dl_revision *out) DL_WUR;

/* The audit log: who (user id, 0 for the server itself) did what to what. */
struct dl_audit {
	int64_t at;
	const char *email;        /* "" for the server */
	const char *action;
	const char *target;
};
enum dl_err store_audit_add(struct store *st, int64_t user_id, const char *action,
    const char *target, int64_t now) DL_WUR;
/* Newest first. */
enum dl_err store_audit_list(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_audit **out, size_t *n) DL_WUR;

/* Forgets sessions last seen before `session_cutoff`, failed logins before
 * `failure_cutoff` and password links expired before `now`. */
enum dl_err store_newsroom_prune(struct store *st, int64_t now, int64_t session_cutoff,
    int64_t failure_cutoff) DL_WUR;

/* Corrections: dated notes shown on the article page, oldest first.
 * Adding one bumps the generation. */
struct dl_correction {
	int64_t at;
	const char *note;
};
enum dl_err store_correction_add(struct store *st, int64_t article, int64_t user_id, int64_t at,
    const char *note) DL_WUR;
enum dl_err store_corrections(struct store *st, struct arena *ar, int64_t article,
    struct dl_correction **out, size_t *n) DL_WUR;

/* An article of any status by edition and slug (for the retraction
 * notice). DL_ERR_NOTFOUND when none. */
enum dl_err store_article_get_any(struct store *st, struct arena *ar, const char *lang,
    const char *slug, struct dl_article *out) DL_WUR;

/* Places, tags and authors for the newsroom: list (with the number of
 * articles of any status), create, rename (the old slug keeps working as
 * an alias), merge `from` into `into` (same kind and edition; its articles
 * move, its slug becomes an alias, it is deleted). DL_ERR_EXISTS when the
 * new slug is another term's; DL_ERR_INVALID for an empty slug or a merge
 * across kinds or editions. Writes bump the generation. */
struct dl_term_row {
	int64_t id;
	int kind;
	const char *lang;
	const char *name;
	const char *slug;
	int64_t count;
};
enum dl_err store_terms_list(struct store *st, struct arena *ar, int kind, const char *lang,
    struct dl_term_row **out, size_t *n) DL_WUR;
enum dl_err store_term_create(struct store *st, int kind, const char *lang, const char *name,
    int64_t *id) DL_WUR;
enum dl_err store_term_rename(struct store *st, int64_t id, const char *name) DL_WUR;
enum dl_err store_term_merge(struct store *st, int64_t from, int64_t into) DL_WUR;
/* The current slug of an old (renamed or merged) slug; DL_ERR_NOTFOUND. */
enum dl_err store_term_alias(struct store *st, struct arena *ar, int kind, const char *lang,
    const char *slug, const char **current) DL_WUR;

/* ---- Mail outbox, newsletters, subscribers (src/store/sqlite_outbox.c) ---- */

/* One outbox row. state: "queued", "sending" (claimed by `worker` until
 * lease_until), "sent", "failed". data (the message) only from claim; it is
 * dropped once the row is sent. */
struct dl_outbox_row {
	int64_t id;
	const char *kind;
	const char *env_from;
	const char *rcpt;
	const char *data;
	size_t len;
	const char *state;
	unsigned attempts;        /* claims so far, this one included */
	int64_t created, due, sent_at;
	const char *error;        /* last failure, "" when none */
};

/* Queues a message due at `now`. DL_ERR_UNSUPPORTED when rcpt is marked
 * bouncing (nothing is queued). */
enum dl_err store_outbox_put(struct store *st, const char *kind, const char *env_from,
    const char *rcpt, const char *data, size_t len, int64_t now, int64_t *id) DL_WUR;
/* In one transaction, takes at most `limit` rows that are due (queued with
 * due <= now, or sending with an expired lease: a crashed worker's) and
 * marks them sending by `worker` until `lease_until`, attempts + 1. */
enum dl_err store_outbox_claim(struct store *st, struct arena *ar, const char *worker,
    int64_t now, int64_t lease_until, size_t limit, struct dl_outbox_row **out,
    size_t *n) DL_WUR;
/* The row claimed by `worker` was sent. */
enum dl_err store_outbox_sent(struct store *st, int64_t id, const char *worker, int64_t now) DL_WUR;
/* Back to queued, due at `due` (temporary failure). */
enum dl_err store_outbox_retry(struct store *st, int64_t id, const char *worker, int64_t due,
    const char *error) DL_WUR;
/* Gives up on the row. permanent: counts a failure against its address,
 * which is marked bouncing at `bounce_limit` failures. */
enum dl_err store_outbox_fail(struct store *st, int64_t id, const char *worker, int64_t now,
    const char *error, int permanent, unsigned bounce_limit) DL_WUR;
/* Rows (without data) in `state` (NULL: all), newest first. */
enum dl_err store_outbox_list(struct store *st, struct arena *ar, const char *state,
    size_t offset, size_t limit, struct dl_outbox_row **out, size_t *n) DL_WUR;
/* Rows per state: queued, sending, sent, failed. */
enum dl_err store_outbox_counts(struct store *st, int64_t counts[4]) DL_WUR;

struct dl_bounce {
	const char *addr;
	int64_t failures;
	int bouncing;
	const char *error;
	int64_t updated;
};
/* Addresses with permanent failures, newest first. */
enum dl_err store_bounces(struct store *st, struct arena *ar, size_t offset, size_t limit,
    struct dl_bounce **out, size_t *n) DL_WUR;

/* A newsletter: kind "digest" (the whole edition `lang`) or "alert" (only
 * articles with the place or tag term_kind/term_slug in `lang`). */
struct dl_newsletter {
	int64_t id;
	const char *kind;
	const char *lang;
	const char *name;
	const char *description;
	enum dl_term_kind term_kind;
	const char *term_slug;    /* "" for a digest */
};
/* DL_ERR_EXISTS when the same kind/lang/term is there. */
enum dl_err store_newsletter_add(struct store *st, const struct dl_newsletter *nl,
    int64_t *id) DL_WUR;
/* Newsletters of edition `lang` (NULL: all), digests first. */
enum dl_err store_newsletters(struct store *st, struct arena *ar, const char *lang,
    struct dl_newsletter **out, size_t *n) DL_WUR;

/* A subscriber. status: "pending" (until confirmed), "active", "left".
 * frequency: "daily" or "weekly". places and tags are slugs in `lang`. */
struct dl_subscriber {
	int64_t id;
	const char *email;
	const char *lang;
	const char *frequency;
	const char *status;
	int64_t nonce;            /* binds the pending confirmation link */
	int64_t created, confirmed, last_digest, last_slot;
	int64_t *newsletters;
	size_t n_newsletters;
	const char **places;
	size_t n_places;
	const char **tags;
	size_t n_tags;
};

/* A subscription request. A new or departed address becomes pending with
 * `nonce` and the given choices; a pending one keeps its nonce and takes
 * the new choices; an active one is left unchanged. *id, *nonce_out (the
 * nonce its link must carry) and *status_out ("pending" or "active",
 * static) describe the row afterwards. */
enum dl_err store_subscriber_request(struct store *st, const char *email, const char *lang,
    const char *frequency, const int64_t *newsletters, size_t n_newsletters, int64_t nonce,
    int64_t now, int64_t *id, int64_t *nonce_out, const char **status_out) DL_WUR;
/* Pending -> active when `nonce` matches; the first digest covers articles
 * after `now`. DL_ERR_EXISTS when already active (a replayed link),
 * DL_ERR_NOTFOUND when no such pending row or the nonce differs. */
enum dl_err store_subscriber_confirm(struct store *st, int64_t id, int64_t nonce,
    int64_t now) DL_WUR;
/* DL_ERR_NOTFOUND when none. With newsletters, places and tags. */
enum dl_err store_subscriber_get(struct store *st, struct arena *ar, int64_t id,
    struct dl_subscriber *out) DL_WUR;
/* Replaces lang, frequency, newsletters, places and tags of active
 * subscriber s->id. DL_ERR_NOTFOUND unless active. */
enum dl_err store_subscriber_set_prefs(struct store *st, const struct dl_subscriber *s) DL_WUR;
/* Status "left", every choice removed. DL_ERR_NOTFOUND when no such row;
 * DL_OK also when already left. */
enum dl_err store_subscriber_leave(struct store *st, int64_t id, int64_t now) DL_WUR;
/* Adds an active subscriber to every digest of `lang` (imports, tests,
 * benchmarks); DL_ERR_EXISTS when the address is there. Wrap many in
 * store_begin()/store_commit(). */
enum dl_err store_subscriber_import(struct store *st, const char *email, const char *lang,
    const char *frequency, int64_t now, int64_t *id) DL_WUR;
/* Active subscribers with `frequency` whose last_slot < slot, id > after,
 * not bouncing, by id, at most limit, with their choices. */
enum dl_err store_subscribers_due(struct store *st, struct arena *ar, const char *frequency,
    int64_t slot, int64_t after, size_t limit, struct dl_subscriber **out, size_t *n) DL_WUR;
/* Records a digest run for the subscriber: last_slot = slot and, when
 * cutoff > 0, last_digest = cutoff. */
enum dl_err store_subscriber_digest_done(struct store *st, int64_t id, int64_t slot,
    int64_t cutoff) DL_WUR;
/* Places or tags of edition `lang` with published articles, most used
 * first, at most `limit` (for the preferences page). */
enum dl_err store_terms_used(struct store *st, struct arena *ar, enum dl_term_kind kind,
    const char *lang, size_t limit, struct dl_term **out, size_t *n) DL_WUR;
/* Subscribers by id (without choices), and the total. */
enum dl_err store_subscribers_list(struct store *st, struct arena *ar, size_t offset,
    size_t limit, struct dl_subscriber **out, size_t *n, int64_t *total) DL_WUR;

#endif
