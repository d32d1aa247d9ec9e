/*
 * daemon: `stingy-vpn run`. One event_base drives everything: the SQS long
 * poll and the periodic DescribeInstances (both through the libcurl multi
 * client, at the same time), signals, the desired.conf watch, the systemd
 * watchdog and the HTTP server. This file wires; the decisions live in
 * health.c and ingest.c, the formats in status.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "buf.h"
#include "cost.h"
#include "daemon.h"
#include "desired.h"
#include "dnssync.h"
#include "ec2.h"
#include "events.h"
#include "executor.h"
#include "health.h"
#include "http.h"
#include "httpd.h"
#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "reconcile.h"
#include "spotprice.h"
#include "sqs.h"
#include "status.h"
#include "store.h"

#define CONF_WATCH_MS		2000	/* how often desired.conf is stat'ed */
#define SQS_BACKOFF_MIN_MS	1000
#define SQS_BACKOFF_MAX_MS	15000
#define DESCRIBE_RETRY_MS	10000	/* after a failed describe, at most this */
#define STATUS_EVENTS		10	/* recent events shown by /status */
#define PRUNE_EVERY_MS		(6 * 3600 * 1000)
#define TICK_MS			15000	/* reconcile at least this often */
#define FAST_DESCRIBE_MS	2000	/* while a replacement is on its way */
#define PRICES_EVERY_MS		(3600 * 1000)	/* DescribeSpotPriceHistory */
#define PRICES_RETRY_MS		(5 * 60 * 1000)	/* after a failure */
/*
 * Rows older than this are pruned. Events must outlive any redelivery, so
 * this is kept above SQS's longest retention (14 days).
 */
#define PRUNE_AGE_S		(15 * 24 * 3600)

struct daemon {
	struct event_base	*base;
	struct http_client	*http;
	struct aws		*aws;
	struct store		*store;
	struct httpd		*httpd;
	struct desired		*conf;
	const char		*conf_path;
	struct stat		 conf_st;	/* what the watch last saw */
	char			*reload_error;	/* why the last reload was refused */
	time_t			 last_reload;

	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_sqs_retry;
	struct event		*ev_describe;
	struct event		*ev_conf_watch;
	struct event		*ev_watchdog;
	struct event		*ev_prune;
	struct event		*ev_reconcile;	/* activated by reconcile_schedule */
	struct event		*ev_tick;

	struct executor		*ex;
	int			 reconcile_pending;
	int			 described;	/* one describe succeeded since start */
	struct rc_result	 last;		/* the last round's result */
	unsigned long long	 reconciles;
	long long		 react_from_us;	/* a dooming event's SQS answer, 0 none */
	long			 reaction_us;	/* the last one measured, -1 none */
	long long		 describe_due_us;	/* when the describe timer fires */

	int			 stopping;
	int			 sqs_inflight;
	long			 sqs_backoff_ms;
	int			 describe_inflight;

	time_t			 started;
	time_t			 last_sqs_ok;
	time_t			 last_describe_ok;
	char			 sqs_error[320];
	char			 describe_error[320];
	struct status_counters	 n;
	struct status_histogram	 reconcile_hist;	/* reconcile() itself, seconds */

	/*
	 * The monthly estimate (cost.h), made when prices arrive, on reload
	 * and when the primary changes; never per scrape. A failure keeps
	 * the last estimate.
	 */
	struct event		*ev_prices;
	int			 prices_inflight;
	struct spotprice_list	 prices;	/* the last answer, all pages */
	int			 prices_ok;	/* one answer came */
	int			 cost_known;
	int64_t			 cost_total, cost_instance, cost_od_total;	/* od < 0 unknown */
	time_t			 cost_as_of, cost_prices_at;
	char			 cost_primary[RC_ID];	/* the primary it was made for */
	char			 cost_error[400];
	unsigned long long	 cost_errors;
	long long		 sqs_answer_us;	/* when the last SQS answer came */
};

static void sqs_poll_start(struct daemon *);
static void describe_start(struct daemon *);
static void describe_arm(struct daemon *, long);
static void reconcile_schedule(struct daemon *);

