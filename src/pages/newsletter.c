/* newsletter.c - the reader's side of the newsletters:
 *   GET  /{lang}/newsletter              the subscribe form
 *   POST /{lang}/newsletter              subscribe (double opt-in)
 *   GET  /{lang}/newsletter/confirm?t=   the confirmation link: a button only
 *   POST /{lang}/newsletter/confirm      t= in the form: confirms
 *   GET|POST /{lang}/newsletter/prefs?t= preferences through the signed link
 *   GET|POST /{lang}/newsletter/unsubscribe?t=  RFC 8058 one-click (POST)
 * The subscribe answer is the same whether or not the address is known.
 * Every page here is personal: never cached, no Referer leaves it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/sign.h"
#include "mail/newsletter.h"
#include "pages/page.h"
#include "pages/view.h"
#include "web/ratelimit.h"

#define TERMS_SHOWN 40
/* Messages one address can be sent from the subscribe form: a burst of
 * RCPT_BURST, then RCPT_PER_HOUR an hour (per node). Past it the page
 * answers the same and nothing is sent, so the form cannot flood a box. */
#define RCPT_BURST 5
#define RCPT_PER_HOUR 5
#define SLUG_MAX 200

/* The page for every outcome: heading, a notice (ok or error), and the
 * form `extra` carries (stolen). */
static enum dl_err
show(struct req *rq, struct resp *rs, int status, const char *heading, const char *notice,
    int is_error, json_t *extra)
{
	json_t *ctx = page_context(rq, heading);
	const char *k;
	json_t *v;

	rs->no_store = 1;
	rs->status = status;
	if (ctx == NULL || view_set(ctx, "heading", heading) || view_set(ctx, "notice", notice) ||
	    json_object_set_new(ctx, "notice_error", json_boolean(is_error)) ||
	    resp_header(rs, "Referrer-Policy", "no-referrer") != DL_OK) {
		json_decref(ctx);
		json_decref(extra);
		return DL_ERR_NOMEM;
	}
	if (extra) {
		json_object_foreach(extra, k, v)
			if (json_object_set(ctx, k, v)) {
				json_decref(ctx);
				json_decref(extra);
				return DL_ERR_NOMEM;
			}
		json_decref(extra);
	}
	return page_render(rq, rs, "newsletter", ctx);
}

/* [{id, name, description, checked}] for newsletters of `lang`. */
static json_t *
newsletter_list(struct req *rq, const char *lang, const int64_t *chosen, size_t n_chosen,
    int check_digest)
{
	struct dl_newsletter *nl;
	json_t *arr = json_array(), *o;
	size_t n, i, k;

	if (arr == NULL || store_newsletters(rq->site->store, rq->arena, lang, &nl, &n) != DL_OK) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		int checked = check_digest && strcmp(nl[i].kind, "digest") == 0;

		for (k = 0; k < n_chosen; k++)
			checked |= chosen[k] == nl[i].id;
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) ||
		    view_set(o, "id", arena_printf(rq->arena, "%lld", (long long)nl[i].id)) ||
		    view_set(o, "name", nl[i].name) || view_set(o, "description", nl[i].description) ||
		    json_object_set_new(o, "checked", json_boolean(checked))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *
subscribe_form(struct req *rq, const char *email)
{
	json_t *f = json_object(), *nl = newsletter_list(rq, rq->lang, NULL, 0, 1);

	if (f == NULL || nl == NULL || json_object_set_new(f, "newsletters", nl) ||
	    view_set(f, "action", arena_printf(rq->arena, "/%s/newsletter", rq->lang)) ||
	    view_set(f, "email", email) || json_object_set_new(f, "daily", json_true())) {
		json_decref(f);
		return NULL;
	}
	return json_pack("{s:o}", "subscribe", f);
}

enum dl_err
page_newsletter(struct req *rq, struct resp *rs)
{
	json_t *form = subscribe_form(rq, NULL);

	if (form == NULL)
		return DL_ERR_NOMEM;
	return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
	    view_fmt(rq, "nl_intro", rq->site->cfg->site_name, NULL), 0, form);
}

/* Newsletter ids from the form that belong to edition `lang`; with
 * `digest_default`, the edition's digest when none is ticked. */
