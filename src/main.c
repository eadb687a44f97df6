/* dateline - a news agency's publishing system in one binary. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} commands[] = {
	{ "serve", cmd_serve, "serve [--db FILE] [--listen HOST:PORT] [--theme DIR] [--config FILE] [--smtp URL]" },
	{ "import", cmd_import, "import --db FILE PATH...    (IPTC ninjs 2.x: JSON lines or an array)" },
	{ "export", cmd_export, "export --db FILE             (ninjs JSON lines on stdout)" },
	{ "backup", cmd_backup, "backup --db FILE DEST         (a consistent copy of a live database)" },
	{ "migrate", cmd_migrate, "migrate --from SRC --to DST   (a whole site between SQLite files and PostgreSQL URIs)" },
	{ "related", cmd_related, "related --db FILE (--all | URI) [--limit K] [--format jsonl] | --pin A B | --exclude A B | --rebuild" },
	{ "similarity", cmd_similarity, "similarity --pairs FILE" },
	{ "sanitize", cmd_sanitize, "sanitize                     (HTML on stdin, allowlist-sanitized HTML on stdout)" },
	{ "user", cmd_user, "user add --db FILE --role admin|editor|author [--name NAME] EMAIL | user link --db FILE EMAIL" },
	{ "newsletter", cmd_newsletter, "newsletter send --db FILE [--now] [--smtp URL] | deliver | import | add   (digests, subscribers)" },
	{ "search", cmd_search, "search --db FILE --rebuild | search --db FILE [--lang L] [--limit N] QUERY   (full-text index)" },
};

static int
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: dateline COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  dateline %s\n", commands[i].usage);
	return f == stderr ? 2 : 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "dateline: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
