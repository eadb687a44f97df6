/* test_related_incr.c - adding articles one by one to a saved See-also
 * engine gives the same stored lists as a full rebuild. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/arena.h"
#include "store/store.h"
#include "text/related_store.h"
#include "unit_db.h"

struct art {
	const char *uri, *headline, *body;
};

/* four stories, four articles each; the last of each story comes later */
static const struct art arts[] = {
	{ "t:vol1", "Volcano erupts near Grindavik", "Lava from a fissure eruption on the Reykjanes peninsula flowed toward Grindavik; the town was evacuated." },
	{ "t:vol2", "Grindavik lava flow slows", "Geologists said the eruption near Grindavik lost strength and the lava front slowed on Reykjanes." },
	{ "t:vol3", "Reykjanes eruption: evacuated Grindavik waits", "Residents of Grindavik wait while lava and magma keep moving under the Reykjanes peninsula." },
	{ "t:chess1", "Grandmaster wins chess tournament", "A young grandmaster won the chess tournament after a long rook endgame against the champion." },
	{ "t:chess2", "Champion loses rook endgame", "The chess champion lost a six-hour rook endgame and the tournament to a young grandmaster." },
	{ "t:chess3", "Chess tournament ends in upset", "The tournament ended when the grandmaster converted a rook endgame; the champion resigned at move ninety." },
	{ "t:bread1", "Bakers raise bread prices", "Bakeries raised the price of a loaf of bread, blaming flour, energy and wages." },
	{ "t:bread2", "Flour costs push up bread", "Millers charge more for flour and bakeries pass it on: a loaf of bread costs more." },
	{ "t:bread3", "Bread loaf price at record", "The price of a bread loaf hit a record as bakeries paid more for flour and energy." },
	{ "t:rail1", "Rail strike halts trains", "Train drivers went on strike and the railway network stopped; commuters waited at stations." },
	{ "t:rail2", "Railway strike enters second day", "No trains ran as the drivers' strike continued; stations stayed empty and commuters drove." },
	{ "t:rail3", "Train drivers vote on railway offer", "Drivers will vote on the railway's pay offer to end the strike that stopped trains." },
	/* added later, one by one */
	{ "t:vol4", "Lava reaches Grindavik road", "The eruption sent lava over the road to Grindavik as the Reykjanes fissure widened." },
	{ "t:chess4", "Rook endgame decides chess final", "The chess final went to a rook endgame that the grandmaster won against the champion." },
	{ "t:bread4", "Bakeries blame flour for loaf price", "A loaf of bread costs more because bakeries pay more for flour, energy and wages." },
	{ "t:rail4", "Strike over: trains run again", "The railway and the drivers agreed; the strike ended and trains ran to the stations again." },
};
#define N_ARTS (sizeof arts / sizeof arts[0])
#define N_BASE 12

static struct store *
open_db(const char *name)
{
	struct store *st = NULL;
	char msg[256];

	if (store_open(unit_db(name), &st, msg, sizeof msg) != DL_OK)
		fail_msg("store_open: %s", msg);
	return st;
}

static void
put(struct store *st, size_t i)
{
	struct dl_article a;
	char slug[32];
	int created;

	memset(&a, 0, sizeof a);
	snprintf(slug, sizeof slug, "a%zu", i);
	a.uri = arts[i].uri;
	a.lang = "en";
	a.slug = slug;
	a.headline = arts[i].headline;
	a.standfirst = a.byline = a.located = a.copyright = a.translation_of = "";
	a.body_text = arts[i].body;
	a.body_html = arts[i].body;
	a.status = DL_PUBLISHED;
	a.first_created = a.version_created = 1700000000 + (int64_t)i * 3600;
	assert_int_equal(store_article_put(st, &a, &created), DL_OK);
}

static void
test_incremental_equals_rebuild(void **state)
{
	struct store *full = open_db("full.db"), *inc = open_db("inc.db");
	struct arena *ar;
	size_t i, j;
	int entered_old = 0;

	(void)state;
	for (i = 0; i < N_ARTS; i++)
		put(full, i);
	assert_int_equal(related_rebuild(full, NULL), DL_OK);
	for (i = 0; i < N_BASE; i++)
		put(inc, i);
	assert_int_equal(related_rebuild(inc, NULL), DL_OK);
	for (i = N_BASE; i < N_ARTS; i++) {
		const char *u = arts[i].uri;

		put(inc, i);
		assert_int_equal(related_update_after_import(inc, NULL, &u, 1), DL_OK);
	}
	/* the additions went through the saved engine, not a rebuild */
	{
		void *blob = NULL;
		size_t len = 0;

		assert_int_equal(store_related_state_get(inc, "delta:0000000012", &blob, &len), DL_OK);
		assert_true(len > 0);
		free(blob);
	}
	for (i = 0; i < N_ARTS; i++) {
		struct dl_related *a, *b;
		size_t na, nb;

		ar = arena_new(1 << 16);
		assert_non_null(ar);
		assert_int_equal(store_related_get(full, ar, arts[i].uri, &a, &na), DL_OK);
		assert_int_equal(store_related_get(inc, ar, arts[i].uri, &b, &nb), DL_OK);
		/* the same story first: the three others of the story lead both
		 * lists (in an order that may differ where their scores are close:
		 * the incremental engine keeps older articles' weights and folds
		 * new ones into the LSA basis instead of refitting), then the
		 * same articles */
		assert_true(na >= 3);
		assert_true(nb >= 3);
		for (j = 0; j < 3; j++) {
			size_t m;

			for (m = 0; m < 3 && strcmp(a[j].uri, b[m].uri) != 0; m++)
				;
			if (m == 3)
				fail_msg("%s: %s is in the first 3 after a rebuild, not incrementally",
				    arts[i].uri, a[j].uri);
			assert_true(strncmp(a[j].uri, arts[i].uri, 5) == 0);
			assert_true(strncmp(b[j].uri, arts[i].uri, 5) == 0);
		}
		if (na != nb)
			fail_msg("%s: %zu items after a rebuild (last %s %.4f), %zu incrementally (last %s %.4f)",
			    arts[i].uri, na, a[na - 1].uri, a[na - 1].score, nb, b[nb - 1].uri, b[nb - 1].score);
		for (j = 0; j < na; j++) {
			size_t m;

			for (m = 0; m < nb && strcmp(a[j].uri, b[m].uri) != 0; m++)
				;
			if (m == nb)
				fail_msg("%s: %s is listed after a rebuild, not incrementally",
				    arts[i].uri, a[j].uri);
		}
		if (i < N_BASE)
			for (j = 0; j < nb; j++)
				if (strcmp(b[j].uri + 2, "vol4") == 0 || strcmp(b[j].uri + 2, "rail4") == 0)
					entered_old = 1;
		arena_free(ar);
	}
	assert_true(entered_old); /* new articles entered older lists */
	store_close(full);
	store_close(inc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_equals_rebuild),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
