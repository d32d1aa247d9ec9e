/*
 * test_initcmd: the desired.conf builder of `stingy-vpn init`, driven with
 * struct cfn_stack values: the text for a full stack (golden), optional
 * outputs present, empty and absent, missing outputs named, hostile output
 * values and options refused (never written), the config parser's
 * complaints mapped to the output they came from, the stack statuses, the
 * round trip through desired_parse_string / desired_print; and the atomic
 * write in a scratch directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfn.h"
#include "desired.h"
#include "initcmd.h"
#include "t.h"

#define NOW	1764580000	/* 2025-12-01 09:06:40 UTC */
#define QURL	"https://sqs.us-east-1.amazonaws.com/123456789012/stingy-vpn-events"
#define LT	"lt-0123456789abcdef0"
#define SUB1	"subnet-0aaaaaaaaaaaaaaa1"
#define SUB2	"subnet-0bbbbbbbbbbbbbbb2"
#define EIP	"eipalloc-0123456789abcdef0"
#define TOPIC	"arn:aws:sns:us-east-1:123456789012:stingy-vpn"
#define SID	"arn:aws:cloudformation:us-east-1:123456789012:stack/vpn-stack/1"

/* The outputs of a good stack, as the template makes them. */
static const char *const good[][2] = {
	{ "EndpointName", "vpn" },
	{ "Region", "us-east-1" },
	{ "QueueUrl", QURL },
	{ "QueueArn", "arn:aws:sqs:us-east-1:123456789012:stingy-vpn-events" },
	{ "LaunchTemplateId", LT },
	{ "SubnetIds", SUB1 ", " SUB2 },
	{ "SsmPrefix", "/stingy-vpn" },
	{ "WireGuardCidr", "10.8.0.0/24" },
	{ "InstanceType", "t4g.nano" },
};
#define NGOOD	(sizeof(good) / sizeof(good[0]))

/* stack_set: sets output key to value (NULL: removes it). */
static void
stack_set(struct cfn_stack *s, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < s->n_outputs; i++)
		if (strcmp(s->outputs[i].key, key) == 0)
			break;
	if (i == s->n_outputs) {
		if (value == NULL)
			return;
		s->outputs = realloc(s->outputs, (s->n_outputs + 1) *
		    sizeof(*s->outputs));
		s->outputs[i].key = strdup(key);
		s->outputs[i].value = NULL;
		s->n_outputs++;
	}
	free(s->outputs[i].value);
	if (value != NULL) {
		s->outputs[i].value = strdup(value);
		return;
	}
	free(s->outputs[i].key);
	s->outputs[i] = s->outputs[--s->n_outputs];
}

/* stack_good: a CREATE_COMPLETE stack with the good outputs. */
static void
stack_good(struct cfn_stack *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "vpn-stack");
	snprintf(s->id, sizeof(s->id), SID);
	snprintf(s->status, sizeof(s->status), "CREATE_COMPLETE");
	for (i = 0; i < NGOOD; i++)
		stack_set(s, good[i][0], good[i][1]);
}

static struct initcmd_opts
opts(void)
{
	struct initcmd_opts o;

	memset(&o, 0, sizeof(o));
	o.stack = "vpn-stack";
	o.region = "us-east-1";
	o.path = "/etc/stingy-vpn/desired.conf";
	o.now = NOW;
	return o;
}

/* build: initcmd_build with the invariant that exactly one of text, errors is set. */
static char *
build(const struct cfn_stack *s, const struct initcmd_opts *o, char **errors)
{
	char *text = initcmd_build(s, o, errors);

	T_OK((text == NULL) != (*errors == NULL), "text xor errors");
	if (*errors != NULL) {
		size_t n = strlen(*errors), bad = 0;

		T_OK(n > 0 && (*errors)[n - 1] == '\n', "errors end in a newline");
		for (size_t i = 0; i < n; i++)
			if (!(((unsigned char)(*errors)[i] >= 0x20 &&
			    (unsigned char)(*errors)[i] < 0x7f) ||
			    (*errors)[i] == '\n'))
				bad++;
		T_OK(bad == 0, "error text is printable: %s", *errors);
	}
	return text;
}

