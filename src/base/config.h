/* config.h - the site's settings: defaults, then an INI file (inih), then
 * the command line. Every field has a default, so dateline runs with no
 * file at all.
 *
 *   [site]
 *   name = AsiaNews            ; shown in the masthead and mail
 *   agency = AsiaNews          ; the dateline: "Moscow (AsiaNews) - "
 *   base_url = http://127.0.0.1:8080
 *   timezone = Europe/Rome     ; IANA zone for dates shown to readers
 *   default_lang = en
 *   editions = en,it,es,zh
 *   [server]
 *   listen = 127.0.0.1:8080
 *   threads = 2
 *   cache_mb = 64
 *   [feeds]
 *   full_text = true          ; feeds carry whole bodies; false: summaries
 */
#ifndef DL_CONFIG_H
#define DL_CONFIG_H

#include <stddef.h>
#include "base/err.h"

#define CONFIG_MAX_EDITIONS 16

struct config {
	char site_name[128];
	char agency[128];
	char base_url[256];
	char timezone[64];
	char default_lang[16];
	char editions[CONFIG_MAX_EDITIONS][16];
	size_t n_editions;
	char listen[128];
	unsigned threads;
	size_t cache_bytes;
	char theme_dir[1024];   /* "" = embedded theme only */
	/* [newsroom] (src/web/auth.c, src/content/schedule.c) */
	unsigned session_idle_minutes;   /* session_idle_minutes = 120: logged out after this long idle */
	unsigned schedule_tick_seconds;  /* schedule_tick_seconds = 5: how often due articles are published */
	/* [feeds] full_text = true|false: feeds carry the whole body (default)
	 * or only the standfirst. */
	int feeds_full_text;
	/* [share] "Send to a friend" limits (src/pages/share.c):
	 *   max_recipients = 3       ; addresses in one form, 1..10
	 *   note_max = 500           ; characters in the note, 0..2000
	 *   min_seconds = 3          ; a form token must be this old before it is accepted
	 *   token_minutes = 60       ; and no older than this
	 *   client_per_hour = 5      ; sends a client address may make an hour (burst the same)
	 *   recipient_per_hour = 3   ; messages one address may receive an hour
	 *   article_per_hour = 60    ; sends of one article an hour */
	unsigned share_max_recipients;
	unsigned share_note_max;
	unsigned share_min_seconds;
	unsigned share_token_minutes;
	unsigned share_client_per_hour;
	unsigned share_recipient_per_hour;
	unsigned share_article_per_hour;
	/* [mail] (src/mail/): the relay and the site's sender.
	 *   smtp = smtp://127.0.0.1:25   ; or smtps://HOST:465; "" = no delivery
	 *   user = ...                   ; SMTP AUTH, from this file only
	 *   password = ...
	 *   from = news@example.org      ; envelope and From address
	 *   from_name = AsiaNews         ; default: [site] name
	 *   max_attempts = 8             ; temporary failures before giving up, 1..100
	 *   lease_seconds = 120          ; a claimed message is retried after this, 1..86400 */
	char mail_smtp[512];
	char mail_user[256];
	char mail_password[256];
	char mail_from[256];
	char mail_from_name[128];
	unsigned mail_max_attempts;
	unsigned mail_lease_seconds;
	/* [newsletter] digest times, UTC (src/mail/newsletter.c):
	 *   daily = 07:00                ; HH:MM, "" = no daily run in the server
	 *   weekly = mon 07:00           ; DAY HH:MM, "" = no weekly run */
	int nl_daily_minute;      /* minutes after midnight, -1 = off */
	int nl_weekly_day;        /* 0 = Sunday .. 6, -1 = off */
	int nl_weekly_minute;
};

void config_defaults(struct config *cfg);
/* Reads an INI file over the current values. On error writes "file:line:
 * reason" into msg and returns DL_ERR_INVALID or DL_ERR_IO. */
enum dl_err config_load(struct config *cfg, const char *path, char *msg, size_t msglen) DL_WUR;
/* 1 when `lang` is one of the configured editions. */
int config_has_edition(const struct config *cfg, const char *lang);

#endif
