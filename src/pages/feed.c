/* feed.c - RSS 2.0, Atom 1.0 and JSON Feed 1.1 of an edition
 * (/{lang}/feed.rss|atom|json) and of a place, tag or author
 * (/{lang}/place/{slug}/feed.atom ...): the latest SYND_FEED_ITEMS published
 * articles, with whole bodies or standfirsts as [feeds] full_text says.
 *
 * XML goes through libxml2's xmlTextWriter, which escapes; every string is
 * first made XML 1.0 text (synd_xml_text), so a control character in a
 * headline cannot make the feed ill-formed. No CDATA anywhere, so "]]>" is
 * just text. JSON goes through jansson. The page cache gives ETag and 304;
 * synd_conditional adds Last-Modified (the newest versioncreated) and
 * answers If-Modified-Since. Retracted articles are never listed by the
 * store, so they leave the feeds with the next publish.
 */
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlwriter.h>
#include "base/i18n.h"
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"

enum feed_fmt { FEED_RSS, FEED_ATOM, FEED_JSON };

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"

/* What every format needs, computed once. */
struct feed {
	struct req *rq;
	enum feed_fmt fmt;
	const char *title;
	const char *subtitle;
	const char *home;       /* absolute URL of the HTML page the feed follows */
	const char *self;       /* absolute URL of the feed */
	int64_t updated;
	int full;
	struct dl_article_list list;
};

/* One item as the formats want it: the body when full text is on. */
struct item {
	const struct dl_article *a;
	struct dl_article full;
	const char *url;
	const char *html;       /* full body, or NULL */
};

/* Fills it for list item i; DL_ERR_NOTFOUND when the article went away
 * between the list and now (skip it). */
static enum dl_err
item_get(struct feed *fd, size_t i, struct item *it)
{
	struct req *rq = fd->rq;
	enum dl_err rc;

	memset(it, 0, sizeof *it);
	it->a = &fd->list.items[i];
	it->url = view_abs(rq, view_article_path(rq, it->a->lang, it->a->slug));
	if (it->url == NULL)
		return DL_ERR_NOMEM;
	if (!fd->full)
		return DL_OK;
	rc = synd_full(rq, it->a, &it->full);
	if (rc != DL_OK)
		return rc;
	it->a = &it->full;
	it->html = it->full.body_html;
	return DL_OK;
}

/* ---- XML ---- */

/* Writers return < 0 on failure; these fold that into one flag. */
#define W(call) do { if ((call) < 0) goto fail; } while (0)

static int
text_el(struct feed *fd, xmlTextWriterPtr w, const char *name, const char *text)
{
	char *t = synd_xml_text(fd->rq->arena, text);

	if (t == NULL)
		return -1;
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST t);
}

static int
attr(struct feed *fd, xmlTextWriterPtr w, const char *name, const char *value)
{
	char *t = synd_xml_text(fd->rq->arena, value);

	if (t == NULL)
		return -1;
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST t);
}

static int
link_el(struct feed *fd, xmlTextWriterPtr w, const char *rel, const char *type, const char *href)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "link") < 0 || attr(fd, w, "rel", rel) < 0 ||
	    (type && attr(fd, w, "type", type) < 0) || attr(fd, w, "href", href) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

static int
atom_entry(struct feed *fd, xmlTextWriterPtr w, const struct item *it)
{
	struct req *rq = fd->rq;
	const struct dl_article *a = it->a;
	size_t i;

	W(xmlTextWriterStartElement(w, BAD_CAST "entry"));
	W(text_el(fd, w, "id", a->uri));
	W(text_el(fd, w, "title", a->headline));
	W(text_el(fd, w, "published", synd_rfc3339(rq->arena, a->first_created)));
	W(text_el(fd, w, "updated", synd_rfc3339(rq->arena, a->version_created)));
	W(link_el(fd, w, "alternate", "text/html", it->url));
	if (a->byline && a->byline[0]) {
		W(xmlTextWriterStartElement(w, BAD_CAST "author"));
		W(text_el(fd, w, "name", a->byline));
		if (a->author.slug && a->author.slug[0])
			W(text_el(fd, w, "uri", view_abs(rq, view_term_path(rq, a->lang, DL_AUTHOR,
			    a->author.slug))));
		W(xmlTextWriterEndElement(w));
	}
	for (i = 0; i < a->n_tags; i++) {
		W(xmlTextWriterStartElement(w, BAD_CAST "category"));
		W(attr(fd, w, "term", a->tags[i].slug));
		W(attr(fd, w, "label", a->tags[i].name));
		W(xmlTextWriterEndElement(w));
	}
	if (a->standfirst && a->standfirst[0]) {
		W(xmlTextWriterStartElement(w, BAD_CAST "summary"));
		W(attr(fd, w, "type", "text"));
		W(xmlTextWriterWriteString(w, BAD_CAST synd_xml_text(rq->arena, a->standfirst)));
		W(xmlTextWriterEndElement(w));
	}
	if (it->html) {
		W(xmlTextWriterStartElement(w, BAD_CAST "content"));
		W(attr(fd, w, "type", "html"));
		W(xmlTextWriterWriteString(w, BAD_CAST synd_xml_text(rq->arena, it->html)));
		W(xmlTextWriterEndElement(w));
	}
	if (a->copyright && a->copyright[0])
		W(text_el(fd, w, "rights", a->copyright));
	return xmlTextWriterEndElement(w);
fail:
	return -1;
}

