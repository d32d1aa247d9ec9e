/*
 * ec2: the EC2 adapter (Query protocol, XML answers, API version 2016-11-15).
 *
 * ec2.c holds the pure request builders and answer parsers (no I/O, tested
 * and fuzzed with strings); ec2_call.c the asynchronous calls through
 * aws_call(). expat stays inside; callers see the plain structs below.
 *
 * Builders append a complete application/x-www-form-urlencoded body
 * ("Action=...&Version=2016-11-15&...", every value percent-encoded) to out
 * and return 0, or -1 when an argument is missing or invalid or out's cap is
 * reached; on -1 out may hold part of a body (buf_reset it before reuse).
 *
 * Parsers are strict about the document and lenient about its contents:
 * the root element must be the action's (DescribeInstancesResponse, ...), or
 * the answer is refused, so that an unrelated 200 answer never reads as "no
 * instances". Namespaces, prefixes and unknown elements are ignored; nested
 * lists (networkInterfaceSet, groupSet, blockDeviceMapping) never feed the
 * instance's own fields, as the element path is matched exactly.
 *
 * Limits: at most EC2_MAX_INSTANCES instances (across all pages for
 * ec2_describe_instances), EC2_MAX_TAGS tags per instance, tag keys of
 * EC2_MAX_TAG_KEY bytes and values of EC2_MAX_TAG_VALUE bytes (AWS allows
 * 128 and 256 characters), and every fixed field below its array size. An
 * answer past any of these is rejected as a whole (never truncated: a cut
 * instance id could name another instance). A tag item without <key> is
 * skipped.
 */
#ifndef EC2_H
#define EC2_H

#include <stddef.h>
#include <time.h>

#include "aws.h"

struct buf;

#define EC2_API_VERSION		"2016-11-15"
#define EC2_MAX_INSTANCES	1000
#define EC2_MAX_TAGS		64
#define EC2_MAX_TAG_KEY		512	/* bytes: 128 characters of UTF-8 */
#define EC2_MAX_TAG_VALUE	1024	/* bytes: 256 characters of UTF-8 */
#define EC2_MAX_ADDRESSES	256
#define EC2_MAX_PAGES		50	/* DescribeInstances pages followed */
#define EC2_MAX_NEXT_TOKEN	8192	/* bytes */

struct ec2_tag {
	char	*key;
	char	*value;
};

struct ec2_instance {
	char		 id[32];		/* "i-0123456789abcdef0" */
	char		 state[24];		/* instanceState/name: "pending", "running", ... */
	char		 type[32];		/* "t4g.nano" */
	char		 subnet_id[40];
	char		 az[40];		/* placement/availabilityZone */
	char		 public_ip[48];		/* ipAddress; "" when none */
	char		 private_ip[48];	/* privateIpAddress; "" when none */
	char		 lifecycle[16];		/* instanceLifecycle: "spot"; "" for on-demand */
	time_t		 launch_time;		/* UTC; 0 when absent */
	struct ec2_tag	*tags;
	size_t		 ntags;
};

struct ec2_instances {
	struct ec2_instance	*v;
	size_t			 n;
	char			*next_token;	/* NULL on the last page */
};

/* ec2_instance_tag: the value of the first tag named key, NULL if absent. */
const char *ec2_instance_tag(const struct ec2_instance *inst, const char *key);

/* ec2_instances_free: frees what list holds and leaves it empty; NULL is a no-op. */
void ec2_instances_free(struct ec2_instances *list);

/*
 * ec2_parse_time: an ISO 8601 UTC time ("2026-11-24T03:12:45.000Z", also
 * without the fraction, or with a "+hh:mm"/"-hh:mm" offset) into *out.
 * Returns 0, or -1 when s is anything else.
 */
int ec2_parse_time(const char *s, time_t *out);

struct ec2_filter {
	const char		*name;		/* "tag:stingy-vpn:endpoint", "instance-state-name" */
	const char *const	*values;
	size_t			 nvalues;
};

/*
 * ec2_build_describe: DescribeInstances with Filter.N.Name/Filter.N.Value.M
 * for each filter, MaxResults=1000 and NextToken when next_token is not
 * NULL or "".
 */
int ec2_build_describe(struct buf *out, const struct ec2_filter *f, size_t nf,
    const char *next_token);

/*
 * ec2_parse_describe: a DescribeInstancesResponse into *out (which it
 * overwrites without freeing: pass it empty). Instances of every reservation
 * come in document order; next_token is the answer's nextToken when not
 * empty. Returns 0, or -1 with the reason in err and *out left empty.
 */
int ec2_parse_describe(const char *xml, size_t len, struct ec2_instances *out,
    char *err, size_t errlen);

/*
 * ec2_parse_run: a RunInstancesResponse (its instancesSet) into *out, as
 * ec2_parse_describe does. An answer with no instance is an error.
 */
int ec2_parse_run(const char *xml, size_t len, struct ec2_instances *out,
    char *err, size_t errlen);

struct ec2_run_params {
	const char		*launch_template_id;	/* required: "lt-..." */
	const char		*launch_template_version; /* NULL: "$Latest" */
	const char		*instance_type;		/* NULL: the template's */
	const char		*subnet_id;		/* NULL: the template's */
	int			 subnet_in_interface;	/* put the subnet in NetworkInterface.1.SubnetId with DeviceIndex=0 */
	int			 spot;			/* one-time spot, terminate on interruption */
	const char		*client_token;		/* required, 1..64 ASCII characters */
	const struct ec2_tag	*tags;			/* TagSpecification.1 (instance) */
	size_t			 ntags;
};

