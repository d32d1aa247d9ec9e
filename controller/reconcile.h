/*
 * reconcile: the brain. reconcile(desired, observed, now) -> actions, with
 * no I/O at all: no curl, no SQLite, no clock. Running it twice on the same
 * world yields the same actions; a converged world yields none.
 *
 * The rules (../shared/DESIGN.md, "The core is a pure function"):
 *  1. An instance is ours when the observer found it by our endpoint tag
 *     (the observer never reports anything else). It is *alive* when pending,
 *     running, stopping or stopped; *healthy* when pending or running and not
 *     doomed. *Doomed*: an interruption warning, a scheduled change, a
 *     stopping/stopped/shutting-down/terminated state, or a rebalance
 *     recommendation when the policy is REBALANCE_REPLACE (with
 *     REBALANCE_MARK a rebalance is shown but changes nothing). An instance
 *     that stayed not-ready past ready_timeout counts as doomed
 *     ("ready-timeout").
 *  2. *Current*: healthy and built from what desired.conf says now: its type
 *     is in instance_types and its template tag equals
 *     "<launch_template>:<launch_template_version>". A healthy instance that
 *     is not current is replaced make-before-break like a doomed one.
 *  3. *Ready*: current, running, and (wait_ready) tagged ready, or
 *     (!wait_ready) simply running.
 *  4. With no current instance and no launch in flight: launch one, from
 *     the first pool (type x subnet, in desired.conf's order, types first)
 *     not cooling down after a capacity error. A launch is in flight while an
 *     intent is open, or a launched instance has not been observed yet.
 *  5. Never more than max_instances alive plus launches in flight; never
 *     more than launch_budget launches in the past hour. Past the budget:
 *     no launch, an alert, and a health blocker.
 *  6. The target is the ready instance the endpoint should point at: the
 *     primary when it is ready, else the newest ready one. When the EIP is
 *     configured and not on the target: associate it. Then, when SSM does
 *     not hold the target's id: put it. Then, when the primary is not the
 *     target: set it. One step at a time, in that order.
 *  7. Once the endpoint is fully on the target (EIP, SSM, primary):
 *     terminate every other alive instance of ours (doomed, not current, or
 *     surplus). Without a target nothing serving is ever terminated.
 *  8. enabled = no: terminate every alive instance, launch nothing; the
 *     EIP, DNS record and SSM parameter are left as they are.
 *  9. A configuration the cloud refused (blocked) launches nothing until
 *     desired.conf changes; the running VPN is left alone.
 * 10. DNS ([dns] configured, enabled): the record holds the Elastic IP's
 *     address when elastic_ip is set (set once, then left alone: it does
 *     not take part in a cut-over, so a DNS provider's trouble never holds
 *     one up), else the target's public IP, as the cut-over step that
 *     comes before SSM. An unknown record (not read yet, or due for a
 *     re-read) is "upserted" too: the executor reads before it writes.
 *     A DNS configuration error is a health blocker.
 * 11. Peers: SSM <ssm_prefix>/wireguard/peers holds peers_render_server(d).
 *     When what SSM holds is known (read, put, or remembered by the store)
 *     and its SHA-256 differs from that of the rendered list: put it
 *     (RC_PUT_PEERS), whether enabled or not. Unknown: nothing (the
 *     executor reads it first). A list that cannot be rendered: nothing.
 */
#ifndef RECONCILE_H
#define RECONCILE_H

#include <stddef.h>
#include <time.h>

struct desired;

#define RC_MAX_INSTANCES	32
#define RC_MAX_POOLS		64
#define RC_MAX_ACTIONS		16
#define RC_ID			32	/* bytes for an instance id */
#define RC_DIGEST		65	/* a SHA-256 in hex and the NUL */

/* One instance of ours, as the store remembers it. */
struct rc_instance {
	char	id[RC_ID];
	char	state[24];		/* pending, running, stopping, stopped, shutting-down, terminated */
	char	type[32];
	char	subnet[40];
	char	template[96];		/* the stingy-vpn:template tag: "lt-0abc:$Latest"; "" if none */
	char	public_ip[48];		/* "" when it has none (yet) */
	int	ready;			/* the stingy-vpn:ready tag was seen */
	char	doomed[32];		/* doom reason, "" when none */
	time_t	launch_time;		/* 0: unknown (then first_seen is used) */
	time_t	first_seen;
};

/* A launch intent not yet final, or launched but its instance not observed. */
struct rc_launch {
	char	launch_id[64];
	char	type[32];
	char	subnet[40];
	char	instance_id[RC_ID];	/* "" while RunInstances is outstanding */
	time_t	created_at;
};

