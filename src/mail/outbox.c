/* outbox.c - the durable outbox: every message is a row before any SMTP
 * happens; a worker claims due rows with a lease, sends them, marks them
 * sent, and reschedules temporary failures with exponential backoff. A
 * worker killed mid-batch leaves its rows "sending"; once the lease runs out
 * any worker claims them again, so a message is never lost (and sent twice
 * at most when the kill fell between SMTP and the "sent" mark). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base/arena.h"
#include "base/log.h"
#include "mail/mail_int.h"
#include "store/store.h"

#define CLAIM_BATCH 8
#define IDLE_MS 300
#define BATCH_ARENA (64u << 20)

struct outbox_worker {
	struct store *st;
	struct mail_config mc;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;               /* guarded by mu */
	char id[128];
};

enum dl_err
outbox_put(struct store *st, const char *kind, const char *envelope_from, const char *rcpt,
    const char *data, size_t len, int64_t *id)
{
	if (!mail_address_valid(envelope_from) || !mail_address_valid(rcpt) || data == NULL)
		return DL_ERR_INVALID;
	if (len > MAIL_MSG_MAX)
		return DL_ERR_TOOBIG;
	return store_outbox_put(st, kind ? kind : "", envelope_from, rcpt, data, len,
	    (int64_t)time(NULL), id);
}

static int64_t
backoff(unsigned attempts)
{
	int64_t d = MAIL_BACKOFF_FIRST;

	while (attempts-- > 1 && d < MAIL_BACKOFF_MAX)
		d *= 2;
	return d < MAIL_BACKOFF_MAX ? d : MAIL_BACKOFF_MAX;
}

/* Claims and sends one batch. *claimed = rows taken. */
static enum dl_err
run_batch(struct store *st, const struct mail_config *mc, struct smtp_conn *conn,
    const char *worker, size_t *claimed, size_t *sent)
{
	struct arena *ar = arena_new(BATCH_ARENA);
	struct dl_outbox_row *rows;
	unsigned lease = mc->lease_seconds ? mc->lease_seconds : MAIL_LEASE_DEFAULT;
	unsigned maxa = mc->max_attempts ? mc->max_attempts : 8;
	int64_t now = (int64_t)time(NULL);
	enum dl_err e;
	size_t n = 0, i;
	char err[CURL_ERROR_SIZE + 32];

	*claimed = 0;
	if (ar == NULL)
		return DL_ERR_NOMEM;
	e = store_outbox_claim(st, ar, worker, now, now + lease, CLAIM_BATCH, &rows, &n);
	if (e != DL_OK)
		goto out;
	*claimed = n;
	for (i = 0; i < n; i++) {
		struct dl_outbox_row *r = &rows[i];
		enum smtp_result res = smtp_send(conn, r->env_from, r->rcpt, r->data, r->len, err,
		    sizeof err);

		now = (int64_t)time(NULL);
		if (res == SMTP_SENT) {
			e = store_outbox_sent(st, r->id, worker, now);
			if (e == DL_OK && sent)
				(*sent)++;
		} else if (res == SMTP_PERMFAIL) {
			log_info("mail: %lld to %s refused: %s", (long long)r->id, r->rcpt, err);
			e = store_outbox_fail(st, r->id, worker, now, err, 1, MAIL_BOUNCE_LIMIT);
		} else if (r->attempts >= maxa) {
			log_info("mail: %lld to %s: giving up after %u attempts: %s", (long long)r->id,
			    r->rcpt, r->attempts, err);
			e = store_outbox_fail(st, r->id, worker, now, err, 0, MAIL_BOUNCE_LIMIT);
		} else {
			log_info("mail: %lld to %s: will retry: %s", (long long)r->id, r->rcpt, err);
			e = store_outbox_retry(st, r->id, worker, now + backoff(r->attempts), err);
		}
		if (e != DL_OK)
			break;
	}
out:
	arena_free(ar);
	return e;
}

static void
worker_name(char *dst, size_t n, const void *self)
{
	char host[64] = "";

	gethostname(host, sizeof host - 1);
	snprintf(dst, n, "%s:%ld:%p", host, (long)getpid(), self);
}

static void *
worker_main(void *arg)
{
	struct outbox_worker *w = arg;
	struct smtp_conn *conn = smtp_open(&w->mc);
	struct timespec ts;
	size_t claimed;
	int stop = 0;
	enum dl_err e;

	if (conn == NULL) {
		log_error("mail: cannot start the outbox worker: out of memory");
		return NULL;
	}
	while (!stop) {
		e = run_batch(w->st, &w->mc, conn, w->id, &claimed, NULL);
		if (e != DL_OK)
			log_error("mail: outbox: %s", dl_strerror(e));
		pthread_mutex_lock(&w->mu);
		if (!w->stop && (claimed == 0 || e != DL_OK)) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)IDLE_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		}
		stop = w->stop;
		pthread_mutex_unlock(&w->mu);
	}
	smtp_close(conn);
	return NULL;
}

static void
copy_config(struct mail_config *dst, const struct mail_config *src)
{
	*dst = *src;
	dst->smtp_url[sizeof dst->smtp_url - 1] = '\0';
	dst->user[sizeof dst->user - 1] = '\0';
	dst->password[sizeof dst->password - 1] = '\0';
}

enum dl_err
outbox_start(struct store *st, const struct mail_config *mc, struct outbox_worker **out)
{
	struct outbox_worker *w;

	*out = NULL;
	if (mc->smtp_url[0] == '\0')
		return DL_ERR_INVALID;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return DL_ERR_NOMEM;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return DL_ERR_NOMEM;
	w->st = st;
	copy_config(&w->mc, mc);
	worker_name(w->id, sizeof w->id, w);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return DL_ERR_NOMEM;
	}
	*out = w;
	return DL_OK;
}

void
outbox_stop(struct outbox_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

enum dl_err
outbox_drain(struct store *st, const struct mail_config *mc, size_t *sent)
{
	struct mail_config c;
	struct smtp_conn *conn;
	char id[128];
	size_t claimed, total = 0;
	enum dl_err e = DL_OK;

	if (sent)
		*sent = 0;
	if (mc->smtp_url[0] == '\0')
		return DL_ERR_INVALID;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return DL_ERR_NOMEM;
	copy_config(&c, mc);
	if ((conn = smtp_open(&c)) == NULL)
		return DL_ERR_NOMEM;
	worker_name(id, sizeof id, &c);
	do
		e = run_batch(st, &c, conn, id, &claimed, &total);
	while (e == DL_OK && claimed > 0);
	smtp_close(conn);
	if (sent)
		*sent = total;
	return e;
}
