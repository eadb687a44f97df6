/* unit_db.h - databases for the unit tests that open stores, on the engine
 * the run asks for.
 *
 * unit_db(name) returns a fresh, empty database each call: a path NAME in a
 * temporary folder of this process (SQLite) normally; with the environment
 * variable DATELINE_TEST_PG set to a PostgreSQL base URI (scripts/pg.sh
 * prints one: postgresql://postgres@127.0.0.1:PORT/), the URI of a new
 * database made there with CREATE DATABASE. The string lives until the
 * process exits; the folder is removed and the databases dropped then.
 * Fails the test (cmocka fail_msg) when no database can be made.
 *
 * unit_is_pg() is 1 in a PostgreSQL run. UNIT_SQLITE_ONLY("why") skips the
 * current test in a PostgreSQL run, saying why, for tests of SQLite
 * internals (file corruption, schema steps).
 *
 * Include it once, in the test program's only .c file, after cmocka.h. */
#ifndef DL_UNIT_DB_H
#define DL_UNIT_DB_H

#include <fcntl.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT_DB_MAX 256
/* Not every test program uses every helper. */
#define UNIT_DB_FN static __attribute__((unused))

static char *unit_db_made[UNIT_DB_MAX];
static size_t unit_db_n;
static char unit_db_dir[256];
static pid_t unit_db_pid;

/* cmocka's fail_msg, known to the compiler not to return. */
__attribute__((noreturn, format(printf, 1, 2))) UNIT_DB_FN void
unit_db_fail(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fail_msg("%s", buf);
	abort();
}

UNIT_DB_FN const char *
unit_pg_base(void)
{
	const char *b = getenv("DATELINE_TEST_PG");

	return b != NULL && b[0] != '\0' ? b : NULL;
}

UNIT_DB_FN int
unit_is_pg(void)
{
	return unit_pg_base() != NULL;
}

#define UNIT_SQLITE_ONLY(why) do { \
	if (unit_is_pg()) { \
		print_message("skipped on PostgreSQL: %s\n", (why)); \
		skip(); \
	} \
} while (0)

/* A connection to the maintenance database "postgres" of the server at
 * base, or NULL with the reason in err. */
UNIT_DB_FN PGconn *
unit_pg_admin(const char *base, char *err, size_t errlen)
{
	char uri[1024];
	size_t n = strlen(base);
	PGconn *c;

	snprintf(uri, sizeof uri, "%s%spostgres", base, n > 0 && base[n - 1] == '/' ? "" : "/");
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

UNIT_DB_FN void
unit_db_cleanup(void)
{
	char cmd[400], err[256], sql[128];
	PGconn *c = NULL;
	size_t i;

	if (getpid() != unit_db_pid)   /* a forked child exiting */
		return;
	if (unit_pg_base() != NULL && unit_db_n > 0)
		c = unit_pg_admin(unit_pg_base(), err, sizeof err);
	for (i = 0; i < unit_db_n; i++) {
		if (c != NULL) {
			const char *name = strrchr(unit_db_made[i], '/') + 1;
			PGresult *r;

			snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
			r = PQexec(c, sql);
			PQclear(r);
		}
		free(unit_db_made[i]);
	}
	unit_db_n = 0;
	if (c != NULL)
		PQfinish(c);
	if (unit_db_dir[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", unit_db_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "unit_db: could not remove %s\n", unit_db_dir);
		unit_db_dir[0] = '\0';
	}
}

UNIT_DB_FN void
unit_db_keep(char *s)
{
	if (unit_db_pid == 0) {
		unit_db_pid = getpid();
		atexit(unit_db_cleanup);
	}
	if (unit_db_n == UNIT_DB_MAX)
		unit_db_fail("unit_db: more than %d databases", UNIT_DB_MAX);
	unit_db_made[unit_db_n++] = s;
}

UNIT_DB_FN const char *
unit_db(const char *name)
{
	const char *base = unit_pg_base();
	char err[512], sql[128], dbname[64], *s;
	unsigned char rnd[6];
	PGconn *c;
	PGresult *r;
	size_t n;
	int fd, ok;

	if (base == NULL) {
		char w[600];

		if (unit_db_dir[0] == '\0') {
			snprintf(unit_db_dir, sizeof unit_db_dir, "%s/dateline-unit-XXXXXX",
			    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
			if (mkdtemp(unit_db_dir) == NULL) {
				unit_db_dir[0] = '\0';
				unit_db_fail("unit_db: mkdtemp failed");
			}
			if (unit_db_pid == 0) {
				unit_db_pid = getpid();
				atexit(unit_db_cleanup);
			}
		}
		n = strlen(unit_db_dir) + strlen(name) + 2;
		s = malloc(n);
		if (s == NULL)
			unit_db_fail("unit_db: out of memory");
		snprintf(s, n, "%s/%s", unit_db_dir, name);
		/* A name used twice gets a fresh file. */
		unlink(s);
		snprintf(w, sizeof w, "%s-wal", s);
		unlink(w);
		snprintf(w, sizeof w, "%s-shm", s);
		unlink(w);
		unit_db_keep(s);
		return s;
	}
	fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd)
		unit_db_fail("unit_db: /dev/urandom");
	close(fd);
	snprintf(dbname, sizeof dbname, "t_%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5]);
	if ((c = unit_pg_admin(base, err, sizeof err)) == NULL)
		unit_db_fail("unit_db: cannot reach PostgreSQL at DATELINE_TEST_PG: %s", err);
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", dbname);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, sizeof err, "%s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	if (!ok)
		unit_db_fail("unit_db: CREATE DATABASE failed: %s", err);
	n = strlen(base) + strlen(dbname) + 2;
	s = malloc(n);
	if (s == NULL)
		unit_db_fail("unit_db: out of memory");
	snprintf(s, n, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", dbname);
	unit_db_keep(s);
	return s;
}

#endif
