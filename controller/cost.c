/*
 * cost: the monthly cost model (pure) and its two renderings. See cost.h
 * for the lines, the rules and the constants' sources.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cost.h"
#include "desired.h"
#include "spotprice.h"

#define H	COST_HOURS_PER_MONTH

/*
 * On-demand Linux prices, micro-dollars an hour (AWS's EC2 on-demand price
 * page, recorded 2026-12-01): t4g.nano $0.0042 in us-east-1, $0.0046 in
 * eu-west-1; t4g.micro twice that.
 */
static const struct {
	const char	*type;
	const char	*region;
	int64_t		 micro;
} cost_od_table[] = {
	{ "t4g.nano",	"us-east-1",	4200 },
	{ "t4g.nano",	"eu-west-1",	4600 },
	{ "t4g.micro",	"us-east-1",	8400 },
	{ "t4g.micro",	"eu-west-1",	9200 },
};

static const char *const cost_item_name[COST_NITEMS] = {
	[COST_INSTANCE] = "instance",
	[COST_CHEAPEST] = "cheapest",
	[COST_IPV4] = "public IPv4",
	[COST_EBS] = "EBS",
	[COST_DATA] = "data out",
	[COST_SQS] = "SQS",
	[COST_SSM] = "SSM",
	[COST_EVENTBRIDGE] = "EventBridge",
	[COST_SNS] = "SNS",
	[COST_CLOUDWATCH] = "CloudWatch",
};

int64_t
cost_on_demand(const char *type, const char *region)
{
	size_t i;

	if (type == NULL || region == NULL)
		return -1;
	for (i = 0; i < sizeof(cost_od_table) / sizeof(cost_od_table[0]); i++)
		if (strcmp(cost_od_table[i].type, type) == 0 &&
		    strcmp(cost_od_table[i].region, region) == 0)
			return cost_od_table[i].micro;
	return -1;
}

const char *
cost_usd(int64_t micro, int decimals, char *buf, size_t len)
{
	static const int64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000 };
	uint64_t mag, unit, q;
	int neg = micro < 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	/* the magnitude without overflow, INT64_MIN included */
	mag = neg ? (uint64_t)0 - (uint64_t)micro : (uint64_t)micro;
	unit = (uint64_t)pow10[6 - decimals];
	q = mag / unit + (mag % unit >= (unit + 1) / 2 && unit > 1);
	if (decimals == 0)
		snprintf(buf, len, "%s%llu", neg && q ? "-" : "",
		    (unsigned long long)q);
	else
		snprintf(buf, len, "%s%llu.%0*llu", neg && q ? "-" : "",
		    (unsigned long long)(q / (uint64_t)pow10[decimals]),
		    decimals, (unsigned long long)(q % (uint64_t)pow10[decimals]));
	return buf;
}

/* pct: 100 * num / den rounded half away from zero; den > 0. */
static int
cost_pct(int64_t num, int64_t den)
{
	int64_t n = num * 100 * 2;

	return (int)((n + (n < 0 ? -den : den)) / (2 * den));
}

