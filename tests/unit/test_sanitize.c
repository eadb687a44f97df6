/* test_sanitize.c - the allowlist sanitizer: legitimate markup survives,
 * hostile markup does not, the result is idempotent, caps fail cleanly; and
 * every vector of $SHARED_DIR/conformance/xss (OWASP cheat sheet, DOMPurify
 * test payloads) comes out clean when the output is parsed again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <gumbo.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "content/sanitize.h"

#define OUT_MAX (16u << 20)

/* sanitize_html, failing the test on error; the result is malloc'd. */
static char *
san(const char *in, size_t len)
{
	struct buf b = BUF_INIT(OUT_MAX);
	enum dl_err e = sanitize_html(in, len, &b);

	if (e != DL_OK)
		fail_msg("sanitize_html failed: %s on %.200s", dl_strerror(e), in);
	return b.data ? buf_detach(&b) : strdup("");
}

static char *
sans(const char *in)
{
	return san(in, strlen(in));
}

/* ---- checks on the output, by parsing it again ----------------------------- */

static const GumboTag allowed_tags[] = { GUMBO_TAG_P, GUMBO_TAG_BR, GUMBO_TAG_HR, GUMBO_TAG_H2,
	GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6, GUMBO_TAG_STRONG, GUMBO_TAG_B,
	GUMBO_TAG_EM, GUMBO_TAG_I, GUMBO_TAG_U, GUMBO_TAG_S, GUMBO_TAG_SUB, GUMBO_TAG_SUP,
	GUMBO_TAG_SMALL, GUMBO_TAG_MARK, GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_Q, GUMBO_TAG_CITE,
	GUMBO_TAG_CODE, GUMBO_TAG_PRE, GUMBO_TAG_KBD, GUMBO_TAG_UL, GUMBO_TAG_OL, GUMBO_TAG_LI,
	GUMBO_TAG_DL, GUMBO_TAG_DT, GUMBO_TAG_DD, GUMBO_TAG_A, GUMBO_TAG_IMG, GUMBO_TAG_FIGURE,
	GUMBO_TAG_FIGCAPTION, GUMBO_TAG_TABLE, GUMBO_TAG_THEAD, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT,
	GUMBO_TAG_TR, GUMBO_TAG_TH, GUMBO_TAG_TD, GUMBO_TAG_CAPTION, GUMBO_TAG_ABBR,
	GUMBO_TAG_TIME, GUMBO_TAG_SPAN, GUMBO_TAG_DIV };

static const char *const allowed_attrs[] = { "href", "title", "src", "alt", "width", "height",
	"colspan", "rowspan", "scope", "start", "datetime", "cite", "rel", NULL };

/* lower-case copy without whitespace and controls, as a browser would
 * read a URL's scheme */
static void
squash(const char *v, char *o, size_t n)
{
	size_t k = 0;

	for (; *v && k + 1 < n; v++)
		if ((unsigned char)*v > 0x20)
			o[k++] = (char)tolower((unsigned char)*v);
	o[k] = '\0';
}

static int
img_data_ok(const char *v)
{
	return strncmp(v, "data:image/png", 14) == 0 || strncmp(v, "data:image/gif", 14) == 0 ||
	    strncmp(v, "data:image/jpeg", 15) == 0 || strncmp(v, "data:image/webp", 15) == 0;
}

