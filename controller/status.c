/* status: /status as JSON through json-c, /metrics as Prometheus text. */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "status.h"
#include "store.h"

static json_object *
jstr(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *
jtime(time_t t)
{
	return t ? json_object_new_int64((int64_t)t) : NULL;
}

static json_object *
instance_json(const struct store_instance *in, time_t now)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", jstr(in->id));
	json_object_object_add(o, "state", jstr(in->state));
	json_object_object_add(o, "type", jstr(in->type));
	json_object_object_add(o, "az", jstr(in->az));
	json_object_object_add(o, "subnet", jstr(in->subnet));
	json_object_object_add(o, "public_ip", jstr(in->public_ip));
	json_object_object_add(o, "private_ip", jstr(in->private_ip));
	json_object_object_add(o, "lifecycle", jstr(in->lifecycle));
	json_object_object_add(o, "launch_id", jstr(in->launch_id));
	json_object_object_add(o, "launch_time", jtime(in->launch_time));
	json_object_object_add(o, "age_s", in->launch_time && now >= in->launch_time ?
	    json_object_new_int64((int64_t)(now - in->launch_time)) : NULL);
	json_object_object_add(o, "ready", json_object_new_boolean(in->ready));
	json_object_object_add(o, "doomed", jstr(in->doomed_reason));
	json_object_object_add(o, "doomed_at", jtime(in->doomed_at));
	json_object_object_add(o, "first_seen", jtime(in->first_seen));
	json_object_object_add(o, "last_seen", jtime(in->last_seen));
	return o;
}

static json_object *
event_json(const struct store_event *ev)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", jstr(ev->event_id));
	json_object_object_add(o, "kind", jstr(ev->kind));
	json_object_object_add(o, "detail_type", jstr(ev->detail_type));
	json_object_object_add(o, "instance_id", jstr(ev->instance_id));
	json_object_object_add(o, "detail", jstr(ev->detail));
	json_object_object_add(o, "time", jtime(ev->event_time));
	json_object_object_add(o, "received_at", jtime(ev->received_at));
	return o;
}

