/*
 * test_events: EventBridge bodies into struct eb_event. The shared samples, the
 * emulator's own bodies (tests/fixtures/events/moto-*.json, captured from moto
 * 5.2.1: no account, empty resources) and a table of malformed bodies.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "t.h"

#define I1	"i-0abc1234def567890"
#define I2	"i-0fed9876cba543210"

struct want {
	const char	*file;		/* under the shared events dir, or a fixture */
	int		 shared;
	const char	*id;
	enum event_kind	 kind;
	const char	*source;
	const char	*detail_type;
	const char	*region;
	long long	 time;
	const char	*action;
	const char	*state;
	size_t		 n;
	const char	*first;		/* instance_ids[0] */
	const char	*last;		/* instance_ids[n - 1] */
};

static const struct want wants[] = {
	{ "spot-interruption-warning.json", 1, "7a1f3c2e-5b8d-4e61-9f0a-2c4d6e8f1a3b",
	  EVENT_SPOT_INTERRUPTION, "aws.ec2", "EC2 Spot Instance Interruption Warning",
	  "ap-northeast-1", 1795489965, "terminate", "", 1, I1, I1 },
	{ "rebalance-recommendation.json", 1, "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
	  EVENT_REBALANCE, "aws.ec2", "EC2 Instance Rebalance Recommendation",
	  "ap-northeast-1", 1795489090, "", "", 1, I1, I1 },
	{ "state-change-running.json", 1, "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293",
	  EVENT_STATE_CHANGE, "aws.ec2", "EC2 Instance State-change Notification",
	  "ap-northeast-1", 1795490010, "", "running", 1, I2, I2 },
	{ "state-change-terminated.json", 1, "3b2a1908-7f6e-4d5c-8b4a-39281706f5e4",
	  EVENT_STATE_CHANGE, "aws.ec2", "EC2 Instance State-change Notification",
	  "ap-northeast-1", 1795490087, "", "terminated", 1, I1, I1 },
	{ "health-scheduled-change.json", 1, "5f4e3d2c-1b0a-4998-8776-655443322110",
	  EVENT_HEALTH_SCHEDULED, "aws.health", "AWS Health Event",
	  "ap-northeast-1", 1795165200, "", "", 1, I1, I1 },

	{ "moto-spot-interruption.json", 0, "b8547926-ebfe-47b1-b8aa-3dbdfc4378ba",
	  EVENT_SPOT_INTERRUPTION, "aws.ec2", "EC2 Spot Instance Interruption Warning",
	  "ap-northeast-1", 1795581786, "terminate", "", 1, I1, I1 },
	{ "moto-state-change-shutting-down.json", 0, "30c097db-32ee-4c38-b3fa-85e3709c73f6",
	  EVENT_STATE_CHANGE, "aws.ec2", "EC2 Instance State-change Notification",
	  "ap-northeast-1", 1795581786, "", "shutting-down", 1, I1, I1 },
	/* the volume among the affected entities is skipped */
	{ "moto-health-scheduled.json", 0, "b9409052-2658-4638-8f55-5c0fc5b4013c",
	  EVENT_HEALTH_SCHEDULED, "aws.health", "AWS Health Event",
	  "ap-northeast-1", 1795581786, "", "", 1, I1, I1 },
	{ "health-other-service.json", 0, "11111111-2222-4333-8444-555555555555",
	  EVENT_OTHER, "aws.health", "AWS Health Event",
	  "ap-northeast-1", 1795165200, "", "", 0, NULL, NULL },
	{ "other-source.json", 0, "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
	  EVENT_OTHER, "aws.ec2", "EC2 Spot Instance Request Fulfillment",
	  "ap-northeast-1", 1795489200, "", "", 0, NULL, NULL },
	/* 20 ids, a duplicate, junk entities: the first 16 distinct ids; a
	 * fraction of a second in the time is dropped */
	{ "health-many-instances.json", 0, "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f",
	  EVENT_HEALTH_SCHEDULED, "aws.health", "AWS Health Event",
	  "us-gov-west-1", 1795257000, "", "", 16, "i-00000000000001000",
	  "i-0000000000000100f" },
};

