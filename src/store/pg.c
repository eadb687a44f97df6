/* pg.c - store.h on PostgreSQL (libpq): the connections (one per thread),
 * prepared statements, transactions, migrations under an advisory lock,
 * and the content generation that every node shares: meta's 'generation'
 * row grows inside each writing transaction and a NOTIFY carries it to
 * every node at commit, where a listener thread per store takes it in. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "store/pg_int.h"

#define STMT_SLOTS 1024         /* prepared statements per connection (power of two) */
#define STMT_MAX 768            /* past this, statements run unprepared */
#define SQL_LOG_MAX 300         /* characters of a statement in a log line */
#define LISTEN_POLL_MS 250
#define REREAD_MS 1000          /* listener: meta re-read and heartbeat */
#define PRUNE_MS 60000          /* listener: forget nodes silent for an hour */
#define SYNC_POLL_MS 20
#define CONNECT_TIMEOUT "10"    /* seconds, unless the DSN says otherwise */

/* Advisory lock keys: "datelin" and a byte. */
#define LOCK_KEY(n) (0x646174656c696e00LL + (n))
#define LOCK_MIGRATE LOCK_KEY(0xff)

struct stmt {
	uint64_t hash;
	char *sql;
	char name[16];
};

struct pg_store;

struct conn {
	PGconn *pg;
	struct pg_store *st;
	struct conn *next;
	struct stmt *stmts;     /* STMT_SLOTS, open addressing */
	int nstmts;
	int user_tx;            /* inside store_begin() */
	int own_tx;             /* pg_tx_begin() began a transaction */
	int sp;                 /* pg_tx_begin() holds a savepoint inside store_begin() */
	int lost_tx;            /* the connection broke inside a transaction */
	int64_t pending;        /* generation written by the open transaction, 0 none */
	int64_t sp_pending;     /* pending when the savepoint began */
	unsigned locks;         /* enum dl_store_lock bits this thread holds */
};

struct pg_store {
	struct store base;      /* first: a struct store * is one of these */
	char *dsn;              /* as given: may hold a password, never printed */
	char where[512];        /* the DSN without password, for messages */
	pthread_key_t key;
	pthread_mutex_t mu;     /* guards conns */
	struct conn *conns;
	_Atomic uint64_t gen;   /* store_generation() */
	_Atomic int64_t seen;   /* highest shared generation this node took in */
	_Atomic int64_t written; /* highest shared generation this node committed */
	int version;
	char node[40];          /* this store's row in nodes */
	char host[128];
	pthread_t listener;
	int listening;
	atomic_int stop;
};

#define PQ(st) ((struct pg_store *)(st))

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- the generation ---- */

static void
bump_to(struct pg_store *p, uint64_t v)
{
	uint64_t cur = atomic_load(&p->gen), want;

	do {
		want = v > cur + 1 ? v : cur + 1;
	} while (!atomic_compare_exchange_weak(&p->gen, &cur, want));
}

static int
raise_to(_Atomic int64_t *a, int64_t v)
{
	int64_t cur = atomic_load(a);

	while (v > cur)
		if (atomic_compare_exchange_weak(a, &cur, v))
			return 1;
	return 0;
}

/* The shared generation reached v: pages older than that are stale.
 * `force` moves store_generation() even when v was already taken in. */
static void
take_in(struct pg_store *p, int64_t v, int force)
{
	if (raise_to(&p->seen, v) || force)
		bump_to(p, v > 0 ? (uint64_t)v : 0);
}

/* This node committed a write that made the shared generation v. */
static void
committed(struct pg_store *p, int64_t v)
{
	raise_to(&p->written, v);
	take_in(p, v, 1);
}

/* ---- connections ---- */

/* Server notices: warnings go to the log (primary text only), the rest
 * (NOTICE, INFO) is chatter. */
static void
notice(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (sev && strcmp(sev, "WARNING") == 0)
		log_warn("store: PostgreSQL: %s", m ? m : "warning");
}

static PGconn *
connect_db(const char *dsn)
{
	/* Defaults first: what the DSN says overrides them. */
	static const char *const keys[] = { "connect_timeout", "fallback_application_name",
	    "dbname", "client_encoding", NULL };
	const char *vals[] = { CONNECT_TIMEOUT, "dateline", dsn, "UTF8", NULL };
	PGconn *pg = PQconnectdbParams(keys, vals, 1);

	if (pg && PQstatus(pg) == CONNECTION_OK)
		PQsetNoticeReceiver(pg, notice, NULL);
	return pg;
}

