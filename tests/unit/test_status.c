/*
 * test_status: /status JSON and /metrics rendering (status.c) and the
 * `stingy-vpn status` table (statuscmd.c), driven with a hand-built view and
 * the fixtures in tests/fixtures/status/.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <json.h>
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "t.h"
#include "buf.h"
#include "dnssync.h"
#include "status.h"
#include "statuscmd.h"
#include "store.h"

#define FIX "tests/fixtures/status/"

/* 2026-11-25 05:25:45 UTC */
#define NOW	1795584345

static struct store_instance insts[2];
static struct store_event evs[2];
static struct store_intent launches[1];
static struct store_audit_entry errs[1], acts[2];
static struct status_counters counters;

/* full_view: a daemon in the middle of a replacement, every field set. */
static struct dnssync_status dns;

static struct status_view
full_view(void)
{
	struct status_view v;

	memset(insts, 0, sizeof(insts));
	memset(evs, 0, sizeof(evs));
	memset(launches, 0, sizeof(launches));
	memset(errs, 0, sizeof(errs));
	memset(acts, 0, sizeof(acts));
	memset(&counters, 0, sizeof(counters));

	snprintf(insts[0].endpoint, sizeof(insts[0].endpoint), "vpn");
	snprintf(insts[0].id, sizeof(insts[0].id), "i-0abc1234567890def");
	snprintf(insts[0].state, sizeof(insts[0].state), "running");
	snprintf(insts[0].type, sizeof(insts[0].type), "t4g.nano");
	snprintf(insts[0].subnet, sizeof(insts[0].subnet), "subnet-0aaa1111");
	snprintf(insts[0].az, sizeof(insts[0].az), "eu-west-1a");
	snprintf(insts[0].public_ip, sizeof(insts[0].public_ip), "203.0.113.10");
	snprintf(insts[0].private_ip, sizeof(insts[0].private_ip), "10.8.1.10");
	snprintf(insts[0].launch_id, sizeof(insts[0].launch_id), "L-1111");
	snprintf(insts[0].lifecycle, sizeof(insts[0].lifecycle), "spot");
	insts[0].launch_time = NOW - 7980;	/* 2h13m */
	insts[0].ready = 1;
	snprintf(insts[0].doomed_reason, sizeof(insts[0].doomed_reason),
	    "spot-interruption");
	insts[0].doomed_at = NOW - 60;
	insts[0].first_seen = NOW - 7975;
	insts[0].last_seen = NOW - 10;

	snprintf(insts[1].endpoint, sizeof(insts[1].endpoint), "vpn");
	snprintf(insts[1].id, sizeof(insts[1].id), "i-0def4567890abc123");
	snprintf(insts[1].state, sizeof(insts[1].state), "pending");
	snprintf(insts[1].type, sizeof(insts[1].type), "t4g.micro");
	snprintf(insts[1].subnet, sizeof(insts[1].subnet), "subnet-0bbb2222");
	snprintf(insts[1].az, sizeof(insts[1].az), "eu-west-1b");
	snprintf(insts[1].private_ip, sizeof(insts[1].private_ip), "10.8.2.20");
	snprintf(insts[1].launch_id, sizeof(insts[1].launch_id), "L-2222");
	snprintf(insts[1].lifecycle, sizeof(insts[1].lifecycle), "spot");
	insts[1].launch_time = NOW - 40;
	insts[1].first_seen = NOW - 38;
	insts[1].last_seen = NOW - 10;

	/* newest first */
	snprintf(evs[0].event_id, sizeof(evs[0].event_id), "e-2");
	snprintf(evs[0].kind, sizeof(evs[0].kind), "state-change");
	snprintf(evs[0].detail_type, sizeof(evs[0].detail_type),
	    "EC2 Instance State-change Notification");
	snprintf(evs[0].instance_id, sizeof(evs[0].instance_id), "i-0def4567890abc123");
	snprintf(evs[0].detail, sizeof(evs[0].detail), "pending");
	evs[0].event_time = NOW - 39;
	evs[0].received_at = NOW - 38;
	snprintf(evs[1].event_id, sizeof(evs[1].event_id),
	    "7a1f3c2e-5b8d-4e61-9f0a-2c4d6e8f1a3b");
	snprintf(evs[1].kind, sizeof(evs[1].kind), "spot-interruption");
	snprintf(evs[1].detail_type, sizeof(evs[1].detail_type),
	    "EC2 Spot Instance Interruption Warning");
	snprintf(evs[1].instance_id, sizeof(evs[1].instance_id), "i-0abc1234567890def");
	snprintf(evs[1].detail, sizeof(evs[1].detail), "terminate");
	evs[1].event_time = NOW - 62;
	evs[1].received_at = NOW - 60;

	snprintf(launches[0].launch_id, sizeof(launches[0].launch_id), "L-3333");
	snprintf(launches[0].endpoint, sizeof(launches[0].endpoint), "vpn");
	snprintf(launches[0].type, sizeof(launches[0].type), "t4g.nano");
	snprintf(launches[0].subnet, sizeof(launches[0].subnet), "subnet-0aaa1111");
	launches[0].state = STORE_INTENT_SENT;
	launches[0].created_at = NOW - 3;
	launches[0].updated_at = NOW - 2;

	errs[0].id = 6;
	errs[0].at = NOW - 50;
	snprintf(errs[0].endpoint, sizeof(errs[0].endpoint), "vpn");
	snprintf(errs[0].action, sizeof(errs[0].action), "launch");
	snprintf(errs[0].target, sizeof(errs[0].target), "t4g.nano/subnet-0aaa1111");
	snprintf(errs[0].detail, sizeof(errs[0].detail), "RunInstances");
	snprintf(errs[0].result, sizeof(errs[0].result),
	    "InsufficientInstanceCapacity: no capacity");
	acts[0] = errs[0];
	acts[0].id = 7;
	acts[0].at = NOW - 40;
	snprintf(acts[0].target, sizeof(acts[0].target), "t4g.micro/subnet-0bbb2222");
	snprintf(acts[0].detail, sizeof(acts[0].detail), "L-2222");
	snprintf(acts[0].result, sizeof(acts[0].result), "ok");
	acts[1] = errs[0];

	counters.sqs_polls_ok = 11;
	counters.sqs_polls_error = 2;
	counters.describe_ok = 5;

	memset(&v, 0, sizeof(v));
	v.version = "0.1.0";
	v.endpoint = "vpn";
	v.region = "eu-west-1";
	v.enabled = 1;
	v.conf_path = "/etc/stingy-vpn/desired.conf";
	v.describe_interval_ms = 60000;
	v.sqs_wait_ms = 20000;
	v.reload_error = NULL;
	v.last_reload = NOW - 7200;
	v.now = NOW;
	v.started = NOW - 7200;
	v.healthy = 1;
	v.reason = "ok";
	v.last_sqs_ok = NOW - 5;
	v.sqs_error = NULL;
	v.sqs_inflight = 1;
	v.last_describe_ok = NOW - 20;
	v.describe_error = "Throttling: slow down";
	v.http_inflight = 2;
	v.instances = insts;
	v.n_instances = 2;
	v.events = evs;
	v.n_events = 2;
	v.quarantined = 3;
	v.counters = &counters;
	v.primary = "i-0abc1234567890def";
	v.target = "i-0def4567890abc123";
	v.replacement = "i-0def4567890abc123";
	v.waiting = "replacement i-0def4567890abc123 to be ready";
	v.blocker = "";
	v.elastic_ip = "eipalloc-0123456789abcdef0";
	v.eip_instance = "i-0abc1234567890def";
	v.eip_address = "203.0.113.10";
	v.ssm_parameter = "/stingy-vpn/instance-id";
	v.ssm_value = "i-0abc1234567890def";
	v.launches = launches;
	v.n_launches = 1;
	v.interruptions_24h = 1;
	v.errors = errs;
	v.n_errors = 1;
	v.actions = acts;
	v.n_actions = 2;
	v.reconciles = 42;
	v.actions_total = 7;
	v.launches_past_hour = 2;
	memset(&dns, 0, sizeof(dns));
	dns.provider = "cloudflare";
	dns.name = "vpn.example.com";
	dns.state = "idle";
	dns.want = "203.0.113.7";
	dns.value = "203.0.113.7";
	dns.synced_at = NOW - 90;
	dns.in_sync = 1;
	dns.last_error = "read: HTTP 500 (HTTP 500)";
	dns.last_error_at = NOW - 300;
	dns.config_error = "";
	dns.requests = 9;
	dns.writes = 2;
	dns.failures = 1;
	dns.rate_limited = 0;
	dns.token_fetches = 1;
	v.dns = &dns;
	v.peers_parameter = "/stingy-vpn/vpn/wireguard/peers";
	v.peers_count = 2;
	v.peers_synced = 1;
	v.peers_synced_at = NOW - 120;
	v.cost_month_usd = 2.69;
	v.cost_total_micro = 2690000;
	v.cost_instance_micro = 1168000;
	v.cost_on_demand_micro = 5110000;
	v.cost_as_of = NOW - 600;
	v.cost_prices_at = NOW - 7200;
	return v;
}

/* ---- JSON checks ---- */