/* parse: the text through the real parser; NULL fails the check. */
static struct desired *
parse(const char *text)
{
	char *errors = NULL;
	struct desired *d;

	d = desired_parse_string("t", text, strlen(text), &errors);
	T_OK(d != NULL, "text parses: %s", errors ? errors : "");
	free(errors);
	return d;
}

static const char golden[] =
"# stingy-vpn desired.conf, written by `stingy-vpn init` from the outputs of\n"
"# CloudFormation stack vpn-stack in us-east-1 at 2025-12-01 09:06:40 UTC.\n"
"# stack id: " SID "\n"
"# `stingy-vpn check -c /etc/stingy-vpn/desired.conf` prints it normalised, "
"every default included;\n"
"# config/desired.conf.example says what each key means.\n"
"\n"
"[aws]\n"
"region = us-east-1\n"
"queue_url = " QURL "\n"
"\n"
"[controller]\n"
"state_db = /var/lib/stingy-vpn/state.db\n"
"listen = 127.0.0.1:9851\n"
"\n"
"[endpoint vpn]\n"
"launch_template = " LT "\n"
"instance_types = t4g.nano, t4g.micro\n"
"subnets = " SUB1 ", " SUB2 "\n"
"# no ElasticIpAllocationId output: the instance's own public address is used\n"
"ssm_prefix = /stingy-vpn\n"
"wireguard_cidr = 10.8.0.0/24\n";

static void
test_required(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	struct desired *d;
	char *text, *errors = NULL;

	stack_good(&s);
	text = build(&s, &o, &errors);
	T_EQ_STR(text, golden);
	T_EQ_STR(errors, NULL);
	if (text != NULL && (d = parse(text)) != NULL) {
		T_EQ_STR(d->region, "us-east-1");
		T_EQ_STR(d->profile, NULL);
		T_EQ_STR(d->queue_url, QURL);
		T_EQ_STR(d->state_db, INITCMD_DEFAULT_STATE_DB);
		T_EQ_STR(d->listen, INITCMD_DEFAULT_LISTEN);
		T_EQ_STR(d->endpoint, "vpn");
		T_EQ_STR(d->launch_template, LT);
		T_EQ_INT(d->n_instance_types, 2);
		T_EQ_STR(d->instance_types[0], "t4g.nano");
		T_EQ_STR(d->instance_types[1], "t4g.micro");
		T_EQ_INT(d->n_subnets, 2);
		T_EQ_STR(d->subnets[0], SUB1);
		T_EQ_STR(d->subnets[1], SUB2);
		T_EQ_STR(d->elastic_ip, NULL);
		T_EQ_STR(d->ssm_prefix, "/stingy-vpn");
		T_EQ_STR(d->wireguard_cidr, "10.8.0.0/24");
		T_EQ_STR(d->sns_topic, NULL);
		desired_free(d);
	}
	free(text);

	/* to stdout: the header cannot name the file */
	o.path = "-";
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "`stingy-vpn check -c FILE`") != NULL,
	    "-c - header");
	free(text);
	/* without a region to compare (not read anywhere) */
	o.region = NULL;
	text = build(&s, &o, &errors);
	T_OK(text != NULL, "no region to compare: %s", errors ? errors : "");
	free(text);
	free(errors);
	cfn_stack_free(&s);
}