static long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* mono_ns: CLOCK_MONOTONIC in ns (reconcile() takes well under 1 us). */
static long long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
arm_ms(struct event *ev, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* jitter: a delay in [ms/2, ms] so retries of many homes do not align. */
static long
jitter(long ms)
{
	return ms / 2 + (long)(random() % (ms / 2 + 1));
}

/* ---- SQS: long poll, ingest, delete after commit ---- */

static void
sqs_delete_done_cb(const struct aws_error *err, void *arg)
{
	struct daemon *d = arg;
	char eb[320];

	if (err == NULL) {
		d->n.sqs_deleted++;
		return;
	}
	d->n.sqs_delete_errors++;
	if (!d->stopping)
		log_warnx("sqs: DeleteMessage: %s (the message will come back and "
		    "be recognised as a duplicate)", aws_error_str(err, eb, sizeof(eb)));
}

static void
delete_message(struct daemon *d, const struct sqs_message *m)
{
	if (sqs_delete(d->aws, d->conf->queue_url, m->receipt_handle,
	    sqs_delete_done_cb, d) == -1) {
		d->n.sqs_delete_errors++;
		log_warnx("sqs: DeleteMessage %s: could not start", m->message_id);
	}
}

/* own_instance: 1 when id is an instance of our endpoint the store knows. */
static int
own_instance(struct daemon *d, const char *id)
{
	struct store_instance si;

	return store_instance_get(d->store, id, &si) == 1 &&
	    strcmp(si.endpoint, d->conf->endpoint) == 0;
}

/*
 * ingest_message: records what m says, then deletes it. A store failure
 * leaves the message in the queue: it comes back after its visibility
 * timeout, and the event id makes the second delivery safe.
 */
static void
ingest_message(struct daemon *d, const struct sqs_message *m, time_t now)
{
	struct eb_event ev;
	struct store_event se;
	enum status_event_type type;
	const char *doom;
	char err[256];
	unsigned owned = 0, first = 0;
	int rc;

	if (event_parse(m->body, m->body_len, &ev, err, sizeof(err)) == -1) {
		if (store_quarantine_add(d->store, m->message_id, err, m->body,
		    m->body_len, now) == -1) {
			d->n.events_store_errors++;
			return;
		}
		d->n.events_quarantined++;
		d->n.events_by_type[STATUS_EV_OTHER][STATUS_EV_QUARANTINED]++;
		log_warnx("sqs: message %s quarantined: %s", m->message_id, err);
		delete_message(d, m);
		return;
	}
	for (unsigned i = 0; i < ev.n_instances; i++)
		if (own_instance(d, ev.instance_ids[i]) && owned++ == 0)
			first = i;
	type = ingest_event_type(ev.kind);
	if (owned == 0) {
		if (ev.n_instances > 0) {
			d->n.events_foreign++;
			d->n.events_by_type[type][STATUS_EV_FOREIGN]++;
			log_debug("event %s: %s for %s: not ours", ev.id,
			    event_kind_name(ev.kind), ev.instance_ids[0]);
		} else {
			d->n.events_ignored++;
			d->n.events_by_type[type][STATUS_EV_IGNORED]++;
			log_debug("event %s: %s names no instance: ignored",
			    ev.id, ev.detail_type);
		}
		delete_message(d, m);
		return;
	}
	doom = ingest_doom_reason(&ev);
	ingest_store_event(&ev, first, m->message_id, &se);
	if ((rc = store_event_record(d->store, d->conf->endpoint, &se, doom,
	    now)) == -1) {
		d->n.events_store_errors++;
		return;
	}
	if (rc == 0) {
		d->n.events_duplicate++;
		d->n.events_by_type[type][STATUS_EV_DUPLICATE]++;
		log_info("event %s: duplicate delivery, already recorded", ev.id);
	} else {
		d->n.events_new++;
		d->n.events_by_type[type][STATUS_EV_NEW]++;
		log_notice("event %s: %s for %s%s%s", ev.id, event_kind_name(ev.kind),
		    ev.instance_ids[first], doom ? ": doomed by " : "",
		    doom ? doom : "");
		/* A Health event may name several of ours. */
		for (unsigned i = first + 1; doom && i < ev.n_instances; i++)
			if (own_instance(d, ev.instance_ids[i]))
				store_instance_mark_doomed(d->store,
				    ev.instance_ids[i], doom, now);
		if (doom && d->react_from_us == 0)
			d->react_from_us = d->sqs_answer_us;
	}
	/* Events for speed: decide now, not at the next describe. */
	reconcile_schedule(d);
	delete_message(d, m);
}

static void
sqs_poll_done_cb(const struct aws_error *err, struct sqs_messages *msgs,
    void *arg)
{
	struct daemon *d = arg;
	time_t now = time(NULL);

	d->sqs_inflight = 0;
	if (d->stopping)
		return;
	if (err != NULL) {
		d->n.sqs_polls_error++;
		aws_error_str(err, d->sqs_error, sizeof(d->sqs_error));
		log_warnx("sqs: ReceiveMessage: %s; retrying in about %ld ms",
		    d->sqs_error, d->sqs_backoff_ms);
		arm_ms(d->ev_sqs_retry, jitter(d->sqs_backoff_ms));
		d->sqs_backoff_ms = d->sqs_backoff_ms * 2 > SQS_BACKOFF_MAX_MS ?
		    SQS_BACKOFF_MAX_MS : d->sqs_backoff_ms * 2;
		return;
	}
	d->sqs_answer_us = mono_us();
	d->n.sqs_polls_ok++;
	d->last_sqs_ok = now;
	d->sqs_error[0] = '\0';
	d->sqs_backoff_ms = SQS_BACKOFF_MIN_MS;
	if (msgs != NULL) {
		d->n.sqs_messages += msgs->n;
		for (size_t i = 0; i < msgs->n; i++)
			ingest_message(d, &msgs->v[i], now);
	}
	sqs_poll_start(d);
}

static void
sqs_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sqs_poll_start(arg);
}

