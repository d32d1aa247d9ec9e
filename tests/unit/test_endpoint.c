/*
 * test_endpoint: region and endpoint precedence tables, the env suffixes,
 * URL parsing, and the getenv wrappers.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "t.h"

static void
test_region(void)
{
	static const struct {
		const char *explicit_region, *env, *env_default, *profile, *want;
	} cases[] = {
		{ "eu-west-1", "us-east-1", "us-west-2", "ap-south-1", "eu-west-1" },
		{ NULL, "us-east-1", "us-west-2", "ap-south-1", "us-east-1" },
		{ "", "us-east-1", "us-west-2", "ap-south-1", "us-east-1" },
		{ NULL, NULL, "us-west-2", "ap-south-1", "us-west-2" },
		{ NULL, "", "us-west-2", "ap-south-1", "us-west-2" },
		{ NULL, NULL, NULL, "ap-south-1", "ap-south-1" },
		{ NULL, NULL, "", "ap-south-1", "ap-south-1" },
		{ NULL, NULL, NULL, NULL, NULL },
		{ "", "", "", "", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_EQ_STR(endpoint_region(cases[i].explicit_region, cases[i].env,
		    cases[i].env_default, cases[i].profile), cases[i].want);

	T_EQ_INT(endpoint_valid_region("eu-west-1"), 1);
	T_EQ_INT(endpoint_valid_region("us-gov-west-1"), 1);
	T_EQ_INT(endpoint_valid_region(""), 0);
	T_EQ_INT(endpoint_valid_region(NULL), 0);
	T_EQ_INT(endpoint_valid_region("EU-WEST-1"), 0);
	T_EQ_INT(endpoint_valid_region("eu-west-1.evil.com/"), 0);
}

static void
test_suffix(void)
{
	static const struct {
		const char *service, *suffix;
	} cases[] = {
		{ "sqs", "SQS" }, { "ec2", "EC2" }, { "ssm", "SSM" },
		{ "sns", "SNS" }, { "route53", "ROUTE_53" },
		{ "monitoring", "CLOUDWATCH" }, { "secretsmanager", "SECRETSMANAGER" },
		{ "cognito-idp", "COGNITO_IDP" },
		{ "cloudformation", "CLOUDFORMATION" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_EQ_STR(endpoint_env_suffix(cases[i].service, buf, sizeof(buf)),
		    cases[i].suffix);
	T_EQ_STR(endpoint_env_suffix("route53", buf, 4), NULL);
	T_EQ_STR(endpoint_env_suffix("longname", buf, 4), NULL);
}

static void
test_resolve(void)
{
	static const struct {
		const char *service, *region, *env_svc, *env_all, *profile;
		const char *url, *signing_region, *source;
	} cases[] = {
		/* the service variable beats everything */
		{ "sqs", "eu-west-1", "http://127.0.0.1:5000/", "http://all:1",
		  "http://profile:2", "http://127.0.0.1:5000", "eu-west-1",
		  "AWS_ENDPOINT_URL_SQS" },
		{ "route53", "eu-west-1", "http://r53:1", "http://all:1", NULL,
		  "http://r53:1", "us-east-1", "AWS_ENDPOINT_URL_ROUTE_53" },
		{ "monitoring", "eu-west-1", "http://cw:1", NULL, NULL,
		  "http://cw:1", "eu-west-1", "AWS_ENDPOINT_URL_CLOUDWATCH" },
		/* then the global one */
		{ "ec2", "eu-west-1", NULL, "http://all:1//", "http://profile:2",
		  "http://all:1", "eu-west-1", "AWS_ENDPOINT_URL" },
		{ "ec2", "eu-west-1", "", "https://all", "http://profile:2",
		  "https://all", "eu-west-1", "AWS_ENDPOINT_URL" },
		/* then the profile's */
		{ "ssm", "eu-west-1", "", "", "http://profile:2/base/",
		  "http://profile:2/base", "eu-west-1", "profile endpoint_url" },
		/* then AWS itself */
		{ "ssm", "eu-west-1", NULL, NULL, NULL,
		  "https://ssm.eu-west-1.amazonaws.com", "eu-west-1", "default" },
		{ "sns", "ap-southeast-2", "", "", "",
		  "https://sns.ap-southeast-2.amazonaws.com", "ap-southeast-2",
		  "default" },
		{ "monitoring", "us-west-2", NULL, NULL, NULL,
		  "https://monitoring.us-west-2.amazonaws.com", "us-west-2",
		  "default" },
		{ "route53", "eu-west-1", NULL, NULL, NULL,
		  "https://route53.amazonaws.com", "us-east-1", "default" },
		{ "route53", NULL, NULL, NULL, NULL,
		  "https://route53.amazonaws.com", "us-east-1", "default" },
		/* cloudformation (stingy-vpn init): the same order */
		{ "cloudformation", "eu-west-1", "http://cfn:1/", "http://all:1",
		  NULL, "http://cfn:1", "eu-west-1",
		  "AWS_ENDPOINT_URL_CLOUDFORMATION" },
		{ "cloudformation", "eu-west-1", "", "http://all:1", NULL,
		  "http://all:1", "eu-west-1", "AWS_ENDPOINT_URL" },
		{ "cloudformation", "eu-west-1", NULL, NULL, NULL,
		  "https://cloudformation.eu-west-1.amazonaws.com", "eu-west-1",
		  "default" },
	};
	struct endpoint ep;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = endpoint_resolve(cases[i].service, cases[i].region,
		    cases[i].env_svc, cases[i].env_all, cases[i].profile, &ep,
		    err, sizeof(err));

		T_OK(rc == 0, "case %zu: %s", i, rc ? err : "");
		T_EQ_STR(ep.url, cases[i].url);
		T_EQ_STR(ep.signing_region, cases[i].signing_region);
		T_EQ_STR(ep.source, cases[i].source);
	}

	/* errors name what is wrong */
	T_EQ_INT(endpoint_resolve("sqs", "eu-west-1", "ftp://x", NULL, NULL,
	    &ep, err, sizeof(err)), -1);
	T_EQ_STR(err, "AWS_ENDPOINT_URL_SQS: url ftp://x is not http:// or "
	    "https://");
	T_EQ_INT(endpoint_resolve("ec2", "eu-west-1", NULL, "http://", NULL,
	    &ep, err, sizeof(err)), -1);
	T_EQ_STR(err, "AWS_ENDPOINT_URL: url http:// has no host");
	T_EQ_INT(endpoint_resolve("ec2", "eu-west-1", NULL, NULL, "http://h:0",
	    &ep, err, sizeof(err)), -1);
	T_EQ_STR(err, "profile endpoint_url: url http://h:0: bad port");
	T_EQ_INT(endpoint_resolve("ec2", NULL, NULL, NULL, NULL, &ep, err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "ec2: no valid region");
	T_EQ_INT(endpoint_resolve("ec2", "x.evil.com/", NULL, NULL, NULL, &ep,
	    err, sizeof(err)), -1);
	T_EQ_INT(endpoint_resolve("EC2/x", "eu-west-1", NULL, NULL, NULL, &ep,
	    err, sizeof(err)), -1);
}

