/* token.c - ICU word breaking, NFKC + case folding, stop words, Snowball. */
#include <stdlib.h>
#include <string.h>
#include <libstemmer.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include "text/token.h"

/* Stop words: short hand-written lists of the commonest function words,
 * folded, unstemmed. Engines also weight by document frequency, so these
 * lists only need the words that would otherwise pass as content. */
static const char *const stop_en[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
	"are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
	"but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
	"for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
	"herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
	"itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
	"off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
	"own", "s", "said", "same", "says", "she", "should", "so", "some", "such", "t", "than",
	"that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
	"this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
	"were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
	"would", "you", "your", "yours", "yourself", "reuter", "reuters", "told", "one", "two",
	"new", "year", "last", "may", "like", "many", "much", "get", "got", "make", "made", "per",
	"three", "mr", "mrs", "ms", "via", "yet", "since", "say", "according",
};
static const char *const stop_it[] = {
	"a", "ad", "al", "alla", "alle", "allo", "agli", "ai", "anche", "c", "che", "chi", "ci",
	"come", "con", "così", "cui", "da", "dal", "dalla", "dalle", "dallo", "dagli", "dai",
	"del", "della", "delle", "dello", "degli", "dei", "di", "e", "è", "gli", "ha", "hanno",
	"i", "il", "in", "io", "l", "la", "le", "lo", "loro", "lui", "lei", "ma", "mi", "ne",
	"nel", "nella", "nelle", "nello", "negli", "nei", "non", "o", "per", "più", "poi", "quale",
	"quando", "quella", "quello", "questa", "questo", "sarà", "se", "si", "sia", "sono",
	"stata", "stato", "su", "sul", "sulla", "sulle", "sullo", "sugli", "sui", "tra", "fra",
	"un", "una", "uno", "anni", "dopo", "essere", "era", "erano", "fa", "già", "ora", "suo",
	"sua", "suoi", "sue", "stati", "state", "ieri", "oggi",
};
static const char *const stop_es[] = {
	"a", "al", "algo", "ante", "como", "con", "cual", "cuando", "de", "del", "desde", "donde",
	"durante", "e", "el", "ella", "ellos", "en", "entre", "era", "es", "esa", "ese", "eso",
	"esta", "está", "están", "este", "esto", "fue", "fueron", "ha", "han", "hasta", "hay",
	"la", "las", "le", "les", "lo", "los", "más", "me", "mi", "muy", "no", "nos", "o", "para",
	"pero", "por", "porque", "que", "qué", "se", "ser", "si", "sí", "sin", "sobre", "son",
	"su", "sus", "también", "te", "tiene", "todo", "todos", "tras", "un", "una", "unas",
	"uno", "unos", "y", "ya", "años", "dijo", "según", "este", "sido", "había", "otro", "otros",
};
static const char *const stop_fr[] = {
	"a", "à", "au", "aux", "avec", "ce", "ces", "cette", "d", "dans", "de", "des", "du",
	"elle", "en", "est", "et", "été", "il", "ils", "j", "je", "l", "la", "le", "les", "leur",
	"lui", "m", "mais", "me", "même", "n", "ne", "nous", "on", "ont", "ou", "où", "par",
	"pas", "plus", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sont", "sur",
	"t", "un", "une", "vous", "y", "avait", "était", "fait", "être", "aussi", "après",
	"entre", "comme", "tout", "tous", "deux", "selon", "ans", "c",
};
static const char *const stop_de[] = {
	"aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bis", "da", "das", "dass",
	"dem", "den", "der", "des", "die", "doch", "du", "durch", "ein", "eine", "einem", "einen",
	"einer", "eines", "er", "es", "für", "hat", "hatte", "ich", "im", "in", "ist", "ja",
	"kann", "mit", "nach", "nicht", "noch", "nur", "oder", "sich", "sie", "sind", "so",
	"über", "um", "und", "uns", "vom", "von", "vor", "war", "waren", "was", "werden", "wie",
	"wird", "wir", "wurde", "wurden", "zu", "zum", "zur", "sei", "seit", "sein", "seine",
	"ihre", "ihr", "man", "mehr", "schon", "jahr", "jahren", "gibt", "sagte", "habe", "haben",
};
static const char *const stop_pt[] = {
	"a", "ao", "aos", "as", "à", "com", "como", "da", "das", "de", "do", "dos", "e", "é",
	"ela", "ele", "em", "entre", "era", "foi", "há", "isso", "já", "mais", "mas", "na", "nas",
	"no", "nos", "não", "o", "os", "ou", "para", "pela", "pelo", "por", "que", "se", "sem",
	"ser", "seu", "sua", "são", "também", "um", "uma", "anos", "disse",
};
static const char *const stop_tr[] = {
	"ve", "bir", "bu", "da", "de", "için", "ile", "olarak", "olan", "gibi", "daha", "çok",
	"en", "ama", "ancak", "ki", "ya", "veya", "her", "o", "şu", "mi", "ne", "sonra", "kadar",
	"olduğu", "oldu", "dedi", "ise", "yıl", "göre", "tarafından", "değil", "var", "yok",
};
static const char *const stop_ar[] = {
	"في", "من", "على", "إلى", "عن", "أن", "إن", "التي", "الذي", "هذا", "هذه", "مع", "كان",
	"قد", "ما", "لا", "أو", "و", "ثم", "كما", "بعد", "قبل", "بين", "حتى", "أي", "وقال", "قال",
};
static const char *const stop_zh[] = {
	"的", "了", "是", "在", "和", "也", "有", "就", "不", "都", "而", "及", "与", "着", "或",
	"一个", "我们", "他们", "这", "那", "之", "以", "为", "于", "对", "中", "等", "将", "被",
};
static const char *const stop_ja[] = {
	"の", "に", "は", "を", "た", "が", "で", "て", "と", "し", "れ", "さ", "ある", "いる",
	"も", "する", "から", "な", "こと", "として", "い", "や", "れる", "など", "なっ", "ない",
	"この", "ため", "その", "あっ", "よう", "また", "もの", "という", "あり", "まで", "られ",
	"なる", "へ", "か", "だ", "これ", "によって", "により", "おり", "より", "による", "ず",
	"なり", "られる", "において", "ば", "なかっ", "なく", "しかし", "について", "せ", "だっ",
	"でき", "それ", "う", "ので", "なお", "のみ", "でき", "き", "つ", "における", "および",
	"いう", "さらに", "でも", "ら", "たり", "その他", "に関する", "たち", "ます", "ん", "なら",
	"です", "ね", "よ",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *lang;
	const char *const *words;
	size_t n;
} stop_lists[] = {
	{ "en", stop_en, NELEM(stop_en) }, { "it", stop_it, NELEM(stop_it) },
	{ "es", stop_es, NELEM(stop_es) }, { "fr", stop_fr, NELEM(stop_fr) },
	{ "de", stop_de, NELEM(stop_de) }, { "pt", stop_pt, NELEM(stop_pt) },
	{ "tr", stop_tr, NELEM(stop_tr) }, { "ar", stop_ar, NELEM(stop_ar) },
	{ "zh", stop_zh, NELEM(stop_zh) }, { "ja", stop_ja, NELEM(stop_ja) },
};