/* libpq's message on one line. */
static void
one_line(char *dst, size_t len, const char *m)
{
	size_t i = 0;

	if (len == 0)
		return;
	for (; m && *m && i + 1 < len; m++) {
		if (*m == '\n' || *m == '\t' || *m == '\r') {
			if (i > 0 && dst[i - 1] != ' ')
				dst[i++] = ' ';
		} else
			dst[i++] = *m;
	}
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}

static void
stmts_clear(struct conn *c)
{
	int i;

	if (c->stmts == NULL)
		return;
	for (i = 0; i < STMT_SLOTS; i++)
		free(c->stmts[i].sql);
	memset(c->stmts, 0, STMT_SLOTS * sizeof *c->stmts);
	c->nstmts = 0;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	stmts_clear(c);
	free(c->stmts);
	PQfinish(c->pg);
	free(c);
}

/* A thread ends: its connection goes with it. */
static void
conn_destroy(void *arg)
{
	struct conn *c = arg, **pp;
	struct pg_store *p = c->st;

	pthread_mutex_lock(&p->mu);
	for (pp = &p->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&p->mu);
	conn_free(c);
}

static int
in_tx(const struct conn *c)
{
	return c->user_tx || c->own_tx;
}

/* Reopens a broken connection. What it held goes: prepared statements,
 * locks, and an open transaction (noted, so that its end fails). */
static int
reconnect(struct conn *c)
{
	char m[512];

	PQreset(c->pg);
	stmts_clear(c);
	c->locks = 0;
	if (in_tx(c))
		c->lost_tx = 1;
	if (PQstatus(c->pg) != CONNECTION_OK) {
		one_line(m, sizeof m, PQerrorMessage(c->pg));
		log_error("store: cannot reconnect to %s: %s", c->st->where, m);
		return -1;
	}
	PQsetNoticeReceiver(c->pg, notice, NULL);
	log_warn("store: reconnected to %s", c->st->where);
	return 0;
}

