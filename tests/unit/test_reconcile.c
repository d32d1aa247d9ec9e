/*
 * test_reconcile: the brain, by tables of worlds. Each case builds an
 * observed world with a small builder (add_instance, add_launch, block, ...),
 * runs reconcile() and asserts the exact action list, rendered compactly as
 * "launch t4g.nano subnet-0000000a, set-primary -, alert budget".
 * Multi-round cases apply each round's effects to the world (apply()) and
 * run again, as the executor and EC2 would, until a round is empty.
 *
 * Every reconcile() call goes through run(), which also checks properties
 * that must hold for any world: the same input gives the same bytes; no
 * action names an instance outside the world; never more launches than
 * max_instances leaves room for; never a terminate of the target, of an
 * instance already going, or (enabled, no target) of one that serves; at
 * most one endpoint step; no EIP or SSM step with enabled = no. A seeded
 * random walk over thousands of worlds runs the same checks and also
 * asserts that every world converges to one healthy instance holding the
 * EIP, SSM and primary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desired.h"
#include "reconcile.h"
#include "t.h"

#define QURL	"https://sqs.eu-west-1.amazonaws.com/123456789012/q"
#define LT	"lt-0123456789abcdef0"
#define TAG	LT ":$Latest"
#define SA	"subnet-0000000a"
#define SB	"subnet-0000000b"
#define EIP	"eipalloc-0123456789abcdef0"
#define T0	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */

#define W_LAUNCH	"a launch in flight"
#define W_READY		"the replacement to become ready"
#define W_EIP		"the Elastic IP's association to be read"
#define W_DNS		"the DNS record to point at the target"
#define W_DNS_IP	"the target's public IP (for the DNS record)"
#define EIP_ADDR	"203.0.113.10"
#define CF_DNS		"[dns]\nprovider = route53\nname = vpn.example.com\nzone_id = Z1\n"
#define W_ROOM_SERVES	"room under max_instances (the doomed instance still serves)"
#define W_ROOM_MAKING	"room under max_instances (terminating what serves nothing)"
#define W_ROOM_EDIT	"room under max_instances (the serving instance is " \
			"not current and there is no room to replace it)"

/* ---- configuration ---- */

/*
 * cfg: a parsed desired.conf, so defaults are the real ones. Unless extra
 * sets them: instance_types = t4g.nano, t4g.micro; subnets = SA, SB;
 * elastic_ip = EIP. Aborts the test program when it does not parse.
 */
static struct desired *
cfg(const char *extra)
{
	char text[2048], *err = NULL;
	struct desired *d;

	snprintf(text, sizeof(text),
	    "[aws]\nregion = eu-west-1\nqueue_url = " QURL "\n"
	    "[endpoint home]\nlaunch_template = " LT "\n%s%s%s%s",
	    strstr(extra, "instance_types =") ? "" :
	    "instance_types = t4g.nano, t4g.micro\n",
	    strstr(extra, "subnets =") ? "" : "subnets = " SA ", " SB "\n",
	    strstr(extra, "elastic_ip =") ? "" : "elastic_ip = " EIP "\n",
	    extra);
	d = desired_parse_string("t.conf", text, strlen(text), &err);
	if (d == NULL) {
		fprintf(stderr, "test config does not parse:\n%s\n%s", text,
		    err ? err : "");
		exit(2);
	}
	free(err);
	return d;
}

/* ---- the world builder ---- */

static void
w_init(struct rc_observed *o)
{
	memset(o, 0, sizeof(*o));
	o->eip_known = 1;
	o->ssm_known = 1;
	snprintf(o->ssm_value, sizeof(o->ssm_value), "initial");
	snprintf(o->eip_address, sizeof(o->eip_address), EIP_ADDR);
}

/* ip_of: the public IP an instance id gets in these worlds: 198.51.100.N. */
static void
ip_of(const char *id, char *buf, size_t len)
{
	unsigned h = 7;

	for (const char *c = id; *c; c++)
		h = h * 31 + (unsigned char)*c;
	snprintf(buf, len, "198.51.100.%u", h % 250 + 1);
}

/* add_instance: one of ours, template TAG, launched at `launched`. */
static struct rc_instance *
add_instance(struct rc_observed *o, const char *id, const char *state,
    const char *type, int ready, const char *doomed, time_t launched)
{
	struct rc_instance *in;

	if (o->n_instances >= RC_MAX_INSTANCES)
		abort();
	in = &o->instances[o->n_instances++];
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->state, sizeof(in->state), "%s", state);
	snprintf(in->type, sizeof(in->type), "%s", type);
	snprintf(in->subnet, sizeof(in->subnet), "%s", SA);
	snprintf(in->template, sizeof(in->template), "%s", TAG);
	in->ready = ready;
	snprintf(in->doomed, sizeof(in->doomed), "%s", doomed);
	in->launch_time = launched;
	in->first_seen = launched;
	ip_of(id, in->public_ip, sizeof(in->public_ip));
	return in;
}

static struct rc_launch *
add_launch(struct rc_observed *o, const char *type, const char *subnet,
    const char *instance_id, time_t created)
{
	struct rc_launch *l;

	if (o->n_launches >= RC_MAX_INSTANCES)
		abort();
	l = &o->launches[o->n_launches];
	memset(l, 0, sizeof(*l));
	snprintf(l->launch_id, sizeof(l->launch_id), "L-%zu", o->n_launches);
	snprintf(l->type, sizeof(l->type), "%s", type);
	snprintf(l->subnet, sizeof(l->subnet), "%s", subnet);
	snprintf(l->instance_id, sizeof(l->instance_id), "%s", instance_id);
	l->created_at = created;
	o->n_launches++;
	return l;
}

static void
block(struct rc_observed *o, const char *type, const char *subnet,
    time_t until)
{
	struct rc_pool_block *b = &o->blocked_pools[o->n_blocked_pools++];

	snprintf(b->type, sizeof(b->type), "%s", type);
	snprintf(b->subnet, sizeof(b->subnet), "%s", subnet);
	b->until = until;
}

/* serve: the endpoint fully on id (primary, EIP and SSM). */
static void
serve(struct rc_observed *o, const char *id)
{
	snprintf(o->primary, sizeof(o->primary), "%s", id);
	snprintf(o->eip_instance, sizeof(o->eip_instance), "%s", id);
	snprintf(o->ssm_value, sizeof(o->ssm_value), "%s", id);
}

static struct rc_instance *
inst(struct rc_observed *o, const char *id)
{
	for (size_t i = 0; i < o->n_instances; i++)
		if (strcmp(o->instances[i].id, id) == 0)
			return &o->instances[i];
	return NULL;
}

/*
 * observe_launch: EC2 answered the newest launch: its instance `id` is now
 * seen, in `state`, launched at `now`, with the launch's type and subnet.
 */
static struct rc_instance *
observe_launch(struct rc_observed *o, const char *id, const char *state,
    int ready, time_t now)
{
	struct rc_launch *l = &o->launches[o->n_launches - 1];
	struct rc_instance *in;

	snprintf(l->instance_id, sizeof(l->instance_id), "%s", id);
	in = add_instance(o, id, state, l->type, ready, "", now);
	snprintf(in->subnet, sizeof(in->subnet), "%s", l->subnet);
	return in;
}

/* ---- running ---- */

/* render: the action list as "kind arg, kind arg". */
static const char *
render(const struct rc_result *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n && off < len; i++) {
		const struct rc_action *a = &r->actions[i];
		const char *sep = i ? ", " : "";
		int n;

		switch (a->kind) {
		case RC_LAUNCH:
			n = snprintf(buf + off, len - off, "%slaunch %s %s", sep,
			    a->type, a->subnet[0] ? a->subnet : "-");
			break;
		case RC_ALERT:
			n = snprintf(buf + off, len - off, "%salert %s", sep,
			    rc_alert_name(a->alert));
			break;
		case RC_UPSERT_DNS:
			n = snprintf(buf + off, len - off, "%supsert-dns %s %s",
			    sep, a->instance[0] ? a->instance : "-", a->value);
			break;
		default:
			n = snprintf(buf + off, len - off, "%s%s %s", sep,
			    rc_action_name(a->kind),
			    a->instance[0] ? a->instance : "-");
			break;
		}
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

static unsigned long long prop_checks;

/* prop: one property check, counted; only failures reach the harness. */
#define PROP(cond, ...) do { prop_checks++; if (!(cond)) \
	t_check(0, __FILE__, __LINE__, __VA_ARGS__); } while (0)

static int
alive_state(const char *s)
{
	return strcmp(s, "pending") == 0 || strcmp(s, "running") == 0 ||
	    strcmp(s, "stopping") == 0 || strcmp(s, "stopped") == 0;
}

static int
in_world(const struct rc_observed *o, const char *id)
{
	for (size_t i = 0; i < o->n_instances; i++)
		if (strcmp(o->instances[i].id, id) == 0)
			return 1;
	return 0;
}


static int
type_listed(const struct desired *d, const char *type)
{
	for (size_t i = 0; i < d->n_instance_types; i++)
		if (strcmp(d->instance_types[i], type) == 0)
			return 1;
	return 0;
}

/*
 * timed_out: the ready-timeout rule, restated: up, not doomed otherwise,
 * type and template current, not ready, older than ready_timeout.
 */
