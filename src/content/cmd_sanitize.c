/* cmd_sanitize.c - `dateline sanitize`: HTML on stdin (at most
 * SANITIZE_MAX_INPUT bytes), its sanitized form on stdout; for checks and
 * for the browser tests. */
#include <stdio.h>
#include <string.h>
#include "base/buf.h"
#include "cmd.h"
#include "content/sanitize.h"

/* escaping and rel attributes can grow the text: allow for the worst case */
#define OUT_MAX (8u * SANITIZE_MAX_INPUT)

int
cmd_sanitize(int argc, char **argv)
{
	struct buf in = BUF_INIT(SANITIZE_MAX_INPUT), out = BUF_INIT(OUT_MAX);
	char chunk[65536];
	size_t n;
	enum dl_err e = DL_OK;
	int rc = 1;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			printf("usage: dateline sanitize < IN.html > OUT.html\n");
			return 0;
		}
		fprintf(stderr, "usage: dateline sanitize < IN.html > OUT.html\n");
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		if ((e = buf_append(&in, chunk, n)) != DL_OK)
			break;
	if (e == DL_ERR_TOOBIG) {
		fprintf(stderr, "dateline sanitize: input is larger than %u bytes\n", SANITIZE_MAX_INPUT);
		goto out;
	}
	if (e != DL_OK || ferror(stdin)) {
		fprintf(stderr, "dateline sanitize: reading stdin: %s\n",
		    e != DL_OK ? dl_strerror(e) : "read error");
		goto out;
	}
	if ((e = sanitize_html(in.data, in.len, &out)) != DL_OK) {
		fprintf(stderr, "dateline sanitize: %s\n", e == DL_ERR_TOOBIG ?
		    "input is too large or nested too deeply" : dl_strerror(e));
		goto out;
	}
	if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
		fprintf(stderr, "dateline sanitize: writing stdout failed\n");
		goto out;
	}
	if (fflush(stdout) != 0)
		goto out;
	rc = 0;
out:
	buf_free(&in);
	buf_free(&out);
	return rc;
}
