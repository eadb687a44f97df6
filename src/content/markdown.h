/* markdown.h - article bodies written in Markdown (the newsroom editor).
 *
 * cmark-gfm with CMARK_OPT_DEFAULT (never CMARK_OPT_UNSAFE: raw HTML and
 * javascript:/data: links are dropped by cmark itself) and the GitHub
 * table, strikethrough and autolink extensions; the HTML then goes through
 * sanitize_html() before anyone stores or shows it. Thread-safe. */
#ifndef DL_MARKDOWN_H
#define DL_MARKDOWN_H

#include <stddef.h>
#include "base/arena.h"
#include "base/err.h"

#define MARKDOWN_MAX_INPUT (256u << 10)

/* Renders `md` to sanitized HTML and to plain text (paragraphs split by a
 * blank line), both from the arena. DL_ERR_TOOBIG past MARKDOWN_MAX_INPUT
 * or when the HTML is over the sanitizer's caps; DL_ERR_NOMEM. */
enum dl_err markdown_render(struct arena *ar, const char *md, size_t len, char **html,
    char **text) DL_WUR;

#endif
