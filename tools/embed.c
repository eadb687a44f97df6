/* embed - writes a C file holding the given files as byte arrays, so the
 * theme and locales travel inside the dateline binary.
 * usage: embed OUT.c FILE... (names are kept as given, relative paths) */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	FILE *out, *in;
	int i, c;
	long n;

	if (argc < 2 || (out = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "usage: embed OUT.c FILE...\n");
		return 2;
	}
	fprintf(out, "#include \"base/embed.h\"\n\n");
	for (i = 2; i < argc; i++) {
		if ((in = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		fprintf(out, "static const unsigned char f%d[] = {", i);
		for (n = 0; (c = getc(in)) != EOF; n++)
			fprintf(out, "%s%d,", n % 32 ? "" : "\n", c);
		fprintf(out, "0};\n");
		fclose(in);
	}
	fprintf(out, "\nconst struct embedded_file embedded_files[] = {\n");
	for (i = 2; i < argc; i++)
		fprintf(out, "\t{\"%s\", f%d, sizeof f%d - 1},\n", argv[i], i, i);
	fprintf(out, "};\nconst size_t embedded_count = %d;\n", argc - 2);
	return fclose(out) == 0 ? 0 : 1;
}
