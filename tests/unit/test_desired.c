/*
 * test_desired: the desired.conf parser and printer. Every error message is
 * checked word for word, with its line number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "desired.h"
#include "t.h"

#define QURL	"https://sqs.eu-west-1.amazonaws.com/123456789012/q"
#define LT	"lt-0123456789abcdef0"

/* 3 lines */
#define AWS	"[aws]\nregion = eu-west-1\nqueue_url = " QURL "\n"
/* 2 lines */
#define EP	"[endpoint vpn]\nlaunch_template = " LT "\n"

/* parse: text as "t.conf"; *errors gets the messages (or NULL). */
static struct desired *
parse(const char *text, char **errors)
{
	return desired_parse_string("t.conf", text, strlen(text), errors);
}

static void
test_minimal(void)
{
	char *err = NULL;
	struct desired *d = parse(AWS EP, &err);

	T_OK(d != NULL, "minimal config parses");
	T_EQ_STR(err, NULL);
	if (d == NULL) {
		free(err);
		return;
	}
	T_EQ_STR(d->region, "eu-west-1");
	T_EQ_STR(d->queue_url, QURL);
	T_EQ_STR(d->endpoint, "vpn");
	T_EQ_STR(d->launch_template, LT);
	desired_free(d);
}

static void
test_defaults(void)
{
	char *err = NULL;
	struct desired *d = parse(AWS EP, &err);

	T_OK(d != NULL, "minimal config parses");
	if (d == NULL) {
		free(err);
		return;
	}
	T_EQ_STR(d->profile, NULL);
	T_EQ_STR(d->state_db, "/var/lib/stingy-vpn/state.db");
	T_EQ_STR(d->listen, "127.0.0.1:9851");
	T_EQ_INT(d->describe_interval_ms, 60000);
	T_EQ_INT(d->sqs_wait_ms, 20000);
	T_EQ_INT(d->health_max_age_ms, 180000);
	T_EQ_INT(d->enabled, 1);
	T_EQ_STR(d->launch_template_version, "$Latest");
	T_EQ_INT(d->n_instance_types, 1);
	T_EQ_STR(d->instance_types[0], "t4g.nano");
	T_EQ_INT(d->n_subnets, 0);
	T_EQ_INT(d->max_instances, 2);
	T_EQ_INT(d->launch_budget, 4);
	T_EQ_STR(d->elastic_ip, NULL);
	T_EQ_STR(d->ssm_prefix, "/stingy-vpn");
	T_EQ_STR(d->wireguard_cidr, "10.8.0.0/24");
	T_EQ_INT(d->wait_ready, 1);
	T_EQ_INT(d->ready_timeout_ms, 300000);
	T_EQ_INT(d->rebalance, REBALANCE_REPLACE);
	T_EQ_INT(d->capacity_cooldown_ms, 1800000);
	T_EQ_STR(d->sns_topic, NULL);
	T_EQ_INT(d->max_interruptions_per_day, 3);
	T_EQ_INT(d->alert_interval_ms, 3600000);
	desired_free(d);
}

/* The printed form of the minimal config, exactly. */
static void
test_print_minimal(void)
{
	static const char want[] =
	    "# stingy-vpn desired.conf, normalised: every key with its effective value\n"
	    "\n"
	    "[aws]\n"
	    "region = eu-west-1\n"
	    "# profile =\n"
	    "queue_url = " QURL "\n"
	    "\n"
	    "[controller]\n"
	    "state_db = /var/lib/stingy-vpn/state.db\n"
	    "listen = 127.0.0.1:9851\n"
	    "describe_interval = 1m\n"
	    "sqs_wait = 20s\n"
	    "health_max_age = 3m\n"
	    "\n"
	    "[endpoint vpn]\n"
	    "enabled = yes\n"
	    "launch_template = " LT "\n"
	    "launch_template_version = $Latest\n"
	    "instance_types = t4g.nano\n"
	    "# subnets =\n"
	    "max_instances = 2\n"
	    "launch_budget = 4\n"
	    "# elastic_ip =\n"
	    "ssm_prefix = /stingy-vpn\n"
	    "wireguard_cidr = 10.8.0.0/24\n"
	    "wait_ready = yes\n"
	    "ready_timeout = 5m\n"
	    "rebalance = replace\n"
	    "capacity_cooldown = 30m\n"
	    "wireguard_port = 51820\n"
	    "# server_public_key =\n"
	    "client_dns = 1.1.1.1\n"
	    "\n"
	    "[alerts]\n"
	    "# sns_topic =\n"
	    "max_interruptions_per_day = 3\n"
	    "alert_interval = 1h\n"
	    "\n"
	    "[dns]\n"
	    "provider = none\n"
	    "# name =\n"
	    "# zone_id =\n"
	    "# record_id =\n"
	    "create = no\n"
	    "ttl = 60\n"
	    "# token_parameter =\n"
	    "api_url = https://api.cloudflare.com/client/v4\n";
	struct desired *d = parse(AWS EP, NULL);
	char *s = d ? desired_print(d) : NULL;

	T_EQ_STR(s, want);
	free(s);
	desired_free(d);
}

struct err_case {
	const char *text;
	const char *errors;	/* every line, exactly */
};

