/*
 * test_sqs: the SQS adapter's builders and parser against answers captured
 * from moto 5.2.1 and hand-written in AWS's shape (tests/fixtures/sqs/),
 * broken answers, and sqs_receive/sqs_delete against a fake aws_call()
 * (fake_aws.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "sqs.h"
#include "t.h"
#include "fake_aws.h"

#define FIX "tests/fixtures/"
#define QURL "https://sqs.us-east-1.amazonaws.com/123456789012/stingy-events"

static int
parse_file(const char *name, struct sqs_messages *m, char *err, size_t errlen)
{
	char path[256], *s;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), FIX "sqs/%s", name);
	if ((s = t_read_file(path, &len)) == NULL) {
		T_OK(0, "read %s", path);
		memset(m, 0, sizeof(*m));
		return -2;
	}
	rc = sqs_parse_receive(s, len, m, err, errlen);
	free(s);
	return rc;
}

static void
test_parse_fixtures(void)
{
	struct sqs_messages m;
	char err[256] = "";

	T_EQ_INT(parse_file("receive_empty.json", &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 0);
	T_EQ_INT(m.skipped, 0);
	sqs_messages_free(&m);
	T_EQ_INT(parse_file("receive_empty_array.json", &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 0);
	sqs_messages_free(&m);

	T_EQ_INT(parse_file("receive_messages.json", &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 2);
	T_EQ_INT(m.skipped, 0);
	if (m.n == 2) {
		T_EQ_STR(m.v[0].message_id, "cb968ac8-6a0c-4332-bc07-fda3b982573e");
		T_EQ_STR(m.v[0].receipt_handle, "wsmvevmkjqnyrrbymyafdyagbpnpnwpufy"
		    "wrhvvilrvenmgswdquaaadovcqapvvigglclilubghlymiiekmxnmzfwkudeiv"
		    "klomlwlnypfvvhyuonthjgsztyprcnotxyvilqqngielguwagxxxpsvlakgess"
		    "gpkyyrcuxgbrykqoxwjpbwlqgda");
		T_EQ_STR(m.v[0].body, "{\"version\": \"0\", \"id\": "
		    "\"7bf73129-1428-4cd3-a780-95db273d1602\", \"detail-type\": "
		    "\"EC2 Spot Instance Interruption Warning\", \"source\": "
		    "\"aws.ec2\", \"detail\": {\"instance-id\": "
		    "\"i-d51ced48df547924a\", \"instance-action\": \"terminate\"}}");
		T_EQ_INT(m.v[0].body_len, strlen(m.v[0].body));
		T_EQ_STR(m.v[1].message_id, "2f829ba4-4d1b-4f0e-9360-968adcf30514");
		T_EQ_STR(m.v[1].body, "plain text with \"quotes\" and unicode "
		    "\xc3\xa9 \xe2\x98\x83");
		T_EQ_INT(m.v[1].body_len, 43);
	}
	sqs_messages_free(&m);
	T_EQ_INT(m.n, 0);
	T_OK(m.v == NULL, "freed");
	sqs_messages_free(NULL);

	T_EQ_INT(parse_file("receive_aws.json", &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 2);
	if (m.n == 2) {
		T_EQ_STR(m.v[0].message_id, "219f8380-5770-4cc2-8c3e-5c715e145f5e");
		T_OK(strlen(m.v[0].receipt_handle) > 300 &&
		    strcmp(m.v[0].receipt_handle + strlen(m.v[0].receipt_handle) -
		    4, "==&x") == 0, "receipt handle unescaped");
		T_OK(strncmp(m.v[0].body, "{\"version\":\"0\",\"id\":\"a8b3c1d2-",
		    30) == 0, "body is the event JSON: %.40s", m.v[0].body);
		T_EQ_STR(m.v[1].receipt_handle, "AQEB-second");
		T_EQ_STR(m.v[1].body, "second");
	}
	sqs_messages_free(&m);

	/* Messages without a usable handle are skipped and counted. */
	T_EQ_INT(parse_file("receive_partial.json", &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 4);
	T_EQ_INT(m.skipped, 4);
	if (m.n == 4) {
		T_EQ_STR(m.v[0].message_id, "m-1");
		T_EQ_STR(m.v[0].receipt_handle, "rh-1");
		T_EQ_STR(m.v[0].body, "good");
		T_EQ_STR(m.v[1].receipt_handle, "rh-5");
		T_EQ_STR(m.v[1].message_id, "");
		T_EQ_STR(m.v[1].body, "");
		T_EQ_INT(m.v[1].body_len, 0);
		T_EQ_STR(m.v[2].receipt_handle, "rh-6");
		T_EQ_STR(m.v[2].message_id, "");
		T_EQ_STR(m.v[2].body, "");
		T_EQ_STR(m.v[3].receipt_handle, "rh-7");
		T_EQ_INT(m.v[3].body_len, 10);
		T_OK(memcmp(m.v[3].body, "nul\0inside", 11) == 0, "NUL kept");
	}
	sqs_messages_free(&m);
}

