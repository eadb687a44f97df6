/* related.c - the See-also engine (see related.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "text/related.h"
#include "text/token.h"

struct rdoc {
	char *uri;
	uint64_t group;
	int64_t date;
	uint32_t lang;
	uint32_t n;          /* terms */
	uint64_t *h;         /* term hashes, ascending */
	float *w;            /* raw tf before finish, then normalised weights */
};

struct dfslot {
	uint64_t h;          /* 0: empty */
	uint32_t df;
	uint32_t off;        /* postings offset (after finish) */
	uint32_t cnt;        /* postings indexed */
};

struct posting {
	uint32_t doc;
	float w;
};

struct occ {
	uint64_t h;
	float w;
};

struct related {
	struct rel_params p;
	struct tok *tok;
	struct rdoc *docs;
	uint32_t n, cap;
	char **langs;
	uint32_t n_langs;
	struct dfslot *df;
	size_t df_cap, df_used;
	struct posting *post;
	size_t n_post;
	int finished;
	uint32_t n_indexed;  /* docs [0, n_indexed) are in the postings */
	/* scratch while adding */
	struct occ *occ;
	size_t n_occ, occ_cap;
	int occ_full;
	double field_w;
	uint64_t prev_ent;
	int prev_pos;
	/* uri -> doc */
	uint32_t *uri_tab;
	size_t uri_cap;
};

void
related_params_default(struct rel_params *p)
{
	p->w_head = 1.0;
	p->w_stand = 1.5;
	p->w_body = 1.0;
	p->w_ent = 0.0;
	p->w_ent2 = 0.0;
	p->w_place = 0.0;
	p->w_tag = 1.0;
	p->w_byline = 0.5;
	p->tf_log = 0.0;
	p->time_w = 0.0;
	p->time_tau = 7.0;
	p->dup = 0.98;
	p->vec_terms = 200;
	p->query_terms = 40;
	p->rerank = 200;
	p->max_df = 0.3;
	p->expand = 0.0;
	p->w_num = 0.0;
	p->expand_k = 5;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
term_hash(char kind, const char *s, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, &kind, 1);

	h = fnv(h, s, n);
	return h ? h : 1;
}

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2));

	h ^= h >> 31;
	return h ? h : 1;
}

struct related *
related_new(const struct rel_params *p)
{
	struct related *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	if (p)
		r->p = *p;
	else
		related_params_default(&r->p);
	if (r->p.vec_terms == 0 || r->p.vec_terms > REL_MAX_TERMS)
		r->p.vec_terms = REL_MAX_TERMS;
	r->tok = tok_new();
	if (r->tok == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
related_free(struct related *r)
{
	uint32_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->docs[i].uri);
		free(r->docs[i].h);
		free(r->docs[i].w);
	}
	for (i = 0; i < r->n_langs; i++)
		free(r->langs[i]);
	free(r->langs);
	free(r->docs);
	free(r->df);
	free(r->post);
	free(r->occ);
	free(r->uri_tab);
	tok_free(r->tok);
	free(r);
}

uint32_t
related_count(const struct related *r)
{
	return r->n;
}

const char *
related_uri(const struct related *r, uint32_t id)
{
	return id < r->n ? r->docs[id].uri : NULL;
}

/* --- document frequency table (open addressing on the term hash) --- */

static struct dfslot *
df_find(const struct related *r, uint64_t h)
{
	size_t i;

	if (r->df_cap == 0)
		return NULL;
	for (i = (size_t)(h ^ (h >> 29)) & (r->df_cap - 1);; i = (i + 1) & (r->df_cap - 1)) {
		if (r->df[i].h == h)
			return &r->df[i];
		if (r->df[i].h == 0)
			return NULL;
	}
}

