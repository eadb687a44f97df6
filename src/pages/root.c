/* root.c - "/": a temporary redirect to an edition's front page, the one
 * the browser's Accept-Language prefers among the configured editions,
 * else the default. */
#include <stdlib.h>
#include <string.h>
#include "pages/page.h"

/* The configured edition with the highest q in Accept-Language, or NULL. */
static const char *
pick(const struct config *cfg, const char *al)
{
	const char *best = NULL, *p = al, *end, *semi;
	double bestq = 0.0, q;
	char tag[16];
	size_t n, i;

	while (p != NULL && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (n = 0; p + n < end && p[n] != ';' && p[n] != '-' && p[n] != '_' && p[n] != ' '; n++)
			;
		q = 1.0;
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi != NULL) {
			const char *qs = strstr(semi, "q=");

			if (qs != NULL && qs < end)
				q = strtod(qs + 2, NULL);
		}
		if (n > 0 && n < sizeof tag && q > bestq) {
			for (i = 0; i < n; i++)
				tag[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
			tag[n] = '\0';
			for (i = 0; i < cfg->n_editions; i++)
				if (strcmp(cfg->editions[i], tag) == 0) {
					best = cfg->editions[i];
					bestq = q;
					break;
				}
		}
		p = *end ? end + 1 : end;
	}
	return best;
}

enum dl_err
page_root(struct req *rq, struct resp *rs)
{
	const struct config *cfg = rq->site->cfg;
	const char *lang = pick(cfg, req_header(rq, "Accept-Language"));

	if (lang == NULL)
		lang = cfg->default_lang;
	rs->status = 302;
	rs->location = arena_printf(rq->arena, "/%s/", lang);
	rs->no_store = 1;   /* depends on a header the page cache does not key on */
	rs->content_type = "text/plain; charset=utf-8";
	if (rs->location == NULL)
		return DL_ERR_NOMEM;
	if (resp_header(rs, "Vary", "Accept-Language") != DL_OK)
		return DL_ERR_NOMEM;
	return buf_printf(&rs->body, "%s\n", rs->location);
}
