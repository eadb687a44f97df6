/* route.c - the one table of public URLs, and the lookup. */
#include <string.h>
#include "pages/api.h"
#include "pages/page.h"
#include "web/web.h"

/* "/{lang}" -> 301 "/{lang}/": the edition root always ends in a slash. */
static enum dl_err
redirect_edition(struct req *rq, struct resp *rs)
{
	const char *lang = req_param(rq, "lang");

	if (lang == NULL || (rs->location = arena_printf(rq->arena, "/%s/", lang)) == NULL)
		return DL_ERR_NOMEM;
	rs->status = 301;
	rs->content_type = "text/plain; charset=utf-8";
	return buf_printf(&rs->body, "moved to %s\n", rs->location);
}

#define CE (ROUTE_CACHE | ROUTE_EDITION)

const struct route routes[] = {
	{ "GET", "/",                            page_root,        0 },
	{ "GET", "/search",                      page_search,      0 },
	{ "GET", "/static/{name}",               page_asset,       ROUTE_CACHE },
	{ "GET", "/robots.txt",                  page_robots,      ROUTE_CACHE },
	{ "GET", "/sitemap.xml",                 page_sitemap,     ROUTE_CACHE },
	{ "GET", "/sitemap-{month}",             page_sitemap_month, ROUTE_CACHE },
	{ "GET", "/news-sitemap.xml",            page_news_sitemap, 0 },
	/* newsroom: before the {lang} patterns; never ROUTE_CACHE (no-store) */
	{ "GET", "/newsroom",                    page_nr_root,     0 },
	{ "GET", "/newsroom/",                   page_nr_list,     0 },
	{ "GET", "/newsroom/login",              page_nr_login,    0 },
	{ "POST", "/newsroom/login",             page_nr_login,    0 },
	{ "POST", "/newsroom/logout",            page_nr_logout,   0 },
	{ "GET", "/newsroom/password",           page_nr_password, 0 },
	{ "POST", "/newsroom/password",          page_nr_password, 0 },
	{ "GET", "/newsroom/set-password",       page_nr_set_password, 0 },
	{ "POST", "/newsroom/set-password",      page_nr_set_password, 0 },
	{ "GET", "/newsroom/audit",              page_nr_audit,    0 },
	{ "GET", "/newsroom/newsletters",        page_nr_newsletters, 0 },
	{ "POST", "/newsroom/newsletters",       page_nr_newsletters, 0 },
	{ "GET", "/newsroom/newsletters/subscribers.csv", page_nr_subscribers_csv, 0 },
	{ "POST", "/newsroom/preview",           page_nr_preview,  0 },
	{ "GET", "/newsroom/articles/new",       page_nr_edit,     0 },
	{ "POST", "/newsroom/articles/new",      page_nr_edit,     0 },
	{ "GET", "/newsroom/articles/{id}",      page_nr_edit,     0 },
	{ "POST", "/newsroom/articles/{id}",     page_nr_edit,     0 },
	{ "GET", "/newsroom/articles/{id}/preview", page_nr_preview, 0 },
	{ "GET", "/newsroom/articles/{id}/revisions", page_nr_revisions, 0 },
	{ "GET", "/newsroom/articles/{id}/diff", page_nr_diff,     0 },
	{ "POST", "/newsroom/articles/{id}/restore", page_nr_restore, 0 },
	{ "POST", "/newsroom/articles/{id}/correct", page_nr_correct, 0 },
	{ "GET", "/newsroom/terms",              page_nr_terms,    0 },
	{ "POST", "/newsroom/terms",             page_nr_terms,    0 },
	{ "GET", "/{lang}",                      redirect_edition, CE },
	{ "GET", "/{lang}/",                     page_home,        CE },
	{ "GET", "/{lang}/news/{slug}",          page_article,     CE },
	{ "GET", "/{lang}/news/{slug}/print",    page_print,       CE },
	{ "GET", "/{lang}/place/{slug}",         page_listing,     CE },
	{ "GET", "/{lang}/tag/{slug}",           page_listing,     CE },
	{ "GET", "/{lang}/author/{slug}",        page_listing,     CE },
	{ "GET", "/{lang}/search",               page_search,      ROUTE_EDITION },
	{ "GET", "/{lang}/archive",              page_archive,     CE },
	{ "GET", "/{lang}/archive/{year}/{month}", page_archive,   CE },
	{ "GET", "/{lang}/share/{slug}",         page_share,       ROUTE_EDITION },
	{ "POST", "/{lang}/share/{slug}",        page_share,       ROUTE_EDITION },
	{ "GET", "/{lang}/newsletter",           page_newsletter,  ROUTE_EDITION },
	{ "POST", "/{lang}/newsletter",          page_newsletter_subscribe, ROUTE_EDITION },
	{ "GET", "/{lang}/newsletter/confirm",   page_newsletter_confirm, ROUTE_EDITION },
	{ "POST", "/{lang}/newsletter/confirm",  page_newsletter_confirm, ROUTE_EDITION },
	{ "GET", "/{lang}/newsletter/prefs",     page_newsletter_prefs, ROUTE_EDITION },
	{ "POST", "/{lang}/newsletter/prefs",    page_newsletter_prefs, ROUTE_EDITION },
	{ "GET", "/{lang}/newsletter/unsubscribe", page_newsletter_unsubscribe, ROUTE_EDITION },
	{ "POST", "/{lang}/newsletter/unsubscribe", page_newsletter_unsubscribe, ROUTE_EDITION },
	{ "GET", "/{lang}/feed.rss",             page_feed,        CE },
	{ "GET", "/{lang}/feed.atom",            page_feed,        CE },
	{ "GET", "/{lang}/feed.json",            page_feed,        CE },
	{ "GET", "/{lang}/place/{slug}/feed.rss",  page_feed,      CE },
	{ "GET", "/{lang}/place/{slug}/feed.atom", page_feed,      CE },
	{ "GET", "/{lang}/place/{slug}/feed.json", page_feed,      CE },
	{ "GET", "/{lang}/tag/{slug}/feed.rss",    page_feed,      CE },
	{ "GET", "/{lang}/tag/{slug}/feed.atom",   page_feed,      CE },
	{ "GET", "/{lang}/tag/{slug}/feed.json",   page_feed,      CE },
	{ "GET", "/{lang}/author/{slug}/feed.rss",  page_feed,     CE },
	{ "GET", "/{lang}/author/{slug}/feed.atom", page_feed,     CE },
	{ "GET", "/{lang}/author/{slug}/feed.json", page_feed,     CE },
	{ "GET", "/api/v1/search",               page_api_search,  0 },
	{ "GET", "/api/v1/items",                page_api_items,   ROUTE_CACHE },
	{ "GET", "/api/v1/items/{uri}/related",  page_api_related, ROUTE_CACHE },
	/* after .../related: {*uri} takes the rest of the path, slashes too */
	{ "GET", "/api/v1/items/{*uri}",         page_api_item,    ROUTE_CACHE },
	{ NULL, NULL, NULL, 0 },
};

