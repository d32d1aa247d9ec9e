/* route53: Route 53 REST XML request builder and answer parsers (no I/O). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "route53.h"
#include "xml.h"

#define R53_CHANGE_PREFIX	"/change/"
#define R53_SET			"ListResourceRecordSetsResponse/" \
				"ResourceRecordSets/ResourceRecordSet"
#define R53_TTL_MAX		2147483647L	/* Route 53's bound, in seconds */

/*
 * Appends s XML-escaped. A control byte other than tab, LF and CR cannot
 * appear in an XML 1.0 document at all, not even as a character
 * reference: refused, as is a failed append (out is cut back to start).
 */
static int
r53_add_escaped(struct buf *out, const char *s)
{
	size_t start = out->len;
	const char *rep;
	int rc;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			rep = NULL;
			break;
		}
		if (rep == NULL && c < 0x20 && c != '\t' && c != '\n' &&
		    c != '\r')
			goto fail;
		rc = rep ? buf_adds(out, rep) : buf_add(out, s, 1);
		if (rc == -1)
			goto fail;
	}
	return 0;
fail:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

/*
 * The document is built piece by piece; any failure cuts out back to
 * where it was, so a caller never sends half a request. An empty comment
 * is left out, as NULL is.
 */
int
r53_build_upsert(struct buf *out, const char *name, const char *value,
    long ttl, const char *comment)
{
	size_t start;

	if (out == NULL || name == NULL || name[0] == '\0' || value == NULL ||
	    value[0] == '\0' || ttl < 0)
		return -1;
	start = out->len;
	if (buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ChangeResourceRecordSetsRequest xmlns=\"" R53_NS "\">"
	    "<ChangeBatch>") == -1)
		goto fail;
	if (comment != NULL && comment[0] != '\0' &&
	    (buf_adds(out, "<Comment>") == -1 ||
	    r53_add_escaped(out, comment) == -1 ||
	    buf_adds(out, "</Comment>") == -1))
		goto fail;
	if (buf_adds(out, "<Changes><Change><Action>UPSERT</Action>"
	    "<ResourceRecordSet><Name>") == -1 ||
	    r53_add_escaped(out, name) == -1 ||
	    buf_addf(out, "</Name><Type>A</Type><TTL>%ld</TTL>"
	    "<ResourceRecords><ResourceRecord><Value>", ttl) == -1 ||
	    r53_add_escaped(out, value) == -1 ||
	    buf_adds(out, "</Value></ResourceRecord></ResourceRecords>"
	    "</ResourceRecordSet></Change></Changes></ChangeBatch>"
	    "</ChangeResourceRecordSetsRequest>") == -1)
		goto fail;
	return 0;
fail:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

