/*
 * bench_http: figures for the http client against an evhttp server in this
 * process on 127.0.0.1: N requests one after the other, then N in batches
 * of BATCH at a time. Prints requests per second and the max RSS. Not a
 * test: it fails only when a request fails.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http.h"
#include "log.h"

#define N	2000
#define BATCH	50

struct bench {
	struct event_base	*base;
	struct http_client	*c;
	char			 url[128];
	int			 started;
	int			 done;
	int			 failed;
	int			 batch_left;
	int			 concurrent;
};

static void
ok_handler(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "hello", 5);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void start_one(struct bench *);
static void start_batch(struct bench *);

static void
done_cb(const struct http_response *res, void *arg)
{
	struct bench *b = arg;

	b->done++;
	if (res->err != HTTP_ERR_NONE || res->status != 200) {
		if (b->failed++ == 0)
			fprintf(stderr, "bench_http: %s: %s\n",
			    http_err_str(res->err), res->errmsg);
	}
	if (b->done == N) {
		event_base_loopbreak(b->base);
		return;
	}
	if (!b->concurrent)
		start_one(b);
	else if (--b->batch_left == 0)
		start_batch(b);
}

static void
start_one(struct bench *b)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.url = b->url;
	if (http_start(b->c, &req, done_cb, b) == -1) {
		fprintf(stderr, "bench_http: http_start failed\n");
		exit(1);
	}
	b->started++;
}

static void
start_batch(struct bench *b)
{
	int i;

	b->batch_left = BATCH;
	for (i = 0; i < BATCH && b->started < N; i++)
		start_one(b);
	b->batch_left = i;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
run(struct bench *b, int concurrent)
{
	double t0, dt;

	b->started = b->done = b->failed = 0;
	b->concurrent = concurrent;
	t0 = now_s();
	if (concurrent)
		start_batch(b);
	else
		start_one(b);
	event_base_dispatch(b->base);
	dt = now_s() - t0;
	printf("bench_http: %d %s requests in %.3f s: %.0f requests/s%s\n", N,
	    concurrent ? "concurrent (batches of 50)" : "sequential", dt,
	    dt > 0 ? N / dt : 0.0, b->failed ? " (with failures)" : "");
	return b->failed ? -1 : 0;
}

int
main(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct rusage ru;
	struct evhttp *http;
	struct bench b;
	int rc = 0;

	log_init(0, 0);
	memset(&b, 0, sizeof(b));
	b.base = event_base_new();
	http = evhttp_new(b.base);
	evhttp_set_cb(http, "/ok", ok_handler, NULL);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (bs == NULL || getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &sl) == -1) {
		fprintf(stderr, "bench_http: cannot bind\n");
		return 1;
	}
	snprintf(b.url, sizeof(b.url), "http://127.0.0.1:%d/ok", ntohs(sin.sin_port));
	if ((b.c = http_client_new(b.base)) == NULL)
		return 1;

	if (run(&b, 0) == -1 || run(&b, 1) == -1)
		rc = 1;

	http_client_free(b.c);
	evhttp_free(http);
	event_base_free(b.base);
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_http: max RSS %ld KiB\n", ru.ru_maxrss);
	return rc;
}
