/* status: /status as JSON through json-c, /metrics as Prometheus text. */
#include <json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dnssync.h"
#include "status.h"
#include "store.h"

/*
 * utf8_seq: the length (1..4) of the well-formed UTF-8 character at p[0..n),
 * or 0 when it is not one (a stray byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * The JSON is built with json-c. A builder carries one flag, oom, set by any
 * allocation or insertion that fails, so status_json can tell an intended
 * null (an empty string, a zero time) from a lost value and return NULL.
 */
struct jb {
	int	oom;
};

/* jb_set: o[key] = v, taking v. A NULL o (lost earlier) just drops v. */
static void
jb_set(struct jb *jb, json_object *o, const char *key, json_object *v)
{
	if (o == NULL || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		jb->oom = 1;
	}
}

/* jb_push: appends v to the array a, taking v. */
static void
jb_push(struct jb *jb, json_object *a, json_object *v)
{
	if (a == NULL || v == NULL || json_object_array_add(a, v) != 0) {
		json_object_put(v);
		jb->oom = 1;
	}
}

static json_object *
jb_new(struct jb *jb, json_object *o)
{
	if (o == NULL)
		jb->oom = 1;
	return o;
}

/*
 * jb_str: s as a JSON string, or null when s is NULL or empty. Bytes that
 * are not valid UTF-8 become '?': the store cuts strings at fixed sizes,
 * possibly inside a character, and a strict client refuses such JSON.
 */
static json_object *
jb_str(struct jb *jb, const char *s)
{
	const unsigned char *p;
	json_object *o;
	char *copy;
	size_t len, i, n;

	if (s == NULL || *s == '\0')
		return NULL;
	len = strlen(s);
	if ((copy = malloc(len + 1)) == NULL) {
		jb->oom = 1;
		return NULL;
	}
	memcpy(copy, s, len + 1);
	p = (const unsigned char *)copy;
	for (i = 0; i < len; i += n) {
		n = utf8_seq(p + i, len - i);
		if (n == 0) {
			copy[i] = '?';
			n = 1;
		}
	}
	o = jb_new(jb, json_object_new_string_len(copy, (int)(len > INT_MAX ?
	    INT_MAX : len)));
	free(copy);
	return o;
}

static json_object *
jb_int(struct jb *jb, long long n)
{
	return jb_new(jb, json_object_new_int64((int64_t)n));
}

/* jb_uint: n as a JSON integer, saturated at INT64_MAX. */
static json_object *
jb_uint(struct jb *jb, unsigned long long n)
{
	return jb_int(jb, n > INT64_MAX ? INT64_MAX : (long long)n);
}

static json_object *
jb_bool(struct jb *jb, int b)
{
	return jb_new(jb, json_object_new_boolean(b != 0));
}

/* jb_time: Unix seconds, or null for 0 ("never"). */
static json_object *
jb_time(struct jb *jb, time_t t)
{
	return t ? jb_int(jb, (long long)t) : NULL;
}

static json_object *
instance_json(struct jb *jb, const struct store_instance *in, time_t now)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "id", jb_str(jb, in->id));
	jb_set(jb, o, "state", jb_str(jb, in->state));
	jb_set(jb, o, "type", jb_str(jb, in->type));
	jb_set(jb, o, "az", jb_str(jb, in->az));
	jb_set(jb, o, "subnet", jb_str(jb, in->subnet));
	jb_set(jb, o, "public_ip", jb_str(jb, in->public_ip));
	jb_set(jb, o, "private_ip", jb_str(jb, in->private_ip));
	jb_set(jb, o, "lifecycle", jb_str(jb, in->lifecycle));
	jb_set(jb, o, "launch_id", jb_str(jb, in->launch_id));
	jb_set(jb, o, "launch_time", jb_time(jb, in->launch_time));
	jb_set(jb, o, "age_s", in->launch_time && now >= in->launch_time ?
	    jb_int(jb, (long long)(now - in->launch_time)) : NULL);
	jb_set(jb, o, "ready", jb_bool(jb, in->ready));
	jb_set(jb, o, "doomed", jb_str(jb, in->doomed_reason));
	jb_set(jb, o, "doomed_at", jb_time(jb, in->doomed_at));
	jb_set(jb, o, "first_seen", jb_time(jb, in->first_seen));
	jb_set(jb, o, "last_seen", jb_time(jb, in->last_seen));
	return o;
}

