/* api_related.c - GET /api/v1/items/{uri}/related. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pages/api.h"
#include "store/store.h"

static enum dl_err
send_json(struct resp *rs, int status, json_t *o)
{
	char *s;
	enum dl_err e;

	if (o == NULL)
		return DL_ERR_NOMEM;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return DL_ERR_NOMEM;
	rs->status = status;
	rs->content_type = "application/json";
	e = buf_puts(&rs->body, s);
	free(s);
	return e;
}

enum dl_err
page_api_related(struct req *rq, struct resp *rs)
{
	const char *uri = req_param(rq, "uri"), *lim = req_query(rq, "limit");
	struct dl_article a;
	struct dl_related *v;
	size_t n, i, limit = 5;
	json_t *o, *arr;
	enum dl_err e;

	if (lim) {
		long l = strtol(lim, NULL, 10);

		if (l >= 1 && l <= 20)
			limit = (size_t)l;
	}
	if (uri == NULL || (e = store_article_get_uri(rq->site->store, rq->arena, uri, &a)) ==
	    DL_ERR_NOTFOUND || (e == DL_OK && a.status != DL_PUBLISHED))
		return send_json(rs, 404, json_pack("{s:s}", "error", "no such item"));
	if (e != DL_OK)
		return e;
	if ((e = store_related_get(rq->site->store, rq->arena, uri, &v, &n)) != DL_OK)
		return e;
	o = json_object();
	arr = json_array();
	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return DL_ERR_NOMEM;
	}
	json_object_set_new(o, "uri", json_string(uri));
	for (i = 0; i < n && json_array_size(arr) < limit; i++) {
		struct dl_article b;
		char when[32] = "";
		time_t t;
		struct tm tm;

		if (store_article_get_uri(rq->site->store, rq->arena, v[i].uri, &b) != DL_OK ||
		    b.status != DL_PUBLISHED)
			continue;
		t = (time_t)b.first_created;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:f}", "uri", v[i].uri,
		    "headline", b.headline ? b.headline : "", "firstcreated", when, "score", v[i].score));
	}
	json_object_set_new(o, "related", arr);
	return send_json(rs, 200, o);
}
