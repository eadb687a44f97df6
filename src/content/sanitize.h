/* sanitize.h - the allowlist HTML sanitizer for article bodies (newsroom
 * editor output and imported ninjs HTML).
 *
 * The input is parsed with gumbo as a fragment inside a <div>, the tree is
 * walked and written out again keeping only:
 *   elements  p br hr h2-h6 (h1 becomes h2: the page owns h1) strong b em i
 *             u s sub sup small mark blockquote q cite code pre kbd ul ol li
 *             dl dt dd a img figure figcaption table thead tbody tfoot tr th
 *             td caption abbr time span div
 *   attributes a[href title] img[src alt title width height]
 *             td/th[colspan rowspan scope] ol[start] time[datetime]
 *             abbr[title] blockquote/q[cite]
 * URLs (href, cite) must be http:, https:, mailto: or relative; img src
 * http:, https:, relative or data:image/(png|gif|jpeg|webp). URLs are judged
 * the way a browser reads them: entities decoded by the parser, leading and
 * trailing controls/spaces stripped, tabs and newlines removed; the cleaned
 * URL is what is written. A relative URL with a colon before any "/?#" is
 * dropped too (not valid, and only seen in attacks). Anything else (javascript:, vbscript:, data: in a
 * link, data:image/svg+xml...) drops the attribute.
 *
 * Links whose href is absolute (http:, https:, or "//host") get
 * rel="noopener noreferrer nofollow".
 *
 * script style iframe object embed template noscript svg math form input
 * textarea select button frame frameset meta link base title head (and the
 * other raw-text and plugin elements: xmp plaintext noembed noframes applet
 * param keygen option optgroup datalist) are dropped with their content.
 * Other elements are unwrapped: their content is kept, the tag dropped; an
 * <a> inside an <a> is unwrapped too. Comments, processing instructions and
 * doctypes are dropped. Every text and attribute value is escaped with
 * tmpl_escape_html.
 *
 * Caps: input at most SANITIZE_MAX_INPUT bytes (DL_ERR_TOOBIG); elements
 * nested deeper than SANITIZE_MAX_DEPTH are reduced to their text; input
 * whose tag structure could nest deeper than SANITIZE_MAX_NESTING (checked
 * before parsing, because the parser is quadratic in nesting depth) is refused
 * with DL_ERR_TOOBIG; the output is capped by out->max (DL_ERR_TOOBIG).
 *
 * The result is idempotent: sanitize_html(sanitize_html(x)) ==
 * sanitize_html(x). (The result is re-parsed and re-sanitized until it is a
 * fixed point; if that does not happen within a few rounds, only the text
 * is kept.)
 */
#ifndef DL_SANITIZE_H
#define DL_SANITIZE_H

#include <stddef.h>
#include "base/buf.h"
#include "base/err.h"

#define SANITIZE_MAX_INPUT (2u << 20)
#define SANITIZE_MAX_DEPTH 100
#define SANITIZE_MAX_NESTING 1000

/* Appends the sanitized form of html[0..len) to `out` (html need not be
 * NUL-terminated and may hold any bytes; invalid UTF-8 becomes U+FFFD).
 * Returns DL_OK, DL_ERR_TOOBIG (a cap above) or DL_ERR_NOMEM; on failure
 * `out` is left as it was. Thread-safe. */
enum dl_err sanitize_html(const char *html, size_t len, struct buf *out) DL_WUR;

#endif
