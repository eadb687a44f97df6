/* test_newsroom.c - the newsroom's parts that need no server: Markdown to
 * safe HTML, email and token helpers, argon2id passwords, and the store's
 * accounts, sessions (idle expiry), one-time links, failed logins, drafts,
 * revisions, terms (rename, merge, aliases) and scheduled publishing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base/arena.h"
#include "content/markdown.h"
#include "content/schedule.h"
#include "store/store.h"
#include "web/auth.h"
#include "unit_db.h"

static struct store *
open_fresh(const char *name)
{
	struct store *st = NULL;
	char msg[256];

	if (store_open(unit_db(name), &st, msg, sizeof msg) != DL_OK)
		fail_msg("store_open: %s", msg);
	return st;
}

static void
test_markdown_safe(void **state)
{
	struct arena *ar = arena_new(1u << 20);
	char *html, *text;
	static const char md[] =
	    "# Title\n\nSome **bold** and ~~struck~~ text.\n\n<script>alert(1)</script>\n\n"
	    "<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) [ok](https://example.com/)\n\n"
	    "| a | b |\n|---|---|\n| 1 | 2 |\n\nwww.example.org\n";

	(void)state;
	assert_int_equal(markdown_render(ar, md, strlen(md), &html, &text), DL_OK);
	assert_non_null(strstr(html, "<h2>Title</h2>"));   /* the page owns h1 */
	assert_non_null(strstr(html, "<strong>bold</strong>"));
	assert_non_null(strstr(html, "<s>struck</s>"));
	assert_non_null(strstr(html, "<table>"));
	assert_non_null(strstr(html, "href=\"https://example.com/\""));
	assert_non_null(strstr(html, "href=\"http://www.example.org\""));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "onerror"));
	assert_null(strstr(html, "javascript:"));
	assert_null(strstr(text, "<"));
	assert_non_null(strstr(text, "bold"));
	arena_free(ar);
}

static void
test_markdown_cap(void **state)
{
	struct arena *ar = arena_new(4u << 20);
	size_t n = MARKDOWN_MAX_INPUT + 1;
	char *big = malloc(n + 1), *html, *text;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(markdown_render(ar, big, n, &html, &text), DL_ERR_TOOBIG);
	free(big);
	arena_free(ar);
}

static void
test_helpers(void **state)
{
	struct arena *ar = arena_new(1u << 16);
	char a[AUTH_TOKEN_HEX + 1], b[AUTH_TOKEN_HEX + 1], h1[65], h2[65];

	(void)state;
	assert_string_equal(auth_email_norm(ar, "Ann.Smith@Example.COM"), "ann.smith@example.com");
	assert_null(auth_email_norm(ar, "no-at-sign"));
	assert_null(auth_email_norm(ar, "two@@example.com"));
	assert_null(auth_email_norm(ar, "sp ace@example.com"));
	assert_null(auth_email_norm(ar, "@example.com"));
	auth_new_token(a);
	auth_new_token(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_HEX);
	assert_string_not_equal(a, b);
	auth_token_hash(a, h1);
	auth_token_hash(a, h2);
	assert_string_equal(h1, h2);
	assert_string_not_equal(h1, a);
	assert_int_equal(auth_role_parse("editor"), DL_ROLE_EDITOR);
	assert_int_equal(auth_role_parse("root"), DL_ROLE_NONE);
	assert_string_equal(auth_role_name(DL_ROLE_ADMIN), "admin");
	arena_free(ar);
}

