/* pg_todo_search.c - TEMPORARY scaffolding while pg_search.c is written: every
 * function here refuses. Delete this file when the real one lands. */
#include "store/pg_int.h"

enum dl_err
pg_search(struct store *st, struct arena *ar, const struct dl_search *q, size_t offset, size_t limit, struct dl_article_list *out, int *exact)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_search_langs(struct store *st, struct arena *ar, const struct dl_search *q, struct dl_search_lang **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_search_rebuild(struct store *st, int64_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_search_put(struct store *st, const struct dl_article *a)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_search_reindex_term(struct store *st, int64_t term)
{
	return DL_ERR_UNSUPPORTED;
}

const char pg_search_schema[] = "SELECT 1";
