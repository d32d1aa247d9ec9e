/*
 * test_sigv4: the signer against every case of the official test suite in
 * STINGY_SHARED/aws-sigv4-test-suite/v4/ (header signing), then a few
 * direct checks of the canonicalization helpers and the error paths.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "sigv4.h"
#include "t.h"

#define MAX_HDR	SIGV4_MAX_HEADERS

/*
 * Cases not run, with the reason. Every case in the suite passes today, so
 * the list is empty; a case added here is printed when the test runs.
 */
static const struct {
	const char	*name;
	const char	*reason;
} skipped[] = {
	{ NULL, NULL }
};

/* a request.txt, parsed */
struct vreq {
	char			*text;		/* the file, cut up in place */
	char			*method;
	char			*path;
	char			*query;		/* NULL when none */
	struct sigv4_header	 h[MAX_HDR];
	char			*vals[MAX_HDR];	/* malloc'd values (folded lines joined) */
	size_t			 nh;
	char			*body;
	size_t			 body_len;
};

static void
vreq_free(struct vreq *r)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		free(r->vals[i]);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/*
 * vreq_parse: "METHOD TARGET HTTP/1.1", header lines "Name:value" where a
 * line starting with a blank continues the previous value, an empty line,
 * then the body. TARGET may hold spaces (get-space-*).
 */
static int
vreq_parse(char *text, size_t len, struct vreq *r)
{
	char *line, *next, *end = text + len, *sp, *last_sp, *colon;

	memset(r, 0, sizeof(*r));
	r->text = text;
	if ((next = strchr(text, '\n')) == NULL)
		return -1;
	*next++ = '\0';
	line = text;
	if ((sp = strchr(line, ' ')) == NULL ||
	    (last_sp = strrchr(line, ' ')) == sp)
		return -1;
	*sp = '\0';
	*last_sp = '\0';
	r->method = line;
	r->path = sp + 1;
	if ((r->query = strchr(r->path, '?')) != NULL)
		*r->query++ = '\0';
	while (next < end) {
		line = next;
		if ((next = strchr(line, '\n')) == NULL)
			next = end;
		else
			*next++ = '\0';
		if (*line == '\0') {
			r->body = next;
			r->body_len = (size_t)(end - next);
			return 0;
		}
		if ((*line == ' ' || *line == '\t') && r->nh > 0) {
			char *v = r->vals[r->nh - 1], *nv;

			if ((nv = malloc(strlen(v) + strlen(line) + 2)) == NULL)
				return -1;
			sprintf(nv, "%s\n%s", v, line);
			free(v);
			r->vals[r->nh - 1] = nv;
			r->h[r->nh - 1].value = nv;
			continue;
		}
		if ((colon = strchr(line, ':')) == NULL || r->nh == MAX_HDR)
			return -1;
		*colon = '\0';
		if ((r->vals[r->nh] = strdup(colon + 1)) == NULL)
			return -1;
		r->h[r->nh].name = line;
		r->h[r->nh].value = r->vals[r->nh];
		r->nh++;
	}
	r->body = NULL;
	r->body_len = 0;
	return 0;
}

static char *
read_case_file(const char *dir, const char *name, const char *file)
{
	char path[2400];
	char *s;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, file);
	if ((s = t_read_file(path, &n)) == NULL)
		return NULL;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static time_t
