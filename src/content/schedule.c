/* schedule.c - publish now, and the scheduled-publishing thread. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "base/arena.h"
#include "base/log.h"
#include "content/schedule.h"
#include "store/store.h"
#include "text/related_store.h"
#include "web/auth.h"

#define DUE_BATCH 100

struct scheduler {
	struct store *st;
	unsigned tick;
	int64_t idle;
	int64_t pruned;         /* when the tables were last pruned */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

/* One See-also update at a time: the request threads and the scheduler
 * thread would otherwise write the engine's delta concurrently (the mutex
 * here; related_lock() for other processes and nodes). */
static pthread_mutex_t see_also_mu = PTHREAD_MUTEX_INITIALIZER;

void
schedule_see_also(struct store *st, const char *uri)
{
	struct related_session *s;
	enum dl_err e;

	pthread_mutex_lock(&see_also_mu);
	if ((e = related_lock(st)) == DL_OK) {
		e = related_session_open(st, NULL, &s);
		/* No engine saved yet (a new site), or one of an older kind. */
		if (e == DL_ERR_NOTFOUND || e == DL_ERR_CORRUPT) {
			e = related_rebuild(st, NULL);
		} else if (e == DL_OK) {
			e = related_session_add(s, &uri, 1);
			related_session_close(s);
		}
		related_unlock(st);
	}
	pthread_mutex_unlock(&see_also_mu);
	if (e == DL_ERR_EXISTS)
		log_info("See also: %s was listed before; its lists change at the next rebuild", uri);
	else if (e != DL_OK)
		log_warn("See also: %s not listed: %s", uri, dl_strerror(e));
}

enum dl_err
schedule_publish(struct store *st, int64_t id, int64_t when, int64_t user)
{
	struct arena *ar = arena_new(8u << 20);
	struct dl_article a;
	struct dl_draft d;
	enum dl_err e;
	int created, first;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	/* Read under the write lock: an editor may have unscheduled it meanwhile. */
	if ((e = store_begin(st)) != DL_OK)
		goto out;
	if ((e = store_article_get_id(st, ar, id, &a)) != DL_OK)
		goto fail;
	e = store_draft_get(st, ar, id, &d);
	if (e == DL_ERR_NOTFOUND) {
		d.owner = 0;
		d.markdown = "";
		d.publish_at = 0;
	} else if (e != DL_OK) {
		goto fail;
	}
	if (user == 0 && a.status != DL_SCHEDULED) {
		store_rollback(st);
		e = DL_OK;
		goto out;
	}
	first = a.status != DL_PUBLISHED;
	/* A correction republished keeps its first date; a new one gets `when`. */
	if (a.status != DL_PUBLISHED || a.first_created == 0)
		a.first_created = when;
	a.status = DL_PUBLISHED;
	a.version_created = (int64_t)time(NULL);
	d.publish_at = 0;
	if ((e = store_article_put(st, &a, &created)) != DL_OK ||
	    (e = store_draft_put(st, id, &d)) != DL_OK ||
	    (e = store_audit_add(st, user, user ? "publish" : "publish.scheduled", a.uri,
	        (int64_t)time(NULL))) != DL_OK)
		goto fail;
	if ((e = store_commit(st)) == DL_OK && first)
		schedule_see_also(st, a.uri);
	goto out;
fail:
	store_rollback(st);
out:
	arena_free(ar);
	return e;
}

enum dl_err
schedule_run_due(struct store *st, int64_t now, int *n)
{
	struct arena *ar = arena_new(1u << 20);
	int64_t *ids, when;
	struct dl_draft d;
	size_t k, i;
	enum dl_err e;
	int done = 0;

	if (n)
		*n = 0;
	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_due_articles(st, ar, now, DUE_BATCH, &ids, &k)) != DL_OK)
		goto out;
	for (i = 0; i < k; i++) {
		when = now;
		if (store_draft_get(st, ar, ids[i], &d) == DL_OK && d.publish_at > 0)
			when = d.publish_at;
		if ((e = schedule_publish(st, ids[i], when, 0)) != DL_OK) {
			log_error("scheduler: article %lld: %s", (long long)ids[i], dl_strerror(e));
			continue;
		}
		log_info("scheduler: published article %lld", (long long)ids[i]);
		done++;
	}
	e = DL_OK;
out:
	if (n)
		*n = done;
	arena_free(ar);
	return e;
}

static void *
run(void *arg)
{
	struct scheduler *s = arg;
	struct timespec ts;
	enum dl_err e;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		int64_t now = (int64_t)time(NULL);

		/* Nodes sharing a database publish each due article once: the
		 * node that does not get the lock skips this tick. */
		if (store_lock_try(s->st, DL_LOCK_SCHEDULER)) {
			if ((e = schedule_run_due(s->st, now, NULL)) != DL_OK)
				log_error("scheduler: %s", dl_strerror(e));
			store_unlock(s->st, DL_LOCK_SCHEDULER);
		}
		if (now - s->pruned >= 60) {
			s->pruned = now;
			if ((e = store_newsroom_prune(s->st, now, now - s->idle,
			    now - AUTH_LOCK_SECONDS)) != DL_OK)
				log_error("scheduler: prune: %s", dl_strerror(e));
		}
		pthread_mutex_lock(&s->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += s->tick;
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct scheduler *
scheduler_start(struct store *st, unsigned tick_seconds, int64_t session_idle_seconds)
{
	struct scheduler *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->st = st;
	s->tick = tick_seconds ? tick_seconds : 5;
	s->idle = session_idle_seconds > 0 ? session_idle_seconds : 7200;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return NULL;
	}
	return s;
}

void
scheduler_stop(struct scheduler *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