static enum dl_err
df_add(struct related *r, uint64_t h)
{
	size_t i;

	if ((r->df_used + 1) * 2 > r->df_cap) {
		size_t nc = r->df_cap ? r->df_cap * 2 : 1024, j;
		struct dfslot *nd = calloc(nc, sizeof *nd);

		if (nd == NULL)
			return DL_ERR_NOMEM;
		for (j = 0; j < r->df_cap; j++) {
			if (r->df[j].h == 0)
				continue;
			for (i = (size_t)(r->df[j].h ^ (r->df[j].h >> 29)) & (nc - 1); nd[i].h;
			    i = (i + 1) & (nc - 1))
				;
			nd[i] = r->df[j];
		}
		free(r->df);
		r->df = nd;
		r->df_cap = nc;
	}
	for (i = (size_t)(h ^ (h >> 29)) & (r->df_cap - 1);; i = (i + 1) & (r->df_cap - 1)) {
		if (r->df[i].h == h) {
			r->df[i].df++;
			return DL_OK;
		}
		if (r->df[i].h == 0) {
			r->df[i].h = h;
			r->df[i].df = 1;
			r->df_used++;
			return DL_OK;
		}
	}
}

/* --- uri table --- */

static enum dl_err
uri_index(struct related *r, uint32_t id)
{
	size_t i, mask;
	uint64_t h;

	if ((size_t)(r->n + 1) * 2 > r->uri_cap) {
		size_t nc = r->uri_cap ? r->uri_cap * 2 : 1024;
		uint32_t *nt = malloc(nc * sizeof *nt), j;

		if (nt == NULL)
			return DL_ERR_NOMEM;
		memset(nt, 0xff, nc * sizeof *nt);
		free(r->uri_tab);
		r->uri_tab = nt;
		r->uri_cap = nc;
		for (j = 0; j < id; j++) {
			h = term_hash('U', r->docs[j].uri, strlen(r->docs[j].uri));
			for (i = h & (nc - 1); nt[i] != UINT32_MAX; i = (i + 1) & (nc - 1))
				;
			nt[i] = j;
		}
	}
	mask = r->uri_cap - 1;
	h = term_hash('U', r->docs[id].uri, strlen(r->docs[id].uri));
	for (i = h & mask; r->uri_tab[i] != UINT32_MAX; i = (i + 1) & mask)
		;
	r->uri_tab[i] = id;
	return DL_OK;
}

uint32_t
related_find(const struct related *r, const char *uri)
{
	size_t i, mask;
	uint64_t h;

	if (r->uri_cap == 0 || uri == NULL)
		return UINT32_MAX;
	mask = r->uri_cap - 1;
	h = term_hash('U', uri, strlen(uri));
	for (i = h & mask; r->uri_tab[i] != UINT32_MAX; i = (i + 1) & mask)
		if (strcmp(r->docs[r->uri_tab[i]].uri, uri) == 0)
			return r->uri_tab[i];
	return UINT32_MAX;
}

/* --- building one vector --- */

#define OCC_MAX (1u << 20)

static void
occ_push(struct related *r, uint64_t h, double w)
{
	if (r->n_occ == r->occ_cap) {
		size_t nc = r->occ_cap ? r->occ_cap * 2 : 4096;
		struct occ *no;

		if (nc > OCC_MAX || (no = realloc(r->occ, nc * sizeof *no)) == NULL) {
			r->occ_full = 1;
			return;
		}
		r->occ = no;
		r->occ_cap = nc;
	}
	r->occ[r->n_occ].h = h;
	r->occ[r->n_occ].w = (float)w;
	r->n_occ++;
}

static void
on_word(void *ctx, const struct tok_word *w)
{
	struct related *r = ctx;
	uint64_t h = term_hash(w->num ? 'N' : 'W', w->term, w->n);

	if (w->num) {
		occ_push(r, h, r->p.w_num * r->field_w);
		r->prev_ent = 0;
		return;
	}
	occ_push(r, h, r->field_w);
	if (w->cap && r->p.w_ent > 0) {
		uint64_t e = term_hash('E', w->term, w->n);

		if (!w->start)
			occ_push(r, e, r->p.w_ent * r->field_w);
		if (r->prev_ent && r->prev_pos == w->pos - 1 && r->p.w_ent2 > 0)
			occ_push(r, mix(r->prev_ent, e), r->p.w_ent2 * r->field_w);
		r->prev_ent = e;
		r->prev_pos = w->pos;
	} else {
		r->prev_ent = 0;
	}
}

