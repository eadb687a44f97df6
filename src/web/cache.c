/* cache.c - the page cache (see cache.h). */
#define _GNU_SOURCE
#include <brotli/encode.h>
#include <libdeflate.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "web/cache.h"
#include "web/http.h"

struct entry {
	struct entry *hnext;            /* hash chain; reused as the free list */
	struct entry *prev, *next;      /* clock ring */
	atomic_uint refs;               /* the table's reference + one per lookup */
	atomic_int referenced;          /* clock bit, set by lookups */
	uint64_t hash;
	uint64_t gen;
	size_t bytes;
	struct MHD_Response *resp[CACHE_NENC];   /* NULL: encoding not kept */
	struct MHD_Response *r304[CACHE_NENC];
	const void *body[CACHE_NENC];
	size_t len[CACHE_NENC];
	char etag[CACHE_NENC][32];
	int64_t last_modified;          /* the handler's Last-Modified; 0 = none */
	char key[];
};

struct page_cache {
	pthread_rwlock_t lock;
	struct entry **buckets;
	size_t nbuckets;                /* a power of two */
	size_t n;
	size_t bytes;
	size_t max;
	struct entry *hand;             /* clock hand; NULL when empty */
	atomic_uint_fast64_t hits, misses, evictions;
};

static const char *const enc_name[CACHE_NENC] = { NULL, "gzip", "br" };
static const char *const enc_suffix[CACHE_NENC] = { "", "-gz", "-br" };

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_SEED 0xcbf29ce484222325ULL

struct page_cache *
cache_new(size_t max_bytes)
{
	struct page_cache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->nbuckets = 1024;
	c->max = max_bytes;
	if ((c->buckets = calloc(c->nbuckets, sizeof *c->buckets)) == NULL ||
	    pthread_rwlock_init(&c->lock, NULL) != 0) {
		free(c->buckets);
		free(c);
		return NULL;
	}
	return c;
}

static void
entry_free(struct entry *e)
{
	int i;

	for (i = 0; i < CACHE_NENC; i++) {
		if (e->resp[i])
			MHD_destroy_response(e->resp[i]);
		if (e->r304[i])
			MHD_destroy_response(e->r304[i]);
	}
	free(e);
}

static void
entry_unref(struct entry *e)
{
	if (atomic_fetch_sub(&e->refs, 1) == 1)
		entry_free(e);
}

void
cache_free(struct page_cache *c)
{
	size_t i;
	struct entry *e, *next;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++)
		for (e = c->buckets[i]; e; e = next) {
			next = e->hnext;
			entry_unref(e);
		}
	pthread_rwlock_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

/* q value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent. */
static double
parse_q(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char tmp[16];
			size_t n = 0;

			p += 2;
			while (p < end && n < sizeof tmp - 1 && *p != ';' && *p != ' ')
				tmp[n++] = *p++;
			tmp[n] = '\0';
			return strtod(tmp, NULL);
		}
		while (p < end && *p != ';')
			p++;
	}
	return 1.0;
}

