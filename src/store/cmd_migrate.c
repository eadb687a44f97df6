/* cmd_migrate.c - `dateline migrate --from SRC --to DST`: moves a whole site
 * from one store to another (a SQLite file or a PostgreSQL URI, either way)
 * through store.h's whole-site copy, in one transaction on the destination,
 * and checks every table's row count before committing.
 *
 * The source is only read (inside a transaction, so that every table is
 * copied as of one moment on SQLite; writers wait meanwhile). Opening it
 * brings an older schema up to date, as every dateline command does. The
 * destination must hold no rows at all: two sites are never mixed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "store/store.h"

#define USAGE "usage: dateline migrate --from SRC --to DST\n" \
	"  SRC, DST: a SQLite file or a PostgreSQL URI (postgresql://USER@HOST/DB)\n" \
	"  DST must be empty: a new file, or a PostgreSQL database with no dateline rows\n"

/* At most this many tables in store_tables: the per-table figures live on
 * the stack. */
#define MIGRATE_MAX_TABLES 64

struct copy {
	struct store *dst;
	const char *table;
	int64_t rows;
	enum dl_err err;
};

static int
usage(void)
{
	fputs(USAGE, stderr);
	return 2;
}

static int
put_row(void *ctx, size_t n, const char *const *cols, const struct dl_value *vals)
{
	struct copy *c = ctx;

	if ((c->err = store_table_put(c->dst, c->table, n, cols, vals)) != DL_OK)
		return 1;
	c->rows++;
	return 0;
}

/* The same file under two names is the same database. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

static void
remove_new_file(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[4096];
	size_t i;

	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, ext[i]);
		unlink(p);
	}
}

/* DL_OK when every copied table of `st` is empty; otherwise msg names the
 * tables that hold rows. */
static enum dl_err
check_empty(struct store *st, const char *shown, char *msg, size_t msglen)
{
	size_t i, len;
	int64_t n;
	enum dl_err e;
	int full = 0;

	len = (size_t)snprintf(msg, msglen, "%s already holds a site (", shown);
	for (i = 0; i < store_n_tables; i++) {
		if ((e = store_table_count(st, store_tables[i], &n)) != DL_OK) {
			snprintf(msg, msglen, "%s: cannot count the rows of %s: %s", shown,
			    store_tables[i], dl_strerror(e));
			return e;
		}
		if (n == 0)
			continue;
		if (len < msglen)
			len += (size_t)snprintf(msg + len, msglen - len, "%s%s: %lld", full ? ", " : "",
			    store_tables[i], (long long)n);
		full++;
	}
	if (full == 0)
		return DL_OK;
	if (len < msglen)
		snprintf(msg + len, msglen - len, "); dateline migrate only fills an empty database, "
		    "so that two sites are never mixed");
	return DL_ERR_EXISTS;
}

