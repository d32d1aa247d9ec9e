/*
 * executor: the reconciler's hands. Every AWS call here is asynchronous;
 * each carries a small context that its completion frees. Store writes are
 * synchronous and come first ("intent before action").
 */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "buf.h"
#include "desired.h"
#include "dnssync.h"
#include "ec2.h"
#include "executor.h"
#include "ingest.h"
#include "log.h"
#include "peers.h"
#include "reconcile.h"
#include "sns.h"
#include "ssm.h"
#include "status.h"
#include "store.h"

#define MAX_SLOTS		32	/* actions in flight or backing off */
#define BACKOFF_MIN_S		2
#define BACKOFF_MAX_S		60
#define SSM_REFRESH_S		600
#define LAUNCH_SEEN_WINDOW_S	600	/* a launched instance not yet observed */
#define RECOVER_AFTER_S		20	/* an open intent nobody works on */
#define MAX_LAUNCHING		8
#define PEERS_TEXT_MAX		(64 * 1024)	/* bytes of the rendered peer list */

/*
 * A slot remembers an action by (kind, key) while it runs, and after a
 * failure until its backoff ends, so the same action is not sent twice.
 */
struct slot {
	int			used;
	enum rc_action_kind	kind;
	char			key[80];	/* instance id, or type/subnet */
	int			running;
	time_t			retry_at;	/* 0: no backoff */
	int			failures;
};

struct executor {
	struct event_base	*base;
	struct http_client	*http;
	struct aws		*aws;
	struct store		*store;
	const struct desired	*d;
	executor_done_cb	 done;
	void			*arg;
	int			 stopping;

	struct slot		 slots[MAX_SLOTS];
	unsigned		 inflight;
	unsigned long long	 actions_total;
	struct status_outcomes	 outcomes;	/* for /metrics */

	int			 recovering;	/* intents being resolved */
	char			 launching[MAX_LAUNCHING][64];	/* launch ids with a call out */
	int			 ready;

	int			 eip_known;
	char			 eip_instance[RC_ID];
	char			 eip_address[48];
	int			 eip_reading;
	unsigned		 eip_gen;	/* bumped by each AssociateAddress */
	unsigned		 eip_read_gen;	/* eip_gen when the read went out */
	int			 ssm_known;
	char			 ssm_value[64];
	int			 ssm_reading;
	time_t			 ssm_read_at;
	char			*config_blocked;
	struct dnssync		*dns;		/* NULL without [dns] */

	/*
	 * The peer list <ssm_prefix>/wireguard/peers. peers_want: the digest
	 * of peers_render_server(d) ("" when it cannot be rendered);
	 * peers_digest: of what SSM holds, as last read or put, and as the
	 * store remembers it at start (meta "peers-digest:<parameter>").
	 */
	char			 peers_want[RC_DIGEST];
	size_t			 peers_count;
	int			 peers_known;
	char			 peers_digest[RC_DIGEST];
	time_t			 peers_synced_at;	/* SSM last confirmed equal to want */
	int			 peers_reading;
	int			 peers_read_due;	/* read at the next refresh */
	time_t			 peers_read_at;
	unsigned		 peers_gen;		/* bumped by each put */
	unsigned		 peers_read_gen;
	char			 peers_error[440];	/* "" none */
};

/* One call in flight. */
struct call {
	struct executor		*ex;
	struct slot		*slot;
	enum rc_action_kind	 kind;
	char			 instance[RC_ID];
	char			 type[32];
	char			 subnet[40];
	char			 launch_id[64];
	char			 reason[256];
	char			 alert_kind[32];
	char			 digest[RC_DIGEST];	/* RC_PUT_PEERS: of what is put */
};

static void peers_read(struct executor *ex, time_t now);

static void
notify_done(struct executor *ex)
{
	if (!ex->stopping && ex->done)
		ex->done(ex->arg);
}

static const char *
endpoint(const struct executor *ex)
{
	return ex->d->endpoint;
}

static void
audit(struct executor *ex, const char *action, const char *target,
    const char *detail, const char *result)
{
	store_audit(ex->store, time(NULL), endpoint(ex), action, target, detail,
	    result);
}

/* ---- slots ---- */

static struct slot *
slot_find(struct executor *ex, enum rc_action_kind kind, const char *key)
{
	for (size_t i = 0; i < MAX_SLOTS; i++)
		if (ex->slots[i].used && ex->slots[i].kind == kind &&
		    strcmp(ex->slots[i].key, key) == 0)
			return &ex->slots[i];
	return NULL;
}

/*
 * slot_take: the slot for (kind, key) if the action may start now; NULL
 * when it runs already, backs off, or no slot is free.
 */
static struct slot *
slot_take(struct executor *ex, enum rc_action_kind kind, const char *key,
    time_t now)
{
	struct slot *s = slot_find(ex, kind, key);

	if (s != NULL) {
		if (s->running || (s->retry_at && now < s->retry_at))
			return NULL;
	} else {
		for (size_t i = 0; i < MAX_SLOTS && s == NULL; i++)
			if (!ex->slots[i].used)
				s = &ex->slots[i];
		if (s == NULL) {
			/* Reuse a finished backoff, else give up this round. */
			for (size_t i = 0; i < MAX_SLOTS && s == NULL; i++)
				if (!ex->slots[i].running &&
				    ex->slots[i].retry_at <= now)
					s = &ex->slots[i];
			if (s == NULL)
				return NULL;
		}
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->kind = kind;
		snprintf(s->key, sizeof(s->key), "%s", key);
	}
	s->running = 1;
	ex->inflight++;
	return s;
}

/* slot_finish: ok frees the slot; a failure arms its backoff. */
static void
slot_finish(struct executor *ex, struct slot *s, int ok)
{
	long delay;

	if (s == NULL)
		return;
	s->running = 0;
	ex->inflight--;
	ex->actions_total++;
	if (ok) {
		memset(s, 0, sizeof(*s));
		return;
	}
	s->failures++;
	delay = BACKOFF_MIN_S;
	for (int i = 1; i < s->failures && delay < BACKOFF_MAX_S; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_S)
		delay = BACKOFF_MAX_S;
	s->retry_at = time(NULL) + delay;
}

