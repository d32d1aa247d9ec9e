/*
 * httpd: a tiny HTTP server on libevent's evhttp for /healthz, /status and
 * /metrics. GET and HEAD only; every answer says Cache-Control: no-store.
 *
 * Whatever reaches the port is untrusted: request headers are capped at
 * HTTPD_MAX_HEADERS bytes, request bodies at HTTPD_MAX_BODY bytes, and a
 * connection idle or stuck for HTTPD_TIMEOUT_S seconds is closed. Handlers
 * run on the event loop and must not block.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>

#include "buf.h"

#define HTTPD_MAX_HEADERS	8192		/* bytes */
#define HTTPD_MAX_BODY		1024		/* bytes, request body */
#define HTTPD_TIMEOUT_S		10		/* seconds */
#define HTTPD_MAX_ANSWER	(1024 * 1024)	/* bytes, cap of res->body */
#define HTTPD_MAX_ROUTES	32

struct event_base;
struct httpd;

/*
 * The answer a handler fills. On entry status is 200, content_type is NULL
 * (meaning "text/plain; charset=utf-8") and body is empty with a cap of
 * HTTPD_MAX_ANSWER (an append past it fails and leaves the body as it was:
 * check buf_* returns). content_type must stay valid until the handler
 * returns (a string literal is typical); one holding CR or LF, or a status
 * outside 100..599, yields a 500. The server frees the body afterwards.
 */
struct httpd_response {
	int		 status;
	const char	*content_type;
	struct buf	 body;
};

/*
 * What a handler learns of the request; everything is valid only during the
 * call. path is the raw request path ("/healthz"), query the raw query
 * string without '?' ("" when there is none). head is 1 for HEAD: the
 * handler may fill the body as for GET, the server drops it.
 */
struct httpd_request {
	const char	*path;
	const char	*query;
	int		 head;
};

typedef void (*httpd_handler_cb)(const struct httpd_request *req,
    struct httpd_response *res, void *arg);

/*
 * httpd_new: listen on "host:port" where host is a numeric IPv4 address or a
 * bracketed IPv6 one ("127.0.0.1:9851", "[::1]:9851", "0.0.0.0:0"); port 0
 * picks a free port (see httpd_port). No name lookups. On failure returns
 * NULL and writes a one-line message naming the address to err (when errlen
 * > 0), e.g. "httpd: listen 127.0.0.1:9851: Address already in use".
 * The base must outlive the server.
 */
struct httpd *httpd_new(struct event_base *base, const char *listen,
    char *err, size_t errlen);

/*
 * httpd_route: answer requests for exactly path with cb. The path is copied.
 * Returns -1 (nothing changed) when the path does not start with '/', is
 * already routed, the table is full (HTTPD_MAX_ROUTES) or memory runs out.
 */
int httpd_route(struct httpd *h, const char *path, httpd_handler_cb cb,
    void *arg);

/* httpd_port: the port actually bound, in host order. */
int httpd_port(const struct httpd *h);

/* httpd_free: closes the socket and every connection. NULL is a no-op. */
void httpd_free(struct httpd *h);

#endif
