/* i18n.h - interface strings per language and dates formatted with ICU.
 *
 * Strings come from locales/LANG.ini (embedded at build time), flat
 * `key = value` lines; a key missing in a language falls back to English.
 * Supported interface languages: en, it, es, zh. */
#ifndef DL_I18N_H
#define DL_I18N_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"
#include "base/err.h"

/* Loads every embedded locale. Call once at start, before threads. */
enum dl_err i18n_init(char *msg, size_t msglen) DL_WUR;
void i18n_free(void);

/* 1 when there are interface strings for `lang`. */
int i18n_has(const char *lang);

/* All strings of `lang` (English for an unknown one) as a JSON object
 * {key: text}; borrowed, immutable, valid until i18n_free(). */
const json_t *i18n_strings(const char *lang);

/* One string; the key itself when no language has it. Borrowed. */
const char *i18n_get(const char *lang, const char *key);

/* The language's own name ("Italiano" for "it"); borrowed. */
const char *i18n_language_name(const char *lang);

enum i18n_date_style { I18N_DATE, I18N_DATETIME, I18N_MONTH_YEAR };

/* Formats Unix time `t` for readers of `lang` in IANA zone `tz` with ICU
 * ("29 December 2025, 10:26", "29 dicembre 2025, 10:26", "2025年12月29日 10:26"),
 * appending to out. */
enum dl_err i18n_format_time(struct buf *out, const char *lang, const char *tz, int64_t t,
    enum i18n_date_style style) DL_WUR;

/* Machine-readable ISO 8601 with the zone's offset ("2025-12-29T10:26:00+01:00"),
 * for <time datetime>; appends to out. */
enum dl_err i18n_iso_time(struct buf *out, const char *tz, int64_t t) DL_WUR;

#endif