static int
timed_out(const struct desired *d, const struct rc_instance *in, time_t now)
{
	char tag[96];
	time_t born = in->launch_time ? in->launch_time : in->first_seen;
	int running = strcmp(in->state, "running") == 0;

	if (!running && strcmp(in->state, "pending") != 0)
		return 0;
	if (in->doomed[0] && !(d->rebalance == REBALANCE_MARK &&
	    strcmp(in->doomed, "rebalance") == 0))
		return 0;
	if (!type_listed(d, in->type) ||
	    strcmp(in->template, rc_template_tag(d, tag, sizeof(tag))) != 0)
		return 0;
	if (running && (!d->wait_ready || in->ready))
		return 0;
	return born != 0 && born <= now &&
	    ((double)now - (double)born) * 1000.0 > (double)d->ready_timeout_ms;
}

/*
 * serves: clients reach in: pending or running, not past ready_timeout,
 * and the EIP holder (EIP mode; an unknown association counts as anyone's)
 * or the primary.
 */
static int
serves(const struct desired *d, const struct rc_observed *o,
    const struct rc_instance *in, time_t now)
{
	if (strcmp(in->state, "pending") != 0 && strcmp(in->state, "running") != 0)
		return 0;
	if (timed_out(d, in, now))
		return 0;
	if (d->elastic_ip != NULL)
		return !o->eip_known || strcmp(in->id, o->eip_instance) == 0;
	return strcmp(in->id, o->primary) == 0;
}

/* check_props: what must hold for the result r of any world o. */
static void
check_props(const struct desired *d, const struct rc_observed *o,
    time_t now, const struct rc_result *r)
{
	size_t alive = 0, inflight = 0, launches = 0, steps = 0;

	for (size_t i = 0; i < o->n_instances; i++)
		if (alive_state(o->instances[i].state))
			alive++;
	for (size_t i = 0; i < o->n_launches; i++)
		if (o->launches[i].instance_id[0] == '\0' ||
		    !in_world(o, o->launches[i].instance_id))
			inflight++;
	PROP(r->n <= RC_MAX_ACTIONS, "bounded: %zu actions", r->n);
	PROP(r->target[0] == '\0' || in_world(o, r->target),
	    "target %s is in the world", r->target);
	PROP(r->waiting == NULL || r->waiting[0] != '\0', "waiting not empty");
	for (size_t i = 0; i < r->n && i < RC_MAX_ACTIONS; i++) {
		const struct rc_action *a = &r->actions[i];
		const struct rc_instance *in = NULL;

		for (size_t k = 0; k < o->n_instances; k++)
			if (strcmp(o->instances[k].id, a->instance) == 0)
				in = &o->instances[k];
		PROP(a->instance[0] == '\0' || in != NULL,
		    "action %s names %s, which is not in the world",
		    rc_action_name(a->kind), a->instance);
		switch (a->kind) {
		case RC_LAUNCH:
			launches++;
			PROP(d->enabled && o->config_blocked == NULL,
			    "launch only when enabled and not blocked");
			PROP(inflight == 0, "launch while one is in flight");
			PROP(type_listed(d, a->type), "launch of %s", a->type);
			PROP(o->launches_past_hour < d->launch_budget,
			    "launch past the budget");
			break;
		case RC_ASSOCIATE_EIP:
		case RC_PUT_SSM:
			PROP(d->enabled, "%s with enabled = no",
			    rc_action_name(a->kind));
			PROP(a->instance[0] && strcmp(a->instance, r->target) == 0,
			    "%s %s is the target", rc_action_name(a->kind),
			    a->instance);
			steps++;
			break;
		case RC_UPSERT_DNS:
			PROP(d->enabled && d->dns_provider != DNS_NONE,
			    "upsert-dns only when enabled with [dns]");
			if (d->elastic_ip != NULL)
				PROP(a->instance[0] == '\0' &&
				    strcmp(a->value, o->eip_address) == 0,
				    "upsert-dns in EIP mode: the EIP's address");
			else {
				PROP(a->instance[0] &&
				    strcmp(a->instance, r->target) == 0 && in &&
				    strcmp(a->value, in->public_ip) == 0,
				    "upsert-dns %s %s: the target's IP",
				    a->instance, a->value);
				steps++;
			}
			break;
		case RC_SET_PRIMARY:
			PROP(strcmp(a->instance, r->target) == 0,
			    "set-primary %s is the target %s", a->instance,
			    r->target);
			steps++;
			break;
		case RC_TERMINATE:
			PROP(in != NULL && alive_state(in->state),
			    "terminate %s: alive", a->instance);
			PROP(strcmp(a->instance, r->target) != 0,
			    "terminate of the target %s", a->instance);
			PROP(a->reason[0] != '\0', "terminate with a reason");
			if (d->enabled && r->target[0] == '\0')
				PROP(in != NULL && !serves(d, o, in, now),
				    "terminate %s without a target: it serves",
				    a->instance);
			for (size_t k = 0; k < i; k++)
				PROP(!(r->actions[k].kind == RC_TERMINATE &&
				    strcmp(r->actions[k].instance,
				    a->instance) == 0), "terminate %s twice",
				    a->instance);
			break;
		case RC_ALERT:
			PROP(a->alert != RC_ALERT_NONE && a->reason[0],
			    "alert with a kind and a text");
			break;
		case RC_PUT_PEERS:
			PROP(o->peers_known && o->peers_want[0] &&
			    strcmp(o->peers_digest, o->peers_want) != 0,
			    "put-peers only when SSM is known to differ");
			break;
		}
		/* Kinds come in order: launch, endpoint, terminate, alert. */
		if (i > 0) {
			int rank_prev = r->actions[i - 1].kind == RC_LAUNCH ? 0 :
			    r->actions[i - 1].kind == RC_TERMINATE ? 2 :
			    r->actions[i - 1].kind == RC_ALERT ? 3 : 1;
			int rank = a->kind == RC_LAUNCH ? 0 :
			    a->kind == RC_TERMINATE ? 2 :
			    a->kind == RC_ALERT ? 3 : 1;
			PROP(rank_prev <= rank, "actions out of order at %zu", i);
		}
	}
	PROP(launches <= 1, "%zu launches in one round", launches);
	PROP(launches == 0 || alive + inflight + launches <= d->max_instances,
	    "launch past max_instances: %zu alive, %zu in flight",
	    alive, inflight);
	PROP(steps <= 1, "%zu endpoint steps in one round", steps);
}

/* run: reconcile with the property checks and a determinism check. */
static void
run(const struct desired *d, const struct rc_observed *o, time_t now,
    struct rc_result *r)
{
	static struct rc_result again;

	reconcile(d, o, now, r);
	check_props(d, o, now, r);
	memset(&again, 0xa5, sizeof(again));
	reconcile(d, o, now, &again);
	PROP(memcmp(r, &again, sizeof(again)) == 0,
	    "two runs on one world differ");
}

static int launch_seq;

/* apply: what the executor and EC2 make of r's actions. */
static void
apply(struct rc_observed *o, const struct rc_result *r, time_t now)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct rc_action *a = &r->actions[i];
		struct rc_instance *in;

		switch (a->kind) {
		case RC_LAUNCH:
			add_launch(o, a->type, a->subnet, "", now);
			o->launches_past_hour++;
			launch_seq++;
			break;
		case RC_ASSOCIATE_EIP:
			snprintf(o->eip_instance, sizeof(o->eip_instance), "%s",
			    a->instance);
			break;
		case RC_PUT_SSM:
			o->ssm_known = 1;
			snprintf(o->ssm_value, sizeof(o->ssm_value), "%s",
			    a->instance);
			break;
		case RC_UPSERT_DNS:
			o->dns_known = 1;
			snprintf(o->dns_value, sizeof(o->dns_value), "%s",
			    a->value);
			break;
		case RC_SET_PRIMARY:
			snprintf(o->primary, sizeof(o->primary), "%s",
			    a->instance);
			break;
		case RC_TERMINATE:
			if ((in = inst(o, a->instance)) != NULL)
				snprintf(in->state, sizeof(in->state),
				    "shutting-down");
			/* AWS drops the association of a terminated instance. */
			if (strcmp(o->eip_instance, a->instance) == 0)
				o->eip_instance[0] = '\0';
			break;
		case RC_ALERT:
			break;
		case RC_PUT_PEERS:
			o->peers_known = 1;
			snprintf(o->peers_digest, sizeof(o->peers_digest), "%s",
			    o->peers_want);
			break;
		}
	}
}

/*
 * expect_round: one round on o, its actions rendered must be `want`; then
 * its effects are applied. Returns the result for further checks.
 */
static const struct rc_result *
expect_round_at(const char *file, int line, const struct desired *d,
    struct rc_observed *o, time_t now, const char *want)
{
	static struct rc_result r;
	char buf[1024];

	run(d, o, now, &r);
	render(&r, buf, sizeof(buf));
	t_check(strcmp(buf, want) == 0, file, line, "actions \"%s\" != \"%s\"",
	    buf, want);
	apply(o, &r, now);
	return &r;
}
#define expect_round(d, o, now, want) \
	expect_round_at(__FILE__, __LINE__, d, o, now, want)