static void
check_want(const struct want *w, const char *path)
{
	struct eb_event ev;
	char err[256] = "", *body;
	size_t len = 0;

	body = t_read_file(path, &len);
	T_OK(body != NULL, "%s: read", path);
	if (body == NULL)
		return;
	T_OK(event_parse(body, len, &ev, err, sizeof(err)) == 0, "%s: %s", path, err);
	free(body);
	if (err[0] != '\0')
		return;
	T_EQ_STR(ev.id, w->id);
	T_EQ_STR(event_kind_name(ev.kind), event_kind_name(w->kind));
	T_EQ_STR(ev.source, w->source);
	T_EQ_STR(ev.detail_type, w->detail_type);
	T_EQ_STR(ev.region, w->region);
	T_EQ_INT(ev.time, w->time);
	T_EQ_STR(ev.action, w->action);
	T_EQ_STR(ev.state, w->state);
	T_EQ_INT(ev.n_instances, w->n);
	if (w->n > 0 && ev.n_instances == w->n) {
		T_EQ_STR(ev.instance_ids[0], w->first);
		T_EQ_STR(ev.instance_ids[w->n - 1], w->last);
	}
}

static void
test_samples(void)
{
	char path[1024];
	size_t i;

	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		if (wants[i].shared)
			snprintf(path, sizeof(path), "%s/events/%s", t_shared_dir(),
			    wants[i].file);
		else
			snprintf(path, sizeof(path), "tests/fixtures/events/%s",
			    wants[i].file);
		check_want(&wants[i], path);
	}
}

/* Every sample in the shared directory has an entry above. */
static void
test_samples_all_listed(void)
{
	char dir[1024];
	struct dirent *de;
	DIR *d;
	int seen = 0;

	snprintf(dir, sizeof(dir), "%s/events", t_shared_dir());
	T_OK((d = opendir(dir)) != NULL, "open %s", dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), i;
		int found = 0;

		if (n < 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		seen++;
		for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
			if (wants[i].shared && strcmp(wants[i].file, de->d_name) == 0)
				found = 1;
		T_OK(found, "%s/%s has expected fields in test_events.c", dir, de->d_name);
	}
	closedir(d);
	T_EQ_INT(seen, 5);
}

#define ENV(extra)	"{\"id\":\"e-1\",\"source\":\"aws.ec2\",\"time\":\"2026-11-24T03:12:45Z\"," extra "}"
#define SPOT(detail)	ENV("\"detail-type\":\"EC2 Spot Instance Interruption Warning\"," \
			    "\"detail\":" detail)
#define STATE(detail)	ENV("\"detail-type\":\"EC2 Instance State-change Notification\"," \
			    "\"detail\":" detail)
#define OKSPOT		"{\"instance-id\":\"" I1 "\",\"instance-action\":\"terminate\"}"

struct bad {
	const char	*body;
	const char	*err;
};

