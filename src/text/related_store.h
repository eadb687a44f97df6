/* related_store.h - the See-also engine joined to the store: building the
 * engine from stored articles, computing and storing lists, editor
 * overrides, and the `related` command's database side.
 *
 * Stored lists are what pages and the API read (store_related_get); they
 * already honour pins and excludes. */
#ifndef DL_TEXT_RELATED_STORE_H
#define DL_TEXT_RELATED_STORE_H

#include <stddef.h>
#include "base/err.h"
#include "store/store.h"
#include "text/related.h"

/* Lists are stored this long (the page shows fewer). */
#define REL_STORED_K 20

enum rel_override { REL_OV_NONE = 0, REL_OV_PIN = 1, REL_OV_EXCLUDE = 2 };

/* "k=v,k=v" over *p (tuning knobs, names as in struct rel_params); -1 when
 * a name or value is bad. */
int related_params_parse(struct rel_params *p, const char *s);

/* The k best of every article of a finished engine, computed on two threads:
 * *hits gets k slots per article (article i at i*k), *counts how many are
 * filled. The caller frees both. DL_ERR_NOMEM. */
enum dl_err related_all_lists(const struct related *r, size_t k, struct rel_hit **hits,
    size_t **counts) DL_WUR;

/* Recomputes and stores every published article's list (REL_STORED_K
 * items), honouring pins and excludes, and saves the engine in the store
 * (store_related_state_*: "engine", "proj"; deltas dropped) for later
 * additions. */
enum dl_err related_rebuild(struct store *st, const struct rel_params *p) DL_WUR;

/* After an import: adds the new articles `uris` to the engine saved by
 * the last rebuild (plus its deltas), stores their lists and lets them
 * enter the older lists whose last score they beat, then saves a delta:
 * no recomputing of everything. A full related_rebuild() instead when no
 * engine is saved, when one of them is already known (a changed article),
 * or when the batch is large against the site (over 1,000 or a quarter).
 * Older articles keep the weights and LSA basis of the last rebuild (new
 * ones are folded in), so lists drift slightly from a rebuild's until the
 * next one. NULL p: the defaults. */
enum dl_err related_update_after_import(struct store *st, const struct rel_params *p,
    const char *const *uris, size_t n) DL_WUR;

/* Waits (up to a minute) until this thread holds the See-also engine's
 * lock across every process and node sharing the database
 * (DL_LOCK_SEE_ALSO): the engine's saved state is rewritten by additions,
 * which must not interleave. DL_ERR_IO when it could not be had.
 * related_update_after_import() takes it itself; the server's publication
 * path and `dateline related --rebuild` call these. */
enum dl_err related_lock(struct store *st) DL_WUR;
void related_unlock(struct store *st);

/* A saved engine kept open to add articles one batch at a time, as a
 * long-running process would (related_update_after_import opens one per
 * call). open: DL_ERR_NOTFOUND when no engine was saved (run a rebuild).
 * add: the articles `uris`, already stored, enter the engine, get their
 * lists, and enter the older lists they beat (related_beaten); all in one
 * transaction with the engine's delta. DL_ERR_EXISTS when one is in the
 * engine already (a changed article: rebuild). After any other failure
 * the session refuses more (DL_ERR_INVALID): close it. */
struct related_session;
enum dl_err related_session_open(struct store *st, const struct rel_params *p,
    struct related_session **out) DL_WUR;
enum dl_err related_session_add(struct related_session *s, const char *const *uris,
    size_t n) DL_WUR;
void related_session_close(struct related_session *s);

/* The `related` command against a database (see cmd_related.c); returns the
 * exit status. */
int related_cmd_db(const char *db, const struct rel_params *p, int all, const char *uri,
    size_t limit, int rebuild, enum rel_override ov, const char *a, const char *b, int text);

#endif
