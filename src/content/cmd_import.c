/* cmd_import.c - `dateline import --db FILE PATH...`: IPTC ninjs files (one
 * JSON object a line, one JSON array, or pretty-printed objects one after
 * another) into the store, upserted by uri, in transactions of BATCH. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/arena.h"
#include "cmd.h"
#include "content/ninjs.h"
#include "store/store.h"
#include "text/related_store.h"

#define BATCH 1000
#define ITEM_ARENA (64u << 20)

struct imp {
	struct store *st;
	const char *path;
	int tty;
	size_t size;
	int64_t imported, created, updated, failed;
	int64_t b_created, b_updated, b_n; /* in the open transaction */
	int in_tx;
	char **uris;        /* stored this run, for the See-also update */
	size_t n_uris, cap_uris;
};

/* Remembers a stored article's uri; on failure its lists are only
 * refreshed by the next rebuild, which is said on stderr. */
static void
remember(struct imp *im, const char *uri)
{
	char **nu, *u;

	if (im->n_uris == im->cap_uris) {
		im->cap_uris = im->cap_uris ? im->cap_uris * 2 : 1024;
		if ((nu = realloc(im->uris, im->cap_uris * sizeof *nu)) == NULL) {
			fprintf(stderr, "dateline import: out of memory noting %s for See also\n", uri);
			return;
		}
		im->uris = nu;
	}
	if ((u = strdup(uri)) != NULL)
		im->uris[im->n_uris++] = u;
}

static void
progress(struct imp *im, size_t pos, int done)
{
	if (!im->tty)
		return;
	if (done) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[K%s: %3d%% %lld articles", im->path,
	    im->size ? (int)(pos * 100 / im->size) : 100, (long long)(im->imported + im->b_n));
}

static int
flush(struct imp *im)
{
	enum dl_err e;

	if (!im->in_tx)
		return 0;
	im->in_tx = 0;
	if ((e = store_commit(im->st)) != DL_OK) {
		fprintf(stderr, "%s: cannot commit %lld articles: %s\n", im->path, (long long)im->b_n,
		    dl_strerror(e));
		im->failed += im->b_n;
		im->b_n = im->b_created = im->b_updated = 0;
		return -1;
	}
	im->imported += im->b_n;
	im->created += im->b_created;
	im->updated += im->b_updated;
	im->b_n = im->b_created = im->b_updated = 0;
	return 0;
}

