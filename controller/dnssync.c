/*
 * dnssync: the DNS record's state machine (the contract is dnssync.h).
 *
 * One request at a time: `busy` is 1 while one is out, and its completion
 * decides the next step. A state is an enum, a name table and one
 * transition function (ds_state_set) that logs old -> new. The timer serves
 * both the backoff and the Route 53 INSYNC polling.
 */
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "cloudflare.h"
#include "desired.h"
#include "dnssync.h"
#include "log.h"
#include "route53.h"
#include "ssm.h"

#define INSYNC_POLL_MS		2000
#define INSYNC_MAX_S		300	/* a change still PENDING after this fails */
#define TRANSIENT_MIN_MS	2000LL
#define TRANSIENT_MAX_MS	(5 * 60 * 1000LL)
#define RATE_DEFAULT_S		300	/* Cloudflare blocks for 5 min past its limit */
#define RATE_MAX_S		3600
#define CONFIG_RETRY_MS		(10 * 60 * 1000LL)

enum ds_state {
	DS_IDLE,	/* nothing to do, or waiting for the executor */
	DS_TOKEN,	/* GetParameter for the Cloudflare token */
	DS_READ,	/* reading the record */
	DS_WRITE,	/* PATCH, POST or UPSERT out */
	DS_INSYNC,	/* Route 53: polling GetChange */
	DS_CONFIRM,	/* reading back after a write */
	DS_BACKOFF	/* waiting after a failure */
};

static const char *const ds_state_names[] = {
	[DS_IDLE] = "idle", [DS_TOKEN] = "token", [DS_READ] = "read",
	[DS_WRITE] = "write", [DS_INSYNC] = "wait-insync",
	[DS_CONFIRM] = "confirm", [DS_BACKOFF] = "backoff",
};

struct dnssync {
	struct event_base	*base;
	struct http_client	*http;
	struct aws		*aws;
	struct dnssync_hooks	 hooks;
	void			*arg;

	/* [dns], copied */
	enum dns_provider	 provider;
	char			*name;
	char			*zone;
	char			*record_id_conf;	/* NULL: look it up */
	char			*token_param;
	char			*api;
	int			 create;
	long			 ttl;

	enum ds_state		 state;
	struct event		*timer;
	int			 busy;		/* a request is out */
	int			 orphan;	/* freed while busy: the completion frees */
	int			 stopping;

	char			 want[48];	/* "" none */
	char			 work[48];	/* what this pass syncs to */
	char			 previous[64];	/* what the record held when read */
	int			 wrote;		/* this pass wrote */
	int			 known;
	char			 value[48];	/* last confirmed */
	time_t			 synced_at;
	char			 record_id[64];	/* Cloudflare: configured or found */

	char			*token;		/* secret: wiped when dropped */
	int			 token_retried;	/* refetched after a refusal */

	char			 change_id[64];
	time_t			 change_at;

	unsigned		 failures;	/* in a row */
	time_t			 next_at;
	char			 last_error[256];
	time_t			 last_error_at;
	char			 config_error[256];
	char			 alerted[256];	/* the config error last alerted */

	unsigned long long	 n_requests, n_writes, n_failures, n_rate,
				 n_tokens;
};

static void ds_kick(struct dnssync *);
static void ds_read(struct dnssync *, enum ds_state);

/* ---- the policy ---- */

const char *
dns_fail_name(enum dns_fail f)
{
	switch (f) {
	case DNS_FAIL_TRANSIENT:
		return "transient";
	case DNS_FAIL_RATE:
		return "rate-limited";
	case DNS_FAIL_AUTH:
		return "auth";
	case DNS_FAIL_CONFIG:
		return "config";
	}
	return "unknown";
}

enum dns_fail
dns_classify_cf(const struct cf_answer *a)
{
	if (a->transport || a->http_status == 0 || a->http_status >= 500)
		return DNS_FAIL_TRANSIENT;
	if (a->http_status == 429)
		return DNS_FAIL_RATE;
	if (a->http_status == 401 || a->http_status == 403 ||
	    a->code == CF_ERR_AUTH || a->code == CF_ERR_AUTH_TOKEN ||
	    a->code == 9103 || a->code == 9106 || a->code == 6003 ||
	    a->code == 6111)
		return DNS_FAIL_AUTH;
	/* A 2xx we could not read says nothing about our configuration. */
	if (a->http_status >= 200 && a->http_status < 300)
		return DNS_FAIL_TRANSIENT;
	return DNS_FAIL_CONFIG;
}

