/*
 * endpoint: which region, which URL and which signing region a call uses.
 *
 * The resolvers are pure functions of their inputs (the environment values
 * are arguments), so tests need no setenv; the *_env wrappers read getenv.
 *
 * Region: the explicit argument, else AWS_REGION, else AWS_DEFAULT_REGION,
 * else the profile's `region`. Endpoint: AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL, else the profile's `endpoint_url`, else
 * https://SERVICE.REGION.amazonaws.com (route53: https://route53.amazonaws.com).
 * An empty value counts as unset everywhere. Route 53 always signs for
 * us-east-1, whatever the URL.
 */
#ifndef ENDPOINT_H
#define ENDPOINT_H

#include <stddef.h>

#define ENDPOINT_URL_MAX	512	/* bytes, NUL included */

struct endpoint {
	char		 url[ENDPOINT_URL_MAX];	/* base URL, no trailing '/' */
	char		 signing_region[64];
	const char	*source;	/* static: "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL",
					   "profile endpoint_url" or "default" */
};

/* the parts of a base URL a request needs */
struct endpoint_url {
	int	 https;			/* 1: https, 0: http */
	char	 host[300];		/* the Host header: "h", "h:5000", "[::1]:5000" */
	char	 path[ENDPOINT_URL_MAX];	/* the base path without trailing '/'; often "" */
};

/*
 * endpoint_env_suffix: the AWS_ENDPOINT_URL_ suffix for a signing name:
 * sqs SQS, ec2 EC2, ssm SSM, sns SNS, route53 ROUTE_53, monitoring
 * CLOUDWATCH; any other name uppercased with '-' made '_'. Written into buf,
 * which is returned; NULL when it does not fit.
 */
const char *endpoint_env_suffix(const char *service, char *buf, size_t len);

/*
 * endpoint_region: the first of explicit_region, env_region (AWS_REGION),
 * env_default_region (AWS_DEFAULT_REGION), profile_region that is set and not
 * empty; NULL when none is. Returns one of the arguments.
 */
const char *endpoint_region(const char *explicit_region,
    const char *env_region, const char *env_default_region,
    const char *profile_region);

/* endpoint_region_env: endpoint_region() with the two variables from getenv. */
const char *endpoint_region_env(const char *explicit_region,
    const char *profile_region);

/*
 * endpoint_valid_region: 1 when region is 1..63 of [a-z0-9-] (so it can go
 * into a host name).
 */
int endpoint_valid_region(const char *region);

/*
 * endpoint_resolve: fills *out for service in region from the override
 * values given (each NULL or "" when unset). Returns 0, or -1 with a message
 * in err naming the variable when an override is not an http(s) URL, or when
 * the default URL is needed and the region is not valid.
 */
int endpoint_resolve(const char *service, const char *region,
    const char *env_service_url, const char *env_url, const char *profile_url,
    struct endpoint *out, char *err, size_t errlen);

/*
 * endpoint_resolve_env: endpoint_resolve() with AWS_ENDPOINT_URL_<SUFFIX>
 * and AWS_ENDPOINT_URL read from the environment.
 */
int endpoint_resolve_env(const char *service, const char *region,
    const char *profile_url, struct endpoint *out, char *err, size_t errlen);

/*
 * endpoint_parse_url: splits "http[s]://host[:port][/path]" into *u. The
 * Host value carries the port only when it is not the scheme's default.
 * Returns 0, or -1 with a message in err (another scheme, user info, a query
 * or fragment, a bad port, blanks or control characters, too long).
 */
int endpoint_parse_url(const char *url, struct endpoint_url *u, char *err,
    size_t errlen);

#endif