/* instance_by_id: the instance object of id in v->instances, or null. */
static json_object *
instance_by_id(struct jb *jb, const struct status_view *v, const char *id)
{
	if (id == NULL || *id == '\0')
		return NULL;
	for (size_t i = 0; i < v->n_instances; i++)
		if (strcmp(v->instances[i].id, id) == 0)
			return instance_json(jb, &v->instances[i], v->now);
	return NULL;
}

static json_object *
event_json(struct jb *jb, const struct store_event *ev)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "id", jb_str(jb, ev->event_id));
	jb_set(jb, o, "kind", jb_str(jb, ev->kind));
	jb_set(jb, o, "detail_type", jb_str(jb, ev->detail_type));
	jb_set(jb, o, "instance_id", jb_str(jb, ev->instance_id));
	jb_set(jb, o, "detail", jb_str(jb, ev->detail));
	jb_set(jb, o, "time", jb_time(jb, ev->event_time));
	jb_set(jb, o, "received_at", jb_time(jb, ev->received_at));
	return o;
}

static json_object *
launch_json(struct jb *jb, const struct store_intent *it)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "launch_id", jb_str(jb, it->launch_id));
	jb_set(jb, o, "type", jb_str(jb, it->type));
	jb_set(jb, o, "subnet", jb_str(jb, it->subnet));
	jb_set(jb, o, "state", jb_str(jb, store_intent_state_name(it->state)));
	jb_set(jb, o, "instance_id", jb_str(jb, it->instance_id));
	jb_set(jb, o, "created_at", jb_time(jb, it->created_at));
	return o;
}

static json_object *
audit_json(struct jb *jb, const struct store_audit_entry *a)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "at", jb_time(jb, a->at));
	jb_set(jb, o, "action", jb_str(jb, a->action));
	jb_set(jb, o, "target", jb_str(jb, a->target));
	jb_set(jb, o, "detail", jb_str(jb, a->detail));
	jb_set(jb, o, "result", jb_str(jb, a->result));
	return o;
}

static void
add_config(struct jb *jb, json_object *root, const struct status_view *v)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "path", jb_str(jb, v->conf_path));
	jb_set(jb, o, "describe_interval_ms", jb_int(jb, v->describe_interval_ms));
	jb_set(jb, o, "sqs_wait_ms", jb_int(jb, v->sqs_wait_ms));
	jb_set(jb, o, "last_reload", jb_time(jb, v->last_reload));
	jb_set(jb, o, "last_reload_error", jb_str(jb, v->reload_error));
	jb_set(jb, root, "config", o);

	o = jb_new(jb, json_object_new_object());
	jb_set(jb, o, "last_ok", jb_time(jb, v->last_sqs_ok));
	jb_set(jb, o, "last_error", jb_str(jb, v->sqs_error));
	jb_set(jb, o, "polling", jb_bool(jb, v->sqs_inflight));
	jb_set(jb, root, "sqs", o);

	o = jb_new(jb, json_object_new_object());
	jb_set(jb, o, "last_ok", jb_time(jb, v->last_describe_ok));
	jb_set(jb, o, "last_error", jb_str(jb, v->describe_error));
	jb_set(jb, root, "ec2", o);
}

static void
add_dns(struct jb *jb, json_object *root, const struct dnssync_status *s)
{
	json_object *o;

	if (s == NULL) {
		jb_set(jb, root, "dns", NULL);
		return;
	}
	o = jb_new(jb, json_object_new_object());
	jb_set(jb, o, "provider", jb_str(jb, s->provider));
	jb_set(jb, o, "name", jb_str(jb, s->name));
	jb_set(jb, o, "state", jb_str(jb, s->state));
	jb_set(jb, o, "want", jb_str(jb, s->want));
	jb_set(jb, o, "value", jb_str(jb, s->value));
	jb_set(jb, o, "synced_at", jb_time(jb, s->synced_at));
	jb_set(jb, o, "in_sync", jb_bool(jb, s->in_sync));
	jb_set(jb, o, "last_error", jb_str(jb, s->last_error));
	jb_set(jb, o, "last_error_at", jb_time(jb, s->last_error_at));
	jb_set(jb, o, "config_error", jb_str(jb, s->config_error));
	jb_set(jb, o, "next_attempt", jb_time(jb, s->next_attempt));
	jb_set(jb, o, "requests", jb_uint(jb, s->requests));
	jb_set(jb, o, "writes", jb_uint(jb, s->writes));
	jb_set(jb, o, "failures", jb_uint(jb, s->failures));
	jb_set(jb, o, "rate_limited", jb_uint(jb, s->rate_limited));
	jb_set(jb, o, "token_fetches", jb_uint(jb, s->token_fetches));
	jb_set(jb, root, "dns", o);
}