enum dns_fail
dns_classify_aws(const struct aws_error *e)
{
	/* Already retried by aws.c (standard mode): now a backoff of ours. */
	static const char *const throttled[] = { "Throttling",
	    "ThrottlingException", "PriorRequestNotComplete",
	    "RequestLimitExceeded", "TooManyRequestsException", NULL };

	if (e->transport || e->http_status == 0 || e->http_status >= 500 ||
	    strcmp(e->code, "MalformedResponse") == 0)
		return DNS_FAIL_TRANSIENT;
	for (size_t i = 0; throttled[i]; i++)
		if (strcmp(e->code, throttled[i]) == 0)
			return DNS_FAIL_TRANSIENT;
	if (e->http_status == 429)
		return DNS_FAIL_RATE;
	/*
	 * Any other 4xx: no such zone, a bad change batch, a missing token
	 * parameter, and AWS credentials refused (those are not ours to fetch
	 * again) are all for the user to fix.
	 */
	return DNS_FAIL_CONFIG;
}

long
dns_retry_delay_ms(enum dns_fail f, unsigned failures, long retry_after_s,
    double r)
{
	long long d;

	if (r < 0 || r >= 1)
		r = 0;
	switch (f) {
	case DNS_FAIL_AUTH:
		return 0;
	case DNS_FAIL_RATE:
		if (retry_after_s < 0)
			retry_after_s = RATE_DEFAULT_S;
		if (retry_after_s < 1)
			retry_after_s = 1;
		if (retry_after_s > RATE_MAX_S)
			retry_after_s = RATE_MAX_S;
		return retry_after_s * 1000L;
	case DNS_FAIL_CONFIG:
		return (long)(CONFIG_RETRY_MS + (long long)(r * 60000));
	case DNS_FAIL_TRANSIENT:
		break;
	}
	d = TRANSIENT_MIN_MS;
	for (unsigned i = 1; i < failures && d < TRANSIENT_MAX_MS; i++)
		d *= 2;
	if (d > TRANSIENT_MAX_MS)
		d = TRANSIENT_MAX_MS;
	return (long)(d / 2 + (long long)(r * (double)(d / 2)));
}

/* ---- small helpers ---- */

static void
ds_state_set(struct dnssync *ds, enum ds_state s)
{
	if (ds->state != s)
		log_debug("dns %s: %s -> %s", ds->name,
		    ds_state_names[ds->state], ds_state_names[s]);
	ds->state = s;
}

static void
arm(struct dnssync *ds, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ds->timer, &tv);
}

static void
token_drop(struct dnssync *ds)
{
	if (ds->token != NULL) {
		explicit_bzero(ds->token, strlen(ds->token));
		free(ds->token);
		ds->token = NULL;
	}
}

static void
changed(struct dnssync *ds)
{
	if (ds->hooks.changed && !ds->stopping)
		ds->hooks.changed(ds->arg);
}

static void
ds_destroy(struct dnssync *ds)
{
	token_drop(ds);
	if (ds->timer)
		event_free(ds->timer);
	free(ds->name);
	free(ds->zone);
	free(ds->record_id_conf);
	free(ds->token_param);
	free(ds->api);
	free(ds);
}

/*
 * ds_done: a request came back. 1 when the caller may go on; 0 when ds is
 * stopping (or was freed, and is gone now).
 */
static int
ds_done(struct dnssync *ds)
{
	ds->busy = 0;
	if (ds->orphan) {
		ds_destroy(ds);
		return 0;
	}
	return !ds->stopping;
}

/* redirected: the executor wants another value than this pass works on. */
static int
redirected(struct dnssync *ds)
{
	if (strcmp(ds->want, ds->work) == 0)
		return 0;
	log_info("dns %s: now wanted %s, not %s: starting over", ds->name,
	    ds->want[0] ? ds->want : "(nothing)", ds->work);
	ds_state_set(ds, DS_IDLE);
	ds_kick(ds);
	return 1;
}

/* ---- success and failure ---- */