static void
sqs_poll_start(struct daemon *d)
{
	/*
	 * The first poll does not wait, so that a healthy start shows on
	 * /healthz at once rather than after the first long poll.
	 */
	int wait_s = d->n.sqs_polls_ok ? (int)(d->conf->sqs_wait_ms / 1000) : 0;

	if (d->stopping || d->sqs_inflight)
		return;
	if (sqs_receive(d->aws, d->conf->queue_url, wait_s, sqs_poll_done_cb,
	    d) == -1) {
		snprintf(d->sqs_error, sizeof(d->sqs_error),
		    "ReceiveMessage could not start");
		arm_ms(d->ev_sqs_retry, jitter(SQS_BACKOFF_MAX_MS));
		return;
	}
	d->sqs_inflight = 1;
}

/* ---- EC2: the periodic describe, the source of truth ---- */

static void
describe_done_cb(const struct aws_error *err, struct ec2_instances *all,
    void *arg)
{
	struct daemon *d = arg;
	struct store_instance *seen = NULL;
	time_t now = time(NULL);
	long next = d->conf->describe_interval_ms;

	d->describe_inflight = 0;
	if (d->stopping)
		return;
	if (err != NULL) {
		d->n.describe_error++;
		aws_error_str(err, d->describe_error, sizeof(d->describe_error));
		log_warnx("ec2: DescribeInstances: %s", d->describe_error);
		if (next > DESCRIBE_RETRY_MS)
			next = DESCRIBE_RETRY_MS;
		goto rearm;
	}
	if (all->n > 0 && (seen = calloc(all->n, sizeof(*seen))) == NULL) {
		snprintf(d->describe_error, sizeof(d->describe_error), "out of memory");
		goto rearm;
	}
	for (size_t i = 0; i < all->n; i++)
		ingest_observed(&all->v[i], d->conf->endpoint, &seen[i]);
	if (store_instances_sync(d->store, d->conf->endpoint, seen, all->n,
	    now) == -1) {
		d->n.describe_error++;
		snprintf(d->describe_error, sizeof(d->describe_error),
		    "state: %s", store_error(d->store));
		goto rearm;
	}
	d->n.describe_ok++;
	d->last_describe_ok = now;
	d->describe_error[0] = '\0';
	if (!d->described) {
		d->described = 1;
		executor_recover(d->ex);
	} else
		executor_refresh(d->ex);
	log_debug("ec2: DescribeInstances: %zu instance(s) of %s",
	    all->n, d->conf->endpoint);
	reconcile_schedule(d);
	/* A replacement on its way is watched closely: readiness is a tag. */
	if (d->last.replacement[0])
		if (next > FAST_DESCRIBE_MS)
			next = FAST_DESCRIBE_MS;
rearm:
	free(seen);
	describe_arm(d, next);
}

static void
describe_start(struct daemon *d)
{
	static const char *const states[] = { "pending", "running",
	    "stopping", "stopped", "shutting-down" };
	const char *endpoint = d->conf->endpoint;
	struct ec2_filter f[2] = {
		{ "tag:" TAG_ENDPOINT, &endpoint, 1 },
		{ "instance-state-name", states, sizeof(states) / sizeof(states[0]) },
	};

	if (d->stopping || d->describe_inflight)
		return;
	if (ec2_describe_instances(d->aws, f, 2, describe_done_cb, d) == -1) {
		snprintf(d->describe_error, sizeof(d->describe_error),
		    "DescribeInstances could not start");
		describe_arm(d, DESCRIBE_RETRY_MS);
		return;
	}
	d->describe_inflight = 1;
}

/* describe_arm: the next describe in ms from now. */
static void
describe_arm(struct daemon *d, long ms)
{
	d->describe_due_us = mono_us() + (long long)ms * 1000;
	arm_ms(d->ev_describe, ms);
}

static void
describe_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	describe_start(arg);
}

/* ---- the monthly estimate ---- */

/*
 * cost_update: the estimate from the prices kept, for the running primary
 * (its type and zone) when there is one, with the default data volume. A
 * failure keeps the last estimate and records why.
 */
