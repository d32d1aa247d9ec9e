/*
 * test_aws: aws_call end to end against a libevent evhttp server on
 * 127.0.0.1 (an ephemeral port) in this process, through the real http
 * client: the request is signed (the signature is recomputed here with
 * sigv4), carries Host and X-Amz-Target, 5xx answers are retried, 4xx are
 * not, transport errors are, and aws_free cancels calls pending.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>


#include "aws.h"
#include "http.h"
#include "log.h"
#include "sigv4.h"
#include "status.h"
#include "t.h"

#define MAX_SEEN	16
#define MAX_SCRIPT	16

/* what the server saw of one request */
struct seen {
	char	method[8];
	char	uri[512];
	char	host[128];
	char	date[32];
	char	target[128];
	char	ctype[128];
	char	token[128];
	char	auth[512];
	char	body[1024];
	size_t	body_len;
};

/* one scripted answer */
struct answer {
	int		 status;
	const char	*body;
	int		 delay_ms;	/* > 0: answer that much later */
	int		 never;		/* 1: never answer */
};

static struct event_base *base;
static struct http_client *http;
static struct evhttp *server;
static int port;

static struct seen seen[MAX_SEEN];
static int nseen;
static struct answer script[MAX_SCRIPT];
static int nscript;
static struct evhttp_request *held[MAX_SEEN];	/* answers held back */
static int nheld;

/* what the done callback got */
static int ndone;
static struct aws_response last;
static char last_body[1024];

static void
copy_header(struct evkeyvalq *h, const char *name, char *dst, size_t len)
{
	const char *v = evhttp_find_header(h, name);

	snprintf(dst, len, "%s", v ? v : "");
}

static void
delayed_reply_cb(int fd, short ev, void *arg)
{
	struct evhttp_request *req = arg;
	struct evbuffer *b = evbuffer_new();
	int i;

	(void)fd;
	(void)ev;
	for (i = 0; i < nheld; i++)
		if (held[i] == req)
			held[i] = NULL;
	evbuffer_add_printf(b, "{}");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
server_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req), *out;
	struct answer a = { 200, "{}", 0, 0 };
	struct seen *s;
	size_t n;

	(void)arg;
	if (nseen < MAX_SEEN) {
		s = &seen[nseen];
		memset(s, 0, sizeof(*s));
		snprintf(s->method, sizeof(s->method), "%s",
		    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
		    evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" :
		    "OTHER");
		snprintf(s->uri, sizeof(s->uri), "%s", evhttp_request_get_uri(req));
		copy_header(h, "Host", s->host, sizeof(s->host));
		copy_header(h, "X-Amz-Date", s->date, sizeof(s->date));
		copy_header(h, "X-Amz-Target", s->target, sizeof(s->target));
		copy_header(h, "Content-Type", s->ctype, sizeof(s->ctype));
		copy_header(h, "X-Amz-Security-Token", s->token, sizeof(s->token));
		copy_header(h, "Authorization", s->auth, sizeof(s->auth));
		n = evbuffer_get_length(in);
		if (n >= sizeof(s->body))
			n = sizeof(s->body) - 1;
		evbuffer_copyout(in, s->body, n);
		s->body[n] = '\0';
		s->body_len = n;
	}
	if (nseen < nscript)
		a = script[nseen];
	else if (nscript > 0)
		a = script[nscript - 1];	/* the last answer repeats */
	nseen++;
	if (a.never || a.delay_ms > 0) {
		struct timeval tv = { a.delay_ms / 1000, (a.delay_ms % 1000) * 1000 };

		held[nheld++] = req;
		if (!a.never)
			event_base_once(base, -1, EV_TIMEOUT, delayed_reply_cb, req,
			    &tv);
		return;
	}
	out = evbuffer_new();
	evbuffer_add(out, a.body, strlen(a.body));
	evhttp_send_reply(req, a.status, "X", out);
	evbuffer_free(out);
}

static void
set_script(const struct answer *a, int n)
{
	memcpy(script, a, sizeof(*a) * (size_t)n);
	nscript = n;
	nseen = 0;
	nheld = 0;
	ndone = 0;
	memset(&last, 0, sizeof(last));
}