static void
ds_confirmed(struct dnssync *ds)
{
	time_t now = time(NULL);

	ds->known = 1;
	snprintf(ds->value, sizeof(ds->value), "%s", ds->work);
	ds->synced_at = now;
	ds->failures = 0;
	ds->next_at = 0;
	ds->token_retried = 0;
	if (ds->config_error[0]) {
		log_notice("dns %s: configuration error cleared (was: %s)",
		    ds->name, ds->config_error);
		ds->config_error[0] = '\0';
		ds->alerted[0] = '\0';
	}
	if (ds->wrote)
		log_notice("dns %s: A %s confirmed (was %s)", ds->name,
		    ds->value, ds->previous[0] ? ds->previous : "missing");
	else
		log_info("dns %s: A %s confirmed, already right: nothing "
		    "written", ds->name, ds->value);
	if (ds->hooks.synced)
		ds->hooks.synced(ds->value, ds->previous, ds->wrote, now,
		    ds->arg);
	ds_state_set(ds, DS_IDLE);
	changed(ds);
	if (strcmp(ds->want, ds->work) != 0)
		ds_kick(ds);
}

static void
ds_alert(struct dnssync *ds, enum rc_alert kind, const char *text)
{
	if (ds->hooks.alert && !ds->stopping)
		ds->hooks.alert(kind, text, ds->arg);
}

/*
 * ds_fail: one pass failed with class f; msg (no secret in it) says how.
 * Arms the backoff, or for AUTH fetches the token again once.
 */
static void
ds_fail(struct dnssync *ds, enum dns_fail f, long retry_after_s,
    const char *msg)
{
	char text[512];
	long delay;

	if (f == DNS_FAIL_AUTH && ds->provider == DNS_CLOUDFLARE &&
	    !ds->token_retried) {
		log_warnx("dns %s: %s: fetching the token again", ds->name, msg);
		ds->token_retried = 1;
		token_drop(ds);
		ds_state_set(ds, DS_IDLE);
		ds_kick(ds);
		return;
	}
	if (f == DNS_FAIL_AUTH) {
		/* The next slow retry reads the parameter again. */
		token_drop(ds);
		ds->token_retried = 0;
		f = DNS_FAIL_CONFIG;
	}
	ds->failures++;
	ds->n_failures++;
	if (f == DNS_FAIL_RATE)
		ds->n_rate++;
	snprintf(ds->last_error, sizeof(ds->last_error), "%s", msg);
	ds->last_error_at = time(NULL);
	delay = dns_retry_delay_ms(f, ds->failures, retry_after_s,
	    (double)random() / ((double)RAND_MAX + 1.0));
	ds->next_at = time(NULL) + (delay + 999) / 1000;
	snprintf(text, sizeof(text), "record %s (%s) -> %s: %s", ds->name,
	    desired_dns_provider_name(ds->provider), ds->work, msg);
	if (f == DNS_FAIL_CONFIG) {
		snprintf(ds->config_error, sizeof(ds->config_error), "record "
		    "%s: %s", ds->name, msg);
		log_error("dns %s: %s: a configuration error; retrying in %ld s",
		    ds->name, msg, delay / 1000);
		if (strcmp(ds->alerted, ds->config_error) != 0) {
			snprintf(ds->alerted, sizeof(ds->alerted), "%s",
			    ds->config_error);
			ds_alert(ds, RC_ALERT_DNS_CONFIG, text);
		}
	} else {
		log_warnx("dns %s: %s (%s); retrying in %ld ms", ds->name, msg,
		    dns_fail_name(f), delay);
		ds_alert(ds, RC_ALERT_DNS, text);
	}
	ds_state_set(ds, DS_BACKOFF);
	arm(ds, delay);
	changed(ds);
}

/* cf_msg: "MESSAGE (cloudflare CODE, HTTP NNN)" for a failed answer. */
static void
cf_msg(const struct cf_answer *a, const char *what, char *buf, size_t len)
{
	if (a->transport)
		snprintf(buf, len, "%s: %s", what, a->message);
	else if (a->code)
		snprintf(buf, len, "%s: %s (cloudflare %d, HTTP %ld)", what,
		    a->message[0] ? a->message : "error", a->code,
		    a->http_status);
	else
		snprintf(buf, len, "%s: %s (HTTP %ld)", what,
		    a->message[0] ? a->message : "error", a->http_status);
}

