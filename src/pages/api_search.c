/* api_search.c - GET /api/v1/search?q=&lang=&place=&tag=&author=&from=&to=
 * &sort=date&page=&limit=
 *
 *   {"query", "total", "total_exact", "page", "pages", "per_page", "results": [{"item": ninjs
 *    without bodies,
 *    "url", "headline": [segments], "snippet": [segments]}],
 *    "other_editions": [{"lang", "count"}]}
 *   total is exact up to 10,000 matches; past that (or when counting would
 *   take too long: phrases of very common words) it is a lower bound and
 *   total_exact is false.
 *   segments: [{"text", "hit"}]; joined they give the text, hit marks the
 *   words that matched.
 *
 * An empty, too long or unsearchable query or a bad date answers 400 with
 * {"error": {"status", "message"}}; a bad page or limit too. Never cached:
 * no ROUTE_CACHE on the route. */
#include <stdlib.h>
#include <string.h>
#include "base/i18n.h"
#include "content/ninjs.h"
#include "pages/page.h"
#include "pages/search.h"
#include "pages/view.h"
#include "text/token.h"

#define API_SEARCH_PER_PAGE 10
#define API_SEARCH_MAX 50

enum dl_err
page_api_search(struct req *rq, struct resp *rs)
{
	const char *lim = req_query(rq, "limit"), *lang = req_query(rq, "lang");
	struct search_run r;
	struct dl_article full;
	struct tok *t = NULL;
	json_t *root = NULL, *results, *o, *item, *hl, *sn, *others;
	size_t per = API_SEARCH_PER_PAGE, i, pages;
	enum dl_err e;

	if (lim) {
		if (lim[0] < '1' || lim[0] > '9' || strspn(lim, "0123456789") != strlen(lim) ||
		    strlen(lim) > 3 || (per = (size_t)strtoul(lim, NULL, 10)) > API_SEARCH_MAX)
			return view_json_error(rs, 400, "limit: wants a number from 1 to 50");
	}
	if (lang && lang[0] && !config_has_edition(rq->site->cfg, lang))
		return view_json_error(rs, 400, "lang: not an edition of this site");
	e = search_execute(rq, lang && lang[0] ? lang : NULL, per, &r);
	if (e == DL_ERR_NOTFOUND)
		return view_json_error(rs, 400, "page: wants a number from 1 to 100000");
	if (e != DL_OK)
		return e;
	if (r.state != SEARCH_OK)
		return view_json_error(rs, 400, i18n_get("en", r.message_key));
	pages = r.list.total > 0 ? (size_t)((r.list.total + (int64_t)per - 1) / (int64_t)per) : 1;
	root = json_object();
	results = json_array();
	if (root == NULL || results == NULL) {
		json_decref(results);
		e = DL_ERR_NOMEM;
		goto fail;
	}
	if (json_object_set_new(root, "query", json_string(r.q.text)) ||
	    json_object_set_new(root, "total", json_integer(r.list.total)) ||
	    json_object_set_new(root, "total_exact", json_boolean(r.total_exact)) ||
	    json_object_set_new(root, "page", json_integer((json_int_t)r.page)) ||
	    json_object_set_new(root, "pages", json_integer((json_int_t)pages)) ||
	    json_object_set_new(root, "per_page", json_integer((json_int_t)per)) ||
	    json_object_set_new(root, "results", results)) {
		e = DL_ERR_NOMEM;
		goto fail;
	}
	if (r.list.n && (t = tok_new()) == NULL) {
		e = DL_ERR_NOMEM;
		goto fail;
	}
	for (i = 0; i < r.list.n; i++) {
		const struct dl_article *a = &r.list.items[i];

		/* The item without its body (the snippet stands for it; the whole
		 * item is at /api/v1/items/{uri}): cheap, and a page of long
		 * articles stays small. */
		full = *a;
		full.body_html = "";
		if ((e = ninjs_emit(&full, &item)) != DL_OK)
			goto fail;
		json_object_del(item, "bodies");
		if ((o = json_object()) == NULL || json_array_append_new(results, o) ||
		    json_object_set_new(o, "item", item)) {
			e = DL_ERR_NOMEM;
			goto fail;
		}
		if ((e = search_item_snippets(rq, t, &r, a, &hl, &sn)) != DL_OK)
			goto fail;
		if (json_object_set_new(o, "url", json_string(view_abs(rq, view_article_path(rq, a->lang,
		    a->slug)))) || json_object_set_new(o, "headline", hl) ||
		    json_object_set_new(o, "snippet", sn)) {
			e = DL_ERR_NOMEM;
			goto fail;
		}
	}
	if (r.n_others) {
		if ((others = json_array()) == NULL || json_object_set_new(root, "other_editions", others)) {
			e = DL_ERR_NOMEM;
			goto fail;
		}
		for (i = 0; i < r.n_others; i++)
			if (json_array_append_new(others, json_pack("{s:s,s:I}", "lang", r.others[i].lang,
			    "count", (json_int_t)r.others[i].count))) {
				e = DL_ERR_NOMEM;
				goto fail;
			}
	}
	tok_free(t);
	return view_json(rs, root);
fail:
	tok_free(t);
	json_decref(root);
	return e;
}
