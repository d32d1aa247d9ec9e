/*
 * test_cost: the monthly cost model (controller/cost.c) with exact
 * micro-dollar figures worked out by hand in the comments, its two
 * renderings (the text table byte for byte, the JSON read back with
 * json-c), money formatting, and costcmd's --data-gb reader.
 *
 * The prices are those of tests/fixtures/spotprice/ (eu-west-1, $/h):
 *            eu-west-1a  eu-west-1b  eu-west-1c
 *  t4g.nano   0.0017      0.0016      0.0019
 *  t4g.micro  0.0034      0.0032      0.0038
 * and the constants cost.h documents: 730 h a month, IPv4 $0.005/h,
 * gp3 $0.08/GB-month x 8 GiB, data out $0.09/GB past 100 GB, SQS
 * 240/h x 730 = 175 200 requests (free below 1M); on-demand t4g.nano
 * $0.0046/h and t4g.micro $0.0092/h in eu-west-1.
 */
#include <json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cost.h"
#include "costcmd.h"
#include "desired.h"
#include "spotprice.h"
#include "t.h"

static const struct spotprice fixture_prices[] = {
	{ "t4g.nano", "Linux/UNIX", "eu-west-1a", 1700, 1796049067 },
	{ "t4g.nano", "Linux/UNIX", "eu-west-1b", 1600, 1795989941 },
	{ "t4g.nano", "Linux/UNIX", "eu-west-1c", 1900, 1796095072 },
	{ "t4g.micro", "Linux/UNIX", "eu-west-1a", 3400, 1796032093 },
	{ "t4g.micro", "Linux/UNIX", "eu-west-1b", 3200, 1795886550 },
	{ "t4g.micro", "Linux/UNIX", "eu-west-1c", 3800, 1796107209 },
};
#define NFIX (sizeof(fixture_prices) / sizeof(fixture_prices[0]))

static const char *const nano_micro[] = { "t4g.nano", "t4g.micro" };

/* base: the fixture, eu-west-1, nano then micro, every zone, EIP, SNS, 10 GB. */
static struct cost_input
base(void)
{
	struct cost_input in;

	memset(&in, 0, sizeof(in));
	in.region = "eu-west-1";
	in.endpoint = "vpn";
	in.types = nano_micro;
	in.ntypes = 2;
	in.prices = fixture_prices;
	in.nprices = NFIX;
	in.enabled = 1;
	in.elastic_ip = 1;
	in.sns = 1;
	in.data_gb = COST_DEFAULT_DATA_GB;
	return in;
}

static void
test_usd(void)
{
	char b[32];

	T_EQ_STR(cost_usd(1387000, 2, b, sizeof(b)), "1.39");
	T_EQ_STR(cost_usd(1600, 4, b, sizeof(b)), "0.0016");
	T_EQ_STR(cost_usd(5000, 3, b, sizeof(b)), "0.005");
	T_EQ_STR(cost_usd(0, 2, b, sizeof(b)), "0.00");
	T_EQ_STR(cost_usd(4999, 2, b, sizeof(b)), "0.00");
	T_EQ_STR(cost_usd(5000, 2, b, sizeof(b)), "0.01");	/* half up */
	T_EQ_STR(cost_usd(-5000, 2, b, sizeof(b)), "-0.01");	/* half away from 0 */
	T_EQ_STR(cost_usd(-4999, 2, b, sizeof(b)), "0.00");	/* no "-0.00" */
	T_EQ_STR(cost_usd(1995000, 2, b, sizeof(b)), "2.00");	/* carries */
	T_EQ_STR(cost_usd(123456789, 6, b, sizeof(b)), "123.456789");
	T_EQ_STR(cost_usd(1500000, 0, b, sizeof(b)), "2");
	T_EQ_STR(cost_usd(1450, 4, b, sizeof(b)), "0.0015");
	T_EQ_STR(cost_usd(1449, 4, b, sizeof(b)), "0.0014");
	T_EQ_STR(cost_usd(INT64_MIN, 2, b, sizeof(b)),
	    "-9223372036854.78");
	T_EQ_STR(cost_usd(INT64_MAX, 2, b, sizeof(b)),
	    "9223372036854.78");
}