static json_object *
J(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* has: 1 when o has key (with any value, null included). */
static int
has(json_object *o, const char *key)
{
	return o != NULL && json_object_object_get_ex(o, key, NULL);
}

/* keys_are: 1 when o's keys are exactly those in the comma list. */
static int
keys_are(json_object *o, const char *list)
{
	char copy[1024], *save = NULL, *k;
	int n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (!has(o, k)) {
			fprintf(stderr, "  missing key %s\n", k);
			return 0;
		}
		n++;
	}
	if (json_object_object_length(o) != n) {
		fprintf(stderr, "  %d keys, want %d\n", json_object_object_length(o), n);
		return 0;
	}
	return 1;
}

/* JSTR(o, key, want): a string value, or want NULL for a present null. */
#define JSTR(o, key, want) do { json_object *j_ = J((o), (key)); \
	const char *w_ = (want); \
	if (w_ == NULL) \
		T_OK(has((o), (key)) && j_ == NULL, "%s is null", (key)); \
	else \
		T_EQ_STR(j_ && json_object_is_type(j_, json_type_string) ? \
		    json_object_get_string(j_) : "(not a string)", w_); \
} while (0)
#define JINT(o, key, want) do { json_object *j_ = J((o), (key)); \
	T_OK(j_ && json_object_is_type(j_, json_type_int), "%s is an int", (key)); \
	T_EQ_INT(j_ ? json_object_get_int64(j_) : -999999, (want)); \
} while (0)
#define JNULL(o, key) T_OK(has((o), (key)) && J((o), (key)) == NULL, "%s is null", (key))
#define JBOOL(o, key, want) do { json_object *j_ = J((o), (key)); \
	T_OK(j_ && json_object_is_type(j_, json_type_boolean) && \
	    json_object_get_boolean(j_) == (want), "%s is %d", (key), (want)); \
} while (0)

#define ROOT_KEYS "version,endpoint,region,enabled,healthy,reason,now,started," \
	"config,sqs,ec2,endpoint_state,primary,replacement,launches_in_flight," \
	"instances,recent_events,interruptions_24h,last_errors,recent_actions," \
	"launches_past_hour,reconciles,actions_total,quarantined,dns,peers,cost"
#define INSTANCE_KEYS "id,state,type,az,subnet,public_ip,private_ip,lifecycle," \
	"launch_id,launch_time,age_s,ready,doomed,doomed_at,first_seen,last_seen"
#define ES_KEYS "primary,target,waiting,blocker,elastic_ip,eip_instance," \
	"eip_address,ssm_parameter,ssm_value"
#define AUDIT_KEYS "at,action,target,detail,result"

static void
check_primary(json_object *p)
{
	T_OK(keys_are(p, INSTANCE_KEYS), "instance keys");
	JSTR(p, "id", "i-0abc1234567890def");
	JSTR(p, "state", "running");
	JSTR(p, "type", "t4g.nano");
	JSTR(p, "az", "eu-west-1a");
	JSTR(p, "subnet", "subnet-0aaa1111");
	JSTR(p, "public_ip", "203.0.113.10");
	JSTR(p, "private_ip", "10.8.1.10");
	JSTR(p, "lifecycle", "spot");
	JSTR(p, "launch_id", "L-1111");
	JINT(p, "launch_time", NOW - 7980);
	JINT(p, "age_s", 7980);
	JBOOL(p, "ready", 1);
	JSTR(p, "doomed", "spot-interruption");
	JINT(p, "doomed_at", NOW - 60);
	JINT(p, "first_seen", NOW - 7975);
	JINT(p, "last_seen", NOW - 10);
}

static void
check_replacement(json_object *p)
{
	T_OK(keys_are(p, INSTANCE_KEYS), "instance keys");
	JSTR(p, "id", "i-0def4567890abc123");
	JSTR(p, "state", "pending");
	JSTR(p, "type", "t4g.micro");
	JSTR(p, "az", "eu-west-1b");
	JSTR(p, "subnet", "subnet-0bbb2222");
	JNULL(p, "public_ip");
	JSTR(p, "private_ip", "10.8.2.20");
	JSTR(p, "lifecycle", "spot");
	JSTR(p, "launch_id", "L-2222");
	JINT(p, "launch_time", NOW - 40);
	JINT(p, "age_s", 40);
	JBOOL(p, "ready", 0);
	JNULL(p, "doomed");
	JNULL(p, "doomed_at");
	JINT(p, "first_seen", NOW - 38);
	JINT(p, "last_seen", NOW - 10);
}

static json_object *
parse_json(const char *s)
{
	return s ? json_tokener_parse(s) : NULL;
}

static void
test_json_full(void)
{
	struct status_view v = full_view();
	char *s = status_json(&v);
	json_object *root = parse_json(s), *o, *a, *e;

	T_OK(s != NULL && root != NULL, "status_json parses back");
	T_OK(s && s[strlen(s) - 1] == '\n', "ends in a newline");
	T_OK(keys_are(root, ROOT_KEYS), "root keys");
	o = J(root, "dns");
	T_OK(keys_are(o, "provider,name,state,want,value,synced_at,in_sync,"
	    "last_error,last_error_at,config_error,next_attempt,requests,writes,"
	    "failures,rate_limited,token_fetches"), "dns keys");
	JSTR(o, "value", "203.0.113.7");
	JINT(o, "synced_at", NOW - 90);
	JBOOL(o, "in_sync", 1);
	JNULL(o, "config_error");
	JNULL(o, "next_attempt");
	JINT(o, "writes", 2);
	o = J(root, "peers");
	T_OK(keys_are(o, "parameter,count,synced,last_synced_at,last_error"),
	    "peers keys");
	JINT(o, "count", 2);
	JBOOL(o, "synced", 1);
	JNULL(o, "last_error");
	o = J(root, "cost");
	T_OK(keys_are(o, "total,instance,on_demand,total_micro,instance_micro,"
	    "on_demand_micro,as_of,prices_at,last_error"), "cost keys");
	JINT(o, "total_micro", 2690000);
	T_OK(s && strstr(s, "\"total\":2.69,") != NULL, "total as 2.69");
	JSTR(root, "version", "0.1.0");
	JSTR(root, "endpoint", "vpn");
	JSTR(root, "region", "eu-west-1");
	JBOOL(root, "enabled", 1);
	JBOOL(root, "healthy", 1);
	JSTR(root, "reason", "ok");
	JINT(root, "now", NOW);
	JINT(root, "started", NOW - 7200);

	o = J(root, "config");
	T_OK(keys_are(o, "path,describe_interval_ms,sqs_wait_ms,last_reload,"
	    "last_reload_error"), "config keys");
	JSTR(o, "path", "/etc/stingy-vpn/desired.conf");
	JINT(o, "describe_interval_ms", 60000);
	JINT(o, "sqs_wait_ms", 20000);
	JINT(o, "last_reload", NOW - 7200);
	JNULL(o, "last_reload_error");

	o = J(root, "sqs");
	T_OK(keys_are(o, "last_ok,last_error,polling"), "sqs keys");
	JINT(o, "last_ok", NOW - 5);
	JNULL(o, "last_error");
	JBOOL(o, "polling", 1);
	o = J(root, "ec2");
	T_OK(keys_are(o, "last_ok,last_error"), "ec2 keys");
	JINT(o, "last_ok", NOW - 20);
	JSTR(o, "last_error", "Throttling: slow down");

	o = J(root, "endpoint_state");
	T_OK(keys_are(o, ES_KEYS), "endpoint_state keys");
	JSTR(o, "primary", "i-0abc1234567890def");
	JSTR(o, "target", "i-0def4567890abc123");
	JSTR(o, "waiting", "replacement i-0def4567890abc123 to be ready");
	JNULL(o, "blocker");
	JSTR(o, "elastic_ip", "eipalloc-0123456789abcdef0");
	JSTR(o, "eip_instance", "i-0abc1234567890def");
	JSTR(o, "eip_address", "203.0.113.10");
	JSTR(o, "ssm_parameter", "/stingy-vpn/instance-id");
	JSTR(o, "ssm_value", "i-0abc1234567890def");

	check_primary(J(root, "primary"));
	check_replacement(J(root, "replacement"));

	a = J(root, "launches_in_flight");
	T_OK(a && json_object_array_length(a) == 1, "one launch in flight");
	e = a ? json_object_array_get_idx(a, 0) : NULL;
	T_OK(keys_are(e, "launch_id,type,subnet,state,instance_id,created_at"),
	    "launch keys");
	JSTR(e, "launch_id", "L-3333");
	JSTR(e, "type", "t4g.nano");
	JSTR(e, "subnet", "subnet-0aaa1111");
	JSTR(e, "state", "sent");
	JNULL(e, "instance_id");
	JINT(e, "created_at", NOW - 3);

	a = J(root, "instances");
	T_OK(a && json_object_array_length(a) == 2, "two instances");
	if (a && json_object_array_length(a) == 2) {
		check_primary(json_object_array_get_idx(a, 0));
		check_replacement(json_object_array_get_idx(a, 1));
	}

	a = J(root, "recent_events");
	T_OK(a && json_object_array_length(a) == 2, "two events");
	e = a ? json_object_array_get_idx(a, 1) : NULL;
	T_OK(keys_are(e, "id,kind,detail_type,instance_id,detail,time,received_at"),
	    "event keys");
	JSTR(e, "id", "7a1f3c2e-5b8d-4e61-9f0a-2c4d6e8f1a3b");
	JSTR(e, "kind", "spot-interruption");
	JSTR(e, "detail_type", "EC2 Spot Instance Interruption Warning");
	JSTR(e, "instance_id", "i-0abc1234567890def");
	JSTR(e, "detail", "terminate");
	JINT(e, "time", NOW - 62);
	JINT(e, "received_at", NOW - 60);
	e = a ? json_object_array_get_idx(a, 0) : NULL;
	JSTR(e, "id", "e-2");

	JINT(root, "interruptions_24h", 1);
	a = J(root, "last_errors");
	T_OK(a && json_object_array_length(a) == 1, "one error");
	e = a ? json_object_array_get_idx(a, 0) : NULL;
	T_OK(keys_are(e, AUDIT_KEYS), "audit keys");
	JINT(e, "at", NOW - 50);
	JSTR(e, "action", "launch");
	JSTR(e, "target", "t4g.nano/subnet-0aaa1111");
	JSTR(e, "detail", "RunInstances");
	JSTR(e, "result", "InsufficientInstanceCapacity: no capacity");
	a = J(root, "recent_actions");
	T_OK(a && json_object_array_length(a) == 2, "two actions");
	e = a ? json_object_array_get_idx(a, 0) : NULL;
	T_OK(keys_are(e, AUDIT_KEYS), "audit keys");
	JINT(e, "at", NOW - 40);
	JSTR(e, "target", "t4g.micro/subnet-0bbb2222");
	JSTR(e, "detail", "L-2222");
	JSTR(e, "result", "ok");
	e = a ? json_object_array_get_idx(a, 1) : NULL;
	JINT(e, "at", NOW - 50);

	JINT(root, "launches_past_hour", 2);
	JINT(root, "reconciles", 42);
	JINT(root, "actions_total", 7);
	JINT(root, "quarantined", 3);
	json_object_put(root);
	free(s);
}

