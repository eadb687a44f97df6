/* newsroom.c - the newsroom's account pages (login, logout, password
 * change, set-password links), the article list and the audit log. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"
#include "base/log.h"
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/view.h"
#include "store/store.h"

#define LIST_PER_PAGE 50
#define AUDIT_PER_PAGE 100

static const char *const status_keys[] = {
	"nr_status_published", "nr_status_draft", "nr_status_review", "nr_status_scheduled",
	"nr_status_retracted",
};
static const char *const status_slugs[] = { "published", "draft", "review", "scheduled", "retracted" };

const char *
nr_status_name(struct req *rq, int status)
{
	if (status < 0 || status > DL_RETRACTED)
		return "?";
	return i18n_get(rq->lang, status_keys[status]);
}

json_t *
nr_context(struct req *rq, const struct dl_user *u, const char *title_key)
{
	json_t *ctx = page_context(rq, i18n_get(rq->lang, title_key)), *uo;

	if (ctx == NULL)
		return NULL;
	if (json_object_set_new(ctx, "newsroom", json_true()))
		goto fail;
	if (u == NULL)
		return ctx;
	uo = json_object();
	if (uo == NULL || json_object_set_new(ctx, "user", uo) || view_set(uo, "email", u->email) ||
	    view_set(uo, "name", u->name) || view_set(uo, "role", auth_role_name(u->role)) ||
	    json_object_set_new(uo, "is_editor", json_boolean(u->role >= DL_ROLE_EDITOR)) ||
	    json_object_set_new(uo, "is_admin", json_boolean(u->role >= DL_ROLE_ADMIN)) ||
	    view_set(ctx, "csrf", u->csrf))
		goto fail;
	return ctx;
fail:
	json_decref(ctx);
	return NULL;
}

enum dl_err
nr_render(struct req *rq, struct resp *rs, const char *name, json_t *ctx)
{
	rs->no_store = 1;
	return page_render(rq, rs, name, ctx);
}

enum dl_err
nr_render_if(struct req *rq, struct resp *rs, const char *name, json_t *ctx, int failed)
{
	if (ctx == NULL || failed) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	return nr_render(rq, rs, name, ctx);
}

enum dl_err
nr_message(struct req *rq, struct resp *rs, const struct dl_user *u, int status, const char *key,
    const char *arg)
{
	json_t *ctx = nr_context(rq, u, "nr_newsroom");

	rs->status = status;
	return nr_render_if(rq, rs, "newsroom_message", ctx,
	    ctx == NULL || view_set(ctx, "message", view_fmt(rq, key, arg, NULL)));
}

enum dl_err
nr_redirect(struct req *rq, struct resp *rs, const char *location)
{
	rs->no_store = 1;
	rs->status = 303;
	rs->location = location;
	rs->content_type = "text/plain; charset=utf-8";
	return buf_printf(&rs->body, "see %s\n", location);
}

enum dl_err
page_nr_root(struct req *rq, struct resp *rs)
{
	return nr_redirect(rq, rs, "/newsroom/");
}

/* ---- login ---- */

/* Only a newsroom path of ours: no scheme, no "//", no backslash. */
static const char *
safe_next(const char *next)
{
	if (next == NULL || strncmp(next, "/newsroom/", 10) != 0 || strstr(next, "//") ||
	    strchr(next, '\\') || strlen(next) > 200)
		return "/newsroom/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "/newsroom/";
	return next;
}

static enum dl_err
login_form(struct req *rq, struct resp *rs, int status, const char *msg_key, const char *arg,
    const char *email, const char *next)
{
	json_t *ctx = nr_context(rq, NULL, "nr_login_title");
	const char *tok = auth_login_token(rq, rs);

	rs->status = status;
	return nr_render_if(rq, rs, "newsroom_login", ctx, ctx == NULL || tok == NULL ||
	    view_set(ctx, "csrf", tok) || view_set(ctx, "email", email) ||
	    view_set(ctx, "next", safe_next(next)) ||
	    (msg_key && view_set(ctx, "error", view_fmt(rq, msg_key, arg, NULL))));
}

enum dl_err
page_nr_login(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	enum auth_login res;
	int64_t wait;
	enum dl_err e;
	char mins[32];

	rs->no_store = 1;
	if (strcmp(rq->method, "POST") != 0) {
		if (auth_user(rq, &u) == DL_OK)
			return nr_redirect(rq, rs, "/newsroom/");
		return login_form(rq, rs, 200, NULL, NULL, NULL, req_query(rq, "next"));
	}
	/* Login CSRF: the signed token must match this browser's dl_login. */
	if (!auth_origin_ok(rq) || !auth_login_token_ok(rq))
		return auth_refuse_csrf(rq, rs);
	e = auth_login(rq, rs, req_form(rq, "email"), req_form(rq, "password"), &res, &wait);
	if (e != DL_OK)
		return e;
	if (res == AUTH_LOGIN_OK)
		return nr_redirect(rq, rs, safe_next(req_form(rq, "next")));
	if (res == AUTH_LOGIN_LOCKED) {
		snprintf(mins, sizeof mins, "%lld", (long long)((wait + 59) / 60));
		if (resp_header(rs, "Retry-After", arena_printf(rq->arena, "%lld", (long long)wait)) != DL_OK)
			return DL_ERR_NOMEM;
		return login_form(rq, rs, 429, "nr_login_locked", mins, req_form(rq, "email"),
		    req_form(rq, "next"));
	}
	return login_form(rq, rs, 401, "nr_login_bad", NULL, req_form(rq, "email"), req_form(rq, "next"));
}

