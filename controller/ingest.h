/*
 * ingest: what an EventBridge event means for the store, and what an EC2
 * answer looks like as a store row. Pure: no I/O, no clock.
 */
#ifndef INGEST_H
#define INGEST_H

#include "events.h"
#include "status.h"

struct eb_event;
struct ec2_instance;
struct store_event;
struct store_instance;

/* Tag names the controller and the instance bootstrap agree on. */
#define TAG_ENDPOINT	"stingy-vpn:endpoint"
#define TAG_LAUNCH_ID	"stingy-vpn:launch-id"
#define TAG_READY	"stingy-vpn:ready"
#define TAG_TEMPLATE	"stingy-vpn:template"	/* "<launch template>:<version>" */

/*
 * ingest_doom_reason: why ev dooms the instance it names, or NULL when it
 * dooms nothing: a spot interruption warning ("spot-interruption"), a
 * rebalance recommendation ("rebalance"), an AWS Health scheduled change
 * ("scheduled-change"), or a state change to stopping, stopped,
 * shutting-down or terminated (the state's name).
 */
const char *ingest_doom_reason(const struct eb_event *ev);

/*
 * ingest_store_event: fills *out from ev for instance number i of ev
 * (0 <= i < ev->n_instances, or 0 when it names none) and the SQS message
 * id. Strings are truncated to the fields.
 */
void ingest_store_event(const struct eb_event *ev, unsigned i,
    const char *message_id, struct store_event *out);

/*
 * ingest_observed: *out from one DescribeInstances item for endpoint:
 * ready when it carries TAG_READY, launch_id from TAG_LAUNCH_ID, and a doom
 * when EC2 already reports it stopping, stopped, shutting-down or terminated.
 */
void ingest_observed(const struct ec2_instance *in, const char *endpoint,
    struct store_instance *out);

/*
 * ingest_event_type: the type label of stingy_events_by_type_total for an
 * event kind: spot interruption, rebalance, state change, health (the AWS
 * Health scheduled change), other (EVENT_OTHER and anything out of range).
 */
enum status_event_type ingest_event_type(enum event_kind kind);

#endif