static void
done_cb(const struct aws_response *res, void *arg)
{
	(void)arg;
	ndone++;
	last = *res;
	snprintf(last_body, sizeof(last_body), "%.*s", (int)res->body_len,
	    res->body);
	last.body = last_body;
	event_base_loopbreak(base);
}

static void
guard_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	*(int *)arg = 1;
	event_base_loopbreak(base);
}

/* run: the loop until a done callback or ms pass. 0 when done came. */
static int
run(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *guard;
	int fired = 0;

	guard = evtimer_new(base, guard_cb, &fired);
	evtimer_add(guard, &tv);
	event_base_dispatch(base);
	event_free(guard);
	return fired ? -1 : 0;
}

/* run_until_idle: the loop until the http client has nothing in flight. */
static void
run_until_idle(int ms)
{
	struct timeval tv = { 0, 10 * 1000 };
	int waited;

	for (waited = 0; waited < ms && http_client_inflight(http) > 0;
	    waited += 10)
		event_base_loopexit(base, &tv), event_base_dispatch(base);
}

static time_t
parse_amz_date(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return (time_t)-1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/*
 * check_signature: signs what the server saw with sigv4 and the test
 * credentials, and compares with the Authorization it got.
 */
static void
check_signature(const struct seen *s, const char *region, const char *service)
{
	struct sigv4_header h[3];
	struct sigv4_request r;
	struct sigv4_key k;
	struct sigv4_result res;
	char path[512], *q, err[256];
	size_t nh = 0;
	time_t when = parse_amz_date(s->date);

	T_OK(when != (time_t)-1 && labs((long)(time(NULL) - when)) < 60,
	    "X-Amz-Date \"%s\" is now", s->date);
	snprintf(path, sizeof(path), "%s", s->uri);
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	h[nh].name = "Host";
	h[nh++].value = s->host;
	/* curl adds an unsigned Content-Type to a POST without one */
	if (s->ctype[0] && strstr(s->auth, "SignedHeaders=content-type;")) {
		h[nh].name = "Content-Type";
		h[nh++].value = s->ctype;
	}
	if (s->target[0]) {
		h[nh].name = "X-Amz-Target";
		h[nh++].value = s->target;
	}
	memset(&r, 0, sizeof(r));
	r.method = s->method;
	r.path = path;
	r.query = q;
	r.headers = h;
	r.nheaders = nh;
	r.body = s->body;
	r.body_len = s->body_len;
	r.normalize_path = 1;
	memset(&k, 0, sizeof(k));
	k.access_key_id = "AKIDTEST";
	k.secret_access_key = "testSecret/Key";
	k.session_token = s->token[0] ? s->token : NULL;
	k.region = region;
	k.service = service;
	T_EQ_INT(sigv4_sign(&r, &k, when, &res, err, sizeof(err)), 0);
	T_EQ_STR(s->auth, res.authorization);
	sigv4_result_free(&res);
}

static struct aws *
new_aws(void)
{
	struct aws *a;
	char err[1024];

	a = aws_new(base, http, "eu-west-1", NULL, err, sizeof(err));
	T_OK(a != NULL, "aws_new: %s", err);
	return a;
}

#define SQS_BODY "{\"QueueUrl\":\"https://sqs.eu-west-1.amazonaws.com/1/q\"}"
static const struct aws_request sqs_req = {
	.service = "sqs",
	.method = "POST",
	.path = "/",
	.content_type = "application/x-amz-json-1.0",
	.target = "AmazonSQS.ReceiveMessage",
	.body = SQS_BODY,
	.body_len = sizeof(SQS_BODY) - 1,
	.what = "sqs ReceiveMessage",
};

static void
test_signed_ok(void)
{
	struct answer a[] = { { 200, "{\"Messages\":[]}", 0, 0 } };
	struct aws *aws;
	char host[64], want[256];

	set_script(a, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_STR(aws_region(aws), "eu-west-1");
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(ndone, 0);	/* never from inside aws_call */
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(ndone, 1);
	T_EQ_INT(last.ok, 1);
	T_EQ_INT(last.status, 200);
	T_EQ_INT(last.attempts, 1);
	T_EQ_STR(last.body, "{\"Messages\":[]}");
	T_EQ_INT(nseen, 1);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	T_EQ_STR(seen[0].host, host);
	T_EQ_STR(seen[0].method, "POST");
	T_EQ_STR(seen[0].uri, "/");
	T_EQ_STR(seen[0].target, "AmazonSQS.ReceiveMessage");
	T_EQ_STR(seen[0].ctype, "application/x-amz-json-1.0");
	T_EQ_STR(seen[0].token, "testToken");
	T_EQ_STR(seen[0].body, sqs_req.body);
	snprintf(want, sizeof(want), "AWS4-HMAC-SHA256 Credential=AKIDTEST/%.8s/"
	    "eu-west-1/sqs/aws4_request, SignedHeaders=content-type;host;"
	    "x-amz-date;x-amz-security-token;x-amz-target, Signature=",
	    seen[0].date);
	T_OK(strncmp(seen[0].auth, want, strlen(want)) == 0 &&
	    strlen(seen[0].auth) == strlen(want) + 64, "Authorization: %s",
	    seen[0].auth);
	check_signature(&seen[0], "eu-west-1", "sqs");
	aws_free(aws);
}

static void
test_route53_query(void)
{
	struct answer a[] = { { 200, "<ok/>", 0, 0 } };
	struct aws_request r = {
		.service = "route53", .method = "GET",
		.path = "/2013-04-01/hostedzone/Z1/rrset",
		.query = "type=A&name=vpn.example.com.&maxitems=1",
		.what = "route53 ListResourceRecordSets",
	};
	struct aws *aws;

	set_script(a, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(last.ok, 1);
	T_EQ_STR(seen[0].method, "GET");
	T_EQ_STR(seen[0].uri, "/2013-04-01/hostedzone/Z1/rrset"
	    "?type=A&name=vpn.example.com.&maxitems=1");
	T_EQ_STR(seen[0].target, "");
	T_OK(strstr(seen[0].auth, "/us-east-1/route53/aws4_request") != NULL,
	    "route53 signs for us-east-1: %s", seen[0].auth);
	check_signature(&seen[0], "us-east-1", "route53");
	aws_free(aws);
}

static void
test_retry_then_ok(void)
{
	struct answer a[] = {
		{ 503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
		  "<Message>Request limit exceeded.</Message></Error></Errors>"
		  "</Response>", 0, 0 },
		{ 200, "{}", 0, 0 },
	};
	struct aws *aws;

	set_script(a, 2);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(ndone, 1);
	T_EQ_INT(last.ok, 1);
	T_EQ_INT(last.status, 200);
	T_EQ_INT(last.attempts, 2);
	T_EQ_INT(nseen, 2);
	/* every attempt is signed on its own */
	check_signature(&seen[0], "eu-west-1", "sqs");
	check_signature(&seen[1], "eu-west-1", "sqs");
	aws_free(aws);
}

static void
test_client_error(void)
{
	struct answer a[] = {
		{ 400, "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
		  "\"message\":\"The specified queue does not exist.\"}", 0, 0 },
	};
	struct aws *aws;
	char buf[256];

	set_script(a, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(ndone, 1);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.status, 400);
	T_EQ_INT(last.attempts, 1);
	T_EQ_INT(nseen, 1);
	T_EQ_INT(last.err.http_status, 400);
	T_EQ_INT(last.err.transport, 0);
	T_EQ_STR(last.err.code, "QueueDoesNotExist");
	T_EQ_STR(last.err.message, "The specified queue does not exist.");
	T_EQ_STR(aws_error_str(&last.err, buf, sizeof(buf)),
	    "QueueDoesNotExist: The specified queue does not exist. (HTTP 400)");
	T_OK(strstr(last.body, "QueueDoesNotExist") != NULL, "body kept");
	aws_free(aws);
}

static void
test_give_up(void)
{
	struct answer a[] = { { 500, "oops", 0, 0 } };
	struct aws *aws;

	set_script(a, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(run(8000), 0);
	T_EQ_INT(ndone, 1);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.attempts, 3);
	T_EQ_INT(nseen, 3);
	T_EQ_INT(last.status, 500);
	T_EQ_INT(last.err.http_status, 500);
	T_EQ_STR(last.err.code, "HTTP500");

	/* max_attempts is honoured */
	{
		struct aws_request r = sqs_req;

		set_script(a, 1);
		r.max_attempts = 1;
		T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
		T_EQ_INT(run(5000), 0);
		T_EQ_INT(last.attempts, 1);
		T_EQ_INT(nseen, 1);
	}
	aws_free(aws);
}

/* closed_port: a port on 127.0.0.1 nobody listens on (bound, then closed). */
static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	p = ntohs(sin.sin_port);
	close(fd);
	return p;
}

static void
test_transport(void)
{
	struct answer big[] = { { 200, "0123456789012345678901234567890123456789",
	    0, 0 } };
	struct answer never[] = { { 200, "", 0, 1 } };
	struct aws_request r = sqs_req;
	struct aws *aws;
	char url[64];

	/* nobody listening: ConnectError, retried */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	setenv("AWS_ENDPOINT_URL_SQS", url, 1);
	set_script(big, 1);
	if ((aws = new_aws()) == NULL)
		return;
	r.max_attempts = 2;
	T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
	T_EQ_INT(run(8000), 0);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.attempts, 2);
	T_EQ_INT(last.err.transport, 1);
	T_EQ_INT(last.err.http_status, 0);
	T_EQ_STR(last.err.code, "ConnectError");
	T_OK(last.err.message[0] != '\0', "a message from the http client");
	unsetenv("AWS_ENDPOINT_URL_SQS");

	/* an answer over max_response is final */
	set_script(big, 1);
	r = sqs_req;
	r.max_response = 10;
	T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.attempts, 1);
	T_EQ_INT(last.err.transport, 1);
	T_EQ_STR(last.err.code, "ResponseTooLarge");

	/* no answer within timeout_ms */
	set_script(never, 1);
	r = sqs_req;
	r.timeout_ms = 300;
	r.max_attempts = 1;
	T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.err.transport, 1);
	T_EQ_STR(last.err.code, "Timeout");
	aws_free(aws);
}

