/* cmd_backup.c - `dateline backup --db FILE DEST`: a consistent copy of a
 * live site's database, taken while it serves (SQLite online backup). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cmd.h"
#include "store/store.h"

static int
usage(void)
{
	fprintf(stderr, "usage: dateline backup --db FILE DEST   (DEST must not exist)\n");
	return 2;
}

int
cmd_backup(int argc, char **argv)
{
	struct store *st = NULL;
	const char *db = NULL, *dest = NULL;
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
			printf("usage: dateline backup --db FILE DEST   (DEST must not exist)\n");
			return 0;
		} else if (argv[i][0] == '-' || dest != NULL)
			return usage();
		else
			dest = argv[i];
	}
	if (db == NULL || dest == NULL)
		return usage();
	/* A backup must not create an empty database where none was. */
	if (stat(db, &sb) != 0) {
		fprintf(stderr, "dateline backup: %s: %s\n", db, strerror(errno));
		return 1;
	}
	if ((e = store_open(db, &st, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline backup: %s\n", msg);
		return 1;
	}
	e = store_backup(st, dest, msg, sizeof msg);
	store_close(st);
	if (e != DL_OK) {
		fprintf(stderr, "dateline backup: %s\n", msg);
		return 1;
	}
	fprintf(stderr, "backed up %s to %s\n", db, dest);
	return 0;
}
