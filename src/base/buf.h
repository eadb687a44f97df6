/* buf.h - growable byte buffers with a hard cap.
 *
 * A buffer grows up to `max` bytes of content; an append past that fails with
 * DL_ERR_TOOBIG and leaves the buffer as it was. `data` is NUL-terminated
 * whenever it is not NULL. The buffer owns `data`; buf_free() releases it. */
#ifndef DL_BUF_H
#define DL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "base/err.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT(maxbytes) { NULL, 0, 0, (maxbytes) }

enum dl_err buf_append(struct buf *b, const void *p, size_t n) DL_WUR;
enum dl_err buf_puts(struct buf *b, const char *s) DL_WUR;
enum dl_err buf_putc(struct buf *b, char c) DL_WUR;
enum dl_err buf_printf(struct buf *b, const char *fmt, ...) DL_PRINTF(2, 3) DL_WUR;
enum dl_err buf_vprintf(struct buf *b, const char *fmt, va_list ap) DL_WUR;
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Hands `data` to the caller (to free()) and empties the buffer; never NULL
 * unless out of memory. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