/* ec2_build_run: RunInstances with MinCount=1&MaxCount=1 and p's settings. */
int ec2_build_run(struct buf *out, const struct ec2_run_params *p);

/* ec2_build_terminate: TerminateInstances of one instance. */
int ec2_build_terminate(struct buf *out, const char *instance_id);

/*
 * ec2_parse_terminate: the currentState/name of instance_id (or of the
 * first item when instance_id is NULL) in a TerminateInstancesResponse, into
 * state (statelen bytes). Returns 0, or -1 with the reason in err.
 */
int ec2_parse_terminate(const char *xml, size_t len, const char *instance_id,
    char *state, size_t statelen, char *err, size_t errlen);

/* ec2_build_create_tags: CreateTags of n tags on one resource (n >= 1). */
int ec2_build_create_tags(struct buf *out, const char *resource_id,
    const struct ec2_tag *tags, size_t n);

/*
 * ec2_parse_create_tags: checks a CreateTagsResponse; a <return> other
 * than "true" is an error. Returns 0, or -1 with the reason in err.
 */
int ec2_parse_create_tags(const char *xml, size_t len, char *err,
    size_t errlen);

/* ec2_build_associate: AssociateAddress of an allocation to an instance, AllowReassociation=true. */
int ec2_build_associate(struct buf *out, const char *allocation_id,
    const char *instance_id);

/*
 * ec2_parse_associate: the associationId of an AssociateAddressResponse into
 * assoc (assoclen bytes). Returns 0, or -1 with the reason in err (also when
 * associationId is missing or <return> is not "true").
 */
int ec2_parse_associate(const char *xml, size_t len, char *assoc,
    size_t assoclen, char *err, size_t errlen);

struct ec2_address {
	char	allocation_id[48];
	char	public_ip[48];
	char	instance_id[32];	/* "" when not associated */
	char	association_id[48];	/* "" when not associated */
};

struct ec2_addresses {
	struct ec2_address	*v;
	size_t			 n;
};

/* ec2_addresses_free: frees what list holds and leaves it empty; NULL is a no-op. */
void ec2_addresses_free(struct ec2_addresses *list);

/* ec2_build_describe_addresses: DescribeAddresses of one AllocationId. */
int ec2_build_describe_addresses(struct buf *out, const char *allocation_id);

/*
 * ec2_parse_describe_addresses: a DescribeAddressesResponse into *out
 * (overwritten, pass it empty). Returns 0, or -1 with the reason in err and
 * *out left empty.
 */
int ec2_parse_describe_addresses(const char *xml, size_t len,
    struct ec2_addresses *out, char *err, size_t errlen);

/*
 * The asynchronous calls (ec2_call.c). Each copies everything it is given,
 * returns 0 and later calls cb exactly once from the loop, or returns -1
 * (cb never called) when the request cannot be built or started. err is
 * NULL on success; a 2xx answer that does not parse is reported as an error
 * with code "MalformedResponse" and the parser's reason as message.
 */

/* ec2_describe_cb: all is valid during the call only (the adapter frees it;
 * the callback may move the contents out, leaving it empty); NULL on error. */
typedef void (*ec2_describe_cb)(const struct aws_error *err,
    struct ec2_instances *all, void *arg);
/* ec2_run_cb: inst is valid during the call only; NULL on error. */
typedef void (*ec2_run_cb)(const struct aws_error *err,
    const struct ec2_instance *inst, void *arg);
/* ec2_terminate_cb: state is the instance's currentState ("shutting-down"); NULL on error. */
typedef void (*ec2_terminate_cb)(const struct aws_error *err,
    const char *state, void *arg);
/* ec2_associate_cb: association_id is valid during the call only; NULL on error. */
typedef void (*ec2_associate_cb)(const struct aws_error *err,
    const char *association_id, void *arg);
/* ec2_addresses_cb: addrs is valid during the call only; NULL on error. */
typedef void (*ec2_addresses_cb)(const struct aws_error *err,
    const struct ec2_addresses *addrs, void *arg);

/*
 * ec2_describe_instances: DescribeInstances with the filters (copied),
 * following nextToken for up to EC2_MAX_PAGES pages and delivering every
 * page's instances at once; more pages, or more than EC2_MAX_INSTANCES in
 * all, is an error ("TooManyPages", "TooManyInstances").
 */
int ec2_describe_instances(struct aws *a, const struct ec2_filter *f,
    size_t nf, ec2_describe_cb cb, void *arg);

/*
 * ec2_run_instance: RunInstances with p; the retry layer resends the same
 * body, so the same ClientToken.
 */
int ec2_run_instance(struct aws *a, const struct ec2_run_params *p,
    ec2_run_cb cb, void *arg);

/* ec2_terminate_instance: TerminateInstances of one instance; cb gets its currentState. */
int ec2_terminate_instance(struct aws *a, const char *instance_id,
    ec2_terminate_cb cb, void *arg);

/* ec2_create_tags: CreateTags of n tags (copied) on one resource. */
int ec2_create_tags(struct aws *a, const char *resource_id,
    const struct ec2_tag *tags, size_t n, aws_status_cb cb, void *arg);

/* ec2_associate_address: AssociateAddress with AllowReassociation=true; cb gets the association id. */
int ec2_associate_address(struct aws *a, const char *allocation_id,
    const char *instance_id, ec2_associate_cb cb, void *arg);

/* ec2_describe_addresses: DescribeAddresses of one allocation id. */
int ec2_describe_addresses(struct aws *a, const char *allocation_id,
    ec2_addresses_cb cb, void *arg);

#endif