static const struct bad bads[] = {
	{ "", "event: empty body" },
	{ " \r\n\t ", "event: empty body" },
	{ "x", "event: not JSON at offset 0: unexpected character" },
	{ "  nope", "event: not JSON at offset 3: null expected" },
	{ "[1,2]", "event: not a JSON object (array)" },
	{ "\"a string\"", "event: not a JSON object (string)" },
	{ "42", "event: not a JSON object (int)" },
	{ "null", "event: not a JSON object (null)" },
	{ "{\"id\":\"e-1\"", "event: truncated JSON at offset 11" },
	{ "{\"id\":", "event: truncated JSON at offset 6" },
	{ "{\"id\":\"e-1\",}", "event: not JSON at offset 12: unexpected character" },
	{ "{} {}", "event: not JSON at offset 3: unexpected character" },
	{ "{\"a\":\"\xff\"}", "event: not JSON at offset 6: invalid utf-8 string" },
	{ "{}", "event: missing 'id'" },
	{ "{\"id\":5,\"source\":\"aws.ec2\"}", "event: 'id' is not a string" },
	{ "{\"id\":null}", "event: 'id' is not a string" },
	{ "{\"id\":\"\"}", "event: 'id' is empty" },
	{ "{\"id\":\"has blank\"}", "event: 'id' value 'has blank' has a blank" },
	{ "{\"id\":\"a\\u0001b\"}", "event: 'id' value 'a\\x01b' has a control character" },
	{ "{\"id\":\"a\\u0000b\"}", "event: 'id' value 'a\\x00b' has a control character" },
	{ "{\"id\":\"0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789\"}",
	  "event: 'id' is too long (80 bytes, at most 79)" },
	{ "{\"id\":\"e-1\"}", "event: missing 'source'" },
	{ "{\"id\":\"e-1\",\"source\":\"aws.ec2\"}", "event: missing 'detail-type'" },
	{ "{\"id\":\"e-1\",\"source\":\"aws.ec2\",\"detail-type\":\"x\"}",
	  "event: missing 'time'" },
	{ ENV("\"detail-type\":\"x\",\"region\":\"AP-1\""), "event: invalid region 'AP-1'" },
	{ ENV("\"detail-type\":\"x\",\"region\":[]"), "event: 'region' is not a string" },
	{ ENV("\"detail-type\":\"EC2 Spot Instance Interruption Warning\""),
	  "event: missing 'detail'" },
	{ SPOT("[]"), "event: 'detail' is not an object" },
	{ SPOT("null"), "event: 'detail' is not an object" },
	{ SPOT("{}"), "event: missing 'detail.instance-id'" },
	{ SPOT("{\"instance-id\":7}"), "event: 'detail.instance-id' is not a string" },
	{ SPOT("{\"instance-id\":\"i-xyz!\"}"),
	  "event: detail.instance-id 'i-xyz!' is not an instance id" },
	{ SPOT("{\"instance-id\":\"i-0123456\"}"),
	  "event: detail.instance-id 'i-0123456' is not an instance id" },
	{ SPOT("{\"instance-id\":\"i-0123456789abcdef01\"}"),
	  "event: detail.instance-id 'i-0123456789abcdef01' is not an instance id" },
	{ SPOT("{\"instance-id\":\"i-0ABC1234DEF567890\"}"),
	  "event: detail.instance-id 'i-0ABC1234DEF567890' is not an instance id" },
	{ SPOT("{\"instance-id\":\"" I1 "\"}"), "event: missing 'detail.instance-action'" },
	{ SPOT("{\"instance-id\":\"" I1 "\",\"instance-action\":\"explode\"}"),
	  "event: detail.instance-action 'explode' is not terminate, stop or hibernate" },
	{ SPOT("{\"instance-id\":\"" I1 "\",\"instance-action\":\"terminate-it-now!\"}"),
	  "event: 'detail.instance-action' is too long (17 bytes, at most 15)" },
	{ STATE("{\"instance-id\":\"" I1 "\"}"), "event: missing 'detail.state'" },
	{ STATE("{\"instance-id\":\"" I1 "\",\"state\":\"exploded\"}"),
	  "event: detail.state 'exploded' is not an instance state" },
};

static const struct { const char *time; long long t; } times[] = {
	{ "2026-11-24T03:12:45Z", 1795489965 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "2000-02-29T23:59:59Z", 951868799 },
	{ "9999-12-31T23:59:59Z", 253402300799LL },
	{ "2026-11-24T03:12:45.5Z", 1795489965 },
	{ "2026-11-24T03:12:45+00:00", 1795489965 },
	{ "2026-11-24T03:12:60Z", 1795489979 },	/* a leap second */
	{ "2026-13-01T00:00:00Z", -1 },
	{ "2026-00-01T00:00:00Z", -1 },
	{ "2026-02-29T00:00:00Z", -1 },
	{ "1900-02-29T00:00:00Z", -1 },
	{ "2026-04-31T00:00:00Z", -1 },
	{ "2026-11-24T24:00:00Z", -1 },
	{ "2026-11-24T03:60:00Z", -1 },
	{ "2026-11-24 03:12:45Z", -1 },
	{ "2026-11-24T03:12:45", -1 },
	{ "2026-11-24T03:12:45+01:00", -1 },
	{ "2026-11-24T03:12:45.Z", -1 },
	{ "2026-11-24T03:12:45.1234567890Z", -1 },
	{ "2026-11-24T03:12:45Zjunk", -1 },
	{ "1969-12-31T23:59:59Z", -1 },
	{ "+026-11-24T03:12:45Z", -1 },
	{ "Tue, 24 Nov 2026 03:12:45 GMT", -1 },
};

static void
test_malformed(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct eb_event ev;
		char err[256] = "";

		memset(&ev, 0x5a, sizeof(ev));
		T_OK(event_parse(bads[i].body, strlen(bads[i].body), &ev, err,
		    sizeof(err)) == -1, "case %zu refused", i);
		T_EQ_STR(err, bads[i].err);
		T_EQ_INT(ev.id[0], 0x5a);	/* untouched on failure */
	}
}