/* reason_of: the reason of the first action of `kind`, or "(none)". */
static const char *
reason_of(const struct rc_result *r, enum rc_action_kind kind)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->actions[i].kind == kind)
			return r->actions[i].reason;
	return "(none)";
}

/* A world serving from i-1, healthy, ready, launched an hour ago. */
static void
w_serving(struct rc_observed *o)
{
	w_init(o);
	add_instance(o, "i-1", "running", "t4g.nano", 1, "", T0 - 3600);
	serve(o, "i-1");
}

/*
 * cutover: from a world where i-1 serves but is doomed (or not current),
 * the replacement launched in this round as i-2 comes up and takes over;
 * the rounds must be exactly these. eip: whether an EIP is configured.
 */
static void
cutover(const struct desired *d, struct rc_observed *o, int eip,
    const char *launch, const char *old_reason)
{
	const struct rc_result *r;
	time_t now = T0;

	expect_round(d, o, now, launch);
	now += 1;
	r = expect_round(d, o, now, "");
	T_EQ_STR(r->waiting, W_LAUNCH);
	observe_launch(o, "i-2", "pending", 0, now);
	rc_template_tag(d, inst(o, "i-2")->template,
	    sizeof(inst(o, "i-2")->template));
	now += 20;
	r = expect_round(d, o, now, "");
	T_EQ_STR(r->waiting, W_READY);
	T_EQ_STR(r->replacement, "i-2");
	T_EQ_STR(r->target, "");
	inst(o, "i-2")->state[0] = '\0';
	snprintf(inst(o, "i-2")->state, sizeof(inst(o, "i-2")->state), "running");
	r = expect_round(d, o, now, "");
	T_EQ_STR(r->waiting, W_READY);
	inst(o, "i-2")->ready = 1;
	now += 30;
	if (eip) {
		r = expect_round(d, o, now, "associate-eip i-2");
		T_EQ_STR(r->target, "i-2");
		T_EQ_STR(r->replacement, "");
	}
	r = expect_round(d, o, now, "put-ssm i-2");
	T_EQ_STR(r->target, "i-2");
	r = expect_round(d, o, now, "set-primary i-2");
	r = expect_round(d, o, now, "terminate i-1");
	T_EQ_STR(reason_of(r, RC_TERMINATE), old_reason);
	r = expect_round(d, o, now, "");
	T_EQ_STR(r->target, "i-2");
	T_EQ_STR(r->waiting, NULL);
	T_EQ_STR(r->blocker, "");
	T_EQ_STR(o->primary, "i-2");
	T_EQ_STR(o->ssm_value, "i-2");
	T_EQ_STR(o->eip_instance, eip ? "i-2" : "");
}

/* ---- the cases ---- */

static void
test_names(void)
{
	struct desired *d = cfg("launch_template_version = 7\n");
	char buf[160], small[8];

	T_EQ_STR(rc_action_name(RC_LAUNCH), "launch");
	T_EQ_STR(rc_action_name(RC_ASSOCIATE_EIP), "associate-eip");
	T_EQ_STR(rc_action_name(RC_PUT_SSM), "put-ssm");
	T_EQ_STR(rc_action_name(RC_UPSERT_DNS), "upsert-dns");
	T_EQ_STR(rc_action_name(RC_SET_PRIMARY), "set-primary");
	T_EQ_STR(rc_action_name(RC_TERMINATE), "terminate");
	T_EQ_STR(rc_action_name(RC_ALERT), "alert");
	T_EQ_STR(rc_alert_name(RC_ALERT_BUDGET), "budget");
	T_EQ_STR(rc_alert_name(RC_ALERT_NO_CAPACITY), "no-capacity");
	T_EQ_STR(rc_alert_name(RC_ALERT_INTERRUPTIONS), "interruptions");
	T_EQ_STR(rc_alert_name(RC_ALERT_READY_TIMEOUT), "ready-timeout");
	T_EQ_STR(rc_alert_name(RC_ALERT_CONFIG), "config");
	T_EQ_STR(rc_alert_name(RC_ALERT_LAUNCH_FAILED), "launch-failed");
	T_EQ_STR(rc_template_tag(d, buf, sizeof(buf)), LT ":7");
	T_EQ_STR(rc_template_tag(d, small, sizeof(small)), "lt-0123");
	desired_free(d);
}

static void
test_fresh_start(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_init(&o);
	r = expect_round(d, &o, T0, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH), "no instance");
	T_EQ_STR(r->target, "");
	T_EQ_STR(r->replacement, "");
	T_EQ_STR(r->blocker, "");
	T_EQ_STR(r->waiting, NULL);
	/* Then the intent is open: wait for it, launch nothing more. */
	r = expect_round(d, &o, T0 + 1, "");
	T_EQ_STR(r->waiting, W_LAUNCH);
	/* Launched, id known, not described yet: still in flight. */
	snprintf(o.launches[0].instance_id, sizeof(o.launches[0].instance_id),
	    "i-1");
	r = expect_round(d, &o, T0 + 2, "");
	T_EQ_STR(r->waiting, W_LAUNCH);
	o.n_launches = 0;
	add_launch(&o, "t4g.nano", SA, "", T0);
	observe_launch(&o, "i-1", "running", 1, T0 + 40);
	expect_round(d, &o, T0 + 40, "associate-eip i-1");
	expect_round(d, &o, T0 + 40, "put-ssm i-1");
	expect_round(d, &o, T0 + 40, "set-primary i-1");
	r = expect_round(d, &o, T0 + 40, "");
	T_EQ_STR(r->target, "i-1");
	T_EQ_INT(launch_seq > 0, 1);
	desired_free(d);
}

static void
test_converged(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	struct rc_result a, b;

	w_serving(&o);
	run(d, &o, T0, &a);
	run(d, &o, T0, &b);
	T_EQ_INT(a.n, 0);
	T_EQ_INT(b.n, 0);
	T_EQ_STR(a.target, "i-1");
	T_EQ_STR(a.replacement, "");
	T_EQ_STR(a.waiting, NULL);
	T_EQ_STR(a.blocker, "");
	T_OK(memcmp(&a, &b, sizeof(a)) == 0, "idempotent");
	/* Still converged a day later: ready instances never time out. */
	run(d, &o, T0 + 86400, &a);
	T_EQ_INT(a.n, 0);
	desired_free(d);
}

static void
test_launch_in_flight(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_launch(&o, "t4g.nano", SA, "", T0 - 2);
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_LAUNCH);
	T_EQ_STR(r->target, "");
	/* A launched instance that describe has not shown yet. */
	snprintf(o.launches[0].instance_id, sizeof(o.launches[0].instance_id),
	    "i-2");
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_LAUNCH);
	desired_free(d);
}

static void
test_interruption_warning(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	r = expect_round(d, &o, T0, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH),
	    "replace i-1: doomed by spot-interruption");
	T_EQ_STR(r->target, "");
	T_EQ_STR(r->blocker, "");
	desired_free(d);
}

static void
test_replacement_ready_eip(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	cutover(d, &o, 1, "launch t4g.nano " SA, "doomed by spot-interruption");
	desired_free(d);
}

static void
test_replacement_ready_no_eip(void)
{
	struct desired *d = cfg("elastic_ip =\n");
	struct rc_observed o;

	w_serving(&o);
	o.eip_known = 0;
	o.eip_instance[0] = '\0';
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	cutover(d, &o, 0, "launch t4g.nano " SA, "doomed by spot-interruption");
	desired_free(d);
}

static void
test_eip_unknown(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	o.eip_known = 0;
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_EIP);
	T_EQ_STR(r->target, "i-1");
	/* SSM not read yet: put it (the EIP being known and right). */
	o.eip_known = 1;
	o.ssm_known = 0;
	o.ssm_value[0] = '\0';
	expect_round(d, &o, T0, "put-ssm i-1");
	expect_round(d, &o, T0, "");
	desired_free(d);
}

static void
test_rebalance(void)
{
	struct desired *replace = cfg("rebalance = replace\n");
	struct desired *mark = cfg("rebalance = mark\n");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "rebalance");
	r = expect_round(mark, &o, T0, "");
	T_EQ_STR(r->target, "i-1");
	T_EQ_STR(r->waiting, NULL);
	r = expect_round(replace, &o, T0, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH), "replace i-1: doomed by rebalance");

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "rebalance");
	cutover(replace, &o, 1, "launch t4g.nano " SA, "doomed by rebalance");
	desired_free(replace);
	desired_free(mark);
}

static void
test_scheduled_change(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "scheduled-change");
	cutover(d, &o, 1, "launch t4g.nano " SA, "doomed by scheduled-change");
	desired_free(d);
}

static void
test_terminated_without_warning(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].state, sizeof(o.instances[0].state),
	    "terminated");
	o.eip_instance[0] = '\0';
	r = expect_round(d, &o, T0, "launch t4g.nano " SA ", set-primary -");
	T_EQ_STR(reason_of(r, RC_LAUNCH), "replace i-1: doomed by terminated");
	T_EQ_STR(reason_of(r, RC_SET_PRIMARY), "primary i-1 is gone");
	T_EQ_STR(r->target, "");
	expect_round(d, &o, T0 + 1, "");
	observe_launch(&o, "i-2", "running", 1, T0 + 30);
	expect_round(d, &o, T0 + 30, "associate-eip i-2");
	expect_round(d, &o, T0 + 30, "put-ssm i-2");
	expect_round(d, &o, T0 + 30, "set-primary i-2");
	/* The terminated one is never terminated again. */
	r = expect_round(d, &o, T0 + 30, "");
	T_EQ_STR(r->target, "i-2");
	desired_free(d);
}

