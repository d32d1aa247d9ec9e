/*
 * stingy-vpn: command dispatch. Parses the command line and calls the
 * module that does the work; decides nothing itself.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costcmd.h"
#include "daemon.h"
#include "desired.h"
#include "initcmd.h"
#include "log.h"
#include "peercmd.h"
#include "statuscmd.h"

#define DEFAULT_CONF DESIRED_DEFAULT_PATH

static const char usage_text[] =
"usage: stingy-vpn [--help] [--version] COMMAND [OPTIONS]\n"
"\n"
"Keeps one WireGuard VPN instance on an EC2 spot instance alive.\n"
"\n"
"commands:\n"
"  run   [-c FILE] [-v]   run the controller daemon in the foreground\n"
"  check [-c FILE]        check desired.conf; print it normalised, or list\n"
"                         every error as FILE:LINE: message and exit 1\n"
"  status [-c FILE] [--json] [--url URL]\n"
"                         the running daemon's status: endpoint, primary,\n"
"                         replacement, events, interruptions, last errors\n"
"  init  --stack NAME [--region REGION] [--profile PROFILE] [-c FILE|-]\n"
"        [--force] [--state-db PATH] [--listen ADDR]\n"
"                         write desired.conf from a CloudFormation stack's\n"
"                         outputs (checked by the config parser first);\n"
"                         an existing FILE only with --force\n"
"  keys init [-c FILE] [--force]\n"
"                         make the server's WireGuard key pair: private key\n"
"                         into SSM, public key into desired.conf\n"
"  peer add NAME [-c FILE] [--endpoint HOST] [--out FILE] [--png FILE]\n"
"           [--no-qr]     a new client: key pair, address, [peer NAME], its\n"
"                         config (./NAME.conf, 0600) and a QR code\n"
"  peer remove NAME [-c FILE]   peer list [-c FILE]\n"
"  cost  [-c FILE] [--data-gb N] [--json]\n"
"                         what the endpoint costs a month: current spot\n"
"                         prices, IPv4, EBS, data; on-demand compared\n"
"  version                print the version\n"
"\n"
"options:\n"
"  -c, --config FILE      desired.conf (default $STINGY_VPN_CONF, else\n"
"                         " DEFAULT_CONF ")\n"
"  -v, --verbose          debug logging (run)\n"
"  -h, --help             this text\n"
"\n"
"AWS credentials come from the environment, the shared credentials and\n"
"config files (AWS_PROFILE, credential_process) as with the AWS CLI.\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

static const char *
default_conf(void)
{
	const char *e = getenv("STINGY_VPN_CONF");

	return e && *e ? e : DEFAULT_CONF;
}

/* parse_common: -c and -v for a subcommand; returns 0, or 2 on bad usage. */
static int
parse_common(int argc, char **argv, const char **conf, int *verbose)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			*conf = optarg;
			break;
		case 'v':
			(*verbose)++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stingy-vpn %s: unexpected argument '%s'\n",
		    argv[0], argv[optind]);
		return 2;
	}
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	const char *conf = default_conf();
	int verbose = 0, rc;
	struct desired *d;
	char *errors = NULL, *out;

	if ((rc = parse_common(argc, argv, &conf, &verbose)) != 0)
		return rc;
	if ((d = desired_load(conf, &errors)) == NULL) {
		fputs(errors ? errors : "desired.conf: invalid\n", stderr);
		free(errors);
		return 1;
	}
	free(errors);
	if ((out = desired_print(d)) == NULL) {
		desired_free(d);
		fprintf(stderr, "stingy-vpn check: out of memory\n");
		return 1;
	}
	fputs(out, stdout);
	free(out);
	desired_free(d);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	struct daemon_opts o = { .conf_path = default_conf() };
	int rc;

	if ((rc = parse_common(argc, argv, &o.conf_path, &o.verbose)) != 0)
		return rc;
	log_init(o.verbose, -1);
	return daemon_run(&o);
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("stingy-vpn %s\n", STINGY_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return statuscmd_main(argc - 1, argv + 1);
	if (strcmp(cmd, "init") == 0)
		return initcmd_main(argc - 1, argv + 1);
	if (strcmp(cmd, "keys") == 0)
		return peercmd_keys_main(argc - 1, argv + 1);
	if (strcmp(cmd, "peer") == 0)
		return peercmd_main(argc - 1, argv + 1);
	if (strcmp(cmd, "cost") == 0)
		return costcmd_main(argc - 1, argv + 1);
	fprintf(stderr, "stingy-vpn: unknown command '%s' (try --help)\n", cmd);
	return 2;
}
