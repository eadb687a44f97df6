/* page.h - one handler per page (STYLE: one file per page) and the helpers
 * they share to build view models and render them.
 *
 * Handlers: see web.h for the contract. */
#ifndef DL_PAGE_H
#define DL_PAGE_H

#include <jansson.h>
#include "store/store.h"
#include "web/web.h"

enum dl_err page_home(struct req *rq, struct resp *rs);      /* /{lang}/ */
enum dl_err page_article(struct req *rq, struct resp *rs);   /* /{lang}/news/{slug} */
enum dl_err page_print(struct req *rq, struct resp *rs);     /* /{lang}/news/{slug}/print */
enum dl_err page_listing(struct req *rq, struct resp *rs);   /* /{lang}/place|tag|author/{slug} */
enum dl_err page_archive(struct req *rq, struct resp *rs);   /* /{lang}/archive[/{year}/{month}] */
enum dl_err page_coming(struct req *rq, struct resp *rs);    /* share, newsletter: "coming soon" */
enum dl_err page_root(struct req *rq, struct resp *rs);      /* / -> /{default}/ */
enum dl_err page_asset(struct req *rq, struct resp *rs);     /* /static/{name} */

/* The 404 and 500 pages in rq->lang, called by the server. */
enum dl_err page_error(struct req *rq, struct resp *rs, int status);

/* The context every page template gets: site, lang, t (strings), editions,
 * page title, canonical path. New reference; NULL when out of memory. */
json_t *page_context(struct req *rq, const char *title);

/* Renders template `name` with `ctx` (stolen) into rs as text/html. */
enum dl_err page_render(struct req *rq, struct resp *rs, const char *name, json_t *ctx) DL_WUR;

#endif
