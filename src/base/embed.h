/* embed.h - files built into the binary: themes/default/ and locales/.
 * Names are paths relative to the project root ("themes/default/article.mustache",
 * "locales/en.ini"). Data is NUL-terminated after len bytes. */
#ifndef DL_EMBED_H
#define DL_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

extern const struct embedded_file embedded_files[];
extern const size_t embedded_count;

/* NULL when no embedded file has that name. */
const struct embedded_file *embed_find(const char *name);

#endif
