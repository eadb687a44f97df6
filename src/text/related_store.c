/* related_store.c - the See-also engine joined to the store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "text/related_store.h"

#define REL_SCRATCH (1u << 20)

struct loader {
	struct related *r;
	enum dl_err err;
};

/* The engine's view of a stored article; places and tags point into the
 * caller's arrays of 64. */
static void
to_doc(const struct dl_article *a, struct rel_doc *dp, const char **places, const char **tags)
{
	struct rel_doc d;
	size_t i;

	memset(&d, 0, sizeof d);
	d.uri = a->uri;
	d.lang = a->lang;
	d.group = a->translation_of && *a->translation_of ? a->translation_of : a->uri;
	d.headline = a->headline;
	d.standfirst = a->standfirst;
	d.body = a->body_text;
	d.byline = a->byline;
	for (i = 0; i < a->n_places && i < 64; i++)
		places[i] = a->places[i].name;
	d.places = places;
	d.n_places = i;
	for (i = 0; i < a->n_tags && i < 64; i++)
		tags[i] = a->tags[i].name;
	d.tags = tags;
	d.n_tags = i;
	d.date = a->first_created;
	*dp = d;
}

static int
load_one(void *ctx, const struct dl_article *a)
{
	struct loader *l = ctx;
	const char *places[64], *tags[64];
	struct rel_doc d;

	if (a->status != DL_PUBLISHED)
		return 0;
	to_doc(a, &d, places, tags);
	l->err = related_add(l->r, &d, NULL);
	return l->err != DL_OK;
}

/* An engine over every published article of st, finished. */
static enum dl_err
load_engine(struct store *st, const struct rel_params *p, struct related **out)
{
	struct loader l = { related_new(p), DL_OK };
	enum dl_err e;

	*out = NULL;
	if (l.r == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_articles_each(st, load_one, &l)) != DL_OK || (e = l.err) != DL_OK ||
	    (e = related_finish(l.r)) != DL_OK) {
		related_free(l.r);
		return e;
	}
	*out = l.r;
	return DL_OK;
}

/* The list to store for article id: pins first, then the engine's
 * ranking without excluded or pinned items, at most REL_STORED_K. */
static enum dl_err
final_list(struct store *st, const struct related *r, uint32_t id, const struct rel_hit *h,
    size_t nh, struct dl_related *out, size_t *n)
{
	struct arena *ar = arena_new(REL_SCRATCH);
	const char **others = NULL;
	enum dl_related_override *kinds = NULL;
	size_t no = 0, i, j;
	enum dl_err e = DL_ERR_NOMEM;

	*n = 0;
	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_related_overrides(st, ar, related_uri(r, id), &others, &kinds, &no)) != DL_OK)
		goto out;
	for (i = 0; i < no && *n < REL_STORED_K; i++) {
		uint32_t o;

		if (kinds[i] != DL_REL_PIN || (o = related_find(r, others[i])) == UINT32_MAX)
			continue;
		out[*n].uri = related_uri(r, o);
		out[*n].score = related_score(r, id, o);
		(*n)++;
	}
	for (i = 0; i < nh && *n < REL_STORED_K; i++) {
		const char *u = related_uri(r, h[i].doc);

		for (j = 0; j < no; j++)
			if (strcmp(others[j], u) == 0)
				break;
		if (j < no)
			continue;
		out[*n].uri = u;
		out[*n].score = h[i].score;
		(*n)++;
	}
	e = DL_OK;
out:
	arena_free(ar);
	return e;
}

/* Stores the lists (inside the caller's transaction) and notes each
 * article's kth in the engine. */
static enum dl_err
store_lists(struct store *st, struct related *r, const uint32_t *ids, size_t n_ids,
    const struct rel_hit *hits, const size_t *counts, size_t k)
{
	struct dl_related items[REL_STORED_K];
	size_t i, n;
	enum dl_err e;

	for (i = 0; i < n_ids; i++) {
		uint32_t id = ids ? ids[i] : (uint32_t)i;

		if ((e = final_list(st, r, id, hits + i * k, counts[i], items, &n)) != DL_OK ||
		    (e = store_related_put(st, related_uri(r, id), items, n)) != DL_OK)
			return e;
		related_set_kth(r, id, n == REL_STORED_K ? (float)items[n - 1].score : 0.0f);
	}
	return DL_OK;
}

/* The engine's state blob is capped (a few hundred MB for millions of
 * articles would be past what this design is for). */
#define REL_STATE_MAX ((size_t)1 << 31)

