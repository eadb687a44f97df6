/* print.c - /{lang}/news/{slug}/print: the article alone, for paper. The
 * link targets of the body are written out after it, since paper cannot
 * follow a link. */
#include <string.h>
#include "pages/page.h"
#include "pages/view.h"

#define PRINT_MAX_LINKS 200

/* Undoes the entities an HTML serializer puts in an attribute value. */
static char *
attr_decode(struct req *rq, const char *s, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&quot;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' },
		{ "&lt;", '<' }, { "&gt;", '>' },
	};
	char *out = arena_alloc(rq->arena, n + 1), *p = out;
	size_t i, k;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n;) {
		for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
			size_t m = strlen(ents[k].ent);

			if (n - i >= m && strncmp(s + i, ents[k].ent, m) == 0) {
				*p++ = ents[k].c;
				i += m;
				break;
			}
		}
		if (k == sizeof ents / sizeof ents[0])
			*p++ = s[i++];
	}
	*p = '\0';
	return out;
}

/* The href of every <a> in the (sanitized) body, in order, as [{n, url}];
 * relative links are made absolute with the site's base URL. */
static json_t *
body_links(struct req *rq, const char *body)
{
	json_t *arr = json_array(), *o;
	const char *p = body, *tag_end, *h, *end;
	char q, *url;
	size_t n = 0;

	if (arr == NULL)
		return NULL;
	while (n < PRINT_MAX_LINKS && (p = strstr(p, "<a")) != NULL) {
		p += 2;
		if (*p != ' ' && *p != '\n' && *p != '\t')
			continue;
		tag_end = strchr(p, '>');
		if (tag_end == NULL)
			break;
		for (h = p; (h = strstr(h, "href=")) != NULL && h < tag_end; h += 5)
			if (h[-1] == ' ' || h[-1] == '\n' || h[-1] == '\t')
				break;
		if (h == NULL || h >= tag_end)
			continue;
		h += 5;
		q = *h;
		if (q != '"' && q != '\'')
			continue;
		end = strchr(h + 1, q);
		if (end == NULL)
			break;
		url = attr_decode(rq, h + 1, (size_t)(end - h - 1));
		if (url == NULL)
			goto fail;
		if (url[0] == '/' && url[1] != '/')
			url = view_abs(rq, url);
		else if (url[0] == '#' || url[0] == '\0')
			continue;
		o = json_object();
		if (url == NULL || o == NULL || json_array_append_new(arr, o) ||
		    json_object_set_new(o, "n", json_integer((json_int_t)++n)) || view_set(o, "url", url))
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

enum dl_err
page_print(struct req *rq, struct resp *rs)
{
	struct dl_article a;
	json_t *ctx = NULL, *art, *links;
	const char *slug = req_param(rq, "slug");
	enum dl_err rc;

	if (slug == NULL)
		return DL_ERR_NOTFOUND;
	rc = store_article_get(rq->site->store, rq->arena, rq->lang, slug, &a);
	if (rc != DL_OK)
		return rc;
	ctx = page_context(rq, a.headline);
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	art = view_article(rq, &a);
	links = body_links(rq, a.body_html ? a.body_html : "");
	if (art == NULL || json_object_set_new(ctx, "article", art) || links == NULL) {
		json_decref(links);
		rc = DL_ERR_NOMEM;
		goto out;
	}
	if (json_array_size(links) > 0 ? (json_object_set_new(ctx, "links", links) ||
	    json_object_set_new(ctx, "has_links", json_true())) :
	    (json_decref(links), 0)) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	/* the canonical page is the article itself */
	if (view_set(ctx, "canonical", view_abs(rq, json_string_value(json_object_get(art, "url"))))) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = page_render(rq, rs, "print", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}
