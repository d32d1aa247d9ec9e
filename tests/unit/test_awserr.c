/*
 * test_awserr: aws_error_parse() against every error shape: EC2 XML,
 * <ErrorResponse> (SNS, SQS's XML auth errors), JSON __type with a
 * "prefix#" and a ":suffix", "message" and "Message", and bodies that match
 * none (HTML, empty, binary). Fixtures in tests/fixtures/errors/ come from
 * moto 5.2.1 or are hand-written in the shape AWS documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "t.h"

static void
check_file(const char *name, long status, const char *code,
    const char *message)
{
	struct aws_error e;
	char path[256], *body;
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/errors/%s", name);
	if ((body = t_read_file(path, &len)) == NULL) {
		T_OK(0, "read %s", path);
		return;
	}
	memset(&e, 0x55, sizeof(e));
	e.transport = 0;
	aws_error_parse(body, len, status, &e);
	T_OK(e.http_status == status, "%s: status %ld", name, e.http_status);
	T_OK(strcmp(e.code, code) == 0, "%s: code \"%s\" != \"%s\"", name,
	    e.code, code);
	T_OK(strcmp(e.message, message) == 0, "%s: message \"%s\" != \"%s\"",
	    name, e.message, message);
	free(body);
}

static void
test_fixtures(void)
{
	check_file("ec2_invalid_instance_id.xml", 400,
	    "InvalidInstanceID.NotFound",
	    "The instance ID 'i-0123456789abcdef0' does not exist");
	check_file("ec2_address_not_found.xml", 400,
	    "InvalidAllocationID.NotFound",
	    "Allocation ID '{'eipalloc-00000000000000000'}' not found.");
	check_file("ec2_request_limit.xml", 503, "RequestLimitExceeded",
	    "Request limit exceeded.");
	/* Cut to the 255 bytes message[] holds. */
	check_file("ec2_insufficient_capacity.xml", 500,
	    "InsufficientInstanceCapacity",
	    "We currently do not have sufficient t4g.nano capacity in the "
	    "Availability Zone you requested (eu-west-1a). Our system will be "
	    "working on provisioning additional capacity. You can currently get "
	    "t4g.nano capacity by not specifying an Availability Zone in yo");
	check_file("ec2_unauthorized.xml", 403, "UnauthorizedOperation",
	    "You are not authorized to perform this operation. User: "
	    "arn:aws:iam::123456789012:user/stingy-vpn is not authorized to "
	    "perform: ec2:RunInstances on resource: arn:aws:ec2:eu-west-1:"
	    "123456789012:instance/* because no identity-based policy allows "
	    "the ec2:Run");
	check_file("sns_not_found.xml", 404, "NotFound",
	    "Endpoint does not exist");
	check_file("sns_throttled.xml", 400, "Throttling", "Rate exceeded");
	check_file("sqs_403_xml.xml", 403, "InvalidClientTokenId",
	    "The security token included in the request is invalid.");
	check_file("sqs_queue_does_not_exist.json", 400, "QueueDoesNotExist",
	    "The specified queue does not exist.");
	check_file("sqs_receipt_handle_invalid.json", 400,
	    "ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
	check_file("sqs_throttled.json", 400, "RequestThrottled",
	    "Request is throttled.");
	check_file("ssm_parameter_not_found.json", 400, "ParameterNotFound",
	    "Parameter /stingy-vpn/missing not found.");
	check_file("ssm_put_exists.json", 400, "ParameterAlreadyExists",
	    "The parameter already exists. To overwrite this value, set the "
	    "overwrite option in the request to true.");
	check_file("ssm_throttling.json", 400, "ThrottlingException",
	    "Rate exceeded");
	check_file("json_type_colon.json", 400, "InvalidSignatureException",
	    "The request signature we calculated does not match the signature "
	    "you provided.");
	check_file("json_capital_message.json", 400, "AccessDeniedException",
	    "User: arn:aws:iam::123456789012:user/stingy-vpn is not authorized "
	    "to perform: ssm:PutParameter on resource: arn:aws:ssm:eu-west-1:"
	    "123456789012:parameter/stingy-vpn/instance-id");
	check_file("html_502.html", 502, "HTTP502",
	    "<html>  <head><title>502 Bad Gateway</title></head>  <body>  "
	    "<center><h1>502 Bad Gateway</h1></center>  </body>  </html>");
	check_file("empty_503.txt", 503, "HTTP503", "");
}

