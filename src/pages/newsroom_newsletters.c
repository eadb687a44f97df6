/* newsroom_newsletters.c - the admins' newsletter pages:
 *   GET  /newsroom/newsletters                  newsletters, counts, subscribers,
 *                                               sends, failures and bounces
 *   POST /newsroom/newsletters                  add an alert (place or tag)
 *   GET  /newsroom/newsletters/subscribers.csv  every subscriber as CSV
 * Admins only (auth_require); POSTs carry the session's CSRF token. */
#include <stdio.h>
#include <string.h>
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/view.h"
#include "store/store.h"

#define SHOWN 50
#define CSV_BATCH 1000

static json_t *
outbox_rows(struct req *rq, const char *state)
{
	struct dl_outbox_row *v;
	json_t *arr = json_array(), *o;
	size_t n, i;

	if (arr == NULL || store_outbox_list(rq->site->store, rq->arena, state, 0, SHOWN, &v, &n) != DL_OK) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) ||
		    view_set(o, "id", arena_printf(rq->arena, "%lld", (long long)v[i].id)) ||
		    view_set(o, "kind", v[i].kind) || view_set(o, "rcpt", v[i].rcpt) ||
		    view_set(o, "state", v[i].state) ||
		    view_set(o, "attempts", arena_printf(rq->arena, "%u", v[i].attempts)) ||
		    view_set(o, "at", view_time(rq, v[i].sent_at ? v[i].sent_at : v[i].created,
		        I18N_DATETIME)) ||
		    view_set(o, "error", v[i].error)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static enum dl_err
add_alert(struct req *rq, const char **notice)
{
	const char *lang = req_form(rq, "lang"), *name = req_form(rq, "name");
	const char *kind = req_form(rq, "term_kind"), *slug = req_form(rq, "slug");
	const char *desc = req_form(rq, "description");
	struct dl_newsletter nl;
	struct dl_term t;
	enum dl_err e;

	memset(&nl, 0, sizeof nl);
	nl.kind = "alert";
	nl.lang = lang;
	nl.name = name;
	nl.description = desc ? desc : "";
	nl.term_kind = kind && strcmp(kind, "tag") == 0 ? DL_TAG : DL_PLACE;
	nl.term_slug = slug;
	if (lang == NULL || !config_has_edition(rq->site->cfg, lang) || name == NULL || !name[0] ||
	    strlen(name) > 200 || strlen(nl.description) > 1000 || slug == NULL || strlen(slug) > 200) {
		*notice = "nr_nl_bad";
		return DL_OK;
	}
	e = store_term_get(rq->site->store, rq->arena, nl.term_kind, lang, slug, &t);
	if (e == DL_ERR_NOTFOUND) {
		*notice = "nr_nl_bad";
		return DL_OK;
	}
	if (e != DL_OK)
		return e;
	e = store_newsletter_add(rq->site->store, &nl, NULL);
	if (e == DL_ERR_EXISTS) {
		*notice = "nr_nl_exists";
		return DL_OK;
	}
	if (e == DL_OK)
		*notice = "nr_nl_added";
	return e;
}

