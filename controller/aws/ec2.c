/* ec2: EC2 Query request builders and XML answer parsers (no I/O). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ec2.h"
#include "xml.h"

/* Instance items: under a reservation in DescribeInstances, at the top in RunInstances. */
#define DESCRIBE_ITEM	"*/reservationSet/item/instancesSet/item"
#define RUN_ITEM	"*/instancesSet/item"

/*
 * Copies an element's text into a fixed field. A value that does not fit is
 * an error, never cut: see "Limits" in ec2.h.
 */
static int
ec2_field(const char *what, char *dst, size_t dstlen, const char *name,
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

/* Checks the root element's name; called from every parser's start callback. */
static int
ec2_root(const struct xml_path *p, const char *root, const char *what,
    char *err, size_t errlen)
{
	if (p->depth != 1 || strcmp(p->el[0], root) == 0)
		return 0;
	snprintf(err, errlen, "%s: unexpected root element <%.64s>", what,
	    p->el[0]);
	return -1;
}

const char *
ec2_instance_tag(const struct ec2_instance *inst, const char *key)
{
	size_t i;

	for (i = 0; i < inst->ntags; i++)
		if (strcmp(inst->tags[i].key, key) == 0)
			return inst->tags[i].value;
	return NULL;
}

static void
ec2_instance_clear(struct ec2_instance *inst)
{
	size_t i;

	for (i = 0; i < inst->ntags; i++) {
		free(inst->tags[i].key);
		free(inst->tags[i].value);
	}
	free(inst->tags);
	inst->tags = NULL;
	inst->ntags = 0;
}

void
ec2_instances_free(struct ec2_instances *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++)
		ec2_instance_clear(&list->v[i]);
	free(list->v);
	free(list->next_token);
	list->v = NULL;
	list->n = 0;
	list->next_token = NULL;
}

/* n digits into *v, advancing *s; 0 when they are not all digits. */
static int
ec2_digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return 0;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 1;
}

int
ec2_parse_time(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, leap;
	time_t t;

	if (!ec2_digits(&s, 4, &y) || *s++ != '-' ||
	    !ec2_digits(&s, 2, &mo) || *s++ != '-' ||
	    !ec2_digits(&s, 2, &d) || (*s != 'T' && *s != 't'))
		return -1;
	s++;
	if (!ec2_digits(&s, 2, &h) || *s++ != ':' ||
	    !ec2_digits(&s, 2, &mi) || *s++ != ':' ||
	    !ec2_digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		int n = 0;

		for (s++; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n == 0 || n > 9)
			return -1;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (!ec2_digits(&s, 2, &oh))
			return -1;
		if (*s == ':')
			s++;
		if (!ec2_digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

/*
 * Instances: one parser for DescribeInstances and RunInstances, told where
 * the instance items sit.
 */
struct ec2_inst_ctx {
	const char		*root;		/* expected root element */
	const char		*what;		/* for messages */
	const char		*item;		/* pattern of an instance item */
	size_t			 base;		/* its depth */
	struct ec2_instances	*out;
	int			 in_item;
	int			 in_tag;
	char			*key;		/* the open tag item's */
	char			*value;
	char			*err;
	size_t			 errlen;
};

static struct ec2_instance *
ec2_cur(struct ec2_inst_ctx *c)
{
	return &c->out->v[c->out->n - 1];
}

static int
ec2_inst_start(void *arg, const struct xml_path *p)
{
	struct ec2_inst_ctx *c = arg;
	struct ec2_instance *inst, *v;

	if (ec2_root(p, c->root, c->what, c->err, c->errlen) == -1)
		return -1;
	if (xml_path_is(p, c->item)) {
		if (c->out->n == EC2_MAX_INSTANCES) {
			snprintf(c->err, c->errlen, "%s: more than %d instances",
			    c->what, EC2_MAX_INSTANCES);
			return -1;
		}
		v = realloc(c->out->v, (c->out->n + 1) * sizeof(*v));
		if (v == NULL) {
			snprintf(c->err, c->errlen, "%s: out of memory", c->what);
			return -1;
		}
		c->out->v = v;
		memset(&v[c->out->n++], 0, sizeof(*v));
		c->in_item = 1;
		return 0;
	}
	if (c->in_item && p->depth == c->base + 2 &&
	    xml_path_at(p, c->base, "tagSet/item")) {
		inst = ec2_cur(c);
		if (inst->ntags == EC2_MAX_TAGS) {
			snprintf(c->err, c->errlen, "%s: %s: more than %d tags",
			    c->what, inst->id[0] ? inst->id : "instance",
			    EC2_MAX_TAGS);
			return -1;
		}
		c->in_tag = 1;
	}
	return 0;
}

/* Stores a tag's key or value: malloc'd, bounded. */
static int
ec2_tag_text(struct ec2_inst_ctx *c, char **dst, const char *name,
    size_t max, const char *text, size_t len, int truncated)
{
	if (truncated || len > max) {
		snprintf(c->err, c->errlen, "%s: tag %s too long (%s%zu bytes)",
		    c->what, name, truncated ? "over " : "", len);
		return -1;
	}
	free(*dst);
	if ((*dst = strdup(text)) == NULL) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->what);
		return -1;
	}
	return 0;
}

/* Closes a tag item: keeps it when it has a key. */
static int
ec2_tag_end(struct ec2_inst_ctx *c)
{
	struct ec2_instance *inst = ec2_cur(c);
	struct ec2_tag *t = NULL;
	int rc = -1;

	c->in_tag = 0;
	if (c->key == NULL) {
		rc = 0;
		goto done;
	}
	if ((c->value == NULL && (c->value = strdup("")) == NULL) ||
	    (t = realloc(inst->tags, (inst->ntags + 1) * sizeof(*t))) == NULL) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->what);
		goto done;
	}
	inst->tags = t;
	t[inst->ntags].key = c->key;
	t[inst->ntags].value = c->value;
	inst->ntags++;
	c->key = c->value = NULL;
	rc = 0;
