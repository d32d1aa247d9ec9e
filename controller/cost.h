/*
 * cost: what one endpoint costs a month, from the current spot prices and
 * desired.conf. A pure model: no clock, no network, no files; the caller
 * brings the prices (spotprice.h) and gets numbers and text back.
 *
 * All money is int64_t micro-dollars (1 USD = 1 000 000): an hourly spot
 * price of $0.0016 is 1600, a month of it 1600 * 730 = 1 168 000. Months
 * are printed with 2 decimals and hours with 4, rounded half up
 * (cost_usd()).
 *
 * The line items (struct cost_estimate.line, in this order):
 *   instance     the spot price the endpoint pays x COST_HOURS_PER_MONTH:
 *                the first of desired.conf's instance_types that has a
 *                price (the controller tries the types in that order, so
 *                the first is what usually runs), at the dearest of the
 *                zones considered (the controller takes the first subnet
 *                with capacity: the estimate does not bet on the cheap one)
 *   cheapest     the cheapest pool among every type and zone considered,
 *                for comparison; NOT in the total
 *   public IPv4  one address x $0.005/h, Elastic IP or auto-assigned alike
 *   EBS          the gp3 root volume, COST_ROOT_VOLUME_GB GiB
 *   data out     past the free COST_DATA_OUT_FREE_GB GB, x $0.09/GB
 *   SQS          COST_SQS_REQUESTS_PER_HOUR x 730 requests past the free 1M
 *   SSM, EventBridge, SNS, CloudWatch: 0 at this volume, with a note
 * "Zones considered" are the zones given (the running instance's, or the
 * subnets' when known), else every zone AWS answered a price for.
 *
 * With enabled = no there is no instance and no root volume; an Elastic IP
 * is still billed while it waits unattached.
 *
 * The on-demand comparison replaces the instance line by the on-demand
 * price of the same type in the region (a small table, cost_on_demand())
 * and keeps every other line: "on-demand would be $X (you save Y%)".
 *
 * What is not counted: the minutes two instances and two addresses overlap
 * during a replacement (a few cents a month at most), taxes, a Route 53
 * hosted zone you already pay for, regional differences of the IPv4, EBS
 * and data prices (us-east-1/eu-west-1 list prices are used everywhere).
 */
#ifndef COST_H
#define COST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct desired;
struct spotprice;

/*
 * The constants and their sources: AWS's public price pages (us-east-1 and
 * eu-west-1 list prices, USD, before tax), recorded 2026-12-01 as issue 6
 * states them; the code never fetches them. Re-check when AWS announces a
 * change, and keep README "What it costs" in step.
 */
/* AWS bills a "month" of instance, IPv4 and EBS time as 730 hours (8760 / 12). */
#define COST_HOURS_PER_MONTH		730
/* Amazon VPC pricing: every public IPv4 address, in use (attached EIP or
 * auto-assigned) or idle, $0.005/h, since 2024-02-01. */
#define COST_IPV4_MICRO_PER_HOUR	5000
/* Amazon EBS pricing: gp3 $0.08/GB-month (3000 IOPS and 125 MB/s included). */
#define COST_GP3_MICRO_PER_GB_MONTH	80000
/* deploy/stingy-vpn.yaml.in: gp3 root volume of the AMI's size, 8 GiB for AL2023. */
#define COST_ROOT_VOLUME_GB		8
/* EC2 on-demand pricing, data transfer out to the internet: $0.09/GB for
 * the first 10 TB/month, after the free tier... */
#define COST_DATA_OUT_MICRO_PER_GB	90000
/* ...of 100 GB/month, aggregated over the account's regions and services,
 * always free (AWS Free Tier, since 2021-12-01; it was 1 GB per region). */
#define COST_DATA_OUT_FREE_GB		100
/* README "Measured": 240 AWS requests an hour at rest, all counted as SQS
 * requests (180 are ReceiveMessage): an upper bound, 175 200 a month. */
#define COST_SQS_REQUESTS_PER_HOUR	240
/* Amazon SQS pricing: the first 1 million requests a month free (always),
 * then $0.40 per million standard-queue requests. */
#define COST_SQS_FREE_REQUESTS		1000000
#define COST_SQS_MICRO_PER_MILLION	400000
/* Amazon SNS pricing: the first 1000 e-mail notifications a month free;
 * alerts are rate-limited (alert_interval) far below that. */
#define COST_SNS_FREE_EMAILS		1000
/* `stingy-vpn cost` without --data-gb: traffic through the VPN a month. */
#define COST_DEFAULT_DATA_GB		10
#define COST_MAX_DATA_GB		1000000	/* --data-gb past this is a typo */

enum cost_item {
	COST_INSTANCE, COST_CHEAPEST, COST_IPV4, COST_EBS, COST_DATA,
	COST_SQS, COST_SSM, COST_EVENTBRIDGE, COST_SNS, COST_CLOUDWATCH,
	COST_NITEMS
};

struct cost_line {
	const char	*item;		/* "instance", "public IPv4", ...: static */
	char		 basis[160];	/* how the figure is made, one line */
	int64_t		 micro;		/* micro-dollars a month */
	int		 in_total;	/* 0 only for COST_CHEAPEST */
};