static void
cf_fail(struct dnssync *ds, const struct cf_answer *a, const char *what)
{
	char msg[400];

	cf_msg(a, what, msg, sizeof(msg));
	ds_fail(ds, dns_classify_cf(a), a->retry_after_s, msg);
}

static void
aws_fail(struct dnssync *ds, const struct aws_error *e, const char *what)
{
	char msg[400], eb[360];

	snprintf(msg, sizeof(msg), "%s: %s", what,
	    aws_error_str(e, eb, sizeof(eb)));
	ds_fail(ds, dns_classify_aws(e), -1, msg);
}

/* ---- Cloudflare ---- */

/* cf_matches: the record already is what we want. */
static int
cf_matches(const struct dnssync *ds, const struct cf_record *r)
{
	return strcmp(r->type, "A") == 0 && strcmp(r->content, ds->work) == 0 &&
	    r->ttl == ds->ttl && !r->proxied;
}

static void
cf_confirm_cb(const struct cf_answer *a, void *arg)
{
	struct dnssync *ds = arg;
	char msg[200];

	if (!ds_done(ds) || redirected(ds))
		return;
	if (!a->success) {
		cf_fail(ds, a, "confirming the write");
		return;
	}
	if (a->n_records != 1 || !cf_matches(ds, &a->records[0])) {
		snprintf(msg, sizeof(msg), "read back %s after writing %s",
		    a->n_records ? a->records[0].content : "nothing", ds->work);
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, msg);
		return;
	}
	ds_confirmed(ds);
}

static void
cf_write_cb(const struct cf_answer *a, void *arg)
{
	struct dnssync *ds = arg;

	if (!ds_done(ds))
		return;
	if (!a->success) {
		cf_fail(ds, a, ds->record_id[0] ? "PATCH" : "POST");
		return;
	}
	if (a->n_records == 1 && ds->record_id[0] == '\0') {
		snprintf(ds->record_id, sizeof(ds->record_id), "%s",
		    a->records[0].id);
		log_notice("dns %s: record created (id %s)", ds->name,
		    ds->record_id);
	}
	ds->wrote = 1;
	if (!redirected(ds))
		ds_read(ds, DS_CONFIRM);
}

static void
cf_write(struct dnssync *ds)
{
	int rc;

	ds_state_set(ds, DS_WRITE);
	ds->n_requests++;
	ds->n_writes++;
	if (ds->record_id[0])
		rc = cf_update_record(ds->http, ds->api, ds->token, ds->zone,
		    ds->record_id, ds->name, ds->work, ds->ttl, cf_write_cb, ds);
	else
		rc = cf_create_record(ds->http, ds->api, ds->token, ds->zone,
		    ds->name, ds->work, ds->ttl, cf_write_cb, ds);
	if (rc == -1) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "write could not start");
		return;
	}
	ds->busy = 1;
}

static void
cf_read_cb(const struct cf_answer *a, void *arg)
{
	struct dnssync *ds = arg;
	const struct cf_record *r;
	char msg[400];

	if (!ds_done(ds) || redirected(ds))
		return;
	if (!a->success) {
		/* A record we found by name went away: look it up again. */
		if (a->code == CF_ERR_RECORD_MISSING && ds->record_id[0] &&
		    ds->record_id_conf == NULL) {
			log_warnx("dns %s: record %s is gone; looking it up by "
			    "name", ds->name, ds->record_id);
			ds->record_id[0] = '\0';
			ds_read(ds, DS_READ);
			return;
		}
		if (a->code == CF_ERR_RECORD_MISSING) {
			snprintf(msg, sizeof(msg), "record_id %s does not exist "
			    "(cloudflare %d)", ds->record_id, a->code);
			ds_fail(ds, DNS_FAIL_CONFIG, -1, msg);
			return;
		}
		cf_fail(ds, a, "read");
		return;
	}
	if (ds->record_id[0] == '\0') {
		/* A list by name and type. */
		if (a->total == 0) {
			if (!ds->create) {
				snprintf(msg, sizeof(msg), "no A record named "
				    "%s in zone %s (create = no)", ds->name,
				    ds->zone);
				ds_fail(ds, DNS_FAIL_CONFIG, -1, msg);
				return;
			}
			ds->previous[0] = '\0';
			cf_write(ds);
			return;
		}
		if (a->total > 1 || a->n_records != 1) {
			snprintf(msg, sizeof(msg), "%zu A records named %s: "
			    "keep one, or set record_id", a->total, ds->name);
			ds_fail(ds, DNS_FAIL_CONFIG, -1, msg);
			return;
		}
		snprintf(ds->record_id, sizeof(ds->record_id), "%s",
		    a->records[0].id);
	}
	if (a->n_records != 1) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "read: no record in the answer");
		return;
	}
	r = &a->records[0];
	snprintf(ds->previous, sizeof(ds->previous), "%s", r->content);
	if (cf_matches(ds, r)) {
		ds_confirmed(ds);
		return;
	}
	log_info("dns %s: record holds %s (ttl %ld%s), want %s (ttl %ld): "
	    "writing", ds->name, r->content, r->ttl, r->proxied ?
	    ", proxied" : "", ds->work, ds->ttl);
	cf_write(ds);
}

