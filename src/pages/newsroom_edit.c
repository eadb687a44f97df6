/* newsroom_edit.c - the article editor: new, edit, save, submit, publish,
 * schedule, unpublish, retract; the preview (the public template); the
 * revisions with their diff and restore.
 *
 * Who may do what: editors and admins everything; an author sees and
 * edits only their own articles, and only while they are drafts, and may
 * only save and submit them (anything else: 403). Another author's article
 * answers 404, as if it did not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>
#include "base/i18n.h"
#include "base/log.h"
#include "content/markdown.h"
#include "content/schedule.h"
#include "content/slug.h"
#include "pages/newsroom.h"
#include "pages/page.h"
#include "pages/view.h"
#include "store/store.h"

#define FIELD_MAX 1000          /* bytes in a one-line field */
#define TERMS_MAX 32            /* places or tags on one article */
#define DIFF_MAX_LINES 1000     /* each side of a diff; past it the diff is refused */
#define REVISIONS_SHOWN 200

/* The editable fields, as text (the form's and a revision's shape). */
struct fields {
	const char *headline, *standfirst, *byline, *located, *places, *tags, *lang,
	    *translation_of, *body, *publish_at;
};

static const char *const field_names[] = {
	"headline", "standfirst", "byline", "located", "places", "tags", "lang", "translation_of",
	"body", "publish_at",
};
#define N_FIELDS (sizeof field_names / sizeof field_names[0])

static const char **
field_slot(struct fields *f, size_t i)
{
	const char **v[] = { &f->headline, &f->standfirst, &f->byline, &f->located, &f->places,
	    &f->tags, &f->lang, &f->translation_of, &f->body, &f->publish_at };

	return v[i];
}

static void
fields_from_form(struct req *rq, struct fields *f)
{
	const char *v;
	size_t i;

	for (i = 0; i < N_FIELDS; i++) {
		v = req_form(rq, field_names[i]);
		*field_slot(f, i) = v ? v : "";
	}
}

static enum dl_err
fields_from_json(struct arena *ar, const char *text, struct fields *f)
{
	json_t *o = json_loads(text, 0, NULL), *v;
	enum dl_err e = DL_OK;
	size_t i;

	if (o == NULL)
		return DL_ERR_CORRUPT;
	for (i = 0; i < N_FIELDS && e == DL_OK; i++) {
		v = json_object_get(o, field_names[i]);
		*field_slot(f, i) = arena_strdup(ar, json_is_string(v) ? json_string_value(v) : "");
		if (*field_slot(f, i) == NULL)
			e = DL_ERR_NOMEM;
	}
	json_decref(o);
	return e;
}

static char *
fields_to_json(struct arena *ar, struct fields *f, int status)
{
	json_t *o = json_object();
	char *s, *r = NULL;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < N_FIELDS; i++)
		if (json_object_set_new(o, field_names[i], json_string(*field_slot(f, i))))
			goto out;
	if (json_object_set_new(o, "status", json_integer(status)))
		goto out;
	if ((s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT)) != NULL) {
		r = arena_strdup(ar, s);
		free(s);
	}
out:
	json_decref(o);
	return r;
}

/* "a, b ,c" -> terms with their slugs; empty names skipped. */
static enum dl_err
parse_terms(struct arena *ar, const char *text, struct dl_term **out, size_t *n)
{
	const char *p = text, *end, *s, *e;
	struct dl_term *v = arena_alloc(ar, TERMS_MAX * sizeof *v);

	*out = v;
	*n = 0;
	if (v == NULL)
		return DL_ERR_NOMEM;
	while (*p && *n < TERMS_MAX) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (s = p; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (e > s) {
			v[*n].name = arena_strndup(ar, s, (size_t)(e - s));
			if (v[*n].name == NULL || (v[*n].slug = slug_make(ar, v[*n].name)) == NULL)
				return DL_ERR_NOMEM;
			if (v[*n].slug[0])
				(*n)++;
		}
		p = *end ? end + 1 : end;
	}
	return DL_OK;
}

static char *
join_terms(struct arena *ar, const struct dl_term *t, size_t n)
{
	struct buf b = BUF_INIT(64u << 10);
	char *s = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if ((i && buf_puts(&b, ", ") != DL_OK) || buf_puts(&b, t[i].name) != DL_OK)
			goto out;
	s = arena_strdup(ar, b.data ? b.data : "");
out:
	buf_free(&b);
	return s;
}

/* ---- publish times, in the site's time zone (config timezone) ---- */

#define TZ_MAX 64

