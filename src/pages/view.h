/* view.h - view-model helpers shared by the page handlers (private to
 * src/pages). Strings they return come from rq->arena; JSON values are new
 * references. None of them aborts: on a failed allocation they return NULL
 * (or an error), and the handler answers 500. */
#ifndef DL_VIEW_H
#define DL_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "base/i18n.h"
#include "store/store.h"
#include "web/web.h"

#define VIEW_PER_PAGE 20
#define VIEW_PAGE_MAX 100000   /* ?page= above this is refused before any query */

/* Sets o[key] to the string s; NULL or "" removes the key instead, so that
 * a template's {{#key}} section is skipped for an empty field. Invalid
 * UTF-8 shows as "?" rather than dropping the field. -1 on failure. */
int view_set(json_t *o, const char *key, const char *s);

/* The places as a kicker: names in order, upper-cased for `lang` (ICU),
 * joined by " - ". "" when there are none; NULL when out of memory. */
char *view_kicker(struct req *rq, const struct dl_term *places, size_t n);

/* Unix time as text for readers of rq->lang in the site's zone; as ISO 8601
 * for <time datetime>. NULL on failure. */
char *view_time(struct req *rq, int64_t t, enum i18n_date_style style);
char *view_iso(struct req *rq, int64_t t);

/* s percent-encoded for a path segment or a query value: every byte but
 * the unreserved A-Z a-z 0-9 - . _ ~ is encoded (UTF-8 bytes too); NULL
 * gives "". Arena. */
char *view_seg(struct req *rq, const char *s);

/* "/{lang}/news/{slug}" and friends; arena. */
char *view_article_path(struct req *rq, const char *lang, const char *slug);
char *view_term_path(struct req *rq, const char *lang, enum dl_term_kind kind, const char *slug);

/* The kind of term a path names by its second segment: "/en/place/japan"
 * (and "/en/place/japan/feed.rss") -> DL_PLACE; likewise tag/ and author/.
 * 0 with *kind set; -1 for any other path or NULL. */
int view_term_kind(const char *path, enum dl_term_kind *kind);

/* Narrows f to the articles of the term `slug` of `kind` (sets the
 * filter's place_slug, tag_slug or author_slug; slug is not copied). */
void view_filter_term(struct dl_filter *f, enum dl_term_kind kind, const char *slug);

/* cfg->base_url joined with `path` (arena). */
char *view_abs(struct req *rq, const char *path);

/* Interface string `key` of rq->lang with "{1}" and "{2}" replaced by a1
 * and a2 (either may be NULL). Arena. */
char *view_fmt(struct req *rq, const char *key, const char *a1, const char *a2);

/* A summary of a listed article: url, headline, standfirst, byline, kicker,
 * date (human), iso, lang. NULL when out of memory. */
json_t *view_summary(struct req *rq, const struct dl_article *a);

/* Terms as [{name, url}] for listing pages of `kind`. */
json_t *view_terms(struct req *rq, enum dl_term_kind kind, const struct dl_term *t, size_t n);

/* Reads ?page=: absent -> 1; anything but a plain decimal 1..VIEW_PAGE_MAX
 * -> DL_ERR_NOTFOUND (the 404 page). */
enum dl_err view_page_number(struct req *rq, size_t *page) DL_WUR;

/* Checks `page` against `total` items (VIEW_PER_PAGE a page; page 1 always
 * exists) and builds {page, pages, label, prev_url, next_url} for the
 * template, or JSON null when everything fits on one page. DL_ERR_NOTFOUND
 * when page is past the end. `base` is the path the links append
 * "?page=N" to. */
enum dl_err view_pagination(struct req *rq, const char *base, size_t page, int64_t total,
    json_t **out) DL_WUR;

/* The paginated listing every list page shares: reads ?page=, lists the
 * published articles matching `f` (VIEW_PER_PAGE a page, newest first),
 * sets ctx "items" (summaries), "pagination" and "empty" (true when there
 * is nothing at all). `base` is the page's path for the page links. The
 * list itself goes to *out (may be NULL) for callers that want more of it.
 * DL_ERR_NOTFOUND for a bad or out-of-range ?page=. */
enum dl_err view_list(struct req *rq, const struct dl_filter *f, const char *base, json_t *ctx,
    struct dl_article_list *out) DL_WUR;

/* One month of the archive as {name ("December 2025" in rq->lang), url,
 * count}. NULL when out of memory. Defined in archive.c. */
json_t *view_month(struct req *rq, const struct dl_month *m);

/* The JSON API's answers (src/pages/api*.c). view_json takes v (stolen,
 * may be NULL) and appends it, compact and in key order, to the body as
 * application/json; charset=utf-8. view_json_error replaces the body with
 * {"error": {"status", "message"}}, sets the status and no_store. Both
 * DL_ERR_NOMEM when out of memory. */
enum dl_err view_json(struct resp *rs, json_t *v) DL_WUR;
enum dl_err view_json_error(struct resp *rs, int status, const char *message) DL_WUR;

/* The article's own fields for article.mustache and print.mustache:
 * headline, standfirst, byline, author_url, kicker, date, iso, url,
 * permalink, body_html (safe HTML with the dateline "Moscow (AsiaNews) - "
 * opening its first paragraph), terms [{name, url}] (tags then places),
 * copyright. Defined in article.c. NULL when out of memory. */
json_t *view_article(struct req *rq, const struct dl_article *a);

#endif