done:
	free(c->key);
	free(c->value);
	c->key = c->value = NULL;
	return rc;
}

static int
ec2_inst_end(void *arg, const struct xml_path *p, const char *text,
    size_t len, int tr)
{
	struct ec2_inst_ctx *c = arg;
	struct ec2_instance *inst;
	char *e = c->err;
	size_t el = c->errlen;
	const char *f;

	if (xml_path_is(p, "*/nextToken") && c->out->next_token == NULL &&
	    len > 0) {
		if (tr || len > EC2_MAX_NEXT_TOKEN) {
			snprintf(e, el, "%s: nextToken too long", c->what);
			return -1;
		}
		if ((c->out->next_token = strdup(text)) == NULL) {
			snprintf(e, el, "%s: out of memory", c->what);
			return -1;
		}
		return 0;
	}
	if (!c->in_item || p->depth <= c->base - 1)
		return 0;
	inst = ec2_cur(c);
	if (p->depth == c->base) {
		if (!xml_path_is(p, c->item))
			return 0;
		c->in_item = 0;
		if (inst->id[0] == '\0') {
			snprintf(e, el, "%s: instance item without instanceId",
			    c->what);
			return -1;
		}
		return 0;
	}
	if (!xml_path_starts(p, c->item))
		return 0;
	if (c->in_tag) {
		if (xml_path_at(p, c->base, "tagSet/item/key"))
			return ec2_tag_text(c, &c->key, "key", EC2_MAX_TAG_KEY,
			    text, len, tr);
		if (xml_path_at(p, c->base, "tagSet/item/value"))
			return ec2_tag_text(c, &c->value, "value",
			    EC2_MAX_TAG_VALUE, text, len, tr);
		if (xml_path_at(p, c->base, "tagSet/item"))
			return ec2_tag_end(c);
		return 0;
	}
	/* Only the instance's own children: depth base + 1 (or + 2 for the two nested ones). */
	f = p->el[c->base];
	if (p->depth == c->base + 1) {
		if (strcmp(f, "instanceId") == 0)
			return ec2_field(c->what, inst->id, sizeof(inst->id), "instanceId",
			    text, len, tr, e, el);
		if (strcmp(f, "instanceType") == 0)
			return ec2_field(c->what, inst->type, sizeof(inst->type),
			    "instanceType", text, len, tr, e, el);
		if (strcmp(f, "subnetId") == 0)
			return ec2_field(c->what, inst->subnet_id, sizeof(inst->subnet_id),
			    "subnetId", text, len, tr, e, el);
		if (strcmp(f, "ipAddress") == 0)
			return ec2_field(c->what, inst->public_ip, sizeof(inst->public_ip),
			    "ipAddress", text, len, tr, e, el);
		if (strcmp(f, "privateIpAddress") == 0)
			return ec2_field(c->what, inst->private_ip,
			    sizeof(inst->private_ip), "privateIpAddress", text,
			    len, tr, e, el);
		if (strcmp(f, "instanceLifecycle") == 0)
			return ec2_field(c->what, inst->lifecycle, sizeof(inst->lifecycle),
			    "instanceLifecycle", text, len, tr, e, el);
		if (strcmp(f, "launchTime") == 0 && len > 0 &&
		    ec2_parse_time(text, &inst->launch_time) == -1) {
			snprintf(e, el, "%s: %s: bad launchTime \"%.40s\"",
			    c->what, inst->id[0] ? inst->id : "instance", text);
			return -1;
		}
		return 0;
	}
	if (xml_path_at(p, c->base, "instanceState/name"))
		return ec2_field(c->what, inst->state, sizeof(inst->state),
		    "instanceState/name", text, len, tr, e, el);
	if (xml_path_at(p, c->base, "placement/availabilityZone"))
		return ec2_field(c->what, inst->az, sizeof(inst->az),
		    "placement/availabilityZone", text, len, tr, e, el);
	return 0;
}