static struct call *
call_new(struct executor *ex, struct slot *s, const struct rc_action *a)
{
	struct call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		slot_finish(ex, s, 0);
		log_warnx("executor: out of memory");
		return NULL;
	}
	c->ex = ex;
	c->slot = s;
	c->kind = a->kind;
	snprintf(c->instance, sizeof(c->instance), "%s", a->instance);
	snprintf(c->type, sizeof(c->type), "%s", a->type);
	snprintf(c->subnet, sizeof(c->subnet), "%s", a->subnet);
	snprintf(c->reason, sizeof(c->reason), "%s", a->reason);
	return c;
}

/* call_end: finishes the slot, frees c, and asks for a new round. */
static void
call_end(struct call *c, int ok)
{
	struct executor *ex = c->ex;

	if (!ex->stopping)
		slot_finish(ex, c->slot, ok);
	free(c);
	notify_done(ex);
}

/* ---- launch ids with a call out (RunInstances or a lookup) ---- */

static int
launching_has(const struct executor *ex, const char *id)
{
	for (size_t i = 0; i < MAX_LAUNCHING; i++)
		if (strcmp(ex->launching[i], id) == 0)
			return 1;
	return 0;
}

static void
launching_set(struct executor *ex, const char *id, int on)
{
	for (size_t i = 0; i < MAX_LAUNCHING; i++) {
		if (on && ex->launching[i][0] == '\0') {
			snprintf(ex->launching[i], sizeof(ex->launching[i]), "%s", id);
			return;
		}
		if (!on && strcmp(ex->launching[i], id) == 0) {
			ex->launching[i][0] = '\0';
			return;
		}
	}
}

/* ---- the endpoint row ---- */

static void
endpoint_update_dns(struct executor *ex, const char *primary, const char *ssm,
    const char *dns, time_t dns_at)
{
	struct store_endpoint e;
	time_t now = time(NULL);

	if (store_endpoint_get(ex->store, endpoint(ex), &e) != 1) {
		memset(&e, 0, sizeof(e));
		snprintf(e.name, sizeof(e.name), "%s", endpoint(ex));
	}
	snprintf(e.elastic_ip, sizeof(e.elastic_ip), "%s",
	    ex->d->elastic_ip ? ex->d->elastic_ip : "");
	if (primary != NULL)
		snprintf(e.instance_id, sizeof(e.instance_id), "%s", primary);
	if (ssm != NULL) {
		snprintf(e.ssm_value, sizeof(e.ssm_value), "%s", ssm);
		e.ssm_synced_at = now;
	}
	if (dns != NULL) {
		snprintf(e.dns_value, sizeof(e.dns_value), "%s", dns);
		e.dns_synced_at = dns_at;
	}
	if (ex->eip_address[0])
		snprintf(e.public_ip, sizeof(e.public_ip), "%s", ex->eip_address);
	store_endpoint_put(ex->store, &e, now);
}

static void
endpoint_update(struct executor *ex, const char *primary, const char *ssm)
{
	endpoint_update_dns(ex, primary, ssm, NULL, 0);
}

static void
ssm_name(const struct executor *ex, char *buf, size_t len)
{
	snprintf(buf, len, "%s/instance-id", ex->d->ssm_prefix);
}

/* ---- launch ---- */

enum launch_error_class
executor_launch_error_class(const char *code, long http_status, int transport)
{
	static const char *const capacity[] = { "InsufficientInstanceCapacity",
	    "InsufficientCapacity", "UnfulfillableCapacity",
	    "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
	    "SpotCapacityNotAvailable", NULL };
	static const char *const config_prefix[] = { "InvalidLaunchTemplate",
	    "InvalidParameter", "InvalidSubnetID", "InvalidAMIID",
	    "InvalidGroup", "InvalidKeyPair", "Unsupported",
	    "UnauthorizedOperation", "AuthFailure", "OptInRequired",
	    "MaxSpotInstanceCountExceeded", "SpotMaxPriceTooLow",
	    "VcpuLimitExceeded", "InstanceLimitExceeded", "MissingParameter",
	    "InvalidInstanceType", "InvalidTagKey", "InvalidIAMInstanceProfile",
	    "Blocked", "PendingVerification", NULL };

	if (transport || http_status >= 500 || http_status == 0) {
		for (size_t i = 0; capacity[i]; i++)
			if (code && strcmp(code, capacity[i]) == 0)
				return LAUNCH_ERR_CAPACITY;
		return LAUNCH_ERR_AMBIGUOUS;
	}
	if (code == NULL)
		return LAUNCH_ERR_OTHER;
	for (size_t i = 0; capacity[i]; i++)
		if (strcmp(code, capacity[i]) == 0)
			return LAUNCH_ERR_CAPACITY;
	for (size_t i = 0; config_prefix[i]; i++)
		if (strncmp(code, config_prefix[i], strlen(config_prefix[i])) == 0)
			return LAUNCH_ERR_CONFIG;
	/* A 2xx we could not read may well have launched something. */
	if (strcmp(code, "RequestLimitExceeded") == 0 ||
	    strcmp(code, "Throttling") == 0 ||
	    strcmp(code, "MalformedResponse") == 0)
		return LAUNCH_ERR_AMBIGUOUS;
	return LAUNCH_ERR_OTHER;
}

static void
alert_send(struct executor *ex, enum rc_alert kind, const char *text);

static void
set_config_blocked(struct executor *ex, const char *why)
{
	free(ex->config_blocked);
	ex->config_blocked = strdup(why);
}

static void recover_intent(struct executor *ex, const char *launch_id);

/* launch_result: the result label of a failed launch (status.h). */
static enum status_result
launch_result(enum launch_error_class cls)
{
	switch (cls) {
	case LAUNCH_ERR_CAPACITY:
		return STATUS_R_CAPACITY;
	case LAUNCH_ERR_CONFIG:
		return STATUS_R_CONFIG;
	default:
		return STATUS_R_ERROR;	/* ambiguous or another refusal */
	}
}

