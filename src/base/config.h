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
};

void config_defaults(struct config *cfg);
/* Reads an INI file over the current values. On error writes "file:line:
 * reason" into msg and returns DL_ERR_INVALID or DL_ERR_IO. */
enum dl_err config_load(struct config *cfg, const char *path, char *msg, size_t msglen) DL_WUR;
/* 1 when `lang` is one of the configured editions. */
int config_has_edition(const struct config *cfg, const char *lang);

#endif
