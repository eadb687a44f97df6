/* synd.h - what the syndication pages share (feeds, the ninjs API,
 * sitemaps) and the machine-readable metadata other pages carry (feed
 * links in the head, schema.org JSON-LD, Open Graph). Private to src/pages.
 *
 * Strings come from rq->arena (or the arena passed); JSON values are new
 * references. Nothing here aborts: NULL or an error on a failed allocation.
 */
#ifndef DL_SYND_H
#define DL_SYND_H

#include <jansson.h>
#include <stdint.h>
#include "base/arena.h"
#include "store/store.h"
#include "web/web.h"

#define SYND_FEED_ITEMS 50           /* items in a feed */
#define SYND_OUT_MAX (4u << 20)      /* a feed or sitemap stops adding items past this */

/* `s` as text XML 1.0 can carry: invalid UTF-8 becomes U+FFFD, and code
 * points XML 1.0 forbids (C0 controls but tab, LF and CR; surrogates;
 * U+FFFE, U+FFFF) are dropped. NULL in gives "". NULL when out of memory. */
char *synd_xml_text(struct arena *ar, const char *s);

/* Unix time as RFC 3339 in UTC ("2026-11-27T08:00:00Z"), RFC 822 for RSS
 * ("Fri, 27 Nov 2026 08:00:00 +0000") and the HTTP date ("... GMT").
 * English names whatever the process locale. NULL when out of memory. */
char *synd_rfc3339(struct arena *ar, int64_t t);
char *synd_rfc822(struct arena *ar, int64_t t);
char *synd_http_date(struct arena *ar, int64_t t);

/* Sets Last-Modified to `last` (when > 0) and answers a conditional GET:
 * returns 1 and makes rs a bodiless 304 when the request has an
 * If-Modified-Since at or after `last` and no If-None-Match (which the page
 * cache answers, and which takes precedence, RFC 9110 13.2.2). 0 to go on
 * rendering; -1 when out of memory. */
int synd_conditional(struct req *rq, struct resp *rs, int64_t last);

/* Appends {type, title, url} entries for the RSS, Atom and JSON feeds under
 * `base` ("/en" or "/en/place/japan": the feeds are base/feed.rss ...) to
 * ctx's "feeds" array (made when absent), for <link rel="alternate"> in
 * header.mustache. `title` names the feed. -1 when out of memory. */
int synd_feed_links(struct req *rq, json_t *ctx, const char *base, const char *title);

/* Adds to an article page's context: "jsonld" (schema.org NewsArticle as
 * JSON made safe inside <script>: "<", ">" and "&" as \u003c, \u003e,
 * \u0026), "og" (Open Graph and Twitter card fields) and "canonical" (the
 * article's absolute URL). DL_ERR_NOMEM only. */
enum dl_err synd_article_meta(struct req *rq, const struct dl_article *a, json_t *ctx) DL_WUR;

/* json_dumps() of `v` with "<", ">" and "&" escaped as above, so that the
 * text can sit inside an HTML <script> element; arena. NULL on failure. */
char *synd_json_script(struct arena *ar, const json_t *v);

/* The article with its body when it is published (list items carry no
 * body); DL_ERR_NOTFOUND when it is gone or no longer published. */
enum dl_err synd_full(struct req *rq, const struct dl_article *item, struct dl_article *out) DL_WUR;

#endif
