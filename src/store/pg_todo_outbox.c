/* pg_todo_outbox.c - TEMPORARY scaffolding while pg_outbox.c is written: every
 * function here refuses. Delete this file when the real one lands. */
#include "store/pg_int.h"

enum dl_err
pg_outbox_put(struct store *st, const char *kind, const char *env_from, const char *rcpt, const char *data, size_t len, int64_t now, int64_t *id)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_claim(struct store *st, struct arena *ar, const char *worker, int64_t now, int64_t lease_until, size_t limit, struct dl_outbox_row **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_sent(struct store *st, int64_t id, const char *worker, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_retry(struct store *st, int64_t id, const char *worker, int64_t due, const char *error)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_fail(struct store *st, int64_t id, const char *worker, int64_t now, const char *error, int permanent, unsigned bounce_limit)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_list(struct store *st, struct arena *ar, const char *state, size_t offset, size_t limit, struct dl_outbox_row **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_outbox_counts(struct store *st, int64_t counts[4])
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_bounces(struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_bounce **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_newsletter_add(struct store *st, const struct dl_newsletter *nl, int64_t *id)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_newsletters(struct store *st, struct arena *ar, const char *lang, struct dl_newsletter **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_request(struct store *st, const char *email, const char *lang, const char *frequency, const int64_t *newsletters, size_t n_newsletters, int64_t nonce, int64_t now, int64_t *id, int64_t *nonce_out, const char **status_out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_confirm(struct store *st, int64_t id, int64_t nonce, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_get(struct store *st, struct arena *ar, int64_t id, struct dl_subscriber *out)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_set_prefs(struct store *st, const struct dl_subscriber *s)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_leave(struct store *st, int64_t id, int64_t now)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_import(struct store *st, const char *email, const char *lang, const char *frequency, int64_t now, int64_t *id)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscribers_due(struct store *st, struct arena *ar, const char *frequency, int64_t slot, int64_t after, size_t limit, struct dl_subscriber **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscriber_digest_done(struct store *st, int64_t id, int64_t slot, int64_t cutoff)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_terms_used(struct store *st, struct arena *ar, enum dl_term_kind kind, const char *lang, size_t limit, struct dl_term **out, size_t *n)
{
	return DL_ERR_UNSUPPORTED;
}

enum dl_err
pg_subscribers_list(struct store *st, struct arena *ar, size_t offset, size_t limit, struct dl_subscriber **out, size_t *n, int64_t *total)
{
	return DL_ERR_UNSUPPORTED;
}
