/* Placeholders for the page handlers until src/pages/ is written; the pages
 * work deletes this file function by function. */
#include "pages/page.h"

#define STUB(fn) \
	enum dl_err fn(struct req *rq, struct resp *rs) \
	{ \
		rs->content_type = "text/plain; charset=utf-8"; \
		return buf_puts(&rs->body, #fn "\n"); \
	}

STUB(page_home)
STUB(page_article)
STUB(page_print)
STUB(page_listing)
STUB(page_archive)
STUB(page_coming)
STUB(page_root)
STUB(page_asset)

enum dl_err
page_error(struct req *rq, struct resp *rs, int status)
{
	rs->status = status;
	rs->content_type = "text/plain; charset=utf-8";
	return buf_puts(&rs->body, status == 404 ? "not found\n" : "error\n");
}
