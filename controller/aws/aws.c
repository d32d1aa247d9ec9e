/*
 * aws: the call layer. One call is one struct aws_pending, alive from
 * aws_call() until its done callback has run:
 *
 *   aws_call -> attempt -> http_start ... aws_http_done_cb
 *     2xx, or a failure not worth retrying, or attempts used up -> finish
 *     else -> retry timer (aws_retry_timer_cb) -> attempt -> ...
 *
 * Every attempt is signed afresh (new X-Amz-Date, refreshed credentials).
 *
 * aws_free() with calls pending: a call waiting on its retry timer is
 * finished at once with the transport error "Cancelled"; a call whose HTTP
 * request is in flight is finished the same way, and detached (p->a = NULL)
 * so that the http completion, which the http client still owes it, only
 * frees it. Either way no callback runs after aws_free() returns.
 *
 * Counting, for /metrics: every attempt sent (http_start succeeded) counts
 * in requests under (service, action); every attempt that failed, whether
 * it is retried or final, counts in errors under (service,
 * aws_error_metric_code()). So errors never exceed requests, and a 503 that
 * a retry absorbed still shows. Calls cancelled by aws_free and attempts
 * that could not be sent count in neither.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "aws.h"
#include "awsini.h"
#include "buf.h"
#include "creds.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "sigv4.h"
#include "status.h"

#define AWS_CONNECT_TIMEOUT_MS	5000L
#define AWS_TIMEOUT_MS		30000L
#define AWS_MAX_RESPONSE	(1024 * 1024)
#define AWS_MAX_ATTEMPTS	3
#define AWS_REFRESH_RETRY_S	30	/* between failed credential refreshes */
#define AWS_MAX_URL		(64 * 1024)

struct aws_pending;

struct aws {
	struct event_base	*base;
	struct http_client	*http;
	char			*region;
	char			*profile;	/* resolved name */
	char			*profile_endpoint_url;	/* NULL: none */
	struct creds		*creds;
	time_t			 next_refresh;	/* no refresh attempt before */
	struct aws_pending	*calls;		/* every call not yet finished */
	int			 freeing;
	struct status_tally	 requests;	/* (service, action), per attempt */
	struct status_tally	 errors;	/* (service, code), per failed attempt */
};

struct aws_pending {
	struct aws_pending	*prev, *next;
	struct aws		*a;		/* NULL once aws_free detached it */
	aws_done_cb		 done;
	void			*arg;

	/* copies of the request */
	char			*service;
	char			*method;
	char			*query;		/* NULL: none */
	char			*content_type;	/* NULL: none */
	char			*target;	/* NULL: none */
	char			*what;
	char			 action[STATUS_TALLY_LABEL];	/* for the counts */
	char			*body;
	size_t			 body_len;
	long			 timeout_ms;
	size_t			 max_response;
	int			 max_attempts;

	/* resolved once, in aws_call */
	char			*url;		/* base + path + ?query */
	char			*sign_path;	/* base path + path */
	char			 host[300];
	char			 signing_region[64];

	int			 attempt;	/* attempts started */
	int			 in_flight;	/* an http request is out */
	struct event		*timer;		/* the retry timer */
	char			*canonical;	/* last attempt's, redacted; debug only */
	char			*sts;
};

static void aws_http_done_cb(const struct http_response *res, void *arg);

static void
aws_pending_free(struct aws_pending *p)
{
	if (p == NULL)
		return;
	if (p->timer != NULL)
		event_free(p->timer);
	free(p->service);
	free(p->method);
	free(p->query);
	free(p->content_type);
	free(p->target);
	free(p->what);
	/* PutParameter bodies carry secrets (the WireGuard private key). */
	if (p->body != NULL)
		OPENSSL_cleanse(p->body, p->body_len);
	free(p->body);
	free(p->url);
	free(p->sign_path);
	free(p->canonical);
	free(p->sts);
	free(p);
}

