/* config.c - defaults, then an INI file read with inih.
 *
 * Every key is checked: an unknown key, a value longer than its field or a
 * malformed number is an error naming the file and line. inih reads lines of
 * at most 199 bytes; a longer line is an error too, never split silently. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"

#define CONFIG_MAX_THREADS  256
#define CONFIG_MAX_CACHE_MB (64 * 1024)

void
config_defaults(struct config *cfg)
{
	static const char *const editions[] = { "en", "it", "es", "zh" };
	size_t i;

	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->site_name, sizeof cfg->site_name, "dateline");
	snprintf(cfg->agency, sizeof cfg->agency, "dateline");
	snprintf(cfg->base_url, sizeof cfg->base_url, "http://127.0.0.1:8080");
	snprintf(cfg->timezone, sizeof cfg->timezone, "UTC");
	snprintf(cfg->default_lang, sizeof cfg->default_lang, "en");
	for (i = 0; i < sizeof editions / sizeof editions[0]; i++)
		snprintf(cfg->editions[i], sizeof cfg->editions[i], "%s", editions[i]);
	cfg->n_editions = i;
	snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:8080");
	cfg->threads = 2;
	cfg->cache_bytes = (size_t)64 << 20;
	cfg->feeds_full_text = 1;
	cfg->share_max_recipients = 3;
	cfg->share_note_max = 500;
	cfg->share_min_seconds = 3;
	cfg->share_token_minutes = 60;
	cfg->share_client_per_hour = 5;
	cfg->share_recipient_per_hour = 3;
	cfg->share_article_per_hour = 60;
	cfg->mail_max_attempts = 8;
	cfg->mail_lease_seconds = 120;
	cfg->nl_daily_minute = 7 * 60;
	cfg->nl_weekly_day = 1;
	cfg->nl_weekly_minute = 7 * 60;
	cfg->session_idle_minutes = 120;
	cfg->schedule_tick_seconds = 5;
}

int
config_has_edition(const struct config *cfg, const char *lang)
{
	size_t i;

	for (i = 0; lang && i < cfg->n_editions; i++)
		if (strcmp(cfg->editions[i], lang) == 0)
			return 1;
	return 0;
}

struct loader {
	FILE *fp;
	int lineno;
	int overflow_line;
	int linemax;        /* the longest line inih takes */
	struct config *cfg;
	int set_name, set_agency;
	char reason[200];
};

/* An ini_reader over the file that notices lines longer than inih's buffer
 * and swallows their rest, so they are reported instead of split. */
static char *
read_line(char *str, int num, void *stream)
{
	struct loader *l = stream;
	size_t n;
	int c;

	if (fgets(str, num, l->fp) == NULL)
		return NULL;
	l->lineno++;
	l->linemax = num - 1;
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && (c = fgetc(l->fp)) != EOF && c != '\n') {
		if (!l->overflow_line)
			l->overflow_line = l->lineno;
		while ((c = fgetc(l->fp)) != EOF && c != '\n')
			;
	}
	return str;
}

