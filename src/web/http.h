/* http.h - pieces of the HTTP layer shared by server.c and cache.c
 * (internal to src/web/). */
#ifndef DL_HTTP_H
#define DL_HTTP_H

#include <stddef.h>
#include <sys/socket.h>
#include "base/err.h"
#include "web/web.h"

struct MHD_Response;

#define HTTP_CACHEABLE 0x1   /* Cache-Control: public, max-age=60 */
#define HTTP_OWN_ETAG  0x2   /* the cache sets ETag: drop the handler's */

/* Adds the headers every response carries: Content-Type (rs's or
 * text/html), Cache-Control (the handler's own if it set one, else
 * "no-store" when rs->no_store, "public, max-age=60" with HTTP_CACHEABLE,
 * else "no-cache"), X-Content-Type-Options, Content-Security-Policy,
 * Referrer-Policy, Vary: Accept-Encoding, Location, and rs's own headers.
 * DL_ERR_NOMEM when MHD refuses one. */
enum dl_err http_add_headers(struct MHD_Response *r, const struct resp *rs, unsigned flags) DL_WUR;

/* Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", "localhost:8080")
 * into a socket address. DL_ERR_INVALID with a sentence in msg when it is
 * not one. */
enum dl_err http_parse_listen(const char *listen, struct sockaddr_storage *out, socklen_t *outlen,
    char *msg, size_t msglen) DL_WUR;

#endif
