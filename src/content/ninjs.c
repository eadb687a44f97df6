/* ninjs.c - IPTC ninjs <-> struct dl_article. */
#include <ctype.h>
#include <gumbo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "base/buf.h"
#include "content/ninjs.h"
#include "content/sanitize.h"
#include "content/slug.h"
#include "tmpl/tmpl.h"

#define MAX_URI 2048
#define MAX_FIELD 65536       /* byline, located, standfirst, copyright, a term */
#define MAX_HTML_DEPTH 400
/* gumbo's tree building is quadratic on deep nesting and misnested
 * formatting tags (5,000 nested divs take 0.4 s, 10,000 take 1.5 s), so an
 * HTML body with more start tags than this is refused before parsing. */
#define MAX_HTML_TAGS 5000
#define SCHEMA_URI "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json#"

/* ---- time ---- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

enum dl_err
ninjs_parse_time(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, leap;
	const char *p;

	if (s == NULL || strlen(s) < 20)
		return DL_ERR_INVALID;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return DL_ERR_INVALID;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return DL_ERR_INVALID;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
			return DL_ERR_INVALID;
		p += 6;
	} else {
		return DL_ERR_INVALID;
	}
	if (*p != '\0')
		return DL_ERR_INVALID;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return DL_ERR_INVALID;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec) -
	    sign * (oh * 3600 + om * 60);
	return DL_OK;
}

/* ---- reading fields ---- */

struct ctx {
	struct arena *ar;
	char *msg;
	size_t msglen;
};

#define FAIL(c, err, ...) (snprintf((c)->msg, (c)->msglen, __VA_ARGS__), (err))

/* An optional string member: *out NULL when absent. */
static enum dl_err
opt_str(struct ctx *c, const json_t *obj, const char *key, size_t max, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return DL_OK;
	if (!json_is_string(v))
		return FAIL(c, DL_ERR_INVALID, "\"%s\" must be a string", key);
	if (json_string_length(v) > max)
		return FAIL(c, DL_ERR_TOOBIG, "\"%s\" is longer than %zu bytes", key, max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return FAIL(c, DL_ERR_INVALID, "\"%s\" contains a NUL character", key);
	*out = json_string_value(v);
	return DL_OK;
}

static const char *
dup_trim(struct arena *ar, const char *s)
{
	size_t n;

	if (s == NULL)
		return arena_strdup(ar, "");
	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(ar, s, n);
}

/* The value of the item with role `role`, else of the first item, of the
 * array member `key` (headlines, descriptions, bodies). *value NULL when
 * the array is absent or empty. */
static enum dl_err
pick(struct ctx *c, const json_t *obj, const char *key, const char *role, const json_t **item)
{
	const json_t *arr = json_object_get(obj, key), *it, *r;
	size_t i;

	*item = NULL;
	if (arr == NULL || json_is_null(arr))
		return DL_OK;
	if (!json_is_array(arr))
		return FAIL(c, DL_ERR_INVALID, "\"%s\" must be an array", key);
	json_array_foreach(arr, i, it) {
		if (!json_is_object(it) || !json_is_string(json_object_get(it, "value")))
			return FAIL(c, DL_ERR_INVALID, "%s[%zu] must be an object with a string \"value\"", key, i);
		r = json_object_get(it, "role");
		if (r && !json_is_string(r))
			return FAIL(c, DL_ERR_INVALID, "%s[%zu].role must be a string", key, i);
		if (*item == NULL)
			*item = it;
		if (r && strcmp(json_string_value(r), role) == 0) {
			*item = it;
			break;
		}
	}
	return DL_OK;
}

/* ---- body ---- */

/* Appends one paragraph s[0..n) (trimmed) to both forms. */
static enum dl_err
add_para(struct buf *html, struct buf *text, const char *s, size_t n)
{
	enum dl_err e;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return DL_OK;
	if (text->len > 0 && (e = buf_puts(text, "\n\n")) != DL_OK)
		return e;
	if ((e = buf_append(text, s, n)) != DL_OK || (e = buf_puts(html, "<p>")) != DL_OK ||
	    (e = tmpl_escape_html(html, s, n)) != DL_OK || (e = buf_puts(html, "</p>\n")) != DL_OK)
		return e;
	return DL_OK;
}

static int
blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Plain text to paragraphs: split on blank lines. */
static enum dl_err
text_body(const char *s, size_t len, struct buf *html, struct buf *text)
{
	size_t i = 0, start = 0, eol;
	enum dl_err e;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);

		eol = nl ? (size_t)(nl - s) : len;
		if (blank_line(s + i, eol - i)) {
			if ((e = add_para(html, text, s + start, i - start)) != DL_OK)
				return e;
			start = eol;
		}
		i = eol + 1;
	}
	return add_para(html, text, s + start, len - start);
}