static void
test_json_nulls(void)
{
	struct status_view v;
	struct status_counters c = { 0 };
	struct store_instance in[1];
	char *s;
	json_object *root, *o;

	/* Everything empty: nulls, empty arrays, zeros. */
	memset(&v, 0, sizeof(v));
	v.counters = &c;
	s = status_json(&v);
	root = parse_json(s);
	T_OK(root != NULL, "empty view parses");
	T_OK(keys_are(root, ROOT_KEYS), "root keys, empty view");
	JNULL(root, "dns");
	JNULL(root, "peers");
	JNULL(root, "cost");
	JNULL(root, "version");
	JNULL(root, "endpoint");
	JNULL(root, "region");
	JBOOL(root, "enabled", 0);
	JBOOL(root, "healthy", 0);
	JNULL(root, "reason");
	JNULL(root, "now");
	JNULL(root, "started");
	o = J(root, "config");
	JNULL(o, "path");
	JINT(o, "describe_interval_ms", 0);
	JNULL(o, "last_reload");
	JNULL(o, "last_reload_error");
	JNULL(J(root, "sqs"), "last_ok");
	JBOOL(J(root, "sqs"), "polling", 0);
	JNULL(J(root, "ec2"), "last_error");
	o = J(root, "endpoint_state");
	T_OK(keys_are(o, ES_KEYS), "endpoint_state keys, empty view");
	JNULL(o, "primary");
	JNULL(o, "target");
	JNULL(o, "waiting");
	JNULL(o, "blocker");
	JNULL(o, "elastic_ip");
	JNULL(o, "eip_instance");
	JNULL(o, "eip_address");
	JNULL(o, "ssm_parameter");
	JNULL(o, "ssm_value");
	JNULL(root, "primary");
	JNULL(root, "replacement");
	T_EQ_INT(json_object_array_length(J(root, "launches_in_flight")), 0);
	T_EQ_INT(json_object_array_length(J(root, "instances")), 0);
	T_EQ_INT(json_object_array_length(J(root, "recent_events")), 0);
	T_EQ_INT(json_object_array_length(J(root, "last_errors")), 0);
	T_EQ_INT(json_object_array_length(J(root, "recent_actions")), 0);
	JINT(root, "interruptions_24h", 0);
	JINT(root, "launches_past_hour", 0);
	JINT(root, "reconciles", 0);
	JINT(root, "actions_total", 0);
	JINT(root, "quarantined", 0);
	json_object_put(root);
	free(s);

	/*
	 * A primary that is not among the instances, a replacement that is
	 * "", an instance with empty strings and a launch time ahead of now.
	 */
	memset(in, 0, sizeof(in));
	snprintf(in[0].id, sizeof(in[0].id), "i-1");
	in[0].launch_time = 200;
	memset(&v, 0, sizeof(v));
	v.now = 100;
	v.instances = in;
	v.n_instances = 1;
	v.primary = "i-2";
	v.replacement = "";
	v.blocker = "launch budget exhausted";
	v.reconciles = 1ULL << 63;	/* saturates */
	s = status_json(&v);
	root = parse_json(s);
	T_OK(root != NULL, "parses");
	JNULL(root, "primary");
	JNULL(root, "replacement");
	JSTR(J(root, "endpoint_state"), "primary", "i-2");
	JSTR(J(root, "endpoint_state"), "blocker", "launch budget exhausted");
	JINT(root, "reconciles", INT64_MAX);
	o = json_object_array_get_idx(J(root, "instances"), 0);
	T_OK(keys_are(o, INSTANCE_KEYS), "instance keys");
	JSTR(o, "id", "i-1");
	JNULL(o, "state");
	JNULL(o, "type");
	JNULL(o, "public_ip");
	JINT(o, "launch_time", 200);
	JNULL(o, "age_s");
	JBOOL(o, "ready", 0);
	JNULL(o, "doomed");
	JNULL(o, "doomed_at");
	JNULL(o, "first_seen");
	json_object_put(root);
	free(s);
}

/* Strings cut inside a character or holding controls stay valid JSON. */
static void
test_json_bytes(void)
{
	struct status_view v;
	char *s;
	json_object *root;

	memset(&v, 0, sizeof(v));
	v.endpoint = "vpn\xc3";		/* cut after the first byte of 'é' */
	v.region = "caf\xc3\xa9";	/* valid */
	v.reason = "a\"b\\c\nd\x1b[0m";
	v.waiting = "\xed\xa0\x80x";	/* a surrogate */
	s = status_json(&v);
	T_OK(s && strstr(s, "\"vpn?\"") != NULL, "a cut character becomes '?'");
	T_OK(s && strstr(s, "\"caf\xc3\xa9\"") != NULL, "valid UTF-8 kept");
	T_OK(s && strstr(s, "\"a\\\"b\\\\c\\nd\\u001b[0m\"") != NULL,
	    "quotes and controls escaped: %s", s ? s : "");
	root = parse_json(s);
	JSTR(root, "reason", "a\"b\\c\nd\x1b[0m");
	JSTR(J(root, "endpoint_state"), "waiting", "???x");
	json_object_put(root);
	free(s);
}

/* ---- metrics ---- */

