/*
 * spotprice: DescribeSpotPriceHistory, the request builder and answer
 * parser (pure) and the paging call through aws_call(). See spotprice.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ec2.h"
#include "log.h"
#include "spotprice.h"
#include "xml.h"

#define SP_WHAT		"ec2 DescribeSpotPriceHistory"
#define SP_ITEM		"*/spotPriceHistorySet/item"
#define SP_ROOT		"DescribeSpotPriceHistoryResponse"
#define SP_MAX_REQUEST	(16 * 1024)		/* request bytes */
#define SP_MAX_ANSWER	(4 * 1024 * 1024)	/* answer bytes per page: 1000 items are ~300 KB */

void
spotprice_list_free(struct spotprice_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l->next_token);
	l->v = NULL;
	l->n = 0;
	l->next_token = NULL;
}

int
spotprice_parse_usd(const char *s, size_t len, int64_t *micro)
{
	int64_t whole = 0, frac = 0;
	size_t i = 0, nint = 0, nfrac = 0;
	int round_up = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nint++) {
		whole = whole * 10 + (s[i] - '0');
		if (whole >= SPOTPRICE_MAX_USD)
			return -1;
	}
	if (nint == 0)
		return -1;
	if (i < len) {
		if (s[i++] != '.')
			return -1;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nfrac < 6)
				frac = frac * 10 + (s[i] - '0');
			else if (nfrac == 6)
				round_up = s[i] >= '5';
		}
		if (nfrac == 0 || nfrac > SPOTPRICE_MAX_DECIMALS || i != len)
			return -1;
	}
	for (; nfrac < 6; nfrac++)
		frac *= 10;
	*micro = whole * 1000000 + frac + round_up;
	return 0;
}

int
spotprice_product_linux(const char *product)
{
	return product != NULL && (strcmp(product, "Linux/UNIX") == 0 ||
	    strcmp(product, "Linux/UNIX (Amazon VPC)") == 0);
}

/* ---- the request ---- */

/* Appends "&name=value", value percent-encoded. */
static int
sp_param(struct buf *b, const char *name, const char *value)
{
	if (buf_addf(b, "&%s=", name) == -1 || buf_add_urlenc(b, value) == -1)
		return -1;
	return 0;
}