static void
test_on_demand(void)
{
	T_EQ_INT(cost_on_demand("t4g.nano", "us-east-1"), 4200);
	T_EQ_INT(cost_on_demand("t4g.nano", "eu-west-1"), 4600);
	T_EQ_INT(cost_on_demand("t4g.micro", "us-east-1"), 8400);
	T_EQ_INT(cost_on_demand("t4g.micro", "eu-west-1"), 9200);
	T_EQ_INT(cost_on_demand("t4g.small", "eu-west-1"), -1);
	T_EQ_INT(cost_on_demand("t4g.nano", "ap-south-1"), -1);
	T_EQ_INT(cost_on_demand(NULL, "eu-west-1"), -1);
}

static void
test_fixture(void)
{
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	/* the first type, t4g.nano, at its dearest zone: eu-west-1c $0.0019 */
	T_EQ_STR(e.run.type, "t4g.nano");
	T_EQ_STR(e.run.az, "eu-west-1c");
	T_EQ_INT(e.run.micro, 1900);
	T_EQ_INT(e.run_low, 1600);
	T_EQ_INT(e.nzones, 3);
	T_EQ_INT(e.run_is_first, 1);
	T_EQ_INT(e.run_is_running, 0);
	T_EQ_INT(e.all_zones, 1);
	/* 1900 * 730 = 1 387 000 */
	T_EQ_INT(e.line[COST_INSTANCE].micro, 1387000);
	T_EQ_INT(e.line[COST_INSTANCE].in_total, 1);
	/* the cheapest pool: t4g.nano eu-west-1b, 1600 * 730 = 1 168 000, not counted */
	T_EQ_STR(e.cheapest.type, "t4g.nano");
	T_EQ_STR(e.cheapest.az, "eu-west-1b");
	T_EQ_INT(e.line[COST_CHEAPEST].micro, 1168000);
	T_EQ_INT(e.line[COST_CHEAPEST].in_total, 0);
	/* 5000 * 730 = 3 650 000 */
	T_EQ_INT(e.line[COST_IPV4].micro, 3650000);
	/* 8 * 80 000 = 640 000 */
	T_EQ_INT(e.line[COST_EBS].micro, 640000);
	/* 10 GB <= 100 GB free */
	T_EQ_INT(e.line[COST_DATA].micro, 0);
	/* 240 * 730 = 175 200 < 1 000 000 */
	T_EQ_INT(e.sqs_requests, 175200);
	T_EQ_INT(e.line[COST_SQS].micro, 0);
	T_EQ_INT(e.line[COST_SSM].micro, 0);
	T_EQ_INT(e.line[COST_EVENTBRIDGE].micro, 0);
	T_EQ_INT(e.line[COST_SNS].micro, 0);
	T_EQ_INT(e.line[COST_CLOUDWATCH].micro, 0);
	/* 1 387 000 + 3 650 000 + 640 000 = 5 677 000 ($5.68) */
	T_EQ_INT(e.total, 5677000);
	/*
	 * on-demand t4g.nano eu-west-1: 4600 * 730 = 3 358 000;
	 * 5 677 000 - 1 387 000 + 3 358 000 = 7 648 000 ($7.65);
	 * saved 1 971 000 / 7 648 000 = 25.77% -> 26;
	 * the instance alone (4600 - 1900) / 4600 = 58.70% -> 59
	 */
	T_EQ_INT(e.od_known, 1);
	T_EQ_INT(e.od_hourly, 4600);
	T_EQ_INT(e.od_total, 7648000);
	T_EQ_INT(e.save_pct, 26);
	T_EQ_INT(e.save_instance_pct, 59);
	T_EQ_STR(e.od_note, "");
	/* the newest price: t4g.micro eu-west-1c, 2026-12-01T06:40:09Z */
	T_EQ_INT(e.prices_at, 1796107209);
	T_EQ_INT(e.nprices, 6);
	T_EQ_STR(e.line[COST_INSTANCE].basis, "t4g.nano spot, up to $0.0019/h "
	    "(eu-west-1c; from $0.0016) x 730 h");
	T_EQ_STR(e.line[COST_IPV4].basis, "1 Elastic IP x $0.005/h x 730 h");
	cost_free(&e);
	T_OK(e.prices == NULL && e.nprices == 0, "freed");
	cost_free(NULL);
}