static void
launch_done_cb(const struct aws_error *err, const struct ec2_instance *inst,
    void *arg)
{
	struct call *c = arg;
	struct executor *ex = c->ex;
	struct store_instance si;
	char eb[400], what[120];
	time_t now = time(NULL);
	enum launch_error_class cls;
	int ok = 0;

	if (ex->stopping)
		goto out;
	launching_set(ex, c->launch_id, 0);
	snprintf(what, sizeof(what), "%s/%s", c->type,
	    c->subnet[0] ? c->subnet : "-");
	if (err == NULL && inst != NULL) {
		ingest_observed(inst, endpoint(ex), &si);
		/* The answer may lack our tags: we know what we asked for. */
		snprintf(si.launch_id, sizeof(si.launch_id), "%s", c->launch_id);
		rc_template_tag(ex->d, si.template, sizeof(si.template));
		if (store_intent_set(ex->store, c->launch_id,
		    STORE_INTENT_LAUNCHED, inst->id, NULL, now) == -1 ||
		    store_instance_put(ex->store, &si, now) == -1)
			log_warnx("executor: launch %s: %s launched but not "
			    "recorded; the next describe will find it",
			    c->launch_id, inst->id);
		log_notice("launch %s: %s %s launched (%s)", c->launch_id,
		    inst->id, what, c->reason);
		audit(ex, "launch", inst->id, c->reason, "ok");
		ex->outcomes.launches[STATUS_R_OK]++;
		ok = 1;
		goto out;
	}
	aws_error_str(err, eb, sizeof(eb));
	cls = executor_launch_error_class(err->code, err->http_status,
	    err->transport);
	ex->outcomes.launches[launch_result(cls)]++;
	switch (cls) {
	case LAUNCH_ERR_CAPACITY:
		log_warnx("ec2: RunInstances %s: %s; skipping this pool for "
		    "%u s", what, eb, ex->d->capacity_cooldown_ms / 1000);
		store_pool_block(ex->store, endpoint(ex), c->type, c->subnet,
		    now + ex->d->capacity_cooldown_ms / 1000, err->code, now);
		store_intent_set(ex->store, c->launch_id, STORE_INTENT_FAILED,
		    NULL, eb, now);
		/* Not a failure of the action: the next pool goes at once. */
		ok = 1;
		break;
	case LAUNCH_ERR_CONFIG: {
		char why[640];

		snprintf(why, sizeof(why), "RunInstances %s: %s", what, eb);
		log_error("ec2: %s: AWS refuses this configuration; nothing "
		    "more is launched until desired.conf changes", why);
		set_config_blocked(ex, why);
		store_intent_set(ex->store, c->launch_id, STORE_INTENT_FAILED,
		    NULL, eb, now);
		alert_send(ex, RC_ALERT_CONFIG, why);
		break;
	}
	case LAUNCH_ERR_AMBIGUOUS:
		/* The instance may exist: resolve by its tag, as after a crash. */
		log_warnx("ec2: RunInstances %s (launch %s): %s; looking the "
		    "launch up by its tag", what, c->launch_id, eb);
		recover_intent(ex, c->launch_id);
		break;
	default:
		log_error("ec2: RunInstances %s: %s", what, eb);
		store_intent_set(ex->store, c->launch_id, STORE_INTENT_FAILED,
		    NULL, eb, now);
		alert_send(ex, RC_ALERT_LAUNCH_FAILED, eb);
		break;
	}
	audit(ex, "launch", what, c->reason, eb);
out:
	call_end(c, ok);
}

static void
new_launch_id(char *buf, size_t len)
{
	unsigned char r[12];
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	if (RAND_bytes(r, sizeof(r)) != 1)
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)random();
	if (len < 2 * sizeof(r) + 3)
		return;
	buf[n++] = 'L';
	buf[n++] = '-';
	for (i = 0; i < sizeof(r); i++) {
		buf[n++] = hex[r[i] >> 4];
		buf[n++] = hex[r[i] & 15];
	}
	buf[n] = '\0';
}

static void
do_launch(struct executor *ex, const struct rc_action *a, time_t now)
{
	struct ec2_tag tags[5];
	struct ec2_run_params p;
	struct slot *s;
	struct call *c;
	char key[80], name[96], tmpl[96], ep[64];

	snprintf(key, sizeof(key), "%s/%s", a->type, a->subnet);
	if ((s = slot_take(ex, RC_LAUNCH, key, now)) == NULL ||
	    (c = call_new(ex, s, a)) == NULL)
		return;
	new_launch_id(c->launch_id, sizeof(c->launch_id));
	/* Intent before action: committed, or nothing is sent. */
	if (store_intent_create(ex->store, c->launch_id, endpoint(ex), a->type,
	    a->subnet, now) == -1) {
		log_error("executor: launch %s: intent not committed: %s; not "
		    "launching", c->launch_id, store_error(ex->store));
		ex->outcomes.launches[STATUS_R_ERROR]++;
		call_end(c, 0);
		return;
	}
	snprintf(name, sizeof(name), "stingy-vpn-%s", endpoint(ex));
	rc_template_tag(ex->d, tmpl, sizeof(tmpl));
	snprintf(ep, sizeof(ep), "%s", endpoint(ex));
	tags[0] = (struct ec2_tag){ (char *)TAG_ENDPOINT, ep };
	tags[1] = (struct ec2_tag){ (char *)TAG_LAUNCH_ID, c->launch_id };
	tags[2] = (struct ec2_tag){ (char *)TAG_TEMPLATE, tmpl };
	tags[3] = (struct ec2_tag){ (char *)"Project", (char *)"stingy-vpn" };
	tags[4] = (struct ec2_tag){ (char *)"Name", name };
	memset(&p, 0, sizeof(p));
	p.launch_template_id = ex->d->launch_template;
	p.launch_template_version = ex->d->launch_template_version;
	p.instance_type = a->type;
	p.subnet_id = a->subnet[0] ? a->subnet : NULL;
	p.spot = 1;
	p.client_token = c->launch_id;
	p.tags = tags;
	p.ntags = 5;
	log_info("launch %s: RunInstances %s/%s (%s)", c->launch_id, a->type,
	    a->subnet[0] ? a->subnet : "-", a->reason);
	launching_set(ex, c->launch_id, 1);
	if (ec2_run_instance(ex->aws, &p, launch_done_cb, c) == -1) {
		launching_set(ex, c->launch_id, 0);
		store_intent_set(ex->store, c->launch_id, STORE_INTENT_FAILED,
		    NULL, "RunInstances could not start", now);
		log_error("executor: launch %s: RunInstances could not start",
		    c->launch_id);
		ex->outcomes.launches[STATUS_R_ERROR]++;
		call_end(c, 0);
	}
}

/* ---- recovery of open intents ---- */

struct recover {
	struct executor	*ex;
	char		 launch_id[64];
};

