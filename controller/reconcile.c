/*
 * reconcile: the brain, a pure function (see reconcile.h for the rules).
 * No I/O, no clock, no randomness, no globals: the same (d, o, now) always
 * gives byte for byte the same result (*out is cleared first, so even the
 * bytes after each string's NUL are equal).
 *
 * Decisions this file takes where reconcile.h leaves room:
 *
 * Classification (per instance of o, in o's order)
 *  - alive: pending, running, stopping, stopped. shutting-down and
 *    terminated are "going": never terminated again, never counted. Any
 *    other state string is treated like "going" (never touched).
 *  - doom reason, first that applies: the stored reason (except "rebalance"
 *    under REBALANCE_MARK, which is shown but ignored); else the state when
 *    it is stopping, stopped, shutting-down or terminated; else
 *    "ready-timeout" for an instance pending or running, built from the
 *    current configuration (type and template), not ready, whose age
 *    (now - launch_time, or now - first_seen when launch_time is 0) is over
 *    ready_timeout. With wait_ready = no, ready means running, so only a
 *    pending instance can time out. An instance whose age is unknown (both
 *    times 0) never times out.
 *  - healthy: pending or running, not doomed. current: healthy, type in
 *    instance_types, template tag = rc_template_tag(d). ready: current,
 *    running, and tagged ready (or wait_ready = no).
 *  - serving: pending or running, and where clients reach the VPN: the
 *    EIP holder when elastic_ip is set, else the primary (the DNS record
 *    follows the primary; the SSM parameter is only a mirror). At most one
 *    instance serves, so with max_instances >= 2 room can always be made.
 *    A stopped primary, or one past ready_timeout, serves nothing.
 *
 * Launching (enabled, no current instance)
 *  - In flight: an entry of o->launches whose instance_id is "" (intent
 *    open) or not among o->instances. While one is in flight nothing is
 *    launched (waiting "a launch in flight").
 *  - configuration refused (o->config_blocked): no launch; an
 *    RC_ALERT_CONFIG and the blocker "configuration refused by AWS: TEXT"
 *    are emitted every round while it stands, launch needed or not.
 *  - budget: launches_past_hour >= launch_budget: no launch, RC_ALERT_BUDGET
 *    and a blocker. Only when a launch is needed: a converged endpoint with
 *    a spent budget is healthy.
 *  - pools: for each type in instance_types order, for each subnet in
 *    subnets order (no subnets: one pool per type with subnet ""). A block
 *    applies while now < until; a block with subnet "" blocks every subnet
 *    of its type. Every pool blocked: RC_ALERT_NO_CAPACITY and a blocker
 *    naming the pool that frees first and when (UTC, so that the text is
 *    stable from round to round and the daemon logs it once).
 *  - room: alive + in flight must stay below max_instances for a launch.
 *    When it does not, alive instances that are doomed or not current and
 *    not serving are terminated (doomed ones first, then o's order, just as
 *    many as needed), and the launch waits for the next round (the
 *    terminated ones are then shutting-down, no longer alive). When that
 *    cannot make enough room (say max_instances = 1 and the doomed primary
 *    still serves), nothing is terminated and the round waits: for AWS to
 *    take a doomed instance, or, when the serving instance is merely not
 *    current (a desired.conf edit with max_instances = 1), until the user
 *    raises max_instances or terminates it: rule 7 of reconcile.h forbids
 *    terminating what serves without a target. With elastic_ip set and its
 *    association not read yet, no room is made (who serves is unknown).
 *  - one launch per round at most.
 *
 * The endpoint (enabled, with a target)
 *  - target: the primary when ready, else the ready instance with the
 *    newest launch time (first_seen when launch_time is 0; tie: smallest
 *    id).
 *  - one step per round: associate the EIP (elastic_ip set and the EIP
 *    not on the target; when its association is not known yet the chain
 *    stops and waits), else put SSM (not known or not the target), else set
 *    the primary, else terminate every other alive instance, each with its
 *    reason ("doomed by spot-interruption", "replaced: type t4g.micro not in
 *    instance_types", "replaced: template lt-..:1 is not lt-..:2",
 *    "surplus: primary is i-...").
 *  - no target and a primary that is not alive (gone from o, shutting-down
 *    or terminated): RC_SET_PRIMARY "" so status does not show a dead
 *    primary. This store-only step is also taken with enabled = no (after
 *    the instances are gone); the EIP and SSM are never touched then.
 *
 * DNS (rule 10 of reconcile.h)
 *  - without an EIP: with a target, the record must hold the target's
 *    public IP before SSM is put; a target with no public IP yet waits.
 *    The upsert is emitted while the record is unconfirmed or different,
 *    and the round waits for it.
 *  - with an EIP: once its address is known, an upsert is emitted while
 *    the record is unconfirmed or different, target or not, next to (not
 *    instead of) the endpoint step.
 *  - a DNS configuration error becomes the blocker when there is no other.
 *
 * enabled = no: every alive instance is terminated ("enabled = no"); no
 * launch, no EIP or SSM step; launches in flight finish and their instances
 * are terminated by a later round.
 *
 * Alerts: config, then budget or no-capacity, then interruptions
 * (interruptions_24h > max_interruptions_per_day, whether enabled or not),
 * then one RC_ALERT_READY_TIMEOUT per timed-out instance. They are emitted
 * every round the condition holds; the executor rate-limits them.
 *
 * Order of the actions: the launch (reaction time matters), then the
 * endpoint step, then the peer list, then terminates, then alerts. At most RC_MAX_ACTIONS: what
 * does not fit is dropped, and the next round emits it again.
 *
 * out->replacement: only when there is no target, the newest current,
 * healthy, not yet ready instance (with a target, such an instance is
 * surplus). out->waiting is a string constant meant to follow "waiting
 * for " in a log line; NULL when the round waits for nothing.
 *
 * The strings in *o are expected NUL-terminated (the executor fills them
 * with snprintf); counts above the array sizes are clamped.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "desired.h"
#include "reconcile.h"

#define TAG_LEN		160

#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif

#define W_LAUNCH	"a launch in flight"
#define W_LAUNCH_OFF	"a launch in flight to finish (enabled = no)"
#define W_READY		"the replacement to become ready"
#define W_EIP		"the Elastic IP's association to be read"
#define W_DNS		"the DNS record to point at the target"
#define W_DNS_IP	"the target's public IP (for the DNS record)"
#define W_ROOM_SERVES	"room under max_instances (the doomed instance still serves)"
#define W_ROOM_MAKING	"room under max_instances (terminating what serves nothing)"
#define W_ROOM_EDIT	"room under max_instances (the serving instance is " \
			"not current and there is no room to replace it)"

/* What one instance is, for this round. */
struct view {
	int		 alive;
	int		 healthy;
	int		 matches;	/* type and template are what d says */
	int		 current;
	int		 ready;
	int		 serving;
	int		 timed_out;
	int		 terminate;	/* chosen for a terminate this round */
	const char	*doom;		/* NULL when not doomed */
	time_t		 born;		/* launch_time, else first_seen */
};

