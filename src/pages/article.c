/* article.c - /{lang}/news/{slug}: one article, as the seed page lays it out. */
#include <string.h>
#include "base/i18n.h"
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"
#include "tmpl/tmpl.h"

#define SEE_ALSO 5

/* "Moscow (AsiaNews) - " from the located place and the agency. */
static char *
dateline_text(struct req *rq, const struct dl_article *a)
{
	const char *place = a->located ? a->located : "";
	const char *agency = rq->site->cfg->agency;

	if (place[0] && agency[0])
		return arena_printf(rq->arena, "%s (%s) - ", place, agency);
	if (agency[0])
		return arena_printf(rq->arena, "(%s) - ", agency);
	if (place[0])
		return arena_printf(rq->arena, "%s - ", place);
	return arena_strdup(rq->arena, "");
}

/* The body with the dateline inside its first paragraph. */
static char *
body_with_dateline(struct req *rq, const struct dl_article *a)
{
	const char *body = a->body_html ? a->body_html : "";
	const char *dl = dateline_text(rq, a), *p, *at = body;
	struct buf b = BUF_INIT(RESP_BODY_MAX);
	char *s = NULL;

	if (dl == NULL)
		return NULL;
	if (dl[0] == '\0')
		return arena_strdup(rq->arena, body);
	p = body;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	if (strncmp(p, "<p", 2) == 0 && (p[2] == '>' || p[2] == ' ')) {
		at = strchr(p, '>');
		at = at ? at + 1 : body;
	}
	if (buf_append(&b, body, (size_t)(at - body)) == DL_OK &&
	    buf_puts(&b, "<span class=\"dateline\">") == DL_OK &&
	    tmpl_escape_html(&b, dl, strlen(dl)) == DL_OK &&
	    buf_puts(&b, "</span>") == DL_OK && buf_puts(&b, at) == DL_OK)
		s = arena_strdup(rq->arena, b.data);
	buf_free(&b);
	return s;
}

json_t *
view_article(struct req *rq, const struct dl_article *a)
{
	json_t *o = json_object(), *terms = NULL, *places = NULL;
	char *path = view_article_path(rq, a->lang, a->slug);
	char *date = view_time(rq, a->first_created, I18N_DATETIME);
	char *iso = view_iso(rq, a->first_created);
	char *kicker = view_kicker(rq, a->places, a->n_places);
	char *body = body_with_dateline(rq, a);

	if (o == NULL || path == NULL || date == NULL || iso == NULL || kicker == NULL || body == NULL)
		goto fail;
	terms = view_terms(rq, DL_TAG, a->tags, a->n_tags);
	places = view_terms(rq, DL_PLACE, a->places, a->n_places);
	if (terms == NULL || places == NULL || json_array_extend(terms, places))
		goto fail;
	if (view_set(o, "headline", a->headline) || view_set(o, "standfirst", a->standfirst) ||
	    view_set(o, "byline", a->byline) || view_set(o, "kicker", kicker) ||
	    view_set(o, "date", date) || view_set(o, "iso", iso) || view_set(o, "url", path) ||
	    view_set(o, "permalink", view_abs(rq, path)) || view_set(o, "body_html", body) ||
	    view_set(o, "copyright", a->copyright) ||
	    view_set(o, "print_url", arena_printf(rq->arena, "%s/print", path)) ||
	    view_set(o, "share_url", arena_printf(rq->arena, "/%s/share/%s", a->lang,
	        view_seg(rq, a->slug))))
		goto fail;
	if (a->author.slug && a->author.slug[0] &&
	    view_set(o, "author_url", view_term_path(rq, a->lang, DL_AUTHOR, a->author.slug)))
		goto fail;
	if (json_array_size(terms) > 0 && (json_object_set(o, "terms", terms) ||
	    json_object_set_new(o, "has_terms", json_true())))
		goto fail;
	json_decref(terms);
	json_decref(places);
	return o;
fail:
	json_decref(terms);
	json_decref(places);
	json_decref(o);
	return NULL;
}

