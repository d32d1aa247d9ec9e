/*
 * store: the controller's memory, one SQLite file. store.c is the only file
 * that includes sqlite3.h; nothing of SQLite leaks through this header.
 *
 * The file is kept at mode 0600 (and its -wal and -shm companions), in WAL
 * mode with synchronous=FULL and foreign_keys=ON, so a commit that returned
 * is on disk. The schema version lives in PRAGMA user_version and migrates
 * forward at open; a file written by a newer program is refused.
 *
 * Conventions for every function below:
 * - Times are Unix seconds (UTC) given by the caller; the store never reads
 *   the clock, so tests are deterministic.
 * - Strings are copied in and bound as parameters (SQL is never built from
 *   them); on the way in they are cut at the size of the matching struct
 *   field, on the way out copied into the fixed arrays with truncation and
 *   always NUL-terminated.
 * - An empty string ("" or NULL) is stored as SQL NULL in a nullable column
 *   and read back as "". A time of 0 likewise means "never"/NULL.
 * - Every write is one BEGIN IMMEDIATE transaction. On any failure it is
 *   rolled back, so the database is as it was before the call, the error is
 *   logged once (log_warnx, "state: OPERATION: reason") and -1 returned;
 *   store_error() keeps the reason until the next call.
 * - Lists are returned as one malloc'd array the caller frees with free();
 *   on failure *out is NULL and *n is 0. An empty list is *out NULL, *n 0,
 *   return 0.
 * - A busy database (another process writing) is waited on for up to
 *   STORE_BUSY_TIMEOUT_MS, which blocks the caller; only the operator's own
 *   commands share the file with the daemon, so this is rare and short.
 * - Not thread safe: one store per thread.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <time.h>

#define STORE_SCHEMA_VERSION	2	/* the user_version this code migrates to */
#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_QUARANTINE_MAX	(256 * 1024)	/* bytes of a quarantined body kept */

struct store;	/* opaque */

/*
 * store_open: opens (creating when missing, mode 0600) the database at path,
 * checks it (PRAGMA quick_check), sets WAL, synchronous=FULL, foreign_keys
 * and the busy timeout (each verified) and runs pending migrations, each in
 * its own BEGIN IMMEDIATE transaction together with its user_version bump.
 *
 * An existing file that group or others may read or write is chmod'ed to 0600
 * with a warning logged (it may hold nothing secret, but it says where our
 * instances are); a path that is not a regular file (a directory, a symlink)
 * is refused.
 *
 * Returns the store (free with store_close) or NULL with a message naming the
 * path in err (errlen bytes, always NUL-terminated when errlen > 0), e.g.
 *   "state: /x/state.db: file is not a database"
 *   "state: /x/state.db: database disk image is malformed"
 *   "state: /x/state.db: schema version 7 is newer than this program's (2);
 *    refusing to open it"
 *   "state: /missing/state.db: No such file or directory"
 * store_open itself logs only the permission fix (and, at info, each
 * migration); the caller logs err. A migration that fails leaves the file at
 * the last version that succeeded. The process umask is 077 during the call
 * and restored before it returns (call it before starting threads).
 */
struct store *store_open(const char *path, char *err, size_t errlen);

/* store_close: finalizes everything and closes; NULL is a no-op. */
void store_close(struct store *s);

/* store_path: the path given to store_open, owned by s. */
const char *store_path(const struct store *s);

/* store_error: the reason of the last failure ("" after a success); owned by s. */
const char *store_error(const struct store *s);

/* store_info: what the connection runs with, for `status` and the tests. */
struct store_info {
	char		journal_mode[16];	/* "wal" */
	int		synchronous;		/* 2: FULL */
	int		foreign_keys;		/* 1 */
	int		user_version;		/* STORE_SCHEMA_VERSION */
	long long	page_count;
	long long	page_size;		/* bytes */
};
/* store_info: fills *out from the live connection; 0 or -1. */
int store_info(struct store *s, struct store_info *out);

/*
 * Instances: what the observer (DescribeInstances) saw, per endpoint.
 */
