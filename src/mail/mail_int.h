/* mail_int.h - private to src/mail/: SMTP delivery of one message and the
 * limits the outbox worker uses. */
#ifndef DL_MAIL_INT_H
#define DL_MAIL_INT_H

#include <stddef.h>
#include "mail/mail.h"

/* A permanent failure (5xx on RCPT or DATA) counts against the address;
 * after MAIL_BOUNCE_LIMIT of them it is marked bouncing and outbox_put
 * refuses it (DL_ERR_UNSUPPORTED). */
#define MAIL_BOUNCE_LIMIT 3
#define MAIL_LEASE_DEFAULT 120     /* seconds a claimed row stays ours */
#define MAIL_BACKOFF_FIRST 60      /* seconds before the first retry */
#define MAIL_BACKOFF_MAX (6 * 3600)

enum smtp_result { SMTP_SENT = 0, SMTP_TEMPFAIL, SMTP_PERMFAIL };

struct smtp_conn;

/* One libcurl handle for mc (kept open between messages, so the relay's
 * connection is reused). NULL when out of memory. */
struct smtp_conn *smtp_open(const struct mail_config *mc);
void smtp_close(struct smtp_conn *c);

/* Sends data[0..len) from envelope `from` to `rcpt`. On failure writes a
 * short reason (with the SMTP code when there is one) into err. */
enum smtp_result smtp_send(struct smtp_conn *c, const char *from, const char *rcpt,
    const char *data, size_t len, char *err, size_t errlen);

#endif
