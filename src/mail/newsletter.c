/* newsletter.c - confirmation messages, digests and the server's digest
 * scheduler. See newsletter.h. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"
#include "base/log.h"
#include "base/sign.h"
#include "mail/newsletter.h"
#include "store/store.h"
#include "tmpl/tmpl.h"

#define RUN_BATCH 200
#define RUN_ARENA (32u << 20)
#define TICK_SECONDS 15
#define LANG_MAX 16

void
newsletter_mail_config(const struct config *cfg, const char *smtp, struct mail_config *mc)
{
	memset(mc, 0, sizeof *mc);
	snprintf(mc->smtp_url, sizeof mc->smtp_url, "%s", smtp ? smtp : cfg->mail_smtp);
	snprintf(mc->user, sizeof mc->user, "%s", cfg->mail_user);
	snprintf(mc->password, sizeof mc->password, "%s", cfg->mail_password);
	mc->max_attempts = cfg->mail_max_attempts;
	mc->lease_seconds = cfg->mail_lease_seconds;
}

/* The host part of base_url. */
static void
site_host(const struct config *cfg, char *buf, size_t n)
{
	const char *p = strstr(cfg->base_url, "://"), *e;

	p = p ? p + 3 : cfg->base_url;
	e = p + strcspn(p, ":/");
	snprintf(buf, n, "%.*s", (int)(e - p), p);
	if (!buf[0] || strchr(buf, '.') == NULL)
		snprintf(buf, n, "localhost.localdomain");
}

const char *
newsletter_from(const struct config *cfg, char *buf, size_t n)
{
	char host[256];

	if (cfg->mail_from[0]) {
		snprintf(buf, n, "%s", cfg->mail_from);
		return buf;
	}
	site_host(cfg, host, sizeof host);
	snprintf(buf, n, "newsletter@%s", host);
	return buf;
}

static const char *
msgid_domain(const char *from)
{
	const char *at = strrchr(from, '@');

	return at ? at + 1 : "localhost";
}

enum dl_err
newsletter_defaults(struct store *st, const struct config *cfg)
{
	struct arena *ar = arena_new(1u << 20);
	struct dl_newsletter *have, nl;
	size_t n, i, k;
	enum dl_err e;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_newsletters(st, ar, NULL, &have, &n)) != DL_OK)
		goto out;
	for (i = 0; i < cfg->n_editions; i++) {
		const char *lang = cfg->editions[i];

		for (k = 0; k < n; k++)
			if (strcmp(have[k].kind, "digest") == 0 && strcmp(have[k].lang, lang) == 0)
				break;
		if (k < n)
			continue;
		memset(&nl, 0, sizeof nl);
		nl.kind = "digest";
		nl.lang = lang;
		nl.name = i18n_get(lang, "nl_digest_name");
		nl.description = i18n_get(lang, "nl_digest_desc");
		nl.term_slug = "";
		e = store_newsletter_add(st, &nl, NULL);
		if (e != DL_OK && e != DL_ERR_EXISTS)
			goto out;
		e = DL_OK;
	}
out:
	arena_free(ar);
	return e;
}

/* i18n string `key` of lang with {1} replaced by a1 (arena). */
static char *
fmt(struct arena *ar, const char *lang, const char *key, const char *a1)
{
	const char *s = i18n_get(lang, key), *p = strstr(s, "{1}");

	if (p == NULL || a1 == NULL)
		return arena_strdup(ar, s);
	return arena_printf(ar, "%.*s%s%s", (int)(p - s), s, a1, p + 3);
}

static char *
token_url(struct arena *ar, const struct config *cfg, const char *lang, const char *page,
    const char *purpose, const char *payload, int64_t expires)
{
	char *t = sign_make(ar, purpose, payload, expires);

	if (t == NULL)
		return NULL;
	return arena_printf(ar, "%s/%s/newsletter/%s?t=%s", cfg->base_url, lang, page, t);
}

/* token_url() for one subscriber: the payload is the id in decimal. */
static char *
subscriber_url(struct arena *ar, const struct config *cfg, const char *lang, const char *page,
    const char *purpose, int64_t id, int64_t expires)
{
	char p[32];

	snprintf(p, sizeof p, "%lld", (long long)id);
	return token_url(ar, cfg, lang, page, purpose, p, expires);
}

