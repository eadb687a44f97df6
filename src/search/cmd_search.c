/* cmd_search.c - `dateline search`: rebuild the full-text index of a
 * database, or run one query and print the matches (uri and headline, one
 * a line, best first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "search/query.h"
#include "store/store.h"

#define CMD_SEARCH_ARENA (64u << 20)

static int
usage(void)
{
	fprintf(stderr, "usage: dateline search --db FILE --rebuild\n"
	    "       dateline search --db FILE [--lang L] [--limit N] [--by-date] QUERY\n");
	return 2;
}

int
cmd_search(int argc, char **argv)
{
	const char *db = NULL, *lang = NULL, *text = NULL;
	struct store *st = NULL;
	struct arena *ar = NULL;
	struct search_query q;
	struct dl_search s = { 0 };
	struct dl_article_list l;
	struct timespec t0, t1;
	char msg[512];
	long limit = 10;
	int rebuild = 0, by_date = 0, exact = 1, i, rc = 1;
	int64_t n = 0;
	enum dl_err e;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rebuild") == 0)
			rebuild = 1;
		else if (strcmp(argv[i], "--by-date") == 0)
			by_date = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage();
		else if (text == NULL)
			text = argv[i];
		else
			return usage();
	}
	if (db == NULL || (rebuild == (text != NULL)) || limit < 1 || limit > 100)
		return usage();
	if (store_open(db, &st, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline search: %s\n", msg);
		return 1;
	}
	if (rebuild) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((e = store_search_rebuild(st, &n)) != DL_OK) {
			fprintf(stderr, "dateline search: rebuilding the index: %s\n", dl_strerror(e));
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("indexed %lld articles in %.2f s\n", (long long)n,
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		rc = 0;
		goto out;
	}
	if ((ar = arena_new(CMD_SEARCH_ARENA)) == NULL) {
		fprintf(stderr, "dateline search: out of memory\n");
		goto out;
	}
	e = search_parse(ar, text, &q);
	if (e == DL_ERR_TOOBIG) {
		fprintf(stderr, "dateline search: the query is too long\n");
		goto out;
	}
	if (e != DL_OK || q.n_positive == 0) {
		fprintf(stderr, "dateline search: %s\n", e != DL_OK ? dl_strerror(e) : "no words to look for");
		goto out;
	}
	s.terms = q.terms;
	s.n_terms = q.n_terms;
	s.lang = lang;
	s.by_date = by_date;
	e = store_search(st, ar, &s, 0, (size_t)limit, &l, &exact);
	if (e == DL_ERR_INVALID) {
		fprintf(stderr, "dateline search: no words to look for\n");
		goto out;
	}
	if (e != DL_OK) {
		fprintf(stderr, "dateline search: %s\n", dl_strerror(e));
		goto out;
	}
	printf("%s%lld matches\n", exact ? "" : "more than ", (long long)l.total);
	for (i = 0; i < (int)l.n; i++)
		printf("%s\t%s\t%s\n", l.items[i].uri, l.items[i].lang, l.items[i].headline);
	rc = 0;
out:
	arena_free(ar);
	store_close(st);
	return rc;
}
