/* auth.c - newsroom accounts: argon2id passwords, server-side sessions
 * (only the SHA-256 of a session id is stored), CSRF tokens, login
 * lockout and per-address rate limits. */
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/i18n.h"
#include "base/log.h"
#include "base/sign.h"
#include "pages/page.h"
#include "store/store.h"
#include "web/auth.h"
#include "web/ratelimit.h"

#define COOKIE "dl_session"
#define LOGIN_COOKIE "dl_login"
#define LOGIN_PURPOSE "login-csrf"
#define ORIGIN_MAX 256
#define TOUCH_EVERY 60   /* seconds between last_seen updates of a session */

/* Init-once: libsodium, and a hash to verify against when the account does
 * not exist, so that unknown and known emails take the same time. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void
init_once(void)
{
	unsigned char pw[32];

	if (sodium_init() < 0) {
		log_error("auth: libsodium failed to start");
		return;
	}
	randombytes_buf(pw, sizeof pw);
	if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
}

static void
ensure_init(void)
{
	pthread_once(&once, init_once);
}

void
auth_new_token(char out[AUTH_TOKEN_HEX + 1])
{
	unsigned char raw[AUTH_TOKEN_HEX / 2];

	ensure_init();
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, AUTH_TOKEN_HEX + 1, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

void
auth_token_hash(const char *token, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, h, sizeof h);
}

static int
is_token(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != AUTH_TOKEN_HEX)
		return 0;
	for (i = 0; i < AUTH_TOKEN_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

enum dl_err
auth_hash_password(const char *password, char *out, size_t outlen)
{
	ensure_init();
	if (outlen < crypto_pwhash_STRBYTES)
		return DL_ERR_INVALID;
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return DL_ERR_NOMEM;
	return DL_OK;
}

int
auth_verify_password(const char *hash, const char *password)
{
	ensure_init();
	if (hash == NULL || hash[0] == '\0')
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

char *
auth_email_norm(struct arena *ar, const char *email)
{
	size_t n, i, at = 0, nat = 0;
	char *s;

	if (email == NULL || (n = strlen(email)) < 3 || n > 254)
		return NULL;
	if ((s = arena_strdup(ar, email)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',')
			return NULL;
		if (c >= 'A' && c <= 'Z')
			s[i] = (char)(c + 32);
		if (c == '@') {
			at = i;
			nat++;
		}
	}
	if (nat != 1 || at == 0 || at == n - 1)
		return NULL;
	return s;
}

const char *
auth_role_name(enum dl_role r)
{
	switch (r) {
	case DL_ROLE_AUTHOR: return "author";
	case DL_ROLE_EDITOR: return "editor";
	case DL_ROLE_ADMIN: return "admin";
	default: return "none";
	}
}

enum dl_role
auth_role_parse(const char *s)
{
	if (s == NULL)
		return DL_ROLE_NONE;
	if (strcmp(s, "author") == 0)
		return DL_ROLE_AUTHOR;
	if (strcmp(s, "editor") == 0)
		return DL_ROLE_EDITOR;
	if (strcmp(s, "admin") == 0)
		return DL_ROLE_ADMIN;
	return DL_ROLE_NONE;
}

void
auth_audit(struct req *rq, int64_t user_id, const char *action, const char *target)
{
	if (store_audit_add(rq->site->store, user_id, action, target, (int64_t)time(NULL)) != DL_OK)
		log_warn("audit: could not record %s %s", action, target ? target : "");
}

/* The value of cookie `name` when it is a well-formed random token. */
static const char *
token_cookie(struct req *rq, const char *name)
{
	const char *v;

	if (rq->conn == NULL)
		return NULL;
	v = MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_COOKIE_KIND, name);
	return is_token(v) ? v : NULL;
}

static const char *
session_cookie(struct req *rq)
{
	return token_cookie(rq, COOKIE);
}

static int
secure_site(struct req *rq)
{
	return strncmp(rq->site->cfg->base_url, "https://", 8) == 0;
}

enum dl_err
auth_user(struct req *rq, struct dl_user *out)
{
	struct store *st = rq->site->store;
	const char *tok = session_cookie(rq), *csrf;
	char hash[65];
	int64_t now = (int64_t)time(NULL), uid, last;
	unsigned idle = rq->site->cfg->session_idle_minutes ? rq->site->cfg->session_idle_minutes : 120;
	struct dl_account acc;
	enum dl_err e;

	memset(out, 0, sizeof *out);
	if (tok == NULL)
		return DL_ERR_NOTFOUND;
	auth_token_hash(tok, hash);
	e = store_session_get(st, rq->arena, hash, now - (int64_t)idle * 60, &uid, &csrf, &last);
	if (e != DL_OK)
		return e;
	if ((e = store_user_get_id(st, rq->arena, uid, &acc)) != DL_OK)
		return e;
	if (acc.role <= DL_ROLE_NONE || acc.role > DL_ROLE_ADMIN)
		return DL_ERR_NOTFOUND;
	if (now - last >= TOUCH_EVERY && store_session_touch(st, hash, now) != DL_OK)
		log_warn("auth: could not renew a session");
	out->id = acc.id;
	out->email = acc.email;
	out->name = acc.name[0] ? acc.name : acc.email;
	out->role = (enum dl_role)acc.role;
	out->csrf = csrf;
	return DL_OK;
}

