/*
 * test_spotprice: DescribeSpotPriceHistory. The request builder, the
 * parser against the recorded answers in tests/fixtures/spotprice/ (two
 * pages shaped as AWS documents them, and moto's), the hand-made price
 * reader against good and garbage prices, malformed and hostile documents,
 * spotprice_current(), and the paging call against a fake aws_call().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "spotprice.h"
#include "t.h"
#include "fake_aws.h"

#define FIX	"tests/fixtures/spotprice/"
#define PAGE1	FIX "describe_spot_price_history_page1.xml"
#define PAGE2	FIX "describe_spot_price_history_page2.xml"
#define MOTO	FIX "describe_spot_price_history_moto.xml"
#define TOKEN	"AAEAAc2jT0b7Yx+k3/Lq0w6kAFgAAAGMjZ1bX0dG9rZW4tMQ=="
#define TOKEN_ENC "AAEAAc2jT0b7Yx%2Bk3%2FLq0w6kAFgAAAGMjZ1bX0dG9rZW4tMQ%3D%3D"

/* 2026-12-01T09:00:00Z */
#define T0	1796115600

static const char *const two_types[] = { "t4g.nano", "t4g.micro" };

#define BODY_HEAD "Action=DescribeSpotPriceHistory&Version=2016-11-15" \
	"&InstanceType.1=t4g.nano&InstanceType.2=t4g.micro" \
	"&ProductDescription.1=Linux%2FUNIX&StartTime=2026-12-01T09%3A00%3A00Z"

static char *
fixture(const char *path, size_t *len)
{
	char *s = t_read_file(path, len);

	T_OK(s != NULL, "read %s", path);
	return s;
}

static void
check_item(const struct spotprice *p, const char *type, const char *az,
    int64_t micro, long long ts, const char *product)
{
	T_EQ_STR(p->instance_type, type);
	T_EQ_STR(p->az, az);
	T_EQ_STR(p->product, product);
	T_EQ_INT(p->micro, micro);
	T_EQ_INT(p->timestamp, ts);
}