static int
rss_item(struct feed *fd, xmlTextWriterPtr w, const struct item *it)
{
	struct req *rq = fd->rq;
	const struct dl_article *a = it->a;
	size_t i;

	W(xmlTextWriterStartElement(w, BAD_CAST "item"));
	W(text_el(fd, w, "title", a->headline));
	W(text_el(fd, w, "link", it->url));
	W(xmlTextWriterStartElement(w, BAD_CAST "guid"));
	W(attr(fd, w, "isPermaLink", "false"));
	W(xmlTextWriterWriteString(w, BAD_CAST synd_xml_text(rq->arena, a->uri)));
	W(xmlTextWriterEndElement(w));
	W(text_el(fd, w, "pubDate", synd_rfc822(rq->arena, a->first_created)));
	if (a->standfirst && a->standfirst[0])
		W(text_el(fd, w, "description", a->standfirst));
	else if (it->html)
		W(text_el(fd, w, "description", it->html));
	if (a->byline && a->byline[0])
		W(xmlTextWriterWriteElementNS(w, BAD_CAST "dc", BAD_CAST "creator", NULL,
		    BAD_CAST synd_xml_text(rq->arena, a->byline)));
	for (i = 0; i < a->n_tags; i++) {
		W(xmlTextWriterStartElement(w, BAD_CAST "category"));
		W(attr(fd, w, "domain", view_abs(rq, view_term_path(rq, a->lang, DL_TAG,
		    a->tags[i].slug))));
		W(xmlTextWriterWriteString(w, BAD_CAST synd_xml_text(rq->arena, a->tags[i].name)));
		W(xmlTextWriterEndElement(w));
	}
	if (it->html)
		W(xmlTextWriterWriteElementNS(w, BAD_CAST "content", BAD_CAST "encoded", NULL,
		    BAD_CAST synd_xml_text(rq->arena, it->html)));
	W(text_el(fd, w, "atom:updated", synd_rfc3339(rq->arena, a->version_created)));
	return xmlTextWriterEndElement(w);
fail:
	return -1;
}

static int
xml_head(struct feed *fd, xmlTextWriterPtr w)
{
	struct req *rq = fd->rq;
	const struct config *cfg = rq->site->cfg;

	W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
	if (fd->fmt == FEED_ATOM) {
		W(xmlTextWriterStartElement(w, BAD_CAST "feed"));
		W(attr(fd, w, "xmlns", NS_ATOM));
		W(attr(fd, w, "xml:lang", rq->lang));
		W(text_el(fd, w, "id", fd->self));
		W(text_el(fd, w, "title", fd->title));
		W(text_el(fd, w, "subtitle", fd->subtitle));
		W(text_el(fd, w, "updated", synd_rfc3339(rq->arena, fd->updated)));
		W(link_el(fd, w, "self", "application/atom+xml", fd->self));
		W(link_el(fd, w, "alternate", "text/html", fd->home));
		/* The feed's author covers entries without a byline (RFC 4287 4.1.1). */
		W(xmlTextWriterStartElement(w, BAD_CAST "author"));
		W(text_el(fd, w, "name", cfg->agency));
		W(text_el(fd, w, "uri", cfg->base_url));
		W(xmlTextWriterEndElement(w));
		W(text_el(fd, w, "generator", "dateline"));
		return 0;
	}
	W(xmlTextWriterStartElement(w, BAD_CAST "rss"));
	W(attr(fd, w, "version", "2.0"));
	W(attr(fd, w, "xmlns:atom", NS_ATOM));
	W(attr(fd, w, "xmlns:content", NS_CONTENT));
	W(attr(fd, w, "xmlns:dc", NS_DC));
	W(xmlTextWriterStartElement(w, BAD_CAST "channel"));
	W(text_el(fd, w, "title", fd->title));
	W(text_el(fd, w, "link", fd->home));
	W(text_el(fd, w, "description", fd->subtitle));
	W(text_el(fd, w, "language", rq->lang));
	W(text_el(fd, w, "lastBuildDate", synd_rfc822(rq->arena, fd->updated)));
	W(text_el(fd, w, "generator", "dateline"));
	W(xmlTextWriterStartElement(w, BAD_CAST "atom:link"));
	W(attr(fd, w, "rel", "self"));
	W(attr(fd, w, "type", "application/rss+xml"));
	W(attr(fd, w, "href", fd->self));
	W(xmlTextWriterEndElement(w));
	return 0;
fail:
	return -1;
}