static void
test_zones_data_no_eip(void)
{
	static const char *const micro_nano[] = { "t4g.micro", "t4g.nano" };
	static const char *const zones[] = { "eu-west-1a", "eu-west-1b" };
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	in.types = micro_nano;
	in.azs = zones;
	in.nazs = 2;
	in.elastic_ip = 0;
	in.data_gb = 250;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	/* t4g.micro first, dearest of 1a/1b: 3400 * 730 = 2 482 000 */
	T_EQ_STR(e.run.type, "t4g.micro");
	T_EQ_STR(e.run.az, "eu-west-1a");
	T_EQ_INT(e.run_low, 3200);
	T_EQ_INT(e.nzones, 2);
	T_EQ_INT(e.all_zones, 0);
	T_EQ_INT(e.nprices, 4);		/* eu-west-1c left out */
	T_EQ_INT(e.line[COST_INSTANCE].micro, 2482000);
	/* cheapest of the four: t4g.nano eu-west-1b, 1 168 000 */
	T_EQ_INT(e.line[COST_CHEAPEST].micro, 1168000);
	/* an auto-assigned address costs the same 3 650 000 */
	T_EQ_INT(e.line[COST_IPV4].micro, 3650000);
	T_EQ_STR(e.line[COST_IPV4].basis,
	    "1 auto-assigned address x $0.005/h x 730 h");
	/* (250 - 100) * 90 000 = 13 500 000 */
	T_EQ_INT(e.line[COST_DATA].micro, 13500000);
	T_EQ_STR(e.line[COST_DATA].basis,
	    "250 GB - 100 GB free = 150 GB x $0.09/GB");
	/* 2 482 000 + 3 650 000 + 640 000 + 13 500 000 = 20 272 000 */
	T_EQ_INT(e.total, 20272000);
	/*
	 * on-demand t4g.micro: 9200 * 730 = 6 716 000;
	 * 20 272 000 - 2 482 000 + 6 716 000 = 24 506 000;
	 * 4 234 000 / 24 506 000 = 17.28% -> 17; (9200 - 3400) / 9200 = 63.04% -> 63
	 */
	T_EQ_INT(e.od_total, 24506000);
	T_EQ_INT(e.save_pct, 17);
	T_EQ_INT(e.save_instance_pct, 63);
	cost_free(&e);

	/* exactly the free 100 GB: still 0; 101 GB: 90 000 */
	in.data_gb = 100;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.line[COST_DATA].micro, 0);
	cost_free(&e);
	in.data_gb = 101;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.line[COST_DATA].micro, 90000);
	cost_free(&e);
}

static void
test_fallback_type(void)
{
	static const char *const small_nano[] = { "t4g.small", "t4g.nano" };
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	in.types = small_nano;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	/* no price for t4g.small: the next type, t4g.nano, at 1900 */
	T_EQ_STR(e.run.type, "t4g.nano");
	T_EQ_INT(e.run_is_first, 0);
	T_EQ_INT(e.line[COST_INSTANCE].micro, 1387000);
	T_OK(strstr(e.line[COST_INSTANCE].basis, "; no price for t4g.small") !=
	    NULL, "basis says so: %s", e.line[COST_INSTANCE].basis);
	/* t4g.micro is not configured: its prices are not considered */
	T_EQ_INT(e.nprices, 3);
	cost_free(&e);
}