static void
aws_link(struct aws *a, struct aws_pending *p)
{
	p->prev = NULL;
	p->next = a->calls;
	if (a->calls != NULL)
		a->calls->prev = p;
	a->calls = p;
}

static void
aws_unlink(struct aws *a, struct aws_pending *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else if (a->calls == p)
		a->calls = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

/* transport_error: fills e for a failure without an HTTP answer. */
static void
aws_transport_error(struct aws_error *e, const char *code, const char *msg)
{
	memset(e, 0, sizeof(*e));
	e->transport = 1;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "");
}

/*
 * finish: the one place a call ends while a is alive: unlinks p, calls
 * done, frees p. done may call aws_call or aws_free.
 */
static void
aws_finish(struct aws_pending *p, struct aws_response *res)
{
	aws_done_cb done = p->done;
	void *arg = p->arg;

	if (p->a != NULL)
		aws_unlink(p->a, p);
	res->attempts = p->attempt;
	aws_pending_free(p);
	done(res, arg);
}

static void
aws_finish_error(struct aws_pending *p, const char *code, const char *msg)
{
	struct aws_response res;

	memset(&res, 0, sizeof(res));
	res.body = "";
	aws_transport_error(&res.err, code, msg);
	aws_finish(p, &res);
}

/*
 * refresh_creds: reloads credentials that expire within 5 minutes. A failed
 * refresh keeps the old ones (they may still work) and is retried after
 * AWS_REFRESH_RETRY_S, as is one that brought credentials as short-lived. This runs credential_process and so blocks the loop
 * for as long as the process runs (at most CREDS_PROCESS_TIMEOUT_MS), about
 * once an hour with typical session lifetimes.
 */
static void
aws_refresh_creds(struct aws *a)
{
	struct creds *c;
	time_t now = time(NULL);
	char err[512];

	if (!creds_need_refresh(a->creds, now) || now < a->next_refresh)
		return;
	if ((c = creds_load(a->profile, err, sizeof(err))) == NULL) {
		a->next_refresh = now + AWS_REFRESH_RETRY_S;
		log_warnx("aws: refreshing credentials: %s", err);
		return;
	}
	log_info("aws: credentials refreshed from %s", c->where);
	creds_free(a->creds);
	a->creds = c;
	/* new credentials that expire as soon must not run the process per call */
	if (creds_need_refresh(c, now))
		a->next_refresh = now + AWS_REFRESH_RETRY_S;
}

