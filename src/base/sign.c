/* sign.c - signed, expiring tokens (see sign.h).
 *
 * Token bytes, before URL-safe base64 without padding:
 *   issued (8, big-endian) | expires (8, big-endian) | payload | MAC (32)
 * The MAC is HMAC-SHA-256 with the site key over
 *   len(purpose) (4, BE) | purpose | len(payload) (4, BE) | payload | issued | expires
 * so that no two (purpose, payload) pairs share a MAC input. The purpose is
 * never in the token: a token made for one purpose fails for every other.
 */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include "base/sign.h"

#define SIGN_HEAD 16
#define SIGN_MAC crypto_auth_hmacsha256_BYTES
#define SIGN_PURPOSE_MAX 64
#define SIGN_BIN_MAX (SIGN_HEAD + SIGN_MAX_PAYLOAD + SIGN_MAC)

/* Init-once state: written by sign_init() before any thread uses it, read
 * only afterwards. */
static unsigned char sign_key[SIGN_KEY_BYTES];
static int sign_ready;

void
sign_init(const unsigned char key[SIGN_KEY_BYTES])
{
	if (sodium_init() < 0)
		return;
	memcpy(sign_key, key, SIGN_KEY_BYTES);
	sign_ready = 1;
}

static void
put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

static int64_t
get64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
mac(const char *purpose, size_t plen, const unsigned char *payload, size_t n,
    const unsigned char head[SIGN_HEAD], unsigned char out[SIGN_MAC])
{
	crypto_auth_hmacsha256_state s;
	unsigned char len[4];

	crypto_auth_hmacsha256_init(&s, sign_key, SIGN_KEY_BYTES);
	put32(len, (uint32_t)plen);
	crypto_auth_hmacsha256_update(&s, len, 4);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)purpose, plen);
	put32(len, (uint32_t)n);
	crypto_auth_hmacsha256_update(&s, len, 4);
	crypto_auth_hmacsha256_update(&s, payload, n);
	crypto_auth_hmacsha256_update(&s, head, SIGN_HEAD);
	crypto_auth_hmacsha256_final(&s, out);
	sodium_memzero(&s, sizeof s);
}

char *
sign_make(struct arena *ar, const char *purpose, const char *payload, int64_t expires)
{
	unsigned char bin[SIGN_BIN_MAX];
	size_t n, plen, blen, b64len;
	char *out;

	if (!sign_ready || purpose == NULL || payload == NULL)
		return NULL;
	n = strlen(payload);
	plen = strlen(purpose);
	if (n > SIGN_MAX_PAYLOAD || plen > SIGN_PURPOSE_MAX)
		return NULL;
	put64(bin, (int64_t)time(NULL));
	put64(bin + 8, expires);
	memcpy(bin + SIGN_HEAD, payload, n);
	mac(purpose, plen, bin + SIGN_HEAD, n, bin, bin + SIGN_HEAD + n);
	blen = SIGN_HEAD + n + SIGN_MAC;
	b64len = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((out = arena_alloc(ar, b64len)) == NULL)
		return NULL;
	sodium_bin2base64(out, b64len, bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

enum sign_result
sign_check(struct arena *ar, const char *purpose, const char *token, int64_t now,
    const char **payload, int64_t *issued)
{
	unsigned char bin[SIGN_BIN_MAX], want[SIGN_MAC];
	size_t tlen, blen = 0, n, plen;
	int64_t exp;
	char *p;

	if (payload)
		*payload = NULL;
	if (issued)
		*issued = 0;
	if (!sign_ready || purpose == NULL || token == NULL)
		return SIGN_BAD;
	plen = strlen(purpose);
	tlen = strnlen(token, sodium_base64_ENCODED_LEN(SIGN_BIN_MAX,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) + 1);
	if (plen > SIGN_PURPOSE_MAX || tlen >= sodium_base64_ENCODED_LEN(SIGN_BIN_MAX,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return SIGN_BAD;
	if (sodium_base642bin(bin, sizeof bin, token, tlen, NULL, &blen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return SIGN_BAD;
	if (blen < SIGN_HEAD + SIGN_MAC)
		return SIGN_BAD;
	n = blen - SIGN_HEAD - SIGN_MAC;
	mac(purpose, plen, bin + SIGN_HEAD, n, bin, want);
	if (sodium_memcmp(want, bin + SIGN_HEAD + n, SIGN_MAC) != 0)
		return SIGN_BAD;
	if (memchr(bin + SIGN_HEAD, '\0', n) != NULL)
		return SIGN_BAD;
	exp = get64(bin + 8);
	if (now > exp)
		return SIGN_EXPIRED;
	if (payload) {
		if ((p = arena_strndup(ar, (const char *)bin + SIGN_HEAD, n)) == NULL)
			return SIGN_BAD;
		*payload = p;
	}
	if (issued)
		*issued = get64(bin);
	return SIGN_OK;
}