static void
poll_free_cb(int fd, short ev, void *arg)
{
	struct aws **aws = arg;

	(void)fd;
	(void)ev;
	/* the first 503 is in and nothing is in flight: waiting to retry */
	if (*aws != NULL && nseen >= 1 && http_client_inflight(http) == 0) {
		aws_free(*aws);
		*aws = NULL;
	}
}

static void
test_free_pending(void)
{
	struct answer slow503[] = { { 503, "", 0, 0 } };
	struct answer slow[] = { { 200, "{}", 300, 0 } };
	struct aws_request r = sqs_req;
	struct timeval tv = { 0, 5 * 1000 };
	struct event *poll;
	struct aws *aws;

	/* freed while the call waits for its retry timer */
	set_script(slow503, 1);
	if ((aws = new_aws()) == NULL)
		return;
	r.max_attempts = 50;
	T_EQ_INT(aws_call(aws, &r, done_cb, NULL), 0);
	poll = event_new(base, -1, EV_PERSIST, poll_free_cb, &aws);
	event_add(poll, &tv);
	T_EQ_INT(run(8000), 0);
	event_free(poll);
	T_OK(aws == NULL, "aws_free ran");
	T_EQ_INT(ndone, 1);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(last.err.transport, 1);
	T_EQ_STR(last.err.code, "Cancelled");
	T_OK(last.attempts >= 1, "attempts %d", last.attempts);

	/* freed while the request is in flight: done at once, and only once */
	set_script(slow, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	run_until_idle(50);	/* let the requests reach the server */
	aws_free(aws);
	T_EQ_INT(ndone, 2);
	T_EQ_STR(last.err.code, "Cancelled");
	run_until_idle(5000);	/* the answers come and are dropped */
	T_EQ_INT(http_client_inflight(http), 0);
	T_EQ_INT(ndone, 2);
}

static void
test_signature_mismatch_log(void)
{
	struct answer a[] = {
		{ 403, "<ErrorResponse><Error><Type>Sender</Type><Code>"
		  "SignatureDoesNotMatch</Code><Message>The request signature we "
		  "calculated does not match</Message></Error></ErrorResponse>",
		  0, 0 },
	};
	char path[] = "/tmp/test_aws_log.XXXXXX", *logtext;
	struct aws *aws;
	int fd, saved;

	set_script(a, 1);
	if ((aws = new_aws()) == NULL)
		return;
	fflush(stderr);
	saved = dup(2);
	fd = mkstemp(path);
	dup2(fd, 2);
	log_init(1, 0);
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	log_init(0, 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	T_EQ_STR(last.err.code, "SignatureDoesNotMatch");
	T_EQ_INT(last.attempts, 1);
	logtext = t_read_file(path, NULL);
	unlink(path);
	T_OK(logtext != NULL, "log captured");
	if (logtext == NULL)
		return;
	T_OK(strstr(logtext, "canonical request") != NULL &&
	    strstr(logtext, "x-amz-target:AmazonSQS.ReceiveMessage") != NULL &&
	    strstr(logtext, "string to sign: AWS4-HMAC-SHA256\n") != NULL &&
	    strstr(logtext, "canonical request: x-amz-target:"
	    "AmazonSQS.ReceiveMessage\n") != NULL,
	    "the canonical request and string to sign are logged:\n%s", logtext);
	T_OK(strstr(logtext, "testSecret") == NULL, "the secret is not logged");
	T_OK(strstr(logtext, "testToken") == NULL, "the token is not logged");
	T_OK(strstr(logtext, "x-amz-security-token:<redacted>") != NULL,
	    "the token is redacted");
	T_OK(strstr(logtext, seen[0].auth + strlen(seen[0].auth) - 64) == NULL,
	    "the signature is not logged");
	T_OK(strstr(logtext, "aws: sqs ReceiveMessage -> 403 "
	    "SignatureDoesNotMatch in ") != NULL, "the call is logged");
	free(logtext);
	aws_free(aws);
}

static void
test_new_errors(void)
{
	struct aws *a;
	char err[1024];

	unsetenv("AWS_REGION");
	a = aws_new(base, http, NULL, NULL, err, sizeof(err));
	T_OK(a == NULL, "no region accepted");
	T_EQ_STR(err, "no aws region: set it in the configuration, AWS_REGION, "
	    "AWS_DEFAULT_REGION or region in profile default of the aws config "
	    "file");
	setenv("AWS_REGION", "eu-central-1", 1);
	a = aws_new(base, http, NULL, NULL, err, sizeof(err));
	T_OK(a != NULL && strcmp(aws_region(a), "eu-central-1") == 0,
	    "AWS_REGION");
	aws_free(a);
	a = aws_new(base, http, "Eu-West-1/", NULL, err, sizeof(err));
	T_OK(a == NULL, "bad region accepted");
	T_EQ_STR(err, "aws region \"Eu-West-1/\" is not valid");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	a = aws_new(base, http, "eu-west-1", "nosuch", err, sizeof(err));
	T_OK(a == NULL && strncmp(err, "no aws credentials for profile nosuch: ",
	    39) == 0, "no credentials: %s", err);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "testSecret/Key", 1);

	/* a call that cannot be built fails at once */
	ndone = 0;
	a = new_aws();
	if (a != NULL) {
		struct aws_request r = sqs_req;

		r.service = NULL;
		T_EQ_INT(aws_call(a, &r, done_cb, NULL), -1);
		r = sqs_req;
		setenv("AWS_ENDPOINT_URL_SQS", "ftp://x", 1);
		T_EQ_INT(aws_call(a, &r, done_cb, NULL), -1);
		unsetenv("AWS_ENDPOINT_URL_SQS");
		T_EQ_INT(ndone, 0);
		aws_free(a);
	}
	aws_free(NULL);
}

static unsigned long long
tally_get(const struct status_tally *t, const char *a, const char *b)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->row[i].a, a) == 0 && strcmp(t->row[i].b, b) == 0)
			return t->row[i].n;
	return 0;
}