static int
parse_str(const char *s, size_t len, struct sqs_messages *m, char *err,
    size_t errlen)
{
	int rc = sqs_parse_receive(s, len, m, err, errlen);

	if (rc == -1)
		T_OK(m->n == 0 && m->v == NULL, "left empty on error");
	sqs_messages_free(m);
	return rc;
}

#define S(s) s, sizeof(s) - 1

static void
test_parse_malformed(void)
{
	struct sqs_messages m;
	struct buf b;
	char err[256], *x;
	size_t len, cut, bad = 0;
	int i;

	T_EQ_INT(parse_str(S(""), &m, err, sizeof(err)), -1);
	T_EQ_STR(err, "sqs ReceiveMessage: truncated JSON");
	T_EQ_INT(parse_str(S("[]"), &m, err, sizeof(err)), -1);
	T_EQ_STR(err, "sqs ReceiveMessage: answer is not a JSON object");
	T_EQ_INT(parse_str(S("null"), &m, err, sizeof(err)), -1);
	T_EQ_INT(parse_str(S("<ErrorResponse/>"), &m, err, sizeof(err)), -1);
	T_EQ_INT(parse_str(S("{\"Messages\":{}}"), &m, err, sizeof(err)), -1);
	T_EQ_STR(err, "sqs ReceiveMessage: Messages is not an array");
	T_EQ_INT(parse_str(S("{\"Messages\":\"x\"}"), &m, err, sizeof(err)), -1);
	T_EQ_INT(parse_str(S("{} {}"), &m, err, sizeof(err)), -1);
	T_EQ_STR(err, "sqs ReceiveMessage: data after the JSON value at byte 3");
	T_EQ_INT(parse_str(S("{}\0{}"), &m, err, sizeof(err)), -1);
	T_EQ_INT(parse_str(S("{} \r\n\t"), &m, err, sizeof(err)), 0);
	T_EQ_INT(parse_str(S("{\"Messages\":null}"), &m, err, sizeof(err)), 0);
	T_EQ_INT(parse_str(S("{\"Messages\":[{\"ReceiptHandle\":\"r\","
	    "\"Body\":1e999999,\"MessageId\":99999999999999999999999}]}"), &m,
	    err, sizeof(err)), 0);
	T_EQ_INT(parse_str(S("{\"Messages\":[{\"ReceiptHandle\":\"r\\u0000x\"}]}"),
	    &m, err, sizeof(err)), 0);

	/* Every truncation of a real answer is an error. */
	if ((x = t_read_file(FIX "sqs/receive_aws.json", &len)) != NULL) {
		while (len > 0 && strchr(" \n", x[len - 1]) != NULL)
			len--;
		for (cut = 0; cut < len; cut++) {
			if (sqs_parse_receive(x, cut, &m, err, sizeof(err)) != -1)
				bad++;
			sqs_messages_free(&m);
		}
		T_EQ_INT(bad, 0);
		free(x);
	}

	/* Nesting past the tokener's depth. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "{\"Messages\":");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "[");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "]");
	buf_adds(&b, "}");
	T_EQ_INT(parse_str(b.data, b.len, &m, err, sizeof(err)), -1);

	/* More than SQS_MAX_MESSAGES: the extra ones are skipped. */
	buf_reset(&b);
	buf_adds(&b, "{\"Messages\":[");
	for (i = 0; i < 12; i++)
		buf_addf(&b, "%s{\"MessageId\":\"m%d\",\"ReceiptHandle\":\"r%d\","
		    "\"Body\":\"b\"}", i ? "," : "", i, i);
	buf_adds(&b, "]}");
	T_EQ_INT(sqs_parse_receive(b.data, b.len, &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 10);
	T_EQ_INT(m.skipped, 2);
	if (m.n == 10)
		T_EQ_STR(m.v[9].receipt_handle, "r9");
	sqs_messages_free(&m);

	/* A handle past SQS_MAX_HANDLE is skipped. */
	buf_reset(&b);
	buf_adds(&b, "{\"Messages\":[{\"ReceiptHandle\":\"");
	for (i = 0; i <= SQS_MAX_HANDLE; i++)
		buf_adds(&b, "h");
	buf_adds(&b, "\"}]}");
	T_EQ_INT(sqs_parse_receive(b.data, b.len, &m, err, sizeof(err)), 0);
	T_EQ_INT(m.n, 0);
	T_EQ_INT(m.skipped, 1);
	sqs_messages_free(&m);
	buf_free(&b);
}

static void
test_build(void)
{
	struct buf b;

	buf_init(&b, 4096);
	T_EQ_INT(sqs_build_receive(&b, QURL, 10, 20, 60), 0);
	T_EQ_STR(buf_str(&b), "{\"QueueUrl\":\"" QURL "\",\"MaxNumberOfMessages\""
	    ":10,\"WaitTimeSeconds\":20,\"VisibilityTimeout\":60}");
	buf_reset(&b);
	T_EQ_INT(sqs_build_receive(&b, "q\"\\\n\x01\xc3\xa9", 1, 0, 0), 0);
	T_EQ_STR(buf_str(&b), "{\"QueueUrl\":\"q\\\"\\\\\\u000a\\u0001\xc3\xa9\","
	    "\"MaxNumberOfMessages\":1,\"WaitTimeSeconds\":0,"
	    "\"VisibilityTimeout\":0}");
	buf_reset(&b);
	T_EQ_INT(sqs_build_receive(&b, QURL, 11, 20, 60), -1);
	T_EQ_INT(sqs_build_receive(&b, QURL, 0, 20, 60), -1);
	T_EQ_INT(sqs_build_receive(&b, QURL, 10, 21, 60), -1);
	T_EQ_INT(sqs_build_receive(&b, QURL, 10, -1, 60), -1);
	T_EQ_INT(sqs_build_receive(&b, QURL, 10, 20, 43201), -1);
	T_EQ_INT(sqs_build_receive(&b, "", 10, 20, 60), -1);
	T_EQ_INT(sqs_build_receive(&b, NULL, 10, 20, 60), -1);
	T_EQ_INT(b.len, 0);

	T_EQ_INT(sqs_build_delete(&b, QURL, "AQEB+/=="), 0);
	T_EQ_STR(buf_str(&b), "{\"QueueUrl\":\"" QURL "\",\"ReceiptHandle\":"
	    "\"AQEB+/==\"}");
	buf_reset(&b);
	T_EQ_INT(sqs_build_delete(&b, QURL, ""), -1);
	buf_free(&b);

	buf_init(&b, 20);
	T_EQ_INT(sqs_build_receive(&b, QURL, 10, 20, 60), -1);
	T_OK(b.len <= 20, "cap kept");
	buf_free(&b);
}

static struct {
	int			 calls;
	char			 code[64];
	struct sqs_messages	*msgs;
} got;

static void
receive_cb(const struct aws_error *err, struct sqs_messages *msgs, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	T_OK((err == NULL) == (msgs != NULL), "msgs set exactly on success");
	/* Lent for the call: move the contents out, leave it empty. */
	if (msgs && (got.msgs = malloc(sizeof(*got.msgs))) != NULL) {
		*got.msgs = *msgs;
		memset(msgs, 0, sizeof(*msgs));
	}
}

static void
status_cb(const struct aws_error *err, void *arg)
{
	(void)arg;
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
}

static void
got_reset(void)
{
	if (got.msgs) {
		sqs_messages_free(got.msgs);
		free(got.msgs);
	}
	memset(&got, 0, sizeof(got));
}

static void
test_async(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;

	got_reset();
	T_EQ_INT(sqs_receive(a, QURL, 20, receive_cb, &got), 0);
	T_EQ_INT(fake.calls, 1);
	T_EQ_STR(fake.service, "sqs");
	T_EQ_STR(fake.content_type, "application/x-amz-json-1.0");
	T_EQ_STR(fake.target, "AmazonSQS.ReceiveMessage");
	T_EQ_STR(fake.body, "{\"QueueUrl\":\"" QURL "\",\"MaxNumberOfMessages\""
	    ":10,\"WaitTimeSeconds\":20,\"VisibilityTimeout\":60}");
	T_EQ_INT(fake.timeout_ms, 35000);
	T_EQ_INT(fake.max_attempts, 1);
	T_EQ_INT(fake.max_response, SQS_MAX_ANSWER);
	fake_answer(200, FIX "sqs/receive_messages.json", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	T_EQ_INT(got.msgs ? got.msgs->n : 99, 2);

	got_reset();
	T_EQ_INT(sqs_receive(a, QURL, 5, receive_cb, &got), 0);
	T_EQ_INT(fake.timeout_ms, 20000);
	fake_answer(200, FIX "sqs/receive_empty.json", 1);
	T_EQ_INT(got.msgs ? got.msgs->n : 99, 0);

	got_reset();
	T_EQ_INT(sqs_receive(a, QURL, 20, receive_cb, &got), 0);
	fake_answer(400, FIX "errors/sqs_queue_does_not_exist.json", 1);
	T_EQ_STR(got.code, "QueueDoesNotExist");
	got_reset();
	T_EQ_INT(sqs_receive(a, QURL, 20, receive_cb, &got), 0);
	fake_answer(403, FIX "errors/sqs_403_xml.xml", 1);
	T_EQ_STR(got.code, "InvalidClientTokenId");
	got_reset();
	T_EQ_INT(sqs_receive(a, QURL, 20, receive_cb, &got), 0);
	fake_answer(200, "<html/>", 0);
	T_EQ_STR(got.code, "MalformedResponse");
	got_reset();
	fake.calls = 0;
	T_EQ_INT(sqs_receive(a, QURL, 21, receive_cb, &got), -1);
	T_EQ_INT(fake.calls, 0);
	T_EQ_INT(got.calls, 0);

	T_EQ_INT(sqs_delete(a, QURL, "rh-1", status_cb, NULL), 0);
	T_EQ_STR(fake.target, "AmazonSQS.DeleteMessage");
	T_EQ_STR(fake.body, "{\"QueueUrl\":\"" QURL "\",\"ReceiptHandle\":"
	    "\"rh-1\"}");
	T_EQ_INT(fake.max_attempts, 0);
	fake_answer(200, "{}", 0);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	got_reset();
	T_EQ_INT(sqs_delete(a, QURL, "bogus", status_cb, NULL), 0);
	fake_answer(400, FIX "errors/sqs_receipt_handle_invalid.json", 1);
	T_EQ_STR(got.code, "ReceiptHandleIsInvalid");
	got_reset();
	T_EQ_INT(sqs_delete(a, QURL, NULL, status_cb, NULL), -1);
}

int
main(void)
{
	T_RUN(test_parse_fixtures);
	T_RUN(test_parse_malformed);
	T_RUN(test_build);
	T_RUN(test_async);
	free(fake.body);
	return t_done("test_sqs");
}
