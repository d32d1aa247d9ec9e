/*
 * test_sns: the SNS adapter's subject cleaning, Publish body and answer
 * parser (tests/fixtures/sns/ from moto 5.2.1), and sns_publish against a
 * fake aws_call() (fake_aws.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "sns.h"
#include "t.h"
#include "fake_aws.h"

#define FIX "tests/fixtures/"
#define ARN "arn:aws:sns:us-east-1:123456789012:stingy-alerts"

static void
test_subject(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} v[] = {
		{ "stingy-vpn: launch failed", "stingy-vpn: launch failed" },
		{ "  \tleading", "leading" },
		{ "line\nbreak\r\n", "line break" },
		{ "caf\xc3\xa9 \xe2\x98\x83!", "caf? ?!" },
		{ "\xff\xfe", "??" },
		{ "", "" },
		{ "   ", "" },
		{ NULL, "" },
	};
	char out[SNS_MAX_SUBJECT + 1], small[4], longs[300];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_EQ_STR(sns_subject_clean(out, sizeof(out), v[i].in), v[i].out);
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	T_EQ_INT(strlen(sns_subject_clean(out, sizeof(out), longs)),
	    SNS_MAX_SUBJECT);
	T_EQ_STR(sns_subject_clean(small, sizeof(small), "abcdef"), "abc");
}

static void
test_build(void)
{
	struct buf b;
	char big[SNS_MAX_MESSAGE + 2];

	buf_init(&b, 1024 * 1024);
	T_EQ_INT(sns_build_publish(&b, ARN, "stingy-vpn: home\nreplaced",
	    "instance i-1 replaced i-0 & more=50%"), 0);
	T_EQ_STR(buf_str(&b), "Action=Publish&Version=2010-03-31&TopicArn="
	    "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Astingy-alerts"
	    "&Subject=stingy-vpn%3A%20home%20replaced"
	    "&Message=instance%20i-1%20replaced%20i-0%20%26%20more%3D50%25");
	buf_reset(&b);
	T_EQ_INT(sns_build_publish(&b, ARN, NULL, "m"), 0);
	T_EQ_STR(buf_str(&b), "Action=Publish&Version=2010-03-31&TopicArn="
	    "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Astingy-alerts"
	    "&Message=m");
	buf_reset(&b);
	T_EQ_INT(sns_build_publish(&b, ARN, " \n", "m"), 0);
	T_OK(strstr(buf_str(&b), "Subject") == NULL, "blank subject left out");
	buf_reset(&b);
	T_EQ_INT(sns_build_publish(&b, ARN, "s", ""), -1);
	T_EQ_INT(sns_build_publish(&b, ARN, "s", NULL), -1);
	T_EQ_INT(sns_build_publish(&b, "", "s", "m"), -1);
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(sns_build_publish(&b, ARN, "s", big), -1);
	big[SNS_MAX_MESSAGE] = '\0';
	buf_reset(&b);
	T_EQ_INT(sns_build_publish(&b, ARN, "s", big), 0);
	buf_free(&b);
}

#define S(s) s, sizeof(s) - 1

static void
test_parse(void)
{
	char id[128], err[256], *x;
	size_t len, cut, bad = 0;

	if ((x = t_read_file(FIX "sns/publish.xml", &len)) != NULL) {
		T_EQ_INT(sns_parse_publish(x, len, id, sizeof(id), err,
		    sizeof(err)), 0);
		T_EQ_STR(id, "a33dc9a6-adb4-4f0e-9872-ca413a374072");
		T_EQ_INT(sns_parse_publish(x, len, id, 8, err, sizeof(err)), -1);
		T_EQ_STR(err, "sns Publish: MessageId too long (36 bytes)");
		for (cut = 0; cut < len; cut++)
			if (sns_parse_publish(x, cut, id, sizeof(id), err,
			    sizeof(err)) != -1)
				bad++;
		T_EQ_INT(bad, 0);
		free(x);
	}
	if ((x = t_read_file(FIX "errors/sns_not_found.xml", &len)) != NULL) {
		T_EQ_INT(sns_parse_publish(x, len, id, sizeof(id), err,
		    sizeof(err)), -1);
		T_EQ_STR(err, "sns Publish: unexpected root element <ErrorResponse>");
		free(x);
	}
	T_EQ_INT(sns_parse_publish(S("<PublishResponse><PublishResult/>"
	    "</PublishResponse>"), id, sizeof(id), err, sizeof(err)), -1);
	T_EQ_STR(err, "sns Publish: no MessageId in the answer");
	T_EQ_INT(sns_parse_publish(S("<PublishResponse><MessageId>x</MessageId>"
	    "</PublishResponse>"), id, sizeof(id), err, sizeof(err)), -1);
	T_EQ_INT(sns_parse_publish(S("{\"MessageId\":\"x\"}"), id, sizeof(id),
	    err, sizeof(err)), -1);
	T_EQ_INT(sns_parse_publish(S(""), id, sizeof(id), err, sizeof(err)), -1);
}

static struct {
	int	calls;
	char	code[64];
	char	id[128];
} got;

static void
publish_cb(const struct aws_error *err, const char *id, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	T_OK((err == NULL) == (id != NULL), "id set exactly on success");
	snprintf(got.id, sizeof(got.id), "%s", id ? id : "");
}

static void
test_async(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;

	memset(&got, 0, sizeof(got));
	T_EQ_INT(sns_publish(a, ARN, "subject", "hello", publish_cb, &got), 0);
	T_EQ_STR(fake.service, "sns");
	T_EQ_STR(fake.content_type,
	    "application/x-www-form-urlencoded; charset=utf-8");
	T_EQ_STR(fake.target, "(null)");
	T_EQ_STR(fake.body, "Action=Publish&Version=2010-03-31&TopicArn="
	    "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Astingy-alerts"
	    "&Subject=subject&Message=hello");
	fake_answer(200, FIX "sns/publish.xml", 1);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	T_EQ_STR(got.id, "a33dc9a6-adb4-4f0e-9872-ca413a374072");

	memset(&got, 0, sizeof(got));
	T_EQ_INT(sns_publish(a, ARN, NULL, "hello", publish_cb, &got), 0);
	fake_answer(404, FIX "errors/sns_not_found.xml", 1);
	T_EQ_STR(got.code, "NotFound");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(sns_publish(a, ARN, NULL, "hello", publish_cb, &got), 0);
	fake_answer(200, "<PublishResponse/>", 0);
	T_EQ_STR(got.code, "MalformedResponse");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(sns_publish(a, NULL, NULL, "hello", publish_cb, &got), -1);
	T_EQ_INT(got.calls, 0);
}

int
main(void)
{
	T_RUN(test_subject);
	T_RUN(test_build);
	T_RUN(test_parse);
	T_RUN(test_async);
	free(fake.body);
	return t_done("test_sns");
}
