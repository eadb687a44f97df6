/* api.c - the public ninjs 2.1 API.
 *
 *   GET /api/v1/items?since=&place=&tag=&author=&lang=&page=
 *       published items, newest first, API_PER_PAGE a page:
 *       {"items": [ninjs...], "total", "page", "pages", "per_page", "next"}
 *       since: RFC 3339 date-time or Unix seconds; items first published
 *       at or after it. place, tag, author: slugs. lang: an edition.
 *       A page past the end has no items; "next" is null on the last page.
 *   GET /api/v1/items/{uri}
 *       one published item; the uri percent-encoded in the path.
 *
 * Bad parameters get 400 and a JSON error, {"error": {"status", "message"}};
 * an unknown item 404 the same way. Items come from ninjs_emit(), so the
 * API speaks exactly what `dateline export` writes.
 */
#include <stdlib.h>
#include <string.h>
#include "content/ninjs.h"
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"

#define API_PER_PAGE 20
#define API_SLUG_MAX 200

/* since: Unix seconds or RFC 3339; -1 when neither. */
static int64_t
parse_since(const char *s)
{
	int64_t t = 0;
	size_t i;

	if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -1;
		for (i = 0; s[i]; i++)
			t = t * 10 + (s[i] - '0');
		return t;
	}
	return ninjs_parse_time(s, &t) == DL_OK && t >= 0 ? t : -1;
}

static int
slug_ok(const char *s)
{
	return s == NULL || (s[0] && strlen(s) <= API_SLUG_MAX);
}

enum dl_err
page_api_items(struct req *rq, struct resp *rs)
{
	static const char *const keys[] = { "since", "place", "tag", "author", "lang" };
	struct dl_filter f = { 0 };
	struct dl_article_list l;
	struct dl_article full;
	const char *since = req_query(rq, "since"), *pg = req_query(rq, "page"), *v;
	json_t *root = NULL, *items, *o;
	char *next = NULL;
	size_t page = 1, i, pages;
	enum dl_err rc;

	f.lang = req_query(rq, "lang");
	f.place_slug = req_query(rq, "place");
	f.tag_slug = req_query(rq, "tag");
	f.author_slug = req_query(rq, "author");
	if (f.lang && !config_has_edition(rq->site->cfg, f.lang))
		return view_json_error(rs, 400, "lang: not an edition of this site");
	if (!slug_ok(f.place_slug) || !slug_ok(f.tag_slug) || !slug_ok(f.author_slug))
		return view_json_error(rs, 400, "place, tag and author take a slug of 1 to 200 bytes");
	if (since && (f.from = parse_since(since)) < 0)
		return view_json_error(rs, 400, "since: wants an RFC 3339 date-time or Unix seconds");
	if (pg) {
		if (pg[0] < '1' || pg[0] > '9' || strspn(pg, "0123456789") != strlen(pg) ||
		    strlen(pg) > 6 || (page = (size_t)strtoul(pg, NULL, 10)) > VIEW_PAGE_MAX)
			return view_json_error(rs, 400, "page: wants a number from 1 to 100000");
	}
	rc = store_articles_list(rq->site->store, rq->arena, &f, (page - 1) * API_PER_PAGE,
	    API_PER_PAGE, &l);
	if (rc != DL_OK)
		return rc;
	pages = l.total > 0 ? (size_t)((l.total + API_PER_PAGE - 1) / API_PER_PAGE) : 1;
	if (page < pages) {
		next = arena_printf(rq->arena, "/api/v1/items?page=%zu", page + 1);
		for (i = 0; next && i < sizeof keys / sizeof keys[0]; i++)
			if ((v = req_query(rq, keys[i])) != NULL)
				next = arena_printf(rq->arena, "%s&%s=%s", next, keys[i], view_seg(rq, v));
		if (next == NULL || (next = view_abs(rq, next)) == NULL)
			return DL_ERR_NOMEM;
	}
	root = json_object();
	items = json_array();
	if (root == NULL || items == NULL || json_object_set_new(root, "items", items)) {
		json_decref(root);
		return DL_ERR_NOMEM;
	}
	for (i = 0; i < l.n; i++) {
		rc = synd_full(rq, &l.items[i], &full);
		if (rc == DL_ERR_NOTFOUND)
			continue;
		if (rc != DL_OK || (rc = ninjs_emit(&full, &o)) != DL_OK)
			goto fail;
		if (json_array_append_new(items, o)) {
			rc = DL_ERR_NOMEM;
			goto fail;
		}
	}
	if (json_object_set_new(root, "total", json_integer(l.total)) ||
	    json_object_set_new(root, "page", json_integer((json_int_t)page)) ||
	    json_object_set_new(root, "pages", json_integer((json_int_t)pages)) ||
	    json_object_set_new(root, "per_page", json_integer(API_PER_PAGE)) ||
	    json_object_set_new(root, "next", next ? json_string(next) : json_null())) {
		rc = DL_ERR_NOMEM;
		goto fail;
	}
	return view_json(rs, root);
fail:
	json_decref(root);
	return rc;
}

enum dl_err
page_api_item(struct req *rq, struct resp *rs)
{
	const char *uri = req_param(rq, "uri");
	struct dl_article a;
	enum dl_err rc;
	json_t *o;

	if (uri == NULL || uri[0] == '\0')
		return view_json_error(rs, 400, "wants /api/v1/items/{uri}, the uri percent-encoded");
	rc = store_article_get_uri(rq->site->store, rq->arena, uri, &a);
	if (rc == DL_ERR_NOTFOUND || (rc == DL_OK && a.status != DL_PUBLISHED))
		return view_json_error(rs, 404, "no published item has this uri");
	if (rc != DL_OK)
		return rc;
	if ((rc = ninjs_emit(&a, &o)) != DL_OK)
		return rc;
	return view_json(rs, o);
}