/* attempt: signs and sends attempt number p->attempt + 1. -1 with err. */
static int
aws_attempt(struct aws_pending *p, char *err, size_t errlen)
{
	struct aws *a = p->a;
	struct sigv4_header sh[3];
	struct http_header hh[3 + 4];
	struct sigv4_request sreq;
	struct sigv4_key key;
	struct sigv4_result sres;
	struct http_request hreq;
	size_t nh = 0, i;
	int rc = -1;

	memset(&sres, 0, sizeof(sres));
	aws_refresh_creds(a);
	sh[nh].name = "Host";
	sh[nh++].value = p->host;
	if (p->content_type != NULL) {
		sh[nh].name = "Content-Type";
		sh[nh++].value = p->content_type;
	}
	if (p->target != NULL) {
		sh[nh].name = "X-Amz-Target";
		sh[nh++].value = p->target;
	}
	memset(&sreq, 0, sizeof(sreq));
	sreq.method = p->method;
	sreq.path = p->sign_path;
	sreq.query = p->query;
	sreq.headers = sh;
	sreq.nheaders = nh;
	sreq.body = p->body;
	sreq.body_len = p->body_len;
	sreq.normalize_path = 1;
	memset(&key, 0, sizeof(key));
	key.access_key_id = a->creds->access_key_id;
	key.secret_access_key = a->creds->secret_access_key;
	key.session_token = a->creds->session_token;
	key.region = p->signing_region;
	key.service = p->service;
	if (sigv4_sign(&sreq, &key, time(NULL), &sres, err, errlen) == -1)
		goto out;
	for (i = 0; i < nh; i++) {
		hh[i].name = sh[i].name;
		hh[i].value = sh[i].value;
	}
	for (i = 0; i < sres.nheaders; i++) {
		hh[nh + i].name = sres.headers[i].name;
		hh[nh + i].value = sres.headers[i].value;
	}
	if (log_verbose()) {
		free(p->canonical);
		free(p->sts);
		p->canonical = sigv4_redacted_canonical(&sres);
		p->sts = strdup(sres.string_to_sign);
	}
	memset(&hreq, 0, sizeof(hreq));
	hreq.method = p->method;
	hreq.url = p->url;
	hreq.headers = hh;
	hreq.nheaders = nh + sres.nheaders;
	/* a body, even an empty one, would make http.c send a GET as a POST */
	hreq.body = p->body_len ? p->body : NULL;
	hreq.body_len = p->body_len;
	hreq.connect_timeout_ms = AWS_CONNECT_TIMEOUT_MS;
	hreq.timeout_ms = p->timeout_ms;
	hreq.max_response = p->max_response;
	if (http_start(a->http, &hreq, aws_http_done_cb, p) == -1) {
		snprintf(err, errlen, "http request could not start");
		goto out;
	}
	p->attempt++;
	p->in_flight = 1;
	status_tally_add(&a->requests, p->service, p->action, 1);
	rc = 0;
out:
	sigv4_result_free(&sres);
	return rc;
}

static void
aws_retry_timer_cb(int fd, short events, void *arg)
{
	struct aws_pending *p = arg;
	char err[256];

	(void)fd;
	(void)events;
	if (aws_attempt(p, err, sizeof(err)) == -1)
		aws_finish_error(p, "StartFailed", err);
}

/*
 * log_lines: one debug line per line of text (the log module flattens
 * newlines, and a canonical request must be read line by line).
 */
static void
aws_log_lines(const char *what, const char *title, const char *text)
{
	const char *p, *nl;

	for (p = text;; p = nl + 1) {
		nl = strchr(p, '\n');
		log_debug("aws: %s: %s: %.*s", what, title,
		    nl ? (int)(nl - p) : (int)strlen(p), p);
		if (nl == NULL)
			break;
	}
}

/*
 * log_signature_debug: what we signed, for a SignatureDoesNotMatch. The
 * canonical request has its session token redacted; neither it nor the
 * string to sign holds the secret or the signature.
 */
static void
aws_log_signature_debug(const struct aws_pending *p)
{
	if (!log_verbose() || p->canonical == NULL || p->sts == NULL)
		return;
	aws_log_lines(p->what, "canonical request", p->canonical);
	aws_log_lines(p->what, "string to sign", p->sts);
}

static double
aws_random(void)
{
	/* 24 random bits: a uniform double in [0, 1) */
	return (double)(arc4random() >> 8) / 16777216.0;
}

