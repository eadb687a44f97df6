/* smtp.c - one message to the relay through libcurl: MAIL FROM, RCPT TO,
 * DATA from memory; smtps:// or STARTTLS when the relay offers it; user and
 * password from the configuration file only. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mail/mail_int.h"

struct smtp_conn {
	CURL *h;
	const struct mail_config *mc;
};

struct reader {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct reader *r = ud;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

struct smtp_conn *
smtp_open(const struct mail_config *mc)
{
	struct smtp_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	if ((c->h = curl_easy_init()) == NULL) {
		free(c);
		return NULL;
	}
	c->mc = mc;
	return c;
}

void
smtp_close(struct smtp_conn *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

enum smtp_result
smtp_send(struct smtp_conn *c, const char *from, const char *rcpt, const char *data, size_t len,
    char *err, size_t errlen)
{
	struct curl_slist *to = NULL;
	struct reader r = { data, len };
	char path[MAIL_ADDR_MAX + 3], ebuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	CURL *h = c->h;

	err[0] = '\0';
	if (!mail_address_valid(from) || !mail_address_valid(rcpt)) {
		snprintf(err, errlen, "invalid address");
		return SMTP_PERMFAIL;
	}
	snprintf(path, sizeof path, "<%s>", rcpt);
	if ((to = curl_slist_append(NULL, path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return SMTP_TEMPFAIL;
	}
	snprintf(path, sizeof path, "<%s>", from);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, c->mc->smtp_url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (strncmp(c->mc->smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (c->mc->user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->mc->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->mc->password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, path);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(to);
	if (rc == CURLE_OK)
		return SMTP_SENT;
	snprintf(err, errlen, "%ld %s", code, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	/* 5xx to RCPT or DATA: the relay refuses this message for good. */
	if (code >= 500 && code < 600 &&
	    (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_WEIRD_SERVER_REPLY))
		return SMTP_PERMFAIL;
	return SMTP_TEMPFAIL;
}
