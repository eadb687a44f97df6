/* search.c - /search (every edition) and /{lang}/search (one edition): the
 * search page, and the request handling it shares with the search API.
 *
 * Search pages are not kept in the page cache (their routes have no
 * ROUTE_CACHE): queries are endless and mostly unique, and would only push
 * article pages out of a cache keyed on path and query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"
#include "pages/page.h"
#include "pages/search.h"
#include "pages/view.h"
#include "text/token.h"

#define SEARCH_SNIPPET_WORDS 36
#define SEARCH_SLUG_MAX 200

/* "YYYY-MM-DD" to Unix seconds at 00:00 UTC; -1 when malformed. */
static int64_t
parse_day(const char *s)
{
	struct tm tm;
	int y, m, d;
	char end;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 ||
	    s[4] != '-' || s[7] != '-' || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm);
}

/* A filter slug: absent or empty -> NULL; too long -> "" (matches nothing). */
static const char *
slug_param(struct req *rq, const char *key)
{
	const char *v = req_query(rq, key);

	if (v == NULL || v[0] == '\0')
		return NULL;
	return strlen(v) > SEARCH_SLUG_MAX ? "-" : v;
}

enum dl_err
search_execute(struct req *rq, const char *lang, size_t per_page, struct search_run *r)
{
	const char *text = req_query(rq, "q"), *from = req_query(rq, "from"), *to = req_query(rq, "to");
	const char *sort = req_query(rq, "sort");
	struct dl_search everywhere;
	enum dl_err e;
	size_t i, k;

	memset(r, 0, sizeof *r);
	r->per_page = per_page > 100 ? 100 : per_page;
	if ((e = view_page_number(rq, &r->page)) != DL_OK)
		return e;
	if (lang == NULL) {
		const char *l = req_query(rq, "lang");

		if (l && config_has_edition(rq->site->cfg, l))
			lang = l;
	}
	r->s.lang = lang;
	r->s.place_slug = slug_param(rq, "place");
	r->s.tag_slug = slug_param(rq, "tag");
	r->s.author_slug = slug_param(rq, "author");
	r->s.by_date = sort && strcmp(sort, "date") == 0;
	e = search_parse(rq->arena, text ? text : "", &r->q);
	if (e == DL_ERR_NOMEM)
		return e;
	r->s.terms = r->q.terms;
	r->s.n_terms = r->q.n_terms;
	if (e == DL_ERR_TOOBIG) {
		r->state = SEARCH_TOO_LONG;
		r->message_key = "search_too_long";
		return DL_OK;
	}
	if ((from && from[0] && (r->s.from = parse_day(from)) < 0) ||
	    (to && to[0] && (r->s.to = parse_day(to)) < 0)) {
		r->s.from = r->s.to = 0;
		r->state = SEARCH_BAD_FILTER;
		r->message_key = "search_bad_filter";
		return DL_OK;
	}
	if (r->s.to)
		r->s.to += 86400;   /* to= is the last day included */
	if (r->q.n_terms == 0) {
		r->state = SEARCH_EMPTY;
		r->message_key = "search_empty";
		return DL_OK;
	}
	if (r->q.n_positive == 0) {
		r->state = SEARCH_NO_WORDS;
		r->message_key = "search_no_words";
		return DL_OK;
	}
	e = store_search(rq->site->store, rq->arena, &r->s, (r->page - 1) * r->per_page, r->per_page,
	    &r->list, &r->total_exact);
	if (e == DL_ERR_INVALID) {
		r->state = SEARCH_NO_WORDS;
		r->message_key = "search_no_words";
		return DL_OK;
	}
	if (e != DL_OK)
		return e;
	if (r->list.total > 0 || lang == NULL || r->page != 1)
		return DL_OK;
	/* Nothing here: the other editions' counts, edition filters left out. */
	everywhere = r->s;
	everywhere.lang = NULL;
	everywhere.place_slug = everywhere.tag_slug = everywhere.author_slug = NULL;
	e = store_search_langs(rq->site->store, rq->arena, &everywhere, &r->others, &r->n_others);
	if (e == DL_ERR_INVALID)
		return DL_OK;
	if (e != DL_OK)
		return e;
	for (i = k = 0; i < r->n_others; i++)
		if (strcmp(r->others[i].lang, lang) != 0)
			r->others[k++] = r->others[i];
	r->n_others = k;
	return DL_OK;
}

