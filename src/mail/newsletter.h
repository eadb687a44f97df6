/* newsletter.h - subscriptions and digests on top of the outbox (mail.h).
 *
 * Newsletters (store.h): per edition a "digest" (every article of the
 * edition) and admin-defined "alert"s (articles with one place or tag).
 * A subscriber picks newsletters, optionally narrows the digest to some
 * places and tags, a language and a frequency (daily or weekly). A digest
 * run for a frequency sends each due subscriber one message with the
 * articles published since their last digest (at most NL_DIGEST_MAX, from
 * the last NL_LOOKBACK seconds) that match their choices, in their language;
 * nobody gets a message when nothing matches.
 *
 * Links in messages carry signed tokens (sign.h): "nl-confirm" (payload
 * "ID:NONCE", NL_CONFIRM_TTL), "nl-prefs" and "nl-unsub" (payload "ID",
 * NL_PREFS_TTL / NL_UNSUB_TTL). Requires sign_init() and i18n_init().
 */
#ifndef DL_NEWSLETTER_H
#define DL_NEWSLETTER_H

#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "mail/mail.h"
#include "web/web.h"

#define NL_CONFIRM_TTL (3 * 86400)
#define NL_PREFS_TTL (90 * 86400)
#define NL_UNSUB_TTL (400 * 86400)
#define NL_DIGEST_MAX 20
#define NL_LOOKBACK (8 * 86400)

/* The relay settings from cfg ([mail]), with `smtp` (the --smtp option)
 * overriding the URL when not NULL. */
void newsletter_mail_config(const struct config *cfg, const char *smtp, struct mail_config *mc);

/* The site's sender address: [mail] from, else "newsletter@HOST" from
 * base_url. Written into buf. */
const char *newsletter_from(const struct config *cfg, char *buf, size_t n);

/* Creates the digest newsletter of every configured edition that has none. */
enum dl_err newsletter_defaults(struct store *st, const struct config *cfg) DL_WUR;

/* Queues the confirmation message for a pending subscriber (or, for an
 * active one, a message with the link to the preferences page). */
enum dl_err newsletter_queue_confirm(struct store *st, const struct config *cfg,
    const char *email, const char *lang, int64_t id, int64_t nonce, int active) DL_WUR;

/* Absolute links with fresh tokens (arena). NULL when out of memory. */
char *newsletter_prefs_url(struct arena *ar, const struct config *cfg, const char *lang,
    int64_t id, int64_t now);
char *newsletter_unsub_url(struct arena *ar, const struct config *cfg, const char *lang,
    int64_t id, int64_t now);

/* The newest scheduled time <= now for `frequency` ("daily"/"weekly") per
 * [newsletter]; 0 when that run is off. */
int64_t newsletter_slot(const struct config *cfg, const char *frequency, int64_t now);

struct newsletter_stats {
	size_t subscribers;     /* due subscribers looked at */
	size_t queued;          /* digests written to the outbox */
	size_t empty;           /* nothing matched: no message */
};

/* Builds and queues the digests of `frequency` for run `slot` (only
 * subscribers whose last run is older than slot). Each subscriber's
 * message and their "digest done" mark are written in the same transaction,
 * so a crash mid-run never loses or doubles a digest. */
enum dl_err newsletter_run(struct store *st, const struct config *cfg, const char *frequency,
    int64_t slot, int64_t now, struct newsletter_stats *stats) DL_WUR;

/* The server side: the outbox worker (when an SMTP URL is configured) and
 * the digest scheduler, which runs only while it holds DL_LOCK_DIGESTS
 * (store.h: one node of those sharing a database builds the digests).
 * msg gets a sentence on failure. */
struct newsletter_service;
enum dl_err newsletter_service_start(struct site *site, const char *smtp,
    struct newsletter_service **out, char *msg, size_t msglen) DL_WUR;
void newsletter_service_stop(struct newsletter_service *svc);

#endif