/* A pool that failed with a capacity error, skipped until `until`. */
struct rc_pool_block {
	char	type[32];
	char	subnet[40];		/* "" = any subnet of the type failed */
	time_t	until;
};

struct rc_observed {
	struct rc_instance	instances[RC_MAX_INSTANCES];
	size_t			n_instances;
	struct rc_launch	launches[RC_MAX_INSTANCES];	/* in flight */
	size_t			n_launches;
	struct rc_pool_block	blocked_pools[RC_MAX_POOLS];
	size_t			n_blocked_pools;
	char			primary[RC_ID];		/* the endpoint's instance, "" none */
	int			eip_known;		/* 0: DescribeAddresses not read yet */
	char			eip_instance[RC_ID];	/* where the EIP is associated, "" none */
	int			ssm_known;		/* 0: the parameter not read yet */
	char			ssm_value[64];		/* "<prefix>/instance-id" as last read or put */
	char			eip_address[48];	/* the EIP's public IP, "" unknown */
	int			dns_known;		/* 0: the record not confirmed (or due a re-read) */
	char			dns_value[48];		/* the record's content as last confirmed */
	const char		*dns_blocked;		/* a DNS configuration error, or NULL */
	unsigned		launches_past_hour;	/* intents not failed, created in the last hour */
	unsigned		interruptions_24h;	/* interruption warnings for ours, last 24 h */
	const char		*config_blocked;	/* why AWS refused this configuration, or NULL */
	/*
	 * The peer list (rule 11), as SHA-256 hex digests. peers_want comes
	 * from desired (the executor renders it, reconcile only compares):
	 * "" when the list cannot be rendered.
	 */
	char			peers_want[RC_DIGEST];
	int			peers_known;		/* 0: what SSM holds is not known */
	char			peers_digest[RC_DIGEST];	/* of SSM's value, "" when absent */
};

enum rc_action_kind {
	RC_LAUNCH,		/* type, subnet; reason */
	RC_ASSOCIATE_EIP,	/* instance */
	RC_UPSERT_DNS,		/* instance (the target, "" in EIP mode), value = the IP */
	RC_PUT_SSM,		/* instance */
	RC_SET_PRIMARY,		/* instance ("" = none) */
	RC_TERMINATE,		/* instance; reason */
	RC_ALERT,		/* alert, reason = the text */
	RC_PUT_PEERS		/* the peer list to SSM; reason */
};

enum rc_alert {
	RC_ALERT_NONE,
	RC_ALERT_BUDGET,		/* launch budget exhausted */
	RC_ALERT_NO_CAPACITY,		/* every pool is cooling down */
	RC_ALERT_INTERRUPTIONS,		/* more than max_interruptions_per_day */
	RC_ALERT_READY_TIMEOUT,		/* an instance never became ready */
	RC_ALERT_CONFIG,		/* AWS refused the configuration */
	RC_ALERT_LAUNCH_FAILED,		/* (the executor's) RunInstances failed */
	RC_ALERT_DNS,			/* (dnssync's) a DNS record update failed */
	RC_ALERT_DNS_CONFIG		/* (dnssync's) the DNS provider refuses the configuration */
};

struct rc_action {
	enum rc_action_kind	kind;
	char			instance[RC_ID];
	char			type[32];
	char			subnet[40];
	char			value[48];	/* RC_UPSERT_DNS: the address the record must hold */
	enum rc_alert		alert;
	char			reason[256];	/* for the log, the audit row, the alert */
};

struct rc_result {
	struct rc_action	actions[RC_MAX_ACTIONS];
	size_t			n;
	/* What the world looks like, for status and health. */
	char			target[RC_ID];		/* the ready instance to serve, "" none */
	char			replacement[RC_ID];	/* a current instance not yet ready, "" none */
	const char		*waiting;		/* what a no-action round waits for, or NULL */
	char			blocker[256];		/* non-empty: /healthz is unhealthy for this */
};

/*
 * reconcile: fills *out (overwritten) from d, o and now; never fails. The
 * actions are in the order they should be carried out. Pure and
 * deterministic.
 */
void reconcile(const struct desired *d, const struct rc_observed *o,
    time_t now, struct rc_result *out);

/*
 * rc_action_name: "launch", "associate-eip", "upsert-dns", "put-ssm",
 * "set-primary", "terminate", "alert", "put-peers".
 */
const char *rc_action_name(enum rc_action_kind k);
/*
 * rc_alert_name: "budget", "no-capacity", "interruptions", "ready-timeout",
 * "config", "launch-failed", "dns", "dns-config".
 */
const char *rc_alert_name(enum rc_alert a);

/* rc_template_tag: "<launch_template>:<launch_template_version>" of d into buf. */
const char *rc_template_tag(const struct desired *d, char *buf, size_t len);

#endif