/* One round's working state. */
struct round {
	const struct desired	*d;
	const struct rc_observed *o;
	time_t			 now;
	struct rc_result	*out;
	size_t			 ni;		/* instances, clamped */
	size_t			 nl;		/* launches, clamped */
	size_t			 nb;		/* pool blocks, clamped */
	char			 tag[TAG_LEN];
	struct view		 v[RC_MAX_INSTANCES];
	size_t			 n_alive;
	size_t			 n_inflight;
	int			 n_current;
	int			 primary;	/* index of the primary in o, -1 */
	int			 target;	/* index, -1 */
	int			 cutover_done;	/* the endpoint is on the target */
	enum rc_alert		 launch_alert;	/* budget or no capacity */
	char			 launch_alert_text[160];
};

static int
streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static int
state_alive(const char *s)
{
	return streq(s, "pending") || streq(s, "running") ||
	    streq(s, "stopping") || streq(s, "stopped");
}

static int
state_dooms(const char *s)
{
	return streq(s, "stopping") || streq(s, "stopped") ||
	    streq(s, "shutting-down") || streq(s, "terminated");
}

/* utc_format: t as "YYYY-MM-DDTHH:MM:SSZ", by arithmetic (no tz files). */
static void
utc_format(time_t t, char *buf, size_t len)
{
	long long s = (long long)t, z, era, doe, yoe, y, doy, mp, day, mon, rem;

	z = s / 86400;
	rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		z--;
	}
	/* Howard Hinnant's civil_from_days. */
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	mon = mp < 10 ? mp + 3 : mp - 9;
	if (mon <= 2)
		y++;
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, mon,
	    day, rem / 3600, rem / 60 % 60, rem % 60);
}

