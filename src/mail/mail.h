/* mail.h - mail messages, the durable outbox, and SMTP delivery.
 *
 * Every message dateline sends is first built (mail_build) and written to
 * the outbox table (outbox_put) in the database; only a worker talks SMTP
 * (libcurl) to the relay given by --smtp or [mail] smtp in the config. A
 * crash leaves rows that are retried, never lost. Implemented in
 * src/mail/mime.c, src/mail/outbox.c, src/mail/smtp.c and the store's
 * src/store/sqlite_outbox.c.
 */
#ifndef DL_MAIL_H
#define DL_MAIL_H

#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"
#include "base/err.h"

struct store;

#define MAIL_ADDR_MAX 254      /* RFC 5321 path limit */
#define MAIL_MSG_MAX (2u << 20)

/* 1 when `addr` is a plain addr-spec dateline accepts (local@domain, ASCII or
 * UTF-8, at most MAIL_ADDR_MAX bytes, no CR/LF, no spaces, no display name). */
int mail_address_valid(const char *addr);

struct mail_msg {
	const char *from_name;      /* display name, e.g. the site name */
	const char *from;           /* the site's own address, always */
	const char *to;
	const char *reply_to;       /* NULL when none */
	const char *subject;        /* UTF-8; encoded per RFC 2047 */
	const char *text;           /* text/plain part, UTF-8 */
	const char *html;           /* NULL: text only; else multipart/alternative */
	const char *list_unsubscribe;  /* full header value "<https://...>, <mailto:...>", or NULL */
	int one_click;              /* adds List-Unsubscribe-Post: List-Unsubscribe=One-Click */
	const char *msgid_domain;   /* right side of Message-ID */
};

/* Builds an RFC 5322 message with CRLF line ends, Date, Message-ID,
 * MIME-Version and safe transfer encodings, appending to out (cap
 * MAIL_MSG_MAX). DL_ERR_INVALID when an address is invalid or any header
 * field holds CR or LF: nothing is appended then. */
enum dl_err mail_build(const struct mail_msg *m, struct buf *out) DL_WUR;

/* Writes one message to the outbox, due now. kind: "confirm", "digest",
 * "share"... for the admin pages. *id may be NULL. DL_ERR_UNSUPPORTED when
 * rcpt is marked bouncing (after 3 permanent failures; nothing queued),
 * DL_ERR_INVALID for an invalid address, DL_ERR_TOOBIG past MAIL_MSG_MAX. */
enum dl_err outbox_put(struct store *st, const char *kind, const char *envelope_from,
    const char *rcpt, const char *data, size_t len, int64_t *id) DL_WUR;

struct mail_config {
	char smtp_url[512];     /* smtp://host:port or smtps://host:port; "" = no delivery */
	char user[256];         /* from the config file only, never the command line */
	char password[256];
	unsigned max_attempts;  /* temporary failures before giving up */
	unsigned lease_seconds; /* a claimed message not marked sent is retried after
	                         * this (a crashed worker's); 0 = 120 */
};

struct outbox_worker;

/* Starts a thread that claims due messages, sends them, marks them sent,
 * and reschedules temporary failures with exponential backoff. */
enum dl_err outbox_start(struct store *st, const struct mail_config *mc,
    struct outbox_worker **out) DL_WUR;
void outbox_stop(struct outbox_worker *w);

/* Sends every due message now, in this thread; for the command line. */
enum dl_err outbox_drain(struct store *st, const struct mail_config *mc, size_t *sent) DL_WUR;

#endif
