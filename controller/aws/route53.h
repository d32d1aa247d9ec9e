/*
 * route53: the Route 53 adapter (REST XML, API version 2013-04-01, signed
 * as service "route53" in us-east-1 whatever the configured region; the
 * endpoint comes from endpoint.c: AWS_ENDPOINT_URL_ROUTE_53, ...).
 *
 * route53.c holds the pure builders and parsers (over xml.c; expat stays
 * inside); route53_call.c the asynchronous calls through aws_call().
 *
 * Zone ids are accepted as "Z123ABC" or "/hostedzone/Z123ABC", change ids
 * as "C123" or "/change/C123"; the prefix is dropped.
 */
#ifndef ROUTE53_H
#define ROUTE53_H

#include <stddef.h>

#include "aws.h"

struct buf;

#define R53_NS	"https://route53.amazonaws.com/doc/2013-04-01/"

/* One resource record set as ListResourceRecordSets shows it. */
struct r53_rrset {
	char	name[256];	/* as Route 53 writes it: "vpn.example.com." */
	char	type[16];	/* "A" */
	long	ttl;		/* -1 when absent (an alias record) */
	char	value[64];	/* the first ResourceRecord/Value, "" none */
	int	n_values;	/* how many ResourceRecord elements */
};

/*
 * r53_build_upsert: a ChangeResourceRecordSetsRequest (namespace R53_NS)
 * with one UPSERT of an A record NAME with TTL and one Value, and a
 * Comment (may be NULL), XML-escaped, into out. Returns 0, or -1 when an
 * argument is NULL or empty, ttl < 0, or out's cap is reached.
 */
int r53_build_upsert(struct buf *out, const char *name, const char *value,
    long ttl, const char *comment);

/*
 * r53_parse_change: ChangeInfo/Id and ChangeInfo/Status of a
 * ChangeResourceRecordSetsResponse or a GetChangeResponse. The Id is
 * copied without its "/change/" prefix. Returns 0, or -1 with the reason
 * in err when the document is not well formed or lacks either field or a
 * field does not fit.
 */
int r53_parse_change(const char *xml, size_t len, char *id, size_t idlen,
    char *status, size_t statuslen, char *err, size_t errlen);

/*
 * r53_parse_list: the first ResourceRecordSet of a
 * ListResourceRecordSetsResponse into *out (overwritten), *found = 1; or
 * *found = 0 when the answer holds none. Returns 0, or -1 with the reason
 * in err when the document is not well formed or a field does not fit;
 * except that a Value too long for value[] leaves value "" when the set
 * is not an A record (the next name's TXT or CNAME is no error).
 * (Route 53 lists from the given name on in its order: the caller checks
 * that the name and type are the ones asked for.)
 */
int r53_parse_list(const char *xml, size_t len, struct r53_rrset *out,
    int *found, char *err, size_t errlen);

/* r53_name_equal: a and b name the same domain: case-insensitive, a trailing dot ignored. */
int r53_name_equal(const char *a, const char *b);

/* r53_change_cb: id and status ("PENDING", "INSYNC") are NULL on error. */
typedef void (*r53_change_cb)(const struct aws_error *err, const char *id,
    const char *status, void *arg);
/* r53_record_cb: rr is NULL when the zone holds no A record of that name (or on error). */
typedef void (*r53_record_cb)(const struct aws_error *err,
    const struct r53_rrset *rr, void *arg);

/*
 * The calls. Each copies its arguments, returns 0 and later calls cb
 * exactly once from the loop, or -1 (cb never called) when the request
 * cannot be built or started. A 2xx answer that does not parse is an error
 * with code "MalformedResponse".
 *
 * r53_upsert:     POST /2013-04-01/hostedzone/{zone}/rrset/ (r53_build_upsert)
 * r53_get_change: GET  /2013-04-01/change/{id}
 * r53_get_record: GET  /2013-04-01/hostedzone/{zone}/rrset?name={name}&type=A&maxitems=1;
 *                 rr is passed only when its name (r53_name_equal) and
 *                 type match, else NULL.
 */
int r53_upsert(struct aws *a, const char *zone, const char *name,
    const char *value, long ttl, r53_change_cb cb, void *arg);
int r53_get_change(struct aws *a, const char *id, r53_change_cb cb, void *arg);
int r53_get_record(struct aws *a, const char *zone, const char *name,
    r53_record_cb cb, void *arg);

#endif
