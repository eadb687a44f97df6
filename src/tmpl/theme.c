/* theme.c - embedded default theme, overridden file by file from a directory. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "base/embed.h"
#include "tmpl/theme.h"
#include "tmpl/tmpl.h"

#define EMBED_PREFIX "themes/default/"
#define TMPL_SUFFIX ".mustache"

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

/* Reads a whole regular file of at most `max` bytes into a NUL-terminated
 * malloc'd buffer. */
static enum dl_err
read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = NULL;
	struct stat st;
	char *data = NULL;
	size_t n;
	enum dl_err rc = DL_ERR_IO;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		rc = errno == ENOENT ? DL_ERR_NOTFOUND : DL_ERR_IO;
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)st.st_size > max) {
		rc = DL_ERR_TOOBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		rc = DL_ERR_NOMEM;
		goto out;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	if (n != (size_t)st.st_size || ferror(f))
		goto out;
	data[n] = '\0';
	*out = data;
	*len = n;
	data = NULL;
	rc = DL_OK;
out:
	free(data);
	if (f != NULL)
		fclose(f);
	return rc;
}

static enum dl_err
load_dir(struct tmpl_set *ts, const char *dir, char *msg, size_t msglen)
{
	DIR *d;
	struct dirent *de;
	char path[4096], name[256], *src = NULL;
	size_t len, n;
	enum dl_err rc = DL_OK;

	d = opendir(dir);
	if (d == NULL) {
		snprintf(msg, msglen, "%s: %s", dir, strerror(errno));
		return DL_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, TMPL_SUFFIX))
			continue;
		n = strlen(de->d_name) - strlen(TMPL_SUFFIX);
		if (n >= sizeof name || (size_t)snprintf(path, sizeof path, "%s/%s", dir,
		    de->d_name) >= sizeof path) {
			snprintf(msg, msglen, "%s/%s: name too long", dir, de->d_name);
			rc = DL_ERR_INVALID;
			break;
		}
		memcpy(name, de->d_name, n);
		name[n] = '\0';
		rc = read_file(path, THEME_TMPL_MAX, &src, &len);
		if (rc != DL_OK) {
			snprintf(msg, msglen, "%s: %s", path, dl_strerror(rc));
			if (rc == DL_ERR_NOTFOUND)
				rc = DL_ERR_IO;
			break;
		}
		rc = tmpl_set_add(ts, name, src, len, msg, msglen);
		free(src);
		src = NULL;
		if (rc != DL_OK)
			break;
	}
	closedir(d);
	return rc;
}

enum dl_err
theme_load(const char *dir, struct tmpl_set **out, char *msg, size_t msglen)
{
	struct tmpl_set *ts;
	const struct embedded_file *f;
	char name[256];
	size_t i, plen = strlen(EMBED_PREFIX), n;
	enum dl_err rc = DL_OK;

	*out = NULL;
	if (msglen > 0)
		msg[0] = '\0';
	ts = tmpl_set_new();
	if (ts == NULL) {
		snprintf(msg, msglen, "out of memory loading the theme");
		return DL_ERR_NOMEM;
	}
	for (i = 0; i < embedded_count; i++) {
		f = &embedded_files[i];
		if (strncmp(f->name, EMBED_PREFIX, plen) != 0 || strchr(f->name + plen, '/') != NULL ||
		    !has_suffix(f->name, TMPL_SUFFIX))
			continue;
		n = strlen(f->name + plen) - strlen(TMPL_SUFFIX);
		if (n >= sizeof name)
			continue;
		memcpy(name, f->name + plen, n);
		name[n] = '\0';
		rc = tmpl_set_add(ts, name, (const char *)f->data, f->len, msg, msglen);
		if (rc != DL_OK)
			goto out;
	}
	if (dir != NULL && dir[0] != '\0') {
		rc = load_dir(ts, dir, msg, msglen);
		if (rc != DL_OK)
			goto out;
	}
	*out = ts;
	ts = NULL;
out:
	if (ts != NULL)
		tmpl_set_free(ts);
	return rc;
}

static int
safe_name(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen(name) > 200)
		return 0;
	if (strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p; p++)
		if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
			return 0;
	return 1;
}

enum dl_err
theme_asset(const char *dir, const char *name, const unsigned char **data, size_t *len,
    char **owned)
{
	const struct embedded_file *f;
	char path[4096];
	char *buf = NULL;
	size_t n = 0;
	enum dl_err rc;

	*data = NULL;
	*len = 0;
	*owned = NULL;
	if (!safe_name(name))
		return DL_ERR_INVALID;
	if (has_suffix(name, TMPL_SUFFIX))
		return DL_ERR_NOTFOUND;
	if (dir != NULL && dir[0] != '\0') {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
			return DL_ERR_INVALID;
		rc = read_file(path, THEME_ASSET_MAX, &buf, &n);
		if (rc == DL_OK) {
			*owned = buf;
			*data = (const unsigned char *)buf;
			*len = n;
			return DL_OK;
		}
		if (rc != DL_ERR_NOTFOUND)
			return rc;
	}
	if ((size_t)snprintf(path, sizeof path, EMBED_PREFIX "%s", name) >= sizeof path)
		return DL_ERR_INVALID;
	f = embed_find(path);
	if (f == NULL)
		return DL_ERR_NOTFOUND;
	*data = f->data;
	*len = f->len;
	return DL_OK;
}
