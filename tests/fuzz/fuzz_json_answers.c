/*
 * fuzz_json_answers: the JSON answer parsers on the same input (SQS
 * ReceiveMessage, SSM GetParameter and PutParameter) and aws_error_parse,
 * checking what a success promises. Seeds: tests/fuzz/seeds/json_answers/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "sqs.h"
#include "ssm.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct sqs_messages m;
	struct ssm_parameter p;
	struct aws_error e;
	long long v;
	char err[256];
	size_t i;

	if (sqs_parse_receive(s, size, &m, err, sizeof(err)) == 0) {
		if (m.n > SQS_MAX_MESSAGES)
			abort();
		for (i = 0; i < m.n; i++) {
			const struct sqs_message *x = &m.v[i];

			if (x->receipt_handle == NULL || x->receipt_handle[0] == '\0' ||
			    strlen(x->receipt_handle) > SQS_MAX_HANDLE ||
			    x->message_id == NULL || x->body == NULL ||
			    x->body_len > SQS_MAX_BODY || x->body[x->body_len] != '\0')
				abort();
		}
	} else if (m.n != 0 || m.v != NULL)
		abort();
	sqs_messages_free(&m);
	if (ssm_parse_get(s, size, &p, err, sizeof(err)) == 0) {
		if (p.name == NULL || p.type == NULL || p.value == NULL ||
		    p.version < 1 || strlen(p.value) > SSM_MAX_VALUE)
			abort();
	} else if (p.name != NULL || p.type != NULL || p.value != NULL)
		abort();
	ssm_parameter_free(&p);
	if (ssm_parse_put(s, size, &v, err, sizeof(err)) == 0 && v < 1)
		abort();
	aws_error_parse(s, size, 400, &e);
	if (!HOLDS(e.code) || !HOLDS(e.message) || e.code[0] == '\0')
		abort();
	return 0;
}
