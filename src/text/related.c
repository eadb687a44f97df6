/* related.c - the See-also engine (see related.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "base/buf.h"
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
	float *wt;           /* the same for the topic vector LSA reads (see
	                      * add_field); NULL once projected, or when it is w */
	float *z;            /* LSA coordinates (lsa_k floats, unit length), or NULL */
	float kth;           /* score of the last item of its stored list (0: not full) */
	int borrowed;        /* uri, h, w, zq point into the loaded blob (not freed) */
	const int16_t *zq;   /* a loaded article's LSA coordinates (x 32767), or NULL */
};

struct dfslot {
	uint64_t h;          /* 0: empty */
	uint32_t df;
	uint32_t off;        /* postings offset (after finish) */
	uint32_t cnt;        /* postings indexed */
	uint32_t ti;         /* row of the LSA projection, UINT32_MAX: none */
};

struct posting {
	uint32_t doc;
	float w;
};

struct occ {
	uint64_t h;
	float w;
	float t;             /* weight in the topic vector */
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
	int cap_names;       /* the language writes names, and only names, capitalised */
	uint32_t f_words, f_caps;  /* words of the field, capitalised ones */
	/* LSA: term projection (n_ti x lsa_k), see lsa_fit() */
	float *proj;
	uint32_t n_ti, lsa_k;
	uint32_t lsa_n;      /* articles the LSA was fitted on */
	double lsa_wt;       /* the LSA share of the score, see lsa_weight() */
	/* a loaded engine: its blob, its articles' LSA coordinates, and where
	 * projection rows come from (related_set_proj_source) */
	void *blob;
	enum dl_err (*proj_fetch)(void *ctx, const uint32_t *rows, size_t n, float *out, uint32_t k);
	void *proj_ctx;
	/* uri -> doc */
	uint32_t *uri_tab;
	size_t uri_cap;
};

void
related_params_default(struct rel_params *p)
{
	p->w_head = 2.0;
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
	p->query_terms = REL_MAX_TERMS;
	p->rerank = 200;
	p->max_df = 1.0;
	p->expand = 0.0;
	p->w_num = 0.0;
	p->expand_k = 5;
	p->idf_add = 1.0;
	p->lsa_dims = 200;
	p->lsa_w = 0.6;
	p->lsa_n0 = 7000;
	p->w_topic_cap = 0.0;
	p->lsa_iter = 2;
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
		if (r->docs[i].borrowed)
			continue;
		free(r->docs[i].uri);
		free(r->docs[i].h);
		free(r->docs[i].w);
		free(r->docs[i].wt);
		free(r->docs[i].z);
	}
	free(r->proj);
	free(r->blob);
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
			r->df[i].ti = UINT32_MAX;
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
occ_push(struct related *r, uint64_t h, double w, double t)
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
	r->occ[r->n_occ].t = (float)t;
	r->n_occ++;
}

static void
on_word(void *ctx, const struct tok_word *w)
{
	struct related *r = ctx;
	uint64_t h = term_hash(w->num ? 'N' : 'W', w->term, w->n);
	int name = w->cap && !w->start && r->cap_names;

	if (!w->num && !w->start) {
		r->f_words++;
		r->f_caps += w->cap;
	}
	if (w->stop)
		return;
	if (w->num) {
		occ_push(r, h, r->p.w_num * r->field_w, r->p.w_num * r->field_w);
		r->prev_ent = 0;
		return;
	}
	occ_push(r, h, r->field_w, name ? r->p.w_topic_cap * r->field_w : r->field_w);
	if (w->cap && r->p.w_ent > 0) {
		uint64_t e = term_hash('E', w->term, w->n);
		double tn = r->cap_names ? r->p.w_topic_cap : 1; /* name features */

		if (!w->start)
			occ_push(r, e, r->p.w_ent * r->field_w, tn * r->p.w_ent * r->field_w);
		if (r->prev_ent && r->prev_pos == w->pos - 1 && r->p.w_ent2 > 0)
			occ_push(r, mix(r->prev_ent, e), r->p.w_ent2 * r->field_w,
			    tn * r->p.w_ent2 * r->field_w);
		r->prev_ent = e;
		r->prev_pos = w->pos;
	} else {
		r->prev_ent = 0;
	}
}

/* Capitalised words inside a sentence are mostly names (people, firms,
 * places, months): they tell which story an article is, not what it is
 * about. The term vector keeps them at full weight; the topic vector that
 * LSA reads weighs them w_topic_cap. Not in a field written in title case
 * (most of its words capitalised, as some wires set headlines), nor in
 * languages that capitalise every noun. */
static int
lang_caps_names(const char *lang)
{
	char c[3] = { 0, 0, 0 };

	if (lang == NULL || lang[0] == '\0' || lang[1] == '\0')
		return 1;
	if (lang[2] != '\0' && lang[2] != '-' && lang[2] != '_')
		return 1;
	c[0] = (char)(lang[0] | 0x20);
	c[1] = (char)(lang[1] | 0x20);
	return strcmp(c, "de") != 0 && strcmp(c, "lb") != 0;
}

static void
add_field(struct related *r, const char *lang, const char *s, double w)
{
	size_t len, from = r->n_occ, i;
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
	r->cap_names = lang_caps_names(lang);
	r->f_words = r->f_caps = 0;
	e = tok_text_ex(r->tok, lang, s, len,
	    TOK_KEEP_STOP | (r->p.w_num > 0 ? TOK_KEEP_NUMBERS : 0), on_word, r);
	(void)e; /* a refused field adds nothing; the article still counts */
	if (r->f_caps * 2 > r->f_words)
		for (i = from; i < r->n_occ; i++)
			r->occ[i].t = r->occ[i].w;
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
		occ_push(r, term_hash(kind, buf, n), w, w);
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
		if (j > 0 && r->occ[j - 1].h == r->occ[i].h) {
			r->occ[j - 1].w += r->occ[i].w;
			r->occ[j - 1].t += r->occ[i].t;
		} else {
			r->occ[j++] = r->occ[i];
		}
	}
	out->uri = strdup(d->uri ? d->uri : "");
	out->h = malloc((j ? j : 1) * sizeof *out->h);
	out->w = malloc((j ? j : 1) * sizeof *out->w);
	out->wt = malloc((j ? j : 1) * sizeof *out->wt);
	if (out->uri == NULL || out->h == NULL || out->w == NULL || out->wt == NULL)
		goto nomem;
	for (i = 0; i < j; i++) {
		out->h[i] = r->occ[i].h;
		out->w[i] = r->occ[i].w;
		out->wt[i] = r->occ[i].t;
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
	free(out->wt);
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
	free(doc.wt);
	return e;
}