static void
cost_update(struct daemon *d)
{
	struct store_endpoint e;
	struct store_instance si;
	struct cost_estimate est;
	const char *rtype = NULL, *raz = NULL;
	char err[256];

	if (!d->prices_ok)
		return;		/* no answer yet: nothing to estimate from */
	d->cost_primary[0] = '\0';
	if (store_endpoint_get(d->store, d->conf->endpoint, &e) == 1 &&
	    e.instance_id[0] && store_instance_get(d->store, e.instance_id,
	    &si) == 1 && !si.gone) {
		snprintf(d->cost_primary, sizeof(d->cost_primary), "%s",
		    e.instance_id);
		rtype = si.type[0] ? si.type : NULL;
		raz = si.az[0] ? si.az : NULL;
	}
	memset(&est, 0, sizeof(est));
	if (cost_estimate_desired(d->conf, d->prices.v, d->prices.n, rtype, raz,
	    COST_DEFAULT_DATA_GB, &est, err, sizeof(err)) == -1) {
		d->cost_errors++;
		snprintf(d->cost_error, sizeof(d->cost_error), "%s", err);
		log_warnx("cost: %s; keeping the last estimate", err);
		return;
	}
	if (!d->cost_known || est.total != d->cost_total)
		log_info("cost: ~$%.2f a month", (double)est.total / 1e6);
	d->cost_known = 1;
	d->cost_total = est.total;
	d->cost_instance = est.line[COST_INSTANCE].micro;
	d->cost_od_total = est.od_known ? est.od_total : -1;
	d->cost_as_of = time(NULL);
	d->cost_prices_at = est.prices_at;
	d->cost_error[0] = '\0';
	cost_free(&est);
}

static void
prices_done_cb(const struct aws_error *err, struct spotprice_list *all,
    void *arg)
{
	struct daemon *d = arg;
	char eb[320];

	d->prices_inflight = 0;
	if (d->stopping)
		return;
	if (err != NULL) {
		d->cost_errors++;
		aws_error_str(err, eb, sizeof(eb));
		snprintf(d->cost_error, sizeof(d->cost_error),
		    "DescribeSpotPriceHistory: %s", eb);
		log_warnx("ec2: DescribeSpotPriceHistory: %s; keeping the last "
		    "estimate", eb);
		arm_ms(d->ev_prices, jitter(PRICES_RETRY_MS));
		return;
	}
	spotprice_list_free(&d->prices);
	d->prices = *all;	/* moved: the adapter frees an empty list */
	memset(all, 0, sizeof(*all));
	d->prices_ok = 1;
	log_debug("ec2: DescribeSpotPriceHistory: %zu prices", d->prices.n);
	cost_update(d);
	arm_ms(d->ev_prices, PRICES_EVERY_MS);
}

static void
prices_start(struct daemon *d)
{
	struct spotprice_query q;

	if (d->stopping || d->prices_inflight)
		return;
	memset(&q, 0, sizeof(q));
	q.types = (const char *const *)d->conf->instance_types;
	q.ntypes = d->conf->n_instance_types;
	q.start = time(NULL);
	if (q.ntypes == 0 || spotprice_describe(d->aws, &q, prices_done_cb,
	    d) == -1) {
		d->cost_errors++;
		snprintf(d->cost_error, sizeof(d->cost_error),
		    "DescribeSpotPriceHistory could not start");
		arm_ms(d->ev_prices, jitter(PRICES_RETRY_MS));
		return;
	}
	d->prices_inflight = 1;
}

/* same_types: 1 when a and b list the same instance types in the same order. */
static int
same_types(const struct desired *a, const struct desired *b)
{
	if (a->n_instance_types != b->n_instance_types)
		return 0;
	for (size_t i = 0; i < a->n_instance_types && i < DESIRED_MAX_LIST; i++)
		if (strcmp(a->instance_types[i], b->instance_types[i]) != 0)
			return 0;
	return 1;
}

static void
prices_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	prices_start(arg);
}

/* ---- desired.conf: reload on SIGHUP or when the file changes ---- */

/* same_file_state: 1 when st describes the same file content as before. */
static int
same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int
streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/*
 * restart_only: the name of a key that changed but cannot change while
 * running, or NULL.
 */
static const char *
restart_only(const struct desired *a, const struct desired *b)
{
	if (!streq(a->state_db, b->state_db))
		return "state_db";
	if (!streq(a->region, b->region))
		return "region";
	if (!streq(a->profile, b->profile))
		return "profile";
	if (!streq(a->listen, b->listen))
		return "listen";
	if (!streq(a->endpoint, b->endpoint))
		return "the [endpoint] name";
	return NULL;
}

