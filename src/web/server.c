/* server.c - the public HTTP server (libmicrohttpd, epoll, thread pool).
 *
 * Limits (each refuses or drops the client; the server goes on):
 *   threads            cfg->threads (default 2): MHD thread pool, one epoll each
 *   connections        1000 at once (MHD_OPTION_CONNECTION_LIMIT); more wait in
 *                      the kernel backlog or are refused
 *   per client IP      128 connections at once (behind a reverse proxy every
 *                      client has the proxy's address: raise it there)
 *   idle timeout       15 s without any traffic on a connection: closed
 *   request deadline   15 s: the request line, headers and body must have
 *                      arrived within 15 s of the connection opening or of the
 *                      previous response being sent, else the socket is shut
 *                      down (a watchdog checks once a second, so a slow client,
 *                      e.g. one byte a second, is dropped within 16 s)
 *   URL + headers      32 KiB per connection (MHD_OPTION_CONNECTION_MEMORY_LIMIT,
 *                      which also holds the response headers): a longer URL gets
 *                      414 and longer headers 431 (or the connection is closed)
 *   header fields      at most 100: 431
 *   request body       64 KiB, read into the request's arena: a larger
 *                      Content-Length gets 413 before any of it is read, a
 *                      chunked body 413 when it passes the cap; the connection
 *                      is then closed
 *   request arena      16 MiB for everything a handler allocates
 *   response body      RESP_BODY_MAX (8 MiB, web.h)
 *   page cache         cfg->cache_bytes; pages above 1 MiB are not cached (cache.h)
 *
 * A request's context is made in the URI log callback (it also keeps the raw
 * URI, the page cache key) and freed in the completion callback, with its
 * arena. The response is queued only once the request is complete (the
 * second call of the access handler): queued earlier, MHD closes the
 * connection after it, which we want only for 413 and 431.
 */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "base/log.h"
#include "pages/page.h"
#include "store/store.h"
#include "web/cache.h"
#include "web/http.h"
#include "web/web.h"

#define CONN_LIMIT        1000u
#define PER_IP_LIMIT      128u
#define IDLE_TIMEOUT_S    15u
#define REQUEST_DEADLINE_MS 15000
#define CONN_MEMORY       (32u * 1024)
#define HEADERS_MAX       100u
#define BODY_MAX          (64u * 1024)
#define ARENA_MAX         (16u << 20)

/* One per connection, for the request deadline watchdog. */
struct conn_rec {
	struct conn_rec *prev, *next;
	int fd;
	atomic_llong deadline;   /* monotonic ms; 0 = none */
};

struct server {
	struct site *site;
	pthread_mutex_t mu;       /* guards the conn_rec list and stop */
	pthread_cond_t cv;
	struct conn_rec conns;    /* list head */
	int stop;
	atomic_ulong dropped;
};

/* One per request. */
struct rctx {
	struct arena *arena;
	char *body;
	size_t body_len;
	int started;
	int answered;
	struct timespec t0;
	char uri[];               /* raw, as sent: path and query */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct conn_rec *
conn_rec_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void
set_deadline(struct MHD_Connection *conn, long long when)
{
	struct conn_rec *cr = conn_rec_of(conn);

	if (cr)
		atomic_store_explicit(&cr->deadline, when, memory_order_relaxed);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	struct conn_rec *cr = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (cr = calloc(1, sizeof *cr)) == NULL)
			return;   /* no deadline for this one; the idle timeout remains */
		cr->fd = ci->connect_fd;
		atomic_init(&cr->deadline, mono_ms() + REQUEST_DEADLINE_MS);
		pthread_mutex_lock(&sv->mu);
		cr->next = sv->conns.next;
		cr->prev = &sv->conns;
		cr->next->prev = cr;
		sv->conns.next = cr;
		pthread_mutex_unlock(&sv->mu);
		*socket_context = cr;
	} else if (cr) {
		/* MHD closes the socket only after this, so the watchdog (which
		 * holds mu while it shuts sockets down) never touches a reused fd. */
		pthread_mutex_lock(&sv->mu);
		cr->prev->next = cr->next;
		cr->next->prev = cr->prev;
		pthread_mutex_unlock(&sv->mu);
		free(cr);
		*socket_context = NULL;
	}
}

