/* log.h - one line per event on stderr, with UTC time and level.
 * Never log secrets: passwords, tokens, cookies, signed links. */
#ifndef DL_LOG_H
#define DL_LOG_H

#include "base/err.h"

void log_info(const char *fmt, ...) DL_PRINTF(1, 2);
void log_warn(const char *fmt, ...) DL_PRINTF(1, 2);
void log_error(const char *fmt, ...) DL_PRINTF(1, 2);
/* 0 = errors only, 1 = warnings, 2 = info (default). */
void log_set_level(int level);

#endif
