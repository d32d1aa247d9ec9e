/*
 * retry: the standard retry mode's rules (what AWS's SDKs call "standard"):
 * which failures are worth another attempt, and how long to wait first.
 */
#include <math.h>
#include <string.h>

#include "aws.h"

#define RETRY_MAX_DELAY_MS	20000L

/* throttling and transient error codes: botocore's standard mode lists */
static const char *const retry_codes[] = {
	"RequestLimitExceeded",
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottled",
	"RequestThrottledException",
	"TooManyRequestsException",
	"PriorRequestNotComplete",
	"RequestTimeout",
	"RequestTimeoutException",
	"SlowDown",
	"EC2ThrottledException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"BandwidthLimitExceeded",
	"LimitExceededException",
};

/*
 * Transport errors that another attempt cannot cure: an answer over the
 * size cap stays over it, and a cancelled call must not come back.
 */
static const char *const retry_final_transport[] = {
	"ResponseTooLarge",
	"Cancelled",
};

static const char *const retry_never[] = {
	"InsufficientInstanceCapacity", "InsufficientCapacity",
	"UnfulfillableCapacity", "InsufficientHostCapacity",
	"SpotCapacityNotAvailable",
};

int
aws_error_retryable(const struct aws_error *e)
{
	size_t i;

	if (e->transport) {
		for (i = 0; i < sizeof(retry_final_transport) /
		    sizeof(retry_final_transport[0]); i++)
			if (strcmp(e->code, retry_final_transport[i]) == 0)
				return 0;
		return 1;
	}
	/*
	 * EC2 answers a capacity shortage with HTTP 500; retrying the same pool
	 * only delays the move to the next one, which the caller makes.
	 */
	for (i = 0; i < sizeof(retry_never) / sizeof(retry_never[0]); i++)
		if (strcmp(e->code, retry_never[i]) == 0)
			return 0;
	switch (e->http_status) {
	case 500:
	case 502:
	case 503:
	case 504:
		return 1;
	}
	for (i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]); i++)
		if (strcmp(e->code, retry_codes[i]) == 0)
			return 1;
	return 0;
}

long
aws_retry_delay_ms(int attempt, double r)
{
	double ms;

	if (attempt < 2 || !(r > 0.0))		/* also catches NaN */
		return 0;
	if (r >= 1.0)
		r = 1.0;
	if (attempt > 40)
		attempt = 40;			/* 2^38 s is past any cap */
	ms = ldexp(r, attempt - 2) * 1000.0;
	if (ms >= (double)RETRY_MAX_DELAY_MS)
		return RETRY_MAX_DELAY_MS;
	return (long)ms;
}