static void
bad(struct imp *im, long line, const char *reason)
{
	if (im->tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s:%ld: %s\n", im->path, line, reason);
	im->failed++;
}

/* One parsed JSON value of the file. */
static void
item(struct imp *im, long line, json_t *j)
{
	struct arena *ar = arena_new(ITEM_ARENA);
	struct dl_article a;
	char msg[512];
	enum dl_err e;
	int created = 0;

	if (ar == NULL) {
		bad(im, line, "out of memory");
		return;
	}
	if ((e = ninjs_parse(ar, j, &a, msg, sizeof msg)) != DL_OK) {
		bad(im, line, msg[0] ? msg : dl_strerror(e));
		goto out;
	}
	if (!im->in_tx) {
		if ((e = store_begin(im->st)) != DL_OK) {
			snprintf(msg, sizeof msg, "cannot store: %s", dl_strerror(e));
			bad(im, line, msg);
			goto out;
		}
		im->in_tx = 1;
	}
	if ((e = store_article_put(im->st, &a, &created)) != DL_OK) {
		snprintf(msg, sizeof msg, "cannot store %s: %s", a.uri, dl_strerror(e));
		bad(im, line, msg);
		goto out;
	}
	im->b_n++;
	remember(im, a.uri);
	if (created)
		im->b_created++;
	else
		im->b_updated++;
	if (im->b_n >= BATCH)
		flush(im);
out:
	arena_free(ar);
}

static long
count_lines(const char *s, size_t n)
{
	long k = 0;
	const char *p;

	while (n > 0 && (p = memchr(s, '\n', n)) != NULL) {
		k++;
		n -= (size_t)(p - s) + 1;
		s = p + 1;
	}
	return k;
}

static void
json_fail(struct imp *im, long line, const json_error_t *je)
{
	char msg[256];

	snprintf(msg, sizeof msg, "invalid JSON: %s (column %d)", je->text, je->column);
	bad(im, line, msg);
}

static void
do_lines(struct imp *im, const char *s, size_t n)
{
	size_t pos = 0, len;
	const char *nl;
	json_error_t je;
	json_t *j;
	long line = 0;

	while (pos < n) {
		line++;
		nl = memchr(s + pos, '\n', n - pos);
		len = nl ? (size_t)(nl - (s + pos)) : n - pos;
		if (len > NINJS_MAX_LINE) {
			bad(im, line, "line longer than 4 MiB");
		} else {
			size_t k;

			for (k = 0; k < len && strchr(" \t\r\f\v", s[pos + k]); k++)
				;
			if (k < len) {
				if ((j = json_loadb(s + pos, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
					json_fail(im, line, &je);
				} else {
					item(im, line, j);
					json_decref(j);
				}
			}
		}
		pos += len + 1;
		if (line % 500 == 0)
			progress(im, pos > n ? n : pos, 0);
	}
}

static size_t
skip_ws(const char *s, size_t n, size_t pos, long *line)
{
	while (pos < n && strchr(" \t\r\n\f\v", s[pos]) && s[pos]) {
		if (s[pos] == '\n')
			(*line)++;
		pos++;
	}
	return pos;
}

/* A JSON array of items (array = 1), or items one after another, each
 * spanning several lines (array = 0: a pretty-printed object). `pos` is at
 * the '[' or the first item. After a syntax error the rest is skipped. */
static void
do_values(struct imp *im, const char *s, size_t n, size_t pos, long line, int array)
{
	json_error_t je;
	json_t *j;
	size_t used;
	long k = 0;

	if (array) {
		pos = skip_ws(s, n, pos + 1, &line);
		if (pos < n && s[pos] == ']')
			return;
	}
	for (;;) {
		if (pos >= n) {
			if (array)
				bad(im, line, "invalid JSON: the array is not closed");
			return;
		}
		if ((j = json_loadb(s + pos, n - pos, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
		    &je)) == NULL) {
			char msg[256];

			snprintf(msg, sizeof msg, "invalid JSON: %s (line %d of the item, column %d); "
			    "the rest of the file is skipped", je.text, je.line, je.column);
			bad(im, line, msg);
			return;
		}
		used = (size_t)je.position;
		if (used > NINJS_MAX_LINE)
			bad(im, line, "item longer than 4 MiB");
		else
			item(im, line, j);
		json_decref(j);
		line += count_lines(s + pos, used);
		pos = skip_ws(s, n, pos + used, &line);
		if (++k % 500 == 0)
			progress(im, pos, 0);
		if (!array)
			continue;
		if (pos < n && s[pos] == ']')
			return;
		if (pos >= n || s[pos] != ',') {
			bad(im, line, "invalid JSON: expected ',' or ']' between items");
			return;
		}
		pos = skip_ws(s, n, pos + 1, &line);
	}
}

/* Whether the file starts with one JSON value that spans several lines. */
static int
multiline_first(const char *s, size_t n, size_t pos)
{
	json_error_t je;
	json_t *j;
	int multi;

	if (pos >= n || s[pos] != '{')
		return 0;
	if ((j = json_loadb(s + pos, n - pos, JSON_DISABLE_EOF_CHECK, &je)) == NULL)
		return 0;
	multi = memchr(s + pos, '\n', (size_t)je.position) != NULL;
	json_decref(j);
	return multi;
}

static void
import_file(struct imp *im, const char *path)
{
	struct stat sb;
	const char *s = NULL;
	size_t pos;
	long line = 1;
	int fd;

	im->path = path;
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		im->failed++;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "%s: not a regular file\n", path);
		im->failed++;
		close(fd);
		return;
	}
	im->size = (size_t)sb.st_size;
	if (im->size > 0 && (s = mmap(NULL, im->size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		im->failed++;
		close(fd);
		return;
	}
	close(fd);
	if (im->size > 0) {
		pos = 0;
		if (im->size >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
			pos = 3;
		pos = skip_ws(s, im->size, pos, &line);
		if (pos < im->size && s[pos] == '[')
			do_values(im, s, im->size, pos, line, 1);
		else if (multiline_first(s, im->size, pos))
			do_values(im, s, im->size, pos, line, 0);
		else
			do_lines(im, s, im->size);
		munmap((void *)s, im->size);
	}
	flush(im);
	progress(im, im->size, 1);
}

static int
usage(void)
{
	fprintf(stderr, "usage: dateline import --db FILE PATH...\n");
	return 2;
}

int
cmd_import(int argc, char **argv)
{
	struct imp im = { 0 };
	const char *db = NULL;
	char msg[512];
	int i, npaths = 0;
	enum dl_err e;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0) {
			if (++i == argc)
				return usage();
			db = argv[i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			db = argv[i] + 5;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: dateline import --db FILE PATH...\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "dateline import: unknown option %s\n", argv[i]);
			return usage();
		} else {
			npaths++;
		}
	}
	if (db == NULL || npaths == 0)
		return usage();
	if ((e = store_open(db, &im.st, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline import: %s\n", msg);
		return 1;
	}
	im.tty = isatty(2);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0)
			continue;
		import_file(&im, argv[i]);
	}
	if (im.n_uris > 0 && (e = related_update_after_import(im.st, NULL,
	    (const char *const *)im.uris, im.n_uris)) != DL_OK) {
		fprintf(stderr, "dateline import: See-also lists not updated: %s "
		    "(run dateline related --rebuild)\n", dl_strerror(e));
		im.failed++;
	}
	for (size_t k = 0; k < im.n_uris; k++)
		free(im.uris[k]);
	free(im.uris);
	store_close(im.st);
	fprintf(stderr, "imported %lld (new %lld, updated %lld), failed %lld\n", (long long)im.imported,
	    (long long)im.created, (long long)im.updated, (long long)im.failed);
	return im.failed ? 1 : 0;
}