struct flat {
	struct buf *out;
	int brk, space;
};

static int
block_tag(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BR: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
	case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_LI:
	case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
	case GUMBO_TAG_TABLE: case GUMBO_TAG_TR: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_ASIDE: case GUMBO_TAG_NAV:
	case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_HR: case GUMBO_TAG_DL:
	case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_MAIN:
	case GUMBO_TAG_FORM: case GUMBO_TAG_BODY:
		return 1;
	default:
		return 0;
	}
}

static int
skipped_tag(GumboTag t)
{
	return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TEMPLATE ||
	    t == GUMBO_TAG_HEAD || t == GUMBO_TAG_TITLE || t == GUMBO_TAG_IFRAME ||
	    t == GUMBO_TAG_OBJECT || t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_SVG ||
	    t == GUMBO_TAG_MATH || t == GUMBO_TAG_TEXTAREA || t == GUMBO_TAG_SELECT;
}

static enum dl_err
flat_text(struct flat *f, const char *s)
{
	enum dl_err e;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
			f->space = 1;
			continue;
		}
		if (f->brk && f->out->len > 0) {
			if ((e = buf_puts(f->out, "\n\n")) != DL_OK)
				return e;
		} else if (f->space && f->out->len > 0 && !f->brk) {
			if ((e = buf_putc(f->out, ' ')) != DL_OK)
				return e;
		}
		f->brk = f->space = 0;
		if ((e = buf_putc(f->out, *s)) != DL_OK)
			return e;
	}
	return DL_OK;
}

/* HTML to plain text paragraphs, without recursion (input may nest deeply). */
static enum dl_err
html_to_text(const char *s, size_t len, struct buf *out)
{
	struct { const GumboNode *n; unsigned i; } stack[MAX_HTML_DEPTH];
	GumboOutput *g;
	struct flat f = { out, 0, 0 };
	const GumboNode *n, *ch;
	enum dl_err e = DL_OK;
	size_t i, ntags = 0;
	int top = 0;

	for (i = 0; i + 1 < len; i++)
		if (s[i] == '<' && isalpha((unsigned char)s[i + 1]) && ++ntags > MAX_HTML_TAGS)
			return DL_ERR_TOOBIG;
	if ((g = gumbo_parse_with_options(&kGumboDefaultOptions, s, len)) == NULL)
		return DL_ERR_NOMEM;
	stack[0].n = g->root;
	stack[0].i = 0;
	while (top >= 0 && e == DL_OK) {
		n = stack[top].n;
		if (stack[top].i >= n->v.element.children.length) {
			if (block_tag(n->v.element.tag))
				f.brk = 1;
			top--;
			continue;
		}
		ch = n->v.element.children.data[stack[top].i++];
		switch (ch->type) {
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			e = flat_text(&f, ch->v.text.text);
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			if (skipped_tag(ch->v.element.tag) || top + 1 >= MAX_HTML_DEPTH)
				break;
			if (block_tag(ch->v.element.tag))
				f.brk = 1;
			top++;
			stack[top].n = ch;
			stack[top].i = 0;
			break;
		default:
			break;
		}
	}
	gumbo_destroy_output(&kGumboDefaultOptions, g);
	return e;
}