/* line: 1 when text holds line exactly as one line. */
static int
line(const char *text, const char *want)
{
	size_t n = strlen(want);
	const char *p = text;

	while (p && (p = strstr(p, want)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void
test_metrics(void)
{
	struct status_view v = full_view();
	char *m = status_metrics(&v);
	static const char *want[] = {
		"stingy_healthy 1",
		"stingy_start_time_seconds 1795577145",
		"stingy_sqs_polls_total{result=\"ok\"} 11",
		"stingy_sqs_polls_total{result=\"error\"} 2",
		"stingy_sqs_inflight 1",
		"stingy_quarantine_rows 3",
		"stingy_describe_total{result=\"ok\"} 5",
		"stingy_http_inflight 2",
		"stingy_instances{state=\"running\"} 1",
		"stingy_instances{state=\"pending\"} 1",
		"stingy_instances{state=\"terminated\"} 0",
		"stingy_instance_ready{instance=\"i-0abc1234567890def\"} 1",
		"stingy_instance_ready{instance=\"i-0def4567890abc123\"} 0",
		"# TYPE stingy_interruptions_24h gauge",
		"stingy_interruptions_24h 1",
		"# TYPE stingy_launches_past_hour gauge",
		"stingy_launches_past_hour 2",
		"# TYPE stingy_reconciles_total counter",
		"stingy_reconciles_total 42",
		"# TYPE stingy_actions_total counter",
		"stingy_actions_total 7",
		"# TYPE stingy_blocked gauge",
		"stingy_blocked 0",
		"# TYPE stingy_launches_in_flight gauge",
		"stingy_launches_in_flight 1",
	};
	/* Every name the daemon served before issue 3 is still there. */
	static const char *names[] = { "stingy_sqs_messages_total",
	    "stingy_sqs_deleted_total", "stingy_sqs_delete_errors_total",
	    "stingy_sqs_last_ok_timestamp_seconds", "stingy_events_total",
	    "stingy_events_duplicate_total", "stingy_events_foreign_total",
	    "stingy_events_ignored_total", "stingy_events_quarantined_total",
	    "stingy_events_store_errors_total",
	    "stingy_describe_last_ok_timestamp_seconds",
	    "stingy_config_reloads_total" };
	char name[128];

	T_OK(m != NULL, "metrics rendered");
	for (size_t i = 0; m && i < sizeof(want) / sizeof(want[0]); i++)
		T_OK(line(m, want[i]), "line '%s'", want[i]);
	for (size_t i = 0; m && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(name, sizeof(name), "# TYPE %s ", names[i]);
		T_OK(strstr(m, name) != NULL, "metric %s", names[i]);
	}
	free(m);

	/* Blocked, no counters, an id that must be escaped. */
	v.blocker = "launch budget exhausted";
	v.counters = NULL;
	snprintf(insts[1].id, sizeof(insts[1].id), "i-\"bad");
	m = status_metrics(&v);
	T_OK(m != NULL, "metrics rendered");
	T_OK(m && line(m, "stingy_blocked 1"), "blocked");
	T_OK(m && line(m, "stingy_sqs_polls_total{result=\"ok\"} 0"), "no counters");
	T_OK(m && line(m, "stingy_instance_ready{instance=\"i-\\\"bad\"} 0"),
	    "quote escaped");
	free(m);
}

/*
 * ---- the exposition format, checked from C ----
 *
 * expo_check: 1 when text is well-formed exposition: every line a comment
 * (# HELP name text, # TYPE name type) or a sample name{k="v",...} value
 * with valid names and escapes; each family's HELP and TYPE once, before
 * its samples; no series twice. Prints the first problem.
 */
#define EXPO_MAX	4096

static int
name_ok(const char *s, size_t n, int label)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    ch == '_' || (!label && ch == ':');

		if (!alpha && !(i > 0 && ch >= '0' && ch <= '9'))
			return 0;
	}
	return 1;
}

/* family_of: the family a sample name belongs to, given the TYPEs seen. */
static const char *
family_of(const char *name, char (*fam)[128], char (*type)[32], size_t nf)
{
	static const char *sfx[] = { "_bucket", "_sum", "_count" };

	for (size_t i = 0; i < nf; i++) {
		size_t fl = strlen(fam[i]);

		if (strcmp(name, fam[i]) == 0 && strcmp(type[i], "histogram") != 0)
			return fam[i];
		if (strcmp(type[i], "histogram") != 0 || strncmp(name, fam[i], fl) != 0)
			continue;
		for (size_t k = 0; k < 3; k++)
			if (strcmp(name + fl, sfx[k]) == 0)
				return fam[i];
	}
	return NULL;
}

static int
expo_check(const char *text)
{
	static char fam[256][128], type[256][32], help_of[256][128];
	static char series[EXPO_MAX][256];
	size_t nf = 0, nh = 0, ns = 0;
	const char *p = text, *nl;
	char ln[1024];

	while (*p) {
		const char *q, *sp;

		if ((nl = strchr(p, '\n')) == NULL) {
			fprintf(stderr, "  no newline at the end\n");
			return 0;
		}
		snprintf(ln, sizeof(ln), "%.*s", (int)(nl - p), p);
		p = nl + 1;
		if (strncmp(ln, "# HELP ", 7) == 0) {
			sp = strchr(ln + 7, ' ');
			if (!sp || !name_ok(ln + 7, (size_t)(sp - ln - 7), 0) || nh >= 256) {
				fprintf(stderr, "  bad HELP: %s\n", ln);
				return 0;
			}
			snprintf(help_of[nh++], 128, "%.*s", (int)(sp - ln - 7), ln + 7);
			continue;
		}
		if (strncmp(ln, "# TYPE ", 7) == 0) {
			char n[128], t[32];

			if (sscanf(ln + 7, "%127s %31s", n, t) != 2 ||
			    !name_ok(n, strlen(n), 0) || nf >= 256 ||
			    (strcmp(t, "counter") && strcmp(t, "gauge") &&
			    strcmp(t, "histogram"))) {
				fprintf(stderr, "  bad TYPE: %s\n", ln);
				return 0;
			}
			for (size_t i = 0; i < nf; i++)
				if (strcmp(fam[i], n) == 0) {
					fprintf(stderr, "  TYPE twice: %s\n", n);
					return 0;
				}
			if (nh == 0 || strcmp(help_of[nh - 1], n) != 0) {
				fprintf(stderr, "  TYPE without HELP just before: %s\n", n);
				return 0;
			}
			if (strcmp(t, "counter") == 0 &&
			    (strlen(n) < 6 || strcmp(n + strlen(n) - 6, "_total") != 0)) {
				fprintf(stderr, "  counter not _total: %s\n", n);
				return 0;
			}
			snprintf(fam[nf], 128, "%s", n);
			snprintf(type[nf++], 32, "%s", t);
			continue;
		}
		if (ln[0] == '#' || ln[0] == '\0') {
			fprintf(stderr, "  stray line: '%s'\n", ln);
			return 0;
		}
		/* a sample */
		for (q = ln; *q && *q != '{' && *q != ' '; q++)
			;
		{
			char n[128];
			const char *f;
			char *end;

			snprintf(n, sizeof(n), "%.*s", (int)(q - ln), ln);
			if (!name_ok(n, strlen(n), 0)) {
				fprintf(stderr, "  bad name: %s\n", ln);
				return 0;
			}
			if ((f = family_of(n, fam, type, nf)) == NULL ||
			    strcmp(f, fam[nf - 1]) != 0) {
				fprintf(stderr, "  sample outside its family: %s\n", ln);
				return 0;
			}
			if (*q == '{') {
				q++;
				while (*q != '}') {
					const char *k = q;

					while (*q && *q != '=')
						q++;
					if (*q != '=' || !name_ok(k, (size_t)(q - k), 1) ||
					    q[1] != '"') {
						fprintf(stderr, "  bad label: %s\n", ln);
						return 0;
					}
					for (q += 2; *q && *q != '"'; q++)
						if (*q == '\\') {
							q++;
							if (*q != '\\' && *q != '"' && *q != 'n') {
								fprintf(stderr, "  bad escape: %s\n", ln);
								return 0;
							}
						}
					if (*q != '"') {
						fprintf(stderr, "  open label value: %s\n", ln);
						return 0;
					}
					q++;
					if (*q == ',')
						q++;
					else if (*q != '}') {
						fprintf(stderr, "  bad label list: %s\n", ln);
						return 0;
					}
				}
				q++;
			}
			if (*q != ' ') {
				fprintf(stderr, "  no value: %s\n", ln);
				return 0;
			}
			if (strcmp(q + 1, "+Inf") && strcmp(q + 1, "-Inf") &&
			    strcmp(q + 1, "NaN")) {
				(void)strtod(q + 1, &end);
				if (end == q + 1 || *end != '\0') {
					fprintf(stderr, "  bad value: %s\n", ln);
					return 0;
				}
			}
			if (ns >= EXPO_MAX) {
				fprintf(stderr, "  too many series\n");
				return 0;
			}
			snprintf(series[ns], sizeof(series[ns]), "%.*s", (int)(q - ln), ln);
			for (size_t i = 0; i < ns; i++)
				if (strcmp(series[i], series[ns]) == 0) {
					fprintf(stderr, "  series twice: %s\n", series[ns]);
					return 0;
				}
			ns++;
		}
	}
	return 1;
}

/* block: 1 when text holds want (several lines) as whole lines. */
static int
block(const char *text, const char *want)
{
	const char *p = text;

	while ((p = strstr(p, want)) != NULL) {
		if (p == text || p[-1] == '\n')
			return 1;
		p++;
	}
	fprintf(stderr, "  block not found:\n%s", want);
	return 0;
}

/* issue6_view: full_view with every issue 6 field set. */
static struct status_outcomes outcomes;
static struct status_tally reqs, errs_tally;
static struct status_histogram hist;

static struct status_view
issue6_view(void)
{
	struct status_view v = full_view();

	memset(&outcomes, 0, sizeof(outcomes));
	memset(&reqs, 0, sizeof(reqs));
	memset(&errs_tally, 0, sizeof(errs_tally));
	memset(&hist, 0, sizeof(hist));
	outcomes.launches[STATUS_R_OK] = 2;
	outcomes.launches[STATUS_R_CAPACITY] = 3;
	outcomes.launches[STATUS_R_ERROR] = 1;
	outcomes.terminations[STATUS_R_OK] = 1;
	outcomes.eip_associations[STATUS_R_OK] = 2;
	outcomes.eip_associations[STATUS_R_ERROR] = 1;
	outcomes.ssm_puts[STATUS_R_OK] = 2;
	counters.events_by_type[STATUS_EV_INTERRUPTION][STATUS_EV_NEW] = 1;
	counters.events_by_type[STATUS_EV_INTERRUPTION][STATUS_EV_DUPLICATE] = 4;
	counters.events_by_type[STATUS_EV_STATE_CHANGE][STATUS_EV_FOREIGN] = 6;
	counters.events_by_type[STATUS_EV_OTHER][STATUS_EV_QUARANTINED] = 2;
	status_tally_add(&reqs, "ec2", "RunInstances", 2);
	status_tally_add(&reqs, "sqs", "ReceiveMessage", 40);
	status_tally_add(&reqs, "ec2", "DescribeInstances", 9);
	status_tally_add(&errs_tally, "ec2", "InsufficientInstanceCapacity", 3);
	status_tally_add(&errs_tally, "sqs", "http_503", 1);
	status_histogram_observe(&hist, 0.000003);
	status_histogram_observe(&hist, 0.00001);	/* on the bound: le is <= */
	status_histogram_observe(&hist, 0.0004);
	status_histogram_observe(&hist, 0.5);		/* past the last bound */
	v.outcomes = &outcomes;
	v.aws_requests = &reqs;
	v.aws_errors = &errs_tally;
	v.reconcile_duration = &hist;
	v.cost_month_usd = 4.38;
	return v;
}

/* The new families' exact lines for a fixed snapshot. */
static void
test_metrics_issue6(void)
{
	struct status_view v = issue6_view();
	char *m = status_metrics(&v);

	T_OK(m != NULL, "metrics rendered");
	if (m == NULL)
		return;
	T_OK(expo_check(m), "well-formed exposition");
	T_OK(block(m, "# HELP stingy_primary_info 1 for the instance the "
	    "endpoint points at; absent with none\n"
	    "# TYPE stingy_primary_info gauge\n"
	    "stingy_primary_info{instance_id=\"i-0abc1234567890def\","
	    "instance_type=\"t4g.nano\",az=\"eu-west-1a\"} 1\n"), "primary info");
	T_OK(block(m, "# TYPE stingy_interruptions_total counter\n"
	    "stingy_interruptions_total 1\n"), "interruptions_total");
	T_OK(block(m, "# TYPE stingy_launches_total counter\n"
	    "stingy_launches_total{result=\"ok\"} 2\n"
	    "stingy_launches_total{result=\"capacity\"} 3\n"
	    "stingy_launches_total{result=\"config\"} 0\n"
	    "stingy_launches_total{result=\"error\"} 1\n"), "launches");
	T_OK(block(m, "# TYPE stingy_terminations_total counter\n"
	    "stingy_terminations_total{result=\"ok\"} 1\n"
	    "stingy_terminations_total{result=\"error\"} 0\n"), "terminations");
	T_OK(block(m, "# TYPE stingy_eip_associations_total counter\n"
	    "stingy_eip_associations_total{result=\"ok\"} 2\n"
	    "stingy_eip_associations_total{result=\"error\"} 1\n"), "eip");
	T_OK(block(m, "# TYPE stingy_ssm_puts_total counter\n"
	    "stingy_ssm_puts_total{result=\"ok\"} 2\n"
	    "stingy_ssm_puts_total{result=\"error\"} 0\n"), "ssm");
	T_OK(line(m, "stingy_events_by_type_total{type=\"interruption\","
	    "result=\"new\"} 1"), "events new");
	T_OK(line(m, "stingy_events_by_type_total{type=\"interruption\","
	    "result=\"duplicate\"} 4"), "events duplicate");
	T_OK(line(m, "stingy_events_by_type_total{type=\"state_change\","
	    "result=\"foreign\"} 6"), "events foreign");
	T_OK(line(m, "stingy_events_by_type_total{type=\"other\","
	    "result=\"quarantined\"} 2"), "events quarantined");
	T_OK(line(m, "stingy_events_by_type_total{type=\"health\","
	    "result=\"ignored\"} 0"), "every pair present");
	T_OK(block(m, "# HELP stingy_reconcile_duration_seconds time spent in "
	    "reconcile() itself, per round (monotonic clock)\n"
	    "# TYPE stingy_reconcile_duration_seconds histogram\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"1e-05\"} 2\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"2.5e-05\"} 2\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"5e-05\"} 2\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.0001\"} 2\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.00025\"} 2\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.0005\"} 3\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.001\"} 3\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.0025\"} 3\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.005\"} 3\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"0.01\"} 3\n"
	    "stingy_reconcile_duration_seconds_bucket{le=\"+Inf\"} 4\n"
	    "stingy_reconcile_duration_seconds_sum 0.500413\n"
	    "stingy_reconcile_duration_seconds_count 4\n"), "histogram");
	T_OK(block(m, "# TYPE stingy_aws_requests_total counter\n"
	    "stingy_aws_requests_total{service=\"ec2\",action=\"RunInstances\"} 2\n"
	    "stingy_aws_requests_total{service=\"sqs\",action=\"ReceiveMessage\"} 40\n"
	    "stingy_aws_requests_total{service=\"ec2\",action=\"DescribeInstances\"} 9\n"),
	    "aws requests");
	T_OK(block(m, "# TYPE stingy_aws_errors_total counter\n"
	    "stingy_aws_errors_total{service=\"ec2\",code=\"InsufficientInstanceCapacity\"} 3\n"
	    "stingy_aws_errors_total{service=\"sqs\",code=\"http_503\"} 1\n"),
	    "aws errors");
	T_OK(block(m, "# HELP stingy_estimated_monthly_cost_dollars estimated "
	    "cost of a month of the endpoint at current spot prices, USD\n"
	    "# TYPE stingy_estimated_monthly_cost_dollars gauge\n"
	    "stingy_estimated_monthly_cost_dollars 4.38\n"), "cost");
	T_OK(line(m, "stingy_sqs_last_ok_timestamp_seconds 1795584340"), "sqs ts");
	T_OK(line(m, "stingy_describe_last_ok_timestamp_seconds 1795584325"),
	    "describe ts");
	T_OK(line(m, "stingy_dns_last_sync_timestamp_seconds 1795584255"), "dns ts");
	free(m);

	/* Unknown cost, no primary, nothing observed yet, never synced. */
	v.cost_month_usd = -1;
	v.primary = "";
	v.outcomes = NULL;
	v.aws_requests = NULL;
	v.aws_errors = NULL;
	v.reconcile_duration = NULL;
	v.last_sqs_ok = 0;
	v.last_describe_ok = 0;
	dns.synced_at = 0;
	m = status_metrics(&v);
	T_OK(m != NULL, "metrics rendered");
	if (m == NULL)
		return;
	T_OK(expo_check(m), "well-formed exposition");
	T_OK(strstr(m, "stingy_estimated_monthly_cost_dollars") == NULL, "no cost");
	T_OK(strstr(m, "\nstingy_primary_info") == NULL, "no primary sample");
	T_OK(line(m, "# TYPE stingy_primary_info gauge"), "primary family kept");
	T_OK(line(m, "stingy_launches_total{result=\"ok\"} 0"), "launches 0");
	T_OK(line(m, "stingy_reconcile_duration_seconds_bucket{le=\"+Inf\"} 0"),
	    "empty histogram");
	T_OK(line(m, "stingy_reconcile_duration_seconds_count 0"), "count 0");
	T_OK(line(m, "# TYPE stingy_aws_errors_total counter"), "errors family");
	T_OK(strstr(m, "\nstingy_aws_errors_total{") == NULL, "no error series");
	T_OK(line(m, "stingy_sqs_last_ok_timestamp_seconds 0"), "sqs never");
	T_OK(line(m, "stingy_describe_last_ok_timestamp_seconds 0"), "describe never");
	T_OK(line(m, "stingy_dns_last_sync_timestamp_seconds 0"), "dns never");
	free(m);
	dns.synced_at = NOW - 90;
	v.cost_month_usd = NAN;
	m = status_metrics(&v);
	T_OK(m && strstr(m, "stingy_estimated_monthly_cost_dollars") == NULL,
	    "NaN cost left out");
	free(m);
	v.cost_month_usd = 0;
	m = status_metrics(&v);
	T_OK(m && line(m, "stingy_estimated_monthly_cost_dollars 0"), "$0 is known");
	free(m);
}

/* Label values from the store and from AWS cannot break the text. */
static void
test_metrics_hostile(void)
{
	struct status_view v = issue6_view();
	struct status_tally t;
	char *m;

	snprintf(insts[0].id, sizeof(insts[0].id), "i-a\\b\"c\nd");
	snprintf(insts[0].type, sizeof(insts[0].type), "t\"} 1\nevil 2");
	snprintf(insts[0].az, sizeof(insts[0].az), "\xff\xfe az \xc3");
	snprintf(insts[1].id, sizeof(insts[1].id), "i-a\\b\"c\nd");	/* the same */
	v.primary = insts[0].id;
	/* A tally row written by hand, as a broken caller might. */
	memset(&t, 0, sizeof(t));
	t.n = 1;
	snprintf(t.row[0].a, sizeof(t.row[0].a), "ec2\"");
	snprintf(t.row[0].b, sizeof(t.row[0].b), "x\ny\\");
	t.row[0].n = 1;
	v.aws_errors = &t;
	m = status_metrics(&v);
	T_OK(m != NULL, "metrics rendered");
	if (m == NULL)
		return;
	T_OK(expo_check(m), "well-formed exposition");
	T_OK(line(m, "stingy_instance_ready{instance=\"i-a\\\\b\\\"c\\nd\"} 1"),
	    "id escaped");
	T_OK(line(m, "stingy_primary_info{instance_id=\"i-a\\\\b\\\"c\\nd\","
	    "instance_type=\"t\\\"} 1\\nevil 2\",az=\"?? az ?\"} 1"),
	    "primary escaped, bad UTF-8 as ?");
	T_OK(strstr(m, "\nevil") == NULL, "nothing injected");
	T_OK(line(m, "stingy_aws_errors_total{service=\"ec2\\\"\","
	    "code=\"x\\ny\\\\\"} 1"), "tally escaped");
	free(m);

	/* Ids that differ only in bytes rendered as '?' give one series. */
	v = issue6_view();
	snprintf(insts[0].id, sizeof(insts[0].id), "i-\xff");
	snprintf(insts[1].id, sizeof(insts[1].id), "i-\xfe");
	m = status_metrics(&v);
	T_OK(m && expo_check(m), "one series for both");
	T_OK(m && line(m, "stingy_instance_ready{instance=\"i-?\"} 1"), "first kept");
	free(m);
}

static size_t
tally_rows_with(const struct status_tally *t, const char *a, const char *b)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if ((a == NULL || strcmp(t->row[i].a, a) == 0) &&
		    (b == NULL || strcmp(t->row[i].b, b) == 0))
			n++;
	return n;
}