static void
reload_refused(struct daemon *d, const char *why, char *errors)
{
	char *line, *save = NULL;

	d->n.reloads_error++;
	log_warnx("config: %s: reload refused (%s), keeping the running "
	    "configuration", d->conf_path, why);
	for (line = strtok_r(errors, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		log_warnx("%s", line);
}

static void
reload(struct daemon *d, const char *trigger)
{
	struct desired *nd;
	char *errors = NULL, *joined;
	const char *key;
	struct buf b;
	int types_changed;

	log_info("config: %s: reloading (%s)", d->conf_path, trigger);
	d->last_reload = time(NULL);
	if ((nd = desired_load(d->conf_path, &errors)) == NULL) {
		free(d->reload_error);
		d->reload_error = errors ? strdup(errors) : strdup("invalid");
		/* One line for /status. */
		for (char *p = d->reload_error; p && *p; p++)
			if (*p == '\n')
				*p = p[1] ? ';' : '\0';
		reload_refused(d, "errors", errors);
		free(errors);
		return;
	}
	free(errors);
	if ((key = restart_only(d->conf, nd)) != NULL) {
		buf_init(&b, 512);
		buf_addf(&b, "%s: %s cannot change while running: restart the "
		    "daemon to apply it", d->conf_path, key);
		joined = buf_detach(&b);
		free(d->reload_error);
		d->reload_error = joined;
		reload_refused(d, "restart needed", joined ? joined : NULL);
		desired_free(nd);
		return;
	}
	free(d->reload_error);
	d->reload_error = NULL;
	if (desired_equal(d->conf, nd)) {
		log_info("config: %s: no change", d->conf_path);
		desired_free(nd);
		return;
	}
	/* The executor compares old and new: tell it before the old goes. */
	executor_set_desired(d->ex, nd);
	types_changed = !same_types(d->conf, nd);
	desired_free(d->conf);
	d->conf = nd;
	if (types_changed)
		prices_start(d);	/* cost_update when they come */
	else
		cost_update(d);
	d->n.reloads_ok++;
	reconcile_schedule(d);
	log_notice("config: %s: new configuration in force", d->conf_path);
	/* New intervals take effect now. */
	if (!d->describe_inflight)
		describe_arm(d, 0);
}

static void
conf_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct stat st;

	(void)fd;
	(void)what;
	if (stat(d->conf_path, &st) == 0 && !same_file_state(&st, &d->conf_st)) {
		d->conf_st = st;
		reload(d, "file changed");
	}
	arm_ms(d->ev_conf_watch, CONF_WATCH_MS);
}

/* ---- reconcile: decide, then act ---- */

/* reconcile_schedule: coalesces requests into one round on the next loop pass. */
static void
reconcile_schedule(struct daemon *d)
{
	if (d->stopping || d->reconcile_pending || d->ev_reconcile == NULL)
		return;
	d->reconcile_pending = 1;
	event_active(d->ev_reconcile, EV_TIMEOUT, 0);
}

static int
has_launch(const struct rc_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->actions[i].kind == RC_LAUNCH)
			return 1;
	return 0;
}

static void
reconcile_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct rc_observed *o;
	struct rc_result r;
	time_t now = time(NULL);
	long long t0;

	(void)fd;
	(void)what;
	d->reconcile_pending = 0;
	/* Never decide on a world not yet seen: a fresh start would launch. */
	if (d->stopping || !d->described || !executor_ready(d->ex))
		return;
	if ((o = malloc(sizeof(*o))) == NULL)
		return;
	if (executor_observe(d->ex, o, now) == -1) {
		log_warnx("reconcile: cannot read the state: %s",
		    store_error(d->store));
		free(o);
		return;
	}
	t0 = mono_ns();
	reconcile(d->conf, o, now, &r);
	status_histogram_observe(&d->reconcile_hist, (double)(mono_ns() - t0) / 1e9);
	free(o);
	d->reconciles++;
	if (r.n > 0)
		log_debug("reconcile: %zu action(s), target %s%s%s", r.n,
		    r.target[0] ? r.target : "none", r.waiting ? ", waiting for " : "",
		    r.waiting ? r.waiting : "");
	if (strcmp(r.blocker, d->last.blocker) != 0 && r.blocker[0])
		log_warnx("reconcile: %s", r.blocker);
	d->last = r;
	executor_run(d->ex, &r, now);
	/* The estimate counts the primary's pool: it changed. */
	for (size_t i = 0; i < r.n; i++)
		if (r.actions[i].kind == RC_SET_PRIMARY &&
		    strcmp(r.actions[i].instance, d->cost_primary) != 0) {
			cost_update(d);
			break;
		}
	/*
	 * Readiness is a tag only DescribeInstances shows: while a replacement
	 * is on its way, look sooner than the interval.
	 */
	if ((r.replacement[0] || has_launch(&r)) && !d->describe_inflight &&
	    d->describe_due_us - mono_us() > FAST_DESCRIBE_MS * 1000LL)
		describe_arm(d, FAST_DESCRIBE_MS);
	if (d->react_from_us && has_launch(&r)) {
		d->reaction_us = (long)(mono_us() - d->react_from_us);
		log_info("reaction: %ld us from the SQS answer to RunInstances "
		    "sent", d->reaction_us);
		d->react_from_us = 0;
	} else if (d->react_from_us && mono_us() - d->react_from_us > 60000000)
		d->react_from_us = 0;
}

