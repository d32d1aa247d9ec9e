/*
 * test_ec2: the EC2 adapter's builders and parsers against fixtures captured
 * from moto 5.2.1 (tests/fixtures/ec2/) and hand-written in the shape
 * AWS documents (*_aws.xml, describe_instances_page{1,2}.xml), malformed and
 * hostile inputs, and the asynchronous calls against a fake aws_call().
 *
 * The fake (fake_aws.h) takes aws.c's place at link time: it records the
 * request and lets the test answer it, as the event loop would later.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "ec2.h"
#include "t.h"
#include "fake_aws.h"

#define FIX "tests/fixtures/"

/* The fake aws_call. */
static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	char *s;

	snprintf(path, sizeof(path), FIX "%s", name);
	s = t_read_file(path, len);
	T_OK(s != NULL, "read %s", path);
	return s;
}

static void
test_describe_moto(void)
{
	struct ec2_instances l;
	char err[256] = "", *x;
	size_t len;

	if ((x = fixture("ec2/describe_instances.xml", &len)) == NULL)
		return;
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(l.n, 3);
	T_EQ_STR(l.next_token, NULL);
	if (l.n == 3) {
		T_EQ_STR(l.v[0].id, "i-d51ced48df547924a");
		T_EQ_STR(l.v[0].state, "running");
		T_EQ_STR(l.v[0].type, "t4g.nano");
		T_EQ_STR(l.v[0].subnet_id, "subnet-171ed85f4e8c8e920");
		T_EQ_STR(l.v[0].az, "us-east-1a");
		T_EQ_STR(l.v[0].public_ip, "127.43.66.229");
		T_EQ_STR(l.v[0].private_ip, "10.0.1.4");
		T_EQ_STR(l.v[0].lifecycle, "spot");
		T_EQ_INT(l.v[0].launch_time, 1795581272);
		T_EQ_INT(l.v[0].ntags, 6);
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:endpoint"), "home");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:launch-id"), "L-0001");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:ready"), "1");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "Name"), "stingy <&> vpn");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "aws:ec2launchtemplate:id"),
		    "lt-6791ad2cf295ab7b0");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "missing"), NULL);

		T_EQ_STR(l.v[1].id, "i-6e2c88a3d95215fb4");
		T_EQ_STR(l.v[1].state, "running");
		T_EQ_STR(l.v[1].type, "t3.micro");
		T_EQ_STR(l.v[1].public_ip, "");
		T_EQ_STR(l.v[1].private_ip, "10.0.1.5");
		T_EQ_STR(l.v[1].lifecycle, "");
		T_EQ_INT(l.v[1].ntags, 1);

		T_EQ_STR(l.v[2].id, "i-457a2dcf3863af5e1");
		T_EQ_STR(l.v[2].state, "terminated");
		T_EQ_STR(l.v[2].private_ip, "10.0.1.6");
	}
	ec2_instances_free(&l);
	T_EQ_INT(l.n, 0);
	T_OK(l.v == NULL, "freed list is empty");
	ec2_instances_free(NULL);
	free(x);
}

static void
test_describe_aws_pages(void)
{
	struct ec2_instances l;
	char err[256] = "", *x;
	size_t len;

	if ((x = fixture("ec2/describe_instances_page1.xml", &len)) == NULL)
		return;
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(l.n, 3);
	T_EQ_STR(l.next_token, "eyJ2IjoiMiIsImMiOiJhYmMifQ==/+page2");
	if (l.n == 3) {
		/* The secondary interface's subnet, IPs and tag are not the instance's. */
		T_EQ_STR(l.v[0].id, "i-0123456789abcdef0");
		T_EQ_STR(l.v[0].state, "running");
		T_EQ_STR(l.v[0].type, "t4g.nano");
		T_EQ_STR(l.v[0].subnet_id, "subnet-0aaaaaaaaaaaaaaaa");
		T_EQ_STR(l.v[0].az, "eu-west-1c");
		T_EQ_STR(l.v[0].public_ip, "54.194.252.215");
		T_EQ_STR(l.v[0].private_ip, "10.0.1.88");
		T_EQ_STR(l.v[0].lifecycle, "spot");
		T_EQ_INT(l.v[0].launch_time, 1795489965);
		T_EQ_INT(l.v[0].ntags, 4);
		T_EQ_STR(ec2_instance_tag(&l.v[0], "eni-tag"), NULL);
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:ready"), "");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "Name"),
		    "stingy <home> & caf\xc3\xa9");
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:launch-id"),
		    "L-0042");

		T_EQ_STR(l.v[1].id, "i-0fedcba9876543210");
		T_EQ_STR(l.v[1].state, "pending");
		T_EQ_STR(l.v[1].type, "t4g.micro");
		T_EQ_STR(l.v[1].public_ip, "");
		T_EQ_STR(l.v[1].private_ip, "10.0.3.17");
		T_EQ_STR(l.v[1].lifecycle, "");
		T_EQ_INT(l.v[1].launch_time, 1795490400);
		T_EQ_INT(l.v[1].ntags, 0);
		T_EQ_STR(ec2_instance_tag(&l.v[1], "Name"), NULL);

		T_EQ_STR(l.v[2].id, "i-0aaaabbbbccccdddd");
		T_EQ_STR(l.v[2].state, "shutting-down");
		T_EQ_STR(l.v[2].az, "eu-west-1b");
		T_EQ_STR(l.v[2].subnet_id, "");
		T_EQ_INT(l.v[2].launch_time, 1795478399);
		T_EQ_STR(ec2_instance_tag(&l.v[2], "stingy-vpn:endpoint"), "home");
	}
	ec2_instances_free(&l);
	free(x);

	if ((x = fixture("ec2/describe_instances_page2.xml", &len)) == NULL)
		return;
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 1);
	T_EQ_STR(l.next_token, NULL);
	if (l.n == 1) {
		T_EQ_STR(l.v[0].id, "i-0bbbbccccddddeeee");
		T_EQ_STR(l.v[0].state, "stopped");
		T_EQ_INT(l.v[0].launch_time, 1772280000);
		T_EQ_INT(l.v[0].ntags, 0);
	}
	ec2_instances_free(&l);
	free(x);

	if ((x = fixture("ec2/describe_instances_empty.xml", &len)) == NULL)
		return;
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 0);
	T_EQ_STR(l.next_token, NULL);
	ec2_instances_free(&l);
	free(x);
}