static const struct err_case err_cases[] = {
	/* structure */
	{ AWS EP "instnace_types = t4g.nano\n",
	  "t.conf:6: unknown key 'instnace_types' in [endpoint]\n" },
	{ AWS EP "region = eu-west-1\n",
	  "t.conf:6: unknown key 'region' in [endpoint], it belongs in [aws]\n" },
	{ EP AWS "region = us-east-1\n",
	  "t.conf:6: duplicate key 'region' in [aws], first set on line 4\n" },
	{ "region = eu-west-1\n" AWS EP,
	  "t.conf:1: key 'region' outside any section\n" },
	{ AWS EP "[dns]\nzone = example.org\n",
	  "t.conf:7: unknown key 'zone' in [dns]\n" },
	{ AWS EP "[dsn]\nzone = example.org\n",
	  "t.conf:6: unknown section 'dsn'\n" },
	{ AWS EP "max_instances 3\n",
	  "t.conf:6: expected 'key = value' or '[section]', got 'max_instances 3'\n" },
	{ AWS EP "= 3\n",
	  "t.conf:6: missing key before '='\n" },
	{ AWS EP "[endpoint two]\nlaunch_template = " LT "\nbogus = 1\n",
	  "t.conf:6: only one [endpoint] section is supported\n" },
	{ AWS "[endpoint]\nlaunch_template = " LT "\n",
	  "t.conf:4: section [endpoint] needs a name: [endpoint NAME]\n"
	  "t.conf:0: missing [endpoint NAME] section\n" },
	{ AWS "[endpoint My_VPN]\nlaunch_template = " LT "\nmax_instances = 7\n",
	  "t.conf:4: invalid endpoint name 'My_VPN': use 1 to 32 of a-z, 0-9 and '-'\n"
	  "t.conf:6: max_instances '7' out of range (1 to 4)\n" },
	{ AWS "[endpoint a23456789012345678901234567890123]\nlaunch_template = " LT "\n",
	  "t.conf:4: invalid endpoint name 'a23456789012345678901234567890123': "
	  "use 1 to 32 of a-z, 0-9 and '-'\n" },
	{ "[aws extra]\nregion = eu-west-1\n" EP,
	  "t.conf:1: section [aws] takes no name, got 'extra'\n"
	  "t.conf:0: missing [aws] section\n" },
	{ AWS EP "[controller]\n[controller]\nsqs_wait = 5s\n",
	  "t.conf:7: duplicate section [controller], first on line 6\n" },
	{ AWS EP "[alerts\n",
	  "t.conf:6: unterminated section header '[alerts'\n" },
	{ AWS EP "[alerts] now\n",
	  "t.conf:6: unexpected 'now' after section header\n" },
	{ AWS EP "[ ]\n",
	  "t.conf:6: empty section header\n" },
	{ "[aws]\nregion =\nqueue_url = " QURL "\n" EP,
	  "t.conf:2: empty value for key 'region'\n" },
	{ AWS EP "max_instances =\n",
	  "t.conf:6: empty value for key 'max_instances'\n" },
	{ AWS EP "max_instances = 2 # two\n",
	  "t.conf:6: comment after the value of 'max_instances': put comments on "
	  "lines of their own\n" },
	{ "[aws]\nregion = eu-west-1\n" EP,
	  "t.conf:1: missing required key 'queue_url' in [aws]\n" },
	{ AWS "[endpoint vpn]\nenabled = no\n",
	  "t.conf:4: missing required key 'launch_template' in [endpoint]\n" },
	{ EP,
	  "t.conf:0: missing [aws] section\n" },
	{ AWS,
	  "t.conf:0: missing [endpoint NAME] section\n" },
	{ "",
	  "t.conf:0: missing [aws] section\n"
	  "t.conf:0: missing [endpoint NAME] section\n" },

	/* [aws] */
	{ EP "[aws]\nregion = eu-wset-1\nqueue_url = " QURL "\n",
	  "t.conf:4: invalid region 'eu-wset-1': expected a region like eu-west-1\n" },
	{ EP "[aws]\nregion = eu-west-1a\nqueue_url = " QURL "\n",
	  "t.conf:4: invalid region 'eu-west-1a': expected a region like eu-west-1\n" },
	{ EP AWS "profile = my profile\n",
	  "t.conf:6: invalid profile 'my profile': use up to 64 of A-Z, a-z, 0-9 and _.+@-\n" },
	{ EP "[aws]\nregion = eu-west-1\nqueue_url = ftp://host/q\n",
	  "t.conf:5: invalid queue_url 'ftp://host/q': expected an https:// or http:// url\n" },
	{ EP "[aws]\nregion = eu-west-1\nqueue_url = https://sqs.eu-west-1.amazonaws.com\n",
	  "t.conf:5: invalid queue_url 'https://sqs.eu-west-1.amazonaws.com': "
	  "the url has no path naming the queue\n" },
	{ EP "[aws]\nregion = eu-west-1\nqueue_url = https:///123/q\n",
	  "t.conf:5: invalid queue_url 'https:///123/q': the url has no host\n" },

	/* [controller] */
	{ AWS EP "[controller]\nstate_db = state.db\n",
	  "t.conf:7: invalid state_db 'state.db': use an absolute path\n" },
	{ AWS EP "[controller]\nstate_db = /var/lib/\n",
	  "t.conf:7: invalid state_db '/var/lib/': the path names a directory\n" },
	{ AWS EP "[controller]\nlisten = localhost\n",
	  "t.conf:7: invalid listen 'localhost': use host:port, [address]:port or off\n" },
	{ AWS EP "[controller]\nlisten = ::1:9851\n",
	  "t.conf:7: invalid listen '::1:9851': put an IPv6 address in brackets, "
	  "like [::1]:9851\n" },
	{ AWS EP "[controller]\nlisten = [::1]:0\n",
	  "t.conf:7: invalid listen '[::1]:0': port must be 1 to 65535\n" },
	{ AWS EP "[controller]\nlisten = 127.0.0.1:65536\n",
	  "t.conf:7: invalid listen '127.0.0.1:65536': port must be 1 to 65535\n" },
	{ AWS EP "[controller]\nlisten = 300.0.0.1:80\n",
	  "t.conf:7: invalid listen '300.0.0.1:80': bad IPv4 address\n" },
	{ AWS EP "[controller]\nlisten = [zz]:80\n",
	  "t.conf:7: invalid listen '[zz]:80': bad IPv6 address\n" },
	{ AWS EP "[controller]\ndescribe_interval = 5 minutes\n",
	  "t.conf:7: invalid duration '5 minutes' for describe_interval: use a number "
	  "with a unit ms, s, m, h or d\n" },
	{ AWS EP "[controller]\ndescribe_interval = 1.5s\n",
	  "t.conf:7: invalid duration '1.5s' for describe_interval: use a number "
	  "with a unit ms, s, m, h or d\n" },
	{ AWS EP "[controller]\ndescribe_interval = 9s\n",
	  "t.conf:7: describe_interval '9s' out of range (10s to 1h)\n" },
	{ AWS EP "[controller]\ndescribe_interval = 61m\nhealth_max_age = 2h\n",
	  "t.conf:7: describe_interval '61m' out of range (10s to 1h)\n" },
	{ AWS EP "[controller]\ndescribe_interval = 99999999999d\n",
	  "t.conf:7: describe_interval '99999999999d' out of range (10s to 1h)\n" },
	{ AWS EP "[controller]\ndescribe_interval = 999999999999d\n",
	  "t.conf:7: describe_interval '999999999999d' out of range (10s to 1h)\n" },
	{ AWS EP "[controller]\nsqs_wait = 0\n",
	  "t.conf:7: sqs_wait '0' out of range (1s to 20s)\n" },
	{ AWS EP "[controller]\nsqs_wait = 21s\n",
	  "t.conf:7: sqs_wait '21s' out of range (1s to 20s)\n" },
	{ AWS EP "[controller]\nsqs_wait = 1500ms\n",
	  "t.conf:7: sqs_wait '1500ms' must be a whole number of seconds\n" },
	{ AWS EP "[controller]\nhealth_max_age = 29s\n",
	  "t.conf:7: health_max_age '29s' out of range (30s to 1d)\n" },
	{ AWS EP "[controller]\ndescribe_interval = 5m\n",
	  "t.conf:7: health_max_age '3m' is shorter than describe_interval '5m'\n" },
	{ AWS EP "[controller]\nhealth_max_age = 1m\ndescribe_interval = 2m\n",
	  "t.conf:7: health_max_age '1m' is shorter than describe_interval '2m'\n" },

	/* [endpoint] */
	{ AWS EP "enabled = maybe\n",
	  "t.conf:6: invalid boolean 'maybe' for enabled: use yes or no\n" },
	{ AWS "[endpoint vpn]\nlaunch_template = lt-xyz\n",
	  "t.conf:5: invalid launch_template 'lt-xyz': expected lt- and 8 to 17 hex digits\n" },
	{ AWS "[endpoint vpn]\nlaunch_template = lt-0123456\n",
	  "t.conf:5: invalid launch_template 'lt-0123456': expected lt- and 8 to 17 hex digits\n" },
	{ AWS "[endpoint vpn]\nlaunch_template = lt-0123456789ABCDEF0\n",
	  "t.conf:5: invalid launch_template 'lt-0123456789ABCDEF0': expected lt- and "
	  "8 to 17 hex digits\n" },
	{ AWS EP "launch_template_version = latest\n",
	  "t.conf:6: invalid launch_template_version 'latest': use $Latest, $Default "
	  "or a version number\n" },
	{ AWS EP "launch_template_version = 0\n",
	  "t.conf:6: invalid launch_template_version '0': use $Latest, $Default "
	  "or a version number\n" },
	{ AWS EP "instance_types = t4g, T4G.nano, .nano, t4g.nano\n",
	  "t.conf:6: invalid instance type 't4g' in instance_types\n"
	  "t.conf:6: invalid instance type 'T4G.nano' in instance_types\n"
	  "t.conf:6: invalid instance type '.nano' in instance_types\n" },
	{ AWS EP "instance_types = t4g.nano, t4g.micro, t4g.nano\n",
	  "t.conf:6: duplicate entry 't4g.nano' in instance_types\n" },
	{ AWS EP "instance_types = t4g.nano,,t4g.micro\n",
	  "t.conf:6: empty entry in instance_types\n" },
	{ AWS EP "instance_types = t4g.nano,\n",
	  "t.conf:6: empty entry in instance_types\n" },
	{ AWS EP "instance_types = a.1,a.2,a.3,a.4,a.5,a.6,a.7,a.8,a.9,a.10,a.11,a.12,"
	  "a.13,a.14,a.15,a.16,a.17\n",
	  "t.conf:6: too many entries in instance_types: 17, at most 16\n" },
	{ AWS EP "subnets = subnet-0123abcd, subnet-xyz\n",
	  "t.conf:6: invalid subnet 'subnet-xyz' in subnets\n" },
	{ AWS EP "max_instances = 0\n",
	  "t.conf:6: max_instances '0' out of range (1 to 4)\n" },
	{ AWS EP "max_instances = 5\n",
	  "t.conf:6: max_instances '5' out of range (1 to 4)\n" },
	{ AWS EP "max_instances = 99999999999999999999999\n",
	  "t.conf:6: max_instances '99999999999999999999999' out of range (1 to 4)\n" },
	{ AWS EP "max_instances = two\n",
	  "t.conf:6: invalid number 'two' for max_instances\n" },
	{ AWS EP "max_instances = -1\n",
	  "t.conf:6: invalid number '-1' for max_instances\n" },
	{ AWS EP "launch_budget = 21\n",
	  "t.conf:6: launch_budget '21' out of range (1 to 20)\n" },
	{ AWS EP "elastic_ip = eip-0123456789abcdef0\n",
	  "t.conf:6: invalid elastic_ip 'eip-0123456789abcdef0': expected eipalloc- and "
	  "8 to 17 hex digits\n" },
	{ AWS EP "ssm_prefix = stingy\n",
	  "t.conf:6: invalid ssm_prefix 'stingy': start with '/' and name something, "
	  "like /stingy-vpn\n" },
	{ AWS EP "ssm_prefix = /stingy/\n",
	  "t.conf:6: invalid ssm_prefix '/stingy/': no trailing or doubled '/'\n" },
	{ AWS EP "ssm_prefix = /a//b\n",
	  "t.conf:6: invalid ssm_prefix '/a//b': no trailing or doubled '/'\n" },
	{ AWS EP "ssm_prefix = /a$b\n",
	  "t.conf:6: invalid ssm_prefix '/a$b': use up to 512 of A-Z, a-z, 0-9 and _./-\n" },
	{ AWS EP "ssm_prefix = /AWS/vpn\n",
	  "t.conf:6: invalid ssm_prefix '/AWS/vpn': ssm reserves names starting with "
	  "aws or ssm\n" },
	{ AWS EP "wireguard_cidr = 10.8.0.1/24\n",
	  "t.conf:6: invalid wireguard_cidr '10.8.0.1/24': host bits set, did you mean "
	  "10.8.0.0/24?\n" },
	{ AWS EP "wireguard_cidr = 10.8.0.0/31\n",
	  "t.conf:6: invalid wireguard_cidr '10.8.0.0/31': prefix length must be 8 to 30\n" },
	{ AWS EP "wireguard_cidr = 10.8.0/24\n",
	  "t.conf:6: invalid wireguard_cidr '10.8.0/24': expected an IPv4 network like "
	  "10.8.0.0/24\n" },
	{ AWS EP "wait_ready = 2\n",
	  "t.conf:6: invalid boolean '2' for wait_ready: use yes or no\n" },
	{ AWS EP "ready_timeout = 31m\n",
	  "t.conf:6: ready_timeout '31m' out of range (30s to 30m)\n" },
	{ AWS EP "ready_timeout = 29s\n",
	  "t.conf:6: ready_timeout '29s' out of range (30s to 30m)\n" },
	{ AWS EP "rebalance = swap\n",
	  "t.conf:6: invalid value 'swap' for rebalance: use replace or mark\n" },
	{ AWS EP "capacity_cooldown = 59s\n",
	  "t.conf:6: capacity_cooldown '59s' out of range (1m to 1d)\n" },
	{ AWS EP "capacity_cooldown = 25h\n",
	  "t.conf:6: capacity_cooldown '25h' out of range (1m to 1d)\n" },

	/* [alerts] */
	{ AWS EP "[alerts]\nsns_topic = arn:aws:sns:eu-west-1:1234:t\n",
	  "t.conf:7: invalid sns_topic 'arn:aws:sns:eu-west-1:1234:t': expected "
	  "arn:aws:sns:REGION:ACCOUNT:NAME\n" },
	{ AWS EP "[alerts]\nsns_topic = arn:aws:sqs:eu-west-1:123456789012:t\n",
	  "t.conf:7: invalid sns_topic 'arn:aws:sqs:eu-west-1:123456789012:t': expected "
	  "arn:aws:sns:REGION:ACCOUNT:NAME\n" },
	{ AWS EP "[alerts]\nsns_topic = arn:aws-abcdefghijklmnopq:sns:eu-west-1:123456789012:t\n",
	  "t.conf:7: invalid sns_topic 'arn:aws-abcdefghijklmnopq:sns:eu-west-1:123456789012:t': "
	  "expected arn:aws:sns:REGION:ACCOUNT:NAME\n" },
	{ AWS EP "[alerts]\nmax_interruptions_per_day = 0\n",
	  "t.conf:7: max_interruptions_per_day '0' out of range (1 to 100)\n" },
	{ AWS EP "[alerts]\nmax_interruptions_per_day = 101\n",
	  "t.conf:7: max_interruptions_per_day '101' out of range (1 to 100)\n" },
	{ AWS EP "[alerts]\nalert_interval = 30s\n",
	  "t.conf:7: alert_interval '30s' out of range (1m to 1d)\n" },
	{ AWS EP "[alerts]\nalert_interval = 2d\n",
	  "t.conf:7: alert_interval '2d' out of range (1m to 1d)\n" },

	/* untrusted bytes are escaped and long values cut in messages */
	{ AWS EP "max_instances = \x01\xff\n",
	  "t.conf:6: invalid number '\\x01\\xff' for max_instances\n" },
	{ AWS EP "max_instances = 1234567890123456789012345678901234567890"
	  "12345678901234567890123456789012345678901234567890\n",
	  "t.conf:6: max_instances '1234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890...' out of range (1 to 4)\n" },
};