static void
exec_done_cb(void *arg)
{
	reconcile_schedule(arg);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	reconcile_schedule(d);
	arm_ms(d->ev_tick, TICK_MS);
}

/* ---- signals, watchdog ---- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct stat st;

	(void)what;
	if (sig == SIGHUP) {
		if (stat(d->conf_path, &st) == 0)
			d->conf_st = st;
		reload(d, "SIGHUP");
		return;
	}
	log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	notify_send("STOPPING=1");
	d->stopping = 1;
	event_base_loopbreak(d->base);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	/* This timer firing is the proof that the loop makes progress. */
	notify_send("WATCHDOG=1");
	arm_ms(d->ev_watchdog, notify_watchdog_interval_ms());
}

static void
prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	long long n = 0;

	(void)fd;
	(void)what;
	if (store_prune(d->store, time(NULL) - PRUNE_AGE_S, &n) == 0 && n > 0)
		log_info("state: pruned %lld old row(s)", n);
	arm_ms(d->ev_prune, PRUNE_EVERY_MS);
}

/* ---- HTTP: /healthz /status /metrics ---- */

static int
is_healthy(struct daemon *d, time_t now, char *reason, size_t len)
{
	struct health_input in = {
		.now = now,
		.started = d->started,
		.last_sqs_ok = d->last_sqs_ok,
		.last_describe_ok = d->last_describe_ok,
		.sqs_error = d->sqs_error,
		.describe_error = d->describe_error,
		.max_age_s = d->conf->health_max_age_ms / 1000,
		.blocker = d->last.blocker,
	};

	return health_eval(&in, reason, len);
}

static void
healthz_cb(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	struct daemon *d = arg;
	char reason[512];

	(void)req;
	res->status = is_healthy(d, time(NULL), reason, sizeof(reason)) ? 200 : 503;
	res->content_type = "text/plain; charset=utf-8";
	buf_addf(&res->body, "%s\n", reason);
}

/*
 * view_fill: a snapshot for status.c. The caller frees *inst and *ev.
 * Store failures leave the lists empty: the page still answers.
 */
struct view_mem {
	struct store_instance		*inst;
	struct store_event		*ev;
	struct store_intent		*launches;
	struct store_audit_entry	*errors;
	struct store_audit_entry	*actions;
	struct store_endpoint		 ep;
	char				 ssm_name[256];
	char				 peers_name[256];
	struct dnssync_status		 dns;
};

static void
view_mem_free(struct view_mem *m)
{
	free(m->inst);
	free(m->ev);
	free(m->launches);
	free(m->errors);
	free(m->actions);
}

/*
 * view_fill: a snapshot for status.c; m holds what it points at (free with
 * view_mem_free). Store failures leave lists empty: the page still answers.
 */
static void
view_fill(struct daemon *d, struct status_view *v, char *reason, size_t len,
    struct view_mem *m)
{
	size_t ni = 0, ne = 0, n = 0;
	long long c = 0;

	memset(m, 0, sizeof(*m));
	memset(v, 0, sizeof(*v));
	v->now = time(NULL);
	v->version = STINGY_VERSION;
	v->endpoint = d->conf->endpoint;
	v->region = aws_region(d->aws);
	v->enabled = d->conf->enabled;
	v->conf_path = d->conf_path;
	v->describe_interval_ms = d->conf->describe_interval_ms;
	v->sqs_wait_ms = d->conf->sqs_wait_ms;
	v->reload_error = d->reload_error;
	v->last_reload = d->last_reload;
	v->started = d->started;
	v->healthy = is_healthy(d, v->now, reason, len);
	v->reason = reason;
	v->last_sqs_ok = d->last_sqs_ok;
	v->sqs_error = d->sqs_error;
	v->sqs_inflight = d->sqs_inflight;
	v->last_describe_ok = d->last_describe_ok;
	v->describe_error = d->describe_error;
	v->http_inflight = http_client_inflight(d->http);
	if (store_instances_list(d->store, d->conf->endpoint, 0, &m->inst, &ni) == 0)
		v->n_instances = ni;
	v->instances = m->inst;
	if (store_events_recent_for(d->store, d->conf->endpoint, STATUS_EVENTS,
	    &m->ev, &ne) == 0)
		v->n_events = ne;
	v->events = m->ev;
	if (store_quarantine_count(d->store, &v->quarantined) == -1)
		v->quarantined = -1;
	v->counters = &d->n;

