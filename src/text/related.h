/* related.h - the See-also engine: which articles are really related.
 *
 * Each article becomes a sparse weighted vector: Snowball stems of headline,
 * standfirst and body (headline and standfirst count more), capitalised words
 * and pairs of them (names of people, firms, places), places, tags and the
 * byline as features of their own; weights are sublinear tf times idf, then
 * L2-normalised. A truncated SVD (LSA, fitted when the engine is finished;
 * later articles are folded in) gives each article a few hundred dense
 * coordinates too: it reads a topic vector, the same terms with the names
 * (capitalised words inside a sentence) left out, so that it places an
 * article by what it is about rather than by who is in it. The similarity
 * of two articles is a blend of the cosine of their term vectors and of
 * their LSA coordinates, the LSA share growing with the number of articles
 * it was fitted on (it needs many), plus an optional prior for being
 * close in time; it is symmetric, which
 * is what lets a new article enter older articles' lists without recomputing
 * them. The same function (related_score) ranks See also, scores pairs for
 * `dateline similarity` and decides near-duplicates.
 *
 * Lists never hold the article itself, its translations (same translation
 * group), articles in another language, nor near-duplicates of the article
 * or of an item already listed.
 *
 * Terms are identified by a 64-bit hash of their text, so a vector can be
 * stored (related_vec_*) and compared later without a vocabulary.
 *
 * Threads: building (related_add, related_finish, related_insert) is single
 * threaded; after related_finish, related_top and related_score may be called
 * from many threads at once (each call has its own scratch memory).
 */
#ifndef DL_TEXT_RELATED_H
#define DL_TEXT_RELATED_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* Caps: at most this many articles in one engine, this many bytes of text
 * read per article (the rest of a very long body is ignored), this many
 * terms kept per article vector. */
#define REL_MAX_DOCS 5000000u
#define REL_MAX_TEXT (256u << 10)
#define REL_MAX_TERMS 400u
/* An article with fewer distinct terms than this says too little to be
 * compared: its list is empty, it is in no list, its scores are 0. */
#define REL_MIN_TERMS 3u
/* Scores below this are no relation at all (LSA leaves small positive
 * scores between unrelated articles): never listed. */
#define REL_MIN_SCORE 0.02

struct rel_params {
	double w_head, w_stand, w_body;   /* tf weight of a word per field */
	double w_num;                      /* numbers, as written (0: dropped) */
	double w_ent;                      /* capitalised word (not sentence start) */
	double w_ent2;                     /* two capitalised words in a row */
	double w_place, w_tag, w_byline;   /* tf of place / tag / byline features */
	double tf_log;                     /* 1: tf -> 1 + ln(tf); 0: raw tf */
	double time_w;                     /* weight of the time-proximity prior */
	double time_tau;                   /* its decay, in days */
	double dup;                        /* cosine at or above which two are duplicates */
	unsigned vec_terms;                /* terms kept per vector (<= REL_MAX_TERMS) */
	unsigned query_terms;              /* top terms of the article used to find candidates */
	unsigned rerank;                   /* candidates rescored exactly */
	double max_df;                     /* terms in more than this share of articles are not query terms */
	double expand;                     /* document expansion: weight of the neighbours' mean */
	unsigned expand_k;                 /* how many neighbours */
	double idf_add;                    /* idf = ln((N+1)/(df+1)) + idf_add (flatter with more) */
	unsigned lsa_dims;                 /* LSA dimensions (0: no LSA) */
	double lsa_w;                      /* score = (1-w) cosine + w LSA cosine, where */
	double lsa_n0;                     /* w = lsa_w N / (N + lsa_n0), N articles fitted (<= 0: w = lsa_w) */
	double w_topic_cap;                /* weight of a capitalised word (a name) in the vector LSA reads */
	unsigned lsa_iter;                 /* power iterations of the randomized SVD */
};

void related_params_default(struct rel_params *p);

/* What the engine reads of an article. Strings are only read during the
 * call. `group` is the translation group (translation_of, or the uri when
 * the article translates nothing); NULL means the uri. `date` is Unix
 * seconds, 0 when unknown. */
struct rel_doc {
	const char *uri;
	const char *lang;
	const char *group;
	const char *headline;
	const char *standfirst;
	const char *body;
	const char *byline;
	const char *const *places;
	size_t n_places;
	const char *const *tags;
	size_t n_tags;
	int64_t date;
};

struct rel_hit {
	uint32_t doc;
	double score;
};