static void
test_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		char *err = NULL;
		struct desired *d = parse(err_cases[i].text, &err);

		T_OK(d == NULL, "case %zu: no config on error", i);
		T_EQ_STR(err, err_cases[i].errors);
		desired_free(d);
		free(err);
	}
}

/* Several mistakes: all reported, in order, with their own lines. */
static void
test_many_errors(void)
{
	static const char text[] =
	    "# a comment\n"				/* 1 */
	    "[aws]\n"					/* 2 */
	    "region = eu-wset-1\n"			/* 3 */
	    "\n"					/* 4 */
	    "[endpoint home]\n"				/* 5 */
	    "launch_template = " LT "\n"		/* 6 */
	    "instnace_types = t4g.nano\n"		/* 7 */
	    "max_instances = 9\n"			/* 8 */
	    "max_instances = 2\n"			/* 9 */
	    "  ; another comment\n"			/* 10 */
	    "wireguard_cidr = 10.8.0.1/24\n"		/* 11 */
	    "[controller]\n"				/* 12 */
	    "sqs_wait = 1 minute\n";			/* 13 */
	static const char want[] =
	    "t.conf:3: invalid region 'eu-wset-1': expected a region like eu-west-1\n"
	    "t.conf:7: unknown key 'instnace_types' in [endpoint]\n"
	    "t.conf:8: max_instances '9' out of range (1 to 4)\n"
	    "t.conf:9: duplicate key 'max_instances' in [endpoint], first set on line 8\n"
	    "t.conf:11: invalid wireguard_cidr '10.8.0.1/24': host bits set, did you "
	    "mean 10.8.0.0/24?\n"
	    "t.conf:13: invalid duration '1 minute' for sqs_wait: use a number with a "
	    "unit ms, s, m, h or d\n"
	    "t.conf:2: missing required key 'queue_url' in [aws]\n";
	char *err = NULL;
	struct desired *d = parse(text, &err);

	T_OK(d == NULL, "no config");
	T_EQ_STR(err, want);
	desired_free(d);
	free(err);
}

/* More than 100 errors: the first 100 and one line saying so. */
static void
test_too_many_errors(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *err = NULL, *last;
	struct desired *d;
	size_t lines = 0;
	int i;

	fputs(AWS EP, f);
	for (i = 0; i < 150; i++)
		fputs("bogus\n", f);
	fclose(f);
	d = parse(text, &err);
	T_OK(d == NULL, "no config");
	for (last = err; last && *last; last++)
		lines += *last == '\n';
	T_EQ_INT(lines, 101);
	last = err ? strstr(err, "t.conf:106: too many") : NULL;
	T_EQ_STR(last, "t.conf:106: too many errors, only the first 100 are listed\n");
	free(err);
	free(text);
}

static void
test_line_limits(void)
{
	char *text = malloc(8192), *err = NULL;
	struct desired *d;
	size_t n;

	/* 4096 bytes is fine (a comment), 4097 is not */
	n = (size_t)snprintf(text, 8192, "%s%s#", AWS, EP);
	memset(text + n, 'x', 4095);
	strcpy(text + n + 4095, "\n");
	d = parse(text, &err);
	T_OK(d != NULL, "a 4096-byte line is accepted");
	T_EQ_STR(err, NULL);
	desired_free(d);
	free(err);

	strcpy(text + n + 4095, "x\n");
	d = parse(text, &err);
	T_OK(d == NULL, "a 4097-byte line is refused");
	T_EQ_STR(err, "t.conf:6: line too long: 4097 bytes, at most 4096\n");
	desired_free(d);
	free(err);
	free(text);

	/* a NUL byte inside a line */
	{
		static const char nul[] = AWS EP "max_instances = 2\0junk\n";

		d = desired_parse_string("t.conf", nul, sizeof(nul) - 1, &err);
		T_OK(d == NULL, "a NUL byte is refused");
		T_EQ_STR(err, "t.conf:6: line contains a NUL byte\n");
		desired_free(d);
		free(err);
	}
}

