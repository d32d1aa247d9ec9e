/*
 * bench_reconcile: what one decision costs. Prints figures; not a test.
 *
 * The world is the one that matters for reaction time: the primary just got
 * its interruption warning, a replacement is booting, one more launch is in
 * flight, and 2 types x 2 subnets make 4 pools, one of them cooling down.
 * A second figure is for the round that decides the launch itself (the
 * warning has just arrived, nothing in flight). DESIGN.md's target is an
 * interruption handled within 5 ms of the SQS answer; this is the part of
 * it that is pure computation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desired.h"
#include "reconcile.h"

#define N_CALLS		1000000
#define T0		((time_t)1700000000)

static const char conf[] =
    "[aws]\n"
    "region = eu-west-1\n"
    "queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n"
    "[endpoint home]\n"
    "launch_template = lt-0123456789abcdef0\n"
    "instance_types = t4g.nano, t4g.micro\n"
    "subnets = subnet-0000000a, subnet-0000000b\n"
    "elastic_ip = eipalloc-0123456789abcdef0\n";

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
add_instance(struct rc_observed *o, const char *id, const char *state,
    int ready, const char *doomed, time_t launched)
{
	struct rc_instance *in = &o->instances[o->n_instances++];

	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->state, sizeof(in->state), "%s", state);
	snprintf(in->type, sizeof(in->type), "t4g.nano");
	snprintf(in->subnet, sizeof(in->subnet), "subnet-0000000a");
	snprintf(in->template, sizeof(in->template),
	    "lt-0123456789abcdef0:$Latest");
	snprintf(in->doomed, sizeof(in->doomed), "%s", doomed);
	in->ready = ready;
	in->launch_time = launched;
	in->first_seen = launched;
}

/* bench: ns per reconcile() over N_CALLS calls on o; sink defeats folding. */
static double
bench(const struct desired *d, const struct rc_observed *o,
    struct rc_result *r, size_t *sink)
{
	double t0, t1;

	reconcile(d, o, T0, r);		/* warm up */
	t0 = now_ns();
	for (long i = 0; i < N_CALLS; i++) {
		reconcile(d, o, T0 + (i & 1), r);
		*sink += r->n;
	}
	t1 = now_ns();
	return (t1 - t0) / N_CALLS;
}

int
main(void)
{
	struct desired *d;
	struct rc_observed *o;
	struct rc_result r;
	char *err = NULL;
	size_t sink = 0;
	double ns;

	d = desired_parse_string("bench.conf", conf, strlen(conf), &err);
	if (d == NULL) {
		fprintf(stderr, "bench_reconcile: config: %s\n", err ? err : "?");
		free(err);
		return 1;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		desired_free(d);
		return 1;
	}

	/* Mid-replacement: 2 instances, 1 launch in flight, 4 pools. */
	add_instance(o, "i-0aaaaaaaaaaaaaaa1", "running", 1, "spot-interruption",
	    T0 - 7200);
	add_instance(o, "i-0aaaaaaaaaaaaaaa2", "pending", 0, "", T0 - 20);
	snprintf(o->launches[0].launch_id, sizeof(o->launches[0].launch_id),
	    "L-1");
	snprintf(o->launches[0].type, sizeof(o->launches[0].type), "t4g.nano");
	snprintf(o->launches[0].subnet, sizeof(o->launches[0].subnet),
	    "subnet-0000000a");
	o->n_launches = 1;
	snprintf(o->blocked_pools[0].type, sizeof(o->blocked_pools[0].type),
	    "t4g.nano");
	snprintf(o->blocked_pools[0].subnet, sizeof(o->blocked_pools[0].subnet),
	    "subnet-0000000a");
	o->blocked_pools[0].until = T0 + 600;
	o->n_blocked_pools = 1;
	snprintf(o->primary, sizeof(o->primary), "i-0aaaaaaaaaaaaaaa1");
	o->eip_known = 1;
	snprintf(o->eip_instance, sizeof(o->eip_instance), "i-0aaaaaaaaaaaaaaa1");
	o->ssm_known = 1;
	snprintf(o->ssm_value, sizeof(o->ssm_value), "i-0aaaaaaaaaaaaaaa1");
	o->launches_past_hour = 1;
	ns = bench(d, o, &r, &sink);
	printf("bench_reconcile: mid-replacement world (2 instances, 1 launch, "
	    "4 pools): %.0f ns/call over %d calls (%zu actions)\n", ns, N_CALLS,
	    r.n);

	/* The warning just arrived: this round emits the launch. */
	o->n_instances = 1;
	o->n_launches = 0;
	ns = bench(d, o, &r, &sink);
	printf("bench_reconcile: warning round (emits %s %s/%s): %.0f ns/call\n",
	    r.n ? rc_action_name(r.actions[0].kind) : "nothing",
	    r.n ? r.actions[0].type : "-", r.n ? r.actions[0].subnet : "-", ns);
	printf("bench_reconcile: target 5 ms reaction = %.0f reconcile calls\n",
	    5e6 / (ns > 0 ? ns : 1));
	if (sink == 0)
		printf("bench_reconcile: (no actions at all?)\n");
	free(o);
	desired_free(d);
	return 0;
}