static void
check_str(const char *body, size_t len, long status, const char *code,
    const char *message)
{
	struct aws_error e;

	memset(&e, 0x55, sizeof(e));
	aws_error_parse(body, len, status, &e);
	T_OK(e.http_status == status, "status %ld", e.http_status);
	T_OK(strcmp(e.code, code) == 0, "code \"%s\" != \"%s\"", e.code, code);
	T_OK(strcmp(e.message, message) == 0, "message \"%s\" != \"%s\"",
	    e.message, message);
}

#define S(s) s, sizeof(s) - 1

static void
test_shapes(void)
{
	struct aws_error e;
	char big[1024];
	size_t i;

	check_str(S("{\"message\":\"Missing Authentication Token\"}"), 403,
	    "HTTP403", "Missing Authentication Token");
	check_str(S("{\"__type\":\"prefix#\",\"message\":\"m\"}"), 400,
	    "HTTP400", "m");
	check_str(S("{\"__type\":\"a#b#LastWins\"}"), 400, "LastWins", "");
	check_str(S("{\"__type\":\"Plain:http://x/#not\"}"), 400, "Plain", "");
	check_str(S("{\"__type\":\"p#Both:http://x/\"}"), 400, "Both", "");
	check_str(S("{\"__type\":\"Code:suffix\",\"message\":\"a\\nb\\u0000c\"}"),
	    400, "Code", "a b c");
	check_str(S("{\"__type\":42,\"message\":[1]}"), 400, "HTTP400",
	    "{\"__type\":42,\"message\":[1]}");
	check_str(S("  \n{\"__type\":\"x#Spaced\"}"), 400, "Spaced", "");
	check_str(S("{\"__type\":\"x#Broken\""), 400, "HTTP400",
	    "{\"__type\":\"x#Broken\"");
	check_str(S("not json {"), 500, "HTTP500", "not json {");
	check_str(S("\x01\x02\xff\xfe ok\r\n"), 500, "HTTP500", "  ?? ok  ");
	check_str(NULL, 0, 0, "HTTP0", "");
	check_str(S("<Error><Code>S3Style</Code><Message>bare</Message></Error>"),
	    400, "S3Style", "bare");
	/* The first <Error> wins; a <Code> outside an <Error> does not count. */
	check_str(S("<Response><Code>No</Code><Errors><Error><Code>First</Code>"
	    "<Message>one</Message></Error><Error><Code>Second</Code><Message>"
	    "two</Message></Error></Errors></Response>"), 400, "First", "one");
	/* A document cut after the code still gives the code. */
	check_str(S("<Response><Errors><Error><Code>Throttling</Code><Mess"),
	    400, "Throttling", "");
	check_str(S("<Response><Errors><Error><Code>Tab\tCode</Code>"
	    "</Error></Errors></Response>"), 400, "Tab Code", "");
	check_str(S("<ErrorResponse><Error><Code>Caf\xc3\xa9</Code><Message>"
	    "caf\xc3\xa9</Message></Error></ErrorResponse>"), 400, "Caf??",
	    "caf\xc3\xa9");
	check_str(S("<!DOCTYPE x [<!ENTITY a \"b\">]><Error><Code>&a;</Code>"
	    "</Error>"), 400, "HTTP400",
	    "<!DOCTYPE x [<!ENTITY a \"b\">]><Error><Code>&a;</Code></Error>");

	/* Long code and message: cut to the arrays, never past them. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "{\"__type\":\"", 11);
	memcpy(big + 500, "\",\"message\":\"", 13);
	memcpy(big + sizeof(big) - 2, "\"}", 2);
	memset(&e, 0, sizeof(e));
	aws_error_parse(big, sizeof(big), 400, &e);
	T_EQ_INT(strlen(e.code), sizeof(e.code) - 1);
	T_EQ_INT(strlen(e.message), sizeof(e.message) - 1);

	/* A cut inside a UTF-8 sequence drops the whole sequence. */
	i = 0;
	i += (size_t)snprintf(big, sizeof(big), "{\"__type\":\"X\",\"message\":\"");
	memset(big + i, 'a', 254);
	i += 254;
	i += (size_t)snprintf(big + i, sizeof(big) - i, "\xc3\xa9tail\"}");
	aws_error_parse(big, i, 400, &e);
	T_EQ_INT(strlen(e.message), 254);
	T_EQ_STR(e.code, "X");

	/* An excerpt is at most 120 bytes. */
	memset(big, 'z', sizeof(big));
	aws_error_parse(big, sizeof(big), 504, &e);
	T_EQ_STR(e.code, "HTTP504");
	T_EQ_INT(strlen(e.message), 120);
}

int
main(void)
{
	T_RUN(test_fixtures);
	T_RUN(test_shapes);
	return t_done("test_awserr");
}
