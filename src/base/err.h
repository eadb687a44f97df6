/* err.h - the typed result every fallible dateline function returns. */
#ifndef DL_ERR_H
#define DL_ERR_H

#define DL_WUR __attribute__((warn_unused_result))
#define DL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

enum dl_err {
	DL_OK = 0,
	DL_ERR_NOMEM,       /* allocation failed */
	DL_ERR_INVALID,     /* malformed input */
	DL_ERR_NOTFOUND,    /* no such thing */
	DL_ERR_TOOBIG,      /* a documented size cap was hit */
	DL_ERR_IO,          /* file or socket error */
	DL_ERR_DB,          /* database error (details logged) */
	DL_ERR_CORRUPT,     /* a database or file is not what it should be */
	DL_ERR_EXISTS,      /* already there */
	DL_ERR_UNSUPPORTED, /* valid but not something dateline does */
};

/* A static English sentence for logs and the command line; never NULL. */
const char *dl_strerror(enum dl_err e);

#endif