static void
test_times(void)
{
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char body[256], err[256] = "", want[128];
		struct eb_event ev;
		int rc;

		snprintf(body, sizeof(body), "{\"id\":\"e\",\"source\":\"s\","
		    "\"detail-type\":\"d\",\"time\":\"%s\"}", times[i].time);
		rc = event_parse(body, strlen(body), &ev, err, sizeof(err));
		if (times[i].t == -1) {
			T_OK(rc == -1, "time '%s' refused", times[i].time);
			snprintf(want, sizeof(want), "event: invalid time '%s'", times[i].time);
			T_EQ_STR(err, want);
		} else {
			T_OK(rc == 0, "time '%s': %s", times[i].time, err);
			if (rc == 0)
				T_EQ_INT(ev.time, times[i].t);
		}
	}
}

/* Nesting past EVENT_MAX_DEPTH, at the top and deep inside a valid event. */
static void
test_nesting(void)
{
	char *body = malloc(4096), err[256] = "";
	struct eb_event ev;
	size_t n = 0;
	int i;

	for (i = 0; i < 1000 && n < 4000; i++)
		body[n++] = '[';
	T_OK(event_parse(body, n, &ev, err, sizeof(err)) == -1, "deep arrays");
	T_EQ_STR(err, "event: JSON nested deeper than 16 at offset 16");

	n = (size_t)snprintf(body, 4096, "%s", SPOT(OKSPOT));
	n--;	/* drop the closing brace */
	n += (size_t)snprintf(body + n, 4096 - n, ",\"x\":");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(body + n, 4096 - n, "{\"a\":");
	n += (size_t)snprintf(body + n, 4096 - n, "1");
	for (i = 0; i < 21; i++)
		body[n++] = '}';
	T_OK(event_parse(body, n, &ev, err, sizeof(err)) == -1, "deep objects");
	/* the root is depth 1: the 16th object under "x" (at 193 - 1 + 5 + 15 * 5) is too deep */
	T_EQ_STR(err, "event: JSON nested deeper than 16 at offset 272");
	free(body);
}

static void
test_truncated(void)
{
	char path[1024], *body, err[256];
	struct eb_event ev;
	size_t len = 0, cut;
	int failures = 0;

	snprintf(path, sizeof(path), "%s/events/spot-interruption-warning.json",
	    t_shared_dir());
	body = t_read_file(path, &len);
	T_OK(body != NULL, "read %s", path);
	if (body == NULL)
		return;
	/* every proper prefix that is not just blanks fails, none crashes */
	for (cut = 1; cut + 2 < len; cut++)
		failures += event_parse(body, cut, &ev, err, sizeof(err)) == -1;
	T_EQ_INT(failures, (long long)len - 3);
	T_OK(event_parse(body, len / 2, &ev, err, sizeof(err)) == -1, "half");
	T_OK(strncmp(err, "event: truncated JSON at offset ", 32) == 0, "%s", err);
	free(body);
}

static void
test_sizes(void)
{
	static const char ok[] = SPOT(OKSPOT);
	char *body = malloc(EVENT_MAX_BODY + 2), err[256] = "";
	struct eb_event ev;

	/* exactly the cap, padded with blanks: accepted */
	memset(body, ' ', EVENT_MAX_BODY + 1);
	memcpy(body + 100, ok, sizeof(ok) - 1);
	T_OK(event_parse(body, EVENT_MAX_BODY, &ev, err, sizeof(err)) == 0, "%s", err);
	T_EQ_STR(ev.id, "e-1");
	/* one byte more: refused before parsing */
	T_OK(event_parse(body, EVENT_MAX_BODY + 1, &ev, err, sizeof(err)) == -1, "too big");
	T_EQ_STR(err, "event: body too large (262145 bytes, at most 262144)");
	free(body);
}

