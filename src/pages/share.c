/* share.c - /{lang}/share/{slug}: "Send to a friend", without becoming a
 * spam cannon.
 *
 * GET shows the form; POST checks it and puts one message per recipient in
 * the outbox (mail.h). Neither is page-cached (rs->no_store).
 *
 * The message is fixed by the site: headline, standfirst, date and link of
 * the article, the sender's name and note as plain text. From is the site's
 * own address, Reply-To the sender's. Subject and body are in the edition's
 * language.
 *
 * Abuse protection, in the order a POST meets it ([share] in the config):
 *   - a form token (sign.h, purpose "share-form", payload "lang/slug")
 *     that expires after token_minutes and must be at least min_seconds
 *     old: missing, forged, expired -> 400 and a fresh form; too fresh ->
 *     400, the same token, "wait a moment";
 *   - a honeypot field ("website", hidden from people): filled -> nothing
 *     is sent and the normal confirmation is shown;
 *   - the fields: 1..max_recipients valid addresses, a name (at most
 *     SHARE_NAME_MAX characters), the sender's address, a note of at most
 *     note_max characters; CR or LF in any of them, or a link or HTML in
 *     the name or note, is refused with a clear message (400), nothing sent;
 *   - rate limits (ratelimit.h, per node): per client address (IPv6 by
 *     /64) client_per_hour submissions, per recipient recipient_per_hour
 *     messages, per article article_per_hour submissions; past one -> 429
 *     with Retry-After and a page in the edition's language.
 * The confirmation says nothing about the recipients.
 *
 * State: the rate-limit table is an init-once table (pthread_once), made on
 * the first POST and kept for the life of the process.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "base/sign.h"
#include "base/log.h"
#include "mail/mail.h"
#include "pages/page.h"
#include "pages/view.h"
#include "web/ratelimit.h"

#define SHARE_PURPOSE "share-form"
#define SHARE_NAME_MAX 100      /* characters in the sender's name */
#define SHARE_TO_MAX 2048       /* bytes in the raw "to" field */
#define SHARE_RCPT_MAX 10       /* hard cap whatever the config says */

static pthread_once_t share_once = PTHREAD_ONCE_INIT;
static struct ratelimit *share_limits;   /* init-once, see above */

static void
share_limits_init(void)
{
	share_limits = ratelimit_new();
}

/* Characters (UTF-8 code points) in s. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* Any other control character (tab included: a header field has no use
 * for one). */
static int
has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* 1 when s looks like it holds a link or markup: a URL scheme, "www.",
 * an HTML tag or entity, or a bare domain name ("example.com",
 * "spam.example.ru/x"): a letter or digit, a dot, then 2 to 24 letters
 * followed by the end, a space, a slash or punctuation. Plain prose keeps
 * a space after its full stops, so it passes. */
static int
has_link(const char *s)
{
	static const char *const marks[] = { "://", "www.", "http:", "https:", "mailto:", "ftp:",
	    "href", "[url", "&#", "&lt", "&gt", NULL };
	const char *p, *q;
	size_t i, k;

	if (strpbrk(s, "<>") != NULL)
		return 1;
	for (i = 0; marks[i]; i++) {
		size_t n = strlen(marks[i]);

		for (p = s; *p; p++)
			if (strncasecmp(p, marks[i], n) == 0)
				return 1;
	}
	for (p = s; *p; p++) {
		if (*p != '.' || p == s || !is_alnum((unsigned char)p[-1]))
			continue;
		for (q = p + 1, k = 0; is_alpha((unsigned char)*q); q++)
			k++;
		if (k >= 2 && k <= 24 && (*q == '\0' || *q == ' ' || *q == '/' || *q == ':' ||
		    *q == '?' || *q == '#' || *q == ',' || *q == ';' || *q == ')' || *q == '!' ||
		    (*q == '.' && !is_alpha((unsigned char)q[1]))))
			return 1;
	}
	return 0;
}

/* The site's own address, for From and the envelope. */
static const char *
site_from(struct req *rq)
{
	const struct config *cfg = rq->site->cfg;
	const char *h = strstr(cfg->base_url, "://"), *end;

	if (cfg->mail_from[0])
		return cfg->mail_from;
	/* no [mail] from configured: noreply@ the site's host */
	h = h ? h + 3 : cfg->base_url;
	end = h + strcspn(h, ":/");
	return arena_printf(rq->arena, "noreply@%.*s", (int)(end - h), h);
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "localhost";
}

/* The headline or another stored field for a header: CR, LF and other
 * controls become spaces. */