/* Returns NULL when clean, else a static description of the problem. */
static const char *
check_node(const GumboNode *n, char *why, size_t whylen)
{
	unsigned i, k;
	char v[4096];

	if (n->type == GUMBO_NODE_COMMENT)
		return "a comment";
	if (n->type != GUMBO_NODE_ELEMENT)
		return NULL;
	const GumboElement *el = &n->v.element;
	if (n->parent != NULL && n->parent->type == GUMBO_NODE_ELEMENT &&
	    n->parent->parent != NULL) {   /* not the fragment root */
		int ok = el->tag_namespace == GUMBO_NAMESPACE_HTML;
		for (k = 0, ok = ok && 1; ok && k < sizeof allowed_tags / sizeof allowed_tags[0]; k++)
			if (allowed_tags[k] == el->tag)
				break;
		if (!ok || k == sizeof allowed_tags / sizeof allowed_tags[0]) {
			snprintf(why, whylen, "element <%s> outside the allowlist",
			    gumbo_normalized_tagname(el->tag));
			return why;
		}
	}
	for (i = 0; i < el->attributes.length; i++) {
		const GumboAttribute *a = el->attributes.data[i];
		const char *const *p;

		if (strncasecmp(a->name, "on", 2) == 0) {
			snprintf(why, whylen, "event handler %s", a->name);
			return why;
		}
		for (p = allowed_attrs; *p && strcmp(*p, a->name) != 0; p++)
			;
		if (*p == NULL) {
			snprintf(why, whylen, "attribute %s outside the allowlist", a->name);
			return why;
		}
		squash(a->value, v, sizeof v);
		if (strstr(v, "javascript:") || strstr(v, "vbscript:")) {
			snprintf(why, whylen, "script URL in %s=\"%.100s\"", a->name, a->value);
			return why;
		}
		if (strstr(v, "data:") && !(el->tag == GUMBO_TAG_IMG && strcmp(a->name, "src") == 0 &&
		    strncmp(v, "data:", 5) == 0 && img_data_ok(v))) {
			snprintf(why, whylen, "data: URL in %s=\"%.100s\"", a->name, a->value);
			return why;
		}
	}
	for (i = 0; i < el->children.length; i++) {
		const char *r = check_node(el->children.data[i], why, whylen);
		if (r)
			return r;
	}
	return NULL;
}

/* Parses `html` as the browser would (inside a <div>) and checks it. */
static const char *
check_output(const char *html, char *why, size_t whylen)
{
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *g;
	const char *r;

	opt.fragment_context = GUMBO_TAG_DIV;
	g = gumbo_parse_with_options(&opt, html, strlen(html));
	r = check_node(g->root, why, whylen);
	gumbo_destroy_output(&opt, g);
	return r;
}

/* Sanitizes, checks the output and its idempotence; returns 0 when all is
 * well, else prints why and returns 1. */
static int
vet(const char *label, const char *in, size_t len)
{
	char why[512];
	const char *r;
	char *once = san(in, len), *twice = san(once, strlen(once));
	int bad = 0;

	if ((r = check_output(once, why, sizeof why)) != NULL) {
		printf("FAIL %s: %s\n  in:  %.300s\n  out: %.300s\n", label, r, in, once);
		bad = 1;
	} else if (strcmp(once, twice) != 0) {
		printf("FAIL %s: not idempotent\n  in:  %.300s\n  1st: %.300s\n  2nd: %.300s\n",
		    label, in, once, twice);
		bad = 1;
	}
	free(once);
	free(twice);
	return bad;
}

/* ---- legitimate markup ------------------------------------------------------- */

/* Fails the test unless sanitizing `in` gives exactly `want`. */
static void
sanitizes_to(const char *in, const char *want)
{
	char *got = sans(in);

	if (strcmp(got, want) != 0)
		fail_msg("sanitize(%s)\n  got:  %s\n  want: %s", in, got, want);
	free(got);
}

/* sanitizes_to(), and the output passes vet(). */
static void
expect(const char *in, const char *want)
{
	sanitizes_to(in, want);
	assert_int_equal(vet("expect", in, strlen(in)), 0);
}