static void
test_running(void)
{
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	in.running_type = "t4g.micro";
	in.running_az = "eu-west-1b";
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	/* exactly the running pool: 3200 * 730 = 2 336 000 */
	T_EQ_INT(e.run_is_running, 1);
	T_EQ_STR(e.run.az, "eu-west-1b");
	T_EQ_INT(e.line[COST_INSTANCE].micro, 2336000);
	/* 2 336 000 + 3 650 000 + 640 000 */
	T_EQ_INT(e.total, 6626000);
	T_EQ_STR(e.line[COST_INSTANCE].basis,
	    "t4g.micro spot in eu-west-1b (running), $0.0032/h x 730 h");
	cost_free(&e);

	/* a running pool without a price: the rule for every zone */
	in.running_az = "eu-west-1z";
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.run_is_running, 0);
	T_EQ_INT(e.line[COST_INSTANCE].micro, 1387000);
	cost_free(&e);
}

static void
test_no_price(void)
{
	static const struct spotprice windows[] = {
		{ "t4g.nano", "Windows", "eu-west-1a", 100, 1 },
		{ "t4g.nano", "SUSE Linux", "eu-west-1a", 100, 1 },
		{ "t4g.small", "Linux/UNIX", "eu-west-1a", 100, 1 },
	};
	static const char *const zone_z[] = { "eu-west-1z" };
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	in.prices = windows;
	in.nprices = 3;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
	T_EQ_STR(err, "no spot price for t4g.nano, t4g.micro in eu-west-1");
	T_OK(e.prices == NULL, "left empty");
	in.prices = NULL;
	in.nprices = 0;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
	in = base();
	in.azs = zone_z;
	in.nazs = 1;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
	T_EQ_STR(err, "no spot price for t4g.nano, t4g.micro in eu-west-1 "
	    "(in the zones given)");
	in = base();
	in.data_gb = -1;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
	in.data_gb = COST_MAX_DATA_GB + 1;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
	in = base();
	in.ntypes = 0;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), -1);
}

static void
test_disabled(void)
{
	struct cost_input in = base();
	struct cost_estimate e;
	char err[256] = "";

	in.enabled = 0;
	in.prices = NULL;
	in.nprices = 0;
	/* no instance, no volume; the idle Elastic IP: 3 650 000 */
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.line[COST_INSTANCE].micro, 0);
	T_EQ_INT(e.line[COST_EBS].micro, 0);
	T_EQ_INT(e.line[COST_IPV4].micro, 3650000);
	T_EQ_STR(e.line[COST_IPV4].basis,
	    "the idle Elastic IP x $0.005/h x 730 h");
	T_EQ_INT(e.total, 3650000);
	T_EQ_INT(e.od_known, 0);
	T_EQ_STR(e.od_note, "no instance while enabled = no");
	cost_free(&e);
	in.elastic_ip = 0;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.total, 0);
	cost_free(&e);
}