static void
recover_done_cb(const struct aws_error *err, struct ec2_instances *all,
    void *arg)
{
	struct recover *r = arg;
	struct executor *ex = r->ex;
	struct store_instance si;
	char eb[400];
	time_t now = time(NULL);

	if (ex->stopping)
		goto out;
	launching_set(ex, r->launch_id, 0);
	if (err != NULL) {
		log_warnx("executor: launch %s: lookup by tag failed: %s; the "
		    "intent stays open", r->launch_id,
		    aws_error_str(err, eb, sizeof(eb)));
		goto out;
	}
	if (all->n > 0) {
		ingest_observed(&all->v[0], endpoint(ex), &si);
		store_intent_set(ex->store, r->launch_id, STORE_INTENT_LAUNCHED,
		    all->v[0].id, NULL, now);
		store_instance_put(ex->store, &si, now);
		log_notice("launch %s: found %s by its tag", r->launch_id,
		    all->v[0].id);
		audit(ex, "recover", all->v[0].id, r->launch_id, "ok");
	} else {
		store_intent_set(ex->store, r->launch_id,
		    STORE_INTENT_ABANDONED, NULL,
		    "no instance carries its launch-id tag", now);
		log_notice("launch %s: no instance carries its tag: abandoned",
		    r->launch_id);
		audit(ex, "recover", r->launch_id,
		    "abandoned: no instance carries its tag", "ok");
	}
out:
	if (--ex->recovering == 0 && !ex->ready) {
		ex->ready = 1;
		log_info("executor: open launches resolved");
	}
	free(r);
	notify_done(ex);
}

static void
recover_intent(struct executor *ex, const char *launch_id)
{
	const char *v[1] = { launch_id };
	struct ec2_filter f = { "tag:" TAG_LAUNCH_ID, v, 1 };
	struct recover *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return;
	r->ex = ex;
	snprintf(r->launch_id, sizeof(r->launch_id), "%s", launch_id);
	ex->recovering++;
	launching_set(ex, launch_id, 1);
	if (ec2_describe_instances(ex->aws, &f, 1, recover_done_cb, r) == -1) {
		launching_set(ex, launch_id, 0);
		ex->recovering--;
		free(r);
	}
}

void
executor_recover(struct executor *ex)
{
	struct store_intent *open = NULL;
	size_t n = 0;

	if (store_intents_open(ex->store, endpoint(ex), &open, &n) == -1) {
		log_warnx("executor: cannot read open launches; retrying");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		log_notice("launch %s: left open by a previous run; looking it "
		    "up", open[i].launch_id);
		recover_intent(ex, open[i].launch_id);
	}
	free(open);
	if (ex->recovering == 0)
		ex->ready = 1;
	executor_refresh(ex);
}

int
executor_ready(const struct executor *ex)
{
	return ex->ready;
}

/* ---- Elastic IP and SSM ---- */

static void
eip_read_cb(const struct aws_error *err, const struct ec2_addresses *addrs,
    void *arg)
{
	struct executor *ex = arg;
	char eb[400];

	ex->eip_reading = 0;
	if (ex->stopping)
		return;
	/* An association started or finished since the read went out: stale. */
	if (ex->eip_read_gen != ex->eip_gen) {
		executor_refresh(ex);
		return;
	}
	if (err != NULL) {
		log_warnx("ec2: DescribeAddresses %s: %s", ex->d->elastic_ip,
		    aws_error_str(err, eb, sizeof(eb)));
		return;
	}
	if (addrs->n == 0) {
		log_warnx("ec2: DescribeAddresses %s: no such address",
		    ex->d->elastic_ip);
		return;
	}
	ex->eip_known = 1;
	snprintf(ex->eip_instance, sizeof(ex->eip_instance), "%s",
	    addrs->v[0].instance_id);
	snprintf(ex->eip_address, sizeof(ex->eip_address), "%s",
	    addrs->v[0].public_ip);
	notify_done(ex);
}

static void
ssm_read_cb(const struct aws_error *err, const struct ssm_parameter *p,
    void *arg)
{
	struct executor *ex = arg;
	char eb[400];

	ex->ssm_reading = 0;
	if (ex->stopping)
		return;
	if (err != NULL) {
		if (strcmp(err->code, "ParameterNotFound") == 0) {
			ex->ssm_known = 1;
			ex->ssm_value[0] = '\0';
		} else
			log_warnx("ssm: GetParameter: %s",
			    aws_error_str(err, eb, sizeof(eb)));
		return;
	}
	ex->ssm_known = 1;
	ex->ssm_read_at = time(NULL);
	snprintf(ex->ssm_value, sizeof(ex->ssm_value), "%s", p->value);
	notify_done(ex);
}

/*
 * retry_open_intents: an intent open for a while with no call out (a lookup
 * that failed, say) is looked up again.
 */
static void
retry_open_intents(struct executor *ex, time_t now)
{
	struct store_intent *open = NULL;
	size_t n = 0;

	if (store_intents_open(ex->store, endpoint(ex), &open, &n) == -1)
		return;
	for (size_t i = 0; i < n; i++)
		if (!launching_has(ex, open[i].launch_id) &&
		    now - open[i].updated_at >= RECOVER_AFTER_S)
			recover_intent(ex, open[i].launch_id);
	free(open);
}

void
executor_refresh(struct executor *ex)
{
	char name[256];

	if (ex->stopping)
		return;
	if (ex->ready)
		retry_open_intents(ex, time(NULL));
	dnssync_refresh(ex->dns, time(NULL));
	if (ex->d->elastic_ip && !ex->eip_reading &&
	    ec2_describe_addresses(ex->aws, ex->d->elastic_ip, eip_read_cb,
	    ex) == 0) {
		ex->eip_reading = 1;
		ex->eip_read_gen = ex->eip_gen;
	}
	if ((!ex->ssm_known || time(NULL) - ex->ssm_read_at >= SSM_REFRESH_S) &&
	    !ex->ssm_reading) {
		ssm_name(ex, name, sizeof(name));
		if (ssm_get_parameter(ex->aws, name, 0, ssm_read_cb, ex) == 0)
			ex->ssm_reading = 1;
	}
	peers_read(ex, time(NULL));
}

static void
associate_done_cb(const struct aws_error *err, const char *assoc, void *arg)
{
	struct call *c = arg;
	struct executor *ex = c->ex;
	char eb[400];

	(void)assoc;
	if (ex->stopping)
		goto out;
	ex->eip_gen++;
	if (err != NULL) {
		aws_error_str(err, eb, sizeof(eb));
		log_warnx("ec2: AssociateAddress %s -> %s: %s", ex->d->elastic_ip,
		    c->instance, eb);
		audit(ex, "associate-eip", c->instance, c->reason, eb);
		ex->outcomes.eip_associations[STATUS_R_ERROR]++;
		/* Where it is now is not known for sure: read it again. */
		executor_refresh(ex);
		call_end(c, 0);
		return;
	}
	snprintf(ex->eip_instance, sizeof(ex->eip_instance), "%s", c->instance);
	ex->eip_known = 1;
	log_notice("endpoint %s: Elastic IP %s%s%s now on %s", endpoint(ex),
	    ex->d->elastic_ip, ex->eip_address[0] ? " " : "", ex->eip_address,
	    c->instance);
	audit(ex, "associate-eip", c->instance, c->reason, "ok");
	ex->outcomes.eip_associations[STATUS_R_OK]++;
	endpoint_update(ex, NULL, NULL);
out:
	call_end(c, 1);
}

