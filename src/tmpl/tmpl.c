/* tmpl.c - mustache: a one-pass compiler into a node tree (held in one arena
 * per template) and a reentrant renderer. A set is never written after
 * tmpl_set_add(), so renders share it freely; all render state lives on the
 * caller's stack and in one small heap struct per render. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"
#include "tmpl/tmpl.h"

#define TMPL_MAX_SRC     (1024 * 1024)      /* bytes of one template source */
#define TMPL_MAX_NEST    64                 /* sections open at once in one template */
#define TMPL_MAX_PARTIAL 32                 /* partials nested at render time */
#define TMPL_MAX_DELIM   16                 /* bytes of a custom delimiter */
#define TMPL_ARENA_MAX   ((size_t)64 << 20) /* compiled form of one template */
#define TMPL_MAX_INDENT  (64 * 1024)        /* accumulated partial indentation */

enum ntype { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum ntype type;
	struct node *next;
	const char *s;      /* text, tag name, or partial name */
	size_t len;
	char **parts;       /* dotted name split; nparts == 0 means "." */
	size_t nparts;
	struct node *kids;  /* sections */
	const char *indent; /* standalone partials */
	size_t indentlen;
	int standalone;
	unsigned line;
};

struct tmpl {
	char *name;
	struct arena *ar;
	struct node *nodes;
};

struct tmpl_set {
	struct tmpl *v;     /* sorted by name */
	size_t n, cap;
};

/* ---- compiling ---- */

struct frame {
	struct node *sec;   /* NULL for the template's top level */
	struct node **tail;
};

struct parser {
	const char *name;
	const char *src;
	size_t len;
	struct arena *ar;
	char *msg;
	size_t msglen;
	unsigned line;      /* line number at position linepos */
	size_t linepos;
};

DL_PRINTF(3, 4) static enum dl_err
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (p->msg && p->msglen)
		snprintf(p->msg, p->msglen, "%s:%u: %s", p->name, line, reason);
	return DL_ERR_INVALID;
}

static unsigned
line_at(struct parser *p, size_t pos)
{
	for (; p->linepos < pos; p->linepos++)
		if (p->src[p->linepos] == '\n')
			p->line++;
	return p->line;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const char *
find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

static struct node *
add_node(struct parser *p, struct frame *f, enum ntype type)
{
	struct node *n = arena_alloc(p->ar, sizeof *n);

	if (n == NULL)
		return NULL;
	n->type = type;
	*f->tail = n;
	f->tail = &n->next;
	return n;
}

static enum dl_err
add_text(struct parser *p, struct frame *f, size_t from, size_t to)
{
	struct node *n;

	if (to <= from)
		return DL_OK;
	if ((n = add_node(p, f, N_TEXT)) == NULL)
		return DL_ERR_NOMEM;
	n->s = p->src + from;
	n->len = to - from;
	return DL_OK;
}

/* Splits a dotted name into arena strings. */
static enum dl_err
set_name(struct parser *p, struct node *n, const char *s, size_t len, unsigned line)
{
	size_t i, start, k;

	if (len == 0)
		return perr(p, line, "empty tag name");
	for (i = 0; i < len; i++)
		if (is_space(s[i]))
			return perr(p, line, "space in tag name '%.*s'", (int)(len > 64 ? 64 : len), s);
	if ((n->s = arena_strndup(p->ar, s, len)) == NULL)
		return DL_ERR_NOMEM;
	n->len = len;
	if (len == 1 && s[0] == '.')
		return DL_OK;
	n->nparts = 1;
	for (i = 0; i < len; i++)
		if (s[i] == '.')
			n->nparts++;
	if ((n->parts = arena_alloc(p->ar, n->nparts * sizeof *n->parts)) == NULL)
		return DL_ERR_NOMEM;
	for (i = start = k = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start)
			return perr(p, line, "empty part in tag name '%.*s'", (int)(len > 64 ? 64 : len), s);
		if ((n->parts[k++] = arena_strndup(p->ar, s + start, i - start)) == NULL)
			return DL_ERR_NOMEM;
		start = i + 1;
	}
	return DL_OK;
}

