/*
 * test_http: the libevent + curl multi client against an evhttp server that
 * runs in this very process on 127.0.0.1 and an ephemeral port.
 *
 * No check depends on wall-clock thresholds except generous upper bounds:
 * ordering is asserted by the order callbacks ran in.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "log.h"
#include "t.h"

#define MAX_PENDING	16
#define MAX_PORTS	64
#define BIG_LEN		4096
#define GUARD_S		30	/* no test may take longer than this */

struct pending {
	struct srv		*srv;
	struct evhttp_request	*req;
	struct event		*ev;	/* NULL for /hang */
};

struct srv {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;
	struct pending		 pend[MAX_PENDING];
	int			 npend;
	unsigned		 peers[MAX_PORTS];	/* distinct client ports */
	int			 npeers;
	int			 nrequests;
};

static void
srv_note_peer(struct srv *s, struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;
	int i;

	s->nrequests++;
	if (con == NULL)
		return;
	evhttp_connection_get_peer(con, &addr, &port);
	for (i = 0; i < s->npeers; i++)
		if (s->peers[i] == port)
			return;
	if (s->npeers < MAX_PORTS)
		s->peers[s->npeers++] = port;
}

static void
reply(struct evhttp_request *req, int code, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Other", b);
	evbuffer_free(b);
}

static void
h_ok(struct evhttp_request *req, void *arg)
{
	srv_note_peer(arg, req);
	reply(req, 200, "hello", 5);
}

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

/* /echo: "METHOD\nX-Echo\nUser-Agent\nExpect\nContent-Type\n" then the body. */
static void
h_echo(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct evbuffer *out = evbuffer_new();
	const char *v;

	srv_note_peer(arg, req);
	evbuffer_add_printf(out, "%s\n", method_name(evhttp_request_get_command(req)));
	v = evhttp_find_header(in, "X-Echo");
	evbuffer_add_printf(out, "%s\n", v ? v : "-");
	v = evhttp_find_header(in, "User-Agent");
	evbuffer_add_printf(out, "%s\n", v ? v : "-");
	v = evhttp_find_header(in, "Expect");
	evbuffer_add_printf(out, "%s\n", v ? v : "-");
	v = evhttp_find_header(in, "Content-Type");
	evbuffer_add_printf(out, "%s\n", v ? v : "-");
	evbuffer_add_buffer(out, body);
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void
h_big(struct evhttp_request *req, void *arg)
{
	char big[BIG_LEN];

	srv_note_peer(arg, req);
	memset(big, 'x', sizeof(big));
	reply(req, 200, big, sizeof(big));
}

/* /bigchunked: the same size, chunked, so no Content-Length warns curl. */
static void
h_bigchunked(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	char chunk[512];
	int i;

	srv_note_peer(arg, req);
	memset(chunk, 'y', sizeof(chunk));
	evhttp_send_reply_start(req, 200, "OK");
	for (i = 0; i < BIG_LEN / (int)sizeof(chunk); i++) {
		evbuffer_add(b, chunk, sizeof(chunk));
		evhttp_send_reply_chunk(req, b);
	}
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void
h_503(struct evhttp_request *req, void *arg)
{
	srv_note_peer(arg, req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "7");
	reply(req, 503, "busy", 4);
}

/* /retry?v=VALUE: 429 with Retry-After: VALUE (decoded). */
static void
h_retry(struct evhttp_request *req, void *arg)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params;
	const char *v;

	srv_note_peer(arg, req);
	TAILQ_INIT(&params);
	if (q && evhttp_parse_query_str(q, &params) == 0 &&
	    (v = evhttp_find_header(&params, "v")) != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", v);
	evhttp_clear_headers(&params);
	reply(req, 429, "slow down", 9);
}

static void
slow_fire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	(void)fd;
	(void)what;
	reply(p->req, 200, "slow", 4);
	p->req = NULL;
	event_free(p->ev);
	p->ev = NULL;
}

static struct pending *
srv_pending(struct srv *s, struct evhttp_request *req)
{
	struct pending *p;

	if (s->npend == MAX_PENDING)
		abort();
	p = &s->pend[s->npend++];
	p->srv = s;
	p->req = req;
	p->ev = NULL;
	return p;
}

/* /slow: answers after 2000 ms (an evtimer; nothing blocks). */
static void
h_slow(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct pending *p;
	struct timeval tv = { 2, 0 };

	srv_note_peer(s, req);
	p = srv_pending(s, req);
	p->ev = evtimer_new(s->base, slow_fire_cb, p);
	evtimer_add(p->ev, &tv);
}

/* /hang: never answers (srv_free answers so nothing leaks). */
static void
h_hang(struct evhttp_request *req, void *arg)
{
	srv_note_peer(arg, req);
	srv_pending(arg, req);
}

static struct srv *
srv_new(struct event_base *base)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct srv *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->base = base;
	s->http = evhttp_new(base);
	evhttp_set_cb(s->http, "/ok", h_ok, s);
	evhttp_set_cb(s->http, "/echo", h_echo, s);
	evhttp_set_cb(s->http, "/big", h_big, s);
	evhttp_set_cb(s->http, "/bigchunked", h_bigchunked, s);
	evhttp_set_cb(s->http, "/status/503", h_503, s);
	evhttp_set_cb(s->http, "/retry", h_retry, s);
	evhttp_set_cb(s->http, "/slow", h_slow, s);
	evhttp_set_cb(s->http, "/hang", h_hang, s);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE);
	bs = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
	if (bs == NULL || getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &sl) == -1) {
		fprintf(stderr, "test_http: cannot bind the test server\n");
		exit(1);
	}
	s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return s;
}