int
spotprice_build(struct buf *out, const struct spotprice_query *q,
    const char *next_token)
{
	char name[48], when[32];
	unsigned max = q->max_results ? q->max_results : SPOTPRICE_MAX_RESULTS;
	struct tm tm;
	size_t i;

	if (q->ntypes == 0 || q->ntypes > SPOTPRICE_MAX_TYPES || max < 5 ||
	    max > 1000 || gmtime_r(&q->start, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	if (buf_addf(out, "Action=DescribeSpotPriceHistory&Version=%s",
	    EC2_API_VERSION) == -1)
		return -1;
	for (i = 0; i < q->ntypes; i++) {
		if (q->types[i] == NULL || q->types[i][0] == '\0')
			return -1;
		snprintf(name, sizeof(name), "InstanceType.%zu", i + 1);
		if (sp_param(out, name, q->types[i]) == -1)
			return -1;
	}
	if (sp_param(out, "ProductDescription.1", SPOTPRICE_PRODUCT) == -1 ||
	    sp_param(out, "StartTime", when) == -1)
		return -1;
	if (q->az != NULL && q->az[0] != '\0' &&
	    sp_param(out, "AvailabilityZone", q->az) == -1)
		return -1;
	if (buf_addf(out, "&MaxResults=%u", max) == -1)
		return -1;
	if (next_token != NULL && next_token[0] != '\0' &&
	    sp_param(out, "NextToken", next_token) == -1)
		return -1;
	return 0;
}

/* ---- the answer ---- */

struct sp_ctx {
	struct spotprice_list	*out;
	int			 in_item;
	int			 has_price;
	char			*err;
	size_t			 errlen;
};

static int
sp_start(void *arg, const struct xml_path *p)
{
	struct sp_ctx *c = arg;
	struct spotprice *v;

	if (p->depth == 1 && strcmp(p->el[0], SP_ROOT) != 0) {
		snprintf(c->err, c->errlen, "%s: unexpected root element "
		    "<%.64s>", SP_WHAT, p->el[0]);
		return -1;
	}
	if (!xml_path_is(p, SP_ITEM))
		return 0;
	if (c->out->n == SPOTPRICE_MAX_ITEMS) {
		snprintf(c->err, c->errlen, "%s: more than %d items", SP_WHAT,
		    SPOTPRICE_MAX_ITEMS);
		return -1;
	}
	if ((v = realloc(c->out->v, (c->out->n + 1) * sizeof(*v))) == NULL) {
		snprintf(c->err, c->errlen, "%s: out of memory", SP_WHAT);
		return -1;
	}
	c->out->v = v;
	memset(&v[c->out->n++], 0, sizeof(*v));
	c->in_item = 1;
	c->has_price = 0;
	return 0;
}

/* Copies an element's text into a fixed field; too long is an error, never cut. */
static int
sp_field(struct sp_ctx *c, char *dst, size_t dstlen, const char *name,
    const char *text, size_t len, int truncated)
{
	if (truncated || len >= dstlen) {
		snprintf(c->err, c->errlen, "%s: item %zu: %s too long (%s%zu "
		    "bytes, at most %zu)", SP_WHAT, c->out->n, name,
		    truncated ? "over " : "", len, dstlen - 1);
		return -1;
	}
	memcpy(dst, text, len + 1);
	return 0;
}

/* An item closes: the fields every price needs. */
static int
sp_item_end(struct sp_ctx *c)
{
	const struct spotprice *v = &c->out->v[c->out->n - 1];
	const char *missing = NULL;

	c->in_item = 0;
	if (v->instance_type[0] == '\0')
		missing = "instanceType";
	else if (v->az[0] == '\0')
		missing = "availabilityZone";
	else if (!c->has_price)
		missing = "spotPrice";
	if (missing == NULL)
		return 0;
	snprintf(c->err, c->errlen, "%s: item %zu: no %s", SP_WHAT, c->out->n,
	    missing);
	return -1;
}

/* quote: up to 40 bytes of untrusted text for a message, others as '?'. */
static const char *
sp_quote(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 40 && i + 1 < dstlen; i++)
		dst[i] = ((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
	return dst;
}

static int
sp_end(void *arg, const struct xml_path *p, const char *text, size_t len,
    int tr)
{
	struct sp_ctx *c = arg;
	struct spotprice *v;
	const char *f;
	char q[48];

	if (p->depth == 2 && strcmp(p->el[1], "nextToken") == 0) {
		if (len == 0 || c->out->next_token != NULL)
			return 0;
		if (tr || len > EC2_MAX_NEXT_TOKEN) {
			snprintf(c->err, c->errlen, "%s: nextToken too long",
			    SP_WHAT);
			return -1;
		}
		if ((c->out->next_token = strdup(text)) == NULL) {
			snprintf(c->err, c->errlen, "%s: out of memory", SP_WHAT);
			return -1;
		}
		return 0;
	}
	if (!c->in_item)
		return 0;
	if (p->depth == 3)
		return xml_path_is(p, SP_ITEM) ? sp_item_end(c) : 0;
	if (p->depth != 4 || !xml_path_starts(p, SP_ITEM))
		return 0;
	v = &c->out->v[c->out->n - 1];
	f = p->el[3];
	if (strcmp(f, "instanceType") == 0)
		return sp_field(c, v->instance_type, sizeof(v->instance_type),
		    f, text, len, tr);
	if (strcmp(f, "availabilityZone") == 0)
		return sp_field(c, v->az, sizeof(v->az), f, text, len, tr);
	if (strcmp(f, "productDescription") == 0)
		return sp_field(c, v->product, sizeof(v->product), f, text,
		    len, tr);
	if (strcmp(f, "spotPrice") == 0) {
		if (tr || spotprice_parse_usd(text, len, &v->micro) == -1) {
			snprintf(c->err, c->errlen, "%s: item %zu: bad spotPrice "
			    "\"%s\"", SP_WHAT, c->out->n,
			    sp_quote(q, sizeof(q), text, len));
			return -1;
		}
		c->has_price = 1;
		return 0;
	}
	if (strcmp(f, "timestamp") == 0 && len > 0 &&
	    (tr || strlen(text) != len ||
	    ec2_parse_time(text, &v->timestamp) == -1)) {
		snprintf(c->err, c->errlen, "%s: item %zu: bad timestamp \"%s\"",
		    SP_WHAT, c->out->n, sp_quote(q, sizeof(q), text, len));
		return -1;
	}
	return 0;
}

int
spotprice_parse(const char *xml, size_t len, struct spotprice_list *out,
    char *err, size_t errlen)
{
	static const struct xml_handler h = { sp_start, sp_end };
	struct sp_ctx c;
	char xerr[160] = "";

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (xml_parse(xml, len, &h, &c, xerr, sizeof(xerr)) == 0)
		return 0;
	/* expat's and the limits' reasons come in xerr; ours are in err */
	if (xerr[0] != '\0')
		snprintf(err, errlen, "%s: %s", SP_WHAT, xerr);
	spotprice_list_free(out);
	return -1;
}

static int
sp_same_pool(const struct spotprice *a, const struct spotprice *b)
{
	return strcmp(a->instance_type, b->instance_type) == 0 &&
	    strcmp(a->az, b->az) == 0 && strcmp(a->product, b->product) == 0;
}

static int
sp_cmp(const void *x, const void *y)
{
	const struct spotprice *a = x, *b = y;
	int r;

	if ((r = strcmp(a->instance_type, b->instance_type)) != 0)
		return r;
	if ((r = strcmp(a->az, b->az)) != 0)
		return r;
	return strcmp(a->product, b->product);
}

void
spotprice_current(struct spotprice_list *l)
{
	size_t i, j, kept = 0;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < kept; j++)
			if (sp_same_pool(&l->v[j], &l->v[i]))
				break;
		if (j == kept)
			l->v[kept++] = l->v[i];
		else if (l->v[i].timestamp >= l->v[j].timestamp)
			l->v[j] = l->v[i];
	}
	l->n = kept;
	/* pools are unique now: the order is total */
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), sp_cmp);
}

