/* schedule.h - publishing articles: now, or at their scheduled time by a
 * server thread. The due time is stored (newsroom_articles.publish_at), so
 * a restart loses nothing: the first tick after it publishes what is due. */
#ifndef DL_SCHEDULE_H
#define DL_SCHEDULE_H

#include <stdint.h>
#include "base/err.h"

struct store;
struct scheduler;

/* Publishes article `id`: status published, shown as published at `when`
 * (its first publication time is kept when it was published before),
 * schedule cleared, generation bumped. `user` (0: the server) goes in the
 * audit log; for user 0 an article that is no longer scheduled (an editor
 * changed it meanwhile) is left alone and DL_OK returned.
 * DL_ERR_NOTFOUND when there is no such article. */
enum dl_err schedule_publish(struct store *st, int64_t id, int64_t when, int64_t user) DL_WUR;

/* After a first publication (the transaction committed): the article gets
 * its See-also list and enters the older lists it beats, without
 * recomputing everything. An article the engine knew before (published,
 * unpublished, published again) keeps its lists until the next
 * `dateline related --rebuild`. Failures are logged, not returned: the
 * publication stands and the page falls back to shared places and tags.
 * Serialized: one update at a time. */
void schedule_see_also(struct store *st, const char *uri);

/* Publishes every scheduled article due at `now`; *n (may be NULL) gets
 * how many. */
enum dl_err schedule_run_due(struct store *st, int64_t now, int *n) DL_WUR;

/* Starts the thread that calls schedule_run_due() every `tick_seconds`
 * (and once at start) when it gets DL_LOCK_SCHEDULER (store.h: of the
 * nodes sharing a database, one publishes; the others skip that tick),
 * and about once a minute forgets sessions idle for
 * more than `session_idle_seconds` and stale failed logins and links.
 * NULL when the thread cannot start. */
struct scheduler *scheduler_start(struct store *st, unsigned tick_seconds,
    int64_t session_idle_seconds);
/* Stops and joins the thread; NULL is fine. */
void scheduler_stop(struct scheduler *s);

#endif
