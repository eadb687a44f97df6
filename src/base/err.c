#include "base/err.h"

const char *
dl_strerror(enum dl_err e)
{
	switch (e) {
	case DL_OK: return "success";
	case DL_ERR_NOMEM: return "out of memory";
	case DL_ERR_INVALID: return "invalid input";
	case DL_ERR_NOTFOUND: return "not found";
	case DL_ERR_TOOBIG: return "too large";
	case DL_ERR_IO: return "input/output error";
	case DL_ERR_DB: return "database error";
	case DL_ERR_CORRUPT: return "file is corrupt or not a dateline database";
	case DL_ERR_EXISTS: return "already exists";
	case DL_ERR_UNSUPPORTED: return "not supported";
	}
	return "unknown error";
}