static unsigned long long
tally_get(const struct status_tally *t, const char *a, const char *b)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->row[i].a, a) == 0 && strcmp(t->row[i].b, b) == 0)
			return t->row[i].n;
	return 0;
}

/* A hostile endpoint's codes: cleaned, and at most 32 of them kept. */
static void
test_tally_cap(void)
{
	static struct status_tally t;
	struct status_view v = issue6_view();
	const size_t rows = sizeof(t.row) / sizeof(t.row[0]);
	unsigned long long total = 0;
	char code[128], *m;

	memset(&t, 0, sizeof(t));
	status_tally_add(&t, "ec2", "Bad\"Code\n{x}=\xc3\xa9", 1);
	T_EQ_STR(t.row[0].b, "Bad_Code__x____");
	status_tally_add(&t, "ec2", "", 1);
	T_EQ_STR(t.row[1].b, "unknown");
	status_tally_add(&t, NULL, "A.b-c_9", 1);
	T_EQ_STR(t.row[2].a, "unknown");
	T_EQ_STR(t.row[2].b, "A.b-c_9");
	memset(code, 'Z', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	status_tally_add(&t, "ec2", code, 1);
	T_EQ_INT(strlen(t.row[3].b), STATUS_TALLY_LABEL - 1);
	/* the same code again: the same row */
	status_tally_add(&t, "ec2", "Bad\"Code\n{x}=\xc3\xa9", 2);
	T_EQ_INT(t.n, 4);
	T_EQ_INT(t.row[0].n, 3);

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 1000; i++) {
		snprintf(code, sizeof(code), "Code%d", i);
		status_tally_add(&t, "ec2", code, 1);
	}
	T_EQ_INT(t.n, STATUS_TALLY_KEYS + 1);
	T_EQ_INT(tally_get(&t, "ec2", "Code0"), 1);
	T_EQ_INT(tally_get(&t, "ec2", "Code31"), 1);
	T_EQ_INT(tally_get(&t, "ec2", "Code32"), 0);
	T_EQ_INT(tally_get(&t, "ec2", "other"), 1000 - STATUS_TALLY_KEYS);
	/* a code kept before the cap still counts in its own row */
	status_tally_add(&t, "ec2", "Code5", 1);
	T_EQ_INT(tally_get(&t, "ec2", "Code5"), 2);
	/* other services: their own "other" rows while spares last, then one */
	for (int i = 0; i < 50; i++) {
		char svc[32];

		snprintf(svc, sizeof(svc), "svc%d", i);
		status_tally_add(&t, svc, "X", 1);
	}
	T_EQ_INT(t.n, rows);
	T_EQ_INT(tally_rows_with(&t, NULL, "other"), STATUS_TALLY_SPARE);
	T_EQ_INT(tally_get(&t, "svc0", "other"), 1);
	T_EQ_INT(tally_get(&t, "other", "other"), 50 - (STATUS_TALLY_SPARE - 2));
	for (size_t i = 0; i < t.n; i++)
		total += t.row[i].n;
	T_EQ_INT(total, 1000 + 1 + 50);
	/* the renderer shows exactly those rows, well-formed */
	v.aws_errors = &t;
	m = status_metrics(&v);
	T_OK(m && expo_check(m), "capped tally renders well-formed");
	{
		size_t n = 0;

		for (const char *p = m; p && (p = strstr(p, "\nstingy_aws_errors_total{"))
		    != NULL; p++)
			n++;
		T_EQ_INT(n, rows);
	}
	free(m);
}

