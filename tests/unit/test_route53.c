/*
 * test_route53: the Route 53 adapter's UPSERT builder, name comparison and
 * answer parsers against answers captured from moto 5.2.1 and hand-written
 * in AWS's shape (tests/fixtures/route53/, *_aws.xml), broken and hostile
 * answers, and the asynchronous calls against a fake aws_call() (fake_aws.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "route53.h"
#include "t.h"
#include "fake_aws.h"
#include "xml.h"

#define FIX "tests/fixtures/route53/"
#define S(s) s, sizeof(s) - 1

#define XML_DECL	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define REQ_OPEN	XML_DECL "<ChangeResourceRecordSetsRequest " \
			"xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">" \
			"<ChangeBatch>"
#define REQ_CHANGE	"<Changes><Change><Action>UPSERT</Action>" \
			"<ResourceRecordSet><Name>"
#define REQ_CLOSE	"</Value></ResourceRecord></ResourceRecords>" \
			"</ResourceRecordSet></Change></Changes></ChangeBatch>" \
			"</ChangeResourceRecordSetsRequest>"
/* the whole request for one A record, comment "stingy-vpn" */
#define REQ(name, ttl, value) REQ_OPEN "<Comment>stingy-vpn</Comment>" \
	REQ_CHANGE name "</Name><Type>A</Type><TTL>" ttl "</TTL>" \
	"<ResourceRecords><ResourceRecord><Value>" value REQ_CLOSE

/* A string of n copies of c, malloc'd. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_build(void)
{
	struct buf b;
	char *longname;

	buf_init(&b, 64 * 1024);
	T_EQ_INT(r53_build_upsert(&b, "vpn.example.com", "203.0.113.7", 60,
	    "stingy-vpn"), 0);
	T_EQ_STR(buf_str(&b), REQ("vpn.example.com", "60", "203.0.113.7"));

	/* no comment: NULL and "" alike */
	buf_reset(&b);
	T_EQ_INT(r53_build_upsert(&b, "vpn.example.com.", "203.0.113.7", 0,
	    NULL), 0);
	T_EQ_STR(buf_str(&b), REQ_OPEN REQ_CHANGE "vpn.example.com.</Name>"
	    "<Type>A</Type><TTL>0</TTL><ResourceRecords><ResourceRecord>"
	    "<Value>203.0.113.7" REQ_CLOSE);
	buf_reset(&b);
	T_EQ_INT(r53_build_upsert(&b, "vpn.example.com.", "203.0.113.7", 0,
	    ""), 0);
	T_OK(strstr(buf_str(&b), "Comment") == NULL, "empty comment left out");

	/* the five XML specials, in every field */
	buf_reset(&b);
	T_EQ_INT(r53_build_upsert(&b, "a&b<c>\"d'e.example.com", "1.2.3.4&",
	    86400, "it's <home> & \"away\""), 0);
	T_EQ_STR(buf_str(&b), REQ_OPEN "<Comment>it&apos;s &lt;home&gt; &amp; "
	    "&quot;away&quot;</Comment>" REQ_CHANGE
	    "a&amp;b&lt;c&gt;&quot;d&apos;e.example.com</Name><Type>A</Type>"
	    "<TTL>86400</TTL><ResourceRecords><ResourceRecord>"
	    "<Value>1.2.3.4&amp;" REQ_CLOSE);

	/* appended after what the buffer held */
	buf_reset(&b);
	buf_adds(&b, "head:");
	T_EQ_INT(r53_build_upsert(&b, "vpn.example.com", "203.0.113.7", 60,
	    "stingy-vpn"), 0);
	T_EQ_STR(buf_str(&b), "head:" REQ("vpn.example.com", "60",
	    "203.0.113.7"));

	/* refused arguments leave the buffer as it was */
	buf_reset(&b);
	buf_adds(&b, "keep");
	T_EQ_INT(r53_build_upsert(&b, NULL, "1.2.3.4", 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "", "1.2.3.4", 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "vpn", NULL, 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "vpn", "", 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "vpn", "1.2.3.4", -1, NULL), -1);
	T_EQ_INT(r53_build_upsert(NULL, "vpn", "1.2.3.4", 60, NULL), -1);
	/* bytes no XML 1.0 document may hold */
	T_EQ_INT(r53_build_upsert(&b, "vpn\001", "1.2.3.4", 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "vpn", "1.2.3.4\033", 60, NULL), -1);
	T_EQ_INT(r53_build_upsert(&b, "vpn", "1.2.3.4", 60, "a\fb"), -1);
	T_EQ_STR(buf_str(&b), "keep");
	T_EQ_INT(b.len, 4);
	buf_free(&b);

	/* the cap reached, at every point of the document */
	{
		size_t full, cap, bad = 0;

		buf_init(&b, 64 * 1024);
		r53_build_upsert(&b, "vpn.example.com", "203.0.113.7", 60,
		    "stingy-vpn");
		full = b.len;
		buf_free(&b);
		for (cap = 0; cap < full; cap++) {
			buf_init(&b, cap);
			if (r53_build_upsert(&b, "vpn.example.com",
			    "203.0.113.7", 60, "stingy-vpn") != -1 ||
			    b.len != 0 || buf_str(&b)[0] != '\0')
				bad++;
			buf_free(&b);
		}
		T_EQ_INT(bad, 0);
		buf_init(&b, full);
		T_EQ_INT(r53_build_upsert(&b, "vpn.example.com", "203.0.113.7",
		    60, "stingy-vpn"), 0);
		buf_free(&b);
	}

	/* a long name goes through whole: Route 53 judges it */
	buf_init(&b, 64 * 1024);
	longname = repeat('n', 2000);
	T_EQ_INT(r53_build_upsert(&b, longname, "1.2.3.4", 60, NULL), 0);
	T_OK(strstr(buf_str(&b), longname) != NULL, "long name kept whole");
	free(longname);
	buf_free(&b);
}

