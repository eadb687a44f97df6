/* error.c - the 404 and 500 pages, in the edition's language. */
#include <string.h>
#include "pages/page.h"
#include "pages/view.h"

/* An unrouted path ("/it/no/such/page") still names its edition. */
static void
lang_from_path(struct req *rq)
{
	const char *p = rq->path, *end;
	char lang[16];

	if (p == NULL || p[0] != '/' || (end = strchr(p + 1, '/')) == NULL ||
	    (size_t)(end - p - 1) >= sizeof lang || end == p + 1)
		return;
	memcpy(lang, p + 1, (size_t)(end - p - 1));
	lang[end - p - 1] = '\0';
	if (config_has_edition(rq->site->cfg, lang))
		rq->lang = arena_strdup(rq->arena, lang);
}

enum dl_err
page_error(struct req *rq, struct resp *rs, int status)
{
	json_t *ctx;
	const char *title;
	enum dl_err rc;

	rs->status = status;
	buf_reset(&rs->body);
	rs->location = NULL;
	rs->n_headers = 0;
	if (rq->lang == NULL || strcmp(rq->lang, rq->site->cfg->default_lang) == 0)
		lang_from_path(rq);
	ctx = page_context(rq, NULL);
	title = i18n_get(rq->lang, status == 404 ? "error_404_title" : "error_500_title");
	if (ctx == NULL || view_set(ctx, "title", arena_printf(rq->arena, "%s \xE2\x80\x94 %s", title,
	    rq->site->cfg->site_name)) || view_set(ctx, "heading", title) ||
	    view_set(ctx, "message", i18n_get(rq->lang, status == 404 ? "error_404_text" :
	        "error_500_text")) ||
	    json_object_set_new(ctx, "status", json_integer(status))) {
		json_decref(ctx);
		ctx = NULL;
	}
	if (ctx != NULL) {
		rc = page_render(rq, rs, "error", ctx);
		if (rc == DL_OK)
			return DL_OK;
	}
	/* the theme failed us: a plain page still tells the reader */
	buf_reset(&rs->body);
	rs->content_type = "text/plain; charset=utf-8";
	return buf_puts(&rs->body, status == 404 ? "404 Not Found\n" : "500 Internal Server Error\n");
}
