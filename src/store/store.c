/* store.c - store.h's door: picks the engine by the DSN and passes every
 * call to it (the table of src/store/store_ops.h). */
#include <stdio.h>
#include <string.h>
#include "store/store_ops.h"

/* Tables a whole-site copy moves, parents before children. The search
 * index is rebuilt instead, and meta (the generation) belongs to each
 * database. */
const char *const store_tables[] = {
	"articles", "terms", "article_terms", "term_aliases", "corrections",
	"related", "related_overrides", "related_state", "secrets",
	"users", "sessions", "password_tokens", "login_failures",
	"newsroom_articles", "revisions", "audit",
	"mail_addresses", "newsletters", "subscribers", "subscriber_newsletters",
	"subscriber_terms", "outbox",
};
const size_t store_n_tables = sizeof store_tables / sizeof store_tables[0];

int
store_table_known(const char *table)
{
	size_t i;

	for (i = 0; i < store_n_tables; i++)
		if (strcmp(store_tables[i], table) == 0)
			return 1;
	return 0;
}

int
store_name_plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

enum dl_err
store_term_push(struct arena *ar, struct dl_term **v, size_t *n, size_t *cap, const char *name,
    const char *slug)
{
	struct dl_term *nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((nv = arena_alloc(ar, *cap * sizeof *nv)) == NULL)
			return DL_ERR_NOMEM;
		if (*n)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
	}
	(*v)[*n].name = name;
	(*v)[*n].slug = slug;
	(*n)++;
	return DL_OK;
}

size_t
store_search_positive_terms(const struct dl_search *q)
{
	size_t i, n = 0;

	for (i = 0; i < q->n_terms && i < DL_SEARCH_MAX_TERMS; i++)
		n += !q->terms[i].exclude;
	return n;
}

void
store_list_one_per_lang(struct dl_article_list *out)
{
	size_t i, j;

	for (i = j = 0; i < out->n; i++)
		if (j == 0 || strcmp(out->items[j - 1].lang, out->items[i].lang) != 0)
			out->items[j++] = out->items[i];
	out->n = j;
	out->total = (int64_t)j;
}

/* A libpq connection URI or keyword/value string selects PostgreSQL;
 * anything else names a SQLite file. */
int
store_dsn_is_postgres(const char *dsn)
{
	return strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0 ||
	    strncmp(dsn, "dbname=", 7) == 0 || strncmp(dsn, "host=", 5) == 0;
}

void
store_dsn_shown(const char *dsn, char *out, size_t len)
{
	if (len == 0)
		return;
	if (!store_dsn_is_postgres(dsn))
		snprintf(out, len, "%s", dsn);
	else if (pg_dsn_shown(dsn, out, len) != DL_OK)
		snprintf(out, len, "(a PostgreSQL connection string that does not parse)");
}

enum dl_err
store_open(const char *dsn, struct store **out, char *msg, size_t msglen)
{
	if (dsn && store_dsn_is_postgres(dsn))
		return pg_open(dsn, out, msg, msglen);
	return sqlite_open(dsn, out, msg, msglen);
}

void
store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

const char *
store_engine(struct store *st)
{
	return st->ops->engine;
}

#define PASS(ret, name, params, args) \
	ret store_##name params { return st->ops->name args; }
#define PASS_VOID(ret, name, params, args) \
	ret store_##name params { st->ops->name args; }
STORE_OPS(PASS)
STORE_OPS_VOID(PASS_VOID)
