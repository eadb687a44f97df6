/* test_related.c - the See-also engine on small corpora with obvious answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "text/related.h"

static const struct rel_doc corpus[] = {
	{ "a:volcano1", "en", NULL, "Volcano erupts near Grindavik as lava crosses road", "",
	  "A fissure eruption began overnight on the Reykjanes peninsula. Lava flowed toward "
	  "Grindavik and civil protection evacuated the town.", "", NULL, 0, NULL, 0, 0 },
	{ "a:volcano2", "en", NULL, "Grindavik lava flow slows as eruption weakens", "",
	  "The eruption on the Reykjanes peninsula lost strength. Geologists said the lava near "
	  "Grindavik slowed; the town stays evacuated.", "", NULL, 0, NULL, 0, 0 },
	{ "a:volcano2dup", "en", NULL, "Grindavik lava flow slows as eruption weakens", "",
	  "The eruption on the Reykjanes peninsula lost strength. Geologists said the lava near "
	  "Grindavik slowed; the town stays evacuated.", "", NULL, 0, NULL, 0, 0 },
	{ "a:volcano1tr", "en", "a:volcano1", "Volcano erupts near Grindavik, lava crosses road", "",
	  "A fissure eruption started overnight on Reykjanes. Lava flowed to Grindavik; "
	  "the town was evacuated by civil protection.", "", NULL, 0, NULL, 0, 0 },
	{ "a:chess1", "en", NULL, "Teenage grandmaster wins chess tournament", "",
	  "A young grandmaster won the chess tournament after a long rook endgame against the "
	  "world champion.", "", NULL, 0, NULL, 0, 0 },
	{ "a:chess2", "en", NULL, "Chess champion loses the final rook endgame", "",
	  "The world champion lost a six-hour rook endgame and the tournament to a young "
	  "grandmaster.", "", NULL, 0, NULL, 0, 0 },
	{ "a:bread", "en", NULL, "Bakers raise bread prices", "",
	  "Bakeries raised the price of a loaf, blaming flour, energy and wages.", "", NULL, 0, NULL, 0, 0 },
	{ "a:empty", "en", NULL, "", "", "", "", NULL, 0, NULL, 0, 0 },
	{ "a:oneword", "en", NULL, "Lava", "", "lava", "", NULL, 0, NULL, 0, 0 },
};
#define N (sizeof corpus / sizeof corpus[0])

static struct related *
build(void)
{
	struct related *r = related_new(NULL);
	size_t i;

	assert_non_null(r);
	for (i = 0; i < N; i++)
		assert_int_equal(related_add(r, &corpus[i], NULL), DL_OK);
	assert_int_equal(related_finish(r), DL_OK);
	return r;
}

static int
listed(const struct related *r, const struct rel_hit *h, size_t n, const char *uri)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(related_uri(r, h[i].doc), uri) == 0)
			return 1;
	return 0;
}

static void
test_right_neighbour_first(void **state)
{
	struct related *r = build();
	struct rel_hit h[5];
	size_t n;

	assert_int_equal(related_top(r, related_find(r, "a:chess1"), 5, h, &n), DL_OK);
	assert_true(n >= 1);
	assert_string_equal(related_uri(r, h[0].doc), "a:chess2");
	assert_false(listed(r, h, n, "a:chess1"));
	assert_int_equal(related_top(r, related_find(r, "a:bread"), 5, h, &n), DL_OK);
	assert_false(listed(r, h, n, "a:bread"));
	/* symmetric */
	assert_true(related_score(r, 0, 1) == related_score(r, 1, 0));
	related_free(r);
}

static void
test_translation_and_duplicate_left_out(void **state)
{
	struct related *r = build();
	struct rel_hit h[5];
	size_t n;

	assert_int_equal(related_top(r, related_find(r, "a:volcano1"), 5, h, &n), DL_OK);
	assert_true(n >= 1);
	assert_false(listed(r, h, n, "a:volcano1tr"));      /* translation */
	assert_true(listed(r, h, n, "a:volcano2") != listed(r, h, n, "a:volcano2dup"));
	assert_true(strncmp(related_uri(r, h[0].doc), "a:volcano2", 10) == 0);
	/* the duplicate of the article itself is left out */
	assert_int_equal(related_top(r, related_find(r, "a:volcano2"), 5, h, &n), DL_OK);
	assert_false(listed(r, h, n, "a:volcano2dup"));
	assert_true(listed(r, h, n, "a:volcano1"));
	related_free(r);
}