enum dl_err
page_nr_newsletters(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_newsletter *nls;
	struct dl_subscriber *subs;
	struct dl_bounce *b;
	const char *notice = NULL;
	int64_t counts[4], total;
	json_t *ctx, *arr, *o;
	size_t n, i;
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_ADMIN, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (strcmp(rq->method, "POST") == 0 && (e = add_alert(rq, &notice)) != DL_OK)
		return e;
	if ((ctx = nr_context(rq, &u, "nr_nl_title")) == NULL)
		return DL_ERR_NOMEM;
	if (notice && view_set(ctx, "notice", i18n_get(rq->lang, notice)))
		goto nomem;
	if ((e = store_outbox_counts(rq->site->store, counts)) != DL_OK)
		goto fail;
	if (json_object_set_new(ctx, "counts", json_pack("{s:I,s:I,s:I,s:I}", "queued",
	    (json_int_t)counts[0], "sending", (json_int_t)counts[1], "sent", (json_int_t)counts[2],
	    "failed", (json_int_t)counts[3])))
		goto nomem;
	/* newsletters */
	if ((e = store_newsletters(rq->site->store, rq->arena, NULL, &nls, &n)) != DL_OK)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(ctx, "newsletters", arr))
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "lang", nls[i].lang) ||
		    view_set(o, "kind", nls[i].kind) || view_set(o, "name", nls[i].name) ||
		    view_set(o, "term", nls[i].term_slug))
			goto nomem;
	}
	/* editions for the add form */
	if ((arr = json_array()) == NULL || json_object_set_new(ctx, "langs", arr))
		goto nomem;
	for (i = 0; i < rq->site->cfg->n_editions; i++)
		if (json_array_append_new(arr, json_string(rq->site->cfg->editions[i])))
			goto nomem;
	/* subscribers */
	if ((e = store_subscribers_list(rq->site->store, rq->arena, 0, SHOWN, &subs, &n, &total)) != DL_OK)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(ctx, "subscribers", arr) ||
	    json_object_set_new(ctx, "subscriber_total", json_integer(total)))
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "email", subs[i].email) ||
		    view_set(o, "lang", subs[i].lang) || view_set(o, "frequency", subs[i].frequency) ||
		    view_set(o, "status", subs[i].status) ||
		    view_set(o, "created", view_time(rq, subs[i].created, I18N_DATETIME)))
			goto nomem;
	}
	if (json_object_set_new(ctx, "sends", outbox_rows(rq, "")) ||
	    json_object_set_new(ctx, "failures", outbox_rows(rq, "failed")))
		goto nomem;
	if ((e = store_bounces(rq->site->store, rq->arena, 0, SHOWN, &b, &n)) != DL_OK)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(ctx, "bounces", arr))
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "addr", b[i].addr) ||
		    view_set(o, "failures", arena_printf(rq->arena, "%lld", (long long)b[i].failures)) ||
		    json_object_set_new(o, "bouncing", json_boolean(b[i].bouncing)) ||
		    view_set(o, "error", b[i].error) ||
		    view_set(o, "at", view_time(rq, b[i].updated, I18N_DATETIME)))
			goto nomem;
	}
	return nr_render(rq, rs, "newsroom_newsletters", ctx);
nomem:
	e = DL_ERR_NOMEM;
fail:
	json_decref(ctx);
	return e;
}

/* One CSV field (RFC 4180), with spreadsheet formulas defused. */
static enum dl_err
csv_field(struct buf *b, const char *s, int last)
{
	enum dl_err e = buf_putc(b, '"');

	if (e == DL_OK && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t'))
		e = buf_putc(b, '\'');
	for (; *s && e == DL_OK; s++)
		e = *s == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *s);
	if (e == DL_OK)
		e = buf_puts(b, last ? "\"\r\n" : "\",");
	return e;
}

enum dl_err
page_nr_subscribers_csv(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_subscriber *subs;
	size_t n, i, off = 0;
	int64_t total;
	enum dl_err e;
	char num[3][32];

	if ((e = auth_require(rq, rs, DL_ROLE_ADMIN, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	rs->no_store = 1;
	rs->content_type = "text/csv; charset=utf-8";
	if ((e = resp_header(rs, "Content-Disposition", "attachment; filename=\"subscribers.csv\"")) != DL_OK ||
	    (e = buf_puts(&rs->body, "id,email,lang,frequency,status,created,confirmed\r\n")) != DL_OK)
		return e;
	do {
		struct arena *ar = arena_new(16u << 20);

		if (ar == NULL)
			return DL_ERR_NOMEM;
		e = store_subscribers_list(rq->site->store, ar, off, CSV_BATCH, &subs, &n, &total);
		for (i = 0; e == DL_OK && i < n; i++) {
			snprintf(num[0], sizeof num[0], "%lld", (long long)subs[i].id);
			snprintf(num[1], sizeof num[1], "%lld", (long long)subs[i].created);
			snprintf(num[2], sizeof num[2], "%lld", (long long)subs[i].confirmed);
			if ((e = csv_field(&rs->body, num[0], 0)) != DL_OK ||
			    (e = csv_field(&rs->body, subs[i].email, 0)) != DL_OK ||
			    (e = csv_field(&rs->body, subs[i].lang, 0)) != DL_OK ||
			    (e = csv_field(&rs->body, subs[i].frequency, 0)) != DL_OK ||
			    (e = csv_field(&rs->body, subs[i].status, 0)) != DL_OK ||
			    (e = csv_field(&rs->body, num[1], 0)) != DL_OK)
				break;
			e = csv_field(&rs->body, num[2], 1);
		}
		arena_free(ar);
		off += n;
	} while (e == DL_OK && n == CSV_BATCH);
	return e;
}