static char *
one_line(struct req *rq, const char *s)
{
	char *o = arena_strdup(rq->arena, s ? s : ""), *p;

	for (p = o; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

/* Splits the "to" field on commas, semicolons and spaces into at most
 * SHARE_RCPT_MAX + 1 lower-cased, distinct addresses. */
static size_t
split_rcpts(struct req *rq, const char *to, char **out)
{
	char *s = arena_strdup(rq->arena, to), *tok, *save = NULL, *p;
	size_t n = 0, i;

	if (s == NULL)
		return 0;
	for (tok = strtok_r(s, ",; \t", &save); tok && n <= SHARE_RCPT_MAX;
	    tok = strtok_r(NULL, ",; \t", &save)) {
		for (p = tok; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		for (i = 0; i < n; i++)
			if (strcmp(out[i], tok) == 0)
				break;
		if (i == n)
			out[n++] = tok;
	}
	return n;
}

struct share_form {
	const char *to, *name, *from, *note, *token;
};

/* Adds the form (fields as given, token, limits, errors) to ctx. */
static enum dl_err
form_context(struct req *rq, const struct dl_article *a, json_t *ctx, const struct share_form *f,
    const char *token, json_t *errors)
{
	const struct config *cfg = rq->site->cfg;
	char num[16], nmax[16];
	json_t *form = json_object();

	snprintf(num, sizeof num, "%u", cfg->share_max_recipients);
	snprintf(nmax, sizeof nmax, "%u", cfg->share_note_max);
	if (form == NULL || json_object_set_new(ctx, "form", form) ||
	    view_set(form, "action", arena_printf(rq->arena, "/%s/share/%s", a->lang,
	        view_seg(rq, a->slug))) ||
	    view_set(form, "token", token) ||
	    view_set(form, "to", f ? f->to : NULL) || view_set(form, "name", f ? f->name : NULL) ||
	    view_set(form, "from", f ? f->from : NULL) || view_set(form, "note", f ? f->note : NULL) ||
	    view_set(form, "to_hint", view_fmt(rq, "share_to_hint", num, NULL)) ||
	    view_set(form, "note_hint", view_fmt(rq, "share_note_hint", nmax, NULL)) ||
	    json_object_set_new(form, "note_max", json_integer(cfg->share_note_max)) ||
	    json_object_set_new(form, "name_max", json_integer(SHARE_NAME_MAX)))
		return DL_ERR_NOMEM;
	if (errors && json_array_size(errors) > 0 && (json_object_set(ctx, "errors", errors) ||
	    json_object_set_new(ctx, "has_errors", json_true())))
		return DL_ERR_NOMEM;
	return DL_OK;
}

/* The context shared by every state of the page: the article it is about. */
static json_t *
base_context(struct req *rq, const struct dl_article *a)
{
	const char *title = i18n_get(rq->lang, "send_to_friend");
	json_t *ctx = page_context(rq, title), *art = json_object();
	char *path = view_article_path(rq, a->lang, a->slug);

	if (ctx == NULL || art == NULL || path == NULL) {
		json_decref(art);
		json_decref(ctx);
		return NULL;
	}
	/* json_object_set_new takes art even when it fails */
	if (json_object_set_new(ctx, "article", art) || view_set(art, "headline", a->headline) ||
	    view_set(art, "standfirst", a->standfirst) || view_set(art, "url", path) ||
	    view_set(ctx, "heading", title)) {
		json_decref(ctx);
		return NULL;
	}
	return ctx;
}

static char *
new_token(struct req *rq, const struct dl_article *a)
{
	int64_t exp = (int64_t)time(NULL) + (int64_t)rq->site->cfg->share_token_minutes * 60;

	return sign_make(rq->arena, SHARE_PURPOSE, arena_printf(rq->arena, "%s/%s", a->lang, a->slug),
	    exp);
}

static enum dl_err
show_form(struct req *rq, struct resp *rs, const struct dl_article *a, int status,
    const struct share_form *f, const char *token, json_t *errors)
{
	json_t *ctx = base_context(rq, a);
	enum dl_err rc;

	if (ctx == NULL)
		return DL_ERR_NOMEM;
	if (token == NULL && (token = new_token(rq, a)) == NULL) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	if ((rc = form_context(rq, a, ctx, f, token, errors)) != DL_OK) {
		json_decref(ctx);
		return rc;
	}
	rs->status = status;
	rs->no_store = 1;
	return page_render(rq, rs, "share", ctx);
}

/* The confirmation (sent, or the honeypot pretending) or the 429 page. */
static enum dl_err
show_notice(struct req *rq, struct resp *rs, const struct dl_article *a, int64_t retry)
{
	json_t *ctx = base_context(rq, a);
	char mins[32], *ra;

	if (ctx == NULL)
		return DL_ERR_NOMEM;
	rs->no_store = 1;
	if (retry > 0) {
		snprintf(mins, sizeof mins, "%lld", (long long)((retry + 59) / 60));
		if ((ra = arena_printf(rq->arena, "%lld", (long long)retry)) == NULL ||
		    resp_header(rs, "Retry-After", ra) != DL_OK ||
		    view_set(ctx, "notice_title", i18n_get(rq->lang, "share_limited_title")) ||
		    view_set(ctx, "notice_text", view_fmt(rq, "share_limited_text", mins, NULL)))
			goto nomem;
		rs->status = 429;
	} else if (view_set(ctx, "notice_title", i18n_get(rq->lang, "share_sent_title")) ||
	    view_set(ctx, "notice_text", i18n_get(rq->lang, "share_sent_text")) ||
	    json_object_set_new(ctx, "sent", json_true()))
		goto nomem;
	return page_render(rq, rs, "share", ctx);
nomem:
	json_decref(ctx);
	return DL_ERR_NOMEM;
}

static int
add_error(struct req *rq, json_t *errors, const char *key, const char *a1)
{
	json_t *o = json_object();

	return o == NULL || json_array_append_new(errors, o) ||
	    view_set(o, "text", view_fmt(rq, key, a1, NULL));
}

/* Builds one message for `rcpt` and puts it in the outbox. */
static enum dl_err
enqueue(struct req *rq, const struct dl_article *a, const struct share_form *f, const char *rcpt)
{
	const struct config *cfg = rq->site->cfg;
	const char *from = site_from(rq), *link, *date;
	struct buf text = BUF_INIT(64 * 1024), msg = BUF_INIT(MAIL_MSG_MAX);
	struct mail_msg m = { 0 };
	enum dl_err rc = DL_ERR_NOMEM;

	link = view_abs(rq, view_article_path(rq, a->lang, a->slug));
	date = view_time(rq, a->first_created, I18N_DATE);
	if (from == NULL || link == NULL || date == NULL)
		goto out;
	if (buf_printf(&text, "%s\n\n", view_fmt(rq, "share_mail_intro", f->name,
	    cfg->site_name)) != DL_OK ||
	    buf_printf(&text, "%s\n", one_line(rq, a->headline)) != DL_OK ||
	    (a->standfirst && a->standfirst[0] &&
	        buf_printf(&text, "%s\n", a->standfirst) != DL_OK) ||
	    buf_printf(&text, "%s\n%s\n", date, link) != DL_OK)
		goto out;
	if (f->note[0] && buf_printf(&text, "\n%s\n%s\n", view_fmt(rq, "share_mail_note", f->name,
	    NULL), f->note) != DL_OK)
		goto out;
	if (buf_printf(&text, "\n-- \n%s\n", view_fmt(rq, "share_mail_footer", cfg->site_name,
	    NULL)) != DL_OK)
		goto out;
	m.from_name = cfg->mail_from_name[0] ? cfg->mail_from_name : cfg->site_name;
	m.from = from;
	m.to = rcpt;
	m.reply_to = f->from;
	m.subject = view_fmt(rq, "share_subject", f->name, one_line(rq, a->headline));
	m.text = text.data;
	m.msgid_domain = domain_of(from);
	if (m.subject == NULL)
		goto out;
	if ((rc = mail_build(&m, &msg)) != DL_OK)
		goto out;
	rc = outbox_put(rq->site->store, "share", from, rcpt, msg.data, msg.len, NULL);
out:
	buf_free(&text);
	buf_free(&msg);
	return rc;
}

static enum dl_err
handle_post(struct req *rq, struct resp *rs, const struct dl_article *a)
{
	const struct config *cfg = rq->site->cfg;
	struct share_form f = { 0 };
	const char *payload = NULL, *hp, *ckey;
	char *rcpts[SHARE_RCPT_MAX + 1], *want;
	json_t *errors = NULL;
	int64_t now = (int64_t)time(NULL), issued = 0, wait;
	size_t n = 0, i;
	enum sign_result sr;
	enum dl_err rc;
	int crlf = 0;

	f.to = req_form(rq, "to");
	f.name = req_form(rq, "name");
	f.from = req_form(rq, "from");
	f.note = req_form(rq, "note");
	f.token = req_form(rq, "token");
	hp = req_form(rq, "website");

	/* 1. the token: from our own form, for this article, not too old or young */
	want = arena_printf(rq->arena, "%s/%s", a->lang, a->slug);
	if (want == NULL || (errors = json_array()) == NULL)
		return DL_ERR_NOMEM;
	sr = f.token ? sign_check(rq->arena, SHARE_PURPOSE, f.token, now, &payload, &issued) :
	    SIGN_BAD;
	if (sr != SIGN_OK || payload == NULL || strcmp(payload, want) != 0) {
		log_info("share: refused a form with a %s token", f.token == NULL ? "missing" :
		    sr == SIGN_EXPIRED ? "expired" : "bad");
		rc = add_error(rq, errors, "share_err_token", NULL) ? DL_ERR_NOMEM :
		    show_form(rq, rs, a, 400, &f, NULL, errors);
		goto out;
	}
	if (now - issued < (int64_t)cfg->share_min_seconds) {
		rc = add_error(rq, errors, "share_err_fresh", NULL) ? DL_ERR_NOMEM :
		    show_form(rq, rs, a, 400, &f, f.token, errors);
		goto out;
	}
	/* 2. the honeypot: a robot filled the field people never see */
	if (hp != NULL && hp[0] != '\0') {
		log_info("share: honeypot filled; nothing sent");
		rc = show_notice(rq, rs, a, 0);
		goto out;
	}
	/* 3. the fields */
	if (f.to == NULL)
		f.to = "";
	if (f.name == NULL)
		f.name = "";
	if (f.from == NULL)
		f.from = "";
	if (f.note == NULL)
		f.note = "";
	crlf = has_crlf(f.to) || has_crlf(f.name) || has_crlf(f.from) || has_crlf(f.note);
	if (crlf) {
		if (add_error(rq, errors, "share_err_linebreak", NULL))
			goto nomem;
	} else {
		char num[16];

		snprintf(num, sizeof num, "%u", cfg->share_max_recipients);
		if (strlen(f.to) <= SHARE_TO_MAX)
			n = split_rcpts(rq, f.to, rcpts);
		for (i = 0; i < n && n <= cfg->share_max_recipients; i++)
			if (!mail_address_valid(rcpts[i]))
				break;
		if (n == 0 || n > cfg->share_max_recipients || i < n)
			if (add_error(rq, errors, "share_err_to", num))
				goto nomem;
		if (f.name[0] == '\0' || utf8_chars(f.name) > SHARE_NAME_MAX || has_ctl(f.name) ||
		    has_link(f.name))
			if (add_error(rq, errors, "share_err_name", NULL))
				goto nomem;
		if (!mail_address_valid(f.from) || has_ctl(f.from))
			if (add_error(rq, errors, "share_err_from", NULL))
				goto nomem;
		snprintf(num, sizeof num, "%u", cfg->share_note_max);
		if (utf8_chars(f.note) > cfg->share_note_max) {
			if (add_error(rq, errors, "share_err_note_long", num))
				goto nomem;
		} else if (has_link(f.note) || has_ctl(f.note)) {
			if (add_error(rq, errors, "share_err_note_link", NULL))
				goto nomem;
		}
	}
	if (json_array_size(errors) > 0) {
		rc = show_form(rq, rs, a, 400, &f, f.token, errors);
		goto out;
	}
	/* 4. the rate limits */
	pthread_once(&share_once, share_limits_init);
	if (share_limits == NULL)
		goto nomem;
	ckey = arena_printf(rq->arena, "share:ip:%s", req_client(rq));
	if (ckey == NULL)
		goto nomem;
	wait = ratelimit_take(share_limits, ckey, cfg->share_client_per_hour,
	    cfg->share_client_per_hour, now);
	if (wait == 0)
		wait = ratelimit_take(share_limits, arena_printf(rq->arena, "share:art:%s", want),
		    cfg->share_article_per_hour, cfg->share_article_per_hour, now);
	for (i = 0; wait == 0 && i < n; i++)
		wait = ratelimit_take(share_limits, arena_printf(rq->arena, "share:rcpt:%s", rcpts[i]),
		    cfg->share_recipient_per_hour, cfg->share_recipient_per_hour, now);
	if (wait > 0) {
		log_info("share: rate limited (%s), retry after %lld s", ckey, (long long)wait);
		rc = show_notice(rq, rs, a, wait);
		goto out;
	}
	/* 5. the messages */
	for (i = 0; i < n; i++) {
		rc = enqueue(rq, a, &f, rcpts[i]);
		if (rc == DL_ERR_UNSUPPORTED) {
			/* an address known to bounce: say nothing about it */
			continue;
		}
		if (rc != DL_OK) {
			log_error("share: could not queue a message: %s", dl_strerror(rc));
			goto out;
		}
	}
	rc = show_notice(rq, rs, a, 0);
	goto out;
nomem:
	rc = DL_ERR_NOMEM;
out:
	json_decref(errors);
	return rc;
}

enum dl_err
page_share(struct req *rq, struct resp *rs)
{
	const char *slug = req_param(rq, "slug");
	struct dl_article a;
	enum dl_err rc;

	rs->no_store = 1;
	if (slug == NULL)
		return DL_ERR_NOTFOUND;
	rc = store_article_get(rq->site->store, rq->arena, rq->lang, slug, &a);
	if (rc != DL_OK)
		return rc;
	if (strcmp(rq->method, "POST") == 0)
		return handle_post(rq, rs, &a);
	return show_form(rq, rs, &a, 200, NULL, NULL, NULL);
}