enum dl_err
page_nr_logout(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_AUTHOR, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if ((e = auth_logout(rq, rs)) != DL_OK)
		return e;
	auth_audit(rq, u.id, "logout", "");
	return nr_redirect(rq, rs, "/newsroom/login");
}

/* ---- passwords ---- */

/* NULL when the two new passwords are acceptable, else the message key. */
static const char *
check_new_password(const char *pw, const char *again)
{
	if (pw == NULL || again == NULL || strcmp(pw, again) != 0)
		return "nr_password_mismatch";
	if (strlen(pw) < AUTH_PASSWORD_MIN || strlen(pw) > AUTH_PASSWORD_MAX)
		return "nr_password_short";
	return NULL;
}

static enum dl_err
password_form(struct req *rq, struct resp *rs, const struct dl_user *u, int status,
    const char *msg_key, const char *token)
{
	json_t *ctx = nr_context(rq, u, token ? "nr_set_password_title" : "nr_password_title");
	char min[16];

	snprintf(min, sizeof min, "%d", AUTH_PASSWORD_MIN);
	rs->status = status;
	return nr_render_if(rq, rs, "newsroom_password", ctx, ctx == NULL || view_set(ctx, "token", token) ||
	    json_object_set_new(ctx, "change", json_boolean(token == NULL)) ||
	    view_set(ctx, "hint", view_fmt(rq, "nr_password_hint", min, NULL)) ||
	    (msg_key && view_set(ctx, "error", i18n_get(rq->lang, msg_key))));
}

enum dl_err
page_nr_password(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_account acc;
	const char *bad;
	char hash[crypto_pwhash_STRBYTES];
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_AUTHOR, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (strcmp(rq->method, "POST") != 0)
		return password_form(rq, rs, &u, 200, NULL, NULL);
	if ((e = store_user_get_id(rq->site->store, rq->arena, u.id, &acc)) != DL_OK)
		return e;
	if (!auth_verify_password(acc.pwhash, req_form(rq, "current") ? req_form(rq, "current") : ""))
		return password_form(rq, rs, &u, 400, "nr_password_wrong", NULL);
	if ((bad = check_new_password(req_form(rq, "password"), req_form(rq, "password2"))) != NULL)
		return password_form(rq, rs, &u, 400, bad, NULL);
	if ((e = auth_hash_password(req_form(rq, "password"), hash, sizeof hash)) != DL_OK ||
	    (e = store_user_set_password(rq->site->store, u.id, hash)) != DL_OK)
		return e;
	/* Every session of the account ends, this one too: log in again. */
	if ((e = store_sessions_delete_user(rq->site->store, u.id, NULL)) != DL_OK)
		return e;
	if ((e = auth_logout(rq, rs)) != DL_OK)
		return e;
	auth_audit(rq, u.id, "password.change", "");
	return nr_message(rq, rs, NULL, 200, "nr_password_changed", NULL);
}

enum dl_err
page_nr_set_password(struct req *rq, struct resp *rs)
{
	const char *tok, *bad;
	char th[65], hash[crypto_pwhash_STRBYTES];
	int64_t now = (int64_t)time(NULL), uid;
	enum dl_err e;

	rs->no_store = 1;
	if (strcmp(rq->method, "POST") == 0 && !auth_origin_ok(rq))
		return auth_refuse_csrf(rq, rs);
	tok = strcmp(rq->method, "POST") == 0 ? req_form(rq, "token") : req_query(rq, "token");
	if (tok == NULL || strlen(tok) != AUTH_TOKEN_HEX)
		return nr_message(rq, rs, NULL, 400, "nr_link_bad", NULL);
	auth_token_hash(tok, th);
	if (!store_pwtoken_valid(rq->site->store, th, now))
		return nr_message(rq, rs, NULL, 410, "nr_link_bad", NULL);
	if (strcmp(rq->method, "POST") != 0)
		return password_form(rq, rs, NULL, 200, NULL, tok);
	if ((bad = check_new_password(req_form(rq, "password"), req_form(rq, "password2"))) != NULL)
		return password_form(rq, rs, NULL, 400, bad, tok);
	if ((e = auth_hash_password(req_form(rq, "password"), hash, sizeof hash)) != DL_OK)
		return e;
	e = store_pwtoken_use(rq->site->store, th, now, &uid);
	if (e == DL_ERR_NOTFOUND)
		return nr_message(rq, rs, NULL, 410, "nr_link_bad", NULL);
	if (e != DL_OK || (e = store_user_set_password(rq->site->store, uid, hash)) != DL_OK ||
	    (e = store_sessions_delete_user(rq->site->store, uid, NULL)) != DL_OK)
		return e;
	auth_audit(rq, uid, "password.set", "");
	return nr_message(rq, rs, NULL, 200, "nr_password_set", NULL);
}