static void
test_stopped(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;

	w_serving(&o);
	snprintf(o.instances[0].state, sizeof(o.instances[0].state), "stopped");
	cutover(d, &o, 1, "launch t4g.nano " SA, "doomed by stopped");

	/* stopping, with the store's doom reason. */
	w_serving(&o);
	snprintf(o.instances[0].state, sizeof(o.instances[0].state), "stopping");
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "stopping");
	cutover(d, &o, 1, "launch t4g.nano " SA, "doomed by stopping");
	desired_free(d);
}

static void
test_two_healthy(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	/* Keep the primary even though the other is newer. */
	w_serving(&o);
	add_instance(&o, "i-2", "running", "t4g.nano", 1, "", T0 - 60);
	r = expect_round(d, &o, T0, "terminate i-2");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "surplus: primary is i-1");
	T_EQ_STR(r->target, "i-1");
	expect_round(d, &o, T0, "");

	/* No primary set: keep the newest. */
	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.nano", 1, "", T0 - 3600);
	add_instance(&o, "i-2", "running", "t4g.nano", 1, "", T0 - 60);
	r = expect_round(d, &o, T0, "associate-eip i-2");
	T_EQ_STR(r->target, "i-2");
	expect_round(d, &o, T0, "put-ssm i-2");
	expect_round(d, &o, T0, "set-primary i-2");
	r = expect_round(d, &o, T0, "terminate i-1");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "surplus: primary is i-2");
	expect_round(d, &o, T0, "");

	/* Same launch time: the smallest id, whatever the order in o. */
	w_init(&o);
	add_instance(&o, "i-b", "running", "t4g.nano", 1, "", T0 - 60);
	add_instance(&o, "i-a", "running", "t4g.nano", 1, "", T0 - 60);
	r = expect_round(d, &o, T0, "associate-eip i-a");
	T_EQ_STR(r->target, "i-a");

	/* A surplus one still booting is terminated too. */
	w_serving(&o);
	add_instance(&o, "i-3", "pending", "t4g.nano", 0, "", T0 - 5);
	r = expect_round(d, &o, T0, "terminate i-3");
	T_EQ_STR(r->replacement, "");
	desired_free(d);
}

static void
test_not_ours(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	/*
	 * A foreign instance is never in o. Where the EIP and SSM point at one
	 * (someone else's doing), only our target is named.
	 */
	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.nano", 1, "", T0 - 3600);
	snprintf(o.primary, sizeof(o.primary), "i-1");
	snprintf(o.eip_instance, sizeof(o.eip_instance), "i-foreign");
	snprintf(o.ssm_value, sizeof(o.ssm_value), "i-foreign");
	r = expect_round(d, &o, T0, "associate-eip i-1");
	T_EQ_STR(r->target, "i-1");
	expect_round(d, &o, T0, "put-ssm i-1");
	expect_round(d, &o, T0, "");

	/* enabled = no: only ours are terminated. */
	desired_free(d);
	d = cfg("enabled = no\n");
	w_serving(&o);
	snprintf(o.eip_instance, sizeof(o.eip_instance), "i-foreign");
	expect_round(d, &o, T0, "terminate i-1");
	desired_free(d);
}

static void
test_capacity(void)
{
	struct desired *d = cfg("");
	struct desired *nosub = cfg("subnets =\n");
	struct rc_observed o;
	const struct rc_result *r;

	/* One pool blocked: the next subnet of the same type. */
	w_init(&o);
	block(&o, "t4g.nano", SA, T0 + 600);
	expect_round(d, &o, T0, "launch t4g.nano " SB);

	/* The type blocked in every subnet: the next type. */
	w_init(&o);
	block(&o, "t4g.nano", "", T0 + 600);
	expect_round(d, &o, T0, "launch t4g.micro " SA);
	w_init(&o);
	block(&o, "t4g.nano", SA, T0 + 600);
	block(&o, "t4g.nano", SB, T0 + 600);
	block(&o, "t4g.micro", SA, T0 + 600);
	expect_round(d, &o, T0, "launch t4g.micro " SB);

	/* The block expired (now >= until): back to the first pool. */
	w_init(&o);
	block(&o, "t4g.nano", SA, T0);
	expect_round(d, &o, T0, "launch t4g.nano " SA);
	w_init(&o);
	block(&o, "t4g.nano", SA, T0 + 1);
	expect_round(d, &o, T0, "launch t4g.nano " SB);

	/* A block for a type not configured changes nothing. */
	w_init(&o);
	block(&o, "t4g.small", "", T0 + 600);
	expect_round(d, &o, T0, "launch t4g.nano " SA);

	/* No subnets configured: one pool per type, subnet "". */
	w_init(&o);
	expect_round(nosub, &o, T0, "launch t4g.nano -");
	w_init(&o);
	block(&o, "t4g.nano", "", T0 + 600);
	expect_round(nosub, &o, T0, "launch t4g.micro -");

	/* Every pool blocked: no launch, an alert and a blocker. */
	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	block(&o, "t4g.nano", "", T0 + 600);
	block(&o, "t4g.micro", SA, T0 + 300);
	block(&o, "t4g.micro", SA, T0 + 900);	/* the later block wins */
	block(&o, "t4g.micro", SB, T0 + 1200);
	r = expect_round(d, &o, T0, "alert no-capacity");
	T_EQ_STR(r->blocker, "no capacity: every pool is cooling down; "
	    "t4g.nano in " SA " is retried first, at 2023-11-14T22:23:20Z");
	T_EQ_STR(r->actions[0].reason, r->blocker);
	T_EQ_STR(r->target, "");
	/* The same text next round, a minute later (logged once). */
	r = expect_round(d, &o, T0 + 60, "alert no-capacity");
	T_EQ_STR(r->blocker, "no capacity: every pool is cooling down; "
	    "t4g.nano in " SA " is retried first, at 2023-11-14T22:23:20Z");
	r = expect_round(d, &o, T0 + 600, "launch t4g.nano " SA);
	T_EQ_STR(r->blocker, "");

	w_init(&o);
	block(&o, "t4g.nano", SA, T0 + 700);
	block(&o, "t4g.nano", SB, T0 + 800);
	block(&o, "t4g.micro", "", T0 + 3600);
	r = expect_round(d, &o, T0, "alert no-capacity");
	T_EQ_STR(r->blocker, "no capacity: every pool is cooling down; "
	    "t4g.nano in " SA " is retried first, at 2023-11-14T22:25:00Z");
	/* No subnets: the type alone is named. */
	w_init(&o);
	block(&o, "t4g.nano", "", T0 + 60);
	block(&o, "t4g.micro", "", T0 + 30);
	r = expect_round(nosub, &o, T0, "alert no-capacity");
	T_EQ_STR(r->blocker, "no capacity: every pool is cooling down; "
	    "t4g.micro is retried first, at 2023-11-14T22:13:50Z");
	desired_free(d);
	desired_free(nosub);
}

static void
test_budget(void)
{
	struct desired *d = cfg("");
	struct desired *d2 = cfg("launch_budget = 2\n");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	o.launches_past_hour = 4;
	r = expect_round(d, &o, T0, "alert budget");
	T_EQ_STR(r->blocker, "launch budget exhausted: 4 launches in the past "
	    "hour (launch_budget = 4)");
	T_EQ_STR(r->actions[0].reason, r->blocker);
	o.launches_past_hour = 3;
	r = expect_round(d, &o, T0, "launch t4g.nano " SA);
	T_EQ_STR(r->blocker, "");

	w_init(&o);
	o.launches_past_hour = 5;
	r = expect_round(d2, &o, T0, "alert budget");
	T_EQ_STR(r->blocker, "launch budget exhausted: 5 launches in the past "
	    "hour (launch_budget = 2)");

	/* A spent budget with nothing to launch is no blocker. */
	w_serving(&o);
	o.launches_past_hour = 9;
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->blocker, "");
	desired_free(d);
	desired_free(d2);
}

static void
test_catch_up(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	/*
	 * Home was offline for an hour: the primary got its warning, was
	 * terminated, and describe now shows it terminated with the stale doom
	 * mark; the EIP is free; SSM still names it.
	 */
	w_serving(&o);
	snprintf(o.instances[0].state, sizeof(o.instances[0].state),
	    "terminated");
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	o.eip_instance[0] = '\0';
	o.interruptions_24h = 1;
	r = expect_round(d, &o, T0, "launch t4g.nano " SA ", set-primary -");
	T_EQ_STR(reason_of(r, RC_LAUNCH),
	    "replace i-1: doomed by spot-interruption");
	observe_launch(&o, "i-2", "running", 1, T0 + 40);
	expect_round(d, &o, T0 + 40, "associate-eip i-2");
	expect_round(d, &o, T0 + 40, "put-ssm i-2");
	expect_round(d, &o, T0 + 40, "set-primary i-2");
	expect_round(d, &o, T0 + 40, "");

	/* The store pruned the dead instance: the primary names nothing. */
	w_init(&o);
	snprintf(o.primary, sizeof(o.primary), "i-1");
	snprintf(o.ssm_value, sizeof(o.ssm_value), "i-1");
	r = expect_round(d, &o, T0, "launch t4g.nano " SA ", set-primary -");
	T_EQ_STR(reason_of(r, RC_LAUNCH), "replace i-1: gone");
	observe_launch(&o, "i-2", "pending", 0, T0 + 5);
	r = expect_round(d, &o, T0 + 5, "");
	T_EQ_STR(r->replacement, "i-2");
	snprintf(inst(&o, "i-2")->state, sizeof(inst(&o, "i-2")->state),
	    "running");
	inst(&o, "i-2")->ready = 1;
	expect_round(d, &o, T0 + 40, "associate-eip i-2");
	expect_round(d, &o, T0 + 40, "put-ssm i-2");
	expect_round(d, &o, T0 + 40, "set-primary i-2");
	expect_round(d, &o, T0 + 40, "");
	desired_free(d);
}