struct store_instance {
	char	endpoint[64];
	char	id[32];			/* "i-0123456789abcdef0" */
	char	state[24];		/* "pending", "running", "shutting-down", ... */
	char	type[32];		/* "t4g.nano" */
	char	subnet[40];
	char	az[40];
	char	public_ip[48];
	char	private_ip[48];
	char	launch_id[64];		/* our stingy-vpn:launch-id tag, "" if none */
	char	lifecycle[16];		/* "spot", "" for on-demand */
	char	template[96];		/* our stingy-vpn:template tag, "lt-0abc:$Latest"; "" if none */
	time_t	launch_time;
	int	ready;			/* the stingy-vpn:ready tag was seen */
	char	doomed_reason[32];	/* "" when not doomed */
	time_t	doomed_at;		/* 0 when not doomed */
	time_t	first_seen;		/* read only: set by the store */
	time_t	last_seen;		/* read only */
	int	gone;			/* read only: missing from the last sync */
};

/*
 * store_instances_sync: records one complete observation of `endpoint`: in one
 * transaction, upserts every instance in seen[0..n) and marks every other
 * instance of the endpoint gone (gone=1; rows are kept for the record).
 *
 * For an instance already known:
 * - endpoint, state, type, subnet, az, addresses, launch_id, lifecycle,
 *   template and launch_time take the new values (an empty one too: a tag
 *   that went away is gone); last_seen = now; gone = 0; first_seen is kept;
 * - ready is sticky: it becomes 1 when seen[i].ready is 1 and a 0 never
 *   clears it (the tag is only ever added; an answer missing it is noise);
 * - doomed is sticky: seen[i].doomed_reason, when not empty, dooms an
 *   instance that is not doomed yet (doomed_at = now), and an empty one never
 *   clears it: doom comes from events the observer may not see.
 * A new instance gets first_seen = last_seen = now. If an event that carried
 * a doom for it was recorded before it was first seen (store_event_record
 * with the instance unknown), that doom is applied now with the event's
 * received_at as doomed_at.
 *
 * The first_seen, last_seen, gone and doomed_at fields of seen[] are ignored.
 * An entry with an empty id fails the whole call. n = 0 marks all gone.
 * Returns 0 or -1.
 */
int store_instances_sync(struct store *s, const char *endpoint,
    const struct store_instance *seen, size_t n, time_t now);

/*
 * store_instance_put: records one instance, in->endpoint's, without a full
 * observation: in one transaction, upserts it with exactly the rules
 * store_instances_sync applies to one entry of seen[] (the new values taken,
 * ready and doom sticky, first_seen kept, last_seen = now, gone = 0, a doom
 * that waited for it applied) and touches no other instance: nothing is
 * marked gone. For the executor, right after RunInstances answers, so that
 * events naming the new instance are known to be ours before the next
 * describe, and after TerminateInstances to record the new state.
 *
 * The first_seen, last_seen, gone and doomed_at fields of *in are ignored.
 * Returns 0, or -1 (also when in->id or in->endpoint is empty).
 */
int store_instance_put(struct store *s, const struct store_instance *in,
    time_t now);

/* store_instance_get: 1 and *out filled when known, 0 when not, -1 on error. */
int store_instance_get(struct store *s, const char *instance_id,
    struct store_instance *out);

/*
 * store_instances_list: the instances of endpoint (NULL: every endpoint),
 * gone ones too when include_gone, oldest first_seen first. Returns 0 or -1;
 * the caller frees *out.
 */
int store_instances_list(struct store *s, const char *endpoint,
    int include_gone, struct store_instance **out, size_t *n);

/*
 * store_instance_mark_doomed: dooms a known instance that is not doomed yet
 * (doomed_reason = reason, doomed_at = now). Returns 1 when it changed the
 * row, 0 when the instance is unknown or already doomed (the first reason
 * stays), -1 on error. reason must not be empty.
 */
int store_instance_mark_doomed(struct store *s, const char *instance_id,
    const char *reason, time_t now);

/*
 * Events: EventBridge deliveries, deduplicated on the event id.
 */