static enum dl_err
chosen_newsletters(struct req *rq, const char *lang, int64_t **ids, size_t *n, int digest_default)
{
	struct dl_newsletter *nl;
	const char **vals;
	size_t nv, nn, i, k;
	enum dl_err e;

	*n = 0;
	if ((e = req_form_all(rq, "nl", &vals, &nv)) != DL_OK ||
	    (e = store_newsletters(rq->site->store, rq->arena, lang, &nl, &nn)) != DL_OK)
		return e;
	if ((*ids = arena_alloc(rq->arena, (nn + 1) * sizeof **ids)) == NULL)
		return DL_ERR_NOMEM;
	for (k = 0; k < nn; k++)
		for (i = 0; i < nv; i++) {
			char id[32];

			snprintf(id, sizeof id, "%lld", (long long)nl[k].id);
			if (strcmp(vals[i], id) == 0) {
				(*ids)[(*n)++] = nl[k].id;
				break;
			}
		}
	for (k = 0; digest_default && *n == 0 && k < nn; k++)
		if (strcmp(nl[k].kind, "digest") == 0)
			(*ids)[(*n)++] = nl[k].id;
	return DL_OK;
}

static const char *
form_frequency(struct req *rq)
{
	const char *f = req_form(rq, "frequency");

	return f && strcmp(f, "weekly") == 0 ? "weekly" : "daily";
}

enum dl_err
page_newsletter_subscribe(struct req *rq, struct resp *rs)
{
	const char *raw = req_form(rq, "email"), *status;
	char *email;
	int64_t *ids, id = 0, nonce = 0, got = 0;
	size_t n, i;
	enum dl_err e;
	json_t *form;

	if (raw == NULL || strlen(raw) > MAIL_ADDR_MAX || !mail_address_valid(raw)) {
		form = subscribe_form(rq, raw && strlen(raw) <= MAIL_ADDR_MAX &&
		    strpbrk(raw, "\r\n") == NULL ? raw : NULL);
		if (form == NULL)
			return DL_ERR_NOMEM;
		return show(rq, rs, 400, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_bad_address"), 1, form);
	}
	if ((email = arena_strdup(rq->arena, raw)) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; email[i]; i++)
		if (email[i] >= 'A' && email[i] <= 'Z')
			email[i] = (char)(email[i] - 'A' + 'a');
	if ((e = chosen_newsletters(rq, rq->lang, &ids, &n, 1)) != DL_OK)
		return e;
	while (nonce == 0) {
		randombytes_buf(&nonce, sizeof nonce);
		nonce &= INT64_MAX;
	}
	e = store_subscriber_request(rq->site->store, email, rq->lang, form_frequency(rq), ids, n,
	    nonce, (int64_t)time(NULL), &id, &got, &status);
	if (e != DL_OK)
		return e;
	if (rq->site->limits && ratelimit_take(rq->site->limits, arena_printf(rq->arena, "nl:rcpt:%s",
	    email), RCPT_BURST, RCPT_PER_HOUR, (int64_t)time(NULL)) > 0)
		e = DL_ERR_UNSUPPORTED;
	else
		e = newsletter_queue_confirm(rq->site->store, rq->site->cfg, email, rq->lang, id, got,
		    strcmp(status, "active") == 0);
	/* A bouncing or rate-limited address gets the same answer. */
	if (e != DL_OK && e != DL_ERR_UNSUPPORTED)
		return e;
	return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
	    i18n_get(rq->lang, "nl_check_inbox"), 0, NULL);
}

/* Checks ?t= (or the form's t) for `purpose`; on failure renders the
 * clear page and returns 0. */
static int
token_id(struct req *rq, struct resp *rs, const char *purpose, int64_t *id, int64_t *nonce,
    enum dl_err *rc)
{
	const char *t = req_form(rq, "t"), *payload = NULL;
	int64_t issued;
	enum sign_result r;
	long long a = 0, b = 0;
	char tail;
	int fields;

	if (t == NULL)
		t = req_query(rq, "t");
	r = t && strlen(t) < 4096 ? sign_check(rq->arena, purpose, t, (int64_t)time(NULL), &payload,
	    &issued) : SIGN_BAD;
	if (r == SIGN_OK) {
		fields = sscanf(payload, "%lld:%lld%c", &a, &b, &tail);
		if ((nonce ? fields == 2 : fields == 1) && a > 0) {
			*id = a;
			if (nonce)
				*nonce = b;
			return 1;
		}
		r = SIGN_BAD;
	}
	*rc = show(rq, rs, 400, i18n_get(rq->lang, "newsletter"),
	    i18n_get(rq->lang, r == SIGN_EXPIRED ? "nl_expired_link" : "nl_bad_link"), 1, NULL);
	return 0;
}