static void
test_ready_timeout(void)
{
	struct desired *d = cfg("");	/* ready_timeout 5 min */
	struct rc_observed o;
	const struct rc_result *r;
	struct rc_instance *in;

	/* The replacement for a doomed primary never tags itself ready. */
	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_launch(&o, "t4g.nano", SA, "", T0 - 300);
	observe_launch(&o, "i-2", "running", 0, T0 - 300);
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_READY);
	T_EQ_STR(r->replacement, "i-2");
	/* Past it (max_instances = 2 is full): terminate it to make room. */
	r = expect_round(d, &o, T0 + 1, "terminate i-2, alert ready-timeout");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "doomed by ready-timeout");
	T_EQ_STR(reason_of(r, RC_ALERT), "i-2 (t4g.nano) not ready within "
	    "ready_timeout (300 s)");
	T_EQ_STR(r->waiting, W_ROOM_MAKING);
	T_EQ_STR(r->replacement, "");
	/* It is shutting down: room for the next launch. */
	r = expect_round(d, &o, T0 + 2, "launch t4g.nano " SA);
	observe_launch(&o, "i-3", "running", 1, T0 + 40);
	expect_round(d, &o, T0 + 40, "associate-eip i-3");
	expect_round(d, &o, T0 + 40, "put-ssm i-3");
	expect_round(d, &o, T0 + 40, "set-primary i-3");
	r = expect_round(d, &o, T0 + 40, "terminate i-1");
	expect_round(d, &o, T0 + 40, "");

	/* The only instance, pending too long, launch_time unknown. */
	w_init(&o);
	in = add_instance(&o, "i-1", "pending", "t4g.nano", 0, "", 0);
	in->first_seen = T0 - 301;
	r = expect_round(d, &o, T0,
	    "launch t4g.nano " SA ", alert ready-timeout");
	T_EQ_STR(reason_of(r, RC_LAUNCH), "replace i-1: doomed by ready-timeout");
	/* Room was there; no target: it is not terminated yet. */
	observe_launch(&o, "i-2", "running", 1, T0 + 30);
	r = expect_round(d, &o, T0 + 30,
	    "associate-eip i-2, alert ready-timeout");
	expect_round(d, &o, T0 + 30, "put-ssm i-2, alert ready-timeout");
	expect_round(d, &o, T0 + 30, "set-primary i-2, alert ready-timeout");
	r = expect_round(d, &o, T0 + 30, "terminate i-1, alert ready-timeout");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "doomed by ready-timeout");
	expect_round(d, &o, T0 + 30, "");

	/* Absurd times: no overflow; from the future is not overdue. */
	w_init(&o);
	add_instance(&o, "i-1", "pending", "t4g.nano", 0, "", T0 + 86400);
	expect_round(d, &o, T0, "");
	inst(&o, "i-1")->launch_time = (time_t)-0x7fffffffffffffffLL;
	expect_round(d, &o, T0, "launch t4g.nano " SA ", alert ready-timeout");
	w_init(&o);
	add_instance(&o, "i-1", "pending", "t4g.nano", 0, "", T0 - 300);
	expect_round(d, &o, (time_t)0x7fffffffffffffffLL,
	    "launch t4g.nano " SA ", alert ready-timeout");

	/* A not-current instance never times out (it is replaced anyway). */
	w_init(&o);
	add_instance(&o, "i-1", "pending", "t4g.small", 0, "", T0 - 3600);
	r = expect_round(d, &o, T0, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH),
	    "replace i-1: replaced: type t4g.small not in instance_types");
	desired_free(d);
}

static void
test_wait_ready(void)
{
	struct desired *yes = cfg("");
	struct desired *no = cfg("wait_ready = no\n");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_launch(&o, "t4g.nano", SA, "", T0 - 30);
	observe_launch(&o, "i-2", "running", 0, T0 - 30);
	r = expect_round(yes, &o, T0, "");
	T_EQ_STR(r->waiting, W_READY);
	r = expect_round(no, &o, T0, "associate-eip i-2");
	T_EQ_STR(r->target, "i-2");
	/* pending is not ready even then. */
	snprintf(inst(&o, "i-2")->state, sizeof(inst(&o, "i-2")->state),
	    "pending");
	r = expect_round(no, &o, T0, "");
	T_EQ_STR(r->replacement, "i-2");
	desired_free(yes);
	desired_free(no);
}

static void
test_types_changed(void)
{
	struct desired *d = cfg("instance_types = t4g.small, t4g.nano\n");
	struct rc_observed o;
	const struct rc_result *r;

	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.micro", 1, "", T0 - 3600);
	serve(&o, "i-1");
	/* Make before break: the old one keeps serving, not terminated. */
	r = expect_round(d, &o, T0, "launch t4g.small " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH),
	    "replace i-1: replaced: type t4g.micro not in instance_types");
	o.n_launches = 0;
	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.micro", 1, "", T0 - 3600);
	serve(&o, "i-1");
	cutover(d, &o, 1, "launch t4g.small " SA,
	    "replaced: type t4g.micro not in instance_types");
	T_EQ_STR(inst(&o, "i-2")->type, "t4g.small");

	/* The old type still listed, just not first: nothing to do. */
	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.nano", 1, "", T0 - 3600);
	serve(&o, "i-1");
	expect_round(d, &o, T0, "");
	desired_free(d);
}

static void
test_template_changed(void)
{
	struct desired *d = cfg("launch_template_version = 3\n");
	struct rc_observed o;

	w_serving(&o);
	cutover(d, &o, 1, "launch t4g.nano " SA,
	    "replaced: template " TAG " is not " LT ":3");
	T_EQ_STR(inst(&o, "i-2")->template, LT ":3");
	desired_free(d);
}

static void
test_disabled(void)
{
	struct desired *off = cfg("enabled = no\n");
	struct desired *on = cfg("");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	add_instance(&o, "i-2", "pending", "t4g.nano", 0, "", T0 - 5);
	add_instance(&o, "i-3", "shutting-down", "t4g.nano", 0, "", T0 - 900);
	add_instance(&o, "i-4", "stopped", "t4g.nano", 0, "", T0 - 900);
	r = expect_round(off, &o, T0, "terminate i-1, terminate i-2, terminate i-4");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "enabled = no");
	T_EQ_STR(r->target, "");
	T_EQ_STR(r->blocker, "");
	/* Gone: the primary is cleared; EIP and SSM stay as they are. */
	r = expect_round(off, &o, T0 + 5, "set-primary -");
	r = expect_round(off, &o, T0 + 6, "");
	T_EQ_STR(o.ssm_value, "i-1");
	T_EQ_STR(r->waiting, NULL);
	/* A launch still in flight is left to finish, then terminated. */
	add_launch(&o, "t4g.nano", SA, "", T0);
	r = expect_round(off, &o, T0 + 7, "");
	T_EQ_STR(r->waiting, "a launch in flight to finish (enabled = no)");
	observe_launch(&o, "i-5", "running", 1, T0 + 30);
	expect_round(off, &o, T0 + 30, "terminate i-5");
	expect_round(off, &o, T0 + 31, "");

	/* enabled = yes again: launch, then the endpoint comes back. */
	for (size_t i = 0; i < o.n_instances; i++)
		snprintf(o.instances[i].state, sizeof(o.instances[i].state),
		    "terminated");
	o.launches_past_hour = 0;
	r = expect_round(on, &o, T0 + 600, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH), "no instance");
	observe_launch(&o, "i-6", "running", 1, T0 + 640);
	expect_round(on, &o, T0 + 640, "associate-eip i-6");
	expect_round(on, &o, T0 + 640, "put-ssm i-6");
	expect_round(on, &o, T0 + 640, "set-primary i-6");
	expect_round(on, &o, T0 + 640, "");
	desired_free(off);
	desired_free(on);
}