static void
add_field(struct related *r, const char *lang, const char *s, double w)
{
	size_t len;
	enum dl_err e;

	if (s == NULL || *s == '\0' || w <= 0)
		return;
	len = strlen(s);
	if (len > REL_MAX_TEXT) {
		len = REL_MAX_TEXT;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	r->field_w = w;
	r->prev_ent = 0;
	e = tok_text_ex(r->tok, lang, s, len, r->p.w_num > 0 ? TOK_KEEP_NUMBERS : 0, on_word, r);
	(void)e; /* a refused field adds nothing; the article still counts */
}

static void
add_feature(struct related *r, char kind, const char *s, double w)
{
	char buf[256];
	size_t i, n = 0;

	if (s == NULL || *s == '\0' || w <= 0)
		return;
	for (i = 0; s[i] && n < sizeof buf; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '-' || c == '_')
			c = ' ';
		else if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c == ' ' && (n == 0 || buf[n - 1] == ' '))
			continue;
		buf[n++] = (char)c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	if (n > 0)
		occ_push(r, term_hash(kind, buf, n), w);
}

static int
cmp_occ(const void *a, const void *b)
{
	uint64_t x = ((const struct occ *)a)->h, y = ((const struct occ *)b)->h;

	return x < y ? -1 : x > y;
}

static uint32_t
lang_id(struct related *r, const char *lang, int *err)
{
	uint32_t i;
	char **nl;

	if (lang == NULL)
		lang = "";
	for (i = 0; i < r->n_langs; i++)
		if (strcmp(r->langs[i], lang) == 0)
			return i;
	nl = realloc(r->langs, (r->n_langs + 1) * sizeof *nl);
	if (nl == NULL || (nl[r->n_langs] = strdup(lang)) == NULL) {
		if (nl)
			r->langs = nl;
		*err = 1;
		return 0;
	}
	r->langs = nl;
	return r->n_langs++;
}

/* Tokenizes d into a new rdoc with raw (field-weighted) tf per term. */
static enum dl_err
build_doc(struct related *r, const struct rel_doc *d, struct rdoc *out)
{
	size_t i, j;
	int err = 0;
	const char *g;

	memset(out, 0, sizeof *out);
	r->n_occ = 0;
	r->occ_full = 0;
	add_field(r, d->lang, d->headline, r->p.w_head);
	add_field(r, d->lang, d->standfirst, r->p.w_stand);
	add_field(r, d->lang, d->body, r->p.w_body);
	for (i = 0; i < d->n_places; i++)
		add_feature(r, 'P', d->places[i], r->p.w_place);
	for (i = 0; i < d->n_tags; i++)
		add_feature(r, 'T', d->tags[i], r->p.w_tag);
	add_feature(r, 'A', d->byline, r->p.w_byline);
	if (r->occ_full)
		return DL_ERR_NOMEM;
	qsort(r->occ, r->n_occ, sizeof *r->occ, cmp_occ);
	for (i = 0, j = 0; i < r->n_occ; i++) {
		if (j > 0 && r->occ[j - 1].h == r->occ[i].h)
			r->occ[j - 1].w += r->occ[i].w;
		else
			r->occ[j++] = r->occ[i];
	}
	out->uri = strdup(d->uri ? d->uri : "");
	out->h = malloc((j ? j : 1) * sizeof *out->h);
	out->w = malloc((j ? j : 1) * sizeof *out->w);
	if (out->uri == NULL || out->h == NULL || out->w == NULL)
		goto nomem;
	for (i = 0; i < j; i++) {
		out->h[i] = r->occ[i].h;
		out->w[i] = r->occ[i].w;
	}
	out->n = (uint32_t)j;
	g = d->group && *d->group ? d->group : out->uri;
	out->group = term_hash('G', g, strlen(g));
	out->date = d->date;
	out->lang = lang_id(r, d->lang, &err);
	if (err)
		goto nomem;
	return DL_OK;
nomem:
	free(out->uri);
	free(out->h);
	free(out->w);
	memset(out, 0, sizeof *out);
	return DL_ERR_NOMEM;
}