/* ---- Route 53 ---- */

static int
r53_matches(const struct dnssync *ds, const struct r53_rrset *rr)
{
	return rr != NULL && rr->n_values == 1 &&
	    strcmp(rr->value, ds->work) == 0 && rr->ttl == ds->ttl;
}

static void
r53_confirm_cb(const struct aws_error *err, const struct r53_rrset *rr,
    void *arg)
{
	struct dnssync *ds = arg;
	char msg[200];

	if (!ds_done(ds) || redirected(ds))
		return;
	if (err != NULL) {
		aws_fail(ds, err, "confirming the write");
		return;
	}
	if (!r53_matches(ds, rr)) {
		snprintf(msg, sizeof(msg), "read back %s after writing %s",
		    rr && rr->value[0] ? rr->value : "nothing", ds->work);
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, msg);
		return;
	}
	ds_confirmed(ds);
}

static void
r53_changed_cb(const struct aws_error *err, const char *id, const char *status,
    void *arg)
{
	struct dnssync *ds = arg;
	char msg[200];

	if (!ds_done(ds))
		return;
	if (err != NULL) {
		aws_fail(ds, err, ds->state == DS_WRITE ?
		    "ChangeResourceRecordSets" : "GetChange");
		return;
	}
	if (ds->state == DS_WRITE) {
		ds->wrote = 1;
		snprintf(ds->change_id, sizeof(ds->change_id), "%s", id);
		ds->change_at = time(NULL);
	}
	if (redirected(ds))
		return;
	if (strcmp(status, "INSYNC") == 0) {
		ds_read(ds, DS_CONFIRM);
		return;
	}
	if (time(NULL) - ds->change_at > INSYNC_MAX_S) {
		snprintf(msg, sizeof(msg), "change %s still %s after %d s",
		    ds->change_id, status, INSYNC_MAX_S);
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, msg);
		return;
	}
	/* PENDING: ask again on the timer; the loop goes on meanwhile. */
	ds_state_set(ds, DS_INSYNC);
	arm(ds, INSYNC_POLL_MS);
}

static void
r53_write(struct dnssync *ds)
{
	ds_state_set(ds, DS_WRITE);
	ds->n_requests++;
	ds->n_writes++;
	if (r53_upsert(ds->aws, ds->zone, ds->name, ds->work, ds->ttl,
	    r53_changed_cb, ds) == -1) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "UPSERT could not start");
		return;
	}
	ds->busy = 1;
}

static void
r53_read_cb(const struct aws_error *err, const struct r53_rrset *rr,
    void *arg)
{
	struct dnssync *ds = arg;

	if (!ds_done(ds) || redirected(ds))
		return;
	if (err != NULL) {
		aws_fail(ds, err, "ListResourceRecordSets");
		return;
	}
	snprintf(ds->previous, sizeof(ds->previous), "%s", rr ? rr->value : "");
	if (r53_matches(ds, rr)) {
		ds_confirmed(ds);
		return;
	}
	log_info("dns %s: record holds %s, want %s (ttl %ld): UPSERT",
	    ds->name, rr && rr->value[0] ? rr->value : "nothing", ds->work,
	    ds->ttl);
	r53_write(ds);
}

/* ---- the steps ---- */

