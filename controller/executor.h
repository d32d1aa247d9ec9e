/*
 * executor: turns the reconciler's actions into API calls and store writes,
 * intent before action. It also keeps what the reconciler needs to know
 * beyond the instances (where the Elastic IP is, what SSM holds, what AWS
 * refused) and builds the reconciler's observed world from the store.
 *
 * Rules it holds:
 * - A launch intent is committed before RunInstances is sent, and the
 *   ClientToken is the launch id; the instance is tagged stingy-vpn:endpoint,
 *   stingy-vpn:launch-id, stingy-vpn:template, Project=stingy-vpn and Name.
 * - After a crash, every unfinished intent is resolved by a DescribeInstances
 *   on its launch-id tag before anything new is launched (executor_recover).
 * - Every action completed, and every failure, lands in the audit log.
 * - An action already in flight is not started twice; a failed action waits
 *   a backoff (2 s doubling to 60 s) before it is tried again.
 * - Alerts are rate-limited per kind (alert_interval), logged, and sent to
 *   SNS when a topic is configured. They never carry secrets.
 * - RC_UPSERT_DNS goes to the DNS syncer, which reads before it writes;
 *   what it confirms is stored in the endpoint row (dns_value,
 *   dns_synced_at) and a write is audited.
 */
#ifndef EXECUTOR_H
#define EXECUTOR_H

#include <time.h>

struct aws;
struct desired;
struct dnssync;
struct http_client;
struct event_base;
struct executor;
struct rc_observed;
struct rc_result;
struct status_outcomes;
struct store;

/* executor_done_cb: something changed; the daemon schedules a reconcile. */
typedef void (*executor_done_cb)(void *arg);

/*
 * executor_new: the executor for desired's endpoint, with a DNS syncer
 * (dnssync.h) when d has [dns]. The base, http, aws, store and d outlive
 * it, except that d may be replaced with executor_set_desired. NULL when
 * out of memory.
 */
struct executor *executor_new(struct event_base *base, struct http_client *http,
    struct aws *aws, struct store *store, const struct desired *d,
    executor_done_cb done, void *arg);

/*
 * executor_set_desired: a new configuration is in force (d is kept, not
 * copied). A configuration AWS refused is forgotten: the new one gets a try.
 * A changed [dns] gets a new DNS syncer (the record is read again).
 */
void executor_set_desired(struct executor *ex, const struct desired *d);

/*
 * executor_recover: resolves the intents a previous run left open (launch-id
 * tag lookup) and reads the Elastic IP's association and the SSM parameter.
 * executor_ready() turns 1 when the intents are resolved.
 */
void executor_recover(struct executor *ex);
int executor_ready(const struct executor *ex);

/* executor_refresh: reads the EIP association and, every 10 min, SSM. */
void executor_refresh(struct executor *ex);

/*
 * executor_observe: fills *o (overwritten) from the store and what the
 * executor knows. Returns 0, or -1 when the store failed (then do not
 * reconcile on a partial world).
 */
int executor_observe(struct executor *ex, struct rc_observed *o, time_t now);

/* executor_run: starts every action of r not already in flight or backing off. */
void executor_run(struct executor *ex, const struct rc_result *r, time_t now);

/* executor_inflight: actions started and not finished. */
unsigned executor_inflight(const struct executor *ex);
/* executor_actions_total: actions completed (ok or not) since start. */
unsigned long long executor_actions_total(const struct executor *ex);
/*
 * executor_outcomes: launches, terminations, Elastic IP associations and
 * SSM puts by result since start (status.h maps launch failures to
 * results); owned by ex. A call that could not even be sent counts as an
 * error; one that completes after executor_stop is not counted.
 */
const struct status_outcomes *executor_outcomes(const struct executor *ex);

/* What the executor knows of the endpoint, for /status. Strings owned by ex. */
const char *executor_eip_instance(const struct executor *ex);
const char *executor_eip_address(const struct executor *ex);
const char *executor_ssm_value(const struct executor *ex);
const char *executor_config_blocked(const struct executor *ex);
/*
 * The peer list <ssm_prefix>/wireguard/peers (reconcile.h rule 11): read
 * with decryption at start, after each reload and every 10 min; put as a
 * SecureString when its SHA-256 differs from peers_render_server(d)'s.
 * The digest of what SSM holds is kept in the store's meta table.
 */
struct executor_peers {
	size_t		 count;		/* peers in desired.conf */
	int		 known;		/* what SSM holds is known */
	int		 in_sync;	/* and equal to the rendered list */
	time_t		 synced_at;	/* last confirmed in sync, 0 never */
	const char	*last_error;	/* since the last success, NULL none */
	const char	*digest;	/* of the rendered list (hex), "" none */
};
/* executor_peers: fills *out; strings owned by ex, valid until its next call. */
void executor_peers(const struct executor *ex, struct executor_peers *out);

/* executor_dns: the DNS syncer, NULL without [dns]. */
const struct dnssync *executor_dns(const struct executor *ex);

enum launch_error_class {
	LAUNCH_ERR_CAPACITY,	/* try another pool */
	LAUNCH_ERR_CONFIG,	/* AWS refuses this configuration: stop and alert */
	LAUNCH_ERR_AMBIGUOUS,	/* no clear answer: the instance may exist */
	LAUNCH_ERR_OTHER	/* refused for another reason: nothing launched */
};

/*
 * executor_launch_error_class: what a RunInstances failure means. transport
 * is 1 when no HTTP answer came. Pure.
 */
enum launch_error_class executor_launch_error_class(const char *code,
    long http_status, int transport);

/*
 * executor_stop: from now on completions only release their memory. Call
 * it before aws_free (which completes the calls still in flight), and
 * executor_free after.
 */
void executor_stop(struct executor *ex);

/* executor_free: releases ex; NULL is a no-op. */
void executor_free(struct executor *ex);

#endif
