/* pg_todo_core.c - TEMPORARY scaffolding while pg_core.c is written: every
 * function here refuses. Delete this file when the real one lands. */
#include <stdio.h>
#include "store/pg_int.h"

int
pg_schema_version(struct store *st)
{
	return 0;
}

uint64_t
pg_generation(struct store *st)
{
	return 0;
}

enum dl_err
pg_begin(struct store *st)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_commit(struct store *st)
{
	return DL_ERR_UNSUPPORTED;
}

void
pg_rollback(struct store *st)
{
	return;
}

enum dl_err
pg_backup(struct store *st, const char *dest, char *msg, size_t msglen)
{
	return DL_ERR_UNSUPPORTED;
}

void
pg_touch(struct store *st)
{
	return;
}

enum dl_err
pg_secret(struct store *st, unsigned char key[32])
{
	return DL_ERR_UNSUPPORTED;
}

int
pg_lock_try(struct store *st, enum dl_store_lock lock)
{
	return 0;
}

enum dl_err
pg_sync(struct store *st, int timeout_ms)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_table_each(struct store *st, const char *table, int (*fn)(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals), void *ctx)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_table_put(struct store *st, const char *table, size_t n, const char *const *cols, const struct dl_value *vals)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_table_count(struct store *st, const char *table, int64_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_copy_finish(struct store *st)
{
	return DL_ERR_UNSUPPORTED;
}

void
pg_unlock(struct store *st, enum dl_store_lock lock)
{
	return;
}

enum dl_err
pg_open(const char *dsn, struct store **out, char *msg, size_t msglen)
{
	(void)dsn;
	*out = NULL;
	snprintf(msg, msglen, "PostgreSQL is not built yet");
	return DL_ERR_UNSUPPORTED;
}

const struct store_ops pg_store_ops = {
	.engine = "postgresql",
	STORE_OPS(STORE_OPS_TABLE_ENTRY_pg)
	STORE_OPS_VOID(STORE_OPS_TABLE_ENTRY_pg)
};
