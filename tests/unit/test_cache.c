/* test_cache.c - the page cache: encoding choice, 304, generations,
 * eviction under the cap, stable ETags. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libdeflate.h>
#include <microhttpd.h>
#include "web/cache.h"

static void
test_pick_encoding(void **state)
{
	static const struct { const char *ae; enum cache_enc want; } cases[] = {
		{ NULL, CACHE_IDENTITY },
		{ "", CACHE_IDENTITY },
		{ "identity", CACHE_IDENTITY },
		{ "gzip", CACHE_GZIP },
		{ "x-gzip", CACHE_GZIP },
		{ "gzip, deflate, br", CACHE_BR },
		{ "gzip, deflate, br, zstd", CACHE_BR },
		{ "BR", CACHE_BR },
		{ "br;q=0, gzip", CACHE_GZIP },
		{ "br; q=0.0, gzip;q=0.8", CACHE_GZIP },
		{ "br;q=0,gzip;q=0", CACHE_IDENTITY },
		{ "gzip;q=0", CACHE_IDENTITY },
		{ "*", CACHE_BR },
		{ "*;q=0", CACHE_IDENTITY },
		{ "gzip;q=0.5, *;q=0", CACHE_GZIP },
		{ "br;q=0.1, gzip;q=1", CACHE_BR },   /* our preference among accepted codings */
		{ "deflate", CACHE_IDENTITY },
		{ "brotli, gzipper", CACHE_IDENTITY },
		{ " ,, gzip ,", CACHE_GZIP },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cache_pick_encoding(cases[i].ae) != cases[i].want)
			fail_msg("Accept-Encoding '%s': got %d, want %d", cases[i].ae ? cases[i].ae : "(none)",
			    cache_pick_encoding(cases[i].ae), cases[i].want);
	}
}

static void
test_etag_match(void **state)
{
	assert_true(cache_etag_match("\"abc\"", "\"abc\""));
	assert_true(cache_etag_match("W/\"abc\"", "\"abc\""));
	assert_true(cache_etag_match("\"x\", \"abc\"", "\"abc\""));
	assert_true(cache_etag_match("*", "\"abc\""));
	assert_false(cache_etag_match("\"abcd\"", "\"abc\""));
	assert_false(cache_etag_match("\"ab\"", "\"abc\""));
	assert_false(cache_etag_match("abc", "\"abc\""));
	assert_false(cache_etag_match("", "\"abc\""));
	assert_false(cache_etag_match(NULL, "\"abc\""));
}

/* A page-like body of about n bytes, varied by seed. */
static void
make_body(struct resp *rs, size_t n, unsigned seed)
{
	unsigned i = 0;

	memset(rs, 0, sizeof *rs);
	rs->body = (struct buf)BUF_INIT(4u << 20);
	while (rs->body.len < n)
		assert_int_equal(buf_printf(&rs->body, "<p>Paragraph %u of page %u: the agency reports "
		    "from Moscow.</p>\n", i++, seed), DL_OK);
}

typedef int (*brotli_dec_fn)(size_t, const unsigned char *, size_t *, unsigned char *);

static void
check_decodes(const struct cache_hit *h, const struct resp *rs)
{
	unsigned char *out = malloc(rs->body.len + 16);
	size_t got = 0;

	assert_non_null(out);
	if (h->enc == CACHE_GZIP) {
		struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();

		assert_int_equal(libdeflate_gzip_decompress(d, h->body, h->len, out, rs->body.len + 16, &got),
		    LIBDEFLATE_SUCCESS);
		libdeflate_free_decompressor(d);
	} else if (h->enc == CACHE_BR) {
		void *lib = dlopen("libbrotlidec.so.1", RTLD_NOW);
		brotli_dec_fn dec;

		if (lib == NULL) {
			fprintf(stderr, "# libbrotlidec.so.1 absent: br bytes not decoded\n");
			free(out);
			return;
		}
		dec = (brotli_dec_fn)dlsym(lib, "BrotliDecoderDecompress");
		assert_non_null(dec);
		got = rs->body.len + 16;
		assert_int_equal(dec(h->len, h->body, &got, out), 1);
		dlclose(lib);
	} else {
		memcpy(out, h->body, h->len);
		got = h->len;
	}
	assert_int_equal(got, rs->body.len);
	assert_memory_equal(out, rs->body.data, got);
	free(out);
}