static void
test_keeps_legitimate(void **state)
{
	(void)state;
	expect("<h1>Title</h1><h2>Sub</h2><h3>a</h3><h6>b</h6>",
	    "<h2>Title</h2><h2>Sub</h2><h3>a</h3><h6>b</h6>");
	expect("<p>One <strong>two</strong> <em>three</em> <b>4</b> <i>5</i> <u>6</u> <s>7</s> "
	    "H<sub>2</sub>O x<sup>2</sup> <small>s</small> <mark>m</mark> <code>c</code> "
	    "<kbd>k</kbd> <cite>c</cite> <q cite=\"https://e.org/q\">q</q></p>",
	    "<p>One <strong>two</strong> <em>three</em> <b>4</b> <i>5</i> <u>6</u> <s>7</s> "
	    "H<sub>2</sub>O x<sup>2</sup> <small>s</small> <mark>m</mark> <code>c</code> "
	    "<kbd>k</kbd> <cite>c</cite> <q cite=\"https://e.org/q\">q</q></p>");
	expect("<ul><li>a</li><li>b</li></ul><ol start=\"3\"><li>c</li></ol><dl><dt>t</dt><dd>d</dd></dl>",
	    "<ul><li>a</li><li>b</li></ul><ol start=\"3\"><li>c</li></ol><dl><dt>t</dt><dd>d</dd></dl>");
	expect("<p><a href=\"https://example.org/a?b=1&amp;c=2\" title=\"T\">abs</a> "
	    "<a href=\"/world/2024\">rel</a> <a href=\"mailto:desk@example.org\">mail</a> "
	    "<a href=\"//cdn.example.org/x\">proto-rel</a></p>",
	    "<p><a href=\"https://example.org/a?b=1&amp;c=2\" title=\"T\" rel=\"noopener noreferrer nofollow\">abs</a> "
	    "<a href=\"/world/2024\">rel</a> <a href=\"mailto:desk@example.org\">mail</a> "
	    "<a href=\"//cdn.example.org/x\" rel=\"noopener noreferrer nofollow\">proto-rel</a></p>");
	expect("<blockquote cite=\"http://example.org/s\"><p>Quote</p></blockquote>",
	    "<blockquote cite=\"http://example.org/s\"><p>Quote</p></blockquote>");
	expect("<table><caption>C</caption><thead><tr><th scope=\"col\">h</th></tr></thead>"
	    "<tbody><tr><td colspan=\"2\" rowspan=\"1\">d</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
	    "<table><caption>C</caption><thead><tr><th scope=\"col\">h</th></tr></thead>"
	    "<tbody><tr><td colspan=\"2\" rowspan=\"1\">d</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>");
	expect("<figure><img src=\"/media/a.jpg\" alt=\"A &quot;cat&quot;\" title=\"t\" width=\"640\" height=\"480\">"
	    "<figcaption>Cap</figcaption></figure>",
	    "<figure><img src=\"/media/a.jpg\" alt=\"A &quot;cat&quot;\" title=\"t\" width=\"640\" height=\"480\">"
	    "<figcaption>Cap</figcaption></figure>");
	expect("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"\">",
	    "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"\">");
	expect("<p><abbr title=\"United Nations\">UN</abbr> <time datetime=\"2024-05-01\">May</time> "
	    "<span>s</span></p><div>d</div><hr><p>a<br>b</p>",
	    "<p><abbr title=\"United Nations\">UN</abbr> <time datetime=\"2024-05-01\">May</time> "
	    "<span>s</span></p><div>d</div><hr><p>a<br>b</p>");
	expect("<pre>\n\ncode\n</pre>", "<pre>\n\ncode\n</pre>");
	expect("<p>Tom &amp; Jerry's \"quote\" &lt;tag&gt; caf\xc3\xa9</p>",
	    "<p>Tom &amp; Jerry&#39;s &quot;quote&quot; &lt;tag&gt; caf\xc3\xa9</p>");
	/* unknown elements are unwrapped */
	expect("<article><section><p>kept</p></section><custom-el>text</custom-el></article>",
	    "<p>kept</p>text");
}

/* ---- hostile markup ------------------------------------------------------------ */

