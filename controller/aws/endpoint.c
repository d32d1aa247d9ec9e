/* endpoint: region, endpoint URL and signing region resolution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

static const struct {
	const char	*service;
	const char	*suffix;
} endpoint_suffixes[] = {
	{ "sqs",	"SQS" },
	{ "ec2",	"EC2" },
	{ "ssm",	"SSM" },
	{ "sns",	"SNS" },
	{ "route53",	"ROUTE_53" },
	{ "monitoring",	"CLOUDWATCH" },
	{ "cloudformation", "CLOUDFORMATION" },
};

static int
endpoint_set(const char *s)
{
	return s != NULL && *s != '\0';
}

const char *
endpoint_env_suffix(const char *service, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(endpoint_suffixes) / sizeof(endpoint_suffixes[0]);
	    i++)
		if (strcmp(service, endpoint_suffixes[i].service) == 0) {
			if ((size_t)snprintf(buf, len, "%s",
			    endpoint_suffixes[i].suffix) >= len)
				return NULL;
			return buf;
		}
	if (strlen(service) >= len)
		return NULL;
	for (i = 0; service[i] != '\0'; i++) {
		char c = service[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '-' || c == ' ')
			c = '_';
		buf[i] = c;
	}
	buf[i] = '\0';
	return buf;
}

const char *
endpoint_region(const char *explicit_region, const char *env_region,
    const char *env_default_region, const char *profile_region)
{
	if (endpoint_set(explicit_region))
		return explicit_region;
	if (endpoint_set(env_region))
		return env_region;
	if (endpoint_set(env_default_region))
		return env_default_region;
	if (endpoint_set(profile_region))
		return profile_region;
	return NULL;
}

const char *
endpoint_region_env(const char *explicit_region, const char *profile_region)
{
	return endpoint_region(explicit_region, getenv("AWS_REGION"),
	    getenv("AWS_DEFAULT_REGION"), profile_region);
}

int
endpoint_valid_region(const char *region)
{
	size_t i;

	if (region == NULL || region[0] == '\0')
		return 0;
	for (i = 0; region[i] != '\0'; i++) {
		char c = region[i];

		if (i >= 63 || !((c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

/* valid_service: a signing name: 1..63 of [a-z0-9-] */
static int
endpoint_valid_service(const char *service)
{
	return endpoint_valid_region(service);
}

int
endpoint_parse_url(const char *url, struct endpoint_url *u, char *err,
    size_t errlen)
{
	const char *p, *auth, *auth_end, *host_end, *port = NULL;
	size_t n, hlen;
	long portnum = 0;
	char *end;

	memset(u, 0, sizeof(*u));
	if (strlen(url) >= ENDPOINT_URL_MAX) {
		snprintf(err, errlen, "url longer than %d bytes",
		    ENDPOINT_URL_MAX - 1);
		return -1;
	}
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "url holds a blank or a control "
			    "character");
			return -1;
		}
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		auth = url + 7;
	} else {
		snprintf(err, errlen, "url %s is not http:// or https://", url);
		return -1;
	}
	auth_end = auth + strcspn(auth, "/?#");
	if (strpbrk(auth_end, "?#") != NULL) {
		snprintf(err, errlen, "url %s has a query or fragment", url);
		return -1;
	}
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL) {
		snprintf(err, errlen, "url %s has user info", url);
		return -1;
	}
	if (*auth == '[') {
		/* an IPv6 literal */
		if ((host_end = memchr(auth, ']', (size_t)(auth_end - auth))) ==
		    NULL) {
			snprintf(err, errlen, "url %s: unclosed '['", url);
			return -1;
		}
		host_end++;
		if (host_end < auth_end && *host_end != ':') {
			snprintf(err, errlen, "url %s: bad host", url);
			return -1;
		}
	} else {
		host_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (host_end == NULL)
			host_end = auth_end;
	}
	if (host_end == auth || (*auth == '[' && host_end - auth <= 2)) {
		snprintf(err, errlen, "url %s has no host", url);
		return -1;
	}
	if (host_end < auth_end) {
		port = host_end + 1;
		if (port == auth_end || (size_t)(auth_end - port) > 5) {
			snprintf(err, errlen, "url %s: bad port", url);
			return -1;
		}
		portnum = strtol(port, &end, 10);
		if (end != auth_end || portnum < 1 || portnum > 65535 ||
		    *port == '-' || *port == '+') {
			snprintf(err, errlen, "url %s: bad port", url);
			return -1;
		}
	}
	hlen = (size_t)(host_end - auth);
	if (portnum != 0 && portnum != (u->https ? 443 : 80))
		hlen = (size_t)(auth_end - auth);	/* keep ":port" */
	if (hlen >= sizeof(u->host)) {
		snprintf(err, errlen, "url %s: host too long", url);
		return -1;
	}
	memcpy(u->host, auth, hlen);
	u->host[hlen] = '\0';
	n = strlen(auth_end);
	while (n > 0 && auth_end[n - 1] == '/')
		n--;
	memcpy(u->path, auth_end, n);
	u->path[n] = '\0';
	return 0;
}

