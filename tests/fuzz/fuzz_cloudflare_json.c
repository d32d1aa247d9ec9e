/*
 * fuzz_cloudflare_json: cf_parse on the same input as a get and as a list
 * answer, under a few HTTP statuses, checking what the contract promises:
 * the message is bounded printable ASCII, a success has its records and no
 * message, a failure has no records, every kept record is NUL-terminated
 * and sane. Seeds: tests/fuzz/seeds/cloudflare_json/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloudflare.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void
check_record(const struct cf_record *r)
{
	if (!HOLDS(r->id) || !HOLDS(r->type) || !HOLDS(r->name) ||
	    !HOLDS(r->content) || r->id[0] == '\0' || r->type[0] == '\0' ||
	    r->name[0] == '\0' || r->content[0] == '\0' || r->ttl < 1 ||
	    (r->proxied != 0 && r->proxied != 1))
		abort();
	check_printable(r->id);
	check_printable(r->name);
}

static void
check(const char *s, size_t size, long status, int list)
{
	struct cf_answer a;
	size_t i;

	memset(&a, 0x5a, sizeof(a));
	cf_parse(s, size, status, list, &a);
	if (!HOLDS(a.message) || a.transport != 0 || a.retry_after_s != -1 ||
	    a.http_status != status || a.n_records > CF_MAX_RECORDS)
		abort();
	check_printable(a.message);
	if (a.success) {
		if (status < 200 || status > 299 || a.message[0] != '\0' ||
		    a.total < a.n_records || (!list && a.n_records != 1))
			abort();
		for (i = 0; i < a.n_records; i++)
			check_record(&a.records[i]);
	} else if (a.n_records != 0 || a.total != 0 || a.message[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 404, 429, 502 };
	const char *s = (const char *)data;
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		check(s, size, statuses[i], 0);
		check(s, size, statuses[i], 1);
	}
	return 0;
}