static enum dl_err
set_delims(struct parser *p, const char *s, size_t len, char *otag, size_t *olen,
    char *ctag, size_t *clen, unsigned line)
{
	size_t i = 0, a, b, c, d;

	while (i < len && is_space(s[i]))
		i++;
	a = i;
	while (i < len && !is_space(s[i]))
		i++;
	b = i;
	while (i < len && is_space(s[i]))
		i++;
	c = i;
	while (i < len && !is_space(s[i]))
		i++;
	d = i;
	while (i < len && is_space(s[i]))
		i++;
	if (b == a || d == c || i != len)
		return perr(p, line, "bad delimiter tag: need two delimiters");
	if (b - a > TMPL_MAX_DELIM || d - c > TMPL_MAX_DELIM)
		return perr(p, line, "delimiter longer than %d bytes", TMPL_MAX_DELIM);
	if (memchr(s + a, '=', b - a) || memchr(s + c, '=', d - c))
		return perr(p, line, "delimiter may not contain '='");
	memcpy(otag, s + a, b - a);
	*olen = b - a;
	memcpy(ctag, s + c, d - c);
	*clen = d - c;
	return DL_OK;
}

static enum dl_err
compile(struct parser *p, struct node **out)
{
	struct frame stack[TMPL_MAX_NEST + 1];
	size_t depth = 0, pos = 0, olen = 2, clen = 2;
	char otag[TMPL_MAX_DELIM] = "{{", ctag[TMPL_MAX_DELIM] = "}}";
	const char *src = p->src;
	size_t len = p->len;
	enum dl_err e;

	*out = NULL;
	stack[0].sec = NULL;
	stack[0].tail = out;
	while (pos < len) {
		const char *hit = find(src + pos, len - pos, otag, olen), *close;
		size_t ts, in, te, ne, k, end, nstart, nend;

		char closeseq[TMPL_MAX_DELIM + 1];
		size_t closelen;
		int type, standalone = 0;
		unsigned line;
		struct node *n;

		if (hit == NULL) {
			if ((e = add_text(p, &stack[depth], pos, len)) != DL_OK)
				return e;
			break;
		}
		ts = (size_t)(hit - src);
		k = ts;
		line = line_at(p, ts);
		in = ts + olen;
		type = in < len ? (unsigned char)src[in] : 0;
		if (type && strchr("#^/!>={&", type))
			in++;
		else
			type = 'v';
		closelen = 0;
		if (type == '{' || type == '=')
			closeseq[closelen++] = type == '{' ? '}' : '=';
		memcpy(closeseq + closelen, ctag, clen);
		closelen += clen;
		if (in > len || (close = find(src + in, len - in, closeseq, closelen)) == NULL)
			return perr(p, line, "unclosed tag");
		ne = (size_t)(close - src);
		te = ne + closelen;

		/* Standalone: only blanks around the tag on its line. */
		end = te;
		if (type != 'v' && type != '{' && type != '&') {
			k = ts;
			while (k > pos && is_blank(src[k - 1]))
				k--;
			if (k == 0 || src[k - 1] == '\n') {
				while (end < len && is_blank(src[end]))
					end++;
				if (end == len)
					standalone = 1;
				else if (src[end] == '\n')
					standalone = 1, end++;
				else if (src[end] == '\r' && end + 1 < len && src[end + 1] == '\n')
					standalone = 1, end += 2;
			}
			if (!standalone)
				end = te;
		}
		if ((e = add_text(p, &stack[depth], pos, standalone ? k : ts)) != DL_OK)
			return e;
		pos = end;

		nstart = in;
		nend = ne;
		if (type != '!' && type != '=') {
			while (nstart < nend && is_space(src[nstart]))
				nstart++;
			while (nend > nstart && is_space(src[nend - 1]))
				nend--;
		}
		switch (type) {
		case '!':
			break;
		case '=':
			if ((e = set_delims(p, src + in, ne - in, otag, &olen, ctag, &clen, line)) != DL_OK)
				return e;
			break;
		case '#':
		case '^':
			if (depth == TMPL_MAX_NEST)
				return perr(p, line, "sections nested deeper than %d", TMPL_MAX_NEST);
			if ((n = add_node(p, &stack[depth], type == '#' ? N_SECTION : N_INVERTED)) == NULL)
				return DL_ERR_NOMEM;
			n->line = line;
			if ((e = set_name(p, n, src + nstart, nend - nstart, line)) != DL_OK)
				return e;
			depth++;
			stack[depth].sec = n;
			stack[depth].tail = &n->kids;
			break;
		case '/': {
			struct node *open = stack[depth].sec;

			if (open == NULL)
				return perr(p, line, "closing '%.*s' with no open section",
				    (int)(nend - nstart > 64 ? 64 : nend - nstart), src + nstart);
			if (open->len != nend - nstart || memcmp(open->s, src + nstart, open->len) != 0)
				return perr(p, line, "closing '%.*s' but '%.64s' (line %u) is open",
				    (int)(nend - nstart > 64 ? 64 : nend - nstart), src + nstart, open->s, open->line);
			depth--;
			break;
		}
		case '>':
			if ((n = add_node(p, &stack[depth], N_PARTIAL)) == NULL)
				return DL_ERR_NOMEM;
			if (nend == nstart)
				return perr(p, line, "empty partial name");
			if ((n->s = arena_strndup(p->ar, src + nstart, nend - nstart)) == NULL)
				return DL_ERR_NOMEM;
			n->len = nend - nstart;
			n->standalone = standalone;
			if (standalone) {
				n->indent = src + k;
				n->indentlen = ts - k;
			}
			break;
		default:
			if ((n = add_node(p, &stack[depth], type == 'v' ? N_VAR : N_RAW)) == NULL)
				return DL_ERR_NOMEM;
			if ((e = set_name(p, n, src + nstart, nend - nstart, line)) != DL_OK)
				return e;
			break;
		}
	}
	if (depth > 0)
		return perr(p, stack[depth].sec->line, "unclosed section '%.64s'", stack[depth].sec->s);
	return DL_OK;
}

