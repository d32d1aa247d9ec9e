/*
 * test_dnssync: the DNS sync policy, by tables: what each failed answer
 * means (Cloudflare envelopes, AWS errors) and how long the next attempt
 * waits. The state machine itself is driven end to end by the integration
 * tests against the fake Cloudflare and moto's Route 53.
 */
#include <stdio.h>
#include <string.h>

#include "aws.h"
#include "cloudflare.h"
#include "dnssync.h"
#include "t.h"

static struct cf_answer
cf(int transport, long status, int code)
{
	struct cf_answer a;

	memset(&a, 0, sizeof(a));
	a.transport = transport;
	a.http_status = status;
	a.code = code;
	a.retry_after_s = -1;
	return a;
}

static void
test_classify_cf(void)
{
	static const struct {
		int transport;
		long status;
		int code;
		enum dns_fail want;
	} cases[] = {
		{ 1, 0, 0, DNS_FAIL_TRANSIENT },		/* connect, timeout */
		{ 0, 500, 0, DNS_FAIL_TRANSIENT },
		{ 0, 502, 0, DNS_FAIL_TRANSIENT },		/* a proxy's HTML page */
		{ 0, 503, 1000, DNS_FAIL_TRANSIENT },
		{ 0, 429, 971, DNS_FAIL_RATE },
		{ 0, 429, 0, DNS_FAIL_RATE },
		{ 0, 401, 0, DNS_FAIL_AUTH },
		{ 0, 403, CF_ERR_AUTH_TOKEN, DNS_FAIL_AUTH },
		{ 0, 400, CF_ERR_AUTH, DNS_FAIL_AUTH },
		{ 0, 400, 6003, DNS_FAIL_AUTH },		/* invalid request headers */
		{ 0, 404, CF_ERR_RECORD_MISSING, DNS_FAIL_CONFIG },
		{ 0, 404, 7003, DNS_FAIL_CONFIG },		/* no such zone */
		{ 0, 400, 1004, DNS_FAIL_CONFIG },		/* DNS validation */
		{ 0, 400, 9005, DNS_FAIL_CONFIG },		/* content not an IP */
		{ 0, 405, 0, DNS_FAIL_CONFIG },
		{ 0, 200, 0, DNS_FAIL_TRANSIENT },		/* 2xx that did not parse */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_answer a = cf(cases[i].transport, cases[i].status,
		    cases[i].code);

		T_OK(dns_classify_cf(&a) == cases[i].want,
		    "cf case %zu (HTTP %ld, code %d): %s, want %s", i,
		    cases[i].status, cases[i].code,
		    dns_fail_name(dns_classify_cf(&a)),
		    dns_fail_name(cases[i].want));
	}
}

static void
test_classify_aws(void)
{
	static const struct {
		int transport;
		long status;
		const char *code;
		enum dns_fail want;
	} cases[] = {
		{ 1, 0, "", DNS_FAIL_TRANSIENT },
		{ 0, 500, "InternalFailure", DNS_FAIL_TRANSIENT },
		{ 0, 400, "Throttling", DNS_FAIL_TRANSIENT },
		{ 0, 400, "PriorRequestNotComplete", DNS_FAIL_TRANSIENT },
		{ 0, 200, "MalformedResponse", DNS_FAIL_TRANSIENT },
		{ 0, 429, "HTTP429", DNS_FAIL_RATE },
		{ 0, 404, "NoSuchHostedZone", DNS_FAIL_CONFIG },
		{ 0, 400, "InvalidChangeBatch", DNS_FAIL_CONFIG },
		{ 0, 400, "InvalidInput", DNS_FAIL_CONFIG },
		{ 0, 403, "AccessDenied", DNS_FAIL_CONFIG },
		{ 0, 400, "ParameterNotFound", DNS_FAIL_CONFIG },
		{ 0, 400, "AccessDeniedException", DNS_FAIL_CONFIG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aws_error e;

		memset(&e, 0, sizeof(e));
		e.transport = cases[i].transport;
		e.http_status = cases[i].status;
		snprintf(e.code, sizeof(e.code), "%s", cases[i].code);
		T_OK(dns_classify_aws(&e) == cases[i].want,
		    "aws case %zu (%s): %s, want %s", i, cases[i].code,
		    dns_fail_name(dns_classify_aws(&e)),
		    dns_fail_name(cases[i].want));
	}
}

static void
test_delays(void)
{
	/* Transient: [d/2, d], d = 2 s doubling, capped at 5 min. */
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 1, -1, 0.0), 1000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 1, -1, 0.999999), 1999);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 2, -1, 0.0), 2000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 3, -1, 0.5), 6000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 8, -1, 0.0), 128000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 9, -1, 0.0), 150000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 9, -1, 0.999999), 299999);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 4000000000u, -1, 0.0), 150000);
	/* The jitter spreads: 1000 draws never leave the band. */
	for (int i = 0; i < 1000; i++) {
		long ms = dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 5, -1, i / 1000.0);

		if (ms < 16000 || ms >= 32000)
			T_OK(0, "jitter %d: %ld outside [16 s, 32 s)", i, ms);
	}
	/* A bad r is taken as 0, not as a wait of years. */
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_TRANSIENT, 1, -1, 7.0), 1000);
	/* 429: Retry-After exactly; 5 min when absent; 1 s to 1 h. */
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_RATE, 1, 7, 0.9), 7000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_RATE, 3, -1, 0.9), 300000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_RATE, 1, 0, 0.9), 1000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_RATE, 1, 86400, 0.9), 3600000);
	/* Configuration: slowly, 10 to 11 min. */
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_CONFIG, 1, 30, 0.0), 600000);
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_CONFIG, 9, -1, 0.5), 630000);
	/* Auth: the token is fetched again at once. */
	T_EQ_INT(dns_retry_delay_ms(DNS_FAIL_AUTH, 1, -1, 0.5), 0);
	T_EQ_STR(dns_fail_name(DNS_FAIL_RATE), "rate-limited");
}

int
main(void)
{
	T_RUN(test_classify_cf);
	T_RUN(test_classify_aws);
	T_RUN(test_delays);
	return t_done("test_dnssync");
}
