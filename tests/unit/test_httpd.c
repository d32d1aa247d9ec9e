/*
 * test_httpd: the tiny evhttp server on 127.0.0.1 port 0, driven by our own
 * http client (controller/http.h) and, where headers matter, by libevent's
 * evhttp client.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "httpd.h"
#include "log.h"
#include "t.h"

#define GUARD_S	30

struct env {
	struct event_base	*base;
	struct httpd		*srv;
	struct http_client	*c;
	struct event		*guard;
	int			 timed_out;
	int			 handler_calls;
	int			 last_head;
	char			 last_path[128];
	char			 last_query[128];
};

struct got {
	struct env	*env;
	int		 calls;
	enum http_err	 err;
	long		 status;
	char		 body[256];
	size_t		 body_len;
};

static void
h_health(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	struct env *e = arg;

	e->handler_calls++;
	e->last_head = req->head;
	snprintf(e->last_path, sizeof(e->last_path), "%s", req->path);
	snprintf(e->last_query, sizeof(e->last_query), "%s", req->query);
	buf_adds(&res->body, "ok\n");
}

static void
h_json(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	(void)arg;
	res->status = 503;
	res->content_type = "application/json";
	buf_addf(&res->body, "{\"q\":\"%s\"}", req->query);
}

static void
h_broken(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	(void)req;
	(void)arg;
	res->status = 42;
	buf_adds(&res->body, "never seen");
}

static void
h_badtype(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	(void)req;
	(void)arg;
	res->content_type = "text/plain\r\nX-Evil: 1";
	buf_adds(&res->body, "never seen");
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct env *e = arg;

	(void)fd;
	(void)what;
	e->timed_out = 1;
	event_base_loopbreak(e->base);
}

static void
env_init(struct env *e)
{
	char err[256];

	memset(e, 0, sizeof(*e));
	e->base = event_base_new();
	e->srv = httpd_new(e->base, "127.0.0.1:0", err, sizeof(err));
	if (e->srv == NULL) {
		fprintf(stderr, "test_httpd: %s\n", err);
		exit(1);
	}
	e->c = http_client_new(e->base);
	e->guard = evtimer_new(e->base, guard_cb, e);
	T_EQ_INT(httpd_route(e->srv, "/healthz", h_health, e), 0);
	T_EQ_INT(httpd_route(e->srv, "/json", h_json, e), 0);
	T_EQ_INT(httpd_route(e->srv, "/broken", h_broken, e), 0);
	T_EQ_INT(httpd_route(e->srv, "/badtype", h_badtype, e), 0);
}

static void
env_free(struct env *e)
{
	http_client_free(e->c);
	httpd_free(e->srv);
	event_free(e->guard);
	event_base_free(e->base);
}

static void
env_loop(struct env *e)
{
	struct timeval tv = { GUARD_S, 0 };

	evtimer_add(e->guard, &tv);
	event_base_dispatch(e->base);
	evtimer_del(e->guard);
	T_OK(!e->timed_out, "loop hit the guard");
}

static void
got_cb(const struct http_response *res, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->err = res->err;
	g->status = res->status;
	g->body_len = res->body_len;
	snprintf(g->body, sizeof(g->body), "%s", res->body);
	event_base_loopbreak(g->env->base);
}

/* fetch: one request through controller/http.h, run until it is done. */
static void
fetch(struct env *e, struct got *g, const char *method, const char *path,
    const struct http_header *hdrs, size_t nhdrs, const char *body)
{
	struct http_request req;
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", httpd_port(e->srv), path);
	memset(&req, 0, sizeof(req));
	memset(g, 0, sizeof(*g));
	g->env = e;
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.nheaders = nhdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	if (http_start(e->c, &req, got_cb, g) != 0) {
		T_OK(0, "http_start %s %s", method, path);
		return;
	}
	env_loop(e);
	T_EQ_INT(g->calls, 1);
}

