/* i18n.c - interface strings from the embedded locales/LANG.ini files and
 * dates through ICU.
 *
 * State: `langs` is an init-once table, filled by i18n_init() before any
 * thread starts and only read afterwards. ICU date formatters are not
 * thread-safe and cost about 20 µs to open, so each thread keeps a small
 * cache of open formatters (a pthread key; its destructor closes them when
 * the thread exits, i18n_free() closes the calling thread's).
 *
 * An unknown or empty time zone falls back to UTC; an unknown language to
 * English. Locale files: `key = value` lines, at the top or under
 * [strings]. inih reads lines of at most 199 bytes: a longer line is an
 * error; continue a long value on indented lines (joined with a space). */
#include <ini.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/ustring.h>
#include "base/embed.h"
#include "base/i18n.h"

#define I18N_MAX_LANGS 16
#define I18N_NSTYLES   3
#define I18N_PATLEN    96
#define I18N_TZLEN     64
#define I18N_CACHE     8

struct lang {
	char code[16];
	char icu[16];
	int has_file;       /* locales/CODE.ini exists; else strings are English */
	json_t *strings;
	UChar pattern[I18N_NSTYLES][I18N_PATLEN];
	int32_t patlen[I18N_NSTYLES];
};

/* Init-once tables (see the top of the file). */
static struct lang langs[I18N_MAX_LANGS];
static size_t nlangs;
static pthread_key_t cache_key;
static int cache_key_made;

/* Interface languages whose dates are formatted even before their strings
 * are written. */
static const char *const builtin_langs[] = { "en", "it", "es", "zh" };

static const char *const skeletons[I18N_NSTYLES] = {
	[I18N_DATE] = "yMMMMd",
	[I18N_DATETIME] = "yMMMMdjmm",
	[I18N_MONTH_YEAR] = "yMMMM",
};

/* Which ICU locale formats dates for an interface language: English
 * readers of an international agency get "29 December 2025 at 10:26"
 * (day first, 24-hour clock) rather than the US form. */
static void
set_code(struct lang *l, const char *code)
{
	snprintf(l->code, sizeof l->code, "%s", code);
	if (strcmp(l->code, "en") == 0)
		memcpy(l->icu, "en_GB", 6);
	else
		memcpy(l->icu, l->code, sizeof l->code);
}

/* ---- locale files ---- */

struct reader {
	const char *p;
	size_t left;
	int lineno;
	int overflow_line;  /* first line longer than inih's buffer */
	int cont;           /* the line just read starts with a blank */
};

/* An ini_reader over a string that notices lines inih would split. */
static char *
read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n = 0, max = num > 1 ? (size_t)num - 1 : 0;

	if (r->left == 0)
		return NULL;
	r->lineno++;
	r->cont = r->p[0] == ' ' || r->p[0] == '\t';
	while (n < r->left && r->p[n] != '\n')
		n++;
	if (n > max && !r->overflow_line)
		r->overflow_line = r->lineno;
	memcpy(str, r->p, n > max ? max : n);
	str[n > max ? max : n] = '\0';
	if (n < r->left)
		n++;    /* the newline, which inih does not need */
	r->p += n;
	r->left -= n;
	return str;
}

struct loadctx {
	struct reader rd;
	json_t *obj;
	char prev[128];     /* the key of the previous entry, for continuations */
	char reason[160];
};

static int
on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct loadctx *c = user;
	json_t *old, *v;

	if (section[0] && strcasecmp(section, "strings") != 0) {
		if (!c->reason[0])
			snprintf(c->reason, sizeof c->reason, "unknown section [%.60s]", section);
		return 0;
	}
	old = json_object_get(c->obj, name);
	if (old && c->rd.cont && strcmp(c->prev, name) == 0) {
		size_t a = json_string_length(old), b = strlen(value);
		char *joined = malloc(a + b + 2);

		if (joined == NULL)
			return 0;
		memcpy(joined, json_string_value(old), a);
		joined[a] = ' ';
		memcpy(joined + a + 1, value, b + 1);
		v = json_stringn(joined, a + 1 + b);
		free(joined);
	} else if (old) {
		if (!c->reason[0])
			snprintf(c->reason, sizeof c->reason, "duplicate key '%.60s'", name);
		return 0;
	} else {
		v = json_string(value);
	}
	if (v == NULL) {
		if (!c->reason[0])
			snprintf(c->reason, sizeof c->reason, "value of '%.60s' is not UTF-8", name);
		return 0;
	}
	snprintf(c->prev, sizeof c->prev, "%s", name);
	return json_object_set_new(c->obj, name, v) == 0;
}