static void
test_optional(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	struct desired *d;
	char *text, *errors = NULL;

	stack_good(&s);
	stack_set(&s, "ElasticIpAllocationId", EIP);
	stack_set(&s, "SnsTopicArn", TOPIC);
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "\nelastic_ip = " EIP "\n") != NULL,
	    "elastic_ip line");
	T_OK(text && strstr(text, "\n[alerts]\nsns_topic = " TOPIC "\n") != NULL,
	    "[alerts] sns_topic");
	T_OK(text && strstr(text, "no ElasticIpAllocationId") == NULL,
	    "no note about a missing EIP");
	if (text != NULL && (d = parse(text)) != NULL) {
		T_EQ_STR(d->elastic_ip, EIP);
		T_EQ_STR(d->sns_topic, TOPIC);
		desired_free(d);
	}
	free(text);

	/* only one of them */
	stack_set(&s, "SnsTopicArn", NULL);
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "[alerts]") == NULL, "no [alerts] without SNS");
	T_OK(text && strstr(text, "elastic_ip = " EIP) != NULL, "EIP kept");
	free(text);
	stack_set(&s, "ElasticIpAllocationId", NULL);
	stack_set(&s, "SnsTopicArn", TOPIC);
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "\nelastic_ip") == NULL, "no elastic_ip");
	T_OK(text && strstr(text, "sns_topic = " TOPIC) != NULL, "SNS kept");
	free(text);

	/* an empty optional output is an absent one */
	stack_set(&s, "ElasticIpAllocationId", "");
	stack_set(&s, "SnsTopicArn", "");
	text = build(&s, &o, &errors);
	T_EQ_STR(text, golden);
	free(text);
	free(errors);
	cfn_stack_free(&s);
}

/* WireGuardPort: optional, checked, written as wireguard_port. */
static void
test_port(void)
{
	static const struct {
		const char	*value;
		unsigned	 want;		/* 0: refused */
	} v[] = {
		{ "51820", 51820 }, { "1", 1 }, { "65535", 65535 },
		{ "443", 443 }, { "08080", 8080 }, { "051820", 0 },
		{ "0", 0 }, { "65536", 0 }, { "99999", 0 }, { "-1", 0 },
		{ "+51820", 0 }, { "5182O", 0 }, { "0x1f", 0 },
		{ "123456", 0 }, { "4294967297", 0 }, { "1e3", 0 },
	};
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	struct desired *d;
	char *text, *errors = NULL, line[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		stack_good(&s);
		stack_set(&s, "WireGuardPort", v[i].value);
		text = build(&s, &o, &errors);
		if (v[i].want == 0) {
			T_OK(text == NULL, "case %zu (%s) written", i, v[i].value);
			T_OK(errors && strstr(errors, "output WireGuardPort: not "
			    "a UDP port (1-65535): '") != NULL, "case %zu: %s",
			    i, errors ? errors : "(null)");
		} else {
			snprintf(line, sizeof(line), "\nwireguard_port = %u\n",
			    v[i].want);
			T_OK(text && strstr(text, line) != NULL, "case %zu: %s",
			    i, errors ? errors : "no line");
			if (text != NULL && (d = parse(text)) != NULL) {
				T_EQ_INT(d->wireguard_port, v[i].want);
				desired_free(d);
			}
		}
		free(text);
		free(errors);
		errors = NULL;
		cfn_stack_free(&s);
	}

	/* absent or "": no line, the default port */
	stack_good(&s);
	stack_set(&s, "WireGuardPort", "");
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "wireguard_port") == NULL, "no port line");
	free(text);
	free(errors);
	cfn_stack_free(&s);
}