/* ---- the call ---- */

struct sp_call {
	struct aws		*aws;
	struct buf		 body;
	char			*prefix;	/* the first page's body; later pages add NextToken */
	struct spotprice_list	 all;
	int			 pages;
	spotprice_describe_cb	 cb;
	void			*arg;
};

static void
sp_call_free(struct sp_call *c)
{
	if (c == NULL)
		return;
	buf_free(&c->body);
	free(c->prefix);
	spotprice_list_free(&c->all);
	free(c);
}

static void
sp_fail(struct sp_call *c, long status, const char *code, const char *msg)
{
	struct aws_error e;

	memset(&e, 0, sizeof(e));
	e.http_status = status;
	snprintf(e.code, sizeof(e.code), "%s", code);
	snprintf(e.message, sizeof(e.message), "%s", msg);
	c->cb(&e, NULL, c->arg);
}

static void sp_done_cb(const struct aws_response *res, void *arg);

static int
sp_send(struct sp_call *c)
{
	struct aws_request req;

	memset(&req, 0, sizeof(req));
	req.service = "ec2";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.max_response = SP_MAX_ANSWER;
	req.what = SP_WHAT;
	return aws_call(c->aws, &req, sp_done_cb, c);
}

/*
 * One page arrived: keep its items, then ask for the next page (returns 1:
 * c lives on) or finish (0: the callback has run).
 */
static int
sp_page(struct sp_call *c, const struct aws_response *res)
{
	struct spotprice_list page;
	struct spotprice *v;
	char why[256];

	if (spotprice_parse(res->body, res->body_len, &page, why,
	    sizeof(why)) == -1) {
		sp_fail(c, res->status, "MalformedResponse", why);
		return 0;
	}
	c->pages++;
	if (page.n > SPOTPRICE_MAX_ITEMS - c->all.n) {
		spotprice_list_free(&page);
		snprintf(why, sizeof(why), "more than %d items in %d pages",
		    SPOTPRICE_MAX_ITEMS, c->pages);
		sp_fail(c, res->status, "TooManyItems", why);
		return 0;
	}
	if (page.n > 0) {
		if ((v = realloc(c->all.v, (c->all.n + page.n) *
		    sizeof(*v))) == NULL) {
			spotprice_list_free(&page);
			sp_fail(c, res->status, "OutOfMemory", "cannot keep the "
			    "prices");
			return 0;
		}
		memcpy(v + c->all.n, page.v, page.n * sizeof(*v));
		c->all.v = v;
		c->all.n += page.n;
	}
	if (page.next_token == NULL) {
		spotprice_list_free(&page);
		log_debug("%s: %zu prices in %d pages", SP_WHAT, c->all.n,
		    c->pages);
		c->cb(NULL, &c->all, c->arg);
		return 0;
	}
	if (c->pages == SPOTPRICE_MAX_PAGES) {
		spotprice_list_free(&page);
		snprintf(why, sizeof(why), "still a nextToken after %d pages",
		    SPOTPRICE_MAX_PAGES);
		sp_fail(c, res->status, "TooManyPages", why);
		return 0;
	}
	buf_reset(&c->body);
	if (buf_adds(&c->body, c->prefix) == -1 ||
	    sp_param(&c->body, "NextToken", page.next_token) == -1 ||
	    sp_send(c) == -1) {
		spotprice_list_free(&page);
		sp_fail(c, 0, "RequestNotStarted", "cannot send the request "
		    "for the next page");
		return 0;
	}
	spotprice_list_free(&page);
	return 1;
}

static void
sp_done_cb(const struct aws_response *res, void *arg)
{
	struct sp_call *c = arg;

	if (!res->ok)
		c->cb(&res->err, NULL, c->arg);
	else if (sp_page(c, res) == 1)
		return;		/* the next page's call owns c now */
	sp_call_free(c);
}

int
spotprice_describe(struct aws *a, const struct spotprice_query *q,
    spotprice_describe_cb cb, void *arg)
{
	struct sp_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->aws = a;
	c->cb = cb;
	c->arg = arg;
	buf_init(&c->body, SP_MAX_REQUEST);
	if (spotprice_build(&c->body, q, NULL) == -1 ||
	    (c->prefix = strdup(buf_str(&c->body))) == NULL ||
	    sp_send(c) == -1) {
		log_debug("%s: request not started", SP_WHAT);
		sp_call_free(c);
		return -1;
	}
	return 0;
}
