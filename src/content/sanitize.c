/* sanitize.c - allowlist HTML sanitizer on gumbo; see sanitize.h. */
#include <gumbo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "content/sanitize.h"
#include "tmpl/tmpl.h"

#define MAX_ROUNDS 4

enum action { DROP, KEEP, UNWRAP };

/* ---- nesting pre-check ---------------------------------------------------
 * gumbo's tree builder scans the stack of open elements for most tags, so a
 * 40,000-deep input takes tens of seconds. Before parsing, a rough model of
 * that stack is run over the raw bytes. It errs on the high side: every
 * "<name" counts as a start tag wherever it appears (comments, raw text,
 * attribute values inside skipped regions), while an end tag only pops when
 * it names the top of the model stack and appears where the tokenizer would
 * see a tag. */

struct nest {
	uint64_t stack[SANITIZE_MAX_NESTING + 1];
	int top;
};

#define H_DUMMY 0   /* never matches an end tag */

static uint64_t
name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 1099511628211ull;
	}
	return h ? h : 1;
}

static uint64_t
lit(const char *s)
{
	return name_hash(s, strlen(s));
}

static int
in_list(uint64_t h, const char *const *names)
{
	for (; *names; names++)
		if (lit(*names) == h)
			return 1;
	return 0;
}

static int
nest_push(struct nest *m, uint64_t h)
{
	if (m->top >= SANITIZE_MAX_NESTING)
		return -1;
	m->stack[++m->top] = h;
	return 0;
}