static void
test_run_parse(void)
{
	struct ec2_instances l;
	char err[256] = "", *x;
	size_t len;

	if ((x = fixture("ec2/run_instances.xml", &len)) == NULL)
		return;
	T_EQ_INT(ec2_parse_run(x, len, &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 1);
	if (l.n == 1) {
		T_EQ_STR(l.v[0].id, "i-d51ced48df547924a");
		T_EQ_STR(l.v[0].state, "pending");
		T_EQ_STR(l.v[0].type, "t4g.nano");
		T_EQ_STR(l.v[0].subnet_id, "subnet-171ed85f4e8c8e920");
		T_EQ_STR(l.v[0].public_ip, "");
		T_EQ_STR(l.v[0].private_ip, "10.0.1.4");
		T_EQ_STR(l.v[0].lifecycle, "spot");
		T_EQ_INT(l.v[0].ntags, 5);
		T_EQ_STR(ec2_instance_tag(&l.v[0], "stingy-vpn:launch-id"), "L-0001");
	}
	ec2_instances_free(&l);
	/* The wrong action's answer is refused, not read as "no instances". */
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: unexpected root element "
	    "<RunInstancesResponse>");
	T_EQ_INT(l.n, 0);
	free(x);

	x = fixture("ec2/describe_instances_empty.xml", &len);
	T_EQ_INT(ec2_parse_run(x, len, &l, err, sizeof(err)), -1);
	free(x);
	x = fixture("errors/ec2_insufficient_capacity.xml", &len);
	T_EQ_INT(ec2_parse_describe(x, len, &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: unexpected root element "
	    "<Response>");
	T_EQ_INT(ec2_parse_run(x, len, &l, err, sizeof(err)), -1);
	free(x);
	{
		const char *empty_run = "<RunInstancesResponse><instancesSet/>"
		    "</RunInstancesResponse>";

		T_EQ_INT(ec2_parse_run(empty_run, strlen(empty_run), &l, err,
		    sizeof(err)), -1);
		T_EQ_STR(err, "ec2 RunInstances: no instance in the answer");
	}
}

static int
parse_str(const char *s, struct ec2_instances *l, char *err, size_t errlen)
{
	return ec2_parse_describe(s, strlen(s), l, err, errlen);
}

#define HEAD "<DescribeInstancesResponse><reservationSet><item><instancesSet>"
#define TAIL "</instancesSet></item></reservationSet></DescribeInstancesResponse>"

static void
test_describe_malformed(void)
{
	struct ec2_instances l;
	struct buf b;
	char err[256], *x;
	size_t len, cut, bad = 0;
	int i;

	/* Every truncation of a real answer is an error, and leaks nothing. */
	if ((x = fixture("ec2/describe_instances_page1.xml", &len)) != NULL) {
		while (len > 0 && strchr(" \n", x[len - 1]) != NULL)
			len--;
		for (cut = 0; cut < len; cut++) {
			if (ec2_parse_describe(x, cut, &l, err, sizeof(err)) != -1 ||
			    l.n != 0 || l.v != NULL)
				bad++;
			ec2_instances_free(&l);
		}
		T_EQ_INT(bad, 0);
		free(x);
	}
	T_EQ_INT(parse_str("", &l, err, sizeof(err)), -1);
	T_EQ_INT(parse_str("not xml at all", &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: xml line 1: syntax error");
	T_EQ_INT(parse_str("{\"Reservations\":[]}", &l, err, sizeof(err)), -1);
	T_EQ_INT(parse_str("<html><body>captive portal</body></html>", &l, err,
	    sizeof(err)), -1);
	T_EQ_INT(parse_str(HEAD "<item><instanceId>i-1</instanceId></item>"
	    TAIL "<junk/>", &l, err, sizeof(err)), -1);
	/* Entities: the DOCTYPE is refused (no billion laughs). */
	T_EQ_INT(parse_str("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a "
	    "\"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><DescribeInstancesResponse>"
	    "&b;</DescribeInstancesResponse>", &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: xml line 1: DOCTYPE refused");
	/* An item without instanceId, or with an oversized one. */
	T_EQ_INT(parse_str(HEAD "<item><instanceType>t4g.nano</instanceType>"
	    "</item>" TAIL, &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: instance item without instanceId");
	T_EQ_INT(parse_str(HEAD "<item><instanceId>i-0123456789abcdef0123456789"
	    "abcdef</instanceId></item>" TAIL, &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: instanceId too long (34 bytes, at most 31)");
	T_EQ_INT(parse_str(HEAD "<item><instanceId>i-1</instanceId><launchTime>"
	    "yesterday</launchTime></item>" TAIL, &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: i-1: bad launchTime \"yesterday\"");
	T_EQ_INT(parse_str(HEAD "<item><instanceId>i-1</instanceId><instanceState>"
	    "<name>running-running-running-</name></instanceState></item>" TAIL,
	    &l, err, sizeof(err)), -1);

	/* Nesting past the limit. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, HEAD "<item><instanceId>i-1</instanceId>");
	for (i = 0; i < 40; i++)
		buf_adds(&b, "<x>");
	for (i = 0; i < 40; i++)
		buf_adds(&b, "</x>");
	buf_adds(&b, "</item>" TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: xml line 1: elements nested too deep");

	/* EC2_MAX_INSTANCES is accepted, one more is not. */
	buf_reset(&b);
	buf_adds(&b, HEAD);
	for (i = 0; i < EC2_MAX_INSTANCES; i++)
		buf_addf(&b, "<item><instanceId>i-%d</instanceId></item>", i);
	buf_adds(&b, TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, EC2_MAX_INSTANCES);
	if (l.n == EC2_MAX_INSTANCES)
		T_EQ_STR(l.v[999].id, "i-999");
	ec2_instances_free(&l);
	b.len -= strlen(TAIL);
	buf_adds(&b, "<item><instanceId>i-x</instanceId></item>" TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: more than 1000 instances");
	T_EQ_INT(l.n, 0);

	/* EC2_MAX_TAGS tags are accepted, one more is not. */
	buf_reset(&b);
	buf_adds(&b, HEAD "<item><instanceId>i-1</instanceId><tagSet>");
	for (i = 0; i < EC2_MAX_TAGS; i++)
		buf_addf(&b, "<item><key>k%d</key><value>v%d</value></item>", i, i);
	buf_adds(&b, "</tagSet></item>" TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n == 1 ? l.v[0].ntags : 0, EC2_MAX_TAGS);
	if (l.n == 1)
		T_EQ_STR(ec2_instance_tag(&l.v[0], "k63"), "v63");
	ec2_instances_free(&l);
	buf_reset(&b);
	buf_adds(&b, HEAD "<item><instanceId>i-1</instanceId><tagSet>");
	for (i = 0; i <= EC2_MAX_TAGS; i++)
		buf_addf(&b, "<item><key>k%d</key><value>v%d</value></item>", i, i);
	buf_adds(&b, "</tagSet></item>" TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: i-1: more than 64 tags");

	/* A tag value past EC2_MAX_TAG_VALUE; a keyless tag item is skipped. */
	buf_reset(&b);
	buf_adds(&b, HEAD "<item><instanceId>i-1</instanceId><tagSet><item>"
	    "<key>k</key><value>");
	for (i = 0; i <= EC2_MAX_TAG_VALUE; i++)
		buf_adds(&b, "v");
	buf_adds(&b, "</value></item></tagSet></item>" TAIL);
	T_EQ_INT(parse_str(buf_str(&b), &l, err, sizeof(err)), -1);
	T_EQ_STR(err, "ec2 DescribeInstances: tag value too long (1025 bytes)");
	T_EQ_INT(parse_str(HEAD "<item><instanceId>i-1</instanceId><tagSet><item>"
	    "<value>orphan</value></item><item><key>k</key></item></tagSet>"
	    "</item>" TAIL, &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n == 1 ? l.v[0].ntags : 99, 1);
	if (l.n == 1)
		T_EQ_STR(ec2_instance_tag(&l.v[0], "k"), "");
	ec2_instances_free(&l);
	buf_free(&b);

	/* Prefixes and foreign namespaces are ignored; CDATA is text. */
	T_EQ_INT(parse_str("<ec2:DescribeInstancesResponse xmlns:ec2=\"urn:x\">"
	    "<ec2:reservationSet><ec2:item><ec2:instancesSet><ec2:item>"
	    "<ec2:instanceId><![CDATA[i-cdata]]></ec2:instanceId>"
	    "<unknown><instanceId>i-nested</instanceId></unknown>"
	    "</ec2:item></ec2:instancesSet></ec2:item></ec2:reservationSet>"
	    "<ec2:nextToken></ec2:nextToken></ec2:DescribeInstancesResponse>",
	    &l, err, sizeof(err)), 0);
	T_EQ_INT(l.n, 1);
	if (l.n == 1)
		T_EQ_STR(l.v[0].id, "i-cdata");
	T_EQ_STR(l.next_token, NULL);
	ec2_instances_free(&l);
}

static void
test_time(void)
{
	static const struct {
		const char	*s;
		int		 ok;
		long long	 t;
	} v[] = {
		{ "2026-11-24T03:12:45.000Z", 1, 1795489965 },
		{ "2026-11-24T03:12:45Z", 1, 1795489965 },
		{ "2026-11-24T03:12:45.123456789Z", 1, 1795489965 },
		{ "2026-11-24T04:12:45+01:00", 1, 1795489965 },
		{ "2026-11-23T22:12:45-0500", 1, 1795489965 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800 },
		{ "1970-01-01T00:00:00Z", 1, 0 },
		{ "2026-02-29T00:00:00Z", 0, 0 },
		{ "2026-13-01T00:00:00Z", 0, 0 },
		{ "2026-04-31T00:00:00Z", 0, 0 },
		{ "2026-11-24T24:00:00Z", 0, 0 },
		{ "2026-11-24T03:12:45", 0, 0 },
		{ "2026-11-24T03:12:45.Z", 0, 0 },
		{ "2026-11-24T03:12:45.0000000000Z", 0, 0 },
		{ "2026-11-24 03:12:45Z", 0, 0 },
		{ "2026-11-24T03:12:45Zjunk", 0, 0 },
		{ "1969-12-31T23:59:59Z", 0, 0 },
		{ "", 0, 0 },
		{ "2026", 0, 0 },
		{ "+026-11-24T03:12:45Z", 0, 0 },
	};
	size_t i;
	time_t t;
	int rc;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		t = -1;
		rc = ec2_parse_time(v[i].s, &t);
		T_OK(rc == (v[i].ok ? 0 : -1), "ec2_parse_time(\"%s\") = %d",
		    v[i].s, rc);
		if (v[i].ok)
			T_OK((long long)t == v[i].t, "ec2_parse_time(\"%s\"): %lld",
			    v[i].s, (long long)t);
	}
}

static void
test_build(void)
{
	static const char *const ep[] = { "home" };
	static const char *const st[] = { "pending", "running" };
	static const struct ec2_filter f[] = {
		{ "tag:stingy-vpn:endpoint", ep, 1 },
		{ "instance-state-name", st, 2 },
	};
	static const struct ec2_tag tags[] = {
		{ "stingy-vpn:endpoint", "home" },
		{ "stingy-vpn:launch-id", "L 1/2+3&4=5" },
	};
	struct ec2_run_params p;
	struct buf b;

	buf_init(&b, 64 * 1024);
	T_EQ_INT(ec2_build_describe(&b, f, 2, NULL), 0);
	T_EQ_STR(buf_str(&b), "Action=DescribeInstances&Version=2016-11-15"
	    "&Filter.1.Name=tag%3Astingy-vpn%3Aendpoint&Filter.1.Value.1=home"
	    "&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending"
	    "&Filter.2.Value.2=running&MaxResults=1000");
	buf_reset(&b);
	T_EQ_INT(ec2_build_describe(&b, NULL, 0, "abc+/=="), 0);
	T_EQ_STR(buf_str(&b), "Action=DescribeInstances&Version=2016-11-15"
	    "&MaxResults=1000&NextToken=abc%2B%2F%3D%3D");
	buf_reset(&b);
	T_EQ_INT(ec2_build_describe(&b, f, 2, ""), 0);
	T_OK(strstr(buf_str(&b), "NextToken") == NULL, "empty token left out");
	{
		struct ec2_filter nov = { "tag:x", ep, 0 };

		buf_reset(&b);
		T_EQ_INT(ec2_build_describe(&b, &nov, 1, NULL), -1);
	}

	memset(&p, 0, sizeof(p));
	p.launch_template_id = "lt-0abc";
	p.instance_type = "t4g.nano";
	p.subnet_id = "subnet-0abc";
	p.spot = 1;
	p.client_token = "L-0001";
	p.tags = tags;
	p.ntags = 2;
	buf_reset(&b);
	T_EQ_INT(ec2_build_run(&b, &p), 0);
	T_EQ_STR(buf_str(&b), "Action=RunInstances&Version=2016-11-15"
	    "&MinCount=1&MaxCount=1&ClientToken=L-0001"
	    "&LaunchTemplate.LaunchTemplateId=lt-0abc"
	    "&LaunchTemplate.Version=%24Latest&InstanceType=t4g.nano"
	    "&SubnetId=subnet-0abc"
	    "&InstanceMarketOptions.MarketType=spot"
	    "&InstanceMarketOptions.SpotOptions.SpotInstanceType=one-time"
	    "&InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior=terminate"
	    "&TagSpecification.1.ResourceType=instance"
	    "&TagSpecification.1.Tag.1.Key=stingy-vpn%3Aendpoint"
	    "&TagSpecification.1.Tag.1.Value=home"
	    "&TagSpecification.1.Tag.2.Key=stingy-vpn%3Alaunch-id"
	    "&TagSpecification.1.Tag.2.Value=L%201%2F2%2B3%264%3D5");
	p.subnet_in_interface = 1;
	p.spot = 0;
	p.ntags = 0;
	p.launch_template_version = "3";
	buf_reset(&b);
	T_EQ_INT(ec2_build_run(&b, &p), 0);
	T_EQ_STR(buf_str(&b), "Action=RunInstances&Version=2016-11-15"
	    "&MinCount=1&MaxCount=1&ClientToken=L-0001"
	    "&LaunchTemplate.LaunchTemplateId=lt-0abc"
	    "&LaunchTemplate.Version=3&InstanceType=t4g.nano"
	    "&NetworkInterface.1.DeviceIndex=0"
	    "&NetworkInterface.1.SubnetId=subnet-0abc");
	p.instance_type = NULL;
	p.subnet_id = NULL;
	buf_reset(&b);
	T_EQ_INT(ec2_build_run(&b, &p), 0);
	T_EQ_STR(buf_str(&b), "Action=RunInstances&Version=2016-11-15"
	    "&MinCount=1&MaxCount=1&ClientToken=L-0001"
	    "&LaunchTemplate.LaunchTemplateId=lt-0abc&LaunchTemplate.Version=3");
	p.client_token = "0123456789012345678901234567890123456789012345678901234567890123X";
	buf_reset(&b);
	T_EQ_INT(ec2_build_run(&b, &p), -1);
	p.client_token = "has space";
	T_EQ_INT(ec2_build_run(&b, &p), -1);
	p.client_token = NULL;
	T_EQ_INT(ec2_build_run(&b, &p), -1);
	p.client_token = "L-1";
	p.launch_template_id = "";
	T_EQ_INT(ec2_build_run(&b, &p), -1);

	buf_reset(&b);
	T_EQ_INT(ec2_build_terminate(&b, "i-0123456789abcdef0"), 0);
	T_EQ_STR(buf_str(&b), "Action=TerminateInstances&Version=2016-11-15"
	    "&InstanceId.1=i-0123456789abcdef0");
	buf_reset(&b);
	T_EQ_INT(ec2_build_terminate(&b, ""), -1);
	T_EQ_INT(ec2_build_terminate(&b, NULL), -1);

	buf_reset(&b);
	T_EQ_INT(ec2_build_create_tags(&b, "i-1", tags, 2), 0);
	T_EQ_STR(buf_str(&b), "Action=CreateTags&Version=2016-11-15"
	    "&ResourceId.1=i-1&Tag.1.Key=stingy-vpn%3Aendpoint&Tag.1.Value=home"
	    "&Tag.2.Key=stingy-vpn%3Alaunch-id&Tag.2.Value=L%201%2F2%2B3%264%3D5");
	buf_reset(&b);
	T_EQ_INT(ec2_build_create_tags(&b, "i-1", tags, 0), -1);

	buf_reset(&b);
	T_EQ_INT(ec2_build_associate(&b, "eipalloc-0abc", "i-1"), 0);
	T_EQ_STR(buf_str(&b), "Action=AssociateAddress&Version=2016-11-15"
	    "&AllocationId=eipalloc-0abc&InstanceId=i-1&AllowReassociation=true");
	buf_reset(&b);
	T_EQ_INT(ec2_build_associate(&b, "eipalloc-0abc", NULL), -1);

	buf_reset(&b);
	T_EQ_INT(ec2_build_describe_addresses(&b, "eipalloc-0abc"), 0);
	T_EQ_STR(buf_str(&b), "Action=DescribeAddresses&Version=2016-11-15"
	    "&AllocationId.1=eipalloc-0abc");
	buf_free(&b);

	/* The cap is honoured. */
	buf_init(&b, 40);
	T_EQ_INT(ec2_build_describe(&b, f, 2, NULL), -1);
	T_OK(b.len <= 40, "cap kept");
	buf_free(&b);
}

static void
test_small_parsers(void)
{
	struct ec2_addresses a;
	char err[256], out[48], *x;
	size_t len;

	x = fixture("ec2/terminate_instances.xml", &len);
	T_EQ_INT(ec2_parse_terminate(x, len, "i-457a2dcf3863af5e1", out,
	    sizeof(out), err, sizeof(err)), 0);
	T_EQ_STR(out, "shutting-down");
	T_EQ_INT(ec2_parse_terminate(x, len, "i-other", out, sizeof(out), err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "ec2 TerminateInstances: i-other: no currentState in "
	    "the answer");
	free(x);
	x = fixture("ec2/terminate_instances_aws.xml", &len);
	T_EQ_INT(ec2_parse_terminate(x, len, "i-0598c7d356eba48d7", out,
	    sizeof(out), err, sizeof(err)), 0);
	T_EQ_STR(out, "terminated");
	T_EQ_INT(ec2_parse_terminate(x, len, NULL, out, sizeof(out), err,
	    sizeof(err)), 0);
	T_EQ_STR(out, "shutting-down");
	T_EQ_INT(ec2_parse_terminate(x, len, NULL, out, 4, err, sizeof(err)), -1);
	T_EQ_INT(ec2_parse_create_tags(x, len, err, sizeof(err)), -1);
	free(x);

	x = fixture("ec2/create_tags.xml", &len);
	T_EQ_INT(ec2_parse_create_tags(x, len, err, sizeof(err)), 0);
	free(x);
	x = fixture("ec2/create_tags_aws.xml", &len);
	T_EQ_INT(ec2_parse_create_tags(x, len, err, sizeof(err)), 0);
	free(x);
	{
		const char *f = "<CreateTagsResponse><return>false</return>"
		    "</CreateTagsResponse>";

		T_EQ_INT(ec2_parse_create_tags(f, strlen(f), err, sizeof(err)), -1);
		T_EQ_STR(err, "ec2 CreateTags: the answer's return is not true");
	}

	x = fixture("ec2/associate_address.xml", &len);
	T_EQ_INT(ec2_parse_associate(x, len, out, sizeof(out), err,
	    sizeof(err)), 0);
	T_EQ_STR(out, "eipassoc-febfac4eb4d681a0a");
	free(x);
	x = fixture("ec2/associate_address_aws.xml", &len);
	T_EQ_INT(ec2_parse_associate(x, len, out, sizeof(out), err,
	    sizeof(err)), 0);
	T_EQ_STR(out, "eipassoc-0fcd6f8e01f0b3a2b");
	free(x);
	x = fixture("ec2/create_tags.xml", &len);
	T_EQ_INT(ec2_parse_associate(x, len, out, sizeof(out), err,
	    sizeof(err)), -1);
	free(x);
	{
		const char *f = "<AssociateAddressResponse><return>true</return>"
		    "</AssociateAddressResponse>";

		T_EQ_INT(ec2_parse_associate(f, strlen(f), out, sizeof(out), err,
		    sizeof(err)), -1);
		T_EQ_STR(err, "ec2 AssociateAddress: no associationId in the answer");
	}

	x = fixture("ec2/describe_addresses.xml", &len);
	T_EQ_INT(ec2_parse_describe_addresses(x, len, &a, err, sizeof(err)), 0);
	T_EQ_INT(a.n, 1);
	if (a.n == 1) {
		T_EQ_STR(a.v[0].allocation_id, "eipalloc-334b27e6b5069f4c9");
		T_EQ_STR(a.v[0].public_ip, "127.43.66.229");
		T_EQ_STR(a.v[0].instance_id, "i-d51ced48df547924a");
		T_EQ_STR(a.v[0].association_id, "eipassoc-febfac4eb4d681a0a");
	}
	ec2_addresses_free(&a);
	free(x);
	x = fixture("ec2/describe_addresses_unassociated.xml", &len);
	T_EQ_INT(ec2_parse_describe_addresses(x, len, &a, err, sizeof(err)), 0);
	T_EQ_INT(a.n, 1);
	if (a.n == 1) {
		T_EQ_STR(a.v[0].allocation_id, "eipalloc-e518e6bff6ee44ff9");
		T_EQ_STR(a.v[0].public_ip, "127.252.9.243");
		T_EQ_STR(a.v[0].instance_id, "");
		T_EQ_STR(a.v[0].association_id, "");
	}
	ec2_addresses_free(&a);
	free(x);
	x = fixture("errors/ec2_address_not_found.xml", &len);
	T_EQ_INT(ec2_parse_describe_addresses(x, len, &a, err, sizeof(err)), -1);
	T_EQ_INT(a.n, 0);
	free(x);
	{
		const char *f = "<DescribeAddressesResponse><addressesSet><item>"
		    "<publicIp>1.2.3.4</publicIp></item></addressesSet>"
		    "</DescribeAddressesResponse>";

		T_EQ_INT(ec2_parse_describe_addresses(f, strlen(f), &a, err,
		    sizeof(err)), -1);
		T_EQ_INT(a.n, 0);
	}
}

/* The asynchronous calls. */
static struct {
	int			 calls;
	struct aws_error	 err;
	int			 had_err;
	struct ec2_instances	*all;
	char			 text[64];
} got;

static void
got_reset(void)
{
	if (got.all) {
		ec2_instances_free(got.all);
		free(got.all);
	}
	memset(&got, 0, sizeof(got));
}

static void
got_err(const struct aws_error *err)
{
	got.calls++;
	if (err) {
		got.err = *err;
		got.had_err = 1;
	}
}

static void
describe_cb(const struct aws_error *err, struct ec2_instances *all, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got_err(err);
	T_OK((err == NULL) == (all != NULL), "all set exactly on success");
	/* Lent for the call: move the contents out, leave it empty. */
	if (all && (got.all = malloc(sizeof(*got.all))) != NULL) {
		*got.all = *all;
		memset(all, 0, sizeof(*all));
	}
}

static void
run_cb(const struct aws_error *err, const struct ec2_instance *inst, void *arg)
{
	(void)arg;
	got_err(err);
	if (inst)
		snprintf(got.text, sizeof(got.text), "%s/%s", inst->id,
		    inst->state);
}

static void
text_cb(const struct aws_error *err, const char *text, void *arg)
{
	(void)arg;
	got_err(err);
	if (text)
		snprintf(got.text, sizeof(got.text), "%s", text);
}

static void
status_cb(const struct aws_error *err, void *arg)
{
	(void)arg;
	got_err(err);
}

static void
addresses_cb(const struct aws_error *err, const struct ec2_addresses *a,
    void *arg)
{
	(void)arg;
	got_err(err);
	if (a && a->n > 0)
		snprintf(got.text, sizeof(got.text), "%s", a->v[0].public_ip);
}

static void
test_async_describe(void)
{
	static const char *const ep[] = { "home" };
	const struct ec2_filter f = { "tag:stingy-vpn:endpoint", ep, 1 };
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	int i;

	got_reset();
	fake.calls = 0;
	T_EQ_INT(ec2_describe_instances(a, &f, 1, describe_cb, &got), 0);
	T_EQ_INT(fake.calls, 1);
	T_EQ_STR(fake.service, "ec2");
	T_EQ_STR(fake.method, "POST");
	T_EQ_STR(fake.path, "/");
	T_EQ_STR(fake.content_type,
	    "application/x-www-form-urlencoded; charset=utf-8");
	T_EQ_STR(fake.target, "(null)");
	T_EQ_STR(fake.what, "ec2 DescribeInstances");
	T_EQ_STR(fake.body, "Action=DescribeInstances&Version=2016-11-15"
	    "&Filter.1.Name=tag%3Astingy-vpn%3Aendpoint&Filter.1.Value.1=home"
	    "&MaxResults=1000");
	fake_answer(200, FIX "ec2/describe_instances_page1.xml", 1);
	T_EQ_INT(got.calls, 0);
	T_EQ_INT(fake.calls, 2);
	T_EQ_STR(fake.body, "Action=DescribeInstances&Version=2016-11-15"
	    "&Filter.1.Name=tag%3Astingy-vpn%3Aendpoint&Filter.1.Value.1=home"
	    "&MaxResults=1000&NextToken=eyJ2IjoiMiIsImMiOiJhYmMifQ%3D%3D%2F%2Bpage2");
	fake_answer(200, FIX "ec2/describe_instances_page2.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_INT(got.had_err, 0);
	T_OK(got.all != NULL, "instances delivered");
	if (got.all) {
		T_EQ_INT(got.all->n, 4);
		T_EQ_STR(got.all->next_token, NULL);
		if (got.all->n == 4) {
			T_EQ_STR(got.all->v[0].id, "i-0123456789abcdef0");
			T_EQ_STR(ec2_instance_tag(&got.all->v[0], "Name"),
			    "stingy <home> & caf\xc3\xa9");
			T_EQ_STR(got.all->v[3].id, "i-0bbbbccccddddeeee");
		}
	}

	/* An error on the second page: no instances, the error. */
	got_reset();
	T_EQ_INT(ec2_describe_instances(a, &f, 1, describe_cb, &got), 0);
	fake_answer(200, FIX "ec2/describe_instances_page1.xml", 1);
	fake_answer(503, FIX "errors/ec2_request_limit.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.err.code, "RequestLimitExceeded");
	T_EQ_INT(got.err.http_status, 503);

	/* A 200 that is not an answer. */
	got_reset();
	T_EQ_INT(ec2_describe_instances(a, &f, 1, describe_cb, &got), 0);
	fake_answer(200, "<html>captive portal</html>", 0);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.err.code, "MalformedResponse");
	T_EQ_STR(got.err.message, "ec2 DescribeInstances: unexpected root "
	    "element <html>");

	/* A server that pages forever is cut at EC2_MAX_PAGES. */
	got_reset();
	fake.calls = 0;
	T_EQ_INT(ec2_describe_instances(a, NULL, 0, describe_cb, &got), 0);
	for (i = 0; i < EC2_MAX_PAGES && got.calls == 0; i++)
		fake_answer(200, "<DescribeInstancesResponse><nextToken>again"
		    "</nextToken></DescribeInstancesResponse>", 0);
	T_EQ_INT(fake.calls, EC2_MAX_PAGES);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.err.code, "TooManyPages");

	/* aws_call refusing the next page's request. */
	got_reset();
	T_EQ_INT(ec2_describe_instances(a, &f, 1, describe_cb, &got), 0);
	fake.refuse = 1;
	fake_answer(200, FIX "ec2/describe_instances_page1.xml", 1);
	fake.refuse = 0;
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.err.code, "RequestNotStarted");

	/* aws_call refusing the first: -1 and no callback. */
	got_reset();
	fake.refuse = 1;
	T_EQ_INT(ec2_describe_instances(a, &f, 1, describe_cb, &got), -1);
	fake.refuse = 0;
	T_EQ_INT(got.calls, 0);
	got_reset();
}

static void
test_async_others(void)
{
	static const struct ec2_tag tags[] = { { "stingy-vpn:ready", "1" } };
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	struct ec2_run_params p;

	memset(&p, 0, sizeof(p));
	p.launch_template_id = "lt-0abc";
	p.client_token = "L-0001";
	got_reset();
	T_EQ_INT(ec2_run_instance(a, &p, run_cb, NULL), 0);
	T_EQ_STR(fake.what, "ec2 RunInstances");
	fake_answer(200, FIX "ec2/run_instances.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_INT(got.had_err, 0);
	T_EQ_STR(got.text, "i-d51ced48df547924a/pending");
	got_reset();
	T_EQ_INT(ec2_run_instance(a, &p, run_cb, NULL), 0);
	fake_answer(500, FIX "errors/ec2_insufficient_capacity.xml", 1);
	T_EQ_STR(got.err.code, "InsufficientInstanceCapacity");
	T_EQ_INT(got.err.http_status, 500);
	p.client_token = NULL;
	got_reset();
	T_EQ_INT(ec2_run_instance(a, &p, run_cb, NULL), -1);
	T_EQ_INT(got.calls, 0);

	got_reset();
	T_EQ_INT(ec2_terminate_instance(a, "i-457a2dcf3863af5e1", text_cb,
	    NULL), 0);
	T_EQ_STR(fake.body, "Action=TerminateInstances&Version=2016-11-15"
	    "&InstanceId.1=i-457a2dcf3863af5e1");
	fake_answer(200, FIX "ec2/terminate_instances.xml", 1);
	T_EQ_INT(got.had_err, 0);
	T_EQ_STR(got.text, "shutting-down");
	got_reset();
	T_EQ_INT(ec2_terminate_instance(a, "i-01234567890123456789012345678901",
	    text_cb, NULL), -1);

	got_reset();
	T_EQ_INT(ec2_create_tags(a, "i-1", tags, 1, status_cb, NULL), 0);
	fake_answer(200, FIX "ec2/create_tags.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_INT(got.had_err, 0);
	got_reset();
	T_EQ_INT(ec2_create_tags(a, "i-1", tags, 1, status_cb, NULL), 0);
	fake_answer(400, FIX "errors/ec2_invalid_instance_id.xml", 1);
	T_EQ_STR(got.err.code, "InvalidInstanceID.NotFound");

	got_reset();
	T_EQ_INT(ec2_associate_address(a, "eipalloc-1", "i-1", text_cb, NULL), 0);
	fake_answer(200, FIX "ec2/associate_address.xml", 1);
	T_EQ_STR(got.text, "eipassoc-febfac4eb4d681a0a");
	got_reset();
	T_EQ_INT(ec2_associate_address(a, "eipalloc-1", "i-1", text_cb, NULL), 0);
	fake_answer(200, FIX "ec2/create_tags.xml", 1);
	T_EQ_STR(got.err.code, "MalformedResponse");

	got_reset();
	T_EQ_INT(ec2_describe_addresses(a, "eipalloc-1", addresses_cb, NULL), 0);
	fake_answer(200, FIX "ec2/describe_addresses.xml", 1);
	T_EQ_INT(got.had_err, 0);
	T_EQ_STR(got.text, "127.43.66.229");
	got_reset();
}

int
main(void)
{
	T_RUN(test_describe_moto);
	T_RUN(test_describe_aws_pages);
	T_RUN(test_run_parse);
	T_RUN(test_describe_malformed);
	T_RUN(test_time);
	T_RUN(test_build);
	T_RUN(test_small_parsers);
	T_RUN(test_async_describe);
	T_RUN(test_async_others);
	free(fake.body);
	return t_done("test_ec2");
}