static enum dl_err
push_doc(struct related *r, struct rdoc *d, uint32_t *id)
{
	enum dl_err e;

	if (r->n >= REL_MAX_DOCS)
		return DL_ERR_TOOBIG;
	if (r->n == r->cap) {
		uint32_t nc = r->cap ? r->cap * 2 : 256;
		struct rdoc *nd = realloc(r->docs, nc * sizeof *nd);

		if (nd == NULL)
			return DL_ERR_NOMEM;
		r->docs = nd;
		r->cap = nc;
	}
	r->docs[r->n] = *d;
	if ((e = uri_index(r, r->n)) != DL_OK)
		return e;
	if (id)
		*id = r->n;
	r->n++;
	return DL_OK;
}

enum dl_err
related_add(struct related *r, const struct rel_doc *d, uint32_t *id)
{
	struct rdoc doc;
	enum dl_err e;
	uint32_t i;

	if (r->finished)
		return related_insert(r, d, id);
	if (r->n >= REL_MAX_DOCS)
		return DL_ERR_TOOBIG;
	if ((e = build_doc(r, d, &doc)) != DL_OK)
		return e;
	for (i = 0; i < doc.n; i++)
		if ((e = df_add(r, doc.h[i])) != DL_OK)
			goto fail;
	if ((e = push_doc(r, &doc, id)) != DL_OK)
		goto fail;
	return DL_OK;
fail:
	free(doc.uri);
	free(doc.h);
	free(doc.w);
	return e;
}

static double
idf(const struct related *r, uint64_t h)
{
	const struct dfslot *s = df_find(r, h);
	double df = s ? s->df : 0;
	double n = r->n > 0 ? r->n : 1;

	return log((n + 1.0) / (df + 0.5));
}

static int
cmp_occ_w(const void *a, const void *b)
{
	float x = ((const struct occ *)a)->w, y = ((const struct occ *)b)->w;

	return x > y ? -1 : x < y;
}

/* Raw tf -> sublinear tf * idf, the top vec_terms kept, L2-normalised,
 * sorted by hash. Uses r->occ as scratch. */
static enum dl_err
weigh_doc(struct related *r, struct rdoc *d)
{
	uint32_t i, k;
	double norm = 0;

	if (d->n > r->occ_cap) {
		struct occ *no = realloc(r->occ, d->n * sizeof *no);

		if (no == NULL)
			return DL_ERR_NOMEM;
		r->occ = no;
		r->occ_cap = d->n;
	}
	for (i = 0; i < d->n; i++) {
		double tf = d->w[i];
		double t = r->p.tf_log > 0 && tf > 1 ? 1 + log(tf) : tf;

		r->occ[i].h = d->h[i];
		r->occ[i].w = (float)(t * idf(r, d->h[i]));
	}
	k = d->n;
	if (k > r->p.vec_terms) {
		qsort(r->occ, k, sizeof *r->occ, cmp_occ_w);
		k = r->p.vec_terms;
		qsort(r->occ, k, sizeof *r->occ, cmp_occ);
	}
	for (i = 0; i < k; i++)
		norm += (double)r->occ[i].w * r->occ[i].w;
	norm = norm > 0 ? sqrt(norm) : 1;
	for (i = 0; i < k; i++) {
		d->h[i] = r->occ[i].h;
		d->w[i] = (float)(r->occ[i].w / norm);
	}
	d->n = k;
	return DL_OK;
}

static enum dl_err
build_index(struct related *r)
{
	uint32_t i, j;
	size_t total = 0, off = 0;

	for (i = 0; i < r->df_cap; i++)
		r->df[i].cnt = 0;
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->docs[i].n; j++)
			df_find(r, r->docs[i].h[j])->cnt++, total++;
	for (i = 0; i < r->df_cap; i++) {
		r->df[i].off = (uint32_t)off;
		off += r->df[i].cnt;
		r->df[i].cnt = 0;
	}
	free(r->post);
	r->post = malloc((total ? total : 1) * sizeof *r->post);
	if (r->post == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->docs[i].n; j++) {
			struct dfslot *s = df_find(r, r->docs[i].h[j]);

			r->post[s->off + s->cnt].doc = i;
			r->post[s->off + s->cnt].w = r->docs[i].w[j];
			s->cnt++;
		}
	r->n_post = total;
	r->n_indexed = r->n;
	r->finished = 1;
	return DL_OK;
}