struct store_event {
	char	event_id[80];		/* the EventBridge envelope "id" */
	char	kind[32];		/* the caller's classification: "interruption", ... */
	char	source[64];		/* "aws.ec2" */
	char	detail_type[96];	/* "EC2 Spot Instance Interruption Warning" */
	char	instance_id[24];	/* "" when the event names none */
	char	detail[16];		/* the action or state: "terminate", "stopping" */
	time_t	event_time;
	char	message_id[128];	/* the SQS MessageId that brought it */
	/* Filled by store_events_recent only; ignored by store_event_record. */
	char	endpoint[64];
	char	doom_reason[32];
	time_t	received_at;
	int	applied;		/* 1: its doom is on the instance row */
};

/*
 * store_event_record: in one transaction, inserts ev (received_at = now)
 * unless an event with the same event_id is already recorded, and, when it
 * is new and doom_reason is given, dooms ev->instance_id if that instance is
 * known and not yet doomed (doomed_reason = doom_reason, doomed_at = now).
 * When the instance is not known yet, the doom is kept with the event and
 * applied by the store_instances_sync that first sees it. An already doomed
 * instance keeps its first reason.
 *
 * endpoint may be NULL: the known instance's endpoint is used, else NULL.
 * Returns 1 when the event was new (and committed with its doom), 0 when it
 * was a duplicate (nothing changed), -1 on error (including an empty
 * event_id). The caller may delete the SQS message once this returns 0 or 1.
 */
int store_event_record(struct store *s, const char *endpoint,
    const struct store_event *ev, const char *doom_reason, time_t now);

/* store_events_recent: at most limit events, newest received first; 0 or -1. */
int store_events_recent(struct store *s, size_t limit,
    struct store_event **out, size_t *n);

/*
 * store_events_recent_for: like store_events_recent, but only the events
 * recorded for endpoint; events with no endpoint (an instance that was not
 * known when they came and no endpoint given) are left out. Returns 0, or -1
 * (also when endpoint is empty); free(*out).
 */
int store_events_recent_for(struct store *s, const char *endpoint,
    size_t limit, struct store_event **out, size_t *n);

/*
 * store_events_count: *n = recorded events (each event id once: duplicates
 * are never recorded) of kind ("spot-interruption") for endpoint (NULL:
 * every endpoint, and events with none) received at or after since: for
 * "interruptions in the last 24 h", since = now - 86400. Returns 0, or -1
 * (also when kind is empty) with *n 0.
 */
int store_events_count(struct store *s, const char *endpoint,
    const char *kind, time_t since, long long *n);

/*
 * Quarantine: message bodies that failed to parse, kept whole up to
 * STORE_QUARANTINE_MAX bytes (the rest is cut, the original length kept).
 */
struct store_quarantine {
	long long	 id;
	char		 message_id[128];
	time_t		 received_at;
	char		 reason[256];
	size_t		 len;		/* the original body length */
	size_t		 body_len;	/* bytes in body: min(len, STORE_QUARANTINE_MAX) */
	unsigned char	*body;		/* malloc'd, body_len bytes + a NUL; may hold NULs */
};

/*
 * store_quarantine_add: copies body[0..len) (body may be NULL when len is 0)
 * into a new row. message_id may be NULL. Returns 0 or -1.
 */
int store_quarantine_add(struct store *s, const char *message_id,
    const char *reason, const void *body, size_t len, time_t now);

/* store_quarantine_count: *n = rows in quarantine; 0 or -1. */
int store_quarantine_count(struct store *s, long long *n);

/*
 * store_quarantine_recent: at most limit rows, newest first, bodies included.
 * Returns 0 or -1; free with store_quarantine_free(*out, *n).
 */
int store_quarantine_recent(struct store *s, size_t limit,
    struct store_quarantine **out, size_t *n);
/* store_quarantine_free: frees the bodies and the array; NULL is a no-op. */
void store_quarantine_free(struct store_quarantine *q, size_t n);

/*
 * Launch intents: written and committed before RunInstances is sent.
 *
 * States move forward only:
 *   pending -> sent | launched | failed | abandoned
 *   sent    -> launched | failed | abandoned
 * and a state may be set again to itself (to fill instance_id or error).
 * launched, failed and abandoned are final otherwise.
 */