static void *
watchdog(void *arg)
{
	struct server *sv = arg;
	struct conn_rec *cr;
	struct timespec ts;
	long long now, d;

	pthread_mutex_lock(&sv->mu);
	while (!sv->stop) {
		now = mono_ms();
		for (cr = sv->conns.next; cr != &sv->conns; cr = cr->next) {
			d = atomic_load_explicit(&cr->deadline, memory_order_relaxed);
			if (d && now > d) {
				atomic_store(&cr->deadline, 0);
				shutdown(cr->fd, SHUT_RDWR);
				atomic_fetch_add(&sv->dropped, 1);
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&sv->cv, &sv->mu, &ts);
	}
	pthread_mutex_unlock(&sv->mu);
	return NULL;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	size_t n = strlen(uri);
	struct rctx *cx = malloc(sizeof *cx + n + 1);

	if (cx == NULL)
		return NULL;
	cx->arena = NULL;
	cx->body = NULL;
	cx->body_len = 0;
	cx->started = 0;
	cx->answered = 0;
	clock_gettime(CLOCK_MONOTONIC, &cx->t0);
	memcpy(cx->uri, uri, n + 1);
	return cx;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct rctx *cx = *con_cls;

	if (cx) {
		arena_free(cx->arena);
		free(cx);
		*con_cls = NULL;
	}
	set_deadline(conn, mono_ms() + REQUEST_DEADLINE_MS);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

/* A short plain-text answer made by the server itself (413, 431, 405...). */
static enum MHD_Result
queue_plain(struct MHD_Connection *conn, unsigned status, const char *text, const char *allow)
{
	struct MHD_Response *r;
	struct resp rs = { .content_type = "text/plain; charset=utf-8", .no_store = 1 };
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (http_add_headers(r, &rs, 0) != DL_OK ||
	    (allow && MHD_add_response_header(r, "Allow", allow) != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The path for a log line: capped, control bytes replaced. */
static void
log_path(char *out, size_t outlen, const char *path)
{
	size_t i;

	for (i = 0; path[i] && i + 1 < outlen; i++)
		out[i] = ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) ? '?' : path[i];
	out[i] = '\0';
}

static double
since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
resp_clear(struct resp *rs)
{
	buf_reset(&rs->body);
	rs->status = 0;
	rs->content_type = NULL;
	rs->location = NULL;
	rs->n_headers = 0;
	rs->no_store = 0;
}

static enum MHD_Result
answer(struct server *sv, struct rctx *cx, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct site *site = sv->site;
	const struct config *cfg = site->cfg;
	const struct route *route = NULL;
	struct req rq = { 0 };
	struct resp rs = { .body = BUF_INIT(RESP_BODY_MAX) };
	struct cache_hit hit;
	struct MHD_Response *r;
	const char *lang;
	int get_like = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int cacheable;
	uint64_t gen = 0;
	enum dl_err err = DL_OK;
	enum MHD_Result ret;
	char *data;
	size_t len;

	if (get_like && site->cache) {
		gen = site->store ? store_generation(site->store) : 0;
		if (cache_lookup_cond(site->cache, cx->uri, gen,
		        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"),
		        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"),
		        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Modified-Since"), &hit)) {
			ret = MHD_queue_response(conn, hit.status, hit.resp);
			cache_release(site->cache, &hit);
			return ret;
		}
	}

	if (cx->arena == NULL && (cx->arena = arena_new(ARENA_MAX)) == NULL)
		return queue_plain(conn, 500, "out of memory\n", NULL);
	rq.site = site;
	rq.arena = cx->arena;
	rq.method = method;
	rq.path = url;
	rq.lang = cfg->default_lang;
	rq.conn = conn;
	rq.body = cx->body;
	rq.body_len = cx->body_len;

	route = route_find(&rq, method, url);
	if (route == NULL) {
		if (!get_like && route_find(&rq, "GET", url))
			return queue_plain(conn, 405, "method not allowed\n", "GET, HEAD");
		err = DL_ERR_NOTFOUND;
	} else if (route->flags & ROUTE_EDITION) {
		lang = req_param(&rq, "lang");
		if (lang && config_has_edition(cfg, lang)) {
			rq.lang = lang;
			err = route->fn(&rq, &rs);
		} else {
			err = DL_ERR_NOTFOUND;
		}
	} else {
		err = route->fn(&rq, &rs);
	}
	if (err != DL_OK) {
		if (err != DL_ERR_NOTFOUND) {
			char p[256];

			log_path(p, sizeof p, url);
			log_error("%s %s: 500 (%s) %.1f ms", method, p, dl_strerror(err), since_ms(&cx->t0));
		}
		route = NULL;
		resp_clear(&rs);
		if (page_error(&rq, &rs, err == DL_ERR_NOTFOUND ? 404 : 500) != DL_OK) {
			buf_free(&rs.body);
			return queue_plain(conn, err == DL_ERR_NOTFOUND ? 404 : 500,
			    err == DL_ERR_NOTFOUND ? "not found\n" : "internal error\n", NULL);
		}
		if (rs.status == 0)
			rs.status = err == DL_ERR_NOTFOUND ? 404 : 500;
	}
	if (rs.status == 0)
		rs.status = 200;

	cacheable = route && (route->flags & ROUTE_CACHE) && !rs.no_store &&
	    (rs.status == 200 || rs.status == 301);
	if (cacheable && site->cache && rs.status == 200 && rs.body.len <= CACHE_ENTRY_MAX &&
	    cache_insert(site->cache, cx->uri, gen, &rs,
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"),
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"), &hit) == DL_OK) {
		buf_free(&rs.body);
		ret = MHD_queue_response(conn, hit.status, hit.resp);
		cache_release(site->cache, &hit);
		return ret;
	}

	len = rs.body.len;
	if (len == 0) {
		buf_free(&rs.body);
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else if ((data = buf_detach(&rs.body)) == NULL) {
		return queue_plain(conn, 500, "out of memory\n", NULL);
	} else {
		r = MHD_create_response_from_buffer_with_free_callback(len, data, free);
		if (r == NULL)
			free(data);
	}
	if (r == NULL)
		return MHD_NO;
	if (http_add_headers(r, &rs, cacheable ? HTTP_CACHEABLE : 0) != DL_OK) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, (unsigned)rs.status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct server *sv = cls;
	struct rctx *cx = *con_cls;
	const char *cl;
	size_t n = *upload_data_size;

	if (cx == NULL)
		return MHD_NO;   /* out of memory in on_uri: drop the connection */
	if (cx->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!cx->started) {
		cx->started = 1;
		if ((unsigned)MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL) > HEADERS_MAX) {
			cx->answered = 1;
			return queue_plain(conn, 431, "too many header fields\n", NULL);
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > BODY_MAX) {
			cx->answered = 1;
			return queue_plain(conn, 413, "request body too large\n", NULL);
		}
		return MHD_YES;
	}
	if (n) {
		if (cx->body_len + n > BODY_MAX) {
			cx->answered = 1;
			*upload_data_size = 0;
			return queue_plain(conn, 413, "request body too large\n", NULL);
		}
		if (cx->arena == NULL && (cx->arena = arena_new(ARENA_MAX)) == NULL)
			return MHD_NO;
		if (cx->body == NULL && (cx->body = arena_alloc(cx->arena, BODY_MAX + 1)) == NULL)
			return MHD_NO;
		memcpy(cx->body + cx->body_len, upload_data, n);
		cx->body_len += n;
		*upload_data_size = 0;
		return MHD_YES;
	}
	cx->answered = 1;
	set_deadline(conn, 0);
	return answer(sv, cx, conn, url, method);
}

enum dl_err
server_run(struct site *site)
{
	struct server sv = { .site = site };
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct MHD_Daemon *d = NULL;
	sigset_t set, old;
	pthread_t wd;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	unsigned threads = site->cfg->threads ? site->cfg->threads : 1;
	char msg[256];
	enum dl_err err = DL_OK;
	int sig = 0, wd_started = 0;

	if ((err = http_parse_listen(site->cfg->listen, &addr, &addrlen, msg, sizeof msg)) != DL_OK) {
		log_error("%s", msg);
		return err;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	sv.conns.next = sv.conns.prev = &sv.conns;
	pthread_mutex_init(&sv.mu, NULL);
	pthread_cond_init(&sv.cv, NULL);

	/* Every thread started from here on inherits the mask: the signals
	 * reach only sigwait() below. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	if (pthread_create(&wd, NULL, watchdog, &sv) != 0) {
		log_error("cannot start the watchdog thread");
		err = DL_ERR_NOMEM;
		goto out;
	}
	wd_started = 1;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &sv,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
	    MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, &sv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, &sv,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_error("cannot listen on %s: %s", site->cfg->listen,
		    errno ? strerror(errno) : "libmicrohttpd refused to start");
		err = DL_ERR_IO;
		goto out;
	}
	printf("dateline: serving http://%s/\n", site->cfg->listen);
	fflush(stdout);
	if (sigwait(&set, &sig) == 0)
		log_info("signal %d: stopping", sig);
out:
	if (d)
		MHD_stop_daemon(d);
	if (wd_started) {
		pthread_mutex_lock(&sv.mu);
		sv.stop = 1;
		pthread_cond_signal(&sv.cv);
		pthread_mutex_unlock(&sv.mu);
		pthread_join(wd, NULL);
	}
	if (atomic_load(&sv.dropped))
		log_info("%lu slow connections dropped", (unsigned long)atomic_load(&sv.dropped));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_cond_destroy(&sv.cv);
	pthread_mutex_destroy(&sv.mu);
	return err;
}