static void
ssm_put_done_cb(const struct aws_error *err, long long version, void *arg)
{
	struct call *c = arg;
	struct executor *ex = c->ex;
	char eb[400], name[256];

	(void)version;
	if (ex->stopping)
		goto out;
	ssm_name(ex, name, sizeof(name));
	if (err != NULL) {
		aws_error_str(err, eb, sizeof(eb));
		log_warnx("ssm: PutParameter %s = %s: %s", name, c->instance, eb);
		audit(ex, "put-ssm", c->instance, name, eb);
		ex->outcomes.ssm_puts[STATUS_R_ERROR]++;
		call_end(c, 0);
		return;
	}
	ex->ssm_known = 1;
	ex->ssm_read_at = time(NULL);
	snprintf(ex->ssm_value, sizeof(ex->ssm_value), "%s", c->instance);
	log_notice("endpoint %s: %s = %s", endpoint(ex), name, c->instance);
	audit(ex, "put-ssm", c->instance, name, "ok");
	ex->outcomes.ssm_puts[STATUS_R_OK]++;
	endpoint_update(ex, NULL, c->instance);
out:
	call_end(c, 1);
}

/* ---- the peer list ---- */

/* peers_param: "<ssm_prefix>/wireguard/peers" of d into buf. */
static void
peers_param(const struct desired *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/wireguard/peers", d->ssm_prefix);
}

/* sha256_hex: the SHA-256 of p[0..n) in lowercase hex into out (RC_DIGEST bytes). */
static void
sha256_hex(const void *p, size_t n, char out[RC_DIGEST])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return;
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/*
 * peers_render: d's server peer list into *b (initialised here; the caller
 * frees) and its digest into want. -1 (want "") when it cannot be rendered.
 */
static int
peers_render(const struct desired *d, struct buf *b, char want[RC_DIGEST])
{
	buf_init(b, PEERS_TEXT_MAX);
	want[0] = '\0';
	if (peers_render_server(d, b) == -1 || b->len == 0)
		return -1;
	sha256_hex(b->data, b->len, want);
	return want[0] ? 0 : -1;
}

/* peers_meta_key: the store's key for what SSM holds under d's prefix. */
static void
peers_meta_key(const struct desired *d, const char *what, char *buf,
    size_t len)
{
	char name[256];

	peers_param(d, name, sizeof(name));
	snprintf(buf, len, "peers-%s:%s", what, name);
}

/* peers_persist: remembers what SSM holds (and when it was last in sync). */
static void
peers_persist(struct executor *ex)
{
	char key[320];

	peers_meta_key(ex->d, "digest", key, sizeof(key));
	if (store_meta_set_text(ex->store, key, ex->peers_digest) == -1)
		log_warnx("executor: peers: digest not stored: %s",
		    store_error(ex->store));
	peers_meta_key(ex->d, "synced-at", key, sizeof(key));
	store_meta_set_int(ex->store, key, (long long)ex->peers_synced_at);
}

/*
 * peers_setup: the digest d wants; and, when the parameter changed (or at
 * start), what the store remembers SSM holding. Reads SSM again either way.
 */
static void
peers_setup(struct executor *ex, const struct desired *d, int param_changed)
{
	struct buf b;
	char key[320], dig[RC_DIGEST];
	long long at = 0;

	if (peers_render(d, &b, ex->peers_want) == -1)
		log_warnx("peers: the list of [endpoint %s] cannot be rendered; "
		    "SSM is left as it is", d->endpoint);
	buf_free(&b);
	ex->peers_count = d->n_peers;
	if (param_changed) {
		ex->peers_gen++;
		ex->peers_known = 0;
		ex->peers_digest[0] = '\0';
		ex->peers_synced_at = 0;
		peers_meta_key(d, "digest", key, sizeof(key));
		if (store_meta_get_text(ex->store, key, dig, sizeof(dig)) == 1 &&
		    (dig[0] == '\0' || strlen(dig) == 64)) {
			ex->peers_known = 1;
			snprintf(ex->peers_digest, sizeof(ex->peers_digest), "%s",
			    dig);
		}
		peers_meta_key(d, "synced-at", key, sizeof(key));
		if (store_meta_get_int(ex->store, key, &at) == 1)
			ex->peers_synced_at = (time_t)at;
	}
	ex->peers_read_due = 1;
}

static void
peers_read_cb(const struct aws_error *err, const struct ssm_parameter *p,
    void *arg)
{
	struct executor *ex = arg;
	char eb[400], name[256];

	ex->peers_reading = 0;
	if (ex->stopping)
		return;
	/* A put started or finished since the read went out: stale. */
	if (ex->peers_read_gen != ex->peers_gen) {
		ex->peers_read_due = 1;
		executor_refresh(ex);
		return;
	}
	peers_param(ex->d, name, sizeof(name));
	if (err != NULL && strcmp(err->code, "ParameterNotFound") != 0) {
		aws_error_str(err, eb, sizeof(eb));
		log_warnx("ssm: GetParameter %s: %s", name, eb);
		snprintf(ex->peers_error, sizeof(ex->peers_error),
		    "GetParameter: %s", eb);
		return;
	}
	ex->peers_known = 1;
	ex->peers_read_at = time(NULL);
	if (err != NULL)
		ex->peers_digest[0] = '\0';
	else
		sha256_hex(p->value, strlen(p->value), ex->peers_digest);
	if (ex->peers_want[0] && strcmp(ex->peers_digest, ex->peers_want) == 0) {
		ex->peers_synced_at = ex->peers_read_at;
		ex->peers_error[0] = '\0';
	} else
		log_info("peers: %s holds %.12s, want %.12s", name,
		    ex->peers_digest[0] ? ex->peers_digest : "nothing",
		    ex->peers_want);
	peers_persist(ex);
	notify_done(ex);
}

