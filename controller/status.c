/* status: /status as JSON through json-c, /metrics as Prometheus text. */
#include <json.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cost.h"
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

/* jb_money: micro-dollars as a number with 2 decimals ("2.69"), null when < 0. */
static json_object *
jb_money(struct jb *jb, long long micro)
{
	char b[40];

	if (micro < 0)
		return NULL;
	cost_usd((int64_t)micro, 2, b, sizeof(b));
	return jb_new(jb, json_object_new_double_s((double)micro / 1e6, b));
}

static void
add_peers_cost(struct jb *jb, json_object *root, const struct status_view *v)
{
	json_object *o = NULL;

	if (v->peers_parameter != NULL) {
		o = jb_new(jb, json_object_new_object());
		jb_set(jb, o, "parameter", jb_str(jb, v->peers_parameter));
		jb_set(jb, o, "count", jb_uint(jb, v->peers_count));
		jb_set(jb, o, "synced", jb_bool(jb, v->peers_synced));
		jb_set(jb, o, "last_synced_at", jb_time(jb, v->peers_synced_at));
		jb_set(jb, o, "last_error", jb_str(jb, v->peers_error));
	}
	jb_set(jb, root, "peers", o);
	o = NULL;
	if (isfinite(v->cost_month_usd) && v->cost_month_usd >= 0 &&
	    v->cost_total_micro >= 0 && v->cost_as_of != 0) {
		o = jb_new(jb, json_object_new_object());
		jb_set(jb, o, "total", jb_money(jb, v->cost_total_micro));
		jb_set(jb, o, "instance", jb_money(jb, v->cost_instance_micro));
		jb_set(jb, o, "on_demand", jb_money(jb, v->cost_on_demand_micro));
		jb_set(jb, o, "total_micro", jb_int(jb, v->cost_total_micro));
		jb_set(jb, o, "instance_micro", jb_int(jb,
		    v->cost_instance_micro));
		jb_set(jb, o, "on_demand_micro", v->cost_on_demand_micro < 0 ?
		    NULL : jb_int(jb, v->cost_on_demand_micro));
		jb_set(jb, o, "as_of", jb_time(jb, v->cost_as_of));
		jb_set(jb, o, "prices_at", jb_time(jb, v->cost_prices_at));
		jb_set(jb, o, "last_error", jb_str(jb, v->cost_error));
	}
	jb_set(jb, root, "cost", o);
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
	add_peers_cost(jb, root, v);
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

/* ---- the tally and the histogram ---- */

/* tally_clean: s as a label value of the tally: [A-Za-z0-9._-], bounded. */
static void
tally_clean(const char *s, char *out)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n < STATUS_TALLY_LABEL - 1; s++) {
		unsigned char ch = (unsigned char)*s;

		out[n++] = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-' ? (char)ch : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, STATUS_TALLY_LABEL, "unknown");
}

/* tally_bump: adds n to (a, b) when it has a row; 1 when it had. */
static int
tally_bump(struct status_tally *t, const char *a, const char *b,
    unsigned long long n)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->row[i].a, a) == 0 && strcmp(t->row[i].b, b) == 0) {
			t->row[i].n += n;
			return 1;
		}
	return 0;
}

static void
tally_insert(struct status_tally *t, const char *a, const char *b,
    unsigned long long n)
{
	struct status_tally_row *r = &t->row[t->n++];

	snprintf(r->a, sizeof(r->a), "%s", a);
	snprintf(r->b, sizeof(r->b), "%s", b);
	r->n = n;
}

void
status_tally_add(struct status_tally *t, const char *a, const char *b,
    unsigned long long n)
{
	const size_t rows = sizeof(t->row) / sizeof(t->row[0]);
	char ca[STATUS_TALLY_LABEL], cb[STATUS_TALLY_LABEL];

	tally_clean(a, ca);
	tally_clean(b, cb);
	if (tally_bump(t, ca, cb, n))
		return;
	if (t->n < STATUS_TALLY_KEYS) {
		tally_insert(t, ca, cb, n);
		return;
	}
	/* Full: fold into (a, "other"); the last row is kept for both "other". */
	if (tally_bump(t, ca, "other", n))
		return;
	if (t->n < rows - 1) {
		tally_insert(t, ca, "other", n);
		return;
	}
	if (!tally_bump(t, "other", "other", n) && t->n < rows)
		tally_insert(t, "other", "other", n);
}

static const double hist_bounds[STATUS_HIST_N] = STATUS_HIST_BOUNDS;