/* Buckets are cumulative, +Inf equals the count, bounds are inclusive. */
static void
test_histogram(void)
{
	struct status_histogram h;
	static const double bounds[] = STATUS_HIST_BOUNDS;
	struct status_view v = issue6_view();
	unsigned long long last = 0;
	double sum = 0;
	char *m, want[128];

	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < STATUS_HIST_N; i++) {
		status_histogram_observe(&h, bounds[i]);	/* bucket i */
		status_histogram_observe(&h, bounds[i] * 1.001);	/* i + 1 */
		sum += bounds[i] * 2.001;
	}
	status_histogram_observe(&h, -1);
	status_histogram_observe(&h, NAN);
	T_EQ_INT(h.count, 2 * STATUS_HIST_N + 2);
	T_EQ_INT(h.bucket[0], 1 + 2);		/* bound 0, and the two zeros */
	T_EQ_INT(h.bucket[STATUS_HIST_N], 1);	/* just past the last bound */
	T_OK(fabs(h.sum - sum) < 1e-12, "sum %g", h.sum);
	v.reconcile_duration = &h;
	m = status_metrics(&v);
	T_OK(m && expo_check(m), "rendered");
	for (size_t i = 0; m && i <= STATUS_HIST_N; i++) {
		const char *p;
		unsigned long long n;
		char le[32];

		if (i < STATUS_HIST_N)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		snprintf(want, sizeof(want),
		    "\nstingy_reconcile_duration_seconds_bucket{le=\"%s\"} ", le);
		p = strstr(m, want);
		T_OK(p != NULL, "bucket %s", le);
		if (p == NULL)
			continue;
		n = strtoull(p + strlen(want), NULL, 10);
		/* bucket i holds bound i itself, the value above bound i-1, the zeros */
		T_EQ_INT(n, i < STATUS_HIST_N ? 2 * i + 3 : 2 * STATUS_HIST_N + 2);
		T_OK(n >= last, "cumulative at %s", le);
		last = n;
	}
	T_EQ_INT(last, h.count);
	free(m);
}

/* ---- the table ---- */

static void
render_file(const char *json, const char *txt)
{
	char *in, *want, *got, err[256];
	size_t len = 0;

	in = t_read_file(json, &len);
	want = t_read_file(txt, NULL);
	T_OK(in != NULL && want != NULL, "fixtures %s, %s", json, txt);
	if (in == NULL || want == NULL)
		goto done;
	got = statuscmd_render(in, len, err, sizeof(err));
	T_OK(got != NULL, "%s renders: %s", json, err);
	T_EQ_STR(got, want);
	free(got);
done:
	free(in);
	free(want);
}

static void
test_render_fixtures(void)
{
	render_file(FIX "full.json", FIX "full.txt");
	render_file(FIX "minimal.json", FIX "minimal.txt");
	render_file(FIX "unhealthy.json", FIX "unhealthy.txt");
	render_file(FIX "wrong_types.json", FIX "wrong_types.txt");
	render_file(FIX "controls.json", FIX "controls.txt");
}

/* The DNS lines of `status`: syncing, and a configuration error. */
static void
test_render_dns(void)
{
	struct status_view v = full_view();
	char *s, *got, err[256];

	dns.in_sync = 0;
	dns.want = "198.51.100.9";
	dns.state = "backoff";
	dns.config_error = "record vpn.example.com: Invalid access token "
	    "(cloudflare 9109, HTTP 403)";
	s = status_json(&v);
	got = s ? statuscmd_render(s, strlen(s), err, sizeof(err)) : NULL;
	T_OK(got && strstr(got, "dns          vpn.example.com A 203.0.113.7 "
	    "(cloudflare, confirmed 1m30s ago, syncing to 198.51.100.9: "
	    "backoff)\n"), "syncing line: %s", got ? got : err);
	T_OK(got && strstr(got, "dns error    record vpn.example.com: Invalid "
	    "access token (cloudflare 9109, HTTP 403)\n"), "error line");
	free(got);
	free(s);
	v.dns = NULL;
	s = status_json(&v);
	got = s ? statuscmd_render(s, strlen(s), err, sizeof(err)) : NULL;
	T_OK(got && strstr(got, "\ndns") == NULL, "no dns line without [dns]");
	free(got);
	free(s);
	dns.in_sync = 1;
	dns.want = "203.0.113.7";
	dns.state = "idle";
	dns.config_error = "";
}

/* The daemon's own JSON renders as the fixture table. */
static void
test_render_roundtrip(void)
{
	struct status_view v = full_view();
	char *s = status_json(&v), *got, *want = t_read_file(FIX "full.txt", NULL);
	char *fix = t_read_file(FIX "full.json", NULL), err[256];

	T_OK(s != NULL && want != NULL, "inputs");
	T_EQ_STR(s, fix);	/* full.json is status_json(full_view()) */
	got = s ? statuscmd_render(s, strlen(s), err, sizeof(err)) : NULL;
	T_EQ_STR(got, want);
	T_EQ_INT(statuscmd_healthy(s, s ? strlen(s) : 0), 1);
	free(got);
	free(want);
	free(fix);
	free(s);
}