struct related;

/* A new, empty engine with parameters `p` (NULL for the defaults). NULL when
 * out of memory. Free with related_free(). */
struct related *related_new(const struct rel_params *p);
void related_free(struct related *r);

/* Adds an article before related_finish(); *id (optional) gets its number
 * (0, 1, 2... in order of adding). An empty article is accepted (its vector
 * is empty and its list will be empty). DL_ERR_TOOBIG past REL_MAX_DOCS,
 * DL_ERR_NOMEM. */
enum dl_err related_add(struct related *r, const struct rel_doc *d, uint32_t *id) DL_WUR;

/* Computes document frequencies, weights and the index. DL_ERR_NOMEM. */
enum dl_err related_finish(struct related *r) DL_WUR;

/* Adds one article after related_finish(): weighted with the current
 * document frequencies, indexed, and counted in them. */
enum dl_err related_insert(struct related *r, const struct rel_doc *d, uint32_t *id) DL_WUR;

uint32_t related_count(const struct related *r);
const char *related_uri(const struct related *r, uint32_t id);
uint32_t related_find(const struct related *r, const char *uri); /* UINT32_MAX when none */

/* The similarity of articles a and b (symmetric; 0 when either has fewer than REL_MIN_TERMS terms). */
double related_score(const struct related *r, uint32_t a, uint32_t b);

/* The cosine of the two vectors only (no time prior). */
double related_cosine(const struct related *r, uint32_t a, uint32_t b);

/* The k best related articles of `id`, best first, into out[0..k-1];
 * *n gets how many. Applies the exclusions described above. DL_ERR_NOMEM,
 * DL_ERR_NOTFOUND for an unknown id. */
enum dl_err related_top(const struct related *r, uint32_t id, size_t k, struct rel_hit *out,
    size_t *n) DL_WUR;

/* 1 when b may appear in a's list at all (other article, same language,
 * other translation group, not a near-duplicate of a). */
int related_eligible(const struct related *r, uint32_t a, uint32_t b);

/* Saving and loading, so that one new article can be added later without
 * recomputing everything. related_save appends the whole finished engine
 * (document frequencies, vectors, LSA projection and coordinates, each
 * article's kth) to b; related_load makes a finished engine of it (params
 * `p` should be those it was built with; the LSA dimensions come from the
 * blob). related_save_delta appends articles [from, count) with kth
 * changes (ids[i] -> kth[i]); related_apply_delta replays one on a loaded
 * engine, counting the new articles' terms in the document frequencies.
 * The blob is in this machine's byte order. DL_ERR_CORRUPT for a blob that
 * is not one, DL_ERR_NOMEM, DL_ERR_TOOBIG past the buffer's cap. */
struct buf;
enum dl_err related_save(const struct related *r, struct buf *b) DL_WUR;
/* The LSA projection (n_ti rows of lsa_k floats), saved apart: a loaded
 * engine reads only the rows it needs, through `fetch` (rows[0..n-1] into
 * out, k floats each; n <= REL_MAX_TERMS). */
enum dl_err related_save_proj(const struct related *r, struct buf *b) DL_WUR;
/* Takes ownership of data (malloc'd, freed with the engine or on failure). */
enum dl_err related_load(const struct rel_params *p, void *data, size_t len,
    struct related **out) DL_WUR;
void related_set_proj_source(struct related *r,
    enum dl_err (*fetch)(void *ctx, const uint32_t *rows, size_t n, float *out, uint32_t k),
    void *ctx);
enum dl_err related_save_delta(const struct related *r, uint32_t from, const uint32_t *ids,
    const float *kth, size_t n_kth, struct buf *b) DL_WUR;
enum dl_err related_apply_delta(struct related *r, const void *data, size_t len) DL_WUR;

/* The score an article must beat to enter id's stored list (that of its
 * last item when the list is full, else 0); kept by the store side. */
void related_set_kth(struct related *r, uint32_t id, float kth);
float related_kth(const struct related *r, uint32_t id);

/* The articles whose stored lists article x now enters: every other
 * article i that x may appear under (related_eligible(i, x), not a
 * near-duplicate) with related_score(i, x) above related_kth(i); at most
 * cap of them into out[] with their scores. DL_ERR_NOMEM,
 * DL_ERR_NOTFOUND for an unknown x. */
enum dl_err related_beaten(const struct related *r, uint32_t x, uint32_t *out, float *score,
    size_t cap, size_t *n) DL_WUR;

#endif
