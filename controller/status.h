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
 * status_metrics: the view in Prometheus text format (malloc'd, the caller
 * frees), or NULL when out of memory. v->counters may be NULL (all zero).
 * An instance id that cannot be a label value unescaped is left out of
 * stingy_instance_ready.
 */
char *status_metrics(const struct status_view *v);

#endif
