/* search.h - what the search page (search.c) and the search API
 * (api_search.c) share: reading the request's parameters, running the
 * search, and the snippets. Private to src/pages. */
#ifndef DL_PAGES_SEARCH_H
#define DL_PAGES_SEARCH_H

#include <jansson.h>
#include "search/query.h"
#include "store/store.h"
#include "web/web.h"

enum search_state {
	SEARCH_OK = 0,       /* ran: list (maybe empty) and total */
	SEARCH_EMPTY,        /* no query: show the form */
	SEARCH_TOO_LONG,     /* past SEARCH_QUERY_MAX bytes or DL_SEARCH_MAX_TERMS terms */
	SEARCH_NO_WORDS,     /* nothing searchable (stop words, punctuation, exclusions only) */
	SEARCH_BAD_FILTER,   /* from= / to= not YYYY-MM-DD */
};

struct search_run {
	struct search_query q;
	struct dl_search s;
	enum search_state state;
	size_t page, per_page;
	struct dl_article_list list;
	int total_exact;                 /* 0: list.total is a lower bound */
	struct dl_search_lang *others;   /* other editions with matches, when this one has none */
	size_t n_others;
	const char *message_key;         /* i18n key for the state, NULL when OK */
};

/* Reads q, place, tag, author, from, to, sort (and lang when `lang` is
 * NULL: searching every edition) and page (DL_ERR_NOTFOUND when malformed)
 * from rq, then searches `lang` (NULL: every language). per_page at most
 * 100. Never fails on what the reader typed: bad input sets the state. */
enum dl_err search_execute(struct req *rq, const char *lang, size_t per_page,
    struct search_run *r) DL_WUR;

/* Headline and body snippets of result `a` as segment arrays
 * [{"text", "hit"}] (new references). `t` is the request's tokenizer. */
enum dl_err search_item_snippets(struct req *rq, struct tok *t, const struct search_run *r,
    const struct dl_article *a, json_t **headline, json_t **snippet) DL_WUR;

/* The query string for another page or sort of the same search (without
 * "?"), values percent-encoded; arena. `page` 1 leaves page out; `sort`
 * NULL keeps the current one. */
char *search_query_string(struct req *rq, const struct search_run *r, int with_lang,
    size_t page, const char *sort);

#endif
