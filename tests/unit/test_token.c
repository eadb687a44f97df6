/* test_token.c - ICU word breaking, folding, stop words, Snowball. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "text/token.h"

struct terms {
	char v[4096][64];
	int n;
};

static void
collect(void *ctx, const char *term, size_t n, int pos)
{
	struct terms *t = ctx;

	if (t->n < 4096 && n < 64) {
		memcpy(t->v[t->n], term, n);
		t->v[t->n][n] = '\0';
		t->n++;
	}
}

static void
toks(struct tok *tk, const char *lang, const char *s, struct terms *t)
{
	t->n = 0;
	assert_int_equal(tok_text(tk, lang, s, strlen(s), collect, t), DL_OK);
}

static int
has(const struct terms *t, const char *w)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], w) == 0)
			return 1;
	return 0;
}

static void
test_english(void **state)
{
	struct tok *tk = tok_new();
	struct terms *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);

	assert_non_null(tk);
	toks(tk, "en", "strengthened", a);
	toks(tk, "en", "strengthen", b);
	assert_int_equal(a->n, 1);
	assert_int_equal(b->n, 1);
	assert_string_equal(a->v[0], b->v[0]);
	toks(tk, "en", "Ties", a);
	toks(tk, "en", "tie", b);
	assert_string_equal(a->v[0], b->v[0]);
	/* stop words, punctuation and numbers go; case folds */
	toks(tk, "en", "The PRICE of oil, in 1987, rose!", a);
	assert_int_equal(a->n, 3);
	assert_true(has(a, "price"));
	assert_true(has(a, "oil"));
	assert_false(has(a, "the"));
	assert_true(tok_has_stemmer(tk, "en-GB"));
	assert_false(tok_has_stemmer(tk, "xx"));
	free(a);
	free(b);
	tok_free(tk);
}

static void
test_italian(void **state)
{
	struct tok *tk = tok_new();
	struct terms *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);

	toks(tk, "it", "dell'Italia", a);
	assert_int_equal(a->n, 1);
	toks(tk, "it", "Italia", b);
	assert_string_equal(a->v[0], b->v[0]);
	toks(tk, "it", "le indagini arrestati", a);
	toks(tk, "it", "l'indagine arrestato", b);
	assert_int_equal(a->n, 2);
	assert_string_equal(a->v[0], b->v[0]);
	assert_string_equal(a->v[1], b->v[1]);
	free(a);
	free(b);
	tok_free(tk);
}

static void
test_invalid_utf8(void **state)
{
	struct tok *tk = tok_new();
	struct terms *a = calloc(1, sizeof *a);
	const char bad[] = "caf\xc3 \xff\xfe ok\xe2\x82 word \xed\xa0\x80 end";
	char *big;

	a->n = 0;
	assert_int_equal(tok_text(tk, "en", bad, sizeof bad - 1, collect, a), DL_OK);
	assert_true(has(a, "word"));
	assert_int_equal(tok_text(tk, "en", "", 0, collect, a), DL_OK);
	big = malloc(TOK_MAX_INPUT + 1);
	memset(big, 'a', TOK_MAX_INPUT + 1);
	assert_int_equal(tok_text(tk, "en", big, TOK_MAX_INPUT + 1, collect, a), DL_ERR_TOOBIG);
	free(big);
	free(a);
	tok_free(tk);
}

/* The first body of a ninjs file under SHARED_DIR: multi-character words
 * must come out of Chinese and Japanese text. */
static void
cjk_sample(const char *file, const char *lang)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	char path[1024], *line = NULL;
	size_t cap = 0;
	FILE *f;
	json_t *o, *bodies;
	json_error_t err;
	const char *body;
	struct tok *tk;
	struct terms *a;
	int i, multi = 0;

	snprintf(path, sizeof path, "%s/corpus/multilingual/%s", shared, file);
	if ((f = fopen(path, "r")) == NULL) {
		printf("skip: %s absent (set SHARED_DIR)\n", path);
		skip();
	}
	assert_true(getline(&line, &cap, f) > 0);
	fclose(f);
	o = json_loads(line, 0, &err);
	assert_non_null(o);
	bodies = json_object_get(o, "bodies");
	body = json_string_value(json_object_get(json_array_get(bodies, 0), "value"));
	assert_non_null(body);
	tk = tok_new();
	a = calloc(1, sizeof *a);
	toks(tk, lang, body, a);
	assert_true(a->n > 20);
	for (i = 0; i < a->n; i++) {
		const unsigned char *s = (const unsigned char *)a->v[i];
		size_t len = strlen(a->v[i]);

		/* two or more CJK characters (3 bytes each in UTF-8) */
		if (len >= 6 && s[0] >= 0xE3 && s[0] <= 0xE9)
			multi++;
	}
	assert_true(multi >= 10);
	free(a);
	tok_free(tk);
	json_decref(o);
	free(line);
}

static void
test_chinese(void **state)
{
	cjk_sample("zh-thucnews.ninjs.jsonl", "zh");
}

static void
test_japanese(void **state)
{
	cjk_sample("ja-livedoor.ninjs.jsonl", "ja");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_italian),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_chinese),
		cmocka_unit_test(test_japanese),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
