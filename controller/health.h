/*
 * health: the /healthz decision, a pure function of what the daemon last
 * saw. No I/O and no clock: the caller passes now.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stddef.h>
#include <time.h>

struct health_input {
	time_t		 now;
	time_t		 started;		/* when the daemon started */
	time_t		 last_sqs_ok;		/* 0: never */
	time_t		 last_describe_ok;	/* 0: never */
	const char	*sqs_error;		/* last failure, NULL or "" when none */
	const char	*describe_error;
	unsigned	 max_age_s;		/* a success older than this does not count */
	const char	*blocker;		/* a standing reason to be unhealthy, or NULL */
};

/*
 * health_eval: 1 when healthy; else 0 with a one-line, printable reason in
 * reason (always NUL-terminated; truncated to len), e.g.
 * "sqs: no successful poll for 95 s (last error: ConnectError: ...)".
 * The reason names the oldest problem first: the loop, SQS, then EC2.
 */
int health_eval(const struct health_input *in, char *reason, size_t len);

#endif
