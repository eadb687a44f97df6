/* synd.c - helpers shared by the feeds, the API and the sitemaps, and the
 * metadata article pages carry for machines (synd.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"
#include "pages/synd.h"
#include "pages/view.h"
#include "web/cache.h"

static const char *const day_name[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_name[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };

/* The length of the valid UTF-8 sequence at s (1-4) with its code point,
 * or 0 when the bytes there are not one. */
static size_t
utf8_next(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF && (s[1] & 0xC0) == 0x80) {
		*cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		return *cp >= 0x800 && (*cp < 0xD800 || *cp > 0xDFFF) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
		return *cp >= 0x10000 && *cp <= 0x10FFFF ? 4 : 0;
	}
	return 0;
}

static int
xml_char_ok(unsigned cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

char *
synd_xml_text(struct arena *ar, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), len;
	char *out, *o;
	unsigned cp;

	/* U+FFFD (3 bytes) replaces one bad byte at most: 3n is enough. */
	if ((out = arena_alloc(ar, n * 3 + 1)) == NULL)
		return NULL;
	for (o = out; *p; p += len) {
		len = utf8_next(p, &cp);
		if (len == 0) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			len = 1;
		} else if (xml_char_ok(cp)) {
			memcpy(o, p, len);
			o += len;
		}
	}
	*o = '\0';
	return out;
}

static int
utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return gmtime_r(&tt, tm) ? 0 : -1;
}