/* peers_read: GetParameter WithDecryption when due (see executor_refresh). */
static void
peers_read(struct executor *ex, time_t now)
{
	char name[256];

	if (ex->peers_reading || (!ex->peers_read_due &&
	    now - ex->peers_read_at < SSM_REFRESH_S))
		return;
	peers_param(ex->d, name, sizeof(name));
	ex->peers_read_gen = ex->peers_gen;
	if (ssm_get_parameter(ex->aws, name, 1, peers_read_cb, ex) == 0) {
		ex->peers_reading = 1;
		ex->peers_read_due = 0;
	}
}

static void
peers_put_done_cb(const struct aws_error *err, long long version, void *arg)
{
	struct call *c = arg;
	struct executor *ex = c->ex;
	char eb[400], name[256], detail[320];

	if (ex->stopping)
		goto out;
	ex->peers_gen++;
	peers_param(ex->d, name, sizeof(name));
	snprintf(detail, sizeof(detail), "%s: %zu peers, %.12s", name,
	    ex->peers_count, c->digest);
	if (err != NULL) {
		aws_error_str(err, eb, sizeof(eb));
		log_warnx("ssm: PutParameter %s (%zu peers, %.12s): %s", name,
		    ex->peers_count, c->digest, eb);
		snprintf(ex->peers_error, sizeof(ex->peers_error),
		    "PutParameter: %s", eb);
		audit(ex, "put-peers", name, detail, eb);
		ex->outcomes.ssm_puts[STATUS_R_ERROR]++;
		/* What SSM holds now is not known for sure: read it again. */
		ex->peers_read_due = 1;
		call_end(c, 0);
		return;
	}
	ex->peers_known = 1;
	snprintf(ex->peers_digest, sizeof(ex->peers_digest), "%s", c->digest);
	ex->peers_synced_at = time(NULL);
	ex->peers_read_at = ex->peers_synced_at;
	ex->peers_error[0] = '\0';
	peers_persist(ex);
	log_notice("peers: %s = %zu peers (%.12s, version %lld)", name,
	    ex->peers_count, c->digest, version);
	audit(ex, "put-peers", name, detail, "ok");
	ex->outcomes.ssm_puts[STATUS_R_OK]++;
out:
	call_end(c, 1);
}

/*
 * do_put_peers: renders the list again (d may have changed since the
 * round) and puts it as a SecureString. Its text is never logged.
 */
static void
do_put_peers(struct executor *ex, const struct rc_action *a, time_t now)
{
	struct slot *s;
	struct call *c;
	struct buf b;
	char name[256];

	if ((s = slot_take(ex, RC_PUT_PEERS, "peers", now)) == NULL ||
	    (c = call_new(ex, s, a)) == NULL)
		return;
	if (peers_render(ex->d, &b, c->digest) == -1) {
		buf_free(&b);
		call_end(c, 0);
		return;
	}
	peers_param(ex->d, name, sizeof(name));
	log_info("peers: PutParameter %s (%zu peers, %.12s; %s)", name,
	    ex->d->n_peers, c->digest, a->reason);
	ex->peers_gen++;
	if (ssm_put_parameter(ex->aws, name, b.data, "SecureString", 1,
	    peers_put_done_cb, c) == -1) {
		snprintf(ex->peers_error, sizeof(ex->peers_error),
		    "PutParameter could not start");
		ex->outcomes.ssm_puts[STATUS_R_ERROR]++;
		call_end(c, 0);
	}
	buf_free(&b);
}

void
executor_peers(const struct executor *ex, struct executor_peers *out)
{
	memset(out, 0, sizeof(*out));
	out->count = ex->peers_count;
	out->known = ex->peers_known;
	out->in_sync = ex->peers_known && ex->peers_want[0] != '\0' &&
	    strcmp(ex->peers_digest, ex->peers_want) == 0;
	out->synced_at = ex->peers_synced_at;
	out->last_error = ex->peers_error[0] ? ex->peers_error : NULL;
	out->digest = ex->peers_want;
}

/* ---- terminate ---- */

static void
terminate_done_cb(const struct aws_error *err, const char *state, void *arg)
{
	struct call *c = arg;
	struct executor *ex = c->ex;
	struct store_instance si;
	char eb[400];

	if (ex->stopping)
		goto out;
	if (err != NULL) {
		aws_error_str(err, eb, sizeof(eb));
		log_warnx("ec2: TerminateInstances %s: %s", c->instance, eb);
		audit(ex, "terminate", c->instance, c->reason, eb);
		ex->outcomes.terminations[STATUS_R_ERROR]++;
		call_end(c, 0);
		return;
	}
	if (store_instance_get(ex->store, c->instance, &si) == 1 && !si.gone) {
		snprintf(si.state, sizeof(si.state), "%s",
		    state && *state ? state : "shutting-down");
		store_instance_put(ex->store, &si, time(NULL));
	}
	log_notice("terminate %s: %s (%s)", c->instance,
	    state ? state : "shutting-down", c->reason);
	audit(ex, "terminate", c->instance, c->reason, "ok");
	ex->outcomes.terminations[STATUS_R_OK]++;
out:
	call_end(c, 1);
}

/* ---- alerts ---- */

static void
alert_done_cb(const struct aws_error *err, const char *message_id, void *arg)
{
	struct call *c = arg;
	char eb[400];

	(void)message_id;
	if (!c->ex->stopping && err != NULL)
		log_warnx("sns: Publish (%s alert): %s", c->alert_kind,
		    aws_error_str(err, eb, sizeof(eb)));
	free(c);
}

/*
 * alert_send: logs and publishes one alert, at most once per kind per
 * alert_interval (kept in the store's meta table, across restarts).
 */
