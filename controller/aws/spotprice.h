/*
 * spotprice: EC2 DescribeSpotPriceHistory (Query protocol, API version
 * 2016-11-15), the current spot price of instance types per Availability
 * Zone. Like ec2.h: a pure request builder and answer parser (no I/O,
 * tested and fuzzed with strings), and one asynchronous call through
 * aws_call() that follows nextToken. expat stays inside (xml.c).
 *
 * "Current": the request carries StartTime = now and no EndTime. AWS then
 * answers, per instance type, zone and product, the last price change
 * before StartTime (the price in effect then) and any change after it, so
 * a pool can appear more than once; spotprice_current() keeps the newest.
 *
 * Prices are decimal strings in dollars per hour ("0.001600"). They are
 * read by hand into integer micro-dollars (spotprice_parse_usd): no strtod,
 * whose result depends on the locale's decimal point, and no float ever
 * holds money.
 *
 * The parser is strict about the document as ec2.c is: the root element
 * must be DescribeSpotPriceHistoryResponse, so that an EC2 error document
 * (<Response><Errors>...) or any other answer that slipped through as a
 * 200 is refused, never read as "no prices". A non-2xx answer never
 * reaches it: aws_call() turns it into struct aws_error (code and message
 * from <Errors><Error>). Every item must have instanceType,
 * availabilityZone and a valid spotPrice; a timestamp, when present, must
 * parse. One bad item rejects the whole answer (a skipped price would make
 * the cheapest pool a lie).
 *
 * Limits: SPOTPRICE_MAX_ITEMS items per answer and across the pages of one
 * spotprice_describe(), SPOTPRICE_MAX_PAGES pages, fields below their array
 * sizes, nextToken up to EC2_MAX_NEXT_TOKEN bytes, a price below
 * SPOTPRICE_MAX_USD dollars an hour with at most SPOTPRICE_MAX_DECIMALS
 * decimals. Past any of them the answer is rejected as a whole.
 */
#ifndef SPOTPRICE_H
#define SPOTPRICE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws.h"

struct buf;

#define SPOTPRICE_MAX_TYPES	16	/* InstanceType.N sent; desired.conf allows 16 */
#define SPOTPRICE_MAX_ITEMS	1000	/* items kept, all pages together */
#define SPOTPRICE_MAX_PAGES	20	/* pages followed */
#define SPOTPRICE_MAX_RESULTS	1000	/* MaxResults, AWS's largest */
#define SPOTPRICE_MAX_USD	1000	/* dollars an hour: a price at or past it is garbage */
#define SPOTPRICE_MAX_DECIMALS	12	/* digits after the point; rounded to micro-dollars */
#define SPOTPRICE_PRODUCT	"Linux/UNIX"	/* ProductDescription.1: AL2023 */

struct spotprice {
	char	 instance_type[32];	/* "t4g.nano" */
	char	 product[48];		/* "Linux/UNIX", "Linux/UNIX (Amazon VPC)"; "" when absent */
	char	 az[40];		/* "eu-west-1a" */
	int64_t	 micro;			/* micro-dollars per hour: 0.001600 -> 1600 */
	time_t	 timestamp;		/* when this price took effect, UTC; 0 when absent */
};

struct spotprice_list {
	struct spotprice	*v;
	size_t			 n;
	char			*next_token;	/* NULL on the last page */
};

/* spotprice_list_free: frees what l holds and leaves it empty; NULL is a no-op. */
void spotprice_list_free(struct spotprice_list *l);

/*
 * spotprice_parse_usd: a decimal dollar amount, digits with an optional
 * '.' and at least one digit on each side of it ("0.0016", "12", "0.001600"),
 * into micro-dollars, rounded half up past the sixth decimal. Anything else
 * (blanks, signs, exponents, "0x", ".5", "5.", "1,5", NUL bytes inside, more
 * than SPOTPRICE_MAX_DECIMALS decimals, SPOTPRICE_MAX_USD or more) is -1
 * with *micro untouched. len is s's length (s need not be NUL-terminated).
 */
int spotprice_parse_usd(const char *s, size_t len, int64_t *micro);

/*
 * spotprice_product_linux: 1 for the products a Linux instance is billed
 * as: "Linux/UNIX" and its EC2-Classic-era twin "Linux/UNIX (Amazon VPC)"
 * (which moto answers).
 */
int spotprice_product_linux(const char *product);

struct spotprice_query {
	const char *const	*types;		/* InstanceType.N, 1..SPOTPRICE_MAX_TYPES, non-empty */
	size_t			 ntypes;
	const char		*az;		/* AvailabilityZone; NULL or "": every zone */
	time_t			 start;		/* StartTime, UTC seconds (the caller's now) */
	unsigned		 max_results;	/* MaxResults; 0: SPOTPRICE_MAX_RESULTS; else 5..1000 */
};

/*
 * spotprice_build: appends the whole body
 * "Action=DescribeSpotPriceHistory&Version=2016-11-15&InstanceType.1=...
 * &ProductDescription.1=Linux%2FUNIX&StartTime=2026-11-30T09%3A00%3A00Z
 * [&AvailabilityZone=...]&MaxResults=N[&NextToken=...]" to out, every value
 * percent-encoded. Returns 0, or -1 when q is invalid or out's cap is
 * reached (out may then hold part of a body: buf_reset it).
 */
int spotprice_build(struct buf *out, const struct spotprice_query *q,
    const char *next_token);

/*
 * spotprice_parse: one DescribeSpotPriceHistoryResponse page into *out
 * (overwritten without freeing: pass it empty), items in document order,
 * next_token the answer's nextToken when not empty. Returns 0, or -1 with
 * the reason in err ("ec2 DescribeSpotPriceHistory: item 3: bad spotPrice
 * \"0,0016\"") and *out left empty.
 */
int spotprice_parse(const char *xml, size_t len, struct spotprice_list *out,
    char *err, size_t errlen);

/*
 * spotprice_current: keeps, of each (instance type, zone, product), the
 * item with the newest timestamp (the later one in the list on a tie),
 * and sorts what is left by type, zone and product. In place; never fails.
 */
void spotprice_current(struct spotprice_list *l);

/*
 * spotprice_describe_cb: all holds every page's items (next_token NULL);
 * it is valid during the call only, and the callback may move its contents
 * out (leaving it empty). all is NULL on error.
 */
typedef void (*spotprice_describe_cb)(const struct aws_error *err,
    struct spotprice_list *all, void *arg);

/*
 * spotprice_describe: DescribeSpotPriceHistory with q (copied), following
 * nextToken for up to SPOTPRICE_MAX_PAGES pages and delivering every item
 * at once. Returns 0 and later calls cb exactly once from the loop, or -1
 * (cb never called) when the request cannot be built or started. Errors:
 * AWS's (aws_call(): code and message of the EC2 error document), and
 * "MalformedResponse" (a 2xx answer the parser refused), "TooManyItems",
 * "TooManyPages", "RequestNotStarted" found here.
 */
int spotprice_describe(struct aws *a, const struct spotprice_query *q,
    spotprice_describe_cb cb, void *arg);

#endif