static void
test_config_blocked(void)
{
	struct desired *d = cfg("launch_template_version = 9\n");
	struct rc_observed o;
	const struct rc_result *r;
	const char *why = "InvalidLaunchTemplateId.VersionNotFound: "
	    "version 9 of " LT " does not exist";

	/* The running VPN (now not current) is left alone. */
	w_serving(&o);
	o.config_blocked = why;
	r = expect_round(d, &o, T0, "alert config");
	T_EQ_STR(r->blocker, "configuration refused by AWS: "
	    "InvalidLaunchTemplateId.VersionNotFound: version 9 of " LT
	    " does not exist");
	T_EQ_STR(r->actions[0].reason, r->blocker);
	T_EQ_STR(r->target, "");
	/* With nothing running either: no launch. */
	w_init(&o);
	o.config_blocked = why;
	r = expect_round(d, &o, T0, "alert config");
	T_EQ_STR(r->blocker, "configuration refused by AWS: "
	    "InvalidLaunchTemplateId.VersionNotFound: version 9 of " LT
	    " does not exist");
	/* desired.conf changed (the executor clears it): converge again. */
	o.config_blocked = NULL;
	expect_round(d, &o, T0, "launch t4g.nano " SA);
	desired_free(d);
}

static void
test_max_one(void)
{
	struct desired *d = cfg("max_instances = 1\n");
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_ROOM_SERVES);
	T_EQ_STR(r->target, "");
	T_EQ_STR(r->blocker, "");
	/* AWS took it: now there is room. */
	snprintf(o.instances[0].state, sizeof(o.instances[0].state),
	    "shutting-down");
	o.eip_instance[0] = '\0';
	expect_round(d, &o, T0 + 120, "launch t4g.nano " SA ", set-primary -");

	/* A doomed one that serves nothing is terminated to make room. */
	w_init(&o);
	add_instance(&o, "i-1", "stopped", "t4g.nano", 0, "", T0 - 3600);
	r = expect_round(d, &o, T0, "terminate i-1");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "doomed by stopped");
	T_EQ_STR(r->waiting, W_ROOM_MAKING);
	expect_round(d, &o, T0 + 1, "launch t4g.nano " SA);

	/* A stopped primary serves nothing: it makes room. */
	w_serving(&o);
	snprintf(o.instances[0].state, sizeof(o.instances[0].state), "stopped");
	r = expect_round(d, &o, T0, "terminate i-1");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "doomed by stopped");

	/* An edit with no room to replace what serves: wait for the user. */
	w_init(&o);
	add_instance(&o, "i-1", "running", "t4g.small", 1, "", T0 - 3600);
	serve(&o, "i-1");
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_ROOM_EDIT);
	T_EQ_STR(r->target, "");
	desired_free(d);
}

static void
test_max_reached_ready_timeout(void)
{
	struct desired *d = cfg("");	/* max_instances = 2 */
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_instance(&o, "i-2", "pending", "t4g.nano", 0, "", T0 - 400);
	r = expect_round(d, &o, T0, "terminate i-2, alert ready-timeout");
	T_EQ_STR(r->waiting, W_ROOM_MAKING);
	r = expect_round(d, &o, T0 + 1, "launch t4g.nano " SA);
	T_EQ_STR(reason_of(r, RC_LAUNCH),
	    "replace i-1: doomed by spot-interruption");

	/* Only as many as needed, doomed before merely old ones. */
	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_instance(&o, "i-2", "running", "t4g.small", 1, "", T0 - 400);
	add_instance(&o, "i-3", "stopped", "t4g.nano", 0, "", T0 - 400);
	r = expect_round(d, &o, T0, "terminate i-2, terminate i-3");
	/* 3 alive, max 2: two must go for one launch. */
	T_EQ_STR(r->actions[0].reason,
	    "replaced: type t4g.small not in instance_types");
	T_EQ_STR(r->actions[1].reason, "doomed by stopped");
	desired_free(d);

	/* One must go: the doomed one, though the other comes first in o. */
	d = cfg("max_instances = 3\n");
	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_instance(&o, "i-2", "running", "t4g.small", 1, "", T0 - 400);
	add_instance(&o, "i-3", "stopped", "t4g.nano", 0, "", T0 - 400);
	r = expect_round(d, &o, T0, "terminate i-3");
	T_EQ_STR(r->waiting, W_ROOM_MAKING);
	r = expect_round(d, &o, T0 + 1, "launch t4g.nano " SA);

	/* The EIP's holder unknown: who serves is unknown, make no room. */
	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_instance(&o, "i-2", "running", "t4g.small", 1, "", T0 - 400);
	add_instance(&o, "i-3", "stopped", "t4g.nano", 0, "", T0 - 400);
	o.eip_known = 0;
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->waiting, W_EIP);
	desired_free(d);
}

static void
test_interruptions(void)
{
	struct desired *d = cfg("");	/* max_interruptions_per_day = 3 */
	struct rc_observed o;
	const struct rc_result *r;

	w_serving(&o);
	o.interruptions_24h = 3;
	expect_round(d, &o, T0, "");
	o.interruptions_24h = 4;
	r = expect_round(d, &o, T0, "alert interruptions");
	T_EQ_STR(r->actions[0].reason, "4 spot interruptions in the past 24 h "
	    "(max_interruptions_per_day = 3)");
	T_EQ_STR(r->blocker, "");
	T_EQ_STR(r->target, "i-1");
	desired_free(d);
}

/* DNS without an EIP: the record is the cut-over step before SSM. */
static void
test_dns_cutover(void)
{
	struct desired *d = cfg("elastic_ip =\n" CF_DNS);
	struct rc_observed o;
	const struct rc_result *r;
	char ip1[48], ip2[48], want[160];
	time_t now = T0;

	ip_of("i-1", ip1, sizeof(ip1));
	ip_of("i-2", ip2, sizeof(ip2));
	w_serving(&o);
	o.eip_known = 0;
	o.eip_instance[0] = '\0';
	/* Not confirmed since start: read (and write only if different). */
	snprintf(want, sizeof(want), "upsert-dns i-1 %s", ip1);
	r = expect_round(d, &o, now, want);
	T_EQ_STR(reason_of(r, RC_UPSERT_DNS), "record holds an unconfirmed value");
	T_EQ_STR(r->waiting, W_DNS);
	T_EQ_STR(o.dns_value, ip1);
	expect_round(d, &o, now, "");

	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	expect_round(d, &o, now, "launch t4g.nano " SA);
	observe_launch(&o, "i-2", "running", 0, now);
	rc_template_tag(d, inst(&o, "i-2")->template,
	    sizeof(inst(&o, "i-2")->template));
	r = expect_round(d, &o, now, "");
	T_EQ_STR(r->waiting, W_READY);
	inst(&o, "i-2")->ready = 1;
	/* Ready but no public IP yet: wait, touch nothing. */
	inst(&o, "i-2")->public_ip[0] = '\0';
	r = expect_round(d, &o, now, "");
	T_EQ_STR(r->waiting, W_DNS_IP);
	T_EQ_STR(r->target, "i-2");
	snprintf(inst(&o, "i-2")->public_ip, sizeof(inst(&o, "i-2")->public_ip),
	    "%s", ip2);
	snprintf(want, sizeof(want), "upsert-dns i-2 %s", ip2);
	r = expect_round(d, &o, now, want);
	snprintf(want, sizeof(want), "record holds %s", ip1);
	T_EQ_STR(reason_of(r, RC_UPSERT_DNS), want);
	expect_round(d, &o, now, "put-ssm i-2");
	expect_round(d, &o, now, "set-primary i-2");
	expect_round(d, &o, now, "terminate i-1");
	r = expect_round(d, &o, now, "");
	T_EQ_STR(r->blocker, "");
	T_EQ_STR(o.dns_value, ip2);

	/* Due a re-read: the upsert comes again, the round waits on it. */
	o.dns_known = 0;
	snprintf(want, sizeof(want), "upsert-dns i-2 %s", ip2);
	r = expect_round(d, &o, now, want);
	T_EQ_STR(r->waiting, W_DNS);
	desired_free(d);
}

/* DNS with an EIP: set to the EIP's address once, out of the cut-over. */
static void
test_dns_eip(void)
{
	struct desired *d = cfg(CF_DNS);
	struct rc_observed o;
	const struct rc_result *r;

	/* A fresh start sets the record at once, next to the launch. */
	w_init(&o);
	expect_round(d, &o, T0, "launch t4g.nano " SA ", upsert-dns - " EIP_ADDR);
	T_EQ_STR(o.dns_value, EIP_ADDR);
	/* The EIP's address not known yet: no DNS action. */
	w_serving(&o);
	o.eip_address[0] = '\0';
	expect_round(d, &o, T0, "");
	/* Known, record unconfirmed: confirm it; the endpoint is not held up. */
	snprintf(o.eip_address, sizeof(o.eip_address), EIP_ADDR);
	o.ssm_value[0] = '\0';
	expect_round(d, &o, T0, "put-ssm i-1, upsert-dns - " EIP_ADDR);
	expect_round(d, &o, T0, "");
	/* A failover in EIP mode never touches the record again. */
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	cutover(d, &o, 1, "launch t4g.nano " SA, "doomed by spot-interruption");
	T_EQ_STR(o.dns_value, EIP_ADDR);
	/* Someone changed the record by hand: it is set back. */
	snprintf(o.dns_value, sizeof(o.dns_value), "192.0.2.1");
	expect_round(d, &o, T0, "upsert-dns - " EIP_ADDR);
	/* enabled = no leaves the record alone. */
	desired_free(d);
	d = cfg("enabled = no\n" CF_DNS);
	o.dns_known = 0;
	r = expect_round(d, &o, T0, "terminate i-2");
	T_EQ_STR(reason_of(r, RC_TERMINATE), "enabled = no");
	desired_free(d);
}

