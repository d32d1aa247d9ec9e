/*
 * fuzz_spotprice_xml: the DescribeSpotPriceHistory parser, then
 * spotprice_current() and the cost model over what it accepted, checking
 * what a success promises: bounded counts, terminated non-empty fields,
 * prices in range, a list left empty on failure, spotprice_current()
 * leaving one item per pool in order, totals that add up. The same bytes
 * go to spotprice_parse_usd() as a price. Seeds: tests/fuzz/seeds/spotprice_xml/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cost.h"
#include "ec2.h"
#include "spotprice.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static void
check_list(const struct spotprice_list *l)
{
	size_t i;

	if (l->n > SPOTPRICE_MAX_ITEMS)
		abort();
	if (l->next_token != NULL && (l->next_token[0] == '\0' ||
	    strlen(l->next_token) > EC2_MAX_NEXT_TOKEN))
		abort();
	for (i = 0; i < l->n; i++) {
		const struct spotprice *p = &l->v[i];

		if (!HOLDS(p->instance_type) || p->instance_type[0] == '\0' ||
		    !HOLDS(p->az) || p->az[0] == '\0' || !HOLDS(p->product) ||
		    p->micro < 0 || p->micro > (int64_t)SPOTPRICE_MAX_USD * 1000000)
			abort();
	}
}

static void
check_current(struct spotprice_list *l)
{
	size_t i;
	int c;

	spotprice_current(l);
	for (i = 1; i < l->n; i++) {
		c = strcmp(l->v[i - 1].instance_type, l->v[i].instance_type);
		if (c == 0)
			c = strcmp(l->v[i - 1].az, l->v[i].az);
		if (c == 0)
			c = strcmp(l->v[i - 1].product, l->v[i].product);
		if (c >= 0)	/* sorted, and no pool twice */
			abort();
	}
}

/* model: the estimate over the first two types seen, every zone. */
static void
check_model(const struct spotprice_list *l)
{
	const char *types[2];
	struct cost_input in;
	struct cost_estimate e;
	struct buf b;
	char err[256];
	int64_t sum = 0;
	size_t i;

	if (l->n == 0)
		return;
	types[0] = l->v[0].instance_type;
	types[1] = l->v[l->n - 1].instance_type;
	memset(&in, 0, sizeof(in));
	in.region = "eu-west-1";
	in.types = types;
	in.ntypes = 2;
	in.prices = l->v;
	in.nprices = l->n;
	in.enabled = 1;
	in.elastic_ip = 1;
	in.data_gb = 500;
	if (cost_estimate(&in, &e, err, sizeof(err)) == -1) {
		if (e.prices != NULL || !HOLDS(err))
			abort();
		return;
	}
	for (i = 0; i < COST_NITEMS; i++) {
		if (!HOLDS(e.line[i].basis) || e.line[i].micro < 0)
			abort();
		if (e.line[i].in_total)
			sum += e.line[i].micro;
	}
	if (sum != e.total || !e.run.found || e.run.micro < e.run_low ||
	    e.cheapest.micro > e.run_low || e.nprices > l->n)
		abort();
	buf_init(&b, 1024 * 1024);
	if (cost_format_text(&e, &b) == -1 || cost_format_json(&e, &b) == -1)
		abort();
	buf_free(&b);
	cost_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct spotprice_list l;
	char err[256];
	int64_t micro = -1;

	if (spotprice_parse(s, size, &l, err, sizeof(err)) == 0) {
		check_list(&l);
		check_current(&l);
		check_list(&l);
		check_model(&l);
	} else if (l.n != 0 || l.v != NULL || l.next_token != NULL ||
	    !HOLDS(err) || err[0] == '\0')
		abort();
	spotprice_list_free(&l);
	if (spotprice_parse_usd(s, size, &micro) == 0 &&
	    (micro < 0 || micro > (int64_t)SPOTPRICE_MAX_USD * 1000000))
		abort();
	return 0;
}
