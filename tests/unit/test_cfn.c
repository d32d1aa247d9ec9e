/*
 * test_cfn: the CloudFormation adapter: the StackName check, the
 * DescribeStacks body, the answer parser on moto 5.2.1's answer, an AWS
 * shaped one and hostile ones (caps, duplicates, every cut), the error
 * shape, and cfn_describe_stack against a fake aws_call() (fake_aws.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "cfn.h"
#include "t.h"
#include "fake_aws.h"

#define S(s) s, sizeof(s) - 1

#define STACK_ID "arn:aws:cloudformation:us-east-1:123456789012:stack/s1/" \
	"f995e66e-2e57-4f40-b702-625ad8128b94"

/* What moto 5.2.1 answered for a stack of a queue, a launch template, a
 * topic, an EIP and literal outputs (captured from the server). */
static const char moto_answer[] =
"<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/"
"2010-05-15/\"><DescribeStacksResult><Stacks><member><StackId>" STACK_ID
"</StackId><StackName>s1</StackName><Parameters/><CreationTime>2026-12-01T09"
":13:40.456945Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>"
"<DisableRollback>false</DisableRollback><NotificationARNs/><Outputs><member>"
"<OutputKey>QueueUrl</OutputKey><OutputValue>https://sqs.us-east-1.amazonaws"
".com/123456789012/stingy-vpn-events</OutputValue></member><member><OutputKey>"
"LaunchTemplateId</OutputKey><OutputValue>lt-96c77c166783ff1b1</OutputValue>"
"</member><member><OutputKey>SnsTopicArn</OutputKey><OutputValue>arn:aws:sns:"
"us-east-1:123456789012:stingy</OutputValue></member><member><OutputKey>"
"ElasticIpAllocationId</OutputKey><OutputValue>eipalloc-8f4001af15de11d06"
"</OutputValue></member><member><OutputKey>Region</OutputKey><OutputValue>"
"us-east-1</OutputValue></member><member><OutputKey>Lit</OutputKey>"
"<OutputValue>a, b</OutputValue><Description>x</Description></member>"
"</Outputs><Tags/><EnableTerminationProtection>false"
"</EnableTerminationProtection></member></Stacks></DescribeStacksResult>"
"<ResponseMetadata><RequestId>IqALO31hgt4cEQhwPx1Tdsn4nz0yQhOFN6g4v95YG7w1jDW"
"Q9c2y</RequestId></ResponseMetadata></DescribeStacksResponse>";

/* AWS's own layout: indentation, parameters and tags with members of their
 * own (which must not read as outputs), ExportName, an UPDATE status. */
static const char aws_answer[] =
"<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/"
"2010-05-15/\">\n"
"  <DescribeStacksResult>\n"
"    <Stacks>\n"
"      <member>\n"
"        <StackName>stingy-vpn</StackName>\n"
"        <StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/"
"stingy-vpn/1</StackId>\n"
"        <Description>stingy-vpn endpoint</Description>\n"
"        <Parameters>\n"
"          <member><ParameterKey>OutputKey</ParameterKey>"
"<ParameterValue>p</ParameterValue></member>\n"
"        </Parameters>\n"
"        <StackStatus>UPDATE_ROLLBACK_COMPLETE</StackStatus>\n"
"        <StackStatusReason>User Initiated</StackStatusReason>\n"
"        <Outputs>\n"
"          <member>\n"
"            <OutputKey>SubnetIds</OutputKey>\n"
"            <OutputValue>subnet-0aaaaaaaaaaaaaaa1, subnet-0bbbbbbbbbbbbbbb2"
"</OutputValue>\n"
"            <Description>the subnets</Description>\n"
"            <ExportName>stingy-vpn-SubnetIds</ExportName>\n"
"          </member>\n"
"          <member>\n"
"            <OutputValue>t4g.nano</OutputValue>\n"
"            <OutputKey>InstanceType</OutputKey>\n"
"          </member>\n"
"        </Outputs>\n"
"        <Tags><member><Key>OutputKey</Key><Value>v</Value></member></Tags>\n"
"      </member>\n"
"    </Stacks>\n"
"  </DescribeStacksResult>\n"
"  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\n"
"</DescribeStacksResponse>\n";

