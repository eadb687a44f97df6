/* cmd_newsletter.c - `dateline newsletter`: digests from cron, subscriber
 * import, alert newsletters, outbox delivery. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/config.h"
#include "base/i18n.h"
#include "base/sign.h"
#include "cmd.h"
#include "mail/newsletter.h"
#include "store/store.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: dateline newsletter send --db FILE [--config FILE] [--now] [--smtp URL]\n"
	    "       dateline newsletter deliver --db FILE [--config FILE] [--smtp URL]\n"
	    "       dateline newsletter import --db FILE [--config FILE] [--lang L] [--frequency daily|weekly]\n"
	    "                                  (confirmed addresses on stdin, one a line)\n"
	    "       dateline newsletter add --db FILE --lang L --name NAME (--place SLUG | --tag SLUG)\n"
	    "                               [--description TEXT]\n");
	return 2;
}

static void
lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int
do_import(struct store *st, const struct config *cfg, const char *lang, const char *freq)
{
	char line[1024];
	size_t added = 0, skipped = 0, lineno = 0;
	int64_t now = (int64_t)time(NULL);
	enum dl_err e = DL_OK;

	if ((e = store_begin(st)) != DL_OK)
		goto out;
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		lineno++;
		lower_ascii(line);
		if (n == 0)
			continue;
		if (!mail_address_valid(line)) {
			fprintf(stderr, "dateline: line %zu: not a valid address, skipped\n", lineno);
			skipped++;
			continue;
		}
		e = store_subscriber_import(st, line, lang, freq, now, NULL);
		if (e == DL_ERR_EXISTS) {
			skipped++;
			e = DL_OK;
			continue;
		}
		if (e != DL_OK)
			break;
		if (++added % 5000 == 0 && ((e = store_commit(st)) != DL_OK || (e = store_begin(st)) != DL_OK))
			goto out;
	}
	if (e == DL_OK)
		e = store_commit(st);
	else
		store_rollback(st);
out:
	(void)cfg;
	if (e != DL_OK) {
		fprintf(stderr, "dateline: import: %s\n", dl_strerror(e));
		return 1;
	}
	printf("%zu subscribers added, %zu skipped\n", added, skipped);
	return 0;
}

static int
deliver(struct store *st, const struct config *cfg, const char *smtp)
{
	struct mail_config mc;
	struct timespec t0, t1;
	size_t sent = 0;
	double secs;
	enum dl_err e;

	newsletter_mail_config(cfg, smtp, &mc);
	if (!mc.smtp_url[0]) {
		printf("no SMTP relay configured ([mail] smtp or --smtp): messages stay in the outbox\n");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = outbox_drain(st, &mc, &sent);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%zu messages delivered in %.2f s (%.0f messages/s)\n", sent, secs,
	    secs > 0 ? (double)sent / secs : 0.0);
	if (e != DL_OK) {
		fprintf(stderr, "dateline: delivery: %s\n", dl_strerror(e));
		return 1;
	}
	return 0;
}

int
cmd_newsletter(int argc, char **argv)
{
	const char *db = NULL, *cfgfile = NULL, *smtp = NULL, *lang = NULL, *freq = "daily";
	const char *name = NULL, *place = NULL, *tag = NULL, *desc = "", *sub;
	struct config cfg;
	struct store *st = NULL;
	int now_flag = 0, i, rc = 1, i18n_done = 0;
	char msg[512];
	enum dl_err e;

	if (argc < 2)
		return usage();
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--now") == 0)
			now_flag = 1;
		else if (i + 1 < argc && strcmp(a, "--db") == 0)
			db = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--config") == 0)
			cfgfile = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--smtp") == 0)
			smtp = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--lang") == 0)
			lang = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--frequency") == 0)
			freq = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--name") == 0)
			name = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--place") == 0)
			place = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--tag") == 0)
			tag = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--description") == 0)
			desc = argv[++i];
		else {
			fprintf(stderr, "dateline newsletter: unknown or incomplete option '%s'\n", a);
			return usage();
		}
	}
	if (db == NULL)
		return usage();
	if (smtp && strncmp(smtp, "smtp://", 7) != 0 && strncmp(smtp, "smtps://", 8) != 0) {
		fprintf(stderr, "dateline: --smtp must be smtp://HOST:PORT or smtps://HOST:PORT\n");
		return 2;
	}
	if (strcmp(freq, "daily") != 0 && strcmp(freq, "weekly") != 0) {
		fprintf(stderr, "dateline: --frequency must be daily or weekly\n");
		return 2;
	}
	config_defaults(&cfg);
	if (cfgfile && config_load(&cfg, cfgfile, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		return 1;
	}
	if (lang == NULL)
		lang = cfg.default_lang;
	if (!config_has_edition(&cfg, lang)) {
		fprintf(stderr, "dateline: '%s' is not a configured edition\n", lang);
		return 2;
	}
	if (sodium_init() < 0 || i18n_init(msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: cannot start: %s\n", msg);
		return 1;
	}
	i18n_done = 1;
	if ((e = store_open(db, &st, msg, sizeof msg)) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg);
		goto out;
	}
	{
		unsigned char key[SIGN_KEY_BYTES];

		if ((e = store_secret(st, key)) != DL_OK) {
			fprintf(stderr, "dateline: cannot read the site secret: %s\n", dl_strerror(e));
			goto out;
		}
		sign_init(key);
		sodium_memzero(key, sizeof key);
	}
	if ((e = newsletter_defaults(st, &cfg)) != DL_OK) {
		fprintf(stderr, "dateline: newsletters: %s\n", dl_strerror(e));
		goto out;
	}
	if (strcmp(sub, "import") == 0) {
		rc = do_import(st, &cfg, lang, freq);
	} else if (strcmp(sub, "add") == 0) {
		struct dl_newsletter nl = { 0 };

		if (name == NULL || (place == NULL) == (tag == NULL)) {
			rc = usage();
			goto out;
		}
		nl.kind = "alert";
		nl.lang = lang;
		nl.name = name;
		nl.description = desc;
		nl.term_kind = place ? DL_PLACE : DL_TAG;
		nl.term_slug = place ? place : tag;
		e = store_newsletter_add(st, &nl, NULL);
		if (e != DL_OK) {
			fprintf(stderr, "dateline: %s\n", e == DL_ERR_EXISTS ? "that alert exists already" :
			    dl_strerror(e));
			goto out;
		}
		rc = 0;
	} else if (strcmp(sub, "send") == 0) {
		static const char *const freqs[] = { "daily", "weekly" };
		int64_t now = (int64_t)time(NULL);
		struct newsletter_stats ns;
		struct timespec t0, t1;
		size_t k;
		int locked;

		/* cron on every node sharing a database: the one that gets the
		 * lock builds the digests */
		locked = store_lock_try(st, DL_LOCK_DIGESTS);
		if (!locked)
			fprintf(stderr, "dateline: another node is building the digests; "
			    "only delivering here\n");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < 2 && locked; k++) {
			int64_t slot = now_flag ? now : newsletter_slot(&cfg, freqs[k], now);

			if (slot == 0)
				continue;
			if ((e = newsletter_run(st, &cfg, freqs[k], slot, now, &ns)) != DL_OK) {
				fprintf(stderr, "dateline: %s digests: %s\n", freqs[k], dl_strerror(e));
				store_unlock(st, DL_LOCK_DIGESTS);
				goto out;
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("%s: %zu subscribers, %zu digests queued, %zu with nothing new (%.2f s)\n",
			    freqs[k], ns.subscribers, ns.queued, ns.empty,
			    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		}
		if (locked)
			store_unlock(st, DL_LOCK_DIGESTS);
		rc = smtp || cfg.mail_smtp[0] ? deliver(st, &cfg, smtp) : 0;
	} else if (strcmp(sub, "deliver") == 0) {
		rc = deliver(st, &cfg, smtp);
	} else
		rc = usage();
out:
	if (st)
		store_close(st);
	if (i18n_done)
		i18n_free();
	return rc;
}