static void
test_unknown_on_demand(void)
{
	static const struct spotprice mumbai[] = {
		{ "t4g.nano", "Linux/UNIX", "ap-south-1a", 1100, 5 },
	};
	static const struct spotprice dear[] = {
		{ "t4g.nano", "Linux/UNIX", "eu-west-1a", 5000, 5 },
	};
	struct cost_input in = base();
	struct cost_estimate e;
	struct buf b;
	char err[256] = "";

	in.region = "ap-south-1";
	in.prices = mumbai;
	in.nprices = 1;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	/* 1100 * 730 = 803 000 + 3 650 000 + 640 000 */
	T_EQ_INT(e.total, 5093000);
	T_EQ_INT(e.od_known, 0);
	T_EQ_STR(e.od_note, "on-demand price unknown for t4g.nano in "
	    "ap-south-1");
	T_EQ_STR(e.line[COST_INSTANCE].basis,
	    "t4g.nano spot in ap-south-1a, $0.0011/h x 730 h");
	buf_init(&b, 65536);
	T_EQ_INT(cost_format_text(&e, &b), 0);
	T_OK(strstr(buf_str(&b), "\non-demand price unknown for t4g.nano in "
	    "ap-south-1\n") != NULL, "said in the text");
	buf_reset(&b);
	T_EQ_INT(cost_format_json(&e, &b), 0);
	T_OK(strstr(buf_str(&b), "\"on_demand\":{\"known\":false,\"note\":"
	    "\"on-demand price unknown for t4g.nano in ap-south-1\"}") != NULL,
	    "said in the JSON");
	cost_free(&e);

	/*
	 * spot dearer than on-demand: 5000 * 730 = 3 650 000 + 3 650 000 +
	 * 640 000 = 7 940 000 against 7 648 000: (7 648 000 - 7 940 000) /
	 * 7 648 000 = -3.82% -> -4
	 */
	in = base();
	in.prices = dear;
	in.nprices = 1;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.total, 7940000);
	T_EQ_INT(e.save_pct, -4);
	buf_reset(&b);
	T_EQ_INT(cost_format_text(&e, &b), 0);
	T_OK(strstr(buf_str(&b), "on-demand would be $7.65 (spot costs 4% more "
	    "right now)\n") != NULL, "said: %s", buf_str(&b));
	cost_free(&e);
	buf_free(&b);
}

static const char expected_text[] =
"stingy-vpn cost: endpoint vpn in eu-west-1, spot prices as of 2026-12-01 06:40 UTC\n"
"item         basis                                                               $/month\n"
"instance     t4g.nano spot, up to $0.0019/h (eu-west-1c; from $0.0016) x 730 h      1.39\n"
"cheapest     t4g.nano in eu-west-1b, $0.0016/h x 730 h (not in the total)           1.17\n"
"public IPv4  1 Elastic IP x $0.005/h x 730 h                                        3.65\n"
"EBS          8 GiB gp3 root volume x $0.08/GB-month                                 0.64\n"
"data out     10 GB; the first 100 GB/month are free                                 0.00\n"
"SQS          175200 requests (240/h x 730 h); the first 1M/month are free           0.00\n"
"SSM          standard parameters and API calls: free                                0.00\n"
"EventBridge  AWS service events to the queue: free                                  0.00\n"
"SNS          alert e-mails, rate-limited; the first 1000/month are free             0.00\n"
"CloudWatch   not used                                                               0.00\n"
"total                                                                               5.68\n"
"on-demand would be $7.65 (you save 26%; the instance alone 59%)\n"
"\n"
"spot prices: Linux/UNIX, current, in every zone AWS answered for\n"
"(the subnets' zones are not looked up). A month is 730 h.\n"
"IPv4, EBS and data at us-east-1/eu-west-1 list prices; the free 100 GB/month\n"
"of data out is the whole account's, all regions together.\n";

static void
test_text(void)
{
	struct cost_input in = base();
	struct cost_estimate e;
	struct buf b;
	char err[256] = "";

	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	buf_init(&b, 65536);
	T_EQ_INT(cost_format_text(&e, &b), 0);
	T_EQ_STR(buf_str(&b), expected_text);
	buf_free(&b);
	/* a cap too small: -1 */
	buf_init(&b, 100);
	T_EQ_INT(cost_format_text(&e, &b), -1);
	buf_free(&b);
	cost_free(&e);
}