/* Runs xml_parse; expat's own errors get the "what: " prefix, callbacks write err themselves. */
static int
ec2_xml(const char *xml, size_t len, const struct xml_handler *h, void *ctx,
    const char *what, char *err, size_t errlen)
{
	char xerr[160] = "";

	if (xml_parse(xml, len, h, ctx, xerr, sizeof(xerr)) == 0)
		return 0;
	if (xerr[0] != '\0')
		snprintf(err, errlen, "%s: %s", what, xerr);
	return -1;
}

static int
ec2_parse_instances(const char *xml, size_t len, struct ec2_instances *out,
    const char *root, const char *what, const char *item, char *err,
    size_t errlen)
{
	static const struct xml_handler h = { ec2_inst_start, ec2_inst_end };
	struct ec2_inst_ctx c;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.root = root;
	c.what = what;
	c.item = item;
	c.base = xml_path_segments(item);
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	rc = ec2_xml(xml, len, &h, &c, what, err, errlen);
	free(c.key);
	free(c.value);
	if (rc == -1)
		ec2_instances_free(out);
	return rc;
}

int
ec2_parse_describe(const char *xml, size_t len, struct ec2_instances *out,
    char *err, size_t errlen)
{
	return ec2_parse_instances(xml, len, out, "DescribeInstancesResponse",
	    "ec2 DescribeInstances", DESCRIBE_ITEM, err, errlen);
}

int
ec2_parse_run(const char *xml, size_t len, struct ec2_instances *out,
    char *err, size_t errlen)
{
	if (ec2_parse_instances(xml, len, out, "RunInstancesResponse",
	    "ec2 RunInstances", RUN_ITEM, err, errlen) == -1)
		return -1;
	if (out->n == 0) {
		snprintf(err, errlen, "ec2 RunInstances: no instance in the answer");
		return -1;
	}
	return 0;
}

/* The small answers: one context shape for terminate, tags, associate, addresses. */
struct ec2_small_ctx {
	const char		*root;
	const char		*what;
	char			*err;
	size_t			 errlen;
	/* TerminateInstances */
	const char		*want;		/* instance id, NULL: the first */
	char			 id[32];
	char			 state[24];
	char			 found[24];
	int			 nfound;
	/* CreateTags, AssociateAddress */
	int			 ret_false;
	char			 assoc[48];
	/* DescribeAddresses */
	struct ec2_addresses	*addrs;
};