static void
aws_http_done_cb(const struct http_response *hres, void *arg)
{
	struct aws_pending *p = arg;
	struct aws_response res;
	struct timeval tv;
	char status[32] = "";
	long delay;

	p->in_flight = 0;
	if (p->a == NULL) {
		/* aws_free already answered this call */
		aws_pending_free(p);
		return;
	}
	memset(&res, 0, sizeof(res));
	res.status = hres->status;
	res.body = hres->body ? hres->body : "";
	res.body_len = hres->body ? hres->body_len : 0;
	if (hres->err == HTTP_ERR_NONE && hres->status >= 200 && hres->status < 300) {
		log_debug("aws: %s -> %ld in %ld ms", p->what, hres->status,
		    hres->elapsed_ms);
		res.ok = 1;
		aws_finish(p, &res);
		return;
	}
	switch (hres->err) {
	case HTTP_ERR_NONE:
		aws_error_parse(res.body, res.body_len, hres->status, &res.err);
		break;
	case HTTP_ERR_CONNECT:
		aws_transport_error(&res.err, "ConnectError", hres->errmsg);
		break;
	case HTTP_ERR_TIMEOUT:
		aws_transport_error(&res.err, "Timeout", hres->errmsg);
		break;
	case HTTP_ERR_TOO_BIG:
		aws_transport_error(&res.err, "ResponseTooLarge", hres->errmsg);
		break;
	case HTTP_ERR_CANCELLED:
		aws_transport_error(&res.err, "Cancelled", hres->errmsg);
		break;
	default:
		aws_transport_error(&res.err, "TransportError", hres->errmsg);
		break;
	}
	log_debug("aws: %s -> %ld %s in %ld ms", p->what, hres->status,
	    res.err.code, hres->elapsed_ms);
	if (!p->a->freeing && hres->err != HTTP_ERR_CANCELLED) {
		char code[STATUS_TALLY_LABEL];

		status_tally_add(&p->a->errors, p->service,
		    aws_error_metric_code(&res.err, code, sizeof(code)), 1);
	}
	if (strcmp(res.err.code, "SignatureDoesNotMatch") == 0)
		aws_log_signature_debug(p);
	if (!aws_error_retryable(&res.err) || p->attempt >= p->max_attempts ||
	    p->a->freeing) {
		aws_finish(p, &res);
		return;
	}
	delay = aws_retry_delay_ms(p->attempt + 1, aws_random());
	if (hres->status != 0)
		snprintf(status, sizeof(status), " (HTTP %ld)", hres->status);
	log_info("aws: %s: %s%s, retrying (attempt %d/%d) in %ld ms", p->what,
	    res.err.code, status, p->attempt + 1, p->max_attempts, delay);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if (evtimer_add(p->timer, &tv) == -1) {
		aws_finish(p, &res);
		return;
	}
}

const char *
aws_error_metric_code(const struct aws_error *e, char *buf, size_t len)
{
	long n;
	char end;

	if (e->transport) {
		if (strcmp(e->code, "Timeout") == 0)
			snprintf(buf, len, "timeout");
		else if (strcmp(e->code, "ResponseTooLarge") == 0)
			snprintf(buf, len, "too_large");
		else
			snprintf(buf, len, "network");
	} else if (e->code[0] == '\0')
		snprintf(buf, len, "http_%ld", e->http_status);
	else if (sscanf(e->code, "HTTP%ld%c", &n, &end) == 1)
		snprintf(buf, len, "http_%ld", n);	/* no code in the body */
	else
		snprintf(buf, len, "%s", e->code);
	return buf;
}

/*
 * action_of: the operation a request names, for the counts: the
 * X-Amz-Target after its last '.', else the word after the service in
 * what ("ec2 RunInstances"), else "other". Only letters and digits kept.
 */
static void
aws_action_of(const struct aws_request *req, char *out, size_t len)
{
	const char *s = NULL, *dot;
	size_t n = 0, sl = strlen(req->service);

	if (req->target != NULL && *req->target != '\0')
		s = (dot = strrchr(req->target, '.')) ? dot + 1 : req->target;
	else if (req->what != NULL && strncmp(req->what, req->service, sl) == 0 &&
	    req->what[sl] == ' ')
		s = req->what + sl + 1;
	for (; s != NULL && n + 1 < len && ((*s >= 'A' && *s <= 'Z') ||
	    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')); s++)
		out[n++] = *s;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "other");
}

const struct status_tally *
aws_requests_tally(const struct aws *a)
{
	return &a->requests;
}

const struct status_tally *
aws_errors_tally(const struct aws *a)
{
	return &a->errors;
}

/* copy: a malloc'd copy of s, or NULL for NULL; -1 when out of memory. */
static int
aws_copy(char **dst, const char *s)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) == NULL ? -1 : 0;
}