void
status_histogram_observe(struct status_histogram *h, double s)
{
	size_t i;

	if (!(s > 0))	/* negative, zero or NaN */
		s = 0;
	for (i = 0; i < STATUS_HIST_N && s > hist_bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += s;
}

/* ---- /metrics ---- */

/* The text being written; bad is set by any append that failed. */
struct mw {
	struct buf	b;
	int		bad;
};

static void
mw_add(struct mw *m, const char *p, size_t n)
{
	if (buf_add(&m->b, p, n) == -1)
		m->bad = 1;
}

static void
mw_adds(struct mw *m, const char *s)
{
	mw_add(m, s, strlen(s));
}

/*
 * value_str: a sample value as the format spells it: NaN, +Inf, -Inf, an
 * integer without exponent up to 2^53, else the shortest of %.15g and
 * %.17g that reads back as v.
 */
static void
value_str(double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "NaN");
	else if (isinf(v))
		snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) <= 9007199254740992.0)
		snprintf(out, len, "%.0f", v);
	else {
		snprintf(out, len, "%.15g", v);
		if (strtod(out, NULL) != v)
			snprintf(out, len, "%.17g", v);
	}
}

/*
 * utf8_fix: s into out (len bytes, truncated) with each byte that is not
 * part of well-formed UTF-8 replaced by '?', as label_value writes it.
 * Returns out.
 */
static char *
utf8_fix(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, k;

	snprintf(out, len, "%s", s);
	for (i = 0; i < n && i + 1 < len; i += k)
		if ((k = utf8_seq(p + i, n - i)) == 0) {
			out[i] = '?';
			k = 1;
		}
	return out;
}

/* label_value: s escaped as a label value (\\, \", \n; bad UTF-8 as '?'). */
static void
label_value(struct mw *m, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), i, n;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_seq(p + i, len - i)) == 0) {
			mw_adds(m, "?");
			n = 1;
		} else if (p[i] == '\\')
			mw_adds(m, "\\\\");
		else if (p[i] == '"')
			mw_adds(m, "\\\"");
		else if (p[i] == '\n')
			mw_adds(m, "\\n");
		else
			mw_add(m, (const char *)p + i, n);
	}
}

/*
 * sample: one line, name{k1="v1",...} value. kv holds nl (key, value)
 * pairs, keys first; nl may be 0 (kv then unused).
 */
static void
sample(struct mw *m, const char *name, const char *const *kv, size_t nl,
    double value)
{
	char num[64];

	mw_adds(m, name);
	for (size_t i = 0; i < nl; i++) {
		mw_adds(m, i ? ",": "{");
		mw_adds(m, kv[2 * i]);
		mw_adds(m, "=\"");
		label_value(m, kv[2 * i + 1]);
		mw_adds(m, "\"");
	}
	value_str(value, num, sizeof(num));
	if (buf_addf(&m->b, "%s %s\n", nl ? "}" : "", num) == -1)
		m->bad = 1;
}

/* metric: a sample without labels. */
static void
metric(struct mw *m, const char *name, double value)
{
	sample(m, name, NULL, 0, value);
}

/* metric1: a sample with one label. */
static void
metric1(struct mw *m, const char *name, const char *key, const char *val,
    double value)
{
	const char *kv[2] = { key, val };

	sample(m, name, kv, 1, value);
}

/* help: the # HELP and # TYPE lines of a family; text has no '\\' or newline. */
static void
help(struct mw *m, const char *name, const char *type, const char *text)
{
	if (buf_addf(&m->b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name,
	    type) == -1)
		m->bad = 1;
}

static const char *const result_names[STATUS_RESULTS] = {
	[STATUS_R_OK] = "ok", [STATUS_R_CAPACITY] = "capacity",
	[STATUS_R_CONFIG] = "config", [STATUS_R_ERROR] = "error",
};
static const char *const ev_type_names[STATUS_EV_TYPES] = {
	[STATUS_EV_INTERRUPTION] = "interruption",
	[STATUS_EV_REBALANCE] = "rebalance",
	[STATUS_EV_STATE_CHANGE] = "state_change",
	[STATUS_EV_HEALTH] = "health", [STATUS_EV_OTHER] = "other",
};
static const char *const ev_result_names[STATUS_EV_RESULTS] = {
	[STATUS_EV_NEW] = "new", [STATUS_EV_DUPLICATE] = "duplicate",
	[STATUS_EV_FOREIGN] = "foreign", [STATUS_EV_IGNORED] = "ignored",
	[STATUS_EV_QUARANTINED] = "quarantined",
};

