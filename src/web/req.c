/* req.c - what a handler reads of the request and adds to the response. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include "web/web.h"

const char *
req_query(const struct req *rq, const char *key)
{
	if (rq->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
req_header(const struct req *rq, const char *name)
{
	if (rq->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

enum dl_err
resp_header(struct resp *rs, const char *name, const char *value)
{
	if (rs->n_headers >= RESP_MAX_HEADERS)
		return DL_ERR_TOOBIG;
	rs->header_names[rs->n_headers] = name;
	rs->header_values[rs->n_headers] = value;
	rs->n_headers++;
	return DL_OK;
}

const char *
req_param(const struct req *rq, const char *name)
{
	size_t i;

	for (i = 0; i < rq->n_params; i++)
		if (strcmp(rq->param_names[i], name) == 0)
			return rq->param_values[i];
	return NULL;
}

const char *
req_client(struct req *rq)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char host[INET6_ADDRSTRLEN + 8];

	if (rq->conn == NULL ||
	    (ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    (sa = ci->client_addr) == NULL)
		return "unknown";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host) == NULL)
			return "unknown";
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		struct in6_addr a = in6->sin6_addr;

		memset(a.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a, host, sizeof host) == NULL)
			return "unknown";
	} else
		return "unknown";
	return arena_strdup(rq->arena, host);
}
