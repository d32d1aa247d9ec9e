/*
 * costcmd: `stingy-vpn cost`. Reads desired.conf, fetches the current spot
 * prices on a private event base (as initcmd reads its stack), runs the
 * pure model and prints the estimate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "aws.h"
#include "buf.h"
#include "cost.h"
#include "costcmd.h"
#include "desired.h"
#include "http.h"
#include "log.h"
#include "oneshot.h"
#include "spotprice.h"

/* Must match controller/main.c. */
#define DEFAULT_CONF		DESIRED_DEFAULT_PATH
#define COSTCMD_MAX_OUT		(256 * 1024)	/* bytes printed */

static const char usage_text[] =
"usage: stingy-vpn cost [-c FILE] [--data-gb N] [--json] [-v]\n"
"\n"
"Estimates what the endpoint in desired.conf costs a month: the current\n"
"spot price of its instance types (EC2 DescribeSpotPriceHistory), the\n"
"public IPv4 address, the root volume, data out, SQS and the rest, and\n"
"what on-demand would cost instead.\n"
"\n"
"  -c, --config FILE      desired.conf (default $STINGY_VPN_CONF, else\n"
"                         " DEFAULT_CONF ")\n"
"  -d, --data-gb N        traffic through the VPN a month, in GB (default\n"
"                         10; the first 100 GB/month out are free)\n"
"  -j, --json             the same numbers as JSON (micro-dollars)\n"
"  -v, --verbose          debug logging\n"
"  -h, --help             this text\n"
"\n"
"exit status: 0 printed, 1 AWS failed, 2 usage or configuration error\n";

int
costcmd_parse_gb(const char *s, long long *gb)
{
	long long v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > COST_MAX_DATA_GB)
			return -1;
	}
	*gb = v;
	return 0;
}

/* ---- the prices ---- */

struct cost_fetch {
	struct event_base	*base;
	int			 done;
	int			 failed;
	struct aws_error	 err;
	struct spotprice_list	 prices;
};

static void
cost_prices_cb(const struct aws_error *err, struct spotprice_list *all,
    void *arg)
{
	struct cost_fetch *f = arg;

	f->done = 1;
	if (err != NULL) {
		f->failed = 1;
		f->err = *err;
	} else {
		f->prices = *all;	/* moved out: the adapter frees an empty one */
		memset(all, 0, sizeof(*all));
	}
	event_base_loopbreak(f->base);
}

/*
 * fetch: every current price of d's types in d's region into *f. Returns
 * 0 when the call ran to its end (f->failed says how), -1 with err when it
 * could not start (no credentials, ...).
 */
static int
cost_fetch(const struct desired *d, struct cost_fetch *f, char *err,
    size_t errlen)
{
	struct spotprice_query q;
	struct oneshot o;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (oneshot_open(&o, d->region, d->profile, err, errlen) == -1)
		goto done;
	f->base = o.base;
	memset(&q, 0, sizeof(q));
	q.types = (const char *const *)d->instance_types;
	q.ntypes = d->n_instance_types;
	q.start = time(NULL);
	if (spotprice_describe(o.aws, &q, cost_prices_cb, f) == -1) {
		snprintf(err, errlen, "ec2 DescribeSpotPriceHistory in %s: the "
		    "request could not start", d->region);
		goto done;
	}
	if (oneshot_wait(&o, &f->done, &f->err) == -1)
		f->failed = 1;
	rc = 0;
done:
	oneshot_close(&o);	/* answers a call still pending ("Cancelled") */
	f->base = NULL;
	return rc;
}

/* ---- the command ---- */

struct cost_args {
	const char	*conf;
	long long	 data_gb;
	int		 json;
	int		 verbose;
};

/* parse_args: 0, or the exit status (help: 0 after printing, with *exit_now). */
static int
cost_parse_args(int argc, char **argv, struct cost_args *a, int *exit_now)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data-gb", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = getenv("STINGY_VPN_CONF");
	int ch;

	*exit_now = 0;
	memset(a, 0, sizeof(*a));
	a->conf = conf != NULL && *conf != '\0' ? conf : DEFAULT_CONF;
	a->data_gb = COST_DEFAULT_DATA_GB;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:d:jvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			break;
		case 'd':
			if (costcmd_parse_gb(optarg, &a->data_gb) == -1) {
				fprintf(stderr, "stingy-vpn cost: --data-gb: not a "
				    "whole number of GB from 0 to %d: '%.40s'\n",
				    COST_MAX_DATA_GB, optarg);
				return 2;
			}
			break;
		case 'j':
			a->json = 1;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*exit_now = 1;
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stingy-vpn cost: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	return 0;
}

/* print: the estimate as text or JSON on stdout. */
static int
cost_print(const struct cost_estimate *e, int json)
{
	struct buf out;
	int rc = -1;

	buf_init(&out, COSTCMD_MAX_OUT);
	if ((json ? cost_format_json(e, &out) : cost_format_text(e,
	    &out)) == -1)
		fprintf(stderr, "stingy-vpn cost: the estimate does not fit in "
		    "%d bytes\n", COSTCMD_MAX_OUT);
	else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) == EOF)
		fprintf(stderr, "stingy-vpn cost: cannot write to stdout\n");
	else
		rc = 0;
	buf_free(&out);
	return rc;
}

int
costcmd_main(int argc, char **argv)
{
	struct cost_estimate e;
	struct cost_fetch f;
	struct cost_args a;
	struct desired *d = NULL;
	char err[1024], why[512], *errors = NULL;
	int rc, exit_now;

	memset(&f, 0, sizeof(f));
	memset(&e, 0, sizeof(e));
	if ((rc = cost_parse_args(argc, argv, &a, &exit_now)) != 0 || exit_now)
		return rc;
	log_init(a.verbose, 0);
	rc = 2;
	if ((d = desired_load(a.conf, &errors)) == NULL) {
		fputs(errors ? errors : "desired.conf: invalid\n", stderr);
		goto done;
	}
	if (cost_fetch(d, &f, err, sizeof(err)) == -1) {
		fprintf(stderr, "stingy-vpn cost: %s\n", err);
		goto done;
	}
	rc = 1;
	if (f.failed) {
		fprintf(stderr, "stingy-vpn cost: ec2 DescribeSpotPriceHistory "
		    "in %s: %s\n", d->region, aws_error_str(&f.err, why,
		    sizeof(why)));
		goto done;
	}
	if (cost_estimate_desired(d, f.prices.v, f.prices.n, NULL, NULL,
	    a.data_gb, &e, err, sizeof(err)) == -1) {
		fprintf(stderr, "stingy-vpn cost: ec2 DescribeSpotPriceHistory "
		    "in %s: %s (%zu prices answered)\n", d->region, err,
		    f.prices.n);
		goto done;
	}
	if (cost_print(&e, a.json) == -1)
		goto done;
	rc = 0;
done:
	cost_free(&e);
	spotprice_list_free(&f.prices);
	desired_free(d);
	free(errors);
	return rc;
}