static void
test_name_equal(void)
{
	static const struct {
		const char	*a, *b;
		int		 eq;
	} v[] = {
		{ "vpn.example.com", "vpn.example.com", 1 },
		{ "vpn.example.com.", "vpn.example.com", 1 },
		{ "vpn.example.com", "vpn.example.com.", 1 },
		{ "VPN.Example.COM.", "vpn.example.com", 1 },
		{ "vpn.example.com", "vpn.example.co", 0 },
		{ "vpn.example.com", "vpn2.example.com", 0 },
		{ "vpn.example.com..", "vpn.example.com", 0 },
		{ "home.example.org.", "vpn.example.org.", 0 },
		{ "", "", 1 },
		{ ".", "", 1 },
		{ "a", "", 0 },
		{ "\xc3\x89.example", "\xc3\xa9.example", 0 },	/* ASCII only */
		{ NULL, "a", 0 },
		{ "a", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_OK(r53_name_equal(v[i].a, v[i].b) == v[i].eq,
		    "r53_name_equal(\"%s\", \"%s\") != %d",
		    v[i].a ? v[i].a : "(null)", v[i].b ? v[i].b : "(null)",
		    v[i].eq);
}

static int
change_str(const char *xml, size_t len, char *id, size_t idlen, char *status,
    size_t statuslen, char *err, size_t errlen)
{
	err[0] = '\0';
	return r53_parse_change(xml, len, id, idlen, status, statuslen, err,
	    errlen);
}

static void
test_parse_change_files(void)
{
	static const struct {
		const char	*file;
		int		 rc;
		const char	*id, *status, *err;
	} v[] = {
		{ "change.xml", 0, "C2682N5HXP0BZ4", "INSYNC", NULL },
		{ "get_change.xml", 0, "C2682N5HXP0BZ4", "INSYNC", NULL },
		{ "change_aws.xml", 0, "C2682N5HXP0BZ4", "PENDING", NULL },
		{ "get_change_aws.xml", 0, "C2682N5HXP0BZ4", "INSYNC", NULL },
		{ "no_such_hosted_zone.xml", -1, "", "", "route53 change: "
		    "unexpected root element <ErrorResponse>" },
		{ "list_found.xml", -1, "", "", "route53 change: unexpected "
		    "root element <ListResourceRecordSetsResponse>" },
	};
	char path[256], id[64], status[32], err[256], *x;
	size_t i, len, cut, bad;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s", v[i].file);
		if ((x = t_read_file(path, &len)) == NULL) {
			T_OK(0, "read %s", path);
			continue;
		}
		T_EQ_INT(change_str(x, len, id, sizeof(id), status,
		    sizeof(status), err, sizeof(err)), v[i].rc);
		T_EQ_STR(id, v[i].id);
		T_EQ_STR(status, v[i].status);
		if (v[i].err)
			T_EQ_STR(err, v[i].err);
		/* every cut of a good answer is refused */
		for (cut = 0, bad = 0; v[i].rc == 0 && cut < len; cut++) {
			/* what follows the root's end tag is only a newline */
			if (strspn(x + cut, "\n") == len - cut)
				break;
			if (change_str(x, cut, id, sizeof(id), status,
			    sizeof(status), err, sizeof(err)) != -1 ||
			    id[0] != '\0' || status[0] != '\0' || err[0] == '\0')
				bad++;
		}
		T_OK(bad == 0, "%s: %zu cuts parsed", v[i].file, bad);
		free(x);
	}
}

static void
test_parse_change_broken(void)
{
	static const struct {
		const char	*xml;
		const char	*err;	/* NULL: any */
	} v[] = {
		{ "<ChangeResourceRecordSetsResponse><ChangeInfo><Status>PENDING"
		    "</Status></ChangeInfo></ChangeResourceRecordSetsResponse>",
		    "route53 change: no ChangeInfo/Id in the answer" },
		{ "<GetChangeResponse><ChangeInfo><Id>/change/C1</Id>"
		    "</ChangeInfo></GetChangeResponse>",
		    "route53 change: no ChangeInfo/Status in the answer" },
		{ "<GetChangeResponse><ChangeInfo><Id>/change/</Id><Status>"
		    "INSYNC</Status></ChangeInfo></GetChangeResponse>",
		    "route53 change: no ChangeInfo/Id in the answer" },
		{ "<GetChangeResponse><ChangeInfo><Id>C1</Id><Status/>"
		    "</ChangeInfo></GetChangeResponse>",
		    "route53 change: no ChangeInfo/Status in the answer" },
		/* the fields must sit right under the root's ChangeInfo */
		{ "<GetChangeResponse><Other><ChangeInfo><Id>C1</Id><Status>"
		    "INSYNC</Status></ChangeInfo></Other></GetChangeResponse>",
		    "route53 change: no ChangeInfo/Id in the answer" },
		{ "<GetChangeResponse><Id>C1</Id><Status>INSYNC</Status>"
		    "</GetChangeResponse>",
		    "route53 change: no ChangeInfo/Id in the answer" },
		{ "<ChangeInfo><Id>C1</Id><Status>INSYNC</Status></ChangeInfo>",
		    "route53 change: unexpected root element <ChangeInfo>" },
		{ "<GetChangeResponse><ChangeInfo><Id>C1</Id><Status>INSYNC"
		    "</Status></ChangeInfo>", NULL },
		{ "<GetChangeResponse><ChangeInfo><Id>C1</Id><Status>INSYNC"
		    "</Status></ChangeInfo></GetChangeResponse><x/>", NULL },
		{ "<!DOCTYPE r [<!ENTITY e \"C1\">]><GetChangeResponse>"
		    "<ChangeInfo><Id>&e;</Id><Status>INSYNC</Status>"
		    "</ChangeInfo></GetChangeResponse>",
		    "route53 change: xml line 1: DOCTYPE refused" },
		{ "{\"ChangeInfo\":{\"Id\":\"C1\"}}", NULL },
		{ "", NULL },
	};
	char id[64], status[32], err[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_OK(change_str(v[i].xml, strlen(v[i].xml), id, sizeof(id),
		    status, sizeof(status), err, sizeof(err)) == -1,
		    "case %zu parsed", i);
		T_OK(id[0] == '\0' && status[0] == '\0', "case %zu: fields "
		    "left \"%s\" \"%s\"", i, id, status);
		if (v[i].err)
			T_EQ_STR(err, v[i].err);
		else
			T_OK(err[0] != '\0', "case %zu: no reason", i);
	}
}

static void
test_parse_change_limits(void)
{
	char id[64], status[32], small[15], err[256], *big;
	struct buf b;

	/* "C2682N5HXP0BZ4" is 14 bytes: 15 holds it, 14 does not */
	T_EQ_INT(change_str(S("<GetChangeResponse><ChangeInfo><Id>/change/"
	    "C2682N5HXP0BZ4</Id><Status>INSYNC</Status></ChangeInfo>"
	    "</GetChangeResponse>"), small, sizeof(small), status,
	    sizeof(status), err, sizeof(err)), 0);
	T_EQ_STR(small, "C2682N5HXP0BZ4");
	T_EQ_INT(change_str(S("<GetChangeResponse><ChangeInfo><Id>/change/"
	    "C2682N5HXP0BZ4</Id><Status>INSYNC</Status></ChangeInfo>"
	    "</GetChangeResponse>"), small, sizeof(small) - 1, status,
	    sizeof(status), err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 change: Id too long (14 bytes, at most 13)");
	T_EQ_INT(change_str(S("<GetChangeResponse><ChangeInfo><Id>C1</Id>"
	    "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>"), id,
	    sizeof(id), status, 6, err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 change: Status too long (6 bytes, at most 5)");
	T_EQ_INT(change_str(S("<GetChangeResponse/>"), id, 0, status,
	    sizeof(status), err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 change: no room for the answer");

	/* a field beyond what the collector keeps */
	buf_init(&b, 1024 * 1024);
	big = repeat('C', XML_TEXT_MAX + 10);
	buf_addf(&b, "<GetChangeResponse><ChangeInfo><Id>%s</Id><Status>INSYNC"
	    "</Status></ChangeInfo></GetChangeResponse>", big);
	T_EQ_INT(change_str(b.data, b.len, id, sizeof(id), status,
	    sizeof(status), err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 change: Id too long (over 16384 bytes, at most "
	    "63)");
	free(big);
	buf_reset(&b);

	/* nested past the collector's depth */
	{
		int i;

		buf_adds(&b, "<GetChangeResponse>");
		for (i = 0; i < XML_PATH_DEPTH; i++)
			buf_adds(&b, "<a>");
		T_EQ_INT(change_str(b.data, b.len, id, sizeof(id), status,
		    sizeof(status), err, sizeof(err)), -1);
		T_EQ_STR(err, "route53 change: xml line 1: elements nested too "
		    "deep");
	}
	buf_free(&b);
}

static int
list_str(const char *xml, size_t len, struct r53_rrset *rr, int *found,
    char *err, size_t errlen)
{
	err[0] = '\0';
	*found = -1;
	return r53_parse_list(xml, len, rr, found, err, errlen);
}

static void
test_parse_list_files(void)
{
	static const struct {
		const char	*file;
		int		 rc, found;
		const char	*name, *type;
		long		 ttl;
		const char	*value;
		int		 n_values;
	} v[] = {
		{ "list_found.xml", 0, 1, "vpn.example.org.", "A", 60,
		    "198.51.100.4", 1 },
		/* asked for home.example.org: moto lists the next name on */
		{ "list_other_name.xml", 0, 1, "vpn.example.org.", "A", 60,
		    "198.51.100.4", 1 },
		{ "list_two_values.xml", 0, 1, "multi.example.org.", "A", 120,
		    "192.0.2.10", 2 },
		/* the next name's long TXT: no error, value left "" */
		{ "list_long_txt.xml", 0, 1, "web.example.org.", "TXT", 300,
		    "", 1 },
		{ "list_alias_aws.xml", 0, 1, "vpn.example.com.", "A", -1,
		    "", 0 },
		{ "list_empty.xml", 0, 0, "", "", -1, "", 0 },
		{ "no_such_hosted_zone.xml", -1, 0, "", "", -1, "", 0 },
		{ "change.xml", -1, 0, "", "", -1, "", 0 },
	};
	struct r53_rrset rr;
	char path[256], err[256], *x;
	size_t i, len, cut, bad;
	int found;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s", v[i].file);
		if ((x = t_read_file(path, &len)) == NULL) {
			T_OK(0, "read %s", path);
			continue;
		}
		memset(&rr, 'x', sizeof(rr));
		T_OK(list_str(x, len, &rr, &found, err, sizeof(err)) ==
		    v[i].rc, "%s: rc (%s)", v[i].file, err);
		T_OK(found == v[i].found, "%s: found %d", v[i].file, found);
		T_EQ_STR(rr.name, v[i].name);
		T_EQ_STR(rr.type, v[i].type);
		T_EQ_INT(rr.ttl, v[i].ttl);
		T_EQ_STR(rr.value, v[i].value);
		T_EQ_INT(rr.n_values, v[i].n_values);
		if (v[i].rc == -1)
			T_OK(strncmp(err, "route53 list: unexpected root",
			    29) == 0, "%s: %s", v[i].file, err);
		for (cut = 0, bad = 0; v[i].rc == 0 && cut < len; cut++) {
			/* what follows the root's end tag is only a newline */
			if (strspn(x + cut, "\n") == len - cut)
				break;
			if (list_str(x, cut, &rr, &found, err,
			    sizeof(err)) != -1 || found != 0 ||
			    rr.name[0] != '\0' || rr.ttl != -1 || err[0] == '\0')
				bad++;
		}
		T_OK(bad == 0, "%s: %zu cuts parsed", v[i].file, bad);
		free(x);
	}
}

#define LIST(sets) "<ListResourceRecordSetsResponse><ResourceRecordSets>" \
	sets "</ResourceRecordSets><IsTruncated>false</IsTruncated>" \
	"<MaxItems>1</MaxItems></ListResourceRecordSetsResponse>"
#define SET(name, type, ttl, rrs) "<ResourceRecordSet><Name>" name \
	"</Name><Type>" type "</Type>" ttl "<ResourceRecords>" rrs \
	"</ResourceRecords></ResourceRecordSet>"
#define RR(v) "<ResourceRecord><Value>" v "</Value></ResourceRecord>"

static void
test_parse_list_inline(void)
{
	static const struct {
		const char	*xml;
		int		 rc, found;
		const char	*name, *type;
		long		 ttl;
		const char	*value;
		int		 n_values;
		const char	*err;
	} v[] = {
		/* only the first set counts; the second may be anything */
		{ LIST(SET("a.example.", "A", "<TTL>5</TTL>", RR("192.0.2.1"))
		    SET("b.example.", "TXT", "<TTL>nope</TTL>", "")), 0, 1,
		    "a.example.", "A", 5, "192.0.2.1", 1, NULL },
		{ LIST(SET("a.example.", "A", "<TTL>0</TTL>", "")), 0, 1,
		    "a.example.", "A", 0, "", 0, NULL },
		{ LIST(SET("a.example.", "A", "<TTL>2147483647</TTL>",
		    RR("192.0.2.1"))), 0, 1, "a.example.", "A", 2147483647L,
		    "192.0.2.1", 1, NULL },
		/* entities decoded */
		{ LIST(SET("a&amp;b.example.", "A", "<TTL>5</TTL>",
		    RR("192.0.2.1"))), 0, 1, "a&b.example.", "A", 5,
		    "192.0.2.1", 1, NULL },
		/* a namespace prefix is no matter */
		{ "<r:ListResourceRecordSetsResponse xmlns:r=\"" R53_NS "\">"
		    "<r:ResourceRecordSets><r:ResourceRecordSet><r:Name>a."
		    "</r:Name><r:Type>A</r:Type></r:ResourceRecordSet>"
		    "</r:ResourceRecordSets></r:ListResourceRecordSetsResponse>",
		    0, 1, "a.", "A", -1, "", 0, NULL },
		{ "<ListResourceRecordSetsResponse/>", 0, 0, "", "", -1, "", 0,
		    NULL },
		/* a set elsewhere is not the answer's */
		{ "<ListResourceRecordSetsResponse><Other><ResourceRecordSet>"
		    "<Name>a.</Name><Type>A</Type></ResourceRecordSet></Other>"
		    "</ListResourceRecordSetsResponse>", 0, 0, "", "", -1, "", 0,
		    NULL },
		{ LIST(SET("a.example.", "A", "<TTL>-1</TTL>", "")), -1, 0, "",
		    "", -1, "", 0, "route53 list: TTL \"-1\" is not a number "
		    "of seconds" },
		{ LIST(SET("a.example.", "A", "<TTL></TTL>", "")), -1, 0, "",
		    "", -1, "", 0, "route53 list: TTL \"\" is not a number of "
		    "seconds" },
		{ LIST(SET("a.example.", "A", "<TTL>2147483648</TTL>", "")), -1,
		    0, "", "", -1, "", 0, NULL },
		{ LIST(SET("a.example.", "A", "<TTL> 60</TTL>", "")), -1, 0, "",
		    "", -1, "", 0, NULL },
		{ LIST(SET("a.example.", "A", "<TTL>99999999999999999999999"
		    "</TTL>", "")), -1, 0, "", "", -1, "", 0, NULL },
		{ LIST("<ResourceRecordSet><Type>A</Type></ResourceRecordSet>"),
		    -1, 0, "", "", -1, "", 0, "route53 list: ResourceRecordSet "
		    "without a Name" },
		{ LIST("<ResourceRecordSet><Name>a.</Name></ResourceRecordSet>"),
		    -1, 0, "", "", -1, "", 0, "route53 list: ResourceRecordSet "
		    "without a Type" },
		{ LIST(SET("a.", "AAAAAAAAAAAAAAAA", "", "")), -1, 0, "", "", -1,
		    "", 0, "route53 list: Type too long (16 bytes, at most 15)" },
		/* an A record's value must fit: 64 bytes do not */
		{ LIST(SET("a.", "A", "", RR("1234567890123456789012345678901"
		    "234567890123456789012345678901234"))), -1, 0, "", "", -1,
		    "", 0, "route53 list: a. A: Value too long (at most 63 "
		    "bytes)" },
		/* the Type coming after the Values is judged alike */
		{ LIST("<ResourceRecordSet><Name>a.</Name><ResourceRecords>"
		    RR("1234567890123456789012345678901234567890123456789012345"
		    "678901234") "</ResourceRecords><Type>A</Type>"
		    "</ResourceRecordSet>"), -1, 0, "", "", -1, "", 0,
		    "route53 list: a. A: Value too long (at most 63 bytes)" },
		{ LIST(SET("a.", "CNAME", "", RR("1234567890123456789012345678"
		    "901234567890123456789012345678901234"))), 0, 1, "a.",
		    "CNAME", -1, "", 1, NULL },
		{ LIST(SET("a.", "A", "", RR("123456789012345678901234567890123"
		    "456789012345678901234567890123"))), 0, 1, "a.", "A", -1,
		    "123456789012345678901234567890123456789012345678901234567"
		    "890123", 1, NULL },
		{ LIST(SET("a.", "A", "", RR("192.0.2.1"))) "<x/>", -1, 0, "",
		    "", -1, "", 0, NULL },
		{ "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;"
		    "&a;&a;&a;&a;&a;&a;&a;\">]>" LIST(SET("&b;", "A", "", "")),
		    -1, 0, "", "", -1, "", 0, "route53 list: xml line 1: "
		    "DOCTYPE refused" },
		{ "<ListResourceRecordSetsResponse><ResourceRecordSets>", -1, 0,
		    "", "", -1, "", 0, NULL },
		{ "", -1, 0, "", "", -1, "", 0, NULL },
		{ "not xml", -1, 0, "", "", -1, "", 0, NULL },
	};
	struct r53_rrset rr;
	char err[256];
	size_t i;
	int found;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&rr, 'x', sizeof(rr));
		T_OK(list_str(v[i].xml, strlen(v[i].xml), &rr, &found, err,
		    sizeof(err)) == v[i].rc, "case %zu: rc (%s)", i, err);
		T_OK(found == v[i].found, "case %zu: found %d", i, found);
		T_EQ_STR(rr.name, v[i].name);
		T_EQ_STR(rr.type, v[i].type);
		T_EQ_INT(rr.ttl, v[i].ttl);
		T_EQ_STR(rr.value, v[i].value);
		T_EQ_INT(rr.n_values, v[i].n_values);
		if (v[i].err)
			T_EQ_STR(err, v[i].err);
		else if (v[i].rc == -1)
			T_OK(err[0] != '\0', "case %zu: no reason", i);
	}
}

static void
test_parse_list_limits(void)
{
	struct r53_rrset rr;
	struct buf b;
	char err[256], *s;
	int found, i;

	buf_init(&b, 1024 * 1024);
	/* name[256]: 255 bytes fit, 256 do not */
	s = repeat('n', 255);
	buf_addf(&b, LIST(SET("%s", "A", "", "")), s);
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), 0);
	T_EQ_INT(strlen(rr.name), 255);
	free(s);
	buf_reset(&b);
	s = repeat('n', 256);
	buf_addf(&b, LIST(SET("%s", "A", "", "")), s);
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 list: Name too long (256 bytes, at most 255)");
	T_EQ_INT(found, 0);
	free(s);
	buf_reset(&b);
	/* past the collector's text limit */
	s = repeat('n', XML_TEXT_MAX + 1);
	buf_addf(&b, LIST(SET("%s", "A", "", "")), s);
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 list: Name too long (over 16384 bytes, at most "
	    "255)");
	buf_reset(&b);
	buf_addf(&b, LIST(SET("a.", "A", "<TTL>%s</TTL>", "")), s);
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), -1);
	free(s);
	buf_reset(&b);
	/* many values: counted, the first kept */
	buf_adds(&b, "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	    "<ResourceRecordSet><Name>a.</Name><Type>A</Type><ResourceRecords>");
	for (i = 0; i < 5000; i++)
		buf_addf(&b, RR("192.0.2.%d"), i % 256);
	buf_adds(&b, "</ResourceRecords></ResourceRecordSet>"
	    "</ResourceRecordSets></ListResourceRecordSetsResponse>");
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), 0);
	T_EQ_INT(rr.n_values, 5000);
	T_EQ_STR(rr.value, "192.0.2.0");
	buf_reset(&b);
	/* nested past the collector's depth */
	buf_adds(&b, "<ListResourceRecordSetsResponse>");
	for (i = 0; i < XML_PATH_DEPTH; i++)
		buf_adds(&b, "<ResourceRecordSets>");
	T_EQ_INT(list_str(b.data, b.len, &rr, &found, err, sizeof(err)), -1);
	T_EQ_STR(err, "route53 list: xml line 1: elements nested too deep");
	buf_free(&b);
}

static struct {
	int			calls;
	char			code[64];
	long			http_status;
	char			id[64], status[32];
	int			has_rr;
	struct r53_rrset	rr;
} got;

static void
change_cb(const struct aws_error *err, const char *id, const char *status,
    void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	got.http_status = err ? err->http_status : 0;
	T_OK((err == NULL) == (id != NULL && status != NULL),
	    "id and status set exactly on success");
	snprintf(got.id, sizeof(got.id), "%s", id ? id : "");
	snprintf(got.status, sizeof(got.status), "%s", status ? status : "");
}

static void
record_cb(const struct aws_error *err, const struct r53_rrset *rr, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	got.http_status = err ? err->http_status : 0;
	T_OK(err == NULL || rr == NULL, "no record with an error");
	got.has_rr = rr != NULL;
	if (rr)
		got.rr = *rr;
}

static void
test_upsert_call(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	static const char *const zones[] = { "Z1D633PJN98FT9",
	    "/hostedzone/Z1D633PJN98FT9" };
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&got, 0, sizeof(got));
		fake.calls = 0;
		T_EQ_INT(r53_upsert(a, zones[i], "vpn.example.com",
		    "203.0.113.7", 60, change_cb, &got), 0);
		T_EQ_INT(fake.calls, 1);
		T_EQ_STR(fake.service, "route53");
		T_EQ_STR(fake.method, "POST");
		T_EQ_STR(fake.path, "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/");
		T_EQ_STR(fake.query, "(null)");
		T_EQ_STR(fake.content_type, "application/xml");
		T_EQ_STR(fake.target, "(null)");
		T_EQ_STR(fake.what, "route53 ChangeResourceRecordSets");
		T_EQ_STR(fake.body, REQ("vpn.example.com", "60",
		    "203.0.113.7"));
		T_EQ_INT(fake.body_len, strlen(REQ("vpn.example.com", "60",
		    "203.0.113.7")));
		T_EQ_INT(got.calls, 0);
		fake_answer(200, FIX "change.xml", 1);
		T_EQ_INT(got.calls, 1);
		T_EQ_STR(got.code, "");
		T_EQ_STR(got.id, "C2682N5HXP0BZ4");
		T_EQ_STR(got.status, "INSYNC");
	}

	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_upsert(a, "Z1", "vpn.example.com", "203.0.113.7", 60,
	    change_cb, &got), 0);
	fake_answer(200, FIX "change_aws.xml", 1);
	T_EQ_STR(got.status, "PENDING");

	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_upsert(a, "ZNOSUCHZONE", "vpn.example.com",
	    "203.0.113.7", 60, change_cb, &got), 0);
	fake_answer(404, FIX "no_such_hosted_zone.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "NoSuchHostedZone");
	T_EQ_INT(got.http_status, 404);

	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_upsert(a, "Z1", "vpn.example.com", "203.0.113.7", 60,
	    change_cb, &got), 0);
	fake_answer(200, "<ChangeResourceRecordSetsResponse/>", 0);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "MalformedResponse");
	T_EQ_INT(got.http_status, 200);
}