static enum dl_err
parse_body(struct ctx *c, const json_t *obj, struct dl_article *a)
{
	struct buf html = BUF_INIT(8 * NINJS_MAX_BODY), text = BUF_INIT(2 * NINJS_MAX_BODY);
	struct buf flat = BUF_INIT(2 * NINJS_MAX_BODY);
	const json_t *item, *ct;
	const char *v, *raw = NULL, *type = "text/plain";
	size_t len, rawlen = 0;
	enum dl_err e;

	if ((e = pick(c, obj, "bodies", "main", &item)) != DL_OK)
		return e;
	if (item == NULL) {
		a->body_html = arena_strdup(c->ar, "");
		a->body_text = arena_strdup(c->ar, "");
		return a->body_html && a->body_text ? DL_OK : DL_ERR_NOMEM;
	}
	v = json_string_value(json_object_get(item, "value"));
	len = json_string_length(json_object_get(item, "value"));
	if (len > NINJS_MAX_BODY)
		return FAIL(c, DL_ERR_TOOBIG, "body is longer than %u bytes", NINJS_MAX_BODY);
	if ((ct = json_object_get(item, "contenttype")) != NULL) {
		if (!json_is_string(ct))
			return FAIL(c, DL_ERR_INVALID, "bodies[].contenttype must be a string");
		type = json_string_value(ct);
	}
	if (strncasecmp(type, "text/html", 9) == 0 || strncasecmp(type, "application/xhtml", 17) == 0 ||
	    strcasecmp(type, "body_xhtml") == 0) {
		raw = v;
		rawlen = len;
		if ((e = html_to_text(v, len, &flat)) != DL_OK) {
			if (e == DL_ERR_TOOBIG)
				e = FAIL(c, e, "body HTML has more than %d elements", MAX_HTML_TAGS);
			goto out;
		}
		v = flat.data ? flat.data : "";
		len = flat.len;
	} else if (strncasecmp(type, "text/plain", 10) != 0) {
		e = FAIL(c, DL_ERR_UNSUPPORTED, "body content type \"%s\" is not supported "
		    "(text/plain or text/html)", type);
		goto out;
	}
	if ((e = text_body(v, len, &html, &text)) != DL_OK)
		goto out;
	/* HTML bodies keep their markup, through the allowlist sanitizer. */
	if (raw) {
		buf_reset(&html);
		if ((e = sanitize_html(raw, rawlen, &html)) != DL_OK) {
			if (e == DL_ERR_TOOBIG)
				e = FAIL(c, e, "body HTML is too large or too deeply nested");
			goto out;
		}
	}
	a->body_html = arena_strndup(c->ar, html.data ? html.data : "", html.len);
	a->body_text = arena_strndup(c->ar, text.data ? text.data : "", text.len);
	if (!a->body_html || !a->body_text)
		e = DL_ERR_NOMEM;
out:
	if (e == DL_ERR_TOOBIG && c->msglen && c->msg[0] == '\0')
		snprintf(c->msg, c->msglen, "body is too large");
	buf_free(&html);
	buf_free(&text);
	buf_free(&flat);
	return e;
}

/* ---- terms ---- */

static enum dl_err
add_term(struct ctx *c, struct dl_term *v, size_t *n, const char *what, const char *name)
{
	const char *t;

	if (name == NULL)
		return DL_OK;
	if (strlen(name) > MAX_FIELD)
		return FAIL(c, DL_ERR_TOOBIG, "a %s name is longer than %d bytes", what, MAX_FIELD);
	if ((t = dup_trim(c->ar, name)) == NULL)
		return DL_ERR_NOMEM;
	if (t[0] == '\0')
		return DL_OK;
	if (*n == NINJS_MAX_TERMS)
		return FAIL(c, DL_ERR_TOOBIG, "more than %d %ss", NINJS_MAX_TERMS, what);
	v[*n].name = t;
	if ((v[*n].slug = slug_make(c->ar, t)) == NULL)
		return DL_ERR_NOMEM;
	(*n)++;
	return DL_OK;
}

/* Names from an array of objects with "name" (places, subjects). */
static enum dl_err
terms_from(struct ctx *c, const json_t *obj, const char *key, const char *what, struct dl_term *v,
    size_t *n)
{
	const json_t *arr = json_object_get(obj, key), *it, *name;
	enum dl_err e;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return DL_OK;
	if (!json_is_array(arr))
		return FAIL(c, DL_ERR_INVALID, "\"%s\" must be an array", key);
	if (json_array_size(arr) > 10 * NINJS_MAX_TERMS)
		return FAIL(c, DL_ERR_TOOBIG, "more than %d %ss", NINJS_MAX_TERMS, what);
	json_array_foreach(arr, i, it) {
		if (!json_is_object(it))
			return FAIL(c, DL_ERR_INVALID, "%s[%zu] must be an object", key, i);
		name = json_object_get(it, "name");
		if (name == NULL)
			name = json_object_get(it, "literal");
		if (name == NULL)
			continue;
		if (!json_is_string(name))
			return FAIL(c, DL_ERR_INVALID, "%s[%zu].name must be a string", key, i);
		if ((e = add_term(c, v, n, what, json_string_value(name))) != DL_OK)
			return e;
	}
	return DL_OK;
}