static void
test_hit_encodings(void **state)
{
	struct page_cache *c = cache_new(8u << 20);
	struct resp rs;
	struct cache_hit h;

	make_body(&rs, 20000, 1);
	assert_int_equal(cache_insert(c, "/en/", 7, &rs, NULL, NULL, NULL), DL_OK);

	assert_true(cache_lookup(c, "/en/", 7, "gzip, deflate, br", NULL, &h));
	assert_int_equal(h.status, 200);
	assert_int_equal(h.enc, CACHE_BR);
	assert_true(h.len < rs.body.len / 3);
	assert_string_equal(MHD_get_response_header(h.resp, "Content-Encoding"), "br");
	assert_string_equal(MHD_get_response_header(h.resp, "ETag"), h.etag);
	assert_string_equal(MHD_get_response_header(h.resp, "Vary"), "Accept-Encoding");
	assert_string_equal(MHD_get_response_header(h.resp, "Cache-Control"), "public, max-age=60");
	assert_string_equal(MHD_get_response_header(h.resp, "Content-Type"), "text/html; charset=utf-8");
	check_decodes(&h, &rs);
	cache_release(c, &h);

	assert_true(cache_lookup(c, "/en/", 7, "gzip", NULL, &h));
	assert_int_equal(h.enc, CACHE_GZIP);
	assert_string_equal(MHD_get_response_header(h.resp, "Content-Encoding"), "gzip");
	check_decodes(&h, &rs);
	cache_release(c, &h);

	assert_true(cache_lookup(c, "/en/", 7, NULL, NULL, &h));
	assert_int_equal(h.enc, CACHE_IDENTITY);
	assert_null(MHD_get_response_header(h.resp, "Content-Encoding"));
	check_decodes(&h, &rs);
	cache_release(c, &h);

	/* other keys miss: query is part of the key */
	assert_false(cache_lookup(c, "/en/?page=2", 7, NULL, NULL, &h));
	assert_false(cache_lookup(c, "/it/", 7, NULL, NULL, &h));

	/* non-text bodies are kept as identity only */
	rs.content_type = "image/png";
	assert_int_equal(cache_insert(c, "/static/x.png", 7, &rs, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/static/x.png", 7, "br, gzip", NULL, &h));
	assert_int_equal(h.enc, CACHE_IDENTITY);
	assert_string_equal(MHD_get_response_header(h.resp, "Content-Type"), "image/png");
	cache_release(c, &h);

	buf_free(&rs.body);
	cache_free(c);
}

static void
test_not_modified(void **state)
{
	struct page_cache *c = cache_new(8u << 20);
	struct resp rs;
	struct cache_hit h;
	char etag_br[64], etag_id[64], inm[200];

	make_body(&rs, 5000, 2);
	assert_int_equal(cache_insert(c, "/en/news/a", 1, &rs, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/en/news/a", 1, "br", NULL, &h));
	strcpy(etag_br, h.etag);
	cache_release(c, &h);
	assert_true(cache_lookup(c, "/en/news/a", 1, NULL, NULL, &h));
	strcpy(etag_id, h.etag);
	cache_release(c, &h);
	assert_string_not_equal(etag_br, etag_id);   /* one strong tag per representation */

	assert_true(cache_lookup(c, "/en/news/a", 1, "br", etag_br, &h));
	assert_int_equal(h.status, 304);
	assert_null(h.body);
	assert_string_equal(MHD_get_response_header(h.resp, "ETag"), etag_br);
	cache_release(c, &h);

	snprintf(inm, sizeof inm, "\"zzz\", W/%s", etag_id);
	assert_true(cache_lookup(c, "/en/news/a", 1, NULL, inm, &h));
	assert_int_equal(h.status, 304);
	cache_release(c, &h);

	/* the identity tag does not validate the br representation */
	assert_true(cache_lookup(c, "/en/news/a", 1, "br", etag_id, &h));
	assert_int_equal(h.status, 200);
	cache_release(c, &h);

	buf_free(&rs.body);
	cache_free(c);
}

static void
test_generation(void **state)
{
	struct page_cache *c = cache_new(8u << 20);
	struct resp a, b;
	struct cache_hit h;
	char etag_a[64];

	make_body(&a, 3000, 3);
	make_body(&b, 3000, 4);
	assert_int_equal(cache_insert(c, "/en/", 10, &a, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/en/", 10, NULL, NULL, &h));
	strcpy(etag_a, h.etag);
	cache_release(c, &h);

	/* a write happened: the old entry is never served */
	assert_false(cache_lookup(c, "/en/", 11, NULL, NULL, &h));
	assert_int_equal(cache_insert(c, "/en/", 11, &b, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/en/", 11, NULL, NULL, &h));
	assert_int_equal(h.len, b.body.len);
	assert_memory_equal(h.body, b.body.data, b.body.len);
	assert_string_not_equal(h.etag, etag_a);
	cache_release(c, &h);
	assert_false(cache_lookup(c, "/en/", 10, NULL, NULL, &h));

	/* same bytes rendered again at a later generation: same ETag */
	assert_int_equal(cache_insert(c, "/en/", 12, &a, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/en/", 12, NULL, NULL, &h));
	assert_string_equal(h.etag, etag_a);
	cache_release(c, &h);

	struct cache_stats st;
	cache_stats(c, &st);
	assert_int_equal(st.entries, 1);   /* replaced, not added */

	buf_free(&a.body);
	buf_free(&b.body);
	cache_free(c);
}

static void
test_refused(void **state)
{
	struct page_cache *c = cache_new(8u << 20);
	struct resp rs;
	struct cache_hit h;

	make_body(&rs, 100, 5);
	rs.status = 404;
	assert_int_not_equal(cache_insert(c, "/x", 1, &rs, NULL, NULL, NULL), DL_OK);
	rs.status = 200;
	buf_free(&rs.body);
	make_body(&rs, CACHE_ENTRY_MAX + 1, 6);
	assert_int_equal(cache_insert(c, "/big", 1, &rs, NULL, NULL, NULL), DL_ERR_TOOBIG);
	assert_false(cache_lookup(c, "/big", 1, NULL, NULL, &h));
	buf_free(&rs.body);
	cache_free(c);

	/* an entry bigger than the whole cache */
	c = cache_new(1000);
	make_body(&rs, 5000, 7);
	assert_int_equal(cache_insert(c, "/x", 1, &rs, NULL, NULL, NULL), DL_ERR_TOOBIG);
	buf_free(&rs.body);
	cache_free(c);
}

static void
test_eviction(void **state)
{
	const size_t cap = 200 * 1024;
	struct page_cache *c = cache_new(cap);
	struct resp rs, hot;
	struct cache_hit h, held;
	struct cache_stats st;
	char key[32];
	unsigned i;

	make_body(&hot, 10000, 1000);
	assert_int_equal(cache_insert(c, "/hot", 1, &hot, NULL, NULL, NULL), DL_OK);
	assert_true(cache_lookup(c, "/cold0", 1, NULL, NULL, &held) == 0);
	make_body(&rs, 10000, 0);
	assert_int_equal(cache_insert(c, "/cold0", 1, &rs, NULL, NULL, NULL), DL_OK);
	buf_free(&rs.body);
	/* held across its own eviction: bytes stay valid until released */
	assert_true(cache_lookup(c, "/cold0", 1, NULL, NULL, &held));

	for (i = 1; i < 60; i++) {
		make_body(&rs, 10000, i);
		snprintf(key, sizeof key, "/cold%u", i);
		/* as the server does: insert and answer from the new entry */
		assert_int_equal(cache_insert(c, key, 1, &rs, "gzip", NULL, &h), DL_OK);
		assert_int_equal(h.status, 200);
		assert_int_equal(h.enc, CACHE_GZIP);
		cache_release(c, &h);
		buf_free(&rs.body);
		cache_stats(c, &st);
		assert_true(st.bytes <= cap);
		/* the hot page is read between inserts: second chance keeps it */
		assert_true(cache_lookup(c, "/hot", 1, NULL, NULL, &h));
		cache_release(c, &h);
	}
	cache_stats(c, &st);
	assert_true(st.evictions > 30);
	assert_true(st.entries < 25);
	assert_false(cache_lookup(c, "/cold0", 1, NULL, NULL, &h));
	assert_false(cache_lookup(c, "/cold1", 1, NULL, NULL, &h));
	make_body(&rs, 10000, 0);
	assert_memory_equal(held.body, rs.body.data, rs.body.len);
	buf_free(&rs.body);
	cache_release(c, &held);

	buf_free(&hot.body);
	cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_encoding),
		cmocka_unit_test(test_etag_match),
		cmocka_unit_test(test_hit_encodings),
		cmocka_unit_test(test_not_modified),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_eviction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
