/*
 * bench_store: what the state database costs. Prints figures; not a test.
 *
 * Each write is its own BEGIN IMMEDIATE transaction with synchronous=FULL,
 * so these numbers are dominated by fsync on the disk under TMPDIR.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"

#define N_EVENTS	2000
#define N_SYNCS		500
#define N_DUPES		2000
#define N_PUTS		500
#define N_READS		2000

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long long
file_size(const char *path, const char *suffix)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == -1 ? 0 : (long long)sb.st_size;
}

static void
fill_instances(struct store_instance *in, size_t n, int round)
{
	size_t i;

	memset(in, 0, n * sizeof(*in));
	for (i = 0; i < n; i++) {
		snprintf(in[i].id, sizeof(in[i].id), "i-%017zx", i);
		snprintf(in[i].state, sizeof(in[i].state), "running");
		snprintf(in[i].type, sizeof(in[i].type), "t4g.nano");
		snprintf(in[i].subnet, sizeof(in[i].subnet), "subnet-0abc%zu", i);
		snprintf(in[i].az, sizeof(in[i].az), "eu-west-1a");
		snprintf(in[i].public_ip, sizeof(in[i].public_ip), "203.0.113.%d",
		    (int)(i + (size_t)round) % 250);
		snprintf(in[i].private_ip, sizeof(in[i].private_ip), "10.0.1.%zu", i);
		snprintf(in[i].launch_id, sizeof(in[i].launch_id), "L-%zu", i);
		snprintf(in[i].lifecycle, sizeof(in[i].lifecycle), "spot");
		snprintf(in[i].template, sizeof(in[i].template),
		    "lt-0abc:$Latest");
		in[i].launch_time = 1700000000;
		in[i].ready = 1;
	}
}

int
main(void)
{
	struct store_instance in[5];
	struct store_event ev;
	struct store_info info;
	struct store *s = NULL;
	const char *tmp = getenv("TMPDIR");
	char dir[128], path[192], err[256], cmd[256];
	struct store_pool_block *pb;
	struct store_intent *li;
	double t0, t_ev, t_dup, t_sync, t_put, t_read;
	long long cnt;
	size_t npb, nli;
	time_t now = 1700000000;
	int i, rc = 1;

	log_init(0, 0);
	snprintf(dir, sizeof(dir), "%s/bench_store.XXXXXX",
	    tmp && *tmp && strlen(tmp) < 64 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/state.db", dir);
	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}

	fill_instances(in, 5, 0);
	if (store_instances_sync(s, "home", in, 5, now) == -1)
		goto out;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.kind, sizeof(ev.kind), "interruption");
	snprintf(ev.source, sizeof(ev.source), "aws.ec2");
	snprintf(ev.detail_type, sizeof(ev.detail_type),
	    "EC2 Spot Instance Interruption Warning");
	snprintf(ev.detail, sizeof(ev.detail), "terminate");
	t0 = now_ms();
	for (i = 0; i < N_EVENTS; i++) {
		snprintf(ev.event_id, sizeof(ev.event_id),
		    "6f0c2f3a-0000-4000-8000-%012d", i);
		snprintf(ev.instance_id, sizeof(ev.instance_id), "i-%017x", i % 5);
		snprintf(ev.message_id, sizeof(ev.message_id), "msg-%d", i);
		ev.event_time = now + i;
		if (store_event_record(s, NULL, &ev, i % 2 ? "interruption" : NULL,
		    now + i) != 1)
			goto out;
	}
	t_ev = now_ms() - t0;

	/* Redeliveries: the dedupe path (no write reaches the WAL). */
	t0 = now_ms();
	for (i = 0; i < N_DUPES; i++) {
		snprintf(ev.event_id, sizeof(ev.event_id),
		    "6f0c2f3a-0000-4000-8000-%012d", i % N_EVENTS);
		if (store_event_record(s, NULL, &ev, NULL, now) != 0)
			goto out;
	}
	t_dup = now_ms() - t0;

	t0 = now_ms();
	for (i = 0; i < N_SYNCS; i++) {
		fill_instances(in, 5, i);
		if (store_instances_sync(s, "home", in, 5, now + N_EVENTS + i) == -1)
			goto out;
	}
	t_sync = now_ms() - t0;

	/* The executor's write after each RunInstances answer. */
	t0 = now_ms();
	for (i = 0; i < N_PUTS; i++) {
		fill_instances(in, 1, i);
		snprintf(in[0].endpoint, sizeof(in[0].endpoint), "home");
		snprintf(in[0].id, sizeof(in[0].id), "i-1%016x", i);
		if (store_instance_put(s, &in[0], now + N_EVENTS + N_SYNCS + i) ==
		    -1)
			goto out;
	}
	t_put = now_ms() - t0;

	/*
	 * What the executor reads for each reconcile. A worst case for the
	 * count: nearly all N_EVENTS events fall in its window (a day holds a
	 * handful in life).
	 */
	if (store_pool_block(s, "home", "t4g.nano", "", now + 1000000, "ICE",
	    now) == -1 || store_intent_create(s, "L-1", "home", "t4g.nano", "",
	    now) == -1 || store_intent_set(s, "L-1", STORE_INTENT_LAUNCHED,
	    "i-00000000000000001", NULL, now) == -1)
		goto out;
	t0 = now_ms();
	for (i = 0; i < N_READS; i++) {
		if (store_events_count(s, "home", "interruption", now + i % 100,
		    &cnt) == -1 ||
		    store_pool_blocks(s, "home", now, &pb, &npb) == -1 ||
		    store_intents_launched_since(s, "home", now - 3600, &li,
		    &nli) == -1 ||
		    store_launches_since(s, "home", now - 3600, &cnt) == -1)
			goto out;
		free(pb);
		free(li);
	}
	t_read = now_ms() - t0;

	if (store_info(s, &info) == -1)
		goto out;
	printf("bench_store: %s (synchronous=%d, journal=%s)\n", dir,
	    info.synchronous, info.journal_mode);
	printf("  store_event_record new:       %8.3f ms/op (%d events)\n",
	    t_ev / N_EVENTS, N_EVENTS);
	printf("  store_event_record duplicate: %8.3f ms/op (%d)\n",
	    t_dup / N_DUPES, N_DUPES);
	printf("  store_instances_sync of 5:    %8.3f ms/op (%d syncs)\n",
	    t_sync / N_SYNCS, N_SYNCS);
	printf("  store_instance_put new:       %8.3f ms/op (%d puts)\n",
	    t_put / N_PUTS, N_PUTS);
	printf("  reconcile reads (4 queries):  %8.3f ms/op (%d)\n",
	    t_read / N_READS, N_READS);
	printf("  database: %lld pages x %lld B = %lld KiB; file %lld KiB, "
	    "wal %lld KiB\n", info.page_count, info.page_size,
	    info.page_count * info.page_size / 1024, file_size(path, "") / 1024,
	    file_size(path, "-wal") / 1024);
	store_close(s);
	s = NULL;
	printf("  after close: file %lld KiB, wal %lld KiB\n",
	    file_size(path, "") / 1024, file_size(path, "-wal") / 1024);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_store: failed: %s\n",
		    s ? store_error(s) : err);
	store_close(s);
	/* dir is our own mkdtemp name: no quoting surprises. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_store: could not remove %s\n", dir);
	return rc;
}