/* Matches path against pattern, filling rq's params. A capture is one
 * non-empty segment other than "." and "..". A capture "{*name}" takes
 * the whole non-empty rest of the path, slashes included. */
static int
match(struct req *rq, const char *pat, const char *path)
{
	const char *name, *seg;
	size_t nlen, slen;

	rq->n_params = 0;
	while (*pat) {
		if (*pat != '{') {
			if (*pat++ != *path++)
				return 0;
			continue;
		}
		name = ++pat;
		while (*pat && *pat != '}')
			pat++;
		nlen = (size_t)(pat - name);
		if (*pat == '}')
			pat++;
		seg = path;
		if (nlen > 1 && name[0] == '*') {
			name++;
			nlen--;
			path += strlen(path);
		}
		while (*path && *path != '/')
			path++;
		slen = (size_t)(path - seg);
		if (slen == 0 || (slen == 1 && seg[0] == '.') || (slen == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (rq->n_params >= REQ_MAX_PARAMS)
			return 0;
		rq->param_names[rq->n_params] = arena_strndup(rq->arena, name, nlen);
		rq->param_values[rq->n_params] = arena_strndup(rq->arena, seg, slen);
		if (!rq->param_names[rq->n_params] || !rq->param_values[rq->n_params])
			return 0;
		rq->n_params++;
	}
	return *path == '\0';
}

const struct route *
route_find(struct req *rq, const char *method, const char *path)
{
	const struct route *r;

	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (r = routes; r->pattern; r++) {
		if (strcmp(r->method, method) != 0)
			continue;
		if (match(rq, r->pattern, path))
			return r;
	}
	rq->n_params = 0;
	return NULL;
}
