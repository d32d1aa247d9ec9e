/*
 * http: libcurl multi driven by libevent, after curl's docs/examples/hiperfifo.c.
 *
 * The wiring, in one paragraph: curl tells us through sock_cb which sockets
 * it wants watched and for what (one persistent libevent event per socket,
 * kept with curl_multi_assign), and through timer_cb when it next wants to be
 * woken (one evtimer). Each socket event and the timer call
 * curl_multi_socket_action and then drain curl_multi_info_read; finished
 * transfers are completed there and nowhere else: remove the easy handle from
 * the multi, call the user's callback, free the request. Cancellation in
 * http_client_free takes the same path (req_finish).
 *
 * Re-entrancy: a done callback may call http_start (it only adds a handle)
 * and even http_client_free. The latter cancels what is left at once but the
 * client itself is destroyed only when the outermost libevent callback of
 * ours unwinds (depth counter), so no frame above us touches freed memory.
 *
 * Retry-After: delta-seconds are parsed exactly (values above
 * HTTP_RETRY_AFTER_MAX are clamped to it); an HTTP-date is converted with
 * curl_getdate() to the seconds from now (0 when in the past); anything else
 * counts as absent (-1). The last Retry-After of the final answer wins.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "http.h"
#include "log.h"

#ifndef STINGY_VERSION
#define STINGY_VERSION "0"
#endif

#define HTTP_CONNECT_TIMEOUT_MS	5000L
#define HTTP_TIMEOUT_MS		30000L
#define HTTP_MAX_RESPONSE	(1024 * 1024)
#define HTTP_RETRY_AFTER_MAX	2147483647L	/* seconds */

struct http_sock {
	struct http_client	*c;
	struct event		*ev;
	curl_socket_t		 fd;
	struct http_sock	*prev, *next;
};

struct http_req {
	struct http_client	*c;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*body;		/* our copy of the request body */
	size_t			 body_len;	/* its bytes, wiped before the free */
	struct buf		 resp;		/* answer body, capped */
	int			 too_big;	/* the write callback hit the cap */
	int			 oom;		/* the write callback could not grow */
	long			 retry_after_s;
	struct timespec		 start;
	http_done_cb		 done;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_req		*prev, *next;
};

struct http_client {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_req		*reqs;		/* in flight */
	size_t			 ninflight;
	struct http_sock	*socks;		/* watched sockets */
	int			 depth;		/* our libevent callbacks on the stack */
	int			 dying;		/* http_client_free was called */
};

static int curl_ready;

static const char *const http_err_names[] = {
	[HTTP_ERR_NONE] = "ok",
	[HTTP_ERR_CONNECT] = "connect failed",
	[HTTP_ERR_TIMEOUT] = "timed out",
	[HTTP_ERR_TOO_BIG] = "answer too big",
	[HTTP_ERR_TRANSPORT] = "transfer failed",
	[HTTP_ERR_CANCELLED] = "cancelled",
};

const char *
http_err_str(enum http_err e)
{
	if ((unsigned)e >= sizeof(http_err_names) / sizeof(http_err_names[0]) ||
	    http_err_names[e] == NULL)
		return "unknown error";
	return http_err_names[e];
}

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* ---- completion: the one place a request is freed ---- */

static void
req_unlink(struct http_req *r)
{
	struct http_client *c = r->c;

	if (r->prev)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	c->ninflight--;
}

/*
 * req_free: header lines carry credentials (a SigV4 Authorization, a
 * session token, a Cloudflare bearer token): they are wiped, not just freed.
 */
static void
req_free(struct http_req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	for (struct curl_slist *l = r->hdrs; l != NULL; l = l->next)
		if (l->data)
			explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(r->hdrs);
	/* A body may carry a secret (an SSM PutParameter of a private key). */
	if (r->body != NULL)
		explicit_bzero(r->body, r->body_len);
	free(r->body);
	buf_free(&r->resp);
	free(r);
}

static enum http_err
req_map_error(struct http_req *r, CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return HTTP_ERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_ERR_TOO_BIG;
	case CURLE_WRITE_ERROR:
		if (r->too_big)
			return HTTP_ERR_TOO_BIG;
		return HTTP_ERR_TRANSPORT;
	default:
		return HTTP_ERR_TRANSPORT;
	}
}

