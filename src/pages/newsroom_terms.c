/* newsroom_terms.c - /newsroom/terms: places, tags and authors of one
 * edition; create, rename (the old URL redirects), merge. Editors and
 * admins only. */
#include <stdlib.h>
#include <string.h>
#include "base/i18n.h"
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/view.h"
#include "store/store.h"

#define TERM_NAME_MAX 200

static const char *const kind_slugs[] = { "place", "tag", "author" };
static const char *const kind_keys[] = { "label_place", "label_tag", "label_author" };

static int
parse_kind(const char *s)
{
	int i;

	for (i = 0; s && i < 3; i++)
		if (strcmp(s, kind_slugs[i]) == 0)
			return i;
	return DL_PLACE;
}

static enum dl_err
terms_page(struct req *rq, struct resp *rs, const struct dl_user *u, int kind, const char *lang,
    int status, const char *msg_key)
{
	struct dl_term_row *v;
	json_t *ctx, *items, *o, *kinds, *langs;
	size_t n, i;
	enum dl_err e;

	if ((e = store_terms_list(rq->site->store, rq->arena, kind, lang, &v, &n)) != DL_OK)
		return e;
	if ((ctx = nr_context(rq, u, "nr_terms_title")) == NULL)
		return DL_ERR_NOMEM;
	rs->status = status;
	items = json_array();
	kinds = json_array();
	langs = json_array();
	if (items == NULL || kinds == NULL || langs == NULL || json_object_set_new(ctx, "items", items) ||
	    json_object_set_new(ctx, "kinds", kinds) || json_object_set_new(ctx, "langs", langs) ||
	    view_set(ctx, "kind", kind_slugs[kind]) || view_set(ctx, "edition", lang) ||
	    (msg_key && view_set(ctx, "notice", i18n_get(rq->lang, msg_key)))) {
		json_decref(items);
		json_decref(kinds);
		json_decref(langs);
		goto nomem;
	}
	for (i = 0; i < 3; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(kinds, o) || view_set(o, "value", kind_slugs[i]) ||
		    view_set(o, "name", i18n_get(rq->lang, kind_keys[i])) ||
		    json_object_set_new(o, "selected", json_boolean((int)i == kind)))
			goto nomem;
	}
	for (i = 0; i < rq->site->cfg->n_editions; i++) {
		const char *ed = rq->site->cfg->editions[i];

		o = json_object();
		if (o == NULL || json_array_append_new(langs, o) || view_set(o, "value", ed) ||
		    json_object_set_new(o, "selected", json_boolean(strcmp(ed, lang) == 0)))
			goto nomem;
	}
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(items, o) ||
		    json_object_set_new(o, "id", json_integer(v[i].id)) ||
		    view_set(o, "name", v[i].name) || view_set(o, "slug", v[i].slug) ||
		    json_object_set_new(o, "count", json_integer(v[i].count)) ||
		    view_set(o, "url", view_term_path(rq, lang, (enum dl_term_kind)kind, v[i].slug)))
			goto nomem;
	}
	return nr_render(rq, rs, "newsroom_terms", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}

enum dl_err
page_nr_terms(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	int post = strcmp(rq->method, "POST") == 0;
	int kind = parse_kind(post ? req_form(rq, "kind") : req_query(rq, "kind"));
	const char *lang = post ? req_form(rq, "lang") : req_query(rq, "lang");
	const char *op = req_form(rq, "op"), *name = req_form(rq, "name");
	const char *id_s = req_form(rq, "id"), *into_s = req_form(rq, "into");
	int64_t id = id_s ? atoll(id_s) : 0, into = into_s ? atoll(into_s) : 0, newid;
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_EDITOR, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (lang == NULL || !config_has_edition(rq->site->cfg, lang))
		lang = rq->site->cfg->default_lang;
	if (!post)
		return terms_page(rq, rs, &u, kind, lang, 200, NULL);
	if (op == NULL)
		return terms_page(rq, rs, &u, kind, lang, 400, "nr_bad_action");
	if (strcmp(op, "merge") != 0 && (name == NULL || name[0] == '\0' || strlen(name) > TERM_NAME_MAX))
		return terms_page(rq, rs, &u, kind, lang, 422, "nr_term_bad_name");
	if (strcmp(op, "create") == 0)
		e = store_term_create(rq->site->store, kind, lang, name, &newid);
	else if (strcmp(op, "rename") == 0)
		e = store_term_rename(rq->site->store, id, name);
	else if (strcmp(op, "merge") == 0)
		e = store_term_merge(rq->site->store, id, into);
	else
		return terms_page(rq, rs, &u, kind, lang, 400, "nr_bad_action");
	if (e == DL_ERR_EXISTS)
		return terms_page(rq, rs, &u, kind, lang, 409, "nr_term_exists");
	if (e == DL_ERR_INVALID || e == DL_ERR_NOTFOUND)
		return terms_page(rq, rs, &u, kind, lang, 422, "nr_term_bad_name");
	if (e != DL_OK)
		return e;
	auth_audit(rq, u.id, arena_printf(rq->arena, "%s.%s", kind_slugs[kind], op),
	    arena_printf(rq->arena, "%s %lld %s", lang, (long long)id, name ? name : into_s ? into_s : ""));
	return nr_redirect(rq, rs, arena_printf(rq->arena, "/newsroom/terms?kind=%s&lang=%s&done=%s",
	    kind_slugs[kind], lang, op));
}