/* ---- sets ---- */

struct tmpl_set *
tmpl_set_new(void)
{
	return calloc(1, sizeof(struct tmpl_set));
}

void
tmpl_set_free(struct tmpl_set *ts)
{
	size_t i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		arena_free(ts->v[i].ar);
	}
	free(ts->v);
	free(ts);
}

/* Index of `name`, or of where it would go (with *found = 0). */
static size_t
set_find(const struct tmpl_set *ts, const char *name, int *found)
{
	size_t lo = 0, hi = ts->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ts->v[mid].name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct tmpl *
set_get(const struct tmpl_set *ts, const char *name)
{
	int found;
	size_t i = set_find(ts, name, &found);

	return found ? &ts->v[i] : NULL;
}

enum dl_err
tmpl_set_add(struct tmpl_set *ts, const char *name, const char *src, size_t len,
    char *msg, size_t msglen)
{
	struct parser p;
	struct tmpl t = { NULL, NULL, NULL };
	enum dl_err e;
	size_t i;
	int found;

	if (msg && msglen)
		msg[0] = '\0';
	if (len > TMPL_MAX_SRC) {
		if (msg && msglen)
			snprintf(msg, msglen, "%s:1: template larger than %d bytes", name, TMPL_MAX_SRC);
		return DL_ERR_TOOBIG;
	}
	if ((t.ar = arena_new(TMPL_ARENA_MAX)) == NULL || (t.name = strdup(name)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	/* The nodes point into the source, so the arena keeps a copy. */
	memset(&p, 0, sizeof p);
	p.name = name;
	p.len = len;
	p.ar = t.ar;
	p.msg = msg;
	p.msglen = msglen;
	p.line = 1;
	if ((p.src = arena_strndup(t.ar, src, len)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	if ((e = compile(&p, &t.nodes)) != DL_OK) {
		if (e == DL_ERR_NOMEM && msg && msglen)
			snprintf(msg, msglen, "%s:1: out of memory compiling", name);
		goto out;
	}
	i = set_find(ts, name, &found);
	if (found) {
		free(ts->v[i].name);
		arena_free(ts->v[i].ar);
		ts->v[i] = t;
		return DL_OK;
	}
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;
		struct tmpl *v = realloc(ts->v, cap * sizeof *v);

		if (v == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		ts->v = v;
		ts->cap = cap;
	}
	memmove(&ts->v[i + 1], &ts->v[i], (ts->n - i) * sizeof *ts->v);
	ts->v[i] = t;
	ts->n++;
	return DL_OK;
out:
	free(t.name);
	arena_free(t.ar);
	return e;
}

int
tmpl_set_has(const struct tmpl_set *ts, const char *name)
{
	return set_get(ts, name) != NULL;
}

/* ---- rendering ---- */

struct rstate {
	const struct tmpl_set *ts;
	struct buf *out;
	const json_t **stack;
	size_t nstack, capstack;
	struct buf indent;  /* indentation of the standalone partials we are in */
	int line_start;     /* the next template byte starts a line */
	int depth;
};

enum dl_err
tmpl_escape_html(struct buf *out, const char *s, size_t n)
{
	size_t i, run = 0, start = out->len;
	enum dl_err e = DL_OK;

	for (i = 0; i < n; i++) {
		const char *ent;

		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		if ((e = buf_append(out, s + run, i - run)) != DL_OK || (e = buf_puts(out, ent)) != DL_OK)
			goto out;
		run = i + 1;
	}
	e = buf_append(out, s + run, n - run);
out:
	if (e != DL_OK && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return e;
}

static enum dl_err
put_indent(struct rstate *r)
{
	if (!r->line_start)
		return DL_OK;
	r->line_start = 0;
	return r->indent.len ? buf_append(r->out, r->indent.data, r->indent.len) : DL_OK;
}

static enum dl_err
put_text(struct rstate *r, const char *s, size_t n)
{
	enum dl_err e;
	const char *nl;

	if (r->indent.len == 0) {
		r->line_start = n ? s[n - 1] == '\n' : r->line_start;
		return buf_append(r->out, s, n);
	}
	while (n) {
		size_t k;

		if ((e = put_indent(r)) != DL_OK)
			return e;
		nl = memchr(s, '\n', n);
		k = nl ? (size_t)(nl - s) + 1 : n;
		if ((e = buf_append(r->out, s, k)) != DL_OK)
			return e;
		r->line_start = nl != NULL;
		s += k;
		n -= k;
	}
	return DL_OK;
}

/* Shortest decimal that reads back as the same double. */
static enum dl_err
put_real(struct buf *out, double d)
{
	char tmp[64];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return buf_puts(out, tmp);
}

static enum dl_err
put_value(struct rstate *r, const json_t *v, int escape)
{
	enum dl_err e;

	if ((e = put_indent(r)) != DL_OK)
		return e;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return tmpl_escape_html(r->out, json_string_value(v), json_string_length(v));
		return buf_append(r->out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return buf_printf(r->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return put_real(r->out, json_real_value(v));
	case JSON_TRUE:
		return buf_puts(r->out, "true");
	case JSON_FALSE:
		return buf_puts(r->out, "false");
	default:
		return DL_OK;   /* null, objects and arrays print nothing */
	}
}

static const json_t *
lookup(const struct rstate *r, const struct node *n)
{
	const json_t *v = NULL;
	size_t i;

	if (r->nstack == 0)
		return NULL;
	if (n->nparts == 0)
		return r->stack[r->nstack - 1];
	for (i = r->nstack; i-- > 0;)
		if (json_is_object(r->stack[i]) && (v = json_object_get(r->stack[i], n->parts[0])) != NULL)
			break;
	for (i = 1; v && i < n->nparts; i++)
		v = json_is_object(v) ? json_object_get(v, n->parts[i]) : NULL;
	return v;
}

static int
truthy(const json_t *v)
{
	if (v == NULL || json_is_false(v) || json_is_null(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return 1;
}

static enum dl_err
push(struct rstate *r, const json_t *v)
{
	if (r->nstack == r->capstack) {
		size_t cap = r->capstack ? r->capstack * 2 : 32;
		const json_t **s = realloc(r->stack, cap * sizeof *s);

		if (s == NULL)
			return DL_ERR_NOMEM;
		r->stack = s;
		r->capstack = cap;
	}
	r->stack[r->nstack++] = v;
	return DL_OK;
}

static enum dl_err render_nodes(struct rstate *r, const struct node *n);

static enum dl_err
render_with(struct rstate *r, const json_t *v, const struct node *kids)
{
	enum dl_err e;

	if ((e = push(r, v)) != DL_OK)
		return e;
	e = render_nodes(r, kids);
	r->nstack--;
	return e;
}

static enum dl_err
render_partial(struct rstate *r, const struct node *n)
{
	const struct tmpl *t = set_get(r->ts, n->s);
	size_t oldlen = r->indent.len;
	enum dl_err e;

	if (t == NULL)
		return DL_OK;
	if (r->depth >= TMPL_MAX_PARTIAL)
		return DL_ERR_TOOBIG;
	if (n->standalone) {
		if ((e = buf_append(&r->indent, n->indent, n->indentlen)) != DL_OK)
			return e;
		r->line_start = 1;
	}
	r->depth++;
	e = render_nodes(r, t->nodes);
	r->depth--;
	r->indent.len = oldlen;
	if (r->indent.data)
		r->indent.data[oldlen] = '\0';
	return e;
}

static enum dl_err
render_nodes(struct rstate *r, const struct node *n)
{
	enum dl_err e = DL_OK;
	const json_t *v;
	size_t i;

	for (; n && e == DL_OK; n = n->next) {
		switch (n->type) {
		case N_TEXT:
			e = put_text(r, n->s, n->len);
			break;
		case N_VAR:
		case N_RAW:
			v = lookup(r, n);
			e = v ? put_value(r, v, n->type == N_VAR) : put_indent(r);
			break;
		case N_SECTION:
			v = lookup(r, n);
			if (!truthy(v))
				break;
			if (json_is_array(v)) {
				for (i = 0; i < json_array_size(v) && e == DL_OK; i++)
					e = render_with(r, json_array_get(v, i), n->kids);
			} else {
				e = render_with(r, v, n->kids);
			}
			break;
		case N_INVERTED:
			if (!truthy(lookup(r, n)))
				e = render_nodes(r, n->kids);
			break;
		case N_PARTIAL:
			e = render_partial(r, n);
			break;
		}
	}
	return e;
}

enum dl_err
tmpl_render(const struct tmpl_set *ts, const char *name, const json_t *ctx, struct buf *out)
{
	const struct tmpl *t = set_get(ts, name);
	struct rstate r;
	size_t start = out->len;
	enum dl_err e;

	if (t == NULL)
		return DL_ERR_NOTFOUND;
	memset(&r, 0, sizeof r);
	r.ts = ts;
	r.out = out;
	r.line_start = 1;
	r.indent.max = TMPL_MAX_INDENT;
	e = ctx ? push(&r, ctx) : DL_OK;
	if (e == DL_OK)
		e = render_nodes(&r, t->nodes);
	free(r.stack);
	buf_free(&r.indent);
	if (e != DL_OK && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return e;
}

enum dl_err
tmpl_render_string(const char *src, const json_t *ctx, const json_t *partials,
    struct buf *out, char *msg, size_t msglen)
{
	static const char main_name[] = "(string)";
	struct tmpl_set *ts;
	const char *key;
	json_t *val;
	enum dl_err e;

	if (msg && msglen)
		msg[0] = '\0';
	if ((ts = tmpl_set_new()) == NULL)
		return DL_ERR_NOMEM;
	if (partials && !json_is_object(partials)) {
		e = DL_ERR_INVALID;
		goto out;
	}
	json_object_foreach((json_t *)partials, key, val) {
		if (!json_is_string(val)) {
			if (msg && msglen)
				snprintf(msg, msglen, "%s:1: partial is not a string", key);
			e = DL_ERR_INVALID;
			goto out;
		}
		if ((e = tmpl_set_add(ts, key, json_string_value(val), json_string_length(val),
		    msg, msglen)) != DL_OK)
			goto out;
	}
	if ((e = tmpl_set_add(ts, main_name, src, strlen(src), msg, msglen)) != DL_OK)
		goto out;
	e = tmpl_render(ts, main_name, ctx, out);
out:
	tmpl_set_free(ts);
	return e;
}