static enum dl_err
keywords(struct ctx *c, const json_t *obj, struct dl_term *v, size_t *n)
{
	const json_t *arr = json_object_get(obj, "keywords"), *it;
	enum dl_err e;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return DL_OK;
	if (!json_is_array(arr))
		return FAIL(c, DL_ERR_INVALID, "\"keywords\" must be an array of strings");
	json_array_foreach(arr, i, it) {
		if (!json_is_string(it))
			return FAIL(c, DL_ERR_INVALID, "keywords[%zu] must be a string", i);
		if ((e = add_term(c, v, n, "tag", json_string_value(it))) != DL_OK)
			return e;
	}
	return DL_OK;
}

static enum dl_err
translation_of(struct ctx *c, const json_t *obj, const char **out)
{
	const json_t *as = json_object_get(obj, "associations"), *it, *name, *uri;
	size_t i;

	*out = NULL;
	if (as == NULL || json_is_null(as))
		return DL_OK;
	if (json_is_object(as)) {   /* ninjs 1.x: a map from name to object */
		it = json_object_get(as, "translation-of");
		uri = json_is_object(it) ? json_object_get(it, "uri") : NULL;
		if (it && !json_is_string(uri))
			return FAIL(c, DL_ERR_INVALID, "association \"translation-of\" needs a string \"uri\"");
		*out = uri ? json_string_value(uri) : NULL;
		return DL_OK;
	}
	if (!json_is_array(as))
		return FAIL(c, DL_ERR_INVALID, "\"associations\" must be an array");
	json_array_foreach(as, i, it) {
		if (!json_is_object(it))
			return FAIL(c, DL_ERR_INVALID, "associations[%zu] must be an object", i);
		name = json_object_get(it, "name");
		if (!json_is_string(name) || strcmp(json_string_value(name), "translation-of") != 0)
			continue;
		uri = json_object_get(it, "uri");
		if (!json_is_string(uri) || json_string_length(uri) == 0 || json_string_length(uri) > MAX_URI)
			return FAIL(c, DL_ERR_INVALID, "associations[%zu] (translation-of) needs a \"uri\"", i);
		*out = json_string_value(uri);
		return DL_OK;
	}
	return DL_OK;
}

/* ---- parse ---- */

static enum dl_err
parse_lang(struct ctx *c, const char *s, const char **out)
{
	char tag[9];
	size_t n = 0;

	while (s[n] && s[n] != '-' && s[n] != '_' && n < 8) {
		if (!isalpha((unsigned char)s[n]))
			break;
		tag[n] = (char)tolower((unsigned char)s[n]);
		n++;
	}
	tag[n] = '\0';
	if (n < 2 || n > 3 || (s[n] && s[n] != '-' && s[n] != '_'))
		return FAIL(c, DL_ERR_INVALID, "\"language\" is not a BCP 47 language tag: \"%.40s\"", s);
	return (*out = arena_strdup(c->ar, tag)) ? DL_OK : DL_ERR_NOMEM;
}

static enum dl_err
parse_date(struct ctx *c, const json_t *obj, const char *key, int64_t *t, int *have)
{
	const char *s;
	enum dl_err e;

	*have = 0;
	if ((e = opt_str(c, obj, key, 64, &s)) != DL_OK)
		return e;
	if (s == NULL)
		return DL_OK;
	if (ninjs_parse_time(s, t) != DL_OK)
		return FAIL(c, DL_ERR_INVALID, "\"%s\" is not an RFC 3339 date-time with a time zone: \"%.40s\"",
		    key, s);
	*have = 1;
	return DL_OK;
}

