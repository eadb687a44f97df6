/* mime.c - RFC 5322 messages: headers checked for CR/LF, non-ASCII header
 * text as RFC 2047 encoded-words, bodies in quoted-printable, text + HTML as
 * multipart/alternative. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mail/mail.h"

#define ENC_CHUNK 45      /* input bytes per encoded-word: 60 base64 chars */
#define QP_LINE 76

static int
has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

/* Length of the UTF-8 sequence at s, 0 when invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

static int
local_char(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL && c != '\0';
}

int
mail_address_valid(const char *addr)
{
	const unsigned char *s = (const unsigned char *)addr, *at = NULL, *p, *label;
	size_t len, n;

	if (addr == NULL || (len = strlen(addr)) < 3 || len > MAIL_ADDR_MAX)
		return 0;
	for (p = s; *p; p += n) {
		if ((n = utf8_len(p)) == 0)
			return 0;
		if (*p == '@') {
			if (at)
				return 0;
			at = p;
		}
	}
	if (at == NULL || at == s || at - s > 64 || at[1] == '\0')
		return 0;
	/* local part: dot-atom, no leading, trailing or double dot */
	if (s[0] == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++)
		if (!local_char(*p) || (*p == '.' && p[1] == '.'))
			return 0;
	/* domain: labels of letters, digits, hyphens (or UTF-8), at least two */
	label = at + 1;
	for (p = at + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			n = (size_t)(p - label);
			if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			if (*p == '\0')
				break;
			label = p + 1;
			continue;
		}
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	}
	return strchr((const char *)at + 1, '.') != NULL;
}

static int
is_plain_ascii(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || n >= max)
			return 0;
	return 1;
}

/* RFC 2047 "B" encoded-words, folded with CRLF SP, never splitting a UTF-8
 * character. Invalid UTF-8 bytes are sent as they are (inside base64). */
static enum dl_err
put_encoded(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char b64[sodium_base64_ENCODED_LEN(ENC_CHUNK + 4, sodium_base64_VARIANT_ORIGINAL)];
	size_t n, take, cl;
	int first = 1;
	enum dl_err e;

	while (*p) {
		take = 0;
		while (p[take]) {
			cl = utf8_len(p + take);
			if (cl == 0)
				cl = 1;
			if (take + cl > ENC_CHUNK)
				break;
			take += cl;
		}
		n = take;
		sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
		if ((e = buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64)) != DL_OK)
			return e;
		first = 0;
		p += n;
	}
	return DL_OK;
}

/* Subject and other unstructured text. */
static enum dl_err
put_text(struct buf *out, const char *s)
{
	if (is_plain_ascii(s, 70))
		return buf_puts(out, s);
	return put_encoded(out, s);
}

/* "Name" <addr>, the name quoted or encoded. */
static enum dl_err
put_mailbox(struct buf *out, const char *name, const char *addr)
{
	enum dl_err e = DL_OK;
	const char *p;

	if (name && name[0]) {
		if (is_plain_ascii(name, 70)) {
			if ((e = buf_putc(out, '"')) != DL_OK)
				return e;
			for (p = name; *p && e == DL_OK; p++) {
				if (*p == '"' || *p == '\\')
					e = buf_putc(out, '\\');
				if (e == DL_OK)
					e = buf_putc(out, *p);
			}
			if (e == DL_OK)
				e = buf_putc(out, '"');
		} else
			e = put_encoded(out, name);
		if (e == DL_OK)
			e = buf_putc(out, ' ');
	}
	if (e == DL_OK)
		e = buf_printf(out, "<%s>", addr);
	return e;
}

static enum dl_err
put_date(struct buf *out, time_t t)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return DL_ERR_INVALID;
	return buf_printf(out, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n", wd[tm.tm_wday],
	    tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Quoted-printable (RFC 2045 6.7) with CRLF line ends; LF or CRLF in the
 * input end lines. */
static enum dl_err
put_qp(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;
	enum dl_err e = DL_OK;
	char enc[4];

	for (; *p && e == DL_OK; p++) {
		unsigned char c = *p;
		int eol = c == '\n' || (c == '\r' && p[1] == '\n');
		int end_ws = (c == ' ' || c == '\t') && (p[1] == '\0' || p[1] == '\n' || p[1] == '\r');
		size_t w;

		if (eol) {
			if (c == '\r')
				p++;
			e = buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c >= 0x7f || c == '=' || end_ws ||
		    (c == '.' && col == 0)) {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			w = 3;
		} else {
			enc[0] = (char)c;
			w = 1;
		}
		if (col + w > QP_LINE - 1) {
			if ((e = buf_puts(out, "=\r\n")) != DL_OK)
				break;
			col = 0;
		}
		e = buf_append(out, enc, w);
		col += w;
	}
	if (e == DL_OK && col > 0)
		e = buf_puts(out, "\r\n");
	return e;
}

static enum dl_err
put_part(struct buf *out, const char *type, const char *body)
{
	enum dl_err e;

	if ((e = buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type)) != DL_OK)
		return e;
	return put_qp(out, body);
}