static struct conn *
conn_get(struct store *st)
{
	struct pg_store *p = PQ(st);
	struct conn *c = pthread_getspecific(p->key);
	char m[512];

	if (c) {
		if (PQstatus(c->pg) != CONNECTION_OK && reconnect(c) != 0)
			return NULL;
		return c;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->st = p;
	c->pg = connect_db(p->dsn);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		one_line(m, sizeof m, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		log_error("store: cannot connect to %s: %s", p->where, m);
		conn_free(c);
		return NULL;
	}
	pthread_mutex_lock(&p->mu);
	c->next = p->conns;
	p->conns = c;
	pthread_mutex_unlock(&p->mu);
	pthread_setspecific(p->key, c);
	return c;
}

PGconn *
pg_conn(struct store *st)
{
	struct conn *c = conn_get(st);

	return c ? c->pg : NULL;
}

/* ---- statements ---- */

static uint64_t
hash_sql(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Logs a failed statement (its text and the server's primary message,
 * never parameter values) and says which error it is. */
static enum dl_err
fail(struct conn *c, const char *sql, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *cons = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	char m[512];
	size_t k;

	if (state && strncmp(state, "23", 2) == 0) {
		/* An expected outcome for callers (an address taken...): not an
		 * error of the store. The DETAIL would show the values. */
		if (cons == NULL)
			cons = r ? PQresultErrorField(r, PG_DIAG_COLUMN_NAME) : NULL;
		log_info("store: %.*s: constraint %s (%s)", SQL_LOG_MAX, sql, cons ? cons : "?", state);
		return strcmp(state, "23505") == 0 ? DL_ERR_EXISTS : DL_ERR_INVALID;
	}
	if (prim)
		one_line(m, sizeof m, prim);
	else
		one_line(m, sizeof m, c && c->pg ? PQerrorMessage(c->pg) : "no connection");
	/* Data errors quote the offending input after a colon. */
	if (state && strncmp(state, "22", 2) == 0 && (k = strcspn(m, ":\"")) < strlen(m))
		m[k] = '\0';
	log_error("store: %.*s: %s (%s)", SQL_LOG_MAX, sql, m, state ? state : "no SQLSTATE");
	return DL_ERR_DB;
}

/* The name `sql` is prepared under on c ("" for unnamed, when the cache is
 * full), preparing it on first use; NULL on error, *res then holds the
 * server's answer (or NULL). */
static const char *
prepared(struct conn *c, const char *sql, PGresult **res)
{
	uint64_t h = hash_sql(sql);
	unsigned i = (unsigned)h & (STMT_SLOTS - 1);
	struct stmt *s;
	PGresult *r;
	char *dup;

	*res = NULL;
	if (c->stmts == NULL && (c->stmts = calloc(STMT_SLOTS, sizeof *c->stmts)) == NULL)
		return "";
	for (;; i = (i + 1) & (STMT_SLOTS - 1)) {
		s = &c->stmts[i];
		if (s->sql == NULL)
			break;
		if (s->hash == h && strcmp(s->sql, sql) == 0)
			return s->name;
	}
	if (c->nstmts >= STMT_MAX || (dup = strdup(sql)) == NULL)
		return "";
	snprintf(s->name, sizeof s->name, "dl%d", c->nstmts + 1);
	r = PQprepare(c->pg, s->name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		free(dup);
		*res = r;
		return NULL;
	}
	PQclear(r);
	s->sql = dup;
	s->hash = h;
	c->nstmts++;
	return s->name;
}

static int
res_ok(const PGresult *r)
{
	ExecStatusType t = PQresultStatus(r);

	return r && (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK);
}

/* A server restart closes every idle connection, which shows as the
 * socket being readable (end of file, or the server's goodbye) while no
 * query is under way: reconnect before sending anything on it. */
static void
check_alive(struct conn *c)
{
	struct pollfd p = { .fd = PQsocket(c->pg), .events = POLLIN };

	if (p.fd >= 0 && poll(&p, 1, 0) > 0)
		(void)PQconsumeInput(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK)
		(void)reconnect(c);
}

static PGresult *
exec_once(struct conn *c, const char *sql, int n, const char *const *params, const int *lens,
    const int *binary)
{
	PGresult *r = NULL;
	const char *name = prepared(c, sql, &r);

	if (name == NULL)
		return r;
	if (name[0] == '\0')
		return PQexecParams(c->pg, sql, n, NULL, params, lens, binary, 0);
	return PQexecPrepared(c->pg, name, n, params, lens, binary, 0);
}

static PGresult *
exec_on(struct conn *c, const char *sql, int n, const char *const *params, const int *lens,
    const int *binary, enum dl_err *err)
{
	enum dl_err dummy;
	PGresult *r;
	int idle;

	if (err == NULL)
		err = &dummy;
	*err = DL_OK;
	if (c->lost_tx) {
		log_error("store: %.*s: the connection broke inside a transaction, which was lost",
		    SQL_LOG_MAX, sql);
		*err = DL_ERR_DB;
		return NULL;
	}
	idle = !in_tx(c);
	if (idle)
		check_alive(c);
	r = exec_once(c, sql, n, params, lens, binary);
	if (res_ok(r))
		return r;
	/* A connection that broke while the statement was under way: a
	 * query that only reads is sent again on a new one. A write is not:
	 * the server may have committed it before the connection broke. */
	if (idle && strncmp(sql, "SELECT", 6) == 0 && PQstatus(c->pg) != CONNECTION_OK &&
	    reconnect(c) == 0) {
		PQclear(r);
		r = exec_once(c, sql, n, params, lens, binary);
		if (res_ok(r))
			return r;
	}
	*err = fail(c, sql, r);
	PQclear(r);
	return NULL;
}

PGresult *
pg_exec_bin(struct store *st, const char *sql, int n, const char *const *params,
    const int *lens, const int *binary, enum dl_err *err)
{
	struct conn *c = conn_get(st);

	if (c == NULL) {
		if (err)
			*err = DL_ERR_DB;
		return NULL;
	}
	return exec_on(c, sql, n, params, lens, binary, err);
}

PGresult *
pg_exec(struct store *st, const char *sql, int n, const char *const *params, enum dl_err *err)
{
	return pg_exec_bin(st, sql, n, params, NULL, NULL, err);
}

enum dl_err
pg_cmd(struct store *st, const char *sql, int n, const char *const *params, int64_t *changed)
{
	enum dl_err e;
	PGresult *r = pg_exec(st, sql, n, params, &e);

	if (changed)
		*changed = 0;
	if (r == NULL)
		return e;
	if (changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return DL_OK;
}

const char *
pg_i64(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

const char *
pg_str(struct arena *ar, const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return arena_strdup(ar, "");
	return arena_strndup(ar, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t
pg_int(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double
pg_real(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return 0;
	return strtod(PQgetvalue(r, row, col), NULL);
}

/* ---- transactions ---- */

/* Runs transaction control `sql` on c (no retry: a transaction does not
 * survive a new connection). For COMMIT, a transaction that had failed
 * answers ROLLBACK: that is an error too. */
static enum dl_err
control(struct conn *c, const char *sql)
{
	PGresult *r = PQexec(c->pg, sql);
	enum dl_err e = DL_OK;

	if (!res_ok(r))
		e = fail(c, sql, r);
	else if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		log_error("store: COMMIT: the transaction had failed and was rolled back");
		e = DL_ERR_DB;
	}
	PQclear(r);
	return e;
}

enum dl_err
pg_begin(struct store *st)
{
	struct conn *c = conn_get(st);
	enum dl_err e;

	if (c == NULL)
		return DL_ERR_DB;
	if (in_tx(c)) {
		log_error("store: begin: a transaction is already open");
		return DL_ERR_DB;
	}
	c->lost_tx = 0;
	if ((e = control(c, "BEGIN")) != DL_OK)
		return e;
	c->user_tx = 1;
	c->sp = 0;
	c->pending = 0;
	return DL_OK;
}

/* Ends c's transaction: commits when ok (applying its generation), rolls
 * back otherwise or when the commit fails. */
static enum dl_err
finish(struct conn *c, int ok)
{
	int64_t pending = c->pending;
	int lost = c->lost_tx;
	enum dl_err e = DL_OK;

	c->user_tx = c->own_tx = c->sp = c->lost_tx = 0;
	c->pending = 0;
	if (lost) {
		if (ok)
			log_error("store: commit: the connection broke inside the transaction, which was lost");
		return ok ? DL_ERR_DB : DL_OK;
	}
	if (ok && (e = control(c, "COMMIT")) == DL_OK) {
		if (pending > 0)
			committed(c->st, pending);
		return DL_OK;
	}
	if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		(void)control(c, "ROLLBACK");
	return e;
}

enum dl_err
pg_commit(struct store *st)
{
	struct conn *c = conn_get(st);

	if (c == NULL) {
		if ((c = pthread_getspecific(PQ(st)->key)) != NULL)
			(void)finish(c, 0);
		return DL_ERR_DB;
	}
	if (!c->user_tx) {
		log_error("store: commit: no transaction is open");
		return DL_ERR_DB;
	}
	return finish(c, 1);
}

void
pg_rollback(struct store *st)
{
	struct conn *c = pthread_getspecific(PQ(st)->key);

	if (c == NULL)
		return;
	if (PQstatus(c->pg) != CONNECTION_OK) {
		c->user_tx = c->own_tx = c->sp = c->lost_tx = 0;
		c->pending = 0;
		return;
	}
	(void)finish(c, 0);
}

enum dl_err
pg_tx_begin(struct store *st, int *started)
{
	struct conn *c = conn_get(st);
	enum dl_err e;

	*started = 0;
	if (c == NULL)
		return DL_ERR_DB;
	if (c->lost_tx) {
		log_error("store: the connection broke inside a transaction, which was lost");
		return DL_ERR_DB;
	}
	if (c->own_tx || c->sp)
		return DL_OK;
	if (c->user_tx) {
		/* Inside store_begin(): a failed call undoes only its own writes
		 * and the caller's transaction goes on, as on SQLite. */
		if ((e = control(c, "SAVEPOINT dl_call")) != DL_OK)
			return e;
		c->sp = 1;
		c->sp_pending = c->pending;
		*started = 2;
		return DL_OK;
	}
	if ((e = control(c, "BEGIN")) != DL_OK)
		return e;
	c->own_tx = 1;
	c->pending = 0;
	*started = 1;
	return DL_OK;
}

enum dl_err
pg_tx_end(struct store *st, int started, int ok)
{
	struct conn *c = pthread_getspecific(PQ(st)->key);
	enum dl_err e = DL_OK;

	if (started == 0 || c == NULL)
		return started == 0 || !ok ? DL_OK : DL_ERR_DB;
	if (started == 2) {
		c->sp = 0;
		if (c->lost_tx || PQstatus(c->pg) != CONNECTION_OK) {
			c->lost_tx = 1;
			return ok ? DL_ERR_DB : DL_OK;
		}
		if (ok && (e = control(c, "RELEASE SAVEPOINT dl_call")) == DL_OK)
			return DL_OK;
		(void)control(c, "ROLLBACK TO SAVEPOINT dl_call");
		(void)control(c, "RELEASE SAVEPOINT dl_call");
		c->pending = c->sp_pending;   /* its bump, if any, was undone */
		return e;
	}
	if (PQstatus(c->pg) != CONNECTION_OK)
		c->lost_tx = 1;
	return finish(c, ok);
}

enum dl_err
pg_bump_generation(struct store *st)
{
	static const char sql[] = "WITH g AS (UPDATE meta SET value = value + 1 "
	    "WHERE key = 'generation' RETURNING value) "
	    "SELECT value, pg_notify('dateline_gen', value::text) FROM g";
	struct conn *c = conn_get(st);
	PGresult *r;
	enum dl_err e;
	int64_t v;

	if (c == NULL)
		return DL_ERR_DB;
	/* Once per transaction is enough: every node hears it at commit. More
	 * would rewrite the one meta row on every put of an import, each
	 * update walking the row's earlier versions. */
	if (in_tx(c) && c->pending > 0)
		return DL_OK;
	if ((r = exec_on(c, sql, 0, NULL, NULL, NULL, &e)) == NULL)
		return e;
	v = PQntuples(r) == 1 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	if (v <= 0) {
		log_error("store: the generation row is missing from meta");
		return DL_ERR_CORRUPT;
	}
	if (in_tx(c)) {
		if (v > c->pending)
			c->pending = v;
	} else
		committed(PQ(st), v);
	return DL_OK;
}

void
pg_touch(struct store *st)
{
	if (pg_bump_generation(st) != DL_OK)
		log_error("store: cannot record a change for the page cache");
}

int
pg_schema_version(struct store *st)
{
	return PQ(st)->version;
}

uint64_t
pg_generation(struct store *st)
{
	return atomic_load(&PQ(st)->gen);
}

enum dl_err
pg_backup(struct store *st, const char *dest, char *msg, size_t msglen)
{
	(void)st;
	(void)dest;
	snprintf(msg, msglen, "use pg_dump (or your PostgreSQL backups) for a PostgreSQL database; "
	    "dateline backup copies SQLite files");
	return DL_ERR_UNSUPPORTED;
}

/* ---- several nodes ---- */

int
pg_lock_try(struct store *st, enum dl_store_lock lock)
{
	static const char sql[] = "SELECT pg_try_advisory_lock($1::bigint)";
	struct conn *c;
	const char *params[1];
	char k[24];
	PGresult *r;
	unsigned bit;
	int got;

	if ((unsigned)lock == 0 || (unsigned)lock >= 32)
		return 0;
	bit = 1u << (unsigned)lock;
	if ((c = conn_get(st)) == NULL || (c->locks & bit))
		return 0;
	params[0] = pg_i64(k, LOCK_KEY((int64_t)lock));
	if ((r = exec_on(c, sql, 1, params, NULL, NULL, NULL)) == NULL)
		return 0;
	got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (got)
		c->locks |= bit;
	return got;
}

void
pg_unlock(struct store *st, enum dl_store_lock lock)
{
	static const char sql[] = "SELECT pg_advisory_unlock($1::bigint)";
	struct conn *c = pthread_getspecific(PQ(st)->key);
	const char *params[1];
	char k[24];
	PGresult *r;
	unsigned bit;

	if ((unsigned)lock == 0 || (unsigned)lock >= 32 || c == NULL)
		return;
	bit = 1u << (unsigned)lock;
	if (!(c->locks & bit))
		return;
	c->locks &= ~bit;
	/* A broken connection took the lock with it. */
	if (PQstatus(c->pg) != CONNECTION_OK)
		return;
	params[0] = pg_i64(k, LOCK_KEY((int64_t)lock));
	if ((r = exec_on(c, sql, 1, params, NULL, NULL, NULL)) != NULL)
		PQclear(r);
}

enum dl_err
pg_sync(struct store *st, int timeout_ms)
{
	/* Nodes that spoke in the last 5 s and have not taken in our last
	 * write. A dead node stops counting 5 s after its last heartbeat. */
	static const char sql[] = "SELECT count(*) FROM nodes WHERE id <> $1 AND seen < $2 "
	    "AND heartbeat > clock_timestamp() - interval '5 seconds'";
	struct pg_store *p = PQ(st);
	int64_t target = atomic_load(&p->written), start = now_ms(), lagging;
	const char *params[2];
	char v[24];
	enum dl_err e;
	PGresult *r;

	if (target <= 0)
		return DL_OK;
	params[0] = p->node;
	params[1] = pg_i64(v, target);
	for (;;) {
		if ((r = pg_exec(st, sql, 2, params, &e)) == NULL)
			return e;
		lagging = pg_int(r, 0, 0);
		PQclear(r);
		if (lagging == 0)
			return DL_OK;
		if (now_ms() - start >= timeout_ms) {
			log_warn("store: %lld other node(s) have not taken in generation %lld after %d ms",
			    (long long)lagging, (long long)target, timeout_ms);
			return DL_ERR_IO;
		}
		sleep_ms(SYNC_POLL_MS);
	}
}

/* The listener: its own connection LISTENs for other nodes' commits,
 * re-reads the generation every second (a notification can be missed
 * while reconnecting) and keeps this node's row in nodes current. */

static int64_t
read_generation(PGconn *pg)
{
	PGresult *r = PQexec(pg, "SELECT value FROM meta WHERE key = 'generation'");
	int64_t v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static int
heartbeat(struct pg_store *p, PGconn *pg, int64_t seen)
{
	static const char sql[] = "INSERT INTO nodes (id, host, pid, seen) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (id) DO UPDATE SET seen = excluded.seen, heartbeat = now()";
	char pid[24], v[24];
	const char *params[4] = { p->node, p->host, pg_i64(pid, (int64_t)getpid()), pg_i64(v, seen) };
	PGresult *r = PQexecParams(pg, sql, 4, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok ? 0 : -1;
}

static void
listen_drop(struct pg_store *p, PGconn *pg)
{
	const char *params[1] = { p->node };
	PGresult *r;

	if (pg == NULL || PQstatus(pg) != CONNECTION_OK)
		return;
	r = PQexecParams(pg, "DELETE FROM nodes WHERE id = $1", 1, NULL, params, NULL, NULL, 0);
	PQclear(r);
}

static PGconn *
listen_connect(struct pg_store *p, int again, int quiet)
{
	PGconn *pg = connect_db(p->dsn);
	PGresult *r;
	int64_t v;
	char m[512];

	if (PQstatus(pg) != CONNECTION_OK)
		goto fail;
	r = PQexec(pg, "LISTEN dateline_gen");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	if ((v = read_generation(pg)) < 0)
		goto fail;
	/* After a gap anything may have changed: move on in any case. */
	take_in(p, v, again);
	if (again)
		log_warn("store: listener reconnected to %s", p->where);
	return pg;
fail:
	if (!quiet) {
		one_line(m, sizeof m, pg ? PQerrorMessage(pg) : "out of memory");
		log_error("store: listener cannot connect to %s: %s", p->where, m);
	}
	PQfinish(pg);
	return NULL;
}

static void *
listener(void *arg)
{
	struct pg_store *p = arg;
	PGconn *pg = NULL;
	PGnotify *nt;
	struct pollfd pfd;
	int64_t t, v, last_read = 0, last_beat = 0, last_prune = 0, recorded = -1, seen;
	int had = 0, lost_logged = 0, failing = 0;

	while (!atomic_load(&p->stop)) {
		if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
			if (pg && !lost_logged)
				log_warn("store: listener lost its connection to %s", p->where);
			lost_logged = 1;
			PQfinish(pg);
			pg = NULL;
			if ((pg = listen_connect(p, had, failing)) == NULL) {
				failing = 1;
				sleep_ms(LISTEN_POLL_MS);
				continue;
			}
			had = 1;
			failing = 0;
			lost_logged = 0;
			last_read = now_ms();
			recorded = -1;
		}
		pfd.fd = PQsocket(pg);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, LISTEN_POLL_MS) > 0 && PQconsumeInput(pg) == 0) {
			log_warn("store: listener lost its connection to %s", p->where);
			lost_logged = 1;
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		while ((nt = PQnotifies(pg)) != NULL) {
			if (nt->extra && (v = strtoll(nt->extra, NULL, 10)) > 0)
				take_in(p, v, 0);
			PQfreemem(nt);
		}
		t = now_ms();
		if (t - last_read >= REREAD_MS) {
			last_read = t;
			if ((v = read_generation(pg)) >= 0)
				take_in(p, v, 0);
		}
		seen = atomic_load(&p->seen);
		if (seen != recorded || t - last_beat >= REREAD_MS) {
			if (heartbeat(p, pg, seen) == 0) {
				recorded = seen;
				last_beat = t;
			}
		}
		if (t - last_prune >= PRUNE_MS) {
			last_prune = t;
			PQclear(PQexec(pg, "DELETE FROM nodes WHERE heartbeat < now() - interval '1 hour'"));
		}
	}
	listen_drop(p, pg);
	PQfinish(pg);
	return NULL;
}

/* ---- opening ---- */

enum dl_err
pg_dsn_shown(const char *dsn, char *out, size_t len)
{
	PQconninfoOption *opts, *o;
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	char *err = NULL;

	if ((opts = PQconninfoParse(dsn, &err)) == NULL) {
		/* err may quote the string, password and all: not shown. */
		PQfreemem(err);
		return DL_ERR_INVALID;
	}
	for (o = opts; o->keyword; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	if (host && host[0] == '/')
		snprintf(out, len, "postgresql://%s%s/%s?host=%s", user ? user : "", user ? "@" : "",
		    db ? db : "", host);
	else
		snprintf(out, len, "postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
		    host ? host : "", port ? ":" : "", port ? port : "", db ? db : "");
	PQconninfoFree(opts);
	return DL_OK;
}

/* Why a connection failed, as a sentence for the user. */
static enum dl_err
connect_msg(PGconn *pg, const char *where, char *msg, size_t msglen)
{
	char m[512];

	one_line(m, sizeof m, pg ? PQerrorMessage(pg) : "out of memory");
	if (strstr(m, "database \"") && strstr(m, "does not exist")) {
		snprintf(msg, msglen, "the PostgreSQL database of %s does not exist: create it first "
		    "(createdb) (%s)", where, m);
		return DL_ERR_NOTFOUND;
	}
	if (strstr(m, "authentication failed") || strstr(m, "no password supplied") ||
	    strstr(m, "role \"") || strstr(m, "pg_hba.conf")) {
		snprintf(msg, msglen, "PostgreSQL refused the login to %s: check the user name and "
		    "password (%s)", where, m);
		return DL_ERR_DB;
	}
	snprintf(msg, msglen, "cannot reach the PostgreSQL server of %s: is it running and "
	    "accepting connections? (%s)", where, m);
	return DL_ERR_IO;
}

/* Reads the applied step: 0 for an empty schema; -1 (msg set) for a
 * database that is not ours or cannot be read. */
static int
read_version(struct pg_store *p, PGconn *pg, char *msg, size_t msglen)
{
	PGresult *r;
	int64_t ntables, meta, articles, v = -1;
	char m[512];

	r = PQexec(pg, "SELECT count(*), count(*) FILTER (WHERE c.relname = 'meta'), "
	    "count(*) FILTER (WHERE c.relname = 'articles') FROM pg_class c "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		goto dberr;
	ntables = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	meta = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	articles = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	r = NULL;
	if (ntables == 0)
		return 0;
	if (meta == 0 || articles == 0)
		goto notours;
	r = PQexec(pg, "SELECT value FROM meta WHERE key = 'schema_version'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		goto notours;
	if (PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (v < 1 || v > 1000000)
		goto notours;
	return (int)v;
notours:
	PQclear(r);
	snprintf(msg, msglen, "%s is not a dateline database: it holds other tables", p->where);
	return -1;
dberr:
	one_line(m, sizeof m, PQresultErrorMessage(r));
	PQclear(r);
	snprintf(msg, msglen, "cannot read %s: %s", p->where, m);
	return -1;
}

/* Runs `sql` (one or more statements) on pg, writing a sentence into msg
 * on failure. */
static int
step_exec(struct pg_store *p, PGconn *pg, const char *sql, int n, const char *const *params,
    int step, char *msg, size_t msglen)
{
	PGresult *r = n ? PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0) : PQexec(pg, sql);
	const char *state;
	char m[512];

	if (res_ok(r) && (strcmp(sql, "COMMIT") != 0 || strcmp(PQcmdStatus(r), "COMMIT") == 0)) {
		PQclear(r);
		return 0;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	one_line(m, sizeof m, r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL);
	if (m[0] == '\0')
		one_line(m, sizeof m, PQerrorMessage(pg));
	snprintf(msg, msglen, "%s: schema step %d failed: %s%s", p->where, step, m,
	    state && strcmp(state, "42501") == 0 ?
	    " (the user needs the right to create tables: make it the database's owner)" : "");
	log_error("%s", msg);
	PQclear(r);
	return -1;
}

static enum dl_err
migrate(struct pg_store *p, PGconn *pg, char *msg, size_t msglen)
{
	static const char setv[] = "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
	char lock[64], vbuf[24];
	const char *params[1];
	int v;

	if ((v = read_version(p, pg, msg, msglen)) < 0)
		return DL_ERR_CORRUPT;
	snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)", (long long)LOCK_MIGRATE);
	while (v <= pg_n_migrations) {
		if (v == pg_n_migrations)
			return DL_OK;
		/* One step per transaction; the lock makes nodes that start
		 * together take turns, and the loser re-reads the version. */
		if (step_exec(p, pg, "BEGIN", 0, NULL, v + 1, msg, msglen) != 0 ||
		    step_exec(p, pg, lock, 0, NULL, v + 1, msg, msglen) != 0)
			goto fail;
		if ((v = read_version(p, pg, msg, msglen)) < 0) {
			PQclear(PQexec(pg, "ROLLBACK"));
			return DL_ERR_CORRUPT;
		}
		if (v >= pg_n_migrations) {
			PQclear(PQexec(pg, "ROLLBACK"));
			break;
		}
		log_info("%s: schema step %d", p->where, v + 1);
		params[0] = pg_i64(vbuf, v + 1);
		if (step_exec(p, pg, pg_migrations[v], 0, NULL, v + 1, msg, msglen) != 0 ||
		    step_exec(p, pg, setv, 1, params, v + 1, msg, msglen) != 0 ||
		    step_exec(p, pg, "COMMIT", 0, NULL, v + 1, msg, msglen) != 0)
			goto fail;
		v++;
	}
	if (v > pg_n_migrations) {
		snprintf(msg, msglen, "%s has schema version %d, newer than this dateline knows (%d): "
		    "use a newer dateline", p->where, v, pg_n_migrations);
		return DL_ERR_UNSUPPORTED;
	}
	return DL_OK;
fail:
	if (PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
	return DL_ERR_DB;
}

static void
store_free(struct pg_store *p, int key_ok)
{
	struct conn *c, *next;

	if (p->listening) {
		atomic_store(&p->stop, 1);
		pthread_join(p->listener, NULL);
	}
	if (key_ok) {
		pthread_setspecific(p->key, NULL);
		pthread_key_delete(p->key);
	}
	for (c = p->conns; c; c = next) {
		next = c->next;
		conn_free(c);
	}
	pthread_mutex_destroy(&p->mu);
	free(p->dsn);
	free(p);
}

enum dl_err
pg_open(const char *dsn, struct store **out, char *msg, size_t msglen)
{
	struct pg_store *p = NULL;
	struct conn *c;
	unsigned char rnd[16];
	int64_t g;
	enum dl_err e;
	int key_ok = 0;
	size_t i;

	*out = NULL;
	if (msglen)
		msg[0] = '\0';
	if ((p = calloc(1, sizeof *p)) == NULL)
		return DL_ERR_NOMEM;
	if (pg_dsn_shown(dsn, p->where, sizeof p->where) != DL_OK) {
		free(p);
		snprintf(msg, msglen, "the PostgreSQL connection string is not valid "
		    "(postgresql://user:password@host:port/database)");
		return DL_ERR_INVALID;
	}
	p->base.ops = &pg_store_ops;
	pthread_mutex_init(&p->mu, NULL);
	e = DL_ERR_NOMEM;
	if ((p->dsn = strdup(dsn)) == NULL)
		goto out;
	if (pthread_key_create(&p->key, conn_destroy) != 0)
		goto out;
	key_ok = 1;
	if ((c = calloc(1, sizeof *c)) == NULL)
		goto out;
	c->st = p;
	p->conns = c;
	pthread_setspecific(p->key, c);
	c->pg = connect_db(dsn);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		e = connect_msg(c->pg, p->where, msg, msglen);
		goto out;
	}
	if ((e = migrate(p, c->pg, msg, msglen)) != DL_OK)
		goto out;
	p->version = pg_n_migrations;
	if ((g = read_generation(c->pg)) < 0) {
		snprintf(msg, msglen, "%s is not a dateline database: it has no generation", p->where);
		e = DL_ERR_CORRUPT;
		goto out;
	}
	atomic_store(&p->gen, (uint64_t)g + 1);
	atomic_store(&p->seen, g);
	if (sodium_init() < 0) {
		e = DL_ERR_DB;
		goto out;
	}
	randombytes_buf(rnd, sizeof rnd);
	for (i = 0; i < sizeof rnd; i++)
		snprintf(p->node + 2 * i, 3, "%02x", rnd[i]);
	if (gethostname(p->host, sizeof p->host - 1) != 0)
		p->host[0] = '\0';
	if (heartbeat(p, c->pg, g) != 0) {
		snprintf(msg, msglen, "cannot register this node in %s", p->where);
		e = DL_ERR_DB;
		goto out;
	}
	if (pthread_create(&p->listener, NULL, listener, p) != 0) {
		snprintf(msg, msglen, "cannot start the listener thread for %s", p->where);
		e = DL_ERR_NOMEM;
		goto out;
	}
	p->listening = 1;
	*out = &p->base;
	return DL_OK;
out:
	if (msglen && msg[0] == '\0')
		snprintf(msg, msglen, "cannot open %s: %s", p->where, dl_strerror(e));
	store_free(p, key_ok);
	return e;
}

static void
pg_close(struct store *st)
{
	store_free(PQ(st), 1);
}

const struct store_ops pg_store_ops = {
	.engine = "postgresql",
	.close = pg_close,
	STORE_OPS(STORE_OPS_TABLE_ENTRY_pg)
	STORE_OPS_VOID(STORE_OPS_TABLE_ENTRY_pg)
};