static enum dl_err
render_xml(struct feed *fd, struct resp *rs)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	enum dl_err rc = DL_ERR_NOMEM;
	struct item it;
	size_t i;

	if (w == NULL || xml_head(fd, w) < 0)
		goto out;
	for (i = 0; i < fd->list.n; i++) {
		rc = item_get(fd, i, &it);
		if (rc == DL_ERR_NOTFOUND)
			continue;
		if (rc != DL_OK)
			goto out;
		rc = DL_ERR_NOMEM;
		if ((fd->fmt == FEED_ATOM ? atom_entry(fd, w, &it) : rss_item(fd, w, &it)) < 0 ||
		    xmlTextWriterFlush(w) < 0)
			goto out;
		if ((size_t)xmlBufferLength(xb) > SYND_OUT_MAX)
			break;
	}
	rc = DL_ERR_NOMEM;
	if (xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0)
		goto out;
	rc = buf_append(&rs->body, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
out:
	if (w)
		xmlFreeTextWriter(w);
	if (xb)
		xmlBufferFree(xb);
	return rc;
}

/* ---- JSON Feed 1.1 ---- */

static json_t *
json_item(struct feed *fd, const struct item *it)
{
	struct req *rq = fd->rq;
	const struct dl_article *a = it->a;
	json_t *o = json_object(), *tags = json_array(), *au;
	size_t i;

	if (o == NULL || tags == NULL)
		goto fail;
	if (view_set(o, "id", a->uri) || view_set(o, "url", it->url) ||
	    view_set(o, "title", a->headline) || view_set(o, "summary", a->standfirst) ||
	    view_set(o, "date_published", synd_rfc3339(rq->arena, a->first_created)) ||
	    view_set(o, "date_modified", synd_rfc3339(rq->arena, a->version_created)) ||
	    view_set(o, "language", a->lang))
		goto fail;
	/* content_html or content_text is required: the standfirst (or the
	 * headline) stands in when full text is off. */
	if (it->html ? view_set(o, "content_html", it->html) :
	    view_set(o, "content_text", a->standfirst && a->standfirst[0] ? a->standfirst : a->headline))
		goto fail;
	if (a->byline && a->byline[0]) {
		if ((au = json_object()) == NULL ||
		    json_object_set_new(o, "authors", json_pack("[o]", au)) ||
		    view_set(au, "name", a->byline) ||
		    (a->author.slug && a->author.slug[0] && view_set(au, "url",
		        view_abs(rq, view_term_path(rq, a->lang, DL_AUTHOR, a->author.slug)))))
			goto fail;
	}
	for (i = 0; i < a->n_tags; i++)
		if (json_array_append_new(tags, json_string(a->tags[i].name)))
			goto fail;
	if (a->n_tags && json_object_set(o, "tags", tags))
		goto fail;
	json_decref(tags);
	return o;
fail:
	json_decref(tags);
	json_decref(o);
	return NULL;
}