static void
srv_free(struct srv *s)
{
	int i;

	/*
	 * Answer what is still open: evhttp keeps an unanswered request alive
	 * after its connection closed, and answering it is what frees it.
	 */
	for (i = 0; i < s->npend; i++) {
		if (s->pend[i].ev)
			event_free(s->pend[i].ev);
		if (s->pend[i].req)
			reply(s->pend[i].req, 200, "late", 4);
	}
	evhttp_free(s->http);
	free(s);
}

static void
srv_url(const struct srv *s, const char *path, char *url, size_t len)
{
	snprintf(url, len, "http://127.0.0.1:%d%s", s->port, path);
}

/* ---- a small driver: run the loop until `want` callbacks have run ---- */

#define MAX_SEEN 32

struct run {
	struct event_base	*base;
	struct http_client	*c;
	struct srv		*srv;
	int			 want;
	int			 ndone;
	int			 timed_out;
	struct event		*guard;
};

struct seen {
	struct run	*run;
	int		 id;
	int		 order;		/* 1-based completion order, 0: not yet */
	int		 calls;
	enum http_err	 err;
	long		 status;
	char		 body[BIG_LEN + 1];
	size_t		 body_len;
	long		 retry_after_s;
	long		 elapsed_ms;
	char		 errmsg[256];
};

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	r->timed_out = 1;
	event_base_loopbreak(r->base);
}

static void
run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->base = event_base_new();
	r->srv = srv_new(r->base);
	r->c = http_client_new(r->base);
	r->guard = evtimer_new(r->base, guard_cb, r);
	if (r->c == NULL || r->guard == NULL)
		abort();
}

static void
run_loop(struct run *r, int want)
{
	struct timeval tv = { GUARD_S, 0 };

	r->want = want;
	if (r->ndone >= r->want)
		return;
	evtimer_add(r->guard, &tv);
	event_base_dispatch(r->base);
	evtimer_del(r->guard);
	T_OK(!r->timed_out, "the loop hit the %d s guard (%d of %d done)",
	    GUARD_S, r->ndone, want);
}

static void
run_free(struct run *r)
{
	http_client_free(r->c);
	srv_free(r->srv);
	event_free(r->guard);
	event_base_free(r->base);
}

static void
seen_record(struct seen *s, const struct http_response *res)
{
	struct run *r = s->run;

	s->calls++;
	s->order = ++r->ndone;
	s->err = res->err;
	s->status = res->status;
	s->body_len = res->body_len;
	if (res->body_len < sizeof(s->body)) {
		memcpy(s->body, res->body, res->body_len);
		s->body[res->body_len] = '\0';
	}
	s->retry_after_s = res->retry_after_s;
	s->elapsed_ms = res->elapsed_ms;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s", res->errmsg);
	if (r->ndone >= r->want)
		event_base_loopbreak(r->base);
}

static void
seen_cb(const struct http_response *res, void *arg)
{
	seen_record(arg, res);
}