#define TOK_MAX_LANGS 16

struct tok_lang {
	char code[12];
	struct sb_stemmer *stem;      /* NULL: no stemmer for this language */
	const char **stop;            /* sorted copy, NULL when none */
	size_t n_stop;
};

struct tok {
	UBreakIterator *bi;
	const UNormalizer2 *nfkc;
	UChar *u;                     /* the text in UTF-16 */
	int32_t ucap;
	struct tok_lang langs[TOK_MAX_LANGS];
	size_t n_langs;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct tok *
tok_new(void)
{
	struct tok *t;
	UErrorCode err = U_ZERO_ERROR;

	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
	if (U_FAILURE(err))
		goto fail;
	t->nfkc = unorm2_getNFKCInstance(&err);
	if (U_FAILURE(err))
		goto fail;
	return t;
fail:
	tok_free(t);
	return NULL;
}

void
tok_free(struct tok *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_langs; i++) {
		if (t->langs[i].stem)
			sb_stemmer_delete(t->langs[i].stem);
		free(t->langs[i].stop);
	}
	if (t->bi)
		ubrk_close(t->bi);
	free(t->u);
	free(t);
}

/* The language entry for `lang` (primary subtag), created on first use;
 * NULL for no language or when the table is full. */
static struct tok_lang *
tok_lang(struct tok *t, const char *lang)
{
	char code[12];
	size_t i, n;
	struct tok_lang *l;

	if (lang == NULL || *lang == '\0')
		return NULL;
	for (n = 0; lang[n] && lang[n] != '-' && lang[n] != '_' && n < sizeof code - 1; n++)
		code[n] = (char)((lang[n] >= 'A' && lang[n] <= 'Z') ? lang[n] + 32 : lang[n]);
	code[n] = '\0';
	for (i = 0; i < t->n_langs; i++)
		if (strcmp(t->langs[i].code, code) == 0)
			return &t->langs[i];
	if (t->n_langs == TOK_MAX_LANGS)
		return NULL;
	l = &t->langs[t->n_langs];
	memset(l, 0, sizeof *l);
	memcpy(l->code, code, n + 1);
	/* libstemmer knows ISO 639 codes as aliases ("en", "it", "tr"...). */
	l->stem = sb_stemmer_new(code, "UTF_8");
	for (i = 0; i < NELEM(stop_lists); i++) {
		if (strcmp(stop_lists[i].lang, code) != 0)
			continue;
		l->stop = malloc(stop_lists[i].n * sizeof *l->stop);
		if (l->stop == NULL)
			break;
		memcpy(l->stop, stop_lists[i].words, stop_lists[i].n * sizeof *l->stop);
		qsort(l->stop, stop_lists[i].n, sizeof *l->stop, cmp_str);
		l->n_stop = stop_lists[i].n;
	}
	t->n_langs++;
	return l;
}

