/* token.h - the tokenizer shared by the See-also engine and search.
 *
 * Text is split into words with ICU word breaking (dictionary based for
 * Chinese, Japanese, Thai...), each word NFKC-normalised and case-folded
 * (u_strFoldCase), stop words dropped (small hand-written lists per language
 * in token.c; document frequency does the rest in the engines), then stemmed
 * with Snowball (libstemmer) when it has the language. Numbers and
 * punctuation are dropped. Invalid UTF-8 is replaced by U+FFFD, which is not
 * a word, so it never reaches the callback.
 *
 * Threads: a struct tok holds ICU and Snowball objects that are not
 * thread-safe; use one per thread. Nothing is global.
 */
#ifndef DL_TEXT_TOKEN_H
#define DL_TEXT_TOKEN_H

#include <stddef.h>
#include "base/buf.h"
#include "base/err.h"

/* Input cap of one tok_text() call, in bytes: longer text is refused with
 * DL_ERR_TOOBIG (callers cut it first, at a paragraph if they like). */
#define TOK_MAX_INPUT (4u << 20)
/* Words longer than this many UTF-16 units are skipped (not words). */
#define TOK_MAX_WORD 64

struct tok;

/* One word as tok_text_ex() reports it. `term` is the stemmed, folded form
 * (NUL-terminated, valid until the callback returns); `cap` is 1 when the
 * word began with an upper-case or title-case letter in the source, `start`
 * is 1 when it is the first word after a sentence end (or of the text),
 * `stop` is 1 for a stop word (only reported with TOK_KEEP_STOP). */
struct tok_word {
	const char *term;
	size_t n;
	int pos;
	int cap;
	int start;
	int stop;
	int num;      /* a number (only with TOK_KEEP_NUMBERS), as written */
};

#define TOK_KEEP_STOP 1u     /* report stop words too, flagged */
#define TOK_KEEP_NUMBERS 2u  /* report numbers too, flagged */

/* A new tokenizer; NULL when out of memory or ICU fails. Free with
 * tok_free(). */
struct tok *tok_new(void);
void tok_free(struct tok *t);

/* Calls emit for every kept word of `text` (`len` bytes of UTF-8) in order;
 * `pos` counts all words, kept or not, from 0. `lang` is a BCP 47 tag ("en",
 * "pt-BR"); unknown or NULL means no stemming and no stop words.
 * DL_ERR_TOOBIG above TOK_MAX_INPUT, DL_ERR_NOMEM, DL_ERR_INVALID when ICU
 * refuses the text. */
enum dl_err tok_text(struct tok *t, const char *lang, const char *text, size_t len,
    void (*emit)(void *ctx, const char *term, size_t n, int pos), void *ctx) DL_WUR;

enum dl_err tok_text_ex(struct tok *t, const char *lang, const char *text, size_t len,
    unsigned flags, void (*emit)(void *ctx, const struct tok_word *w), void *ctx) DL_WUR;

/* Appends the terms of the NUL-terminated `text` to b, separated by one
 * space (a space first when b is not empty): the text the search indexes
 * of both stores hold. Text past TOK_MAX_INPUT is left out. */
enum dl_err tok_join(struct tok *t, const char *lang, const char *text, struct buf *b) DL_WUR;

/* 1 when Snowball has a stemmer for `lang`. */
int tok_has_stemmer(struct tok *t, const char *lang);

#endif
