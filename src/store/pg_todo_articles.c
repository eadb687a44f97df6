/* pg_todo_articles.c - TEMPORARY scaffolding while pg_articles.c is written: every
 * function here refuses. Delete this file when the real one lands. */
#include "store/pg_int.h"

enum dl_err
pg_article_get(struct store *st, struct arena *ar, const char *lang, const char *slug, struct dl_article *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_article_get_uri(struct store *st, struct arena *ar, const char *uri, struct dl_article *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_articles_list(struct store *st, struct arena *ar, const struct dl_filter *f, size_t offset, size_t limit, struct dl_article_list *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_translations(struct store *st, struct arena *ar, const struct dl_article *a, struct dl_article_list *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related(struct store *st, struct arena *ar, const struct dl_article *a, size_t limit, struct dl_article_list *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_term_get(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang, const char *slug, struct dl_term *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_archive_months(struct store *st, struct arena *ar, const char *lang, struct dl_month **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_languages(struct store *st, struct arena *ar, const char ***out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_article_put(struct store *st, const struct dl_article *a, int *created)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_articles_each(struct store *st, int (*fn)(void *ctx, const struct dl_article *a), void *ctx)
{
	return DL_ERR_UNSUPPORTED;
}

int64_t
pg_article_count(struct store *st)
{
	return 0;
}

enum dl_err
pg_related_put(struct store *st, const char *uri, const struct dl_related *items, size_t n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_get(struct store *st, struct arena *ar, const char *uri, struct dl_related **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_override_set(struct store *st, const char *uri, const char *other, enum dl_related_override kind)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_overrides(struct store *st, struct arena *ar, const char *uri, const char ***others, enum dl_related_override **kinds, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_state_put(struct store *st, const char *name, const void *data, size_t len)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_state_get(struct store *st, const char *name, void **data, size_t *len)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_state_each(struct store *st, const char *prefix, int (*fn)(void *ctx, const char *name, const void *data, size_t len), void *ctx)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_state_clear(struct store *st)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_related_state_read(struct store *st, const char *name, const size_t *offsets, size_t n, size_t len, void *buf)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_row_article(struct arena *ar, const PGresult *r, int row, int body, struct dl_article *a)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_load_terms(struct store *st, struct arena *ar, struct dl_article *a)
{
	return DL_ERR_UNSUPPORTED;
}
