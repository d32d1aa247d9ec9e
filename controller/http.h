/*
 * http: an asynchronous HTTP client on one libevent base, driving one libcurl
 * multi handle (curl's hiperfifo pattern). The only file that includes curl.h
 * is http.c.
 *
 * One multi handle lives as long as the client so connections are reused.
 * Every request has a connect timeout, a total timeout and a hard cap on the
 * size of the answer. Nothing here blocks or sleeps.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

struct event_base;
struct http_client;

struct http_header {
	const char	*name;
	const char	*value;
};

struct http_request {
	const char			*method;	/* "GET", "POST", "PATCH", ... */
	const char			*url;
	const struct http_header	*headers;	/* may be NULL */
	size_t				 nheaders;
	const char			*body;		/* may be NULL */
	size_t				 body_len;
	long				 connect_timeout_ms;	/* 0: 5000 */
	long				 timeout_ms;		/* 0: 30000 */
	size_t				 max_response;		/* bytes; 0: 1 MiB */
};

enum http_err {
	HTTP_ERR_NONE = 0,		/* an HTTP answer arrived (any status) */
	HTTP_ERR_CONNECT,	/* name lookup or connect failed */
	HTTP_ERR_TIMEOUT,	/* connect or total timeout */
	HTTP_ERR_TOO_BIG,	/* the answer passed max_response */
	HTTP_ERR_TRANSPORT,	/* any other transfer failure */
	HTTP_ERR_CANCELLED	/* the client was freed first */
};

struct http_response {
	enum http_err	 err;
	const char	*errmsg;	/* "" when err == HTTP_ERR_NONE */
	long		 status;	/* 0 unless err == HTTP_ERR_NONE */
	const char	*body;		/* NUL-terminated, never NULL */
	size_t		 body_len;
	long		 retry_after_s;	/* Retry-After in seconds, -1 if absent */
	long		 elapsed_ms;
};

/*
 * http_done_cb: called exactly once per started request, from the event loop,
 * never from inside http_start(). Everything in res is valid only during the
 * call; copy what you keep. The callback may start new requests.
 */
typedef void (*http_done_cb)(const struct http_response *res, void *arg);

/* http_client_new: NULL on failure (logged). The base must outlive the client. */
struct http_client *http_client_new(struct event_base *base);

/*
 * http_start: copies everything in req (url, headers, body), so the caller may
 * free them at once. Returns 0 when started, and done is later called exactly
 * once; -1 when it could not start (done is never called).
 */
int http_start(struct http_client *c, const struct http_request *req,
    http_done_cb done, void *arg);

/* http_client_inflight: requests started and not yet completed. */
size_t http_client_inflight(const struct http_client *c);

/*
 * http_client_free: completes every request still in flight with
 * HTTP_ERR_CANCELLED (callbacks run inside this call; http_start fails from
 * then on), then releases the multi handle. NULL is a no-op.
 */
void http_client_free(struct http_client *c);

const char *http_err_str(enum http_err e);

#endif