static void
nest_pop_if(struct nest *m, uint64_t h)
{
	if (m->top >= 0 && m->stack[m->top] == h)
		m->top--;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_tag_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Counts every "<letter" in s[a..b) as a start tag that is never closed. */
static int
nest_count_region(struct nest *m, const char *s, size_t a, size_t b)
{
	size_t i;

	for (i = a; i + 1 < b; i++)
		if (s[i] == '<' && is_alpha((unsigned char)s[i + 1]) && nest_push(m, H_DUMMY) < 0)
			return -1;
	return 0;
}

/* Skips a tag's attributes the way the tokenizer does; returns the index
 * after '>' (or len). */
static size_t
skip_attrs(const char *s, size_t len, size_t i)
{
	while (i < len) {
		char q;

		while (i < len && (is_tag_space(s[i]) || s[i] == '/'))
			i++;
		if (i >= len)
			return len;
		if (s[i] == '>')
			return i + 1;
		i++;    /* first name character, may be '=' */
		while (i < len && !is_tag_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
			i++;
		while (i < len && is_tag_space(s[i]))
			i++;
		if (i >= len || s[i] != '=')
			continue;
		i++;
		while (i < len && is_tag_space(s[i]))
			i++;
		if (i < len && (s[i] == '"' || s[i] == '\'')) {
			q = s[i++];
			while (i < len && s[i] != q)
				i++;
			if (i < len)
				i++;
		} else {
			while (i < len && !is_tag_space(s[i]) && s[i] != '>')
				i++;
		}
	}
	return len;
}

/* Finds "</name" followed by a tag end, case-insensitively, from i. */
static size_t
find_end_tag(const char *s, size_t len, size_t i, const char *name, size_t n)
{
	for (; i + 2 + n <= len; i++) {
		if (s[i] != '<' || s[i + 1] != '/' || strncasecmp(s + i + 2, name, n) != 0)
			continue;
		if (i + 2 + n == len || is_tag_space(s[i + 2 + n]) || s[i + 2 + n] == '/' ||
		    s[i + 2 + n] == '>')
			return i;
	}
	return len;
}

static const char *const void_tags[] = { "area", "base", "br", "col", "embed", "hr", "img",
	"input", "keygen", "link", "meta", "param", "source", "track", "wbr", "image",
	"basefont", "bgsound", "frame", "menuitem", NULL };
static const char *const closes_p[] = { "address", "article", "aside", "blockquote", "center",
	"details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer",
	"header", "hgroup", "main", "menu", "nav", "ol", "p", "section", "summary", "ul", "h1",
	"h2", "h3", "h4", "h5", "h6", "pre", "listing", "form", "table", "li", "dd", "dt",
	"plaintext", "xmp", NULL };
static const char *const raw_tags[] = { "script", "style", "xmp", "iframe", "noembed",
	"noframes", "textarea", "title", NULL };

static int
nesting_ok(const char *s, size_t len)
{
	struct nest *m;
	size_t i = 0, j, k;
	int ok = 0;

	if ((m = malloc(sizeof *m)) == NULL)
		return -1;
	m->top = -1;
	while (i < len) {
		const char *p = memchr(s + i, '<', len - i);
		uint64_t h;

		if (p == NULL)
			break;
		i = (size_t)(p - s);
		if (i + 1 >= len)
			break;
		if (is_alpha((unsigned char)s[i + 1])) {
			j = i + 1;
			while (j < len && !is_tag_space(s[j]) && s[j] != '/' && s[j] != '>')
				j++;
			h = name_hash(s + i + 1, j - i - 1);
			k = skip_attrs(s, len, j);
			if (nest_count_region(m, s, j, k) < 0)
				goto out;
			if (lit("plaintext") == h || in_list(h, raw_tags)) {
				size_t end = lit("plaintext") == h ? len :
				    find_end_tag(s, len, k, s + i + 1, j - i - 1);
				if (nest_push(m, h) < 0 || nest_count_region(m, s, k, end) < 0)
					goto out;
				i = end;
				continue;
			}
			i = k;
			if (in_list(h, void_tags))
				continue;
			if (in_list(h, closes_p))
				nest_pop_if(m, lit("p"));
			if (h == lit("li")) {
				nest_pop_if(m, h);
			} else if (h == lit("dd") || h == lit("dt")) {
				nest_pop_if(m, lit("dd"));
				nest_pop_if(m, lit("dt"));
			} else if (h == lit("td") || h == lit("th") || h == lit("tr")) {
				nest_pop_if(m, lit("td"));
				nest_pop_if(m, lit("th"));
				if (h == lit("tr"))
					nest_pop_if(m, h);
			} else if (h == lit("option")) {
				nest_pop_if(m, h);
			}
			if (nest_push(m, h) < 0)
				goto out;
		} else if (s[i + 1] == '/' && i + 2 < len && is_alpha((unsigned char)s[i + 2])) {
			j = i + 2;
			while (j < len && !is_tag_space(s[j]) && s[j] != '/' && s[j] != '>')
				j++;
			h = name_hash(s + i + 2, j - i - 2);
			k = skip_attrs(s, len, j);
			if (nest_count_region(m, s, j, k) < 0)
				goto out;
			nest_pop_if(m, h);
			i = k;
		} else if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			/* comment: "<!-->", "<!--->" or up to "-->" / "--!>" */
			j = i + 4;
			if (j < len && s[j] == '>')
				k = j + 1;
			else if (j + 1 < len && s[j] == '-' && s[j + 1] == '>')
				k = j + 2;
			else {
				for (k = j; k < len; k++) {
					if (k + 3 <= len && memcmp(s + k, "-->", 3) == 0) {
						k += 3;
						break;
					}
					if (k + 4 <= len && memcmp(s + k, "--!>", 4) == 0) {
						k += 4;
						break;
					}
				}
			}
			if (nest_count_region(m, s, j, k) < 0)
				goto out;
			i = k;
		} else if (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/') {
			/* bogus comment up to the next '>' */
			p = memchr(s + i + 1, '>', len - i - 1);
			k = p ? (size_t)(p - s) + 1 : len;
			if (nest_count_region(m, s, i + 1, k) < 0)
				goto out;
			i = k;
		} else {
			i++;
		}
	}
	ok = 1;
out:
	free(m);
	return ok;
}

/* ---- the allowlist -------------------------------------------------------- */

static enum action
classify(const GumboElement *el, int in_a)
{
	if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
		return DROP;
	switch (el->tag) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
	case GUMBO_TAG_FORM: case GUMBO_TAG_INPUT: case GUMBO_TAG_TEXTAREA:
	case GUMBO_TAG_SELECT: case GUMBO_TAG_BUTTON: case GUMBO_TAG_FRAME:
	case GUMBO_TAG_FRAMESET: case GUMBO_TAG_META: case GUMBO_TAG_LINK:
	case GUMBO_TAG_BASE: case GUMBO_TAG_TITLE: case GUMBO_TAG_HEAD:
	case GUMBO_TAG_XMP: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_NOEMBED:
	case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_APPLET: case GUMBO_TAG_PARAM:
	case GUMBO_TAG_KEYGEN: case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP:
	case GUMBO_TAG_DATALIST:
		return DROP;
	case GUMBO_TAG_A:
		return in_a ? UNWRAP : KEEP;
	case GUMBO_TAG_P: case GUMBO_TAG_BR: case GUMBO_TAG_HR: case GUMBO_TAG_H1:
	case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
	case GUMBO_TAG_H6: case GUMBO_TAG_STRONG: case GUMBO_TAG_B: case GUMBO_TAG_EM:
	case GUMBO_TAG_I: case GUMBO_TAG_U: case GUMBO_TAG_S: case GUMBO_TAG_SUB:
	case GUMBO_TAG_SUP: case GUMBO_TAG_SMALL: case GUMBO_TAG_MARK:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_Q: case GUMBO_TAG_CITE:
	case GUMBO_TAG_CODE: case GUMBO_TAG_PRE: case GUMBO_TAG_KBD: case GUMBO_TAG_UL:
	case GUMBO_TAG_OL: case GUMBO_TAG_LI: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_IMG: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_TABLE: case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TR: case GUMBO_TAG_TH:
	case GUMBO_TAG_TD: case GUMBO_TAG_CAPTION: case GUMBO_TAG_ABBR:
	case GUMBO_TAG_TIME: case GUMBO_TAG_SPAN: case GUMBO_TAG_DIV:
		return KEEP;
	default:
		return UNWRAP;
	}
}

