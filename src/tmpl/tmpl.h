/* tmpl.h - mustache templates (https://mustache.github.io/mustache.5.html).
 *
 * Passes the non-optional suites of the mustache spec: interpolation,
 * sections, inverted, partials, delimiters, comments. Contexts are jansson
 * values. `{{x}}` escapes & < > " ' (the site's one HTML escaper,
 * tmpl_escape_html); `{{{x}}}` and `{{& x}}` write raw and are used only for
 * HTML that came out of the sanitizer.
 *
 * A template set holds compiled templates by name; partials `{{> name}}` are
 * looked up in the same set. A set is immutable once built and may be shared
 * by any number of threads rendering at once.
 *
 * Caps: a template source is at most 1 MiB (tmpl_set_add: DL_ERR_TOOBIG);
 * sections nest at most 64 deep in one template (DL_ERR_INVALID); partials
 * nest at most 32 deep at render time (DL_ERR_TOOBIG). A failed render
 * leaves `out` as it was before the call.
 */
#ifndef DL_TMPL_H
#define DL_TMPL_H

#include <jansson.h>
#include <stddef.h>
#include "base/buf.h"
#include "base/err.h"

struct tmpl_set;

/* NULL when out of memory. Free with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *ts);

/* Compiles `src` (len bytes, UTF-8) under `name`, replacing any template of
 * that name. On a syntax error returns DL_ERR_INVALID and writes
 * "name:line: reason" into msg. */
enum dl_err tmpl_set_add(struct tmpl_set *ts, const char *name, const char *src, size_t len,
    char *msg, size_t msglen) DL_WUR;

int tmpl_set_has(const struct tmpl_set *ts, const char *name);

/* Renders template `name` with `ctx` into `out` (appending). DL_ERR_NOTFOUND
 * when there is no such template; DL_ERR_TOOBIG when `out`'s cap is hit or
 * partials nest deeper than 32. A missing partial renders as nothing. */
enum dl_err tmpl_render(const struct tmpl_set *ts, const char *name, const json_t *ctx,
    struct buf *out) DL_WUR;

/* One-off: compiles and renders `src` with partials given as a JSON object
 * {name: source}. For the spec tests and small strings. */
enum dl_err tmpl_render_string(const char *src, const json_t *ctx, const json_t *partials,
    struct buf *out, char *msg, size_t msglen) DL_WUR;

/* The one HTML escaper: appends s[0..n) with & < > " ' as entities. */
enum dl_err tmpl_escape_html(struct buf *out, const char *s, size_t n) DL_WUR;

#endif