static void
test_get_change_call(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	static const char *const ids[] = { "C2682N5HXP0BZ4",
	    "/change/C2682N5HXP0BZ4" };
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&got, 0, sizeof(got));
		T_EQ_INT(r53_get_change(a, ids[i], change_cb, &got), 0);
		T_EQ_STR(fake.service, "route53");
		T_EQ_STR(fake.method, "GET");
		T_EQ_STR(fake.path, "/2013-04-01/change/C2682N5HXP0BZ4");
		T_EQ_STR(fake.query, "(null)");
		T_EQ_STR(fake.content_type, "(null)");
		T_EQ_INT(fake.body_len, 0);
		T_EQ_STR(fake.what, "route53 GetChange");
		fake_answer(200, FIX "get_change.xml", 1);
		T_EQ_INT(got.calls, 1);
		T_EQ_STR(got.id, "C2682N5HXP0BZ4");
		T_EQ_STR(got.status, "INSYNC");
	}
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_change(a, "C1", change_cb, &got), 0);
	fake_answer(200, FIX "get_change_aws.xml", 1);
	T_EQ_STR(got.id, "C2682N5HXP0BZ4");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_change(a, "C1", change_cb, &got), 0);
	fake_answer(200, FIX "list_found.xml", 1);
	T_EQ_STR(got.code, "MalformedResponse");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_change(a, "C1", change_cb, &got), 0);
	fake_answer(400, "<ErrorResponse><Error><Code>Throttling</Code>"
	    "<Message>Rate exceeded</Message></Error></ErrorResponse>", 0);
	T_EQ_STR(got.code, "Throttling");
}