static int
ec2_small_start(void *arg, const struct xml_path *p)
{
	struct ec2_small_ctx *c = arg;
	struct ec2_address *v;

	if (ec2_root(p, c->root, c->what, c->err, c->errlen) == -1)
		return -1;
	if (xml_path_is(p, "*/instancesSet/item")) {
		c->id[0] = c->state[0] = '\0';
		return 0;
	}
	if (c->addrs == NULL || !xml_path_is(p, "*/addressesSet/item"))
		return 0;
	if (c->addrs->n == EC2_MAX_ADDRESSES) {
		snprintf(c->err, c->errlen, "%s: more than %d addresses", c->what,
		    EC2_MAX_ADDRESSES);
		return -1;
	}
	if ((v = realloc(c->addrs->v, (c->addrs->n + 1) * sizeof(*v))) == NULL) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->what);
		return -1;
	}
	c->addrs->v = v;
	memset(&v[c->addrs->n++], 0, sizeof(*v));
	return 0;
}

static int
ec2_small_end(void *arg, const struct xml_path *p, const char *text,
    size_t len, int tr)
{
	struct ec2_small_ctx *c = arg;
	struct ec2_address *a;
	char *e = c->err;
	size_t el = c->errlen;

	if (xml_path_is(p, "*/return")) {
		if (strcmp(text, "true") != 0)
			c->ret_false = 1;
		return 0;
	}
	if (xml_path_is(p, "*/associationId"))
		return ec2_field(c->what, c->assoc, sizeof(c->assoc), "associationId",
		    text, len, tr, e, el);
	if (xml_path_is(p, "*/instancesSet/item/instanceId"))
		return ec2_field(c->what, c->id, sizeof(c->id), "instanceId", text, len,
		    tr, e, el);
	if (xml_path_is(p, "*/instancesSet/item/currentState/name"))
		return ec2_field(c->what, c->state, sizeof(c->state), "currentState",
		    text, len, tr, e, el);
	if (xml_path_is(p, "*/instancesSet/item")) {
		if (c->nfound == 0 && c->state[0] != '\0' &&
		    (c->want == NULL || strcmp(c->want, c->id) == 0)) {
			memcpy(c->found, c->state, sizeof(c->found));
			c->nfound = 1;
		}
		return 0;
	}
	if (c->addrs == NULL || c->addrs->n == 0 ||
	    !xml_path_starts(p, "*/addressesSet/item") || p->depth != 4)
		return 0;
	a = &c->addrs->v[c->addrs->n - 1];
	if (strcmp(p->el[3], "allocationId") == 0)
		return ec2_field(c->what, a->allocation_id, sizeof(a->allocation_id),
		    "allocationId", text, len, tr, e, el);
	if (strcmp(p->el[3], "publicIp") == 0)
		return ec2_field(c->what, a->public_ip, sizeof(a->public_ip), "publicIp",
		    text, len, tr, e, el);
	if (strcmp(p->el[3], "instanceId") == 0)
		return ec2_field(c->what, a->instance_id, sizeof(a->instance_id),
		    "instanceId", text, len, tr, e, el);
	if (strcmp(p->el[3], "associationId") == 0)
		return ec2_field(c->what, a->association_id, sizeof(a->association_id),
		    "associationId", text, len, tr, e, el);
	return 0;
}

static const struct xml_handler ec2_small = { ec2_small_start, ec2_small_end };

static void
ec2_small_init(struct ec2_small_ctx *c, const char *root, const char *what,
    char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	c->what = what;
	c->err = err;
	c->errlen = errlen;
}

int
ec2_parse_terminate(const char *xml, size_t len, const char *instance_id,
    char *state, size_t statelen, char *err, size_t errlen)
{
	struct ec2_small_ctx c;
	const char *what = "ec2 TerminateInstances";

	ec2_small_init(&c, "TerminateInstancesResponse", what, err, errlen);
	c.want = instance_id;
	if (ec2_xml(xml, len, &ec2_small, &c, what, err, errlen) == -1)
		return -1;
	if (c.nfound == 0) {
		snprintf(err, errlen, "%s: %s: no currentState in the answer",
		    what, instance_id ? instance_id : "instance");
		return -1;
	}
	if (strlen(c.found) >= statelen) {
		snprintf(err, errlen, "%s: state buffer too small", what);
		return -1;
	}
	memcpy(state, c.found, strlen(c.found) + 1);
	return 0;
}

