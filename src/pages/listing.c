/* listing.c - /{lang}/place/{slug}, /{lang}/tag/{slug}, /{lang}/author/{slug}:
 * the published articles of one term, newest first, paginated. */
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"

enum dl_err
page_listing(struct req *rq, struct resp *rs)
{
	static const char *const label_key[] = { "label_place", "label_tag", "label_author" };
	struct dl_filter f = { 0 };
	struct dl_term term;
	enum dl_term_kind kind;
	const char *slug = req_param(rq, "slug");
	json_t *ctx = NULL;
	char *base;
	enum dl_err rc;

	if (slug == NULL || view_term_kind(rq->path, &kind) != 0)
		return DL_ERR_NOTFOUND;
	rc = store_term_get(rq->site->store, rq->arena, kind, rq->lang, slug, &term);
	if (rc == DL_ERR_NOTFOUND) {   /* renamed or merged in the newsroom: 301 to the new URL */
		const char *cur;

		if (store_term_alias(rq->site->store, rq->arena, kind, rq->lang, slug, &cur) != DL_OK ||
		    (rs->location = view_term_path(rq, rq->lang, kind, cur)) == NULL)
			return DL_ERR_NOTFOUND;
		rs->status = 301;
		rs->content_type = "text/plain; charset=utf-8";
		return buf_printf(&rs->body, "moved to %s\n", rs->location);
	}
	if (rc != DL_OK)
		return rc;
	f.lang = rq->lang;
	view_filter_term(&f, kind, term.slug);
	ctx = page_context(rq, term.name);
	base = view_term_path(rq, rq->lang, kind, term.slug);
	if (ctx == NULL || base == NULL) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = view_list(rq, &f, base, ctx, NULL);
	if (rc != DL_OK)
		goto out;
	if (view_set(ctx, "heading", term.name) ||
	    view_set(ctx, "label", i18n_get(rq->lang, label_key[kind])) ||
	    synd_feed_links(rq, ctx, base, arena_printf(rq->arena, "%s \xE2\x80\x94 %s",
	        rq->site->cfg->site_name, term.name))) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = page_render(rq, rs, "listing", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}