static void
add_endpoint(struct jb *jb, json_object *root, const struct status_view *v)
{
	json_object *o = jb_new(jb, json_object_new_object());

	jb_set(jb, o, "primary", jb_str(jb, v->primary));
	jb_set(jb, o, "target", jb_str(jb, v->target));
	jb_set(jb, o, "waiting", jb_str(jb, v->waiting));
	jb_set(jb, o, "blocker", jb_str(jb, v->blocker));
	jb_set(jb, o, "elastic_ip", jb_str(jb, v->elastic_ip));
	jb_set(jb, o, "eip_instance", jb_str(jb, v->eip_instance));
	jb_set(jb, o, "eip_address", jb_str(jb, v->eip_address));
	jb_set(jb, o, "ssm_parameter", jb_str(jb, v->ssm_parameter));
	jb_set(jb, o, "ssm_value", jb_str(jb, v->ssm_value));
	jb_set(jb, root, "endpoint_state", o);
	add_dns(jb, root, v->dns);
	jb_set(jb, root, "primary", instance_by_id(jb, v, v->primary));
	jb_set(jb, root, "replacement", instance_by_id(jb, v, v->replacement));
}

static void
add_lists(struct jb *jb, json_object *root, const struct status_view *v)
{
	json_object *arr;

	arr = jb_new(jb, json_object_new_array());
	for (size_t i = 0; i < v->n_launches; i++)
		jb_push(jb, arr, launch_json(jb, &v->launches[i]));
	jb_set(jb, root, "launches_in_flight", arr);

	arr = jb_new(jb, json_object_new_array());
	for (size_t i = 0; i < v->n_instances; i++)
		jb_push(jb, arr, instance_json(jb, &v->instances[i], v->now));
	jb_set(jb, root, "instances", arr);

	arr = jb_new(jb, json_object_new_array());
	for (size_t i = 0; i < v->n_events; i++)
		jb_push(jb, arr, event_json(jb, &v->events[i]));
	jb_set(jb, root, "recent_events", arr);

	jb_set(jb, root, "interruptions_24h", jb_int(jb, v->interruptions_24h));

	arr = jb_new(jb, json_object_new_array());
	for (size_t i = 0; i < v->n_errors; i++)
		jb_push(jb, arr, audit_json(jb, &v->errors[i]));
	jb_set(jb, root, "last_errors", arr);

	arr = jb_new(jb, json_object_new_array());
	for (size_t i = 0; i < v->n_actions; i++)
		jb_push(jb, arr, audit_json(jb, &v->actions[i]));
	jb_set(jb, root, "recent_actions", arr);
}

char *
status_json(const struct status_view *v)
{
	struct jb jb = { 0 };
	json_object *root = NULL;
	const char *s;
	char *out = NULL;
	size_t len;

	if ((root = json_object_new_object()) == NULL)
		goto done;
	jb_set(&jb, root, "version", jb_str(&jb, v->version));
	jb_set(&jb, root, "endpoint", jb_str(&jb, v->endpoint));
	jb_set(&jb, root, "region", jb_str(&jb, v->region));
	jb_set(&jb, root, "enabled", jb_bool(&jb, v->enabled));
	jb_set(&jb, root, "healthy", jb_bool(&jb, v->healthy));
	jb_set(&jb, root, "reason", jb_str(&jb, v->reason));
	jb_set(&jb, root, "now", jb_time(&jb, v->now));
	jb_set(&jb, root, "started", jb_time(&jb, v->started));
	add_config(&jb, root, v);
	add_endpoint(&jb, root, v);
	add_lists(&jb, root, v);
	jb_set(&jb, root, "launches_past_hour", jb_int(&jb, v->launches_past_hour));
	jb_set(&jb, root, "reconciles", jb_uint(&jb, v->reconciles));
	jb_set(&jb, root, "actions_total", jb_uint(&jb, v->actions_total));
	jb_set(&jb, root, "quarantined", jb_int(&jb, v->quarantined));
	if (jb.oom)
		goto done;
	s = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		goto done;
	len = strlen(s);
	if ((out = malloc(len + 2)) == NULL)
		goto done;
	memcpy(out, s, len);
	out[len] = '\n';
	out[len + 1] = '\0';
done:
	json_object_put(root);
	return out;
}