/* A path that can go into a query string as it is. */
static int
safe_path(const char *p)
{
	size_t n = 0;

	for (; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '/' || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return n < 200;
}

/* The small page that says no, in the reader's language. */
static enum dl_err
refuse(struct req *rq, struct resp *rs, int status, const char *key)
{
	json_t *ctx = page_context(rq, i18n_get(rq->lang, "nr_denied_title"));

	rs->status = status;
	rs->no_store = 1;
	if (ctx == NULL || json_object_set_new(ctx, "message", json_string(i18n_get(rq->lang, key))) ||
	    json_object_set_new(ctx, "login_url", json_string("/newsroom/login"))) {
		json_decref(ctx);
		return DL_ERR_NOMEM;
	}
	return page_render(rq, rs, "newsroom_message", ctx);
}

enum dl_err
auth_require(struct req *rq, struct resp *rs, enum dl_role min, struct dl_user *out)
{
	const char *form_csrf;
	enum dl_err e;

	rs->no_store = 1;
	e = auth_user(rq, out);
	if (e == DL_ERR_NOTFOUND) {
		if (strcmp(rq->method, "POST") != 0) {
			rs->status = 303;
			rs->location = safe_path(rq->path) ?
			    arena_printf(rq->arena, "/newsroom/login?next=%s", rq->path) : "/newsroom/login";
			if (rs->location == NULL)
				return DL_ERR_NOMEM;
			if (buf_puts(&rs->body, "login required\n") != DL_OK)
				return DL_ERR_NOMEM;
			rs->content_type = "text/plain; charset=utf-8";
			return DL_ERR_INVALID;
		}
		e = refuse(rq, rs, 403, "nr_session_expired");
		return e == DL_OK ? DL_ERR_INVALID : e;
	}
	if (e != DL_OK)
		return e;
	if ((int)out->role < (int)min) {
		e = refuse(rq, rs, 403, "nr_forbidden");
		return e == DL_OK ? DL_ERR_INVALID : e;
	}
	if (strcmp(rq->method, "POST") == 0) {
		if (!auth_origin_ok(rq)) {
			e = refuse(rq, rs, 403, "nr_bad_csrf");
			return e == DL_OK ? DL_ERR_INVALID : e;
		}
		form_csrf = req_form(rq, "csrf");
		if (form_csrf == NULL || strlen(form_csrf) != strlen(out->csrf) ||
		    sodium_memcmp(form_csrf, out->csrf, strlen(out->csrf)) != 0) {
			e = refuse(rq, rs, 403, "nr_bad_csrf");
			return e == DL_OK ? DL_ERR_INVALID : e;
		}
	}
	return DL_OK;
}

enum dl_err
auth_refuse_csrf(struct req *rq, struct resp *rs)
{
	return refuse(rq, rs, 403, "nr_bad_csrf");
}

/* ---- login CSRF (double submit) and Origin ---- */

static const char *
login_cookie(struct req *rq)
{
	return token_cookie(rq, LOGIN_COOKIE);
}

const char *
auth_login_token(struct req *rq, struct resp *rs)
{
	const char *value = login_cookie(rq), *c;
	char fresh[AUTH_TOKEN_HEX + 1];

	if (value == NULL) {
		auth_new_token(fresh);
		c = arena_printf(rq->arena, LOGIN_COOKIE "=%s; Path=/newsroom; Max-Age=%d; HttpOnly; "
		    "SameSite=Strict%s", fresh, AUTH_LOGIN_SECONDS, secure_site(rq) ? "; Secure" : "");
		if (c == NULL || (value = arena_strdup(rq->arena, fresh)) == NULL ||
		    resp_header(rs, "Set-Cookie", c) != DL_OK)
			return NULL;
	}
	return sign_make(rq->arena, LOGIN_PURPOSE, value, (int64_t)time(NULL) + AUTH_LOGIN_SECONDS);
}

int
auth_login_token_ok(struct req *rq)
{
	const char *value = login_cookie(rq), *tok = req_form(rq, "csrf"), *payload = NULL;
	int64_t issued;

	if (value == NULL || tok == NULL || strlen(tok) > 1024 ||
	    sign_check(rq->arena, LOGIN_PURPOSE, tok, (int64_t)time(NULL), &payload, &issued) != SIGN_OK ||
	    payload == NULL || strlen(payload) != AUTH_TOKEN_HEX)
		return 0;
	return sodium_memcmp(payload, value, AUTH_TOKEN_HEX) == 0;
}

/* "scheme://host[:port]" of a URL, lower-cased, without a default port;
 * 0 when it has no scheme or is too long. */
static int
origin_of(const char *url, char out[ORIGIN_MAX])
{
	const char *p = strstr(url, "://"), *end;
	size_t n, i;

	if (p == NULL || p == url)
		return 0;
	end = p + 3 + strcspn(p + 3, "/?#");
	n = (size_t)(end - url);
	if (n >= ORIGIN_MAX || n == (size_t)(p + 3 - url))
		return 0;
	for (i = 0; i < n; i++)
		out[i] = (char)((url[i] >= 'A' && url[i] <= 'Z') ? url[i] + 32 : url[i]);
	out[n] = '\0';
	if (n > 7 && memcmp(out, "http://", 7) == 0 && strcmp(out + n - 3, ":80") == 0)
		out[n - 3] = '\0';
	else if (n > 8 && memcmp(out, "https://", 8) == 0 && strcmp(out + n - 4, ":443") == 0)
		out[n - 4] = '\0';
	return 1;
}

int
auth_origin_ok(struct req *rq)
{
	const char *o;
	char mine[ORIGIN_MAX], theirs[ORIGIN_MAX];

	if (rq->conn == NULL)
		return 1;
	o = MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_HEADER_KIND, "Origin");
	if (o == NULL)
		return 1;
	if (!origin_of(rq->site->cfg->base_url, mine) || !origin_of(o, theirs))
		return 0;
	return strcmp(mine, theirs) == 0;
}