static void
test_empty_and_one_word(void **state)
{
	struct related *r = build();
	struct rel_hit h[5];
	size_t n = 99;

	assert_int_equal(related_top(r, related_find(r, "a:empty"), 5, h, &n), DL_OK);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(related_top(r, related_find(r, "a:oneword"), 5, h, &n), DL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(related_top(r, related_find(r, "a:volcano1"), 5, h, &n), DL_OK);
	assert_false(listed(r, h, n, "a:oneword"));
	assert_int_equal(related_top(r, 12345, 5, h, &n), DL_ERR_NOTFOUND);
	related_free(r);
}

static void
test_insert_enters_older_lists(void **state)
{
	struct related *r = build();
	struct rel_doc d = { "a:chess3", "en", NULL, "Grandmaster and champion meet in rook endgame", "",
	    "The young grandmaster and the world champion play a rook endgame at the chess tournament.",
	    "", NULL, 0, NULL, 0, 0 };
	struct rel_hit h[5];
	size_t n;
	uint32_t id;

	assert_int_equal(related_insert(r, &d, &id), DL_OK);
	assert_int_equal(related_top(r, id, 5, h, &n), DL_OK);
	assert_true(n >= 2);
	assert_true(listed(r, h, n, "a:chess1") && listed(r, h, n, "a:chess2"));
	assert_int_equal(related_top(r, related_find(r, "a:chess1"), 5, h, &n), DL_OK);
	assert_true(listed(r, h, n, "a:chess3"));
	related_free(r);
}

/* Two articles that share only names and two that share only a subject:
 * the term cosine prefers the names, the LSA (which reads the topic vector,
 * names left out) the subject. */
static const struct rel_doc names[] = {
	{ "n:talks", "en", NULL, NULL, "",
	  "On Monday Tom Baker, Anna Lopez and Carl Dunn discussed how the wheat harvest in the "
	  "north could be saved from the drought that is hurting farmers.", "", NULL, 0, NULL, 0, 0 },
	{ "n:film", "en", NULL, NULL, "",
	  "Critics say Tom Baker, Anna Lopez and Carl Dunn shine in the new film, which was shot "
	  "in Boston last year.", "", NULL, 0, NULL, 0, 0 },
	{ "n:crop", "en", NULL, NULL, "",
	  "Farmers expect the wheat harvest to suffer.", "", NULL, 0, NULL, 0, 0 },
	{ "n:cinema", "en", NULL, NULL, "",
	  "The new film opens next week and critics like the film.", "", NULL, 0, NULL, 0, 0 },
};

static struct related *
build_names(double topic_cap)
{
	struct rel_params p;
	struct related *r;
	size_t i;

	related_params_default(&p);
	p.lsa_w = 1;      /* the score is the LSA cosine alone */
	p.lsa_n0 = 0;
	p.lsa_dims = 8;
	p.w_topic_cap = topic_cap;
	r = related_new(&p);
	assert_non_null(r);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_int_equal(related_add(r, &names[i], NULL), DL_OK);
	assert_int_equal(related_finish(r), DL_OK);
	return r;
}

static void
test_lsa_reads_subjects_not_names(void **state)
{
	struct related *r = build_names(0);

	assert_true(related_cosine(r, 0, 1) > related_cosine(r, 0, 2));
	assert_true(related_score(r, 0, 2) > related_score(r, 0, 1));
	related_free(r);
	/* names kept in the topic vector: LSA follows them too */
	r = build_names(1);
	assert_true(related_score(r, 0, 1) > related_score(r, 0, 2));
	related_free(r);
}

static void
test_lsa_share_grows_with_corpus(void **state)
{
	struct rel_params p;
	struct related *r;
	size_t i;

	related_params_default(&p);
	p.lsa_n0 = 1e12; /* a corpus this small gets no LSA share at all */
	r = related_new(&p);
	assert_non_null(r);
	for (i = 0; i < N; i++)
		assert_int_equal(related_add(r, &corpus[i], NULL), DL_OK);
	assert_int_equal(related_finish(r), DL_OK);
	assert_true(fabs(related_score(r, 0, 1) - related_cosine(r, 0, 1)) < 1e-6);
	related_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_neighbour_first),
		cmocka_unit_test(test_translation_and_duplicate_left_out),
		cmocka_unit_test(test_empty_and_one_word),
		cmocka_unit_test(test_insert_enters_older_lists),
		cmocka_unit_test(test_lsa_reads_subjects_not_names),
		cmocka_unit_test(test_lsa_share_grows_with_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
