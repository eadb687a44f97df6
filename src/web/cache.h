/* cache.h - the page cache: rendered responses kept ready to send, as
 * identity, gzip (libdeflate, level 6) and brotli (quality 5) bytes.
 *
 * Key: the raw request URI (path and query as the client sent them; the
 * edition is in the path), the same for GET and HEAD. An entry remembers the
 * content generation (store_generation()) it was rendered at; a lookup with
 * a newer generation misses, so the page is rendered again and the new
 * entry replaces the old one.
 *
 * Only 200 responses whose identity body is at most CACHE_ENTRY_MAX are
 * kept (the server also checks ROUTE_CACHE and no_store). The cache holds
 * at most the byte cap given to cache_new() (bodies of all encodings plus
 * the key); past it, entries are evicted by a clock sweep (second chance).
 *
 * Each encoding's bytes live in a libmicrohttpd response made at insert
 * time; MHD counts its references, so evicting an entry while a connection
 * is still sending its bytes frees them only when that connection is done.
 * A lookup allocates nothing: it takes a reference on the entry, which the
 * caller drops with cache_release() after queueing the response.
 *
 * Thread-safe: a rwlock guards the table; no lock is held while the caller
 * renders, so two threads missing the same key may both render and insert
 * (the second insert replaces the first).
 */
#ifndef DL_CACHE_H
#define DL_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "web/web.h"

struct MHD_Response;

#define CACHE_ENTRY_MAX (1u << 20)   /* identity bodies above 1 MiB are not cached */
#define CACHE_GZIP_LEVEL 6
#define CACHE_BROTLI_QUALITY 5

enum cache_enc { CACHE_IDENTITY = 0, CACHE_GZIP, CACHE_BR, CACHE_NENC };

/* A cache of at most max_bytes; NULL when out of memory. */
struct page_cache *cache_new(size_t max_bytes);
/* Frees every entry (bytes still being sent stay until MHD is done). */
void cache_free(struct page_cache *c);

/* The encoding to send for an Accept-Encoding header value (NULL when the
 * header is absent): br, else gzip, else identity, among codings the client
 * accepts with q > 0 ("*" counts for codings not named). */
enum cache_enc cache_pick_encoding(const char *accept_encoding);

/* 1 when If-None-Match value `inm` ("*" or a list of entity tags, weak or
 * strong) matches `etag`. */
int cache_etag_match(const char *inm, const char *etag);

struct cache_hit {
	struct MHD_Response *resp;   /* borrowed: queue it, then cache_release() */
	unsigned status;             /* 200, or 304 when If-None-Match matched */
	enum cache_enc enc;          /* the encoding of resp's body */
	const char *etag;            /* the entity tag sent, with its quotes */
	const void *body;            /* resp's body bytes (NULL for 304) */
	size_t len;
	void *entry;                 /* the reference cache_release() drops */
};

/* Looks up `key` for generation `gen`. On a hit returns 1 and fills `out`
 * (the entry cannot be freed until cache_release()); 0 on a miss, including
 * an entry from another generation. accept_encoding and if_none_match are
 * the request's header values or NULL. */
int cache_lookup(struct page_cache *c, const char *key, uint64_t gen,
    const char *accept_encoding, const char *if_none_match, struct cache_hit *out) DL_WUR;
void cache_release(struct page_cache *c, struct cache_hit *hit);

/* cache_lookup() that also answers If-Modified-Since (the header value or
 * NULL): without If-None-Match, a hit whose stored response carries a
 * Last-Modified at or before that date gets status 304. */
int cache_lookup_cond(struct page_cache *c, const char *key, uint64_t gen,
    const char *accept_encoding, const char *if_none_match, const char *if_modified_since,
    struct cache_hit *out) DL_WUR;

/* An HTTP IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as Unix seconds;
 * -1 when it is not one (obsolete formats included). */
int64_t cache_http_date(const char *s);

/* Stores rs (status 200, body at most CACHE_ENTRY_MAX; else DL_ERR_TOOBIG
 * or DL_ERR_INVALID) under key for generation gen, replacing any entry of
 * that key. Copies what it keeps; rs is only read. The stored responses carry
 * http_add_headers(rs, cacheable) plus ETag and Content-Encoding.
 * When out is not NULL, also fills it as cache_lookup() would with the two
 * header values (release it with cache_release()). DL_ERR_NOMEM when out of
 * memory; DL_ERR_TOOBIG when the entry alone exceeds the cap; out is then
 * untouched. */
enum dl_err cache_insert(struct page_cache *c, const char *key, uint64_t gen,
    const struct resp *rs, const char *accept_encoding, const char *if_none_match,
    struct cache_hit *out) DL_WUR;

/* Counters for tests and the log. */
struct cache_stats {
	size_t entries;
	size_t bytes;
	uint64_t hits, misses, evictions;
};
void cache_stats(struct page_cache *c, struct cache_stats *out);

#endif
