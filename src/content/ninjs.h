/* ninjs.h - IPTC ninjs 2.x in and out of struct dl_article.
 *
 * In: uri and language are required, type must be "text" when present, the
 * main (else first) headline is required, one of firstcreated and
 * versioncreated is required (RFC 3339 with a time zone; each defaults to
 * the other). The main (else first) body becomes paragraphs: text/plain is
 * split on blank lines and HTML-escaped; text/html passes the allowlist
 * sanitizer (src/content/sanitize.h) and its text becomes body_text. Places come from places[],
 * tags from subjects[] and keywords[], the translation link from an
 * association named "translation-of". pubstatus "canceled" gives
 * DL_RETRACTED, "withheld" DL_DRAFT, anything else DL_PUBLISHED.
 *
 * Caps (refused with DL_ERR_TOOBIG and a message): headline NINJS_MAX_HEADLINE
 * bytes, body NINJS_MAX_BODY bytes, NINJS_MAX_TERMS places and as many tags.
 *
 * Out: ninjs 2.1 (validates against the IPTC schema), body as text/html,
 * dates in UTC ("Z").
 */
#ifndef DL_NINJS_H
#define DL_NINJS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#define NINJS_MAX_LINE (4u << 20)     /* one JSON text, for importers */
#define NINJS_MAX_HEADLINE 1000
#define NINJS_MAX_BODY (1u << 20)
#define NINJS_MAX_TERMS 100

/* Fills `out` from the ninjs object `obj`; every string is copied into `ar`
 * (obj may be freed afterwards). out->id is 0 and out->slug "" (the store
 * makes it). On failure returns DL_ERR_INVALID, DL_ERR_TOOBIG or
 * DL_ERR_NOMEM and writes a sentence into msg (e.g. "missing \"uri\""). */
enum dl_err ninjs_parse(struct arena *ar, const json_t *obj, struct dl_article *out, char *msg,
    size_t msglen) DL_WUR;

/* A new ninjs object for `a` into *out (the caller json_decref()s it).
 * DL_ERR_NOMEM when out of memory. */
enum dl_err ninjs_emit(const struct dl_article *a, json_t **out) DL_WUR;

/* RFC 3339 date-time with "Z" or a numeric offset ("2025-12-29T10:26:00+01:00",
 * fractions of a second ignored) to Unix seconds. DL_ERR_INVALID when
 * malformed or out of range. */
enum dl_err ninjs_parse_time(const char *s, int64_t *out) DL_WUR;

#endif
