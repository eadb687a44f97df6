/* asset.c - /static/{name}: the theme's CSS, icons and images. */
#include <stdlib.h>
#include <string.h>
#include "pages/page.h"
#include "tmpl/theme.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".ico", "image/x-icon" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".webp", "image/webp" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

enum dl_err
page_asset(struct req *rq, struct resp *rs)
{
	const char *name = req_param(rq, "name");
	const unsigned char *data;
	char *owned = NULL;
	size_t len, i, n, m;
	enum dl_err rc;

	if (name == NULL)
		return DL_ERR_NOTFOUND;
	n = strlen(name);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		m = strlen(types[i].ext);
		if (n > m && strcmp(name + n - m, types[i].ext) == 0)
			break;
	}
	if (i == sizeof types / sizeof types[0])
		return DL_ERR_NOTFOUND;
	rc = theme_asset(rq->site->cfg->theme_dir, name, &data, &len, &owned);
	if (rc == DL_ERR_INVALID)
		return DL_ERR_NOTFOUND;
	if (rc != DL_OK)
		return rc;
	rs->content_type = types[i].type;
	rc = buf_append(&rs->body, data, len);
	free(owned);
	if (rc == DL_OK)
		rc = resp_header(rs, "Cache-Control", "public, max-age=86400");
	return rc;
}
