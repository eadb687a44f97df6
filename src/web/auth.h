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

#endif