enum store_intent_state {
	STORE_INTENT_PENDING,	/* committed, RunInstances not sent yet */
	STORE_INTENT_SENT,	/* RunInstances sent, outcome unknown */
	STORE_INTENT_LAUNCHED,	/* an instance exists (instance_id) */
	STORE_INTENT_FAILED,	/* refused by EC2: nothing launched (error) */
	STORE_INTENT_ABANDONED,	/* given up, e.g. not found after a restart */
};

/* store_intent_state_name: "pending", ...; "unknown" when out of range. */
const char *store_intent_state_name(enum store_intent_state st);

struct store_intent {
	char			launch_id[64];
	char			endpoint[64];
	char			type[32];
	char			subnet[40];
	enum store_intent_state	state;
	char			instance_id[32];	/* "" until launched */
	char			error[256];		/* "" unless failed/abandoned */
	time_t			created_at;
	time_t			updated_at;
};

/*
 * store_intent_create: a new intent in state pending. Returns 0, or -1 (also
 * when launch_id already exists or any argument is empty; subnet may be "").
 */
int store_intent_create(struct store *s, const char *launch_id,
    const char *endpoint, const char *type, const char *subnet, time_t now);

/*
 * store_intent_set: moves launch_id to state (see the rules above), sets
 * updated_at = now, and instance_id / error when given (NULL or "" keeps
 * what the row holds).
 * Returns 0, or -1 when the intent is unknown, the move is not allowed, or
 * on error.
 */
int store_intent_set(struct store *s, const char *launch_id,
    enum store_intent_state state, const char *instance_id, const char *error,
    time_t now);

/* store_intent_get: 1 and *out when known, 0 when not, -1 on error. */
int store_intent_get(struct store *s, const char *launch_id,
    struct store_intent *out);

/*
 * store_intents_open: the intents of endpoint still pending or sent (those a
 * restart must resolve), oldest first. Returns 0 or -1; free(*out).
 */
int store_intents_open(struct store *s, const char *endpoint,
    struct store_intent **out, size_t *n);

/*
 * store_launches_since: *n = intents of endpoint created at or after since
 * that may have started an instance, i.e. in any state but failed (EC2
 * refused those; nothing to pay for). For the hourly launch budget.
 */
int store_launches_since(struct store *s, const char *endpoint, time_t since,
    long long *n);

/*
 * store_intents_launched_since: the intents of endpoint (NULL: every
 * endpoint) in state launched that were created at or after since, oldest
 * created first. The executor compares their instance ids with the observed
 * instances to tell the launches not observed yet. Returns 0 or -1;
 * free(*out).
 */
int store_intents_launched_since(struct store *s, const char *endpoint,
    time_t since, struct store_intent **out, size_t *n);

/*
 * Capacity pools: a pool (instance type, subnet) that refused a launch for
 * lack of capacity is skipped until a given time. The rows are per endpoint.
 */
struct store_pool_block {
	char	type[32];	/* "t4g.nano" */
	char	subnet[40];	/* "" when the block is for every subnet */
	time_t	until;		/* skipped while now < until */
	char	reason[128];	/* "InsufficientInstanceCapacity" */
};

/*
 * store_pool_block: blocks the pool (type, subnet) of endpoint until `until`.
 * When the pool is already blocked the later until wins: a later until
 * replaces the row's until, reason and created_at (= now); an earlier or equal
 * one changes nothing. subnet and reason may be NULL or "" (stored as "").
 * An until at or before now is stored but never listed (until pruned).
 * Returns 0, or -1 (also when endpoint or type is empty).
 */
int store_pool_block(struct store *s, const char *endpoint, const char *type,
    const char *subnet, time_t until, const char *reason, time_t now);

/*
 * store_pool_blocks: the pools of endpoint blocked at now, i.e. with
 * until > now (a block whose until == now has ended), soonest until first,
 * then by type and subnet. Returns 0, or -1 (also when endpoint is empty);
 * free(*out).
 */