static void
test_routes(void)
{
	struct env e;
	struct got g;

	env_init(&e);
	T_OK(httpd_port(e.srv) > 0, "port %d", httpd_port(e.srv));
	fetch(&e, &g, "GET", "/healthz", NULL, 0, NULL);
	T_EQ_INT(g.err, HTTP_ERR_NONE);
	T_EQ_INT(g.status, 200);
	T_EQ_STR(g.body, "ok\n");
	T_EQ_STR(e.last_path, "/healthz");
	T_EQ_STR(e.last_query, "");
	T_EQ_INT(e.last_head, 0);

	fetch(&e, &g, "GET", "/healthz?verbose=1&x=%20", NULL, 0, NULL);
	T_EQ_INT(g.status, 200);
	T_EQ_STR(e.last_query, "verbose=1&x=%20");

	fetch(&e, &g, "GET", "/json?a=b", NULL, 0, NULL);
	T_EQ_INT(g.status, 503);
	T_EQ_STR(g.body, "{\"q\":\"a=b\"}");

	fetch(&e, &g, "GET", "/nope", NULL, 0, NULL);
	T_EQ_INT(g.err, HTTP_ERR_NONE);
	T_EQ_INT(g.status, 404);
	T_EQ_STR(g.body, "not found\n");
	fetch(&e, &g, "GET", "/healthz/", NULL, 0, NULL);	/* exact match */
	T_EQ_INT(g.status, 404);
	fetch(&e, &g, "GET", "/", NULL, 0, NULL);
	T_EQ_INT(g.status, 404);

	e.handler_calls = 0;
	fetch(&e, &g, "POST", "/healthz", NULL, 0, "x=1");
	T_EQ_INT(g.status, 405);
	fetch(&e, &g, "DELETE", "/healthz", NULL, 0, NULL);
	T_EQ_INT(g.status, 405);
	fetch(&e, &g, "PUT", "/healthz", NULL, 0, "");
	T_EQ_INT(g.status, 405);
	T_EQ_INT(e.handler_calls, 0);

	fetch(&e, &g, "HEAD", "/healthz", NULL, 0, NULL);
	T_EQ_INT(g.err, HTTP_ERR_NONE);
	T_EQ_INT(g.status, 200);
	T_EQ_INT(g.body_len, 0);
	T_EQ_INT(e.handler_calls, 1);
	T_EQ_INT(e.last_head, 1);

	fetch(&e, &g, "GET", "/broken", NULL, 0, NULL);
	T_EQ_INT(g.status, 500);
	T_EQ_STR(g.body, "internal error\n");
	fetch(&e, &g, "GET", "/badtype", NULL, 0, NULL);
	T_EQ_INT(g.status, 500);
	T_EQ_STR(g.body, "bad content type\n");

	/* The server still answers after all that. */
	fetch(&e, &g, "GET", "/healthz", NULL, 0, NULL);
	T_EQ_INT(g.status, 200);
	env_free(&e);
}

