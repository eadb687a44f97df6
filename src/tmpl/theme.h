/* theme.h - the site's look: mustache templates and static files.
 *
 * The default theme (themes/default/) is embedded in the binary. A theme
 * directory given by the operator (config theme_dir, `serve --theme DIR`)
 * overrides it file by file: a template or static file found there wins,
 * anything it lacks comes from the embedded theme. */
#ifndef DL_THEME_H
#define DL_THEME_H

#include <stddef.h>
#include "base/err.h"

struct tmpl_set;

/* Caps on what is read from a theme directory. */
#define THEME_TMPL_MAX  (1u << 20)   /* one template */
#define THEME_ASSET_MAX (4u << 20)   /* one static file */

/* Builds a template set: every embedded themes/default/NAME.mustache under
 * NAME ("article"), then every NAME.mustache in `dir` (when non-NULL and
 * non-empty) over it. On success *out is a new set for the caller to free
 * with tmpl_set_free(). On failure *out is NULL, nothing is leaked and msg
 * says which file and why (a template syntax error: DL_ERR_INVALID; an
 * unreadable directory or file: DL_ERR_IO; a file past THEME_TMPL_MAX:
 * DL_ERR_TOOBIG). */
enum dl_err theme_load(const char *dir, struct tmpl_set **out, char *msg, size_t msglen) DL_WUR;

/* Finds static file `name` ("style.css"): in `dir` when it is there, else
 * among the embedded themes/default/ files. Names containing "/" or "..",
 * or starting with ".", are refused (DL_ERR_INVALID); template sources
 * (*.mustache) are not static files (DL_ERR_NOTFOUND).
 * On DL_OK *data and *len hold the bytes. When they were read from `dir`,
 * *owned is the malloc'd copy the caller must free() (and *data points into
 * it); for embedded data *owned is NULL. DL_ERR_NOTFOUND when neither has
 * it, DL_ERR_TOOBIG past THEME_ASSET_MAX, DL_ERR_IO on a read error. */
enum dl_err theme_asset(const char *dir, const char *name, const unsigned char **data,
    size_t *len, char **owned) DL_WUR;

#endif