static enum dl_err
save_engine(struct store *st, const struct related *r)
{
	struct buf b = BUF_INIT(REL_STATE_MAX);
	enum dl_err e;

	if ((e = related_save(r, &b)) == DL_OK && (e = store_related_state_clear(st)) == DL_OK &&
	    (e = store_related_state_put(st, "engine", b.data, b.len)) == DL_OK) {
		buf_reset(&b);
		if ((e = related_save_proj(r, &b)) == DL_OK)
			e = store_related_state_put(st, "proj", b.data, b.len);
	}
	buf_free(&b);
	return e;
}

/* Lists are computed a little longer than stored, so that excluded items
 * leave room for the next ones. */
#define REL_COMPUTE_K (REL_STORED_K + 10)

enum dl_err
related_rebuild(struct store *st, const struct rel_params *p)
{
	struct related *r = NULL;
	struct rel_hit *hits = NULL;
	size_t *counts = NULL;
	enum dl_err e;

	if ((e = load_engine(st, p, &r)) != DL_OK)
		return e;
	if ((e = related_all_lists(r, REL_COMPUTE_K, &hits, &counts)) == DL_OK &&
	    (e = store_begin(st)) == DL_OK) {
		if ((e = store_lists(st, r, NULL, related_count(r), hits, counts, REL_COMPUTE_K)) == DL_OK &&
		    (e = save_engine(st, r)) == DL_OK) {
			if ((e = store_commit(st)) == DL_OK)
				store_touch(st);
		} else {
			store_rollback(st);
		}
	}
	free(hits);
	free(counts);
	related_free(r);
	return e;
}

struct deltas {
	struct related *r;
	enum dl_err err;
};

static int
apply_one(void *ctx, const char *name, const void *data, size_t len)
{
	struct deltas *d = ctx;

	(void)name;
	d->err = related_apply_delta(d->r, data, len);
	return d->err != DL_OK;
}

static enum dl_err
proj_rows(void *ctx, const uint32_t *rows, size_t n, float *out, uint32_t k)
{
	size_t off[REL_MAX_TERMS], i;

	if (n > REL_MAX_TERMS)
		return DL_ERR_TOOBIG;
	for (i = 0; i < n; i++)
		off[i] = (size_t)rows[i] * k * sizeof *out;
	return store_related_state_read(ctx, "proj", off, n, (size_t)k * sizeof *out, out);
}

/* The saved engine with its deltas replayed; DL_ERR_NOTFOUND when none
 * was saved. */
static enum dl_err
load_saved(struct store *st, const struct rel_params *p, struct related **out)
{
	void *blob = NULL;
	size_t len = 0;
	struct deltas d = { NULL, DL_OK };
	enum dl_err e;

	*out = NULL;
	if ((e = store_related_state_get(st, "engine", &blob, &len)) != DL_OK)
		return e;
	if ((e = related_load(p, blob, len, &d.r)) != DL_OK)
		return e;
	related_set_proj_source(d.r, proj_rows, st);
	if ((e = store_related_state_each(st, "delta:", apply_one, &d)) != DL_OK || (e = d.err) != DL_OK) {
		related_free(d.r);
		return e;
	}
	*out = d.r;
	return DL_OK;
}

/* Puts article x (score sc) into the stored list of article c, where it
 * now belongs, unless an editor excluded it there or it duplicates an
 * item; pins stay first. *kth gets the new kth of c. */
static enum dl_err
enter_list(struct store *st, const struct related *r, uint32_t c, uint32_t x, double sc, float *kth)
{
	struct arena *ar = arena_new(REL_SCRATCH);
	const char **others = NULL, *cu = related_uri(r, c), *xu = related_uri(r, x);
	enum dl_related_override *kinds = NULL;
	struct dl_related *v, nv[REL_STORED_K + 1];
	size_t no = 0, n = 0, i, m = 0, npin = 0;
	int put = 0;
	enum dl_err e = DL_ERR_NOMEM;
	struct rel_params p;

	related_params_default(&p);
	*kth = related_kth(r, c);
	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_related_overrides(st, ar, cu, &others, &kinds, &no)) != DL_OK ||
	    (e = store_related_get(st, ar, cu, &v, &n)) != DL_OK)
		goto out;
	for (i = 0; i < no; i++)
		if (strcmp(others[i], xu) == 0)
			goto out; /* pinned already, or excluded */
	for (i = 0; i < no; i++)
		npin += kinds[i] == DL_REL_PIN;
	for (i = 0; i < n; i++) {
		uint32_t o = related_find(r, v[i].uri);

		if (o != UINT32_MAX && related_cosine(r, o, x) >= p.dup)
			goto out; /* a near-duplicate is listed already */
	}
	for (i = 0; i < n && m < REL_STORED_K; i++) {
		if (!put && i >= npin && sc > v[i].score) {
			nv[m].uri = xu;
			nv[m++].score = sc;
			put = 1;
			if (m == REL_STORED_K)
				break;
		}
		nv[m++] = v[i];
	}
	if (!put && m < REL_STORED_K) {
		nv[m].uri = xu;
		nv[m++].score = sc;
		put = 1;
	}
	if (!put)
		goto out;
	if ((e = store_related_put(st, cu, nv, m)) != DL_OK)
		goto out;
	*kth = m == REL_STORED_K ? (float)nv[m - 1].score : 0.0f;