static const char *const hostile[] = {
	"<p onclick=\"alert(1)\" ONMOUSEOVER=alert(2) OnFocus=x>t</p>",
	"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	"<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
	"<a href=\" &#14; javascript:alert(1)\">x</a>",
	"<a href=\"JaVaScRiPt:alert(1)\">x</a>",
	"<a href=\"javascript&colon;alert(1)\">x</a>",
	"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
	"<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)\">x</a>",
	"<a href=\"vbscript:msgbox(1)\">x</a>",
	"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
	"<a href=\"\x01javascript:alert(1)\">x</a>",
	"<img src=x onerror=alert(1)>",
	"<img src=\"javascript:alert(1)\">",
	"<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
	"<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
	"<img src=\"data:text/html,<script>alert(1)</script>\">",
	"<img src=\"data:image/pngx,abc\">",
	"<svg onload=alert(1)><circle r=1/></svg>",
	"<svg><script>alert(1)</script></svg>",
	"<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
	"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
	"<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
	"<style>@import 'http://evil/x.css';</style><p>t</p>",
	"<style><img src=x onerror=alert(1)></style>",
	"<base href=\"http://evil.example/\"><a href=\"/x\">x</a>",
	"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
	"<!--<img src=x onerror=alert(1)>-->",
	"<!-- --!><img src=x onerror=alert(1)> -->",
	"<!--> <img src=x onerror=alert(1)> -->",
	"<!--<!--><img src=x onerror=alert(1)>-->",
	"<?xml-stylesheet href=x?><p>t</p>",
	"<![CDATA[<img src=x onerror=alert(1)>]]>",
	"<script>alert(1)</script>",
	"<scr<script>ipt>alert(1)</scr</script>ipt>",
	"<iframe src=\"javascript:alert(1)\"></iframe><iframe srcdoc=\"<script>alert(1)</script>\">",
	"<object data=\"javascript:alert(1)\"></object><embed src=x>",
	"<template><img src=x onerror=alert(1)></template>",
	"<textarea><img src=x onerror=alert(1)></textarea>",
	"<title><img src=x onerror=alert(1)></title>",
	"<xmp><img src=x onerror=alert(1)></xmp>",
	"<plaintext><img src=x onerror=alert(1)>",
	"<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
	"<link rel=stylesheet href=\"http://evil/x.css\">",
	"<input autofocus onfocus=alert(1)><button formaction=javascript:alert(1)>x</button>",
	"<select><option><img src=x onerror=alert(1)></option></select>",
	"<div style=\"background:url(javascript:alert(1))\">x</div>",
	"<p id=x class=y data-x=1 style=\"color:red\">t</p>",
	"<a href=x target=_blank rel=opener>x</a>",
	"<table background=\"javascript:alert(1)\"><tr><td onclick=1>x</td></tr></table>",
	"<table><td><math><mi><table><img src=x onerror=alert(1)>",
	"<a href=\"https://ok\"><a href=\"javascript:alert(1)\">x</a></a>",
	"<p>\0<img\0 src=x onerror=alert(1)></p>\0",
	"<img src=\"x\" alt=\"\"\" onerror=alert(1)//\">",
	"<img src=`x`onerror=alert(1)>",
	"<img/src=x/onerror=alert(1)>",
	"<IMG SRC=\"jav\tascript:alert('XSS');\">",
	"<a href=\"\xe2\x80\x8bjavascript:alert(1)\">zero width</a>",
	"<a href=\"java\xc0script:alert(1)\">bad utf8</a>\xff\xfe<p>\xc3</p>",
	"<svg><foreignObject><p onclick=alert(1)>x</p></foreignObject></svg>",
	"<frameset onload=alert(1)><frame src=javascript:alert(1)>",
	"<isindex action=javascript:alert(1) type=image>",
	"<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>",
	"<details open ontoggle=alert(1)><summary>x</summary></details>",
	"<marquee onstart=alert(1)>x</marquee>",
	"<p><marquee><p>x</p></marquee></p>",
	"<blockquote cite=\"javascript:alert(1)\">x</blockquote><q cite=\"data:text/html,x\">y</q>",
	"<time datetime=\"\"><abbr title=\"&quot;><img src=x onerror=alert(1)>\">x</abbr></time>",
	"<ol start=\"1 onclick=alert(1)\"><li>x</li></ol><td colspan=\"javascript:1\">",
	"</p><p></b></i><b><i>misnested</b></i>",
	"<a href=x><div><a href=y>z</a></div></a><table><a href=z>w",
	"<b><p>x</b>y</p><nobr><nobr>z",
	"<pre>\r\n\r\nx</pre><listing>\n\ny</listing>",
	NULL,
};

static void
test_removes_hostile(void **state)
{
	const char *const *h;
	char label[64];
	int bad = 0, i = 0;

	(void)state;
	for (h = hostile; *h; h++, i++) {
		snprintf(label, sizeof label, "hostile[%d]", i);
		/* "\0" inside a literal: use the full literal length for the NUL case */
		bad += vet(label, *h, strlen(*h));
	}
	/* NUL bytes, given by length */
	{
		static const char nul[] = "<p>a\0b<img src=x \0onerror=alert(1)>\0<a href=\"java\0script:alert(1)\">x</a></p>";
		bad += vet("nul bytes", nul, sizeof nul - 1);
	}
	assert_int_equal(bad, 0);

	/* specific removals, beyond the generic checks */
	sanitizes_to("<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a>x</a>");
	sanitizes_to("<style>p{}</style><script>s()</script><p>t</p>", "<p>t</p>");
	sanitizes_to("<base href=\"http://evil/\"><p>t</p>", "<p>t</p>");
	sanitizes_to("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", "");
	sanitizes_to("<img src=x onerror=alert(1)>", "<img src=\"x\">");
	sanitizes_to("<svg onload=alert(1)>x</svg><math><mi>y</mi></math>t", "t");
	sanitizes_to("<img src=\"data:image/svg+xml,<svg/>\">", "<img>");
	sanitizes_to("a<!-- c -->b<?pi x?>c", "abc");
}