static void
test_missing(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	char *text, *errors = NULL;
	size_t i;

	stack_good(&s);
	stack_set(&s, "QueueUrl", NULL);
	stack_set(&s, "SsmPrefix", "");
	text = build(&s, &o, &errors);
	T_EQ_STR(text, NULL);
	T_EQ_STR(errors, "stack vpn-stack: missing outputs: QueueUrl, SsmPrefix "
	    "(its template must export them)\n");
	free(errors);

	for (i = 0; i < NGOOD; i++)
		stack_set(&s, good[i][0], NULL);
	stack_set(&s, "ElasticIpAllocationId", EIP);
	text = build(&s, &o, &errors);
	T_EQ_STR(text, NULL);
	T_EQ_STR(errors, "stack vpn-stack: missing outputs: EndpointName, "
	    "Region, QueueUrl, LaunchTemplateId, SubnetIds, SsmPrefix, "
	    "WireGuardCidr, InstanceType (its template must export them)\n");
	free(errors);

	/* keys are exact */
	cfn_stack_free(&s);
	stack_good(&s);
	stack_set(&s, "QueueUrl", NULL);
	stack_set(&s, "QueueURL", QURL);
	text = build(&s, &o, &errors);
	T_OK(text == NULL && errors && strstr(errors, "missing outputs: "
	    "QueueUrl ") != NULL, "QueueURL is not QueueUrl");
	free(errors);
	cfn_stack_free(&s);
}

/*
 * Untrusted values: each is refused with a reason naming the output (or
 * the option), and nothing is written.
 */
static void
test_untrusted(void)
{
	static const struct {
		const char	*key, *value, *want;
	} v[] = {
		{ "QueueUrl", "https://x/q\n[dns]\nprovider = route53",
		  "output QueueUrl: holds a line break, which would add lines to "
		  "desired.conf: 'https://x/q\\x0a[dns]\\x0aprovider = route53'\n" },
		{ "LaunchTemplateId", LT "\r\nlaunch_budget = 20",
		  "output LaunchTemplateId: holds a line break" },
		{ "EndpointName", "vpn]\n[aws", "output EndpointName: holds a line "
		  "break" },
		{ "SsmPrefix", "/stingy\tvpn", "output SsmPrefix: holds a control "
		  "character: '/stingy\\x09vpn'\n" },
		{ "WireGuardCidr", "10.8.0.0/24\x1b[2J", "output WireGuardCidr: "
		  "holds a control character" },
		{ "SnsTopicArn", TOPIC "\x7f", "output SnsTopicArn: holds a control "
		  "character" },
		{ "SubnetIds", SUB1 ",\xe2\x80\xae" SUB2, "output SubnetIds: holds a "
		  "byte outside ASCII" },
		{ "Region", " us-east-1", "output Region: has blanks around it" },
		{ "InstanceType", "t4g.nano ", "output InstanceType: has blanks "
		  "around it" },
		{ "ElasticIpAllocationId", EIP " ", "output ElasticIpAllocationId: "
		  "has blanks around it" },
		/* one line each, but the config parser refuses them */
		{ "EndpointName", "VPN", "output EndpointName: invalid endpoint "
		  "name 'VPN'" },
		{ "EndpointName", "vpn] [x", "output EndpointName: " },
		{ "LaunchTemplateId", "lt-xyz", "output LaunchTemplateId: invalid "
		  "launch_template 'lt-xyz'" },
		{ "QueueUrl", "ftp://q/x", "output QueueUrl: invalid queue_url" },
		{ "QueueUrl", QURL " # see wiki", "output QueueUrl: comment after "
		  "the value of 'queue_url'" },
		{ "SubnetIds", SUB1 ",," SUB2, "output SubnetIds: empty entry in "
		  "subnets" },
		{ "SubnetIds", SUB1 ", " SUB1, "output SubnetIds: duplicate entry" },
		{ "InstanceType", "t4g", "output InstanceType: invalid instance type "
		  "'t4g'" },
		{ "SsmPrefix", "stingy", "output SsmPrefix: invalid ssm_prefix" },
		{ "WireGuardCidr", "10.8.0.1/24", "output WireGuardCidr: invalid "
		  "wireguard_cidr" },
		{ "ElasticIpAllocationId", "eip-1", "output ElasticIpAllocationId: "
		  "invalid elastic_ip" },
		{ "SnsTopicArn", "topic", "output SnsTopicArn: invalid sns_topic" },
		{ "Region", "us-west-2", "output Region: us-west-2, but the stack was "
		  "read in us-east-1" },
		{ "Region", "mars-1", "output Region: mars-1, but the stack" },
	};
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	char *text, *errors = NULL, big[INITCMD_MAX_VALUE + 2];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		stack_good(&s);
		stack_set(&s, v[i].key, v[i].value);
		text = build(&s, &o, &errors);
		T_OK(text == NULL, "case %zu written:\n%s", i, text ? text : "");
		T_OK(errors && strstr(errors, v[i].want) != NULL,
		    "case %zu: want \"%s\" in \"%s\"", i, v[i].want,
		    errors ? errors : "(null)");
		free(text);
		free(errors);
		cfn_stack_free(&s);
	}

	/* a parser complaint about a region not read anywhere */
	stack_good(&s);
	stack_set(&s, "Region", "mars-1");
	o.region = NULL;
	text = build(&s, &o, &errors);
	T_OK(text == NULL && errors && strncmp(errors, "output Region: invalid "
	    "region 'mars-1'", 38) == 0, "%s", errors ? errors : "");
	free(errors);
	o = opts();

	/* every problem in one pass */
	stack_set(&s, "Region", "us-east-1\n");
	stack_set(&s, "SsmPrefix", "/a\tb");
	stack_set(&s, "QueueUrl", NULL);
	text = build(&s, &o, &errors);
	T_OK(errors && strstr(errors, "output Region:") && strstr(errors,
	    "output SsmPrefix:") && strstr(errors, "missing outputs: QueueUrl"),
	    "all three named: %s", errors ? errors : "");
	free(errors);

	/* too long for a line of ours */
	memset(big, 'a', sizeof(big));
	memcpy(big, "https://q/", 10);
	big[sizeof(big) - 1] = '\0';
	cfn_stack_free(&s);
	stack_good(&s);
	stack_set(&s, "QueueUrl", big);
	text = build(&s, &o, &errors);
	T_OK(text == NULL && errors && strstr(errors, "output QueueUrl: longer "
	    "than 1024 bytes"), "%s", errors ? errors : "");
	free(errors);
	cfn_stack_free(&s);
}

