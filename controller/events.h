/*
 * events: EventBridge event bodies (the SQS message Body of an EventBridge
 * rule target) turned into a plain struct. json-c stays inside events.c.
 *
 * Kinds, by the envelope's source and detail-type:
 *   aws.ec2 "EC2 Spot Instance Interruption Warning"  EVENT_SPOT_INTERRUPTION
 *   aws.ec2 "EC2 Instance Rebalance Recommendation"   EVENT_REBALANCE
 *   aws.ec2 "EC2 Instance State-change Notification"  EVENT_STATE_CHANGE
 *   aws.health "AWS Health Event" with detail.service "EC2" and
 *     detail.eventTypeCategory "scheduledChange"      EVENT_HEALTH_SCHEDULED
 *   anything else with a well-formed envelope         EVENT_OTHER (valid; the
 *     caller deletes and counts it)
 *
 * The envelope needs id, source, detail-type and time; region is optional
 * (kept when present); account, resources and version are ignored, since the
 * emulator used in tests leaves them out or empty. The three EC2 kinds need
 * detail.instance-id, spot warnings detail.instance-action and state changes
 * detail.state, each with a known value.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stddef.h>
#include <time.h>

#define EVENT_MAX_INSTANCES	16
#define EVENT_MAX_BODY		(256 * 1024)	/* bytes; larger bodies are refused */
#define EVENT_MAX_DEPTH		16		/* JSON nesting the tokenizer allows */

enum event_kind {
	EVENT_SPOT_INTERRUPTION,
	EVENT_REBALANCE,
	EVENT_STATE_CHANGE,
	EVENT_HEALTH_SCHEDULED,
	EVENT_OTHER
};

struct eb_event {
	char		 id[80];		/* the envelope id: the dedupe key */
	enum event_kind	 kind;
	char		 source[64];		/* "aws.ec2", "aws.health", ... */
	char		 detail_type[96];
	char		 region[32];		/* "" when the envelope has none */
	time_t		 time;			/* the envelope time, UTC */
	char		 action[16];		/* spot: terminate, stop or hibernate */
	char		 state[16];		/* state change: pending, running,
						   stopping, stopped, shutting-down,
						   terminated */
	/* Instances the event is about: one for the EC2 kinds; the EC2 instances
	 * among a health event's affectedEntities (at most the first
	 * EVENT_MAX_INSTANCES; others are ignored); none for EVENT_OTHER. */
	char		 instance_ids[EVENT_MAX_INSTANCES][24];
	size_t		 n_instances;
};

/* event_kind_name: "spot-interruption", ..., "other"; "unknown" when out of range. */
const char *event_kind_name(enum event_kind kind);

/*
 * event_parse: body[0..len) (need not be NUL-terminated; blanks around the
 * JSON are allowed) into *ev. Returns 0 and fills *ev, or -1 with a message
 * ("event: missing 'id'") in err (truncated to errlen; err may be NULL) and
 * *ev untouched. Copies everything it keeps; holds nothing after it returns.
 */
int event_parse(const char *body, size_t len, struct eb_event *ev, char *err,
    size_t errlen);

#endif
