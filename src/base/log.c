#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "base/log.h"

static int level = 2;

void
log_set_level(int l)
{
	level = l;
}

static void
vlog(int l, const char *tag, const char *fmt, va_list ap)
{
	char line[2048], stamp[32];
	struct tm tm;
	time_t now;

	if (l > level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(line, sizeof line, fmt, ap);
	/* One fprintf per line, so that threads do not interleave. */
	fprintf(stderr, "%s %s %s\n", stamp, tag, line);
}

#define LOGFN(name, l, tag) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		vlog(l, tag, fmt, ap); \
		va_end(ap); \
	}

LOGFN(log_error, 0, "error")
LOGFN(log_warn, 1, "warn")
LOGFN(log_info, 2, "info")