/* emit: a cleared action appended to out, or NULL when out is full. */
static struct rc_action *
emit(struct rc_result *out, enum rc_action_kind kind, const char *instance)
{
	struct rc_action *a;

	if (out->n >= RC_MAX_ACTIONS)
		return NULL;
	a = &out->actions[out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	snprintf(a->instance, sizeof(a->instance), "%s", instance);
	return a;
}

static void
emit_alert(struct rc_result *out, enum rc_alert alert, const char *text)
{
	struct rc_action *a = emit(out, RC_ALERT, "");

	if (a == NULL)
		return;
	a->alert = alert;
	snprintf(a->reason, sizeof(a->reason), "%s", text);
}

static void
wait_for(struct round *r, const char *what)
{
	if (r->out->waiting == NULL)
		r->out->waiting = what;
}

static int
type_wanted(const struct desired *d, const char *type)
{
	for (size_t i = 0; i < d->n_instance_types && i < DESIRED_MAX_LIST; i++)
		if (d->instance_types[i] != NULL &&
		    streq(d->instance_types[i], type))
			return 1;
	return 0;
}

static int
eip_mode(const struct desired *d)
{
	return d->elastic_ip != NULL && d->elastic_ip[0] != '\0';
}

static int
dns_mode(const struct desired *d)
{
	return d->dns_provider != DNS_NONE;
}

static int
find_instance(const struct round *r, const char *id)
{
	if (id[0] == '\0')
		return -1;
	for (size_t i = 0; i < r->ni; i++)
		if (streq(r->o->instances[i].id, id))
			return (int)i;
	return -1;
}

/* ---- classification ---- */

/*
 * older_than: 1 when born is known (not 0) and now - born, in whole
 * seconds, is over ms milliseconds. No overflow for any time_t.
 */
static int
older_than(time_t now, time_t born, unsigned ms)
{
	if (born == 0 || born > now)
		return 0;
	/* age * 1000 > ms  <=>  age > floor(ms / 1000), age an integer */
	return (unsigned long long)now - (unsigned long long)born > ms / 1000;
}

static void
classify(struct round *r, size_t i)
{
	const struct desired *d = r->d;
	const struct rc_observed *o = r->o;
	const struct rc_instance *in = &o->instances[i];
	struct view *v = &r->v[i];
	int up = streq(in->state, "pending") || streq(in->state, "running");
	int running = streq(in->state, "running");

	memset(v, 0, sizeof(*v));
	v->alive = state_alive(in->state);
	v->born = in->launch_time ? in->launch_time : in->first_seen;
	if (in->doomed[0] != '\0' && !(d->rebalance == REBALANCE_MARK &&
	    streq(in->doomed, "rebalance")))
		v->doom = in->doomed;
	else if (state_dooms(in->state))
		v->doom = in->state;
	v->matches = type_wanted(d, in->type) && streq(in->template, r->tag);
	if (up && v->doom == NULL && v->matches &&
	    !(running && (!d->wait_ready || in->ready)) &&
	    older_than(r->now, v->born, d->ready_timeout_ms)) {
		v->timed_out = 1;
		v->doom = "ready-timeout";
	}
	v->healthy = up && v->doom == NULL;
	v->current = v->healthy && v->matches;
	v->ready = v->current && running && (!d->wait_ready || in->ready);
	/* Past ready_timeout WireGuard is not up there: it serves nothing. */
	if (eip_mode(d))
		v->serving = up && !v->timed_out && o->eip_known &&
		    streq(in->id, o->eip_instance);
	else
		v->serving = up && !v->timed_out && streq(in->id, o->primary);
	if (v->alive)
		r->n_alive++;
	if (v->current)
		r->n_current++;
}

static void
count_inflight(struct round *r)
{
	for (size_t i = 0; i < r->nl; i++) {
		const struct rc_launch *l = &r->o->launches[i];

		if (l->instance_id[0] == '\0' ||
		    find_instance(r, l->instance_id) < 0)
			r->n_inflight++;
	}
}

/* newer: 1 when instance a should be preferred to b as the newest. */
static int
newer(const struct round *r, size_t a, size_t b)
{
	if (r->v[a].born != r->v[b].born)
		return r->v[a].born > r->v[b].born;
	return strcmp(r->o->instances[a].id, r->o->instances[b].id) < 0;
}

static void
choose_target(struct round *r)
{
	int best = -1;

	r->target = -1;
	if (r->primary >= 0 && r->v[r->primary].ready) {
		r->target = r->primary;
		return;
	}
	for (size_t i = 0; i < r->ni; i++)
		if (r->v[i].ready && (best < 0 || newer(r, i, (size_t)best)))
			best = (int)i;
	r->target = best;
}

static void
choose_replacement(struct round *r)
{
	int best = -1;

	if (r->target >= 0)
		return;
	for (size_t i = 0; i < r->ni; i++)
		if (r->v[i].current && !r->v[i].ready &&
		    (best < 0 || newer(r, i, (size_t)best)))
			best = (int)i;
	if (best >= 0) {
		snprintf(r->out->replacement, sizeof(r->out->replacement), "%s",
		    r->o->instances[best].id);
		wait_for(r, W_READY);
	}
}

/* explain: why instance i is not (or no longer) what the endpoint needs. */
static void
explain(const struct round *r, size_t i, char *buf, size_t len)
{
	const struct rc_instance *in = &r->o->instances[i];
	const struct view *v = &r->v[i];

	if (v->doom != NULL)
		snprintf(buf, len, "doomed by %s", v->doom);
	else if (!v->alive)
		snprintf(buf, len, "state %s", in->state);
	else if (!type_wanted(r->d, in->type))
		snprintf(buf, len, "replaced: type %s not in instance_types",
		    in->type);
	else if (!streq(in->template, r->tag))
		snprintf(buf, len, "replaced: template %.60s is not %.60s",
		    in->template[0] ? in->template : "(none)", r->tag);
	else if (r->target >= 0)
		snprintf(buf, len, "surplus: primary is %s",
		    r->o->instances[r->target].id);
	else
		snprintf(buf, len, "surplus");
}

/* ---- launching ---- */

static int
pool_blocked(const struct round *r, const char *type, const char *subnet,
    time_t *until)
{
	int blocked = 0;

	for (size_t i = 0; i < r->nb; i++) {
		const struct rc_pool_block *b = &r->o->blocked_pools[i];

		if (r->now >= b->until || !streq(b->type, type) ||
		    (b->subnet[0] != '\0' && !streq(b->subnet, subnet)))
			continue;
		if (!blocked || b->until > *until)
			*until = b->until;
		blocked = 1;
	}
	return blocked;
}

/*
 * choose_pool: the first pool not cooling down into *type and *subnet and
 * 1; else 0, with the pool that frees first and when into *type, *subnet
 * and *free_at (*type NULL when no type is configured at all).
 */
static int
choose_pool(const struct round *r, const char **type, const char **subnet,
    time_t *free_at)
{
	const struct desired *d = r->d;
	size_t ns = MIN(d->n_subnets, DESIRED_MAX_LIST);
	size_t nt = MIN(d->n_instance_types, DESIRED_MAX_LIST);
	int have_first = 0;

	*type = NULL;
	*subnet = "";
	for (size_t t = 0; t < nt; t++) {
		const char *ty = d->instance_types[t];

		if (ty == NULL)
			continue;
		for (size_t s = 0; s < (ns ? ns : 1); s++) {
			const char *sn = ns && d->subnets[s] ? d->subnets[s] : "";
			time_t until = 0;

			if (!pool_blocked(r, ty, sn, &until)) {
				*type = ty;
				*subnet = sn;
				return 1;
			}
			if (!have_first || until < *free_at) {
				have_first = 1;
				*type = ty;
				*subnet = sn;
				*free_at = until;
			}
		}
	}
	return 0;
}

/* launch_reason: why a launch is needed, for the log and the audit row. */
static void
launch_reason(const struct round *r, char *buf, size_t len)
{
	char why[128];
	int i = r->primary;

	if (i < 0 && r->o->primary[0] != '\0') {
		snprintf(buf, len, "replace %s: gone", r->o->primary);
		return;
	}
	for (size_t k = 0; i < 0 && k < r->ni; k++)
		if (r->v[k].alive)
			i = (int)k;
	if (i < 0) {
		snprintf(buf, len, "no instance");
		return;
	}
	explain(r, (size_t)i, why, sizeof(why));
	snprintf(buf, len, "replace %s: %s", r->o->instances[i].id, why);
}

/*
 * make_room: 1 when alive + in flight is under max_instances. Else marks for
 * termination just enough alive instances that serve nothing and are doomed
 * or not current to get there next round, or, when that is impossible,
 * nothing; sets the round's waiting either way and returns 0.
 */
static int
make_room(struct round *r)
{
	size_t have = r->n_alive + r->n_inflight, need, found = 0;
	int doomed_serves = 0;

	if (have < r->d->max_instances)
		return 1;
	if (eip_mode(r->d) && !r->o->eip_known) {
		wait_for(r, W_EIP);
		return 0;
	}
	for (size_t i = 0; i < r->ni; i++)
		if (r->v[i].serving && r->v[i].doom != NULL)
			doomed_serves = 1;
	need = have - r->d->max_instances + 1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->ni; i++) {
			const struct view *v = &r->v[i];

			if (v->alive && !v->serving && !v->current &&
			    (pass == 0) == (v->doom != NULL))
				found++;
		}
	if (found < need) {
		wait_for(r, doomed_serves ? W_ROOM_SERVES : W_ROOM_EDIT);
		return 0;
	}
	for (int pass = 0; pass < 2 && need > 0; pass++)
		for (size_t i = 0; i < r->ni && need > 0; i++) {
			struct view *v = &r->v[i];

			if (v->alive && !v->serving && !v->current &&
			    (pass == 0) == (v->doom != NULL)) {
				v->terminate = 1;
				need--;
			}
		}
	wait_for(r, W_ROOM_MAKING);
	return 0;
}