static void
test_render_garbage(void)
{
	static const struct {
		const char	*in;
		size_t		 len;	/* 0: strlen */
		const char	*err;
	} cases[] = {
		{ "", 0, "the answer is empty" },
		{ "garbage", 0, "the answer is not JSON: unexpected character" },
		{ "{\"endpoint\":", 0, "the answer is not JSON: it ends too soon" },
		{ "[1,2,3]", 0, "the answer is not a JSON object" },
		{ "\"healthy\"", 0, "the answer is not a JSON object" },
		{ "null", 0, "the answer is not a JSON object" },
		{ "123", 0, "the answer is not a JSON object" },
		{ "{\"a\":1", 0, "the answer is not JSON: it ends too soon" },
		{ "{} {}", 0, "the answer is not JSON: data after the end at byte 3" },
		{ "{}\0{}", 5, "the answer is not JSON: it holds a NUL byte" },
		{ "<html>502 Bad Gateway</html>", 0,
		  "the answer is not JSON: unexpected character" },
	};
	char err[256], small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		char *got = statuscmd_render(cases[i].in, len, err, sizeof(err));

		T_OK(got == NULL, "case %zu fails", i);
		T_EQ_STR(err, cases[i].err);
		T_EQ_INT(statuscmd_healthy(cases[i].in, len), -1);
		free(got);
	}
	T_OK(statuscmd_render(NULL, 0, NULL, 0) == NULL, "NULL input, no err");
	T_OK(statuscmd_render("x", 1, small, sizeof(small)) == NULL, "small err");
	T_EQ_STR(small, "the ans");
	/* Too deep for the tokener: an error, not a crash. */
	{
		char deep[4096];

		memset(deep, '[', sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = '\0';
		T_OK(statuscmd_render(deep, strlen(deep), err, sizeof(err)) == NULL,
		    "deep nesting refused");
		T_EQ_STR(err, "the answer is not JSON: nesting too deep");
	}
}

/* find_line: the line of text starting with prefix, copied into out. */
static const char *
find_line(const char *text, const char *prefix, char *out, size_t len)
{
	const char *p = text, *nl;
	size_t n = strlen(prefix);

	out[0] = '\0';
	while (p && *p) {
		nl = strchr(p, '\n');
		if (strncmp(p, prefix, n) == 0) {
			snprintf(out, len, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
			return out;
		}
		p = nl ? nl + 1 : NULL;
	}
	return out;
}

static void
test_render_huge(void)
{
	struct buf b;
	char *got, err[256], l[1024], want[1024];
	size_t nlines = 0;

	/* A 1 MiB endpoint name, 5000 events, a huge count. */
	buf_init(&b, 8 * 1024 * 1024);
	buf_adds(&b, "{\"healthy\":true,\"endpoint\":\"");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_add(&b, i % 2 ? "b" : "\xc3\xa9", i % 2 ? 1 : 2);
	buf_adds(&b, "\",\"interruptions_24h\":99999999999999999999,"
	    "\"recent_events\":[");
	for (int i = 0; i < 5000; i++)
		buf_addf(&b, "%s{\"time\":%d,\"kind\":\"k%d\"}", i ? "," : "",
		    NOW - i, i);
	buf_adds(&b, "]}");
	T_OK(b.len < b.max, "built the input");
	got = statuscmd_render(b.data, b.len, err, sizeof(err));
	T_OK(got != NULL, "huge input renders: %s", err);
	if (got) {
		strcpy(want, "endpoint     ");
		for (int i = 0; i < STATUSCMD_MAX_CELL; i++)
			strcat(want, i % 2 ? "b" : "\xc3\xa9");
		strcat(want, "...  healthy");
		T_EQ_STR(find_line(got, "endpoint", l, sizeof(l)), want);
		/* json-c saturates a too large integer at INT64_MAX */
		T_EQ_STR(find_line(got, "interruptions", l, sizeof(l)),
		    "interruptions (24h)  9223372036854775807");
		T_EQ_STR(find_line(got, "  2026-11-25 05:25:45", l, sizeof(l)),
		    "  2026-11-25 05:25:45  k0   -  -");
		T_EQ_STR(find_line(got, "  2026-11-25 05:25:26", l, sizeof(l)),
		    "  2026-11-25 05:25:26  k19  -  -");
		T_EQ_STR(find_line(got, "  ...", l, sizeof(l)), "  ... 4980 more");
		for (const char *p = got; *p; p++)
			nlines += *p == '\n';
		/* 6 lines before the events, the title, 20 rows, "more", errors */
		T_EQ_INT(nlines, 6 + 1 + STATUSCMD_MAX_ROWS + 1 + 1);
	}
	free(got);
	buf_free(&b);
}

static void
test_render_others(void)
{
	struct buf b;
	char *got, err[256], l[256];
	size_t others = 0;

	buf_init(&b, 1 << 20);
	buf_adds(&b, "{\"primary\":{\"id\":\"i-0\",\"state\":\"running\"},"
	    "\"replacement\":{\"id\":\"i-1\"},\"instances\":[7,null,");
	for (int i = 0; i < 25; i++)
		buf_addf(&b, "{\"id\":\"i-%d\",\"state\":\"s%d\"},", i, i);
	buf_adds(&b, "{\"id\":5}]}");
	got = statuscmd_render(b.data, b.len, err, sizeof(err));
	T_OK(got != NULL, "renders: %s", err);
	if (got) {
		/* ids up to "i-21" (4 characters) set the column */
		T_EQ_STR(find_line(got, "primary", l, sizeof(l)),
		    "primary      i-0   -  -  -  running  -  age -");
		T_EQ_STR(find_line(got, "replacement", l, sizeof(l)),
		    "replacement  i-1   -  -  -  -        -  age -");
		T_EQ_STR(find_line(got, "other        i-2 ", l, sizeof(l)),
		    "other        i-2   -  -  -  s2       -  age -");
		for (const char *p = got; (p = strstr(p, "\nother ")) != NULL; p++)
			others++;
		T_EQ_INT(others, STATUSCMD_MAX_ROWS);
		T_EQ_STR(find_line(got, "             ...", l, sizeof(l)),
		    "             ... more in --json");
	}
	free(got);
	buf_free(&b);
}

/* ---- the command, against a canned HTTP server in a child ---- */

/*
 * serve_once: a child that answers one connection on a loopback port with
 * status and body, then exits. Returns the port; *pid gets the child.
 */
static int
serve_once(int status, const char *body, pid_t *pid)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int s, c, port;
	char req[4096], head[256];

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(s, 1) == -1 || getsockname(s, (struct sockaddr *)&sa, &sl) == -1)
		return -1;
	port = ntohs(sa.sin_port);
	if ((*pid = fork()) == 0) {
		if ((c = accept(s, NULL, NULL)) >= 0) {
			int ok;

			snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: "
			    "application/json\r\nContent-Length: %zu\r\nConnection: "
			    "close\r\n\r\n", status, strlen(body));
			/* The child's exit status tells the parent whether it answered. */
			ok = read(c, req, sizeof(req)) > 0 &&
			    write(c, head, strlen(head)) == (ssize_t)strlen(head) &&
			    write(c, body, strlen(body)) == (ssize_t)strlen(body);
			close(c);
			if (!ok)
				_exit(1);
		}
		_exit(0);
	}
	close(s);
	return port;
}

/* run_main: statuscmd_main with stdout and stderr caught in out and err. */
static int
run_main(char **argv, char **out, char **err)
{
	char fo[] = "/tmp/test_status.XXXXXX", fe[] = "/tmp/test_status.XXXXXX";
	int o = mkstemp(fo), e = mkstemp(fe), so, se, argc = 0, rc;

	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(o, 1);
	dup2(e, 2);
	rc = statuscmd_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(o);
	close(e);
	*out = t_read_file(fo, NULL);
	*err = t_read_file(fe, NULL);
	unlink(fo);
	unlink(fe);
	return rc;
}