static void
test_options(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	struct desired *d;
	char *text, *errors = NULL;

	stack_good(&s);
	o.profile = "stingy";
	o.state_db = "/srv/stingy/state.db";
	o.listen = "[::1]:9999";
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "[aws]\nregion = us-east-1\nprofile = stingy\n"
	    "queue_url = ") != NULL, "profile line in [aws]");
	if (text != NULL && (d = parse(text)) != NULL) {
		T_EQ_STR(d->profile, "stingy");
		T_EQ_STR(d->state_db, "/srv/stingy/state.db");
		T_EQ_STR(d->listen, "[::1]:9999");
		desired_free(d);
	}
	free(text);

	o.listen = "off";
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "\nlisten = off\n"), "listen off");
	free(text);

	o = opts();
	o.listen = "127.0.0.1:1\n[dns]";
	o.profile = "a b";
	o.state_db = "state.db";
	text = build(&s, &o, &errors);
	T_EQ_STR(text, NULL);
	T_OK(errors && strstr(errors, "--listen: holds a line break"),
	    "--listen named: %s", errors ? errors : "");
	free(errors);
	o.listen = NULL;
	text = build(&s, &o, &errors);
	T_OK(errors && strstr(errors, "--profile: invalid profile 'a b'") &&
	    strstr(errors, "--state-db: invalid state_db 'state.db'"),
	    "parser errors mapped to options: %s", errors ? errors : "");
	free(errors);
	cfn_stack_free(&s);
}

