/*
 * test_peersync: the executor's peer-list path (reconcile.h rule 11) with
 * the fake aws_call (fake_aws.h) and a real store in a scratch file: the
 * read at start (ParameterNotFound is an empty parameter), the put as a
 * SecureString of exactly peers_render_server's text, the digest kept in
 * the store across executors, a failure that backs off and shows, and no
 * put when SSM already holds the list.
 *
 * The fake keeps one pending call: the executor's other read (the
 * instance-id parameter, sent first) is refused (fake.refuse) so that
 * every call made is answered and nothing leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "t.h"
#include "fake_aws.h"
#include "buf.h"
#include "desired.h"
#include "executor.h"
#include "peers.h"
#include "reconcile.h"
#include "ssm.h"
#include "status.h"
#include "store.h"

/* aws.c is not linked (it holds the real aws_call): its one other helper. */
const char *
aws_error_str(const struct aws_error *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s", e->code, e->message);
	return buf;
}

#define PUB_A	"Nc0kZsfT3pBDC8ljZGOa1ZeFTXTtuhv2n35UJ1S0GnU="
#define PUB_B	"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define CONF \
	"[aws]\nregion = eu-west-1\n" \
	"queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n" \
	"[endpoint home]\nlaunch_template = lt-0123456789abcdef0\n" \
	"instance_types = t4g.nano\nssm_prefix = /svpn\nenabled = no\n" \
	"[peer alice]\npublic_key = " PUB_A "\naddress = 10.8.0.2\n"
#define PARAM	"/svpn/wireguard/peers"

static int rounds_asked;

static void
done_cb(void *arg)
{
	(void)arg;
	rounds_asked++;
}

static struct desired *
conf(const char *extra)
{
	char text[2048], *err = NULL;
	struct desired *d;

	snprintf(text, sizeof(text), "%s%s", CONF, extra);
	d = desired_parse_string("t.conf", text, strlen(text), &err);
	if (d == NULL) {
		fprintf(stderr, "test config does not parse:\n%s", err ? err : "");
		exit(2);
	}
	free(err);
	return d;
}

/* round: observe, reconcile, run, as the daemon does. */
static void
round_run(struct executor *ex, const struct desired *d, struct rc_result *r)
{
	struct rc_observed *o = calloc(1, sizeof(*o));

	T_OK(o != NULL && executor_observe(ex, o, time(NULL)) == 0, "observe");
	if (o == NULL)
		return;
	reconcile(d, o, time(NULL), r);
	executor_run(ex, r, time(NULL));
	free(o);
}

static int
has_put_peers(const struct rc_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->actions[i].kind == RC_PUT_PEERS)
			return 1;
	return 0;
}

/* value_of: the "Value" of the PutParameter body the fake holds (malloc'd). */
static char *
value_of(void)
{
	struct ssm_parameter p;
	char err[128], *json, *v = NULL;
	size_t n;

	/* {"Name":..,"Value":..,..}: read as a GetParameter answer's Parameter. */
	if (fake.body == NULL)
		return NULL;
	n = strlen(fake.body) + 32;
	if ((json = malloc(n)) == NULL)
		return NULL;
	/* The body less its closing brace, with a Version: a Parameter. */
	snprintf(json, n, "{\"Parameter\":%.*s", (int)strlen(fake.body) - 1,
	    fake.body);
	strncat(json, ",\"Version\":1}}", n - strlen(json) - 1);
	memset(&p, 0, sizeof(p));
	if (ssm_parse_get(json, strlen(json), &p, err, sizeof(err)) == 0) {
		v = strdup(p.value);
		ssm_parameter_free(&p);
	}
	free(json);
	return v;
}

/* answer_value: a GetParameter answer holding v (no quotes or backslashes in v). */
static void
answer_value(const char *v)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	buf_adds(&b, "{\"Parameter\":{\"Name\":\"" PARAM "\",\"Type\":"
	    "\"SecureString\",\"Value\":\"");
	for (; *v; v++)
		if (*v == '\n')
			buf_adds(&b, "\\n");
		else
			buf_add(&b, v, 1);
	buf_adds(&b, "\",\"Version\":2}}");
	fake_answer(200, buf_str(&b), 0);
	buf_free(&b);
}

