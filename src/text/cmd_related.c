/* cmd_related.c - `dateline related` and `dateline similarity`. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/arena.h"
#include "cmd.h"
#include "content/ninjs.h"
#include "text/related.h"
#include "text/related_store.h"

#define LINE_MAX_BYTES (16u << 20)

static int
set_param(struct rel_params *p, const char *k, double v)
{
	static const struct { const char *name; size_t off; } dbl[] = {
		{ "w_head", offsetof(struct rel_params, w_head) },
		{ "w_stand", offsetof(struct rel_params, w_stand) },
		{ "w_body", offsetof(struct rel_params, w_body) },
		{ "w_ent", offsetof(struct rel_params, w_ent) },
		{ "w_ent2", offsetof(struct rel_params, w_ent2) },
		{ "w_place", offsetof(struct rel_params, w_place) },
		{ "w_tag", offsetof(struct rel_params, w_tag) },
		{ "w_byline", offsetof(struct rel_params, w_byline) },
		{ "tf_log", offsetof(struct rel_params, tf_log) },
		{ "time_w", offsetof(struct rel_params, time_w) },
		{ "time_tau", offsetof(struct rel_params, time_tau) },
		{ "dup", offsetof(struct rel_params, dup) },
		{ "max_df", offsetof(struct rel_params, max_df) },
		{ "w_num", offsetof(struct rel_params, w_num) },
		{ "expand", offsetof(struct rel_params, expand) },
		{ "idf_add", offsetof(struct rel_params, idf_add) },
		{ "lsa_w", offsetof(struct rel_params, lsa_w) },
		{ "lsa_n0", offsetof(struct rel_params, lsa_n0) },
		{ "w_topic_cap", offsetof(struct rel_params, w_topic_cap) },
	};
	size_t i;

	for (i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
		if (strcmp(dbl[i].name, k) == 0) {
			*(double *)((char *)p + dbl[i].off) = v;
			return 0;
		}
	if (strcmp(k, "vec_terms") == 0)
		p->vec_terms = (unsigned)v;
	else if (strcmp(k, "query_terms") == 0)
		p->query_terms = (unsigned)v;
	else if (strcmp(k, "expand_k") == 0)
		p->expand_k = (unsigned)v;
	else if (strcmp(k, "rerank") == 0)
		p->rerank = (unsigned)v;
	else if (strcmp(k, "lsa_dims") == 0)
		p->lsa_dims = (unsigned)v;
	else if (strcmp(k, "lsa_iter") == 0)
		p->lsa_iter = (unsigned)v;
	else
		return -1;
	return 0;
}

/* "k=v,k=v" over the defaults (for tuning); -1 on a bad one. */
int
related_params_parse(struct rel_params *p, const char *s)
{
	char buf[1024], *save = NULL, *kv;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), *end;
		double v;

		if (eq == NULL)
			return -1;
		*eq = '\0';
		errno = 0;
		v = strtod(eq + 1, &end);
		if (errno || *end || set_param(p, kv, v) < 0)
			return -1;
	}
	return 0;
}

