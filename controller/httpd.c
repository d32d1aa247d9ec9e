/*
 * httpd: a tiny GET/HEAD server on evhttp. One generic callback routes by
 * exact path so that 404 and 405 carry our headers too. The listening socket
 * is made here (not by evhttp_bind_socket) so a failure can name the errno.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "buf.h"
#include "httpd.h"
#include "log.h"

#define HTTPD_BACKLOG		64
#define HTTPD_DEFAULT_TYPE	"text/plain; charset=utf-8"

struct httpd_route {
	char			*path;
	httpd_handler_cb	 cb;
	void			*arg;
};

struct httpd {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;
	struct httpd_route	 routes[HTTPD_MAX_ROUTES];
	size_t			 nroutes;
};

static const char *
httpd_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

static void
httpd_reply(struct evhttp_request *req, int status, const char *ctype,
    const char *body, size_t len, int with_allow)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *b;

	if (evhttp_add_header(out, "Content-Type", ctype) == -1) {
		/* A content type with CR/LF in it: the handler's fault. */
		status = 500;
		body = "bad content type\n";
		len = strlen(body);
		evhttp_add_header(out, "Content-Type", HTTPD_DEFAULT_TYPE);
	}
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (with_allow)
		evhttp_add_header(out, "Allow", "GET, HEAD");
	if ((b = evbuffer_new()) != NULL && len > 0)
		evbuffer_add(b, body, len);
	/* evhttp leaves the body out of HEAD answers itself. */
	evhttp_send_reply(req, status, httpd_reason(status), b);
	if (b)
		evbuffer_free(b);
}

static const struct httpd_route *
httpd_find(const struct httpd *h, const char *path)
{
	size_t i;

	for (i = 0; i < h->nroutes; i++)
		if (strcmp(h->routes[i].path, path) == 0)
			return &h->routes[i];
	return NULL;
}

static void
httpd_request_cb(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const struct httpd_route *rt;
	struct httpd_response res;
	struct httpd_request hr;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = NULL, *query = NULL;

	if (uri) {
		path = evhttp_uri_get_path(uri);
		query = evhttp_uri_get_query(uri);
	}
	if (path == NULL || *path == '\0')
		path = "/";
	if (query == NULL)
		query = "";
	if ((rt = httpd_find(h, path)) == NULL) {
		httpd_reply(req, 404, HTTPD_DEFAULT_TYPE, "not found\n", 10, 0);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		httpd_reply(req, 405, HTTPD_DEFAULT_TYPE, "method not allowed\n",
		    19, 1);
		return;
	}

	hr.path = path;
	hr.query = query;
	hr.head = cmd == EVHTTP_REQ_HEAD;
	res.status = 200;
	res.content_type = NULL;
	buf_init(&res.body, HTTPD_MAX_ANSWER);
	rt->cb(&hr, &res, rt->arg);
	if (res.status < 100 || res.status > 599) {
		log_warnx("httpd: %s: handler gave status %d", path, res.status);
		httpd_reply(req, 500, HTTPD_DEFAULT_TYPE, "internal error\n", 15, 0);
	} else {
		httpd_reply(req, res.status, res.content_type ? res.content_type :
		    HTTPD_DEFAULT_TYPE, buf_str(&res.body), res.body.len, 0);
	}
	buf_free(&res.body);
}

/*
 * httpd_parse_listen: "a.b.c.d:port" or "[v6]:port" into ss. Returns 0, or
 * -1 with a reason in why.
 */
static int
httpd_parse_listen(const char *listen, struct sockaddr_storage *ss,
    socklen_t *sl, const char **why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *p, *colon;
	size_t hl;
	long port = 0;
	int v6 = 0;

	memset(ss, 0, sizeof(*ss));
	*why = "want host:port or [ipv6]:port";
	if (listen == NULL || *listen == '\0')
		return -1;
	if (listen[0] == '[') {
		if ((p = strchr(listen, ']')) == NULL || p[1] != ':')
			return -1;
		v6 = 1;
		hl = (size_t)(p - listen - 1);
		listen++;
		colon = p + 1;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - listen);
		if (memchr(listen, ':', hl) != NULL) {
			*why = "an ipv6 address needs brackets: [::1]:port";
			return -1;
		}
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';

	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5) {
		*why = "bad port";
		return -1;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			*why = "bad port";
			return -1;
		}
		port = port * 10 + (*p - '0');
	}
	if (port > 65535) {
		*why = "bad port";
		return -1;
	}

	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			*why = "not a numeric ipv6 address";
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*sl = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			*why = "not a numeric ipv4 address";
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*sl = sizeof(*sin);
	}
	return 0;
}

/* httpd_listen_fd: a bound, listening, non-blocking socket or -1 (errno). */
static int
httpd_listen_fd(const struct sockaddr_storage *ss, socklen_t sl, int *port)
{
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	int fd, one = 1, saved;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, sl) == -1 ||
	    listen(fd, HTTPD_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bl) == -1)
		goto fail;
	if (bound.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

struct httpd *
httpd_new(struct event_base *base, const char *listen, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	struct httpd *h = NULL;
	const char *why;
	socklen_t sl = 0;
	int fd = -1, saved;

	if (errlen > 0)
		err[0] = '\0';
	if (httpd_parse_listen(listen, &ss, &sl, &why) == -1) {
		if (errlen > 0)
			snprintf(err, errlen, "httpd: listen %s: %s",
			    listen ? listen : "(null)", why);
		return NULL;
	}
	errno = 0;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto fail;
	h->base = base;
	if ((fd = httpd_listen_fd(&ss, sl, &h->port)) == -1)
		goto fail;
	if ((h->http = evhttp_new(base)) == NULL)
		goto fail;
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTPD_MAX_BODY);
	evhttp_set_timeout(h->http, HTTPD_TIMEOUT_S);
	/* Let every method reach httpd_request_cb so the answer is our 405. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_request_cb, h);
	/* From here on evhttp owns (and closes) fd. */
	if (evhttp_accept_socket_with_handle(h->http, fd) == NULL)
		goto fail;
	return h;
fail:
	saved = errno ? errno : ENOMEM;
	if (errlen > 0)
		snprintf(err, errlen, "httpd: listen %s: %s", listen,
		    strerror(saved));
	if (fd != -1)	/* evhttp took it only on success */
		close(fd);
	if (h) {
		if (h->http)
			evhttp_free(h->http);
		free(h);
	}
	errno = saved;
	return NULL;
}

int
httpd_route(struct httpd *h, const char *path, httpd_handler_cb cb, void *arg)
{
	char *copy;

	if (h == NULL || path == NULL || path[0] != '/' || cb == NULL)
		return -1;
	if (httpd_find(h, path) != NULL || h->nroutes == HTTPD_MAX_ROUTES)
		return -1;
	if ((copy = strdup(path)) == NULL)
		return -1;
	h->routes[h->nroutes].path = copy;
	h->routes[h->nroutes].cb = cb;
	h->routes[h->nroutes].arg = arg;
	h->nroutes++;
	return 0;
}

int
httpd_port(const struct httpd *h)
{
	return h ? h->port : -1;
}

void
httpd_free(struct httpd *h)
{
	size_t i;

	if (h == NULL)
		return;
	evhttp_free(h->http);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h);
}