static json_t *
segments_json(const struct search_seg *v, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s,s:b}", "text", v[i].text, "hit", v[i].hit);
		if (o == NULL)   /* invalid UTF-8 cannot come from the store, but be safe */
			o = json_pack("{s:s,s:b}", "text", "?", "hit", 0);
		if (o == NULL || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

enum dl_err
search_item_snippets(struct req *rq, struct tok *t, const struct search_run *r,
    const struct dl_article *a, json_t **headline, json_t **snippet)
{
	struct search_stems stems;
	struct search_seg *v;
	size_t n;
	const char *body = a->body_text && a->body_text[0] ? a->body_text : a->standfirst;
	enum dl_err e;

	*headline = *snippet = NULL;
	if ((e = search_stems(t, rq->arena, a->lang, &r->q, &stems)) != DL_OK)
		return e;
	if ((e = search_snippet(t, rq->arena, a->lang, &stems, a->headline, 0, &v, &n)) != DL_OK)
		return e;
	if ((*headline = segments_json(v, n)) == NULL)
		return DL_ERR_NOMEM;
	if ((e = search_snippet(t, rq->arena, a->lang, &stems, body, SEARCH_SNIPPET_WORDS, &v, &n)) !=
	    DL_OK)
		return e;
	if ((*snippet = segments_json(v, n)) == NULL)
		return DL_ERR_NOMEM;
	return DL_OK;
}

char *
search_query_string(struct req *rq, const struct search_run *r, int with_lang, size_t page,
    const char *sort)
{
	static const char *const keys[] = { "place", "tag", "author", "from", "to" };
	char *s, *v;
	const char *x;
	size_t i;

	if ((v = view_seg(rq, r->q.text)) == NULL || (s = arena_printf(rq->arena, "q=%s", v)) == NULL)
		return NULL;
	if (with_lang && r->s.lang && (s = arena_printf(rq->arena, "%s&lang=%s", s, r->s.lang)) == NULL)
		return NULL;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if ((x = req_query(rq, keys[i])) == NULL || x[0] == '\0')
			continue;
		if ((v = view_seg(rq, x)) == NULL || (s = arena_printf(rq->arena, "%s&%s=%s", s, keys[i], v)) == NULL)
			return NULL;
	}
	if (sort == NULL)
		sort = r->s.by_date ? "date" : NULL;
	if (sort && strcmp(sort, "date") == 0 && (s = arena_printf(rq->arena, "%s&sort=date", s)) == NULL)
		return NULL;
	if (page > 1 && (s = arena_printf(rq->arena, "%s&page=%zu", s, page)) == NULL)
		return NULL;
	return s;
}

static enum dl_err
set_pagination(struct req *rq, json_t *ctx, const struct search_run *r, const char *base, int with_lang)
{
	size_t pages = r->list.total <= 0 ? 1 : (size_t)((r->list.total + (int64_t)r->per_page - 1) /
	    (int64_t)r->per_page);
	char num[32], of[32];
	json_t *o;

	if (pages <= 1 && r->page == 1)
		return DL_OK;
	if ((o = json_object()) == NULL || json_object_set_new(ctx, "pagination", o))
		return DL_ERR_NOMEM;
	snprintf(num, sizeof num, "%zu", r->page);
	snprintf(of, sizeof of, "%zu", pages);
	if (view_set(o, "label", view_fmt(rq, "page_n_of_m", num, of)) ||
	    (r->page > 1 && view_set(o, "prev_url", arena_printf(rq->arena, "%s?%s", base,
	    search_query_string(rq, r, with_lang, r->page - 1, NULL)))) ||
	    (r->page < pages && view_set(o, "next_url", arena_printf(rq->arena, "%s?%s", base,
	    search_query_string(rq, r, with_lang, r->page + 1, NULL)))))
		return DL_ERR_NOMEM;
	return DL_OK;
}

static enum dl_err
set_results(struct req *rq, json_t *ctx, const struct search_run *r)
{
	json_t *items = json_array(), *o, *hl, *sn;
	struct tok *t = NULL;
	enum dl_err e = DL_OK;
	size_t i;

	if (items == NULL || json_object_set_new(ctx, "items", items))
		return DL_ERR_NOMEM;
	if (r->list.n && (t = tok_new()) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < r->list.n; i++) {
		const struct dl_article *a = &r->list.items[i];

		if ((o = view_summary(rq, a)) == NULL || json_array_append_new(items, o)) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		if ((e = search_item_snippets(rq, t, r, a, &hl, &sn)) != DL_OK)
			goto out;
		if (json_object_set_new(o, "headline_hl", hl) || json_object_set_new(o, "snippet", sn)) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		if (strcmp(a->lang, rq->lang) != 0 && view_set(o, "other_lang",
		    i18n_language_name(a->lang))) {
			e = DL_ERR_NOMEM;
			goto out;
		}
	}
	json_object_set_new(ctx, "has_items", json_boolean(r->list.n > 0));
out:
	tok_free(t);
	return e;
}