DL_PRINTF(2, 3) static int
fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->reason[0]) {
		va_start(ap, fmt);
		vsnprintf(l->reason, sizeof l->reason, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int
set_str(struct loader *l, char *dst, size_t size, const char *name, const char *value)
{
	size_t n = strlen(value);

	if (n >= size)
		return fail(l, "value of '%s' is too long (%zu bytes, at most %zu)", name, n, size - 1);
	memcpy(dst, value, n + 1);
	return 1;
}

static int
parse_uint(struct loader *l, const char *name, const char *value, unsigned long min,
    unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!isdigit((unsigned char)value[0]))
		return fail(l, "'%s' must be a number from %lu to %lu", name, min, max);
	v = strtoul(value, &end, 10);
	if (errno || *end || v < min || v > max)
		return fail(l, "'%s' must be a number from %lu to %lu", name, min, max);
	*out = v;
	return 1;
}

static int
is_lang_code(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || n > 8)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

static int
set_editions(struct loader *l, const char *value)
{
	char list[CONFIG_MAX_EDITIONS][16];
	const char *p = value;
	size_t n = 0, i;

	for (;;) {
		const char *e = strchr(p, ','), *a = p, *b = e ? e : p + strlen(p);

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (!is_lang_code(a, (size_t)(b - a)))
			return fail(l, "editions: '%.*s' is not a 2-8 letter language code",
			    (int)(b - a > 32 ? 32 : b - a), a);
		if (n == CONFIG_MAX_EDITIONS)
			return fail(l, "editions: more than %d", CONFIG_MAX_EDITIONS);
		memcpy(list[n], a, (size_t)(b - a));
		list[n][b - a] = '\0';
		for (i = 0; i < n; i++)
			if (strcmp(list[i], list[n]) == 0)
				return fail(l, "editions: '%s' twice", list[n]);
		n++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	memcpy(l->cfg->editions, list, sizeof list);
	l->cfg->n_editions = n;
	return 1;
}

/* "HH:MM" -> minutes after midnight; "" -> -1. */
static int
parse_hhmm(struct loader *l, const char *name, const char *v, int *out)
{
	unsigned h, m;
	char rest;

	if (!v[0]) {
		*out = -1;
		return 1;
	}
	if (sscanf(v, "%2u:%2u%c", &h, &m, &rest) != 2 || h > 23 || m > 59)
		return fail(l, "'%s' must be HH:MM (UTC) or empty", name);
	*out = (int)(h * 60 + m);
	return 1;
}

/* [mail] and [newsletter] (src/mail/). */
static int
mail_entry(struct loader *l, const char *section, const char *name, const char *value)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	struct config *c = l->cfg;
	unsigned long v;
	int d;

	if (strcmp(section, "newsletter") == 0) {
		if (strcmp(name, "daily") == 0)
			return parse_hhmm(l, name, value, &c->nl_daily_minute);
		if (strcmp(name, "weekly") == 0) {
			if (!value[0]) {
				c->nl_weekly_day = -1;
				return 1;
			}
			for (d = 0; d < 7; d++)
				if (strncmp(value, days[d], 3) == 0 && value[3] == ' ') {
					c->nl_weekly_day = d;
					return parse_hhmm(l, name, value + 4, &c->nl_weekly_minute);
				}
			return fail(l, "'weekly' must be DAY HH:MM (mon 07:00, UTC) or empty");
		}
		return fail(l, "unknown key '%.64s' in [newsletter]", name);
	}
	if (strcmp(name, "smtp") == 0) {
		if (value[0] && strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0)
			return fail(l, "smtp must start with smtp:// or smtps://");
		return set_str(l, c->mail_smtp, sizeof c->mail_smtp, name, value);
	}
	if (strcmp(name, "user") == 0)
		return set_str(l, c->mail_user, sizeof c->mail_user, name, value);
	if (strcmp(name, "password") == 0)
		return set_str(l, c->mail_password, sizeof c->mail_password, name, value);
	if (strcmp(name, "from") == 0) {
		if (strpbrk(value, "\r\n <>\"") != NULL || strchr(value, '@') == NULL)
			return fail(l, "from must be a plain address (news@example.org)");
		return set_str(l, c->mail_from, sizeof c->mail_from, name, value);
	}
	if (strcmp(name, "from_name") == 0)
		return set_str(l, c->mail_from_name, sizeof c->mail_from_name, name, value);
	if (strcmp(name, "max_attempts") == 0) {
		if (!parse_uint(l, name, value, 1, 100, &v))
			return 0;
		c->mail_max_attempts = (unsigned)v;
		return 1;
	}
	if (strcmp(name, "lease_seconds") == 0) {
		if (!parse_uint(l, name, value, 1, 86400, &v))
			return 0;
		c->mail_lease_seconds = (unsigned)v;
		return 1;
	}
	return fail(l, "unknown key '%.64s' in [mail]", name);
}

static int
on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct loader *l = user;
	struct config *c = l->cfg;
	unsigned long v;

	if (strcmp(section, "site") == 0) {
		if (strcmp(name, "name") == 0) {
			l->set_name = 1;
			return set_str(l, c->site_name, sizeof c->site_name, name, value);
		}
		if (strcmp(name, "agency") == 0) {
			l->set_agency = 1;
			return set_str(l, c->agency, sizeof c->agency, name, value);
		}
		if (strcmp(name, "base_url") == 0) {
			if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
				return fail(l, "base_url must start with http:// or https://");
			if (!set_str(l, c->base_url, sizeof c->base_url, name, value))
				return 0;
			/* No trailing slash: pages append "/path". */
			for (v = strlen(c->base_url); v > 8 && c->base_url[v - 1] == '/'; v--)
				c->base_url[v - 1] = '\0';
			return 1;
		}
		if (strcmp(name, "timezone") == 0) {
			if (!value[0])
				return fail(l, "timezone is empty");
			return set_str(l, c->timezone, sizeof c->timezone, name, value);
		}
		if (strcmp(name, "default_lang") == 0) {
			if (!is_lang_code(value, strlen(value)))
				return fail(l, "default_lang: '%.32s' is not a 2-8 letter language code", value);
			return set_str(l, c->default_lang, sizeof c->default_lang, name, value);
		}
		if (strcmp(name, "editions") == 0)
			return set_editions(l, value);
		if (strcmp(name, "theme_dir") == 0)
			return set_str(l, c->theme_dir, sizeof c->theme_dir, name, value);
	} else if (strcmp(section, "server") == 0) {
		if (strcmp(name, "listen") == 0) {
			if (!value[0])
				return fail(l, "listen is empty");
			return set_str(l, c->listen, sizeof c->listen, name, value);
		}
		if (strcmp(name, "threads") == 0) {
			if (!parse_uint(l, name, value, 1, CONFIG_MAX_THREADS, &v))
				return 0;
			c->threads = (unsigned)v;
			return 1;
		}
		if (strcmp(name, "cache_mb") == 0) {
			if (!parse_uint(l, name, value, 0, CONFIG_MAX_CACHE_MB, &v))
				return 0;
			c->cache_bytes = (size_t)v << 20;
			return 1;
		}
	} else if (strcmp(section, "feeds") == 0) {
		if (strcmp(name, "full_text") == 0) {
			if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
				c->feeds_full_text = value[0] == 't';
				return 1;
			}
			return fail(l, "full_text must be true or false");
		}
	}
	if (strcmp(section, "newsroom") == 0) {
		if (strcmp(name, "session_idle_minutes") == 0) {
			if (!parse_uint(l, name, value, 1, 60 * 24 * 30, &v))
				return 0;
			c->session_idle_minutes = (unsigned)v;
			return 1;
		}
		if (strcmp(name, "schedule_tick_seconds") == 0) {
			if (!parse_uint(l, name, value, 1, 3600, &v))
				return 0;
			c->schedule_tick_seconds = (unsigned)v;
			return 1;
		}
	}
	if (strcmp(section, "share") == 0) {
		static const struct { const char *key; size_t off; unsigned long min, max; } sk[] = {
			{ "max_recipients", offsetof(struct config, share_max_recipients), 1, 10 },
			{ "note_max", offsetof(struct config, share_note_max), 0, 2000 },
			{ "min_seconds", offsetof(struct config, share_min_seconds), 0, 3600 },
			{ "token_minutes", offsetof(struct config, share_token_minutes), 1, 60 * 24 },
			{ "client_per_hour", offsetof(struct config, share_client_per_hour), 1, 100000 },
			{ "recipient_per_hour", offsetof(struct config, share_recipient_per_hour), 1, 100000 },
			{ "article_per_hour", offsetof(struct config, share_article_per_hour), 1, 1000000 },
		};
		size_t k;

		for (k = 0; k < sizeof sk / sizeof sk[0]; k++) {
			if (strcmp(name, sk[k].key) != 0)
				continue;
			if (!parse_uint(l, name, value, sk[k].min, sk[k].max, &v))
				return 0;
			*(unsigned *)((char *)c + sk[k].off) = (unsigned)v;
			return 1;
		}
	}
	if (strcmp(section, "mail") == 0 || strcmp(section, "newsletter") == 0)
		return mail_entry(l, section, name, value);
	if (!section[0])
		return fail(l, "key '%.64s' outside any section ([site] or [server])", name);
	return fail(l, "unknown key '%.64s' in [%.64s]", name, section);
}

