/* query.c - search query parsing and snippets (see query.h). */
#include <limits.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include "base/buf.h"
#include "search/query.h"
#include "text/token.h"

#define SNIPPET_SCAN_MAX (64u << 10)   /* bytes of text looked at for a snippet */
#define SNIPPET_HITS_MAX 1024
#define STEMS_MAX 256
/* A snippet's text is tokenized (the costly part: normalizing, folding,
 * stemming every word) in chunks of lines of at least this many bytes; once
 * a window of what was read holds every query word, the rest is not looked
 * at. */
#define SNIPPET_CHUNK 256

/* ---- parsing ---- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* `text` as valid UTF-8: invalid bytes become U+FFFD, control characters
 * spaces. NULL when out of memory. */
static char *
clean_utf8(struct arena *ar, const char *text, size_t len)
{
	char *out = arena_alloc(ar, len * 3 + 1), *o = out;
	const unsigned char *s = (const unsigned char *)text, *end = s + len;

	if (out == NULL)
		return NULL;
	while (s < end) {
		size_t n = utf8_len(s);

		if (n == 0 || s + n > end) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			s++;
			continue;
		}
		if (n == 1 && (*s < 0x20 || *s == 0x7F))
			*o++ = ' ';
		else
			memcpy(o, s, n), o += n;
		s += n;
	}
	*o = '\0';
	return out;
}