int
r53_name_equal(const char *a, const char *b)
{
	size_t la, lb, i;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	if (la != lb)
		return 0;
	/* ASCII only, whatever the locale: DNS compares names this way */
	for (i = 0; i < la; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * Copies an element's text into a fixed field;
 * one that does not fit is an error, never cut.
 */
static int
r53_field(const char *what, char *dst, size_t dstlen, const char *name,
    const char *text, size_t len, int truncated, char *err, size_t errlen)
{
	if (truncated || len >= dstlen) {
		snprintf(err, errlen, "%s: %s too long (%s%zu bytes, at most %zu)",
		    what, name, truncated ? "over " : "", len, dstlen - 1);
		return -1;
	}
	memcpy(dst, text, len + 1);
	return 0;
}

/*
 * ChangeInfo: one parser for ChangeResourceRecordSets and GetChange, which
 * differ only in their root element.
 */
struct r53_change_ctx {
	char	*id;
	size_t	 idlen;
	char	*status;
	size_t	 statuslen;
	int	 got_id, got_status;
	char	*err;
	size_t	 errlen;
};

static int
r53_change_start(void *arg, const struct xml_path *p)
{
	struct r53_change_ctx *c = arg;

	if (p->depth != 1 ||
	    strcmp(p->el[0], "ChangeResourceRecordSetsResponse") == 0 ||
	    strcmp(p->el[0], "GetChangeResponse") == 0)
		return 0;
	snprintf(c->err, c->errlen, "route53 change: unexpected root element "
	    "<%.64s>", p->el[0]);
	return -1;
}

static int
r53_change_end(void *arg, const struct xml_path *p, const char *text,
    size_t len, int truncated)
{
	struct r53_change_ctx *c = arg;
	size_t skip = 0;

	if (xml_path_is(p, "*/ChangeInfo/Id")) {
		if (len >= strlen(R53_CHANGE_PREFIX) &&
		    strncmp(text, R53_CHANGE_PREFIX,
		    strlen(R53_CHANGE_PREFIX)) == 0)
			skip = strlen(R53_CHANGE_PREFIX);
		if (r53_field("route53 change", c->id, c->idlen, "Id",
		    text + skip, len - skip, truncated, c->err, c->errlen) == -1)
			return -1;
		c->got_id = len > skip;
	} else if (xml_path_is(p, "*/ChangeInfo/Status")) {
		if (r53_field("route53 change", c->status, c->statuslen,
		    "Status", text, len, truncated, c->err, c->errlen) == -1)
			return -1;
		c->got_status = len > 0;
	}
	return 0;
}

int
r53_parse_change(const char *xml, size_t len, char *id, size_t idlen,
    char *status, size_t statuslen, char *err, size_t errlen)
{
	static const struct xml_handler h = { r53_change_start, r53_change_end };
	struct r53_change_ctx c;
	char xerr[160] = "";

	if (idlen == 0 || statuslen == 0) {
		snprintf(err, errlen, "route53 change: no room for the answer");
		return -1;
	}
	id[0] = status[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.id = id;
	c.idlen = idlen;
	c.status = status;
	c.statuslen = statuslen;
	c.err = err;
	c.errlen = errlen;
	if (xml_parse(xml, len, &h, &c, xerr, sizeof(xerr)) == -1) {
		if (xerr[0] != '\0')
			snprintf(err, errlen, "route53 change: %s", xerr);
		goto fail;
	}
	if (!c.got_id || !c.got_status) {
		snprintf(err, errlen, "route53 change: no ChangeInfo/%s in the "
		    "answer", c.got_id ? "Status" : "Id");
		goto fail;
	}
	return 0;
fail:
	id[0] = status[0] = '\0';
	return -1;
}

/* ListResourceRecordSets: only the first ResourceRecordSet is kept. */
struct r53_list_ctx {
	struct r53_rrset	*out;
	int			 sets;		/* ResourceRecordSets opened */
	int			 long_value;	/* first Value did not fit */
	char			*err;
	size_t			 errlen;
};

static int
r53_list_start(void *arg, const struct xml_path *p)
{
	struct r53_list_ctx *c = arg;

	if (p->depth == 1 &&
	    strcmp(p->el[0], "ListResourceRecordSetsResponse") != 0) {
		snprintf(c->err, c->errlen, "route53 list: unexpected root "
		    "element <%.64s>", p->el[0]);
		return -1;
	}
	if (xml_path_is(p, R53_SET) && c->sets < INT_MAX)
		c->sets++;
	else if (c->sets == 1 &&
	    xml_path_is(p, R53_SET "/ResourceRecords/ResourceRecord") &&
	    c->out->n_values < INT_MAX)
		c->out->n_values++;
	return 0;
}

/* TTL: decimal seconds, 0 to R53_TTL_MAX. */
static int
r53_ttl(const char *text, long *ttl)
{
	long v = 0;

	if (*text == '\0')
		return -1;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		v = v * 10 + (*text - '0');
		if (v > R53_TTL_MAX)
			return -1;
	}
	*ttl = v;
	return 0;
}

/*
 * The first set closes. Route 53 lists on past the name asked for, so the
 * set may be another name's TXT or CNAME with a long value: that one is
 * kept with value "", only an A record's must fit.
 */
static int
r53_list_set_end(struct r53_list_ctx *c)
{
	struct r53_rrset *rr = c->out;

	if (rr->name[0] == '\0' || rr->type[0] == '\0') {
		snprintf(c->err, c->errlen, "route53 list: ResourceRecordSet "
		    "without a %s", rr->name[0] == '\0' ? "Name" : "Type");
		return -1;
	}
	if (c->long_value && strcmp(rr->type, "A") == 0) {
		snprintf(c->err, c->errlen, "route53 list: %.64s A: Value too "
		    "long (at most %zu bytes)", rr->name, sizeof(rr->value) - 1);
		return -1;
	}
	return 0;
}

static int
r53_list_end(void *arg, const struct xml_path *p, const char *text,
    size_t len, int truncated)
{
	struct r53_list_ctx *c = arg;
	struct r53_rrset *rr = c->out;

	if (c->sets != 1)
		return 0;
	if (xml_path_is(p, R53_SET "/Name"))
		return r53_field("route53 list", rr->name, sizeof(rr->name),
		    "Name", text, len, truncated, c->err, c->errlen);
	if (xml_path_is(p, R53_SET "/Type"))
		return r53_field("route53 list", rr->type, sizeof(rr->type),
		    "Type", text, len, truncated, c->err, c->errlen);
	if (xml_path_is(p, R53_SET "/TTL")) {
		if (truncated || r53_ttl(text, &rr->ttl) == -1) {
			snprintf(c->err, c->errlen, "route53 list: TTL \"%.32s\" "
			    "is not a number of seconds", text);
			return -1;
		}
		return 0;
	}
	if (xml_path_is(p, R53_SET "/ResourceRecords/ResourceRecord/Value") &&
	    rr->n_values == 1) {
		if (truncated || len >= sizeof(rr->value))
			c->long_value = 1;	/* judged once the Type is known */
		else
			memcpy(rr->value, text, len + 1);
		return 0;
	}
	if (xml_path_is(p, R53_SET))
		return r53_list_set_end(c);
	return 0;
}

int
r53_parse_list(const char *xml, size_t len, struct r53_rrset *out,
    int *found, char *err, size_t errlen)
{
	static const struct xml_handler h = { r53_list_start, r53_list_end };
	struct r53_list_ctx c;
	char xerr[160] = "";

	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	*found = 0;
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	if (xml_parse(xml, len, &h, &c, xerr, sizeof(xerr)) == -1) {
		if (xerr[0] != '\0')
			snprintf(err, errlen, "route53 list: %s", xerr);
		memset(out, 0, sizeof(*out));
		out->ttl = -1;
		return -1;
	}
	*found = c.sets > 0;
	return 0;
}