int
ec2_parse_create_tags(const char *xml, size_t len, char *err, size_t errlen)
{
	struct ec2_small_ctx c;
	const char *what = "ec2 CreateTags";

	ec2_small_init(&c, "CreateTagsResponse", what, err, errlen);
	if (ec2_xml(xml, len, &ec2_small, &c, what, err, errlen) == -1)
		return -1;
	if (c.ret_false) {
		snprintf(err, errlen, "%s: the answer's return is not true", what);
		return -1;
	}
	return 0;
}

int
ec2_parse_associate(const char *xml, size_t len, char *assoc,
    size_t assoclen, char *err, size_t errlen)
{
	struct ec2_small_ctx c;
	const char *what = "ec2 AssociateAddress";

	ec2_small_init(&c, "AssociateAddressResponse", what, err, errlen);
	if (ec2_xml(xml, len, &ec2_small, &c, what, err, errlen) == -1)
		return -1;
	if (c.ret_false) {
		snprintf(err, errlen, "%s: the answer's return is not true", what);
		return -1;
	}
	if (c.assoc[0] == '\0') {
		snprintf(err, errlen, "%s: no associationId in the answer", what);
		return -1;
	}
	if (strlen(c.assoc) >= assoclen) {
		snprintf(err, errlen, "%s: association id buffer too small", what);
		return -1;
	}
	memcpy(assoc, c.assoc, strlen(c.assoc) + 1);
	return 0;
}

