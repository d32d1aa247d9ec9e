/*
 * test_cloudflare: the Cloudflare adapter. The builder and the parser
 * against answers in the shapes of Cloudflare's API v4 documentation
 * (tests/fixtures/cloudflare/) and broken ones; the four calls end to end
 * through http.c against an evhttp server that runs in this process on
 * 127.0.0.1 and an ephemeral port, which records what it was sent.
 *
 * Not covered: the 20 s total timeout (fixed in the adapter; too slow for
 * a unit test; http.c's own timeout path is tested in test_http).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "buf.h"
#include "cloudflare.h"
#include "http.h"
#include "log.h"
#include "t.h"

#define FIX		"tests/fixtures/cloudflare/"
#define GUARD_S		15	/* no call may take longer than this */
#define MAX_PENDING	8
#define TOKEN		"Zx9_tokEN-0123456789abcdefghijklmnopqrstu"
#define ZONE		"a9f3d1c67b2e4f0e8d5c6b7a8f9e0d1c"
#define REC		"023e105f4ecef8ad9ca31a8372d0c353"

#define S(s) s, sizeof(s) - 1

/* The answer holds no NUL-less field and its message is printable ASCII. */
static int
answer_sane(const struct cf_answer *a)
{
	size_t i;

	if (memchr(a->message, '\0', sizeof(a->message)) == NULL)
		return 0;
	for (i = 0; a->message[i]; i++)
		if ((unsigned char)a->message[i] < 0x20 ||
		    (unsigned char)a->message[i] >= 0x7f)
			return 0;
	if (a->n_records > CF_MAX_RECORDS)
		return 0;
	if (a->success && a->message[0] != '\0')
		return 0;
	if (!a->success && (a->n_records != 0 || a->message[0] == '\0'))
		return 0;
	return 1;
}

/* ---- the builder ---- */

static void
test_build(void)
{
	struct buf b;

	buf_init(&b, 4096);
	T_EQ_INT(cf_build_record(&b, "vpn.example.com", "203.0.113.10", 60), 0);
	T_EQ_STR(buf_str(&b), "{\"type\":\"A\",\"name\":\"vpn.example.com\","
	    "\"content\":\"203.0.113.10\",\"ttl\":60,\"proxied\":false}");
	buf_reset(&b);
	T_EQ_INT(cf_build_record(&b, "a\"b\\c\n\x01.example.com", "1.2.3.4",
	    1), 0);
	T_EQ_STR(buf_str(&b), "{\"type\":\"A\",\"name\":"
	    "\"a\\\"b\\\\c\\u000a\\u0001.example.com\","
	    "\"content\":\"1.2.3.4\",\"ttl\":1,\"proxied\":false}");

	buf_reset(&b);
	T_EQ_INT(cf_build_record(&b, NULL, "1.2.3.4", 60), -1);
	T_EQ_INT(cf_build_record(&b, "", "1.2.3.4", 60), -1);
	T_EQ_INT(cf_build_record(&b, "x.example.com", NULL, 60), -1);
	T_EQ_INT(cf_build_record(&b, "x.example.com", "", 60), -1);
	T_EQ_INT(cf_build_record(NULL, "x.example.com", "1.2.3.4", 60), -1);
	T_EQ_INT(b.len, 0);
	buf_free(&b);

	/* the cap: a failure leaves what was there */
	buf_init(&b, 40);
	T_EQ_INT(buf_adds(&b, "keep"), 0);
	T_EQ_INT(cf_build_record(&b, "vpn.example.com", "203.0.113.10", 60),
	    -1);
	T_EQ_STR(buf_str(&b), "keep");
	buf_free(&b);
}

/* ---- the parser, from fixtures ---- */

static void
parse_file(const char *name, long status, int list, struct cf_answer *a)
{
	char path[256], *s;
	size_t len = 0;

	snprintf(path, sizeof(path), FIX "%s", name);
	if ((s = t_read_file(path, &len)) == NULL) {
		T_OK(0, "read %s", path);
		memset(a, 0, sizeof(*a));
		return;
	}
	cf_parse(s, len, status, list, a);
	free(s);
}

