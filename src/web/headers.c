/* headers.c - response headers common to every answer, and --listen parsing. */
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "web/http.h"

#define CSP "default-src 'self'; img-src 'self' data: https:; style-src 'self'; " \
	"script-src 'self'; frame-ancestors 'none'"

static int
has_header(const struct resp *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_headers && i < RESP_MAX_HEADERS; i++)
		if (strcasecmp(rs->header_names[i], name) == 0)
			return 1;
	return 0;
}

enum dl_err
http_add_headers(struct MHD_Response *r, const struct resp *rs, unsigned flags)
{
	const char *cc;
	size_t i;

	if (has_header(rs, "Cache-Control"))
		cc = NULL;
	else if (rs->no_store)
		cc = "no-store";
	else if (flags & HTTP_CACHEABLE)
		cc = "public, max-age=60";
	else
		cc = "no-cache";
	if (MHD_add_response_header(r, "Content-Type",
	        rs->content_type ? rs->content_type : "text/html; charset=utf-8") != MHD_YES ||
	    (cc && MHD_add_response_header(r, "Cache-Control", cc) != MHD_YES) ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(r, "Content-Security-Policy", CSP) != MHD_YES ||
	    MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin") != MHD_YES ||
	    MHD_add_response_header(r, "Vary", "Accept-Encoding") != MHD_YES)
		return DL_ERR_NOMEM;
	if (rs->location && MHD_add_response_header(r, "Location", rs->location) != MHD_YES)
		return DL_ERR_NOMEM;
	for (i = 0; i < rs->n_headers && i < RESP_MAX_HEADERS; i++)
		if (!((flags & HTTP_OWN_ETAG) && strcasecmp(rs->header_names[i], "ETag") == 0) &&
		    MHD_add_response_header(r, rs->header_names[i], rs->header_values[i]) != MHD_YES)
			return DL_ERR_NOMEM;
	return DL_OK;
}

enum dl_err
http_parse_listen(const char *listen, struct sockaddr_storage *out, socklen_t *outlen,
    char *msg, size_t msglen)
{
	char host[256], *end;
	const char *colon, *h = listen;
	size_t hlen;
	unsigned long port;
	struct addrinfo hints, *res = NULL;
	int rc;

	colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen || colon[1] == '\0')
		goto bad;
	hlen = (size_t)(colon - listen);
	if (h[0] == '[') {
		if (hlen < 3 || h[hlen - 1] != ']')
			goto bad;
		h++;
		hlen -= 2;
	}
	if (hlen >= sizeof host)
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0 || res == NULL) {
		snprintf(msg, msglen, "--listen %s: cannot resolve host '%s': %s", listen, host,
		    gai_strerror(rc));
		return DL_ERR_INVALID;
	}
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*outlen = res->ai_addrlen;
	freeaddrinfo(res);
	return DL_OK;
bad:
	snprintf(msg, msglen, "--listen wants HOST:PORT with a port from 1 to 65535 "
	    "(e.g. 127.0.0.1:8080 or [::1]:8080), not '%s'", listen);
	return DL_ERR_INVALID;
}
