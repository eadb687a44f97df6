/* archive.c - /{lang}/archive: the months with articles and their counts;
 * /{lang}/archive/{year}/{month}: that month's articles, paginated. Months
 * are calendar months in UTC, as the store counts them. */
#include <string.h>
#include <time.h>
#include "pages/page.h"
#include "pages/view.h"

static int64_t
month_start(int year, int month)
{
	struct tm tm = { 0 };

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm);
}

/* Mid-month, so that no zone moves the name to a neighbouring month. */
static char *
month_name(struct req *rq, int year, int month)
{
	return view_time(rq, month_start(year, month) + 14 * 86400 + 43200, I18N_MONTH_YEAR);
}

json_t *
view_month(struct req *rq, const struct dl_month *m)
{
	json_t *o = json_object();

	if (o == NULL || view_set(o, "name", month_name(rq, m->year, m->month)) ||
	    view_set(o, "url", arena_printf(rq->arena, "/%s/archive/%04d/%02d", rq->lang, m->year,
	        m->month)) ||
	    json_object_set_new(o, "count", json_integer((json_int_t)m->count))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A decimal of 1..maxdigits digits within [lo, hi], else -1. */
static int
number(const char *s, size_t maxdigits, int lo, int hi)
{
	int n = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > maxdigits)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n >= lo && n <= hi ? n : -1;
}

static enum dl_err
archive_index(struct req *rq, struct resp *rs)
{
	struct dl_month *m;
	size_t n, i;
	json_t *ctx, *arr, *o;
	enum dl_err rc;

	rc = store_archive_months(rq->site->store, rq->arena, rq->lang, &m, &n);
	if (rc != DL_OK)
		return rc;
	ctx = page_context(rq, i18n_get(rq->lang, "archive"));
	arr = json_array();
	if (ctx == NULL || arr == NULL || json_object_set_new(ctx, "months", arr)) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		o = view_month(rq, &m[i]);
		if (o == NULL || json_array_append_new(arr, o)) {
			rc = DL_ERR_NOMEM;
			goto out;
		}
	}
	if (json_object_set_new(ctx, "empty", json_boolean(n == 0))) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = page_render(rq, rs, "archive", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}

enum dl_err
page_archive(struct req *rq, struct resp *rs)
{
	const char *ys = req_param(rq, "year"), *ms = req_param(rq, "month");
	struct dl_filter f = { .lang = rq->lang };
	int year, month;
	json_t *ctx = NULL;
	char *name, *base;
	enum dl_err rc;

	if (ys == NULL && ms == NULL)
		return archive_index(rq, rs);
	year = number(ys, 4, 1970, 9999);
	month = number(ms, 2, 1, 12);
	if (year < 0 || month < 0)
		return DL_ERR_NOTFOUND;
	f.from = month_start(year, month);
	f.to = month == 12 ? month_start(year + 1, 1) : month_start(year, month + 1);
	name = month_name(rq, year, month);
	base = arena_printf(rq->arena, "/%s/archive/%04d/%02d", rq->lang, year, month);
	if (name == NULL || base == NULL)
		return DL_ERR_NOMEM;
	ctx = page_context(rq, name);
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	rc = view_list(rq, &f, base, ctx, NULL);
	if (rc != DL_OK)
		goto out;
	if (view_set(ctx, "heading", name) || view_set(ctx, "label", i18n_get(rq->lang, "archive")) ||
	    view_set(ctx, "back_url", arena_printf(rq->arena, "/%s/archive", rq->lang))) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	rc = page_render(rq, rs, "listing", ctx);
	ctx = NULL;
out:
	json_decref(ctx);
	return rc;
}