static void
test_get_record_call(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	static const struct {
		const char	*name;		/* asked for */
		long		 status;
		const char	*file;
		int		 has_rr;
		const char	*code;
	} v[] = {
		{ "vpn.example.org", 200, "list_found.xml", 1, "" },
		{ "VPN.Example.Org.", 200, "list_found.xml", 1, "" },
		{ "home.example.org", 200, "list_other_name.xml", 0, "" },
		{ "vpn.example.org", 200, "list_empty.xml", 0, "" },
		{ "w.example.org", 200, "list_long_txt.xml", 0, "" },
		{ "web.example.org", 200, "list_long_txt.xml", 0, "" },
		{ "vpn.example.com", 200, "list_alias_aws.xml", 1, "" },
		{ "vpn.example.org", 404, "no_such_hosted_zone.xml", 0,
		    "NoSuchHostedZone" },
		{ "vpn.example.org", 200, "change.xml", 0, "MalformedResponse" },
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&got, 0, sizeof(got));
		T_EQ_INT(r53_get_record(a, "/hostedzone/Z1D633PJN98FT9",
		    v[i].name, record_cb, &got), 0);
		snprintf(path, sizeof(path), FIX "%s", v[i].file);
		fake_answer(v[i].status, path, 1);
		T_OK(got.calls == 1, "%s/%s: %d calls", v[i].name, v[i].file,
		    got.calls);
		T_OK(got.has_rr == v[i].has_rr, "%s/%s: record %d", v[i].name,
		    v[i].file, got.has_rr);
		T_EQ_STR(got.code, v[i].code);
	}

	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_record(a, "Z1D633PJN98FT9", "vpn.example.org",
	    record_cb, &got), 0);
	T_EQ_STR(fake.service, "route53");
	T_EQ_STR(fake.method, "GET");
	T_EQ_STR(fake.path, "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset");
	T_EQ_STR(fake.query, "name=vpn.example.org&type=A&maxitems=1");
	T_EQ_STR(fake.content_type, "(null)");
	T_EQ_INT(fake.body_len, 0);
	T_EQ_STR(fake.what, "route53 ListResourceRecordSets");
	fake_answer(200, FIX "list_two_values.xml", 1);
	T_EQ_INT(got.has_rr, 0);
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_record(a, "Z1D633PJN98FT9", "multi.example.org",
	    record_cb, &got), 0);
	fake_answer(200, FIX "list_two_values.xml", 1);
	T_EQ_INT(got.has_rr, 1);
	T_EQ_STR(got.rr.name, "multi.example.org.");
	T_EQ_STR(got.rr.value, "192.0.2.10");
	T_EQ_INT(got.rr.n_values, 2);
	T_EQ_INT(got.rr.ttl, 120);

	/* the name lowercased and percent-encoded in the query */
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_record(a, "Z1", "*.A&b=c d/E.example.org",
	    record_cb, &got), 0);
	T_EQ_STR(fake.query, "name=%2A.a%26b%3Dc%20d%2Fe.example.org&type=A"
	    "&maxitems=1");
	fake_answer(200, FIX "list_empty.xml", 1);
	T_EQ_INT(got.calls, 1);
	memset(&got, 0, sizeof(got));
	T_EQ_INT(r53_get_record(a, "Z1", "VPN.Example.Org.", record_cb, &got),
	    0);
	T_EQ_STR(fake.query, "name=vpn.example.org.&type=A&maxitems=1");
	fake_answer(200, FIX "list_found.xml", 1);
	T_EQ_INT(got.has_rr, 1);
}