static void
plan_launch(struct round *r)
{
	const struct desired *d = r->d;
	const struct rc_observed *o = r->o;
	struct rc_result *out = r->out;
	struct rc_action *a;
	const char *type, *subnet;
	time_t free_at = 0;
	char when[64];

	if (o->config_blocked != NULL) {
		snprintf(out->blocker, sizeof(out->blocker),
		    "configuration refused by AWS: %s", o->config_blocked);
		return;
	}
	if (r->n_current > 0)
		return;
	if (r->n_inflight > 0) {
		wait_for(r, W_LAUNCH);
		return;
	}
	if (o->launches_past_hour >= d->launch_budget) {
		snprintf(r->launch_alert_text, sizeof(r->launch_alert_text),
		    "launch budget exhausted: %u launches in the past hour "
		    "(launch_budget = %u)", o->launches_past_hour,
		    d->launch_budget);
		r->launch_alert = RC_ALERT_BUDGET;
		goto blocked;
	}
	if (!choose_pool(r, &type, &subnet, &free_at)) {
		if (type == NULL)
			snprintf(r->launch_alert_text,
			    sizeof(r->launch_alert_text),
			    "no capacity: no instance type to launch");
		else {
			utc_format(free_at, when, sizeof(when));
			snprintf(r->launch_alert_text,
			    sizeof(r->launch_alert_text),
			    "no capacity: every pool is cooling down; %s%s%s "
			    "is retried first, at %s", type,
			    subnet[0] ? " in " : "", subnet, when);
		}
		r->launch_alert = RC_ALERT_NO_CAPACITY;
		goto blocked;
	}
	if (!make_room(r))
		return;
	if ((a = emit(out, RC_LAUNCH, "")) == NULL)
		return;
	snprintf(a->type, sizeof(a->type), "%s", type);
	snprintf(a->subnet, sizeof(a->subnet), "%s", subnet);
	launch_reason(r, a->reason, sizeof(a->reason));
	return;
blocked:
	snprintf(out->blocker, sizeof(out->blocker), "%s",
	    r->launch_alert_text);
}

