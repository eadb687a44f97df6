/* req.c - what a handler reads of the request and adds to the response. */
#include <microhttpd.h>
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