/*
 * req_finish: unlink r, take its easy handle out of the multi, tell the
 * caller, free r. cancelled: the client is going away (cc is ignored).
 */
static void
req_finish(struct http_req *r, CURLcode cc, int cancelled)
{
	struct http_client *c = r->c;
	struct http_response res;
	long status = 0;

	req_unlink(r);
	curl_multi_remove_handle(c->multi, r->easy);

	memset(&res, 0, sizeof(res));
	res.elapsed_ms = elapsed_ms(&r->start);
	res.retry_after_s = -1;
	res.body = "";
	if (cancelled) {
		res.err = HTTP_ERR_CANCELLED;
		res.errmsg = "request cancelled: client freed";
	} else {
		res.err = req_map_error(r, cc);
		if (res.err == HTTP_ERR_NONE) {
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
			res.errmsg = "";
			res.status = status;
			res.body = buf_str(&r->resp);
			res.body_len = r->resp.len;
			res.retry_after_s = r->retry_after_s;
		} else if (res.err == HTTP_ERR_TOO_BIG) {
			snprintf(r->errbuf, sizeof(r->errbuf),
			    "answer larger than %zu bytes", r->resp.max);
			res.errmsg = r->errbuf;
		} else if (r->oom) {
			res.errmsg = "out of memory storing the answer";
		} else {
			if (r->errbuf[0] == '\0')
				snprintf(r->errbuf, sizeof(r->errbuf), "%s",
				    curl_easy_strerror(cc));
			res.errmsg = r->errbuf;
		}
	}
	r->done(&res, r->arg);
	req_free(r);
}

static void
client_drain(struct http_client *c)
{
	struct http_req *r;
	CURLMsg *m;
	CURLcode cc;
	CURL *easy;
	char *priv;
	int left;

	while (!c->dying && (m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m is invalid after curl_multi_remove_handle: copy it. */
		easy = m->easy_handle;
		cc = m->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		if ((r = (struct http_req *)priv) == NULL) {
			log_warnx("http: finished transfer without a request");
			curl_multi_remove_handle(c->multi, easy);
			continue;
		}
		req_finish(r, cc, 0);
	}
}

static void
client_destroy(struct http_client *c)
{
	struct http_sock *s;

	curl_multi_cleanup(c->multi);
	/* curl normally says CURL_POLL_REMOVE for each; free any it did not. */
	while ((s = c->socks) != NULL) {
		c->socks = s->next;
		event_free(s->ev);
		free(s);
	}
	event_free(c->timer);
	free(c);
}

/* Called at the end of each of our libevent callbacks. */
static void
client_leave(struct http_client *c)
{
	if (--c->depth == 0 && c->dying)
		client_destroy(c);
}

/* ---- libevent side ---- */

static void
sock_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int action = 0, running = 0;
	CURLMcode mc;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	c->depth++;
	mc = curl_multi_socket_action(c->multi, fd, action, &running);
	if (mc != CURLM_OK)
		log_warnx("http: socket action on fd %d: %s", (int)fd,
		    curl_multi_strerror(mc));
	client_drain(c);
	client_leave(c);
}

static void
timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running = 0;
	CURLMcode mc;

	(void)fd;
	(void)what;
	c->depth++;
	mc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	if (mc != CURLM_OK)
		log_warnx("http: timeout action: %s", curl_multi_strerror(mc));
	client_drain(c);
	client_leave(c);
}

/* ---- curl side: never call curl_multi_* that drives transfers here ---- */

static void
sock_free(struct http_client *c, struct http_sock *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	/* The fd may already be closed; libevent tolerates that on delete. */
	event_free(s->ev);
	free(s);
}

static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct http_sock *s = socketp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			sock_free(c, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warnx("http: fd %d: out of memory", (int)fd);
			return 0;	/* the transfer will time out */
		}
		if ((s->ev = event_new(c->base, fd, kind, sock_event_cb, c)) == NULL) {
			log_warnx("http: fd %d: event_new failed", (int)fd);
			free(s);
			return 0;
		}
		s->c = c;
		s->fd = fd;
		s->next = c->socks;
		if (c->socks)
			c->socks->prev = s;
		c->socks = s;
		curl_multi_assign(c->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, c->base, fd, kind, sock_event_cb, c);
	}
	if ((kind & (EV_READ | EV_WRITE)) && event_add(s->ev, NULL) == -1)
		log_warnx("http: fd %d: event_add failed", (int)fd);
	return 0;
}

