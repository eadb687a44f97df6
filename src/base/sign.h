/* sign.h - signed, expiring tokens for links and forms (libsodium HMAC,
 * crypto_auth_hmacsha256), with the site's secret key.
 *
 * A token binds a purpose ("confirm", "prefs", "unsubscribe", "share-form",
 * "csrf", "set-password"...), a payload (an address, an id, a session id)
 * and an expiry time. It is URL-safe base64 text (sodium_bin2base64 with
 * sodium_base64_VARIANT_URLSAFE_NO_PADDING) and never contains the secret.
 *
 * The secret (32 random bytes) is created on first use and kept in the
 * database (store_secret in store.h), so every node of a site shares it.
 * Implemented in src/base/sign.c. Thread-safe after sign_init().
 */
#ifndef DL_SIGN_H
#define DL_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"
#include "base/err.h"

#define SIGN_KEY_BYTES 32
#define SIGN_MAX_PAYLOAD 1024

/* Sets the key (from store_secret()). Call once at start. */
void sign_init(const unsigned char key[SIGN_KEY_BYTES]);

/* A token for (purpose, payload) valid until `expires` (Unix seconds), from
 * the arena; NULL when out of memory or the payload is over SIGN_MAX_PAYLOAD. */
char *sign_make(struct arena *ar, const char *purpose, const char *payload, int64_t expires);

/* Checks a token for `purpose` at time `now` (constant-time comparison).
 * SIGN_OK gives the payload (from the arena) and the time it was made
 * (`issued`, for "at least a few seconds old" checks); SIGN_BAD for a
 * forged, malformed or other-purpose token; SIGN_EXPIRED past its expiry. */
enum sign_result { SIGN_OK = 0, SIGN_BAD, SIGN_EXPIRED };
enum sign_result sign_check(struct arena *ar, const char *purpose, const char *token, int64_t now,
    const char **payload, int64_t *issued);

#endif