char *
newsletter_prefs_url(struct arena *ar, const struct config *cfg, const char *lang, int64_t id,
    int64_t now)
{
	return subscriber_url(ar, cfg, lang, "prefs", "nl-prefs", id, now + NL_PREFS_TTL);
}

char *
newsletter_unsub_url(struct arena *ar, const struct config *cfg, const char *lang, int64_t id,
    int64_t now)
{
	return subscriber_url(ar, cfg, lang, "unsubscribe", "nl-unsub", id, now + NL_UNSUB_TTL);
}

static const char *
ui_lang(const char *lang)
{
	return i18n_has(lang) ? lang : "en";
}

static enum dl_err
queue(struct store *st, const struct config *cfg, const char *kind, const char *to,
    const char *subject, const char *text, const char *html, const char *unsub_header)
{
	char from[256];
	struct mail_msg m;
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	enum dl_err e;

	newsletter_from(cfg, from, sizeof from);
	memset(&m, 0, sizeof m);
	m.from_name = cfg->mail_from_name[0] ? cfg->mail_from_name : cfg->site_name;
	m.from = from;
	m.to = to;
	m.subject = subject;
	m.text = text;
	m.html = html;
	m.list_unsubscribe = unsub_header;
	m.one_click = unsub_header != NULL;
	m.msgid_domain = msgid_domain(from);
	if ((e = mail_build(&m, &b)) == DL_OK)
		e = outbox_put(st, kind, from, to, b.data, b.len, NULL);
	buf_free(&b);
	return e;
}

/* "<https://...>, <mailto:...?subject=unsubscribe>" */
static char *
unsub_header(struct arena *ar, const struct config *cfg, const char *url)
{
	char from[256];

	newsletter_from(cfg, from, sizeof from);
	return arena_printf(ar, "<%s>, <mailto:%s?subject=unsubscribe>", url, from);
}

static enum dl_err
put_esc(struct buf *b, const char *s)
{
	return tmpl_escape_html(b, s, strlen(s));
}

enum dl_err
newsletter_queue_confirm(struct store *st, const struct config *cfg, const char *email,
    const char *lang, int64_t id, int64_t nonce, int active)
{
	struct arena *ar = arena_new(1u << 20);
	int64_t now = (int64_t)time(NULL);
	const char *ul = ui_lang(lang);
	struct buf html = BUF_INIT(1u << 20);
	char *url, *subject, *text, payload[64];
	enum dl_err e = DL_ERR_NOMEM;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	snprintf(payload, sizeof payload, "%lld:%lld", (long long)id, (long long)nonce);
	if (active)
		url = newsletter_prefs_url(ar, cfg, lang, id, now);
	else
		url = token_url(ar, cfg, lang, "confirm", "nl-confirm", payload, now + NL_CONFIRM_TTL);
	subject = fmt(ar, ul, active ? "nl_known_subject" : "nl_confirm_subject", cfg->site_name);
	text = url && subject ? arena_printf(ar, "%s\n\n%s\n\n%s\n",
	    fmt(ar, ul, active ? "nl_known_body" : "nl_confirm_body", cfg->site_name), url,
	    i18n_get(ul, "nl_ignore")) : NULL;
	if (text == NULL)
		goto out;
	if (buf_puts(&html, "<!doctype html><html><body><p>") != DL_OK ||
	    put_esc(&html, fmt(ar, ul, active ? "nl_known_body" : "nl_confirm_body",
	        cfg->site_name)) != DL_OK ||
	    buf_puts(&html, "</p><p><a href=\"") != DL_OK || put_esc(&html, url) != DL_OK ||
	    buf_puts(&html, "\">") != DL_OK ||
	    put_esc(&html, i18n_get(ul, active ? "nl_prefs_link" : "nl_confirm_link")) != DL_OK ||
	    buf_puts(&html, "</a></p><p>") != DL_OK || put_esc(&html, i18n_get(ul, "nl_ignore")) != DL_OK ||
	    buf_puts(&html, "</p></body></html>") != DL_OK)
		goto out;
	e = queue(st, cfg, active ? "prefs-link" : "confirm", email, subject, text, html.data, NULL);
out:
	buf_free(&html);
	arena_free(ar);
	return e;
}

/* ---- schedule ---- */