static int64_t
parse_time(const char *s)
{
	struct tm tm;
	char *end;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

static const char *
role_value(json_t *arr, const char *role)
{
	size_t i;
	json_t *x;
	const char *first = NULL;

	if (!json_is_array(arr))
		return NULL;
	json_array_foreach(arr, i, x) {
		const char *r = json_string_value(json_object_get(x, "role"));
		const char *v = json_string_value(json_object_get(x, "value"));

		if (v == NULL)
			continue;
		if (first == NULL)
			first = v;
		if (r && strcmp(r, role) == 0)
			return v;
	}
	return first;
}

/* Reads one line (capped) into *line; 0 at EOF, -1 on a line too long. */
static int
read_line(FILE *f, char **line, size_t *cap, size_t *len)
{
	ssize_t n = getline(line, cap, f);

	if (n < 0)
		return 0;
	if ((size_t)n > LINE_MAX_BYTES)
		return -1;
	*len = (size_t)n;
	return 1;
}

/* ninjs file -> engine (evaluation without a database) */
static int
load_ninjs(struct related *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, len, lineno = 0;
	int rc = 1, st;

	if (f == NULL) {
		fprintf(stderr, "dateline: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((st = read_line(f, &line, &cap, &len)) > 0) {
		json_t *o, *places;
		json_error_t jerr;
		struct rel_doc d;
		const char *pl[64];
		size_t i, np = 0;
		json_t *x;
		enum dl_err e;

		lineno++;
		o = json_loadb(line, len, 0, &jerr);
		if (o == NULL)
			continue;
		memset(&d, 0, sizeof d);
		d.uri = json_string_value(json_object_get(o, "uri"));
		d.lang = json_string_value(json_object_get(o, "language"));
		d.headline = role_value(json_object_get(o, "headlines"), "main");
		d.standfirst = role_value(json_object_get(o, "descriptions"), "summary");
		d.body = role_value(json_object_get(o, "bodies"), "main");
		places = json_object_get(o, "places");
		if (json_is_array(places))
			json_array_foreach(places, i, x) {
				const char *nm = json_string_value(json_object_get(x, "name"));
				if (nm && np < 64)
					pl[np++] = nm;
			}
		d.places = pl;
		d.n_places = np;
		d.date = parse_time(json_string_value(json_object_get(o, "firstcreated")));
		if (d.uri == NULL) {
			json_decref(o);
			continue;
		}
		e = related_add(r, &d, NULL);
		json_decref(o);
		if (e != DL_OK) {
			fprintf(stderr, "dateline: %s line %zu: %s\n", path, lineno, dl_strerror(e));
			goto out;
		}
	}
	if (st < 0) {
		fprintf(stderr, "dateline: %s line %zu is too long\n", path, lineno + 1);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

struct job {
	const struct related *r;
	size_t k;
	uint32_t from, to;
	struct rel_hit *hits;   /* k per article */
	size_t *counts;
	enum dl_err err;
};

static void *
run_job(void *arg)
{
	struct job *j = arg;
	uint32_t i;

	for (i = j->from; i < j->to; i++) {
		enum dl_err e = related_top(j->r, i, j->k, j->hits + (size_t)i * j->k, &j->counts[i]);

		if (e != DL_OK) {
			j->err = e;
			break;
		}
	}
	return NULL;
}

enum dl_err
related_all_lists(const struct related *r, size_t k, struct rel_hit **hits, size_t **counts)
{
	uint32_t n = related_count(r), half = n / 2;
	struct job jobs[2];
	pthread_t th;
	int threaded;

	*hits = calloc((size_t)n * k + 1, sizeof **hits);
	*counts = calloc((size_t)n + 1, sizeof **counts);
	if (*hits == NULL || *counts == NULL) {
		free(*hits);
		free(*counts);
		return DL_ERR_NOMEM;
	}
	jobs[0] = (struct job){ r, k, 0, half, *hits, *counts, DL_OK };
	jobs[1] = (struct job){ r, k, half, n, *hits, *counts, DL_OK };
	threaded = n > 64 && pthread_create(&th, NULL, run_job, &jobs[1]) == 0;
	run_job(&jobs[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		run_job(&jobs[1]);
	if (jobs[0].err != DL_OK || jobs[1].err != DL_OK) {
		free(*hits);
		free(*counts);
		return jobs[0].err != DL_OK ? jobs[0].err : jobs[1].err;
	}
	return DL_OK;
}

static void
print_list(FILE *out, const struct related *r, uint32_t id, const struct rel_hit *h, size_t n)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;
	char *s;

	json_object_set_new(o, "uri", json_string(related_uri(r, id)));
	for (i = 0; i < n; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "uri", json_string(related_uri(r, h[i].doc)));
		json_object_set_new(x, "score", json_real(h[i].score));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "related", arr);
	s = json_dumps(o, JSON_COMPACT);
	if (s) {
		fprintf(out, "%s\n", s);
		free(s);
	}
	json_decref(o);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --bench-add: stores each article of a ninjs file and adds it to the
 * saved engine (one open session, as a server keeps it), timing each
 * store-and-update; prints the median and 90th percentile. */
static int
bench_add(const char *db, const struct rel_params *p, const char *path)
{
	struct store *st = NULL;
	struct related_session *s = NULL;
	FILE *f = NULL;
	char *line = NULL, msg[256] = "";
	size_t cap = 0, len, n = 0;
	double ms[1000];
	int rc = 1, r;
	enum dl_err e;

	if (store_open(db, &st, msg, sizeof msg) != DL_OK) {
		fprintf(stderr, "dateline: %s\n", msg[0] ? msg : "cannot open the database");
		return 1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "dateline: cannot open %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((e = related_session_open(st, p, &s)) != DL_OK) {
		fprintf(stderr, "dateline: related: no saved engine (%s)\n", dl_strerror(e));
		goto out;
	}
	while (n < sizeof ms / sizeof ms[0] && (r = read_line(f, &line, &cap, &len)) > 0) {
		json_error_t jerr;
		json_t *o = json_loadb(line, len, 0, &jerr);
		struct arena *ar = arena_new(1u << 22);
		struct dl_article a;
		struct timespec t0, t1;
		int created;
		const char *uri;

		if (o == NULL || ar == NULL || ninjs_parse(ar, o, &a, msg, sizeof msg) != DL_OK) {
			json_decref(o);
			arena_free(ar);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		uri = a.uri;
		if ((e = store_begin(st)) == DL_OK) {
			if ((e = store_article_put(st, &a, &created)) == DL_OK)
				e = store_commit(st);
			else
				store_rollback(st);
		}
		if (e == DL_OK)
			e = related_session_add(s, &uri, 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		json_decref(o);
		arena_free(ar);
		if (e != DL_OK) {
			fprintf(stderr, "dateline: related: adding %s: %s\n", uri, dl_strerror(e));
			goto out;
		}
		ms[n++] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	if (n == 0) {
		fprintf(stderr, "dateline: related: no article added\n");
		goto out;
	}
	qsort(ms, n, sizeof ms[0], cmp_double);
	printf("added %zu: p50 %.1f ms p90 %.1f ms max %.1f ms\n", n, ms[(n - 1) / 2],
	    ms[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], ms[n - 1]);
	rc = 0;
out:
	related_session_close(s);
	free(line);
	if (f)
		fclose(f);
	store_close(st);
	return rc;
}

static int
usage_related(void)
{
	fprintf(stderr, "usage: dateline related --db FILE (--all | URI) [--limit K] [--format jsonl]\n"
	    "       dateline related --db FILE --rebuild | --pin A B | --exclude A B | --unpin A B\n"
	    "       dateline related --ninjs FILE --all [--limit K]   (no database: evaluation)\n"
	    "       dateline related --db FILE --bench-add NINJS   (time adding each article)\n");
	return 2;
}

int
cmd_related(int argc, char **argv)
{
	const char *db = NULL, *ninjs = NULL, *format = "jsonl", *params = NULL;
	const char *uri = NULL, *pin_a = NULL, *pin_b = NULL, *bench = NULL;
	int all = 0, rebuild = 0, rc = 1;
	enum rel_override ov = REL_OV_NONE;
	long limit = 5;
	struct rel_params p;
	struct related *r = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--ninjs") == 0 && i + 1 < argc)
			ninjs = argv[++i];
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--rebuild") == 0)
			rebuild = 1;
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			char *end;
			limit = strtol(argv[++i], &end, 10);
			if (*end || limit < 1 || limit > 1000)
				return usage_related();
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--params") == 0 && i + 1 < argc)
			params = argv[++i];
		else if (strcmp(argv[i], "--bench-add") == 0 && i + 1 < argc)
			bench = argv[++i];
		else if ((strcmp(argv[i], "--pin") == 0 || strcmp(argv[i], "--exclude") == 0 ||
		    strcmp(argv[i], "--unpin") == 0) && i + 2 < argc) {
			ov = argv[i][2] == 'p' ? REL_OV_PIN : argv[i][2] == 'e' ? REL_OV_EXCLUDE : REL_OV_NONE;
			pin_a = argv[++i];
			pin_b = argv[++i];
		} else if (argv[i][0] != '-' && uri == NULL)
			uri = argv[i];
		else
			return usage_related();
	}
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "text") != 0)
		return usage_related();
	related_params_default(&p);
	if (params && related_params_parse(&p, params) < 0) {
		fprintf(stderr, "dateline: bad --params '%s'\n", params);
		return 2;
	}
	if (ninjs) {
		struct rel_hit *hits = NULL;
		size_t *counts = NULL;
		uint32_t n, id;
		enum dl_err e;

		if (!all && uri == NULL)
			return usage_related();
		r = related_new(&p);
		if (r == NULL || load_ninjs(r, ninjs) != 0)
			goto out;
		if ((e = related_finish(r)) != DL_OK ||
		    (e = related_all_lists(r, (size_t)limit, &hits, &counts)) != DL_OK) {
			fprintf(stderr, "dateline: related: %s\n", dl_strerror(e));
			goto out;
		}
		n = related_count(r);
		for (id = 0; id < n; id++)
			if (all || strcmp(related_uri(r, id), uri) == 0)
				print_list(stdout, r, id, hits + (size_t)id * limit, counts[id]);
		free(hits);
		free(counts);
		rc = 0;
		goto out;
	}
	if (db == NULL)
		return usage_related();
	if (bench) {
		rc = bench_add(db, &p, bench);
		goto out;
	}
	rc = related_cmd_db(db, &p, all, uri, (size_t)limit, rebuild, ov, pin_a, pin_b,
	    strcmp(format, "text") == 0);
out:
	related_free(r);
	return rc;
}

int
cmd_similarity(int argc, char **argv)
{
	const char *pairs = NULL, *params = NULL;
	struct rel_params p;
	struct related *r = NULL;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, len, n = 0, i;
	json_t **ids = NULL;
	int rc = 1, st, a;
	enum dl_err e;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--pairs") == 0 && a + 1 < argc)
			pairs = argv[++a];
		else if (strcmp(argv[a], "--params") == 0 && a + 1 < argc)
			params = argv[++a];
		else {
			fprintf(stderr, "usage: dateline similarity --pairs FILE\n");
			return 2;
		}
	}
	if (pairs == NULL) {
		fprintf(stderr, "usage: dateline similarity --pairs FILE\n");
		return 2;
	}
	related_params_default(&p);
	if (params && related_params_parse(&p, params) < 0) {
		fprintf(stderr, "dateline: bad --params '%s'\n", params);
		return 2;
	}
	if ((r = related_new(&p)) == NULL)
		goto out;
	if ((f = fopen(pairs, "r")) == NULL) {
		fprintf(stderr, "dateline: cannot open %s: %s\n", pairs, strerror(errno));
		goto out;
	}
	while ((st = read_line(f, &line, &cap, &len)) > 0) {
		json_error_t jerr;
		json_t *o = json_loadb(line, len, 0, &jerr), **ni;
		const char *lang;
		int side;

		if (o == NULL) {
			if (len > 1)
				fprintf(stderr, "dateline: %s line %zu: %s\n", pairs, n + 1, jerr.text);
			continue;
		}
		if (json_object_get(o, "id") == NULL) {
			json_decref(o);
			continue;
		}
		if ((ni = realloc(ids, (n + 1) * sizeof *ids)) == NULL) {
			json_decref(o);
			goto out;
		}
		ids = ni;
		ids[n] = json_incref(json_object_get(o, "id"));
		lang = json_string_value(json_object_get(o, "lang"));
		for (side = 0; side < 2; side++) {
			json_t *x = json_object_get(o, side ? "b" : "a");
			char u[64];
			struct rel_doc d;
			const char *sl = json_string_value(json_object_get(x, "lang"));

			memset(&d, 0, sizeof d);
			snprintf(u, sizeof u, "pair:%zu:%c", n, side ? 'b' : 'a');
			d.uri = u;
			d.lang = sl ? sl : lang;
			d.headline = json_string_value(json_object_get(x, "title"));
			d.body = json_string_value(json_object_get(x, "text"));
			if ((e = related_add(r, &d, NULL)) != DL_OK) {
				fprintf(stderr, "dateline: similarity: %s\n", dl_strerror(e));
				json_decref(o);
				n++;
				goto out;
			}
		}
		json_decref(o);
		n++;
	}
	if ((e = related_finish(r)) != DL_OK) {
		fprintf(stderr, "dateline: similarity: %s\n", dl_strerror(e));
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		char *s;

		json_object_set(o, "id", ids[i]);
		json_object_set_new(o, "score", json_real(related_score(r, (uint32_t)(2 * i),
		    (uint32_t)(2 * i + 1))));
		s = json_dumps(o, JSON_COMPACT);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		json_decref(ids[i]);
	free(ids);
	free(line);
	if (f)
		fclose(f);
	related_free(r);
	return rc;
}