enum dl_err
page_search(struct req *rq, struct resp *rs)
{
	int everywhere = req_param(rq, "lang") == NULL;
	const char *base = everywhere ? "/search" : arena_printf(rq->arena, "/%s/search", rq->lang);
	struct search_run r;
	json_t *ctx = NULL, *arr, *o;
	char total[32];
	const char *title, *count = NULL;
	enum dl_err e;
	size_t i;

	if (base == NULL)
		return DL_ERR_NOMEM;
	if ((e = search_execute(rq, everywhere ? NULL : rq->lang, VIEW_PER_PAGE, &r)) != DL_OK)
		return e;
	title = r.q.n_terms ? view_fmt(rq, "search_title_q", r.q.text, NULL) : i18n_get(rq->lang,
	    "search_title");
	if ((ctx = page_context(rq, title)) == NULL)
		return DL_ERR_NOMEM;
	e = DL_ERR_NOMEM;
	if (view_set(ctx, "search_q", r.q.text) || view_set(ctx, "search_action", base) ||
	    json_object_set_new(ctx, "robots_noindex", json_true()))
		goto out;
	if (r.message_key && view_set(ctx, "message", i18n_get(rq->lang, r.message_key)))
		goto out;
	if (r.state == SEARCH_OK) {
		snprintf(total, sizeof total, "%lld", (long long)r.list.total);
		if (!r.total_exact) {
			snprintf(total, sizeof total, "%lld", (long long)(r.list.total > DL_SEARCH_COUNT_MAX ?
			    DL_SEARCH_COUNT_MAX : r.list.total));
			count = view_fmt(rq, "search_count_many", total, r.q.text);
		} else if (r.list.total == 1)
			count = view_fmt(rq, "search_count_one", r.q.text, NULL);
		else if (r.list.total > 1)
			count = view_fmt(rq, "search_count", total, r.q.text);
		else
			count = view_fmt(rq, everywhere ? "search_none_anywhere" : "search_none", r.q.text, NULL);
		if (view_set(ctx, "count", count))
			goto out;
		if ((e = set_results(rq, ctx, &r)) != DL_OK || (e = set_pagination(rq, ctx, &r, base,
		    everywhere)) != DL_OK)
			goto out;
		e = DL_ERR_NOMEM;
		if (r.list.total > 1 && (view_set(ctx, "sort_relevance_url", arena_printf(rq->arena, "%s?%s",
		    base, search_query_string(rq, &r, everywhere, 1, "relevance"))) ||
		    view_set(ctx, "sort_date_url", arena_printf(rq->arena, "%s?%s", base,
		    search_query_string(rq, &r, everywhere, 1, "date"))) ||
		    json_object_set_new(ctx, "sorted_by_date", json_boolean(r.s.by_date))))
			goto out;
		if (r.n_others) {
			if ((arr = json_array()) == NULL || json_object_set_new(ctx, "others", arr) ||
			    json_object_set_new(ctx, "has_others", json_true()))
				goto out;
			for (i = 0; i < r.n_others; i++) {
				snprintf(total, sizeof total, "%lld", (long long)r.others[i].count);
				if ((o = json_object()) == NULL || json_array_append_new(arr, o) ||
				    view_set(o, "name", i18n_language_name(r.others[i].lang)) ||
				    view_set(o, "lang", r.others[i].lang) || view_set(o, "count", total) ||
				    view_set(o, "url", config_has_edition(rq->site->cfg, r.others[i].lang) ?
				    arena_printf(rq->arena, "/%s/search?%s", r.others[i].lang,
				    search_query_string(rq, &r, 0, 1, NULL)) :
				    arena_printf(rq->arena, "/search?%s&lang=%s",
				    search_query_string(rq, &r, 0, 1, NULL), r.others[i].lang)))
					goto out;
			}
		}
	}
	if (!everywhere && view_set(ctx, "everywhere_url", r.q.n_terms ? arena_printf(rq->arena,
	    "/search?%s", search_query_string(rq, &r, 0, 1, NULL)) : "/search"))
		goto out;
	e = page_render(rq, rs, "search", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return e;
}
