/* pg_secret.c - the site's secret key (store_secret in store.h) on
 * PostgreSQL: made once, and every node reads the same one. */
#include <sodium.h>
#include <string.h>
#include "base/log.h"
#include "store/pg_int.h"

#define SECRET_NAME "sign"
#define SECRET_BYTES 32

/* 1 found, 0 none, -1 error. */
static int
secret_read(struct store *st, unsigned char key[SECRET_BYTES])
{
	static const char sql[] = "SELECT value FROM secrets WHERE name = $1";
	const char *params[1] = { SECRET_NAME };
	unsigned char *raw;
	size_t len = 0;
	PGresult *r;
	int ret = -1;

	if ((r = pg_exec(st, sql, 1, params, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len);
	if (raw && len == SECRET_BYTES) {
		memcpy(key, raw, SECRET_BYTES);
		ret = 1;
	} else
		log_error("store: the stored secret has the wrong size");
	if (raw) {
		sodium_memzero(raw, len);
		PQfreemem(raw);
	}
	PQclear(r);
	return ret;
}

enum dl_err
pg_secret(struct store *st, unsigned char key[32])
{
	/* Two nodes starting together both insert: the first one's key
	 * stays, and both read it back. */
	static const char ins[] = "INSERT INTO secrets (name, value) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO NOTHING";
	unsigned char k[SECRET_BYTES];
	const char *params[2];
	const int lens[2] = { 0, SECRET_BYTES }, binary[2] = { 0, 1 };
	PGresult *res;
	enum dl_err e;
	int r, started;

	if ((r = secret_read(st, k)) == 1)
		goto found;
	if (r < 0 || sodium_init() < 0)
		return DL_ERR_DB;
	if ((e = pg_tx_begin(st, &started)) != DL_OK)
		return e;
	randombytes_buf(k, sizeof k);
	params[0] = SECRET_NAME;
	params[1] = (const char *)k;
	res = pg_exec_bin(st, ins, 2, params, lens, binary, NULL);
	PQclear(res);
	if (res == NULL || secret_read(st, k) != 1) {
		e = pg_tx_end(st, started, 0);
		sodium_memzero(k, sizeof k);
		return DL_ERR_DB;
	}
	if ((e = pg_tx_end(st, started, 1)) != DL_OK) {
		sodium_memzero(k, sizeof k);
		return e;
	}
found:
	memcpy(key, k, SECRET_BYTES);
	sodium_memzero(k, sizeof k);
	return DL_OK;
}
