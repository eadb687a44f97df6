/* auth.h - who is making this request: newsroom accounts, server-side
 * sessions and CSRF tokens. Implemented in src/web/auth.c (the newsroom).
 *
 * Session cookie "dl_session": HttpOnly, SameSite=Lax, Secure when the site's
 * base_url is https; the session row lives in the database (so every node
 * of a site sees it) and expires after inactivity. */
#ifndef DL_AUTH_H
#define DL_AUTH_H

#include <stdint.h>
#include "web/web.h"

enum dl_role { DL_ROLE_NONE = 0, DL_ROLE_AUTHOR = 1, DL_ROLE_EDITOR = 2, DL_ROLE_ADMIN = 3 };

struct dl_user {
	int64_t id;
	const char *email;
	const char *name;
	enum dl_role role;
	const char *csrf;       /* this session's CSRF token, for forms */
};

/* The logged-in user of this request, from the arena; DL_ERR_NOTFOUND when
 * there is no valid session. */
enum dl_err auth_user(struct req *rq, struct dl_user *out) DL_WUR;

/* For newsroom handlers: DL_OK and *out when the user has at least role
 * `min`. Otherwise fills rs (a redirect to the login page, or a 403 page in
 * the reader's language), sets rs->no_store, and returns DL_ERR_INVALID: the
 * handler then returns DL_OK at once. POST requests are also refused (403)
 * unless their form field "csrf" matches the session's token. */
enum dl_err auth_require(struct req *rq, struct resp *rs, enum dl_role min,
    struct dl_user *out) DL_WUR;

/* ---- Login, logout and passwords (src/web/auth.c) ----
 *
 * Lockout: after AUTH_LOCK_FAILURES failed logins of one account within
 * AUTH_LOCK_SECONDS, that account is refused (without checking the
 * password) until the oldest of those failures is AUTH_LOCK_SECONDS old.
 * The failures are kept in the database, so the lock holds across restarts
 * and nodes. Each client address may also try AUTH_IP_BURST logins, then
 * AUTH_IP_PER_HOUR an hour (ratelimit.h, per node). A successful login
 * forgets the account's failures. */
#define AUTH_LOCK_FAILURES 5
#define AUTH_LOCK_SECONDS (15 * 60)
#define AUTH_IP_BURST 30
#define AUTH_IP_PER_HOUR 120
#define AUTH_PASSWORD_MIN 10      /* characters (bytes) in a new password */
#define AUTH_PASSWORD_MAX 256
#define AUTH_TOKEN_HEX 64         /* random tokens: 32 bytes as hex */
#define AUTH_LINK_SECONDS (48 * 3600)   /* set-password links */

enum auth_login { AUTH_LOGIN_OK = 0, AUTH_LOGIN_BAD, AUTH_LOGIN_LOCKED };

/* Checks email and password. AUTH_LOGIN_OK: a new session (any session the
 * request came with is deleted) and its cookie in rs. AUTH_LOGIN_LOCKED:
 * *retry_after seconds to wait. Errors only for the database or memory. */
enum dl_err auth_login(struct req *rq, struct resp *rs, const char *email, const char *password,
    enum auth_login *result, int64_t *retry_after) DL_WUR;

/* ---- Login CSRF and Origin (src/web/auth.c) ----
 *
 * The login form has no session yet, so it uses a double submit: the GET
 * sets a random pre-session cookie "dl_login" (HttpOnly, SameSite=Strict,
 * Path=/newsroom, AUTH_LOGIN_SECONDS) and the form's hidden field "csrf"
 * carries a signed, expiring token (sign.h, purpose "login-csrf") of that
 * cookie's value. A login POST is refused (403) unless both are present
 * and match. Every POST under /newsroom/ is also refused when it has an
 * Origin header that is not the origin of the site's base_url. */
#define AUTH_LOGIN_SECONDS 3600

/* The token for the login form, from the arena; sets the dl_login cookie in
 * rs unless the request already carries a well-formed one. NULL when out of
 * memory or when signing fails. */
const char *auth_login_token(struct req *rq, struct resp *rs);
/* 1 when the form field "csrf" is a valid, unexpired token for the
 * request's dl_login cookie. */
int auth_login_token_ok(struct req *rq);
/* 1 when the request has no Origin header, or one equal (scheme, host and
 * port, case-insensitive) to the origin of base_url. */
int auth_origin_ok(struct req *rq);
/* Fills rs with the 403 "form could not be verified" page (no-store). */
enum dl_err auth_refuse_csrf(struct req *rq, struct resp *rs) DL_WUR;

/* Deletes the request's session and clears the cookie. */
enum dl_err auth_logout(struct req *rq, struct resp *rs) DL_WUR;

/* argon2id (crypto_pwhash_str, OPSLIMIT/MEMLIMIT_INTERACTIVE) into out
 * (at least crypto_pwhash_STRBYTES = 128). DL_ERR_NOMEM when libsodium
 * cannot get its memory. */
enum dl_err auth_hash_password(const char *password, char *out, size_t outlen) DL_WUR;
/* 1 when `password` matches `hash`. */
int auth_verify_password(const char *hash, const char *password);

/* A new random token (randombytes_buf) as AUTH_TOKEN_HEX hex digits, and the
 * SHA-256 of a token as 64 hex digits (what the database keeps). */
void auth_new_token(char out[AUTH_TOKEN_HEX + 1]);
void auth_token_hash(const char *token, char out[65]);

/* Lower-cases an email address into the arena; NULL when it does not look
 * like one (no "@", spaces, control bytes, over 254 bytes). */
char *auth_email_norm(struct arena *ar, const char *email);

/* The role's name ("author", "editor", "admin") and back (DL_ROLE_NONE). */
const char *auth_role_name(enum dl_role r);
enum dl_role auth_role_parse(const char *s);

/* Records an audit-log entry for the user (0: the server). Failures are
 * logged, not returned. */
void auth_audit(struct req *rq, int64_t user_id, const char *action, const char *target);

#endif