/* A lenient Gregorian calendar in zone `tz` (UTC when ICU does not know
 * it), its resolved name in `name`; NULL when ICU fails. The caller closes
 * it with ucal_close(). */
static UCalendar *
zone_calendar(const char *tz, char name[TZ_MAX])
{
	UErrorCode st = U_ZERO_ERROR;
	UChar zone[TZ_MAX], canon[TZ_MAX];
	UBool sys = 0;
	UCalendar *cal;

	if (tz && tz[0] && strlen(tz) < TZ_MAX) {
		u_strFromUTF8(zone, TZ_MAX, NULL, tz, -1, &st);
		if (U_SUCCESS(st))
			ucal_getCanonicalTimeZoneID(zone, -1, canon, TZ_MAX, &sys, &st);
	}
	if (tz && tz[0] && strlen(tz) < TZ_MAX && U_SUCCESS(st) && sys) {
		snprintf(name, TZ_MAX, "%s", tz);
	} else {
		u_uastrcpy(zone, "UTC");
		snprintf(name, TZ_MAX, "UTC");
	}
	st = U_ZERO_ERROR;
	cal = ucal_open(zone, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st)) {
		if (cal)
			ucal_close(cal);
		return NULL;
	}
	ucal_setAttribute(cal, UCAL_LENIENT, 1);
	/* A wall time that happens twice (autumn): the first. One that never
	 * happens (the spring gap): moved forward by the gap, 02:30 -> 03:30. */
	ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
	return cal;
}