/* moto's answer for a stack that does not exist (HTTP 400) */
static const char not_found[] =
"<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
"<Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id "
"nope does not exist</Message></Error><RequestId>LTtTcH71PfNe9VDJx3G24goBh5d6"
"fiMhKVj9X0k6eV8J7SbsV5yb</RequestId></ErrorResponse>";

#define HEAD "<DescribeStacksResponse><DescribeStacksResult><Stacks>"
#define TAIL "</Stacks></DescribeStacksResult></DescribeStacksResponse>"
#define MEMBER(body) "<member><StackName>s</StackName><StackStatus>" \
	"CREATE_COMPLETE</StackStatus>" body "</member>"
#define OPEN HEAD "<member><StackStatus>CREATE_COMPLETE</StackStatus>"
#define CLOSE "</member>" TAIL
#define OUT(k, v) "<member><OutputKey>" k "</OutputKey><OutputValue>" v \
	"</OutputValue></member>"

static void
test_stack_arg(void)
{
	static const char *ok[] = { "s", "stingy-vpn", "A1-b", STACK_ID };
	static const char *bad[] = { "", "1abc", "-a", "a_b", "a b", "a\nb",
	    "a/b", "arn:aws x", "arn:\x01", "caf\xc3\xa9" };
	char longname[130], longarn[CFN_MAX_STACK_ARG + 1];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		T_OK(cfn_valid_stack_arg(ok[i]), "%s refused", ok[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(!cfn_valid_stack_arg(bad[i]), "bad[%zu] accepted", i);
	T_OK(!cfn_valid_stack_arg(NULL), "NULL accepted");
	memset(longname, 'a', sizeof(longname));
	longname[128] = '\0';
	T_OK(cfn_valid_stack_arg(longname), "128 characters refused");
	longname[128] = 'a';
	longname[129] = '\0';
	T_OK(!cfn_valid_stack_arg(longname), "129 characters accepted");
	memset(longarn, 'x', sizeof(longarn));
	memcpy(longarn, "arn:", 4);
	longarn[CFN_MAX_STACK_ARG - 1] = '\0';
	T_OK(cfn_valid_stack_arg(longarn), "an id of the largest size refused");
	longarn[CFN_MAX_STACK_ARG - 1] = 'x';
	longarn[CFN_MAX_STACK_ARG] = '\0';
	T_OK(!cfn_valid_stack_arg(longarn), "an id too long accepted");
}

static void
test_build(void)
{
	struct buf b;

	buf_init(&b, 4096);
	T_EQ_INT(cfn_build_describe_stacks(&b, "stingy-vpn"), 0);
	T_EQ_STR(buf_str(&b), "Action=DescribeStacks&Version=2010-05-15"
	    "&StackName=stingy-vpn");
	buf_reset(&b);
	T_EQ_INT(cfn_build_describe_stacks(&b, "arn:aws:cloudformation:"
	    "us-east-1:1:stack/s/u"), 0);
	T_EQ_STR(buf_str(&b), "Action=DescribeStacks&Version=2010-05-15"
	    "&StackName=arn%3Aaws%3Acloudformation%3Aus-east-1%3A1%3Astack%2Fs"
	    "%2Fu");
	buf_reset(&b);
	T_EQ_INT(cfn_build_describe_stacks(&b, "a&Action=DeleteStack"), -1);
	T_EQ_INT(cfn_build_describe_stacks(&b, ""), -1);
	T_EQ_INT(cfn_build_describe_stacks(&b, NULL), -1);
	buf_free(&b);
	buf_init(&b, 16);
	T_EQ_INT(cfn_build_describe_stacks(&b, "stingy-vpn"), -1);
	buf_free(&b);
}

static void
test_parse(void)
{
	struct cfn_stack s;
	char err[256];

	T_EQ_INT(cfn_parse_describe_stacks(S(moto_answer), &s, err,
	    sizeof(err)), 0);
	T_EQ_STR(s.name, "s1");
	T_EQ_STR(s.id, STACK_ID);
	T_EQ_STR(s.status, "CREATE_COMPLETE");
	T_EQ_INT(s.n_outputs, 6);
	T_EQ_STR(cfn_stack_output(&s, "QueueUrl"),
	    "https://sqs.us-east-1.amazonaws.com/123456789012/stingy-vpn-events");
	T_EQ_STR(cfn_stack_output(&s, "LaunchTemplateId"), "lt-96c77c166783ff1b1");
	T_EQ_STR(cfn_stack_output(&s, "ElasticIpAllocationId"),
	    "eipalloc-8f4001af15de11d06");
	T_EQ_STR(cfn_stack_output(&s, "Region"), "us-east-1");
	T_EQ_STR(cfn_stack_output(&s, "Lit"), "a, b");
	T_EQ_STR(cfn_stack_output(&s, "Description"), NULL);
	T_EQ_STR(cfn_stack_output(&s, "queueurl"), NULL);
	T_EQ_STR(s.outputs[0].key, "QueueUrl");	/* document order */
	T_EQ_STR(s.outputs[5].key, "Lit");
	cfn_stack_free(&s);
	T_EQ_INT(s.n_outputs, 0);
	T_OK(s.outputs == NULL, "freed and emptied");
	cfn_stack_free(&s);
	cfn_stack_free(NULL);

	T_EQ_INT(cfn_parse_describe_stacks(S(aws_answer), &s, err,
	    sizeof(err)), 0);
	T_EQ_STR(s.name, "stingy-vpn");
	T_EQ_STR(s.status, "UPDATE_ROLLBACK_COMPLETE");
	T_EQ_INT(s.n_outputs, 2);
	T_EQ_STR(cfn_stack_output(&s, "SubnetIds"),
	    "subnet-0aaaaaaaaaaaaaaa1, subnet-0bbbbbbbbbbbbbbb2");
	T_EQ_STR(cfn_stack_output(&s, "InstanceType"), "t4g.nano");
	T_EQ_STR(cfn_stack_output(&s, "OutputKey"), NULL);
	cfn_stack_free(&s);

	/* values are kept as decoded, control characters included */
	T_EQ_INT(cfn_parse_describe_stacks(S(HEAD MEMBER("<Outputs>"
	    OUT("A", "x&#10;[dns]&amp;&lt;") OUT("B", "") "<member><OutputKey>C"
	    "</OutputKey></member></Outputs>") TAIL), &s, err, sizeof(err)), 0);
	T_EQ_STR(cfn_stack_output(&s, "A"), "x\n[dns]&<");
	T_EQ_STR(cfn_stack_output(&s, "B"), "");
	T_EQ_STR(cfn_stack_output(&s, "C"), "");
	cfn_stack_free(&s);

	/* a stack without outputs, a prefixed root */
	T_EQ_INT(cfn_parse_describe_stacks(S("<x:DescribeStacksResponse "
	    "xmlns:x=\"u\"><x:DescribeStacksResult><x:Stacks><x:member>"
	    "<x:StackStatus>DELETE_COMPLETE</x:StackStatus></x:member>"
	    "</x:Stacks></x:DescribeStacksResult></x:DescribeStacksResponse>"),
	    &s, err, sizeof(err)), 0);
	T_EQ_STR(s.status, "DELETE_COMPLETE");
	T_EQ_STR(s.name, "");
	T_EQ_INT(s.n_outputs, 0);
	cfn_stack_free(&s);
}

/* refused: the answer is refused with exactly this reason, *out empty. */
static void
refused(const char *xml, size_t len, const char *want)
{
	struct cfn_stack s;
	char err[256];

	memset(&s, 0x5a, sizeof(s));
	T_EQ_INT(cfn_parse_describe_stacks(xml, len, &s, err, sizeof(err)), -1);
	if (want != NULL)
		T_EQ_STR(err, want);
	T_OK(s.n_outputs == 0 && s.outputs == NULL && s.status[0] == '\0',
	    "left empty after '%s'", err);
}

#define W "cloudformation DescribeStacks: "

static void
test_refused(void)
{
	struct buf b;
	struct cfn_stack s;
	char err[256];
	size_t i, cut, bad = 0;

	refused(S(not_found), W "ValidationError: Stack with id nope does not "
	    "exist");
	refused(S("<ErrorResponse><Error><Message>m</Message></Error>"
	    "</ErrorResponse>"), W "ErrorResponse without a code: m");
	refused(S("<ErrorResponse><Error><Code>C\t</Code><Message>line\n"
	    "two</Message></Error></ErrorResponse>"), W "C?: line?two");
	refused(S("<DescribeStackResourcesResponse/>"),
	    W "unexpected root element <DescribeStackResourcesResponse>");
	refused(S("<caf\xc3\xa9/>"), W "unexpected root element <caf?" "?>");
	refused(S("<DescribeStacksResponse/>"), W "no stack in the answer");
	refused(S(HEAD TAIL), W "no stack in the answer");
	refused(S(HEAD MEMBER("") MEMBER("") TAIL),
	    W "more than one stack in the answer");
	refused(S(HEAD "<member><StackName>s</StackName></member>" TAIL),
	    W "the stack has no StackStatus");
	refused(S(HEAD "<member><StackStatus>create complete</StackStatus>"
	    "</member>" TAIL), W "StackStatus \"create complete\" is not a "
	    "status");
	refused(S(HEAD "<member><StackStatus></StackStatus></member>" TAIL),
	    W "StackStatus \"\" is not a status");
	refused(S(HEAD "<member><StackStatus>A</StackStatus><StackStatus>B"
	    "</StackStatus></member>" TAIL), W "StackStatus given twice");
	refused(S(HEAD MEMBER("<Outputs><member><OutputValue>v</OutputValue>"
	    "</member></Outputs>") TAIL), W "an output without OutputKey");
	refused(S(HEAD MEMBER("<Outputs><member><OutputKey/></member>"
	    "</Outputs>") TAIL), W "an output without OutputKey");
	refused(S(HEAD MEMBER("<Outputs>" OUT("QueueUrl", "a") OUT("QueueUrl",
	    "b") "</Outputs>") TAIL), W "output QueueUrl given twice");
	refused(S(HEAD MEMBER("<Outputs><member><OutputKey>A</OutputKey>"
	    "<OutputKey>B</OutputKey></member></Outputs>") TAIL),
	    W "OutputKey given twice in one output");
	refused(S(HEAD MEMBER("<Outputs><member><OutputKey>A</OutputKey>"
	    "<OutputValue>1</OutputValue><OutputValue>2</OutputValue></member>"
	    "</Outputs>") TAIL), W "OutputValue given twice in one output");
	refused(S("<!DOCTYPE x [<!ENTITY e \"v\">]>" HEAD MEMBER("") TAIL),
	    NULL);
	refused(S(""), NULL);
	refused(S("{\"Stacks\":[]}"), NULL);
	refused(NULL, 0, NULL);

	/* caps: outputs, key and value sizes, the fixed fields */
	buf_init(&b, 4 * 1024 * 1024);
	buf_adds(&b, OPEN "<Outputs>");
	for (i = 0; i < CFN_MAX_OUTPUTS; i++)
		buf_addf(&b, "<member><OutputKey>K%zu</OutputKey><OutputValue>v"
		    "</OutputValue></member>", i);
	T_EQ_INT(cfn_parse_describe_stacks(b.data, b.len, &s, err, sizeof(err)),
	    -1);	/* not closed yet */
	buf_adds(&b, "</Outputs>" CLOSE);
	T_EQ_INT(cfn_parse_describe_stacks(b.data, b.len, &s, err, sizeof(err)),
	    0);
	T_EQ_INT(s.n_outputs, CFN_MAX_OUTPUTS);
	T_EQ_STR(cfn_stack_output(&s, "K199"), "v");
	cfn_stack_free(&s);
	buf_reset(&b);
	buf_adds(&b, OPEN "<Outputs>");
	for (i = 0; i <= CFN_MAX_OUTPUTS; i++)
		buf_addf(&b, "<member><OutputKey>K%zu</OutputKey></member>", i);
	buf_adds(&b, "</Outputs>" CLOSE);
	refused(b.data, b.len, W "more than 200 outputs");

	for (i = CFN_MAX_VALUE; i <= CFN_MAX_VALUE + 1; i++) {
		buf_reset(&b);
		buf_adds(&b, OPEN "<Outputs><member><OutputKey>K"
		    "</OutputKey><OutputValue>");
		for (size_t j = 0; j < i; j++)
			buf_adds(&b, "v");
		buf_adds(&b, "</OutputValue></member></Outputs>" CLOSE);
		if (i == CFN_MAX_VALUE) {
			T_EQ_INT(cfn_parse_describe_stacks(b.data, b.len, &s,
			    err, sizeof(err)), 0);
			T_EQ_INT(cfn_stack_output(&s, "K") ? strlen(
			    cfn_stack_output(&s, "K")) : 0, CFN_MAX_VALUE);
			cfn_stack_free(&s);
		} else
			refused(b.data, b.len, W "OutputValue longer than the "
			    "limit");
	}
	/* far past XML_TEXT_MAX: cut by xml.c, still refused */
	buf_reset(&b);
	buf_adds(&b, OPEN "<Outputs><member><OutputKey>K</OutputKey>"
	    "<OutputValue>");
	for (i = 0; i < 20000; i++)
		buf_adds(&b, "v");
	buf_adds(&b, "</OutputValue></member></Outputs>" CLOSE);
	refused(b.data, b.len, W "OutputValue longer than the limit");
	for (i = CFN_MAX_KEY; i <= CFN_MAX_KEY + 1; i++) {
		buf_reset(&b);
		buf_adds(&b, OPEN "<Outputs><member><OutputKey>");
		for (size_t j = 0; j < i; j++)
			buf_adds(&b, "k");
		buf_adds(&b, "</OutputKey></member></Outputs>" CLOSE);
		if (i == CFN_MAX_KEY) {
			T_EQ_INT(cfn_parse_describe_stacks(b.data, b.len, &s,
			    err, sizeof(err)), 0);
			cfn_stack_free(&s);
		} else
			refused(b.data, b.len, W "OutputKey longer than the "
			    "limit");
	}
	buf_reset(&b);
	buf_adds(&b, OPEN "<StackName>");
	for (i = 0; i < 129; i++)
		buf_adds(&b, "n");
	buf_adds(&b, "</StackName>" CLOSE);
	refused(b.data, b.len, W "StackName too long or not text");
	buf_free(&b);

	/* every cut of a good answer is refused, and leaves nothing behind */
	for (cut = 0; cut < sizeof(moto_answer) - 1; cut++)
		if (cfn_parse_describe_stacks(moto_answer, cut, &s, err,
		    sizeof(err)) != -1 || s.n_outputs != 0) {
			bad++;
			cfn_stack_free(&s);
		}
	T_EQ_INT(bad, 0);

	/* what aws.c makes of the error answer the call layer sees */
	{
		struct aws_error e;

		aws_error_parse(S(not_found), 400, &e);
		T_EQ_STR(e.code, "ValidationError");
		T_EQ_STR(e.message, "Stack with id nope does not exist");
	}
	/* a small error buffer is still terminated */
	T_EQ_INT(cfn_parse_describe_stacks(S(not_found), &s, err, 8), -1);
	T_EQ_STR(err, "cloudfo");
}

static struct {
	int		 calls;
	char		 code[64];
	char		 status[65];
	size_t		 n_outputs;
	struct cfn_stack kept;
} got;

static void
describe_cb(const struct aws_error *err, struct cfn_stack *stack, void *arg)
{
	T_OK(arg == &got, "arg passed through");
	T_OK((err == NULL) == (stack != NULL), "stack set exactly on success");
	got.calls++;
	snprintf(got.code, sizeof(got.code), "%s", err ? err->code : "");
	if (stack != NULL) {
		snprintf(got.status, sizeof(got.status), "%s", stack->status);
		got.n_outputs = stack->n_outputs;
		got.kept = *stack;	/* moved out, as init does */
		memset(stack, 0, sizeof(*stack));
	}
}

static void
test_async(void)
{
	struct aws *a = (struct aws *)(uintptr_t)0x1;

	memset(&got, 0, sizeof(got));
	T_EQ_INT(cfn_describe_stack(a, "s1", describe_cb, &got), 0);
	T_EQ_STR(fake.service, "cloudformation");
	T_EQ_STR(fake.method, "POST");
	T_EQ_STR(fake.path, "/");
	T_EQ_STR(fake.query, "(null)");
	T_EQ_STR(fake.content_type,
	    "application/x-www-form-urlencoded; charset=utf-8");
	T_EQ_STR(fake.target, "(null)");
	T_EQ_STR(fake.what, "cloudformation DescribeStacks");
	T_EQ_INT(fake.max_response, CFN_MAX_ANSWER);
	T_EQ_INT(fake.max_attempts, 0);		/* aws.c's standard retries */
	T_EQ_STR(fake.body, "Action=DescribeStacks&Version=2010-05-15"
	    "&StackName=s1");
	fake_answer(200, moto_answer, 0);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "");
	T_EQ_STR(got.status, "CREATE_COMPLETE");
	T_EQ_INT(got.n_outputs, 6);
	T_EQ_STR(cfn_stack_output(&got.kept, "Region"), "us-east-1");
	cfn_stack_free(&got.kept);

	memset(&got, 0, sizeof(got));
	T_EQ_INT(cfn_describe_stack(a, "nope", describe_cb, &got), 0);
	fake_answer(400, not_found, 0);
	T_EQ_INT(got.calls, 1);
	T_EQ_STR(got.code, "ValidationError");

	memset(&got, 0, sizeof(got));
	T_EQ_INT(cfn_describe_stack(a, "s1", describe_cb, &got), 0);
	fake_answer(200, "<DescribeStacksResponse/>", 0);
	T_EQ_STR(got.code, "MalformedResponse");
	memset(&got, 0, sizeof(got));
	T_EQ_INT(cfn_describe_stack(a, "s1", describe_cb, &got), 0);
	fake_answer(200, not_found, 0);
	T_EQ_STR(got.code, "MalformedResponse");

	memset(&got, 0, sizeof(got));
	fake.calls = 0;
	T_EQ_INT(cfn_describe_stack(a, "bad name", describe_cb, &got), -1);
	T_EQ_INT(cfn_describe_stack(a, "s1", NULL, &got), -1);
	fake.refuse = 1;
	T_EQ_INT(cfn_describe_stack(a, "s1", describe_cb, &got), -1);
	T_EQ_INT(fake.calls, 0);
	T_EQ_INT(got.calls, 0);
}

int
main(void)
{
	T_RUN(test_stack_arg);
	T_RUN(test_build);
	T_RUN(test_parse);
	T_RUN(test_refused);
	T_RUN(test_async);
	free(fake.body);
	return t_done("test_cfn");
}