static void
test_dns_blocked(void)
{
	struct desired *d = cfg("elastic_ip =\n" CF_DNS);
	struct desired *none = cfg("elastic_ip =\n");
	struct rc_observed o;
	const struct rc_result *r;
	char ip1[48];

	ip_of("i-1", ip1, sizeof(ip1));
	w_serving(&o);
	o.eip_instance[0] = '\0';
	o.dns_known = 1;
	snprintf(o.dns_value, sizeof(o.dns_value), "%s", ip1);
	o.dns_blocked = "record vpn.example.com: Invalid access token (9109)";
	r = expect_round(d, &o, T0, "");
	T_EQ_STR(r->blocker, "dns: record vpn.example.com: Invalid access token (9109)");
	/* Without [dns] a stale DNS error means nothing. */
	r = expect_round(none, &o, T0, "");
	T_EQ_STR(r->blocker, "");
	/* Another blocker comes first. */
	o.config_blocked = "InvalidLaunchTemplateId.NotFound: x";
	r = expect_round(d, &o, T0, "alert config");
	T_EQ_STR(r->blocker, "configuration refused by AWS: InvalidLaunchTemplateId.NotFound: x");
	desired_free(d);
	desired_free(none);
}

static void
test_bounded(void)
{
	struct desired *off = cfg("enabled = no\n");
	struct rc_observed o;
	struct rc_result r;
	char id[RC_ID];
	int rounds = 0;

	w_init(&o);
	for (int i = 0; i < RC_MAX_INSTANCES; i++) {
		snprintf(id, sizeof(id), "i-%02d", i);
		add_instance(&o, id, "running", "t4g.nano", 1, "", T0);
	}
	o.interruptions_24h = 99;
	run(off, &o, T0, &r);
	T_EQ_INT(r.n, RC_MAX_ACTIONS);
	T_EQ_INT(r.actions[0].kind, RC_TERMINATE);
	T_EQ_STR(r.actions[0].instance, "i-00");
	T_EQ_INT(r.actions[RC_MAX_ACTIONS - 1].kind, RC_TERMINATE);
	/* The next rounds do the rest, then the alert fits again. */
	do {
		apply(&o, &r, T0);
		run(off, &o, T0, &r);
	} while (++rounds < 10 && r.n > 0 &&
	    r.actions[r.n - 1].kind != RC_ALERT);
	T_EQ_INT(rounds, 2);
	T_EQ_INT(r.n, 1);
	T_EQ_INT(r.actions[0].alert, RC_ALERT_INTERRUPTIONS);

	/* n beyond the arrays is clamped, never read past. */
	o.n_instances = 1000;
	o.n_launches = 1000;
	o.n_blocked_pools = 1000;
	reconcile(off, &o, T0, &r);
	T_OK(r.n <= RC_MAX_ACTIONS, "clamped");
	reconcile(NULL, &o, T0, &r);
	T_EQ_INT(r.n, 0);
	T_OK(r.blocker[0] != '\0', "no configuration: a blocker");
	desired_free(off);
}

static void
test_determinism(void)
{
	struct desired *d = cfg("");
	struct rc_observed o;
	static struct rc_result a, b;

	w_serving(&o);
	snprintf(o.instances[0].doomed, sizeof(o.instances[0].doomed),
	    "spot-interruption");
	add_instance(&o, "i-2", "pending", "t4g.nano", 0, "", T0 - 400);
	add_instance(&o, "i-3", "terminated", "t4g.nano", 0, "", T0 - 900);
	block(&o, "t4g.nano", SA, T0 + 10);
	o.interruptions_24h = 7;
	memset(&a, 0x11, sizeof(a));
	memset(&b, 0x22, sizeof(b));
	reconcile(d, &o, T0, &a);
	reconcile(d, &o, T0, &b);
	T_OK(a.n > 0, "some actions");
	T_OK(memcmp(a.actions, b.actions, sizeof(a.actions)) == 0,
	    "same actions, byte for byte");
	T_OK(memcmp(&a, &b, sizeof(a)) == 0, "same result, byte for byte");
	desired_free(d);
}

/* ---- random worlds ---- */

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

static const char *
pick(const char *const *list, size_t n)
{
	return list[rnd((unsigned)n)];
}

static void
random_world(struct rc_observed *o)
{
	static const char *const states[] = { "pending", "running", "running",
	    "running", "stopping", "stopped", "shutting-down", "terminated",
	    "weird" };
	static const char *const types[] = { "t4g.nano", "t4g.micro",
	    "t4g.small" };
	static const char *const dooms[] = { "", "", "", "spot-interruption",
	    "rebalance", "scheduled-change", "stopped" };
	static const char *const ids[] = { "i-1", "i-2", "i-3", "i-4", "i-5",
	    "i-6", "", "i-gone" };
	static const char *const subnets[] = { SA, SB, "" };
	size_t n = rnd(6);
	char id[RC_ID];

	w_init(o);
	for (size_t i = 0; i < n; i++) {
		struct rc_instance *in;

		snprintf(id, sizeof(id), "i-%zu", i + 1);
		in = add_instance(o, id, pick(states, 9), pick(types, 3),
		    (int)rnd(2), pick(dooms, 7),
		    rnd(4) ? T0 - (time_t)rnd(1000) : 0);
		/* The store always knows when it first saw an instance. */
		if (in->launch_time == 0)
			in->first_seen = T0 - (time_t)rnd(1000);
		if (rnd(5) == 0)
			snprintf(in->template, sizeof(in->template),
			    LT ":1");
	}
	for (size_t i = rnd(4) == 0 ? 1 + rnd(2) : 0; i > 0; i--)
		add_launch(o, pick(types, 2), SA, rnd(2) ? "" : pick(ids, 8),
		    T0 - 5);
	for (size_t i = rnd(3); i > 0; i--)
		block(o, pick(types, 3), pick(subnets, 3),
		    T0 - 100 + (time_t)rnd(1000));
	snprintf(o->primary, sizeof(o->primary), "%s", pick(ids, 8));
	o->eip_known = rnd(6) != 0;
	snprintf(o->eip_instance, sizeof(o->eip_instance), "%s", pick(ids, 8));
	o->ssm_known = rnd(6) != 0;
	snprintf(o->ssm_value, sizeof(o->ssm_value), "%s", pick(ids, 8));
	o->launches_past_hour = rnd(6);
	o->interruptions_24h = rnd(6);
	o->config_blocked = rnd(10) == 0 ? "InvalidParameterValue: x" : NULL;
	o->dns_known = rnd(3) != 0;
	if (rnd(2))
		ip_of(pick(ids, 8), o->dns_value, sizeof(o->dns_value));
	else if (rnd(2))
		snprintf(o->dns_value, sizeof(o->dns_value), EIP_ADDR);
	if (rnd(8) == 0)
		o->eip_address[0] = '\0';
	for (size_t i = 0; i < o->n_instances; i++)
		if (rnd(8) == 0)
			o->instances[i].public_ip[0] = '\0';
}

/*
 * cloud_step: what EC2 does between two rounds (10 s): launches come up
 * ready, pending becomes running (but an old instance never tags itself
 * ready: it times out), stopping and shutting-down finish, and a doomed
 * instance is taken after a minute.
 */
static void
cloud_step(struct rc_observed *o, int round, time_t now, const char *tag)
{
	char id[RC_ID];

	for (size_t i = 0; i < o->n_instances; i++) {
		struct rc_instance *in = &o->instances[i];

		if (strcmp(in->state, "shutting-down") == 0)
			snprintf(in->state, sizeof(in->state), "terminated");
		else if (strcmp(in->state, "pending") == 0)
			snprintf(in->state, sizeof(in->state), "running");
		else if (strcmp(in->state, "stopping") == 0)
			snprintf(in->state, sizeof(in->state), "stopped");
		if (round >= 6 && in->doomed[0] != '\0' &&
		    alive_state(in->state))
			snprintf(in->state, sizeof(in->state), "shutting-down");
		if (!alive_state(in->state) &&
		    strcmp(o->eip_instance, in->id) == 0)
			o->eip_instance[0] = '\0';
	}
	for (size_t i = 0; i < o->n_launches; i++) {
		struct rc_launch *l = &o->launches[i];
		struct rc_instance *in;

		if (l->instance_id[0] != '\0' && inst(o, l->instance_id))
			continue;
		snprintf(id, sizeof(id), "i-n%zu-%d", i, round);
		if (l->instance_id[0] != '\0')
			snprintf(id, sizeof(id), "%s", l->instance_id);
		snprintf(l->instance_id, sizeof(l->instance_id), "%s", id);
		if (o->n_instances >= RC_MAX_INSTANCES)
			continue;
		in = add_instance(o, id, "running", l->type, 1, "", now);
		snprintf(in->subnet, sizeof(in->subnet), "%s", l->subnet);
		snprintf(in->template, sizeof(in->template), "%s", tag);
	}
	/* The answers are read eventually; an instance gets its IP. */
	o->eip_known = 1;
	o->ssm_known = 1;
	if (o->eip_address[0] == '\0')
		snprintf(o->eip_address, sizeof(o->eip_address), EIP_ADDR);
	for (size_t i = 0; i < o->n_instances; i++)
		if (o->instances[i].public_ip[0] == '\0')
			ip_of(o->instances[i].id, o->instances[i].public_ip,
			    sizeof(o->instances[i].public_ip));
}