	if (store_endpoint_get(d->store, d->conf->endpoint, &m->ep) != 1)
		memset(&m->ep, 0, sizeof(m->ep));
	v->primary = m->ep.instance_id;
	v->target = d->last.target;
	v->replacement = d->last.replacement;
	v->waiting = d->last.waiting;
	v->blocker = d->last.blocker;
	v->elastic_ip = d->conf->elastic_ip;
	v->eip_instance = executor_eip_instance(d->ex);
	v->eip_address = executor_eip_address(d->ex);
	snprintf(m->ssm_name, sizeof(m->ssm_name), "%s/instance-id",
	    d->conf->ssm_prefix);
	v->ssm_parameter = m->ssm_name;
	v->ssm_value = executor_ssm_value(d->ex);
	{
		struct executor_peers p;

		executor_peers(d->ex, &p);
		snprintf(m->peers_name, sizeof(m->peers_name),
		    "%s/wireguard/peers", d->conf->ssm_prefix);
		v->peers_parameter = m->peers_name;
		v->peers_count = p.count;
		v->peers_synced = p.in_sync;
		v->peers_synced_at = p.synced_at;
		v->peers_error = p.last_error;
	}
	if (store_intents_open(d->store, d->conf->endpoint, &m->launches, &n) == 0)
		v->n_launches = n;
	v->launches = m->launches;
	if (store_events_count(d->store, d->conf->endpoint, "spot-interruption",
	    v->now - 86400, &c) == 0)
		v->interruptions_24h = c;
	if (store_audit_errors(d->store, d->conf->endpoint, STATUS_EVENTS,
	    &m->errors, &n) == 0)
		v->n_errors = n;
	v->errors = m->errors;
	if (store_audit_recent(d->store, STATUS_EVENTS, &m->actions, &n) == 0)
		v->n_actions = n;
	v->actions = m->actions;
	v->reconciles = d->reconciles;
	v->actions_total = executor_actions_total(d->ex);
	if (store_launches_since(d->store, d->conf->endpoint, v->now - 3600,
	    &c) == 0)
		v->launches_past_hour = c;
	if (executor_dns(d->ex) != NULL) {
		dnssync_status(executor_dns(d->ex), &m->dns);
		v->dns = &m->dns;
	}
	v->outcomes = executor_outcomes(d->ex);
	v->aws_requests = aws_requests_tally(d->aws);
	v->aws_errors = aws_errors_tally(d->aws);
	v->reconcile_duration = &d->reconcile_hist;
	/* The estimate made when prices came (cost_update), never per scrape. */
	v->cost_month_usd = d->cost_known ? (double)d->cost_total / 1e6 : -1;
	v->cost_total_micro = d->cost_known ? d->cost_total : -1;
	v->cost_instance_micro = d->cost_known ? d->cost_instance : -1;
	v->cost_on_demand_micro = d->cost_known ? d->cost_od_total : -1;
	v->cost_as_of = d->cost_as_of;
	v->cost_prices_at = d->cost_prices_at;
	v->cost_error = d->cost_error[0] ? d->cost_error : NULL;
}

static void
render(struct daemon *d, struct httpd_response *res, int metrics)
{
	struct status_view v;
	struct view_mem m;
	char reason[512], *out;

	view_fill(d, &v, reason, sizeof(reason), &m);
	out = metrics ? status_metrics(&v) : status_json(&v);
	view_mem_free(&m);
	if (out == NULL) {
		res->status = 500;
		res->content_type = "text/plain; charset=utf-8";
		buf_adds(&res->body, "out of memory\n");
		return;
	}
	res->status = 200;
	res->content_type = metrics ? "text/plain; version=0.0.4; charset=utf-8" :
	    "application/json";
	if (buf_adds(&res->body, out) == -1) {
		res->status = 500;
		res->content_type = "text/plain; charset=utf-8";
		buf_reset(&res->body);
		buf_adds(&res->body, "status too large\n");
	}
	free(out);
}

static void
status_cb(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	(void)req;
	render(arg, res, 0);
}

static void
metrics_cb(const struct httpd_request *req, struct httpd_response *res,
    void *arg)
{
	(void)req;
	render(arg, res, 1);
}

/* ---- start and stop ---- */

