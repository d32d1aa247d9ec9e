/* oneshot: the loop, HTTP client and AWS context of a one-shot command. */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "http.h"
#include "oneshot.h"

int
oneshot_open(struct oneshot *o, const char *region, const char *profile,
    char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if ((o->base = event_base_new()) == NULL ||
	    (o->http = http_client_new(o->base)) == NULL) {
		snprintf(err, errlen, "cannot set up the event loop and HTTP "
		    "client");
		return -1;
	}
	if ((o->aws = aws_new(o->base, o->http, region, profile, err,
	    errlen)) == NULL)
		return -1;
	return 0;
}

int
oneshot_wait(struct oneshot *o, const int *done, struct aws_error *e)
{
	/* 0: the callback's loopbreak; 1: nothing left to wait for; -1: failure */
	while (!*done)
		if (event_base_dispatch(o->base) != 0)
			break;
	if (*done)
		return 0;
	memset(e, 0, sizeof(*e));
	snprintf(e->code, sizeof(e->code), "LoopFailed");
	snprintf(e->message, sizeof(e->message), "the event loop stopped "
	    "before the answer");
	return -1;
}

void
oneshot_close(struct oneshot *o)
{
	aws_free(o->aws);
	http_client_free(o->http);
	if (o->base != NULL)
		event_base_free(o->base);
	memset(o, 0, sizeof(*o));
}