char *
status_json(const struct status_view *v)
{
	json_object *root, *o, *arr;
	char *out = NULL;

	if ((root = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(root, "version", jstr(v->version));
	json_object_object_add(root, "endpoint", jstr(v->endpoint));
	json_object_object_add(root, "region", jstr(v->region));
	json_object_object_add(root, "enabled", json_object_new_boolean(v->enabled));
	json_object_object_add(root, "healthy", json_object_new_boolean(v->healthy));
	json_object_object_add(root, "reason", jstr(v->reason));
	json_object_object_add(root, "now", jtime(v->now));
	json_object_object_add(root, "started", jtime(v->started));

	o = json_object_new_object();
	json_object_object_add(o, "path", jstr(v->conf_path));
	json_object_object_add(o, "describe_interval_ms",
	    json_object_new_int64(v->describe_interval_ms));
	json_object_object_add(o, "sqs_wait_ms", json_object_new_int64(v->sqs_wait_ms));
	json_object_object_add(o, "last_reload", jtime(v->last_reload));
	json_object_object_add(o, "last_reload_error", jstr(v->reload_error));
	json_object_object_add(root, "config", o);

	o = json_object_new_object();
	json_object_object_add(o, "last_ok", jtime(v->last_sqs_ok));
	json_object_object_add(o, "last_error", jstr(v->sqs_error));
	json_object_object_add(o, "polling", json_object_new_boolean(v->sqs_inflight));
	json_object_object_add(root, "sqs", o);

	o = json_object_new_object();
	json_object_object_add(o, "last_ok", jtime(v->last_describe_ok));
	json_object_object_add(o, "last_error", jstr(v->describe_error));
	json_object_object_add(root, "ec2", o);

	arr = json_object_new_array();
	for (size_t i = 0; i < v->n_instances; i++)
		json_object_array_add(arr, instance_json(&v->instances[i], v->now));
	json_object_object_add(root, "instances", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < v->n_events; i++)
		json_object_array_add(arr, event_json(&v->events[i]));
	json_object_object_add(root, "recent_events", arr);
	json_object_object_add(root, "quarantined", json_object_new_int64(v->quarantined));

	{
		const char *s = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s && (out = malloc(strlen(s) + 2)) != NULL)
			snprintf(out, strlen(s) + 2, "%s\n", s);
	}
	json_object_put(root);
	return out;
}

/* metric: one sample; labels may be NULL. */
static void
metric(struct buf *b, const char *name, const char *labels, double value)
{
	if (labels)
		buf_addf(b, "%s{%s} %.17g\n", name, labels, value);
	else
		buf_addf(b, "%s %.17g\n", name, value);
}

static void
help(struct buf *b, const char *name, const char *type, const char *text)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
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
	const struct status_counters *c = v->counters;
	struct buf b;
	char lbl[96];

	buf_init(&b, 1 << 20);
	help(&b, "stingy_healthy", "gauge", "1 when /healthz answers 200");
	metric(&b, "stingy_healthy", NULL, v->healthy);
	help(&b, "stingy_start_time_seconds", "gauge", "when the daemon started");
	metric(&b, "stingy_start_time_seconds", NULL, (double)v->started);
	help(&b, "stingy_sqs_polls_total", "counter", "SQS ReceiveMessage calls completed");
	metric(&b, "stingy_sqs_polls_total", "result=\"ok\"", (double)c->sqs_polls_ok);
	metric(&b, "stingy_sqs_polls_total", "result=\"error\"", (double)c->sqs_polls_error);
	help(&b, "stingy_sqs_inflight", "gauge", "1 while a long poll is outstanding");
	metric(&b, "stingy_sqs_inflight", NULL, v->sqs_inflight);
	help(&b, "stingy_sqs_messages_total", "counter", "SQS messages received");
	metric(&b, "stingy_sqs_messages_total", NULL, (double)c->sqs_messages);
	help(&b, "stingy_sqs_deleted_total", "counter", "SQS messages deleted after commit");
	metric(&b, "stingy_sqs_deleted_total", NULL, (double)c->sqs_deleted);
	help(&b, "stingy_sqs_delete_errors_total", "counter", "DeleteMessage failures");
	metric(&b, "stingy_sqs_delete_errors_total", NULL, (double)c->sqs_delete_errors);
	help(&b, "stingy_sqs_last_ok_timestamp_seconds", "gauge", "last successful poll");
	metric(&b, "stingy_sqs_last_ok_timestamp_seconds", NULL, (double)v->last_sqs_ok);
	help(&b, "stingy_events_total", "counter", "new events recorded for our instances");
	metric(&b, "stingy_events_total", NULL, (double)c->events_new);
	help(&b, "stingy_events_duplicate_total", "counter", "events already recorded");
	metric(&b, "stingy_events_duplicate_total", NULL, (double)c->events_duplicate);
	help(&b, "stingy_events_foreign_total", "counter", "events for instances not ours");
	metric(&b, "stingy_events_foreign_total", NULL, (double)c->events_foreign);
	help(&b, "stingy_events_ignored_total", "counter", "events of no interest");
	metric(&b, "stingy_events_ignored_total", NULL, (double)c->events_ignored);
	help(&b, "stingy_events_quarantined_total", "counter", "bodies that failed to parse");
	metric(&b, "stingy_events_quarantined_total", NULL, (double)c->events_quarantined);
	help(&b, "stingy_events_store_errors_total", "counter",
	    "events left in the queue because the store failed");
	metric(&b, "stingy_events_store_errors_total", NULL, (double)c->events_store_errors);
	help(&b, "stingy_quarantine_rows", "gauge", "rows in the quarantine table");
	metric(&b, "stingy_quarantine_rows", NULL, (double)v->quarantined);
	help(&b, "stingy_describe_total", "counter", "DescribeInstances rounds completed");
	metric(&b, "stingy_describe_total", "result=\"ok\"", (double)c->describe_ok);
	metric(&b, "stingy_describe_total", "result=\"error\"", (double)c->describe_error);
	help(&b, "stingy_describe_last_ok_timestamp_seconds", "gauge", "last successful describe");
	metric(&b, "stingy_describe_last_ok_timestamp_seconds", NULL,
	    (double)v->last_describe_ok);
	help(&b, "stingy_config_reloads_total", "counter", "desired.conf reloads");
	metric(&b, "stingy_config_reloads_total", "result=\"ok\"", (double)c->reloads_ok);
	metric(&b, "stingy_config_reloads_total", "result=\"error\"", (double)c->reloads_error);
	help(&b, "stingy_http_inflight", "gauge", "outgoing HTTP requests in flight");
	metric(&b, "stingy_http_inflight", NULL, (double)v->http_inflight);
	help(&b, "stingy_instances", "gauge", "our instances by state, as last observed");
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		size_t n = 0;

		for (size_t i = 0; i < v->n_instances; i++)
			if (strcmp(v->instances[i].state, states[s]) == 0)
				n++;
		snprintf(lbl, sizeof(lbl), "state=\"%s\"", states[s]);
		metric(&b, "stingy_instances", lbl, (double)n);
	}
	help(&b, "stingy_instance_ready", "gauge", "1 when the instance carries the ready tag");
	for (size_t i = 0; i < v->n_instances; i++) {
		if (!label_safe(v->instances[i].id))
			continue;
		snprintf(lbl, sizeof(lbl), "instance=\"%s\"", v->instances[i].id);
		metric(&b, "stingy_instance_ready", lbl, v->instances[i].ready);
	}
	if (b.len == 0 || b.len >= b.max) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}