enum dl_err
ninjs_parse(struct arena *ar, const json_t *obj, struct dl_article *out, char *msg, size_t msglen)
{
	struct ctx c = { ar, msg, msglen };
	const json_t *item;
	const char *s, *uri, *lang, *by, *located, *copyright, *tr, *status;
	int have_first, have_version;
	struct dl_term *places, *tags;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (msglen)
		msg[0] = '\0';
	if (!json_is_object(obj))
		return FAIL(&c, DL_ERR_INVALID, "a ninjs item must be a JSON object");
	if ((e = opt_str(&c, obj, "uri", MAX_URI, &uri)) != DL_OK)
		return e;
	if (uri == NULL || uri[0] == '\0')
		return FAIL(&c, DL_ERR_INVALID, "missing \"uri\"");
	if ((e = opt_str(&c, obj, "type", 64, &s)) != DL_OK)
		return e;
	if (s && strcmp(s, "text") != 0)
		return FAIL(&c, DL_ERR_UNSUPPORTED, "type \"%.40s\" is not supported (only \"text\")", s);
	if ((e = opt_str(&c, obj, "language", 64, &s)) != DL_OK)
		return e;
	if (s == NULL || s[0] == '\0')
		return FAIL(&c, DL_ERR_INVALID, "missing \"language\"");
	if ((e = parse_lang(&c, s, &lang)) != DL_OK)
		return e;
	if ((e = pick(&c, obj, "headlines", "main", &item)) != DL_OK)
		return e;
	if (item == NULL)
		return FAIL(&c, DL_ERR_INVALID, "missing \"headlines\" (a main headline is required)");
	if (json_string_length(json_object_get(item, "value")) > NINJS_MAX_HEADLINE)
		return FAIL(&c, DL_ERR_TOOBIG, "headline is longer than %d bytes", NINJS_MAX_HEADLINE);
	if ((out->headline = dup_trim(ar, json_string_value(json_object_get(item, "value")))) == NULL)
		return DL_ERR_NOMEM;
	if (out->headline[0] == '\0')
		return FAIL(&c, DL_ERR_INVALID, "the headline is empty");
	if ((e = parse_date(&c, obj, "firstcreated", &out->first_created, &have_first)) != DL_OK ||
	    (e = parse_date(&c, obj, "versioncreated", &out->version_created, &have_version)) != DL_OK)
		return e;
	if (!have_first && !have_version)
		return FAIL(&c, DL_ERR_INVALID, "missing \"firstcreated\" and \"versioncreated\" (one is required)");
	if (!have_first)
		out->first_created = out->version_created;
	if (!have_version)
		out->version_created = out->first_created;
	if ((e = pick(&c, obj, "descriptions", "summary", &item)) != DL_OK)
		return e;
	s = item ? json_string_value(json_object_get(item, "value")) : NULL;
	if (s && strlen(s) > MAX_FIELD)
		return FAIL(&c, DL_ERR_TOOBIG, "description is longer than %d bytes", MAX_FIELD);
	if ((e = opt_str(&c, obj, "by", MAX_FIELD, &by)) != DL_OK ||
	    (e = opt_str(&c, obj, "located", MAX_FIELD, &located)) != DL_OK ||
	    (e = opt_str(&c, obj, "copyrightholder", MAX_FIELD, &copyright)) != DL_OK ||
	    (e = opt_str(&c, obj, "pubstatus", 64, &status)) != DL_OK ||
	    (e = translation_of(&c, obj, &tr)) != DL_OK)
		return e;
	out->uri = arena_strdup(ar, uri);
	out->lang = lang;
	out->slug = arena_strdup(ar, "");
	out->standfirst = dup_trim(ar, s);
	out->byline = dup_trim(ar, by);
	out->located = dup_trim(ar, located);
	out->copyright = dup_trim(ar, copyright);
	out->translation_of = dup_trim(ar, tr);
	if (!out->uri || !out->slug || !out->standfirst || !out->byline || !out->located ||
	    !out->copyright || !out->translation_of)
		return DL_ERR_NOMEM;
	if (status && strcmp(status, "canceled") == 0)
		out->status = DL_RETRACTED;
	else if (status && strcmp(status, "withheld") == 0)
		out->status = DL_DRAFT;
	else
		out->status = DL_PUBLISHED;
	out->author.name = out->byline;
	if ((out->author.slug = slug_make(ar, out->byline)) == NULL)
		return DL_ERR_NOMEM;
	places = arena_alloc(ar, NINJS_MAX_TERMS * sizeof *places);
	tags = arena_alloc(ar, NINJS_MAX_TERMS * sizeof *tags);
	if (!places || !tags)
		return DL_ERR_NOMEM;
	out->places = places;
	out->tags = tags;
	if ((e = terms_from(&c, obj, "places", "place", places, &out->n_places)) != DL_OK ||
	    (e = terms_from(&c, obj, "subjects", "tag", tags, &out->n_tags)) != DL_OK ||
	    (e = keywords(&c, obj, tags, &out->n_tags)) != DL_OK)
		return e;
	if ((e = parse_body(&c, obj, out)) != DL_OK) {
		if (msglen && msg[0] == '\0')
			snprintf(msg, msglen, "body: %s", dl_strerror(e));
		return e;
	}
	return DL_OK;
}