parse_iso(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return (time_t)-1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static const char *
jstr(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return json_object_get_string(v);
}

static int
jbool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

/* the Authorization value in header-signed-request.txt */
static const char *
find_authorization(char *signed_req)
{
	char *p = signed_req, *nl;

	while (p != NULL && *p) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (strncmp(p, "Authorization:", 14) == 0)
			return p + 14;
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int
is_skipped(const char *name)
{
	size_t i;

	for (i = 0; skipped[i].name != NULL; i++)
		if (strcmp(skipped[i].name, name) == 0)
			return 1;
	return 0;
}

static int ncases;

static void
run_case(const char *dir, const char *name)
{
	char *ctx_text = NULL, *req_text = NULL, *exp_cr = NULL, *exp_sts = NULL;
	char *exp_sig = NULL, *exp_signed = NULL, path[2400], err[256];
	struct json_object *ctx = NULL;
	struct sigv4_request req;
	struct sigv4_key key;
	struct sigv4_result res;
	struct vreq vr;
	const char *auth, *ts;
	size_t len = 0;

	memset(&vr, 0, sizeof(vr));
	memset(&res, 0, sizeof(res));
	snprintf(path, sizeof(path), "%s/%s/request.txt", dir, name);
	req_text = t_read_file(path, &len);
	ctx_text = read_case_file(dir, name, "context.json");
	exp_cr = read_case_file(dir, name, "header-canonical-request.txt");
	exp_sts = read_case_file(dir, name, "header-string-to-sign.txt");
	exp_sig = read_case_file(dir, name, "header-signature.txt");
	exp_signed = read_case_file(dir, name, "header-signed-request.txt");
	if (req_text == NULL || ctx_text == NULL || exp_cr == NULL ||
	    exp_sts == NULL || exp_sig == NULL || exp_signed == NULL) {
		T_OK(0, "%s: a file is missing", name);
		free(req_text);
		goto out;
	}
	if ((ctx = json_tokener_parse(ctx_text)) == NULL) {
		T_OK(0, "%s: context.json does not parse", name);
		free(req_text);
		goto out;
	}
	if (vreq_parse(req_text, len, &vr) == -1) {
		T_OK(0, "%s: request.txt does not parse", name);
		vreq_free(&vr);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = vr.method;
	req.path = vr.path;
	req.query = vr.query;
	req.headers = vr.h;
	req.nheaders = vr.nh;
	req.body = vr.body;
	req.body_len = vr.body_len;
	req.normalize_path = jbool(ctx, "normalize");
	req.add_content_sha256 = jbool(ctx, "sign_body");
	memset(&key, 0, sizeof(key));
	key.access_key_id = jstr(ctx, "credentials", "access_key_id");
	key.secret_access_key = jstr(ctx, "credentials", "secret_access_key");
	/*
	 * omit_session_token: the token is sent but left out of the
	 * signature, which then equals a signature without a token.
	 */
	if (!jbool(ctx, "omit_session_token"))
		key.session_token = jstr(ctx, "credentials", "token");
	key.region = jstr(ctx, "region", NULL);
	key.service = jstr(ctx, "service", NULL);
	ts = jstr(ctx, "timestamp", NULL);
	T_OK(ts != NULL && parse_iso(ts) != (time_t)-1, "%s: timestamp", name);
	if (sigv4_sign(&req, &key, ts ? parse_iso(ts) : 0, &res, err,
	    sizeof(err)) == -1) {
		T_OK(0, "%s: sigv4_sign: %s", name, err);
		goto out;
	}
	ncases++;
	T_EQ_STR(res.canonical_request, exp_cr);
	T_EQ_STR(res.string_to_sign, exp_sts);
	T_EQ_STR(res.signature, exp_sig);
	auth = find_authorization(exp_signed);
	T_OK(auth != NULL, "%s: no Authorization in signed request", name);
	T_EQ_STR(res.authorization, auth);
	if (strcmp(res.signature, exp_sig) != 0)
		fprintf(stderr, "  in case %s\n", name);
out:
	sigv4_result_free(&res);
	vreq_free(&vr);
	json_object_put(ctx);
	free(ctx_text);
	free(exp_cr);
	free(exp_sts);
	free(exp_sig);
	free(exp_signed);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_vectors(void)
{
	char dir[1024], *names[256];
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/aws-sigv4-test-suite/v4", t_shared_dir());
	if ((d = opendir(dir)) == NULL) {
		T_OK(0, "cannot open %s (set STINGY_SHARED)", dir);
		return;
	}
	while ((de = readdir(d)) != NULL && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; skipped[i].name != NULL; i++)
		printf("test_sigv4: skipped %s: %s\n", skipped[i].name,
		    skipped[i].reason);
	for (i = 0; i < n; i++) {
		if (!is_skipped(names[i]))
			run_case(dir, names[i]);
		free(names[i]);
	}
	/* the suite has 38 cases; all must have been signed */
	T_EQ_INT(ncases, 38);
	printf("test_sigv4: %d vector cases signed, %zu skipped\n", ncases,
	    sizeof(skipped) / sizeof(skipped[0]) - 1);
}

static void
check_path(const char *in, int norm, const char *want)
{
	char *p = sigv4_canonical_path(in, norm);

	T_OK(p != NULL && strcmp(p, want) == 0, "path \"%s\" norm %d: \"%s\" "
	    "!= \"%s\"", in ? in : "(null)", norm, p ? p : "(null)", want);
	free(p);
}

static void
check_query(const char *in, const char *want)
{
	char *q = sigv4_canonical_query(in);

	T_OK(q != NULL && strcmp(q, want) == 0, "query \"%s\": \"%s\" != "
	    "\"%s\"", in ? in : "(null)", q ? q : "(null)", want);
	free(q);
}

static void
test_canonical(void)
{
	check_path(NULL, 1, "/");
	check_path("", 0, "/");
	check_path("/a/./b/../c/", 1, "/a/c/");
	check_path("/a/b/../../..", 1, "/");
	check_path("/../a", 1, "/a");
	check_path("/a%20b", 1, "/a%2520b");	/* the wire form is encoded again */
	check_path("/2013-04-01/hostedzone/Z1/rrset/", 1,
	    "/2013-04-01/hostedzone/Z1/rrset/");
	check_query(NULL, "");
	check_query("", "");
	check_query("b=2&a=1&a=0", "a=0&a=1&b=2");
	check_query("Action=DescribeInstances&Version=2016-11-15",
	    "Action=DescribeInstances&Version=2016-11-15");
	check_query("x&y=", "x=&y=");
	check_query("k=a+b", "k=a%2Bb");
	check_query("k=%2f%7E&&z=%", "k=%2F~&z=%25");
	check_query("k=%4", "k=%254");
	check_query("LaunchTemplate.Version=%24Latest",
	    "LaunchTemplate.Version=%24Latest");
}

static void
test_errors(void)
{
	struct sigv4_header h[2] = { { "Host", "example.com" },
	    { "X-Amz-Date", "20150830T123600Z" } };
	struct sigv4_request req = { "GET", "/", NULL, h, 1, NULL, 0, 1, 0 };
	struct sigv4_key key = { "AKID", "SECRET", NULL, "us-east-1", "sqs" };
	struct sigv4_result res;
	char err[256];

	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), 0);
	T_EQ_INT(res.nheaders, 2);
	T_EQ_STR(res.headers[0].name, "X-Amz-Date");
	T_EQ_STR(res.headers[0].value, "20150830T123600Z");
	T_EQ_STR(res.headers[1].name, "Authorization");
	sigv4_result_free(&res);

	req.nheaders = 2;
	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "sigv4: header X-Amz-Date is the signer's to add");
	sigv4_result_free(&res);

	req.headers = h + 1;
	req.nheaders = 1;
	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "sigv4: header X-Amz-Date is the signer's to add");
	sigv4_result_free(&res);

	req.headers = h;
	req.nheaders = 0;
	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), -1);
	T_EQ_STR(err, "sigv4: no Host header");
	sigv4_result_free(&res);

	req.nheaders = 1;
	key.secret_access_key = "";
	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), -1);
	sigv4_result_free(&res);
}

