/* test_retry: which failures are retried, and the delay before each attempt. */
#include <math.h>
#include <string.h>

#include "aws.h"
#include "t.h"

static struct aws_error
mkerr(long status, int transport, const char *code)
{
	struct aws_error e;

	memset(&e, 0, sizeof(e));
	e.http_status = status;
	e.transport = transport;
	snprintf(e.code, sizeof(e.code), "%s", code);
	return e;
}

static void
test_retryable(void)
{
	static const struct {
		long		 status;
		int		 transport;
		const char	*code;
		int		 want;
	} cases[] = {
		/* transport failures */
		{ 0, 1, "ConnectError", 1 },
		{ 0, 1, "Timeout", 1 },
		{ 0, 1, "TransportError", 1 },
		{ 0, 1, "ResponseTooLarge", 0 },
		{ 0, 1, "Cancelled", 0 },
		/* transient statuses, whatever the code */
		{ 500, 0, "InternalError", 1 },
		{ 502, 0, "HTTP502", 1 },
		{ 503, 0, "ServiceUnavailable", 1 },
		{ 504, 0, "HTTP504", 1 },
		{ 501, 0, "NotImplemented", 0 },
		{ 505, 0, "HTTP505", 0 },
		/* capacity: EC2 says 500, but the next pool is the cure */
		{ 500, 0, "InsufficientInstanceCapacity", 0 },
		{ 500, 0, "InsufficientCapacity", 0 },
		{ 400, 0, "UnfulfillableCapacity", 0 },
		/* throttling and transient codes, whatever the status */
		{ 400, 0, "RequestLimitExceeded", 1 },
		{ 400, 0, "Throttling", 1 },
		{ 400, 0, "ThrottlingException", 1 },
		{ 400, 0, "RequestThrottled", 1 },
		{ 429, 0, "TooManyRequestsException", 1 },
		{ 400, 0, "PriorRequestNotComplete", 1 },
		{ 400, 0, "RequestTimeout", 1 },
		{ 400, 0, "RequestTimeoutException", 1 },
		{ 503, 0, "SlowDown", 1 },
		{ 400, 0, "EC2ThrottledException", 1 },
		{ 400, 0, "ProvisionedThroughputExceededException", 1 },
		/* everything else is final */
		{ 400, 0, "InsufficientInstanceCapacity", 0 },
		{ 400, 0, "InvalidParameterValue", 0 },
		{ 400, 0, "QueueDoesNotExist", 0 },
		{ 403, 0, "SignatureDoesNotMatch", 0 },
		{ 403, 0, "ExpiredToken", 0 },
		{ 404, 0, "HTTP404", 0 },
		{ 429, 0, "HTTP429", 0 },
		{ 400, 0, "throttling", 0 },	/* codes are case-sensitive */
		{ 400, 0, "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aws_error e = mkerr(cases[i].status, cases[i].transport,
		    cases[i].code);

		T_OK(aws_error_retryable(&e) == cases[i].want,
		    "%ld %s transport=%d: want %d", cases[i].status,
		    cases[i].code, cases[i].transport, cases[i].want);
	}
}

static void
test_delay(void)
{
	static const struct {
		int	 attempt;
		double	 r;
		long	 want;
	} cases[] = {
		{ 1, 0.5, 0 },		/* no wait before the first attempt */
		{ 0, 0.5, 0 },
		{ -3, 0.5, 0 },
		{ 2, 0.0, 0 },
		{ 2, 0.5, 500 },	/* r * 2^0 s */
		{ 2, 0.999, 999 },
		{ 3, 0.5, 1000 },	/* r * 2^1 s */
		{ 3, 0.25, 500 },
		{ 4, 0.5, 2000 },
		{ 5, 0.5, 4000 },
		{ 6, 0.5, 8000 },
		{ 7, 0.5, 16000 },
		{ 7, 0.999, 20000 },	/* 31.968 s capped */
		{ 8, 0.5, 20000 },	/* 32 s capped */
		{ 8, 0.001, 64 },	/* the cap applies to the product */
		{ 1000, 0.5, 20000 },
		{ 1000, 0.0, 0 },
		{ 2147483647, 0.9, 20000 },
		{ 3, 1.5, 2000 },	/* r clamped into [0, 1] */
		{ 3, -1.0, 0 },
	};
	size_t i;
	int a;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_OK(aws_retry_delay_ms(cases[i].attempt, cases[i].r) ==
		    cases[i].want, "attempt %d r %g: %ld != %ld",
		    cases[i].attempt, cases[i].r,
		    aws_retry_delay_ms(cases[i].attempt, cases[i].r),
		    cases[i].want);
	T_EQ_INT(aws_retry_delay_ms(3, NAN), 0);

	/* bounds: 0 <= delay < 2^(attempt-2) s and <= 20 s, for any r */
	for (a = 2; a < 12; a++) {
		double r;

		for (r = 0.0; r < 1.0; r += 0.0625) {
			long d = aws_retry_delay_ms(a, r);
			double hi = ldexp(1.0, a - 2) * 1000.0;

			T_OK(d >= 0 && d <= 20000 && (double)d < hi,
			    "attempt %d r %g: %ld", a, r, d);
		}
	}
}

static void
test_error_str(void)
{
	struct aws_error e = mkerr(503, 0, "RequestLimitExceeded");
	char buf[128];

	snprintf(e.message, sizeof(e.message), "Request limit exceeded.");
	T_EQ_STR(aws_error_str(&e, buf, sizeof(buf)),
	    "RequestLimitExceeded: Request limit exceeded. (HTTP 503)");
	e.message[0] = '\0';
	T_EQ_STR(aws_error_str(&e, buf, sizeof(buf)),
	    "RequestLimitExceeded (HTTP 503)");
	e = mkerr(0, 1, "Timeout");
	snprintf(e.message, sizeof(e.message), "operation timed out");
	T_EQ_STR(aws_error_str(&e, buf, sizeof(buf)),
	    "Timeout: operation timed out");
	T_EQ_STR(aws_error_str(&e, buf, 8), "Timeout");
}

int
main(void)
{
	T_RUN(test_retryable);
	T_RUN(test_delay);
	T_RUN(test_error_str);
	return t_done("test_retry");
}
