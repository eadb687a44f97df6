#define _GNU_SOURCE /* memrchr */
#include <stdio.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include "content/slug.h"

/* Length of the longest prefix of s[0..len) that is at most max bytes and
 * ends on a character boundary (s is valid UTF-8 here: we wrote it). */
static size_t
cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

static int
keep(UChar32 c)
{
	return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

char *
slug_make(struct arena *ar, const char *text)
{
	const uint8_t *s = (const uint8_t *)text;
	int32_t i = 0, len;
	char out[SLUG_MAX + 8];
	size_t n = 0;
	int pending_dash = 0;
	UChar32 c;

	if (text == NULL)
		return arena_strdup(ar, "");
	len = (int32_t)strnlen(text, 1 << 20);
	while (i < len) {
		U8_NEXT(s, i, len, c);
		if (c < 0 || !keep(c)) {
			pending_dash = n > 0;
			continue;
		}
		c = u_tolower(c);
		uint8_t enc[U8_MAX_LENGTH];
		int32_t el = 0;
		UBool err = 0;
		U8_APPEND(enc, el, (int32_t)sizeof enc, c, err);
		if (err)
			continue;
		if (n + (size_t)pending_dash + (size_t)el > SLUG_MAX) {
			/* Cut at the last whole word when there is one in the
			 * second half, not in the middle of a word. */
			char *dash = memrchr(out, '-', n);

			if (!pending_dash && dash && (size_t)(dash - out) > SLUG_MAX / 2)
				n = (size_t)(dash - out);
			break;
		}
		if (pending_dash)
			out[n++] = '-';
		pending_dash = 0;
		memcpy(out + n, enc, (size_t)el);
		n += (size_t)el;
	}
	return arena_strndup(ar, out, n);
}

char *
slug_with_suffix(struct arena *ar, const char *base, int n)
{
	char suffix[16];
	size_t sl, bl;

	sl = (size_t)snprintf(suffix, sizeof suffix, "-%d", n);
	bl = cut_utf8(base, strlen(base), SLUG_MAX - sl);
	while (bl > 0 && base[bl - 1] == '-')
		bl--;
	return arena_printf(ar, "%.*s%s", (int)bl, base, suffix);
}