enum cache_enc
cache_pick_encoding(const char *ae)
{
	double q_br = -1, q_gz = -1, q_any = -1, q;
	const char *p = ae, *end, *tok, *tend;

	if (ae == NULL)
		return CACHE_IDENTITY;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		end = p;
		while (*end && *end != ',')
			end++;
		tok = p;
		tend = tok;
		while (tend < end && *tend != ';' && *tend != ' ' && *tend != '\t')
			tend++;
		q = parse_q(tend, end);
		if (tend - tok == 2 && strncasecmp(tok, "br", 2) == 0)
			q_br = q;
		else if ((tend - tok == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
		    (tend - tok == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
			q_gz = q;
		else if (tend - tok == 1 && *tok == '*')
			q_any = q;
		p = end;
	}
	if (q_br < 0)
		q_br = q_any;
	if (q_gz < 0)
		q_gz = q_any;
	if (q_br > 0)
		return CACHE_BR;
	if (q_gz > 0)
		return CACHE_GZIP;
	return CACHE_IDENTITY;
}

int
cache_etag_match(const char *inm, const char *etag)
{
	const char *p = inm, *end;
	size_t elen = strlen(etag);

	if (inm == NULL)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		end = p;
		if (*end == '"') {
			end++;
			while (*end && *end != '"')
				end++;
			if (*end == '"')
				end++;
		}
		while (*end && *end != ',' && *end != ' ' && *end != '\t')
			end++;
		if ((size_t)(end - p) == elen && memcmp(p, etag, elen) == 0)
			return 1;
		p = end;
	}
	return 0;
}

static struct entry *
find_locked(struct page_cache *c, uint64_t h, const char *key)
{
	struct entry *e;

	for (e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

int64_t
cache_http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4];
	int d, y, h, mi, se, n = 0;
	const char *m;
	struct tm tm;

	if (s == NULL || (s = strchr(s, ',')) == NULL)
		return -1;
	if (sscanf(s + 1, " %2d %3s %4d %2d:%2d:%2d GMT%n", &d, mon, &y, &h, &mi, &se, &n) != 6 ||
	    n == 0 || strlen(mon) != 3 || (m = strstr(months, mon)) == NULL || (m - months) % 3 ||
	    d < 1 || d > 31 || y < 1970 || h > 23 || mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_mday = d;
	tm.tm_mon = (int)((m - months) / 3);
	tm.tm_year = y - 1900;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm);
}

/* Fills out from e, on which the caller holds a reference for out.
 * If-None-Match decides when present; else If-Modified-Since against the
 * entry's Last-Modified (RFC 9110 13.2.2). */
static void
fill_hit(struct entry *e, const char *accept_encoding, const char *if_none_match,
    const char *if_modified_since, struct cache_hit *out)
{
	enum cache_enc enc;
	int64_t ims;

	enc = cache_pick_encoding(accept_encoding);
	while (e->resp[enc] == NULL)
		enc--;   /* identity is always there */
	out->entry = e;
	out->enc = enc;
	out->etag = e->etag[enc];
	if ((if_none_match && cache_etag_match(if_none_match, e->etag[enc])) ||
	    (!if_none_match && if_modified_since && e->last_modified > 0 &&
	     (ims = cache_http_date(if_modified_since)) >= e->last_modified)) {
		out->status = 304;
		out->resp = e->r304[enc];
		out->body = NULL;
		out->len = 0;
	} else {
		out->status = 200;
		out->resp = e->resp[enc];
		out->body = e->body[enc];
		out->len = e->len[enc];
	}
}

int
cache_lookup(struct page_cache *c, const char *key, uint64_t gen,
    const char *accept_encoding, const char *if_none_match, struct cache_hit *out)
{
	return cache_lookup_cond(c, key, gen, accept_encoding, if_none_match, NULL, out);
}

int
cache_lookup_cond(struct page_cache *c, const char *key, uint64_t gen,
    const char *accept_encoding, const char *if_none_match, const char *if_modified_since,
    struct cache_hit *out)
{
	uint64_t h = fnv1a(FNV_SEED, key, strlen(key));
	struct entry *e;

	pthread_rwlock_rdlock(&c->lock);
	e = find_locked(c, h, key);
	if (e == NULL || e->gen != gen) {
		pthread_rwlock_unlock(&c->lock);
		atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
		return 0;
	}
	atomic_fetch_add(&e->refs, 1);
	if (!atomic_load_explicit(&e->referenced, memory_order_relaxed))
		atomic_store_explicit(&e->referenced, 1, memory_order_relaxed);
	pthread_rwlock_unlock(&c->lock);
	atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);

	fill_hit(e, accept_encoding, if_none_match, if_modified_since, out);
	return 1;
}

void
cache_release(struct page_cache *c, struct cache_hit *hit)
{
	(void)c;
	if (hit->entry)
		entry_unref(hit->entry);
	hit->entry = NULL;
}

static int
compressible(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 1;   /* text/html */
	n = strcspn(ct, ";");
	if (n >= 5 && strncasecmp(ct, "text/", 5) == 0)
		return 1;
	return memmem(ct, n, "json", 4) || memmem(ct, n, "xml", 3) || memmem(ct, n, "javascript", 10);
}

