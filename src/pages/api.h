/* api.h - the JSON API under /api/v1/ (one handler per resource). */
#ifndef DL_PAGES_API_H
#define DL_PAGES_API_H

#include "web/web.h"

/* GET /api/v1/items/{uri}/related: {"uri", "related": [{"uri", "headline",
 * "firstcreated", "score"}]} from the stored See-also list (at most ?limit=,
 * default 5, max 20), application/json. 404 with {"error"} for an unknown or
 * unpublished article. The route capture is named "uri". */
enum dl_err page_api_related(struct req *rq, struct resp *rs);

#endif