/* results: one family by result; all: every result, else ok and error. */
static void
results(struct mw *m, const char *name, const char *text,
    const unsigned long long *n, int all)
{
	help(m, name, "counter", text);
	for (int r = 0; r < STATUS_RESULTS; r++)
		if (all || r == STATUS_R_OK || r == STATUS_R_ERROR)
			metric1(m, name, "result", result_names[r],
			    n ? (double)n[r] : 0);
}

static void
sqs_metrics(struct mw *m, const struct status_view *v,
    const struct status_counters *c)
{
	help(m, "stingy_sqs_polls_total", "counter", "SQS ReceiveMessage calls completed");
	metric1(m, "stingy_sqs_polls_total", "result", "ok", (double)c->sqs_polls_ok);
	metric1(m, "stingy_sqs_polls_total", "result", "error", (double)c->sqs_polls_error);
	help(m, "stingy_sqs_inflight", "gauge", "1 while a long poll is outstanding");
	metric(m, "stingy_sqs_inflight", v->sqs_inflight);
	help(m, "stingy_sqs_messages_total", "counter", "SQS messages received");
	metric(m, "stingy_sqs_messages_total", (double)c->sqs_messages);
	help(m, "stingy_sqs_deleted_total", "counter", "SQS messages deleted after commit");
	metric(m, "stingy_sqs_deleted_total", (double)c->sqs_deleted);
	help(m, "stingy_sqs_delete_errors_total", "counter", "DeleteMessage failures");
	metric(m, "stingy_sqs_delete_errors_total", (double)c->sqs_delete_errors);
	help(m, "stingy_sqs_last_ok_timestamp_seconds", "gauge",
	    "last successful poll (Unix seconds, 0 never)");
	metric(m, "stingy_sqs_last_ok_timestamp_seconds", (double)v->last_sqs_ok);
}

static void
event_metrics(struct mw *m, const struct status_counters *c)
{
	help(m, "stingy_events_total", "counter", "new events recorded for our instances");
	metric(m, "stingy_events_total", (double)c->events_new);
	help(m, "stingy_events_duplicate_total", "counter", "events already recorded");
	metric(m, "stingy_events_duplicate_total", (double)c->events_duplicate);
	help(m, "stingy_events_foreign_total", "counter", "events for instances not ours");
	metric(m, "stingy_events_foreign_total", (double)c->events_foreign);
	help(m, "stingy_events_ignored_total", "counter", "events of no interest");
	metric(m, "stingy_events_ignored_total", (double)c->events_ignored);
	help(m, "stingy_events_quarantined_total", "counter", "bodies that failed to parse");
	metric(m, "stingy_events_quarantined_total", (double)c->events_quarantined);
	help(m, "stingy_events_store_errors_total", "counter",
	    "events left in the queue because the store failed");
	metric(m, "stingy_events_store_errors_total", (double)c->events_store_errors);
	help(m, "stingy_events_by_type_total", "counter",
	    "SQS messages by event type and what became of them (a body that "
	    "does not parse counts as type other, result quarantined)");
	for (int t = 0; t < STATUS_EV_TYPES; t++)
		for (int r = 0; r < STATUS_EV_RESULTS; r++) {
			const char *kv[4] = { "type", ev_type_names[t], "result",
			    ev_result_names[r] };

			sample(m, "stingy_events_by_type_total", kv, 2,
			    (double)c->events_by_type[t][r]);
		}
}

/* instance_metrics: instances by state, readiness, the primary. */
static void
instance_metrics(struct mw *m, const struct status_view *v)
{
	static const char *states[] = { "pending", "running", "stopping",
	    "stopped", "shutting-down", "terminated" };
	const struct store_instance *p = NULL;
	const char *kv[6] = { "instance_id", NULL, "instance_type", NULL,
	    "az", NULL };

	help(m, "stingy_instances", "gauge", "our instances by state, as last observed");
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		size_t n = 0;

		for (size_t i = 0; i < v->n_instances; i++)
			if (strcmp(v->instances[i].state, states[s]) == 0)
				n++;
		metric1(m, "stingy_instances", "state", states[s], (double)n);
	}
	help(m, "stingy_instance_ready", "gauge", "1 when the instance carries the ready tag");
	for (size_t i = 0; i < v->n_instances; i++) {
		char a[sizeof(v->instances[i].id)], b[sizeof(a)];
		size_t j;

		/* One series per id: ids equal once rendered are shown once. */
		utf8_fix(v->instances[i].id, a, sizeof(a));
		for (j = 0; j < i; j++)
			if (strcmp(utf8_fix(v->instances[j].id, b, sizeof(b)),
			    a) == 0)
				break;
		if (j == i)
			metric1(m, "stingy_instance_ready", "instance",
			    v->instances[i].id, v->instances[i].ready);
	}
	help(m, "stingy_primary_info", "gauge",
	    "1 for the instance the endpoint points at; absent with none");
	if (v->primary == NULL || *v->primary == '\0')
		return;
	for (size_t i = 0; i < v->n_instances && p == NULL; i++)
		if (strcmp(v->instances[i].id, v->primary) == 0)
			p = &v->instances[i];
	kv[1] = v->primary;
	kv[3] = p ? p->type : "";
	kv[5] = p ? p->az : "";
	sample(m, "stingy_primary_info", kv, 3, 1);
}

