#ifndef STINGY_ONESHOT_H
#define STINGY_ONESHOT_H

/*
 * oneshot: the event loop, HTTP client and AWS context of a command that
 * makes a few AWS calls and waits for each answer (init, cost, keys init),
 * as opposed to the daemon's loop that never ends.
 */

#include <stddef.h>

#include "aws.h"

struct event_base;
struct http_client;

struct oneshot {
	struct event_base	*base;
	struct http_client	*http;
	struct aws		*aws;
};

/*
 * oneshot_open: a loop, a client and an AWS context for region and profile
 * (NULL: the usual environment and profile rules, see aws_new). 0, or -1
 * with err; either way oneshot_close(o) frees what was made.
 */
int	oneshot_open(struct oneshot *o, const char *region, const char *profile,
	    char *err, size_t errlen);

/*
 * oneshot_wait: runs the loop until *done is set by a callback (which then
 * calls event_base_loopbreak on o->base) or the loop has nothing left to
 * wait for. When it stopped without *done it fills *e with code
 * "LoopFailed" and returns -1; else 0.
 */
int	oneshot_wait(struct oneshot *o, const int *done, struct aws_error *e);

/*
 * oneshot_close: frees the context, the client and the loop, in that
 * order; aws_free answers a call still pending with "Cancelled", so its
 * callback runs here. o is zeroed; closing twice is harmless.
 */
void	oneshot_close(struct oneshot *o);

#endif