/* ---- the endpoint ---- */

/*
 * plan_dns_eip: in EIP mode the record holds the EIP's address, whatever
 * instance has it; not a step of the cut-over, so nothing waits for it.
 */
static void
plan_dns_eip(struct round *r)
{
	const struct rc_observed *o = r->o;
	struct rc_action *a;

	if (!dns_mode(r->d) || !eip_mode(r->d) || o->eip_address[0] == '\0')
		return;
	if (o->dns_known && streq(o->dns_value, o->eip_address))
		return;
	if ((a = emit(r->out, RC_UPSERT_DNS, "")) == NULL)
		return;
	snprintf(a->value, sizeof(a->value), "%s", o->eip_address);
	snprintf(a->reason, sizeof(a->reason), "record holds %s (Elastic IP "
	    "mode)", !o->dns_known ? "an unconfirmed value" : o->dns_value[0] ?
	    o->dns_value : "nothing");
}

static void
plan_endpoint(struct round *r)
{
	const struct desired *d = r->d;
	const struct rc_observed *o = r->o;
	struct rc_action *a;
	const char *t;

	if (r->target < 0) {
		/* Keep status honest: the primary is gone. */
		if (o->primary[0] != '\0' &&
		    (r->primary < 0 || !r->v[r->primary].alive) &&
		    (a = emit(r->out, RC_SET_PRIMARY, "")) != NULL)
			snprintf(a->reason, sizeof(a->reason),
			    "primary %s is gone", o->primary);
		return;
	}
	t = o->instances[r->target].id;
	if (dns_mode(d) && !eip_mode(d)) {
		const char *ip = o->instances[r->target].public_ip;

		if (ip[0] == '\0') {
			wait_for(r, W_DNS_IP);
			return;
		}
		if (!o->dns_known || !streq(o->dns_value, ip)) {
			if ((a = emit(r->out, RC_UPSERT_DNS, t)) != NULL) {
				snprintf(a->value, sizeof(a->value), "%s", ip);
				snprintf(a->reason, sizeof(a->reason),
				    "record holds %s", !o->dns_known ?
				    "an unconfirmed value" : o->dns_value[0] ?
				    o->dns_value : "nothing");
			}
			wait_for(r, W_DNS);
			return;
		}
	}
	if (eip_mode(d)) {
		if (!o->eip_known) {
			wait_for(r, W_EIP);
			return;
		}
		if (!streq(o->eip_instance, t)) {
			if ((a = emit(r->out, RC_ASSOCIATE_EIP, t)) != NULL)
				snprintf(a->reason, sizeof(a->reason),
				    "%s is on %s", d->elastic_ip,
				    o->eip_instance[0] ? o->eip_instance :
				    "no instance");
			return;
		}
	}
	if (!o->ssm_known || !streq(o->ssm_value, t)) {
		if ((a = emit(r->out, RC_PUT_SSM, t)) != NULL)
			snprintf(a->reason, sizeof(a->reason), "ssm holds %s",
			    !o->ssm_known ? "an unknown value" :
			    o->ssm_value[0] ? o->ssm_value : "nothing");
		return;
	}
	if (!streq(o->primary, t)) {
		if ((a = emit(r->out, RC_SET_PRIMARY, t)) != NULL)
			snprintf(a->reason, sizeof(a->reason), "primary was %s",
			    o->primary[0] ? o->primary : "none");
		return;
	}
	r->cutover_done = 1;
	for (size_t i = 0; i < r->ni; i++)
		if (r->v[i].alive && (int)i != r->target)
			r->v[i].terminate = 1;
}

