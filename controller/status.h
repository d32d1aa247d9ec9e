/*
 * status: renders what the daemon knows for /status (JSON) and /metrics
 * (Prometheus text). Pure formatting: the caller gathers a status_view, so
 * nothing here does I/O or reads the clock. No secret is ever in a view.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>
#include <time.h>

struct store_instance;
struct store_event;
struct store_intent;
struct store_audit_entry;
struct dnssync_status;

/*
 * Event types and results of stingy_events_by_type_total. The types follow
 * events.h's kinds (ingest_event_type maps them); a body that does not
 * parse has no type and counts as STATUS_EV_OTHER, STATUS_EV_QUARANTINED.
 */
enum status_event_type {
	STATUS_EV_INTERRUPTION,		/* EVENT_SPOT_INTERRUPTION */
	STATUS_EV_REBALANCE,		/* EVENT_REBALANCE */
	STATUS_EV_STATE_CHANGE,		/* EVENT_STATE_CHANGE */
	STATUS_EV_HEALTH,		/* EVENT_HEALTH_SCHEDULED */
	STATUS_EV_OTHER,		/* EVENT_OTHER, and unparsed bodies */
	STATUS_EV_TYPES
};

enum status_event_result {
	STATUS_EV_NEW,			/* recorded for one of ours */
	STATUS_EV_DUPLICATE,		/* recorded before (redelivery) */
	STATUS_EV_FOREIGN,		/* names instances, none of them ours */
	STATUS_EV_IGNORED,		/* names no instance */
	STATUS_EV_QUARANTINED,		/* the body did not parse */
	STATUS_EV_RESULTS
};

/*
 * Results of the executor's calls. Launches use all four; terminations,
 * Elastic IP associations and SSM puts only STATUS_R_OK and STATUS_R_ERROR.
 * A launch is
 *   ok        RunInstances answered with an instance
 *   capacity  refused for capacity (executor: LAUNCH_ERR_CAPACITY; the
 *             next pool is tried)
 *   config    AWS refuses the configuration (LAUNCH_ERR_CONFIG; launches
 *             stop until desired.conf changes)
 *   error     anything else: an ambiguous answer (LAUNCH_ERR_AMBIGUOUS,
 *             then looked up by its tag), another refusal
 *             (LAUNCH_ERR_OTHER), or a launch that could not be sent (the
 *             intent not committed, the request not started)
 */
enum status_result {
	STATUS_R_OK,
	STATUS_R_CAPACITY,
	STATUS_R_CONFIG,
	STATUS_R_ERROR,
	STATUS_RESULTS
};

/* What the executor's calls came to since start (executor_outcomes). */
struct status_outcomes {
	unsigned long long	launches[STATUS_RESULTS];
	unsigned long long	terminations[STATUS_RESULTS];
	unsigned long long	eip_associations[STATUS_RESULTS];
	unsigned long long	ssm_puts[STATUS_RESULTS];
};

/*
 * status_tally: counters keyed by two label values, (service, action) or
 * (service, error code), bounded whatever the keys: the codes come from
 * AWS's answers, which are untrusted. A value keeps only [A-Za-z0-9._-]
 * (any other byte becomes '_'), at most STATUS_TALLY_LABEL - 1 bytes, and
 * "unknown" when empty. At most STATUS_TALLY_KEYS distinct pairs are kept;
 * past that a new pair (a, b) is counted as (a, "other"), and when even
 * the spare rows for those are taken, as ("other", "other"). No memory is
 * allocated: the table is a plain value, zeroed to start.
 */
#define STATUS_TALLY_KEYS	32
#define STATUS_TALLY_SPARE	8	/* rows for (a, "other") and ("other", "other") */
#define STATUS_TALLY_LABEL	48

struct status_tally_row {
	char			a[STATUS_TALLY_LABEL];
	char			b[STATUS_TALLY_LABEL];
	unsigned long long	n;
};

struct status_tally {
	struct status_tally_row	row[STATUS_TALLY_KEYS + STATUS_TALLY_SPARE];
	size_t			n;	/* rows in use, in the order first seen */
};

/* status_tally_add: adds n to the row of (a, b) as described above; NULL is "". */
void status_tally_add(struct status_tally *t, const char *a, const char *b,
    unsigned long long n);

/*
 * status_histogram: how long reconcile() takes, in seconds, in the fixed
 * buckets STATUS_HIST_BOUNDS (upper bounds: 10 us to 10 ms). bucket[i]
 * counts the observations in (bound[i-1], bound[i]], bucket[STATUS_HIST_N]
 * those above the last bound; the renderer makes them cumulative.
 */