static void
test_route_errors(void)
{
	struct env e;
	char path[32];
	int i, rc = 0;

	env_init(&e);
	T_EQ_INT(httpd_route(e.srv, "/healthz", h_health, &e), -1);	/* twice */
	T_EQ_INT(httpd_route(e.srv, "healthz", h_health, &e), -1);
	T_EQ_INT(httpd_route(e.srv, NULL, h_health, &e), -1);
	T_EQ_INT(httpd_route(e.srv, "/x", NULL, &e), -1);
	for (i = 0; i < HTTPD_MAX_ROUTES - 4; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		rc |= httpd_route(e.srv, path, h_health, &e);
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(httpd_route(e.srv, "/full", h_health, &e), -1);
	env_free(&e);
	httpd_free(NULL);
}

static void
test_limits(void)
{
	struct http_header hdrs[24];
	char values[24][512];
	char bigbody[2048];
	struct env e;
	struct got g;
	size_t i;

	env_init(&e);
	for (i = 0; i < 24; i++) {
		memset(values[i], 'a' + (int)(i % 26), sizeof(values[i]) - 1);
		values[i][sizeof(values[i]) - 1] = '\0';
		hdrs[i].name = "X-Filler";
		hdrs[i].value = values[i];
	}
	/* 24 * ~520 bytes of headers: past the 8 KiB limit. */
	e.handler_calls = 0;
	fetch(&e, &g, "GET", "/healthz", hdrs, 24, NULL);
	T_EQ_INT(e.handler_calls, 0);
	/* libevent 2.1 answers 400 (and closes) when headers pass the cap. */
	T_EQ_INT(g.err, HTTP_ERR_NONE);
	T_EQ_INT(g.status, 400);

	/* A few headers are fine. */
	fetch(&e, &g, "GET", "/healthz", hdrs, 2, NULL);
	T_EQ_INT(g.status, 200);
	T_EQ_INT(e.handler_calls, 1);

	/* A body past 1 KiB is refused before any handler sees it. */
	memset(bigbody, 'b', sizeof(bigbody) - 1);
	bigbody[sizeof(bigbody) - 1] = '\0';
	fetch(&e, &g, "POST", "/healthz", NULL, 0, bigbody);
	T_EQ_INT(g.err, HTTP_ERR_NONE);
	T_EQ_INT(g.status, 413);
	T_EQ_INT(e.handler_calls, 1);

	fetch(&e, &g, "GET", "/healthz", NULL, 0, NULL);
	T_EQ_INT(g.status, 200);
	env_free(&e);
}

/* Headers, through libevent's own client since http.h does not expose them. */
struct hdr_check {
	struct event_base	*base;
	int			 code;
	char			 cache[64];
	char			 ctype[64];
	char			 allow[64];
};

static void
hdr_done_cb(struct evhttp_request *req, void *arg)
{
	struct hdr_check *h = arg;
	struct evkeyvalq *in;
	const char *v;

	event_base_loopbreak(h->base);
	if (req == NULL)
		return;
	h->code = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_headers(req);
	if ((v = evhttp_find_header(in, "Cache-Control")) != NULL)
		snprintf(h->cache, sizeof(h->cache), "%s", v);
	if ((v = evhttp_find_header(in, "Content-Type")) != NULL)
		snprintf(h->ctype, sizeof(h->ctype), "%s", v);
	if ((v = evhttp_find_header(in, "Allow")) != NULL)
		snprintf(h->allow, sizeof(h->allow), "%s", v);
}

static void
hdr_fetch(struct env *e, struct hdr_check *h, enum evhttp_cmd_type cmd,
    const char *path)
{
	struct evhttp_connection *con;
	struct evhttp_request *req;

	memset(h, 0, sizeof(*h));
	h->base = e->base;
	con = evhttp_connection_base_new(e->base, NULL, "127.0.0.1",
	    (unsigned short)httpd_port(e->srv));
	req = evhttp_request_new(hdr_done_cb, h);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "127.0.0.1");
	if (evhttp_make_request(con, req, cmd, path) == -1) {
		T_OK(0, "evhttp_make_request %s", path);
	} else {
		env_loop(e);
	}
	evhttp_connection_free(con);
}

static void
test_headers(void)
{
	struct hdr_check h;
	struct env e;

	env_init(&e);
	hdr_fetch(&e, &h, EVHTTP_REQ_GET, "/healthz");
	T_EQ_INT(h.code, 200);
	T_EQ_STR(h.cache, "no-store");
	T_EQ_STR(h.ctype, "text/plain; charset=utf-8");
	hdr_fetch(&e, &h, EVHTTP_REQ_GET, "/json");
	T_EQ_INT(h.code, 503);
	T_EQ_STR(h.cache, "no-store");
	T_EQ_STR(h.ctype, "application/json");
	hdr_fetch(&e, &h, EVHTTP_REQ_GET, "/missing");
	T_EQ_INT(h.code, 404);
	T_EQ_STR(h.cache, "no-store");
	hdr_fetch(&e, &h, EVHTTP_REQ_DELETE, "/healthz");
	T_EQ_INT(h.code, 405);
	T_EQ_STR(h.cache, "no-store");
	T_EQ_STR(h.allow, "GET, HEAD");
	hdr_fetch(&e, &h, EVHTTP_REQ_HEAD, "/healthz");
	T_EQ_INT(h.code, 200);
	T_EQ_STR(h.cache, "no-store");
	env_free(&e);
}