static enum dl_err
load_file(const struct embedded_file *f, struct lang *l, char *msg, size_t msglen)
{
	struct loadctx c;
	int r;

	memset(&c, 0, sizeof c);
	c.rd.p = (const char *)f->data;
	c.rd.left = f->len;
	if ((c.obj = json_object()) == NULL)
		return DL_ERR_NOMEM;
	r = ini_parse_stream(read_line, &c.rd, on_entry, &c);
	if (c.rd.overflow_line && (r == 0 || c.rd.overflow_line <= r)) {
		snprintf(msg, msglen, "%s:%d: line too long (continue the value on an indented line)",
		    f->name, c.rd.overflow_line);
		json_decref(c.obj);
		return DL_ERR_INVALID;
	}
	if (r != 0) {
		snprintf(msg, msglen, "%s:%d: %s", f->name, r, c.reason[0] ? c.reason : "syntax error");
		json_decref(c.obj);
		return DL_ERR_INVALID;
	}
	l->strings = c.obj;
	return DL_OK;
}

static enum dl_err
make_patterns(struct lang *l, char *msg, size_t msglen)
{
	UErrorCode st = U_ZERO_ERROR;
	UDateTimePatternGenerator *g = udatpg_open(l->icu, &st);
	UChar skel[32];
	int i;

	if (U_FAILURE(st)) {
		snprintf(msg, msglen, "ICU: no date patterns for %s: %s", l->icu, u_errorName(st));
		return DL_ERR_UNSUPPORTED;
	}
	for (i = 0; i < I18N_NSTYLES; i++) {
		u_uastrcpy(skel, skeletons[i]);
		l->patlen[i] = udatpg_getBestPattern(g, skel, -1, l->pattern[i], I18N_PATLEN, &st);
		if (U_FAILURE(st) || l->patlen[i] >= I18N_PATLEN) {
			snprintf(msg, msglen, "ICU: pattern %s for %s: %s", skeletons[i], l->icu, u_errorName(st));
			udatpg_close(g);
			return DL_ERR_UNSUPPORTED;
		}
	}
	udatpg_close(g);
	return DL_OK;
}

struct fmt_slot {
	size_t lang;
	int style;
	char tz[I18N_TZLEN];
	UDateFormat *f;
};

struct fmt_cache {
	struct fmt_slot s[I18N_CACHE];
	unsigned next;
};

static void
cache_destroy(void *p)
{
	struct fmt_cache *c = p;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < I18N_CACHE; i++)
		if (c->s[i].f)
			udat_close(c->s[i].f);
	free(c);
}

static struct lang *
find_lang(const char *code)
{
	size_t i;

	for (i = 0; code && i < nlangs; i++)
		if (strcmp(langs[i].code, code) == 0)
			return &langs[i];
	return NULL;
}

