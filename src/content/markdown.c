/* markdown.c - Markdown to safe HTML: cmark-gfm in safe mode, then the
 * allowlist sanitizer. */
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "base/buf.h"
#include "content/markdown.h"
#include "content/sanitize.h"

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void
register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

static void
strike_to_s(char *h)
{
	char *p, *w;

	for (p = w = h; *p;) {
		if (strncmp(p, "<del>", 5) == 0) {
			memcpy(w, "<s>", 3);
			w += 3;
			p += 5;
		} else if (strncmp(p, "</del>", 6) == 0) {
			memcpy(w, "</s>", 4);
			w += 4;
			p += 6;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
}

enum dl_err
markdown_render(struct arena *ar, const char *md, size_t len, char **html, char **text)
{
	static const char *const exts[] = { "table", "strikethrough", "autolink" };
	cmark_parser *p = NULL;
	cmark_node *doc = NULL;
	cmark_syntax_extension *x;
	char *raw = NULL, *plain = NULL;
	struct buf out = BUF_INIT(4u << 20);
	enum dl_err e = DL_ERR_NOMEM;
	size_t i;

	*html = *text = NULL;
	if (len > MARKDOWN_MAX_INPUT)
		return DL_ERR_TOOBIG;
	pthread_once(&registered, register_extensions);
	if ((p = cmark_parser_new(CMARK_OPT_DEFAULT)) == NULL)
		goto out;
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if ((x = cmark_find_syntax_extension(exts[i])) != NULL)
			cmark_parser_attach_syntax_extension(p, x);
	cmark_parser_feed(p, md, len);
	if ((doc = cmark_parser_finish(p)) == NULL)
		goto out;
	raw = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
	plain = cmark_render_plaintext(doc, CMARK_OPT_DEFAULT, 0);
	if (raw == NULL || plain == NULL)
		goto out;
	/* Strikethrough comes out as <del>, which the allowlist unwraps: write <s>.
	 * In safe mode every "<" of the output is cmark's own markup. */
	strike_to_s(raw);
	if ((e = sanitize_html(raw, strlen(raw), &out)) != DL_OK)
		goto out;
	*html = arena_strdup(ar, out.data ? out.data : "");
	*text = arena_strdup(ar, plain);
	e = *html && *text ? DL_OK : DL_ERR_NOMEM;
out:
	buf_free(&out);
	free(raw);
	free(plain);
	if (doc)
		cmark_node_free(doc);
	if (p)
		cmark_parser_free(p);
	return e;
}
