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
 * SQLite. Runs pending migrations. On failure returns an error and writes a
 * sentence for the user into `msg` (e.g. "x.db is not a dateline database").
 * The caller frees the store with store_close(). */
enum dl_err store_open(const char *dsn, struct store **out, char *msg, size_t msglen) DL_WUR;
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

/* Number of articles (all statuses). */
int64_t store_article_count(struct store *st);

#endif