static void
test_calls_refused(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;
	static const char *const bad_zones[] = { NULL, "", "/hostedzone/",
	    "Z1/../change/C1", "Z1?name=x", "Z1 ", "/hostedzone//Z1",
	    "Z123456789012345678901234567890123", "Z\xc3\xa9" };
	char *longname;
	size_t i;

	memset(&got, 0, sizeof(got));
	fake.calls = 0;
	for (i = 0; i < sizeof(bad_zones) / sizeof(bad_zones[0]); i++) {
		T_OK(r53_upsert(a, bad_zones[i], "vpn.example.com", "1.2.3.4",
		    60, change_cb, &got) == -1, "upsert zone %zu", i);
		T_OK(r53_get_record(a, bad_zones[i], "vpn.example.com",
		    record_cb, &got) == -1, "get_record zone %zu", i);
	}
	T_EQ_INT(r53_get_change(a, NULL, change_cb, &got), -1);
	T_EQ_INT(r53_get_change(a, "", change_cb, &got), -1);
	T_EQ_INT(r53_get_change(a, "/change/", change_cb, &got), -1);
	T_EQ_INT(r53_get_change(a, "C1/../../hostedzone", change_cb, &got), -1);
	T_EQ_INT(r53_get_change(a, "C1?x=1", change_cb, &got), -1);
	T_EQ_INT(r53_get_change(a, "C1", NULL, &got), -1);
	T_EQ_INT(r53_upsert(a, "Z1", NULL, "1.2.3.4", 60, change_cb, &got), -1);
	T_EQ_INT(r53_upsert(a, "Z1", "vpn", "", 60, change_cb, &got), -1);
	T_EQ_INT(r53_upsert(a, "Z1", "vpn", "1.2.3.4", -5, change_cb, &got), -1);
	T_EQ_INT(r53_upsert(a, "Z1", "vpn", "1.2.3.4", 60, NULL, &got), -1);
	T_EQ_INT(r53_get_record(a, "Z1", NULL, record_cb, &got), -1);
	T_EQ_INT(r53_get_record(a, "Z1", "", record_cb, &got), -1);
	T_EQ_INT(r53_get_record(a, "Z1", "vpn", NULL, &got), -1);
	/* a request over the adapter's cap */
	longname = repeat('n', 20000);
	T_EQ_INT(r53_upsert(a, "Z1", longname, "1.2.3.4", 60, change_cb, &got),
	    -1);
	T_EQ_INT(r53_get_record(a, "Z1", longname, record_cb, &got), -1);
	free(longname);
	T_EQ_INT(fake.calls, 0);

	/* aws_call refusing: -1, and the callback never runs */
	fake.refuse = 1;
	T_EQ_INT(r53_upsert(a, "Z1", "vpn", "1.2.3.4", 60, change_cb, &got),
	    -1);
	fake.refuse = 1;
	T_EQ_INT(r53_get_change(a, "C1", change_cb, &got), -1);
	fake.refuse = 1;
	T_EQ_INT(r53_get_record(a, "Z1", "vpn", record_cb, &got), -1);
	T_EQ_INT(got.calls, 0);
	T_EQ_INT(fake.calls, 0);
}

int
main(void)
{
	T_RUN(test_build);
	T_RUN(test_name_equal);
	T_RUN(test_parse_change_files);
	T_RUN(test_parse_change_broken);
	T_RUN(test_parse_change_limits);
	T_RUN(test_parse_list_files);
	T_RUN(test_parse_list_inline);
	T_RUN(test_parse_list_limits);
	T_RUN(test_upsert_call);
	T_RUN(test_get_change_call);
	T_RUN(test_get_record_call);
	T_RUN(test_calls_refused);
	free(fake.body);
	return t_done("test_route53");
}