enum dl_err
page_newsletter_confirm(struct req *rq, struct resp *rs)
{
	int64_t id, nonce;
	enum dl_err e = DL_OK;

	if (!token_id(rq, rs, "nl-confirm", &id, &nonce, &e))
		return e;
	if (strcmp(rq->method, "POST") != 0) {
		/* A GET changes nothing (mail scanners prefetch links): a button
		 * posts the same signed token, which is the only authority. */
		const char *t = req_query(rq, "t");
		json_t *form = json_pack("{s:{s:s,s:s}}", "confirm",
		    "action", arena_printf(rq->arena, "/%s/newsletter/confirm", rq->lang),
		    "token", t ? t : "");

		if (form == NULL)
			return DL_ERR_NOMEM;
		return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_confirm_question"), 0, form);
	}
	e = store_subscriber_confirm(rq->site->store, id, nonce, (int64_t)time(NULL));
	if (e == DL_OK)
		return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_confirmed"), 0, NULL);
	if (e == DL_ERR_EXISTS)
		return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_already"), 0, NULL);
	if (e == DL_ERR_NOTFOUND)
		return show(rq, rs, 400, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_bad_link"), 1, NULL);
	return e;
}

static json_t *
term_list(struct req *rq, enum dl_term_kind kind, const char *lang, const char **chosen, size_t n)
{
	struct dl_term *t;
	json_t *arr = json_array(), *o;
	size_t nt, i, k;

	if (arr == NULL ||
	    store_terms_used(rq->site->store, rq->arena, kind, lang, TERMS_SHOWN, &t, &nt) != DL_OK) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < nt; i++) {
		int checked = 0;

		for (k = 0; k < n; k++)
			checked |= strcmp(chosen[k], t[i].slug) == 0;
		o = json_object();
		if (o == NULL || json_array_append_new(arr, o) || view_set(o, "slug", t[i].slug) ||
		    view_set(o, "name", t[i].name) || json_object_set_new(o, "checked", json_boolean(checked))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *
prefs_form(struct req *rq, const struct dl_subscriber *s, const char *token)
{
	const struct config *cfg = rq->site->cfg;
	json_t *f = json_object(), *langs = json_array(), *o;
	size_t i;

	if (f == NULL || langs == NULL || json_object_set_new(f, "langs", langs)) {
		json_decref(langs);
		goto fail;
	}
	for (i = 0; i < cfg->n_editions; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(langs, o) || view_set(o, "code", cfg->editions[i]) ||
		    view_set(o, "name", i18n_language_name(cfg->editions[i])) ||
		    json_object_set_new(o, "selected", json_boolean(strcmp(cfg->editions[i], s->lang) == 0)))
			goto fail;
	}
	if (json_object_set_new(f, "newsletters", newsletter_list(rq, s->lang, s->newsletters,
	        s->n_newsletters, 0)) ||
	    json_object_set_new(f, "places", term_list(rq, DL_PLACE, s->lang, s->places, s->n_places)) ||
	    json_object_set_new(f, "tags", term_list(rq, DL_TAG, s->lang, s->tags, s->n_tags)) ||
	    view_set(f, "action", arena_printf(rq->arena, "/%s/newsletter/prefs", rq->lang)) ||
	    view_set(f, "token", token) || view_set(f, "email", s->email) ||
	    json_object_set_new(f, strcmp(s->frequency, "weekly") == 0 ? "weekly" : "daily", json_true()))
		goto fail;
	if (json_object_set_new(f, "has_places", json_boolean(json_array_size(json_object_get(f, "places")))) ||
	    json_object_set_new(f, "has_tags", json_boolean(json_array_size(json_object_get(f, "tags")))))
		goto fail;
	return json_pack("{s:o}", "prefs", f);
fail:
	json_decref(f);
	return NULL;
}

/* Slugs from the form field `key` that are terms of `lang`. */
static enum dl_err
chosen_terms(struct req *rq, const char *key, enum dl_term_kind kind, const char *lang,
    const char ***out, size_t *n)
{
	const char **vals;
	struct dl_term t;
	size_t nv, i;
	enum dl_err e;

	*n = 0;
	if ((e = req_form_all(rq, key, &vals, &nv)) != DL_OK)
		return e;
	if (nv > TERMS_SHOWN * 2)
		nv = TERMS_SHOWN * 2;
	if ((*out = arena_alloc(rq->arena, (nv + 1) * sizeof **out)) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < nv; i++) {
		if (strlen(vals[i]) > SLUG_MAX)
			continue;
		e = store_term_get(rq->site->store, rq->arena, kind, lang, vals[i], &t);
		if (e == DL_ERR_NOTFOUND)
			continue;
		if (e != DL_OK)
			return e;
		(*out)[(*n)++] = vals[i];
	}
	return DL_OK;
}

enum dl_err
page_newsletter_prefs(struct req *rq, struct resp *rs)
{
	struct dl_subscriber s;
	const char *token, *lang, *old_lang, *notice = NULL;
	int64_t id;
	enum dl_err e = DL_OK;
	json_t *form;

	if (!token_id(rq, rs, "nl-prefs", &id, NULL, &e))
		return e;
	token = req_form(rq, "t");
	if (token == NULL)
		token = req_query(rq, "t");
	e = store_subscriber_get(rq->site->store, rq->arena, id, &s);
	if (e == DL_ERR_NOTFOUND || (e == DL_OK && strcmp(s.status, "active") != 0))
		return show(rq, rs, 200, i18n_get(rq->lang, "nl_prefs_title"),
		    i18n_get(rq->lang, "nl_left"), 0, NULL);
	if (e != DL_OK)
		return e;
	if (strcmp(rq->method, "POST") == 0) {
		const char *action = req_form(rq, "action");

		if (action && strcmp(action, "leave") == 0) {
			if ((e = store_subscriber_leave(rq->site->store, id, (int64_t)time(NULL))) != DL_OK)
				return e;
			return show(rq, rs, 200, i18n_get(rq->lang, "nl_prefs_title"),
			    i18n_get(rq->lang, "nl_left"), 0, NULL);
		}
		old_lang = s.lang;
		lang = req_form(rq, "lang");
		if (lang == NULL || !config_has_edition(rq->site->cfg, lang))
			lang = s.lang;
		s.lang = lang;
		s.frequency = form_frequency(rq);
		if ((e = chosen_newsletters(rq, lang, &s.newsletters, &s.n_newsletters,
		    strcmp(lang, old_lang) != 0)) != DL_OK ||
		    (e = chosen_terms(rq, "place", DL_PLACE, lang, &s.places, &s.n_places)) != DL_OK ||
		    (e = chosen_terms(rq, "tag", DL_TAG, lang, &s.tags, &s.n_tags)) != DL_OK)
			return e;
		if ((e = store_subscriber_set_prefs(rq->site->store, &s)) != DL_OK)
			return e;
		if ((e = store_subscriber_get(rq->site->store, rq->arena, id, &s)) != DL_OK)
			return e;
		notice = i18n_get(rq->lang, "nl_saved");
	}
	if ((form = prefs_form(rq, &s, token)) == NULL)
		return DL_ERR_NOMEM;
	return show(rq, rs, 200, i18n_get(rq->lang, "nl_prefs_title"), notice, 0, form);
}

enum dl_err
page_newsletter_unsubscribe(struct req *rq, struct resp *rs)
{
	struct dl_subscriber s;
	int64_t id;
	enum dl_err e = DL_OK;
	const char *token;
	json_t *form;

	if (!token_id(rq, rs, "nl-unsub", &id, NULL, &e))
		return e;
	e = store_subscriber_get(rq->site->store, rq->arena, id, &s);
	if (e == DL_ERR_NOTFOUND || (e == DL_OK && strcmp(s.status, "left") == 0))
		return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_left"), 0, NULL);
	if (e != DL_OK)
		return e;
	if (strcmp(rq->method, "POST") == 0) {
		/* RFC 8058: the POST alone is the request; no cookie, no script. */
		if ((e = store_subscriber_leave(rq->site->store, id, (int64_t)time(NULL))) != DL_OK)
			return e;
		return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"),
		    i18n_get(rq->lang, "nl_left"), 0, NULL);
	}
	token = req_query(rq, "t");
	form = json_pack("{s:{s:s,s:s,s:s}}", "unsubscribe",
	    "action", arena_printf(rq->arena, "/%s/newsletter/unsubscribe", rq->lang),
	    "token", token ? token : "",
	    "question", view_fmt(rq, "nl_unsub_question", s.email, NULL));
	if (form == NULL)
		return DL_ERR_NOMEM;
	return show(rq, rs, 200, i18n_get(rq->lang, "newsletter"), NULL, 0, form);
}
