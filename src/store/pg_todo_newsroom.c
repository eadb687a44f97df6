/* pg_todo_newsroom.c - TEMPORARY scaffolding while pg_newsroom.c is written: every
 * function here refuses. Delete this file when the real one lands. */
#include "store/pg_int.h"

enum dl_err
pg_user_add(struct store *st, const char *email, const char *name, int role, int64_t now, int64_t *id)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_user_get(struct store *st, struct arena *ar, const char *email, struct dl_account *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_user_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_account *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_user_set_password(struct store *st, int64_t id, const char *pwhash)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_session_put(struct store *st, const char *id_hash, int64_t user_id, const char *csrf, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_session_get(struct store *st, struct arena *ar, const char *id_hash, int64_t idle_cutoff, int64_t *user_id, const char **csrf, int64_t *last_seen)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_session_touch(struct store *st, const char *id_hash, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_session_delete(struct store *st, const char *id_hash)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_sessions_delete_user(struct store *st, int64_t user_id, const char *keep_hash)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_pwtoken_put(struct store *st, const char *token_hash, int64_t user_id, int64_t expires)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_pwtoken_use(struct store *st, const char *token_hash, int64_t now, int64_t *user_id)
{
	return DL_ERR_UNSUPPORTED;
}

int
pg_pwtoken_valid(struct store *st, const char *token_hash, int64_t now)
{
	return 0;
}

enum dl_err
pg_login_failure_add(struct store *st, const char *account, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

int64_t
pg_login_failures(struct store *st, const char *account, int64_t since, int64_t *oldest)
{
	return 0;
}

enum dl_err
pg_login_failures_clear(struct store *st, const char *account)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_article_get_id(struct store *st, struct arena *ar, int64_t id, struct dl_article *out)
{
	return DL_ERR_UNSUPPORTED;
}

int64_t
pg_article_id(struct store *st, const char *uri)
{
	return 0;
}

enum dl_err
pg_draft_get(struct store *st, struct arena *ar, int64_t article, struct dl_draft *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_draft_put(struct store *st, int64_t article, const struct dl_draft *d)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_newsroom_list(struct store *st, struct arena *ar, int status, int64_t owner, const char *lang, size_t offset, size_t limit, struct dl_article_list *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_due_articles(struct store *st, struct arena *ar, int64_t now, size_t max, int64_t **ids, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_revision_add(struct store *st, int64_t article, int64_t user_id, int64_t at, const char *fields)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_revisions(struct store *st, struct arena *ar, int64_t article, size_t limit, struct dl_revision **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_revision_get(struct store *st, struct arena *ar, int64_t id, struct dl_revision *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_audit_add(struct store *st, int64_t user_id, const char *action, const char *target, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_audit_list(struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_audit **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_newsroom_prune(struct store *st, int64_t now, int64_t session_cutoff, int64_t failure_cutoff)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_correction_add(struct store *st, int64_t article, int64_t user_id, int64_t at, const char *note)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_corrections(struct store *st, struct arena *ar, int64_t article, struct dl_correction **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_article_get_any(struct store *st, struct arena *ar, const char *lang, const char *slug, struct dl_article *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_terms_list(struct store *st, struct arena *ar, int kind, const char *lang, struct dl_term_row **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_term_create(struct store *st, int kind, const char *lang, const char *name, int64_t *id)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_term_rename(struct store *st, int64_t id, const char *name)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_term_merge(struct store *st, int64_t from, int64_t into)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_term_alias(struct store *st, struct arena *ar, int kind, const char *lang, const char *slug, const char **current)
{
	return DL_ERR_UNSUPPORTED;
}