#define STATUS_HIST_N		10
#define STATUS_HIST_BOUNDS	{ 0.00001, 0.000025, 0.00005, 0.0001, \
	0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01 }

struct status_histogram {
	unsigned long long	bucket[STATUS_HIST_N + 1];
	unsigned long long	count;
	double			sum;		/* seconds */
};

/* status_histogram_observe: one observation of s seconds (negative and NaN count as 0). */
void status_histogram_observe(struct status_histogram *h, double s);

/* Counters the daemon keeps since it started. */
struct status_counters {
	unsigned long long	sqs_polls_ok;
	unsigned long long	sqs_polls_error;
	unsigned long long	sqs_messages;
	unsigned long long	sqs_deleted;
	unsigned long long	sqs_delete_errors;
	unsigned long long	events_new;
	unsigned long long	events_duplicate;
	unsigned long long	events_foreign;
	unsigned long long	events_ignored;
	unsigned long long	events_quarantined;
	unsigned long long	events_store_errors;
	unsigned long long	describe_ok;
	unsigned long long	describe_error;
	unsigned long long	reloads_ok;
	unsigned long long	reloads_error;
	/* [type][result], one per SQS message (so once per event delivery) */
	unsigned long long	events_by_type[STATUS_EV_TYPES][STATUS_EV_RESULTS];
};

struct status_view {
	const char			*version;
	const char			*endpoint;
	const char			*region;
	int				 enabled;
	const char			*conf_path;
	unsigned			 describe_interval_ms;
	unsigned			 sqs_wait_ms;
	const char			*reload_error;	/* NULL: none */
	time_t				 last_reload;
	time_t				 now;
	time_t				 started;
	int				 healthy;
	const char			*reason;	/* health reason or "ok" */
	time_t				 last_sqs_ok;
	const char			*sqs_error;
	int				 sqs_inflight;
	time_t				 last_describe_ok;
	const char			*describe_error;
	size_t				 http_inflight;
	const struct store_instance	*instances;
	size_t				 n_instances;
	const struct store_event	*events;	/* newest first */
	size_t				 n_events;
	long long			 quarantined;	/* rows in quarantine */
	const struct status_counters	*counters;

	/* The endpoint and the reconciler's view (issue 3). */
	const char			*primary;	/* instance id, "" none */
	const char			*target;	/* reconcile's target, "" none */
	const char			*replacement;	/* a current instance not yet ready, "" none */
	const char			*waiting;	/* what reconcile waits for, NULL none */
	const char			*blocker;	/* why unhealthy, "" none */
	const char			*elastic_ip;	/* allocation id, NULL when not configured */
	const char			*eip_instance;	/* where the EIP is, "" none/unknown */
	const char			*eip_address;	/* its public IP, "" unknown */
	const char			*ssm_parameter;	/* "<prefix>/instance-id" */
	const char			*ssm_value;	/* as last read or put, "" unknown */
	const struct store_intent	*launches;	/* launches in flight */
	size_t				 n_launches;
	long long			 interruptions_24h;
	const struct store_audit_entry	*errors;	/* newest failed actions first */
	size_t				 n_errors;
	const struct store_audit_entry	*actions;	/* newest actions first */
	size_t				 n_actions;
	unsigned long long		 reconciles;	/* rounds run since start */
	unsigned long long		 actions_total;	/* actions carried out since start */
	long long			 launches_past_hour;

	/* The DNS record (issue 4); NULL without [dns]. */
	const struct dnssync_status	*dns;

	/*
	 * Issue 6. Each may be NULL: outcomes then count 0, the tallies have
	 * no samples, the histogram no observations.
	 */
	const struct status_outcomes	*outcomes;	/* executor_outcomes() */
	const struct status_tally	*aws_requests;	/* (service, action) */
	const struct status_tally	*aws_errors;	/* (service, code) */
	const struct status_histogram	*reconcile_duration;
	/*
	 * The estimated cost of a month, USD (cost.h's model); < 0 (or not
	 * finite) when unknown, and then stingy_estimated_monthly_cost_dollars
	 * is left out. A view zeroed with memset says $0: set -1.
	 */
	double				 cost_month_usd;
	/* The same estimate in micro-dollars a month (cost.h); < 0 unknown. */
	long long			 cost_total_micro;
	long long			 cost_instance_micro;	/* the instance line */
	long long			 cost_on_demand_micro;	/* the total on demand */
	time_t				 cost_as_of;		/* when the estimate was made */
	time_t				 cost_prices_at;	/* newest spot price used */
	const char			*cost_error;		/* the last failure, NULL none */