static void
test_envelope_variants(void)
{
	struct eb_event ev;
	char err[256] = "";
	/* a body that is not NUL-terminated: the length is what counts */
	static const char padded[] = " \n\t" SPOT(OKSPOT) "\r\n garbage";

	T_OK(event_parse(padded, sizeof(padded) - 1 - 8, &ev, err, sizeof(err)) == 0,
	    "surrounding blanks: %s", err);
	T_EQ_INT(ev.kind, EVENT_SPOT_INTERRUPTION);
	T_EQ_STR(ev.instance_ids[0], I1);
	T_EQ_STR(ev.region, "");

	/* the right detail-type from another source is not ours */
	{
		static const char b[] = "{\"id\":\"e-2\",\"source\":\"custom.test\","
		    "\"detail-type\":\"EC2 Spot Instance Interruption Warning\","
		    "\"time\":\"2026-11-24T03:12:45Z\",\"detail\":" OKSPOT "}";

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_INT(ev.kind, EVENT_OTHER);
		T_EQ_INT(ev.n_instances, 0);
		T_EQ_STR(ev.action, "");
	}
	/* unknown kinds need no detail at all */
	{
		static const char b[] = "{\"id\":\"e-3\",\"source\":\"aws.s3\","
		    "\"detail-type\":\"Object Created\",\"time\":\"2026-11-24T03:12:45Z\"}";

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_INT(ev.kind, EVENT_OTHER);
		T_EQ_STR(ev.source, "aws.s3");
	}
	/* spot actions: stop and hibernate too */
	{
		static const char b[] = SPOT("{\"instance-id\":\"" I2 "\","
		    "\"instance-action\":\"hibernate\"}");

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_STR(ev.action, "hibernate");
		T_EQ_STR(ev.instance_ids[0], I2);
	}
	/* health: a category other than scheduledChange is not ours */
	{
		static const char b[] = "{\"id\":\"h\",\"source\":\"aws.health\","
		    "\"detail-type\":\"AWS Health Event\",\"time\":\"2026-11-24T03:12:45Z\","
		    "\"detail\":{\"service\":\"EC2\",\"eventTypeCategory\":\"issue\","
		    "\"affectedEntities\":[{\"entityValue\":\"" I1 "\"}]}}";

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_INT(ev.kind, EVENT_OTHER);
		T_EQ_INT(ev.n_instances, 0);
	}
	/* health without affectedEntities: the instances among resources */
	{
		static const char b[] = "{\"id\":\"h\",\"source\":\"aws.health\","
		    "\"detail-type\":\"AWS Health Event\",\"time\":\"2026-11-24T03:12:45Z\","
		    "\"resources\":[\"arn:aws:ec2:x\",\"" I2 "\",5],"
		    "\"detail\":{\"service\":\"EC2\",\"eventTypeCategory\":\"scheduledChange\"}}";

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_INT(ev.kind, EVENT_HEALTH_SCHEDULED);
		T_EQ_INT(ev.n_instances, 1);
		T_EQ_STR(ev.instance_ids[0], I2);
	}
	/* health with a non-array affectedEntities: ours, but no instance */
	{
		static const char b[] = "{\"id\":\"h\",\"source\":\"aws.health\","
		    "\"detail-type\":\"AWS Health Event\",\"time\":\"2026-11-24T03:12:45Z\","
		    "\"detail\":{\"service\":\"EC2\",\"eventTypeCategory\":\"scheduledChange\","
		    "\"affectedEntities\":\"" I1 "\"}}";

		T_OK(event_parse(b, strlen(b), &ev, err, sizeof(err)) == 0, "%s", err);
		T_EQ_INT(ev.kind, EVENT_HEALTH_SCHEDULED);
		T_EQ_INT(ev.n_instances, 0);
	}
}

static void
test_err_buffers(void)
{
	struct eb_event ev;
	char small[12];

	T_EQ_INT(event_parse("{}", 2, &ev, NULL, 0), -1);
	T_EQ_INT(event_parse(NULL, 5, &ev, small, sizeof(small)), -1);
	T_EQ_STR(small, "event: empt");
	T_EQ_INT(event_parse("[]", 2, &ev, small, 1), -1);
	T_EQ_STR(small, "");
}

static void
test_kind_names(void)
{
	T_EQ_STR(event_kind_name(EVENT_SPOT_INTERRUPTION), "spot-interruption");
	T_EQ_STR(event_kind_name(EVENT_REBALANCE), "rebalance");
	T_EQ_STR(event_kind_name(EVENT_STATE_CHANGE), "state-change");
	T_EQ_STR(event_kind_name(EVENT_HEALTH_SCHEDULED), "health-scheduled");
	T_EQ_STR(event_kind_name(EVENT_OTHER), "other");
	T_EQ_STR(event_kind_name((enum event_kind)99), "unknown");
	T_EQ_STR(event_kind_name((enum event_kind)-1), "unknown");
}

int
main(void)
{
	T_RUN(test_samples);
	T_RUN(test_samples_all_listed);
	T_RUN(test_malformed);
	T_RUN(test_times);
	T_RUN(test_nesting);
	T_RUN(test_truncated);
	T_RUN(test_sizes);
	T_RUN(test_envelope_variants);
	T_RUN(test_err_buffers);
	T_RUN(test_kind_names);
	return t_done("test_events");
}
