/* sitemap.c - what search engines read:
 *
 *   /sitemap.xml          a sitemap index: one sitemap per month with
 *                         published articles, in any edition
 *   /sitemap-YYYY-MM.xml  that month's articles (UTC months, as the
 *                         archive) with lastmod and, for translated ones,
 *                         xhtml:link rel="alternate" hreflang for every
 *                         edition (the page itself included)
 *   /news-sitemap.xml     Google News: articles of the last 48 hours, with
 *                         publication name and language
 *   /robots.txt           points to both
 *
 * The store lists only published articles: a retracted one leaves the
 * sitemaps; a corrected one shows its new versioncreated as lastmod.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/xmlwriter.h>
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"

#define NS_SITEMAP "http://www.sitemaps.org/schemas/sitemap/0.9"
#define NS_XHTML "http://www.w3.org/1999/xhtml"
#define NS_NEWS "http://www.google.com/schemas/sitemap-news/0.9"
#define SITEMAP_URLS 50000        /* the protocol's cap per sitemap */
#define NEWS_URLS 1000            /* Google News' cap */
#define NEWS_WINDOW (48 * 3600)
#define CHUNK 1000

#define W(call) do { if ((call) < 0) goto fail; } while (0)

struct xw {
	xmlBufferPtr b;
	xmlTextWriterPtr w;
	struct arena *ar;
};

static int
xw_open(struct xw *x, struct arena *ar)
{
	x->ar = ar;
	x->b = xmlBufferCreate();
	x->w = x->b ? xmlNewTextWriterMemory(x->b, 0) : NULL;
	if (x->w == NULL || xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0)
		return -1;
	return 0;
}

/* Ends the document into rs; frees x either way. */
static enum dl_err
xw_close(struct xw *x, struct resp *rs, int ok)
{
	enum dl_err rc = DL_ERR_NOMEM;

	if (ok && x->w && xmlTextWriterEndDocument(x->w) >= 0 && xmlTextWriterFlush(x->w) >= 0) {
		rs->content_type = "application/xml; charset=utf-8";
		rc = buf_append(&rs->body, xmlBufferContent(x->b), (size_t)xmlBufferLength(x->b));
	}
	if (x->w)
		xmlFreeTextWriter(x->w);
	if (x->b)
		xmlBufferFree(x->b);
	return rc;
}

static int
el(struct xw *x, const char *name, const char *text)
{
	char *t = synd_xml_text(x->ar, text);

	return t ? xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST t) : -1;
}

static int
at(struct xw *x, const char *name, const char *value)
{
	char *t = synd_xml_text(x->ar, value);

	return t ? xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST t) : -1;
}

static int
month_cmp(const void *a, const void *b)
{
	const struct dl_month *x = a, *y = b;

	return (y->year * 12 + y->month) - (x->year * 12 + x->month);
}

enum dl_err
page_sitemap(struct req *rq, struct resp *rs)
{
	const struct config *cfg = rq->site->cfg;
	struct dl_month *all = NULL, *m;
	size_t n_all = 0, cap = 0, n, i, j, k;
	struct xw x = { 0 };
	enum dl_err rc;
	int ok = 0;

	/* Months of every edition, merged. */
	for (i = 0; i < cfg->n_editions; i++) {
		rc = store_archive_months(rq->site->store, rq->arena, cfg->editions[i], &m, &n);
		if (rc != DL_OK)
			return rc;
		for (j = 0; j < n; j++) {
			for (k = 0; k < n_all; k++)
				if (all[k].year == m[j].year && all[k].month == m[j].month)
					break;
			if (k < n_all)
				continue;
			if (n_all == cap) {
				struct dl_month *nv = arena_alloc(rq->arena, (cap = cap ? cap * 2 : 64) * sizeof *nv);

				if (nv == NULL)
					return DL_ERR_NOMEM;
				if (n_all)
					memcpy(nv, all, n_all * sizeof *nv);
				all = nv;
			}
			all[n_all++] = m[j];
		}
	}
	if (n_all)
		qsort(all, n_all, sizeof *all, month_cmp);
	if (xw_open(&x, rq->arena) < 0)
		goto fail;
	W(xmlTextWriterStartElement(x.w, BAD_CAST "sitemapindex"));
	W(at(&x, "xmlns", NS_SITEMAP));
	for (i = 0; i < n_all; i++) {
		W(xmlTextWriterStartElement(x.w, BAD_CAST "sitemap"));
		W(el(&x, "loc", view_abs(rq, arena_printf(rq->arena, "/sitemap-%04d-%02d.xml",
		    all[i].year, all[i].month))));
		W(xmlTextWriterEndElement(x.w));
	}
	ok = 1;
fail:
	return xw_close(&x, rs, ok);
}

/* The article's <url> with its lastmod and hreflang alternates. */
static int
url_entry(struct req *rq, struct xw *x, const struct dl_article *a)
{
	struct dl_article_list tl;
	size_t i;

	W(xmlTextWriterStartElement(x->w, BAD_CAST "url"));
	W(el(x, "loc", view_abs(rq, view_article_path(rq, a->lang, a->slug))));
	W(el(x, "lastmod", synd_rfc3339(rq->arena, a->version_created)));
	if (store_translations(rq->site->store, rq->arena, a, &tl) != DL_OK)
		goto fail;
	for (i = 0; tl.n > 0 && i <= tl.n; i++) {
		const struct dl_article *t = i < tl.n ? &tl.items[i] : a;

		W(xmlTextWriterStartElement(x->w, BAD_CAST "xhtml:link"));
		W(at(x, "rel", "alternate"));
		W(at(x, "hreflang", t->lang));
		W(at(x, "href", view_abs(rq, view_article_path(rq, t->lang, t->slug))));
		W(xmlTextWriterEndElement(x->w));
	}
	return xmlTextWriterEndElement(x->w);
fail:
	return -1;
}