	/* The peer list in SSM; peers_parameter NULL: not shown. */
	const char			*peers_parameter;	/* "<prefix>/wireguard/peers" */
	size_t				 peers_count;
	int				 peers_synced;		/* SSM holds the rendered list */
	time_t				 peers_synced_at;	/* 0 never */
	const char			*peers_error;		/* NULL none */
};

/*
 * status_json: the view as one JSON object (malloc'd, NUL-terminated, ending
 * in a newline; the caller frees), or NULL when out of memory (nothing else
 * is left behind). v is only read. The keys:
 *
 *   version endpoint region enabled healthy reason now started
 *   config {path describe_interval_ms sqs_wait_ms last_reload last_reload_error}
 *   sqs {last_ok last_error polling}   ec2 {last_ok last_error}
 *   endpoint_state {primary target waiting blocker elastic_ip eip_instance
 *                   eip_address ssm_parameter ssm_value}
 *   primary, replacement: the instance object of v->primary / v->replacement
 *                   taken from v->instances, null when empty or not there
 *   launches_in_flight [{launch_id type subnet state instance_id created_at}]
 *   instances [instance]   recent_events [{id kind detail_type instance_id
 *                   detail time received_at}]   interruptions_24h
 *   last_errors, recent_actions [{at action target detail result}]
 *   launches_past_hour reconciles actions_total quarantined
 *   dns {provider name state want value synced_at in_sync last_error
 *        last_error_at config_error next_attempt requests writes failures
 *        rate_limited token_fetches}, null without [dns]
 *   peers {parameter count synced last_synced_at last_error}, null when
 *        peers_parameter is NULL
 *   cost {total instance on_demand (USD a month, 2 decimals) total_micro
 *        instance_micro on_demand_micro as_of prices_at last_error},
 *        on_demand null when unknown; null while cost_month_usd is
 *        unknown (or cost_total_micro < 0, or cost_as_of 0)
 *
 * instance: {id state type az subnet public_ip private_ip lifecycle launch_id
 * launch_time age_s ready doomed doomed_at first_seen last_seen}; age_s is
 * now - launch_time, null when either is unknown or launch_time is ahead.
 *
 * Times are Unix seconds; 0 is written as null, and so is an empty or NULL
 * string. Bytes of a string that are not valid UTF-8 are written as '?'.
 */
char *status_json(const struct status_view *v);

/*
 * status_metrics: the view in the Prometheus text exposition format 0.0.4
 * (malloc'd, NUL-terminated, the caller frees; serve it as "text/plain;
 * version=0.0.4; charset=utf-8"), or NULL when out of memory. v is only
 * read; v->counters may be NULL (all zero).
 *
 * Every family has one # HELP and one # TYPE line before its samples, and
 * no series appears twice. Label values are escaped (\\ \" \n) and bytes
 * that are not valid UTF-8 become '?'; an instance whose rendered id equals
 * an earlier one's is left out of stingy_instance_ready. Counters end in
 * _total. The families, in order:
 *
 *   stingy_healthy stingy_start_time_seconds stingy_sqs_polls_total{result}
 *   stingy_sqs_inflight stingy_sqs_messages_total stingy_sqs_deleted_total
 *   stingy_sqs_delete_errors_total stingy_sqs_last_ok_timestamp_seconds
 *   stingy_events_total stingy_events_{duplicate,foreign,ignored,
 *   quarantined,store_errors}_total stingy_events_by_type_total{type,result}
 *   stingy_quarantine_rows stingy_describe_total{result}
 *   stingy_describe_last_ok_timestamp_seconds
 *   stingy_config_reloads_total{result} stingy_http_inflight
 *   stingy_instances{state} stingy_instance_ready{instance}
 *   stingy_primary_info{instance_id,instance_type,az} (only with a primary)
 *   stingy_interruptions_total stingy_interruptions_24h
 *   stingy_launches_total{result} stingy_terminations_total{result}
 *   stingy_eip_associations_total{result} stingy_ssm_puts_total{result}
 *   stingy_launches_past_hour stingy_launches_in_flight
 *   stingy_reconciles_total stingy_reconcile_duration_seconds (histogram)
 *   stingy_actions_total stingy_blocked
 *   stingy_aws_requests_total{service,action}
 *   stingy_aws_errors_total{service,code}
 *   stingy_estimated_monthly_cost_dollars (only when known)
 *   stingy_peers stingy_peers_in_sync (only with peers_parameter)
 *   with [dns]: stingy_dns_in_sync stingy_dns_last_sync_timestamp_seconds
 *   stingy_dns_{requests,writes,failures,rate_limited}_total
 *   stingy_dns_config_error
 *
 * Timestamps are Unix seconds, 0 for never.
 */
char *status_metrics(const struct status_view *v);

#endif
