/*
 * cloudflare_call: the asynchronous Cloudflare calls through the http
 * client. One call is one struct cf_call, alive from cf_start() until
 * cf_http_done_cb has called the caller back; it owns the URL, the body
 * and the Authorization header value, which it wipes when freed.
 *
 * No retries here: a 429 or 5xx is handed up with retry_after_s, and the
 * caller (the DNS sync) decides when to try again.
 *
 * The token is kept only inside the Authorization value, for the lifetime
 * of the call: besides being sent, it is used to scrub the answer, so a
 * server that echoes the token back in an error message or a record
 * cannot make it reach a cf_answer (and from there a log line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cloudflare.h"
#include "http.h"
#include "log.h"

#define CF_CONNECT_TIMEOUT_MS	5000L
#define CF_TIMEOUT_MS		20000L
#define CF_MAX_RESPONSE		(256 * 1024)	/* answer bytes */
#define CF_MAX_URL		8192		/* bytes */
#define CF_MAX_BODY		4096		/* request bytes */
#define CF_BEARER		"Bearer "

struct cf_call {
	cf_done_cb	 cb;
	void		*arg;
	int		 list;		/* result is an array */
	char		 method[8];
	char		*url;
	struct buf	 body;
	char		*auth;		/* "Bearer TOKEN" */
	size_t		 auth_len;
};

static void
cf_call_free(struct cf_call *c)
{
	if (c == NULL)
		return;
	if (c->auth != NULL)
		explicit_bzero(c->auth, c->auth_len);
	free(c->auth);
	free(c->url);
	buf_free(&c->body);
	free(c);
}

