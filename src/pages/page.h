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
enum dl_err page_share(struct req *rq, struct resp *rs);     /* /{lang}/share/{slug}, GET and POST */
/* Newsletters (src/pages/newsletter.c): /{lang}/newsletter (GET form, POST
 * subscribe), /confirm, /prefs (GET, POST), /unsubscribe (GET, POST one-click). */
enum dl_err page_newsletter(struct req *rq, struct resp *rs);
enum dl_err page_newsletter_subscribe(struct req *rq, struct resp *rs);
enum dl_err page_newsletter_confirm(struct req *rq, struct resp *rs);
enum dl_err page_newsletter_prefs(struct req *rq, struct resp *rs);
enum dl_err page_newsletter_unsubscribe(struct req *rq, struct resp *rs);
/* Admin pages (src/pages/newsroom_newsletters.c): /newsroom/newsletters (GET,
 * POST add alert) and /newsroom/newsletters/subscribers.csv. */
enum dl_err page_nr_newsletters(struct req *rq, struct resp *rs);
enum dl_err page_nr_subscribers_csv(struct req *rq, struct resp *rs);
enum dl_err page_root(struct req *rq, struct resp *rs);      /* / -> /{default}/ */
enum dl_err page_asset(struct req *rq, struct resp *rs);     /* /static/{name} */

/* ---- feeds, API, sitemaps (src/pages/feed.c, api.c, sitemap.c) ---- */
enum dl_err page_feed(struct req *rq, struct resp *rs);      /* /{lang}[/place|tag|author/{slug}]/feed.rss|atom|json */
enum dl_err page_search(struct req *rq, struct resp *rs);    /* /search, /{lang}/search (search.c) */
enum dl_err page_api_search(struct req *rq, struct resp *rs); /* /api/v1/search (api_search.c) */
enum dl_err page_api_items(struct req *rq, struct resp *rs); /* /api/v1/items?since=&place=&tag=&lang=&page= */
enum dl_err page_api_item(struct req *rq, struct resp *rs);  /* /api/v1/items/{*uri} */
enum dl_err page_sitemap(struct req *rq, struct resp *rs);   /* /sitemap.xml (index) */
enum dl_err page_sitemap_month(struct req *rq, struct resp *rs); /* /sitemap-{YYYY-MM.xml} */
enum dl_err page_news_sitemap(struct req *rq, struct resp *rs);  /* /news-sitemap.xml */
enum dl_err page_robots(struct req *rq, struct resp *rs);    /* /robots.txt */

/* ---- newsroom (src/pages/newsroom.c, newsroom_edit.c): login required
 * (web/auth.h), never cached, Cache-Control: no-store ---- */
enum dl_err page_nr_root(struct req *rq, struct resp *rs);      /* /newsroom -> /newsroom/ */
enum dl_err page_nr_login(struct req *rq, struct resp *rs);     /* GET, POST /newsroom/login */
enum dl_err page_nr_logout(struct req *rq, struct resp *rs);    /* POST /newsroom/logout */
enum dl_err page_nr_password(struct req *rq, struct resp *rs);  /* GET, POST /newsroom/password */
enum dl_err page_nr_set_password(struct req *rq, struct resp *rs); /* /newsroom/set-password?token= */
enum dl_err page_nr_list(struct req *rq, struct resp *rs);      /* /newsroom/?status=&lang=&page= */
enum dl_err page_nr_audit(struct req *rq, struct resp *rs);     /* /newsroom/audit (admins) */
enum dl_err page_nr_edit(struct req *rq, struct resp *rs);      /* /newsroom/articles/new|{id} */
enum dl_err page_nr_preview(struct req *rq, struct resp *rs);   /* POST /newsroom/preview, .../{id}/preview */
enum dl_err page_nr_revisions(struct req *rq, struct resp *rs); /* /newsroom/articles/{id}/revisions */
enum dl_err page_nr_diff(struct req *rq, struct resp *rs);      /* .../{id}/diff?a=REV&b=REV */
enum dl_err page_nr_restore(struct req *rq, struct resp *rs);   /* POST .../{id}/restore (rev=) */
enum dl_err page_nr_correct(struct req *rq, struct resp *rs);   /* POST .../{id}/correct (note=) */
enum dl_err page_nr_terms(struct req *rq, struct resp *rs);     /* /newsroom/terms?kind=&lang= */

/* The 404 and 500 pages in rq->lang, called by the server. */
enum dl_err page_error(struct req *rq, struct resp *rs, int status);

/* The context every page template gets: site, lang, t (strings), editions,
 * page title, canonical path. New reference; NULL when out of memory. */
json_t *page_context(struct req *rq, const char *title);

/* Renders template `name` with `ctx` (stolen) into rs as text/html. */
enum dl_err page_render(struct req *rq, struct resp *rs, const char *name, json_t *ctx) DL_WUR;

#endif
