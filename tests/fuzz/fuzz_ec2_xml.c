/*
 * fuzz_ec2_xml: every XML answer parser on the same input (EC2
 * DescribeInstances, RunInstances, TerminateInstances, CreateTags,
 * AssociateAddress, DescribeAddresses, SNS Publish) and aws_error_parse,
 * checking what a success promises: bounded counts, terminated strings,
 * every instance with an id. Seeds: tests/fuzz/seeds/ec2_xml/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "ec2.h"
#include "sns.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static void
check_instances(const struct ec2_instances *l)
{
	size_t i, j;

	if (l->n > EC2_MAX_INSTANCES)
		abort();
	if (l->next_token && (l->next_token[0] == '\0' ||
	    strlen(l->next_token) > EC2_MAX_NEXT_TOKEN))
		abort();
	for (i = 0; i < l->n; i++) {
		const struct ec2_instance *v = &l->v[i];

		if (!HOLDS(v->id) || v->id[0] == '\0' || !HOLDS(v->state) ||
		    !HOLDS(v->type) || !HOLDS(v->subnet_id) || !HOLDS(v->az) ||
		    !HOLDS(v->public_ip) || !HOLDS(v->private_ip) ||
		    !HOLDS(v->lifecycle) || v->ntags > EC2_MAX_TAGS)
			abort();
		for (j = 0; j < v->ntags; j++) {
			if (v->tags[j].key == NULL || v->tags[j].value == NULL ||
			    strlen(v->tags[j].key) > EC2_MAX_TAG_KEY ||
			    strlen(v->tags[j].value) > EC2_MAX_TAG_VALUE)
				abort();
			if (ec2_instance_tag(v, v->tags[j].key) == NULL)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ec2_instances l;
	struct ec2_addresses a;
	struct aws_error e;
	char err[256], out[64];
	size_t i;

	if (ec2_parse_describe(s, size, &l, err, sizeof(err)) == 0)
		check_instances(&l);
	else if (l.n != 0 || l.v != NULL || l.next_token != NULL)
		abort();
	ec2_instances_free(&l);
	if (ec2_parse_run(s, size, &l, err, sizeof(err)) == 0) {
		if (l.n == 0)
			abort();
		check_instances(&l);
	}
	ec2_instances_free(&l);
	if (ec2_parse_terminate(s, size, NULL, out, sizeof(out), err,
	    sizeof(err)) == 0 && !HOLDS(out))
		abort();
	(void)ec2_parse_terminate(s, size, "i-0123456789abcdef0", out,
	    sizeof(out), err, sizeof(err));
	(void)ec2_parse_create_tags(s, size, err, sizeof(err));
	if (ec2_parse_associate(s, size, out, sizeof(out), err,
	    sizeof(err)) == 0 && out[0] == '\0')
		abort();
	if (ec2_parse_describe_addresses(s, size, &a, err, sizeof(err)) == 0) {
		if (a.n > EC2_MAX_ADDRESSES)
			abort();
		for (i = 0; i < a.n; i++)
			if (a.v[i].allocation_id[0] == '\0' ||
			    !HOLDS(a.v[i].public_ip) ||
			    !HOLDS(a.v[i].association_id))
				abort();
	}
	ec2_addresses_free(&a);
	if (sns_parse_publish(s, size, out, sizeof(out), err,
	    sizeof(err)) == 0 && out[0] == '\0')
		abort();
	aws_error_parse(s, size, 400, &e);
	if (!HOLDS(e.code) || !HOLDS(e.message) || e.code[0] == '\0')
		abort();
	if (!HOLDS(err))
		abort();
	return 0;
}