static void
random_hex(char *dst, size_t nbytes)
{
	unsigned char r[32];

	if (nbytes > sizeof r)
		nbytes = sizeof r;
	randombytes_buf(r, nbytes);
	sodium_bin2hex(dst, nbytes * 2 + 1, r, nbytes);
}

/* The List-Unsubscribe value, folded after each comma. */
static enum dl_err
put_list_unsub(struct buf *out, const char *v)
{
	enum dl_err e = buf_puts(out, "List-Unsubscribe: ");
	const char *p;

	for (p = v; *p && e == DL_OK; p++) {
		if (*p == ',' && p[1] == ' ') {
			e = buf_puts(out, ",\r\n ");
			p++;
		} else
			e = buf_putc(out, *p);
	}
	if (e == DL_OK)
		e = buf_puts(out, "\r\n");
	return e;
}

enum dl_err
mail_build(const struct mail_msg *m, struct buf *out)
{
	const char *dom = m->msgid_domain && m->msgid_domain[0] ? m->msgid_domain : "localhost";
	size_t start = out->len;
	time_t now = time(NULL);
	char rnd[33], bnd[33];
	enum dl_err e;

	if (!mail_address_valid(m->from) || !mail_address_valid(m->to) ||
	    (m->reply_to && !mail_address_valid(m->reply_to)))
		return DL_ERR_INVALID;
	if (has_crlf(m->from_name) || has_crlf(m->subject) || has_crlf(m->list_unsubscribe) ||
	    has_crlf(dom) || strpbrk(dom, " <>@\t") != NULL || m->text == NULL)
		return DL_ERR_INVALID;
	if (m->list_unsubscribe && !is_plain_ascii(m->list_unsubscribe, 900))
		return DL_ERR_INVALID;
	if (sodium_init() < 0)
		return DL_ERR_NOMEM;
	random_hex(rnd, 16);
	random_hex(bnd, 12);

	if ((e = put_date(out, now)) != DL_OK ||
	    (e = buf_puts(out, "From: ")) != DL_OK ||
	    (e = put_mailbox(out, m->from_name, m->from)) != DL_OK ||
	    (e = buf_printf(out, "\r\nTo: <%s>\r\n", m->to)) != DL_OK)
		goto fail;
	if (m->reply_to && (e = buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to)) != DL_OK)
		goto fail;
	if ((e = buf_puts(out, "Subject: ")) != DL_OK ||
	    (e = put_text(out, m->subject ? m->subject : "")) != DL_OK ||
	    (e = buf_printf(out, "\r\nMessage-ID: <%lld.%s@%s>\r\nMIME-Version: 1.0\r\n",
	        (long long)now, rnd, dom)) != DL_OK)
		goto fail;
	if (m->list_unsubscribe && m->list_unsubscribe[0]) {
		if ((e = put_list_unsub(out, m->list_unsubscribe)) != DL_OK)
			goto fail;
		if (m->one_click &&
		    (e = buf_puts(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")) != DL_OK)
			goto fail;
	}
	if (m->html == NULL) {
		if ((e = put_part(out, "text/plain", m->text)) != DL_OK)
			goto fail;
		return DL_OK;
	}
	if ((e = buf_printf(out, "Content-Type: multipart/alternative; boundary=\"=_%s\"\r\n\r\n"
	    "This is a multi-part message in MIME format.\r\n\r\n--=_%s\r\n", bnd, bnd)) != DL_OK ||
	    (e = put_part(out, "text/plain", m->text)) != DL_OK ||
	    (e = buf_printf(out, "\r\n--=_%s\r\n", bnd)) != DL_OK ||
	    (e = put_part(out, "text/html", m->html)) != DL_OK ||
	    (e = buf_printf(out, "\r\n--=_%s--\r\n", bnd)) != DL_OK)
		goto fail;
	return DL_OK;
fail:
	/* leave out as it was */
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return e;
}