static void
test_parse_pages(void)
{
	struct spotprice_list l;
	char err[256] = "", *x;
	size_t len;

	if ((x = fixture(PAGE1, &len)) == NULL)
		return;
	T_EQ_INT(spotprice_parse(x, len, &l, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(l.n, 4);
	T_EQ_STR(l.next_token, TOKEN);
	if (l.n == 4) {
		check_item(&l.v[0], "t4g.nano", "eu-west-1a", 1700, 1796049067,
		    "Linux/UNIX");
		check_item(&l.v[1], "t4g.nano", "eu-west-1b", 1600, 1795989941,
		    "Linux/UNIX");
		check_item(&l.v[2], "t4g.nano", "eu-west-1c", 1900, 1796095072,
		    "Linux/UNIX");
		check_item(&l.v[3], "t4g.micro", "eu-west-1a", 3400, 1796032093,
		    "Linux/UNIX");
	}
	spotprice_list_free(&l);
	T_EQ_INT(l.n, 0);
	T_OK(l.v == NULL && l.next_token == NULL, "freed list is empty");
	spotprice_list_free(NULL);
	free(x);

	if ((x = fixture(PAGE2, &len)) == NULL)
		return;
	T_EQ_INT(spotprice_parse(x, len, &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 2);
	T_EQ_STR(l.next_token, NULL);	/* <nextToken/>: the last page */
	if (l.n == 2) {
		check_item(&l.v[0], "t4g.micro", "eu-west-1b", 3200, 1795886550,
		    "Linux/UNIX");
		check_item(&l.v[1], "t4g.micro", "eu-west-1c", 3800, 1796107209,
		    "Linux/UNIX");
	}
	spotprice_list_free(&l);
	free(x);
}

static void
test_parse_moto(void)
{
	struct spotprice_list l;
	char err[256] = "", *x;
	size_t len, i;

	if ((x = fixture(MOTO, &len)) == NULL)
		return;
	T_EQ_INT(spotprice_parse(x, len, &l, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(l.n, 10);
	T_EQ_STR(l.next_token, NULL);
	for (i = 0; i < l.n; i++) {
		T_EQ_INT(l.v[i].micro, 10);	/* moto's placeholder 0.00001 */
		T_EQ_INT(l.v[i].timestamp, 1136214245);
		T_EQ_STR(l.v[i].product, "Linux/UNIX (Amazon VPC)");
		T_OK(spotprice_product_linux(l.v[i].product), "linux");
	}
	if (l.n == 10) {
		T_EQ_STR(l.v[0].az, "us-east-1a");
		T_EQ_STR(l.v[0].instance_type, "t4g.micro");
		T_EQ_STR(l.v[9].az, "us-east-1f");
		T_EQ_STR(l.v[9].instance_type, "t4g.nano");
	}
	spotprice_list_free(&l);
	free(x);
}

static void
test_usd(void)
{
	static const struct {
		const char	*s;
		int64_t		 micro;
	} good[] = {
		{ "0", 0 }, { "0.0016", 1600 }, { "0.001600", 1600 },
		{ "0.0019", 1900 }, { "0.00001", 10 }, { "12", 12000000 },
		{ "000.5", 500000 }, { "999.999999", 999999999 },
		{ "0.0000005", 1 },		/* half a micro-dollar rounds up */
		{ "0.0000004999", 0 },
		{ "0.1234564", 123456 }, { "0.1234565", 123457 },
		{ "0.999999999999", 1000000 },	/* 12 decimals, carried */
		{ "1.0", 1000000 },
	};
	static const char *const bad[] = {
		"", ".5", "5.", "0,0016", "-0.1", "+0.1", " 0.1", "0.1 ",
		"1e-3", "0x10", "0.0016.1", "1000", "1000.0", "99999999999999999999",
		"0.1234567890123", "NaN", "inf", "0..1", ".", "$0.01",
		"\xd9\xa0.1", "0.1\n",
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -7;
		T_OK(spotprice_parse_usd(good[i].s, strlen(good[i].s), &v) == 0,
		    "good price \"%s\"", good[i].s);
		T_OK(v == good[i].micro, "\"%s\" -> %lld, want %lld", good[i].s,
		    (long long)v, (long long)good[i].micro);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -7;
		T_OK(spotprice_parse_usd(bad[i], strlen(bad[i]), &v) == -1,
		    "garbage price \"%s\" refused", bad[i]);
		T_EQ_INT(v, -7);
	}
	/* a NUL inside: len says where the text ends, not the NUL */
	T_EQ_INT(spotprice_parse_usd("0.1\0" "5", 5, &v), -1);
	/* only len bytes are read */
	T_EQ_INT(spotprice_parse_usd("0.0016garbage", 6, &v), 0);
	T_EQ_INT(v, 1600);
}

#define DOC_HEAD "<DescribeSpotPriceHistoryResponse xmlns=\"http://ec2." \
	"amazonaws.com/doc/2016-11-15/\"><spotPriceHistorySet>"
#define DOC_TAIL "</spotPriceHistorySet></DescribeSpotPriceHistoryResponse>"
#define ITEM(type, az, price, ts) "<item><availabilityZone>" az \
	"</availabilityZone><instanceType>" type "</instanceType>" \
	"<productDescription>Linux/UNIX</productDescription><spotPrice>" \
	price "</spotPrice><timestamp>" ts "</timestamp></item>"

/* expect_refused: doc is refused, err holds want, the list is left empty. */
static void
expect_refused(const char *doc, const char *want)
{
	struct spotprice_list l;
	char err[256] = "";

	T_OK(spotprice_parse(doc, strlen(doc), &l, err, sizeof(err)) == -1,
	    "refused: %.80s", doc);
	T_OK(strstr(err, want) != NULL, "error \"%s\" has \"%s\"", err, want);
	T_OK(strncmp(err, "ec2 DescribeSpotPriceHistory: ", 30) == 0,
	    "error \"%s\" names the call", err);
	T_OK(l.n == 0 && l.v == NULL && l.next_token == NULL, "left empty");
}

static void
test_parse_refused(void)
{
	char *x;
	size_t len;

	/* the EC2 error document, had it come with a 200 */
	if ((x = fixture(FIX "error_unauthorized.xml", &len)) != NULL) {
		expect_refused(x, "unexpected root element <Response>");
		free(x);
	}
	expect_refused("<DescribeInstancesResponse/>",
	    "unexpected root element <DescribeInstancesResponse>");
	expect_refused("not xml at all", "xml line 1");
	expect_refused("", "xml line");
	expect_refused("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>"
	    "<DescribeSpotPriceHistoryResponse/>", "DOCTYPE");
	expect_refused(DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "0,0017",
	    "2026-11-30T14:31:07.000Z") DOC_TAIL,
	    "item 1: bad spotPrice \"0,0017\"");
	expect_refused(DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "0.0017",
	    "2026-11-30T14:31:07.000Z") ITEM("t4g.nano", "eu-west-1b", "-1",
	    "2026-11-30T14:31:07.000Z") DOC_TAIL,
	    "item 2: bad spotPrice \"-1\"");
	expect_refused(DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "",
	    "2026-11-30T14:31:07.000Z") DOC_TAIL, "bad spotPrice \"\"");
	expect_refused(DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "1e-3",
	    "2026-11-30T14:31:07.000Z") DOC_TAIL, "bad spotPrice \"1e-3\"");
	expect_refused(DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "0.0017",
	    "yesterday") DOC_TAIL, "item 1: bad timestamp \"yesterday\"");
	expect_refused(DOC_HEAD "<item><availabilityZone>eu-west-1a"
	    "</availabilityZone><spotPrice>0.1</spotPrice></item>" DOC_TAIL,
	    "item 1: no instanceType");
	expect_refused(DOC_HEAD "<item><instanceType>t4g.nano</instanceType>"
	    "<spotPrice>0.1</spotPrice></item>" DOC_TAIL,
	    "item 1: no availabilityZone");
	expect_refused(DOC_HEAD "<item><instanceType>t4g.nano</instanceType>"
	    "<availabilityZone>eu-west-1a</availabilityZone></item>" DOC_TAIL,
	    "item 1: no spotPrice");
	expect_refused(DOC_HEAD ITEM("t4g.nano-with-a-name-far-too-long-x",
	    "eu-west-1a", "0.1", "2026-11-30T14:31:07.000Z") DOC_TAIL,
	    "instanceType too long");
}

