/* ingest: the meaning of events and observations. Pure. */
#include <stdio.h>
#include <string.h>

#include "ec2.h"
#include "events.h"
#include "ingest.h"
#include "store.h"

static int
doom_state(const char *state)
{
	return strcmp(state, "stopping") == 0 || strcmp(state, "stopped") == 0 ||
	    strcmp(state, "shutting-down") == 0 ||
	    strcmp(state, "terminated") == 0;
}

const char *
ingest_doom_reason(const struct eb_event *ev)
{
	switch (ev->kind) {
	case EVENT_SPOT_INTERRUPTION:
		return "spot-interruption";
	case EVENT_REBALANCE:
		return "rebalance";
	case EVENT_HEALTH_SCHEDULED:
		return "scheduled-change";
	case EVENT_STATE_CHANGE:
		if (doom_state(ev->state)) {
			/* Return the canonical spelling, not the input's. */
			static const char *const names[] = { "stopping",
			    "stopped", "shutting-down", "terminated" };
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strcmp(ev->state, names[i]) == 0)
					return names[i];
		}
		return NULL;
	default:
		return NULL;
	}
}

void
ingest_store_event(const struct eb_event *ev, unsigned i, const char *message_id,
    struct store_event *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->event_id, sizeof(out->event_id), "%s", ev->id);
	snprintf(out->kind, sizeof(out->kind), "%s", event_kind_name(ev->kind));
	snprintf(out->source, sizeof(out->source), "%s", ev->source);
	snprintf(out->detail_type, sizeof(out->detail_type), "%s", ev->detail_type);
	if (i < ev->n_instances)
		snprintf(out->instance_id, sizeof(out->instance_id), "%s",
		    ev->instance_ids[i]);
	snprintf(out->detail, sizeof(out->detail), "%s",
	    ev->kind == EVENT_STATE_CHANGE ? ev->state : ev->action);
	out->event_time = ev->time;
	snprintf(out->message_id, sizeof(out->message_id), "%s",
	    message_id ? message_id : "");
}

void
ingest_observed(const struct ec2_instance *in, const char *endpoint,
    struct store_instance *out)
{
	const char *lid = ec2_instance_tag(in, TAG_LAUNCH_ID);
	const char *tmpl = ec2_instance_tag(in, TAG_TEMPLATE);

	memset(out, 0, sizeof(*out));
	snprintf(out->endpoint, sizeof(out->endpoint), "%s", endpoint);
	snprintf(out->id, sizeof(out->id), "%s", in->id);
	snprintf(out->state, sizeof(out->state), "%s", in->state);
	snprintf(out->type, sizeof(out->type), "%s", in->type);
	snprintf(out->subnet, sizeof(out->subnet), "%s", in->subnet_id);
	snprintf(out->az, sizeof(out->az), "%s", in->az);
	snprintf(out->public_ip, sizeof(out->public_ip), "%s", in->public_ip);
	snprintf(out->private_ip, sizeof(out->private_ip), "%s", in->private_ip);
	snprintf(out->launch_id, sizeof(out->launch_id), "%s", lid ? lid : "");
	snprintf(out->lifecycle, sizeof(out->lifecycle), "%s", in->lifecycle);
	snprintf(out->template, sizeof(out->template), "%s", tmpl ? tmpl : "");
	out->launch_time = in->launch_time;
	out->ready = ec2_instance_tag(in, TAG_READY) != NULL;
	if (doom_state(in->state))
		snprintf(out->doomed_reason, sizeof(out->doomed_reason), "%s",
		    in->state);
}

enum status_event_type
ingest_event_type(enum event_kind kind)
{
	switch (kind) {
	case EVENT_SPOT_INTERRUPTION:
		return STATUS_EV_INTERRUPTION;
	case EVENT_REBALANCE:
		return STATUS_EV_REBALANCE;
	case EVENT_STATE_CHANGE:
		return STATUS_EV_STATE_CHANGE;
	case EVENT_HEALTH_SCHEDULED:
		return STATUS_EV_HEALTH;
	default:
		return STATUS_EV_OTHER;
	}
}