static void
test_parse_url(void)
{
	static const struct {
		const char *url;
		int https;
		const char *host, *path;
	} ok[] = {
		{ "https://sqs.eu-west-1.amazonaws.com", 1,
		  "sqs.eu-west-1.amazonaws.com", "" },
		{ "http://127.0.0.1:5000", 0, "127.0.0.1:5000", "" },
		{ "http://127.0.0.1:80/", 0, "127.0.0.1", "" },
		{ "https://h:443/a/b/", 1, "h", "/a/b" },
		{ "https://h:8443", 1, "h:8443", "" },
		{ "HTTP://h", 0, "h", "" },
		{ "http://[::1]:5000/x", 0, "[::1]:5000", "/x" },
		{ "http://[::1]", 0, "[::1]", "" },
	};
	static const char *bad[] = {
		"", "h", "ftp://h", "http://", "http://:80", "http://h:",
		"http://h:99999", "http://h:-1", "http://h:+80", "http://h:8x",
		"http://u@h", "http://h/?q", "http://h#f", "http://h/a b",
		"http://h\r\nX: y", "http://[::1", "http://[]:1", "http://[::1]x",
	};
	struct endpoint_url u;
	char err[256], longurl[700];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		T_OK(endpoint_parse_url(ok[i].url, &u, err, sizeof(err)) == 0,
		    "%s: %s", ok[i].url, err);
		T_EQ_INT(u.https, ok[i].https);
		T_EQ_STR(u.host, ok[i].host);
		T_EQ_STR(u.path, ok[i].path);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(endpoint_parse_url(bad[i], &u, err, sizeof(err)) == -1,
		    "\"%s\" accepted", bad[i]);
	memset(longurl, 'a', sizeof(longurl) - 1);
	memcpy(longurl, "http://", 7);
	longurl[sizeof(longurl) - 1] = '\0';
	T_EQ_INT(endpoint_parse_url(longurl, &u, err, sizeof(err)), -1);
}

