/*
 * initcmd: `stingy-vpn init`, desired.conf from a CloudFormation stack.
 * It reads the stack with DescribeStacks (one event base, one http client,
 * one aws context, aws_call()'s standard retries), turns its outputs into
 * desired.conf text, runs that text through the real config parser, and only
 * then writes it: atomically, mode 0644, never over an existing file
 * without --force.
 *
 * The stack's outputs are untrusted input: a value that would not stay on
 * its own "key = value" line (a newline or any other control character),
 * that is not plain ASCII or that has blanks around it is refused and
 * named, never written; everything else must pass the config parser's own
 * checks, whose complaints are reported against the output they came from.
 *
 * The outputs read (exact keys, the template in deploy/ makes them):
 *   EndpointName           [endpoint NAME]
 *   Region                 [aws] region (must be the region it was read in)
 *   QueueUrl               [aws] queue_url
 *   LaunchTemplateId       [endpoint] launch_template
 *   SubnetIds              [endpoint] subnets ("a, b" or "a,b")
 *   SsmPrefix              [endpoint] ssm_prefix
 *   WireGuardCidr          [endpoint] wireguard_cidr
 *   InstanceType           [endpoint] instance_types, see below
 *   ElasticIpAllocationId  [endpoint] elastic_ip, optional
 *   SnsTopicArn            [alerts] sns_topic, optional
 *   WireGuardPort          [endpoint] wireguard_port, optional: a UDP
 *                          port 1-65535, written as a plain number
 * An optional output that is absent or "" leaves its key unset.
 *
 * instance_types: InstanceType, and for a FAMILY.nano type FAMILY.micro
 * after it (t4g.nano -> "t4g.nano, t4g.micro"): the next size of the same
 * family runs the same AMI (same architecture) and costs more only while
 * nano capacity is short. Any other type is written alone: a guessed
 * fallback could need another AMI or cost much more; edit the file to add
 * one.
 *
 * The builder (initcmd_build) is pure: no clock, no environment, no files;
 * the unit tests drive it with a struct cfn_stack.
 */
#ifndef INITCMD_H
#define INITCMD_H

#include <stddef.h>
#include <time.h>

struct cfn_stack;

#define INITCMD_DEFAULT_STATE_DB	"/var/lib/stingy-vpn/state.db"
#define INITCMD_DEFAULT_LISTEN		"127.0.0.1:9851"
#define INITCMD_MAX_VALUE		1024	/* bytes of one value written */

struct initcmd_opts {
	const char	*stack;		/* --stack as given (name or id) */
	const char	*region;	/* the region the stack was read in; NULL: Region is not compared */
	const char	*profile;	/* --profile: written as [aws] profile; NULL: not written */
	const char	*state_db;	/* NULL: INITCMD_DEFAULT_STATE_DB */
	const char	*listen;	/* NULL: INITCMD_DEFAULT_LISTEN */
	const char	*path;		/* where the text goes, for the header; "-": stdout */
	time_t		 now;		/* UTC seconds, for the header */
};

/*
 * initcmd_status_usable: 1 for CREATE_COMPLETE, UPDATE_COMPLETE and
 * UPDATE_ROLLBACK_COMPLETE (a stack whose resources all exist as its
 * outputs say), 0 for every other status.
 */
int initcmd_status_usable(const char *status);

/*
 * initcmd_build: the desired.conf text for stack s with options o: a
 * header comment naming the stack, the region and the time, then [aws],
 * [controller], [endpoint NAME] and, with SnsTopicArn, [alerts]. The text
 * has passed desired_parse_string() before it is returned.
 *
 * Returns a malloc'd NUL-terminated text the caller frees, with *errors set
 * to NULL; or NULL with *errors a malloc'd string the caller frees holding
 * every reason, one per line ("stack vpn: missing outputs: QueueUrl,
 * SsmPrefix", "output LaunchTemplateId: invalid launch_template 'x': ...",
 * "stack vpn is ROLLBACK_COMPLETE: ..."), without a trailing program name.
 * Copies nothing from s it keeps; s and o are only read.
 */
char *initcmd_build(const struct cfn_stack *s, const struct initcmd_opts *o,
    char **errors);

/*
 * initcmd_write_file: text to path through a temporary file in the same
 * directory (".NAME.init-XXXXXX", mode 0644, fsync'd), then rename(2) over
 * path when force is set, else link(2), which fails when path exists: no
 * window in which a file that appeared meanwhile is replaced. On
 * filesystems without hard links the check and the rename are two steps.
 * The directory is fsync'd after. Returns 0, or -1 with the reason in err
 * ("PATH exists; pass --force to replace it", ...), path as it was and no
 * temporary file left.
 */
int initcmd_write_file(const char *path, const char *text, int force,
    char *err, size_t errlen);

/*
 * initcmd_main: the `init` subcommand; argv[0] is "init".
 *
 *   stingy-vpn init --stack NAME [--region REGION] [--profile PROFILE]
 *       [-c PATH] [--force] [--state-db PATH] [--listen ADDR] [-v]
 *
 * -c defaults to $STINGY_VPN_CONF, else DESIRED_DEFAULT_PATH, as for run;
 * "-c -" prints the text on stdout instead. Region and credentials are
 * resolved as the daemon does (aws_new: --region, AWS_REGION,
 * AWS_DEFAULT_REGION, the profile's region; the creds.c chain for
 * --profile, else AWS_PROFILE, else "default").
 *
 * Exit status: 0 written; 1 when the stack cannot be read, is in another
 * status, lacks outputs or has bad ones, or the file exists (without
 * --force) or cannot be written; 2 on usage errors. Messages go to stderr
 * as "stingy-vpn init: ...". A failure leaves an existing file as it was
 * and no temporary file behind.
 */
int initcmd_main(int argc, char **argv);

#endif