/*
 * plan_peers: rule 11. Not a step of the cut-over and independent of
 * enabled: the instance reads the list whenever it boots.
 */
static void
plan_peers(struct round *r)
{
	const struct rc_observed *o = r->o;
	struct rc_action *a;

	if (o->peers_want[0] == '\0' || !o->peers_known ||
	    streq(o->peers_digest, o->peers_want))
		return;
	if ((a = emit(r->out, RC_PUT_PEERS, "")) == NULL)
		return;
	snprintf(a->reason, sizeof(a->reason), "ssm holds %.12s, want %.12s",
	    o->peers_digest[0] ? o->peers_digest : "nothing", o->peers_want);
}

static void
emit_terminates(struct round *r, const char *fixed_reason)
{
	struct rc_action *a;

	for (size_t i = 0; i < r->ni; i++) {
		if (!r->v[i].terminate)
			continue;
		a = emit(r->out, RC_TERMINATE, r->o->instances[i].id);
		if (a == NULL)
			return;
		if (fixed_reason != NULL)
			snprintf(a->reason, sizeof(a->reason), "%s", fixed_reason);
		else
			explain(r, i, a->reason, sizeof(a->reason));
	}
}

static void
emit_alerts(struct round *r)
{
	const struct desired *d = r->d;
	const struct rc_observed *o = r->o;
	char text[160];

	if (d->enabled && o->config_blocked != NULL)
		emit_alert(r->out, RC_ALERT_CONFIG, r->out->blocker);
	if (r->launch_alert != RC_ALERT_NONE)
		emit_alert(r->out, r->launch_alert, r->launch_alert_text);
	if (o->interruptions_24h > d->max_interruptions_per_day) {
		snprintf(text, sizeof(text), "%u spot interruptions in the past "
		    "24 h (max_interruptions_per_day = %u)",
		    o->interruptions_24h, d->max_interruptions_per_day);
		emit_alert(r->out, RC_ALERT_INTERRUPTIONS, text);
	}
	if (!d->enabled)
		return;
	for (size_t i = 0; i < r->ni; i++) {
		const struct rc_instance *in = &o->instances[i];

		if (!r->v[i].timed_out)
			continue;
		snprintf(text, sizeof(text), "%s (%s) not ready within "
		    "ready_timeout (%u s)", in->id, in->type,
		    d->ready_timeout_ms / 1000);
		emit_alert(r->out, RC_ALERT_READY_TIMEOUT, text);
	}
}

