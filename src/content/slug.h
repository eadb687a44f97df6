/* slug.h - URL slugs for articles, places, tags and authors.
 *
 * A slug is the text lower-cased (ICU simple case mapping), with Unicode
 * letters, digits and combining marks kept and every run of anything else
 * turned into one "-", without a leading or trailing "-", at most
 * SLUG_MAX bytes, cut on a UTF-8 character boundary. "Tokyo & Central Asia"
 * becomes "tokyo-central-asia", "中亚 日本" becomes "中亚-日本". */
#ifndef DL_SLUG_H
#define DL_SLUG_H

#include <stddef.h>
#include "base/arena.h"

#define SLUG_MAX 80

/* The slug of `text` (UTF-8; invalid bytes count as separators), allocated
 * from `ar`. "" when the text has no letter or digit. NULL when the arena
 * is full. */
char *slug_make(struct arena *ar, const char *text);

/* The slug `base` with the suffix "-N" (N >= 2), `base` cut on a character
 * boundary so that the whole stays within SLUG_MAX bytes. NULL when the
 * arena is full. */
char *slug_with_suffix(struct arena *ar, const char *base, int n);

#endif