void
ec2_addresses_free(struct ec2_addresses *list)
{
	if (list == NULL)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int
ec2_parse_describe_addresses(const char *xml, size_t len,
    struct ec2_addresses *out, char *err, size_t errlen)
{
	struct ec2_small_ctx c;
	const char *what = "ec2 DescribeAddresses";
	size_t i;

	memset(out, 0, sizeof(*out));
	ec2_small_init(&c, "DescribeAddressesResponse", what, err, errlen);
	c.addrs = out;
	if (ec2_xml(xml, len, &ec2_small, &c, what, err, errlen) == -1)
		goto fail;
	for (i = 0; i < out->n; i++) {
		if (out->v[i].allocation_id[0] == '\0') {
			snprintf(err, errlen, "%s: address item without "
			    "allocationId", what);
			goto fail;
		}
	}
	return 0;
fail:
	ec2_addresses_free(out);
	return -1;
}

/* Request bodies. */

static int
ec2_action(struct buf *b, const char *action)
{
	return buf_addf(b, "Action=%s&Version=%s", action, EC2_API_VERSION);
}

/* Appends "&name=value", value percent-encoded; NULL value is an error. */
static int
ec2_param(struct buf *b, const char *name, const char *value)
{
	if (value == NULL || buf_addf(b, "&%s=", name) == -1 ||
	    buf_add_urlenc(b, value) == -1)
		return -1;
	return 0;
}

/* ec2_param with a printf-made name ("Filter.3.Value.2"). */
static int
ec2_paramf(struct buf *b, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
ec2_paramf(struct buf *b, const char *value, const char *fmt, ...)
{
	char name[96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -1;
	return ec2_param(b, name, value);
}

static int
ec2_nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int
ec2_build_describe(struct buf *out, const struct ec2_filter *f, size_t nf,
    const char *next_token)
{
	size_t i, j;

	if (ec2_action(out, "DescribeInstances") == -1)
		return -1;
	for (i = 0; i < nf; i++) {
		if (!ec2_nonempty(f[i].name) || f[i].nvalues == 0 ||
		    ec2_paramf(out, f[i].name, "Filter.%zu.Name", i + 1) == -1)
			return -1;
		for (j = 0; j < f[i].nvalues; j++)
			if (ec2_paramf(out, f[i].values[j], "Filter.%zu.Value.%zu",
			    i + 1, j + 1) == -1)
				return -1;
	}
	if (buf_adds(out, "&MaxResults=1000") == -1)
		return -1;
	if (ec2_nonempty(next_token) &&
	    ec2_param(out, "NextToken", next_token) == -1)
		return -1;
	return 0;
}

/* Tag.N.Key/Tag.N.Value under prefix ("TagSpecification.1." or ""). */
static int
ec2_tags(struct buf *b, const char *prefix, const struct ec2_tag *tags,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ec2_nonempty(tags[i].key) ||
		    ec2_paramf(b, tags[i].key, "%sTag.%zu.Key", prefix,
		    i + 1) == -1 ||
		    ec2_paramf(b, tags[i].value ? tags[i].value : "",
		    "%sTag.%zu.Value", prefix, i + 1) == -1)
			return -1;
	}
	return 0;
}

int
ec2_build_run(struct buf *out, const struct ec2_run_params *p)
{
	size_t toklen;
	const char *s;

	if (!ec2_nonempty(p->launch_template_id) ||
	    !ec2_nonempty(p->client_token))
		return -1;
	toklen = strlen(p->client_token);
	if (toklen > 64)
		return -1;
	for (s = p->client_token; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return -1;
	if (ec2_action(out, "RunInstances") == -1 ||
	    buf_adds(out, "&MinCount=1&MaxCount=1") == -1 ||
	    ec2_param(out, "ClientToken", p->client_token) == -1 ||
	    ec2_param(out, "LaunchTemplate.LaunchTemplateId",
	    p->launch_template_id) == -1 ||
	    ec2_param(out, "LaunchTemplate.Version",
	    ec2_nonempty(p->launch_template_version) ?
	    p->launch_template_version : "$Latest") == -1)
		return -1;
	if (ec2_nonempty(p->instance_type) &&
	    ec2_param(out, "InstanceType", p->instance_type) == -1)
		return -1;
	if (ec2_nonempty(p->subnet_id)) {
		if (p->subnet_in_interface) {
			if (buf_adds(out, "&NetworkInterface.1.DeviceIndex=0") == -1 ||
			    ec2_param(out, "NetworkInterface.1.SubnetId",
			    p->subnet_id) == -1)
				return -1;
		} else if (ec2_param(out, "SubnetId", p->subnet_id) == -1)
			return -1;
	}
	if (p->spot && buf_adds(out,
	    "&InstanceMarketOptions.MarketType=spot"
	    "&InstanceMarketOptions.SpotOptions.SpotInstanceType=one-time"
	    "&InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior=terminate") == -1)
		return -1;
	if (p->ntags > 0 &&
	    (buf_adds(out, "&TagSpecification.1.ResourceType=instance") == -1 ||
	    ec2_tags(out, "TagSpecification.1.", p->tags, p->ntags) == -1))
		return -1;
	return 0;
}

int
ec2_build_terminate(struct buf *out, const char *instance_id)
{
	if (!ec2_nonempty(instance_id) ||
	    ec2_action(out, "TerminateInstances") == -1 ||
	    ec2_param(out, "InstanceId.1", instance_id) == -1)
		return -1;
	return 0;
}

int
ec2_build_create_tags(struct buf *out, const char *resource_id,
    const struct ec2_tag *tags, size_t n)
{
	if (!ec2_nonempty(resource_id) || n == 0 ||
	    ec2_action(out, "CreateTags") == -1 ||
	    ec2_param(out, "ResourceId.1", resource_id) == -1 ||
	    ec2_tags(out, "", tags, n) == -1)
		return -1;
	return 0;
}

int
ec2_build_associate(struct buf *out, const char *allocation_id,
    const char *instance_id)
{
	if (!ec2_nonempty(allocation_id) || !ec2_nonempty(instance_id) ||
	    ec2_action(out, "AssociateAddress") == -1 ||
	    ec2_param(out, "AllocationId", allocation_id) == -1 ||
	    ec2_param(out, "InstanceId", instance_id) == -1 ||
	    buf_adds(out, "&AllowReassociation=true") == -1)
		return -1;
	return 0;
}

int
ec2_build_describe_addresses(struct buf *out, const char *allocation_id)
{
	if (!ec2_nonempty(allocation_id) ||
	    ec2_action(out, "DescribeAddresses") == -1 ||
	    ec2_param(out, "AllocationId.1", allocation_id) == -1)
		return -1;
	return 0;
}