out:
	arena_free(ar);
	return e;
}

/* Batches past this share of the site (or this size) are a full rebuild. */
#define REL_INCR_MAX 1000

struct related_session {
	struct store *st;
	struct related *r;
	int broken;            /* the engine no longer matches what is stored */
};

enum dl_err
related_session_open(struct store *st, const struct rel_params *p, struct related_session **out)
{
	struct related_session *s = calloc(1, sizeof *s);
	enum dl_err e;

	*out = NULL;
	if (s == NULL)
		return DL_ERR_NOMEM;
	if ((e = load_saved(st, p, &s->r)) != DL_OK) {
		free(s);
		return e;
	}
	s->st = st;
	*out = s;
	return DL_OK;
}

void
related_session_close(struct related_session *s)
{
	if (s == NULL)
		return;
	related_free(s->r);
	free(s);
}

enum dl_err
related_session_add(struct related_session *s, const char *const *uris, size_t n)
{
	struct store *st = s->st;
	struct related *r = s->r;
	uint32_t from, id, *ids = NULL, *upd = NULL;
	float *kth = NULL, *sc = NULL;
	size_t i, j, nb, nupd = 0, cap;
	struct rel_hit hits[REL_COMPUTE_K];
	struct buf b = BUF_INIT(REL_STATE_MAX);
	char name[32];
	enum dl_err e;
	int tx = 0;

	if (s->broken)
		return DL_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (related_find(r, uris[i]) != UINT32_MAX)
			return DL_ERR_EXISTS;
	from = related_count(r);
	s->broken = 1; /* until the new state is committed */
	for (i = 0; i < n; i++) {
		struct arena *ar = arena_new(REL_SCRATCH);
		struct dl_article a;
		const char *places[64], *tags[64];
		struct rel_doc d;

		if (ar == NULL) {
			e = DL_ERR_NOMEM;
			goto out;
		}
		e = store_article_get_uri(st, ar, uris[i], &a);
		if (e == DL_OK && a.status == DL_PUBLISHED && related_find(r, a.uri) == UINT32_MAX) {
			to_doc(&a, &d, places, tags);
			e = related_insert(r, &d, NULL);
		} else if (e == DL_ERR_NOTFOUND) {
			e = DL_OK;
		}
		arena_free(ar);
		if (e != DL_OK)
			goto out;
	}
	cap = related_count(r);
	ids = malloc((cap + 1) * sizeof *ids);
	upd = malloc((cap + 1) * sizeof *upd);
	kth = malloc((cap + 1) * sizeof *kth);
	sc = malloc((cap + 1) * sizeof *sc);
	if (ids == NULL || upd == NULL || kth == NULL || sc == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	if ((e = store_begin(st)) != DL_OK)
		goto out;
	tx = 1;
	for (id = from; id < related_count(r); id++) {
		struct dl_related items[REL_STORED_K];
		size_t nh, ni;

		if ((e = related_top(r, id, REL_COMPUTE_K, hits, &nh)) != DL_OK ||
		    (e = final_list(st, r, id, hits, nh, items, &ni)) != DL_OK ||
		    (e = store_related_put(st, related_uri(r, id), items, ni)) != DL_OK)
			goto out;
		related_set_kth(r, id, ni == REL_STORED_K ? (float)items[ni - 1].score : 0.0f);
		upd[nupd] = id;
		kth[nupd++] = related_kth(r, id);
	}
	for (id = from; id < related_count(r); id++) {
		if ((e = related_beaten(r, id, ids, sc, cap, &nb)) != DL_OK)
			goto out;
		for (j = 0; j < nb && nupd < cap; j++) {
			float k;

			if (ids[j] >= from)
				continue; /* the new ones' lists were made with all of them */
			if ((e = enter_list(st, r, ids[j], id, sc[j], &k)) != DL_OK)
				goto out;
			related_set_kth(r, ids[j], k);
			upd[nupd] = ids[j];
			kth[nupd++] = k;
		}
	}
	if ((e = related_save_delta(r, from, upd, kth, nupd, &b)) != DL_OK)
		goto out;
	snprintf(name, sizeof name, "delta:%010u", (unsigned)from);
	if ((e = store_related_state_put(st, name, b.data, b.len)) != DL_OK)
		goto out;
	e = store_commit(st);
	tx = 0;
	if (e == DL_OK) {
		s->broken = 0;
		store_touch(st);
	}
out:
	if (tx)
		store_rollback(st);
	buf_free(&b);
	free(ids);
	free(upd);
	free(kth);
	free(sc);
	return e;
}

/* Adds the articles `uris` to the saved engine and updates the lists they
 * enter; DL_ERR_NOTFOUND when there is no saved engine, DL_ERR_EXISTS when
 * one of them is known (changed): the caller rebuilds. */
static enum dl_err
add_incremental(struct store *st, const struct rel_params *p, const char *const *uris, size_t n)
{
	struct related_session *s;
	enum dl_err e;

	if ((e = related_session_open(st, p, &s)) != DL_OK)
		return e;
	e = related_session_add(s, uris, n);
	related_session_close(s);
	return e;
}

enum dl_err
related_lock(struct store *st)
{
	struct timespec pause = { 0, 20 * 1000000L };
	int i;

	for (i = 0; i < 3000; i++) {
		if (store_lock_try(st, DL_LOCK_SEE_ALSO))
			return DL_OK;
		nanosleep(&pause, NULL);
	}
	log_error("See also: another process has held the engine for a minute");
	return DL_ERR_IO;
}

void
related_unlock(struct store *st)
{
	store_unlock(st, DL_LOCK_SEE_ALSO);
}

enum dl_err
related_update_after_import(struct store *st, const struct rel_params *p, const char *const *uris,
    size_t n)
{
	enum dl_err e;

	if (n == 0)
		return DL_OK;
	if ((e = related_lock(st)) != DL_OK)
		return e;
	e = DL_ERR_NOTFOUND;
	/* a large batch against the site: a full rebuild is as fast and exact */
	if (n <= REL_INCR_MAX && (int64_t)n * 4 <= store_article_count(st))
		e = add_incremental(st, p, uris, n);
	if (e == DL_ERR_NOTFOUND || e == DL_ERR_EXISTS || e == DL_ERR_CORRUPT)
		e = related_rebuild(st, p);
	related_unlock(st);
	return e;
}

static void
print_stored(struct store *st, const char *uri, const struct dl_related *v, size_t n, int text)
{
	json_t *o, *arr;
	size_t i;
	char *s;

	if (text) {
		printf("%s\n", uri);
		for (i = 0; i < n; i++)
			printf("  %.4f  %s\n", v[i].score, v[i].uri);
		return;
	}
	o = json_object();
	arr = json_array();
	json_object_set_new(o, "uri", json_string(uri));
	for (i = 0; i < n; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "uri", json_string(v[i].uri));
		json_object_set_new(x, "score", json_real(v[i].score));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "related", arr);
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

struct uris {
	char **v;
	size_t n, cap;
	int err;
};

static int
collect_uri(void *ctx, const struct dl_article *a)
{
	struct uris *u = ctx;

	if (a->status != DL_PUBLISHED)
		return 0;
	if (u->n == u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 256;
		char **nv = realloc(u->v, nc * sizeof *nv);

		if (nv == NULL) {
			u->err = 1;
			return 1;
		}
		u->v = nv;
		u->cap = nc;
	}
	if ((u->v[u->n] = strdup(a->uri)) == NULL) {
		u->err = 1;
		return 1;
	}
	u->n++;
	return 0;
}

/* Prints the stored lists of `uri` or of all published articles; when no
 * list is stored at all yet, builds them first. */
static int
print_lists(struct store *st, const struct rel_params *p, const char *uri, size_t limit, int text)
{
	struct uris u = { NULL, 0, 0, 0 };
	struct arena *ar = NULL;
	size_t i, stored = 0, pass;
	int rc = 1;
	enum dl_err e;

	if (uri) {
		u.v = malloc(sizeof *u.v);
		if (u.v == NULL || (u.v[0] = strdup(uri)) == NULL) {
			free(u.v);
			return 1;
		}
		u.n = 1;
	} else if (store_articles_each(st, collect_uri, &u) != DL_OK || u.err) {
		fprintf(stderr, "dateline: related: cannot list the articles\n");
		goto out;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < u.n; i++) {
			struct dl_related *v;
			size_t n;

			ar = arena_new(REL_SCRATCH);
			if (ar == NULL)
				goto out;
			if ((e = store_related_get(st, ar, u.v[i], &v, &n)) != DL_OK) {
				fprintf(stderr, "dateline: related: %s\n", dl_strerror(e));
				goto out;
			}
			if (pass == 1)
				print_stored(st, u.v[i], v, n < limit ? n : limit, text);
			else if (n > 0)
				stored++;
			arena_free(ar);
			ar = NULL;
			if (pass == 0 && stored > 0)
				break;
		}
		if (pass == 0 && stored == 0 && u.n > 0) {
			fprintf(stderr, "dateline: related: no lists stored yet; computing them\n");
			if ((e = related_rebuild(st, p)) != DL_OK) {
				fprintf(stderr, "dateline: related: %s\n", dl_strerror(e));
				goto out;
			}
		}
	}
	rc = 0;
out:
	arena_free(ar);
	for (i = 0; i < u.n; i++)
		free(u.v[i]);
	free(u.v);
	return rc;
}