/* closed_port: a loopback port nothing listens on (just bound and closed). */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static void
test_main(void)
{
	char url[64], want[256], *out = NULL, *err = NULL;
	char *full = t_read_file(FIX "full.json", NULL);
	char *full_txt = t_read_file(FIX "full.txt", NULL);
	char *unh = t_read_file(FIX "unhealthy.json", NULL);
	char *unh_txt = t_read_file(FIX "unhealthy.txt", NULL);
	char conf[] = "/tmp/test_status_conf.XXXXXX";
	pid_t pid;
	int port, rc, fd;

	T_OK(full && full_txt && unh && unh_txt, "fixtures");
	if (!full || !full_txt || !unh || !unh_txt)
		goto done;

	/* healthy: the table, exit 0 */
	port = serve_once(200, full, &pid);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rc = run_main((char *[]){ "status", "--url", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, full_txt);
	T_EQ_STR(err, "");
	free(out);
	free(err);

	/* --json: the body as received */
	port = serve_once(200, full, &pid);
	snprintf(url, sizeof(url), "127.0.0.1:%d/status", port);
	rc = run_main((char *[]){ "status", "-j", "-u", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, full);
	free(out);
	free(err);

	/* unhealthy: the table anyway, exit 1 (also with --json) */
	port = serve_once(200, unh, &pid);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rc = run_main((char *[]){ "status", "--url", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 1);
	T_EQ_STR(out, unh_txt);
	free(out);
	free(err);
	port = serve_once(200, unh, &pid);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rc = run_main((char *[]){ "status", "--json", "--url", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 1);
	T_EQ_STR(out, unh);
	free(out);
	free(err);

	/* garbage and an HTTP error: exit 1, nothing on stdout */
	port = serve_once(200, "<html>\x1b[2J</html>", &pid);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rc = run_main((char *[]){ "status", "--json", "--url", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 1);
	T_EQ_STR(out, "");
	snprintf(want, sizeof(want), "stingy-vpn status: %s/status: the answer is "
	    "not JSON: control character 0x1b at byte 6\n", url);
	T_EQ_STR(err, want);
	free(out);
	free(err);
	port = serve_once(500, "out of memory\n", &pid);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rc = run_main((char *[]){ "status", "--url", url, NULL }, &out, &err);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rc, 1);
	T_EQ_STR(out, "");
	snprintf(want, sizeof(want), "stingy-vpn status: %s/status answered "
	    "HTTP 500: out of memory\n", url);
	T_EQ_STR(err, want);
	free(out);
	free(err);

	/* nobody listening: exit 3 with the promised message */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	rc = run_main((char *[]){ "status", "--url", url, NULL }, &out, &err);
	T_EQ_INT(rc, 3);
	T_EQ_STR(out, "");
	snprintf(want, sizeof(want), "stingy-vpn status: cannot reach the daemon "
	    "at %s/status: ", url);
	T_OK(err && strncmp(err, want, strlen(want)) == 0, "unreachable: %s", err ? err : "");
	T_OK(err && strstr(err, " (is stingy-vpn run going?)\n") != NULL,
	    "unreachable hint: %s", err ? err : "");
	free(out);
	free(err);

	/* usage errors: exit 2 */
	rc = run_main((char *[]){ "status", "--bogus", NULL }, &out, &err);
	T_EQ_INT(rc, 2);
	free(out);
	free(err);
	rc = run_main((char *[]){ "status", "extra", NULL }, &out, &err);
	T_EQ_INT(rc, 2);
	T_EQ_STR(err, "stingy-vpn status: unexpected argument 'extra'\n");
	free(out);
	free(err);
	rc = run_main((char *[]){ "status", "--url", "ftp://x", NULL }, &out, &err);
	T_EQ_INT(rc, 2);
	T_EQ_STR(err, "stingy-vpn status: --url ftp://x: not http or https\n");
	free(out);
	free(err);
	rc = run_main((char *[]){ "status", "-h", NULL }, &out, &err);
	T_EQ_INT(rc, 0);
	T_OK(out && strncmp(out, "usage: stingy-vpn status ", 25) == 0, "help");
	free(out);
	free(err);

	/* listen = off in desired.conf: exit 2, saying so */
	if ((fd = mkstemp(conf)) >= 0) {
		char *text = t_read_file("tests/fixtures/conf/minimal.conf", NULL);

		int wrote = text != NULL &&
		    write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
		    write(fd, "\n[controller]\nlisten = off\n", 27) == 27;

		T_OK(wrote, "wrote %s", conf);
		close(fd);
		free(text);
		rc = run_main((char *[]){ "status", "-c", conf, NULL }, &out, &err);
		T_EQ_INT(rc, 2);
		T_OK(err && strstr(err, ": listen is off; the status is served by "
		    "the daemon's HTTP listener") != NULL, "listen off: %s", err ? err : "");
		free(out);
		free(err);
		unlink(conf);
	}
	rc = run_main((char *[]){ "status", "-c", "/nonexistent/desired.conf", NULL },
	    &out, &err);
	T_EQ_INT(rc, 2);
	T_OK(err && strstr(err, "stingy-vpn status: /nonexistent/desired.conf: "
	    "cannot learn listen from it; fix it or pass --url URL\n") != NULL,
	    "no conf: %s", err ? err : "");
	free(out);
	free(err);
done:
	free(full);
	free(full_txt);
	free(unh);
	free(unh_txt);
}

static void
test_clean(void)
{
	static const struct {
		const char	*in;
		size_t		 max;
		const char	*out;
		size_t		 chars;
	} cases[] = {
		{ "plain", 160, "plain", 5 },
		{ "\x1b[31mred\x1b[0m", 160, "[31mred[0m", 10 },
		{ "a\tb\nc\rd", 160, "a b c d", 7 },
		{ "bell\a del\x7f nul", 160, "bell del nul", 12 },
		{ "c1 \xc2\x9b" "2J csi", 160, "c1 2J csi", 9 },
		{ "bidi \xe2\x80\xae" "evil\xe2\x81\xa6", 160, "bidi evil", 9 },
		{ "bad \xff\xfe utf8 \xc3", 160, "bad ?? utf8 ?", 13 },
		{ "overlong \xc0\xaf", 160, "overlong ??", 11 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 160,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 8 },
		{ "abcdef", 3, "abc...", 6 },
		{ "abc", 3, "abc", 3 },
		{ "", 3, "", 0 },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = statuscmd_clean(cases[i].in, strlen(cases[i].in),
		    cases[i].max, out, sizeof(out));

		T_EQ_STR(out, cases[i].out);
		T_EQ_INT(n, cases[i].chars);
	}
	/* An embedded NUL is a control too; the output size is respected. */
	T_EQ_INT(statuscmd_clean("a\0b", 3, 10, out, sizeof(out)), 2);
	T_EQ_STR(out, "ab");
	/* 8 bytes: "abcd", "..." and the NUL */
	T_EQ_INT(statuscmd_clean("abcdefgh", 8, 100, out, 8), 7);
	T_EQ_STR(out, "abcd...");
	T_EQ_INT(statuscmd_clean("abcdefgh", 8, 100, out, 0), 0);
	T_EQ_INT(statuscmd_clean(NULL, 5, 100, out, sizeof(out)), 0);
	T_EQ_STR(out, "");
}

static void
test_urls(void)
{
	static const struct {
		const char	*listen;
		const char	*url;	/* NULL: refused with err */
		const char	*err;
	} cases[] = {
		{ "127.0.0.1:9851", "http://127.0.0.1:9851/status", NULL },
		{ "0.0.0.0:9851", "http://127.0.0.1:9851/status", NULL },
		{ "[::1]:80", "http://[::1]:80/status", NULL },
		{ "[::]:9851", "http://[::1]:9851/status", NULL },
		{ "off", NULL, "listen is off" },
		{ "", NULL, "listen is off" },
		{ NULL, NULL, "listen is off" },
		{ "127.0.0.1:0", NULL,
		  "listen 127.0.0.1:0: port 0 is picked at start and unknown here" },
		{ "127.0.0.1", NULL, "listen 127.0.0.1: not HOST:PORT" },
		{ "127.0.0.1:x", NULL, "listen 127.0.0.1:x: bad port" },
		{ "127.0.0.1:70000", NULL, "listen 127.0.0.1:70000: bad port" },
		{ "127.0.0.1:-1", NULL, "listen 127.0.0.1:-1: bad port" },
		{ ":80", NULL, "listen :80: not HOST:PORT" },
		{ "a/b:80", NULL, "listen a/b:80: bad host" },
	};
	static const struct {
		const char	*arg;
		const char	*url;
		const char	*err;
	} args[] = {
		{ "http://127.0.0.1:9851", "http://127.0.0.1:9851/status", NULL },
		{ "http://127.0.0.1:9851/status", "http://127.0.0.1:9851/status", NULL },
		{ "https://vpn.example:443/x/status", "https://vpn.example:443/x/status", NULL },
		{ "127.0.0.1:9851", "http://127.0.0.1:9851/status", NULL },
		{ "ftp://h/", NULL, "--url ftp://h/: not http or https" },
		{ "http://", NULL, "--url http://: no host" },
		{ "http:///status", NULL, "--url http:///status: no host" },
		{ "", NULL, "--url: empty" },
		{ "http://a b", NULL, "--url: spaces or control characters" },
		{ "http://a\x1b", NULL, "--url: spaces or control characters" },
	};
	char url[64], err[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = statuscmd_url_listen(cases[i].listen, url, sizeof(url),
		    err, sizeof(err));

		T_EQ_INT(rc, cases[i].url ? 0 : -1);
		if (cases[i].url)
			T_EQ_STR(url, cases[i].url);
		else
			T_EQ_STR(err, cases[i].err);
	}
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		int rc = statuscmd_url_arg(args[i].arg, url, sizeof(url), err,
		    sizeof(err));

		T_EQ_INT(rc, args[i].url ? 0 : -1);
		if (args[i].url)
			T_EQ_STR(url, args[i].url);
		else
			T_EQ_STR(err, args[i].err);
	}
	T_EQ_INT(statuscmd_url_listen("127.0.0.1:9851", url, 10, err, sizeof(err)), -1);
	T_EQ_STR(err, "listen 127.0.0.1:9851: too long");
	T_EQ_INT(statuscmd_url_arg("http://127.0.0.1:9851", url, 20, err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "--url: longer than 19 bytes");
}

static void
test_healthy(void)
{
	T_EQ_INT(statuscmd_healthy("{\"healthy\":true}", 16), 1);
	T_EQ_INT(statuscmd_healthy("{\"healthy\":false}", 17), 0);
	T_EQ_INT(statuscmd_healthy("{\"healthy\":1}", 13), 0);
	T_EQ_INT(statuscmd_healthy("{\"healthy\":\"true\"}", 18), 0);
	T_EQ_INT(statuscmd_healthy("{}", 2), 0);
	T_EQ_INT(statuscmd_healthy("{\"healthy\":true} x", 18), -1);
}

int
main(void)
{
	T_RUN(test_json_full);
	T_RUN(test_json_nulls);
	T_RUN(test_json_bytes);
	T_RUN(test_metrics);
	T_RUN(test_metrics_issue6);
	T_RUN(test_metrics_hostile);
	T_RUN(test_tally_cap);
	T_RUN(test_histogram);
	T_RUN(test_render_fixtures);
	T_RUN(test_render_roundtrip);
	T_RUN(test_render_dns);
	T_RUN(test_render_garbage);
	T_RUN(test_render_huge);
	T_RUN(test_render_others);
	T_RUN(test_main);
	T_RUN(test_clean);
	T_RUN(test_urls);
	T_RUN(test_healthy);
	return t_done("test_status");
}
