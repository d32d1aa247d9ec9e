/*
 * aws: the call layer every service adapter uses. It resolves the endpoint
 * for a service, signs the request with SigV4 (sigv4.c), sends it through
 * the http client, and retries by AWS's standard mode: up to max_attempts,
 * delay before retry number k (k = 1, 2, ...) of rand(0,1) * 2^(k-1) s, capped at 20 s, on HTTP 500/502/503/504,
 * transport errors and the throttling codes in retry.c. Retries wait on a
 * libevent timer: the loop never sleeps.
 *
 * Every failure reaches the caller as struct aws_error: HTTP status, the
 * AWS error code (without any "prefix#") and message.
 */
#ifndef AWS_H
#define AWS_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct http_client;
struct aws;
struct status_tally;

struct aws_error {
	long	http_status;	/* 0 when no HTTP answer came */
	int	transport;	/* 1: no answer (connect, timeout, too big) */
	char	code[64];	/* "RequestLimitExceeded", "QueueDoesNotExist", ... */
	char	message[256];
};

struct aws_request {
	const char	*service;	/* signing name: "sqs", "ec2", "ssm", "sns", "route53" */
	const char	*method;	/* "POST", "GET" */
	const char	*path;		/* "/" or "/2013-04-01/hostedzone/Z1/rrset/" */
	const char	*query;		/* NULL or "a=b&c=d", already encoded */
	const char	*content_type;	/* NULL: none */
	const char	*target;	/* X-Amz-Target, NULL: none */
	const char	*body;
	size_t		 body_len;
	long		 timeout_ms;	/* 0: 30000 */
	size_t		 max_response;	/* 0: 1 MiB */
	int		 max_attempts;	/* 0: 3 */
	const char	*what;		/* for logs: "ec2 DescribeInstances" */
};

struct aws_response {
	int			 ok;		/* 1 when the final answer was 2xx */
	long			 status;
	const char		*body;		/* NUL-terminated; valid during the callback */
	size_t			 body_len;
	int			 attempts;
	struct aws_error	 err;		/* filled when !ok */
};

/* aws_done_cb: called exactly once per started call, from the loop. */
typedef void (*aws_done_cb)(const struct aws_response *res, void *arg);
/* aws_status_cb: the shape of adapters' callbacks that return no data; err NULL on success. */
typedef void (*aws_status_cb)(const struct aws_error *err, void *arg);

/*
 * aws_new: resolves the region (region argument, else AWS_REGION,
 * AWS_DEFAULT_REGION, the profile's region) and the credentials (creds.c
 * chain) for profile (NULL: AWS_PROFILE, else "default"). Returns NULL with a
 * message in err naming what is missing (no region, no credentials, a broken
 * credential_process) when it cannot. The base and http client outlive it.
 */
struct aws *aws_new(struct event_base *base, struct http_client *http,
    const char *region, const char *profile, char *err, size_t errlen);
void aws_free(struct aws *a);

/* aws_region: the resolved region, owned by a. */
const char *aws_region(const struct aws *a);

/*
 * aws_call: copies req. Returns 0 and later calls done exactly once, or -1
 * (done never called) when the request cannot even be built.
 */
int aws_call(struct aws *a, const struct aws_request *req, aws_done_cb done,
    void *arg);

/*
 * aws_error_parse: fills e->code and e->message from an error answer in any
 * of AWS's shapes: JSON {"__type":"prefix#Code","message":...} (also
 * "Message"), EC2 XML <Response><Errors><Error><Code/><Message/>, or
 * <ErrorResponse><Error><Code/><Message/> (SNS, Route 53). When the body
 * matches none, code is "HTTP<status>" and message a short printable excerpt
 * of the body. Sets e->http_status = status. Never fails. (awserr.c)
 */
void aws_error_parse(const char *body, size_t len, long status,
    struct aws_error *e);

/* aws_error_retryable: the standard retry mode's rule for one failure. (retry.c) */
int aws_error_retryable(const struct aws_error *e);

/*
 * aws_retry_delay_ms: the delay before attempt number `attempt` (2, 3, ...),
 * given a uniform random r in [0,1): r * 2^(attempt-2) s, capped at 20 s. (retry.c)
 */
long aws_retry_delay_ms(int attempt, double r);

/*
 * aws_error_metric_code: the code label of stingy_aws_errors_total for e,
 * into buf (truncated to len); returns buf. AWS's error code when the
 * answer carried one; "http_NNN" for an HTTP error without one (awserr's
 * "HTTPNNN"); without an answer, "timeout", "too_large" or "network"
 * (connect, reset, any other transport failure). The code is AWS's text:
 * status_tally_add cleans and bounds it.
 */
const char *aws_error_metric_code(const struct aws_error *e, char *buf,
    size_t len);

/*
 * aws_requests_tally, aws_errors_tally: the counts since aws_new (owned by
 * a, valid until aws_free). requests: (service, action) per attempt sent;
 * errors: (service, aws_error_metric_code) per failed attempt, retried or
 * not. Calls cancelled by aws_free count in neither.
 */
const struct status_tally *aws_requests_tally(const struct aws *a);
const struct status_tally *aws_errors_tally(const struct aws *a);

/* aws_error_str: "CODE: message (HTTP nnn)" into buf; returns buf. */
const char *aws_error_str(const struct aws_error *e, char *buf, size_t len);

#endif