/* Applies one override to the stored list of `a` at once (no engine). */
static enum dl_err
apply_override(struct store *st, const struct rel_params *p, const char *a, const char *b,
    enum dl_related_override kind)
{
	struct arena *ar = arena_new(REL_SCRATCH);
	struct dl_related *v, *nv;
	size_t n, i, m = 0;
	enum dl_err e = DL_ERR_NOMEM;

	if (ar == NULL)
		return DL_ERR_NOMEM;
	if ((e = store_related_override_set(st, a, b, kind)) != DL_OK)
		goto out;
	if ((e = store_related_get(st, ar, a, &v, &n)) != DL_OK)
		goto out;
	if (n == 0 || kind == DL_REL_NONE) {
		/* nothing stored yet, or an override removed: recompute all */
		e = related_rebuild(st, p);
		goto out;
	}
	if ((nv = arena_alloc(ar, (n + 1) * sizeof *nv)) == NULL) {
		e = DL_ERR_NOMEM;
		goto out;
	}
	if (kind == DL_REL_PIN) {
		nv[m].uri = b;
		nv[m].score = n > 0 ? v[0].score : 0;
		m++;
	}
	for (i = 0; i < n && m < REL_STORED_K; i++)
		if (strcmp(v[i].uri, b) != 0)
			nv[m++] = v[i];
	if ((e = store_begin(st)) != DL_OK)
		goto out;
	if ((e = store_related_put(st, a, nv, m)) != DL_OK) {
		store_rollback(st);
		goto out;
	}
	if ((e = store_commit(st)) == DL_OK)
		store_touch(st);
out:
	arena_free(ar);
	return e;
}