static double
idf(const struct related *r, uint64_t h)
{
	const struct dfslot *s = df_find(r, h);
	double df = s ? s->df : 0;
	double n = r->n > 0 ? r->n : 1;

	return log((n + 1.0) / (df + 1.0)) + r->p.idf_add;
}

static int
cmp_occ_w(const void *a, const void *b)
{
	float x = ((const struct occ *)a)->w, y = ((const struct occ *)b)->w;

	return x > y ? -1 : x < y;
}

static double
tf_damp(const struct related *r, double tf)
{
	return r->p.tf_log > 0 && tf > 1 ? 1 + log(tf) : tf;
}

/* Raw tf -> sublinear tf * idf, the top vec_terms kept, L2-normalised,
 * sorted by hash; the topic weights (d->wt) alike, on the same terms.
 * Uses r->occ as scratch. */
static enum dl_err
weigh_doc(struct related *r, struct rdoc *d)
{
	uint32_t i, k;
	double norm = 0, tnorm = 0;

	if (d->n > r->occ_cap) {
		struct occ *no = realloc(r->occ, d->n * sizeof *no);

		if (no == NULL)
			return DL_ERR_NOMEM;
		r->occ = no;
		r->occ_cap = d->n;
	}
	for (i = 0; i < d->n; i++) {
		double x = idf(r, d->h[i]);

		r->occ[i].h = d->h[i];
		r->occ[i].w = (float)(tf_damp(r, d->w[i]) * x);
		r->occ[i].t = d->wt ? (float)(tf_damp(r, d->wt[i]) * x) : r->occ[i].w;
	}
	k = d->n;
	if (k > r->p.vec_terms) {
		qsort(r->occ, k, sizeof *r->occ, cmp_occ_w);
		k = r->p.vec_terms;
		qsort(r->occ, k, sizeof *r->occ, cmp_occ);
	}
	for (i = 0; i < k; i++) {
		norm += (double)r->occ[i].w * r->occ[i].w;
		tnorm += (double)r->occ[i].t * r->occ[i].t;
	}
	norm = norm > 0 ? sqrt(norm) : 1;
	tnorm = tnorm > 0 ? sqrt(tnorm) : 1;
	for (i = 0; i < k; i++) {
		d->h[i] = r->occ[i].h;
		d->w[i] = (float)(r->occ[i].w / norm);
		if (d->wt)
			d->wt[i] = (float)(r->occ[i].t / tnorm);
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

	free(d->wt); /* the expanded vector is the topic vector too */
	d->wt = NULL;
	for (i = 0; i < nn; i++)
		total += r->docs[nb[i].doc].n;
	o = malloc((total ? total : 1) * sizeof *o);
	if (o == NULL)
		return DL_ERR_NOMEM;
	for (j = 0; j < d->n; j++)
		o[m++] = (struct occ){ d->h[j], d->w[j], d->w[j] };
	for (i = 0; i < nn; i++) {
		const struct rdoc *x = &r->docs[nb[i].doc];

		for (j = 0; j < x->n; j++)
			o[m++] = (struct occ){ x->h[j], (float)(x->w[j] * r->p.expand / (double)nn), 0 };
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

/* --- LSA: a truncated SVD of the weighted document-term matrix ---
 *
 * Randomized range finder (Halko, Martinsson, Tropp): Y = X Omega with a
 * Gaussian Omega of l = dims + 10 columns, a few power iterations
 * (Y = X (X^T Y)), each step orthonormalised with modified Gram-Schmidt;
 * then B = Q^T X, the small eigenproblem B B^T = W L W^T solved with cyclic
 * Jacobi rotations, and the term projection V = B^T W L^(-1/2), so that an
 * article's coordinates are x V (= U Sigma for the articles it was fitted
 * on, and a fold-in for later ones). Coordinates are L2-normalised. */

struct lsa_csr {
	size_t *row;       /* n + 1 */
	uint32_t *col;     /* term index */
	float *val;
};

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static double
rng_gauss(uint64_t *s)
{
	double u = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
	double v = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Orthonormalises the l columns of the row-major m x l matrix a with
 * modified Gram-Schmidt (on a column-major copy in t, m * l doubles). A
 * column that vanishes is left zero. */
static void
mgs(double *a, size_t m, size_t l, double *t)
{
	size_t i, j, c;

	for (i = 0; i < m; i++)
		for (j = 0; j < l; j++)
			t[j * m + i] = a[i * l + j];
	for (j = 0; j < l; j++) {
		double *q = t + j * m, nrm = 0;

		for (c = 0; c < j; c++) {
			const double *p = t + c * m;
			double d = 0;

			for (i = 0; i < m; i++)
				d += p[i] * q[i];
			for (i = 0; i < m; i++)
				q[i] -= d * p[i];
		}
		for (i = 0; i < m; i++)
			nrm += q[i] * q[i];
		nrm = sqrt(nrm);
		for (i = 0; i < m; i++)
			q[i] = nrm > 1e-12 ? q[i] / nrm : 0;
	}
	for (i = 0; i < m; i++)
		for (j = 0; j < l; j++)
			a[i * l + j] = t[j * m + i];
}

/* y (n x l) = X g (g: t x l) */
static void
csr_mul(const struct lsa_csr *x, size_t n, const double *g, size_t l, double *y)
{
	size_t i, p, j;

	memset(y, 0, n * l * sizeof *y);
	for (i = 0; i < n; i++) {
		double *yr = y + i * l;

		for (p = x->row[i]; p < x->row[i + 1]; p++) {
			const double *gr = g + (size_t)x->col[p] * l;
			double w = x->val[p];

			for (j = 0; j < l; j++)
				yr[j] += w * gr[j];
		}
	}
}

/* g (t x l) = X^T y (y: n x l) */
static void
csr_tmul(const struct lsa_csr *x, size_t n, size_t t, const double *y, size_t l, double *g)
{
	size_t i, p, j;

	memset(g, 0, t * l * sizeof *g);
	for (i = 0; i < n; i++) {
		const double *yr = y + i * l;

		for (p = x->row[i]; p < x->row[i + 1]; p++) {
			double *gr = g + (size_t)x->col[p] * l;
			double w = x->val[p];

			for (j = 0; j < l; j++)
				gr[j] += w * yr[j];
		}
	}
}

/* Eigen-decomposition of the symmetric l x l matrix a (destroyed: its
 * diagonal ends up holding the eigenvalues) by cyclic Jacobi rotations;
 * v gets the eigenvectors as columns. */
static void
jacobi(double *a, double *v, size_t l)
{
	size_t i, j, k, sweep;

	for (i = 0; i < l; i++)
		for (j = 0; j < l; j++)
			v[i * l + j] = i == j;
	for (sweep = 0; sweep < 60; sweep++) {
		double off = 0, tot = 0;

		for (i = 0; i < l; i++)
			for (j = 0; j < l; j++) {
				tot += a[i * l + j] * a[i * l + j];
				if (i != j)
					off += a[i * l + j] * a[i * l + j];
			}
		if (off <= 1e-22 * (tot > 0 ? tot : 1))
			break;
		for (i = 0; i < l; i++)
			for (j = i + 1; j < l; j++) {
				double apq = a[i * l + j], app, aqq, th, t, c, s;

				if (fabs(apq) < 1e-300)
					continue;
				app = a[i * l + i];
				aqq = a[j * l + j];
				th = (aqq - app) / (2 * apq);
				t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (k = 0; k < l; k++) {
					double akp = a[k * l + i], akq = a[k * l + j];

					a[k * l + i] = c * akp - s * akq;
					a[k * l + j] = s * akp + c * akq;
				}
				for (k = 0; k < l; k++) {
					double apk = a[i * l + k], aqk = a[j * l + k];

					a[i * l + k] = c * apk - s * aqk;
					a[j * l + k] = s * apk + c * aqk;
				}
				for (k = 0; k < l; k++) {
					double vkp = v[k * l + i], vkq = v[k * l + j];

					v[k * l + i] = c * vkp - s * vkq;
					v[k * l + j] = s * vkp + c * vkq;
				}
			}
	}
}

/* The LSA coordinates of d (unit length) into a new d->z; d->z stays NULL
 * when no LSA is fitted or none of d's terms is in it. */
static enum dl_err
lsa_project(const struct related *r, struct rdoc *d)
{
	uint32_t i, j, k = r->lsa_k, m = 0, rows[REL_MAX_TERMS];
	float wts[REL_MAX_TERMS], *fetched = NULL;
	double *acc, nrm = 0;

	free(d->z);
	d->z = NULL;
	if (k == 0 || (r->proj == NULL && r->proj_fetch == NULL) || d->n == 0)
		return DL_OK;
	for (i = 0; i < d->n && m < REL_MAX_TERMS; i++) {
		const struct dfslot *s = df_find(r, d->h[i]);

		if (s == NULL || s->ti == UINT32_MAX || s->ti >= r->n_ti)
			continue;
		rows[m] = s->ti;
		wts[m++] = d->wt ? d->wt[i] : d->w[i];
	}
	if (m == 0)
		return DL_OK;
	if ((acc = calloc(k, sizeof *acc)) == NULL)
		return DL_ERR_NOMEM;
	if (r->proj == NULL) {
		enum dl_err e;

		if ((fetched = malloc((size_t)m * k * sizeof *fetched)) == NULL) {
			free(acc);
			return DL_ERR_NOMEM;
		}
		if ((e = r->proj_fetch(r->proj_ctx, rows, m, fetched, k)) != DL_OK) {
			free(fetched);
			free(acc);
			return e;
		}
	}
	for (i = 0; i < m; i++) {
		const float *v = fetched ? fetched + (size_t)i * k : r->proj + (size_t)rows[i] * k;

		for (j = 0; j < k; j++)
			acc[j] += wts[i] * v[j];
	}
	free(fetched);
	for (j = 0; j < k; j++)
		nrm += acc[j] * acc[j];
	if (nrm > 1e-20) {
		if ((d->z = malloc(k * sizeof *d->z)) == NULL) {
			free(acc);
			return DL_ERR_NOMEM;
		}
		nrm = sqrt(nrm);
		/* on the grid they are saved on (int16), so that a saved and
		 * loaded engine scores exactly as the one that saved it */
		for (j = 0; j < k; j++)
			d->z[j] = (float)lrint(acc[j] / nrm * 32767.0) / 32767.0f;
	}
	free(acc);
	return DL_OK;
}

/* The LSA share of the score for an LSA fitted on n articles: lsa_w
 * n / (n + lsa_n0). LSA learns topics from which words occur together, and
 * a few thousand articles teach it little (on 2,300 texts it blurs pairs
 * that the term cosine ranks well), so its share grows with the archive:
 * half of lsa_w at lsa_n0 articles. lsa_n0 <= 0: always lsa_w. */
static double
lsa_weight(const struct rel_params *p, uint32_t n)
{
	if (p->lsa_n0 <= 0)
		return p->lsa_w;
	return p->lsa_w * (double)n / ((double)n + p->lsa_n0);
}

/* Drops the topic weights of all articles (needed only to fit and
 * project the LSA). */
static void
drop_topic(struct related *r)
{
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		if (r->docs[i].borrowed)
			continue;
		free(r->docs[i].wt);
		r->docs[i].wt = NULL;
	}
}

/* Fits the LSA projection on the finished vectors of all articles and
 * projects each of them. Terms in one article only take no part (they
 * cannot link two articles). */
static enum dl_err
lsa_fit(struct related *r)
{
	struct lsa_csr x = { NULL, NULL, NULL };
	size_t n = r->n, t = 0, l, k, i, j, c, nnz = 0, big;
	double *om = NULL, *y = NULL, *g = NULL, *scr = NULL, *m = NULL, *w = NULL, *lam = NULL;
	size_t *ord = NULL;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	enum dl_err e = DL_ERR_NOMEM;
	unsigned it;

	free(r->proj);
	r->proj = NULL;
	r->n_ti = 0;
	r->lsa_k = 0;
	r->lsa_n = 0;
	r->lsa_wt = 0;
	for (i = 0; i < r->df_cap; i++)
		r->df[i].ti = UINT32_MAX;
	if (r->p.lsa_dims == 0 || r->p.lsa_w <= 0 || n < 3)
		return DL_OK;
	for (i = 0; i < r->df_cap; i++)
		if (r->df[i].h != 0 && r->df[i].df >= 2 && r->df[i].cnt > 0)
			r->df[i].ti = (uint32_t)t++;
	k = r->p.lsa_dims;
	l = k + 10;
	if (l > n)
		l = n;
	if (l > t)
		l = t;
	if (k > l)
		k = l;
	if (k < 2)
		return DL_OK;
	x.row = malloc((n + 1) * sizeof *x.row);
	for (i = 0; i < n; i++)
		nnz += r->docs[i].n;
	x.col = malloc((nnz ? nnz : 1) * sizeof *x.col);
	x.val = malloc((nnz ? nnz : 1) * sizeof *x.val);
	big = n > t ? n : t;
	om = malloc(t * l * sizeof *om);
	y = malloc(n * l * sizeof *y);
	g = malloc(t * l * sizeof *g);
	scr = malloc(big * l * sizeof *scr);
	m = malloc(l * l * sizeof *m);
	w = malloc(l * l * sizeof *w);
	lam = malloc(l * sizeof *lam);
	ord = malloc(l * sizeof *ord);
	if (!x.row || !x.col || !x.val || !om || !y || !g || !scr || !m || !w || !lam || !ord)
		goto out;
	nnz = 0;
	for (i = 0; i < n; i++) {
		const struct rdoc *d = &r->docs[i];

		x.row[i] = nnz;
		for (j = 0; j < d->n; j++) {
			const struct dfslot *s = df_find(r, d->h[j]);

			if (s && s->ti != UINT32_MAX) {
				x.col[nnz] = s->ti;
				x.val[nnz++] = d->wt ? d->wt[j] : d->w[j];
			}
		}
	}
	x.row[n] = nnz;
	for (i = 0; i < t * l; i++)
		om[i] = rng_gauss(&seed);
	csr_mul(&x, n, om, l, y);
	mgs(y, n, l, scr);
	for (it = 0; it < r->p.lsa_iter; it++) {
		csr_tmul(&x, n, t, y, l, g);
		mgs(g, t, l, scr);
		csr_mul(&x, n, g, l, y);
		mgs(y, n, l, scr);
	}
	csr_tmul(&x, n, t, y, l, g);  /* g = X^T Q = B^T */
	memset(m, 0, l * l * sizeof *m);
	for (i = 0; i < t; i++) {
		const double *gr = g + i * l;

		for (j = 0; j < l; j++)
			for (c = j; c < l; c++)
				m[j * l + c] += gr[j] * gr[c];
	}
	for (j = 0; j < l; j++)
		for (c = 0; c < j; c++)
			m[j * l + c] = m[c * l + j];
	jacobi(m, w, l);
	for (j = 0; j < l; j++) {
		lam[j] = m[j * l + j];
		ord[j] = j;
	}
	for (j = 1; j < l; j++) { /* by eigenvalue, largest first */
		size_t o = ord[j];

		for (c = j; c > 0 && lam[ord[c - 1]] < lam[o]; c--)
			ord[c] = ord[c - 1];
		ord[c] = o;
	}
	if ((r->proj = malloc(t * k * sizeof *r->proj)) == NULL)
		goto out;
	for (c = 0; c < k; c++) {
		size_t o = ord[c];
		double s = lam[o] > 1e-12 ? 1.0 / sqrt(lam[o]) : 0;

		for (i = 0; i < t; i++) {
			const double *gr = g + i * l;
			double v = 0;

			for (j = 0; j < l; j++)
				v += gr[j] * w[j * l + o];
			r->proj[i * k + c] = (float)(v * s);
		}
	}
	r->n_ti = (uint32_t)t;
	r->lsa_k = (uint32_t)k;
	r->lsa_n = (uint32_t)n;
	r->lsa_wt = lsa_weight(&r->p, r->lsa_n);
	for (i = 0; i < n; i++)
		if ((e = lsa_project(r, &r->docs[i])) != DL_OK)
			goto out;
	e = DL_OK;
out:
	if (e != DL_OK) {
		free(r->proj);
		r->proj = NULL;
		r->lsa_k = 0;
	}
	free(x.row);
	free(x.col);
	free(x.val);
	free(om);
	free(y);
	free(g);
	free(scr);
	free(m);
	free(w);
	free(lam);
	free(ord);
	return e;
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
	if ((e = build_index(r)) != DL_OK)
		return e;
	if (r->p.expand <= 0 || k == 0 || r->n < 2) {
		e = lsa_fit(r);
		drop_topic(r);
		return e;
	}
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
	if ((e = build_index(r)) == DL_OK)
		e = lsa_fit(r);
out:
	drop_topic(r);
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
	e = lsa_project(r, &doc);
	free(doc.wt);
	doc.wt = NULL;
	if (e != DL_OK || (e = push_doc(r, &doc, id)) != DL_OK)
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
	free(doc.wt);
	free(doc.z);
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

/* acc[i] += the cosine of x and i, for every i in [from, count) but x:
 * x's terms in a small hash table, each article's terms looked up in it
 * (a scan: for articles not in the postings). */
#define SCAN_SLOTS 2048u

static void
scan_cos(const struct related *r, uint32_t x, uint32_t from, float *acc)
{
	uint64_t keys[SCAN_SLOTS], bits[64];
	float vals[SCAN_SLOTS];
	const struct rdoc *q = &r->docs[x];
	uint32_t mask = SCAN_SLOTS - 1, i, j;

	/* a 4096-bit filter of x's terms turns most lookups away at once */
	memset(bits, 0, sizeof bits);
	for (j = 0; j < q->n; j++)
		bits[(q->h[j] >> 52) & 63] |= 1ULL << ((q->h[j] >> 46) & 63);

	while (mask > 63 && (mask + 1) / 4 >= q->n)
		mask >>= 1;
	memset(keys, 0, (mask + 1) * sizeof keys[0]);
	for (j = 0; j < q->n; j++) {
		uint32_t t = (uint32_t)(q->h[j] ^ (q->h[j] >> 29)) & mask;

		while (keys[t])
			t = (t + 1) & mask;
		keys[t] = q->h[j];
		vals[t] = q->w[j];
	}
	for (i = from; i < r->n; i++) {
		const struct rdoc *d = &r->docs[i];
		float sum = 0;

		if (i == x)
			continue;
		for (j = 0; j < d->n; j++) {
			uint64_t h = d->h[j];
			uint32_t t = (uint32_t)(h ^ (h >> 29)) & mask;

			if (!(bits[(h >> 52) & 63] & (1ULL << ((h >> 46) & 63))))
				continue;
			while (keys[t]) {
				if (keys[t] == h) {
					sum += vals[t] * d->w[j];
					break;
				}
				t = (t + 1) & mask;
			}
		}
		acc[i] += sum;
	}
}

/* The score of a and b given the cosine c of their term vectors. */
static double
blend(const struct related *r, uint32_t a, uint32_t b, double c)
{
	const struct rdoc *x = &r->docs[a], *y = &r->docs[b];

	if (r->lsa_k > 0 && (x->z || x->zq) && (y->z || y->zq)) {
		double d = 0;
		uint32_t i;

		if (x->z && y->z) {
			for (i = 0; i < r->lsa_k; i++)
				d += (double)x->z[i] * y->z[i];
		} else if (x->zq && y->zq) {
			int64_t q = 0;

			for (i = 0; i < r->lsa_k; i++)
				q += (int32_t)x->zq[i] * y->zq[i];
			d = (double)q / (32767.0 * 32767.0);
		} else {
			const float *f = x->z ? x->z : y->z;
			const int16_t *z16 = x->zq ? x->zq : y->zq;

			for (i = 0; i < r->lsa_k; i++)
				d += (double)f[i] * z16[i];
			d /= 32767.0;
		}
		c = (1 - r->lsa_wt) * c + r->lsa_wt * d;
	}
	return c + prior(r, a, b);
}

double
related_score(const struct related *r, uint32_t a, uint32_t b)
{
	if (a >= r->n || b >= r->n || r->docs[a].n < REL_MIN_TERMS || r->docs[b].n < REL_MIN_TERMS)
		return 0;
	return blend(r, a, b, related_cosine(r, a, b));
}

int
related_eligible(const struct related *r, uint32_t a, uint32_t b)
{
	const struct rdoc *x, *y;

	if (a >= r->n || b >= r->n || a == b)
		return 0;
	x = &r->docs[a];
	y = &r->docs[b];
	if (x->lang != y->lang || x->group == y->group || y->n < REL_MIN_TERMS)
		return 0;
	return 1;
}

#define REL_DUPQ 64

struct cand {
	uint32_t doc;
	float acc;
	double cos;
	double score;
};

/* Moves the k candidates with the largest acc to c[0..k-1] (in no
 * particular order; ties broken by article number): quickselect. */
static void
select_top(struct cand *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		struct cand piv = c[lo + (hi - lo) / 2], t;
		size_t i = lo, j = lo, m = hi;

		/* three-way partition: > piv | == piv | < piv */
		while (j < m) {
			int gt = c[j].acc > piv.acc || (c[j].acc == piv.acc && c[j].doc < piv.doc);
			int eq = c[j].acc == piv.acc && c[j].doc == piv.doc;

			if (gt) {
				t = c[i]; c[i] = c[j]; c[j] = t;
				i++;
				j++;
			} else if (eq) {
				j++;
			} else {
				m--;
				t = c[j]; c[j] = c[m]; c[m] = t;
			}
		}
		if (k <= i)
			hi = i;
		else if (k >= m)
			lo = m;
		else
			return;
	}
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
	int exact;
	double cosq[REL_DUPQ], dupgap;
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
	exact = nq == q->n;
	for (i = 0; i < nq; i++) {
		const struct dfslot *s = df_find(r, qt[i].h);

		if (s == NULL || s->cnt == 0)
			continue;
		if (r->n >= 1000 && (double)s->df > r->p.max_df * r->n) {
			exact = 0;
			continue;
		}
		for (j = 0; j < s->cnt; j++) {
			const struct posting *p = &r->post[s->off + j];

			if (acc[p->doc] == 0)
				touched[nt++] = p->doc;
			acc[p->doc] += qt[i].w * p->w;
		}
	}
	/* articles inserted after the index was built: scanned directly */
	if (r->n_indexed < r->n) {
		scan_cos(r, id, r->n_indexed, acc);
		for (i = r->n_indexed; i < r->n; i++)
			if (i != id) {
				acc[i] += 1e-9f;
				touched[nt++] = i;
			}
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
		select_top(c, nc, rr);
		nc = rr;
	}
	/* when every query term was looked up, the accumulated sum is the
	 * cosine itself (postings of articles inserted later hold it too) */
	for (i = 0; i < nc; i++) {
		c[i].cos = exact ? c[i].acc : related_cosine(r, id, c[i].doc);
		c[i].score = blend(r, id, c[i].doc, c[i].cos);
	}
	qsort(c, nc, sizeof *c, cmp_cand_score);
	dupgap = r->p.dup < 1 ? sqrt(2 - 2 * r->p.dup) + 1e-6 : 0;
	if (k > REL_DUPQ)
		dupgap = 3; /* no bound kept past REL_DUPQ: check all */
	for (i = 0; i < nc && got < k; i++) {
		size_t m;

		if (c[i].score < REL_MIN_SCORE)
			break;
		if (c[i].cos >= r->p.dup)
			continue;
		/* two near-duplicates have nearly the same cosine with the query:
		 * |cos(q,a) - cos(q,b)| <= |a - b| = sqrt(2 - 2 cos(a,b)) */
		for (m = 0; m < got; m++)
			if (fabs(cosq[m] - c[i].cos) <= dupgap &&
			    related_cosine(r, out[m].doc, c[i].doc) >= r->p.dup)
				break;
		if (m < got)
			continue;
		out[got].doc = c[i].doc;
		out[got].score = c[i].score;
		if (got < REL_DUPQ)
			cosq[got] = c[i].cos;
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

/* --- saving and loading (see related.h) ---
 *
 * Engine blob: a header (magic, n, lsa_k, n_ti, df entries, articles the
 * LSA was fitted on), the df
 * entries (hash u64, df u32, LSA row u32), then one record per article,
 * each 8-byte aligned: uri length u32, lang length u32, group u64, date
 * i64, terms u32, kth f32, has-LSA u32, 0 u32; the uri and the language
 * (each padded to 8), hashes u64[n], weights f32[n] (padded), LSA
 * coordinates as int16 (x / 32767, padded). The projection is a blob of
 * its own (related_save_proj), read a row at a time.
 *
 * The magic changes with what the numbers mean: "DLR3" is the LSA of
 * topic vectors (names left out). A blob of an older engine does not load
 * (DL_ERR_CORRUPT), and the next import or publication rebuilds every
 * list with the current one. */

#define REL_MAGIC 0x33524c44u  /* "DLR3" */
#define REL_DMAGIC 0x33444c44u /* "DLD3" */
#define ZQ 32767.0f

static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static enum dl_err
put32(struct buf *b, uint32_t v)
{
	return buf_append(b, &v, sizeof v);
}

static enum dl_err
put_pad(struct buf *b, size_t n)
{
	static const char zero[8];

	return n % 8 ? buf_append(b, zero, 8 - n % 8) : DL_OK;
}

static enum dl_err
put_doc(const struct related *r, const struct rdoc *d, struct buf *b)
{
	const char *lang = r->langs[d->lang];
	uint32_t ul = (uint32_t)strlen(d->uri), ll = (uint32_t)strlen(lang), i;
	uint32_t hz = (d->z != NULL || d->zq != NULL) && r->lsa_k > 0;
	enum dl_err e;

	if ((e = put32(b, ul)) != DL_OK || (e = put32(b, ll)) != DL_OK ||
	    (e = buf_append(b, &d->group, 8)) != DL_OK || (e = buf_append(b, &d->date, 8)) != DL_OK ||
	    (e = put32(b, d->n)) != DL_OK || (e = buf_append(b, &d->kth, 4)) != DL_OK ||
	    (e = put32(b, hz)) != DL_OK || (e = put32(b, 0)) != DL_OK ||
	    (e = buf_append(b, d->uri, ul + 1)) != DL_OK || (e = put_pad(b, ul + 1)) != DL_OK ||
	    (e = buf_append(b, lang, ll)) != DL_OK || (e = put_pad(b, ll)) != DL_OK ||
	    (e = buf_append(b, d->h, (size_t)d->n * 8)) != DL_OK ||
	    (e = buf_append(b, d->w, (size_t)d->n * 4)) != DL_OK || (e = put_pad(b, (size_t)d->n * 4)) != DL_OK)
		return e;
	if (!hz)
		return DL_OK;
	for (i = 0; i < r->lsa_k; i++) {
		int16_t q = d->zq ? d->zq[i] : (int16_t)lrintf(d->z[i] * ZQ);

		if ((e = buf_append(b, &q, 2)) != DL_OK)
			return e;
	}
	return put_pad(b, (size_t)r->lsa_k * 2);
}

enum dl_err
related_save(const struct related *r, struct buf *b)
{
	uint32_t i, used = 0;
	enum dl_err e;

	if (!r->finished)
		return DL_ERR_INVALID;
	for (i = 0; i < r->df_cap; i++)
		used += r->df[i].h != 0;
	if ((e = put32(b, REL_MAGIC)) != DL_OK || (e = put32(b, r->n)) != DL_OK ||
	    (e = put32(b, r->lsa_k)) != DL_OK || (e = put32(b, r->n_ti)) != DL_OK ||
	    (e = put32(b, used)) != DL_OK || (e = put32(b, r->lsa_n)) != DL_OK)
		return e;
	for (i = 0; i < r->df_cap; i++) {
		const struct dfslot *s = &r->df[i];

		if (s->h == 0)
			continue;
		if ((e = buf_append(b, &s->h, 8)) != DL_OK || (e = put32(b, s->df)) != DL_OK ||
		    (e = put32(b, s->ti)) != DL_OK)
			return e;
	}
	for (i = 0; i < r->n; i++)
		if ((e = put_doc(r, &r->docs[i], b)) != DL_OK)
			return e;
	return DL_OK;
}

enum dl_err
related_save_proj(const struct related *r, struct buf *b)
{
	if (r->lsa_k == 0 || r->proj == NULL)
		return DL_OK;
	return buf_append(b, r->proj, (size_t)r->n_ti * r->lsa_k * sizeof *r->proj);
}

enum dl_err
related_save_delta(const struct related *r, uint32_t from, const uint32_t *ids, const float *kth,
    size_t n_kth, struct buf *b)
{
	uint32_t i;
	size_t j;
	enum dl_err e;

	if ((e = put32(b, REL_DMAGIC)) != DL_OK || (e = put32(b, from < r->n ? r->n - from : 0)) != DL_OK)
		return e;
	for (i = from; i < r->n; i++)
		if ((e = put_doc(r, &r->docs[i], b)) != DL_OK)
			return e;
	if ((e = put32(b, (uint32_t)n_kth)) != DL_OK)
		return e;
	for (j = 0; j < n_kth; j++)
		if ((e = put32(b, ids[j])) != DL_OK || (e = buf_append(b, &kth[j], 4)) != DL_OK)
			return e;
	return DL_OK;
}

struct rd {
	const unsigned char *base, *p, *end;
};

static const void *
take(struct rd *c, size_t n, size_t padded)
{
	const void *at = c->p;

	if ((size_t)(c->end - c->p) < padded)
		return NULL;
	c->p += padded;
	(void)n;
	return at;
}

static int
get(struct rd *c, void *out, size_t n)
{
	const void *p = take(c, n, n);

	if (p == NULL)
		return -1;
	memcpy(out, p, n);
	return 0;
}

/* One saved article into d. Borrowed (a base blob that stays alive, 8-byte
 * aligned): uri, hashes, weights and the int16 LSA coordinates point into
 * it; else everything is copied (coordinates back to floats). Terms are
 * counted in the df table when count_df (a delta). */
static enum dl_err
get_doc(struct related *r, struct rd *c, struct rdoc *d, int borrow, int count_df)
{
	float *zslot;
	uint32_t ul, ll, hz, zero, i;
	const char *uri, *lang;
	const void *hp, *wp, *zp = NULL;
	char lbuf[64];
	int err = 0;

	memset(d, 0, sizeof *d);
	if (get(c, &ul, 4) || get(c, &ll, 4) || get(c, &d->group, 8) || get(c, &d->date, 8) ||
	    get(c, &d->n, 4) || get(c, &d->kth, 4) || get(c, &hz, 4) || get(c, &zero, 4) ||
	    ul > 65536 || ll >= sizeof lbuf || d->n > REL_MAX_TERMS || (hz && r->lsa_k == 0))
		return DL_ERR_CORRUPT;
	if ((uri = take(c, ul + 1, pad8(ul + 1))) == NULL || uri[ul] != '\0' || (lang = take(c, ll, pad8(ll))) == NULL ||
	    (hp = take(c, (size_t)d->n * 8, (size_t)d->n * 8)) == NULL ||
	    (wp = take(c, (size_t)d->n * 4, pad8((size_t)d->n * 4))) == NULL ||
	    (hz && (zp = take(c, (size_t)r->lsa_k * 2, pad8((size_t)r->lsa_k * 2))) == NULL))
		return DL_ERR_CORRUPT;
	memcpy(lbuf, lang, ll);
	lbuf[ll] = '\0';
	d->lang = lang_id(r, lbuf, &err);
	if (err)
		return DL_ERR_NOMEM;
	if (borrow) {
		d->borrowed = 1;
		d->uri = (char *)uri;
		d->h = (uint64_t *)hp;
		d->w = (float *)wp;
	} else {
		d->uri = malloc(ul + 1);
		d->h = malloc((d->n ? d->n : 1) * sizeof *d->h);
		d->w = malloc((d->n ? d->n : 1) * sizeof *d->w);
		if (d->uri == NULL || d->h == NULL || d->w == NULL)
			goto nomem;
		memcpy(d->uri, uri, ul);
		d->uri[ul] = '\0';
		memcpy(d->h, hp, (size_t)d->n * 8);
		memcpy(d->w, wp, (size_t)d->n * 4);
	}
	if (hz && borrow) {
		d->zq = zp;
	} else if (hz) {
		if ((zslot = malloc(r->lsa_k * sizeof *zslot)) == NULL)
			goto nomem;
		for (i = 0; i < r->lsa_k; i++) {
			int16_t q;

			memcpy(&q, (const char *)zp + 2 * i, 2);
			zslot[i] = (float)q / ZQ;
		}
		d->z = zslot;
	}
	/* a base article's terms are all in the saved df entries (a term
	 * missing there only counts as unknown: df 0, no LSA row) */
	for (i = 0; count_df && i < d->n; i++)
		if (df_add(r, d->h[i]) != DL_OK)
			goto nomem;
	return DL_OK;
nomem:
	if (!borrow) {
		free(d->uri);
		free(d->h);
		free(d->w);
		free(d->z);
	}
	memset(d, 0, sizeof *d);
	return DL_ERR_NOMEM;
}

static void
doc_free(struct rdoc *d)
{
	if (d->borrowed)
		return;
	free(d->uri);
	free(d->h);
	free(d->w);
	free(d->wt);
	free(d->z);
}

/* Sizes the article, uri and df tables for n articles and `terms` terms
 * (plus room for a few additions) before loading. */
static enum dl_err
reserve(struct related *r, uint32_t n, uint32_t terms)
{
	size_t dc = 1024, uc = 1024;
	uint32_t cap = n + 64;

	while (dc < ((size_t)terms + 4096) * 2)
		dc *= 2;
	while (uc < ((size_t)cap + 1) * 2)
		uc *= 2;
	if ((r->docs = malloc(cap * sizeof *r->docs)) == NULL ||
	    (r->df = calloc(dc, sizeof *r->df)) == NULL ||
	    (r->uri_tab = malloc(uc * sizeof *r->uri_tab)) == NULL)
		return DL_ERR_NOMEM;
	memset(r->uri_tab, 0xff, uc * sizeof *r->uri_tab);
	r->cap = cap;
	r->df_cap = dc;
	r->uri_cap = uc;
	return DL_OK;
}

static enum dl_err
df_put(struct related *r, uint64_t h, uint32_t df, uint32_t ti)
{
	enum dl_err e = df_add(r, h);
	struct dfslot *s;

	if (e != DL_OK)
		return e;
	s = df_find(r, h);
	s->df = df;
	s->ti = ti;
	return DL_OK;
}

enum dl_err
related_load(const struct rel_params *p, void *data, size_t len, struct related **out)
{
	struct rd c = { data, data, (const unsigned char *)data + len };
	uint32_t magic, n, k, nti, used, zero, i;
	struct related *r;
	enum dl_err e = DL_ERR_CORRUPT;

	*out = NULL;
	if ((r = related_new(p)) == NULL) {
		free(data);
		return DL_ERR_NOMEM;
	}
	r->blob = data;
	if (get(&c, &magic, 4) || magic != REL_MAGIC || get(&c, &n, 4) || get(&c, &k, 4) ||
	    get(&c, &nti, 4) || get(&c, &used, 4) || get(&c, &zero, 4) || n > REL_MAX_DOCS || k > 4096)
		goto out;
	r->lsa_k = k;
	r->n_ti = nti;
	r->lsa_n = zero ? zero : n;
	r->lsa_wt = k ? lsa_weight(&r->p, r->lsa_n) : 0;
	if ((e = reserve(r, n, used)) != DL_OK)
		goto out;
	e = DL_ERR_CORRUPT;
	for (i = 0; i < used; i++) {
		uint64_t h;
		uint32_t df, ti;

		if (get(&c, &h, 8) || get(&c, &df, 4) || get(&c, &ti, 4) || h == 0)
			goto out;
		if ((e = df_put(r, h, df, ti)) != DL_OK)
			goto out;
		e = DL_ERR_CORRUPT;
	}
	for (i = 0; i < n; i++) {
		struct rdoc d;

		if ((e = get_doc(r, &c, &d, 1, 0)) != DL_OK)
			goto out;
		if ((e = push_doc(r, &d, NULL)) != DL_OK) {
			doc_free(&d);
			goto out;
		}
	}
	/* no postings: a loaded engine serves a few additions, each scored
	 * against every article directly (as articles past n_indexed are) */
	r->finished = 1;
	r->n_indexed = 0;
	*out = r;
	return DL_OK;
out:
	related_free(r);
	return e;
}

void
related_set_proj_source(struct related *r,
    enum dl_err (*fetch)(void *ctx, const uint32_t *rows, size_t n, float *out, uint32_t k),
    void *ctx)
{
	r->proj_fetch = fetch;
	r->proj_ctx = ctx;
}

enum dl_err
related_apply_delta(struct related *r, const void *data, size_t len)
{
	struct rd c = { data, data, (const unsigned char *)data + len };
	uint32_t magic, n, nk, i;
	enum dl_err e;

	if (get(&c, &magic, 4) || magic != REL_DMAGIC || get(&c, &n, 4))
		return DL_ERR_CORRUPT;
	for (i = 0; i < n; i++) {
		struct rdoc d;

		if ((e = get_doc(r, &c, &d, 0, 1)) != DL_OK)
			return e;
		if ((e = push_doc(r, &d, NULL)) != DL_OK) {
			doc_free(&d);
			return e;
		}
	}
	if (get(&c, &nk, 4))
		return DL_ERR_CORRUPT;
	for (i = 0; i < nk; i++) {
		uint32_t id;
		float v;

		if (get(&c, &id, 4) || get(&c, &v, 4))
			return DL_ERR_CORRUPT;
		if (id < r->n)
			r->docs[id].kth = v;
	}
	return DL_OK;
}

void
related_set_kth(struct related *r, uint32_t id, float kth)
{
	if (id < r->n)
		r->docs[id].kth = kth;
}

float
related_kth(const struct related *r, uint32_t id)
{
	return id < r->n ? r->docs[id].kth : 0;
}

enum dl_err
related_beaten(const struct related *r, uint32_t x, uint32_t *out, float *score, size_t cap,
    size_t *n)
{
	float *acc = NULL;
	const struct rdoc *q;
	uint32_t i, j;

	*n = 0;
	if (x >= r->n)
		return DL_ERR_NOTFOUND;
	q = &r->docs[x];
	if (q->n < REL_MIN_TERMS)
		return DL_OK;
	if ((acc = calloc(r->n, sizeof *acc)) == NULL)
		return DL_ERR_NOMEM;
	for (i = 0; i < q->n; i++) {
		const struct dfslot *s = df_find(r, q->h[i]);

		if (s == NULL)
			continue;
		for (j = 0; j < s->cnt; j++)
			acc[r->post[s->off + j].doc] += q->w[i] * r->post[s->off + j].w;
	}
	scan_cos(r, x, r->n_indexed, acc);
	for (i = 0; i < r->n && *n < cap; i++) {
		double sc;

		if (i == x || !related_eligible(r, i, x) || r->docs[i].n < REL_MIN_TERMS)
			continue;
		sc = blend(r, i, x, acc[i]);
		if (sc < REL_MIN_SCORE || sc <= r->docs[i].kth || acc[i] >= r->p.dup)
			continue;
		out[*n] = i;
		score[*n] = (float)sc;
		(*n)++;
	}
	free(acc);
	return DL_OK;
}