int64_t
newsletter_slot(const struct config *cfg, const char *frequency, int64_t now)
{
	int64_t day = now / 86400, t;

	if (strcmp(frequency, "daily") == 0) {
		if (cfg->nl_daily_minute < 0)
			return 0;
		t = day * 86400 + cfg->nl_daily_minute * 60;
		return t <= now ? t : t - 86400;
	}
	if (cfg->nl_weekly_day < 0 || cfg->nl_weekly_minute < 0)
		return 0;
	/* 1970-01-01 was a Thursday (4). */
	t = (day - ((day + 4 - cfg->nl_weekly_day) % 7 + 7) % 7) * 86400 + cfg->nl_weekly_minute * 60;
	return t <= now ? t : t - 7 * 86400;
}

/* ---- digests ---- */

struct lang_articles {
	char lang[LANG_MAX];
	struct dl_article_list list;
};

struct run {
	struct store *st;
	const struct config *cfg;
	struct arena *ar;           /* lives for the whole run */
	struct dl_newsletter *nls;
	size_t n_nls;
	struct lang_articles langs[CONFIG_MAX_EDITIONS + 4];
	size_t n_langs;
	int64_t now;
	char from[256];
};

static const struct dl_article_list *
articles_of(struct run *r, const char *lang)
{
	struct dl_filter f;
	size_t i;

	for (i = 0; i < r->n_langs; i++)
		if (strcmp(r->langs[i].lang, lang) == 0)
			return &r->langs[i].list;
	if (r->n_langs == sizeof r->langs / sizeof r->langs[0] || strlen(lang) >= LANG_MAX)
		return NULL;
	memset(&f, 0, sizeof f);
	f.lang = lang;
	f.from = r->now - NL_LOOKBACK;
	snprintf(r->langs[r->n_langs].lang, LANG_MAX, "%s", lang);
	if (store_articles_list(r->st, r->ar, &f, 0, 500, &r->langs[r->n_langs].list) != DL_OK)
		return NULL;
	return &r->langs[r->n_langs++].list;
}

static int
has_term(const struct dl_term *t, size_t n, const char *slug)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].slug, slug) == 0)
			return 1;
	return 0;
}

static int
matches(struct run *r, const struct dl_subscriber *s, const struct dl_article *a)
{
	int all = 0, narrowed = s->n_places + s->n_tags > 0;
	size_t i, k;

	for (i = 0; i < s->n_newsletters; i++)
		for (k = 0; k < r->n_nls; k++) {
			const struct dl_newsletter *nl = &r->nls[k];

			if (nl->id != s->newsletters[i] || strcmp(nl->lang, s->lang) != 0)
				continue;
			if (strcmp(nl->kind, "digest") == 0)
				all = 1;
			else if (nl->term_kind == DL_PLACE && has_term(a->places, a->n_places, nl->term_slug))
				return 1;
			else if (nl->term_kind == DL_TAG && has_term(a->tags, a->n_tags, nl->term_slug))
				return 1;
		}
	if (!all)
		return 0;
	if (!narrowed)
		return 1;
	for (i = 0; i < s->n_places; i++)
		if (has_term(a->places, a->n_places, s->places[i]))
			return 1;
	for (i = 0; i < s->n_tags; i++)
		if (has_term(a->tags, a->n_tags, s->tags[i]))
			return 1;
	return 0;
}

/* Builds one subscriber's digest into the outbox; *sent 0 when nothing
 * matched. */