static void
test_token_redacted(void)
{
	struct sigv4_header h[1] = { { "Host", "sqs.eu-west-1.amazonaws.com" } };
	struct sigv4_request req = { "POST", "/", NULL, h, 1, "{}", 2, 1, 0 };
	struct sigv4_key key = { "AKID", "SECRET", "TOKENVALUE", "eu-west-1",
	    "sqs" };
	struct sigv4_result res;
	char err[256], *red;

	T_EQ_INT(sigv4_sign(&req, &key, 1440938160, &res, err, sizeof(err)), 0);
	T_EQ_INT(res.nheaders, 3);
	T_EQ_STR(res.headers[1].name, "X-Amz-Security-Token");
	T_EQ_STR(res.headers[1].value, "TOKENVALUE");
	T_EQ_STR(res.signed_headers, "host;x-amz-date;x-amz-security-token");
	T_OK(strstr(res.canonical_request, "TOKENVALUE") != NULL,
	    "the token is signed");
	red = sigv4_redacted_canonical(&res);
	T_OK(red != NULL && strstr(red, "TOKENVALUE") == NULL &&
	    strstr(red, "x-amz-security-token:<redacted>\n") != NULL,
	    "redacted canonical request: %s", red ? red : "(null)");
	T_OK(strstr(res.string_to_sign, "SECRET") == NULL, "no secret in sts");
	free(red);
	sigv4_result_free(&res);
}

int
main(void)
{
	T_RUN(test_vectors);
	T_RUN(test_canonical);
	T_RUN(test_errors);
	T_RUN(test_token_redacted);
	return t_done("test_sigv4");
}