void
reconcile(const struct desired *d, const struct rc_observed *o, time_t now,
    struct rc_result *out)
{
	struct round r;

	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (d == NULL || o == NULL) {
		snprintf(out->blocker, sizeof(out->blocker),
		    "reconcile: no configuration or no observed world");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.d = d;
	r.o = o;
	r.now = now;
	r.out = out;
	r.ni = MIN(o->n_instances, RC_MAX_INSTANCES);
	r.nl = MIN(o->n_launches, RC_MAX_INSTANCES);
	r.nb = MIN(o->n_blocked_pools, RC_MAX_POOLS);
	r.launch_alert = RC_ALERT_NONE;
	rc_template_tag(d, r.tag, sizeof(r.tag));
	for (size_t i = 0; i < r.ni; i++)
		classify(&r, i);
	count_inflight(&r);
	r.primary = find_instance(&r, o->primary);

	if (!d->enabled) {
		r.target = -1;
		plan_endpoint(&r);	/* only clears a dead primary */
		for (size_t i = 0; i < r.ni; i++)
			r.v[i].terminate = r.v[i].alive;
		plan_peers(&r);
		emit_terminates(&r, "enabled = no");
		if (r.n_inflight > 0)
			wait_for(&r, W_LAUNCH_OFF);
		emit_alerts(&r);
		return;
	}

	choose_target(&r);
	if (r.target >= 0)
		snprintf(out->target, sizeof(out->target), "%s",
		    o->instances[r.target].id);
	plan_launch(&r);
	plan_endpoint(&r);
	plan_dns_eip(&r);
	plan_peers(&r);
	choose_replacement(&r);
	emit_terminates(&r, NULL);
	if (r.n_inflight > 0)
		wait_for(&r, W_LAUNCH);
	if (dns_mode(d) && o->dns_blocked != NULL && out->blocker[0] == '\0')
		snprintf(out->blocker, sizeof(out->blocker), "dns: %s",
		    o->dns_blocked);
	emit_alerts(&r);
}

const char *
rc_action_name(enum rc_action_kind k)
{
	switch (k) {
	case RC_LAUNCH:
		return "launch";
	case RC_ASSOCIATE_EIP:
		return "associate-eip";
	case RC_UPSERT_DNS:
		return "upsert-dns";
	case RC_PUT_SSM:
		return "put-ssm";
	case RC_SET_PRIMARY:
		return "set-primary";
	case RC_TERMINATE:
		return "terminate";
	case RC_ALERT:
		return "alert";
	case RC_PUT_PEERS:
		return "put-peers";
	}
	return "unknown";
}

const char *
rc_alert_name(enum rc_alert a)
{
	switch (a) {
	case RC_ALERT_NONE:
		return "none";
	case RC_ALERT_BUDGET:
		return "budget";
	case RC_ALERT_NO_CAPACITY:
		return "no-capacity";
	case RC_ALERT_INTERRUPTIONS:
		return "interruptions";
	case RC_ALERT_READY_TIMEOUT:
		return "ready-timeout";
	case RC_ALERT_CONFIG:
		return "config";
	case RC_ALERT_LAUNCH_FAILED:
		return "launch-failed";
	case RC_ALERT_DNS:
		return "dns";
	case RC_ALERT_DNS_CONFIG:
		return "dns-config";
	}
	return "unknown";
}

const char *
rc_template_tag(const struct desired *d, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return buf;
	snprintf(buf, len, "%s:%s",
	    d != NULL && d->launch_template ? d->launch_template : "",
	    d != NULL && d->launch_template_version ?
	    d->launch_template_version : "");
	return buf;
}
