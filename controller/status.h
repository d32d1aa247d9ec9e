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
};

/*
 * status_json: the view as one JSON object (malloc'd, NUL-terminated, the
 * caller frees), or NULL when out of memory. Times are Unix seconds; 0 is
 * written as null.
 */
char *status_json(const struct status_view *v);

/* status_metrics: the view in Prometheus text format; malloc'd or NULL. */
char *status_metrics(const struct status_view *v);

#endif