/* ---- caps ------------------------------------------------------------------------ */

static void
test_caps(void **state)
{
	struct buf b = BUF_INIT(OUT_MAX);
	size_t n, i;
	char *in, *o;

	(void)state;
	/* 10,000 nested elements: refused before parsing, quickly */
	n = 10000 * 5;
	in = malloc(n + 1);
	for (i = 0; i < 10000; i++)
		memcpy(in + 5 * i, "<div>", 5);
	in[n] = '\0';
	assert_int_equal(sanitize_html(in, n, &b), DL_ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	free(in);

	/* 300 nested elements: accepted, depth past SANITIZE_MAX_DEPTH becomes text */
	n = 300 * 6 + 4;
	in = malloc(n + 1);
	for (i = 0; i < 300; i++)
		memcpy(in + 6 * i, "<span>", 6);
	memcpy(in + 6 * 300, "deep", 4);
	in[n] = '\0';
	o = san(in, n);
	assert_non_null(strstr(o, "deep"));
	{
		size_t spans = 0;
		const char *p;
		for (p = o; (p = strstr(p, "<span>")) != NULL; p++)
			spans++;
		assert_true(spans <= SANITIZE_MAX_DEPTH);
		assert_true(spans >= SANITIZE_MAX_DEPTH - 1);
	}
	assert_int_equal(vet("depth 300", in, n), 0);
	free(o);
	free(in);

	/* 3 MB input */
	n = 3u << 20;
	in = malloc(n);
	memset(in, 'x', n);
	assert_int_equal(sanitize_html(in, n, &b), DL_ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	free(in);

	/* output cap: a failed call leaves the buffer as it was */
	{
		struct buf small = BUF_INIT(16);
		assert_int_equal(buf_puts(&small, "keep"), DL_OK);
		assert_int_equal(sanitize_html("<p>a long paragraph of text</p>", 31, &small), DL_ERR_TOOBIG);
		assert_string_equal(small.data, "keep");
		buf_free(&small);
	}
	buf_free(&b);
}

/* ---- conformance vectors ---------------------------------------------------------- */

static const char *
shared_dir(void)
{
	const char *s = getenv("SHARED_DIR");
	return s && *s ? s : "../shared";
}

static void
test_owasp(void **state)
{
	char path[1024], label[64];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, ran = 0;
	int bad = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/conformance/xss/owasp-vectors.jsonl", shared_dir());
	if ((f = fopen(path, "r")) == NULL) {
		printf("skipped: %s not found (set SHARED_DIR)\n", path);
		skip();
	}
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *j = json_loads(line, JSON_ALLOW_NUL, &je), *v;

		if (j == NULL)
			continue;
		if ((v = json_object_get(j, "vector")) != NULL && json_is_string(v)) {
			snprintf(label, sizeof label, "owasp #%zu (line %lld)", ran + 1,
			    (long long)json_integer_value(json_object_get(j, "md_line")));
			bad += vet(label, json_string_value(v), json_string_length(v));
			ran++;
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	printf("owasp: %zu vectors, %d failed\n", ran, bad);
	assert_true(ran >= 100);
	assert_int_equal(bad, 0);
}

static void
test_dompurify(void **state)
{
	char path[1024], label[64];
	json_error_t je;
	json_t *root, *c;
	size_t i, ran = 0;
	int bad = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/conformance/xss/dompurify-cases.json", shared_dir());
	if ((root = json_load_file(path, JSON_ALLOW_NUL, &je)) == NULL) {
		printf("skipped: %s not loadable (set SHARED_DIR): %s\n", path, je.text);
		skip();
	}
	assert_true(json_is_array(root));
	json_array_foreach(root, i, c) {
		json_t *v = json_object_get(c, "payload");
		if (!json_is_string(v))
			continue;
		snprintf(label, sizeof label, "dompurify #%zu", i);
		bad += vet(label, json_string_value(v), json_string_length(v));
		ran++;
	}
	json_decref(root);
	printf("dompurify: %zu payloads, %d failed\n", ran, bad);
	assert_true(ran >= 50);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_legitimate),
		cmocka_unit_test(test_removes_hostile),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_owasp),
		cmocka_unit_test(test_dompurify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