static void
test_env(void)
{
	struct endpoint ep;
	char err[256];

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_SQS");
	unsetenv("AWS_ENDPOINT_URL_ROUTE_53");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");

	T_EQ_STR(endpoint_region_env(NULL, "ap-south-1"), "ap-south-1");
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	T_EQ_STR(endpoint_region_env(NULL, "ap-south-1"), "us-west-2");
	setenv("AWS_REGION", "us-east-2", 1);
	T_EQ_STR(endpoint_region_env(NULL, "ap-south-1"), "us-east-2");
	T_EQ_STR(endpoint_region_env("eu-north-1", "ap-south-1"), "eu-north-1");

	T_EQ_INT(endpoint_resolve_env("sqs", "eu-west-1", NULL, &ep, err,
	    sizeof(err)), 0);
	T_EQ_STR(ep.url, "https://sqs.eu-west-1.amazonaws.com");
	T_EQ_INT(endpoint_resolve_env("sqs", "eu-west-1", "http://p:1", &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://p:1");
	setenv("AWS_ENDPOINT_URL", "http://all:2", 1);
	T_EQ_INT(endpoint_resolve_env("sqs", "eu-west-1", "http://p:1", &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://all:2");
	setenv("AWS_ENDPOINT_URL_SQS", "http://sqs:3", 1);
	setenv("AWS_ENDPOINT_URL_ROUTE_53", "http://r53:4", 1);
	T_EQ_INT(endpoint_resolve_env("sqs", "eu-west-1", "http://p:1", &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://sqs:3");
	T_EQ_INT(endpoint_resolve_env("ec2", "eu-west-1", "http://p:1", &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://all:2");
	T_EQ_INT(endpoint_resolve_env("route53", "eu-west-1", NULL, &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://r53:4");
	T_EQ_STR(ep.signing_region, "us-east-1");
	T_EQ_INT(endpoint_resolve_env("cloudformation", "eu-west-1", NULL, &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://all:2");
	setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://cfn:5", 1);
	T_EQ_INT(endpoint_resolve_env("cloudformation", "eu-west-1", NULL, &ep,
	    err, sizeof(err)), 0);
	T_EQ_STR(ep.url, "http://cfn:5");
	T_EQ_STR(ep.source, "AWS_ENDPOINT_URL_CLOUDFORMATION");
	T_EQ_STR(ep.signing_region, "eu-west-1");
	unsetenv("AWS_ENDPOINT_URL_CLOUDFORMATION");

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_SQS");
	unsetenv("AWS_ENDPOINT_URL_ROUTE_53");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
}

int
main(void)
{
	T_RUN(test_region);
	T_RUN(test_suffix);
	T_RUN(test_resolve);
	T_RUN(test_parse_url);
	T_RUN(test_env);
	return t_done("test_endpoint");
}