static void
token_cb(const struct aws_error *err, const struct ssm_parameter *p, void *arg)
{
	struct dnssync *ds = arg;
	char msg[400], eb[360];

	if (!ds_done(ds))
		return;
	if (err != NULL) {
		snprintf(msg, sizeof(msg), "token_parameter %s: %s",
		    ds->token_param, aws_error_str(err, eb, sizeof(eb)));
		ds_fail(ds, dns_classify_aws(err), -1, msg);
		return;
	}
	if (p->value == NULL || p->value[0] == '\0' ||
	    strcspn(p->value, "\r\n \t") != strlen(p->value)) {
		snprintf(msg, sizeof(msg), "token_parameter %s: the value is "
		    "empty or has blanks", ds->token_param);
		ds_fail(ds, DNS_FAIL_CONFIG, -1, msg);
		return;
	}
	if (strcmp(p->type ? p->type : "", "SecureString") != 0)
		log_warnx("dns %s: token_parameter %s is a %s, not a "
		    "SecureString", ds->name, ds->token_param,
		    p->type ? p->type : "parameter");
	token_drop(ds);
	if ((ds->token = strdup(p->value)) == NULL) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "out of memory");
		return;
	}
	log_info("dns %s: token read from %s", ds->name, ds->token_param);
	if (!redirected(ds))
		ds_read(ds, DS_READ);
}

static void
ds_token(struct dnssync *ds)
{
	ds_state_set(ds, DS_TOKEN);
	ds->n_tokens++;
	if (ssm_get_parameter(ds->aws, ds->token_param, 1, token_cb, ds) == -1) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "GetParameter could not start");
		return;
	}
	ds->busy = 1;
}

/* ds_read: a read for state s (DS_READ, or DS_CONFIRM after a write). */
static void
ds_read(struct dnssync *ds, enum ds_state s)
{
	int rc;

	ds_state_set(ds, s);
	ds->n_requests++;
	if (ds->provider == DNS_ROUTE53)
		rc = r53_get_record(ds->aws, ds->zone, ds->name, s == DS_CONFIRM ?
		    r53_confirm_cb : r53_read_cb, ds);
	else if (ds->record_id[0])
		rc = cf_get_record(ds->http, ds->api, ds->token, ds->zone,
		    ds->record_id, s == DS_CONFIRM ? cf_confirm_cb : cf_read_cb,
		    ds);
	else
		rc = cf_list_records(ds->http, ds->api, ds->token, ds->zone,
		    ds->name, cf_read_cb, ds);
	if (rc == -1) {
		ds_fail(ds, DNS_FAIL_TRANSIENT, -1, "read could not start");
		return;
	}
	ds->busy = 1;
}

/* ds_kick: starts a pass when there is work and nothing stops it. */
static void
ds_kick(struct dnssync *ds)
{
	if (ds->busy || ds->stopping || ds->state == DS_BACKOFF ||
	    ds->state == DS_INSYNC || ds->want[0] == '\0')
		return;
	if (ds->known && strcmp(ds->value, ds->want) == 0) {
		ds_state_set(ds, DS_IDLE);
		return;
	}
	snprintf(ds->work, sizeof(ds->work), "%s", ds->want);
	ds->wrote = 0;
	ds->previous[0] = '\0';
	if (ds->provider == DNS_CLOUDFLARE && ds->token == NULL)
		ds_token(ds);
	else
		ds_read(ds, DS_READ);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dnssync *ds = arg;

	(void)fd;
	(void)what;
	if (ds->stopping || ds->busy)
		return;
	if (ds->state == DS_INSYNC) {
		if (redirected(ds))
			return;
		ds->n_requests++;
		if (r53_get_change(ds->aws, ds->change_id, r53_changed_cb,
		    ds) == -1) {
			ds_fail(ds, DNS_FAIL_TRANSIENT, -1,
			    "GetChange could not start");
			return;
		}
		ds->busy = 1;
		return;
	}
	if (ds->state == DS_BACKOFF) {
		ds->next_at = 0;
		ds_state_set(ds, DS_IDLE);
		ds_kick(ds);
	}
}