/*
 * test_counts: every attempt sent counts in requests by (service, action),
 * every failed attempt in errors by (service, code); AWS's codes cleaned.
 */
static void
test_counts(void)
{
	struct answer retry[] = {
		{ 503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
		  "<Message>slow down</Message></Error></Errors></Response>", 0, 0 },
		{ 200, "{}", 0, 0 },
	};
	struct answer oops[] = { { 500, "oops", 0, 0 } };
	struct answer evil[] = { { 400, "{\"__type\":\"x#Evil\\\"} 1\\nbad\","
	    "\"message\":\"m\"}", 0, 0 } };
	struct aws_request ec2run = {
		.service = "ec2", .method = "POST", .path = "/",
		.content_type = "application/x-www-form-urlencoded",
		.body = "Action=RunInstances&Version=2016-11-15", .body_len = 38,
		.what = "ec2 RunInstances",
	};
	struct aws_request anon = sqs_req;
	const struct status_tally *rq, *er;
	struct aws_error e;
	struct aws *aws;
	char code[64];

	if ((aws = new_aws()) == NULL)
		return;
	rq = aws_requests_tally(aws);
	er = aws_errors_tally(aws);
	T_EQ_INT(rq->n, 0);
	T_EQ_INT(er->n, 0);

	/* a 503 that the retry absorbed: two requests, one error */
	set_script(retry, 2);
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_INT(last.ok, 1);
	T_EQ_INT(tally_get(rq, "sqs", "ReceiveMessage"), 2);
	T_EQ_INT(tally_get(er, "sqs", "RequestLimitExceeded"), 1);

	/* given up after three 500s without a code: three of each */
	set_script(oops, 1);
	T_EQ_INT(aws_call(aws, &ec2run, done_cb, NULL), 0);
	T_EQ_INT(run(8000), 0);
	T_EQ_INT(last.ok, 0);
	T_EQ_INT(tally_get(rq, "ec2", "RunInstances"), 3);
	T_EQ_INT(tally_get(er, "ec2", "http_500"), 3);

	/* a hostile code is cleaned; no target and no what: action "other" */
	set_script(evil, 1);
	anon.target = NULL;
	anon.what = NULL;
	T_EQ_INT(aws_call(aws, &anon, done_cb, NULL), 0);
	T_EQ_INT(run(5000), 0);
	T_EQ_STR(last.err.code, "Evil\"} 1 bad");	/* awserr flattens controls */
	T_EQ_INT(tally_get(er, "sqs", "Evil___1_bad"), 1);
	T_EQ_INT(tally_get(rq, "sqs", "other"), 1);
	T_EQ_INT(rq->n, 3);
	T_EQ_INT(er->n, 3);
	aws_free(aws);

	memset(&e, 0, sizeof(e));
	e.transport = 1;
	snprintf(e.code, sizeof(e.code), "Timeout");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "timeout");
	snprintf(e.code, sizeof(e.code), "ResponseTooLarge");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "too_large");
	snprintf(e.code, sizeof(e.code), "ConnectError");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "network");
	e.transport = 0;
	e.http_status = 503;
	snprintf(e.code, sizeof(e.code), "HTTP503");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "http_503");
	e.code[0] = '\0';
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "http_503");
	snprintf(e.code, sizeof(e.code), "HTTP503x");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)), "HTTP503x");
	snprintf(e.code, sizeof(e.code), "InsufficientInstanceCapacity");
	T_EQ_STR(aws_error_metric_code(&e, code, sizeof(code)),
	    "InsufficientInstanceCapacity");
}