int
cmd_migrate(int argc, char **argv)
{
	struct store *src = NULL, *dst = NULL;
	const char *from = NULL, *to = NULL;
	char from_shown[1024], to_shown[1024], msg[2048];
	int64_t copied[MIGRATE_MAX_TABLES], total = 0, n_src, n_dst;
	struct timespec t0, t1;
	int dst_new = 0, in_dst = 0, in_src = 0, rc = 1, i;
	struct stat sb;
	enum dl_err e;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strncmp(argv[i], "--from=", 7) == 0)
			from = argv[i] + 7;
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strncmp(argv[i], "--to=", 5) == 0)
			to = argv[i] + 5;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(USAGE, stdout);
			return 0;
		} else {
			fprintf(stderr, "dateline migrate: unexpected argument '%s'\n", argv[i]);
			return usage();
		}
	}
	if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0')
		return usage();
	if (store_n_tables > MIGRATE_MAX_TABLES) {
		fprintf(stderr, "dateline migrate: too many tables (%zu)\n", store_n_tables);
		return 1;
	}
	store_dsn_shown(from, from_shown, sizeof from_shown);
	store_dsn_shown(to, to_shown, sizeof to_shown);
	if (strcmp(from, to) == 0 || (!store_dsn_is_postgres(from) && !store_dsn_is_postgres(to) && same_file(from, to))) {
		fprintf(stderr, "dateline migrate: %s and %s are the same database\n", from_shown,
		    to_shown);
		return 1;
	}
	/* Reading a site must not create one where none was. */
	if (!store_dsn_is_postgres(from)) {
		if (stat(from, &sb) != 0) {
			fprintf(stderr, "dateline migrate: %s: %s\n", from_shown, strerror(errno));
			return 1;
		}
		if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
			fprintf(stderr, "dateline migrate: %s is not a dateline database\n", from_shown);
			return 1;
		}
	}
	if (!store_dsn_is_postgres(to))
		dst_new = stat(to, &sb) != 0 && errno == ENOENT;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((e = store_open(from, &src, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline migrate: source: %s\n", msg);
		goto out;
	}
	if ((e = store_open(to, &dst, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline migrate: destination: %s\n", msg);
		goto out;
	}
	if ((e = check_empty(dst, to_shown, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline migrate: %s\n", msg);
		goto out;
	}
	if ((e = store_begin(src)) != DL_OK) {
		fprintf(stderr, "dateline migrate: cannot read %s in one transaction: %s\n",
		    from_shown, dl_strerror(e));
		goto out;
	}
	in_src = 1;
	if ((e = store_begin(dst)) != DL_OK) {
		fprintf(stderr, "dateline migrate: cannot start writing %s: %s\n", to_shown,
		    dl_strerror(e));
		goto out;
	}
	in_dst = 1;
	for (k = 0; k < store_n_tables; k++) {
		struct copy c = { dst, store_tables[k], 0, DL_OK };

		e = store_table_each(src, store_tables[k], put_row, &c);
		if (e == DL_OK)
			e = c.err;
		if (e != DL_OK) {
			fprintf(stderr, "dateline migrate: copying %s (row %lld): %s; nothing was "
			    "written to %s\n", store_tables[k], (long long)c.rows + 1, dl_strerror(e),
			    to_shown);
			goto out;
		}
		copied[k] = c.rows;
	}
	/* Checked before the commit: a mismatch leaves the destination empty. */
	for (k = 0; k < store_n_tables; k++) {
		if ((e = store_table_count(src, store_tables[k], &n_src)) != DL_OK ||
		    (e = store_table_count(dst, store_tables[k], &n_dst)) != DL_OK) {
			fprintf(stderr, "dateline migrate: counting %s: %s; nothing was written to %s\n",
			    store_tables[k], dl_strerror(e), to_shown);
			goto out;
		}
		if (n_src != copied[k] || n_dst != copied[k]) {
			fprintf(stderr, "dateline migrate: %s: %lld rows in the source, %lld copied, "
			    "%lld in the destination; nothing was written to %s\n", store_tables[k],
			    (long long)n_src, (long long)copied[k], (long long)n_dst, to_shown);
			e = DL_ERR_CORRUPT;
			goto out;
		}
	}
	if ((e = store_commit(dst)) != DL_OK) {
		in_dst = 0;
		fprintf(stderr, "dateline migrate: committing to %s: %s; nothing was written\n",
		    to_shown, dl_strerror(e));
		goto out;
	}
	in_dst = 0;
	store_rollback(src);
	in_src = 0;
	/* Sequences past the copied ids, and the search index rebuilt. */
	if ((e = store_copy_finish(dst)) != DL_OK) {
		fprintf(stderr, "dateline migrate: the rows were copied to %s, but finishing the copy "
		    "(id sequences, search index) failed: %s\n", to_shown, dl_strerror(e));
		dst_new = 0;   /* the rows are there: leave them for the operator to look at */
		goto out;
	}
	for (k = 0; k < store_n_tables; k++) {
		printf("%-24s %12lld\n", store_tables[k], (long long)copied[k]);
		total += copied[k];
	}
	printf("%-24s %12lld\n", "total", (long long)total);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "migrated %s (%s) to %s (%s): %lld rows in %zu tables, counts verified "
	    "(%.1f s)\n", from_shown, store_engine(src), to_shown, store_engine(dst),
	    (long long)total, store_n_tables,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
	dst_new = 0;
out:
	if (in_dst)
		store_rollback(dst);
	if (in_src)
		store_rollback(src);
	store_close(dst);
	store_close(src);
	/* A file this command created and could not fill is removed again. */
	if (rc != 0 && dst_new)
		remove_new_file(to);
	return rc;
}
