/* cmd_user.c - `dateline user`: newsroom accounts from the command line.
 *
 *   dateline user add --db FILE --role admin|editor|author [--name NAME] [--config FILE] EMAIL
 *   dateline user link --db FILE [--config FILE] EMAIL
 *
 * Both print a one-time link to set the password (single use, valid for
 * 48 hours); no password ever passes through the command line. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/config.h"
#include "cmd.h"
#include "store/store.h"
#include "web/auth.h"

static int
usage(void)
{
	fprintf(stderr, "usage: dateline user add --db FILE --role admin|editor|author [--name NAME] "
	    "[--config FILE] EMAIL\n"
	    "       dateline user link --db FILE [--config FILE] EMAIL\n");
	return 2;
}

int
cmd_user(int argc, char **argv)
{
	const char *db = NULL, *role_s = NULL, *name = "", *cfgfile = NULL, *email_in = NULL, *verb;
	struct config cfg;
	struct store *st = NULL;
	struct arena *ar = NULL;
	struct dl_account acc;
	enum dl_role role = DL_ROLE_NONE;
	char msg[512], tok[AUTH_TOKEN_HEX + 1], hash[65];
	char *email;
	int64_t id = 0, now = (int64_t)time(NULL);
	int i, rc = 1, add;
	enum dl_err e;

	if (argc < 2)
		return usage();
	verb = argv[1];
	if (strcmp(verb, "add") != 0 && strcmp(verb, "link") != 0)
		return usage();
	add = strcmp(verb, "add") == 0;
	for (i = 2; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
			db = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--role") == 0)
			role_s = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--config") == 0)
			cfgfile = argv[++i];
		else if (argv[i][0] != '-' && email_in == NULL)
			email_in = argv[i];
		else {
			fprintf(stderr, "dateline user: unknown or incomplete option '%s'\n", argv[i]);
			return usage();
		}
	}
	if (db == NULL || email_in == NULL)
		return usage();
	if (add && (role = auth_role_parse(role_s)) == DL_ROLE_NONE) {
		fprintf(stderr, "dateline user: --role must be admin, editor or author\n");
		return 2;
	}
	config_defaults(&cfg);
	if (cfgfile && config_load(&cfg, cfgfile, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		return 1;
	}
	if ((ar = arena_new(1u << 20)) == NULL) {
		fprintf(stderr, "dateline: out of memory\n");
		return 1;
	}
	if ((email = auth_email_norm(ar, email_in)) == NULL) {
		fprintf(stderr, "dateline user: '%s' is not an email address\n", email_in);
		rc = 2;
		goto out;
	}
	if (store_open(db, &st, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		goto out;
	}
	if (add) {
		e = store_user_add(st, email, name, (int)role, now, &id);
		if (e == DL_ERR_EXISTS) {
			fprintf(stderr, "dateline user: %s already has an account "
			    "(use `dateline user link` for a new password link)\n", email);
			goto out;
		}
	} else {
		e = store_user_get(st, ar, email, &acc);
		id = acc.id;
		if (e == DL_ERR_NOTFOUND) {
			fprintf(stderr, "dateline user: no account for %s\n", email);
			goto out;
		}
	}
	if (e != DL_OK) {
		fprintf(stderr, "dateline user: %s\n", dl_strerror(e));
		goto out;
	}
	auth_new_token(tok);
	auth_token_hash(tok, hash);
	if ((e = store_pwtoken_put(st, hash, id, now + AUTH_LINK_SECONDS)) != DL_OK) {
		fprintf(stderr, "dateline user: %s\n", dl_strerror(e));
		goto out;
	}
	if (store_audit_add(st, 0, add ? "user.add" : "user.link", email, now) != DL_OK)
		fprintf(stderr, "dateline user: warning: audit log not written\n");
	if (add)
		printf("added %s (%s)\n", email, auth_role_name(role));
	printf("one-time link to set the password (valid 48 hours):\n%s/newsroom/set-password?token=%s\n",
	    cfg.base_url, tok);
	rc = 0;
out:
	store_close(st);
	arena_free(ar);
	return rc;
}