/* ---- emit ---- */

static int
set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new(o, key, json_string(v ? v : ""));
}

static int
set_time(json_t *o, const char *key, int64_t t)
{
	char s[64];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return set_str(o, key, s);
}

/* [{"role": role, "contenttype": ct, "value": v}] */
static json_t *
one_item(const char *role, const char *ct, const char *v)
{
	json_t *arr = json_array(), *it = json_object();

	if (!arr || !it || set_str(it, "role", role) || (ct && set_str(it, "contenttype", ct)) ||
	    set_str(it, "value", v) || json_array_append_new(arr, it)) {
		if (!json_array_size(arr))
			json_decref(it);
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
names(const struct dl_term *v, size_t n)
{
	json_t *arr = json_array(), *it;
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((it = json_object()) == NULL || set_str(it, "name", v[i].name) ||
		    json_array_append_new(arr, it)) {
			json_decref(it);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

enum dl_err
ninjs_emit(const struct dl_article *a, json_t **out)
{
	json_t *o = json_object(), *std = json_object(), *as = NULL, *it;
	const char *pub = "usable";
	int err = 0;

	*out = NULL;
	if (o == NULL || std == NULL)
		goto fail;
	if (a->status == DL_RETRACTED)
		pub = "canceled";
	else if (a->status != DL_PUBLISHED)
		pub = "withheld";
	err |= set_str(o, "uri", a->uri);
	err |= set_str(o, "type", "text");
	err |= set_str(std, "name", "ninjs") | set_str(std, "version", "2.1") | set_str(std, "schema", SCHEMA_URI);
	err |= json_object_set_new(o, "standard", std);
	std = NULL;
	err |= set_str(o, "language", a->lang);
	err |= set_time(o, "firstcreated", a->first_created);
	err |= set_time(o, "versioncreated", a->version_created);
	err |= set_str(o, "pubstatus", pub);
	err |= json_object_set_new(o, "headlines", one_item("main", "text/plain", a->headline));
	if (a->standfirst && a->standfirst[0])
		err |= json_object_set_new(o, "descriptions", one_item("summary", "text/plain", a->standfirst));
	if (a->byline && a->byline[0])
		err |= set_str(o, "by", a->byline);
	if (a->located && a->located[0])
		err |= set_str(o, "located", a->located);
	if (a->copyright && a->copyright[0])
		err |= set_str(o, "copyrightholder", a->copyright);
	if (a->n_places)
		err |= json_object_set_new(o, "places", names(a->places, a->n_places));
	if (a->n_tags)
		err |= json_object_set_new(o, "subjects", names(a->tags, a->n_tags));
	err |= json_object_set_new(o, "bodies", one_item("main", "text/html", a->body_html));
	if (a->translation_of && a->translation_of[0]) {
		if ((as = json_array()) == NULL || (it = json_object()) == NULL ||
		    json_array_append_new(as, it))
			goto fail;
		err |= set_str(it, "name", "translation-of") | set_str(it, "uri", a->translation_of);
		err |= json_object_set_new(o, "associations", as);
		as = NULL;
	}
	if (err)
		goto fail;
	*out = o;
	return DL_OK;
fail:
	json_decref(as);
	json_decref(std);
	json_decref(o);
	return DL_ERR_NOMEM;
}