static void
test_crlf_bom(void)
{
	static const char crlf[] =
	    "[aws]\r\nregion = eu-west-1\r\nqueue_url = " QURL "\r\n"
	    "[endpoint vpn]\r\nlaunch_template = " LT "\r\nsubnets = subnet-0123abcd, "
	    "subnet-0123abce\r\n";
	char *err = NULL;
	struct desired *d = parse(crlf, &err);

	T_OK(d != NULL, "CRLF accepted");
	T_EQ_STR(err, NULL);
	if (d != NULL) {
		T_EQ_STR(d->queue_url, QURL);
		T_EQ_INT(d->n_subnets, 2);
		T_EQ_STR(d->subnets[1], "subnet-0123abce");
	}
	desired_free(d);
	free(err);

	d = parse("\xef\xbb\xbf" AWS EP, &err);
	T_OK(d != NULL, "a UTF-8 BOM at the start is accepted");
	T_EQ_STR(err, NULL);
	desired_free(d);
	free(err);

	/* ...only at the start of the file */
	d = parse(AWS "\xef\xbb\xbf" EP, &err);
	T_OK(d == NULL, "a BOM later is an error");
	T_EQ_STR(err, "t.conf:4: expected 'key = value' or '[section]', got "
	    "'\\xef\\xbb\\xbf[endpoint vpn]'\n"
	    "t.conf:5: unknown key 'launch_template' in [aws], it belongs in [endpoint]\n"
	    "t.conf:0: missing [endpoint NAME] section\n");
	desired_free(d);
	free(err);
}

/* Accepted spellings and their values. */
static void
test_values(void)
{
	static const char text[] = AWS
	    "profile = stingy\n"
	    "[controller]\n"
	    "listen =\n"
	    "describe_interval = 45\n"
	    "sqs_wait = 20000ms\n"
	    "health_max_age = 1d\n"
	    EP
	    "enabled = Off\n"
	    "wait_ready = TRUE\n"
	    "launch_template_version = 12\n"
	    "instance_types =  t4g.nano ,t4g.micro,  c7gn.metal ,u-6tb1.metal\n"
	    "subnets =\n"
	    "rebalance = mark\n"
	    "\t  max_instances\t=\t4  \n"
	    "[alerts]\n"
	    "sns_topic = arn:aws-us-gov:sns:us-gov-west-1:123456789012:stingy.fifo\n";
	char *err = NULL;
	struct desired *d = parse(text, &err);

	T_OK(d != NULL, "parses");
	T_EQ_STR(err, NULL);
	if (d == NULL) {
		free(err);
		return;
	}
	T_EQ_STR(d->profile, "stingy");
	T_EQ_STR(d->listen, "off");
	T_EQ_INT(d->describe_interval_ms, 45000);
	T_EQ_INT(d->sqs_wait_ms, 20000);
	T_EQ_INT(d->health_max_age_ms, 86400000);
	T_EQ_INT(d->enabled, 0);
	T_EQ_INT(d->wait_ready, 1);
	T_EQ_STR(d->launch_template_version, "12");
	T_EQ_INT(d->n_instance_types, 4);
	T_EQ_STR(d->instance_types[0], "t4g.nano");
	T_EQ_STR(d->instance_types[1], "t4g.micro");
	T_EQ_STR(d->instance_types[2], "c7gn.metal");
	T_EQ_STR(d->instance_types[3], "u-6tb1.metal");
	T_EQ_INT(d->n_subnets, 0);
	T_EQ_INT(d->rebalance, REBALANCE_MARK);
	T_EQ_INT(d->max_instances, 4);
	T_EQ_STR(d->sns_topic, "arn:aws-us-gov:sns:us-gov-west-1:123456789012:stingy.fifo");
	desired_free(d);
}

static void
test_listen_forms(void)
{
	static const struct { const char *v; int ok; } cases[] = {
		{ "127.0.0.1:9851", 1 }, { "0.0.0.0:80", 1 }, { "localhost:9851", 1 },
		{ "[::1]:9851", 1 }, { "[fe80::1]:1", 1 }, { "off", 1 },
		{ "OFF", 0 }, { ":9851", 0 }, { "host:", 0 }, { "host:09851", 0 },
		{ "[::1]9851", 0 }, { "[]:80", 0 }, { "a b:80", 0 }, { "1.2.3:80", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], *err = NULL;
		struct desired *d;

		snprintf(text, sizeof(text), AWS EP "[controller]\nlisten = %s\n", cases[i].v);
		d = parse(text, &err);
		T_OK((d != NULL) == cases[i].ok, "listen '%s': %s", cases[i].v,
		    err ? err : "accepted");
		if (d != NULL)
			T_EQ_STR(d->listen, cases[i].v);
		desired_free(d);
		free(err);
	}
}

static void
test_queue_urls(void)
{
	static const struct { const char *v; int ok; } cases[] = {
		{ QURL, 1 }, { "http://127.0.0.1:5000/123456789012/stingy-events", 1 },
		{ "http://localhost:4566/000000000000/q", 1 },
		{ "https://sqs.eu-west-1.amazonaws.com/", 0 }, { "https://h/a b", 0 },
		{ "HTTPS://h/q", 0 }, { "https://h\x7f/q", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], *err = NULL;
		struct desired *d;

		snprintf(text, sizeof(text), EP "[aws]\nregion = eu-west-1\n"
		    "queue_url = %s\n", cases[i].v);
		d = parse(text, &err);
		T_OK((d != NULL) == cases[i].ok, "queue_url '%s': %s", cases[i].v,
		    err ? err : "accepted");
		desired_free(d);
		free(err);
	}
}