int
tok_has_stemmer(struct tok *t, const char *lang)
{
	struct tok_lang *l = tok_lang(t, lang);

	return l != NULL && l->stem != NULL;
}

static int
is_stop(const struct tok_lang *l, const char *w)
{
	return l != NULL && l->stop != NULL &&
	    bsearch(&w, l->stop, l->n_stop, sizeof *l->stop, cmp_str) != NULL;
}

/* Elided articles and prepositions ("dell'", "l'", "qu'") carry no content
 * in these languages: keep what follows the apostrophe. */
static int
elides(const struct tok_lang *l)
{
	return l != NULL && (strcmp(l->code, "it") == 0 || strcmp(l->code, "fr") == 0 ||
	    strcmp(l->code, "ca") == 0);
}

struct emit_adapter {
	void (*emit)(void *ctx, const char *term, size_t n, int pos);
	void *ctx;
};

static void
adapt(void *ctx, const struct tok_word *w)
{
	struct emit_adapter *a = ctx;

	a->emit(a->ctx, w->term, w->n, w->pos);
}

enum dl_err
tok_text(struct tok *t, const char *lang, const char *text, size_t len,
    void (*emit)(void *ctx, const char *term, size_t n, int pos), void *ctx)
{
	struct emit_adapter a = { emit, ctx };

	return tok_text_ex(t, lang, text, len, 0, adapt, &a);
}