static void
outcome_metrics(struct mw *m, const struct status_view *v,
    const struct status_counters *c)
{
	const struct status_outcomes *o = v->outcomes;

	help(m, "stingy_interruptions_total", "counter",
	    "spot interruption warnings recorded for our instances (new, "
	    "not duplicates)");
	metric(m, "stingy_interruptions_total",
	    (double)c->events_by_type[STATUS_EV_INTERRUPTION][STATUS_EV_NEW]);
	help(m, "stingy_interruptions_24h", "gauge",
	    "spot interruption warnings received in the last 24 h");
	metric(m, "stingy_interruptions_24h", (double)v->interruptions_24h);
	results(m, "stingy_launches_total", "launches by result: ok (an "
	    "instance), capacity (pool refused for capacity), config (AWS "
	    "refuses the configuration), error (ambiguous, other refusals, "
	    "not sent)", o ? o->launches : NULL, 1);
	results(m, "stingy_terminations_total", "TerminateInstances calls by result",
	    o ? o->terminations : NULL, 0);
	results(m, "stingy_eip_associations_total",
	    "AssociateAddress calls by result", o ? o->eip_associations : NULL, 0);
	results(m, "stingy_ssm_puts_total", "PutParameter calls of the "
	    "instance-id parameter by result", o ? o->ssm_puts : NULL, 0);
	help(m, "stingy_launches_past_hour", "gauge",
	    "launches started in the last hour (the launch budget counts these)");
	metric(m, "stingy_launches_past_hour", (double)v->launches_past_hour);
	help(m, "stingy_launches_in_flight", "gauge",
	    "launch intents not resolved yet (pending or sent)");
	metric(m, "stingy_launches_in_flight", (double)v->n_launches);
}