static enum dl_err
digest_one(struct run *r, struct arena *ar, const struct dl_subscriber *s, int *sent)
{
	const struct dl_article_list *l = articles_of(r, s->lang);
	const char *ul = ui_lang(s->lang);
	struct buf text = BUF_INIT(MAIL_MSG_MAX / 4), html = BUF_INIT(MAIL_MSG_MAX / 2);
	char *prefs, *unsub, *subject;
	size_t i, count = 0;
	enum dl_err e = DL_ERR_NOMEM;

	*sent = 0;
	if (l == NULL)
		return DL_ERR_DB;
	for (i = 0; i < l->n && count < NL_DIGEST_MAX; i++) {
		const struct dl_article *a = &l->items[i];
		char *url;

		if (a->first_created <= s->last_digest || a->first_created > r->now || !matches(r, s, a))
			continue;
		if (count == 0 &&
		    ((e = buf_printf(&text, "%s\n\n", i18n_get(ul, "nl_digest_intro"))) != DL_OK ||
		    (e = buf_printf(&html, "<!doctype html><html><body><p>")) != DL_OK ||
		    (e = put_esc(&html, i18n_get(ul, "nl_digest_intro"))) != DL_OK ||
		    (e = buf_puts(&html, "</p><ul>")) != DL_OK))
			goto out;
		url = arena_printf(ar, "%s/%s/news/%s", r->cfg->base_url, a->lang, a->slug);
		if (url == NULL)
			goto out;
		if ((e = buf_printf(&text, "* %s\n  %s\n\n", a->headline, url)) != DL_OK ||
		    (e = buf_puts(&html, "<li><a href=\"")) != DL_OK || (e = put_esc(&html, url)) != DL_OK ||
		    (e = buf_puts(&html, "\">")) != DL_OK || (e = put_esc(&html, a->headline)) != DL_OK ||
		    (e = buf_puts(&html, "</a>")) != DL_OK)
			goto out;
		if (a->standfirst && a->standfirst[0] &&
		    ((e = buf_puts(&html, "<br>")) != DL_OK || (e = put_esc(&html, a->standfirst)) != DL_OK))
			goto out;
		if ((e = buf_puts(&html, "</li>")) != DL_OK)
			goto out;
		count++;
	}
	if (count == 0) {
		e = DL_OK;
		goto out;
	}
	e = DL_ERR_NOMEM;
	prefs = newsletter_prefs_url(ar, r->cfg, s->lang, s->id, r->now);
	unsub = newsletter_unsub_url(ar, r->cfg, s->lang, s->id, r->now);
	subject = fmt(ar, ul, "nl_digest_subject", r->cfg->site_name);
	if (prefs == NULL || unsub == NULL || subject == NULL)
		goto out;
	if ((e = buf_printf(&text, "-- \n%s: %s\n%s: %s\n", i18n_get(ul, "nl_prefs_link"), prefs,
	    i18n_get(ul, "nl_unsub_link"), unsub)) != DL_OK ||
	    (e = buf_puts(&html, "</ul><hr><p><a href=\"")) != DL_OK || (e = put_esc(&html, prefs)) != DL_OK ||
	    (e = buf_puts(&html, "\">")) != DL_OK ||
	    (e = put_esc(&html, i18n_get(ul, "nl_prefs_link"))) != DL_OK ||
	    (e = buf_puts(&html, "</a> &middot; <a href=\"")) != DL_OK || (e = put_esc(&html, unsub)) != DL_OK ||
	    (e = buf_puts(&html, "\">")) != DL_OK ||
	    (e = put_esc(&html, i18n_get(ul, "nl_unsub_link"))) != DL_OK ||
	    (e = buf_puts(&html, "</a></p></body></html>")) != DL_OK)
		goto out;
	e = queue(r->st, r->cfg, "digest", s->email, subject, text.data, html.data,
	    unsub_header(ar, r->cfg, unsub));
	if (e == DL_ERR_UNSUPPORTED || e == DL_ERR_INVALID) {
		log_info("newsletter: no digest for subscriber %lld: %s", (long long)s->id, dl_strerror(e));
		e = DL_OK;
	} else if (e == DL_OK)
		*sent = 1;
out:
	buf_free(&text);
	buf_free(&html);
	return e;
}

enum dl_err
newsletter_run(struct store *st, const struct config *cfg, const char *frequency, int64_t slot,
    int64_t now, struct newsletter_stats *stats)
{
	struct run r;
	struct dl_subscriber *subs;
	int64_t after = 0;
	size_t n, i;
	enum dl_err e;
	int sent;

	memset(stats, 0, sizeof *stats);
	memset(&r, 0, sizeof r);
	r.st = st;
	r.cfg = cfg;
	r.now = now;
	if ((r.ar = arena_new(256u << 20)) == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_newsletters(st, r.ar, NULL, &r.nls, &r.n_nls)) != DL_OK)
		goto out;
	for (;;) {
		struct arena *ar = arena_new(RUN_ARENA);

		if (ar == NULL) {
			e = DL_ERR_NOMEM;
			break;
		}
		e = store_subscribers_due(st, ar, frequency, slot, after, RUN_BATCH, &subs, &n);
		if (e != DL_OK || n == 0) {
			arena_free(ar);
			break;
		}
		if ((e = store_begin(st)) != DL_OK) {
			arena_free(ar);
			break;
		}
		for (i = 0; i < n && e == DL_OK; i++) {
			e = digest_one(&r, ar, &subs[i], &sent);
			if (e == DL_OK)
				e = store_subscriber_digest_done(st, subs[i].id, slot, sent ? now : 0);
			stats->subscribers++;
			stats->queued += sent;
			stats->empty += !sent;
		}
		if (e == DL_OK)
			e = store_commit(st);
		else
			store_rollback(st);
		after = subs[n - 1].id;
		arena_free(ar);
		if (e != DL_OK)
			break;
	}