/* The resolved name of zone `tz` (what the editor's times are in). */
static enum dl_err
zone_calendar_name(const char *tz, char name[TZ_MAX])
{
	UCalendar *cal = zone_calendar(tz, name);

	if (cal == NULL)
		return DL_ERR_UNSUPPORTED;
	ucal_close(cal);
	return DL_OK;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* "2026-11-27T08:40[:10]", a wall time in zone `tz`, as Unix time; 0 when
 * empty or malformed. */
static int64_t
parse_time(const char *tz, const char *s)
{
	UErrorCode st = U_ZERO_ERROR;
	char name[TZ_MAX];
	UCalendar *cal;
	UDate ms;
	int y, mo, d, h, mi, sec = 0, n;

	if (s == NULL || s[0] == '\0')
		return 0;
	n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
	if (n < 5 || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec < 0 || sec > 59 || h < 0 || mi < 0)
		return 0;
	if ((cal = zone_calendar(tz, name)) == NULL)
		return 0;
	ucal_clear(cal);
	ucal_setDateTime(cal, y, mo - 1, d, h, mi, sec, &st);
	ms = ucal_getMillis(cal, &st);
	ucal_close(cal);
	return U_SUCCESS(st) ? (int64_t)(ms / 1000.0) : 0;
}

/* Unix time `t` as "YYYY-MM-DDTHH:MM:SS" on the wall clock of zone `tz`
 * (the datetime-local field's value); "" for 0. */
static char *
format_time(struct arena *ar, const char *tz, int64_t t)
{
	UErrorCode st = U_ZERO_ERROR;
	char name[TZ_MAX];
	UCalendar *cal;
	int f[6];

	if (t <= 0 || (cal = zone_calendar(tz, name)) == NULL)
		return arena_strdup(ar, "");
	ucal_setMillis(cal, (UDate)t * 1000.0, &st);
	f[0] = ucal_get(cal, UCAL_YEAR, &st);
	f[1] = ucal_get(cal, UCAL_MONTH, &st) + 1;
	f[2] = ucal_get(cal, UCAL_DATE, &st);
	f[3] = ucal_get(cal, UCAL_HOUR_OF_DAY, &st);
	f[4] = ucal_get(cal, UCAL_MINUTE, &st);
	f[5] = ucal_get(cal, UCAL_SECOND, &st);
	ucal_close(cal);
	if (U_FAILURE(st))
		return arena_strdup(ar, "");
	return arena_printf(ar, "%04d-%02d-%02dT%02d:%02d:%02d", f[0], f[1], f[2], f[3], f[4], f[5]);
}

/* Builds the article from fields (body rendered and sanitized). On bad
 * input returns DL_ERR_INVALID with *bad set to a message key. */
static enum dl_err
build_article(struct req *rq, const struct fields *f, struct dl_article *a, const char **bad)
{
	char *html, *text;
	enum dl_err e;

	*bad = NULL;
	if (f->headline[0] == '\0') {
		*bad = "nr_need_headline";
		return DL_ERR_INVALID;
	}
	if (strlen(f->headline) > FIELD_MAX || strlen(f->standfirst) > 4 * FIELD_MAX ||
	    strlen(f->byline) > FIELD_MAX || strlen(f->located) > FIELD_MAX ||
	    strlen(f->places) > 4 * FIELD_MAX || strlen(f->tags) > 4 * FIELD_MAX ||
	    strlen(f->translation_of) > FIELD_MAX) {
		*bad = "nr_too_long";
		return DL_ERR_INVALID;
	}
	if (!config_has_edition(rq->site->cfg, f->lang)) {
		*bad = "nr_bad_lang";
		return DL_ERR_INVALID;
	}
	e = markdown_render(rq->arena, f->body, strlen(f->body), &html, &text);
	if (e == DL_ERR_TOOBIG) {
		*bad = "nr_too_long";
		return DL_ERR_INVALID;
	}
	if (e != DL_OK)
		return e;
	a->headline = f->headline;
	a->standfirst = f->standfirst;
	a->byline = f->byline;
	a->located = f->located;
	a->lang = f->lang;
	a->translation_of = f->translation_of;
	a->body_html = html;
	a->body_text = text;
	a->copyright = a->copyright ? a->copyright : "";
	a->author.name = f->byline;
	a->author.slug = slug_make(rq->arena, f->byline);
	if (a->author.slug == NULL)
		return DL_ERR_NOMEM;
	if ((e = parse_terms(rq->arena, f->places, &a->places, &a->n_places)) != DL_OK ||
	    (e = parse_terms(rq->arena, f->tags, &a->tags, &a->n_tags)) != DL_OK)
		return e;
	return DL_OK;
}

/* The article as stored, as fields. */
static enum dl_err
fields_of(struct req *rq, const struct dl_article *a, const struct dl_draft *d, int has_draft,
    struct fields *f)
{
	f->headline = a->headline;
	f->standfirst = a->standfirst;
	f->byline = a->byline;
	f->located = a->located;
	f->lang = a->lang;
	f->translation_of = a->translation_of;
	f->body = has_draft && d->markdown[0] ? d->markdown : a->body_text;
	f->places = join_terms(rq->arena, a->places, a->n_places);
	f->tags = join_terms(rq->arena, a->tags, a->n_tags);
	f->publish_at = format_time(rq->arena, rq->site->cfg->timezone,
	    has_draft && d->publish_at ? d->publish_at : a->status == DL_SCHEDULED ? a->first_created : 0);
	return f->places && f->tags && f->publish_at ? DL_OK : DL_ERR_NOMEM;
}

static int
can_view(const struct dl_user *u, int64_t owner)
{
	return u->role >= DL_ROLE_EDITOR || owner == u->id;
}

static int
can_edit(const struct dl_user *u, int64_t owner, enum dl_status st)
{
	return u->role >= DL_ROLE_EDITOR || (owner == u->id && st == DL_DRAFT);
}

/* Loads article {id} with its draft row; DL_ERR_NOTFOUND for a bad id or
 * one this user may not see. */
static enum dl_err
load(struct req *rq, const struct dl_user *u, struct dl_article *a, struct dl_draft *d,
    int *has_draft)
{
	const char *s = req_param(rq, "id");
	char *end;
	long long id;
	enum dl_err e;

	if (s == NULL || (id = strtoll(s, &end, 10)) <= 0 || *end)
		return DL_ERR_NOTFOUND;
	if ((e = store_article_get_id(rq->site->store, rq->arena, id, a)) != DL_OK)
		return e;
	e = store_draft_get(rq->site->store, rq->arena, id, d);
	*has_draft = e == DL_OK;
	if (e == DL_ERR_NOTFOUND) {
		d->owner = 0;
		d->markdown = "";
		d->publish_at = 0;
	} else if (e != DL_OK) {
		return e;
	}
	return can_view(u, d->owner) ? DL_OK : DL_ERR_NOTFOUND;
}

static enum dl_err
not_found(struct req *rq, struct resp *rs, const struct dl_user *u)
{
	return nr_message(rq, rs, u, 404, "nr_not_found", NULL);
}

/* For the pages of article {id}: a user of at least role `min` (auth_require)
 * and the article (load). DL_ERR_INVALID when the answer is already in rs
 * (login, 403, or 404 for an article this user may not see): the handler
 * then returns DL_OK. */
static enum dl_err
open_article(struct req *rq, struct resp *rs, enum dl_role min, struct dl_user *u,
    struct dl_article *a, struct dl_draft *d, int *has_draft)
{
	enum dl_err e;

	if ((e = auth_require(rq, rs, min, u)) != DL_OK)
		return e;
	e = load(rq, u, a, d, has_draft);
	if (e == DL_ERR_NOTFOUND) {
		e = not_found(rq, rs, u);
		return e == DL_OK ? DL_ERR_INVALID : e;
	}
	return e;
}

/* ---- the form ---- */

static enum dl_err
edit_form(struct req *rq, struct resp *rs, const struct dl_user *u, const struct dl_article *a,
    const struct fields *f, int status, const char *error_key)
{
	json_t *ctx = nr_context(rq, u, a ? "nr_edit_title" : "nr_new_title"), *eds, *o;
	int editable = a == NULL || can_edit(u, 0, a->status);
	const char *done = req_query(rq, "done");
	char zname[TZ_MAX];
	size_t i;

	if (a && u->role < DL_ROLE_EDITOR)
		editable = a->status == DL_DRAFT;
	rs->status = status;
	if (ctx == NULL)
		return DL_ERR_NOMEM;
	eds = json_array();
	if (eds == NULL || json_object_set_new(ctx, "editions", eds))
		goto nomem;
	for (i = 0; i < rq->site->cfg->n_editions; i++) {
		const char *ed = rq->site->cfg->editions[i];

		o = json_object();
		if (o == NULL || json_array_append_new(eds, o) || view_set(o, "value", ed) ||
		    view_set(o, "name", i18n_language_name(ed)) ||
		    json_object_set_new(o, "selected", json_boolean(strcmp(ed, f->lang) == 0)))
			goto nomem;
	}
	for (i = 0; i < N_FIELDS; i++)
		if (view_set(ctx, field_names[i], *field_slot((struct fields *)f, i)))
			goto nomem;
	if (zone_calendar_name(rq->site->cfg->timezone, zname) != DL_OK ||
	    view_set(ctx, "time_zone", view_fmt(rq, "nr_time_zone", zname, NULL)) ||
	    json_object_set_new(ctx, "editable", json_boolean(editable)) ||
	    json_object_set_new(ctx, "is_editor", json_boolean(u->role >= DL_ROLE_EDITOR)) ||
	    (error_key && view_set(ctx, "error", i18n_get(rq->lang, error_key))))
		goto nomem;
	if (a == NULL) {
		if (view_set(ctx, "action_url", "/newsroom/articles/new") ||
		    json_object_set_new(ctx, "is_draft", json_true()) ||
		    view_set(ctx, "status_name", nr_status_name(rq, DL_DRAFT)))
			goto nomem;
	} else {
		char *base = arena_printf(rq->arena, "/newsroom/articles/%lld", (long long)a->id);

		if (view_set(ctx, "action_url", base) ||
		    view_set(ctx, "preview_url", arena_printf(rq->arena, "%s/preview", base)) ||
		    view_set(ctx, "revisions_url", arena_printf(rq->arena, "%s/revisions", base)) ||
		    view_set(ctx, "status_name", nr_status_name(rq, a->status)) ||
		    json_object_set_new(ctx, "is_draft", json_boolean(a->status == DL_DRAFT)) ||
		    json_object_set_new(ctx, "is_live", json_boolean(a->status == DL_PUBLISHED)) ||
		    json_object_set_new(ctx, "can_unpublish", json_boolean(a->status == DL_PUBLISHED ||
		        a->status == DL_SCHEDULED || a->status == DL_REVIEW)) ||
		    (a->status == DL_PUBLISHED &&
		     view_set(ctx, "public_url", view_article_path(rq, a->lang, a->slug))) ||
		    view_set(ctx, "correct_url", arena_printf(rq->arena, "%s/correct", base)) ||
		    json_object_set_new(ctx, "can_correct", json_boolean(u->role >= DL_ROLE_EDITOR &&
		        (a->status == DL_PUBLISHED || a->status == DL_RETRACTED))) ||
		    newsroom_corrections(rq, a, ctx) != DL_OK)
			goto nomem;
	}
	if (done && (strcmp(done, "save") == 0 || strcmp(done, "submit") == 0 ||
	    strcmp(done, "publish") == 0 || strcmp(done, "schedule") == 0 ||
	    strcmp(done, "unpublish") == 0 || strcmp(done, "retract") == 0 ||
	    strcmp(done, "restore") == 0 || strcmp(done, "correct") == 0) &&
	    view_set(ctx, "notice", i18n_get(rq->lang, arena_printf(rq->arena, "nr_done_%s", done))))
		goto nomem;
	return nr_render(rq, rs, "newsroom_edit", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}

/* ---- saving ---- */

enum action { A_SAVE, A_SUBMIT, A_PUBLISH, A_SCHEDULE, A_UNPUBLISH, A_RETRACT, A_RESTORE };
static const char *const action_names[] = {
	"save", "submit", "publish", "schedule", "unpublish", "retract", "restore",
};

/* Applies fields and action to `old` (NULL: a new article). On success
 * *id is the article's id. Input problems: DL_ERR_INVALID and *bad. */
static enum dl_err
apply(struct req *rq, const struct dl_user *u, const struct dl_article *old,
    const struct dl_draft *od, const struct fields *f, enum action act, int64_t *id,
    const char **bad)
{
	struct store *st = rq->site->store;
	struct dl_article a;
	struct dl_draft d;
	int64_t now = (int64_t)time(NULL), when = 0;
	char tok[AUTH_TOKEN_HEX + 1];
	const char *json;
	enum dl_err e;
	int created;

	memset(&a, 0, sizeof a);
	if (old) {
		a.uri = old->uri;
		a.slug = old->slug;
		a.copyright = old->copyright;
		a.status = old->status;
		a.first_created = old->first_created;
		d = *od;
		if (d.owner == 0)
			d.owner = u->id;
	} else {
		auth_new_token(tok);
		a.uri = arena_printf(rq->arena, "urn:dateline:newsroom:%.24s", tok);
		a.slug = "";
		a.copyright = "";
		a.status = DL_DRAFT;
		a.first_created = now;
		d.owner = u->id;
		d.publish_at = 0;
		if (a.uri == NULL)
			return DL_ERR_NOMEM;
	}
	if ((e = build_article(rq, f, &a, bad)) != DL_OK)
		return e;
	/* A new language means a new URL in that edition. */
	if (old && strcmp(old->lang, a.lang) != 0)
		a.slug = "";
	d.markdown = f->body;
	a.version_created = now;
	switch (act) {
	case A_SAVE:
	case A_RESTORE:
		break;
	case A_SUBMIT:
		if (a.status == DL_DRAFT)
			a.status = DL_REVIEW;
		break;
	case A_PUBLISH:
		if (a.status != DL_PUBLISHED)
			a.first_created = now;
		a.status = DL_PUBLISHED;
		d.publish_at = 0;
		break;
	case A_SCHEDULE:
		when = parse_time(rq->site->cfg->timezone, f->publish_at);
		if (when <= now) {
			*bad = "nr_schedule_past";
			return DL_ERR_INVALID;
		}
		a.status = DL_SCHEDULED;
		a.first_created = when;
		d.publish_at = when;
		break;
	case A_UNPUBLISH:
		a.status = DL_DRAFT;
		d.publish_at = 0;
		break;
	case A_RETRACT:
		a.status = DL_RETRACTED;
		d.publish_at = 0;
		break;
	}
	if ((json = fields_to_json(rq->arena, (struct fields *)f, (int)a.status)) == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_begin(st)) != DL_OK)
		return e;
	if ((e = store_article_put(st, &a, &created)) != DL_OK)
		goto fail;
	if ((*id = store_article_id(st, a.uri)) == 0) {
		e = DL_ERR_DB;
		goto fail;
	}
	if ((e = store_draft_put(st, *id, &d)) != DL_OK ||
	    (e = store_revision_add(st, *id, u->id, now, json)) != DL_OK ||
	    (e = store_audit_add(st, u->id, old ? action_names[act] : "create", a.uri, now)) != DL_OK)
		goto fail;
	if ((e = store_commit(st)) == DL_OK && act == A_PUBLISH && (old == NULL ||
	    old->status != DL_PUBLISHED))
		schedule_see_also(st, a.uri);
	/* The acknowledgement of a retraction means no node serves the page
	 * any more: wait for the other nodes sharing the database. */
	if (e == DL_OK && (act == A_RETRACT || act == A_UNPUBLISH) &&
	    store_sync(st, 2000) != DL_OK)
		log_warn("newsroom: %s taken down, but not every node confirmed it within 2 s",
		    a.uri);
	return e;
fail:
	store_rollback(st);
	return e;
}

static int
parse_action(const char *s, enum action *out)
{
	size_t i;

	if (s == NULL || s[0] == '\0') {
		*out = A_SAVE;
		return 1;
	}
	for (i = 0; i < A_RESTORE; i++)
		if (strcmp(s, action_names[i]) == 0) {
			*out = (enum action)i;
			return 1;
		}
	return 0;
}

enum dl_err
page_nr_edit(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	struct fields f;
	const char *bad = NULL;
	int is_new = req_param(rq, "id") == NULL, has_draft = 0;
	int64_t id = 0;
	enum action act;
	enum dl_err e;

	e = is_new ? auth_require(rq, rs, DL_ROLE_AUTHOR, &u) :
	    open_article(rq, rs, DL_ROLE_AUTHOR, &u, &a, &d, &has_draft);
	if (e != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (strcmp(rq->method, "POST") != 0) {
		if (is_new) {
			memset(&f, 0, sizeof f);
			f.headline = f.standfirst = f.byline = f.located = f.places = f.tags = "";
			f.translation_of = f.body = f.publish_at = "";
			f.lang = rq->site->cfg->default_lang;
			/* never an email address on a public page by default */
			f.byline = strcmp(u.name, u.email) != 0 ? u.name : "";
			return edit_form(rq, rs, &u, NULL, &f, 200, NULL);
		}
		if ((e = fields_of(rq, &a, &d, has_draft, &f)) != DL_OK)
			return e;
		return edit_form(rq, rs, &u, &a, &f, 200, NULL);
	}
	if (!parse_action(req_form(rq, "action"), &act))
		return nr_message(rq, rs, &u, 400, "nr_bad_action", NULL);
	if (u.role < DL_ROLE_EDITOR && act != A_SAVE && act != A_SUBMIT)
		return nr_message(rq, rs, &u, 403, "nr_forbidden", NULL);
	if (!is_new && !can_edit(&u, d.owner, a.status))
		return nr_message(rq, rs, &u, 403, "nr_forbidden", NULL);
	fields_from_form(rq, &f);
	e = apply(rq, &u, is_new ? NULL : &a, is_new ? NULL : &d, &f, act, &id, &bad);
	if (e == DL_ERR_INVALID && bad)
		return edit_form(rq, rs, &u, is_new ? NULL : &a, &f, 422, bad);
	if (e == DL_ERR_EXISTS)
		return edit_form(rq, rs, &u, is_new ? NULL : &a, &f, 409, "nr_conflict");
	if (e != DL_OK)
		return e;
	return nr_redirect(rq, rs, arena_printf(rq->arena, "/newsroom/articles/%lld?done=%s",
	    (long long)id, is_new ? "save" : action_names[act]));
}

/* ---- preview: the public template, exactly ---- */

static enum dl_err
render_public(struct req *rq, struct resp *rs, const struct dl_article *a)
{
	json_t *ctx, *art;

	if (config_has_edition(rq->site->cfg, a->lang))
		rq->lang = a->lang;
	if ((ctx = page_context(rq, a->headline)) == NULL)
		return DL_ERR_NOMEM;
	art = view_article(rq, a);
	return nr_render_if(rq, rs, "article", ctx, art == NULL ||
	    json_object_set_new(ctx, "article", art) || view_set(ctx, "description", a->standfirst) ||
	    view_set(ctx, "newsletter_text", view_fmt(rq, "newsletter_prompt",
	        rq->site->cfg->site_name, NULL)) ||
	    json_object_set_new(ctx, "related", json_array()) ||
	    json_object_set_new(ctx, "translations", json_array()) ||
	    json_object_set_new(ctx, "alternates", json_array()) ||
	    view_set(ctx, "preview_banner", i18n_get(rq->lang, "nr_preview_banner")));
}

enum dl_err
page_nr_preview(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	struct fields f;
	const char *bad;
	int has_draft;
	enum dl_err e;

	if (req_param(rq, "id")) {
		if ((e = open_article(rq, rs, DL_ROLE_AUTHOR, &u, &a, &d, &has_draft)) != DL_OK)
			return e == DL_ERR_INVALID ? DL_OK : e;
		return render_public(rq, rs, &a);
	}
	if ((e = auth_require(rq, rs, DL_ROLE_AUTHOR, &u)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	memset(&a, 0, sizeof a);
	fields_from_form(rq, &f);
	a.uri = "";
	a.slug = "preview";
	a.copyright = "";
	a.first_created = (int64_t)time(NULL);
	e = build_article(rq, &f, &a, &bad);
	if (e == DL_ERR_INVALID)
		return nr_message(rq, rs, &u, 422, bad, NULL);
	if (e != DL_OK)
		return e;
	return render_public(rq, rs, &a);
}

/* ---- revisions ---- */

enum dl_err
page_nr_revisions(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	struct dl_revision *v;
	json_t *ctx, *items, *o;
	size_t n, i;
	int has_draft;
	enum dl_err e;

	if ((e = open_article(rq, rs, DL_ROLE_AUTHOR, &u, &a, &d, &has_draft)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if ((e = store_revisions(rq->site->store, rq->arena, a.id, REVISIONS_SHOWN, &v, &n)) != DL_OK)
		return e;
	if ((ctx = nr_context(rq, &u, "nr_revisions_title")) == NULL)
		return DL_ERR_NOMEM;
	items = json_array();
	if (items == NULL || json_object_set_new(ctx, "items", items) ||
	    view_set(ctx, "headline", a.headline) ||
	    view_set(ctx, "edit_url", arena_printf(rq->arena, "/newsroom/articles/%lld", (long long)a.id)) ||
	    view_set(ctx, "diff_url", arena_printf(rq->arena, "/newsroom/articles/%lld/diff", (long long)a.id)) ||
	    view_set(ctx, "restore_url", arena_printf(rq->arena, "/newsroom/articles/%lld/restore",
	        (long long)a.id)) ||
	    json_object_set_new(ctx, "can_restore", json_boolean(can_edit(&u, d.owner, a.status))))
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_object();
		if (o == NULL || json_array_append_new(items, o) ||
		    json_object_set_new(o, "id", json_integer(v[i].id)) ||
		    view_set(o, "at", view_time(rq, v[i].at, I18N_DATETIME)) ||
		    view_set(o, "who", v[i].email[0] ? v[i].email : "?") ||
		    json_object_set_new(o, "first", json_boolean(i == 0)) ||
		    json_object_set_new(o, "second", json_boolean(i == 1)))
			goto nomem;
	}
	return nr_render(rq, rs, "newsroom_revisions", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}

/* A revision as lines: the one-line fields, then the body's lines. */
static enum dl_err
revision_lines(struct req *rq, const struct dl_revision *r, const char ***lines, size_t *n)
{
	struct fields f;
	const char **v;
	const char *p, *nl;
	size_t i, cap = DIFF_MAX_LINES + 1;
	enum dl_err e;

	if ((e = fields_from_json(rq->arena, r->fields, &f)) != DL_OK)
		return e;
	if ((v = arena_alloc(rq->arena, cap * sizeof *v)) == NULL)
		return DL_ERR_NOMEM;
	*n = 0;
	for (i = 0; i < N_FIELDS; i++) {
		if (strcmp(field_names[i], "body") == 0)
			continue;
		if ((v[(*n)++] = arena_printf(rq->arena, "%s: %s", field_names[i],
		    *field_slot(&f, i))) == NULL)
			return DL_ERR_NOMEM;
	}
	for (p = f.body; *p; p = nl + 1) {
		if (*n >= cap)
			return DL_ERR_TOOBIG;
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		if ((v[*n] = arena_strndup(rq->arena, p, (size_t)(nl - p + (*nl != '\n')))) == NULL)
			return DL_ERR_NOMEM;
		if (strlen(v[*n]) && v[*n][strlen(v[*n]) - 1] == '\r')
			((char *)v[*n])[strlen(v[*n]) - 1] = '\0';
		(*n)++;
	}
	*lines = v;
	return DL_OK;
}

/* A line diff by longest common subsequence (both sides capped at
 * DIFF_MAX_LINES lines, so the table is at most about 2 MB). */
static enum dl_err
diff_lines(struct req *rq, const char **x, size_t nx, const char **y, size_t ny, json_t *out)
{
	uint16_t *t = arena_alloc(rq->arena, (nx + 1) * (ny + 1) * sizeof *t);
	size_t i, j, w = ny + 1;
	json_t *o;
	const char *op, *text;

	if (t == NULL)
		return DL_ERR_NOMEM;
	for (i = nx + 1; i-- > 0;)
		for (j = ny + 1; j-- > 0;) {
			if (i == nx || j == ny)
				t[i * w + j] = 0;
			else if (strcmp(x[i], y[j]) == 0)
				t[i * w + j] = (uint16_t)(t[(i + 1) * w + j + 1] + 1);
			else
				t[i * w + j] = t[(i + 1) * w + j] > t[i * w + j + 1] ?
				    t[(i + 1) * w + j] : t[i * w + j + 1];
		}
	i = j = 0;
	while (i < nx || j < ny) {
		if (i < nx && j < ny && strcmp(x[i], y[j]) == 0) {
			op = "same";
			text = x[i];
			i++;
			j++;
		} else if (i < nx && (j == ny || t[(i + 1) * w + j] >= t[i * w + j + 1])) {
			/* On a tie the removed line comes first, as diff(1) shows it. */
			op = "del";
			text = x[i++];
		} else {
			op = "add";
			text = y[j++];
		}
		o = json_object();
		if (o == NULL || json_array_append_new(out, o) || view_set(o, "op", op) ||
		    json_object_set_new(o, "text", json_string(text ? text : "")) ||
		    json_object_set_new(o, "mark", json_string(op[0] == 'a' ? "+" : op[0] == 'd' ? "-" : " ")))
			return DL_ERR_NOMEM;
	}
	return DL_OK;
}

enum dl_err
page_nr_diff(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	struct dl_revision ra, rb;
	const char *qa = req_query(rq, "a"), *qb = req_query(rq, "b");
	const char **la, **lb;
	size_t na, nb;
	json_t *ctx, *lines;
	int has_draft;
	enum dl_err e;

	if ((e = open_article(rq, rs, DL_ROLE_AUTHOR, &u, &a, &d, &has_draft)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (qa == NULL || qb == NULL ||
	    store_revision_get(rq->site->store, rq->arena, atoll(qa), &ra) != DL_OK ||
	    store_revision_get(rq->site->store, rq->arena, atoll(qb), &rb) != DL_OK ||
	    ra.article != a.id || rb.article != a.id)
		return not_found(rq, rs, &u);
	/* Older on the left. */
	if (ra.id > rb.id) {
		struct dl_revision t = ra;

		ra = rb;
		rb = t;
	}
	e = revision_lines(rq, &ra, &la, &na);
	if (e == DL_OK)
		e = revision_lines(rq, &rb, &lb, &nb);
	if (e == DL_ERR_TOOBIG)
		return nr_message(rq, rs, &u, 413, "nr_diff_too_long", NULL);
	if (e != DL_OK)
		return e;
	if ((ctx = nr_context(rq, &u, "nr_diff_title")) == NULL)
		return DL_ERR_NOMEM;
	lines = json_array();
	if (lines == NULL || json_object_set_new(ctx, "lines", lines) ||
	    view_set(ctx, "headline", a.headline) ||
	    view_set(ctx, "from", view_time(rq, ra.at, I18N_DATETIME)) ||
	    view_set(ctx, "to", view_time(rq, rb.at, I18N_DATETIME)) ||
	    view_set(ctx, "revisions_url", arena_printf(rq->arena, "/newsroom/articles/%lld/revisions",
	        (long long)a.id))) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	if ((e = diff_lines(rq, la, na, lb, nb, lines)) != DL_OK) {
		json_decref(ctx);
		return e;
	}
	return nr_render(rq, rs, "newsroom_diff", ctx);
}

enum dl_err
page_nr_restore(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	struct dl_revision r;
	struct fields f;
	const char *rev = req_form(rq, "rev"), *bad = NULL;
	int has_draft;
	int64_t id;
	enum dl_err e;

	if ((e = open_article(rq, rs, DL_ROLE_AUTHOR, &u, &a, &d, &has_draft)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (!can_edit(&u, d.owner, a.status))
		return nr_message(rq, rs, &u, 403, "nr_forbidden", NULL);
	if (rev == NULL || store_revision_get(rq->site->store, rq->arena, atoll(rev), &r) != DL_OK ||
	    r.article != a.id)
		return not_found(rq, rs, &u);
	if ((e = fields_from_json(rq->arena, r.fields, &f)) != DL_OK)
		return e;
	e = apply(rq, &u, &a, &d, &f, A_RESTORE, &id, &bad);
	if (e == DL_ERR_INVALID && bad)
		return nr_message(rq, rs, &u, 422, bad, NULL);
	if (e != DL_OK)
		return e;
	return nr_redirect(rq, rs, arena_printf(rq->arena, "/newsroom/articles/%lld?done=restore",
	    (long long)id));
}

/* ---- corrections ---- */

#define NOTE_MAX 2000

enum dl_err
page_nr_correct(struct req *rq, struct resp *rs)
{
	struct dl_user u;
	struct dl_article a;
	struct dl_draft d;
	const char *note = req_form(rq, "note");
	int has_draft;
	int64_t now = (int64_t)time(NULL);
	enum dl_err e;

	if ((e = open_article(rq, rs, DL_ROLE_EDITOR, &u, &a, &d, &has_draft)) != DL_OK)
		return e == DL_ERR_INVALID ? DL_OK : e;
	if (note == NULL || note[0] == '\0' || strlen(note) > NOTE_MAX)
		return nr_message(rq, rs, &u, 422, "nr_need_note", NULL);
	if ((e = store_correction_add(rq->site->store, a.id, u.id, now, note)) != DL_OK)
		return e;
	auth_audit(rq, u.id, "correct", a.uri);
	return nr_redirect(rq, rs, arena_printf(rq->arena, "/newsroom/articles/%lld?done=correct",
	    (long long)a.id));
}