static void
test_parse_lenient(void)
{
	static const char doc[] =
	    "<ec2:DescribeSpotPriceHistoryResponse xmlns:ec2=\"urn:x\">"
	    "<ec2:requestId>r</ec2:requestId>"
	    "<ec2:spotPriceHistorySet><ec2:item>"
	    "<ec2:availabilityZone>eu-west-1a</ec2:availabilityZone>"
	    "<ec2:availabilityZoneId>euw1-az3</ec2:availabilityZoneId>"
	    "<ec2:instanceType>t4g.nano</ec2:instanceType>"
	    "<ec2:spotPrice>0.0017</ec2:spotPrice>"
	    "<ec2:nested><ec2:spotPrice>garbage ignored</ec2:spotPrice></ec2:nested>"
	    "</ec2:item></ec2:spotPriceHistorySet>"
	    "<ec2:other><ec2:nextToken>not the answer's</ec2:nextToken></ec2:other>"
	    "</ec2:DescribeSpotPriceHistoryResponse>";
	struct spotprice_list l;
	char err[256] = "";

	/* prefixes, unknown elements, no product or timestamp, nested look-alikes */
	T_EQ_INT(spotprice_parse(doc, strlen(doc), &l, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(l.n, 1);
	T_EQ_STR(l.next_token, NULL);
	if (l.n == 1) {
		check_item(&l.v[0], "t4g.nano", "eu-west-1a", 1700, 0, "");
	}
	spotprice_list_free(&l);
	/* an empty set is a valid answer: no prices */
	T_EQ_INT(spotprice_parse(DOC_HEAD DOC_TAIL, strlen(DOC_HEAD DOC_TAIL),
	    &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 0);
	spotprice_list_free(&l);
}

/* big_page: n items and, when token, a nextToken of toklen bytes. */
static char *
big_page(size_t n, size_t toklen)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024 * 1024);
	buf_adds(&b, DOC_HEAD);
	for (i = 0; i < n; i++)
		buf_addf(&b, "<item><availabilityZone>eu-west-1a</availabilityZone>"
		    "<instanceType>t%zu.nano</instanceType><spotPrice>0.0016"
		    "</spotPrice></item>", i);
	buf_adds(&b, "</spotPriceHistorySet>");
	if (toklen > 0) {
		buf_adds(&b, "<nextToken>");
		for (i = 0; i < toklen; i++)
			buf_adds(&b, "t");
		buf_adds(&b, "</nextToken>");
	}
	buf_adds(&b, "</DescribeSpotPriceHistoryResponse>");
	return buf_detach(&b);
}

static void
test_parse_caps(void)
{
	struct spotprice_list l;
	char err[256] = "", *x;

	x = big_page(SPOTPRICE_MAX_ITEMS, 0);
	T_EQ_INT(spotprice_parse(x, strlen(x), &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, SPOTPRICE_MAX_ITEMS);
	spotprice_list_free(&l);
	free(x);
	x = big_page(SPOTPRICE_MAX_ITEMS + 1, 0);
	expect_refused(x, "more than 1000 items");
	free(x);
	x = big_page(1, 8192);
	T_EQ_INT(spotprice_parse(x, strlen(x), &l, err, sizeof(err)), 0);
	T_EQ_INT(l.next_token ? strlen(l.next_token) : 0, 8192);
	spotprice_list_free(&l);
	free(x);
	x = big_page(1, 8193);
	expect_refused(x, "nextToken too long");
	free(x);
}

static void
test_build(void)
{
	static const char *const many[SPOTPRICE_MAX_TYPES + 1] = {
		"a.1", "a.2", "a.3", "a.4", "a.5", "a.6", "a.7", "a.8", "a.9",
		"a.10", "a.11", "a.12", "a.13", "a.14", "a.15", "a.16", "a.17",
	};
	static const char *const empty[] = { "t4g.nano", "" };
	struct spotprice_query q;
	struct buf b;

	buf_init(&b, 16384);
	memset(&q, 0, sizeof(q));
	q.types = two_types;
	q.ntypes = 2;
	q.start = T0;
	T_EQ_INT(spotprice_build(&b, &q, NULL), 0);
	T_EQ_STR(buf_str(&b), BODY_HEAD "&MaxResults=1000");
	buf_reset(&b);
	T_EQ_INT(spotprice_build(&b, &q, ""), 0);
	T_EQ_STR(buf_str(&b), BODY_HEAD "&MaxResults=1000");
	buf_reset(&b);

	q.az = "eu-west-1b";
	q.max_results = 5;
	T_EQ_INT(spotprice_build(&b, &q, TOKEN), 0);
	T_EQ_STR(buf_str(&b), BODY_HEAD "&AvailabilityZone=eu-west-1b"
	    "&MaxResults=5&NextToken=" TOKEN_ENC);
	buf_reset(&b);

	q.az = NULL;
	q.max_results = 4;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	q.max_results = 1001;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	q.max_results = 0;
	q.ntypes = 0;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	q.types = many;
	q.ntypes = SPOTPRICE_MAX_TYPES;
	buf_reset(&b);
	T_EQ_INT(spotprice_build(&b, &q, NULL), 0);
	T_OK(strstr(buf_str(&b), "&InstanceType.16=a.16&") != NULL, "16 types");
	q.ntypes = SPOTPRICE_MAX_TYPES + 1;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	q.types = empty;
	q.ntypes = 2;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	buf_free(&b);

	/* a cap too small for the body */
	buf_init(&b, 40);
	q.types = two_types;
	T_EQ_INT(spotprice_build(&b, &q, NULL), -1);
	buf_free(&b);
}

static void
test_current(void)
{
	struct spotprice v[] = {
		{ "t4g.nano", "Linux/UNIX", "eu-west-1b", 1600, 100 },
		{ "t4g.micro", "Linux/UNIX", "eu-west-1a", 3400, 100 },
		{ "t4g.nano", "Linux/UNIX", "eu-west-1b", 1700, 200 },	/* newer: wins */
		{ "t4g.nano", "Linux/UNIX", "eu-west-1a", 1800, 300 },
		{ "t4g.nano", "Linux/UNIX", "eu-west-1a", 1500, 250 },	/* older: loses */
		{ "t4g.nano", "Linux/UNIX (Amazon VPC)", "eu-west-1a", 9, 1 },
		{ "t4g.micro", "Linux/UNIX", "eu-west-1a", 3300, 100 },	/* a tie: the later wins */
	};
	struct spotprice_list l = { v, sizeof(v) / sizeof(v[0]), NULL };

	spotprice_current(&l);
	T_EQ_INT(l.n, 4);
	if (l.n == 4) {
		check_item(&l.v[0], "t4g.micro", "eu-west-1a", 3300, 100,
		    "Linux/UNIX");
		check_item(&l.v[1], "t4g.nano", "eu-west-1a", 1800, 300,
		    "Linux/UNIX");
		check_item(&l.v[2], "t4g.nano", "eu-west-1a", 9, 1,
		    "Linux/UNIX (Amazon VPC)");
		check_item(&l.v[3], "t4g.nano", "eu-west-1b", 1700, 200,
		    "Linux/UNIX");
	}
	l.n = 0;
	spotprice_current(&l);
	T_EQ_INT(l.n, 0);
	T_OK(spotprice_product_linux("Linux/UNIX"), "Linux/UNIX");
	T_OK(!spotprice_product_linux("Windows"), "not Windows");
	T_OK(!spotprice_product_linux("SUSE Linux"), "not SUSE");
	T_OK(!spotprice_product_linux(NULL), "not NULL");
}

/* ---- the paging call ---- */

struct got {
	int			 calls;
	struct aws_error	 err;
	int			 failed;
	struct spotprice_list	 all;
};

static void
got_cb(const struct aws_error *err, struct spotprice_list *all, void *arg)
{
	struct got *g = arg;

	g->calls++;
	if (err != NULL) {
		g->failed = 1;
		g->err = *err;
		T_OK(all == NULL, "no list with an error");
		return;
	}
	g->all = *all;		/* moved out, as the adapter allows */
	memset(all, 0, sizeof(*all));
}

static void
start(struct got *g)
{
	struct spotprice_query q;

	memset(g, 0, sizeof(*g));
	memset(&q, 0, sizeof(q));
	q.types = two_types;
	q.ntypes = 2;
	q.start = T0;
	T_EQ_INT(spotprice_describe(NULL, &q, got_cb, g), 0);
}

static void
test_call_pages(void)
{
	struct got g;

	fake.calls = 0;
	start(&g);
	T_EQ_INT(fake.calls, 1);
	T_EQ_STR(fake.service, "ec2");
	T_EQ_STR(fake.method, "POST");
	T_EQ_STR(fake.path, "/");
	T_EQ_STR(fake.content_type,
	    "application/x-www-form-urlencoded; charset=utf-8");
	T_EQ_STR(fake.what, "ec2 DescribeSpotPriceHistory");
	T_OK(fake.max_response >= 1024 * 1024, "room for 1000 items");
	T_EQ_STR(fake.body, BODY_HEAD "&MaxResults=1000");
	fake_answer(200, PAGE1, 1);
	T_EQ_INT(g.calls, 0);
	T_EQ_INT(fake.calls, 2);
	T_EQ_STR(fake.body, BODY_HEAD "&MaxResults=1000&NextToken=" TOKEN_ENC);
	fake_answer(200, PAGE2, 1);
	T_EQ_INT(g.calls, 1);
	T_EQ_INT(g.failed, 0);
	T_EQ_INT(g.all.n, 6);
	T_EQ_STR(g.all.next_token, NULL);
	if (g.all.n == 6) {
		check_item(&g.all.v[0], "t4g.nano", "eu-west-1a", 1700,
		    1796049067, "Linux/UNIX");
		check_item(&g.all.v[5], "t4g.micro", "eu-west-1c", 3800,
		    1796107209, "Linux/UNIX");
	}
	spotprice_list_free(&g.all);
}

static void
test_call_errors(void)
{
	struct spotprice_query q;
	struct got g;
	char *x;
	int i;

	/* AWS's error on the first page */
	start(&g);
	fake_answer(403, FIX "error_unauthorized.xml", 1);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "UnauthorizedOperation");
	T_EQ_INT(g.err.http_status, 403);
	T_OK(strstr(g.err.message, "ec2:DescribeSpotPriceHistory") != NULL,
	    "message kept");

	/* ... and on the second */
	start(&g);
	fake_answer(200, PAGE1, 1);
	fake_answer(503, "<Response><Errors><Error><Code>RequestLimitExceeded"
	    "</Code><Message>slow down</Message></Error></Errors></Response>", 0);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "RequestLimitExceeded");

	/* a 200 that does not parse */
	start(&g);
	fake_answer(200, "<Response><Errors><Error><Code>X</Code></Error>"
	    "</Errors></Response>", 0);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "MalformedResponse");
	T_OK(strstr(g.err.message, "unexpected root element") != NULL,
	    "the parser's reason: %s", g.err.message);
	start(&g);
	fake_answer(200, DOC_HEAD ITEM("t4g.nano", "eu-west-1a", "cheap",
	    "2026-11-30T14:31:07.000Z") DOC_TAIL, 0);
	T_EQ_STR(g.err.code, "MalformedResponse");
	T_OK(strstr(g.err.message, "bad spotPrice \"cheap\"") != NULL,
	    "garbage price named: %s", g.err.message);

	/* a nextToken for ever */
	start(&g);
	for (i = 0; i < SPOTPRICE_MAX_PAGES && g.calls == 0; i++)
		fake_answer(200, PAGE1, 1);
	T_EQ_INT(i, SPOTPRICE_MAX_PAGES);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "TooManyPages");

	/* more items than the cap across pages */
	x = big_page(600, 10);
	start(&g);
	fake_answer(200, x, 0);
	T_EQ_INT(g.calls, 0);
	fake_answer(200, x, 0);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "TooManyItems");
	free(x);

	/* the next page cannot start */
	start(&g);
	fake.refuse = 1;
	fake_answer(200, PAGE1, 1);
	T_EQ_INT(g.calls, 1);
	T_EQ_STR(g.err.code, "RequestNotStarted");

	/* the first cannot: -1, no callback */
	memset(&g, 0, sizeof(g));
	memset(&q, 0, sizeof(q));
	q.types = two_types;
	q.ntypes = 2;
	fake.refuse = 1;
	T_EQ_INT(spotprice_describe(NULL, &q, got_cb, &g), -1);
	q.ntypes = 0;
	T_EQ_INT(spotprice_describe(NULL, &q, got_cb, &g), -1);
	T_EQ_INT(spotprice_describe(NULL, &q, NULL, &g), -1);
	T_EQ_INT(g.calls, 0);
}

int
main(void)
{
	T_RUN(test_parse_pages);
	T_RUN(test_parse_moto);
	T_RUN(test_usd);
	T_RUN(test_parse_refused);
	T_RUN(test_parse_lenient);
	T_RUN(test_parse_caps);
	T_RUN(test_build);
	T_RUN(test_current);
	T_RUN(test_call_pages);
	T_RUN(test_call_errors);
	free(fake.body);
	return t_done("test_spotprice");
}