/* A token goes into a header: printable ASCII, no spaces, not empty. */
static int
cf_token_ok(const char *token)
{
	const unsigned char *p;

	if (token == NULL || *token == '\0')
		return 0;
	for (p = (const unsigned char *)token; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

/*
 * "Bearer TOKEN" in an allocation of exactly its size, so no realloc or
 * formatting buffer leaves a copy of the token behind.
 */
static int
cf_set_auth(struct cf_call *c, const char *token)
{
	size_t tlen = strlen(token), blen = sizeof(CF_BEARER) - 1;

	c->auth_len = blen + tlen + 1;
	if ((c->auth = malloc(c->auth_len)) == NULL)
		return -1;
	memcpy(c->auth, CF_BEARER, blen);
	memcpy(c->auth + blen, token, tlen);
	c->auth[blen + tlen] = '\0';
	return 0;
}

/* Overwrites every occurrence of the token in s (n bytes) with '*'. */
static void
cf_scrub(char *s, size_t n, const char *tok, size_t tlen)
{
	char *p, *end = s + n;

	if (tlen == 0)
		return;
	while ((p = memmem(s, (size_t)(end - s), tok, tlen)) != NULL) {
		memset(p, '*', tlen);
		s = p + tlen;
	}
}

static void
cf_scrub_answer(const struct cf_call *c, struct cf_answer *a)
{
	const char *tok = c->auth + sizeof(CF_BEARER) - 1;
	size_t tlen = strlen(tok), i;

	cf_scrub(a->message, strlen(a->message), tok, tlen);
	for (i = 0; i < a->n_records; i++) {
		struct cf_record *r = &a->records[i];

		cf_scrub(r->id, strlen(r->id), tok, tlen);
		cf_scrub(r->type, strlen(r->type), tok, tlen);
		cf_scrub(r->name, strlen(r->name), tok, tlen);
		cf_scrub(r->content, strlen(r->content), tok, tlen);
	}
}

/* Printable ASCII copy of s into dst, bounded; as cf_parse does it. */
static void
cf_copy_reason(char *dst, size_t dstlen, const char *s)
{
	size_t j = 0;

	for (; *s && j + 1 < dstlen; s++) {
		unsigned char ch = (unsigned char)*s;

		dst[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[j] = '\0';
}

static void
cf_http_done_cb(const struct http_response *res, void *arg)
{
	struct cf_call *c = arg;
	struct cf_answer a;
	char why[sizeof(a.message)];

	if (res->err != HTTP_ERR_NONE) {
		memset(&a, 0, sizeof(a));
		a.transport = 1;
		a.retry_after_s = -1;
		snprintf(why, sizeof(why), "%s: %s", http_err_str(res->err),
		    res->errmsg ? res->errmsg : "");
		cf_copy_reason(a.message, sizeof(a.message), why);
	} else {
		cf_parse(res->body, res->body_len, res->status, c->list, &a);
		a.http_status = res->status;
		a.retry_after_s = res->retry_after_s;
	}
	cf_scrub_answer(c, &a);
	log_debug("cloudflare: %s %s -> %ld%s%s in %ld ms", c->method, c->url,
	    a.http_status, a.success ? "" : ": ", a.message, res->elapsed_ms);
	c->cb(&a, c->arg);
	explicit_bzero(&a, sizeof(a));
	cf_call_free(c);
}

/*
 * A call with its URL ({api}/zones/{zone}/dns_records[/{id}][?type=A&
 * name={name}]) and Authorization value; NULL when an argument is missing
 * or the URL does not fit.
 */
static struct cf_call *
cf_new(const char *method, const char *api, const char *token,
    const char *zone, const char *id, const char *name, int list,
    cf_done_cb cb, void *arg)
{
	struct cf_call *c = NULL;
	struct buf u;
	size_t alen;

	buf_init(&u, CF_MAX_URL);
	if (api == NULL || *api == '\0' || zone == NULL || *zone == '\0' ||
	    cb == NULL || !cf_token_ok(token) ||
	    (id != NULL && *id == '\0') || (name != NULL && *name == '\0'))
		return NULL;
	/* tolerate a trailing slash on the base */
	for (alen = strlen(api); alen > 0 && api[alen - 1] == '/'; alen--)
		;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	buf_init(&c->body, CF_MAX_BODY);
	c->cb = cb;
	c->arg = arg;
	c->list = list;
	snprintf(c->method, sizeof(c->method), "%s", method);
	if (buf_add(&u, api, alen) == -1 || buf_adds(&u, "/zones/") == -1 ||
	    buf_add_urlenc(&u, zone) == -1 ||
	    buf_adds(&u, "/dns_records") == -1)
		goto fail;
	if (id != NULL && (buf_adds(&u, "/") == -1 ||
	    buf_add_urlenc(&u, id) == -1))
		goto fail;
	if (list && name != NULL && (buf_adds(&u, "?type=A&name=") == -1 ||
	    buf_add_urlenc(&u, name) == -1))
		goto fail;
	if ((c->url = buf_detach(&u)) == NULL || cf_set_auth(c, token) == -1)
		goto fail;
	return c;
fail:
	buf_free(&u);
	cf_call_free(c);
	return NULL;
}

/* Sends c; frees c and returns -1 when it cannot start. */
static int
cf_start(struct http_client *h, struct cf_call *c)
{
	struct http_header hdrs[3];
	struct http_request req;
	size_t n = 0;

	if (h == NULL)
		goto fail;
	hdrs[n].name = "Authorization";
	hdrs[n++].value = c->auth;
	hdrs[n].name = "Accept";
	hdrs[n++].value = "application/json";
	if (c->body.len > 0) {
		hdrs[n].name = "Content-Type";
		hdrs[n++].value = "application/json";
	}
	memset(&req, 0, sizeof(req));
	req.method = c->method;
	req.url = c->url;
	req.headers = hdrs;
	req.nheaders = n;
	/* a body, even an empty one, would make http.c send a GET as a POST */
	req.body = c->body.len > 0 ? c->body.data : NULL;
	req.body_len = c->body.len;
	req.connect_timeout_ms = CF_CONNECT_TIMEOUT_MS;
	req.timeout_ms = CF_TIMEOUT_MS;
	req.max_response = CF_MAX_RESPONSE;
	if (http_start(h, &req, cf_http_done_cb, c) == -1)
		goto fail;
	return 0;
fail:
	log_debug("cloudflare: %s %s: request not started", c->method,
	    c->url);
	cf_call_free(c);
	return -1;
}

int
cf_get_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *id, cf_done_cb cb, void *arg)
{
	struct cf_call *c;

	if (id == NULL ||
	    (c = cf_new("GET", api, token, zone, id, NULL, 0, cb, arg)) == NULL)
		return -1;
	return cf_start(h, c);
}

int
cf_list_records(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *name, cf_done_cb cb, void *arg)
{
	struct cf_call *c;

	if (name == NULL ||
	    (c = cf_new("GET", api, token, zone, NULL, name, 1, cb, arg)) == NULL)
		return -1;
	return cf_start(h, c);
}

int
cf_update_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *id, const char *name, const char *content,
    long ttl, cf_done_cb cb, void *arg)
{
	struct cf_call *c;

	if (id == NULL ||
	    (c = cf_new("PATCH", api, token, zone, id, NULL, 0, cb, arg)) == NULL)
		return -1;
	if (cf_build_record(&c->body, name, content, ttl) == -1) {
		cf_call_free(c);
		return -1;
	}
	return cf_start(h, c);
}

int
cf_create_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *name, const char *content, long ttl,
    cf_done_cb cb, void *arg)
{
	struct cf_call *c;

	if ((c = cf_new("POST", api, token, zone, NULL, NULL, 0, cb,
	    arg)) == NULL)
		return -1;
	if (cf_build_record(&c->body, name, content, ttl) == -1) {
		cf_call_free(c);
		return -1;
	}
	return cf_start(h, c);
}