static int64_t
month_start(int y, int m)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = 1 };

	return (int64_t)timegm(&tm);
}

/* "2026-11.xml" -> year, month; -1 when it is not that. */
static int
parse_month(const char *s, int *y, int *m)
{
	if (s == NULL || strlen(s) != 11 || strcmp(s + 7, ".xml") != 0 || s[4] != '-' ||
	    strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2)
		return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	return *y >= 1970 && *y <= 9999 && *m >= 1 && *m <= 12 ? 0 : -1;
}

enum dl_err
page_sitemap_month(struct req *rq, struct resp *rs)
{
	struct dl_filter f = { 0 };
	struct dl_article_list l;
	struct xw x = { 0 };
	size_t off = 0, i;
	int64_t last = 0;
	enum dl_err rc;
	int y, m, ok = 0, c;

	if (parse_month(req_param(rq, "month"), &y, &m) < 0)
		return DL_ERR_NOTFOUND;
	f.from = month_start(y, m);
	f.to = m == 12 ? month_start(y + 1, 1) : month_start(y, m + 1);
	if (xw_open(&x, rq->arena) < 0)
		return xw_close(&x, rs, 0);
	if (xmlTextWriterStartElement(x.w, BAD_CAST "urlset") < 0 || at(&x, "xmlns", NS_SITEMAP) < 0 ||
	    at(&x, "xmlns:xhtml", NS_XHTML) < 0)
		return xw_close(&x, rs, 0);
	do {
		rc = store_articles_list(rq->site->store, rq->arena, &f, off, CHUNK, &l);
		if (rc != DL_OK) {
			(void)xw_close(&x, rs, 0);
			return rc;
		}
		if (off == 0 && l.total == 0) {
			(void)xw_close(&x, rs, 0);
			return DL_ERR_NOTFOUND;
		}
		for (i = 0; i < l.n && off + i < SITEMAP_URLS; i++) {
			if (l.items[i].version_created > last)
				last = l.items[i].version_created;
			if (url_entry(rq, &x, &l.items[i]) < 0 || xmlTextWriterFlush(x.w) < 0)
				return xw_close(&x, rs, 0);
			if ((size_t)xmlBufferLength(x.b) > SYND_OUT_MAX * 2)
				break;
		}
		off += l.n;
	} while (l.n == CHUNK && i == l.n && off < SITEMAP_URLS);
	ok = 1;
	if ((c = synd_conditional(rq, rs, last)) != 0) {
		(void)xw_close(&x, rs, 0);
		return c < 0 ? DL_ERR_NOMEM : DL_OK;
	}
	return xw_close(&x, rs, ok);
}

/* Google News names Chinese by script; the editions say only "zh", which
 * this site writes in simplified characters. */
static const char *
news_lang(const char *lang)
{
	return strcmp(lang, "zh") == 0 ? "zh-cn" : lang;
}

enum dl_err
page_news_sitemap(struct req *rq, struct resp *rs)
{
	const struct config *cfg = rq->site->cfg;
	struct dl_filter f = { .from = (int64_t)time(NULL) - NEWS_WINDOW };
	struct dl_article_list l;
	struct xw x = { 0 };
	int64_t last = 0;
	enum dl_err rc;
	size_t i;
	int ok = 0, c;

	rc = store_articles_list(rq->site->store, rq->arena, &f, 0, NEWS_URLS, &l);
	if (rc != DL_OK)
		return rc;
	for (i = 0; i < l.n; i++)
		if (l.items[i].version_created > last)
			last = l.items[i].version_created;
	/* Not in the page cache (articles age out of the window without a
	 * publish): a short shared max-age instead. */
	if (resp_header(rs, "Cache-Control", "public, max-age=300"))
		return DL_ERR_NOMEM;
	if ((c = synd_conditional(rq, rs, last)) != 0)
		return c < 0 ? DL_ERR_NOMEM : DL_OK;
	if (xw_open(&x, rq->arena) < 0)
		goto fail;
	W(xmlTextWriterStartElement(x.w, BAD_CAST "urlset"));
	W(at(&x, "xmlns", NS_SITEMAP));
	W(at(&x, "xmlns:news", NS_NEWS));
	for (i = 0; i < l.n; i++) {
		const struct dl_article *a = &l.items[i];

		W(xmlTextWriterStartElement(x.w, BAD_CAST "url"));
		W(el(&x, "loc", view_abs(rq, view_article_path(rq, a->lang, a->slug))));
		W(xmlTextWriterStartElement(x.w, BAD_CAST "news:news"));
		W(xmlTextWriterStartElement(x.w, BAD_CAST "news:publication"));
		W(el(&x, "news:name", cfg->site_name));
		W(el(&x, "news:language", news_lang(a->lang)));
		W(xmlTextWriterEndElement(x.w));
		W(el(&x, "news:publication_date", synd_rfc3339(rq->arena, a->first_created)));
		W(el(&x, "news:title", a->headline));
		W(xmlTextWriterEndElement(x.w));
		W(xmlTextWriterEndElement(x.w));
	}
	ok = 1;
fail:
	return xw_close(&x, rs, ok);
}

enum dl_err
page_robots(struct req *rq, struct resp *rs)
{
	rs->content_type = "text/plain; charset=utf-8";
	return buf_printf(&rs->body, "User-agent: *\nAllow: /\n\nSitemap: %s\nSitemap: %s\n",
	    view_abs(rq, "/sitemap.xml"), view_abs(rq, "/news-sitemap.xml"));
}
