/* test_mail.c - MIME output, header injection refused, address validation
 * with hostile input, and the outbox's claim / lease / bounce rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/config.h"
#include "mail/mail.h"
#include "mail/newsletter.h"
#include "store/store.h"
#include "unit_db.h"

static struct mail_msg
base_msg(void)
{
	struct mail_msg m;

	memset(&m, 0, sizeof m);
	m.from_name = "AsiaNews";
	m.from = "news@example.org";
	m.to = "reader@example.com";
	m.subject = "Your digest";
	m.text = "Hello.\nSecond line.\n";
	m.msgid_domain = "example.org";
	return m;
}

/* Every line ends in CRLF, no bare CR or LF, at most 998 bytes. */
static void
assert_crlf(const char *s)
{
	const char *line = s, *p;

	for (p = s; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true(p - line <= 998);
			p++;
			line = p + 1;
		} else
			assert_int_not_equal(*p, '\n');
	}
}

static const char *
header_end(const char *s)
{
	const char *e = strstr(s, "\r\n\r\n");

	assert_non_null(e);
	return e;
}

static void
test_text_message(void **state)
{
	struct mail_msg m = base_msg();
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	const char *end;

	(void)state;
	assert_int_equal(mail_build(&m, &b), DL_OK);
	assert_crlf(b.data);
	end = header_end(b.data);
	assert_true(strncmp(b.data, "Date: ", 6) == 0);
	assert_non_null(strstr(b.data, "\r\nFrom: \"AsiaNews\" <news@example.org>\r\n"));
	assert_non_null(strstr(b.data, "\r\nTo: <reader@example.com>\r\n"));
	assert_non_null(strstr(b.data, "\r\nSubject: Your digest\r\n"));
	assert_non_null(strstr(b.data, "@example.org>\r\n"));
	assert_non_null(strstr(b.data, "\r\nMessage-ID: <"));
	assert_non_null(strstr(b.data, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(b.data, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(b.data, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_null(strstr(b.data, "List-Unsubscribe"));
	assert_string_equal(end, "\r\n\r\nHello.\r\nSecond line.\r\n");
	buf_free(&b);
}

static void
test_multipart_and_unsubscribe(void **state)
{
	struct mail_msg m = base_msg();
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	char bnd[80], *p;

	(void)state;
	m.html = "<p>Hello = world</p>";
	m.list_unsubscribe = "<https://example.org/en/newsletter/unsubscribe?t=abc>, "
	    "<mailto:news@example.org?subject=unsubscribe>";
	m.one_click = 1;
	assert_int_equal(mail_build(&m, &b), DL_OK);
	assert_crlf(b.data);
	assert_non_null(strstr(b.data, "List-Unsubscribe: <https://example.org/en/newsletter/"
	    "unsubscribe?t=abc>,\r\n <mailto:news@example.org?subject=unsubscribe>\r\n"));
	assert_non_null(strstr(b.data, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	p = strstr(b.data, "multipart/alternative; boundary=\"");
	assert_non_null(p);
	p += strlen("multipart/alternative; boundary=\"");
	snprintf(bnd, sizeof bnd, "\r\n--%.*s\r\n", (int)strcspn(p, "\""), p);
	p = strstr(b.data, bnd);
	assert_non_null(p);
	assert_non_null(strstr(p + 1, bnd));  /* two parts */
	assert_non_null(strstr(b.data, "Content-Type: text/html; charset=UTF-8\r\n"));
	assert_non_null(strstr(b.data, "<p>Hello =3D world</p>"));
	bnd[strlen(bnd) - 2] = '\0';
	p = strstr(b.data, bnd);
	assert_non_null(strstr(b.data, "--\r\n"));
	buf_free(&b);
}

/* Decodes every "=?UTF-8?B?...?=" word in a header value and joins them. */
static void
decode_words(const char *v, char *out, size_t n)
{
	const char *p = v;
	size_t used = 0, bin;
	char b64[200];

	out[0] = '\0';
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *e;

		p += 10;
		e = strstr(p, "?=");
		assert_non_null(e);
		assert_true((size_t)(e - p) < sizeof b64);
		memcpy(b64, p, (size_t)(e - p));
		b64[e - p] = '\0';
		assert_int_equal(sodium_base642bin((unsigned char *)out + used, n - used - 1, b64,
		    strlen(b64), NULL, &bin, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		used += bin;
		out[used] = '\0';
		p = e + 2;
	}
}

static void
test_encoded_words(void **state)
{
	static const char subj[] = "Notizie: città e «Asia centrale» — 中国新闻摘要，每日更新，"
	    "内容丰富多彩，欢迎阅读本期摘要";
	struct mail_msg m = base_msg();
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	char *s, *e, hv[1024], dec[1024];

	(void)state;
	m.subject = subj;
	m.from_name = "Agenzia «Nuova»";
	m.text = "Città: 中国\n";
	assert_int_equal(mail_build(&m, &b), DL_OK);
	assert_crlf(b.data);
	/* headers are pure ASCII */
	for (s = b.data; s < header_end(b.data); s++)
		assert_true((unsigned char)*s < 0x80);
	s = strstr(b.data, "\r\nSubject: ") + 11;
	e = strstr(s, "\r\nMessage-ID");
	assert_true((size_t)(e - s) < sizeof hv);
	memcpy(hv, s, (size_t)(e - s));
	hv[e - s] = '\0';
	assert_non_null(strstr(hv, "\r\n "));        /* folded */
	decode_words(hv, dec, sizeof dec);
	assert_string_equal(dec, subj);
	assert_non_null(strstr(b.data, "Citt=C3=A0: =E4=B8=AD=E5=9B=BD\r\n"));
	buf_free(&b);
}

static void
test_qp_lines(void **state)
{
	struct mail_msg m = base_msg();
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	char text[2000];
	const char *p, *line;

	(void)state;
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[500] = ' ';
	text[1000] = '.';
	m.text = text;
	assert_int_equal(mail_build(&m, &b), DL_OK);
	line = header_end(b.data) + 4;
	for (p = line; *p; p++)
		if (*p == '\r') {
			assert_true(p - line <= 76);
			line = p + 2;
		}
	buf_free(&b);
}

static void
test_header_injection(void **state)
{
	static const char *const bad[] = { "Hi\r\nBcc: victim@example.net", "Hi\nBcc: x@y.zz",
		"Hi\rX: y" };
	struct mail_msg m;
	struct buf b = BUF_INIT(MAIL_MSG_MAX);
	size_t i;

	(void)state;
	assert_int_equal(buf_puts(&b, "keep"), DL_OK);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = base_msg();
		m.subject = bad[i];
		assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
		m = base_msg();
		m.from_name = bad[i];
		assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
		m = base_msg();
		m.list_unsubscribe = bad[i];
		assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
		m = base_msg();
		m.msgid_domain = bad[i];
		assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
	}
	m = base_msg();
	m.to = "reader@example.com\r\nBcc: victim@example.net";
	assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
	m = base_msg();
	m.from = "news@example.org>\r\nBcc: <victim@example.net";
	assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
	m = base_msg();
	m.reply_to = "a@b.cc\nX: y";
	assert_int_equal(mail_build(&m, &b), DL_ERR_INVALID);
	assert_string_equal(b.data, "keep");        /* nothing appended */
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

static void
test_addresses(void **state)
{
	static const char *const good[] = { "a@b.cc", "first.last+tag@example.com",
		"o'brien@example.ie", "用户@例子.中国", "x_y-z@sub-1.example.co.uk" };
	static const char *const bad[] = { "", "a", "@b.cc", "a@", "a@b", "a@@b.cc", "a@b@c.dd",
		"a b@c.dd", "a@b .cc", "<a@b.cc>", "Name <a@b.cc>", "\"q\"@b.cc", "a@b.cc\r\n",
		"a@b.cc\r\nRCPT TO:<x@y.zz>", "a@b.cc\nBcc: x@y.zz", ".a@b.cc", "a.@b.cc", "a..b@c.dd",
		"a@-b.cc", "a@b-.cc", "a@b..cc", "a@.b.cc", "a@b.cc.", "\xff@b.cc", "a@\xc3\x28.cc",
		"a\t@b.cc", "a,b@c.dd", "a;b@c.dd", "a@b.cc;c@d.ee", "a(b)@c.dd", "a\\b@c.dd",
		"a@[127.0.0.1]", "a@b_c.dd" };
	char longlocal[80], longaddr[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(mail_address_valid(good[i]));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (mail_address_valid(bad[i]))
			fail_msg("accepted hostile address %zu: %s", i, bad[i]);
	}
	assert_false(mail_address_valid(NULL));
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@b.cc");
	assert_false(mail_address_valid(longlocal));
	memset(longaddr, 'a', sizeof longaddr);
	longaddr[0] = 'x';
	longaddr[1] = '@';
	for (i = 5; i < 250; i += 50)
		longaddr[i] = '.';
	strcpy(longaddr + 250, ".com");          /* 254 bytes: the limit */
	assert_true(strlen(longaddr) == 254);
	assert_true(mail_address_valid(longaddr));
	strcpy(longaddr + 250, ".comm");         /* 255 */
	assert_false(mail_address_valid(longaddr));
}

static void
test_outbox_rules(void **state)
{
	const char *path = unit_db("mail.db");
	char msg[256];
	struct store *st = NULL;
	struct arena *ar = arena_new(1u << 20);
	struct dl_outbox_row *rows;
	size_t n;
	int64_t id, counts[4];
	int i;

	(void)state;
	if (store_open(path, &st, msg, sizeof msg) != DL_OK)
		fail_msg("store_open: %s", msg);
	assert_int_equal(outbox_put(st, "test", "news@example.org", "r@example.com", "DATA", 4, &id), DL_OK);
	assert_int_equal(outbox_put(st, "test", "news@example.org", "bad\r\n@example.com", "D", 1, NULL),
	    DL_ERR_INVALID);
	/* claimed rows are not claimed again while the lease holds */
	assert_int_equal(store_outbox_claim(st, ar, "w1", 1000000000000LL, 1000000000060LL, 10, &rows, &n), DL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	assert_int_equal(rows[0].len, 4);
	assert_memory_equal(rows[0].data, "DATA", 4);
	assert_int_equal(store_outbox_claim(st, ar, "w2", 1000000000030LL, 1000000000090LL, 10, &rows, &n), DL_OK);
	assert_int_equal(n, 0);
	/* after the lease, another worker takes it over; the first cannot mark it */
	assert_int_equal(store_outbox_claim(st, ar, "w2", 1000000000061LL, 1000000000120LL, 10, &rows, &n), DL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].attempts, 2);
	assert_int_equal(store_outbox_sent(st, id, "w2", 1000000000062LL), DL_OK);
	assert_int_equal(store_outbox_counts(st, counts), DL_OK);
	assert_int_equal(counts[2], 1);
	/* three permanent failures mark the address bouncing; then nothing is queued */
	for (i = 0; i < 3; i++) {
		assert_int_equal(outbox_put(st, "test", "news@example.org", "gone@example.com", "D", 1, &id), DL_OK);
		assert_int_equal(store_outbox_claim(st, ar, "w3", 2000000000000LL, 2000000000060LL, 10, &rows, &n), DL_OK);
		assert_int_equal(n, 1);
		assert_int_equal(store_outbox_fail(st, id, "w3", 2000000000000LL, "550 no such user", 1, 3), DL_OK);
	}
	assert_int_equal(outbox_put(st, "test", "news@example.org", "gone@example.com", "D", 1, NULL),
	    DL_ERR_UNSUPPORTED);
	assert_int_equal(outbox_put(st, "test", "news@example.org", "other@example.com", "D", 1, NULL), DL_OK);
	store_close(st);
	arena_free(ar);
}

static void
test_schedule_slots(void **state)
{
	struct config cfg;
	/* 2026-11-27 (a Friday) 07:33:19 UTC */
	int64_t now = 1795764799, day = now - now % 86400;

	(void)state;
	config_defaults(&cfg);
	cfg.nl_daily_minute = 7 * 60;
	assert_int_equal(newsletter_slot(&cfg, "daily", now), day + 7 * 3600);
	cfg.nl_daily_minute = 8 * 60;                 /* not yet today: yesterday's */
	assert_int_equal(newsletter_slot(&cfg, "daily", now), day - 86400 + 8 * 3600);
	cfg.nl_weekly_day = 1;                        /* Monday 07:00: 2026-11-23 */
	cfg.nl_weekly_minute = 7 * 60;
	assert_int_equal(newsletter_slot(&cfg, "weekly", now), day - 4 * 86400 + 7 * 3600);
	cfg.nl_weekly_day = 5;                        /* Friday 07:00: today */
	assert_int_equal(newsletter_slot(&cfg, "weekly", now), day + 7 * 3600);
	cfg.nl_weekly_minute = 9 * 60;                /* Friday 09:00: a week ago */
	assert_int_equal(newsletter_slot(&cfg, "weekly", now), day - 7 * 86400 + 9 * 3600);
	cfg.nl_daily_minute = -1;
	cfg.nl_weekly_day = -1;
	assert_int_equal(newsletter_slot(&cfg, "daily", now), 0);
	assert_int_equal(newsletter_slot(&cfg, "weekly", now), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_message),
		cmocka_unit_test(test_multipart_and_unsubscribe),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_qp_lines),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_outbox_rules),
		cmocka_unit_test(test_schedule_slots),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