int
related_cmd_db(const char *db, const struct rel_params *p, int all, const char *uri,
    size_t limit, int rebuild, enum rel_override ov, const char *a, const char *b, int text)
{
	struct store *st = NULL;
	char msg[256] = "";
	enum dl_err e;
	int rc = 1;

	if (store_open(db, &st, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg[0] ? msg : "cannot open the database");
		return 1;
	}
	if (a != NULL) {
		e = apply_override(st, p, a, b, (enum dl_related_override)ov);
		if (e == DL_ERR_NOTFOUND)
			fprintf(stderr, "dateline: related: no article %s or %s\n", a, b);
		else if (e != DL_OK)
			fprintf(stderr, "dateline: related: %s\n", dl_strerror(e));
		rc = e != DL_OK;
		goto out;
	}
	if (rebuild) {
		if ((e = related_lock(st)) == DL_OK) {
			e = related_rebuild(st, p);
			related_unlock(st);
		}
		if (e != DL_OK) {
			fprintf(stderr, "dateline: related --rebuild: %s\n", dl_strerror(e));
			goto out;
		}
		if (!all && uri == NULL) {
			rc = 0;
			goto out;
		}
	}
	if (!all && uri == NULL) {
		fprintf(stderr, "usage: dateline related --db FILE (--all | URI) [--limit K]\n");
		rc = 2;
		goto out;
	}
	rc = print_lists(st, p, all ? NULL : uri, limit, text);
out:
	store_close(st);
	return rc;
}