/* Calls cancelled by aws_free count in no error. */
static void
test_counts_cancel(void)
{
	struct answer slow[] = { { 200, "{}", 300, 0 } };
	struct aws *aws;

	set_script(slow, 1);
	if ((aws = new_aws()) == NULL)
		return;
	T_EQ_INT(aws_call(aws, &sqs_req, done_cb, NULL), 0);
	run_until_idle(50);
	T_EQ_INT(aws_requests_tally(aws)->n, 1);
	T_EQ_INT(aws_errors_tally(aws)->n, 0);
	aws_free(aws);
	run_until_idle(5000);
}

static int
count_lines(const char *path)
{
	char *text = t_read_file(path, NULL), *p;
	int n = 0;

	if (text == NULL)
		return 0;
	for (p = text; *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

/*
 * test_refresh: credentials from credential_process that expire within 5
 * minutes are fetched again before a call, but not before every call.
 */
static void
test_refresh(void)
{
	char dir[] = "/tmp/test_aws.XXXXXX", fixture[PATH_MAX], conf[PATH_MAX + 64];
	char count[PATH_MAX + 64], text[3 * PATH_MAX + 128], err[1024];
	struct aws *a;
	FILE *f;

	if (mkdtemp(dir) == NULL ||
	    realpath("tests/fixtures/creds/expiring.sh", fixture) == NULL) {
		T_OK(0, "cannot set up (run from the repository root)");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/config", dir);
	snprintf(count, sizeof(count), "%s/count", dir);
	snprintf(text, sizeof(text), "[profile exp]\ncredential_process = "
	    "/bin/sh '%s' '%s'\n", fixture, count);
	if ((f = fopen(conf, "w")) == NULL) {
		T_OK(0, "cannot write %s", conf);
		return;
	}
	fputs(text, f);
	fclose(f);
	setenv("AWS_CONFIG_FILE", conf, 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");

	a = aws_new(base, http, "eu-west-1", "exp", err, sizeof(err));
	T_OK(a != NULL, "aws_new: %s", err);
	T_EQ_INT(count_lines(count), 1);
	if (a != NULL) {
		struct answer ok[] = { { 200, "{}", 0, 0 } };

		set_script(ok, 1);
		T_EQ_INT(aws_call(a, &sqs_req, done_cb, NULL), 0);
		T_EQ_INT(run(5000), 0);
		T_EQ_INT(last.ok, 1);
		T_EQ_INT(count_lines(count), 2);
		T_EQ_STR(seen[0].token, "token2");
		T_OK(strstr(seen[0].auth, "Credential=ASIAEXPIRING/") != NULL,
		    "%s", seen[0].auth);

		/* as short-lived again: no new run for AWS_REFRESH_RETRY_S */
		set_script(ok, 1);
		T_EQ_INT(aws_call(a, &sqs_req, done_cb, NULL), 0);
		T_EQ_INT(run(5000), 0);
		T_EQ_INT(count_lines(count), 2);
		T_EQ_STR(seen[0].token, "token2");
		aws_free(a);
	}
	unlink(count);
	unlink(conf);
	rmdir(dir);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "testSecret/Key", 1);
	setenv("AWS_SESSION_TOKEN", "testToken", 1);
}

static int
start_server(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if ((server = evhttp_new(base)) == NULL ||
	    (bs = evhttp_bind_socket_with_handle(server, "127.0.0.1", 0)) ==
	    NULL)
		return -1;
	evhttp_set_gencb(server, server_cb, NULL);
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len) == -1)
		return -1;
	port = ntohs(sin.sin_port);
	return 0;
}

int
main(void)
{
	char url[64];

	log_init(0, 0);
	if ((base = event_base_new()) == NULL || start_server() == -1 ||
	    (http = http_client_new(base)) == NULL) {
		fprintf(stderr, "test_aws: cannot set up the loop, server or "
		    "client\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	setenv("HOME", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL_SQS");
	unsetenv("AWS_ENDPOINT_URL_ROUTE_53");
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "testSecret/Key", 1);
	setenv("AWS_SESSION_TOKEN", "testToken", 1);

	T_RUN(test_signed_ok);
	T_RUN(test_route53_query);
	T_RUN(test_retry_then_ok);
	T_RUN(test_client_error);
	T_RUN(test_give_up);
	T_RUN(test_transport);
	T_RUN(test_free_pending);
	T_RUN(test_signature_mismatch_log);
	T_RUN(test_new_errors);
	T_RUN(test_refresh);
	T_RUN(test_counts);
	T_RUN(test_counts_cancel);

	http_client_free(http);
	evhttp_free(server);
	event_base_free(base);
	return t_done("test_aws");
}
