/* page.c - the context every page gets, rendering, and the view-model
 * helpers of view.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ustring.h>
#include "base/buf.h"
#include "base/i18n.h"
#include "pages/page.h"
#include "pages/synd.h"
#include "pages/view.h"
#include "tmpl/tmpl.h"

#define VIEW_TEXT_MAX (64u << 10)

int
view_set(json_t *o, const char *key, const char *s)
{
	json_t *v;

	if (s == NULL || s[0] == '\0') {
		json_object_del(o, key);
		return 0;
	}
	v = json_string(s);
	if (v == NULL)   /* not UTF-8: keep the field, lose the bad bytes */
		v = json_string("?");
	return json_object_set_new(o, key, v);
}

static const char *
tz(struct req *rq)
{
	const char *z = rq->site->cfg->timezone;

	return z[0] ? z : "UTC";
}

char *
view_time(struct req *rq, int64_t t, enum i18n_date_style style)
{
	struct buf b = BUF_INIT(256);
	char *s = NULL;

	if (i18n_format_time(&b, rq->lang, tz(rq), t, style) == DL_OK)
		s = arena_strdup(rq->arena, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

char *
view_iso(struct req *rq, int64_t t)
{
	struct buf b = BUF_INIT(64);
	char *s = NULL;

	if (i18n_iso_time(&b, tz(rq), t) == DL_OK)
		s = arena_strdup(rq->arena, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

/* Upper-cases UTF-8 `s` for `lang` with ICU; a copy of s when ICU fails. */
static char *
upper(struct req *rq, const char *s)
{
	UErrorCode e = U_ZERO_ERROR;
	int32_t n = 0, m = 0, k = 0;
	UChar *u = NULL, *v = NULL;
	char *out = NULL;
	size_t len = strlen(s);

	if (len == 0 || len > 4096)
		return arena_strdup(rq->arena, s);
	u = arena_alloc(rq->arena, (len + 1) * sizeof *u);
	v = arena_alloc(rq->arena, (len * 3 + 1) * sizeof *v);
	if (u == NULL || v == NULL)
		return NULL;
	u_strFromUTF8(u, (int32_t)len + 1, &n, s, (int32_t)len, &e);
	if (U_FAILURE(e))
		return arena_strdup(rq->arena, s);
	m = u_strToUpper(v, (int32_t)len * 3 + 1, u, n, rq->lang, &e);
	if (U_FAILURE(e))
		return arena_strdup(rq->arena, s);
	out = arena_alloc(rq->arena, (size_t)m * 3 + 1);
	if (out == NULL)
		return NULL;
	u_strToUTF8(out, m * 3 + 1, &k, v, m, &e);
	if (U_FAILURE(e))
		return arena_strdup(rq->arena, s);
	out[k] = '\0';
	return out;
}

char *
view_kicker(struct req *rq, const struct dl_term *places, size_t n)
{
	struct buf b = BUF_INIT(4096);
	char *s = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (places[i].name == NULL || places[i].name[0] == '\0')
			continue;
		if ((b.len > 0 && buf_puts(&b, " - ") != DL_OK) || buf_puts(&b, places[i].name) != DL_OK)
			break;
	}
	s = upper(rq, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

char *
view_seg(struct req *rq, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = s ? strlen(s) : 0;
	char *out, *p;
	unsigned char c;

	out = arena_alloc(rq->arena, n * 3 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0, p = out; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

enum dl_err
view_json(struct resp *rs, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum dl_err rc;

	json_decref(v);
	if (s == NULL)
		return DL_ERR_NOMEM;
	rs->content_type = "application/json; charset=utf-8";
	rc = buf_puts(&rs->body, s);
	free(s);
	return rc;
}

enum dl_err
view_json_error(struct resp *rs, int status, const char *message)
{
	json_t *v = json_pack("{s:{s:i,s:s}}", "error", "status", status, "message", message);

	buf_reset(&rs->body);
	rs->status = status;
	rs->no_store = 1;
	return v ? view_json(rs, v) : DL_ERR_NOMEM;
}

char *
view_article_path(struct req *rq, const char *lang, const char *slug)
{
	char *s = view_seg(rq, slug);

	return s ? arena_printf(rq->arena, "/%s/news/%s", lang, s) : NULL;
}

char *
view_term_path(struct req *rq, const char *lang, enum dl_term_kind kind, const char *slug)
{
	static const char *const seg[] = { "place", "tag", "author" };
	char *s = view_seg(rq, slug);

	return s ? arena_printf(rq->arena, "/%s/%s/%s", lang, seg[kind], s) : NULL;
}

int
view_term_kind(const char *path, enum dl_term_kind *kind)
{
	static const struct { const char *seg; enum dl_term_kind kind; } kinds[] = {
		{ "/place/", DL_PLACE }, { "/tag/", DL_TAG }, { "/author/", DL_AUTHOR },
	};
	const char *p;
	size_t i;

	if (path == NULL || path[0] != '/' || (p = strchr(path + 1, '/')) == NULL)
		return -1;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strncmp(p, kinds[i].seg, strlen(kinds[i].seg)) == 0) {
			*kind = kinds[i].kind;
			return 0;
		}
	return -1;
}

void
view_filter_term(struct dl_filter *f, enum dl_term_kind kind, const char *slug)
{
	if (kind == DL_PLACE)
		f->place_slug = slug;
	else if (kind == DL_TAG)
		f->tag_slug = slug;
	else
		f->author_slug = slug;
}

char *
view_abs(struct req *rq, const char *path)
{
	const char *base = rq->site->cfg->base_url;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(rq->arena, "%.*s%s", (int)n, base, path ? path : "");
}

char *
view_fmt(struct req *rq, const char *key, const char *a1, const char *a2)
{
	const char *p = i18n_get(rq->lang, key);
	struct buf b = BUF_INIT(VIEW_TEXT_MAX);
	char *s = NULL;
	enum dl_err rc = DL_OK;

	for (; *p && rc == DL_OK; p++) {
		if (p[0] == '{' && (p[1] == '1' || p[1] == '2') && p[2] == '}') {
			const char *a = p[1] == '1' ? a1 : a2;

			rc = buf_puts(&b, a ? a : "");
			p += 2;
		} else {
			rc = buf_putc(&b, *p);
		}
	}
	if (rc == DL_OK)
		s = arena_strdup(rq->arena, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

json_t *
view_terms(struct req *rq, enum dl_term_kind kind, const struct dl_term *t, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (t[i].slug == NULL || t[i].slug[0] == '\0')
			continue;
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
		if (view_set(o, "name", t[i].name) || view_set(o, "url",
		    view_term_path(rq, rq->lang, kind, t[i].slug)))
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *
view_summary(struct req *rq, const struct dl_article *a)
{
	json_t *o = json_object();
	const char *lang = a->lang && a->lang[0] ? a->lang : rq->lang;
	char *date, *iso, *kicker;

	if (o == NULL)
		return NULL;
	date = view_time(rq, a->first_created, I18N_DATETIME);
	iso = view_iso(rq, a->first_created);
	kicker = view_kicker(rq, a->places, a->n_places);
	if (date == NULL || iso == NULL || kicker == NULL)
		goto fail;
	if (view_set(o, "url", view_article_path(rq, lang, a->slug)) ||
	    view_set(o, "headline", a->headline) || view_set(o, "standfirst", a->standfirst) ||
	    view_set(o, "byline", a->byline) || view_set(o, "kicker", kicker) ||
	    view_set(o, "date", date) || view_set(o, "iso", iso) || view_set(o, "lang", lang))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

enum dl_err
view_page_number(struct req *rq, size_t *page)
{
	const char *q = req_query(rq, "page");
	size_t n = 0;

	*page = 1;
	if (q == NULL)
		return DL_OK;
	if (*q == '\0' || *q == '0')
		return DL_ERR_NOTFOUND;
	for (; *q; q++) {
		if (*q < '0' || *q > '9')
			return DL_ERR_NOTFOUND;
		n = n * 10 + (size_t)(*q - '0');
		if (n > VIEW_PAGE_MAX)
			return DL_ERR_NOTFOUND;
	}
	*page = n;
	return DL_OK;
}

static char *
page_link(struct req *rq, const char *base, size_t page)
{
	return page == 1 ? arena_strdup(rq->arena, base) :
	    arena_printf(rq->arena, "%s?page=%zu", base, page);
}

enum dl_err
view_pagination(struct req *rq, const char *base, size_t page, int64_t total, json_t **out)
{
	size_t pages = total <= 0 ? 1 : (size_t)((total + VIEW_PER_PAGE - 1) / VIEW_PER_PAGE);
	char num[32], of[32];
	json_t *o;

	*out = NULL;
	if (page < 1 || page > pages)
		return DL_ERR_NOTFOUND;
	if (pages == 1) {
		*out = json_null();
		return DL_OK;
	}
	o = json_object();
	if (o == NULL)
		return DL_ERR_NOMEM;
	snprintf(num, sizeof num, "%zu", page);
	snprintf(of, sizeof of, "%zu", pages);
	if (json_object_set_new(o, "page", json_integer((json_int_t)page)) ||
	    json_object_set_new(o, "pages", json_integer((json_int_t)pages)) ||
	    view_set(o, "label", view_fmt(rq, "page_n_of_m", num, of)) ||
	    (page > 1 && view_set(o, "prev_url", page_link(rq, base, page - 1))) ||
	    (page < pages && view_set(o, "next_url", page_link(rq, base, page + 1)))) {
		json_decref(o);
		return DL_ERR_NOMEM;
	}
	*out = o;
	return DL_OK;
}

json_t *
page_context(struct req *rq, const char *title)
{
	const struct config *cfg = rq->site->cfg;
	json_t *ctx = json_object(), *eds, *e;
	char *full;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (ctx == NULL)
		return NULL;
	if (rq->lang == NULL || !config_has_edition(cfg, rq->lang))
		rq->lang = cfg->default_lang;
	gmtime_r(&now, &tm);
	if (title != NULL && title[0] != '\0')
		full = arena_printf(rq->arena, "%s \xE2\x80\x94 %s", title, cfg->site_name);
	else
		full = arena_strdup(rq->arena, cfg->site_name);
	eds = json_array();
	if (full == NULL || eds == NULL || json_object_set_new(ctx, "editions", eds))
		goto fail;
	for (i = 0; i < cfg->n_editions; i++) {
		e = json_object();
		if (e == NULL || json_array_append_new(eds, e) ||
		    view_set(e, "lang", cfg->editions[i]) ||
		    view_set(e, "name", i18n_language_name(cfg->editions[i])) ||
		    view_set(e, "url", arena_printf(rq->arena, "/%s/", cfg->editions[i])) ||
		    json_object_set_new(e, "current", json_boolean(strcmp(cfg->editions[i], rq->lang) == 0)))
			goto fail;
	}
	if (view_set(ctx, "site_name", cfg->site_name) || view_set(ctx, "lang", rq->lang) ||
	    json_object_set(ctx, "t", (json_t *)i18n_strings(rq->lang)) ||
	    view_set(ctx, "title", full) || view_set(ctx, "page_title", title) ||
	    view_set(ctx, "canonical", view_abs(rq, rq->path)) ||
	    view_set(ctx, "home_url", arena_printf(rq->arena, "/%s/", rq->lang)) ||
	    view_set(ctx, "archive_url", arena_printf(rq->arena, "/%s/archive", rq->lang)) ||
	    view_set(ctx, "newsletter_url", arena_printf(rq->arena, "/%s/newsletter", rq->lang)) ||
	    json_object_set_new(ctx, "year", json_integer(tm.tm_year + 1900)))
		goto fail;
	/* The edition's feeds, for <link rel="alternate"> (synd.h). */
	if (synd_feed_links(rq, ctx, arena_printf(rq->arena, "/%s", rq->lang),
	        arena_printf(rq->arena, "%s \xE2\x80\x94 %s", cfg->site_name,
	        i18n_language_name(rq->lang))))
		goto fail;
	return ctx;
fail:
	json_decref(ctx);
	return NULL;
}

enum dl_err
page_render(struct req *rq, struct resp *rs, const char *name, json_t *ctx)
{
	enum dl_err rc;

	if (ctx == NULL)
		return DL_ERR_NOMEM;
	rs->content_type = "text/html; charset=utf-8";
	rc = tmpl_render(rq->site->tmpl, name, ctx, &rs->body);
	json_decref(ctx);
	return rc;
}

enum dl_err
view_list(struct req *rq, const struct dl_filter *f, const char *base, json_t *ctx,
    struct dl_article_list *out)
{
	struct dl_article_list l;
	json_t *items, *pg = NULL, *o;
	size_t page, i;
	enum dl_err rc;

	rc = view_page_number(rq, &page);
	if (rc != DL_OK)
		return rc;
	rc = store_articles_list(rq->site->store, rq->arena, f, (page - 1) * VIEW_PER_PAGE,
	    VIEW_PER_PAGE, &l);
	if (rc != DL_OK)
		return rc;
	rc = view_pagination(rq, base, page, l.total, &pg);
	if (rc != DL_OK)
		return rc;
	if (json_object_set_new(ctx, "pagination", pg) ||
	    json_object_set_new(ctx, "empty", json_boolean(l.total == 0)) ||
	    json_object_set_new(ctx, "has_items", json_boolean(l.n > 0)) ||
	    json_object_set_new(ctx, "page", json_integer((json_int_t)page)))
		return DL_ERR_NOMEM;
	items = json_array();
	if (items == NULL || json_object_set_new(ctx, "items", items))
		return DL_ERR_NOMEM;
	for (i = 0; i < l.n; i++) {
		o = view_summary(rq, &l.items[i]);
		if (o == NULL || json_array_append_new(items, o))
			return DL_ERR_NOMEM;
	}
	if (out != NULL)
		*out = l;
	return DL_OK;
}