static int
start(struct run *r, struct seen *s, const char *path, struct http_request *req)
{
	char url[256];
	struct http_request def;

	if (req == NULL) {
		memset(&def, 0, sizeof(def));
		req = &def;
	}
	srv_url(r->srv, path, url, sizeof(url));
	req->url = url;
	memset(s, 0, sizeof(*s));
	s->run = r;
	return http_start(r->c, req, seen_cb, s);
}

/* ---- tests ---- */

static void
test_get(void)
{
	struct run r;
	struct seen s;

	run_init(&r);
	T_EQ_INT(start(&r, &s, "/ok", NULL), 0);
	T_EQ_INT(s.calls, 0);	/* never from inside http_start */
	T_EQ_INT(http_client_inflight(r.c), 1);
	run_loop(&r, 1);
	T_EQ_INT(s.calls, 1);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_EQ_INT(s.status, 200);
	T_EQ_STR(s.body, "hello");
	T_EQ_INT(s.body_len, 5);
	T_EQ_INT(s.retry_after_s, -1);
	T_EQ_STR(s.errmsg, "");
	T_OK(s.elapsed_ms >= 0, "elapsed_ms %ld", s.elapsed_ms);
	T_EQ_INT(http_client_inflight(r.c), 0);
	run_free(&r);
}

static void
test_post_echo(void)
{
	static const char body[] = "a=1&b=\"two\"\n\0tail";	/* binary-safe */
	struct http_header hdrs[] = {
		{ "X-Echo", "value with spaces" },
		{ "Content-Type", "application/json" },
	};
	struct http_request req;
	struct run r;
	struct seen s;
	char want[512];
	size_t wlen;
	int n;

	run_init(&r);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.headers = hdrs;
	req.nheaders = 2;
	req.body = body;
	req.body_len = sizeof(body) - 1;
	T_EQ_INT(start(&r, &s, "/echo", &req), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_EQ_INT(s.status, 200);
	n = snprintf(want, sizeof(want), "POST\nvalue with spaces\nstingy-vpn/%s\n-\n"
	    "application/json\n", STINGY_VERSION);
	memcpy(want + n, body, sizeof(body) - 1);
	wlen = (size_t)n + sizeof(body) - 1;
	T_EQ_INT(s.body_len, wlen);
	T_OK(s.body_len == wlen && memcmp(s.body, want, wlen) == 0,
	    "echo body: \"%s\"", s.body);

	/* PUT with a body keeps its method name. */
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.body = "x";
	req.body_len = 1;
	T_EQ_INT(start(&r, &s, "/echo", &req), 0);
	run_loop(&r, 2);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_OK(strncmp(s.body, "PUT\n-\n", 6) == 0, "put echo: \"%s\"", s.body);
	T_OK(s.body_len > 0 && s.body[s.body_len - 1] == 'x', "put body");

	/* DELETE without a body; HEAD gets no body. */
	memset(&req, 0, sizeof(req));
	req.method = "DELETE";
	T_EQ_INT(start(&r, &s, "/echo", &req), 0);
	run_loop(&r, 3);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_OK(strncmp(s.body, "DELETE\n", 7) == 0, "delete echo: \"%s\"", s.body);
	memset(&req, 0, sizeof(req));
	req.method = "HEAD";
	T_EQ_INT(start(&r, &s, "/ok", &req), 0);
	run_loop(&r, 4);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_EQ_INT(s.status, 200);
	T_EQ_INT(s.body_len, 0);
	run_free(&r);
}

static void
test_bad_input(void)
{
	struct http_header crlf[] = { { "X-A", "v\r\nX-Injected: 1" } };
	struct http_header badname[] = { { "X A", "v" } };
	struct http_request req;
	struct run r;
	struct seen s;

	run_init(&r);
	memset(&req, 0, sizeof(req));
	req.headers = crlf;
	req.nheaders = 1;
	T_EQ_INT(start(&r, &s, "/ok", &req), -1);
	req.headers = badname;
	T_EQ_INT(start(&r, &s, "/ok", &req), -1);
	memset(&req, 0, sizeof(req));
	req.method = "GET X";
	T_EQ_INT(start(&r, &s, "/ok", &req), -1);
	memset(&req, 0, sizeof(req));
	req.body_len = 3;	/* with no body */
	T_EQ_INT(start(&r, &s, "/ok", &req), -1);
	memset(&req, 0, sizeof(req));
	req.timeout_ms = -1;
	T_EQ_INT(start(&r, &s, "/ok", &req), -1);
	T_EQ_INT(http_client_inflight(r.c), 0);
	T_EQ_INT(s.calls, 0);

	/* Only http and https: anything else fails later, in the callback. */
	memset(&req, 0, sizeof(req));
	req.url = "ftp://127.0.0.1/x";
	memset(&s, 0, sizeof(s));
	s.run = &r;
	T_EQ_INT(http_start(r.c, &req, seen_cb, &s), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.err, HTTP_ERR_TRANSPORT);
	T_OK(s.errmsg[0] != '\0', "errmsg set");
	T_EQ_INT(s.status, 0);
	run_free(&r);
}

static void
test_too_big(void)
{
	struct http_request req;
	struct run r;
	struct seen s1, s2, s3;

	run_init(&r);
	memset(&req, 0, sizeof(req));
	req.max_response = 1024;
	T_EQ_INT(start(&r, &s1, "/big", &req), 0);
	T_EQ_INT(start(&r, &s2, "/bigchunked", &req), 0);
	req.max_response = BIG_LEN;	/* exactly fits */
	T_EQ_INT(start(&r, &s3, "/bigchunked", &req), 0);
	run_loop(&r, 3);
	T_EQ_INT(s1.err, HTTP_ERR_TOO_BIG);
	T_EQ_INT(s2.err, HTTP_ERR_TOO_BIG);
	T_EQ_INT(s1.status, 0);
	T_EQ_INT(s1.body_len, 0);
	T_EQ_STR(s2.errmsg, "answer larger than 1024 bytes");
	T_EQ_INT(s3.err, HTTP_ERR_NONE);
	T_EQ_INT(s3.body_len, BIG_LEN);
	run_free(&r);
}

static void
test_timeout(void)
{
	struct http_request req;
	struct run r;
	struct seen s;

	run_init(&r);
	memset(&req, 0, sizeof(req));
	req.timeout_ms = 300;
	T_EQ_INT(start(&r, &s, "/hang", &req), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.err, HTTP_ERR_TIMEOUT);
	T_EQ_INT(s.status, 0);
	T_OK(s.elapsed_ms >= 250 && s.elapsed_ms < 15000,
	    "timed out after %ld ms", s.elapsed_ms);
	T_OK(strlen(s.errmsg) > 0, "errmsg \"%s\"", s.errmsg);
	run_free(&r);
}

static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);	/* bound, never listened: nobody answers there */
	return port;
}