static enum dl_err
set_cookie(struct req *rq, struct resp *rs, const char *value, int clear)
{
	const char *c = arena_printf(rq->arena, COOKIE "=%s; Path=/newsroom; HttpOnly; SameSite=Lax%s%s",
	    value, clear ? "; Max-Age=0" : "", secure_site(rq) ? "; Secure" : "");

	if (c == NULL)
		return DL_ERR_NOMEM;
	return resp_header(rs, "Set-Cookie", c);
}

enum dl_err
auth_login(struct req *rq, struct resp *rs, const char *email, const char *password,
    enum auth_login *result, int64_t *retry_after)
{
	struct store *st = rq->site->store;
	struct dl_account acc;
	const char *account = auth_email_norm(rq->arena, email), *old = session_cookie(rq);
	const char *key;
	char tok[AUTH_TOKEN_HEX + 1], csrf[AUTH_TOKEN_HEX + 1], hash[65];
	int64_t now = (int64_t)time(NULL), oldest, wait, n;
	enum dl_err e;
	int ok;

	ensure_init();
	*result = AUTH_LOGIN_BAD;
	*retry_after = 0;
	if (password == NULL || strlen(password) > AUTH_PASSWORD_MAX)
		password = "";
	if (rq->site->limits) {
		key = arena_printf(rq->arena, "login:ip:%s", req_client(rq));
		if (key == NULL)
			return DL_ERR_NOMEM;
		wait = ratelimit_take(rq->site->limits, key, AUTH_IP_BURST, AUTH_IP_PER_HOUR, now);
		if (wait > 0) {
			*result = AUTH_LOGIN_LOCKED;
			*retry_after = wait;
			return DL_OK;
		}
	}
	if (account == NULL)
		account = "";
	n = store_login_failures(st, account, now - AUTH_LOCK_SECONDS, &oldest);
	if (n >= AUTH_LOCK_FAILURES) {
		*result = AUTH_LOGIN_LOCKED;
		*retry_after = oldest + AUTH_LOCK_SECONDS - now;
		if (*retry_after < 1)
			*retry_after = 1;
		return DL_OK;
	}
	e = account[0] ? store_user_get(st, rq->arena, account, &acc) : DL_ERR_NOTFOUND;
	if (e != DL_OK && e != DL_ERR_NOTFOUND)
		return e;
	if (e == DL_ERR_NOTFOUND) {
		(void)auth_verify_password(dummy_hash, password);
		ok = 0;
	} else {
		ok = acc.role > DL_ROLE_NONE && auth_verify_password(acc.pwhash, password);
	}
	if (!ok) {
		if (account[0] && store_login_failure_add(st, account, now) != DL_OK)
			return DL_ERR_DB;
		log_info("auth: failed login for %s from %s", account[0] ? account : "(invalid)",
		    req_client(rq));
		return DL_OK;
	}
	if (store_login_failures_clear(st, account) != DL_OK)
		log_warn("auth: could not clear failures of %s", account);
	if (old) {
		auth_token_hash(old, hash);
		if (store_session_delete(st, hash) != DL_OK)
			return DL_ERR_DB;
	}
	auth_new_token(tok);
	auth_new_token(csrf);
	auth_token_hash(tok, hash);
	if ((e = store_session_put(st, hash, acc.id, csrf, now)) != DL_OK)
		return e;
	if ((e = set_cookie(rq, rs, tok, 0)) != DL_OK)
		return e;
	sodium_memzero(tok, sizeof tok);
	auth_audit(rq, acc.id, "login", req_client(rq));
	*result = AUTH_LOGIN_OK;
	return DL_OK;
}

enum dl_err
auth_logout(struct req *rq, struct resp *rs)
{
	const char *tok = session_cookie(rq);
	char hash[65];
	enum dl_err e;

	rs->no_store = 1;
	if (tok) {
		auth_token_hash(tok, hash);
		if ((e = store_session_delete(rq->site->store, hash)) != DL_OK)
			return e;
	}
	return set_cookie(rq, rs, "", 1);
}