static void
test_instance_types(void)
{
	static const struct {
		const char	*type, *line;
	} v[] = {
		{ "t4g.nano", "instance_types = t4g.nano, t4g.micro\n" },
		{ "t3a.nano", "instance_types = t3a.nano, t3a.micro\n" },
		{ "t4g.micro", "instance_types = t4g.micro\n" },
		{ "m7g.medium", "instance_types = m7g.medium\n" },
		{ "c6gn.large", "instance_types = c6gn.large\n" },
	};
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	char *text, *errors = NULL;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		stack_good(&s);
		stack_set(&s, "InstanceType", v[i].type);
		text = build(&s, &o, &errors);
		T_OK(text && strstr(text, v[i].line), "%s: %s", v[i].type,
		    errors ? errors : "");
		free(text);
		free(errors);
		cfn_stack_free(&s);
	}
	/* subnets as the template may join them */
	stack_good(&s);
	stack_set(&s, "SubnetIds", SUB1 "," SUB2);
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "\nsubnets = " SUB1 ", " SUB2 "\n"),
	    "subnets normalised");
	free(text);
	stack_set(&s, "SubnetIds", SUB1);
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "\nsubnets = " SUB1 "\n"), "one subnet");
	free(text);
	cfn_stack_free(&s);
}

static void
test_status(void)
{
	static const char *ok[] = { "CREATE_COMPLETE", "UPDATE_COMPLETE",
	    "UPDATE_ROLLBACK_COMPLETE" };
	static const char *bad[] = { "CREATE_IN_PROGRESS", "CREATE_FAILED",
	    "ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS", "DELETE_COMPLETE",
	    "DELETE_IN_PROGRESS", "UPDATE_IN_PROGRESS",
	    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
	    "IMPORT_COMPLETE", "REVIEW_IN_PROGRESS", "create_complete", "" };
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	char *text, *errors = NULL, want[256];
	size_t i;

	T_EQ_INT(initcmd_status_usable(NULL), 0);
	stack_good(&s);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		T_EQ_INT(initcmd_status_usable(ok[i]), 1);
		snprintf(s.status, sizeof(s.status), "%s", ok[i]);
		text = build(&s, &o, &errors);
		T_OK(text != NULL, "%s refused", ok[i]);
		free(text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(initcmd_status_usable(bad[i]), 0);
		snprintf(s.status, sizeof(s.status), "%s", bad[i]);
		text = build(&s, &o, &errors);
		T_EQ_STR(text, NULL);
		snprintf(want, sizeof(want), "stack vpn-stack %s%s: init reads "
		    "a stack that is CREATE_COMPLETE, UPDATE_COMPLETE or "
		    "UPDATE_ROLLBACK_COMPLETE\n", bad[i][0] ? "is " :
		    "has no status", bad[i]);
		T_EQ_STR(errors, want);
		free(errors);
	}
	cfn_stack_free(&s);
}

/* The header holds untrusted names too: they never leave their comment line. */
static void
test_header(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	char *text, *errors = NULL;

	stack_good(&s);
	snprintf(s.id, sizeof(s.id), "arn:x\n[dns]\nprovider = route53");
	s.name[0] = '\0';
	o.stack = "arn:aws:cloudformation:us-east-1:1:stack/vpn-stack/1";
	o.path = "/tmp/a\nb.conf";
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "# stack id: arn:x?[dns]?provider = route53\n"),
	    "stack id cleaned");
	T_OK(text && strstr(text, "stack arn:aws:cloudformation:us-east-1:1:"
	    "stack/vpn-stack/1 in us-east-1"), "named by the argument");
	T_OK(text && strstr(text, "-c /tmp/a?b.conf`"), "path cleaned");
	T_OK(text && strstr(text, "\n[dns]") == NULL, "no [dns] section");
	free(text);
	s.id[0] = '\0';
	text = build(&s, &o, &errors);
	T_OK(text && strstr(text, "stack id") == NULL, "no id line without an id");
	free(text);
	free(errors);
	cfn_stack_free(&s);
}

