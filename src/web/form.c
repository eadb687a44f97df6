/* form.c - application/x-www-form-urlencoded bodies. */
#include <strings.h>
#include <string.h>
#include <unicode/utf8.h>
#include "web/web.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into the arena; NULL when malformed, not UTF-8 or with NUL. */
static char *
decode(struct arena *ar, const char *s, size_t n)
{
	char *out = arena_alloc(ar, n + 1), *o = out;
	size_t i;
	int32_t off = 0, len;
	UChar32 c;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return NULL;
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	len = (int32_t)(o - out);
	while (off < len) {
		U8_NEXT(out, off, len, c);
		if (c <= 0)
			return NULL;
	}
	return out;
}

static int
is_form(const struct req *rq)
{
	const char *ct = req_header(rq, "Content-Type");

	return rq->body && ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

/* Calls back for each key=value pair whose key equals `key`. */
static enum dl_err
each(const struct req *rq, const char *key, int (*fn)(void *, char *), void *ctx)
{
	const char *p = rq->body, *end = rq->body + rq->body_len, *amp, *eq;
	size_t klen = strlen(key);
	char *k, *v;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		k = decode(rq->arena, p, (size_t)(eq - p));
		if (k && strlen(k) == klen && memcmp(k, key, klen) == 0) {
			v = decode(rq->arena, eq < amp ? eq + 1 : eq, eq < amp ? (size_t)(amp - eq - 1) : 0);
			if (v && fn(ctx, v))
				return DL_OK;
		}
		p = amp + 1;
	}
	return DL_OK;
}

static int
first(void *ctx, char *v)
{
	*(char **)ctx = v;
	return 1;
}

const char *
req_form(const struct req *rq, const char *key)
{
	char *v = NULL;

	if (!is_form(rq) || each(rq, key, first, &v) != DL_OK)
		return NULL;
	return v;
}

struct all {
	struct arena *ar;
	const char **vals;
	size_t n, cap;
	int oom;
};

static int
collect(void *ctx, char *v)
{
	struct all *a = ctx;
	const char **nv;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		if ((nv = arena_alloc(a->ar, a->cap * sizeof *nv)) == NULL) {
			a->oom = 1;
			return 1;
		}
		if (a->n)
			memcpy(nv, a->vals, a->n * sizeof *nv);
		a->vals = nv;
	}
	a->vals[a->n++] = v;
	return 0;
}

enum dl_err
req_form_all(const struct req *rq, const char *key, const char ***vals, size_t *n)
{
	struct all a = { .ar = rq->arena };

	*vals = NULL;
	*n = 0;
	if (!is_form(rq))
		return DL_OK;
	if (each(rq, key, collect, &a) != DL_OK || a.oom)
		return DL_ERR_NOMEM;
	*vals = a.vals;
	*n = a.n;
	return DL_OK;
}