/* One spot pool: a type in a zone at a price. */
struct cost_pool {
	char	 type[32];
	char	 az[40];
	int64_t	 micro;		/* micro-dollars an hour; 0 when !found */
	int	 found;
};

struct cost_input {
	const char		*region;	/* "eu-west-1" */
	const char		*endpoint;	/* for the text; NULL: not named */
	const char *const	*types;		/* desired.conf's order, 1..16 */
	size_t			 ntypes;
	const char *const	*azs;		/* zones considered; 0: every zone priced */
	size_t			 nazs;
	const char		*running_type;	/* the instance running now, or NULL */
	const char		*running_az;	/* its zone, or NULL */
	const struct spotprice	*prices;	/* best after spotprice_current() */
	size_t			 nprices;
	int			 enabled;	/* desired.conf enabled */
	int			 elastic_ip;	/* elastic_ip is set */
	int			 sns;		/* sns_topic is set */
	int64_t			 data_gb;	/* data out a month, 0..COST_MAX_DATA_GB */
};

struct cost_estimate {
	char			 region[32];
	char			 endpoint[40];
	struct cost_line	 line[COST_NITEMS];
	int64_t			 total;		/* micro-dollars a month, in_total lines */
	struct cost_pool	 run;		/* the pool the instance line counts */
	int64_t			 run_low;	/* the same type's cheapest zone, an hour */
	int			 run_is_first;	/* run.type is instance_types' first */
	int			 run_is_running; /* run is the running instance's pool */
	struct cost_pool	 cheapest;
	size_t			 nzones;	/* zones with a price for run.type */
	int			 all_zones;	/* no zones given: every zone priced */
	time_t			 prices_at;	/* newest timestamp of the prices used; 0: none */
	int64_t			 data_gb;
	int64_t			 sqs_requests;	/* a month */
	/* on-demand */
	int			 od_known;
	int64_t			 od_hourly;	/* micro-dollars an hour for run.type */
	int64_t			 od_total;	/* the total with that price instead */
	int			 save_pct;	/* (od_total - total) / od_total, rounded */
	int			 save_instance_pct; /* (od_hourly - run) / od_hourly */
	char			 od_note[128];	/* why there is no comparison; "" when od_known */
	/* the prices considered (a copy), sorted as spotprice_current sorts */
	struct spotprice	*prices;
	size_t			 nprices;
};

/*
 * cost_on_demand: the on-demand Linux price of type in region from the
 * built-in table (t4g.nano and t4g.micro in us-east-1 and eu-west-1, AWS's
 * EC2 on-demand price page, recorded 2026-12-01), in micro-dollars an hour;
 * -1 when the table does not know the pair.
 */
int64_t cost_on_demand(const char *type, const char *region);

/*
 * cost_estimate: the model for in, into *out (overwritten: pass it zeroed
 * or freed). Copies the prices it considered into out->prices; the caller
 * releases them with cost_free(). Returns 0, or -1 with the reason in err
 * ("no spot price for t4g.nano, t4g.micro in eu-west-1") and *out empty:
 * when the endpoint is enabled and none of its types has a Linux price in
 * the zones considered, or in is invalid (no types, data_gb out of range).
 */
int cost_estimate(const struct cost_input *in, struct cost_estimate *out,
    char *err, size_t errlen);

/*
 * cost_estimate_desired: cost_estimate() for desired.conf d, the call the
 * daemon makes for `status` and /metrics from the prices it caches (one
 * spotprice_describe() of d's instance_types every hour or so, passed
 * through spotprice_current()). running_type and running_az name the
 * instance that runs now (from DescribeInstances: type, placement zone);
 * when its pool has a price the instance line is exactly that pool, else
 * (or with NULLs, as `stingy-vpn cost` calls it) the rule above over every
 * zone priced. Nothing of d or prices is kept. Returns as cost_estimate().
 */
int cost_estimate_desired(const struct desired *d,
    const struct spotprice *prices, size_t nprices, const char *running_type,
    const char *running_az, int64_t data_gb, struct cost_estimate *out,
    char *err, size_t errlen);

/* cost_free: releases out->prices and leaves *e empty; NULL is a no-op. */
void cost_free(struct cost_estimate *e);

/*
 * cost_usd: micro-dollars as dollars with `decimals` (0..6) decimals,
 * rounded half away from zero, into buf: 1387000 -> "1.39" (2),
 * 1600 -> "0.0016" (4). Returns buf.
 */
const char *cost_usd(int64_t micro, int decimals, char *buf, size_t len);

/*
 * cost_format_text: the table `stingy-vpn cost` prints (item, basis,
 * $/month; the total; "on-demand would be $X (you save Y%)"; the notes),
 * appended to out. cost_format_json: the same numbers as one JSON object
 * (micro-dollar integers and formatted strings) and a newline. Both return
 * 0, or -1 when out's cap is reached (out may then hold part of it).
 */
int cost_format_text(const struct cost_estimate *e, struct buf *out);
int cost_format_json(const struct cost_estimate *e, struct buf *out);

#endif