enum dl_err
tok_text_ex(struct tok *t, const char *lang, const char *text, size_t len,
    unsigned flags, void (*emit)(void *ctx, const struct tok_word *w), void *ctx)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t ulen = 0, s, e, i, nn, nf, n8;
	UChar norm[TOK_MAX_WORD * 4], fold[TOK_MAX_WORD * 8];
	char u8[TOK_MAX_WORD * 24];
	struct tok_lang *l;
	struct tok_word w;
	int pos = 0, start = 1;

	if (len > TOK_MAX_INPUT)
		return DL_ERR_TOOBIG;
	if (len == 0)
		return DL_OK;
	if ((int32_t)len + 1 > t->ucap) {
		UChar *nu = realloc(t->u, (len + 1) * sizeof *nu);
		if (nu == NULL)
			return DL_ERR_NOMEM;
		t->u = nu;
		t->ucap = (int32_t)len + 1;
	}
	u_strFromUTF8WithSub(t->u, t->ucap, &ulen, text, (int32_t)len, 0xFFFD, NULL, &err);
	if (U_FAILURE(err))
		return DL_ERR_INVALID;
	for (i = 0; i < ulen; i++)
		if (t->u[i] == 0x2019)
			t->u[i] = '\'';
	ubrk_setText(t->bi, t->u, ulen, &err);
	if (U_FAILURE(err))
		return DL_ERR_INVALID;
	l = tok_lang(t, lang);
	s = ubrk_first(t->bi);
	for (e = ubrk_next(t->bi); e != UBRK_DONE; s = e, e = ubrk_next(t->bi)) {
		int32_t st = ubrk_getRuleStatus(t->bi);
		UChar32 c0;
		const char *term;
		int32_t tn;

		if (st < UBRK_WORD_LETTER) {
			if (st >= UBRK_WORD_NUMBER && (flags & TOK_KEEP_NUMBERS) && e - s <= TOK_MAX_WORD) {
				u_strToUTF8(u8, (int32_t)sizeof u8 - 1, &n8, t->u + s, e - s, &err);
				if (U_SUCCESS(err) && n8 > 0) {
					u8[n8] = '\0';
					w.term = u8;
					w.n = (size_t)n8;
					w.pos = pos;
					w.cap = 0;
					w.start = start;
					w.stop = 0;
					w.num = 1;
					emit(ctx, &w);
				}
				err = U_ZERO_ERROR;
			}
			if (st >= UBRK_WORD_NUMBER) {
				pos++;
				start = 0;
				continue;
			}
			for (i = s; i < e; i++)
				if (t->u[i] == '.' || t->u[i] == '!' || t->u[i] == '?' || t->u[i] == '\n' ||
				    t->u[i] == 0x3002 || t->u[i] == 0xFF01 || t->u[i] == 0xFF1F)
					start = 1;
			continue;
		}
		if (e - s > TOK_MAX_WORD) {
			pos++;
			start = 0;
			continue;
		}
		i = s;
		U16_NEXT(t->u, i, e, c0);
		err = U_ZERO_ERROR;
		nn = unorm2_normalize(t->nfkc, t->u + s, e - s, norm, (int32_t)NELEM(norm), &err);
		if (U_FAILURE(err))
			goto skip;
		nf = u_strFoldCase(fold, (int32_t)NELEM(fold), norm, nn, U_FOLD_CASE_DEFAULT, &err);
		if (U_FAILURE(err))
			goto skip;
		if (elides(l)) {
			for (i = 0; i < nf && i < 5; i++)
				if (fold[i] == '\'')
					break;
			if (i < nf && i < 5 && i + 1 < nf) {
				memmove(fold, fold + i + 1, (size_t)(nf - i - 1) * sizeof *fold);
				nf -= i + 1;
			}
		}
		u_strToUTF8(u8, (int32_t)sizeof u8 - 1, &n8, fold, nf, &err);
		if (U_FAILURE(err) || n8 <= 0)
			goto skip;
		u8[n8] = '\0';
		w.stop = is_stop(l, u8);
		if (w.stop && !(flags & TOK_KEEP_STOP))
			goto skip;
		term = u8;
		tn = n8;
		if (l != NULL && l->stem != NULL) {
			const sb_symbol *sy = sb_stemmer_stem(l->stem, (const sb_symbol *)u8, n8);
			if (sy != NULL) {
				term = (const char *)sy;
				tn = sb_stemmer_length(l->stem);
			}
		}
		if (tn <= 0)
			goto skip;
		w.term = term;
		w.n = (size_t)tn;
		w.pos = pos;
		w.cap = u_isupper(c0) || u_istitle(c0);
		w.start = start;
		w.num = 0;
		emit(ctx, &w);
skip:
		pos++;
		start = 0;
	}
	return DL_OK;
}

struct joined {
	struct buf *b;
	enum dl_err e;
};

static void
join_one(void *ctx, const char *term, size_t n, int pos)
{
	struct joined *j = ctx;

	(void)pos;
	if (j->e != DL_OK)
		return;
	if (j->b->len && (j->e = buf_putc(j->b, ' ')) != DL_OK)
		return;
	j->e = buf_append(j->b, term, n);
}

enum dl_err
tok_join(struct tok *t, const char *lang, const char *text, struct buf *b)
{
	struct joined j = { b, DL_OK };
	size_t len;
	enum dl_err e;

	if (text == NULL || (len = strlen(text)) == 0)
		return DL_OK;
	if (len > TOK_MAX_INPUT)
		len = TOK_MAX_INPUT;
	if ((e = tok_text(t, lang, text, len, join_one, &j)) != DL_OK)
		return e;
	return j.e;
}
