/*
 * fuzz_event: event_parse on arbitrary bytes. On success the struct must
 * hold what events.h promises: terminated strings, at most
 * EVENT_MAX_INSTANCES well-formed instance ids, a known kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eb_event ev;
	char err[256];
	size_t i;

	memset(err, 'x', sizeof(err));
	if (event_parse((const char *)data, size, &ev, err, sizeof(err)) == -1) {
		if (strncmp(err, "event: ", 7) != 0 || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	check_str(ev.id, sizeof(ev.id));
	check_str(ev.source, sizeof(ev.source));
	check_str(ev.detail_type, sizeof(ev.detail_type));
	check_str(ev.region, sizeof(ev.region));
	check_str(ev.action, sizeof(ev.action));
	check_str(ev.state, sizeof(ev.state));
	if (ev.id[0] == '\0' || ev.n_instances > EVENT_MAX_INSTANCES ||
	    strcmp(event_kind_name(ev.kind), "unknown") == 0)
		abort();
	if (ev.kind == EVENT_OTHER && ev.n_instances != 0)
		abort();
	if ((ev.kind == EVENT_SPOT_INTERRUPTION || ev.kind == EVENT_REBALANCE ||
	    ev.kind == EVENT_STATE_CHANGE) && ev.n_instances != 1)
		abort();
	for (i = 0; i < ev.n_instances; i++) {
		check_str(ev.instance_ids[i], sizeof(ev.instance_ids[i]));
		if (strncmp(ev.instance_ids[i], "i-", 2) != 0)
			abort();
	}
	return 0;
}