/* histogram: a histogram family from h (NULL: no observations). */
static void
histogram(struct mw *m, const char *name, const char *text,
    const struct status_histogram *h)
{
	static const struct status_histogram none;
	char bn[160], le[32];
	unsigned long long cum = 0;

	if (h == NULL)
		h = &none;
	help(m, name, "histogram", text);
	snprintf(bn, sizeof(bn), "%s_bucket", name);
	for (size_t i = 0; i <= STATUS_HIST_N; i++) {
		cum += h->bucket[i];
		if (i < STATUS_HIST_N)
			snprintf(le, sizeof(le), "%g", hist_bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		metric1(m, bn, "le", le, (double)cum);
	}
	snprintf(bn, sizeof(bn), "%s_sum", name);
	metric(m, bn, h->sum);
	snprintf(bn, sizeof(bn), "%s_count", name);
	metric(m, bn, (double)h->count);
}

/* tally: a counter family of t's rows, labelled ka="a",kb="b". */
static void
tally(struct mw *m, const char *name, const char *text, const char *ka,
    const char *kb, const struct status_tally *t)
{
	help(m, name, "counter", text);
	for (size_t i = 0; t != NULL && i < t->n &&
	    i < sizeof(t->row) / sizeof(t->row[0]); i++) {
		const char *kv[4] = { ka, t->row[i].a, kb, t->row[i].b };

		sample(m, name, kv, 2, (double)t->row[i].n);
	}
}

static void
dns_metrics(struct mw *m, const struct dnssync_status *s)
{
	help(m, "stingy_dns_in_sync", "gauge",
	    "1 when the DNS record is confirmed to hold the wanted address");
	metric(m, "stingy_dns_in_sync", s->in_sync);
	help(m, "stingy_dns_last_sync_timestamp_seconds", "gauge",
	    "when the DNS record was last confirmed (Unix seconds, 0 never)");
	metric(m, "stingy_dns_last_sync_timestamp_seconds", (double)s->synced_at);
	help(m, "stingy_dns_requests_total", "counter",
	    "DNS provider API requests sent");
	metric(m, "stingy_dns_requests_total", (double)s->requests);
	help(m, "stingy_dns_writes_total", "counter",
	    "DNS record writes sent (PATCH, POST, UPSERT)");
	metric(m, "stingy_dns_writes_total", (double)s->writes);
	help(m, "stingy_dns_failures_total", "counter", "DNS sync passes that failed");
	metric(m, "stingy_dns_failures_total", (double)s->failures);
	help(m, "stingy_dns_rate_limited_total", "counter",
	    "DNS provider answers 429");
	metric(m, "stingy_dns_rate_limited_total", (double)s->rate_limited);
	help(m, "stingy_dns_config_error", "gauge",
	    "1 while the DNS provider refuses the configuration");
	metric(m, "stingy_dns_config_error",
	    s->config_error && *s->config_error ? 1 : 0);
}

char *
status_metrics(const struct status_view *v)
{
	static const struct status_counters none;
	const struct status_counters *c = v->counters ? v->counters : &none;
	struct mw m = { .bad = 0 };

	buf_init(&m.b, 1 << 20);
	help(&m, "stingy_healthy", "gauge", "1 when /healthz answers 200");
	metric(&m, "stingy_healthy", v->healthy);
	help(&m, "stingy_start_time_seconds", "gauge", "when the daemon started");
	metric(&m, "stingy_start_time_seconds", (double)v->started);
	sqs_metrics(&m, v, c);
	event_metrics(&m, c);
	help(&m, "stingy_quarantine_rows", "gauge", "rows in the quarantine table");
	metric(&m, "stingy_quarantine_rows", (double)v->quarantined);
	help(&m, "stingy_describe_total", "counter", "DescribeInstances rounds completed");
	metric1(&m, "stingy_describe_total", "result", "ok", (double)c->describe_ok);
	metric1(&m, "stingy_describe_total", "result", "error", (double)c->describe_error);
	help(&m, "stingy_describe_last_ok_timestamp_seconds", "gauge",
	    "last successful describe (Unix seconds, 0 never)");
	metric(&m, "stingy_describe_last_ok_timestamp_seconds",
	    (double)v->last_describe_ok);
	help(&m, "stingy_config_reloads_total", "counter", "desired.conf reloads");
	metric1(&m, "stingy_config_reloads_total", "result", "ok", (double)c->reloads_ok);
	metric1(&m, "stingy_config_reloads_total", "result", "error", (double)c->reloads_error);
	help(&m, "stingy_http_inflight", "gauge", "outgoing HTTP requests in flight");
	metric(&m, "stingy_http_inflight", (double)v->http_inflight);
	instance_metrics(&m, v);
	outcome_metrics(&m, v, c);
	help(&m, "stingy_reconciles_total", "counter", "reconcile rounds run");
	metric(&m, "stingy_reconciles_total", (double)v->reconciles);
	histogram(&m, "stingy_reconcile_duration_seconds",
	    "time spent in reconcile() itself, per round (monotonic clock)",
	    v->reconcile_duration);
	help(&m, "stingy_actions_total", "counter", "actions carried out");
	metric(&m, "stingy_actions_total", (double)v->actions_total);
	help(&m, "stingy_blocked", "gauge",
	    "1 when the reconciler is blocked (see /status endpoint_state.blocker)");
	metric(&m, "stingy_blocked", v->blocker && *v->blocker ? 1 : 0);
	tally(&m, "stingy_aws_requests_total", "AWS HTTP requests sent, each "
	    "attempt counted (a retried call counts once per try)", "service",
	    "action", v->aws_requests);
	tally(&m, "stingy_aws_errors_total", "AWS attempts that failed, each "
	    "attempt counted (retried or final); code: AWS's error code, "
	    "http_NNN without one, network, timeout or too_large without an "
	    "answer; at most 32 service and code pairs, later ones as code other",
	    "service", "code",
	    v->aws_errors);
	if (isfinite(v->cost_month_usd) && v->cost_month_usd >= 0) {
		help(&m, "stingy_estimated_monthly_cost_dollars", "gauge",
		    "estimated cost of a month of the endpoint at current spot "
		    "prices, USD");
		metric(&m, "stingy_estimated_monthly_cost_dollars", v->cost_month_usd);
	}
	if (v->peers_parameter != NULL) {
		help(&m, "stingy_peers", "gauge",
		    "peers in desired.conf (the list kept in SSM)");
		metric(&m, "stingy_peers", (double)v->peers_count);
		help(&m, "stingy_peers_in_sync", "gauge",
		    "1 when SSM holds the peer list desired.conf renders");
		metric(&m, "stingy_peers_in_sync", v->peers_synced ? 1 : 0);
	}
	if (v->dns != NULL)
		dns_metrics(&m, v->dns);
	if (m.bad || m.b.len == 0) {
		buf_free(&m.b);
		return NULL;
	}
	return buf_detach(&m.b);
}