static void
test_refused(void)
{
	struct http_request req;
	struct run r;
	struct seen s;
	char url[128];

	run_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", closed_port());
	memset(&req, 0, sizeof(req));
	req.url = url;
	memset(&s, 0, sizeof(s));
	s.run = &r;
	T_EQ_INT(http_start(r.c, &req, seen_cb, &s), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.err, HTTP_ERR_CONNECT);
	T_EQ_INT(s.status, 0);
	T_OK(strlen(s.errmsg) > 0, "errmsg \"%s\"", s.errmsg);
	run_free(&r);
}

static void
test_retry_after(void)
{
	static const struct {
		const char	*query;
		long		 want;
	} cases[] = {
		{ "?v=0", 0 },
		{ "?v=120", 120 },
		{ "?v=%2042%20", 42 },
		{ "?v=99999999999999999999", 2147483647L },
		{ "?v=-5", -1 },
		{ "?v=7x", -1 },
		{ "?v=abc", -1 },
		{ "?v=Sun,%2006%20Nov%201994%2008:49:37%20GMT", 0 },	/* past */
		{ "", -1 },
	};
	char path[128];
	struct run r;
	struct seen s;
	size_t i;

	run_init(&r);
	T_EQ_INT(start(&r, &s, "/status/503", NULL), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.err, HTTP_ERR_NONE);
	T_EQ_INT(s.status, 503);
	T_EQ_INT(s.retry_after_s, 7);
	T_EQ_STR(s.body, "busy");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "/retry%s", cases[i].query);
		T_EQ_INT(start(&r, &s, path, NULL), 0);
		run_loop(&r, (int)i + 2);
		T_EQ_INT(s.status, 429);
		T_OK(s.retry_after_s == cases[i].want, "%s: %ld != %ld",
		    cases[i].query, s.retry_after_s, cases[i].want);
	}
	run_free(&r);
}