static void *
gzip_bytes(const void *in, size_t n, size_t *outlen)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(CACHE_GZIP_LEVEL);
	size_t bound, got = 0;
	void *out = NULL;

	if (z == NULL)
		return NULL;
	bound = libdeflate_gzip_compress_bound(z, n);
	if ((out = malloc(bound)) != NULL && (got = libdeflate_gzip_compress(z, in, n, out, bound)) == 0) {
		free(out);
		out = NULL;
	}
	libdeflate_free_compressor(z);
	*outlen = got;
	return out;
}

static void *
brotli_bytes(const void *in, size_t n, int text, size_t *outlen)
{
	size_t bound = BrotliEncoderMaxCompressedSize(n), got;
	void *out;

	if (bound == 0 || (out = malloc(bound)) == NULL)
		return NULL;
	got = bound;
	if (!BrotliEncoderCompress(CACHE_BROTLI_QUALITY, BROTLI_DEFAULT_WINDOW,
	        text ? BROTLI_MODE_TEXT : BROTLI_MODE_GENERIC, n, in, &got, out)) {
		free(out);
		return NULL;
	}
	*outlen = got;
	return out;
}

/* The handler's Cache-Control, else the cacheable default (for 304s). */
static const char *
cache_control_of(const struct resp *rs)
{
	size_t i;

	for (i = 0; i < rs->n_headers && i < RESP_MAX_HEADERS; i++)
		if (strcasecmp(rs->header_names[i], "Cache-Control") == 0)
			return rs->header_values[i];
	return "public, max-age=60";
}

/* Makes e's responses for encoding i from data (malloc'd; handed to MHD,
 * freed by it even on failure). */
static enum dl_err
entry_add_encoding(struct entry *e, int i, void *data, size_t len, const struct resp *rs)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (r == NULL) {
		free(data);
		return DL_ERR_NOMEM;
	}
	e->resp[i] = r;
	e->body[i] = data;
	e->len[i] = len;
	e->bytes += len;
	if (http_add_headers(r, rs, HTTP_CACHEABLE | HTTP_OWN_ETAG) != DL_OK ||
	    MHD_add_response_header(r, "ETag", e->etag[i]) != MHD_YES ||
	    (enc_name[i] && MHD_add_response_header(r, "Content-Encoding", enc_name[i]) != MHD_YES))
		return DL_ERR_NOMEM;
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return DL_ERR_NOMEM;
	e->r304[i] = r;
	if (MHD_add_response_header(r, "ETag", e->etag[i]) != MHD_YES ||
	    MHD_add_response_header(r, "Cache-Control", cache_control_of(rs)) != MHD_YES ||
	    MHD_add_response_header(r, "Vary", "Accept-Encoding") != MHD_YES)
		return DL_ERR_NOMEM;
	return DL_OK;
}

/* Takes e out of the table and the ring; the caller drops the table's reference. */
static void
unlink_locked(struct page_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	if (e->next == e) {
		c->hand = NULL;
	} else {
		e->prev->next = e->next;
		e->next->prev = e->prev;
		if (c->hand == e)
			c->hand = e->next;
	}
	c->n--;
	c->bytes -= e->bytes;
}