/* resolve: the URL, Host header, signing path and region of a call. */
static int
aws_resolve(struct aws *a, struct aws_pending *p, const char *path,
    char *err, size_t errlen)
{
	struct endpoint ep;
	struct endpoint_url u;
	struct buf b;
	char why[ENDPOINT_URL_MAX + 128];
	const char *slash = path[0] == '/' ? "" : "/";

	buf_init(&b, AWS_MAX_URL);
	if (endpoint_resolve_env(p->service, a->region, a->profile_endpoint_url,
	    &ep, err, errlen) == -1)
		return -1;
	if (endpoint_parse_url(ep.url, &u, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", ep.source, why);
		return -1;
	}
	snprintf(p->host, sizeof(p->host), "%s", u.host);
	snprintf(p->signing_region, sizeof(p->signing_region), "%s",
	    ep.signing_region);
	if (buf_addf(&b, "%s%s%s", u.path, slash, path) == -1 ||
	    (p->sign_path = buf_detach(&b)) == NULL)
		goto toolong;
	if (buf_addf(&b, "%s%s%s%s%s", ep.url, slash, path,
	    p->query ? "?" : "", p->query ? p->query : "") == -1 ||
	    (p->url = buf_detach(&b)) == NULL)
		goto toolong;
	return 0;
toolong:
	buf_free(&b);
	snprintf(err, errlen, "url too long");
	return -1;
}

int
aws_call(struct aws *a, const struct aws_request *req, aws_done_cb done,
    void *arg)
{
	struct aws_pending *p = NULL;
	char err[1024], what[160];

	if (a == NULL || req == NULL || done == NULL || a->freeing)
		return -1;
	if (req->service == NULL || req->method == NULL || req->path == NULL ||
	    (req->body == NULL && req->body_len != 0)) {
		log_warnx("aws: %s: request lacks a service, method or path",
		    req->what ? req->what : "call");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->a = a;
	p->done = done;
	p->arg = arg;
	if (req->what == NULL)
		snprintf(what, sizeof(what), "%s %s %s", req->service,
		    req->method, req->path);
	aws_action_of(req, p->action, sizeof(p->action));
	if (aws_copy(&p->service, req->service) == -1 ||
	    aws_copy(&p->method, req->method) == -1 ||
	    aws_copy(&p->query, req->query && *req->query ? req->query :
	    NULL) == -1 ||
	    aws_copy(&p->content_type, req->content_type) == -1 ||
	    aws_copy(&p->target, req->target) == -1 ||
	    aws_copy(&p->what, req->what ? req->what : what) == -1 ||
	    (p->body = malloc(req->body_len + 1)) == NULL)
		goto nomem;
	if (req->body_len)
		memcpy(p->body, req->body, req->body_len);
	p->body[req->body_len] = '\0';
	p->body_len = req->body_len;
	p->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : AWS_TIMEOUT_MS;
	p->max_response = req->max_response ? req->max_response :
	    AWS_MAX_RESPONSE;
	p->max_attempts = req->max_attempts > 0 ? req->max_attempts :
	    AWS_MAX_ATTEMPTS;
	if ((p->timer = evtimer_new(a->base, aws_retry_timer_cb, p)) == NULL)
		goto nomem;
	if (aws_resolve(a, p, req->path, err, sizeof(err)) == -1 ||
	    aws_attempt(p, err, sizeof(err)) == -1) {
		log_warnx("aws: %s: %s", p->what, err);
		aws_pending_free(p);
		return -1;
	}
	aws_link(a, p);
	return 0;
nomem:
	log_warnx("aws: %s: out of memory", req->what ? req->what : "call");
	aws_pending_free(p);
	return -1;
}

/* profile_settings: region and endpoint_url of the profile in the config file. */
static int
aws_profile_settings(struct aws *a, char **region, char *err, size_t errlen)
{
	char path[AWSINI_MAX_PATH];
	struct awsini *ini = NULL;
	const char *r, *u;
	int missing, rc = -1;

	*region = NULL;
	if (awsini_config_path(path, sizeof(path)) == NULL)
		return 0;
	if ((ini = awsini_load(path, &missing, err, errlen)) == NULL)
		return missing ? 0 : -1;
	r = awsini_profile_get(ini, 1, a->profile, "region");
	u = awsini_profile_get(ini, 1, a->profile, "endpoint_url");
	if ((r != NULL && *r != '\0' && (*region = strdup(r)) == NULL) ||
	    (u != NULL && *u != '\0' &&
	    (a->profile_endpoint_url = strdup(u)) == NULL)) {
		snprintf(err, errlen, "aws: out of memory");
		goto out;
	}
	rc = 0;
out:
	awsini_free(ini);
	return rc;
}

struct aws *
aws_new(struct event_base *base, struct http_client *http, const char *region,
    const char *profile, char *err, size_t errlen)
{
	struct aws *a = NULL;
	char *profile_region = NULL;
	const char *r;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->profile = strdup(awsini_profile_name(profile))) == NULL) {
		snprintf(err, errlen, "aws: out of memory");
		goto fail;
	}
	a->base = base;
	a->http = http;
	if (aws_profile_settings(a, &profile_region, err, errlen) == -1)
		goto fail;
	if ((r = endpoint_region_env(region, profile_region)) == NULL) {
		snprintf(err, errlen, "no aws region: set it in the "
		    "configuration, AWS_REGION, AWS_DEFAULT_REGION or region "
		    "in profile %s of the aws config file", a->profile);
		goto fail;
	}
	if (!endpoint_valid_region(r)) {
		snprintf(err, errlen, "aws region \"%.64s\" is not valid", r);
		goto fail;
	}
	if ((a->region = strdup(r)) == NULL) {
		snprintf(err, errlen, "aws: out of memory");
		goto fail;
	}
	if ((a->creds = creds_load(a->profile, err, errlen)) == NULL)
		goto fail;
	log_debug("aws: region %s, credentials from %s", a->region,
	    a->creds->where);
	free(profile_region);
	return a;
fail:
	free(profile_region);
	aws_free(a);
	return NULL;
}

