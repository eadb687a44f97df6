/* query.h - what readers type into the search box, made safe: parsing into
 * a struct dl_search's terms (never engine syntax), and snippets with the
 * matched words marked.
 *
 * Syntax: words; "exact phrases" (an unclosed quote runs to the end);
 * -word and -"phrase" exclude; OR (or |) between two terms means either.
 * Anything else (FTS5 operators, *, parentheses, NEAR) is just text, which
 * the tokenizer reduces to words or nothing.
 *
 * Strings come from the arena given; nothing is global. */
#ifndef DL_SEARCH_QUERY_H
#define DL_SEARCH_QUERY_H

#include <stddef.h>
#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#define SEARCH_QUERY_MAX 1000   /* bytes of query text */

struct tok;

struct search_query {
	const char *text;                 /* the query as valid UTF-8 (bad bytes become U+FFFD) */
	struct dl_search_term terms[DL_SEARCH_MAX_TERMS];
	size_t n_terms;
	size_t n_positive;
};

/* Parses `text` (any bytes, NUL-terminated) into q. DL_OK with n_terms 0
 * for an empty or blank query; DL_ERR_TOOBIG past SEARCH_QUERY_MAX bytes or
 * DL_SEARCH_MAX_TERMS terms (q->text is still set); DL_ERR_NOMEM. */
enum dl_err search_parse(struct arena *ar, const char *text, struct search_query *q) DL_WUR;

/* A run of snippet text; `hit` marks a matched word. Plain text: the
 * template escapes it. */
struct search_seg {
	const char *text;
	int hit;
};

/* The searchable terms of q's positive terms in `lang` (what the index
 * holds), for search_snippet(). */
struct search_stems {
	const char **v;
	size_t n;
};
enum dl_err search_stems(struct tok *t, struct arena *ar, const char *lang,
    const struct search_query *q, struct search_stems *out) DL_WUR;

/* The part of `text` (in `lang`) around the densest cluster of matched
 * words, at most `words` words, as segments with the matches marked and
 * "…" where text was cut; with words 0, the whole text (capped at 64 KiB)
 * marked. When nothing matches, the opening words. *n 0 for empty text. */
enum dl_err search_snippet(struct tok *t, struct arena *ar, const char *lang,
    const struct search_stems *stems, const char *text, size_t words,
    struct search_seg **segs, size_t *n) DL_WUR;

#endif