static void
test_retry_after_date(void)
{
	char path[160], date[64];
	struct tm tm;
	time_t t = time(NULL) + 3600;
	struct run r;
	struct seen s;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a,%%20%d%%20%b%%20%Y%%20%H:%M:%S%%20GMT", &tm);
	snprintf(path, sizeof(path), "/retry?v=%s", date);
	run_init(&r);
	T_EQ_INT(start(&r, &s, path, NULL), 0);
	run_loop(&r, 1);
	T_EQ_INT(s.status, 429);
	T_OK(s.retry_after_s > 3500 && s.retry_after_s <= 3600,
	    "date an hour ahead: %ld s", s.retry_after_s);
	run_free(&r);
}

static void
test_concurrency(void)
{
	struct run r;
	struct seen slow, ok[5];
	int i;

	run_init(&r);
	T_EQ_INT(start(&r, &slow, "/slow", NULL), 0);
	for (i = 0; i < 5; i++)
		T_EQ_INT(start(&r, &ok[i], "/ok", NULL), 0);
	T_EQ_INT(http_client_inflight(r.c), 6);
	run_loop(&r, 6);
	for (i = 0; i < 5; i++) {
		T_EQ_INT(ok[i].err, HTTP_ERR_NONE);
		T_EQ_STR(ok[i].body, "hello");
		T_OK(ok[i].order >= 1 && ok[i].order <= 5,
		    "/ok #%d finished as %d, before /slow", i, ok[i].order);
	}
	T_EQ_INT(slow.order, 6);
	T_EQ_INT(slow.err, HTTP_ERR_NONE);
	T_EQ_STR(slow.body, "slow");
	run_free(&r);
}

static void
test_reuse(void)
{
	struct run r;
	struct seen s;
	int i;

	run_init(&r);
	for (i = 0; i < 10; i++) {
		T_EQ_INT(start(&r, &s, "/ok", NULL), 0);
		run_loop(&r, i + 1);
		T_EQ_INT(s.err, HTTP_ERR_NONE);
	}
	T_EQ_INT(r.srv->nrequests, 10);
	T_OK(r.srv->npeers >= 1 && r.srv->npeers <= 2,
	    "10 sequential requests used %d connections", r.srv->npeers);
	run_free(&r);
}

/* ---- cancellation and callbacks that start requests ---- */

struct cancel_ctx {
	struct http_client	*c;
	int			 calls;
	enum http_err		 err;
	long			 status;
	int			 restart_rc;
};

