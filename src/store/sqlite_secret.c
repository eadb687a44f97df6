/* sqlite_secret.c - the site's secret key (store_secret in store.h). */
#include <sodium.h>
#include <string.h>
#include "base/log.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define SECRET_NAME "sign"
#define SECRET_BYTES 32

/* 1 found, 0 none, -1 error. */
static int
secret_read(struct store *st, unsigned char key[SECRET_BYTES])
{
	static const char sql[] = "SELECT value FROM secrets WHERE name = ?";
	sqlite3_stmt *s = sqlite_stmt(st, sql);
	int rc, r = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, SECRET_NAME, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) == SECRET_BYTES) {
			memcpy(key, sqlite3_column_blob(s, 0), SECRET_BYTES);
			r = 1;
		} else
			log_error("store: the stored secret has the wrong size");
	} else if (rc == SQLITE_DONE)
		r = 0;
	sqlite3_reset(s);
	return r;
}

enum dl_err
sqlite_secret(struct store *st, unsigned char key[32])
{
	static const char ins[] = "INSERT INTO secrets (name, value) VALUES (?, ?)";
	unsigned char k[SECRET_BYTES];
	sqlite3_stmt *s;
	enum dl_err e;
	int r, rc;

	if ((r = secret_read(st, k)) == 1)
		goto found;
	if (r < 0 || sodium_init() < 0)
		return DL_ERR_DB;
	/* Not there: make it under the write lock, re-reading first, so that a
	 * second process starting at the same time finds this one's key. */
	if ((e = store_begin(st)) != DL_OK)
		return e;
	if ((r = secret_read(st, k)) < 0)
		goto fail;
	if (r == 0) {
		randombytes_buf(k, sizeof k);
		if ((s = sqlite_stmt(st, ins)) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, SECRET_NAME, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, k, SECRET_BYTES, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	if ((e = store_commit(st)) != DL_OK) {
		sodium_memzero(k, sizeof k);
		return e;
	}
found:
	memcpy(key, k, SECRET_BYTES);
	sodium_memzero(k, sizeof k);
	return DL_OK;
fail:
	store_rollback(st);
	sodium_memzero(k, sizeof k);
	return DL_ERR_DB;
}