static void
log_errors(const char *errors)
{
	const char *p = errors, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		log_error("%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
}

static int
daemon_start(struct daemon *d)
{
	char err[512];
	const char *listen;

	if ((d->base = event_base_new()) == NULL) {
		log_error("event: cannot create the event base");
		return -1;
	}
	if ((d->store = store_open(d->conf->state_db, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return -1;
	}
	if ((d->http = http_client_new(d->base)) == NULL)
		return -1;
	if ((d->aws = aws_new(d->base, d->http, d->conf->region,
	    d->conf->profile, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return -1;
	}
	listen = d->conf->listen;
	if (listen && *listen && strcmp(listen, "off") != 0) {
		if ((d->httpd = httpd_new(d->base, listen, err, sizeof(err))) == NULL) {
			log_error("%s", err);
			return -1;
		}
		if (httpd_route(d->httpd, "/healthz", healthz_cb, d) == -1 ||
		    httpd_route(d->httpd, "/status", status_cb, d) == -1 ||
		    httpd_route(d->httpd, "/metrics", metrics_cb, d) == -1)
			return -1;
	}
	d->ev_term = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, signal_cb, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, signal_cb, d);
	d->ev_sqs_retry = evtimer_new(d->base, sqs_retry_cb, d);
	d->ev_describe = evtimer_new(d->base, describe_timer_cb, d);
	d->ev_conf_watch = evtimer_new(d->base, conf_watch_cb, d);
	d->ev_watchdog = evtimer_new(d->base, watchdog_cb, d);
	d->ev_prune = evtimer_new(d->base, prune_cb, d);
	d->ev_reconcile = event_new(d->base, -1, 0, reconcile_cb, d);
	d->ev_tick = evtimer_new(d->base, tick_cb, d);
	d->ev_prices = evtimer_new(d->base, prices_timer_cb, d);
	d->ex = executor_new(d->base, d->http, d->aws, d->store, d->conf,
	    exec_done_cb, d);
	if (!d->ev_term || !d->ev_int || !d->ev_hup || !d->ev_sqs_retry ||
	    !d->ev_describe || !d->ev_conf_watch || !d->ev_watchdog ||
	    !d->ev_prune || !d->ev_reconcile || !d->ev_tick || !d->ev_prices ||
	    !d->ex) {
		log_error("event: cannot create events");
		return -1;
	}
	evsignal_add(d->ev_term, NULL);
	evsignal_add(d->ev_int, NULL);
	evsignal_add(d->ev_hup, NULL);
	arm_ms(d->ev_conf_watch, CONF_WATCH_MS);
	arm_ms(d->ev_prune, 0);
	arm_ms(d->ev_tick, TICK_MS);
	if (notify_watchdog_interval_ms() > 0)
		arm_ms(d->ev_watchdog, notify_watchdog_interval_ms());
	return 0;
}

static void
daemon_stop(struct daemon *d)
{
	struct event *evs[] = { d->ev_term, d->ev_int, d->ev_hup,
	    d->ev_sqs_retry, d->ev_describe, d->ev_conf_watch, d->ev_watchdog,
	    d->ev_prune, d->ev_reconcile, d->ev_tick, d->ev_prices };

	d->stopping = 1;
	httpd_free(d->httpd);
	executor_stop(d->ex);
	/* Cancels what is in flight; the callbacks see d->stopping. */
	aws_free(d->aws);
	http_client_free(d->http);
	executor_free(d->ex);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	store_close(d->store);
	if (d->base)
		event_base_free(d->base);
	desired_free(d->conf);
	free(d->reload_error);
	spotprice_list_free(&d->prices);
}

int
daemon_run(const struct daemon_opts *opts)
{
	struct daemon d;
	char *errors = NULL;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	d.conf_path = opts->conf_path;
	d.started = time(NULL);
	d.sqs_backoff_ms = SQS_BACKOFF_MIN_MS;
	d.reaction_us = -1;
	srandom((unsigned)d.started ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	if ((d.conf = desired_load(d.conf_path, &errors)) == NULL) {
		log_errors(errors);
		log_error("config: %s: refusing to start", d.conf_path);
		free(errors);
		return 1;
	}
	free(errors);
	if (stat(d.conf_path, &d.conf_st) == -1)
		memset(&d.conf_st, 0, sizeof(d.conf_st));
	notify_init();
	if (daemon_start(&d) == -1) {
		log_error("stingy-vpn: refusing to start");
		goto done;
	}
	log_notice("stingy-vpn %s: endpoint %s in %s, queue %s, state %s%s%s",
	    STINGY_VERSION, d.conf->endpoint, aws_region(d.aws),
	    d.conf->queue_url, d.conf->state_db, d.httpd ? ", http on " : "",
	    d.httpd ? d.conf->listen : "");
	sqs_poll_start(&d);
	describe_start(&d);
	prices_start(&d);
	notify_send("READY=1\nSTATUS=watching");
	if (event_base_dispatch(d.base) == -1)
		log_error("event: the loop failed");
	else
		rc = 0;
done:
	daemon_stop(&d);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