int store_pool_blocks(struct store *s, const char *endpoint, time_t now,
    struct store_pool_block **out, size_t *n);

/*
 * Endpoint: where the endpoint points and what was last pushed to DNS and SSM.
 */
struct store_endpoint {
	char	name[64];
	char	instance_id[32];	/* the primary, "" when none */
	char	elastic_ip[48];		/* allocation id, "" when not in EIP mode */
	char	public_ip[48];
	char	dns_value[64];		/* the record content last synced */
	time_t	dns_synced_at;
	char	ssm_value[64];		/* the instance id last put to SSM */
	time_t	ssm_synced_at;
	time_t	updated_at;		/* read only: set by store_endpoint_put */
};

/* store_endpoint_get: 1 and *out when known, 0 when not, -1 on error. */
int store_endpoint_get(struct store *s, const char *name,
    struct store_endpoint *out);

/*
 * store_endpoint_put: replaces (or creates) the row e->name with every field
 * of e and updated_at = now. Returns 0 or -1 (also when e->name is empty).
 */
int store_endpoint_put(struct store *s, const struct store_endpoint *e,
    time_t now);

/*
 * Audit: an append-only record of the actions taken.
 */
struct store_audit_entry {
	long long	id;		/* increasing in the order of writing */
	time_t		at;
	char		endpoint[64];
	char		action[32];	/* "launch", "associate", "terminate", ... */
	char		target[96];	/* "i-0abc", "t4g.nano/subnet-0abc" */
	char		detail[256];
	char		result[128];	/* "ok" or the error */
};

/* store_audit: appends one row; any string may be NULL. Returns 0 or -1. */
int store_audit(struct store *s, time_t at, const char *endpoint,
    const char *action, const char *target, const char *detail,
    const char *result);

/* store_audit_recent: at most limit rows, newest first; 0 or -1; free(*out). */
int store_audit_recent(struct store *s, size_t limit,
    struct store_audit_entry **out, size_t *n);

/*
 * store_audit_errors: at most limit rows of endpoint (NULL: every row, those
 * with no endpoint too) whose result is set and is not exactly "ok", newest
 * written first: the "last errors" of `status`. A row written with no result
 * (NULL or "") is not an error. Returns 0 or -1; free(*out).
 */
int store_audit_errors(struct store *s, const char *endpoint, size_t limit,
    struct store_audit_entry **out, size_t *n);

/*
 * Meta: small named values kept across restarts (counters, timestamps).
 * A key holds either an integer or a text; get of the other kind converts
 * the way SQLite does.
 */
/* store_meta_get_int: 1 and *val when the key exists, 0 when not, -1 on error. */
int store_meta_get_int(struct store *s, const char *key, long long *val);
/* store_meta_set_int: sets key to val; 0 or -1. */
int store_meta_set_int(struct store *s, const char *key, long long val);
/*
 * store_meta_get_text: 1 and the value copied (truncated, NUL-terminated)
 * into buf[0..len) when the key exists, 0 when not, -1 on error.
 */
int store_meta_get_text(struct store *s, const char *key, char *buf,
    size_t len);
/* store_meta_set_text: sets key to val (at most 4096 bytes kept); 0 or -1. */
int store_meta_set_text(struct store *s, const char *key, const char *val);

/* store_counts: row counts for /metrics. */
struct store_counts {
	long long	events;		/* recorded events (duplicates not included) */
	long long	events_dooming;	/* events that carried a doom */
	long long	quarantine;
	long long	instances;	/* not gone */
	long long	intents_open;	/* pending or sent */
	long long	audit;
};
/* store_counts: fills *out; 0 or -1. */
int store_counts(struct store *s, struct store_counts *out);

/*
 * store_prune: deletes what is older than before: events received, gone
 * instances last seen, final intents updated, quarantine rows received,
 * audit rows written, and pool blocks that ended (until) before it. Events
 * must be kept longer than the SQS retention period or a redelivered
 * duplicate would be taken for new.
 * *deleted (may be NULL) gets the number of rows removed. 0 or -1.
 */
int store_prune(struct store *s, time_t before, long long *deleted);

#endif