static void
alert_send(struct executor *ex, enum rc_alert kind, const char *text)
{
	char key[64], subject[100], message[1024];
	long long last = 0;
	time_t now = time(NULL);
	struct call *c;

	snprintf(key, sizeof(key), "alert:%s:%s", endpoint(ex),
	    rc_alert_name(kind));
	if (store_meta_get_int(ex->store, key, &last) == 1 &&
	    now - last < (time_t)(ex->d->alert_interval_ms / 1000))
		return;
	store_meta_set_int(ex->store, key, (long long)now);
	log_warnx("alert %s: %s", rc_alert_name(kind), text);
	audit(ex, "alert", rc_alert_name(kind), text, "ok");
	if (ex->d->sns_topic == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->ex = ex;
	snprintf(c->alert_kind, sizeof(c->alert_kind), "%s", rc_alert_name(kind));
	snprintf(subject, sizeof(subject), "stingy-vpn %s: %s", endpoint(ex),
	    rc_alert_name(kind));
	snprintf(message, sizeof(message), "stingy-vpn endpoint %s (%s): %s",
	    endpoint(ex), ex->d->region, text);
	if (sns_publish(ex->aws, ex->d->sns_topic, subject, message,
	    alert_done_cb, c) == -1)
		free(c);
}

/* ---- running a round ---- */

static void
do_simple(struct executor *ex, const struct rc_action *a, time_t now)
{
	struct slot *s;
	struct call *c;
	char name[256];

	if ((s = slot_take(ex, a->kind, a->instance, now)) == NULL ||
	    (c = call_new(ex, s, a)) == NULL)
		return;
	switch (a->kind) {
	case RC_ASSOCIATE_EIP:
		log_info("endpoint %s: AssociateAddress %s -> %s (%s)",
		    endpoint(ex), ex->d->elastic_ip, a->instance, a->reason);
		ex->eip_gen++;
		if (ec2_associate_address(ex->aws, ex->d->elastic_ip,
		    a->instance, associate_done_cb, c) == -1) {
			ex->outcomes.eip_associations[STATUS_R_ERROR]++;
			call_end(c, 0);
		}
		break;
	case RC_PUT_SSM:
		ssm_name(ex, name, sizeof(name));
		if (ssm_put_parameter(ex->aws, name, a->instance, "String", 1,
		    ssm_put_done_cb, c) == -1) {
			ex->outcomes.ssm_puts[STATUS_R_ERROR]++;
			call_end(c, 0);
		}
		break;
	case RC_TERMINATE:
		log_info("terminate %s: TerminateInstances (%s)", a->instance,
		    a->reason);
		if (ec2_terminate_instance(ex->aws, a->instance,
		    terminate_done_cb, c) == -1) {
			ex->outcomes.terminations[STATUS_R_ERROR]++;
			call_end(c, 0);
		}
		break;
	default:
		call_end(c, 0);
		break;
	}
}

void
executor_run(struct executor *ex, const struct rc_result *r, time_t now)
{
	if (ex->stopping || !ex->ready)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct rc_action *a = &r->actions[i];

		switch (a->kind) {
		case RC_LAUNCH:
			do_launch(ex, a, now);
			break;
		case RC_SET_PRIMARY: {
			struct store_endpoint e;

			if (store_endpoint_get(ex->store, endpoint(ex), &e) != 1)
				e.instance_id[0] = '\0';
			log_notice("endpoint %s: primary %s -> %s", endpoint(ex),
			    e.instance_id[0] ? e.instance_id : "(none)",
			    a->instance[0] ? a->instance : "(none)");
			endpoint_update(ex, a->instance, NULL);
			audit(ex, "set-primary", a->instance[0] ? a->instance :
			    "-", a->reason, "ok");
			ex->actions_total++;
			notify_done(ex);
			break;
		}
		case RC_ALERT:
			alert_send(ex, a->alert, a->reason);
			break;
		case RC_UPSERT_DNS:
			dnssync_want(ex->dns, a->value);
			break;
		case RC_PUT_PEERS:
			do_put_peers(ex, a, now);
			break;
		default:
			do_simple(ex, a, now);
			break;
		}
	}
}

/* ---- the observed world ---- */

static void
copy_instance(struct rc_instance *o, const struct store_instance *si)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", si->id);
	snprintf(o->state, sizeof(o->state), "%s", si->state);
	snprintf(o->type, sizeof(o->type), "%s", si->type);
	snprintf(o->subnet, sizeof(o->subnet), "%s", si->subnet);
	snprintf(o->template, sizeof(o->template), "%s", si->template);
	snprintf(o->public_ip, sizeof(o->public_ip), "%s", si->public_ip);
	snprintf(o->doomed, sizeof(o->doomed), "%s", si->doomed_reason);
	o->ready = si->ready;
	o->launch_time = si->launch_time;
	o->first_seen = si->first_seen;
}

static int
observed_has(const struct rc_observed *o, const char *id)
{
	for (size_t i = 0; i < o->n_instances; i++)
		if (strcmp(o->instances[i].id, id) == 0)
			return 1;
	return 0;
}

static void
add_launch(struct rc_observed *o, const struct store_intent *in)
{
	struct rc_launch *l;

	if (o->n_launches >= RC_MAX_INSTANCES)
		return;
	l = &o->launches[o->n_launches++];
	memset(l, 0, sizeof(*l));
	snprintf(l->launch_id, sizeof(l->launch_id), "%s", in->launch_id);
	snprintf(l->type, sizeof(l->type), "%s", in->type);
	snprintf(l->subnet, sizeof(l->subnet), "%s", in->subnet);
	snprintf(l->instance_id, sizeof(l->instance_id), "%s", in->instance_id);
	l->created_at = in->created_at;
}