static json_object *
J(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static long long
JI(json_object *o, const char *key)
{
	return (long long)json_object_get_int64(J(o, key));
}

static const char *
JS(json_object *o, const char *key)
{
	return J(o, key) ? json_object_get_string(J(o, key)) : NULL;
}

static void
test_json(void)
{
	struct spotprice odd[NFIX];
	struct cost_input in = base();
	struct cost_estimate e;
	json_object *o, *items, *sp, *it, *od;
	struct buf b;
	char err[256] = "";
	size_t i;

	/* a hostile zone name from AWS stays a JSON string */
	memcpy(odd, fixture_prices, sizeof(odd));
	snprintf(odd[0].az, sizeof(odd[0].az), "eu-\"west\\1a\n");
	in.prices = odd;
	T_EQ_INT(cost_estimate(&in, &e, err, sizeof(err)), 0);
	buf_init(&b, 65536);
	T_EQ_INT(cost_format_json(&e, &b), 0);
	T_OK(b.len > 0 && b.data[b.len - 1] == '\n', "ends with a newline");
	o = json_tokener_parse(buf_str(&b));
	T_OK(o != NULL, "valid JSON: %s", buf_str(&b));
	T_EQ_STR(JS(o, "endpoint"), "vpn");
	T_EQ_STR(JS(o, "region"), "eu-west-1");
	T_EQ_STR(JS(o, "currency"), "USD");
	T_EQ_INT(JI(o, "hours_per_month"), 730);
	T_EQ_INT(JI(o, "data_gb"), 10);
	T_EQ_INT(JI(o, "sqs_requests_per_month"), 175200);
	T_EQ_STR(JS(o, "prices_at"), "2026-12-01T06:40:09Z");
	T_EQ_INT(JI(o, "total_micro_usd_per_month"), 5677000);
	T_EQ_STR(JS(o, "total_usd_per_month"), "5.68");
	T_EQ_STR(JS(J(o, "instance"), "instance_type"), "t4g.nano");
	T_EQ_STR(JS(J(o, "instance"), "availability_zone"), "eu-west-1c");
	T_EQ_INT(JI(J(o, "instance"), "micro_usd_per_hour"), 1900);
	T_EQ_STR(JS(J(o, "instance"), "usd_per_hour"), "0.0019");
	T_EQ_INT(JI(J(o, "instance"), "zones"), 3);
	T_EQ_INT(JI(J(o, "instance"), "low_micro_usd_per_hour"), 1600);
	T_OK(json_object_get_boolean(J(J(o, "instance"), "first_type")),
	    "first type");
	T_EQ_STR(JS(J(o, "cheapest"), "availability_zone"), "eu-west-1b");
	T_EQ_INT(JI(J(o, "cheapest"), "micro_usd_per_hour"), 1600);
	od = J(o, "on_demand");
	T_OK(json_object_get_boolean(J(od, "known")), "on-demand known");
	T_EQ_INT(JI(od, "micro_usd_per_hour"), 4600);
	T_EQ_INT(JI(od, "total_micro_usd_per_month"), 7648000);
	T_EQ_STR(JS(od, "total_usd_per_month"), "7.65");
	T_EQ_INT(JI(od, "save_percent"), 26);
	T_EQ_INT(JI(od, "instance_save_percent"), 59);
	items = J(o, "items");
	T_EQ_INT(items ? json_object_array_length(items) : 0, COST_NITEMS);
	for (i = 0; items && i < json_object_array_length(items); i++) {
		it = json_object_array_get_idx(items, i);
		T_EQ_STR(JS(it, "item"), e.line[i].item);
		T_EQ_STR(JS(it, "basis"), e.line[i].basis);
		T_EQ_INT(JI(it, "micro_usd_per_month"), e.line[i].micro);
		T_EQ_INT(json_object_get_boolean(J(it, "in_total")),
		    e.line[i].in_total);
	}
	sp = J(o, "spot_prices");
	T_EQ_INT(sp ? json_object_array_length(sp) : 0, 6);
	/* sorted by type, zone: t4g.micro first; the odd zone sorts first of nano */
	it = sp ? json_object_array_get_idx(sp, 3) : NULL;
	T_EQ_STR(JS(it, "availability_zone"), "eu-\"west\\1a\n");
	T_EQ_INT(JI(it, "micro_usd_per_hour"), 1700);
	T_EQ_STR(JS(it, "usd_per_hour"), "0.0017");
	T_EQ_STR(JS(it, "timestamp"), "2026-11-30T14:31:07Z");
	T_EQ_STR(JS(it, "product"), "Linux/UNIX");
	json_object_put(o);
	buf_free(&b);
	cost_free(&e);
}

static void
test_desired(void)
{
	static const char conf[] =
	    "[aws]\nregion = eu-west-1\n"
	    "queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n"
	    "[endpoint home]\nlaunch_template = lt-0123456789abcdef0\n"
	    "instance_types = t4g.micro, t4g.nano\n";
	struct cost_estimate e;
	struct desired *d;
	char *errors = NULL, err[256] = "";

	d = desired_parse_string("t", conf, strlen(conf), &errors);
	T_OK(d != NULL, "config parses: %s", errors ? errors : "");
	free(errors);
	if (d == NULL)
		return;
	T_EQ_INT(cost_estimate_desired(d, fixture_prices, NFIX, NULL, NULL, 10,
	    &e, err, sizeof(err)), 0);
	T_EQ_STR(e.endpoint, "home");
	T_EQ_STR(e.region, "eu-west-1");
	/* t4g.micro first, dearest zone 1c: 3800 * 730 = 2 774 000 */
	T_EQ_STR(e.run.type, "t4g.micro");
	T_EQ_INT(e.line[COST_INSTANCE].micro, 2774000);
	T_EQ_STR(e.line[COST_IPV4].basis,
	    "1 auto-assigned address x $0.005/h x 730 h");
	T_EQ_STR(e.line[COST_SNS].basis, "no sns_topic: not used");
	/* 2 774 000 + 3 650 000 + 640 000 */
	T_EQ_INT(e.total, 7064000);
	cost_free(&e);
	/* as the daemon calls it: the running instance's pool */
	T_EQ_INT(cost_estimate_desired(d, fixture_prices, NFIX, "t4g.nano",
	    "eu-west-1b", 10, &e, err, sizeof(err)), 0);
	T_EQ_INT(e.line[COST_INSTANCE].micro, 1168000);
	T_EQ_INT(e.run_is_running, 1);
	cost_free(&e);
	desired_free(d);
}

static void
test_parse_gb(void)
{
	static const char *const bad[] = { "", "-1", "1.5", "10GB", " 10",
	    "10 ", "1000001", "99999999999999999999999", "0x10", "1e3" };
	long long gb = -7;
	size_t i;

	T_EQ_INT(costcmd_parse_gb("10", &gb), 0);
	T_EQ_INT(gb, 10);
	T_EQ_INT(costcmd_parse_gb("0", &gb), 0);
	T_EQ_INT(gb, 0);
	T_EQ_INT(costcmd_parse_gb("1000000", &gb), 0);
	T_EQ_INT(gb, 1000000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gb = -7;
		T_OK(costcmd_parse_gb(bad[i], &gb) == -1, "refused '%s'", bad[i]);
		T_EQ_INT(gb, -7);
	}
	T_EQ_INT(costcmd_parse_gb(NULL, &gb), -1);
}

int
main(void)
{
	T_RUN(test_usd);
	T_RUN(test_on_demand);
	T_RUN(test_fixture);
	T_RUN(test_zones_data_no_eip);
	T_RUN(test_fallback_type);
	T_RUN(test_running);
	T_RUN(test_no_price);
	T_RUN(test_disabled);
	T_RUN(test_unknown_on_demand);
	T_RUN(test_text);
	T_RUN(test_json);
	T_RUN(test_desired);
	T_RUN(test_parse_gb);
	return t_done("test_cost");
}