/* ---- the list ---- */

enum dl_err
page_nr_list(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article_list l;
	json_t *ctx = NULL, *items, *o, *filters;
	const char *st_q = req_query(rq, "status"), *lang_q = req_query(rq, "lang"), *pg = req_query(rq, "page");
	int status = -1, i;
	size_t k, page = 1;
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_AUTHOR, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	for (i = 0; st_q && i <= DL_RETRACTED; i++)
		if (strcmp(st_q, status_slugs[i]) == 0)
			status = i;
	if (lang_q && !config_has_edition(rq->site->cfg, lang_q))
		lang_q = NULL;
	if (pg && (sscanf(pg, "%zu", &page) != 1 || page < 1 || page > 100000))
		page = 1;
	e = store_newsroom_list(rq->site->store, rq->arena, status,
	    u.role >= DL_ROLE_EDITOR ? 0 : u.id, lang_q, (page - 1) * LIST_PER_PAGE, LIST_PER_PAGE, &l);
	if (e != DL_OK)
		return e;
	if ((ctx = nr_context(rq, &u, "nr_list_title")) == NULL)
		return DL_ERR_NOMEM;
	items = json_array();
	filters = json_array();
	if (items == NULL || json_object_set_new(ctx, "items", items) || filters == NULL ||
	    json_object_set_new(ctx, "statuses", filters) ||
	    json_object_set_new(ctx, "total", json_integer(l.total)) ||
	    json_object_set_new(ctx, "empty", json_boolean(l.n == 0)))
		goto nomem;
	for (i = 0; i <= DL_RETRACTED; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(filters, o) || view_set(o, "value", status_slugs[i]) ||
		    view_set(o, "name", nr_status_name(rq, i)) ||
		    json_object_set_new(o, "selected", json_boolean(i == status)))
			goto nomem;
	}
	o = json_array();
	if (o == NULL || json_object_set_new(ctx, "langs", o))
		goto nomem;
	for (k = 0; k < rq->site->cfg->n_editions; k++) {
		json_t *x = json_object();
		const char *ed = rq->site->cfg->editions[k];

		if (x == NULL || json_array_append_new(o, x) || view_set(x, "value", ed) ||
		    json_object_set_new(x, "selected", json_boolean(lang_q && strcmp(lang_q, ed) == 0)))
			goto nomem;
	}
	for (k = 0; k < l.n; k++) {
		const struct dl_article *a = &l.items[k];

		o = json_object();
		if (o == NULL || json_array_append_new(items, o) ||
		    view_set(o, "url", arena_printf(rq->arena, "/newsroom/articles/%lld", (long long)a->id)) ||
		    view_set(o, "headline", a->headline) || view_set(o, "lang", a->lang) ||
		    view_set(o, "byline", a->byline) || view_set(o, "status", nr_status_name(rq, a->status)) ||
		    view_set(o, "status_class", status_slugs[a->status <= DL_RETRACTED ? a->status : 0]) ||
		    view_set(o, "updated", view_time(rq, a->version_created, I18N_DATETIME)) ||
		    (a->status == DL_SCHEDULED &&
		     view_set(o, "scheduled", view_time(rq, a->first_created, I18N_DATETIME))))
			goto nomem;
	}
	if ((size_t)l.total > page * LIST_PER_PAGE &&
	    view_set(ctx, "next_url", arena_printf(rq->arena, "/newsroom/?status=%s&lang=%s&page=%zu",
	        status >= 0 ? status_slugs[status] : "", lang_q ? lang_q : "", page + 1)))
		goto nomem;
	return nr_render(rq, rs, "newsroom_list", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}

/* ---- the audit log ---- */

enum dl_err
page_nr_audit(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_audit *v;
	json_t *ctx, *items, *o;
	size_t n, i;
	enum dl_err e;

	if ((e = auth_require(rq, rs, DL_ROLE_ADMIN, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if ((e = store_audit_list(rq->site->store, rq->arena, 0, AUDIT_PER_PAGE, &v, &n)) != DL_OK)
		return e;
	if ((ctx = nr_context(rq, &u, "nr_audit_title")) == NULL)
		return DL_ERR_NOMEM;
	items = json_array();
	if (items == NULL || json_object_set_new(ctx, "items", items))
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(items, o) ||
		    view_set(o, "at", view_time(rq, v[i].at, I18N_DATETIME)) ||
		    view_set(o, "iso", view_iso(rq, v[i].at)) ||
		    view_set(o, "who", v[i].email[0] ? v[i].email : i18n_get(rq->lang, "nr_system")) ||
		    view_set(o, "action", v[i].action) || view_set(o, "target", v[i].target))
			goto nomem;
	}
	return nr_render(rq, rs, "newsroom_audit", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}