/* timeout_ms: -1 deletes the timer; 0 and up arm it (0 runs it next loop). */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* The body goes into a capped buf; passing the cap aborts the transfer. */
static size_t
req_write_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct http_req *r = userp;
	size_t n = size * nmemb;

	if (buf_add(&r->resp, p, n) == -1) {
		if (n > r->resp.max - r->resp.len)
			r->too_big = 1;
		else
			r->oom = 1;
		return 0;
	}
	return n;
}

static int
is_ows(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* retry_after_parse: see the top of the file. v need not be NUL-terminated. */
static long
retry_after_parse(const char *v, size_t n)
{
	char tmp[64];
	long secs = 0;
	time_t t, now;
	size_t i;

	while (n > 0 && is_ows(*v)) {
		v++;
		n--;
	}
	while (n > 0 && is_ows(v[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	if (v[0] >= '0' && v[0] <= '9') {
		for (i = 0; i < n; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			if (secs < HTTP_RETRY_AFTER_MAX)
				secs = secs * 10 + (v[i] - '0');
			if (secs > HTTP_RETRY_AFTER_MAX)
				secs = HTTP_RETRY_AFTER_MAX;
		}
		return secs;
	}
	/* Every HTTP-date form starts with a day name. */
	if (!((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if ((t = curl_getdate(tmp, NULL)) == -1)
		return -1;
	now = time(NULL);
	if (t <= now)
		return 0;
	if (t - now > HTTP_RETRY_AFTER_MAX)
		return HTTP_RETRY_AFTER_MAX;
	return (long)(t - now);
}

static size_t
req_header_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	static const char name[] = "retry-after:";
	struct http_req *r = userp;
	size_t n = size * nmemb;

	/* A new status line (after 100 Continue, say): forget what came before. */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		r->retry_after_s = -1;
	else if (n >= sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0)
		r->retry_after_s = retry_after_parse(p + sizeof(name) - 1,
		    n - (sizeof(name) - 1));
	return n;
}

/* ---- setting up a request ---- */

static int
is_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int
is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* req_headers: the caller's headers, plus "Expect:" when a body goes out. */
static int
req_headers(struct http_req *r, const struct http_request *req, int with_body)
{
	struct curl_slist *l;
	struct buf line;
	size_t i;
	int rc = -1;

	buf_init(&line, 16384);
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (!is_token(h->name) || h->value == NULL || has_crlf(h->value)) {
			log_warnx("http: %s: bad header %zu", req->url, i);
			goto out;
		}
		buf_reset(&line);
		/* curl sends "Name;" as a header with an empty value. */
		if (h->value[0] == '\0' ? buf_addf(&line, "%s;", h->name) :
		    buf_addf(&line, "%s: %s", h->name, h->value))
			goto out;
		if ((l = curl_slist_append(r->hdrs, buf_str(&line))) == NULL)
			goto out;
		r->hdrs = l;
	}
	if (with_body) {
		if ((l = curl_slist_append(r->hdrs, "Expect:")) == NULL)
			goto out;
		r->hdrs = l;
	}
	rc = 0;
out:
	if (line.data)
		explicit_bzero(line.data, line.alloc);
	buf_free(&line);
	return rc;
}

#define SETOPT(e, o, v) do { if (curl_easy_setopt((e), (o), (v)) != CURLE_OK) goto fail; } while (0)

static int
req_setup(struct http_req *r, const struct http_request *req)
{
	const char *method = req->method ? req->method : "GET";
	long connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms :
	    HTTP_CONNECT_TIMEOUT_MS;
	long total_ms = req->timeout_ms ? req->timeout_ms : HTTP_TIMEOUT_MS;
	int with_body;
	CURL *e = r->easy;

	/* An empty body on GET, HEAD or DELETE is no body at all. */
	with_body = req->body_len > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
	if (req_headers(r, req, with_body) == -1)
		return -1;

	SETOPT(e, CURLOPT_URL, req->url);
	SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Loopback (the status command, tests) never goes through a proxy. */
	SETOPT(e, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SETOPT(e, CURLOPT_TIMEOUT_MS, total_ms);
	SETOPT(e, CURLOPT_LOW_SPEED_LIMIT, 0L);
	SETOPT(e, CURLOPT_USERAGENT, "stingy-vpn/" STINGY_VERSION);
	SETOPT(e, CURLOPT_PRIVATE, (char *)r);
	SETOPT(e, CURLOPT_ERRORBUFFER, r->errbuf);
	SETOPT(e, CURLOPT_WRITEFUNCTION, req_write_cb);
	SETOPT(e, CURLOPT_WRITEDATA, r);
	SETOPT(e, CURLOPT_HEADERFUNCTION, req_header_cb);
	SETOPT(e, CURLOPT_HEADERDATA, r);
	/* Refuses early when Content-Length already says too much. */
	SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->resp.max);
	if (r->hdrs)
		SETOPT(e, CURLOPT_HTTPHEADER, r->hdrs);

	if (with_body) {
		/* POSTFIELDS makes it a POST; CUSTOMREQUEST renames the method. */
		SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(e, CURLOPT_POSTFIELDS, r->body);
		if (strcmp(method, "POST") != 0)
			SETOPT(e, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "HEAD") == 0) {
		SETOPT(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		SETOPT(e, CURLOPT_CUSTOMREQUEST, method);
	}
	return 0;
fail:
	log_warnx("http: %s: curl_easy_setopt failed", req->url);
	return -1;
}

static int
req_valid(const struct http_request *req)
{
	if (req->url == NULL || has_crlf(req->url))
		return 0;
	if (req->method != NULL && !is_token(req->method))
		return 0;
	if (req->body == NULL && req->body_len != 0)
		return 0;
	if (req->headers == NULL && req->nheaders != 0)
		return 0;
	if (req->connect_timeout_ms < 0 || req->timeout_ms < 0)
		return 0;
	if ((uint64_t)req->max_response > (uint64_t)INT64_MAX)
		return 0;
	return 1;
}

int
http_start(struct http_client *c, const struct http_request *req,
    http_done_cb done, void *arg)
{
	struct http_req *r = NULL;
	CURLMcode mc;

	if (c == NULL || req == NULL || done == NULL || c->dying)
		return -1;
	if (!req_valid(req)) {
		log_warnx("http: %s: bad request", req->url ? req->url : "(null)");
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->c = c;
	r->done = done;
	r->arg = arg;
	r->retry_after_s = -1;
	buf_init(&r->resp, req->max_response ? req->max_response :
	    HTTP_MAX_RESPONSE);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	if ((r->body = malloc(req->body_len ? req->body_len : 1)) == NULL)
		goto fail;
	if (req->body_len)
		memcpy(r->body, req->body, req->body_len);
	r->body_len = req->body_len;
	if ((r->easy = curl_easy_init()) == NULL)
		goto fail;
	if (req_setup(r, req) == -1)
		goto fail;
	/* This only arms the timer (timer_cb with 0): nothing completes here. */
	if ((mc = curl_multi_add_handle(c->multi, r->easy)) != CURLM_OK) {
		log_warnx("http: %s: %s", req->url, curl_multi_strerror(mc));
		goto fail;
	}
	r->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = r;
	c->reqs = r;
	c->ninflight++;
	return 0;
fail:
	if (r)
		req_free(r);
	return -1;
}

size_t
http_client_inflight(const struct http_client *c)
{
	return c ? c->ninflight : 0;
}

struct http_client *
http_client_new(struct event_base *base)
{
	struct http_client *c = NULL;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_warnx("http: curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->base = base;
	if ((c->timer = evtimer_new(base, timer_event_cb, c)) == NULL)
		goto fail;
	if ((c->multi = curl_multi_init()) == NULL)
		goto fail;
	if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb) ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb) ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c))
		goto fail;
	return c;
fail:
	log_warnx("http: cannot create the client");
	if (c) {
		if (c->multi)
			curl_multi_cleanup(c->multi);
		if (c->timer)
			event_free(c->timer);
		free(c);
	}
	return NULL;
}

void
http_client_free(struct http_client *c)
{
	struct http_req *r;

	if (c == NULL || c->dying)
		return;
	c->dying = 1;
	c->depth++;
	/* Callbacks may call http_start (it fails now) or free again (no-op). */
	while ((r = c->reqs) != NULL)
		req_finish(r, CURLE_OK, 1);
	client_leave(c);
}
