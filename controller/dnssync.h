/*
 * dnssync: keeps the endpoint's DNS record (Cloudflare or Route 53) on one
 * address, correctly and politely.
 *
 * The executor says what the record must hold (dnssync_want); dnssync then
 * works toward it one request at a time, never blocking the loop:
 *
 *   token (Cloudflare: GetParameter WithDecryption, kept in memory only)
 *   -> read (Cloudflare: GET by record id, or list by name and type A;
 *            Route 53: ListResourceRecordSets from the name)
 *   -> compare: content, ttl, type A, proxied false; equal: done, no write
 *   -> write (Cloudflare: PATCH, or POST when missing and create = yes;
 *             Route 53: UPSERT, then GetChange on a timer until INSYNC)
 *   -> confirm: read again; the value read back is the one reported.
 *
 * Failures (dns_classify_*, dns_retry_delay_ms):
 *  - 429: wait Retry-After (5 min when absent); 5xx, network errors and
 *    answers that do not parse: back off with jitter, 2 s doubling to 5 min;
 *  - 401/403 and authentication codes: the token is fetched again once;
 *    if it is still refused, a configuration error;
 *  - zone, record and validation errors are configuration errors: alerted
 *    once (RC_ALERT_DNS_CONFIG) while they last, reported by
 *    dnssync_blocked() (the health blocker) and retried every 10 min;
 *  - every other failed sync is alerted as RC_ALERT_DNS (the executor
 *    rate-limits alerts per kind).
 *
 * The record is re-read every DNSSYNC_VERIFY_S (dnssync_refresh) so that a
 * hand edit is noticed. The token never reaches a log line, an alert, the
 * status or a file; it is wiped when replaced or freed.
 */
#ifndef DNSSYNC_H
#define DNSSYNC_H

#include <time.h>

#include "reconcile.h"

struct aws;
struct aws_error;
struct cf_answer;
struct desired;
struct dnssync;
struct event_base;
struct http_client;

#define DNSSYNC_VERIFY_S	600	/* a confirmed record is read again after this */

struct dnssync_hooks {
	/*
	 * synced: the record is confirmed to hold value (wrote: 1 when this
	 * pass wrote it, 0 when it already held it; previous: what it held
	 * before, "" when it did not exist).
	 */
	void	(*synced)(const char *value, const char *previous, int wrote,
		    time_t at, void *arg);
	/* alert: kind is RC_ALERT_DNS or RC_ALERT_DNS_CONFIG; text has no secret. */
	void	(*alert)(enum rc_alert kind, const char *text, void *arg);
	/* changed: what dnssync_known/value/blocked say may have changed. */
	void	(*changed)(void *arg);
};

/*
 * dnssync_new: a syncer for d's [dns] (d->dns_provider must not be
 * DNS_NONE); everything it needs of d is copied. stored_value and
 * stored_at are what the store remembers of the last sync (shown by the
 * status, never taken as confirmed). base, http, aws and the hooks' arg
 * outlive it. NULL when out of memory.
 */
struct dnssync *dnssync_new(struct event_base *base, struct http_client *http,
    struct aws *aws, const struct desired *d, const struct dnssync_hooks *h,
    void *arg, const char *stored_value, time_t stored_at);

/* dnssync_same_config: 1 when d's [dns] is the one ds was made for. */
int dnssync_same_config(const struct dnssync *ds, const struct desired *d);

/*
 * dnssync_want: the record must hold value (an IPv4 address; copied).
 * Starts a pass unless one runs, a backoff waits, or the record is already
 * confirmed to hold it. A pass running toward another value is redirected
 * when its current request ends.
 */
void dnssync_want(struct dnssync *ds, const char *value);

/* dnssync_refresh: a confirmed record older than DNSSYNC_VERIFY_S turns unknown. */
void dnssync_refresh(struct dnssync *ds, time_t now);

/* dnssync_known: 1 when the record was confirmed in this run and is fresh. */
int dnssync_known(const struct dnssync *ds);
/* dnssync_value: the value last confirmed, "" none (owned by ds). */
const char *dnssync_value(const struct dnssync *ds);
/* dnssync_blocked: the configuration error in force, or NULL (owned by ds). */
const char *dnssync_blocked(const struct dnssync *ds);

/* What /status and /metrics show. Strings owned by ds, valid until its next event. */
struct dnssync_status {
	const char		*provider;	/* "cloudflare", "route53" */
	const char		*name;
	const char		*state;		/* "idle", "token", "read", ... */
	const char		*want;		/* "" none */
	const char		*value;		/* last confirmed, "" none */
	time_t			 synced_at;	/* 0 never */
	int			 in_sync;	/* confirmed and equal to want */
	const char		*last_error;	/* "" none */
	time_t			 last_error_at;
	const char		*config_error;	/* "" none */
	time_t			 next_attempt;	/* while backing off, else 0 */
	unsigned long long	 requests;	/* provider API calls (token fetches not counted) */
	unsigned long long	 writes;	/* PATCH, POST, UPSERT sent */
	unsigned long long	 failures;	/* passes that failed */
	unsigned long long	 rate_limited;	/* 429 answers */
	unsigned long long	 token_fetches;
};
void dnssync_status(const struct dnssync *ds, struct dnssync_status *out);

/* dnssync_stop: from now on completions only release memory. */
void dnssync_stop(struct dnssync *ds);
/*
 * dnssync_free: releases ds (the token wiped); with a request still out,
 * what is left goes when it completes. NULL is a no-op.
 */
void dnssync_free(struct dnssync *ds);

/* ---- the policy, pure (exported for tests) ---- */

enum dns_fail {
	DNS_FAIL_TRANSIENT,	/* 5xx, network, unreadable answer: back off with jitter */
	DNS_FAIL_RATE,		/* 429: honour Retry-After */
	DNS_FAIL_AUTH,		/* 401/403, authentication codes: fetch the token again */
	DNS_FAIL_CONFIG		/* zone, record, validation: alert once, retry slowly */
};

const char *dns_fail_name(enum dns_fail f);
/* dns_classify_cf: what a failed Cloudflare answer means. */
enum dns_fail dns_classify_cf(const struct cf_answer *a);
/* dns_classify_r53: what a failed Route 53 (or SSM token) call means. */
enum dns_fail dns_classify_aws(const struct aws_error *e);
/*
 * dns_retry_delay_ms: the wait before the next pass after a failure.
 * failures counts this one (1, 2, ...); retry_after_s is -1 when absent;
 * r is uniform in [0,1). TRANSIENT: [d/2, d] for d = 2 s * 2^(failures-1)
 * capped at 5 min; RATE: Retry-After (1 s to 1 h; 5 min when absent);
 * CONFIG: 10 min plus up to 1 min; AUTH: 0 (fetch the token now).
 */
long dns_retry_delay_ms(enum dns_fail f, unsigned failures,
    long retry_after_s, double r);

#endif