enum dl_err
i18n_init(char *msg, size_t msglen)
{
	struct lang *en;
	const char *key;
	json_t *val;
	enum dl_err e = DL_OK;
	char code[sizeof langs[0].code];
	size_t i, n;

	msg[0] = '\0';
	i18n_free();
	for (i = 0; i < sizeof builtin_langs / sizeof builtin_langs[0]; i++) {
		struct lang *l = &langs[nlangs++];

		set_code(l, builtin_langs[i]);
		if ((e = make_patterns(l, msg, msglen)) != DL_OK)
			goto out;
	}
	for (i = 0; i < embedded_count; i++) {
		const char *name = embedded_files[i].name;
		struct lang *l;

		if (strncmp(name, "locales/", 8) != 0 || (n = strlen(name + 8)) <= 4 ||
		    strcmp(name + 8 + n - 4, ".ini") != 0)
			continue;
		if (n - 4 >= sizeof langs[0].code) {
			snprintf(msg, msglen, "%s: language code too long", name);
			e = DL_ERR_INVALID;
			goto out;
		}
		memcpy(code, name + 8, n - 4);
		code[n - 4] = '\0';
		if ((l = find_lang(code)) == NULL) {
			if (nlangs == I18N_MAX_LANGS) {
				snprintf(msg, msglen, "%s: more than %d languages", name, I18N_MAX_LANGS);
				e = DL_ERR_TOOBIG;
				goto out;
			}
			l = &langs[nlangs++];
			set_code(l, code);
			if ((e = make_patterns(l, msg, msglen)) != DL_OK)
				goto out;
		}
		if ((e = load_file(&embedded_files[i], l, msg, msglen)) != DL_OK)
			goto out;
		l->has_file = 1;
	}
	if ((en = find_lang("en")) == NULL || !en->has_file) {
		snprintf(msg, msglen, "locales/en.ini is not embedded");
		e = DL_ERR_NOTFOUND;
		goto out;
	}
	for (i = 0; i < nlangs; i++) {
		if (&langs[i] == en)
			continue;
		if (!langs[i].has_file) {
			langs[i].strings = json_incref(en->strings);
			continue;
		}
		json_object_foreach(en->strings, key, val)
			if (json_object_get(langs[i].strings, key) == NULL &&
			    json_object_set(langs[i].strings, key, val) != 0) {
				e = DL_ERR_NOMEM;
				goto out;
			}
	}
	if (pthread_key_create(&cache_key, cache_destroy) != 0) {
		snprintf(msg, msglen, "pthread_key_create failed");
		e = DL_ERR_NOMEM;
		goto out;
	}
	cache_key_made = 1;
out:
	if (e != DL_OK)
		i18n_free();
	return e;
}

void
i18n_free(void)
{
	size_t i;

	if (cache_key_made) {
		cache_destroy(pthread_getspecific(cache_key));
		pthread_setspecific(cache_key, NULL);
		pthread_key_delete(cache_key);
		cache_key_made = 0;
	}
	for (i = 0; i < nlangs; i++)
		json_decref(langs[i].strings);
	memset(langs, 0, sizeof langs);
	nlangs = 0;
}

int
i18n_has(const char *lang)
{
	const struct lang *l = find_lang(lang);

	return l && l->has_file;
}

static struct lang *
lang_or_en(const char *code)
{
	struct lang *l = find_lang(code);

	return l && l->strings ? l : find_lang("en");
}

const json_t *
i18n_strings(const char *lang)
{
	struct lang *l = lang_or_en(lang);

	return l ? l->strings : NULL;
}

const char *
i18n_get(const char *lang, const char *key)
{
	const json_t *v = json_object_get(i18n_strings(lang), key);

	return json_is_string(v) ? json_string_value(v) : key;
}

const char *
i18n_language_name(const char *lang)
{
	struct lang *l = find_lang(lang);
	const json_t *v;

	if (l == NULL || !l->has_file)
		return lang;
	v = json_object_get(l->strings, "language_name");
	return json_is_string(v) ? json_string_value(v) : l->code;
}

/* ---- dates ---- */

/* Writes the zone to use into u (UTF-16): tz when ICU knows it, else UTC. */
static void
resolve_zone(const char *tz, UChar *u, size_t ulen, char *name, size_t namelen)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar canon[I18N_TZLEN];
	UBool sys = 0;

	if (tz && *tz && strlen(tz) < I18N_TZLEN) {
		u_strFromUTF8(u, (int32_t)ulen, NULL, tz, -1, &st);
		if (U_SUCCESS(st))
			ucal_getCanonicalTimeZoneID(u, -1, canon, I18N_TZLEN, &sys, &st);
		if (U_SUCCESS(st) && sys) {
			snprintf(name, namelen, "%s", tz);
			return;
		}
	}
	u_uastrcpy(u, "UTC");
	snprintf(name, namelen, "UTC");
}

