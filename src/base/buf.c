#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/buf.h"

static enum dl_err
reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return DL_ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return DL_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	if ((p = realloc(b->data, cap)) == NULL)
		return DL_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return DL_OK;
}

enum dl_err
buf_append(struct buf *b, const void *p, size_t n)
{
	enum dl_err e;

	if ((e = reserve(b, n)) != DL_OK)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return DL_OK;
}

enum dl_err
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum dl_err
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

enum dl_err
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	enum dl_err e;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return DL_ERR_INVALID;
	if ((e = reserve(b, (size_t)n)) != DL_OK)
		return e;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return DL_OK;
}

enum dl_err
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum dl_err e;

	va_start(ap, fmt);
	e = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return e;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
buf_detach(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
