/*
 * fuzz_route53_xml: the Route 53 answer parsers (r53_parse_change,
 * r53_parse_list) on the same input, checking what a success promises and
 * that a failure leaves nothing behind; then the input as a record name
 * through r53_build_upsert, whose output must parse back to that name.
 * Seeds: tests/fuzz/seeds/route53_xml/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "route53.h"
#include "xml.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)
#define NAME_PATH "ChangeResourceRecordSetsRequest/ChangeBatch/Changes/" \
	"Change/ResourceRecordSet/Name"

struct name_back {
	const char	*want;
	int		 seen;
};

static int
name_end(void *arg, const struct xml_path *p, const char *text, size_t len,
    int truncated)
{
	struct name_back *nb = arg;

	if (!xml_path_is(p, NAME_PATH))
		return 0;
	nb->seen++;
	/* expat hands CR and CRLF over as LF: compare only what it keeps */
	if (!truncated && strchr(nb->want, '\r') == NULL &&
	    (len != strlen(nb->want) || memcmp(text, nb->want, len) != 0))
		abort();
	return 0;
}

static void
check_build(const uint8_t *data, size_t size)
{
	static const struct xml_handler h = { NULL, name_end };
	struct name_back nb;
	struct buf b;
	char *name, err[256];

	if ((name = malloc(size + 1)) == NULL)
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	buf_init(&b, 1024 * 1024);
	if (r53_build_upsert(&b, name, "192.0.2.1", 60, name) == 0) {
		memset(&nb, 0, sizeof(nb));
		nb.want = name;
		/* invalid UTF-8 is sent as it is: Route 53 refuses it */
		if (xml_parse(b.data, b.len, &h, &nb, err, sizeof(err)) == 0 &&
		    nb.seen != 1)
			abort();
	} else if (b.len != 0)
		abort();
	buf_free(&b);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct r53_rrset rr;
	char id[64], status[32], err[256];
	int found;

	if (r53_parse_change(s, size, id, sizeof(id), status, sizeof(status),
	    err, sizeof(err)) == 0) {
		if (!HOLDS(id) || !HOLDS(status) || id[0] == '\0' ||
		    status[0] == '\0')
			abort();
	} else if (id[0] != '\0' || status[0] != '\0' || !HOLDS(err))
		abort();
	if (r53_parse_list(s, size, &rr, &found, err, sizeof(err)) == 0) {
		if (!HOLDS(rr.name) || !HOLDS(rr.type) || !HOLDS(rr.value) ||
		    rr.ttl < -1 || rr.ttl > 2147483647L || rr.n_values < 0)
			abort();
		if (found && (rr.name[0] == '\0' || rr.type[0] == '\0' ||
		    !r53_name_equal(rr.name, rr.name)))
			abort();
		if (!found && (rr.name[0] != '\0' || rr.n_values != 0))
			abort();
	} else if (found != 0 || rr.name[0] != '\0' || !HOLDS(err))
		abort();
	check_build(data, size);
	return 0;
}
