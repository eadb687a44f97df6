/* coming.c - /{lang}/share/{slug} and /{lang}/newsletter: features the
 * article page links to that are not there yet. The page says so plainly
 * and leads back; it never pretends. */
#include <string.h>
#include "pages/page.h"
#include "pages/view.h"

enum dl_err
page_coming(struct req *rq, struct resp *rs)
{
	const char *slug = req_param(rq, "slug");
	int share = rq->path != NULL && strstr(rq->path, "/share/") != NULL;
	const char *heading = i18n_get(rq->lang, share ? "send_to_friend" : "newsletter");
	struct dl_article a;
	json_t *ctx;
	enum dl_err rc;

	if (share) {
		if (slug == NULL)
			return DL_ERR_NOTFOUND;
		rc = store_article_get(rq->site->store, rq->arena, rq->lang, slug, &a);
		if (rc != DL_OK)
			return rc;
	}
	ctx = page_context(rq, heading);
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	if (view_set(ctx, "heading", heading) ||
	    view_set(ctx, "message", i18n_get(rq->lang, share ? "share_coming" : "newsletter_coming")) ||
	    (share && (view_set(ctx, "back_url", view_article_path(rq, a.lang, a.slug)) ||
	        view_set(ctx, "back_text", a.headline)))) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	rs->no_store = 0;
	return page_render(rq, rs, "coming", ctx);
}