static void
test_durations(void)
{
	static const struct { const char *s; long long ms; } cases[] = {
		{ "500ms", 500 }, { "30s", 30000 }, { "5m", 300000 }, { "2h", 7200000 },
		{ "1d", 86400000 }, { "45", 45000 }, { "0", 0 }, { "0ms", 0 },
		{ "-1", -1 }, { "1.5s", -1 }, { "5 minutes", -1 }, { "5 m", -1 },
		{ "5S", -1 }, { "5min", -1 }, { " 5s", -1 }, { "", -1 }, { "s", -1 },
		{ "+5s", -1 }, { "0x10s", -1 }, { "5ms5", -1 },
		/* fits in 64 bits: out of range for every key, not a syntax error */
		{ "99999999999d", 8639999999913600000LL },
		/* overflow */
		{ "999999999999d", -1 }, { "99999999999999999999", -1 },
		{ "9223372036854775807ms", 9223372036854775807LL },
		{ "9223372036854775808ms", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got = desired_parse_duration(cases[i].s);

		T_OK(got == cases[i].ms, "duration '%s': %lld, want %lld", cases[i].s,
		    got, cases[i].ms);
	}
	T_EQ_INT(desired_parse_duration(NULL), -1);
}

static void
test_validators(void)
{
	static const struct { const char *s; int ok; } regions[] = {
		{ "eu-west-1", 1 }, { "us-east-1", 1 }, { "ap-northeast-1", 1 },
		{ "ap-southeast-7", 1 }, { "ca-central-1", 1 }, { "cn-northwest-1", 1 },
		{ "us-gov-west-1", 1 }, { "us-iso-east-1", 1 }, { "us-isob-east-1", 1 },
		{ "eusc-de-east-1", 1 }, { "il-central-1", 1 }, { "me-south-12", 1 },
		{ "eu-wset-1", 0 }, { "eu-west", 0 }, { "eu-west-1a", 0 }, { "EU-west-1", 0 },
		{ "eu-west-0", 0 }, { "eu-west-01", 0 }, { "eu-west-100", 0 }, { "e-west-1", 0 },
		{ "europe-west-1", 0 }, { "eu--west-1", 0 }, { "eu-west-1-", 0 },
		{ "us-gov-x-west-1", 0 }, { "", 0 }, { "-", 0 }, { "eu-west-1 ", 0 },
	};
	static const struct { const char *s; int ok; } cidrs[] = {
		{ "10.8.0.0/24", 1 }, { "10.0.0.0/8", 1 }, { "192.168.7.4/30", 1 },
		{ "172.16.0.0/12", 1 }, { "10.8.0.1/24", 0 }, { "10.8.0.0/7", 0 },
		{ "10.8.0.0/31", 0 }, { "10.8.0.0/024", 0 }, { "10.08.0.0/24", 0 },
		{ "256.8.0.0/24", 0 }, { "10.8.0.0", 0 }, { "10.8.0.0/", 0 },
		{ "10.8.0.0/24 ", 0 }, { "10.8.0.0.0/24", 0 }, { "fd00::/64", 0 },
		{ "10.8.0.0/99999999999", 0 }, { "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		T_OK(desired_valid_region(regions[i].s) == regions[i].ok, "region '%s'",
		    regions[i].s);
	for (i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++)
		T_OK(desired_valid_cidr(cidrs[i].s) == cidrs[i].ok, "cidr '%s'", cidrs[i].s);
}

/* parse(print(d)) == d, and print is a fixed point. */
static void
round_trip(const char *what, const struct desired *d)
{
	char *s1 = desired_print(d), *s2 = NULL, *err = NULL;
	struct desired *d2 = NULL;

	T_OK(s1 != NULL, "%s: printed", what);
	if (s1 == NULL)
		return;
	d2 = desired_parse_string("printed", s1, strlen(s1), &err);
	T_OK(d2 != NULL, "%s: printed form parses: %s", what, err ? err : "");
	T_OK(desired_equal(d, d2), "%s: round trip is equal", what);
	if (d2 != NULL) {
		s2 = desired_print(d2);
		T_EQ_STR(s2, s1);
	}
	free(s1);
	free(s2);
	free(err);
	desired_free(d2);
}

static void
test_example(void)
{
	char *err = NULL;
	struct desired *d = desired_load("config/desired.conf.example", &err);

	T_OK(d != NULL, "the example parses");
	T_EQ_STR(err, NULL);
	if (d == NULL) {
		free(err);
		return;
	}
	T_EQ_STR(d->endpoint, "home");
	T_EQ_INT(d->n_instance_types, 2);
	T_EQ_INT(d->n_subnets, 2);
	round_trip("example", d);
	desired_free(d);
}

static void
test_fixtures(void)
{
	char *err = NULL;
	struct desired *d = desired_load("tests/fixtures/conf/full.conf", &err);

	T_OK(d != NULL, "full.conf parses");
	T_EQ_STR(err, NULL);
	if (d != NULL) {
		T_EQ_STR(d->profile, "stingy-home");
		T_EQ_STR(d->elastic_ip, "eipalloc-0a1b2c3d4e5f60718");
		T_EQ_STR(d->sns_topic, "arn:aws:sns:ap-northeast-1:123456789012:stingy-vpn");
		T_EQ_STR(d->listen, "[::1]:9851");
		T_EQ_INT(d->sqs_wait_ms, 10000);
		T_EQ_INT(d->ready_timeout_ms, 90000);
		T_EQ_INT(d->capacity_cooldown_ms, 5400000);
		T_EQ_INT(d->alert_interval_ms, 150000);
		T_EQ_INT(d->n_subnets, 3);
		T_EQ_INT(d->rebalance, REBALANCE_MARK);
		T_EQ_INT(d->enabled, 0);
		T_EQ_INT(d->wait_ready, 0);
		round_trip("full.conf", d);
	}
	desired_free(d);
	free(err);

	d = desired_load("tests/fixtures/conf/minimal.conf", &err);
	T_OK(d != NULL, "minimal.conf parses");
	T_EQ_STR(err, NULL);
	if (d != NULL)
		round_trip("minimal.conf", d);
	desired_free(d);
	free(err);

	d = desired_load("tests/fixtures/conf/errors.conf", &err);
	T_OK(d == NULL, "errors.conf is refused");
	T_EQ_STR(err,
	    "tests/fixtures/conf/errors.conf:4: invalid region 'eu-wset-1': expected a "
	    "region like eu-west-1\n"
	    "tests/fixtures/conf/errors.conf:5: invalid queue_url 'sqs.eu-west-1.amazonaws.com/q': "
	    "expected an https:// or http:// url\n"
	    "tests/fixtures/conf/errors.conf:8: invalid duration '5 minutes' for "
	    "describe_interval: use a number with a unit ms, s, m, h or d\n"
	    "tests/fixtures/conf/errors.conf:11: unknown key 'instnace_types' in [endpoint]\n"
	    "tests/fixtures/conf/errors.conf:12: invalid subnet 'subnet-XYZ' in subnets\n"
	    "tests/fixtures/conf/errors.conf:13: duplicate key 'launch_template' in "
	    "[endpoint], first set on line 10\n"
	    "tests/fixtures/conf/errors.conf:15: only one [endpoint] section is supported\n"
	    "tests/fixtures/conf/errors.conf:19: unknown key 'zone' in [dns]\n"
	    "tests/fixtures/conf/errors.conf:22: max_interruptions_per_day '0' out of "
	    "range (1 to 100)\n");
	desired_free(d);
	free(err);
}

/* Every optional key set, every value away from its default. */
#define CFZ	"0123456789abcdef0123456789abcdef"
#define CFR	"fedcba9876543210fedcba9876543210"
#define CF	"[dns]\nprovider = cloudflare\nname = vpn.example.com\nzone_id = " CFZ "\n" \
		"token_parameter = /stingy-vpn/cloudflare-token\n"

static void
test_dns(void)
{
	static const struct {
		const char *text, *errors;
	} bad[] = {
		{ AWS EP "[dns]\nprovider = bind\n",
		  "t.conf:7: invalid value 'bind' for provider: use none, cloudflare or route53\n" },
		{ AWS EP "[dns]\nprovider = cloudflare\n",
		  "t.conf:6: missing required key 'name' in [dns] (provider = cloudflare)\n"
		  "t.conf:6: missing required key 'zone_id' in [dns] (provider = cloudflare)\n"
		  "t.conf:6: missing required key 'token_parameter' in [dns] (provider = "
		  "cloudflare): the SSM SecureString that holds the API token\n" },
		{ AWS EP "[dns]\nname = vpn.example.com\n",
		  "t.conf:7: name in [dns] needs a provider: set provider = cloudflare or route53\n" },
		{ AWS EP CF "ttl = 30\n",
		  "t.conf:11: invalid ttl 30 for cloudflare: use 1 (automatic) or 60 to 86400 seconds\n" },
		{ AWS EP CF "ttl = 86401\n",
		  "t.conf:11: ttl '86401' out of range (1 to 86400)\n" },
		{ AWS EP CF "record_id = " CFR "\ncreate = yes\n",
		  "t.conf:12: create = yes and record_id exclude each other: a record with an id exists\n" },
		{ AWS EP CF "record_id = 123\n",
		  "t.conf:11: invalid record_id '123': expected 32 lowercase hex digits\n" },
		{ AWS EP "[dns]\nprovider = cloudflare\nname = vpn.example.com\nzone_id = Z123\n"
		  "token_parameter = /t\n",
		  "t.conf:9: invalid zone_id for cloudflare: a zone id is 32 lowercase hex digits\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = vpn.example.com\nzone_id = " CFZ "\n",
		  "t.conf:9: invalid zone_id for route53: a hosted zone id is upper-case letters "
		  "and digits, like Z0123456789ABCDEFGHIJ\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = vpn.example.com\nzone_id = Z1\n"
		  "token_parameter = /t\ncreate = yes\n",
		  "t.conf:11: create applies to provider = cloudflare only\n"
		  "t.conf:10: token_parameter applies to provider = cloudflare only\n" },
		{ AWS EP CF "name = vpn.example.com.\n",
		  "t.conf:11: duplicate key 'name' in [dns], first set on line 8\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = vpn.example.com.\nzone_id = Z1\n",
		  "t.conf:8: invalid name 'vpn.example.com.': expected a name like vpn.example.com, "
		  "without a trailing dot\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = localhost\nzone_id = Z1\n",
		  "t.conf:8: invalid name 'localhost': expected a name like vpn.example.com: "
		  "labels of 1 to 63 letters, digits, '-' or '_'\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = a..b\nzone_id = Z1\n",
		  "t.conf:8: invalid name 'a..b': expected a name like vpn.example.com: "
		  "labels of 1 to 63 letters, digits, '-' or '_'\n" },
		{ AWS EP "[dns]\nprovider = route53\nname = -a.b\nzone_id = Z1\n",
		  "t.conf:8: invalid name '-a.b': expected a name like vpn.example.com: "
		  "labels of 1 to 63 letters, digits, '-' or '_'\n" },
		{ AWS EP CF "api_url = http://api.example.com/client/v4\n",
		  "t.conf:11: invalid api_url 'http://api.example.com/client/v4': expected an "
		  "https:// url (http:// only to 127.0.0.1, localhost or [::1])\n" },
		{ AWS EP CF "api_url = https://api.cloudflare.com/client/v4/\n",
		  "t.conf:11: invalid api_url 'https://api.cloudflare.com/client/v4/': expected "
		  "an url like https://api.cloudflare.com/client/v4, no trailing '/', query or "
		  "fragment\n" },
		{ AWS EP CF "token_parameter = /x\n",
		  "t.conf:11: duplicate key 'token_parameter' in [dns], first set on line 10\n" },
	};
	char *err = NULL, *printed;
	struct desired *d, *d2;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = parse(bad[i].text, &err);
		T_OK(d == NULL, "dns case %zu refused", i);
		T_EQ_STR(err, bad[i].errors);
		desired_free(d);
		free(err);
		err = NULL;
	}

	d = parse(AWS EP CF "api_url = http://127.0.0.1:8443/client/v4\nttl = 1\ncreate = yes\n", &err);
	T_OK(d != NULL, "cloudflare parses");
	T_EQ_STR(err, NULL);
	if (d != NULL) {
		T_EQ_INT(d->dns_provider, DNS_CLOUDFLARE);
		T_EQ_STR(d->dns_name, "vpn.example.com");
		T_EQ_STR(d->dns_zone_id, CFZ);
		T_EQ_STR(d->dns_record_id, NULL);
		T_EQ_INT(d->dns_create, 1);
		T_EQ_INT(d->dns_ttl, 1);
		T_EQ_STR(d->dns_token_parameter, "/stingy-vpn/cloudflare-token");
		T_EQ_STR(d->dns_api_url, "http://127.0.0.1:8443/client/v4");
		printed = desired_print(d);
		d2 = printed ? parse(printed, &err) : NULL;
		T_OK(d2 != NULL && desired_equal(d, d2), "cloudflare round trip: %s",
		    err ? err : "");
		T_OK(printed && strstr(printed, "[dns]\nprovider = cloudflare\n"),
		    "printed provider");
		free(printed);
		desired_free(d2);
		free(err);
		err = NULL;
	}
	desired_free(d);

	d = parse(AWS EP "[dns]\nprovider = route53\nname = Vpn.Example.org\n"
	    "zone_id = /hostedzone/Z0123456789ABCDEFGHIJ\nttl = 300\n", &err);
	T_OK(d != NULL, "route53 parses");
	T_EQ_STR(err, NULL);
	if (d != NULL) {
		T_EQ_INT(d->dns_provider, DNS_ROUTE53);
		T_EQ_INT(d->dns_ttl, 300);
		T_EQ_STR(d->dns_api_url, DESIRED_CF_API);
		T_EQ_STR(desired_dns_provider_name(d->dns_provider), "route53");
	}
	desired_free(d);
	free(err);
	err = NULL;

	d = parse(AWS EP, &err);
	T_OK(d != NULL && d->dns_provider == DNS_NONE && d->dns_ttl == 60,
	    "no [dns]: provider none, ttl 60");
	desired_free(d);
	free(err);
}

static void
test_round_trip_all_set(void)
{
	static const char text[] =
	    "[aws]\nregion = us-gov-west-1\nprofile = p.1\n"
	    "queue_url = http://127.0.0.1:5000/123456789012/q\n"
	    "[controller]\nstate_db = /tmp/x y/state.db\nlisten = [::]:1\n"
	    "describe_interval = 90s\nsqs_wait = 1s\nhealth_max_age = 1500ms\n"
	    "[endpoint a-1]\nenabled = 0\nlaunch_template = lt-0123456789abcdef0\n"
	    "launch_template_version = $Default\n"
	    "instance_types = t4g.small,t3a.nano\n"
	    "subnets = subnet-01234567,subnet-0123456789abcdef0\n"
	    "max_instances = 1\nlaunch_budget = 20\n"
	    "elastic_ip = eipalloc-01234567\nssm_prefix = /a/b_c.d-e\n"
	    "wireguard_cidr = 192.168.64.0/18\nwait_ready = off\n"
	    "ready_timeout = 1801000ms\nrebalance = mark\ncapacity_cooldown = 25h\n"
	    "[alerts]\nsns_topic = arn:aws:sns:eu-west-1:123456789012:alerts\n"
	    "max_interruptions_per_day = 100\nalert_interval = 61s\n";
	char *err = NULL;
	struct desired *d = parse(text, &err);

	/* two deliberate range errors first, then the valid version */
	T_EQ_STR(err,
	    "t.conf:10: health_max_age '1500ms' out of range (30s to 1d)\n"
	    "t.conf:23: ready_timeout '1801000ms' out of range (30s to 30m)\n"
	    "t.conf:25: capacity_cooldown '25h' out of range (1m to 1d)\n");
	desired_free(d);
	free(err);
	err = NULL;
	{
		char fixed[sizeof(text) + 32], *p;

		strcpy(fixed, text);
		p = strstr(fixed, "1500ms");
		memcpy(p, "1501s ", 6);
		p = strstr(fixed, "1801000ms");
		memcpy(p, "1799001ms", 9);
		p = strstr(fixed, "25h");
		memcpy(p, "23h", 3);
		d = parse(fixed, &err);
	}
	T_OK(d != NULL, "all set parses");
	T_EQ_STR(err, NULL);
	if (d != NULL) {
		T_EQ_STR(d->state_db, "/tmp/x y/state.db");
		T_EQ_INT(d->health_max_age_ms, 1501000);
		T_EQ_INT(d->ready_timeout_ms, 1799001);
		T_EQ_INT(d->alert_interval_ms, 61000);
		round_trip("all set", d);
	}
	desired_free(d);
	free(err);
}

/* ---- [peer NAME] and the keys for client configs ---- */

#define K1	"aYdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUCk="
#define K2	"OyE87QA+ibNaJsIsvQEcm/qylXhBWyBp9/yLAZmLkD0="
#define K3	"5Cu/hTP08LHUTn/ByaxUpqw2hkLdG4oQoXdSVe7Qwxo="
/* K1 with bits past the 256th set: not canonical */
#define K1_BAD	"aYdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUCl="
#define WG_WHY	"expected a WireGuard key: 44 base64 characters ending in '=', " \
	"as wg pubkey prints it"
/* 3 lines from 6 */
#define PEER_A	"[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2\n"

static void
test_peers(void)
{
	static const char text[] = AWS EP
	    "server_public_key = " K3 "\n"
	    "client_dns = 9.9.9.9, 149.112.112.112\n"
	    "wireguard_port = 443\n"
	    "\n"
	    "# the phones\n"
	    "[peer zoe]\n"
	    "address = 10.8.0.9/32\n"
	    "public_key = " K2 "\n"
	    "keepalive = 0\n"
	    "[peer alice-2]\n"
	    "public_key = " K1 "\n"
	    "address = 10.8.0.254\n";
	char *err = NULL, *s;
	struct desired *d = parse(text, &err);
	const char *tail;

	T_OK(d != NULL, "peers parse: %s", err ? err : "");
	if (d == NULL) {
		free(err);
		return;
	}
	T_EQ_STR(d->server_public_key, K3);
	T_EQ_INT(d->n_client_dns, 2);
	T_EQ_STR(d->client_dns[1], "149.112.112.112");
	T_EQ_INT(d->wireguard_port, 443);
	T_EQ_INT(d->n_peers, 2);
	/* sorted by name */
	T_EQ_STR(d->peers[0].name, "alice-2");
	T_EQ_STR(d->peers[0].public_key, K1);
	T_EQ_STR(d->peers[0].address, "10.8.0.254");
	T_EQ_INT(d->peers[0].keepalive, -1);
	T_EQ_STR(d->peers[1].name, "zoe");
	T_EQ_STR(d->peers[1].address, "10.8.0.9");	/* "/32" dropped */
	T_EQ_INT(d->peers[1].keepalive, 0);
	T_OK(desired_find_peer(d, "zoe") == &d->peers[1], "find zoe");
	T_OK(desired_find_peer(d, "bob") == NULL, "no bob");
	s = desired_print(d);
	tail = s ? strstr(s, "\n[peer ") : NULL;
	T_EQ_STR(tail, "\n[peer alice-2]\npublic_key = " K1 "\naddress = 10.8.0.254\n"
	    "# keepalive =\n\n[peer zoe]\npublic_key = " K2 "\naddress = 10.8.0.9\n"
	    "keepalive = 0\n");
	T_OK(s && strstr(s, "\nwireguard_port = 443\nserver_public_key = " K3
	    "\nclient_dns = 9.9.9.9, 149.112.112.112\n\n[alerts]"), "%s", s);
	free(s);
	round_trip("peers", d);
	desired_free(d);

	/* an empty client_dns: no DNS line in client configs, and printed as "client_dns =" */
	d = parse(AWS EP "client_dns =\nserver_public_key =\n", &err);
	T_OK(d != NULL && d->n_client_dns == 0 && d->server_public_key == NULL,
	    "empty client_dns");
	if (d != NULL) {
		s = desired_print(d);
		T_OK(s && strstr(s, "\n# server_public_key =\nclient_dns =\n"), "%s", s);
		free(s);
		round_trip("empty client_dns", d);
	}
	desired_free(d);
	/* the peers may come before [endpoint], whose network then applies */
	d = parse("[peer a]\npublic_key = " K1 "\naddress = 192.168.7.2\n" AWS EP
	    "wireguard_cidr = 192.168.7.0/24\n", &err);
	T_OK(d != NULL, "peers first: %s", err ? err : "");
	desired_free(d);
	free(err);
}

static const struct err_case peer_err_cases[] = {
	{ AWS EP "[peer Alice]\npublic_key = " K1 "\naddress = 10.8.0.2\n",
	  "t.conf:6: invalid peer name 'Alice': use 1 to 32 of a-z, 0-9 and '-'\n" },
	{ AWS EP "[peer a23456789012345678901234567890123]\n",
	  "t.conf:6: invalid peer name 'a23456789012345678901234567890123': use 1 to 32 "
	  "of a-z, 0-9 and '-'\n" },
	{ AWS EP "[peer]\npublic_key = " K1 "\n",
	  "t.conf:6: section [peer] needs a name: [peer NAME]\n" },
	{ AWS EP PEER_A "[peer a]\npublic_key = " K2 "\naddress = 10.8.0.3\n",
	  "t.conf:9: duplicate section [peer a], first on line 6\n" },
	{ AWS EP PEER_A "allowed_ips = 10.8.0.2/32\n",
	  "t.conf:9: unknown key 'allowed_ips' in [peer a]\n" },
	{ AWS EP PEER_A "preshared_key_parameter = /stingy-vpn/psk\n",
	  "t.conf:9: unknown key 'preshared_key_parameter' in [peer a]\n" },
	{ AWS EP PEER_A "region = eu-west-1\n",
	  "t.conf:9: unknown key 'region' in [peer a], it belongs in [aws]\n" },
	{ AWS EP PEER_A "public_key = " K2 "\n",
	  "t.conf:9: duplicate key 'public_key' in [peer a], first set on line 7\n" },
	{ AWS EP "[peer a]\naddress = 10.8.0.2\n",
	  "t.conf:6: missing required key 'public_key' in [peer a]\n" },
	{ AWS EP "[peer a]\n[peer b]\nkeepalive = 25\n",
	  "t.conf:6: missing required key 'public_key' in [peer a]\n"
	  "t.conf:6: missing required key 'address' in [peer a]\n"
	  "t.conf:7: missing required key 'public_key' in [peer b]\n"
	  "t.conf:7: missing required key 'address' in [peer b]\n" },
	{ AWS EP "[peer a]\npublic_key = " K1_BAD "\naddress = 10.8.0.2\n",
	  "t.conf:7: invalid public_key '" K1_BAD "': " WG_WHY "\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "x\naddress = 10.8.0.2\n",
	  "t.conf:7: invalid public_key '" K1 "x': " WG_WHY "\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2/24\n",
	  "t.conf:8: invalid address '10.8.0.2/24': a peer has one address, a /32: "
	  "write 10.8.0.2 or 10.8.0.2/32\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 010.8.0.2\n",
	  "t.conf:8: invalid address '010.8.0.2': expected an IPv4 address like "
	  "10.8.0.2 (or 10.8.0.2/32)\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2.5/32\n",
	  "t.conf:8: invalid address '10.8.0.2.5/32': expected an IPv4 address like "
	  "10.8.0.2 (or 10.8.0.2/32)\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = fd00::2\n",
	  "t.conf:8: invalid address 'fd00::2': expected an IPv4 address like "
	  "10.8.0.2 (or 10.8.0.2/32)\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.9.0.2\n",
	  "t.conf:8: address 10.9.0.2 of [peer a] is outside wireguard_cidr 10.8.0.0/24\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.0\n",
	  "t.conf:8: address 10.8.0.0 of [peer a] is the network address of "
	  "wireguard_cidr 10.8.0.0/24\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.255\n",
	  "t.conf:8: address 10.8.0.255 of [peer a] is the broadcast address of "
	  "wireguard_cidr 10.8.0.0/24\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.1/32\n",
	  "t.conf:8: address 10.8.0.1 of [peer a] is the server's address (the first "
	  "host) in wireguard_cidr 10.8.0.0/24\n" },
	{ PEER_A AWS EP "wireguard_cidr = 10.99.0.0/16\n",
	  "t.conf:3: address 10.8.0.2 of [peer a] is outside wireguard_cidr 10.99.0.0/16\n" },
	{ AWS EP PEER_A "keepalive = 65536\n",
	  "t.conf:9: invalid keepalive '65536': out of range (0 to 65535 seconds)\n" },
	{ AWS EP PEER_A "keepalive = 25s\n",
	  "t.conf:9: invalid keepalive '25s': expected a number of seconds, 0 to 65535\n" },
	{ AWS EP PEER_A "keepalive =\n",
	  "t.conf:9: empty value for key 'keepalive'\n" },
	{ AWS EP "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2 # phone\n",
	  "t.conf:8: comment after the value of 'address': put comments on lines of "
	  "their own\n" },
	{ AWS EP PEER_A "[peer b]\npublic_key = " K1 "\naddress = 10.8.0.3\n",
	  "t.conf:10: public_key of [peer b] is also that of [peer a] (line 7)\n" },
	{ AWS EP PEER_A "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.2/32\n",
	  "t.conf:11: address 10.8.0.2 of [peer b] is also that of [peer a] (line 8)\n" },
	{ AWS EP PEER_A "[peer b]\npublic_key = " K1 "\naddress = 10.8.0.2\n"
	  "[peer c]\npublic_key = " K1 "\naddress = 10.9.0.2\n",
	  "t.conf:10: public_key of [peer b] is also that of [peer a] (line 7)\n"
	  "t.conf:11: address 10.8.0.2 of [peer b] is also that of [peer a] (line 8)\n"
	  "t.conf:14: address 10.9.0.2 of [peer c] is outside wireguard_cidr 10.8.0.0/24\n"
	  "t.conf:13: public_key of [peer c] is also that of [peer a] (line 7)\n"
	  "t.conf:13: public_key of [peer c] is also that of [peer b] (line 10)\n" },
	/* the [endpoint] keys for client configs */
	{ AWS EP "server_public_key = abc\n",
	  "t.conf:6: invalid server_public_key 'abc': " WG_WHY "\n" },
	{ AWS EP "client_dns = 1.1.1.1, 8.8.8\n",
	  "t.conf:6: invalid IPv4 address '8.8.8' in client_dns\n" },
	{ AWS EP "wireguard_port = 0\n",
	  "t.conf:6: wireguard_port '0' out of range (1 to 65535)\n" },
	{ AWS EP "wireguard_port = 65536\n",
	  "t.conf:6: wireguard_port '65536' out of range (1 to 65535)\n" },
};

static void
test_peer_errors(void)
{
	struct buf b;
	char key[48], *err = NULL;
	struct desired *d;

	for (size_t i = 0; i < sizeof(peer_err_cases) / sizeof(peer_err_cases[0]); i++) {
		err = NULL;
		d = parse(peer_err_cases[i].text, &err);
		T_OK(d == NULL, "peer case %zu: no config on error", i);
		T_EQ_STR(err, peer_err_cases[i].errors);
		desired_free(d);
		free(err);
	}
	/* 64 peers, then a 65th */
	buf_init(&b, 64 * 1024);
	buf_adds(&b, AWS EP);
	for (int i = 0; i < 65; i++) {
		snprintf(key, sizeof(key), "%c%c%s", 'A' + i % 26, 'a' + i / 26, &K1[2]);
		buf_addf(&b, "[peer p%d]\npublic_key = %s\naddress = 10.8.0.%d\n", i,
		    key, i + 2);
	}
	err = NULL;
	d = parse(buf_str(&b), &err);
	T_EQ_STR(err, "t.conf:198: too many [peer] sections: at most 64\n");
	desired_free(d);
	free(err);
	*strstr(b.data, "[peer p64]") = '\0';
	err = NULL;
	d = parse(b.data, &err);
	T_OK(d != NULL && d->n_peers == 64, "64 peers: %s", err ? err : "");
	if (d != NULL)
		round_trip("64 peers", d);
	desired_free(d);
	free(err);
	buf_free(&b);
}

static void
test_peers_equal(void)
{
	const char *text = AWS EP "server_public_key = " K3 "\n" PEER_A
	    "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.3\n";
	struct desired *a = parse(text, NULL), *b = parse(text, NULL);
	char *saved;

	T_OK(a && b && desired_equal(a, b), "equal");
	if (!a || !b)
		goto done;
#define FLIP(field, v) do { __typeof__(b->field) o_ = b->field; b->field = (v); \
	T_OK(!desired_equal(a, b), "%s differs", #field); b->field = o_; \
	T_OK(desired_equal(a, b), "%s restored", #field); } while (0)
	FLIP(wireguard_port, 1);
	FLIP(server_public_key, K1);
	FLIP(server_public_key, NULL);
	FLIP(n_client_dns, 0);
	FLIP(n_peers, 1);
	FLIP(peers[1].keepalive, 25);
	FLIP(peers[1].address, "10.8.0.4");
	FLIP(peers[1].public_key, K1);
	FLIP(peers[0].name, "c");
#undef FLIP
	saved = b->client_dns[0];
	b->client_dns[0] = "8.8.8.8";
	T_OK(!desired_equal(a, b), "client_dns[0] differs");
	b->client_dns[0] = saved;
	T_OK(desired_equal(a, b), "restored");
done:
	desired_free(a);
	desired_free(b);
}

/* desired_equal looks at every field: change each in turn. */
static void
test_equal(void)
{
	struct desired *a = parse(AWS EP, NULL), *b = parse(AWS EP, NULL);
	char *saved;

	T_OK(a && b, "parsed");
	if (!a || !b)
		goto done;
	T_OK(desired_equal(a, b), "same input, equal");
	T_OK(desired_equal(a, a), "reflexive");
	T_OK(!desired_equal(a, NULL), "not equal to NULL");
	T_OK(desired_equal(NULL, NULL), "NULL equals NULL");
#define FLIP(field, v) do { __typeof__(b->field) o_ = b->field; b->field = (v); \
	T_OK(!desired_equal(a, b), "%s differs", #field); b->field = o_; \
	T_OK(desired_equal(a, b), "%s restored", #field); } while (0)
	FLIP(describe_interval_ms, 1);
	FLIP(sqs_wait_ms, 1);
	FLIP(health_max_age_ms, 1);
	FLIP(enabled, false);
	FLIP(n_instance_types, 0);
	FLIP(max_instances, 1);
	FLIP(launch_budget, 1);
	FLIP(wait_ready, false);
	FLIP(ready_timeout_ms, 1);
	FLIP(rebalance, REBALANCE_MARK);
	FLIP(capacity_cooldown_ms, 1);
	FLIP(max_interruptions_per_day, 1);
	FLIP(alert_interval_ms, 1);
	FLIP(region, "us-east-1");
	FLIP(profile, "x");
	FLIP(queue_url, "x");
	FLIP(state_db, "x");
	FLIP(listen, "x");
	FLIP(endpoint, "x");
	FLIP(launch_template, "x");
	FLIP(launch_template_version, "x");
	FLIP(elastic_ip, "x");
	FLIP(ssm_prefix, "x");
	FLIP(wireguard_cidr, "x");
	FLIP(sns_topic, "x");
#undef FLIP
	saved = b->instance_types[0];
	b->instance_types[0] = "t4g.micro";
	T_OK(!desired_equal(a, b), "instance_types[0] differs");
	b->instance_types[0] = saved;
	b->subnets[0] = "subnet-01234567";
	b->n_subnets = 1;
	T_OK(!desired_equal(a, b), "subnets differ");
	b->subnets[0] = NULL;
	b->n_subnets = 0;
	T_OK(desired_equal(a, b), "restored");
done:
	desired_free(a);
	desired_free(b);
}

/* The incremental interface, as the fuzzer and a streaming reader use it. */
static void
test_incremental(void)
{
	static const char *const lines[] = {
		"[aws]", "region = eu-west-1", "queue_url = " QURL,
		"[endpoint vpn]", "launch_template = " LT, "max_instances = 3",
	};
	struct desired_parser *p = desired_parse_init("inc.conf");
	struct desired *d;
	char *err = NULL;
	size_t i;

	T_OK(p != NULL, "init");
	if (p == NULL)
		return;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		desired_parse_line(p, lines[i], strlen(lines[i]));
	d = desired_parse_finish(p, &err);
	T_OK(d != NULL, "parsed");
	T_EQ_STR(err, NULL);
	if (d != NULL)
		T_EQ_INT(d->max_instances, 3);
	desired_free(d);

	/* errors may be NULL: the caller only wants yes or no */
	p = desired_parse_init("inc.conf");
	desired_parse_line(p, "bogus", 5);
	T_OK(desired_parse_finish(p, NULL) == NULL, "refused without an error string");

	/* a line given with its length, not NUL-terminated */
	p = desired_parse_init(NULL);
	desired_parse_line(p, "[aws]xxxx", 5);
	desired_parse_line(p, "region = eu-west-1junk", 18);
	d = desired_parse_finish(p, &err);
	T_EQ_STR(err, "desired.conf:1: missing required key 'queue_url' in [aws]\n"
	    "desired.conf:0: missing [endpoint NAME] section\n");
	desired_free(d);
	free(err);
}

static void
test_load_errors(void)
{
	char *err = NULL;
	struct desired *d = desired_load("/nonexistent/desired.conf", &err);

	T_OK(d == NULL, "missing file");
	T_EQ_STR(err, "/nonexistent/desired.conf: cannot read: No such file or directory\n");
	free(err);

	d = desired_load("tests/fixtures/conf", &err);
	T_OK(d == NULL, "a directory");
	T_EQ_STR(err, "tests/fixtures/conf: cannot read: Is a directory\n");
	free(err);

	/* past 1 MiB the file is refused before parsing */
	{
		char path[] = "/tmp/test_desired.XXXXXX", want[128];
		int fd = mkstemp(path);
		FILE *f = fd == -1 ? NULL : fdopen(fd, "w");
		size_t i;

		T_OK(f != NULL, "temporary file");
		if (f == NULL)
			return;
		for (i = 0; i < 1024 * 1024 / 8 + 1; i++)
			fputs("#######\n", f);
		fclose(f);
		d = desired_load(path, &err);
		T_OK(d == NULL, "a large file");
		snprintf(want, sizeof(want), "%s: cannot read: larger than 1048576 bytes\n",
		    path);
		T_EQ_STR(err, want);
		free(err);
		unlink(path);
	}
}

int
main(void)
{
	T_RUN(test_minimal);
	T_RUN(test_defaults);
	T_RUN(test_print_minimal);
	T_RUN(test_errors);
	T_RUN(test_many_errors);
	T_RUN(test_too_many_errors);
	T_RUN(test_line_limits);
	T_RUN(test_crlf_bom);
	T_RUN(test_values);
	T_RUN(test_listen_forms);
	T_RUN(test_queue_urls);
	T_RUN(test_durations);
	T_RUN(test_validators);
	T_RUN(test_example);
	T_RUN(test_fixtures);
	T_RUN(test_dns);
	T_RUN(test_round_trip_all_set);
	T_RUN(test_equal);
	T_RUN(test_incremental);
	T_RUN(test_load_errors);
	T_RUN(test_peers);
	T_RUN(test_peer_errors);
	T_RUN(test_peers_equal);
	return t_done("test_desired");
}