/* Document expansion: each vector moves toward the mean of its nearest
 * neighbours (v + expand * mean), so that two articles on one subject that
 * happen to use different words still meet. Symmetric, like the cosine. */
static enum dl_err
expand_doc(struct related *r, struct rdoc *d, const struct rel_hit *nb, size_t nn)
{
	size_t i, total = d->n, m = 0;
	uint32_t j, k;
	struct occ *o;
	double norm = 0;

	for (i = 0; i < nn; i++)
		total += r->docs[nb[i].doc].n;
	o = malloc((total ? total : 1) * sizeof *o);
	if (o == NULL)
		return DL_ERR_NOMEM;
	for (j = 0; j < d->n; j++)
		o[m++] = (struct occ){ d->h[j], d->w[j] };
	for (i = 0; i < nn; i++) {
		const struct rdoc *x = &r->docs[nb[i].doc];

		for (j = 0; j < x->n; j++)
			o[m++] = (struct occ){ x->h[j], (float)(x->w[j] * r->p.expand / (double)nn) };
	}
	qsort(o, m, sizeof *o, cmp_occ);
	for (i = 0, k = 0; i < m; i++) {
		if (k > 0 && o[k - 1].h == o[i].h)
			o[k - 1].w += o[i].w;
		else
			o[k++] = o[i];
	}
	if (k > r->p.vec_terms) {
		qsort(o, k, sizeof *o, cmp_occ_w);
		k = r->p.vec_terms;
		qsort(o, k, sizeof *o, cmp_occ);
	}
	if (k > d->n) {
		uint64_t *nh = realloc(d->h, k * sizeof *nh);
		float *nw;

		if (nh == NULL) {
			free(o);
			return DL_ERR_NOMEM;
		}
		d->h = nh;
		if ((nw = realloc(d->w, k * sizeof *nw)) == NULL) {
			free(o);
			return DL_ERR_NOMEM;
		}
		d->w = nw;
	}
	for (j = 0; j < k; j++)
		norm += (double)o[j].w * o[j].w;
	norm = norm > 0 ? sqrt(norm) : 1;
	for (j = 0; j < k; j++) {
		d->h[j] = o[j].h;
		d->w[j] = (float)(o[j].w / norm);
	}
	d->n = k;
	free(o);
	return DL_OK;
}

struct nbjob {
	const struct related *r;
	uint32_t from, to;
	size_t k;
	struct rel_hit *hits;
	size_t *counts;
	enum dl_err err;
};

static void *
nb_run(void *arg)
{
	struct nbjob *j = arg;
	uint32_t i;
	enum dl_err e;

	for (i = j->from; i < j->to; i++)
		if ((e = related_top(j->r, i, j->k, j->hits + (size_t)i * j->k, &j->counts[i])) != DL_OK) {
			j->err = e;
			break;
		}
	return NULL;
}