int
executor_observe(struct executor *ex, struct rc_observed *o, time_t now)
{
	struct store_instance *inst = NULL;
	struct store_intent *in = NULL;
	struct store_pool_block *pb = NULL;
	struct store_endpoint e;
	long long n;
	size_t ni = 0, nn = 0, np = 0;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (store_instances_list(ex->store, endpoint(ex), 0, &inst, &ni) == -1)
		goto out;
	for (size_t i = 0; i < ni && o->n_instances < RC_MAX_INSTANCES; i++)
		copy_instance(&o->instances[o->n_instances++], &inst[i]);

	if (store_intents_open(ex->store, endpoint(ex), &in, &nn) == -1)
		goto out;
	for (size_t i = 0; i < nn; i++)
		add_launch(o, &in[i]);
	free(in);
	in = NULL;
	if (store_intents_launched_since(ex->store, endpoint(ex),
	    now - LAUNCH_SEEN_WINDOW_S, &in, &nn) == -1)
		goto out;
	for (size_t i = 0; i < nn; i++) {
		struct store_instance si;

		/* Launched, not observed yet, and not known gone. */
		if (observed_has(o, in[i].instance_id))
			continue;
		if (store_instance_get(ex->store, in[i].instance_id, &si) == 1 &&
		    si.gone && si.last_seen > in[i].created_at)
			continue;
		add_launch(o, &in[i]);
	}

	if (store_pool_blocks(ex->store, endpoint(ex), now, &pb, &np) == -1)
		goto out;
	for (size_t i = 0; i < np && o->n_blocked_pools < RC_MAX_POOLS; i++) {
		struct rc_pool_block *b = &o->blocked_pools[o->n_blocked_pools++];

		snprintf(b->type, sizeof(b->type), "%s", pb[i].type);
		snprintf(b->subnet, sizeof(b->subnet), "%s", pb[i].subnet);
		b->until = pb[i].until;
	}

	if (store_endpoint_get(ex->store, endpoint(ex), &e) == 1)
		snprintf(o->primary, sizeof(o->primary), "%s", e.instance_id);
	o->eip_known = ex->eip_known;
	snprintf(o->eip_instance, sizeof(o->eip_instance), "%s", ex->eip_instance);
	o->ssm_known = ex->ssm_known;
	snprintf(o->ssm_value, sizeof(o->ssm_value), "%s", ex->ssm_value);
	snprintf(o->eip_address, sizeof(o->eip_address), "%s",
	    ex->eip_known ? ex->eip_address : "");
	o->dns_known = dnssync_known(ex->dns);
	snprintf(o->dns_value, sizeof(o->dns_value), "%s",
	    dnssync_value(ex->dns));
	o->dns_blocked = dnssync_blocked(ex->dns);
	if (store_launches_since(ex->store, endpoint(ex), now - 3600, &n) == -1)
		goto out;
	o->launches_past_hour = (unsigned)n;
	if (store_events_count(ex->store, endpoint(ex), "spot-interruption",
	    now - 86400, &n) == -1)
		goto out;
	o->interruptions_24h = (unsigned)n;
	o->config_blocked = ex->config_blocked;
	snprintf(o->peers_want, sizeof(o->peers_want), "%s", ex->peers_want);
	o->peers_known = ex->peers_known;
	snprintf(o->peers_digest, sizeof(o->peers_digest), "%s",
	    ex->peers_digest);
	rc = 0;
out:
	free(inst);
	free(in);
	free(pb);
	return rc;
}

/* ---- life ---- */

/* ---- DNS ---- */

static void
dns_synced_cb(const char *value, const char *previous, int wrote, time_t at,
    void *arg)
{
	struct executor *ex = arg;
	char detail[160];

	endpoint_update_dns(ex, NULL, NULL, value, at);
	if (wrote) {
		snprintf(detail, sizeof(detail), "%s -> %s",
		    previous[0] ? previous : "(missing)", value);
		audit(ex, "upsert-dns", ex->d->dns_name, detail, "ok");
		ex->actions_total++;
	}
}

static void
dns_alert_cb(enum rc_alert kind, const char *text, void *arg)
{
	struct executor *ex = arg;

	audit(ex, "upsert-dns", ex->d->dns_name, "failed", text);
	alert_send(ex, kind, text);
}

static void
dns_changed_cb(void *arg)
{
	notify_done(arg);
}

/* dns_setup: the DNS syncer d asks for (none without [dns]); -1 out of memory. */
static int
dns_setup(struct executor *ex, const struct desired *d)
{
	static const struct dnssync_hooks hooks = { dns_synced_cb,
	    dns_alert_cb, dns_changed_cb };
	struct store_endpoint e;

	if (ex->dns != NULL && dnssync_same_config(ex->dns, d))
		return 0;
	dnssync_free(ex->dns);
	ex->dns = NULL;
	if (d->dns_provider == DNS_NONE)
		return 0;
	if (store_endpoint_get(ex->store, d->endpoint, &e) != 1)
		memset(&e, 0, sizeof(e));
	ex->dns = dnssync_new(ex->base, ex->http, ex->aws, d, &hooks, ex,
	    e.dns_value, e.dns_synced_at);
	if (ex->dns == NULL)
		return -1;
	log_info("dns %s: %s record in zone %s, ttl %u", d->dns_name,
	    desired_dns_provider_name(d->dns_provider), d->dns_zone_id,
	    d->dns_ttl);
	return 0;
}

const struct dnssync *
executor_dns(const struct executor *ex)
{
	return ex->dns;
}

struct executor *
executor_new(struct event_base *base, struct http_client *http,
    struct aws *aws, struct store *store, const struct desired *d,
    executor_done_cb done, void *arg)
{
	struct executor *ex = calloc(1, sizeof(*ex));

	if (ex == NULL)
		return NULL;
	ex->base = base;
	ex->http = http;
	ex->aws = aws;
	ex->store = store;
	ex->d = d;
	ex->done = done;
	ex->arg = arg;
	if (dns_setup(ex, d) == -1) {
		free(ex);
		return NULL;
	}
	peers_setup(ex, d, 1);
	return ex;
}

void
executor_set_desired(struct executor *ex, const struct desired *d)
{
	int eip_changed = !ex->d->elastic_ip != !d->elastic_ip ||
	    (d->elastic_ip && strcmp(ex->d->elastic_ip, d->elastic_ip) != 0);
	int ssm_changed = strcmp(ex->d->ssm_prefix, d->ssm_prefix) != 0;

	ex->d = d;
	if (ex->config_blocked) {
		log_info("executor: new configuration: launches allowed again");
		free(ex->config_blocked);
		ex->config_blocked = NULL;
	}
	if (eip_changed) {
		ex->eip_known = 0;
		ex->eip_instance[0] = ex->eip_address[0] = '\0';
	}
	if (ssm_changed)
		ex->ssm_known = 0;
	peers_setup(ex, d, ssm_changed);
	if (dns_setup(ex, d) == -1)
		log_error("dns: out of memory: the record is not kept");
	executor_refresh(ex);
}

unsigned
executor_inflight(const struct executor *ex)
{
	return ex->inflight;
}

unsigned long long
executor_actions_total(const struct executor *ex)
{
	return ex->actions_total;
}

const struct status_outcomes *
executor_outcomes(const struct executor *ex)
{
	return &ex->outcomes;
}

const char *
executor_eip_instance(const struct executor *ex)
{
	return ex->eip_instance;
}

const char *
executor_eip_address(const struct executor *ex)
{
	return ex->eip_address;
}

const char *
executor_ssm_value(const struct executor *ex)
{
	return ex->ssm_known ? ex->ssm_value : "";
}

const char *
executor_config_blocked(const struct executor *ex)
{
	return ex->config_blocked;
}

void
executor_stop(struct executor *ex)
{
	if (ex) {
		ex->stopping = 1;
		dnssync_stop(ex->dns);
	}
}

void
executor_free(struct executor *ex)
{
	if (ex == NULL)
		return;
	free(ex->config_blocked);
	dnssync_free(ex->dns);
	free(ex);
}