static void
cancel_cb(const struct http_response *res, void *arg)
{
	struct cancel_ctx *x = arg;
	struct http_request req;

	x->calls++;
	x->err = res->err;
	x->status = res->status;
	/* Starting anew from a cancellation must fail, not recurse. */
	memset(&req, 0, sizeof(req));
	req.url = "http://127.0.0.1:1/";
	x->restart_rc = http_start(x->c, &req, cancel_cb, x);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void
test_cancel(void)
{
	struct cancel_ctx x;
	struct http_request req;
	struct event_base *base = event_base_new();
	struct srv *srv = srv_new(base);
	struct http_client *c = http_client_new(base);
	struct timeval tv = { 0, 300000 };
	char url[128];

	memset(&x, 0, sizeof(x));
	x.c = c;
	srv_url(srv, "/hang", url, sizeof(url));
	memset(&req, 0, sizeof(req));
	req.url = url;
	T_EQ_INT(http_start(c, &req, cancel_cb, &x), 0);
	/* Run a while so the request is really on the wire. */
	event_base_once(base, -1, EV_TIMEOUT, kick_cb, base, &tv);
	event_base_dispatch(base);
	T_EQ_INT(x.calls, 0);
	T_EQ_INT(srv->nrequests, 1);
	http_client_free(c);
	T_EQ_INT(x.calls, 1);
	T_EQ_INT(x.err, HTTP_ERR_CANCELLED);
	T_EQ_INT(x.status, 0);
	T_EQ_INT(x.restart_rc, -1);
	/* Let the server see the close, then tidy up. */
	event_base_once(base, -1, EV_TIMEOUT, kick_cb, base, &tv);
	event_base_dispatch(base);
	srv_free(srv);
	event_base_free(base);
}

struct chain_ctx {
	struct run	*run;
	int		 step;
	struct seen	 second;
	int		 start_rc;
	char		 url[128];
};

static void
chain_cb(const struct http_response *res, void *arg)
{
	struct chain_ctx *x = arg;
	struct http_request req;

	x->step++;
	x->run->ndone++;
	if (res->err != HTTP_ERR_NONE)
		return;
	memset(&req, 0, sizeof(req));
	srv_url(x->run->srv, "/echo", x->url, sizeof(x->url));
	req.url = x->url;
	x->second.run = x->run;
	x->start_rc = http_start(x->run->c, &req, seen_cb, &x->second);
}

static void
test_chain(void)
{
	struct chain_ctx x;
	struct http_request req;
	struct run r;
	char url[128];

	run_init(&r);
	memset(&x, 0, sizeof(x));
	x.run = &r;
	srv_url(r.srv, "/ok", url, sizeof(url));
	memset(&req, 0, sizeof(req));
	req.url = url;
	T_EQ_INT(http_start(r.c, &req, chain_cb, &x), 0);
	run_loop(&r, 2);
	T_EQ_INT(x.step, 1);
	T_EQ_INT(x.start_rc, 0);
	T_EQ_INT(x.second.calls, 1);
	T_EQ_INT(x.second.err, HTTP_ERR_NONE);
	T_OK(strncmp(x.second.body, "GET\n", 4) == 0, "second: \"%s\"",
	    x.second.body);
	run_free(&r);
}

/* A done callback that frees the client: the rest are cancelled. */
struct selfree_ctx {
	struct http_client	**cp;
	struct event_base	*base;
	int			 calls[2];
	enum http_err		 err[2];
};

static struct selfree_ctx *selfree;

static void
selfree_cb(const struct http_response *res, void *arg)
{
	int i = (int)(arg != NULL);

	selfree->calls[i]++;
	selfree->err[i] = res->err;
	if (res->err == HTTP_ERR_NONE) {
		http_client_free(*selfree->cp);
		*selfree->cp = NULL;
		event_base_loopbreak(selfree->base);
	}
}

static void
test_free_from_callback(void)
{
	struct selfree_ctx x;
	struct http_request req;
	struct event_base *base = event_base_new();
	struct srv *srv = srv_new(base);
	struct http_client *c = http_client_new(base);
	char url[128];

	memset(&x, 0, sizeof(x));
	x.cp = &c;
	x.base = base;
	selfree = &x;
	memset(&req, 0, sizeof(req));
	req.url = url;
	srv_url(srv, "/hang", url, sizeof(url));
	T_EQ_INT(http_start(c, &req, selfree_cb, &x), 0);	/* index 1 */
	srv_url(srv, "/ok", url, sizeof(url));
	T_EQ_INT(http_start(c, &req, selfree_cb, NULL), 0);	/* index 0 */
	event_base_dispatch(base);
	T_OK(c == NULL, "client freed from its callback");
	T_EQ_INT(x.calls[0], 1);
	T_EQ_INT(x.err[0], HTTP_ERR_NONE);
	T_EQ_INT(x.calls[1], 1);
	T_EQ_INT(x.err[1], HTTP_ERR_CANCELLED);
	srv_free(srv);
	event_base_free(base);
}

static void
test_err_str(void)
{
	T_EQ_STR(http_err_str(HTTP_ERR_NONE), "ok");
	T_EQ_STR(http_err_str(HTTP_ERR_TOO_BIG), "answer too big");
	T_EQ_STR(http_err_str(HTTP_ERR_CANCELLED), "cancelled");
	T_EQ_STR(http_err_str((enum http_err)99), "unknown error");
	http_client_free(NULL);
	T_EQ_INT(http_client_inflight(NULL), 0);
}

int
main(void)
{
	log_init(0, 0);
	T_RUN(test_get);
	T_RUN(test_post_echo);
	T_RUN(test_bad_input);
	T_RUN(test_too_big);
	T_RUN(test_timeout);
	T_RUN(test_refused);
	T_RUN(test_retry_after);
	T_RUN(test_retry_after_date);
	T_RUN(test_concurrency);
	T_RUN(test_reuse);
	T_RUN(test_cancel);
	T_RUN(test_chain);
	T_RUN(test_free_from_callback);
	T_RUN(test_err_str);
	return t_done("test_http");
}