/* Links to the other editions of the article, and the hreflang set for the
 * head (this edition included, as search engines want). */
static enum dl_err
add_translations(struct req *rq, const struct dl_article *a, json_t *ctx)
{
	struct dl_article_list tl;
	json_t *tr = json_array(), *alt = json_array(), *o;
	enum dl_err rc;
	size_t i;

	if (tr == NULL || alt == NULL || json_object_set_new(ctx, "translations", tr)) {
		json_decref(alt);
		return DL_ERR_NOMEM;
	}
	if (json_object_set_new(ctx, "alternates", alt))
		return DL_ERR_NOMEM;
	rc = store_translations(rq->site->store, rq->arena, a, &tl);
	if (rc != DL_OK)
		return rc;
	if (tl.n == 0)
		return DL_OK;
	if (json_object_set_new(ctx, "has_translations", json_true()))
		return DL_ERR_NOMEM;
	for (i = 0; i <= tl.n; i++) {
		const struct dl_article *t = i < tl.n ? &tl.items[i] : a;
		char *path = view_article_path(rq, t->lang, t->slug);

		o = json_object();
		if (o == NULL || json_array_append_new(alt, o) || view_set(o, "lang", t->lang) ||
		    view_set(o, "url", view_abs(rq, path)))
			return DL_ERR_NOMEM;
		if (i == tl.n)
			break;
		o = json_object();
		if (o == NULL || json_array_append_new(tr, o) || view_set(o, "lang", t->lang) ||
		    view_set(o, "name", i18n_language_name(t->lang)) || view_set(o, "url", path) ||
		    view_set(o, "headline", t->headline))
			return DL_ERR_NOMEM;
	}
	return DL_OK;
}

static enum dl_err
add_related(struct req *rq, const struct dl_article *a, json_t *ctx)
{
	struct dl_article_list rl;
	json_t *arr = json_array(), *o;
	enum dl_err rc;
	size_t i;

	if (arr == NULL || json_object_set_new(ctx, "related", arr))
		return DL_ERR_NOMEM;
	rc = store_related(rq->site->store, rq->arena, a, SEE_ALSO, &rl);
	if (rc != DL_OK)
		return rc;
	for (i = 0; i < rl.n; i++) {
		o = view_summary(rq, &rl.items[i]);
		if (o == NULL || json_array_append_new(arr, o))
			return DL_ERR_NOMEM;
	}
	if (rl.n > 0 && json_object_set_new(ctx, "has_related", json_true()))
		return DL_ERR_NOMEM;
	return DL_OK;
}

enum dl_err
page_article(struct req *rq, struct resp *rs)
{
	struct dl_article a;
	json_t *ctx = NULL, *art;
	const char *slug = req_param(rq, "slug");
	enum dl_err rc;

	if (slug == NULL)
		return DL_ERR_NOTFOUND;
	rc = store_article_get(rq->site->store, rq->arena, rq->lang, slug, &a);
	if (rc == DL_ERR_NOTFOUND)   /* a retracted one shows its notice (newsroom.h) */
		return newsroom_retracted(rq, rs, slug);
	if (rc != DL_OK)
		return rc;
	ctx = page_context(rq, a.headline);
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	art = view_article(rq, &a);
	if (art == NULL || json_object_set_new(ctx, "article", art) ||
	    newsroom_corrections(rq, &a, art) != DL_OK ||
	    view_set(ctx, "description", a.standfirst) ||
	    view_set(ctx, "newsletter_text", view_fmt(rq, "newsletter_prompt",
	        rq->site->cfg->site_name, NULL))) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = add_translations(rq, &a, ctx);
	if (rc == DL_OK)
		rc = add_related(rq, &a, ctx);
	if (rc == DL_OK)   /* JSON-LD, Open Graph, canonical URL (synd.h) */
		rc = synd_article_meta(rq, &a, ctx);
	if (rc != DL_OK)
		goto out;
	rc = page_render(rq, rs, "article", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}