char *
synd_rfc3339(struct arena *ar, int64_t t)
{
	struct tm tm;

	if (utc(t, &tm))
		return NULL;
	return arena_printf(ar, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static char *
named_date(struct arena *ar, int64_t t, const char *zone)
{
	struct tm tm;

	if (utc(t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return NULL;
	return arena_printf(ar, "%s, %02d %s %04d %02d:%02d:%02d %s", day_name[tm.tm_wday],
	    tm.tm_mday, month_name[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

char *
synd_rfc822(struct arena *ar, int64_t t)
{
	return named_date(ar, t, "+0000");
}

char *
synd_http_date(struct arena *ar, int64_t t)
{
	return named_date(ar, t, "GMT");
}

int
synd_conditional(struct req *rq, struct resp *rs, int64_t last)
{
	const char *ims;
	char *lm;
	int64_t since;

	if (last <= 0)
		return 0;
	if ((lm = synd_http_date(rq->arena, last)) == NULL || resp_header(rs, "Last-Modified", lm))
		return -1;
	if (req_header(rq, "If-None-Match") != NULL || (ims = req_header(rq, "If-Modified-Since")) == NULL)
		return 0;
	since = cache_http_date(ims);   /* the page cache's parser: one reading of dates */
	if (since < 0 || last > since)
		return 0;
	rs->status = 304;
	buf_reset(&rs->body);
	return 1;
}

int
synd_feed_links(struct req *rq, json_t *ctx, const char *base, const char *title)
{
	static const struct { const char *ext, *type, *name; } kinds[] = {
		{ "rss", "application/rss+xml", "RSS" },
		{ "atom", "application/atom+xml", "Atom" },
		{ "json", "application/feed+json", "JSON Feed" },
	};
	json_t *arr = json_object_get(ctx, "feeds"), *o;
	size_t i;

	if (base == NULL || title == NULL)
		return -1;
	if (arr == NULL) {
		if ((arr = json_array()) == NULL || json_object_set_new(ctx, "feeds", arr))
			return -1;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "type", kinds[i].type) ||
		    view_set(o, "title", arena_printf(rq->arena, "%s (%s)", title, kinds[i].name)) ||
		    view_set(o, "url", arena_printf(rq->arena, "%s/feed.%s", base, kinds[i].ext)))
			return -1;
	}
	return 0;
}

char *
synd_json_script(struct arena *ar, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER), *out = NULL, *o;
	const char *p;

	if (s == NULL)
		return NULL;
	/* "<", ">" and "&" can only occur inside JSON strings, where \u00XX
	 * means the same: no "</script>" nor "<!--" can end the element. */
	if ((out = arena_alloc(ar, strlen(s) * 6 + 1)) != NULL) {
		for (p = s, o = out; *p; p++) {
			if (*p == '<' || *p == '>' || *p == '&')
				o += sprintf(o, "\\u%04x", (unsigned)*p);
			else
				*o++ = *p;
		}
		*o = '\0';
	}
	free(s);
	return out;
}

enum dl_err
synd_full(struct req *rq, const struct dl_article *item, struct dl_article *out)
{
	enum dl_err rc = store_article_get_uri(rq->site->store, rq->arena, item->uri, out);

	if (rc == DL_OK && out->status != DL_PUBLISHED)
		rc = DL_ERR_NOTFOUND;
	return rc;
}

/* Open Graph wants language_TERRITORY; the edition says only the language. */
static const char *
og_locale(const char *lang)
{
	static const struct { const char *lang, *locale; } map[] = {
		{ "en", "en_US" }, { "it", "it_IT" }, { "es", "es_ES" }, { "zh", "zh_CN" },
		{ "fr", "fr_FR" }, { "de", "de_DE" }, { "ja", "ja_JP" }, { "pt", "pt_PT" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].lang, lang) == 0)
			return map[i].locale;
	return NULL;
}

static json_t *
jstr(const char *s)
{
	json_t *v = json_string(s ? s : "");

	return v ? v : json_string("?");
}

/* schema.org NewsArticle for the article. */
static json_t *
news_article(struct req *rq, const struct dl_article *a, const char *url)
{
	const struct config *cfg = rq->site->cfg;
	json_t *o = json_object(), *who = NULL, *pub = NULL, *sec = NULL;
	size_t i;

	if (o == NULL)
		return NULL;
	if (a->byline && a->byline[0]) {
		who = json_pack("{s:s, s:o}", "@type", "Person", "name", jstr(a->byline));
		if (who && a->author.slug && a->author.slug[0] &&
		    json_object_set_new(who, "url", jstr(view_abs(rq, view_term_path(rq, a->lang,
		        DL_AUTHOR, a->author.slug)))))
			goto fail;
	} else {
		who = json_pack("{s:s, s:o}", "@type", "Organization", "name", jstr(cfg->agency));
	}
	pub = json_pack("{s:s, s:o, s:o}", "@type", "Organization", "name", jstr(cfg->site_name),
	    "url", jstr(cfg->base_url));
	if ((sec = json_array()) == NULL || who == NULL || pub == NULL)
		goto fail;
	for (i = 0; i < a->n_tags; i++)
		if (json_array_append_new(sec, jstr(a->tags[i].name)))
			goto fail;
	if (json_object_set_new(o, "@context", json_string("https://schema.org")) ||
	    json_object_set_new(o, "@type", json_string("NewsArticle")))
		goto fail;
	i = (size_t)(json_object_set_new(o, "author", who) != 0) +
	    (size_t)(json_object_set_new(o, "publisher", pub) != 0);
	who = pub = NULL;   /* stolen, even on failure */
	if (i != 0)
		goto fail_set;
	if (json_object_set_new(o, "headline", jstr(a->headline)) ||
	    json_object_set_new(o, "datePublished", jstr(synd_rfc3339(rq->arena, a->first_created))) ||
	    json_object_set_new(o, "dateModified", jstr(synd_rfc3339(rq->arena, a->version_created))) ||
	    json_object_set_new(o, "inLanguage", jstr(a->lang)) ||
	    json_object_set_new(o, "url", jstr(url)) ||
	    json_object_set_new(o, "mainEntityOfPage", jstr(url)))
		goto fail_set;
	if (a->standfirst && a->standfirst[0] &&
	    json_object_set_new(o, "description", jstr(a->standfirst)))
		goto fail_set;
	if (a->located && a->located[0] && json_object_set_new(o, "dateline", jstr(a->located)))
		goto fail_set;
	/* articleSection: the tags (the desk); else the first place. */
	if (json_array_size(sec) == 0 && a->n_places > 0 &&
	    json_array_append_new(sec, jstr(a->places[0].name)))
		goto fail_set;
	if (json_array_size(sec) == 1) {
		if (json_object_set(o, "articleSection", json_array_get(sec, 0)))
			goto fail_set;
	} else if (json_array_size(sec) > 1 && json_object_set(o, "articleSection", sec)) {
		goto fail_set;
	}
	/* image: struct dl_article carries no picture yet; add it here when it does. */
	json_decref(sec);
	return o;
fail:
	json_decref(who);
	json_decref(pub);
fail_set:
	json_decref(sec);
	json_decref(o);
	return NULL;
}

enum dl_err
synd_article_meta(struct req *rq, const struct dl_article *a, json_t *ctx)
{
	char *path = view_article_path(rq, a->lang, a->slug);
	char *url = path ? view_abs(rq, path) : NULL;
	json_t *ld, *og = NULL, *tags = NULL, *t;
	char *script;
	size_t i;

	if (url == NULL || (ld = news_article(rq, a, url)) == NULL)
		return DL_ERR_NOMEM;
	script = synd_json_script(rq->arena, ld);
	json_decref(ld);
	if (script == NULL || view_set(ctx, "jsonld", script) || view_set(ctx, "canonical", url))
		return DL_ERR_NOMEM;
	if ((og = json_object()) == NULL || json_object_set_new(ctx, "og", og) ||
	    (tags = json_array()) == NULL || json_object_set_new(og, "og_tags", tags))
		return DL_ERR_NOMEM;
	for (i = 0; i < a->n_tags; i++) {
		t = json_object();
		if (t == NULL || json_array_append_new(tags, t) || view_set(t, "og_tag", a->tags[i].name))
			return DL_ERR_NOMEM;
	}
	if (view_set(og, "og_title", a->headline) || view_set(og, "og_description", a->standfirst) ||
	    view_set(og, "og_url", url) || view_set(og, "og_site_name", rq->site->cfg->site_name) ||
	    view_set(og, "og_locale", og_locale(a->lang)) ||
	    view_set(og, "og_published", synd_rfc3339(rq->arena, a->first_created)) ||
	    view_set(og, "og_modified", synd_rfc3339(rq->arena, a->version_created)) ||
	    view_set(og, "og_section", a->n_tags ? a->tags[0].name : NULL) ||
	    view_set(og, "og_author", a->byline) ||
	    view_set(og, "twitter_card", "summary"))
		return DL_ERR_NOMEM;
	return DL_OK;
}