void
aws_free(struct aws *a)
{
	struct aws_pending *p;
	struct aws_response res;

	if (a == NULL || a->freeing)
		return;
	a->freeing = 1;
	while ((p = a->calls) != NULL) {
		aws_unlink(a, p);
		memset(&res, 0, sizeof(res));
		res.body = "";
		res.attempts = p->attempt;
		aws_transport_error(&res.err, "Cancelled", "aws client freed");
		if (!p->in_flight) {
			p->a = NULL;
			aws_finish(p, &res);
			continue;
		}
		/* the http client completes it later; then it is only freed */
		p->a = NULL;
		evtimer_del(p->timer);
		p->done(&res, p->arg);
	}
	creds_free(a->creds);
	free(a->region);
	free(a->profile);
	free(a->profile_endpoint_url);
	free(a);
}

const char *
aws_region(const struct aws *a)
{
	return a->region;
}

const char *
aws_error_str(const struct aws_error *e, char *buf, size_t len)
{
	const char *code = e->code[0] ? e->code : "Error";

	if (len == 0)
		return buf;
	if (e->http_status != 0 && e->message[0] != '\0')
		snprintf(buf, len, "%s: %s (HTTP %ld)", code, e->message,
		    e->http_status);
	else if (e->http_status != 0)
		snprintf(buf, len, "%s (HTTP %ld)", code, e->http_status);
	else if (e->message[0] != '\0')
		snprintf(buf, len, "%s: %s", code, e->message);
	else
		snprintf(buf, len, "%s", code);
	return buf;
}