static void
test_parse_records(void)
{
	struct cf_answer a;

	parse_file("get_record.json", 200, 0, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_INT(a.transport, 0);
	T_EQ_INT(a.http_status, 200);
	T_EQ_INT(a.retry_after_s, -1);
	T_EQ_INT(a.code, 0);
	T_EQ_STR(a.message, "");
	T_EQ_INT(a.n_records, 1);
	T_EQ_INT(a.total, 1);
	T_EQ_STR(a.records[0].id, REC);
	T_EQ_STR(a.records[0].type, "A");
	T_EQ_STR(a.records[0].name, "vpn.example.com");
	T_EQ_STR(a.records[0].content, "203.0.113.10");
	T_EQ_INT(a.records[0].ttl, 60);
	T_EQ_INT(a.records[0].proxied, 0);

	parse_file("patch_record.json", 200, 0, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_STR(a.records[0].content, "198.51.100.77");
	parse_file("create_record.json", 200, 0, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_STR(a.records[0].id, "9a7806061c88ada191ed06f989cc3dac");
	T_EQ_INT(a.records[0].ttl, 1);

	parse_file("list_records.json", 200, 1, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_INT(a.n_records, 1);
	T_EQ_INT(a.total, 1);
	T_EQ_STR(a.records[0].content, "203.0.113.10");

	parse_file("list_records_two.json", 200, 1, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_INT(a.n_records, 2);
	T_EQ_INT(a.total, 5);	/* result_info.total_count, not the page */
	T_EQ_INT(a.records[0].proxied, 1);
	T_EQ_INT(a.records[0].ttl, 1);
	T_EQ_STR(a.records[0].content, "198.51.100.4");
	T_EQ_STR(a.records[1].id, "5b3e6b2c9d0f4a1e8c7d6e5f4a3b2c1d");
	T_EQ_INT(a.records[1].ttl, 300);

	parse_file("list_records_empty.json", 200, 1, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_INT(a.n_records, 0);
	T_EQ_INT(a.total, 0);

	/* no result_info: the array's length; only CF_MAX_RECORDS kept */
	parse_file("list_records_many.json", 200, 1, &a);
	T_EQ_INT(a.success, 1);
	T_EQ_INT(a.n_records, CF_MAX_RECORDS);
	T_EQ_INT(a.total, 12);
	T_EQ_STR(a.records[7].content, "203.0.113.17");

	/* a list answer read as a get and the reverse */
	parse_file("list_records.json", 200, 0, &a);
	T_EQ_INT(a.success, 0);
	T_EQ_STR(a.message, "result is not an object");
	parse_file("get_record.json", 200, 1, &a);
	T_EQ_INT(a.success, 0);
	T_EQ_STR(a.message, "result is not an array");
	T_OK(answer_sane(&a), "sane");
}

static const struct {
	const char	*file;
	long		 status;
	int		 list;
	int		 code;
	const char	*message;	/* exact, or a prefix ending in '*' */
} bad[] = {
	{ "err_81044_record_missing.json", 404, 0, CF_ERR_RECORD_MISSING,
	    "Record does not exist." },
	{ "err_10000_auth.json", 403, 1, CF_ERR_AUTH, "Authentication error" },
	{ "err_9109_token.json", 401, 0, CF_ERR_AUTH_TOKEN,
	    "Invalid access token" },
	{ "err_7003_route.json", 400, 1, 7003, "Could not route to "
	    "/zones/not-a-zone/dns_records, perhaps your object identifier "
	    "is invalid?" },
	{ "err_1004_validation.json", 400, 0, 1004, "DNS Validation Error" },
	{ "err_429_rate_limited.json", 429, 0, 971,
	    "Please wait and consider throttling your request speed" },
	{ "err_500_no_errors.json", 500, 0, 0, "HTTP 500" },
	{ "err_500_no_errors.json", 200, 0, 0, "success is false" },
	/* a 4xx says failure even when the body claims success */
	{ "get_record.json", 409, 0, 0, "HTTP 409" },
	{ "html_502.html", 502, 0, 0, "not JSON: *" },
	{ "empty.txt", 502, 1, 0, "empty answer" },
	{ "empty.txt", 200, 0, 0, "empty answer" },
	{ "truncated.json", 200, 0, 0, "not JSON: truncated" },
	{ "trailing_garbage.json", 200, 1, 0, "not JSON: *" },
	{ "not_an_object.json", 200, 1, 0, "not a JSON object" },
	{ "no_success.json", 200, 0, 0, "no success field" },
	{ "wrong_success_type.json", 200, 0, 0, "success is not a boolean" },
	{ "result_not_object.json", 200, 0, 0, "result is not an object" },
	{ "result_array_for_get.json", 200, 0, 0, "result is not an object" },
	{ "result_object_for_list.json", 200, 1, 0, "result is not an array" },
	{ "wrong_ttl_type.json", 200, 0, 0, "malformed record: ttl *" },
	{ "ttl_float.json", 200, 0, 0, "malformed record: ttl *" },
	{ "wrong_proxied_type.json", 200, 0, 0, "malformed record: proxied *" },
	{ "wrong_content_type.json", 200, 0, 0,
	    "malformed record: content is not a string" },
	{ "missing_id.json", 200, 0, 0, "malformed record: no id" },
	{ "long_name.json", 200, 0, 0, "malformed record: name *" },
	{ "long_id.json", 200, 0, 0, "malformed record: id *" },
	{ "long_content.json", 200, 0, 0, "malformed record: content *" },
	{ "wrong_error_code_type.json", 404, 0, 0, "malformed error entry" },
	{ "wrong_errors_type.json", 404, 0, 0, "errors is not an array" },
	{ "wrong_total_count_type.json", 200, 1, 0, "malformed result_info" },
	{ "deep_nesting.json", 200, 0, 0, "not JSON: nesting too deep" },
};

static int
message_is(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(got, want, n - 1) == 0;
	return strcmp(got, want) == 0;
}

static void
test_parse_failures(void)
{
	struct cf_answer a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_file(bad[i].file, bad[i].status, bad[i].list, &a);
		T_OK(a.success == 0, "%s: success", bad[i].file);
		T_OK(a.code == bad[i].code, "%s: code %d, want %d",
		    bad[i].file, a.code, bad[i].code);
		T_OK(message_is(a.message, bad[i].message),
		    "%s: message \"%s\", want \"%s\"", bad[i].file, a.message,
		    bad[i].message);
		T_OK(a.http_status == bad[i].status, "%s: status",
		    bad[i].file);
		T_OK(a.n_records == 0 && a.total == 0 &&
		    a.records[0].id[0] == '\0', "%s: no records", bad[i].file);
		T_OK(a.retry_after_s == -1 && a.transport == 0, "%s: http "
		    "fields", bad[i].file);
		T_OK(answer_sane(&a), "%s: sane", bad[i].file);
	}
}

static void
test_parse_messages(void)
{
	struct cf_answer a;

	/* bounded: the first 255 bytes of a 2000-byte message */
	parse_file("long_message.json", 400, 0, &a);
	T_EQ_INT(a.code, 1004);
	T_EQ_INT(strlen(a.message), sizeof(a.message) - 1);
	T_OK(strncmp(a.message, "DNS Validation Error: xxx", 25) == 0,
	    "long message kept its start: %.40s", a.message);
	T_OK(answer_sane(&a), "sane");

	/* NUL, escapes, newline and UTF-8 become '?', one per character */
	parse_file("control_message.json", 400, 0, &a);
	T_EQ_INT(a.code, 1004);
	T_EQ_STR(a.message, "bad??[31mred?[0m caf? ? end");
	T_OK(answer_sane(&a), "sane");
}

/* Answers written inline: the corners the fixtures do not show. */
static void
test_parse_inline(void)
{
	static const struct {
		const char	*body;
		int		 list;
		int		 success;
		const char	*message;
	} c[] = {
#define R(x) "{\"success\":true,\"errors\":[],\"result\":{" x "}}"
#define OK1 "\"id\":\"i\",\"type\":\"A\",\"name\":\"n.example.com\",\"content\":\"192.0.2.1\""
		{ R(OK1 ",\"ttl\":60,\"proxied\":false"), 0, 1, "" },
		{ R(OK1 ",\"ttl\":0,\"proxied\":false"), 0, 0,
		    "malformed record: ttl out of range" },
		{ R(OK1 ",\"ttl\":-60,\"proxied\":false"), 0, 0,
		    "malformed record: ttl out of range" },
		{ R(OK1 ",\"ttl\":99999999999999999999,\"proxied\":false"), 0,
		    0, "malformed record: ttl out of range" },
		{ R(OK1 ",\"proxied\":false"), 0, 0,
		    "malformed record: ttl is missing or not an integer" },
		{ R(OK1 ",\"ttl\":60,\"proxied\":null"), 0, 0,
		    "malformed record: proxied is missing or not a boolean" },
		{ R("\"id\":\"i\\u0000x\",\"type\":\"A\",\"name\":\"n\","
		    "\"content\":\"c\",\"ttl\":60,\"proxied\":false"), 0, 0,
		    "malformed record: id holds a byte that is not printable "
		    "ASCII" },
		{ R("\"id\":\"i\",\"type\":\"A\",\"name\":\"caf\xc3\xa9\","
		    "\"content\":\"c\",\"ttl\":60,\"proxied\":false"), 0, 0,
		    "malformed record: name holds a byte that is not printable "
		    "ASCII" },
		{ R("\"id\":\"\",\"type\":\"A\",\"name\":\"n\",\"content\":"
		    "\"c\",\"ttl\":60,\"proxied\":false"), 0, 0,
		    "malformed record: id is empty or too long" },
		{ "{\"success\":true,\"result\":[1]}", 1, 0,
		    "malformed record 0: not an object" },
		{ "{\"success\":true,\"result\":[{" OK1 ",\"ttl\":1,"
		    "\"proxied\":true},{}]}", 1, 0,
		    "malformed record 1: no id" },
		{ "{\"success\":true,\"result\":[],\"result_info\":null}", 1, 1,
		    "" },
		{ "{\"success\":true,\"result\":[],\"result_info\":[]}", 1, 0,
		    "malformed result_info" },
		{ "{\"success\":true,\"result\":[{" OK1 ",\"ttl\":1,"
		    "\"proxied\":true}],\"result_info\":{\"total_count\":0}}",
		    1, 0, "malformed result_info" },
		{ "{\"success\":true,\"result\":[],\"result_info\":"
		    "{\"total_count\":-1}}", 1, 0, "malformed result_info" },
		{ "{\"success\":true,\"errors\":null,\"result\":[]}", 1, 1, "" },
		{ "{\"success\":false,\"errors\":[{\"code\":-5,\"message\":"
		    "\"m\"}]}", 0, 0, "m" },
		{ "{\"success\":false,\"errors\":[7]}", 0, 0,
		    "malformed error entry" },
		{ "{\"success\":false,\"errors\":[{\"code\":1}]}", 0, 0,
		    "malformed error entry" },
		{ "{\"success\":false,\"errors\":[{\"code\":1,\"message\":\"\"}]}",
		    0, 0, "success is false" },
		{ "{\"success\":true,\"result\":{}} \r\n\t", 0, 0,
		    "malformed record: no id" },
		{ "{\"success\":true,\"result\":{}}\0", 0, 0,
		    "not JSON: *" },
		{ "{\"success\":\"\xff\"}", 0, 0, "not JSON: invalid utf-8 *" },
		{ "[1,]", 0, 0, "not JSON: *" },
		{ "null", 0, 0, "not JSON: *" },
		{ "\"str\"", 0, 0, "not a JSON object" },
#undef R
#undef OK1
	};
	struct cf_answer a;
	size_t i, len;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		len = strlen(c[i].body);
		if (strcmp(c[i].body, "{\"success\":true,\"result\":{}}") == 0)
			len++;	/* the case that carries its NUL */
		cf_parse(c[i].body, len, 200, c[i].list, &a);
		T_OK(a.success == c[i].success, "case %zu: success %d", i,
		    a.success);
		T_OK(message_is(a.message, c[i].message),
		    "case %zu: message \"%s\", want \"%s\"", i, a.message,
		    c[i].message);
		T_OK(answer_sane(&a), "case %zu: sane", i);
	}
	cf_parse(NULL, 0, 200, 0, &a);
	T_EQ_STR(a.message, "empty answer");
}

static void
test_parse_deep(void)
{
	struct cf_answer a;
	size_t n = 100000, i;
	char *s;

	if ((s = malloc(2 * n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + i] = ']';
	}
	s[2 * n] = '\0';
	cf_parse(s, 2 * n, 200, 1, &a);
	T_EQ_STR(a.message, "not JSON: nesting too deep");
	for (i = 0; i < n; i++)
		s[i] = i % 2 ? '{' : '"';	/* garbage */
	cf_parse(s, 2 * n, 200, 1, &a);
	T_EQ_INT(a.success, 0);
	T_OK(answer_sane(&a), "sane");
	free(s);
}

/* ---- the calls, end to end ---- */

struct srv {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;

	/* what the last request brought */
	int			 nrequests;
	char			 method[16];
	char			 uri[1024];
	char			 auth[256];
	char			 accept[64];
	char			 ctype[64];
	int			 has_ctype;
	char			 body[1024];

	/* the answer to give */
	int			 status;
	const char		*answer;	/* a fixture's name, or */
	const char		*answer_str;	/* the body itself */
	size_t			 answer_big;	/* > 0: that many 'x' */
	const char		*retry_after;
	int			 echo_auth;	/* the token in an error */
	int			 hang;		/* never answer */
	struct evhttp_request	*pend[MAX_PENDING];
	int			 npend;
};

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

static void
hdr_copy(char *dst, size_t len, struct evkeyvalq *h, const char *name,
    int *present)
{
	const char *v = evhttp_find_header(h, name);

	if (present)
		*present = v != NULL;
	snprintf(dst, len, "%s", v ? v : "-");
}

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *ib = evhttp_request_get_input_buffer(req);
	struct evbuffer *out;
	char *text = NULL;
	size_t n, len;

	s->nrequests++;
	snprintf(s->method, sizeof(s->method), "%s",
	    method_name(evhttp_request_get_command(req)));
	snprintf(s->uri, sizeof(s->uri), "%s", evhttp_request_get_uri(req));
	hdr_copy(s->auth, sizeof(s->auth), in, "Authorization", NULL);
	hdr_copy(s->accept, sizeof(s->accept), in, "Accept", NULL);
	hdr_copy(s->ctype, sizeof(s->ctype), in, "Content-Type", &s->has_ctype);
	n = evbuffer_get_length(ib);
	if (n >= sizeof(s->body))
		n = sizeof(s->body) - 1;
	evbuffer_remove(ib, s->body, n);
	s->body[n] = '\0';
	if (s->hang) {
		if (s->npend == MAX_PENDING)
			abort();
		s->pend[s->npend++] = req;
		return;
	}

	out = evbuffer_new();
	if (s->echo_auth)
		evbuffer_add_printf(out, "{\"success\":false,\"errors\":[{\"code\":"
		    "9109,\"message\":\"Invalid access token: %s (%s)\"}],"
		    "\"result\":null}", s->auth, s->auth + 7);
	else if (s->answer_big > 0) {
		for (len = 0; len < s->answer_big; len++)
			evbuffer_add(out, "x", 1);
	} else if (s->answer_str != NULL)
		evbuffer_add(out, s->answer_str, strlen(s->answer_str));
	else if (s->answer != NULL) {
		char path[256];

		snprintf(path, sizeof(path), FIX "%s", s->answer);
		if ((text = t_read_file(path, &len)) == NULL)
			abort();
		evbuffer_add(out, text, len);
		free(text);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	if (s->retry_after != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", s->retry_after);
	evhttp_send_reply(req, s->status, "Whatever", out);
	evbuffer_free(out);
}

static struct srv *
srv_new(struct event_base *base)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct srv *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->base = base;
	s->http = evhttp_new(base);
	evhttp_set_gencb(s->http, srv_cb, s);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE);
	bs = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
	if (bs == NULL || getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &sl) == -1) {
		fprintf(stderr, "test_cloudflare: cannot bind the test server\n");
		exit(1);
	}
	s->port = ntohs(sin.sin_port);
	return s;
}

static void
srv_free(struct srv *s)
{
	struct evbuffer *b;
	int i;

	/* answering an open request is what frees it */
	for (i = 0; i < s->npend; i++) {
		b = evbuffer_new();
		evhttp_send_reply(s->pend[i], 200, "OK", b);
		evbuffer_free(b);
	}
	evhttp_free(s->http);
	free(s);
}

/* One test's world: a loop, the server, a client, the answers seen. */
struct run {
	struct event_base	*base;
	struct srv		*srv;
	struct http_client	*c;
	struct event		*guard;
	char			 api[128];
	int			 calls;
	int			 token_seen;	/* in an answer, checked live */
	int			 timed_out;
	struct cf_answer	 a;		/* the last answer */
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
	snprintf(r->api, sizeof(r->api), "http://127.0.0.1:%d/client/v4",
	    r->srv->port);
	r->srv->status = 200;
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
done_cb(const struct cf_answer *a, void *arg)
{
	struct run *r = arg;

	r->calls++;
	if (memmem(a, sizeof(*a), TOKEN, strlen(TOKEN)) != NULL ||
	    memmem(a, sizeof(*a), &TOKEN[10], 12) != NULL)
		r->token_seen = 1;
	memcpy(&r->a, a, sizeof(*a));
	event_base_loopbreak(r->base);
}

/* Runs the loop until the call pending answers; 0 when it did. */
static int
run_wait(struct run *r)
{
	struct timeval tv = { GUARD_S, 0 };
	int before = r->calls;

	memset(&r->a, 0xa5, sizeof(r->a));
	evtimer_add(r->guard, &tv);
	while (r->calls == before && !r->timed_out)
		event_base_dispatch(r->base);
	evtimer_del(r->guard);
	T_OK(!r->timed_out, "the loop hit the %d s guard", GUARD_S);
	T_EQ_INT(r->calls, before + 1);
	T_OK(!r->token_seen, "the token is nowhere in the answer");
	T_OK(answer_sane(&r->a), "the answer is sane");
	return r->calls == before + 1 ? 0 : -1;
}

static void
test_call_get(void)
{
	struct run r;

	run_init(&r);
	r.srv->answer = "get_record.json";
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	T_EQ_INT(r.calls, 0);	/* never from inside the call */
	run_wait(&r);
	T_EQ_STR(r.srv->method, "GET");
	T_EQ_STR(r.srv->uri, "/client/v4/zones/" ZONE "/dns_records/" REC);
	T_EQ_STR(r.srv->auth, "Bearer " TOKEN);
	T_EQ_STR(r.srv->accept, "application/json");
	T_EQ_INT(r.srv->has_ctype, 0);
	T_EQ_STR(r.srv->body, "");
	T_EQ_INT(r.a.success, 1);
	T_EQ_INT(r.a.transport, 0);
	T_EQ_INT(r.a.http_status, 200);
	T_EQ_INT(r.a.retry_after_s, -1);
	T_EQ_INT(r.a.n_records, 1);
	T_EQ_STR(r.a.records[0].content, "203.0.113.10");

	/* path segments are URL-encoded; a trailing slash on api is fine */
	snprintf(r.api + strlen(r.api), sizeof(r.api) - strlen(r.api), "/");
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, "z/1 x", "r?#&%", done_cb,
	    &r), 0);
	run_wait(&r);
	T_EQ_STR(r.srv->uri, "/client/v4/zones/z%2F1%20x/dns_records/"
	    "r%3F%23%26%25");

	/* 404 81044 */
	r.srv->status = 404;
	r.srv->answer = "err_81044_record_missing.json";
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.transport, 0);
	T_EQ_INT(r.a.http_status, 404);
	T_EQ_INT(r.a.code, CF_ERR_RECORD_MISSING);
	T_EQ_STR(r.a.message, "Record does not exist.");
	run_free(&r);
}

static void
test_call_list(void)
{
	struct run r;

	run_init(&r);
	r.srv->answer = "list_records_two.json";
	T_EQ_INT(cf_list_records(r.c, r.api, TOKEN, ZONE, "vpn.example.com",
	    done_cb, &r), 0);
	run_wait(&r);
	T_EQ_STR(r.srv->method, "GET");
	T_EQ_STR(r.srv->uri, "/client/v4/zones/" ZONE
	    "/dns_records?type=A&name=vpn.example.com");
	T_EQ_STR(r.srv->auth, "Bearer " TOKEN);
	T_EQ_STR(r.srv->accept, "application/json");
	T_EQ_INT(r.srv->has_ctype, 0);
	T_EQ_INT(r.a.success, 1);
	T_EQ_INT(r.a.n_records, 2);
	T_EQ_INT(r.a.total, 5);

	T_EQ_INT(cf_list_records(r.c, r.api, TOKEN, ZONE, "a b&type=MX=é",
	    done_cb, &r), 0);
	run_wait(&r);
	T_EQ_STR(r.srv->uri, "/client/v4/zones/" ZONE
	    "/dns_records?type=A&name=a%20b%26type%3DMX%3D%C3%A9");
	run_free(&r);
}

static void
test_call_update_create(void)
{
	struct run r;

	run_init(&r);
	r.srv->answer = "patch_record.json";
	T_EQ_INT(cf_update_record(r.c, r.api, TOKEN, ZONE, REC,
	    "vpn.example.com", "198.51.100.77", 60, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_STR(r.srv->method, "PATCH");
	T_EQ_STR(r.srv->uri, "/client/v4/zones/" ZONE "/dns_records/" REC);
	T_EQ_STR(r.srv->auth, "Bearer " TOKEN);
	T_EQ_STR(r.srv->accept, "application/json");
	T_EQ_STR(r.srv->ctype, "application/json");
	T_EQ_STR(r.srv->body, "{\"type\":\"A\",\"name\":\"vpn.example.com\","
	    "\"content\":\"198.51.100.77\",\"ttl\":60,\"proxied\":false}");
	T_EQ_INT(r.a.success, 1);
	T_EQ_STR(r.a.records[0].content, "198.51.100.77");

	r.srv->answer = "create_record.json";
	T_EQ_INT(cf_create_record(r.c, r.api, TOKEN, ZONE, "vpn.example.com",
	    "203.0.113.10", 1, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_STR(r.srv->method, "POST");
	T_EQ_STR(r.srv->uri, "/client/v4/zones/" ZONE "/dns_records");
	T_EQ_STR(r.srv->ctype, "application/json");
	T_EQ_STR(r.srv->body, "{\"type\":\"A\",\"name\":\"vpn.example.com\","
	    "\"content\":\"203.0.113.10\",\"ttl\":1,\"proxied\":false}");
	T_EQ_INT(r.a.success, 1);
	T_EQ_STR(r.a.records[0].id, "9a7806061c88ada191ed06f989cc3dac");

	/* 1004 on a bad address */
	r.srv->status = 400;
	r.srv->answer = "err_1004_validation.json";
	T_EQ_INT(cf_update_record(r.c, r.api, TOKEN, ZONE, REC,
	    "vpn.example.com", "not-an-ip", 60, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.code, 1004);
	T_EQ_INT(r.a.http_status, 400);
	T_EQ_STR(r.a.message, "DNS Validation Error");
	T_EQ_INT(r.srv->nrequests, 3);
	run_free(&r);
}

static void
test_call_errors(void)
{
	struct run r;

	run_init(&r);
	r.srv->status = 429;
	r.srv->retry_after = "7";
	r.srv->answer = "err_429_rate_limited.json";
	T_EQ_INT(cf_list_records(r.c, r.api, TOKEN, ZONE, "vpn.example.com",
	    done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.transport, 0);
	T_EQ_INT(r.a.http_status, 429);
	T_EQ_INT(r.a.retry_after_s, 7);
	T_EQ_INT(r.a.code, 971);

	r.srv->status = 500;
	r.srv->retry_after = NULL;
	r.srv->answer = "err_500_no_errors.json";
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.transport, 0);
	T_EQ_INT(r.a.http_status, 500);
	T_EQ_INT(r.a.retry_after_s, -1);
	T_EQ_STR(r.a.message, "HTTP 500");

	r.srv->status = 502;
	r.srv->answer = "html_502.html";
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.http_status, 502);
	T_OK(strncmp(r.a.message, "not JSON: ", 10) == 0, "502: \"%s\"",
	    r.a.message);

	r.srv->status = 401;
	r.srv->answer = "err_9109_token.json";
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.code, CF_ERR_AUTH_TOKEN);
	T_EQ_STR(r.a.message, "Invalid access token");

	/* a server that echoes the token: scrubbed from the answer */
	r.srv->echo_auth = 1;
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.code, CF_ERR_AUTH_TOKEN);
	T_OK(strstr(r.a.message, "Invalid access token: Bearer ****") ==
	    r.a.message, "echo scrubbed: \"%s\"", r.a.message);
	T_OK(strstr(r.a.message, TOKEN) == NULL, "no token in message");
	r.srv->echo_auth = 0;

	/* past 256 KiB: a transport failure */
	r.srv->status = 200;
	r.srv->answer_big = 256 * 1024 + 1;
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.transport, 1);
	T_EQ_INT(r.a.http_status, 0);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.retry_after_s, -1);
	T_OK(strncmp(r.a.message, "answer too big: ", 16) == 0,
	    "too big: \"%s\"", r.a.message);
	/* exactly 256 KiB still arrives (and is not JSON) */
	r.srv->answer_big = 256 * 1024;
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.transport, 0);
	T_EQ_INT(r.a.http_status, 200);
	T_OK(strncmp(r.a.message, "not JSON: ", 10) == 0, "256 KiB: \"%s\"",
	    r.a.message);
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
test_call_transport(void)
{
	struct run r;
	char api[128];

	run_init(&r);
	snprintf(api, sizeof(api), "http://127.0.0.1:%d/client/v4",
	    closed_port());
	T_EQ_INT(cf_get_record(r.c, api, TOKEN, ZONE, REC, done_cb, &r), 0);
	run_wait(&r);
	T_EQ_INT(r.a.transport, 1);
	T_EQ_INT(r.a.http_status, 0);
	T_EQ_INT(r.a.success, 0);
	T_EQ_INT(r.a.code, 0);
	T_EQ_INT(r.a.retry_after_s, -1);
	T_EQ_INT(r.a.n_records, 0);
	T_OK(strncmp(r.a.message, "connect failed: ", 16) == 0 &&
	    strlen(r.a.message) > 16, "refused: \"%s\"", r.a.message);

	/* freeing the client completes the call, with "cancelled" */
	r.srv->hang = 1;
	T_EQ_INT(cf_update_record(r.c, r.api, TOKEN, ZONE, REC,
	    "vpn.example.com", "203.0.113.10", 60, done_cb, &r), 0);
	{
		struct timeval tv = { GUARD_S, 0 };

		evtimer_add(r.guard, &tv);
		while (r.srv->npend == 0 && !r.timed_out)
			event_base_loop(r.base, EVLOOP_ONCE);
		evtimer_del(r.guard);
	}
	T_OK(!r.timed_out && r.srv->npend == 1, "the request arrived");
	T_EQ_INT(r.calls, 1);
	http_client_free(r.c);
	r.c = NULL;
	T_EQ_INT(r.calls, 2);
	T_EQ_INT(r.a.transport, 1);
	T_OK(strncmp(r.a.message, "cancelled: ", 11) == 0, "cancelled: \"%s\"",
	    r.a.message);
	T_OK(!r.token_seen, "no token");
	run_free(&r);
}

static void
test_call_refused_args(void)
{
	struct run r;

	run_init(&r);
	T_EQ_INT(cf_get_record(r.c, r.api, NULL, ZONE, REC, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, "", ZONE, REC, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, "tok\r\nX-Evil: 1", ZONE, REC,
	    done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, "tok en", ZONE, REC, done_cb, &r),
	    -1);
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, "", REC, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, NULL, REC, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, NULL, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, "", done_cb, &r), -1);
	T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, ZONE, REC, NULL, &r), -1);
	T_EQ_INT(cf_get_record(r.c, NULL, TOKEN, ZONE, REC, done_cb, &r), -1);
	T_EQ_INT(cf_get_record(NULL, r.api, TOKEN, ZONE, REC, done_cb, &r), -1);
	T_EQ_INT(cf_list_records(r.c, r.api, TOKEN, ZONE, NULL, done_cb, &r),
	    -1);
	T_EQ_INT(cf_list_records(r.c, r.api, TOKEN, ZONE, "", done_cb, &r), -1);
	T_EQ_INT(cf_update_record(r.c, r.api, TOKEN, ZONE, REC, "", "1.2.3.4",
	    60, done_cb, &r), -1);
	T_EQ_INT(cf_update_record(r.c, r.api, TOKEN, ZONE, NULL, "n",
	    "1.2.3.4", 60, done_cb, &r), -1);
	T_EQ_INT(cf_create_record(r.c, r.api, TOKEN, ZONE, "n", NULL, 60,
	    done_cb, &r), -1);
	T_EQ_INT(http_client_inflight(r.c), 0);
	/* a URL past 8 KiB */
	{
		char big[9000];

		memset(big, 'z', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		T_EQ_INT(cf_get_record(r.c, r.api, TOKEN, big, REC, done_cb,
		    &r), -1);
	}
	T_EQ_INT(r.calls, 0);
	T_EQ_INT(r.srv->nrequests, 0);
	run_free(&r);
}

int
main(void)
{
	log_init(0, 0);
	T_RUN(test_build);
	T_RUN(test_parse_records);
	T_RUN(test_parse_failures);
	T_RUN(test_parse_messages);
	T_RUN(test_parse_inline);
	T_RUN(test_parse_deep);
	T_RUN(test_call_get);
	T_RUN(test_call_list);
	T_RUN(test_call_update_create);
	T_RUN(test_call_errors);
	T_RUN(test_call_transport);
	T_RUN(test_call_refused_args);
	return t_done("test_cloudflare");
}
