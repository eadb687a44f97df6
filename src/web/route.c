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
	{ "GET", "/static/{name}",               page_asset,       ROUTE_CACHE },
	{ "GET", "/{lang}",                      redirect_edition, CE },
	{ "GET", "/{lang}/",                     page_home,        CE },
	{ "GET", "/{lang}/news/{slug}",          page_article,     CE },
	{ "GET", "/{lang}/news/{slug}/print",    page_print,       CE },
	{ "GET", "/{lang}/place/{slug}",         page_listing,     CE },
	{ "GET", "/{lang}/tag/{slug}",           page_listing,     CE },
	{ "GET", "/{lang}/author/{slug}",        page_listing,     CE },
	{ "GET", "/{lang}/archive",              page_archive,     CE },
	{ "GET", "/{lang}/archive/{year}/{month}", page_archive,   CE },
	{ "GET", "/{lang}/share/{slug}",         page_coming,      CE },
	{ "GET", "/{lang}/newsletter",           page_coming,      CE },
	{ "GET", "/api/v1/items/{uri}/related",  page_api_related, ROUTE_CACHE },
	{ NULL, NULL, NULL, 0 },
};

/* Matches path against pattern, filling rq's params. A capture is one
 * non-empty segment other than "." and "..". */
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