static enum dl_err
render_json(struct feed *fd, struct resp *rs)
{
	const struct config *cfg = fd->rq->site->cfg;
	json_t *root = json_object(), *items = json_array(), *o;
	enum dl_err rc = DL_ERR_NOMEM;
	struct item it;
	size_t i, size = 0;
	char *s = NULL;

	if (root == NULL || items == NULL || json_object_set_new(root, "version",
	        json_string("https://jsonfeed.org/version/1.1")) ||
	    view_set(root, "title", fd->title) || view_set(root, "home_page_url", fd->home) ||
	    view_set(root, "feed_url", fd->self) || view_set(root, "description", fd->subtitle) ||
	    view_set(root, "language", fd->rq->lang) ||
	    json_object_set_new(root, "authors", json_pack("[{s:s,s:s}]", "name", cfg->agency,
	        "url", cfg->base_url)))
		goto out;
	for (i = 0; i < fd->list.n && size <= SYND_OUT_MAX; i++) {
		rc = item_get(fd, i, &it);
		if (rc == DL_ERR_NOTFOUND)
			continue;
		if (rc != DL_OK)
			goto out;
		rc = DL_ERR_NOMEM;
		if ((o = json_item(fd, &it)) == NULL || json_array_append_new(items, o))
			goto out;
		size += it.html ? strlen(it.html) : 0;
	}
	rc = DL_ERR_NOMEM;
	if (json_object_set(root, "items", items) ||
	    (s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	rc = buf_puts(&rs->body, s);
out:
	free(s);
	json_decref(items);
	json_decref(root);
	return rc;
}

enum dl_err
page_feed(struct req *rq, struct resp *rs)
{
	static const char *const ext[] = { ".rss", ".atom", ".json" };
	static const char *const type[] = { "application/rss+xml; charset=utf-8",
		"application/atom+xml; charset=utf-8", "application/feed+json; charset=utf-8" };
	const struct config *cfg = rq->site->cfg;
	struct feed fd = { .rq = rq, .full = cfg->feeds_full_text };
	struct dl_filter f = { .lang = rq->lang };
	const char *slug = req_param(rq, "slug"), *dot;
	struct dl_term term;
	enum dl_term_kind kind;
	char *home;
	enum dl_err rc;
	size_t i;
	int c;

	if ((dot = strrchr(rq->path, '.')) == NULL)
		return DL_ERR_NOTFOUND;
	for (i = 0; i < 3 && strcmp(dot, ext[i]) != 0; i++)
		;
	if (i == 3)
		return DL_ERR_NOTFOUND;
	fd.fmt = (enum feed_fmt)i;
	if (slug != NULL) {
		if (view_term_kind(rq->path, &kind) != 0)
			return DL_ERR_NOTFOUND;
		rc = store_term_get(rq->site->store, rq->arena, kind, rq->lang, slug, &term);
		if (rc != DL_OK)
			return rc;
		view_filter_term(&f, kind, term.slug);
		home = view_term_path(rq, rq->lang, kind, term.slug);
		fd.title = arena_printf(rq->arena, "%s \xE2\x80\x94 %s", cfg->site_name, term.name);
		fd.subtitle = arena_printf(rq->arena, "%s: %s", i18n_get(rq->lang, "latest"), term.name);
	} else {
		home = arena_printf(rq->arena, "/%s/", rq->lang);
		fd.title = arena_printf(rq->arena, "%s \xE2\x80\x94 %s", cfg->site_name,
		    i18n_language_name(rq->lang));
		fd.subtitle = i18n_get(rq->lang, "latest");
	}
	/* From the encoded paths, not rq->path (decoded). */
	fd.home = home ? view_abs(rq, home) : NULL;
	fd.self = slug ? (home ? view_abs(rq, arena_printf(rq->arena, "%s/feed%s", home, ext[fd.fmt])) :
	    NULL) : view_abs(rq, arena_printf(rq->arena, "/%s/feed%s", rq->lang, ext[fd.fmt]));
	if (fd.home == NULL || fd.self == NULL || fd.title == NULL || fd.subtitle == NULL)
		return DL_ERR_NOMEM;
	rc = store_articles_list(rq->site->store, rq->arena, &f, 0, SYND_FEED_ITEMS, &fd.list);
	if (rc != DL_OK)
		return rc;
	/* updated: the newest versioncreated (a correction moves it); the
	 * epoch for a feed with no items yet, so the body stays stable. */
	for (i = 0; i < fd.list.n; i++)
		if (fd.list.items[i].version_created > fd.updated)
			fd.updated = fd.list.items[i].version_created;
	rs->content_type = type[fd.fmt];
	if ((c = synd_conditional(rq, rs, fd.updated)) != 0)
		return c < 0 ? DL_ERR_NOMEM : DL_OK;
	return fd.fmt == FEED_JSON ? render_json(&fd, rs) : render_xml(&fd, rs);
}
