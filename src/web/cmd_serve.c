/* cmd_serve.c - `dateline serve`: the public site. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "base/config.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/sign.h"
#include "cmd.h"
#include "content/schedule.h"
#include "mail/newsletter.h"
#include "store/store.h"
#include "tmpl/theme.h"
#include "tmpl/tmpl.h"
#include "web/cache.h"
#include "web/http.h"
#include "web/ratelimit.h"
#include "web/web.h"

static int
usage(void)
{
	fprintf(stderr, "usage: dateline serve [--db FILE] [--listen HOST:PORT] [--theme DIR] "
	    "[--config FILE] [--no-cache] [--smtp smtp://HOST:PORT]\n");
	return 2;
}

int
cmd_serve(int argc, char **argv)
{
	struct config cfg;
	struct site site = { 0 };
	struct scheduler *sched = NULL;
	const char *db = "dateline.db", *listen = NULL, *theme = NULL, *cfgfile = NULL;
	const char *smtp = NULL;          /* --smtp URL: the mail relay (src/mail/) */
	struct newsletter_service *mail = NULL;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int no_cache = 0, i, rc = 1, i18n_done = 0;
	char msg[512];
	enum dl_err err;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--no-cache") == 0)
			no_cache = 1;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--db") == 0)
			db = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--listen") == 0)
			listen = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--theme") == 0)
			theme = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--config") == 0)
			cfgfile = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--smtp") == 0)
			smtp = argv[++i];
		else {
			fprintf(stderr, "dateline serve: unknown or incomplete option '%s'\n", a);
			return usage();
		}
	}

	config_defaults(&cfg);
	if (cfgfile && config_load(&cfg, cfgfile, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		return 1;
	}
	if (listen) {
		if (strlen(listen) >= sizeof cfg.listen) {
			fprintf(stderr, "dateline: --listen value is too long\n");
			return 2;
		}
		strcpy(cfg.listen, listen);
	}
	if (theme) {
		if (strlen(theme) >= sizeof cfg.theme_dir) {
			fprintf(stderr, "dateline: --theme path is too long\n");
			return 2;
		}
		strcpy(cfg.theme_dir, theme);
	}
	if (http_parse_listen(cfg.listen, &addr, &addrlen, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	if ((err = i18n_init(msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		goto out;
	}
	i18n_done = 1;
	if ((err = theme_load(cfg.theme_dir, &site.tmpl, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline: theme: %s\n", msg);
		goto out;
	}
	if ((err = store_open(db, &site.store, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		goto out;
	}
	{
		unsigned char key[SIGN_KEY_BYTES];

		if ((err = store_secret(site.store, key)) != DL_OK) {
			fprintf(stderr, "dateline: cannot read or create the site secret: %s\n",
			    dl_strerror(err));
			goto out;
		}
		sign_init(key);
		sodium_memzero(key, sizeof key);
	}
	if (!no_cache && cfg.cache_bytes > 0 && (site.cache = cache_new(cfg.cache_bytes)) == NULL) {
		fprintf(stderr, "dateline: out of memory for the page cache\n");
		goto out;
	}
	site.cfg = &cfg;
	if ((err = newsletter_service_start(&site, smtp, &mail, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		goto out;
	}
	/* newsroom: login rate limits and the scheduled-publishing thread */
	if ((site.limits = ratelimit_new()) == NULL ||
	    (sched = scheduler_start(site.store, cfg.schedule_tick_seconds,
	        (int64_t)cfg.session_idle_minutes * 60)) == NULL) {
		fprintf(stderr, "dateline: cannot start the newsroom scheduler\n");
		goto out;
	}
	/* server_run prints "dateline: serving http://HOST:PORT/" once it listens. */
	if ((err = server_run(&site)) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", dl_strerror(err));
		goto out;
	}
	rc = 0;
out:
	scheduler_stop(sched);
	ratelimit_free(site.limits);
	newsletter_service_stop(mail);
	cache_free(site.cache);
	if (site.store)
		store_close(site.store);
	if (site.tmpl)
		tmpl_set_free(site.tmpl);
	if (i18n_done)
		i18n_free();
	return rc;
}
