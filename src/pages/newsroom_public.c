/* newsroom_public.c - what the newsroom adds to the public article page:
 * dated corrections, and the retraction notice that replaces a retracted
 * article's text. */
#include <string.h>
#include "base/i18n.h"
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/view.h"
#include "store/store.h"

enum dl_err
newsroom_corrections(struct req *rq, const struct dl_article *a, json_t *art)
{
	struct dl_correction *c;
	json_t *arr, *o;
	size_t n, i;
	enum dl_err e;

	if (a->id == 0)
		return DL_OK;
	if ((e = store_corrections(rq->site->store, rq->arena, a->id, &c, &n)) != DL_OK)
		return e;
	if (n == 0)
		return DL_OK;
	arr = json_array();
	if (arr == NULL || json_object_set_new(art, "corrections", arr) ||
	    json_object_set_new(art, "has_corrections", json_true()))
		return DL_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) ||
		    view_set(o, "date", view_time(rq, c[i].at, I18N_DATE)) ||
		    view_set(o, "iso", view_iso(rq, c[i].at)) || view_set(o, "note", c[i].note))
			return DL_ERR_NOMEM;
	}
	return DL_OK;
}

enum dl_err
newsroom_retracted(struct req *rq, struct resp *rs, const char *slug)
{
	struct dl_article a;
	json_t *ctx, *art;
	enum dl_err e;

	e = store_article_get_any(rq->site->store, rq->arena, rq->lang, slug, &a);
	if (e != DL_OK)
		return e;
	if (a.status != DL_RETRACTED)
		return DL_ERR_NOTFOUND;
	a.body_html = "";
	if ((ctx = page_context(rq, a.headline)) == NULL)
		return DL_ERR_NOMEM;
	art = view_article(rq, &a);
	if (art == NULL || json_object_set_new(ctx, "article", art) ||
	    json_object_set_new(art, "retracted", json_true()) ||
	    newsroom_corrections(rq, &a, art) != DL_OK ||
	    view_set(ctx, "newsletter_text", view_fmt(rq, "newsletter_prompt",
	        rq->site->cfg->site_name, NULL))) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	json_object_del(art, "body_html");   /* absent already is fine */
	rs->status = 410;
	return page_render(rq, rs, "article", ctx);
}
