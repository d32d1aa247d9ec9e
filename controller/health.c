/* health: the /healthz rule. Pure: no I/O, no clock. */
#include <stdio.h>

#include "health.h"

static int
stale(time_t now, time_t last, unsigned max_age_s)
{
	return last == 0 || now - last > (time_t)max_age_s;
}

static void
describe_failure(char *reason, size_t len, const char *what, const char *verb,
    time_t now, time_t last, const char *err)
{
	const char *e = err && *err ? err : NULL;

	if (last == 0)
		snprintf(reason, len, "%s: no successful %s yet%s%s%s", what, verb,
		    e ? " (last error: " : "", e ? e : "", e ? ")" : "");
	else
		snprintf(reason, len, "%s: no successful %s for %lld s%s%s%s", what,
		    verb, (long long)(now - last), e ? " (last error: " : "",
		    e ? e : "", e ? ")" : "");
}

int
health_eval(const struct health_input *in, char *reason, size_t len)
{
	if (len == 0)
		return 0;
	reason[0] = '\0';
	if (in->blocker && *in->blocker) {
		snprintf(reason, len, "%s", in->blocker);
		goto clean;
	}
	if (stale(in->now, in->last_sqs_ok, in->max_age_s)) {
		describe_failure(reason, len, "sqs", "poll", in->now,
		    in->last_sqs_ok, in->sqs_error);
		goto clean;
	}
	if (stale(in->now, in->last_describe_ok, in->max_age_s)) {
		describe_failure(reason, len, "ec2", "describe", in->now,
		    in->last_describe_ok, in->describe_error);
		goto clean;
	}
	snprintf(reason, len, "ok");
	return 1;
clean:
	/* One line, printable: errors come from the network. */
	for (char *p = reason; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	return 0;
}
