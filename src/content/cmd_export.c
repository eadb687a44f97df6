/* cmd_export.c - `dateline export --db FILE`: every article as one ninjs
 * 2.1 object a line on stdout, in id order. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cmd.h"
#include "content/ninjs.h"
#include "store/store.h"

struct exp {
	int64_t n;
	int err;
};

static int
emit_one(void *ctx, const struct dl_article *a)
{
	struct exp *x = ctx;
	json_t *o = NULL;

	if (ninjs_emit(a, &o) != DL_OK ||
	    json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
	    putchar('\n') == EOF) {
		json_decref(o);
		x->err = 1;
		return 1;
	}
	json_decref(o);
	x->n++;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: dateline export --db FILE\n");
	return 2;
}

int
cmd_export(int argc, char **argv)
{
	struct exp x = { 0, 0 };
	struct store *st = NULL;
	const char *db = NULL;
	struct stat sb;
	char msg[512];
	enum dl_err e;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db = argv[i] + 5;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: dateline export --db FILE|URI\n");
			return 0;
		} else
			return usage();
	}
	if (db == NULL)
		return usage();
	if (!store_dsn_is_postgres(db) && stat(db, &sb) != 0) {
		fprintf(stderr, "dateline export: %s: %s\n", db, strerror(errno));
		return 1;
	}
	if ((e = store_open(db, &st, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline export: %s\n", msg);
		return 1;
	}
	e = store_articles_each(st, emit_one, &x);
	store_close(st);
	if (fflush(stdout) != 0 || ferror(stdout))
		x.err = 1;
	if (e != DL_OK || x.err) {
		fprintf(stderr, "dateline export: failed after %lld articles: %s\n", (long long)x.n,
		    e != DL_OK ? dl_strerror(e) : "cannot write");
		return 1;
	}
	fprintf(stderr, "exported %lld\n", (long long)x.n);
	return 0;
}