/* What init writes, `check` prints, and that parses back to the same. */
static void
test_roundtrip(void)
{
	struct cfn_stack s;
	struct initcmd_opts o = opts();
	struct desired *d = NULL, *d2 = NULL;
	char *text, *errors = NULL, *printed = NULL;

	stack_good(&s);
	stack_set(&s, "ElasticIpAllocationId", EIP);
	stack_set(&s, "SnsTopicArn", TOPIC);
	o.profile = "default";
	text = build(&s, &o, &errors);
	if (text != NULL && (d = parse(text)) != NULL &&
	    (printed = desired_print(d)) != NULL &&
	    (d2 = parse(printed)) != NULL) {
		T_OK(desired_equal(d, d2), "round trip equal");
		T_OK(strstr(printed, "[endpoint vpn]\n") != NULL, "endpoint");
		T_OK(strstr(printed, "\nelastic_ip = " EIP "\n") != NULL, "eip");
	} else
		T_OK(0, "round trip ran");
	desired_free(d);
	desired_free(d2);
	free(printed);
	free(text);
	free(errors);
	cfn_stack_free(&s);
}

/* dir_entries: the names in dir other than . and .., joined by ' '. */
static void
dir_entries(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
			    out[0] ? " " : "", e->d_name);
	if (d != NULL)
		closedir(d);
}

static void
test_write(void)
{
	char dir[] = "/tmp/test_initcmd.XXXXXX", path[128], other[256];
	char err[512], names[512], *got;
	struct stat st;
	mode_t old;

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/desired.conf", dir);
	old = umask(077);	/* the mode is set, not left to the umask */
	T_EQ_INT(initcmd_write_file(path, "one\n", 0, err, sizeof(err)), 0);
	umask(old);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "mode 0644");
	got = t_read_file(path, NULL);
	T_EQ_STR(got, "one\n");
	free(got);
	dir_entries(dir, names, sizeof(names));
	T_EQ_STR(names, "desired.conf");

	/* an existing file is kept without force */
	T_EQ_INT(initcmd_write_file(path, "two\n", 0, err, sizeof(err)), -1);
	snprintf(other, sizeof(other), "%s exists; pass --force to replace it",
	    path);
	T_EQ_STR(err, other);
	got = t_read_file(path, NULL);
	T_EQ_STR(got, "one\n");
	free(got);
	dir_entries(dir, names, sizeof(names));
	T_EQ_STR(names, "desired.conf");

	/* and replaced with it */
	T_EQ_INT(initcmd_write_file(path, "three\n", 1, err, sizeof(err)), 0);
	got = t_read_file(path, NULL);
	T_EQ_STR(got, "three\n");
	free(got);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "mode 0644 after --force");
	dir_entries(dir, names, sizeof(names));
	T_EQ_STR(names, "desired.conf");

	/* a dangling symlink is a file there: not written through */
	snprintf(other, sizeof(other), "%s/link.conf", dir);
	T_EQ_INT(symlink("/nonexistent/target.conf", other), 0);
	T_EQ_INT(initcmd_write_file(other, "x\n", 0, err, sizeof(err)), -1);
	T_OK(strstr(err, "exists; pass --force") != NULL, "%s", err);
	T_OK(lstat(other, &st) == 0 && S_ISLNK(st.st_mode), "link kept");
	unlink(other);

	/* a directory that does not exist */
	snprintf(other, sizeof(other), "%s/no/desired.conf", dir);
	T_EQ_INT(initcmd_write_file(other, "x\n", 0, err, sizeof(err)), -1);
	T_OK(strstr(err, "No such file or directory (create the directory, or "
	    "pass -c FILE)") != NULL, "%s", err);
	dir_entries(dir, names, sizeof(names));
	T_EQ_STR(names, "desired.conf");

	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	T_RUN(test_required);
	T_RUN(test_optional);
	T_RUN(test_port);
	T_RUN(test_missing);
	T_RUN(test_untrusted);
	T_RUN(test_options);
	T_RUN(test_instance_types);
	T_RUN(test_status);
	T_RUN(test_header);
	T_RUN(test_roundtrip);
	T_RUN(test_write);
	return t_done("test_initcmd");
}