/* Bytes of white space at p (ASCII space, U+3000 ideographic space), 0 if none. */
static size_t
space_at(const char *p)
{
	if (*p == ' ' || *p == '\t')
		return 1;
	if (memcmp(p, "\xE3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* Bytes of an opening/closing double quote at p: '"', U+201C, U+201D. */
static size_t
quote_at(const char *p)
{
	if (*p == '"')
		return 1;
	if (memcmp(p, "\xE2\x80\x9C", 3) == 0 || memcmp(p, "\xE2\x80\x9D", 3) == 0)
		return 3;
	return 0;
}

enum dl_err
search_parse(struct arena *ar, const char *text, struct search_query *q)
{
	const char *p, *start;
	size_t len = text ? strlen(text) : 0, k;
	int exclude, pending_or = 0;

	memset(q, 0, sizeof *q);
	if ((q->text = clean_utf8(ar, text ? text : "", len)) == NULL)
		return DL_ERR_NOMEM;
	if (len > SEARCH_QUERY_MAX)
		return DL_ERR_TOOBIG;
	p = q->text;
	for (;;) {
		struct dl_search_term *t;
		char *word;
		int phrase = 0;

		while ((k = space_at(p)) > 0)
			p += k;
		if (*p == '\0')
			break;
		exclude = 0;
		if (*p == '-' && p[1] && !space_at(p + 1)) {
			exclude = 1;
			p++;
		}
		if ((k = quote_at(p)) > 0) {
			phrase = 1;
			p += k;
			start = p;
			while (*p && !quote_at(p))
				p++;
			word = arena_strndup(ar, start, (size_t)(p - start));
			if (*p)
				p += quote_at(p);
		} else {
			start = p;
			while (*p && !space_at(p) && !quote_at(p))
				p++;
			word = arena_strndup(ar, start, (size_t)(p - start));
		}
		if (word == NULL)
			return DL_ERR_NOMEM;
		if (!phrase && !exclude && (strcmp(word, "OR") == 0 || strcmp(word, "|") == 0)) {
			pending_or = q->n_terms > 0 && !q->terms[q->n_terms - 1].exclude;
			continue;
		}
		if (word[0] == '\0' || (!phrase && strcmp(word, "-") == 0))
			continue;
		if (q->n_terms == DL_SEARCH_MAX_TERMS)
			return DL_ERR_TOOBIG;
		if (pending_or && !exclude)
			q->terms[q->n_terms - 1].or_next = 1;
		pending_or = 0;
		t = &q->terms[q->n_terms++];
		t->text = word;
		t->phrase = phrase;
		t->exclude = exclude;
		q->n_positive += !exclude;
	}
	return DL_OK;
}

/* ---- stems ---- */

struct stem_ctx {
	struct arena *ar;
	struct search_stems *s;
	size_t cap;
	enum dl_err e;
};

static void
stem_emit(void *ctx, const char *term, size_t n, int pos)
{
	struct stem_ctx *c = ctx;
	size_t i;

	(void)pos;
	if (c->e != DL_OK || c->s->n >= c->cap)
		return;
	for (i = 0; i < c->s->n; i++)
		if (strlen(c->s->v[i]) == n && memcmp(c->s->v[i], term, n) == 0)
			return;
	if ((c->s->v[c->s->n] = arena_strndup(c->ar, term, n)) == NULL) {
		c->e = DL_ERR_NOMEM;
		return;
	}
	c->s->n++;
}

enum dl_err
search_stems(struct tok *t, struct arena *ar, const char *lang, const struct search_query *q,
    struct search_stems *out)
{
	struct stem_ctx c = { ar, out, STEMS_MAX, DL_OK };
	size_t i;
	enum dl_err e;

	out->n = 0;
	if ((out->v = arena_alloc(ar, STEMS_MAX * sizeof *out->v)) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < q->n_terms; i++) {
		if (q->terms[i].exclude)
			continue;
		e = tok_text(t, lang, q->terms[i].text, strlen(q->terms[i].text), stem_emit, &c);
		if (e != DL_OK && e != DL_ERR_TOOBIG)
			return e;
		if (c.e != DL_OK)
			return c.e;
	}
	return DL_OK;
}

/* ---- snippets ---- */

struct hit_ctx {
	const struct search_stems *stems;
	int pos[SNIPPET_HITS_MAX];
	int which[SNIPPET_HITS_MAX];
	size_t n;
	int words;   /* positions seen: last pos + 1 */
	int base;    /* added to the positions tok_text_ex reports */
};

static void
hit_emit(void *ctx, const struct tok_word *w)
{
	struct hit_ctx *h = ctx;
	size_t i;

	h->words = h->base + w->pos + 1;
	if (h->n >= SNIPPET_HITS_MAX)
		return;
	for (i = 0; i < h->stems->n; i++)
		if (strlen(h->stems->v[i]) == w->n && memcmp(h->stems->v[i], w->term, w->n) == 0) {
			h->pos[h->n] = h->base + w->pos;
			h->which[h->n] = (int)i;
			h->n++;
			return;
		}
}

/* The best window of `words` positions: most distinct stems, then most
 * hits; its first position into *first. */
static int
best_window(const struct hit_ctx *h, int words, size_t nstems)
{
	size_t i, j, k;
	int best = -1, best_first = 0, best_hits = -1;
	unsigned char seen[STEMS_MAX];

	for (i = 0; i < h->n; i++) {
		int distinct = 0, hits = 0;

		memset(seen, 0, nstems < STEMS_MAX ? nstems : STEMS_MAX);
		for (j = i; j < h->n && h->pos[j] < h->pos[i] + words; j++) {
			k = (size_t)h->which[j];
			if (k < STEMS_MAX && !seen[k]) {
				seen[k] = 1;
				distinct++;
			}
			hits++;
		}
		if (distinct > best || (distinct == best && hits > best_hits)) {
			best = distinct;
			best_hits = hits;
			best_first = h->pos[i];
		}
		if (j - i > 64)   /* dense enough: stop looking */
			break;
	}
	/* Start a few words before the first hit, for context. */
	best_first -= words / 5;
	return best_first < 0 ? 0 : best_first;
}

/* 1 when some window of `words` positions holds every one of the nstems
 * stems. */
static int
all_in_window(const struct hit_ctx *h, int words, size_t nstems)
{
	unsigned char seen[STEMS_MAX];
	size_t i, j, k, distinct;

	if (nstems == 0 || nstems > STEMS_MAX)
		return 0;
	for (i = 0; i < h->n; i++) {
		memset(seen, 0, nstems);
		distinct = 0;
		for (j = i; j < h->n && h->pos[j] < h->pos[i] + words; j++) {
			k = (size_t)h->which[j];
			if (k < nstems && !seen[k]) {
				seen[k] = 1;
				distinct++;
			}
		}
		if (distinct == nstems)
			return 1;
	}
	return 0;
}

/* Where the chunk of text[0..len) from `off` ends: just after the first
 * line break at or past SNIPPET_CHUNK bytes from there, else len. */
static size_t
chunk_end(const char *text, size_t len, size_t off)
{
	const char *nl;

	if (len - off <= SNIPPET_CHUNK + 1)
		return len;
	nl = memchr(text + off + SNIPPET_CHUNK, '\n', len - off - SNIPPET_CHUNK - 1);
	return nl ? (size_t)(nl - text) + 1 : len;
}

/* Snowball stems are the start of the words they come from, save for
 * their last letters: a chunk of text holding none of the stems' first
 * SNIPPET_PREFIX letters (ASCII, any case) has no match and need not be
 * tokenized. 1 when text[0..len) may hold one; always 1 when a stem is not
 * ASCII letters (no such shortcut for it). */
#define SNIPPET_PREFIX 3

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
may_hold(const struct search_stems *stems, const char *text, size_t len)
{
	size_t i, j, k, n;

	for (i = 0; i < stems->n; i++) {
		const char *p = stems->v[i];

		n = strlen(p) < SNIPPET_PREFIX ? strlen(p) : SNIPPET_PREFIX;
		for (k = 0; k < n; k++)
			if (p[k] < 'a' || p[k] > 'z')
				return 1;
		if (n == 0)
			return 1;
		for (j = 0; j + n <= len; j++) {
			for (k = 0; k < n && ascii_lower((unsigned char)text[j + k]) == p[k]; k++)
				;
			if (k == n)
				return 1;
		}
	}
	return 0;
}

/* The positions in text[0..len) as tok_text_ex counts them (words of
 * letters or digits), with ICU over the UTF-8 itself (*ut and bi reused);
 * -1 on an ICU error. */
static int
count_words(UText **ut, UBreakIterator *bi, const char *text, size_t len)
{
	UErrorCode err = U_ZERO_ERROR;
	int n = 0;

	*ut = utext_openUTF8(*ut, text, (int64_t)len, &err);
	if (U_SUCCESS(err))
		ubrk_setUText(bi, *ut, &err);
	if (U_FAILURE(err))
		return -1;
	ubrk_first(bi);
	while (ubrk_next(bi) != UBRK_DONE)
		if (ubrk_getRuleStatus(bi) >= UBRK_WORD_NUMBER)
			n++;
	return n;
}

static enum dl_err
seg_push(struct arena *ar, struct search_seg **v, size_t *n, size_t *cap, const char *s, size_t len,
    int hit)
{
	if (len == 0)
		return DL_OK;
	if (*n == *cap) {
		struct search_seg *nv;

		*cap = *cap ? *cap * 2 : 16;
		if ((nv = arena_alloc(ar, *cap * sizeof *nv)) == NULL)
			return DL_ERR_NOMEM;
		if (*n)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
	}
	if (((*v)[*n].text = arena_strndup(ar, s, len)) == NULL)
		return DL_ERR_NOMEM;
	(*v)[*n].hit = hit;
	(*n)++;
	return DL_OK;
}

enum dl_err
search_snippet(struct tok *t, struct arena *ar, const char *lang, const struct search_stems *stems,
    const char *text, size_t words, struct search_seg **segs, size_t *n)
{
	struct hit_ctx *h = NULL;
	UErrorCode err = U_ZERO_ERROR;
	UText *ut = NULL;
	UBreakIterator *bi = NULL;
	size_t len, cap = 0, hi = 0, cur, from_byte = 0, to_byte, off, end;
	int first = 0, last, pos = 0, s, e, cut_start, cut_end = 0, nw;
	enum dl_err rc = DL_OK;

	*segs = NULL;
	*n = 0;
	if (text == NULL || (len = strlen(text)) == 0)
		return DL_OK;
	if (len > SNIPPET_SCAN_MAX) {
		len = SNIPPET_SCAN_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	if ((h = arena_alloc(ar, sizeof *h)) == NULL)
		return DL_ERR_NOMEM;
	h->stems = stems;
	bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
	if (U_FAILURE(err)) {
		rc = DL_ERR_INVALID;
		goto out;
	}
	for (off = 0; off < len; off = end) {
		/* Line by line (a chunk at a time) when a window is wanted;
		 * positions go on from the chunks before. */
		end = words > 0 ? chunk_end(text, len, off) : len;
		if (words > 0 && !may_hold(stems, text + off, end - off)) {
			if ((nw = count_words(&ut, bi, text + off, end - off)) < 0) {
				rc = DL_ERR_INVALID;
				goto out;
			}
			h->base += nw;
			if (h->words < h->base)
				h->words = h->base;
			continue;
		}
		if ((rc = tok_text_ex(t, lang, text + off, end - off, 0, hit_emit, h)) != DL_OK)
			goto out;
		if (end == len)
			break;
		if (all_in_window(h, (int)words, stems->n)) {
			h->words = INT_MAX / 2;   /* more than the window; no end in view */
			break;
		}
		if ((nw = count_words(&ut, bi, text + off, end - off)) < 0) {
			rc = DL_ERR_INVALID;
			goto out;
		}
		h->base += nw;
	}
	if (words == 0)
		words = (size_t)h->words + 1;
	else if (h->n && h->words > (int)words) {
		first = best_window(h, (int)words, stems->n);
		if (first > h->words - (int)words)   /* fill the window up to the end */
			first = h->words - (int)words;
	}
	last = first + (int)words;   /* positions [first, last) */
	to_byte = len;
	/* Walk the words again with ICU over the UTF-8 itself to map positions
	 * to byte offsets: a position is a segment tok_text_ex counts (numbers
	 * and letters). */
	ut = utext_openUTF8(ut, text, (int64_t)len, &err);
	if (U_FAILURE(err)) {
		rc = DL_ERR_INVALID;
		goto out;
	}
	ubrk_setUText(bi, ut, &err);
	if (U_FAILURE(err)) {
		rc = DL_ERR_INVALID;
		goto out;
	}
	cut_start = first > 0;
	if (cut_start && (rc = seg_push(ar, segs, n, &cap, "… ", strlen("… "), 0)) != DL_OK)
		goto out;
	cur = 0;
	s = ubrk_first(bi);
	for (e = ubrk_next(bi); e != UBRK_DONE; s = e, e = ubrk_next(bi)) {
		if (ubrk_getRuleStatus(bi) < UBRK_WORD_NUMBER)
			continue;
		if (pos == first) {
			from_byte = (size_t)s;
			cur = from_byte;
		}
		if (pos >= last) {
			to_byte = (size_t)s;
			cut_end = 1;
			break;
		}
		if (pos >= first) {
			while (hi < h->n && h->pos[hi] < pos)
				hi++;
			if (hi < h->n && h->pos[hi] == pos) {
				if ((rc = seg_push(ar, segs, n, &cap, text + cur, (size_t)s - cur, 0)) != DL_OK ||
				    (rc = seg_push(ar, segs, n, &cap, text + s, (size_t)(e - s), 1)) != DL_OK)
					goto out;
				cur = (size_t)e;
			}
		}
		pos++;
	}
	if (pos <= first && first > 0) {   /* tokenizer and walk disagree */
		*n = 0;
		goto out;
	}
	if (cut_end) {
		/* end on the last word, not the spaces after it */
		while (to_byte > cur && (text[to_byte - 1] == ' ' || text[to_byte - 1] == '\n'))
			to_byte--;
	} else if (len < strlen(text)) {
		cut_end = 1;
	}
	if (to_byte > cur && (rc = seg_push(ar, segs, n, &cap, text + cur, to_byte - cur, 0)) != DL_OK)
		goto out;
	/* Paragraph breaks read as spaces in a snippet. */
	for (hi = 0; hi < *n; hi++) {
		char *p = (char *)(*segs)[hi].text;

		for (; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	if (cut_end && (rc = seg_push(ar, segs, n, &cap, " …", strlen(" …"), 0)) != DL_OK)
		goto out;
out:
	ubrk_close(bi);
	utext_close(ut);
	return rc;
}
