/* web.h - what a page handler sees of HTTP.
 *
 * The server (src/web/server.c, libmicrohttpd) parses the request, finds
 * the route (src/web/route.c), looks in the page cache, and on a miss calls
 * the page's handler with a struct req and an empty struct resp. The handler
 * fills the response (usually through page_render() in src/pages/page.h)
 * and returns DL_OK; DL_ERR_NOTFOUND makes the server answer with the 404
 * page in the edition's language, any other error with the 500 page.
 *
 * Everything a handler allocates comes from rq->arena, freed when the
 * response has been queued.
 */
#ifndef DL_WEB_H
#define DL_WEB_H

#include <stddef.h>
#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"

struct store;
struct tmpl_set;
struct page_cache;

/* What every request can reach; read-only once the server runs. */
struct site {
	const struct config *cfg;
	struct store *store;
	struct tmpl_set *tmpl;
	struct page_cache *cache;   /* NULL when caching is off */
	struct ratelimit *limits;   /* ratelimit.h buckets shared by all handlers; NULL: none */
};

#define REQ_MAX_PARAMS 8

struct req {
	struct site *site;
	struct arena *arena;
	const char *method;     /* "GET", "HEAD", "POST" */
	const char *path;       /* the URL path, percent-decoded, no query */
	const char *lang;       /* edition: from the URL, else the default */
	const char *param_names[REQ_MAX_PARAMS];
	const char *param_values[REQ_MAX_PARAMS];
	size_t n_params;
	void *conn;             /* struct MHD_Connection * */
	const char *body;       /* request body (POST), in the arena, NUL after body_len;
	                         * NULL when none. Capped at 64 KiB (413 past it). */
	size_t body_len;
};

/* A query-string value ("?page=2" -> "2"); NULL when absent. */
const char *req_query(const struct req *rq, const char *key);
/* A request header; NULL when absent. */
const char *req_header(const struct req *rq, const char *name);
/* A field of an application/x-www-form-urlencoded POST body, decoded
 * ("+" and %XX), from the arena; NULL when absent, when the body is of
 * another type, or when the value is not valid UTF-8 or holds a NUL. The
 * first one when the field repeats. */
const char *req_form(const struct req *rq, const char *key);
/* Every value of a repeated form field (checkboxes), in order; *n = 0 when
 * none. Invalid values are skipped. DL_ERR_NOMEM only. */
enum dl_err req_form_all(const struct req *rq, const char *key, const char ***vals,
    size_t *n) DL_WUR;
/* The client's address for rate limits and the audit log: IPv4 whole, IPv6
 * by its /64 (one host usually holds a whole /64); "unknown" when
 * libmicrohttpd cannot say. From the arena. Behind a reverse proxy this is
 * the proxy's address: X-Forwarded-For is not trusted. */
const char *req_client(struct req *rq);
/* A capture from the route pattern ("{slug}" -> value); NULL when none. */
const char *req_param(const struct req *rq, const char *name);

#define RESP_MAX_HEADERS 8
#define RESP_BODY_MAX (8u << 20)

struct resp {
	int status;                 /* 200 when the handler leaves it 0 */
	const char *content_type;   /* "text/html; charset=utf-8" when NULL */
	struct buf body;            /* capped at RESP_BODY_MAX */
	const char *location;       /* Location header for redirects */
	const char *header_names[RESP_MAX_HEADERS];
	const char *header_values[RESP_MAX_HEADERS];
	size_t n_headers;
	int no_store;               /* never cache; send Cache-Control: no-store */
};

/* Adds a response header (name and value must live as long as the request:
 * literals or arena strings). DL_ERR_TOOBIG past RESP_MAX_HEADERS. */
enum dl_err resp_header(struct resp *rs, const char *name, const char *value) DL_WUR;

typedef enum dl_err (*page_fn)(struct req *rq, struct resp *rs);

/* Route flags. */
#define ROUTE_CACHE   0x1   /* response may be kept in the page cache */
#define ROUTE_EDITION 0x2   /* pattern starts with {lang}: must be a configured edition */

struct route {
	const char *method;     /* "GET" also answers HEAD */
	const char *pattern;    /* "/{lang}/news/{slug}": literal segments and {captures} */
	page_fn fn;
	unsigned flags;
};

/* The route table (src/web/route.c) and the lookup. Returns the route and
 * fills rq's params, or NULL. A trailing slash is significant only for
 * the edition root "/{lang}/". */
extern const struct route routes[];
const struct route *route_find(struct req *rq, const char *method, const char *path);

/* Starts serving on cfg->listen and blocks until SIGINT/SIGTERM. */
enum dl_err server_run(struct site *site) DL_WUR;

#endif