enum dl_err
config_load(struct config *cfg, const char *path, char *msg, size_t msglen)
{
	struct config work = *cfg;
	struct loader l;
	enum dl_err e = DL_OK;
	int r;

	memset(&l, 0, sizeof l);
	l.cfg = &work;
	if (msg && msglen)
		msg[0] = '\0';
	if ((l.fp = fopen(path, "r")) == NULL) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return DL_ERR_IO;
	}
	r = ini_parse_stream(read_line, &l, on_entry, &l);
	if (ferror(l.fp)) {
		snprintf(msg, msglen, "%s: read error", path);
		e = DL_ERR_IO;
		goto out;
	}
	if (l.overflow_line && (r == 0 || l.overflow_line <= r)) {
		snprintf(msg, msglen, "%s:%d: line longer than %d bytes", path, l.overflow_line,
		    l.linemax);
		e = DL_ERR_INVALID;
		goto out;
	}
	if (r != 0) {
		snprintf(msg, msglen, "%s:%d: %s", path, r, l.reason[0] ? l.reason : "syntax error");
		e = DL_ERR_INVALID;
		goto out;
	}
	/* The agency follows the site name unless it was set on its own. */
	if (l.set_name && !l.set_agency && strcmp(cfg->agency, cfg->site_name) == 0)
		memcpy(work.agency, work.site_name, sizeof work.agency);
	if (!config_has_edition(&work, work.default_lang)) {
		snprintf(msg, msglen, "%s: default_lang '%s' is not one of the editions", path,
		    work.default_lang);
		e = DL_ERR_INVALID;
		goto out;
	}
	*cfg = work;
out:
	fclose(l.fp);
	return e;
}