static void
grow_locked(struct page_cache *c)
{
	size_t nb = c->nbuckets * 2, i;
	struct entry **b = calloc(nb, sizeof *b), *e, *next;

	if (b == NULL)
		return;   /* longer chains, still correct */
	for (i = 0; i < c->nbuckets; i++)
		for (e = c->buckets[i]; e; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
}

enum dl_err
cache_insert(struct page_cache *c, const char *key, uint64_t gen, const struct resp *rs,
    const char *accept_encoding, const char *if_none_match, struct cache_hit *out)
{
	size_t klen = strlen(key), zlen = 0;
	struct entry *e, *old, *victim, *freelist = NULL;
	uint64_t bh;
	void *copy, *z;
	enum dl_err err;
	int i;

	if (rs->status != 0 && rs->status != 200)
		return DL_ERR_INVALID;
	if (rs->body.len > CACHE_ENTRY_MAX)
		return DL_ERR_TOOBIG;
	if ((e = calloc(1, sizeof *e + klen + 1)) == NULL)
		return DL_ERR_NOMEM;
	memcpy(e->key, key, klen + 1);
	e->hash = fnv1a(FNV_SEED, key, klen);
	e->gen = gen;
	atomic_init(&e->refs, 1);
	e->bytes = sizeof *e + klen + 1;
	bh = fnv1a(FNV_SEED, rs->content_type ? rs->content_type : "", rs->content_type ? strlen(rs->content_type) : 0);
	bh = fnv1a(bh, rs->body.data ? rs->body.data : "", rs->body.len);
	for (i = 0; i < CACHE_NENC; i++)
		snprintf(e->etag[i], sizeof e->etag[i], "\"%016llx%s\"", (unsigned long long)bh, enc_suffix[i]);
	for (i = 0; i < (int)rs->n_headers && i < RESP_MAX_HEADERS; i++)
		if (strcasecmp(rs->header_names[i], "Last-Modified") == 0)
			e->last_modified = cache_http_date(rs->header_values[i]);

	if ((copy = malloc(rs->body.len + 1)) == NULL) {
		err = DL_ERR_NOMEM;
		goto fail;
	}
	if (rs->body.len)
		memcpy(copy, rs->body.data, rs->body.len);
	if ((err = entry_add_encoding(e, CACHE_IDENTITY, copy, rs->body.len, rs)) != DL_OK)
		goto fail;
	if (rs->body.len > 0 && compressible(rs->content_type)) {
		if ((z = gzip_bytes(rs->body.data, rs->body.len, &zlen)) != NULL) {
			if (zlen >= rs->body.len)
				free(z);
			else if ((err = entry_add_encoding(e, CACHE_GZIP, z, zlen, rs)) != DL_OK)
				goto fail;
		}
		if ((z = brotli_bytes(rs->body.data, rs->body.len, 1, &zlen)) != NULL) {
			if (zlen >= rs->body.len)
				free(z);
			else if ((err = entry_add_encoding(e, CACHE_BR, z, zlen, rs)) != DL_OK)
				goto fail;
		}
	}
	if (e->bytes > c->max) {
		err = DL_ERR_TOOBIG;
		goto fail;
	}

	pthread_rwlock_wrlock(&c->lock);
	if ((old = find_locked(c, e->hash, key)) != NULL) {
		unlink_locked(c, old);
		old->hnext = freelist;
		freelist = old;
	}
	while (c->hand && c->bytes + e->bytes > c->max) {
		victim = c->hand;
		if (victim->gen == gen && atomic_exchange(&victim->referenced, 0)) {
			c->hand = victim->next;
			continue;
		}
		unlink_locked(c, victim);
		victim->hnext = freelist;
		freelist = victim;
		atomic_fetch_add_explicit(&c->evictions, 1, memory_order_relaxed);
	}
	if (c->n >= c->nbuckets)
		grow_locked(c);
	e->hnext = c->buckets[e->hash & (c->nbuckets - 1)];
	c->buckets[e->hash & (c->nbuckets - 1)] = e;
	if (c->hand == NULL) {
		e->next = e->prev = e;
		c->hand = e;
	} else {   /* just behind the hand: the last to be looked at */
		e->next = c->hand;
		e->prev = c->hand->prev;
		e->prev->next = e;
		c->hand->prev = e;
	}
	c->n++;
	c->bytes += e->bytes;
	if (out) {   /* no clock bit: being rendered is not being read again */
		atomic_fetch_add(&e->refs, 1);
		fill_hit(e, accept_encoding, if_none_match, NULL, out);
	}
	pthread_rwlock_unlock(&c->lock);

	while (freelist) {
		old = freelist;
		freelist = old->hnext;
		entry_unref(old);
	}
	return DL_OK;
fail:
	entry_free(e);
	return err;
}

void
cache_stats(struct page_cache *c, struct cache_stats *out)
{
	pthread_rwlock_rdlock(&c->lock);
	out->entries = c->n;
	out->bytes = c->bytes;
	pthread_rwlock_unlock(&c->lock);
	out->hits = atomic_load(&c->hits);
	out->misses = atomic_load(&c->misses);
	out->evictions = atomic_load(&c->evictions);
}