/* ---- the interface ---- */

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct dnssync *
dnssync_new(struct event_base *base, struct http_client *http,
    struct aws *aws, const struct desired *d, const struct dnssync_hooks *h,
    void *arg, const char *stored_value, time_t stored_at)
{
	struct dnssync *ds = calloc(1, sizeof(*ds));

	if (ds == NULL)
		return NULL;
	ds->base = base;
	ds->http = http;
	ds->aws = aws;
	if (h)
		ds->hooks = *h;
	ds->arg = arg;
	ds->provider = d->dns_provider;
	ds->create = d->dns_create;
	ds->ttl = (long)d->dns_ttl;
	ds->name = dup_or_null(d->dns_name);
	ds->zone = dup_or_null(d->dns_zone_id);
	ds->record_id_conf = dup_or_null(d->dns_record_id);
	ds->token_param = dup_or_null(d->dns_token_parameter);
	ds->api = dup_or_null(d->dns_api_url);
	ds->timer = evtimer_new(base, timer_cb, ds);
	if (ds->name == NULL || ds->zone == NULL || ds->timer == NULL ||
	    (d->dns_record_id && ds->record_id_conf == NULL) ||
	    (d->dns_token_parameter && ds->token_param == NULL) ||
	    (d->dns_api_url && ds->api == NULL)) {
		ds_destroy(ds);
		return NULL;
	}
	if (ds->record_id_conf)
		snprintf(ds->record_id, sizeof(ds->record_id), "%s",
		    ds->record_id_conf);
	if (stored_value)
		snprintf(ds->value, sizeof(ds->value), "%s", stored_value);
	ds->synced_at = stored_at;
	ds->state = DS_IDLE;
	return ds;
}

static int
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int
dnssync_same_config(const struct dnssync *ds, const struct desired *d)
{
	return ds->provider == d->dns_provider && same(ds->name, d->dns_name) &&
	    same(ds->zone, d->dns_zone_id) &&
	    same(ds->record_id_conf, d->dns_record_id) &&
	    ds->create == d->dns_create && ds->ttl == (long)d->dns_ttl &&
	    same(ds->token_param, d->dns_token_parameter) &&
	    same(ds->api, d->dns_api_url);
}

void
dnssync_want(struct dnssync *ds, const char *value)
{
	if (ds == NULL || value == NULL)
		return;
	if (strcmp(ds->want, value) != 0) {
		snprintf(ds->want, sizeof(ds->want), "%s", value);
		log_debug("dns %s: wanted %s", ds->name, ds->want);
	}
	ds_kick(ds);
}

void
dnssync_refresh(struct dnssync *ds, time_t now)
{
	if (ds == NULL || !ds->known || ds->state != DS_IDLE)
		return;
	if (now - ds->synced_at >= DNSSYNC_VERIFY_S) {
		ds->known = 0;
		changed(ds);
	}
}

int
dnssync_known(const struct dnssync *ds)
{
	return ds != NULL && ds->known;
}

const char *
dnssync_value(const struct dnssync *ds)
{
	return ds ? ds->value : "";
}

const char *
dnssync_blocked(const struct dnssync *ds)
{
	return ds && ds->config_error[0] ? ds->config_error : NULL;
}

void
dnssync_status(const struct dnssync *ds, struct dnssync_status *out)
{
	memset(out, 0, sizeof(*out));
	out->provider = desired_dns_provider_name(ds->provider);
	out->name = ds->name;
	out->state = ds_state_names[ds->state];
	out->want = ds->want;
	out->value = ds->value;
	out->synced_at = ds->synced_at;
	out->in_sync = ds->known && ds->want[0] &&
	    strcmp(ds->value, ds->want) == 0;
	out->last_error = ds->last_error;
	out->last_error_at = ds->last_error_at;
	out->config_error = ds->config_error;
	out->next_attempt = ds->state == DS_BACKOFF ? ds->next_at : 0;
	out->requests = ds->n_requests;
	out->writes = ds->n_writes;
	out->failures = ds->n_failures;
	out->rate_limited = ds->n_rate;
	out->token_fetches = ds->n_tokens;
}

void
dnssync_stop(struct dnssync *ds)
{
	if (ds != NULL)
		ds->stopping = 1;
}

void
dnssync_free(struct dnssync *ds)
{
	if (ds == NULL)
		return;
	ds->stopping = 1;
	if (ds->timer)
		evtimer_del(ds->timer);
	token_drop(ds);
	if (ds->busy) {
		ds->orphan = 1;
		return;
	}
	ds_destroy(ds);
}