static void
test_password_hash(void **state)
{
	char h[256];

	(void)state;
	assert_int_equal(auth_hash_password("correct horse", h, sizeof h), DL_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(auth_verify_password(h, "correct horse"));
	assert_false(auth_verify_password(h, "correct horsE"));
	assert_false(auth_verify_password("", "anything"));
	assert_int_equal(auth_hash_password("x", h, 10), DL_ERR_INVALID);
}

static void
test_accounts_sessions_links(void **state)
{
	struct store *st = open_fresh("accounts.db");
	struct arena *ar = arena_new(1u << 20);
	struct dl_account acc;
	const char *csrf;
	int64_t id, uid, last, oldest;

	(void)state;
	assert_int_equal(store_user_add(st, "ed@example.com", "Ed", DL_ROLE_EDITOR, 1000, &id), DL_OK);
	assert_int_equal(store_user_add(st, "ed@example.com", "Ed", DL_ROLE_EDITOR, 1000, NULL), DL_ERR_EXISTS);
	assert_int_equal(store_user_get(st, ar, "ed@example.com", &acc), DL_OK);
	assert_int_equal(acc.id, id);
	assert_string_equal(acc.pwhash, "");
	assert_int_equal(store_user_get(st, ar, "nobody@example.com", &acc), DL_ERR_NOTFOUND);

	/* sessions expire after inactivity and can be deleted */
	assert_int_equal(store_session_put(st, "hash1", id, "csrf1", 1000), DL_OK);
	assert_int_equal(store_session_get(st, ar, "hash1", 900, &uid, &csrf, &last), DL_OK);
	assert_int_equal(uid, id);
	assert_string_equal(csrf, "csrf1");
	assert_int_equal(store_session_get(st, ar, "hash1", 1001, &uid, &csrf, &last), DL_ERR_NOTFOUND);
	assert_int_equal(store_session_get(st, ar, "hash1", 0, &uid, &csrf, &last), DL_ERR_NOTFOUND);
	assert_int_equal(store_session_put(st, "hash2", id, "c", 2000), DL_OK);
	assert_int_equal(store_session_put(st, "hash3", id, "c", 2000), DL_OK);
	assert_int_equal(store_session_touch(st, "hash2", 5000), DL_OK);
	assert_int_equal(store_session_get(st, ar, "hash2", 4000, &uid, &csrf, &last), DL_OK);
	assert_int_equal(last, 5000);
	assert_int_equal(store_sessions_delete_user(st, id, "hash2"), DL_OK);
	assert_int_equal(store_session_get(st, ar, "hash3", 0, &uid, &csrf, &last), DL_ERR_NOTFOUND);
	assert_int_equal(store_session_delete(st, "hash2"), DL_OK);
	assert_int_equal(store_session_get(st, ar, "hash2", 0, &uid, &csrf, &last), DL_ERR_NOTFOUND);

	/* one-time links: once, and not after expiry */
	assert_int_equal(store_pwtoken_put(st, "tok", id, 3000), DL_OK);
	assert_true(store_pwtoken_valid(st, "tok", 2000));
	assert_false(store_pwtoken_valid(st, "tok", 3000));
	assert_int_equal(store_pwtoken_use(st, "tok", 3001, &uid), DL_ERR_NOTFOUND);
	assert_int_equal(store_pwtoken_use(st, "tok", 2000, &uid), DL_OK);
	assert_int_equal(uid, id);
	assert_int_equal(store_pwtoken_use(st, "tok", 2000, &uid), DL_ERR_NOTFOUND);

	/* failed logins in a window */
	assert_int_equal(store_login_failure_add(st, "ed@example.com", 100), DL_OK);
	assert_int_equal(store_login_failure_add(st, "ed@example.com", 200), DL_OK);
	assert_int_equal(store_login_failures(st, "ed@example.com", 150, &oldest), 1);
	assert_int_equal(oldest, 200);
	assert_int_equal(store_login_failures(st, "ed@example.com", 0, &oldest), 2);
	assert_int_equal(store_newsroom_prune(st, 10000, 0, 150), DL_OK);
	assert_int_equal(store_login_failures(st, "ed@example.com", 0, &oldest), 1);
	assert_int_equal(store_login_failures_clear(st, "ed@example.com"), DL_OK);
	assert_int_equal(store_login_failures(st, "ed@example.com", 0, &oldest), 0);
	arena_free(ar);
	store_close(st);
}

static enum dl_err
put(struct store *st, const char *uri, const char *headline, enum dl_status status, int64_t t,
    const char *tag)
{
	struct dl_term tags[1] = { { tag, "" } };
	struct dl_article a = { 0 };

	a.uri = uri;
	a.lang = "en";
	a.headline = headline;
	a.body_html = "<p>x</p>";
	a.body_text = "x";
	a.status = status;
	a.first_created = t;
	a.version_created = t;
	a.tags = tags;
	a.n_tags = tag ? 1 : 0;
	return store_article_put(st, &a, NULL);
}

static void
test_drafts_revisions_schedule(void **state)
{
	struct store *st = open_fresh("drafts.db");
	struct arena *ar = arena_new(4u << 20);
	struct dl_article a;
	struct dl_draft d = { 7, "*md*", 0 };
	struct dl_revision *rv, one;
	struct dl_article_list l;
	int64_t id, now = (int64_t)time(NULL);
	uint64_t gen;
	size_t n;
	int done;

	(void)state;
	assert_int_equal(put(st, "urn:t:1", "Draft one", DL_DRAFT, now, NULL), DL_OK);
	id = store_article_id(st, "urn:t:1");
	assert_true(id > 0);
	assert_int_equal(store_draft_get(st, ar, id, &d), DL_ERR_NOTFOUND);
	d.owner = 7;
	d.markdown = "*md*";
	assert_int_equal(store_draft_put(st, id, &d), DL_OK);
	assert_int_equal(store_draft_get(st, ar, id, &d), DL_OK);
	assert_int_equal(d.owner, 7);
	assert_string_equal(d.markdown, "*md*");
	assert_int_equal(store_article_get_id(st, ar, id, &a), DL_OK);
	assert_int_equal(a.status, DL_DRAFT);

	/* the newsroom list: all statuses, by owner */
	assert_int_equal(store_newsroom_list(st, ar, -1, 7, NULL, 0, 10, &l), DL_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(store_newsroom_list(st, ar, -1, 8, NULL, 0, 10, &l), DL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_newsroom_list(st, ar, DL_PUBLISHED, 0, NULL, 0, 10, &l), DL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_articles_list(st, ar, NULL, 0, 10, &l), DL_OK);
	assert_int_equal(l.n, 0);

	/* revisions, newest first */
	assert_int_equal(store_revision_add(st, id, 7, 100, "{\"headline\":\"a\"}"), DL_OK);
	assert_int_equal(store_revision_add(st, id, 7, 200, "{\"headline\":\"b\"}"), DL_OK);
	assert_int_equal(store_revisions(st, ar, id, 10, &rv, &n), DL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rv[0].fields, "{\"headline\":\"b\"}");
	assert_int_equal(store_revision_get(st, ar, rv[1].id, &one), DL_OK);
	assert_int_equal(one.at, 100);

	/* scheduling: not before its time, then published with that time */
	assert_int_equal(put(st, "urn:t:1", "Draft one", DL_SCHEDULED, now + 100, NULL), DL_OK);
	d.publish_at = now + 100;
	assert_int_equal(store_draft_put(st, id, &d), DL_OK);
	assert_int_equal(schedule_run_due(st, now + 50, &done), DL_OK);
	assert_int_equal(done, 0);
	gen = store_generation(st);
	assert_int_equal(schedule_run_due(st, now + 100, &done), DL_OK);
	assert_int_equal(done, 1);
	assert_true(store_generation(st) > gen);
	assert_int_equal(store_article_get_id(st, ar, id, &a), DL_OK);
	assert_int_equal(a.status, DL_PUBLISHED);
	assert_int_equal(a.first_created, now + 100);
	assert_int_equal(store_draft_get(st, ar, id, &d), DL_OK);
	assert_int_equal(d.publish_at, 0);
	assert_int_equal(schedule_run_due(st, now + 200, &done), DL_OK);
	assert_int_equal(done, 0);
	assert_int_equal(store_articles_list(st, ar, NULL, 0, 10, &l), DL_OK);
	assert_int_equal(l.n, 1);
	arena_free(ar);
	store_close(st);
}

static void
test_terms(void **state)
{
	struct store *st = open_fresh("terms.db");
	struct arena *ar = arena_new(4u << 20);
	struct dl_term_row *v;
	struct dl_term t;
	const char *cur;
	int64_t id_old = 0, id_other = 0, id;
	size_t n, i;

	(void)state;
	assert_int_equal(put(st, "urn:t:a", "A", DL_PUBLISHED, 100, "Old Name"), DL_OK);
	assert_int_equal(put(st, "urn:t:b", "B", DL_PUBLISHED, 200, "Other"), DL_OK);
	assert_int_equal(store_terms_list(st, ar, DL_TAG, "en", &v, &n), DL_OK);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].slug, "old-name") == 0)
			id_old = v[i].id;
		if (strcmp(v[i].slug, "other") == 0)
			id_other = v[i].id;
		assert_int_equal(v[i].count, 1);
	}
	assert_int_equal(store_term_rename(st, id_old, "New Name"), DL_OK);
	assert_int_equal(store_term_get(st, ar, DL_TAG, "en", "old-name", &t), DL_ERR_NOTFOUND);
	assert_int_equal(store_term_alias(st, ar, DL_TAG, "en", "old-name", &cur), DL_OK);
	assert_string_equal(cur, "new-name");
	assert_int_equal(store_term_rename(st, id_other, "new name"), DL_ERR_EXISTS);
	assert_int_equal(store_term_create(st, DL_TAG, "en", "New name", &id), DL_ERR_EXISTS);
	assert_int_equal(store_term_create(st, DL_TAG, "en", "!!!", &id), DL_ERR_INVALID);
	assert_int_equal(store_term_merge(st, id_other, id_old), DL_OK);
	assert_int_equal(store_term_alias(st, ar, DL_TAG, "en", "other", &cur), DL_OK);
	assert_string_equal(cur, "new-name");
	assert_int_equal(store_terms_list(st, ar, DL_TAG, "en", &v, &n), DL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].count, 2);
	assert_int_equal(store_term_merge(st, id_old, id_old), DL_ERR_INVALID);
	assert_int_equal(store_term_alias(st, ar, DL_TAG, "en", "never", &cur), DL_ERR_NOTFOUND);
	arena_free(ar);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_safe),
		cmocka_unit_test(test_markdown_cap),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test(test_accounts_sessions_links),
		cmocka_unit_test(test_drafts_revisions_schedule),
		cmocka_unit_test(test_terms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