/* set_url: out->url = url without trailing '/', checked. */
static int
endpoint_set_url(struct endpoint *out, const char *url, const char *source,
    char *err, size_t errlen)
{
	struct endpoint_url u;
	char why[ENDPOINT_URL_MAX + 128];
	size_t n;

	if (endpoint_parse_url(url, &u, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", source, why);
		return -1;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(out->url, url, n);
	out->url[n] = '\0';
	out->source = source;
	return 0;
}

int
endpoint_resolve(const char *service, const char *region,
    const char *env_service_url, const char *env_url, const char *profile_url,
    struct endpoint *out, char *err, size_t errlen)
{
	static const char *const sources[] = {
		"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EC2",
		"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_SNS",
		"AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL_CLOUDWATCH",
		"AWS_ENDPOINT_URL_CLOUDFORMATION",
	};
	const char *src = "AWS_ENDPOINT_URL_<SERVICE>";
	int route53;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (service == NULL || !endpoint_valid_service(service)) {
		snprintf(err, errlen, "endpoint: bad service name");
		return -1;
	}
	route53 = strcmp(service, "route53") == 0;
	if (route53)
		snprintf(out->signing_region, sizeof(out->signing_region),
		    "us-east-1");
	else if (endpoint_valid_region(region))
		snprintf(out->signing_region, sizeof(out->signing_region), "%s",
		    region);
	else {
		snprintf(err, errlen, "%s: no valid region", service);
		return -1;
	}
	for (i = 0; i < sizeof(endpoint_suffixes) / sizeof(endpoint_suffixes[0]);
	    i++)
		if (strcmp(service, endpoint_suffixes[i].service) == 0)
			src = sources[i];
	if (endpoint_set(env_service_url))
		return endpoint_set_url(out, env_service_url, src, err, errlen);
	if (endpoint_set(env_url))
		return endpoint_set_url(out, env_url, "AWS_ENDPOINT_URL", err,
		    errlen);
	if (endpoint_set(profile_url))
		return endpoint_set_url(out, profile_url, "profile endpoint_url",
		    err, errlen);
	out->source = "default";
	if (route53)
		snprintf(out->url, sizeof(out->url),
		    "https://route53.amazonaws.com");
	else
		snprintf(out->url, sizeof(out->url), "https://%s.%s.amazonaws.com",
		    service, region);
	return 0;
}

int
endpoint_resolve_env(const char *service, const char *region,
    const char *profile_url, struct endpoint *out, char *err, size_t errlen)
{
	char suffix[80], var[128];

	if (service == NULL || endpoint_env_suffix(service, suffix,
	    sizeof(suffix)) == NULL) {
		snprintf(err, errlen, "endpoint: bad service name");
		return -1;
	}
	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", suffix);
	return endpoint_resolve(service, region, getenv(var),
	    getenv("AWS_ENDPOINT_URL"), profile_url, out, err, errlen);
}