static void
test_sync(void)
{
	char path[] = "/tmp/test_peersync_XXXXXX", db[64], errbuf[256];
	struct event_base *base = event_base_new();
	struct desired *d = conf(""), *d2 = conf("[peer bob]\npublic_key = "
	    PUB_B "\naddress = 10.8.0.3\n");
	struct store *st;
	struct executor *ex;
	struct executor_peers ps;
	struct rc_result r;
	struct buf want;
	const struct status_outcomes *out;
	char *v;
	int calls, fd = mkstemp(path);

	T_OK(fd >= 0 && base != NULL, "scratch");
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s", path);
	st = store_open(db, errbuf, sizeof(errbuf));
	T_OK(st != NULL, "store: %s", errbuf);
	if (st == NULL)
		return;
	ex = executor_new(base, NULL, NULL, st, d, done_cb, NULL);
	T_OK(ex != NULL, "executor");
	executor_peers(ex, &ps);
	T_EQ_INT(ps.count, 1);
	T_EQ_INT(ps.known, 0);

	/* Unknown: reconcile waits for the read. */
	fake.refuse = 1;
	executor_recover(ex);
	T_EQ_STR(fake.target, "AmazonSSM.GetParameter");
	T_OK(strstr(fake.body, "\"Name\":\"" PARAM "\"") != NULL &&
	    strstr(fake.body, "\"WithDecryption\":true") != NULL,
	    "GetParameter of the peers with decryption: %s", fake.body);
	round_run(ex, d, &r);
	T_OK(!has_put_peers(&r), "no put before the read");
	fake_answer(400, "{\"__type\":\"ParameterNotFound\",\"message\":\"x\"}", 0);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.known, 1);
	T_EQ_INT(ps.in_sync, 0);

	/* Absent: put, a SecureString holding exactly the rendered list. */
	calls = fake.calls;
	round_run(ex, d, &r);
	T_OK(has_put_peers(&r), "put-peers");
	T_EQ_INT(fake.calls, calls + 1);
	T_EQ_STR(fake.target, "AmazonSSM.PutParameter");
	T_OK(strstr(fake.body, "\"Type\":\"SecureString\"") != NULL &&
	    strstr(fake.body, "\"Overwrite\":true") != NULL, "%s", fake.body);
	buf_init(&want, 1 << 16);
	T_EQ_INT(peers_render_server(d, &want), 0);
	v = value_of();
	T_EQ_STR(v, buf_str(&want));
	free(v);
	/* In flight: not sent twice. */
	round_run(ex, d, &r);
	T_EQ_INT(fake.calls, calls + 1);
	fake_answer(200, "{\"Version\":1,\"Tier\":\"Standard\"}", 0);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.in_sync, 1);
	T_OK(ps.synced_at > 0 && ps.last_error == NULL, "synced");
	out = executor_outcomes(ex);
	T_EQ_INT(out->ssm_puts[STATUS_R_OK], 1);
	round_run(ex, d, &r);
	T_OK(!has_put_peers(&r) && fake.calls == calls + 1, "converged");

	/* A peer added: put again; the put fails and backs off. */
	fake.refuse = 1;
	executor_set_desired(ex, d2);	/* reads again: the first list */
	T_EQ_STR(fake.target, "AmazonSSM.GetParameter");
	answer_value(buf_str(&want));
	calls = fake.calls;
	round_run(ex, d2, &r);
	T_OK(has_put_peers(&r), "put-peers after the edit");
	T_EQ_STR(fake.target, "AmazonSSM.PutParameter");
	T_EQ_INT(fake.calls, calls + 1);
	fake_answer(400, "{\"__type\":\"AccessDeniedException\",\"message\":"
	    "\"no\"}", 0);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.in_sync, 0);
	T_OK(ps.last_error && strstr(ps.last_error, "AccessDeniedException"),
	    "last_error: %s", ps.last_error ? ps.last_error : "(null)");
	T_EQ_INT(out->ssm_puts[STATUS_R_ERROR], 1);
	round_run(ex, d2, &r);
	T_OK(has_put_peers(&r), "still wanted");
	T_EQ_INT(fake.calls, calls + 1);	/* backing off: not sent */
	executor_stop(ex);
	executor_free(ex);

	/* A new executor (a restart): the store remembers the first list. */
	ex = executor_new(base, NULL, NULL, st, d, done_cb, NULL);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.known, 1);
	T_EQ_INT(ps.in_sync, 1);
	calls = fake.calls;
	round_run(ex, d, &r);
	T_OK(!has_put_peers(&r), "no put after a restart with nothing changed");
	T_EQ_INT(fake.calls, calls);
	/* ...until the read shows it changed behind our back. */
	fake.refuse = 1;
	executor_recover(ex);
	T_EQ_STR(fake.target, "AmazonSSM.GetParameter");
	fake_answer(200, "{\"Parameter\":{\"Name\":\"" PARAM "\",\"Type\":"
	    "\"SecureString\",\"Value\":\"# tampered\\n\",\"Version\":3}}", 0);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.in_sync, 0);
	calls = fake.calls;
	round_run(ex, d, &r);
	T_OK(has_put_peers(&r), "put after tampering");
	T_EQ_INT(fake.calls, calls + 1);
	fake_answer(200, "{\"Version\":4,\"Tier\":\"Standard\"}", 0);
	executor_peers(ex, &ps);
	T_EQ_INT(ps.in_sync, 1);

	buf_free(&want);
	executor_stop(ex);
	executor_free(ex);
	store_close(st);
	unlink(db);
	snprintf(errbuf, sizeof(errbuf), "%s-wal", db);
	unlink(errbuf);
	snprintf(errbuf, sizeof(errbuf), "%s-shm", db);
	unlink(errbuf);
	desired_free(d);
	desired_free(d2);
	event_base_free(base);
	free(fake.body);
	fake.body = NULL;
}

int
main(void)
{
	T_RUN(test_sync);
	return t_done("test_peersync");
}
