/*
 * test_ssm: the SSM adapter's builders and parsers against answers captured
 * from moto 5.2.1 and hand-written in AWS's shape (tests/fixtures/ssm/),
 * broken answers, and the asynchronous calls against a fake aws_call()
 * (fake_aws.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "ssm.h"
#include "t.h"
#include "fake_aws.h"

#define FIX "tests/fixtures/"

static int
get_file(const char *name, struct ssm_parameter *p, char *err, size_t errlen)
{
	char path[256], *s;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), FIX "ssm/%s", name);
	if ((s = t_read_file(path, &len)) == NULL) {
		T_OK(0, "read %s", path);
		memset(p, 0, sizeof(*p));
		return -2;
	}
	rc = ssm_parse_get(s, len, p, err, errlen);
	free(s);
	return rc;
}

static int
put_file(const char *name, long long *v, char *err, size_t errlen)
{
	char path[256], *s;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), FIX "%s", name);
	if ((s = t_read_file(path, &len)) == NULL) {
		T_OK(0, "read %s", path);
		return -2;
	}
	rc = ssm_parse_put(s, len, v, err, errlen);
	free(s);
	return rc;
}

static void
test_parse_fixtures(void)
{
	struct ssm_parameter p;
	char err[256] = "";
	long long v;

	T_EQ_INT(get_file("get_parameter.json", &p, err, sizeof(err)), 0);
	T_EQ_STR(p.name, "/stingy-vpn/instance-id");
	T_EQ_STR(p.type, "String");
	T_EQ_STR(p.value, "i-6e2c88a3d95215fb4");
	T_EQ_INT(p.version, 2);
	ssm_parameter_free(&p);
	T_OK(p.name == NULL && p.value == NULL && p.type == NULL &&
	    p.version == 0, "freed parameter is empty");
	ssm_parameter_free(NULL);

	T_EQ_INT(get_file("get_parameter_secure.json", &p, err, sizeof(err)), 0);
	T_EQ_STR(p.name, "/stingy-vpn/wg-private-key");
	T_EQ_STR(p.type, "SecureString");
	T_EQ_STR(p.value, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=");
	T_EQ_INT(p.version, 1);
	ssm_parameter_free(&p);

	T_EQ_INT(get_file("get_parameter_aws.json", &p, err, sizeof(err)), 0);
	T_EQ_STR(p.name, "/stingy-vpn/peers");
	T_EQ_STR(p.type, "StringList");
	T_EQ_STR(p.value, "peer-a,peer-b,\"quoted\\\\slash\xc3\xa9");
	T_EQ_INT(p.version, 12);
	ssm_parameter_free(&p);

	T_EQ_INT(put_file("ssm/put_parameter.json", &v, err, sizeof(err)), 0);
	T_EQ_INT(v, 1);
	T_EQ_INT(put_file("ssm/put_parameter_v2.json", &v, err, sizeof(err)), 0);
	T_EQ_INT(v, 2);
	T_EQ_INT(put_file("ssm/put_parameter_max.json", &v, err, sizeof(err)), 0);
	T_EQ_INT(v, 9007199254740992LL);

	/* The wrong answers. */
	T_EQ_INT(get_file("put_parameter.json", &p, err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: no Parameter object");
	T_OK(p.name == NULL && p.value == NULL, "left empty");
	T_EQ_INT(put_file("ssm/get_parameter.json", &v, err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm PutParameter: no Version");
	T_EQ_INT(put_file("errors/ssm_parameter_not_found.json", &v, err,
	    sizeof(err)), -1);
}

#define S(s) s, sizeof(s) - 1

static int
get_str(const char *s, size_t len, char *err, size_t errlen)
{
	struct ssm_parameter p;
	int rc = ssm_parse_get(s, len, &p, err, errlen);

	if (rc == -1)
		T_OK(p.name == NULL && p.type == NULL && p.value == NULL,
		    "left empty on error");
	ssm_parameter_free(&p);
	return rc;
}

static int
put_str(const char *s, size_t len, char *err, size_t errlen)
{
	long long v = 0;

	return ssm_parse_put(s, len, &v, err, errlen);
}

#define P(body) "{\"Parameter\":{" body "}}"
#define OKP "\"Name\":\"/n\",\"Type\":\"String\",\"Value\":\"v\""

static void
test_parse_malformed(void)
{
	struct ssm_parameter p;
	struct buf b;
	char err[256], *x;
	size_t len, cut, bad = 0;
	int i;

	T_EQ_INT(get_str(S(P(OKP ",\"Version\":3")), err, sizeof(err)), 0);
	T_EQ_INT(get_str(S(""), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: truncated JSON");
	T_EQ_INT(get_str(S("[]"), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: answer is not a JSON object");
	T_EQ_INT(get_str(S("{\"Parameter\":[]}"), err, sizeof(err)), -1);
	T_EQ_INT(get_str(S(P(OKP)), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: no Version");
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":\"3\"")), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: Version is not an integer");
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":1.5")), err, sizeof(err)), -1);
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":0")), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: Version out of range");
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":-1")), err, sizeof(err)), -1);
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":99999999999999999999999")), err,
	    sizeof(err)), -1);
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":1e400")), err, sizeof(err)), -1);
	T_EQ_INT(get_str(S(P("\"Name\":1,\"Type\":\"String\",\"Value\":\"v\","
	    "\"Version\":1")), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: Name is not a string");
	T_EQ_INT(get_str(S(P("\"Name\":\"/n\",\"Type\":\"String\","
	    "\"Version\":1")), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: no Value");
	T_EQ_INT(get_str(S(P("\"Name\":\"/n\",\"Type\":\"String\",\"Value\":"
	    "\"a\\u0000b\",\"Version\":1")), err, sizeof(err)), -1);
	T_EQ_STR(err, "ssm GetParameter: Value too long or holds a NUL");
	T_EQ_INT(get_str(S(P(OKP ",\"Version\":1") " x"), err, sizeof(err)), -1);

	T_EQ_INT(put_str(S("{\"Version\":7}"), err, sizeof(err)), 0);
	T_EQ_INT(put_str(S("{\"Version\":9007199254740993}"), err, sizeof(err)),
	    -1);
	T_EQ_INT(put_str(S("{\"Version\":null}"), err, sizeof(err)), -1);
	T_EQ_INT(put_str(S("{\"Version\":18446744073709551615}"), err,
	    sizeof(err)), -1);
	T_EQ_INT(put_str(S("{}"), err, sizeof(err)), -1);
	T_EQ_INT(put_str(S("7"), err, sizeof(err)), -1);

	/* A value past SSM_MAX_VALUE. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "{\"Parameter\":{\"Name\":\"/n\",\"Type\":\"String\","
	    "\"Version\":1,\"Value\":\"");
	for (i = 0; i <= SSM_MAX_VALUE; i++)
		buf_adds(&b, "v");
	buf_adds(&b, "\"}}");
	T_EQ_INT(get_str(b.data, b.len, err, sizeof(err)), -1);
	buf_free(&b);

	/* Every truncation of a real answer is an error. */
	if ((x = t_read_file(FIX "ssm/get_parameter_aws.json", &len)) != NULL) {
		while (len > 0 && strchr(" \n", x[len - 1]) != NULL)
			len--;
		for (cut = 0; cut < len; cut++) {
			if (ssm_parse_get(x, cut, &p, err, sizeof(err)) != -1)
				bad++;
			ssm_parameter_free(&p);
		}
		T_EQ_INT(bad, 0);
		free(x);
	}
}

static void
test_build(void)
{
	struct buf b;

	buf_init(&b, 4096);
	T_EQ_INT(ssm_build_get(&b, "/stingy-vpn/instance-id", 1), 0);
	T_EQ_STR(buf_str(&b), "{\"Name\":\"/stingy-vpn/instance-id\","
	    "\"WithDecryption\":true}");
	buf_reset(&b);
	T_EQ_INT(ssm_build_get(&b, "/p", 0), 0);
	T_EQ_STR(buf_str(&b), "{\"Name\":\"/p\",\"WithDecryption\":false}");
	buf_reset(&b);
	T_EQ_INT(ssm_build_get(&b, "", 1), -1);
	T_EQ_INT(ssm_build_get(&b, NULL, 1), -1);

	buf_reset(&b);
	T_EQ_INT(ssm_build_put(&b, "/stingy-vpn/instance-id",
	    "i-0123456789abcdef0", "String", 1), 0);
	T_EQ_STR(buf_str(&b), "{\"Name\":\"/stingy-vpn/instance-id\",\"Value\":"
	    "\"i-0123456789abcdef0\",\"Type\":\"String\",\"Overwrite\":true}");
	buf_reset(&b);
	T_EQ_INT(ssm_build_put(&b, "/k", "a\"b\\c\nd\t\xc3\xa9", NULL, 0), 0);
	T_EQ_STR(buf_str(&b), "{\"Name\":\"/k\",\"Value\":\"a\\\"b\\\\c\\u000ad"
	    "\\u0009\xc3\xa9\",\"Type\":\"String\",\"Overwrite\":false}");
	buf_reset(&b);
	T_EQ_INT(ssm_build_put(&b, "/k", "", "SecureString", 1), 0);
	T_EQ_STR(buf_str(&b), "{\"Name\":\"/k\",\"Value\":\"\",\"Type\":"
	    "\"SecureString\",\"Overwrite\":true}");
	buf_reset(&b);
	T_EQ_INT(ssm_build_put(&b, "/k", NULL, NULL, 1), -1);
	T_EQ_INT(ssm_build_put(&b, "", "v", NULL, 1), -1);
	buf_free(&b);
}

static struct {
	int		calls;
	char		code[64];
	char		value[128];
	long long	version;
} got;

static void
get_cb(const struct aws_error *err, const struct ssm_parameter *p, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	T_OK((err == NULL) == (p != NULL), "p set exactly on success");
	if (p) {
		snprintf(got.value, sizeof(got.value), "%s", p->value);
		got.version = p->version;
	}
}

static void
put_cb(const struct aws_error *err, long long version, void *arg)
{
	(void)arg;
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	got.version = version;
}

static void
test_async(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;

	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_get_parameter(a, "/stingy-vpn/wg-private-key", 1, get_cb,
	    &got), 0);
	T_EQ_STR(fake.service, "ssm");
	T_EQ_STR(fake.content_type, "application/x-amz-json-1.1");
	T_EQ_STR(fake.target, "AmazonSSM.GetParameter");
	T_EQ_STR(fake.body, "{\"Name\":\"/stingy-vpn/wg-private-key\","
	    "\"WithDecryption\":true}");
	fake_answer(200, FIX "ssm/get_parameter_secure.json", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	T_EQ_STR(got.value, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=");
	T_EQ_INT(got.version, 1);

	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_get_parameter(a, "/stingy-vpn/missing", 1, get_cb, &got), 0);
	fake_answer(400, FIX "errors/ssm_parameter_not_found.json", 1);
	T_EQ_STR(got.code, "ParameterNotFound");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_get_parameter(a, "/p", 1, get_cb, &got), 0);
	fake_answer(200, "{\"Version\":1}", 0);
	T_EQ_STR(got.code, "MalformedResponse");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_get_parameter(a, "", 1, get_cb, &got), -1);
	T_EQ_INT(got.calls, 0);

	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_put_parameter(a, "/stingy-vpn/instance-id", "i-1", "String",
	    1, put_cb, NULL), 0);
	T_EQ_STR(fake.target, "AmazonSSM.PutParameter");
	T_EQ_STR(fake.body, "{\"Name\":\"/stingy-vpn/instance-id\",\"Value\":"
	    "\"i-1\",\"Type\":\"String\",\"Overwrite\":true}");
	fake_answer(200, FIX "ssm/put_parameter_v2.json", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	T_EQ_INT(got.version, 2);
	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_put_parameter(a, "/p", "v", NULL, 0, put_cb, NULL), 0);
	fake_answer(400, FIX "errors/ssm_put_exists.json", 1);
	T_EQ_STR(got.code, "ParameterAlreadyExists");
	T_EQ_INT(got.version, 0);
	memset(&got, 0, sizeof(got));
	T_EQ_INT(ssm_put_parameter(a, "/p", "v", NULL, 0, put_cb, NULL), 0);
	fake_answer(400, FIX "errors/ssm_throttling.json", 1);
	T_EQ_STR(got.code, "ThrottlingException");
}

int
main(void)
{
	T_RUN(test_parse_fixtures);
	T_RUN(test_parse_malformed);
	T_RUN(test_build);
	T_RUN(test_async);
	free(fake.body);
	return t_done("test_ssm");
}