/* A formatter for (l, tz, style); *own is set when the caller must close
 * it (it could not be cached). */
static UDateFormat *
formatter(struct lang *l, const char *tz, int style, int *own)
{
	struct fmt_cache *c = cache_key_made ? pthread_getspecific(cache_key) : NULL;
	UErrorCode st = U_ZERO_ERROR;
	UChar zone[I18N_TZLEN];
	char zname[I18N_TZLEN];
	struct fmt_slot *s;
	size_t i, li = (size_t)(l - langs);
	UDateFormat *f;

	if (c == NULL && cache_key_made && (c = calloc(1, sizeof *c)) != NULL &&
	    pthread_setspecific(cache_key, c) != 0) {
		free(c);
		c = NULL;
	}
	*own = 0;
	if (c) {
		for (i = 0; i < I18N_CACHE; i++) {
			s = &c->s[i];
			if (s->f && s->lang == li && s->style == style && strcmp(s->tz, tz ? tz : "") == 0)
				return s->f;
		}
	}
	resolve_zone(tz, zone, I18N_TZLEN, zname, sizeof zname);
	f = udat_open(UDAT_PATTERN, UDAT_PATTERN, l->icu, zone, -1, l->pattern[style],
	    l->patlen[style], &st);
	if (U_FAILURE(st)) {
		if (f)
			udat_close(f);
		return NULL;
	}
	if (c == NULL || (tz && strlen(tz) >= I18N_TZLEN)) {
		*own = 1;
		return f;
	}
	s = &c->s[c->next];
	c->next = (c->next + 1) % I18N_CACHE;
	if (s->f)
		udat_close(s->f);
	s->lang = li;
	s->style = style;
	snprintf(s->tz, sizeof s->tz, "%s", tz ? tz : "");
	s->f = f;
	return f;
}

enum dl_err
i18n_format_time(struct buf *out, const char *lang, const char *tz, int64_t t,
    enum i18n_date_style style)
{
	struct lang *l = lang_or_en(lang);
	UErrorCode st = U_ZERO_ERROR;
	UChar res[256];
	char u8[1024];
	UDateFormat *f;
	int32_t n, m;
	enum dl_err e;
	int own;

	if (l == NULL || (unsigned)style >= I18N_NSTYLES)
		return DL_ERR_INVALID;
	if ((f = formatter(l, tz, (int)style, &own)) == NULL)
		return DL_ERR_UNSUPPORTED;
	n = udat_format(f, (UDate)t * 1000.0, res, 256, NULL, &st);
	if (own)
		udat_close(f);
	if (U_FAILURE(st) || n >= 256)
		return DL_ERR_INVALID;
	u_strToUTF8(u8, sizeof u8, &m, res, n, &st);
	if (U_FAILURE(st) || m >= (int32_t)sizeof u8)
		return DL_ERR_INVALID;
	e = buf_append(out, u8, (size_t)m);
	return e;
}

enum dl_err
i18n_iso_time(struct buf *out, const char *tz, int64_t t)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar zone[I18N_TZLEN];
	char zname[I18N_TZLEN];
	UCalendar *cal;
	int32_t off;
	time_t local;
	struct tm tm;
	int sign, a;

	resolve_zone(tz, zone, I18N_TZLEN, zname, sizeof zname);
	cal = ucal_open(zone, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st)) {
		if (cal)
			ucal_close(cal);
		return DL_ERR_UNSUPPORTED;
	}
	ucal_setMillis(cal, (UDate)t * 1000.0, &st);
	off = ucal_get(cal, UCAL_ZONE_OFFSET, &st) + ucal_get(cal, UCAL_DST_OFFSET, &st);
	ucal_close(cal);
	if (U_FAILURE(st))
		return DL_ERR_INVALID;
	off /= 1000;
	local = (time_t)(t + off);
	if (gmtime_r(&local, &tm) == NULL)
		return DL_ERR_INVALID;
	sign = off < 0 ? '-' : '+';
	a = off < 0 ? -off : off;
	return buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, a / 3600, (a % 3600) / 60);
}