/* The text being written; bad is set by any append that failed. */
struct mw {
	struct buf	b;
	int		bad;
};

/* metric: one sample; labels may be NULL. */
static void
metric(struct mw *m, const char *name, const char *labels, double value)
{
	int rc;

	if (labels)
		rc = buf_addf(&m->b, "%s{%s} %.17g\n", name, labels, value);
	else
		rc = buf_addf(&m->b, "%s %.17g\n", name, value);
	if (rc == -1)
		m->bad = 1;
}

static void
help(struct mw *m, const char *name, const char *type, const char *text)
{
	if (buf_addf(&m->b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name,
	    type) == -1)
		m->bad = 1;
}

static void
dns_metrics(struct mw *m, const struct dnssync_status *s)
{
	help(m, "stingy_dns_in_sync", "gauge",
	    "1 when the DNS record is confirmed to hold the wanted address");
	metric(m, "stingy_dns_in_sync", NULL, s->in_sync);
	help(m, "stingy_dns_last_sync_timestamp_seconds", "gauge",
	    "when the DNS record was last confirmed");
	metric(m, "stingy_dns_last_sync_timestamp_seconds", NULL,
	    (double)s->synced_at);
	help(m, "stingy_dns_requests_total", "counter",
	    "DNS provider API requests sent");
	metric(m, "stingy_dns_requests_total", NULL, (double)s->requests);
	help(m, "stingy_dns_writes_total", "counter",
	    "DNS record writes sent (PATCH, POST, UPSERT)");
	metric(m, "stingy_dns_writes_total", NULL, (double)s->writes);
	help(m, "stingy_dns_failures_total", "counter", "DNS sync passes that failed");
	metric(m, "stingy_dns_failures_total", NULL, (double)s->failures);
	help(m, "stingy_dns_rate_limited_total", "counter",
	    "DNS provider answers 429");
	metric(m, "stingy_dns_rate_limited_total", NULL, (double)s->rate_limited);
	help(m, "stingy_dns_config_error", "gauge",
	    "1 while the DNS provider refuses the configuration");
	metric(m, "stingy_dns_config_error", NULL,
	    s->config_error && *s->config_error ? 1 : 0);
}

/* label_safe: 1 when s can go inside a label value unescaped. */
static int
label_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || *s == '\n')
			return 0;
	return 1;
}

