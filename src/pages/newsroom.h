/* newsroom.h - helpers shared by the newsroom pages (private to
 * src/pages/newsroom*.c). Every newsroom answer sets rs->no_store. */
#ifndef DL_NEWSROOM_H
#define DL_NEWSROOM_H

#include <jansson.h>
#include "store/store.h"
#include "web/auth.h"
#include "web/web.h"

/* page_context() plus the newsroom's: user {email, role, is_editor,
 * is_admin} and csrf when u is non-NULL, and the title from string `title_key`.
 * New reference; NULL when out of memory. */
json_t *nr_context(struct req *rq, const struct dl_user *u, const char *title_key);

/* A short page with string `key` ("{1}" replaced by arg) and status. */
enum dl_err nr_message(struct req *rq, struct resp *rs, const struct dl_user *u, int status,
    const char *key, const char *arg) DL_WUR;

/* 303 See Other to `location` (a literal or an arena string). */
enum dl_err nr_redirect(struct req *rq, struct resp *rs, const char *location) DL_WUR;

/* Renders newsroom template `name` with ctx (stolen), no-store. */
enum dl_err nr_render(struct req *rq, struct resp *rs, const char *name, json_t *ctx) DL_WUR;

/* nr_render() when `failed` is 0; otherwise (a chain of view_set() calls
 * that ran out of memory) frees ctx and returns DL_ERR_NOMEM. */
enum dl_err nr_render_if(struct req *rq, struct resp *rs, const char *name, json_t *ctx,
    int failed) DL_WUR;

/* The localized name of an article status. */
const char *nr_status_name(struct req *rq, int status);

/* ---- on the public article page (src/pages/newsroom_public.c) ---- */

/* Adds "corrections" [{date, iso, note}] and "has_corrections" to the
 * article's view object `art`. */
enum dl_err newsroom_corrections(struct req *rq, const struct dl_article *a, json_t *art) DL_WUR;

/* For a slug with no published article in rq->lang: the article page with
 * a retraction notice instead of the text (status 410) when the article
 * was retracted; otherwise DL_ERR_NOTFOUND. */
enum dl_err newsroom_retracted(struct req *rq, struct resp *rs, const char *slug) DL_WUR;

#endif