enum dl_err
related_finish(struct related *r)
{
	uint32_t i;
	enum dl_err e;
	struct rel_hit *hits = NULL;
	size_t *counts = NULL, k = r->p.expand_k;
	struct nbjob jobs[2];
	pthread_t th;
	int threaded;

	for (i = 0; i < r->n; i++)
		if ((e = weigh_doc(r, &r->docs[i])) != DL_OK)
			return e;
	if ((e = build_index(r)) != DL_OK || r->p.expand <= 0 || k == 0 || r->n < 2)
		return e;
	hits = calloc((size_t)r->n * k, sizeof *hits);
	counts = calloc(r->n, sizeof *counts);
	e = DL_ERR_NOMEM;
	if (hits == NULL || counts == NULL)
		goto out;
	jobs[0] = (struct nbjob){ r, 0, r->n / 2, k, hits, counts, DL_OK };
	jobs[1] = (struct nbjob){ r, r->n / 2, r->n, k, hits, counts, DL_OK };
	threaded = pthread_create(&th, NULL, nb_run, &jobs[1]) == 0;
	nb_run(&jobs[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		nb_run(&jobs[1]);
	if ((e = jobs[0].err) != DL_OK || (e = jobs[1].err) != DL_OK)
		goto out;
	/* neighbours were found on the plain vectors; expand from copies of
	 * them so that the order of expansion does not matter */
	{
		struct rdoc *plain = malloc((size_t)r->n * sizeof *plain);

		if (plain == NULL)
			goto out;
		for (i = 0; i < r->n; i++) {
			plain[i] = r->docs[i];
			plain[i].h = malloc((r->docs[i].n ? r->docs[i].n : 1) * sizeof *plain[i].h);
			plain[i].w = malloc((r->docs[i].n ? r->docs[i].n : 1) * sizeof *plain[i].w);
			if (plain[i].h == NULL || plain[i].w == NULL) {
				free(plain[i].h);
				free(plain[i].w);
				while (i-- > 0) {
					free(plain[i].h);
					free(plain[i].w);
				}
				free(plain);
				goto out;
			}
			memcpy(plain[i].h, r->docs[i].h, r->docs[i].n * sizeof *plain[i].h);
			memcpy(plain[i].w, r->docs[i].w, r->docs[i].n * sizeof *plain[i].w);
		}
		{
			struct rdoc *live = r->docs;

			e = DL_OK;
			for (i = 0; i < r->n && e == DL_OK; i++) {
				r->docs = plain;
				/* expand_doc reads neighbours from r->docs (plain) */
				e = expand_doc(r, &live[i], hits + (size_t)i * k, counts[i]);
			}
			r->docs = live;
		}
		for (i = 0; i < r->n; i++) {
			free(plain[i].h);
			free(plain[i].w);
		}
		free(plain);
		if (e != DL_OK)
			goto out;
	}
	e = build_index(r);
out:
	free(hits);
	free(counts);
	return e;
}

enum dl_err
related_insert(struct related *r, const struct rel_doc *d, uint32_t *id)
{
	struct rdoc doc;
	enum dl_err e;
	uint32_t i;

	if (!r->finished)
		return related_add(r, d, id);
	if (r->n >= REL_MAX_DOCS)
		return DL_ERR_TOOBIG;
	if ((e = build_doc(r, d, &doc)) != DL_OK)
		return e;
	for (i = 0; i < doc.n; i++)
		if ((e = df_add(r, doc.h[i])) != DL_OK)
			goto fail;
	r->n++; /* idf as if the new article were counted */
	e = weigh_doc(r, &doc);
	r->n--;
	if (e != DL_OK)
		goto fail;
	if ((e = push_doc(r, &doc, id)) != DL_OK)
		goto fail;
	if (r->p.expand > 0 && r->p.expand_k > 0) {
		struct rel_hit nb[32];
		size_t nn = 0, k = r->p.expand_k < 32 ? r->p.expand_k : 32;

		if ((e = related_top(r, r->n - 1, k, nb, &nn)) != DL_OK ||
		    (e = expand_doc(r, &r->docs[r->n - 1], nb, nn)) != DL_OK)
			return e; /* the article stays, unexpanded */
	}
	if (id)
		*id = r->n - 1;
	return DL_OK;
fail:
	free(doc.uri);
	free(doc.h);
	free(doc.w);
	return e;
}

/* --- scoring --- */

double
related_cosine(const struct related *r, uint32_t a, uint32_t b)
{
	const struct rdoc *x, *y;
	uint32_t i = 0, j = 0;
	double s = 0;

	if (a >= r->n || b >= r->n)
		return 0;
	x = &r->docs[a];
	y = &r->docs[b];
	while (i < x->n && j < y->n) {
		if (x->h[i] == y->h[j])
			s += (double)x->w[i++] * y->w[j++];
		else if (x->h[i] < y->h[j])
			i++;
		else
			j++;
	}
	return s;
}

static double
prior(const struct related *r, uint32_t a, uint32_t b)
{
	const struct rdoc *x = &r->docs[a], *y = &r->docs[b];
	double dt;

	if (r->p.time_w <= 0 || x->date == 0 || y->date == 0 || r->p.time_tau <= 0)
		return 0;
	dt = fabs((double)(x->date - y->date)) / 86400.0;
	return r->p.time_w * exp(-dt / r->p.time_tau);
}

double
related_score(const struct related *r, uint32_t a, uint32_t b)
{
	double c;

	if (a >= r->n || b >= r->n || r->docs[a].n < REL_MIN_TERMS || r->docs[b].n < REL_MIN_TERMS)
		return 0;
	c = related_cosine(r, a, b);
	return c + prior(r, a, b);
}

int
related_eligible(const struct related *r, uint32_t a, uint32_t b)
{
	const struct rdoc *x, *y;

	if (a >= r->n || b >= r->n || a == b)
		return 0;
	x = &r->docs[a];
	y = &r->docs[b];
	if (x->lang != y->lang || x->group == y->group || y->n < REL_MIN_TERMS ||
	    strcmp(x->uri, y->uri) == 0)
		return 0;
	return 1;
}

struct cand {
	uint32_t doc;
	float acc;
	double score;
};

static int
cmp_cand_acc(const void *a, const void *b)
{
	float x = ((const struct cand *)a)->acc, y = ((const struct cand *)b)->acc;

	return x > y ? -1 : x < y;
}

static int
cmp_cand_score(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

enum dl_err
related_top(const struct related *r, uint32_t id, size_t k, struct rel_hit *out, size_t *n)
{
	const struct rdoc *q;
	float *acc = NULL;
	uint32_t *touched = NULL, nt = 0, i, j, nq;
	struct occ *qt = NULL;
	struct cand *c = NULL;
	size_t nc = 0, got = 0, rr;
	enum dl_err e = DL_ERR_NOMEM;

	*n = 0;
	if (id >= r->n)
		return DL_ERR_NOTFOUND;
	q = &r->docs[id];
	if (q->n < REL_MIN_TERMS || k == 0)
		return DL_OK;
	acc = calloc(r->n, sizeof *acc);
	touched = malloc(r->n * sizeof *touched);
	qt = malloc(q->n * sizeof *qt);
	if (acc == NULL || touched == NULL || qt == NULL)
		goto out;
	for (i = 0; i < q->n; i++) {
		qt[i].h = q->h[i];
		qt[i].w = q->w[i];
	}
	qsort(qt, q->n, sizeof *qt, cmp_occ_w);
	nq = q->n < r->p.query_terms ? q->n : r->p.query_terms;
	for (i = 0; i < nq; i++) {
		const struct dfslot *s = df_find(r, qt[i].h);

		if (s == NULL || s->cnt == 0 ||
		    (r->n >= 1000 && (double)s->df > r->p.max_df * r->n))
			continue;
		for (j = 0; j < s->cnt; j++) {
			const struct posting *p = &r->post[s->off + j];

			if (acc[p->doc] == 0)
				touched[nt++] = p->doc;
			acc[p->doc] += qt[i].w * p->w;
		}
	}
	/* articles inserted after the index was built: scanned directly */
	for (i = r->n_indexed; i < r->n; i++)
		if (acc[i] == 0 && i != id) {
			acc[i] = (float)related_cosine(r, id, i) + 1e-9f;
			touched[nt++] = i;
		}
	c = malloc((nt ? nt : 1) * sizeof *c);
	if (c == NULL)
		goto out;
	for (i = 0; i < nt; i++)
		if (related_eligible(r, id, touched[i])) {
			c[nc].doc = touched[i];
			c[nc].acc = acc[touched[i]];
			nc++;
		}
	rr = r->p.rerank > k ? r->p.rerank : k * 4;
	if (nc > rr) {
		qsort(c, nc, sizeof *c, cmp_cand_acc);
		nc = rr;
	}
	for (i = 0; i < nc; i++)
		c[i].score = related_score(r, id, c[i].doc);
	qsort(c, nc, sizeof *c, cmp_cand_score);
	for (i = 0; i < nc && got < k; i++) {
		size_t m;

		if (c[i].score <= 0)
			break;
		if (related_cosine(r, id, c[i].doc) >= r->p.dup)
			continue;
		for (m = 0; m < got; m++)
			if (related_cosine(r, out[m].doc, c[i].doc) >= r->p.dup)
				break;
		if (m < got)
			continue;
		out[got].doc = c[i].doc;
		out[got].score = c[i].score;
		got++;
	}
	*n = got;
	e = DL_OK;
out:
	free(acc);
	free(touched);
	free(qt);
	free(c);
	return e;
}