static void
test_bad_listen(void)
{
	static const struct {
		const char	*listen;
		const char	*want;
	} cases[] = {
		{ "localhost:9851", "httpd: listen localhost:9851: not a numeric ipv4 address" },
		{ "127.0.0.1", "httpd: listen 127.0.0.1: want host:port or [ipv6]:port" },
		{ "127.0.0.1:", "httpd: listen 127.0.0.1:: bad port" },
		{ "127.0.0.1:99999", "httpd: listen 127.0.0.1:99999: bad port" },
		{ "127.0.0.1:123456", "httpd: listen 127.0.0.1:123456: bad port" },
		{ "127.0.0.1:80x", "httpd: listen 127.0.0.1:80x: bad port" },
		{ "127.0.0.1:-1", "httpd: listen 127.0.0.1:-1: bad port" },
		{ "::1:9851", "httpd: listen ::1:9851: an ipv6 address needs brackets: [::1]:port" },
		{ "[::1]9851", "httpd: listen [::1]9851: want host:port or [ipv6]:port" },
		{ "[::1", "httpd: listen [::1: want host:port or [ipv6]:port" },
		{ "[127.0.0.1]:80", "httpd: listen [127.0.0.1]:80: not a numeric ipv6 address" },
		{ ":80", "httpd: listen :80: want host:port or [ipv6]:port" },
		{ "", "httpd: listen : want host:port or [ipv6]:port" },
		{ "256.1.1.1:80", "httpd: listen 256.1.1.1:80: not a numeric ipv4 address" },
	};
	struct event_base *base = event_base_new();
	struct httpd *a, *b;
	char err[256], want[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(err, "unchanged");
		b = httpd_new(base, cases[i].listen, err, sizeof(err));
		T_OK(b == NULL, "%s accepted", cases[i].listen);
		httpd_free(b);
		T_EQ_STR(err, cases[i].want);
	}

	/* The port is taken. */
	a = httpd_new(base, "127.0.0.1:0", err, sizeof(err));
	T_OK(a != NULL, "bind port 0: %s", err);
	if (a != NULL) {
		char listen[64];

		snprintf(listen, sizeof(listen), "127.0.0.1:%d", httpd_port(a));
		snprintf(want, sizeof(want), "httpd: listen %s: Address already in use",
		    listen);
		b = httpd_new(base, listen, err, sizeof(err));
		T_OK(b == NULL, "second bind of %s", listen);
		httpd_free(b);
		T_EQ_STR(err, want);
	}
	httpd_free(a);

	/* A tiny error buffer is never overrun; errlen 0 is allowed. */
	strcpy(err, "xxxxxxxxxxxx");
	T_OK(httpd_new(base, "nope", err, 5) == NULL, "nope");
	T_EQ_STR(err, "http");
	T_OK(httpd_new(base, "nope", NULL, 0) == NULL, "nope, no err");
	event_base_free(base);
}

static void
test_ipv6(void)
{
	struct event_base *base = event_base_new();
	struct httpd *h;
	char err[256];
	int fd;

	/* Containers without IPv6: nothing to test. */
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1) {
		event_base_free(base);
		return;
	}
	close(fd);
	h = httpd_new(base, "[::1]:0", err, sizeof(err));
	if (h == NULL && strstr(err, "Cannot assign requested address") != NULL) {
		event_base_free(base);
		return;
	}
	T_OK(h != NULL, "[::1]:0: %s", err);
	T_OK(h == NULL || httpd_port(h) > 0, "v6 port");
	httpd_free(h);
	event_base_free(base);
}

int
main(void)
{
	log_init(0, 0);
	T_RUN(test_routes);
	T_RUN(test_route_errors);
	T_RUN(test_limits);
	T_RUN(test_headers);
	T_RUN(test_bad_listen);
	T_RUN(test_ipv6);
	return t_done("test_httpd");
}
