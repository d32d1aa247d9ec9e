/* test_ingest: what events mean for the store, and EC2 items as store rows. */
#include "t.h"
#include "ec2.h"
#include "events.h"
#include "ingest.h"
#include "store.h"

static struct eb_event
mkevent(enum event_kind kind, const char *state, const char *action)
{
	struct eb_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.id, sizeof(ev.id), "id-1");
	ev.kind = kind;
	snprintf(ev.source, sizeof(ev.source), "aws.ec2");
	snprintf(ev.detail_type, sizeof(ev.detail_type), "x");
	snprintf(ev.state, sizeof(ev.state), "%s", state);
	snprintf(ev.action, sizeof(ev.action), "%s", action);
	snprintf(ev.instance_ids[0], sizeof(ev.instance_ids[0]), "i-0123456789abcdef0");
	ev.n_instances = 1;
	ev.time = 1764000000;
	return ev;
}

static void
test_doom_reasons(void)
{
	static const struct {
		enum event_kind kind;
		const char *state, *doom;
	} cases[] = {
		{ EVENT_SPOT_INTERRUPTION, "", "spot-interruption" },
		{ EVENT_REBALANCE, "", "rebalance" },
		{ EVENT_HEALTH_SCHEDULED, "", "scheduled-change" },
		{ EVENT_STATE_CHANGE, "pending", NULL },
		{ EVENT_STATE_CHANGE, "running", NULL },
		{ EVENT_STATE_CHANGE, "stopping", "stopping" },
		{ EVENT_STATE_CHANGE, "stopped", "stopped" },
		{ EVENT_STATE_CHANGE, "shutting-down", "shutting-down" },
		{ EVENT_STATE_CHANGE, "terminated", "terminated" },
		{ EVENT_OTHER, "terminated", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eb_event ev = mkevent(cases[i].kind, cases[i].state, "");

		T_EQ_STR(ingest_doom_reason(&ev), cases[i].doom);
	}
}

static void
test_store_event(void)
{
	struct eb_event ev = mkevent(EVENT_SPOT_INTERRUPTION, "", "terminate");
	struct store_event se;

	ingest_store_event(&ev, 0, "msg-1", &se);
	T_EQ_STR(se.event_id, "id-1");
	T_EQ_STR(se.kind, "spot-interruption");
	T_EQ_STR(se.instance_id, "i-0123456789abcdef0");
	T_EQ_STR(se.detail, "terminate");
	T_EQ_STR(se.message_id, "msg-1");
	T_EQ_INT(se.event_time, 1764000000);

	ev = mkevent(EVENT_STATE_CHANGE, "stopped", "");
	ingest_store_event(&ev, 0, NULL, &se);
	T_EQ_STR(se.kind, "state-change");
	T_EQ_STR(se.detail, "stopped");
	T_EQ_STR(se.message_id, "");

	/* An index past the list names no instance. */
	ingest_store_event(&ev, 3, "m", &se);
	T_EQ_STR(se.instance_id, "");
}

static void
test_observed(void)
{
	struct ec2_tag tags[] = {
		{ (char *)"stingy-vpn:endpoint", (char *)"vpn" },
		{ (char *)"stingy-vpn:launch-id", (char *)"L-42" },
		{ (char *)"stingy-vpn:ready", (char *)"1" },
	};
	struct ec2_instance in;
	struct store_instance si;

	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "i-0abc1234def567890");
	snprintf(in.state, sizeof(in.state), "running");
	snprintf(in.type, sizeof(in.type), "t4g.nano");
	snprintf(in.subnet_id, sizeof(in.subnet_id), "subnet-0abc");
	snprintf(in.az, sizeof(in.az), "eu-west-1a");
	snprintf(in.public_ip, sizeof(in.public_ip), "203.0.113.10");
	snprintf(in.lifecycle, sizeof(in.lifecycle), "spot");
	in.launch_time = 1764000000;
	in.tags = tags;
	in.ntags = 3;

	ingest_observed(&in, "vpn", &si);
	T_EQ_STR(si.endpoint, "vpn");
	T_EQ_STR(si.id, "i-0abc1234def567890");
	T_EQ_STR(si.state, "running");
	T_EQ_STR(si.type, "t4g.nano");
	T_EQ_STR(si.subnet, "subnet-0abc");
	T_EQ_STR(si.az, "eu-west-1a");
	T_EQ_STR(si.public_ip, "203.0.113.10");
	T_EQ_STR(si.launch_id, "L-42");
	T_EQ_STR(si.lifecycle, "spot");
	T_EQ_INT(si.ready, 1);
	T_EQ_STR(si.doomed_reason, "");

	in.ntags = 1;		/* no launch id, not ready */
	snprintf(in.state, sizeof(in.state), "shutting-down");
	ingest_observed(&in, "vpn", &si);
	T_EQ_INT(si.ready, 0);
	T_EQ_STR(si.launch_id, "");
	T_EQ_STR(si.doomed_reason, "shutting-down");
}

/* The type label of stingy_events_by_type_total for each kind. */
static void
test_event_type(void)
{
	T_EQ_INT(ingest_event_type(EVENT_SPOT_INTERRUPTION), STATUS_EV_INTERRUPTION);
	T_EQ_INT(ingest_event_type(EVENT_REBALANCE), STATUS_EV_REBALANCE);
	T_EQ_INT(ingest_event_type(EVENT_STATE_CHANGE), STATUS_EV_STATE_CHANGE);
	T_EQ_INT(ingest_event_type(EVENT_HEALTH_SCHEDULED), STATUS_EV_HEALTH);
	T_EQ_INT(ingest_event_type(EVENT_OTHER), STATUS_EV_OTHER);
	T_EQ_INT(ingest_event_type((enum event_kind)99), STATUS_EV_OTHER);
}

int
main(void)
{
	T_RUN(test_doom_reasons);
	T_RUN(test_store_event);
	T_RUN(test_observed);
	T_RUN(test_event_type);
	return t_done("test_ingest");
}