enum url_kind { URL_LINK, URL_IMG };

/* The URL as a browser reads it: C0 controls and spaces trimmed at both
 * ends, tabs and newlines removed everywhere. */
static enum dl_err
clean_url(const char *v, struct buf *u)
{
	size_t a = 0, b = strlen(v), i;
	enum dl_err e = DL_OK;

	buf_reset(u);
	while (a < b && (unsigned char)v[a] <= 0x20)
		a++;
	while (b > a && (unsigned char)v[b - 1] <= 0x20)
		b--;
	for (i = a; i < b && e == DL_OK; i++)
		if (v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
			e = buf_putc(u, v[i]);
	if (e == DL_OK && u->data == NULL)
		e = buf_puts(u, "");
	return e;
}

/* Returns the length of the scheme of u (before ':'), 0 when relative. */
static size_t
scheme_len(const char *u)
{
	size_t j;

	if (!is_alpha((unsigned char)u[0]))
		return 0;
	for (j = 1; u[j]; j++) {
		char c = u[j];
		if (c == ':')
			return j;
		if (!is_alpha((unsigned char)c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' &&
		    c != '.')
			return 0;
	}
	return 0;
}

static int
url_ok(const char *u, enum url_kind kind, int *absolute)
{
	size_t n = scheme_len(u);
	static const char *const img_types[] = { "png", "gif", "jpeg", "webp", NULL };
	const char *const *t;

	*absolute = 0;
	if (n == 0) {
		/* A relative URL with a ':' in its first segment is not valid
		 * (RFC 3986 path-noscheme) and only shows up as "\u00a0javascript:"
		 * and the like: safe in today's browsers, but not worth keeping. */
		if (u[strcspn(u, ":/?#")] == ':')
			return 0;
		*absolute = (u[0] == '/' || u[0] == '\\') && (u[1] == '/' || u[1] == '\\');
		return 1;
	}
	if ((n == 4 && strncasecmp(u, "http", 4) == 0) || (n == 5 && strncasecmp(u, "https", 5) == 0)) {
		*absolute = 1;
		return 1;
	}
	if (kind == URL_LINK)
		return n == 6 && strncasecmp(u, "mailto", 6) == 0;
	if (n != 4 || strncasecmp(u, "data:image/", 11) != 0)
		return 0;
	for (t = img_types; *t; t++) {
		size_t l = strlen(*t);
		if (strncasecmp(u + 11, *t, l) == 0 && (u[11 + l] == ';' || u[11 + l] == ','))
			return 1;
	}
	return 0;
}

static int
all_digits(const char *v, size_t maxlen, int sign)
{
	size_t n;

	if (sign && *v == '-')
		v++;
	n = strspn(v, "0123456789");
	return n > 0 && n <= maxlen && v[n] == '\0';
}

/* ---- output --------------------------------------------------------------- */

struct san {
	struct buf *out;
	struct buf url;
};

static enum dl_err
put_attr(struct buf *out, const char *name, const char *v)
{
	enum dl_err e;

	if ((e = buf_putc(out, ' ')) != DL_OK || (e = buf_puts(out, name)) != DL_OK ||
	    (e = buf_puts(out, "=\"")) != DL_OK || (e = tmpl_escape_html(out, v, strlen(v))) != DL_OK)
		return e;
	return buf_putc(out, '"');
}

static enum dl_err
put_url_attr(struct san *z, const char *name, const char *v, enum url_kind kind, int *absolute)
{
	enum dl_err e;

	if ((e = clean_url(v, &z->url)) != DL_OK)
		return e;
	if (!url_ok(z->url.data, kind, absolute)) {
		*absolute = 0;
		return DL_OK;
	}
	return put_attr(z->out, name, z->url.data);
}

static enum dl_err
put_start_tag(struct san *z, const GumboElement *el, const char *name)
{
	enum dl_err e;
	unsigned i;
	int abs_link = 0, absolute;

	if ((e = buf_putc(z->out, '<')) != DL_OK || (e = buf_puts(z->out, name)) != DL_OK)
		return e;
	for (i = 0; i < el->attributes.length; i++) {
		const GumboAttribute *at = el->attributes.data[i];
		const char *an = at->name, *v = at->value;
		GumboTag t = el->tag;

		if (at->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE)
			continue;
		if (t == GUMBO_TAG_A && strcmp(an, "href") == 0) {
			e = put_url_attr(z, an, v, URL_LINK, &absolute);
			abs_link = absolute;
		} else if ((t == GUMBO_TAG_BLOCKQUOTE || t == GUMBO_TAG_Q) && strcmp(an, "cite") == 0) {
			e = put_url_attr(z, an, v, URL_LINK, &absolute);
		} else if (t == GUMBO_TAG_IMG && strcmp(an, "src") == 0) {
			e = put_url_attr(z, an, v, URL_IMG, &absolute);
		} else if (strcmp(an, "title") == 0 &&
		    (t == GUMBO_TAG_A || t == GUMBO_TAG_IMG || t == GUMBO_TAG_ABBR)) {
			e = put_attr(z->out, an, v);
		} else if (t == GUMBO_TAG_IMG && strcmp(an, "alt") == 0) {
			e = put_attr(z->out, an, v);
		} else if (t == GUMBO_TAG_IMG && (strcmp(an, "width") == 0 || strcmp(an, "height") == 0)) {
			if (all_digits(v, 5, 0))
				e = put_attr(z->out, an, v);
		} else if ((t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) &&
		    (strcmp(an, "colspan") == 0 || strcmp(an, "rowspan") == 0)) {
			if (all_digits(v, 4, 0))
				e = put_attr(z->out, an, v);
		} else if ((t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) && strcmp(an, "scope") == 0) {
			if (strcmp(v, "row") == 0 || strcmp(v, "col") == 0 ||
			    strcmp(v, "rowgroup") == 0 || strcmp(v, "colgroup") == 0)
				e = put_attr(z->out, an, v);
		} else if (t == GUMBO_TAG_OL && strcmp(an, "start") == 0) {
			if (all_digits(v, 9, 1))
				e = put_attr(z->out, an, v);
		} else if (t == GUMBO_TAG_TIME && strcmp(an, "datetime") == 0) {
			e = put_attr(z->out, an, v);
		}
		if (e != DL_OK)
			return e;
	}
	if (abs_link && (e = buf_puts(z->out, " rel=\"noopener noreferrer nofollow\"")) != DL_OK)
		return e;
	return buf_putc(z->out, '>');
}

static int
is_text(const GumboNode *n)
{
	return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE;
}

/* Writes the text under `root` (not inside dropped elements), walking by
 * parent links so that depth costs no memory. */
static enum dl_err
flatten(struct san *z, const GumboNode *root)
{
	const GumboNode *n = root, *p;
	enum dl_err e;

	for (;;) {
		if (is_text(n)) {
			if ((e = tmpl_escape_html(z->out, n->v.text.text, strlen(n->v.text.text))) != DL_OK)
				return e;
		} else if (n->type == GUMBO_NODE_ELEMENT && classify(&n->v.element, 0) != DROP &&
		    n->v.element.children.length > 0) {
			n = n->v.element.children.data[0];
			continue;
		}
		for (;;) {
			size_t idx;

			if (n == root)
				return DL_OK;
			p = n->parent;
			idx = n->index_within_parent;
			if (p == NULL || p->type != GUMBO_NODE_ELEMENT ||
			    idx >= p->v.element.children.length || p->v.element.children.data[idx] != n)
				return DL_OK;   /* inconsistent tree: stop rather than loop */
			if (idx + 1 < p->v.element.children.length) {
				n = p->v.element.children.data[idx + 1];
				break;
			}
			n = p;
		}
	}
}

struct frame {
	const GumboNode *n;
	unsigned i;
	const char *close;   /* end tag to write, NULL when unwrapped */
	int in_a;
};

static enum dl_err
walk(struct san *z, const GumboNode *root)
{
	struct frame st[SANITIZE_MAX_DEPTH + 1];
	int top = 0;
	enum dl_err e = DL_OK;

	st[0] = (struct frame){ root, 0, NULL, 0 };
	while (top >= 0 && e == DL_OK) {
		struct frame *f = &st[top];
		const GumboNode *ch;
		const GumboElement *el;
		const char *name;
		enum action act;

		if (f->i >= f->n->v.element.children.length) {
			if (f->close && ((e = buf_puts(z->out, "</")) != DL_OK ||
			    (e = buf_puts(z->out, f->close)) != DL_OK || (e = buf_putc(z->out, '>')) != DL_OK))
				break;
			top--;
			continue;
		}
		ch = f->n->v.element.children.data[f->i++];
		if (is_text(ch)) {
			/* the parser drops a newline right after <pre>: write one back */
			if (f->i == 1 && f->close && strcmp(f->close, "pre") == 0 &&
			    ch->v.text.text[0] == '\n' && (e = buf_putc(z->out, '\n')) != DL_OK)
				break;
			e = tmpl_escape_html(z->out, ch->v.text.text, strlen(ch->v.text.text));
			continue;
		}
		if (ch->type != GUMBO_NODE_ELEMENT)
			continue;       /* comments, templates, CDATA, doctypes */
		el = &ch->v.element;
		if ((act = classify(el, f->in_a)) == DROP)
			continue;
		if (top + 1 > SANITIZE_MAX_DEPTH) {
			e = flatten(z, ch);
			continue;
		}
		if (act == UNWRAP) {
			st[top + 1] = (struct frame){ ch, 0, NULL, f->in_a };
			top++;
			continue;
		}
		name = el->tag == GUMBO_TAG_H1 ? "h2" : gumbo_normalized_tagname(el->tag);
		if ((e = put_start_tag(z, el, name)) != DL_OK)
			break;
		if (el->tag == GUMBO_TAG_BR || el->tag == GUMBO_TAG_HR || el->tag == GUMBO_TAG_IMG)
			continue;
		st[top + 1] = (struct frame){ ch, 0, name, f->in_a || el->tag == GUMBO_TAG_A };
		top++;
	}
	return e;
}

/* One parse and write-out of s[0..len) into `out` (appended). */
static enum dl_err
sanitize_once(const char *s, size_t len, struct buf *out, int text_only)
{
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *g;
	struct san z = { out, BUF_INIT(SANITIZE_MAX_INPUT) };
	enum dl_err e;

	opt.fragment_context = GUMBO_TAG_DIV;
	opt.max_errors = 0;
	if ((g = gumbo_parse_with_options(&opt, s, len)) == NULL)
		return DL_ERR_NOMEM;
	e = text_only ? flatten(&z, g->root) : walk(&z, g->root);
	gumbo_destroy_output(&opt, g);
	buf_free(&z.url);
	return e;
}

enum dl_err
sanitize_html(const char *html, size_t len, struct buf *out)
{
	struct buf a, b, t;
	size_t room;
	enum dl_err e;
	int ok, round, fixed = 0;

	if (len > SANITIZE_MAX_INPUT)
		return DL_ERR_TOOBIG;
	if (html == NULL)
		html = "";
	if ((ok = nesting_ok(html, len)) <= 0)
		return ok < 0 ? DL_ERR_NOMEM : DL_ERR_TOOBIG;
	room = out->max > out->len ? out->max - out->len : 0;
	a = (struct buf)BUF_INIT(room);
	b = (struct buf)BUF_INIT(room);
	if ((e = sanitize_once(html, len, &a, 0)) != DL_OK)
		goto out;
	/* Re-parsing the output can give a different tree (misnested markup the
	 * parser repaired in ways that do not survive a round trip): iterate to
	 * a fixed point so that the result is idempotent. */
	for (round = 0; round < MAX_ROUNDS && !fixed; round++) {
		buf_reset(&b);
		if ((e = sanitize_once(a.data ? a.data : "", a.len, &b, 0)) != DL_OK)
			goto out;
		fixed = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
		t = a;
		a = b;
		b = t;
	}
	if (!fixed) {
		buf_reset(&a);
		if ((e = sanitize_once(html, len, &a, 1)) != DL_OK)
			goto out;
	}
	e = buf_append(out, a.data ? a.data : "", a.len);
out:
	buf_free(&a);
	buf_free(&b);
	return e;
}
