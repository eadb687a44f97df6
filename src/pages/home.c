/* home.c - /{lang}/: the lead article, the latest ones, and what the
 * edition is writing about (places and tags of the articles shown, recent
 * months of the archive). */
#include <string.h>
#include "pages/page.h"
#include "pages/view.h"

#define HOME_TERMS 12
#define HOME_MONTHS 6

struct tally {
	const struct dl_term *term;
	size_t count;
};

/* Adds the terms to the tally, counting repeats; keeps at most cap. */
static void
tally_add(struct tally *t, size_t *n, size_t cap, const struct dl_term *terms, size_t nt)
{
	size_t i, k;

	for (i = 0; i < nt; i++) {
		if (terms[i].slug == NULL || terms[i].slug[0] == '\0')
			continue;
		for (k = 0; k < *n; k++)
			if (strcmp(t[k].term->slug, terms[i].slug) == 0)
				break;
		if (k < *n)
			t[k].count++;
		else if (*n < cap)
			t[(*n)++] = (struct tally){ &terms[i], 1 };
	}
}

/* The most frequent terms first, ties in order of appearance. */
static json_t *
tally_json(struct req *rq, enum dl_term_kind kind, struct tally *t, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i, j;
	struct tally tmp;

	if (arr == NULL)
		return NULL;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && t[j].count > t[j - 1].count; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	for (i = 0; i < n && i < HOME_TERMS; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "name", t[i].term->name) ||
		    view_set(o, "url", view_term_path(rq, rq->lang, kind, t[i].term->slug))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static enum dl_err
add_topics(struct req *rq, const struct dl_article_list *l, json_t *ctx)
{
	struct tally places[64], tags[64];
	size_t np = 0, nt = 0, i;
	json_t *p, *t;

	for (i = 0; i < l->n; i++) {
		tally_add(places, &np, 64, l->items[i].places, l->items[i].n_places);
		tally_add(tags, &nt, 64, l->items[i].tags, l->items[i].n_tags);
	}
	p = tally_json(rq, DL_PLACE, places, np);
	t = tally_json(rq, DL_TAG, tags, nt);
	if (p == NULL || t == NULL) {
		json_decref(p);
		json_decref(t);
		return DL_ERR_NOMEM;
	}
	if (json_object_set_new(ctx, "places", p) | json_object_set_new(ctx, "tags", t) |
	    json_object_set_new(ctx, "has_places", json_boolean(np > 0)) |
	    json_object_set_new(ctx, "has_tags", json_boolean(nt > 0)))
		return DL_ERR_NOMEM;
	return DL_OK;
}

static enum dl_err
add_months(struct req *rq, json_t *ctx)
{
	struct dl_month *m;
	size_t n, i;
	json_t *arr, *o;
	enum dl_err rc;

	rc = store_archive_months(rq->site->store, rq->arena, rq->lang, &m, &n);
	if (rc != DL_OK)
		return rc;
	if (n == 0)
		return DL_OK;
	arr = json_array();
	if (arr == NULL || json_object_set_new(ctx, "months", arr) ||
	    json_object_set_new(ctx, "has_months", json_true()))
		return DL_ERR_NOMEM;
	for (i = 0; i < n && i < HOME_MONTHS; i++) {
		o = view_month(rq, &m[i]);
		if (o == NULL || json_array_append_new(arr, o))
			return DL_ERR_NOMEM;
	}
	return DL_OK;
}

enum dl_err
page_home(struct req *rq, struct resp *rs)
{
	struct dl_filter f = { .lang = rq->lang };
	struct dl_article_list l = { 0 };
	json_t *ctx, *items, *lead;
	enum dl_err rc;

	ctx = page_context(rq, NULL);
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	rc = view_list(rq, &f, json_string_value(json_object_get(ctx, "home_url")), ctx, &l);
	if (rc != DL_OK)
		goto out;
	items = json_object_get(ctx, "items");
	if (json_integer_value(json_object_get(ctx, "page")) == 1 && json_array_size(items) > 0) {
		lead = json_array_get(items, 0);
		if (json_object_set(ctx, "lead", lead) || json_array_remove(items, 0)) {
			rc = DL_ERR_NOMEM;
			goto out;
		}
	}
	if (json_array_size(items) == 0 &&
	    json_object_set_new(ctx, "has_items", json_false())) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = add_topics(rq, &l, ctx);
	if (rc == DL_OK)
		rc = add_months(rq, ctx);
	if (rc != DL_OK)
		goto out;
	rc = page_render(rq, rs, "home", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}