char *
status_metrics(const struct status_view *v)
{
	static const char *states[] = { "pending", "running", "stopping",
	    "stopped", "shutting-down", "terminated" };
	static const struct status_counters none;
	const struct status_counters *c = v->counters ? v->counters : &none;
	struct mw m = { .bad = 0 };
	char lbl[96];

	buf_init(&m.b, 1 << 20);
	help(&m, "stingy_healthy", "gauge", "1 when /healthz answers 200");
	metric(&m, "stingy_healthy", NULL, v->healthy);
	help(&m, "stingy_start_time_seconds", "gauge", "when the daemon started");
	metric(&m, "stingy_start_time_seconds", NULL, (double)v->started);
	help(&m, "stingy_sqs_polls_total", "counter", "SQS ReceiveMessage calls completed");
	metric(&m, "stingy_sqs_polls_total", "result=\"ok\"", (double)c->sqs_polls_ok);
	metric(&m, "stingy_sqs_polls_total", "result=\"error\"", (double)c->sqs_polls_error);
	help(&m, "stingy_sqs_inflight", "gauge", "1 while a long poll is outstanding");
	metric(&m, "stingy_sqs_inflight", NULL, v->sqs_inflight);
	help(&m, "stingy_sqs_messages_total", "counter", "SQS messages received");
	metric(&m, "stingy_sqs_messages_total", NULL, (double)c->sqs_messages);
	help(&m, "stingy_sqs_deleted_total", "counter", "SQS messages deleted after commit");
	metric(&m, "stingy_sqs_deleted_total", NULL, (double)c->sqs_deleted);
	help(&m, "stingy_sqs_delete_errors_total", "counter", "DeleteMessage failures");
	metric(&m, "stingy_sqs_delete_errors_total", NULL, (double)c->sqs_delete_errors);
	help(&m, "stingy_sqs_last_ok_timestamp_seconds", "gauge", "last successful poll");
	metric(&m, "stingy_sqs_last_ok_timestamp_seconds", NULL, (double)v->last_sqs_ok);
	help(&m, "stingy_events_total", "counter", "new events recorded for our instances");
	metric(&m, "stingy_events_total", NULL, (double)c->events_new);
	help(&m, "stingy_events_duplicate_total", "counter", "events already recorded");
	metric(&m, "stingy_events_duplicate_total", NULL, (double)c->events_duplicate);
	help(&m, "stingy_events_foreign_total", "counter", "events for instances not ours");
	metric(&m, "stingy_events_foreign_total", NULL, (double)c->events_foreign);
	help(&m, "stingy_events_ignored_total", "counter", "events of no interest");
	metric(&m, "stingy_events_ignored_total", NULL, (double)c->events_ignored);
	help(&m, "stingy_events_quarantined_total", "counter", "bodies that failed to parse");
	metric(&m, "stingy_events_quarantined_total", NULL, (double)c->events_quarantined);
	help(&m, "stingy_events_store_errors_total", "counter",
	    "events left in the queue because the store failed");
	metric(&m, "stingy_events_store_errors_total", NULL, (double)c->events_store_errors);
	help(&m, "stingy_quarantine_rows", "gauge", "rows in the quarantine table");
	metric(&m, "stingy_quarantine_rows", NULL, (double)v->quarantined);
	help(&m, "stingy_describe_total", "counter", "DescribeInstances rounds completed");
	metric(&m, "stingy_describe_total", "result=\"ok\"", (double)c->describe_ok);
	metric(&m, "stingy_describe_total", "result=\"error\"", (double)c->describe_error);
	help(&m, "stingy_describe_last_ok_timestamp_seconds", "gauge", "last successful describe");
	metric(&m, "stingy_describe_last_ok_timestamp_seconds", NULL,
	    (double)v->last_describe_ok);
	help(&m, "stingy_config_reloads_total", "counter", "desired.conf reloads");
	metric(&m, "stingy_config_reloads_total", "result=\"ok\"", (double)c->reloads_ok);
	metric(&m, "stingy_config_reloads_total", "result=\"error\"", (double)c->reloads_error);
	help(&m, "stingy_http_inflight", "gauge", "outgoing HTTP requests in flight");
	metric(&m, "stingy_http_inflight", NULL, (double)v->http_inflight);
	help(&m, "stingy_instances", "gauge", "our instances by state, as last observed");
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		size_t n = 0;

		for (size_t i = 0; i < v->n_instances; i++)
			if (strcmp(v->instances[i].state, states[s]) == 0)
				n++;
		snprintf(lbl, sizeof(lbl), "state=\"%s\"", states[s]);
		metric(&m, "stingy_instances", lbl, (double)n);
	}
	help(&m, "stingy_instance_ready", "gauge", "1 when the instance carries the ready tag");
	for (size_t i = 0; i < v->n_instances; i++) {
		if (!label_safe(v->instances[i].id))
			continue;
		snprintf(lbl, sizeof(lbl), "instance=\"%s\"", v->instances[i].id);
		metric(&m, "stingy_instance_ready", lbl, v->instances[i].ready);
	}
	help(&m, "stingy_interruptions_24h", "gauge",
	    "spot interruption warnings received in the last 24 h");
	metric(&m, "stingy_interruptions_24h", NULL, (double)v->interruptions_24h);
	help(&m, "stingy_launches_past_hour", "gauge",
	    "launches started in the last hour (the launch budget counts these)");
	metric(&m, "stingy_launches_past_hour", NULL, (double)v->launches_past_hour);
	help(&m, "stingy_launches_in_flight", "gauge",
	    "launch intents not resolved yet (pending or sent)");
	metric(&m, "stingy_launches_in_flight", NULL, (double)v->n_launches);
	help(&m, "stingy_reconciles_total", "counter", "reconcile rounds run");
	metric(&m, "stingy_reconciles_total", NULL, (double)v->reconciles);
	help(&m, "stingy_actions_total", "counter", "actions carried out");
	metric(&m, "stingy_actions_total", NULL, (double)v->actions_total);
	help(&m, "stingy_blocked", "gauge",
	    "1 when the reconciler is blocked (see /status endpoint_state.blocker)");
	metric(&m, "stingy_blocked", NULL, v->blocker && *v->blocker ? 1 : 0);
	if (v->dns != NULL)
		dns_metrics(&m, v->dns);
	if (m.bad || m.b.len == 0) {
		buf_free(&m.b);
		return NULL;
	}
	return buf_detach(&m.b);
}