out:
	arena_free(r.ar);
	return e;
}

/* ---- the server's service ---- */

struct newsletter_service {
	struct site *site;
	struct outbox_worker *worker;
	pthread_t th;
	int has_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

static void *
scheduler(void *arg)
{
	static const char *const freqs[] = { "daily", "weekly" };
	struct newsletter_service *svc = arg;
	const struct config *cfg = svc->site->cfg;
	struct newsletter_stats ns;
	struct timespec ts;
	int stop = 0, i;

	while (!stop) {
		int64_t now = (int64_t)time(NULL);

		/* Of the nodes sharing the database, the one holding the lock
		 * runs the digests; the others skip this tick. */
		if (store_lock_try(svc->site->store, DL_LOCK_DIGESTS)) {
			for (i = 0; i < 2; i++) {
				int64_t slot = newsletter_slot(cfg, freqs[i], now);
				enum dl_err e;

				if (slot == 0)
					continue;
				e = newsletter_run(svc->site->store, cfg, freqs[i], slot, now, &ns);
				if (e != DL_OK)
					log_error("newsletter: %s run: %s", freqs[i], dl_strerror(e));
				else if (ns.queued)
					log_info("newsletter: %s run: %zu digests queued", freqs[i],
					    ns.queued);
			}
			store_unlock(svc->site->store, DL_LOCK_DIGESTS);
		}
		pthread_mutex_lock(&svc->mu);
		if (!svc->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += TICK_SECONDS;
			pthread_cond_timedwait(&svc->cv, &svc->mu, &ts);
		}
		stop = svc->stop;
		pthread_mutex_unlock(&svc->mu);
	}
	return NULL;
}

enum dl_err
newsletter_service_start(struct site *site, const char *smtp, struct newsletter_service **out,
    char *msg, size_t msglen)
{
	struct newsletter_service *svc;
	struct mail_config mc;
	enum dl_err e;

	*out = NULL;
	if (smtp && strncmp(smtp, "smtp://", 7) != 0 && strncmp(smtp, "smtps://", 8) != 0) {
		snprintf(msg, msglen, "--smtp must be smtp://HOST:PORT or smtps://HOST:PORT");
		return DL_ERR_INVALID;
	}
	if (sodium_init() < 0) {
		snprintf(msg, msglen, "libsodium cannot start");
		return DL_ERR_NOMEM;
	}
	if ((e = newsletter_defaults(site->store, site->cfg)) != DL_OK) {
		snprintf(msg, msglen, "newsletters: %s", dl_strerror(e));
		return e;
	}
	if ((svc = calloc(1, sizeof *svc)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return DL_ERR_NOMEM;
	}
	svc->site = site;
	pthread_mutex_init(&svc->mu, NULL);
	pthread_cond_init(&svc->cv, NULL);
	newsletter_mail_config(site->cfg, smtp, &mc);
	if (mc.smtp_url[0]) {
		if ((e = outbox_start(site->store, &mc, &svc->worker)) != DL_OK) {
			snprintf(msg, msglen, "cannot start the mail worker: %s", dl_strerror(e));
			newsletter_service_stop(svc);
			return e;
		}
		log_info("mail: delivering through %s", mc.smtp_url);
	}
	if (site->cfg->nl_daily_minute >= 0 || site->cfg->nl_weekly_day >= 0) {
		if (pthread_create(&svc->th, NULL, scheduler, svc) != 0) {
			snprintf(msg, msglen, "cannot start the newsletter scheduler");
			newsletter_service_stop(svc);
			return DL_ERR_NOMEM;
		}
		svc->has_thread = 1;
	}
	*out = svc;
	return DL_OK;
}

void
newsletter_service_stop(struct newsletter_service *svc)
{
	if (svc == NULL)
		return;
	pthread_mutex_lock(&svc->mu);
	svc->stop = 1;
	pthread_cond_signal(&svc->cv);
	pthread_mutex_unlock(&svc->mu);
	if (svc->has_thread)
		pthread_join(svc->th, NULL);
	outbox_stop(svc->worker);
	pthread_mutex_destroy(&svc->mu);
	pthread_cond_destroy(&svc->cv);
	free(svc);
}