static int
cost_in_list(const char *s, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* considered: a Linux price of one of our types in a zone we may run in. */
static int
cost_considered(const struct cost_input *in, const struct spotprice *p)
{
	/* "" only when AWS left it out: the request asked for Linux/UNIX */
	if (p->product[0] != '\0' && !spotprice_product_linux(p->product))
		return 0;
	if (!cost_in_list(p->instance_type, in->types, in->ntypes) &&
	    (in->running_type == NULL ||
	    strcmp(in->running_type, p->instance_type) != 0))
		return 0;
	if (in->nazs > 0 && !cost_in_list(p->az, in->azs, in->nazs) &&
	    (in->running_az == NULL || strcmp(in->running_az, p->az) != 0))
		return 0;
	return 1;
}

/* keep: the considered prices, one per pool, into e->prices. */
static int
cost_keep(const struct cost_input *in, struct cost_estimate *e)
{
	struct spotprice_list l = { NULL, 0, NULL };
	size_t i;

	if (in->nprices > 0 &&
	    (l.v = calloc(in->nprices, sizeof(*l.v))) == NULL)
		return -1;
	for (i = 0; i < in->nprices; i++)
		if (cost_considered(in, &in->prices[i]))
			l.v[l.n++] = in->prices[i];
	spotprice_current(&l);
	e->prices = l.v;
	e->nprices = l.n;
	for (i = 0; i < l.n; i++)
		if (l.v[i].timestamp > e->prices_at)
			e->prices_at = l.v[i].timestamp;
	return 0;
}

static void
cost_set_pool(struct cost_pool *p, const struct spotprice *sp)
{
	snprintf(p->type, sizeof(p->type), "%s", sp->instance_type);
	snprintf(p->az, sizeof(p->az), "%s", sp->az);
	p->micro = sp->micro;
	p->found = 1;
}

/*
 * pick: the instance line's pool (the running one when priced, else the
 * first type with a price at its dearest zone) and the cheapest pool.
 */
static void
cost_pick(const struct cost_input *in, struct cost_estimate *e)
{
	const struct spotprice *p;
	size_t i, t;

	for (i = 0; i < e->nprices; i++) {
		p = &e->prices[i];
		if (!e->cheapest.found || p->micro < e->cheapest.micro)
			cost_set_pool(&e->cheapest, p);
		if (in->running_type != NULL && in->running_az != NULL &&
		    strcmp(p->instance_type, in->running_type) == 0 &&
		    strcmp(p->az, in->running_az) == 0) {
			cost_set_pool(&e->run, p);
			e->run_is_running = 1;
		}
	}
	for (t = 0; t < in->ntypes && !e->run.found; t++) {
		for (i = 0; i < e->nprices; i++) {
			p = &e->prices[i];
			if (strcmp(p->instance_type, in->types[t]) != 0)
				continue;
			if (!e->run.found || p->micro > e->run.micro)
				cost_set_pool(&e->run, p);
		}
	}
	if (!e->run.found)
		return;
	e->run_is_first = strcmp(e->run.type, in->types[0]) == 0;
	e->run_low = e->run.micro;
	for (i = 0; i < e->nprices; i++) {
		p = &e->prices[i];
		if (strcmp(p->instance_type, e->run.type) != 0)
			continue;
		e->nzones++;
		if (p->micro < e->run_low)
			e->run_low = p->micro;
	}
}

static void
cost_line(struct cost_estimate *e, enum cost_item k, int64_t micro,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
cost_line(struct cost_estimate *e, enum cost_item k, int64_t micro,
    const char *fmt, ...)
{
	struct cost_line *l = &e->line[k];
	va_list ap;

	l->item = cost_item_name[k];
	l->micro = micro;
	l->in_total = k != COST_CHEAPEST;
	va_start(ap, fmt);
	vsnprintf(l->basis, sizeof(l->basis), fmt, ap);
	va_end(ap);
}

/* The instance and cheapest lines. */
static void
cost_instance_lines(const struct cost_input *in, struct cost_estimate *e)
{
	char hi[24], lo[24], note[80] = "";

	if (!in->enabled)
		cost_line(e, COST_INSTANCE, 0, "none: enabled = no");
	else {
		cost_usd(e->run.micro, 4, hi, sizeof(hi));
		cost_usd(e->run_low, 4, lo, sizeof(lo));
		if (!e->run_is_first && !e->run_is_running)
			snprintf(note, sizeof(note), "; no price for %s",
			    in->types[0]);
		if (e->run_is_running)
			cost_line(e, COST_INSTANCE, e->run.micro * H, "%s "
			    "spot in %s (running), $%s/h x %d h", e->run.type,
			    e->run.az, hi, H);
		else if (e->nzones == 1)
			cost_line(e, COST_INSTANCE, e->run.micro * H, "%s "
			    "spot in %s, $%s/h x %d h%s", e->run.type,
			    e->run.az, hi, H, note);
		else if (e->run_low == e->run.micro)
			cost_line(e, COST_INSTANCE, e->run.micro * H, "%s "
			    "spot in %zu zones, $%s/h x %d h%s", e->run.type,
			    e->nzones, hi, H, note);
		else
			cost_line(e, COST_INSTANCE, e->run.micro * H, "%s "
			    "spot, up to $%s/h (%s; from $%s) x %d h%s",
			    e->run.type, hi, e->run.az, lo, H, note);
	}
	if (!e->cheapest.found)
		cost_line(e, COST_CHEAPEST, 0, "no spot price");
	else
		cost_line(e, COST_CHEAPEST, e->cheapest.micro * H, "%s in %s, "
		    "$%s/h x %d h (not in the total)", e->cheapest.type,
		    e->cheapest.az, cost_usd(e->cheapest.micro, 4, lo,
		    sizeof(lo)), H);
}

/* Every line but the instance's. */
static void
cost_other_lines(const struct cost_input *in, struct cost_estimate *e)
{
	char a[24], b[24];
	int64_t over;

	cost_usd(COST_IPV4_MICRO_PER_HOUR, 3, a, sizeof(a));
	if (in->enabled)
		cost_line(e, COST_IPV4, COST_IPV4_MICRO_PER_HOUR * H, "1 %s x "
		    "$%s/h x %d h", in->elastic_ip ? "Elastic IP" :
		    "auto-assigned address", a, H);
	else if (in->elastic_ip)
		cost_line(e, COST_IPV4, COST_IPV4_MICRO_PER_HOUR * H, "the idle "
		    "Elastic IP x $%s/h x %d h", a, H);
	else
		cost_line(e, COST_IPV4, 0, "none: enabled = no");

	cost_usd(COST_GP3_MICRO_PER_GB_MONTH, 2, a, sizeof(a));
	if (in->enabled)
		cost_line(e, COST_EBS, (int64_t)COST_ROOT_VOLUME_GB *
		    COST_GP3_MICRO_PER_GB_MONTH, "%d GiB gp3 root volume x "
		    "$%s/GB-month", COST_ROOT_VOLUME_GB, a);
	else
		cost_line(e, COST_EBS, 0, "none: enabled = no");

	cost_usd(COST_DATA_OUT_MICRO_PER_GB, 2, a, sizeof(a));
	over = in->data_gb - COST_DATA_OUT_FREE_GB;
	if (over <= 0)
		cost_line(e, COST_DATA, 0, "%lld GB; the first %d GB/month are "
		    "free", (long long)in->data_gb, COST_DATA_OUT_FREE_GB);
	else
		cost_line(e, COST_DATA, over * COST_DATA_OUT_MICRO_PER_GB, "%lld "
		    "GB - %d GB free = %lld GB x $%s/GB",
		    (long long)in->data_gb, COST_DATA_OUT_FREE_GB,
		    (long long)over, a);

	e->sqs_requests = (int64_t)COST_SQS_REQUESTS_PER_HOUR * H;
	over = e->sqs_requests - COST_SQS_FREE_REQUESTS;
	cost_usd(COST_SQS_MICRO_PER_MILLION, 2, b, sizeof(b));
	if (over <= 0)
		cost_line(e, COST_SQS, 0, "%lld requests (%d/h x %d h); the first "
		    "1M/month are free", (long long)e->sqs_requests,
		    COST_SQS_REQUESTS_PER_HOUR, H);
	else
		cost_line(e, COST_SQS, (over * COST_SQS_MICRO_PER_MILLION +
		    500000) / 1000000, "%lld requests - 1M free, x $%s/M",
		    (long long)e->sqs_requests, b);

	cost_line(e, COST_SSM, 0, "standard parameters and API calls: free");
	cost_line(e, COST_EVENTBRIDGE, 0, "AWS service events to the queue: "
	    "free");
	if (in->sns)
		cost_line(e, COST_SNS, 0, "alert e-mails, rate-limited; the first "
		    "%d/month are free", COST_SNS_FREE_EMAILS);
	else
		cost_line(e, COST_SNS, 0, "no sns_topic: not used");
	cost_line(e, COST_CLOUDWATCH, 0, "not used");
}

static void
cost_compare(const struct cost_input *in, struct cost_estimate *e)
{
	int64_t od;

	if (!in->enabled) {
		snprintf(e->od_note, sizeof(e->od_note), "no instance while "
		    "enabled = no");
		return;
	}
	if ((od = cost_on_demand(e->run.type, in->region)) < 0) {
		snprintf(e->od_note, sizeof(e->od_note), "on-demand price "
		    "unknown for %s in %s", e->run.type, in->region);
		return;
	}
	e->od_known = 1;
	e->od_hourly = od;
	e->od_total = e->total - e->line[COST_INSTANCE].micro + od * H;
	if (e->od_total > 0)
		e->save_pct = cost_pct(e->od_total - e->total, e->od_total);
	if (od > 0)
		e->save_instance_pct = cost_pct(od - e->run.micro, od);
}

int
cost_estimate(const struct cost_input *in, struct cost_estimate *out,
    char *err, size_t errlen)
{
	char types[256] = "";
	size_t i;

	memset(out, 0, sizeof(*out));
	if (in->ntypes == 0 || in->types == NULL || in->types[0] == NULL ||
	    in->region == NULL || in->data_gb < 0 ||
	    in->data_gb > COST_MAX_DATA_GB) {
		snprintf(err, errlen, "cost: invalid input (types, region or "
		    "data volume 0..%d GB)", COST_MAX_DATA_GB);
		return -1;
	}
	snprintf(out->region, sizeof(out->region), "%s", in->region);
	snprintf(out->endpoint, sizeof(out->endpoint), "%s",
	    in->endpoint ? in->endpoint : "");
	out->data_gb = in->data_gb;
	out->all_zones = in->nazs == 0;
	if (cost_keep(in, out) == -1) {
		snprintf(err, errlen, "cost: out of memory");
		return -1;
	}
	cost_pick(in, out);
	if (in->enabled && !out->run.found) {
		for (i = 0; i < in->ntypes; i++)
			snprintf(types + strlen(types), sizeof(types) -
			    strlen(types), "%s%s", i ? ", " : "", in->types[i]);
		snprintf(err, errlen, "no spot price for %s in %s%s", types,
		    in->region, in->nazs ? " (in the zones given)" : "");
		cost_free(out);
		return -1;
	}
	cost_instance_lines(in, out);
	cost_other_lines(in, out);
	for (i = 0; i < COST_NITEMS; i++)
		if (out->line[i].in_total)
			out->total += out->line[i].micro;
	cost_compare(in, out);
	return 0;
}

int
cost_estimate_desired(const struct desired *d, const struct spotprice *prices,
    size_t nprices, const char *running_type, const char *running_az,
    int64_t data_gb, struct cost_estimate *out, char *err, size_t errlen)
{
	struct cost_input in;

	memset(&in, 0, sizeof(in));
	in.region = d->region;
	in.endpoint = d->endpoint;
	in.types = (const char *const *)d->instance_types;
	in.ntypes = d->n_instance_types;
	in.running_type = running_type;
	in.running_az = running_az;
	in.prices = prices;
	in.nprices = nprices;
	in.enabled = d->enabled;
	in.elastic_ip = d->elastic_ip != NULL && d->elastic_ip[0] != '\0';
	in.sns = d->sns_topic != NULL && d->sns_topic[0] != '\0';
	in.data_gb = data_gb;
	return cost_estimate(&in, out, err, errlen);
}

void
cost_free(struct cost_estimate *e)
{
	if (e == NULL)
		return;
	free(e->prices);
	memset(e, 0, sizeof(*e));
}

/* ---- renderings ---- */

static void
cost_time(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "%s", "");
}

int
cost_format_text(const struct cost_estimate *e, struct buf *out)
{
	char m[32], when[40];
	int bad = 0;
	size_t i;

	cost_time(e->prices_at, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
	bad |= buf_addf(out, "stingy-vpn cost: %s%s%s%s, spot prices %s%s\n",
	    e->endpoint[0] ? "endpoint " : "", e->endpoint,
	    e->endpoint[0] ? " in " : "", e->region,
	    when[0] ? "as of " : "none", when);
	bad |= buf_addf(out, "%-12s %-66s %8s\n", "item", "basis", "$/month");
	for (i = 0; i < COST_NITEMS; i++)
		bad |= buf_addf(out, "%-12s %-66s %8s\n", e->line[i].item,
		    e->line[i].basis, cost_usd(e->line[i].micro, 2, m,
		    sizeof(m)));
	bad |= buf_addf(out, "%-12s %-66s %8s\n", "total", "",
	    cost_usd(e->total, 2, m, sizeof(m)));
	if (!e->od_known)
		bad |= buf_addf(out, "%s\n", e->od_note);
	else {
		bad |= buf_addf(out, "on-demand would be $%s ",
		    cost_usd(e->od_total, 2, m, sizeof(m)));
		if (e->save_pct >= 0)
			bad |= buf_addf(out, "(you save %d%%; the instance alone "
			    "%d%%)\n", e->save_pct, e->save_instance_pct);
		else
			bad |= buf_addf(out, "(spot costs %d%% more right now)\n",
			    -e->save_pct);
	}
	bad |= buf_addf(out, "\nspot prices: Linux/UNIX, current, %s. "
	    "A month is %d h.\n", e->all_zones ? "in every zone AWS answered "
	    "for\n(the subnets' zones are not looked up)" : "in the zones given",
	    H);
	bad |= buf_addf(out, "IPv4, EBS and data at us-east-1/eu-west-1 list "
	    "prices; the free %d GB/month\nof data out is the whole account's, "
	    "all regions together.\n", COST_DATA_OUT_FREE_GB);
	return bad ? -1 : 0;
}

/* json_pool: "name":{...} of a pool, or "name":null. */
static int
cost_json_pool(struct buf *out, const char *name, const struct cost_pool *p)
{
	char m[32];
	int bad = 0;

	if (!p->found)
		return buf_addf(out, "\"%s\":null", name);
	bad |= buf_addf(out, "\"%s\":{\"instance_type\":", name);
	bad |= buf_add_json_str(out, p->type);
	bad |= buf_adds(out, ",\"availability_zone\":");
	bad |= buf_add_json_str(out, p->az);
	bad |= buf_addf(out, ",\"micro_usd_per_hour\":%lld,\"usd_per_hour\":"
	    "\"%s\"", (long long)p->micro, cost_usd(p->micro, 4, m,
	    sizeof(m)));
	return bad ? -1 : 0;
}

int
cost_format_json(const struct cost_estimate *e, struct buf *out)
{
	char m[32], when[40];
	const struct spotprice *p;
	int bad = 0;
	size_t i;

	bad |= buf_adds(out, "{\"endpoint\":");
	bad |= buf_add_json_str(out, e->endpoint);
	bad |= buf_adds(out, ",\"region\":");
	bad |= buf_add_json_str(out, e->region);
	cost_time(e->prices_at, "%Y-%m-%dT%H:%M:%SZ", when, sizeof(when));
	bad |= buf_addf(out, ",\"currency\":\"USD\",\"hours_per_month\":%d,"
	    "\"data_gb\":%lld,\"sqs_requests_per_month\":%lld,"
	    "\"all_zones\":%s,", H, (long long)e->data_gb,
	    (long long)e->sqs_requests, e->all_zones ? "true" : "false");
	if (when[0])
		bad |= buf_addf(out, "\"prices_at\":\"%s\",", when);
	else
		bad |= buf_adds(out, "\"prices_at\":null,");
	bad |= cost_json_pool(out, "instance", &e->run);
	if (e->run.found)
		bad |= buf_addf(out, ",\"first_type\":%s,\"running\":%s,"
		    "\"zones\":%zu,\"low_micro_usd_per_hour\":%lld}",
		    e->run_is_first ? "true" : "false",
		    e->run_is_running ? "true" : "false", e->nzones,
		    (long long)e->run_low);
	bad |= buf_adds(out, ",");
	bad |= cost_json_pool(out, "cheapest", &e->cheapest);
	if (e->cheapest.found)
		bad |= buf_adds(out, "}");
	bad |= buf_adds(out, ",\"spot_prices\":[");
	for (i = 0; i < e->nprices; i++) {
		p = &e->prices[i];
		cost_time(p->timestamp, "%Y-%m-%dT%H:%M:%SZ", when,
		    sizeof(when));
		bad |= buf_adds(out, i ? ",{\"instance_type\":" :
		    "{\"instance_type\":");
		bad |= buf_add_json_str(out, p->instance_type);
		bad |= buf_adds(out, ",\"availability_zone\":");
		bad |= buf_add_json_str(out, p->az);
		bad |= buf_adds(out, ",\"product\":");
		bad |= buf_add_json_str(out, p->product);
		bad |= buf_addf(out, ",\"micro_usd_per_hour\":%lld,"
		    "\"usd_per_hour\":\"%s\",\"timestamp\":", (long long)p->micro,
		    cost_usd(p->micro, 4, m, sizeof(m)));
		bad |= when[0] ? buf_addf(out, "\"%s\"}", when) :
		    buf_adds(out, "null}");
	}
	bad |= buf_adds(out, "],\"items\":[");
	for (i = 0; i < COST_NITEMS; i++) {
		bad |= buf_addf(out, "%s{\"item\":", i ? "," : "");
		bad |= buf_add_json_str(out, e->line[i].item);
		bad |= buf_adds(out, ",\"basis\":");
		bad |= buf_add_json_str(out, e->line[i].basis);
		bad |= buf_addf(out, ",\"micro_usd_per_month\":%lld,"
		    "\"usd_per_month\":\"%s\",\"in_total\":%s}",
		    (long long)e->line[i].micro, cost_usd(e->line[i].micro, 2,
		    m, sizeof(m)), e->line[i].in_total ? "true" : "false");
	}
	bad |= buf_addf(out, "],\"total_micro_usd_per_month\":%lld,"
	    "\"total_usd_per_month\":\"%s\",\"on_demand\":",
	    (long long)e->total, cost_usd(e->total, 2, m, sizeof(m)));
	if (!e->od_known) {
		bad |= buf_adds(out, "{\"known\":false,\"note\":");
		bad |= buf_add_json_str(out, e->od_note);
		bad |= buf_adds(out, "}");
	} else {
		bad |= buf_addf(out, "{\"known\":true,\"micro_usd_per_hour\":%lld,"
		    "\"usd_per_hour\":\"%s\",", (long long)e->od_hourly,
		    cost_usd(e->od_hourly, 4, m, sizeof(m)));
		bad |= buf_addf(out, "\"total_micro_usd_per_month\":%lld,"
		    "\"total_usd_per_month\":\"%s\",\"save_percent\":%d,"
		    "\"instance_save_percent\":%d}", (long long)e->od_total,
		    cost_usd(e->od_total, 2, m, sizeof(m)), e->save_pct,
		    e->save_instance_pct);
	}
	bad |= buf_adds(out, "}\n");
	return bad ? -1 : 0;
}