/* dump_world: for debugging a failing random world (RC_DEBUG=1). */
static void
dump_world(const struct rc_observed *o, const struct rc_result *r)
{
	char buf[1024];

	fprintf(stderr, "world: actions \"%s\", waiting %s, target %s\n",
	    render(r, buf, sizeof(buf)), r->waiting ? r->waiting : "-",
	    r->target);
	for (size_t i = 0; i < o->n_instances; i++) {
		const struct rc_instance *in = &o->instances[i];

		fprintf(stderr, "  %s %s %s ready=%d doomed=%s %s born=%lld\n",
		    in->id, in->state, in->type, in->ready, in->doomed,
		    in->template, (long long)(in->launch_time ?
		    in->launch_time : in->first_seen));
	}
	for (size_t i = 0; i < o->n_launches; i++)
		fprintf(stderr, "  launch %s %s -> %s\n", o->launches[i].type,
		    o->launches[i].subnet, o->launches[i].instance_id);
	fprintf(stderr, "  primary %s, eip %s%s, ssm %s%s\n", o->primary,
	    o->eip_known ? "" : "(unknown) ", o->eip_instance,
	    o->ssm_known ? "" : "(unknown) ", o->ssm_value);
}

static int
only_alerts(const struct rc_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->actions[i].kind != RC_ALERT)
			return 0;
	return 1;
}

static void
test_random_worlds(void)
{
	static const char *const confs[] = { "", "max_instances = 1\n",
	    "rebalance = mark\n", "wait_ready = no\n", "enabled = no\n",
	    "elastic_ip =\n", "subnets =\n", "launch_template_version = 1\n",
	    "instance_types = t4g.micro\nmax_instances = 4\n",
	    CF_DNS, "elastic_ip =\n" CF_DNS };
	struct desired *d[11];
	struct rc_observed o;
	struct rc_result r;
	unsigned worlds = 0, converged = 0, failed = 0, stuck = 0;

	for (size_t i = 0; i < 11; i++)
		d[i] = cfg(confs[i]);
	for (int n = 0; n < 20000; n++) {
		size_t k = rnd(11);
		char tag[96];
		time_t now = T0;
		int round;

		random_world(&o);
		run(d[k], &o, now, &r);
		worlds++;
		rc_template_tag(d[k], tag, sizeof(tag));
		/* Liveness: with budget, capacity and a good config, converge. */
		o.config_blocked = NULL;
		o.n_blocked_pools = 0;
		for (round = 0; round < 60; round++) {
			o.launches_past_hour = 0;
			o.interruptions_24h = 0;
			run(d[k], &o, now, &r);
			if (r.n == 0 && r.waiting == NULL)
				break;
			/* By design: only the user can unblock this one. */
			if (only_alerts(&r) && strcmp(r.waiting, W_ROOM_EDIT) == 0)
				break;
			apply(&o, &r, now);
			cloud_step(&o, round, now, tag);
			now += 10;
		}
		if (round == 60) {
			if (getenv("RC_DEBUG") && failed < 3)
				dump_world(&o, &r);
			failed++;
			continue;
		}
		if (r.waiting != NULL) {
			PROP(d[k]->max_instances == 1,
			    "stuck with max_instances = %u", d[k]->max_instances);
			stuck++;
			continue;
		}
		if (!d[k]->enabled) {
			size_t alive = 0;

			for (size_t i = 0; i < o.n_instances; i++)
				alive += alive_state(o.instances[i].state);
			PROP(alive == 0, "disabled world with %zu alive", alive);
			converged++;
			continue;
		} else {
			size_t alive = 0;
			struct rc_instance *in = inst(&o, r.target);

			for (size_t i = 0; i < o.n_instances; i++)
				alive += alive_state(o.instances[i].state);
			PROP(alive == 1, "converged with %zu alive", alive);
			PROP(in != NULL && strcmp(in->state, "running") == 0 &&
			    strcmp(in->template, tag) == 0 &&
			    type_listed(d[k], in->type),
			    "converged on a current running target");
			PROP(strcmp(o.primary, r.target) == 0 &&
			    strcmp(o.ssm_value, r.target) == 0 &&
			    (d[k]->elastic_ip == NULL ||
			    strcmp(o.eip_instance, r.target) == 0),
			    "the endpoint is on the target");
			if (d[k]->dns_provider != DNS_NONE)
				PROP(o.dns_known && in != NULL &&
				    strcmp(o.dns_value, d[k]->elastic_ip ?
				    o.eip_address : in->public_ip) == 0,
				    "the DNS record is on the endpoint");
			converged++;
		}
	}
	T_EQ_INT(worlds, 20000);
	T_EQ_INT(failed, 0);
	T_EQ_INT(converged + stuck, 20000);
	T_OK(stuck < 1000, "%u worlds wait for the user", stuck);
	printf("test_reconcile: %u random worlds converged, %u wait for the "
	    "user (max_instances = 1, serving instance not current)\n",
	    converged, stuck);
	for (size_t i = 0; i < 11; i++)
		desired_free(d[i]);
}

static void
test_properties_held(void)
{
	/* Every check in run() over every world above was counted. */
	T_OK(prop_checks > 100000, "%llu property checks", prop_checks);
	printf("test_reconcile: %llu property checks over all worlds\n",
	    prop_checks);
}

/* Rule 11: the peer list follows desired by digest, enabled or not. */
static void
test_peers_sync(void)
{
#define DA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	static const struct {
		int		 enabled;
		const char	*want;		/* peers_want */
		int		 known;
		const char	*digest;	/* peers_digest */
		const char	*expect;
	} cases[] = {
		{ 1, DA, 1, DA, "" },		/* in sync */
		{ 1, DA, 1, DB, "put-peers -" },	/* differs */
		{ 1, DA, 1, "", "put-peers -" },	/* parameter absent */
		{ 1, DA, 0, "", "" },		/* not read yet: wait */
		{ 1, DA, 0, DB, "" },		/* not read yet, stale digest */
		{ 1, "", 1, DB, "" },		/* cannot render: leave SSM */
		/* enabled = no: still kept, before the terminates */
		{ 0, DA, 1, DB, "put-peers -, terminate i-1" },
		{ 0, DA, 1, DA, "terminate i-1" },
		{ 0, DA, 0, "", "terminate i-1" },
	};
	struct desired *on = cfg(""), *off = cfg("enabled = no\n");
	struct rc_observed o;
	const struct rc_result *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w_serving(&o);
		snprintf(o.peers_want, sizeof(o.peers_want), "%s", cases[i].want);
		o.peers_known = cases[i].known;
		snprintf(o.peers_digest, sizeof(o.peers_digest), "%s",
		    cases[i].digest);
		r = expect_round(cases[i].enabled ? on : off, &o, T0,
		    cases[i].expect);
		if (strstr(cases[i].expect, "put-peers") != NULL)
			T_OK(strstr(reason_of(r, RC_PUT_PEERS), "want aaaaaaaaaaaa")
			    != NULL, "case %zu: reason %s", i,
			    reason_of(r, RC_PUT_PEERS));
	}
	/* Next to the cut-over, after the endpoint step: both go. */
	w_serving(&o);
	o.ssm_known = 0;
	snprintf(o.peers_want, sizeof(o.peers_want), "%s", DA);
	o.peers_known = 1;
	r = expect_round(on, &o, T0, "put-ssm i-1, put-peers -");
	T_EQ_STR(reason_of(r, RC_PUT_PEERS), "ssm holds nothing, want "
	    "aaaaaaaaaaaa");
	expect_round(on, &o, T0 + 1, "");
	desired_free(on);
	desired_free(off);
#undef DA
#undef DB
}

int
main(void)
{
	T_RUN(test_names);
	T_RUN(test_fresh_start);
	T_RUN(test_converged);
	T_RUN(test_launch_in_flight);
	T_RUN(test_interruption_warning);
	T_RUN(test_replacement_ready_eip);
	T_RUN(test_replacement_ready_no_eip);
	T_RUN(test_eip_unknown);
	T_RUN(test_rebalance);
	T_RUN(test_scheduled_change);
	T_RUN(test_terminated_without_warning);
	T_RUN(test_stopped);
	T_RUN(test_two_healthy);
	T_RUN(test_not_ours);
	T_RUN(test_capacity);
	T_RUN(test_budget);
	T_RUN(test_catch_up);
	T_RUN(test_ready_timeout);
	T_RUN(test_wait_ready);
	T_RUN(test_types_changed);
	T_RUN(test_template_changed);
	T_RUN(test_disabled);
	T_RUN(test_config_blocked);
	T_RUN(test_max_one);
	T_RUN(test_max_reached_ready_timeout);
	T_RUN(test_interruptions);
	T_RUN(test_dns_cutover);
	T_RUN(test_dns_eip);
	T_RUN(test_dns_blocked);
	T_RUN(test_peers_sync);
	T_RUN(test_bounded);
	T_RUN(test_determinism);
	T_RUN(test_random_worlds);
	T_RUN(test_properties_held);
	return t_done("test_reconcile");
}
