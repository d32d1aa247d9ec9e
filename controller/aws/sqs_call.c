/*
 * sqs_call: the asynchronous SQS calls through aws_call(). A call's context
 * owns its body and is freed in its done callback, after the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sqs.h"

#define SQS_MAX_REQUEST	(64 * 1024)	/* request bytes */

struct sqs_call {
	struct buf	 body;
	sqs_receive_cb	 receive;
	aws_status_cb	 status;
	void		*arg;
};

static void
sqs_call_free(struct sqs_call *c)
{
	buf_free(&c->body);
	free(c);
}

static void
sqs_receive_done_cb(const struct aws_response *res, void *arg)
{
	struct sqs_call *c = arg;
	struct sqs_messages *msgs = NULL;
	struct aws_error e;
	char why[256];

	if (!res->ok) {
		c->receive(&res->err, NULL, c->arg);
		goto done;
	}
	if ((msgs = calloc(1, sizeof(*msgs))) == NULL)
		snprintf(why, sizeof(why), "sqs ReceiveMessage: out of memory");
	if (msgs == NULL || sqs_parse_receive(res->body, res->body_len, msgs,
	    why, sizeof(why)) == -1) {
		free(msgs);
		memset(&e, 0, sizeof(e));
		e.http_status = res->status;
		snprintf(e.code, sizeof(e.code), "MalformedResponse");
		snprintf(e.message, sizeof(e.message), "%s", why);
		c->receive(&e, NULL, c->arg);
		goto done;
	}
	if (msgs->n > 0 || msgs->skipped > 0)
		log_debug("sqs ReceiveMessage: %zu messages, %zu skipped",
		    msgs->n, msgs->skipped);
	c->receive(NULL, msgs, c->arg);
	sqs_messages_free(msgs);
	free(msgs);
done:
	sqs_call_free(c);
}

static void
sqs_delete_done_cb(const struct aws_response *res, void *arg)
{
	struct sqs_call *c = arg;

	c->status(res->ok ? NULL : &res->err, c->arg);
	sqs_call_free(c);
}

/* Sends c's body as action; frees c and returns -1 when it cannot. */
static int
sqs_start(struct aws *a, struct sqs_call *c, int built, const char *action,
    long timeout_ms, size_t max_response, int max_attempts, aws_done_cb done)
{
	struct aws_request req;
	char target[64], what[64];

	if (built == -1)
		goto fail;
	snprintf(target, sizeof(target), "AmazonSQS.%s", action);
	snprintf(what, sizeof(what), "sqs %s", action);
	memset(&req, 0, sizeof(req));
	req.service = "sqs";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-amz-json-1.0";
	req.target = target;
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.timeout_ms = timeout_ms;
	req.max_response = max_response;
	req.max_attempts = max_attempts;
	req.what = what;
	if (aws_call(a, &req, done, c) == -1)
		goto fail;
	return 0;
fail:
	log_debug("sqs %s: request not started", action);
	sqs_call_free(c);
	return -1;
}

int
sqs_receive(struct aws *a, const char *queue_url, int wait_s,
    sqs_receive_cb cb, void *arg)
{
	struct sqs_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, SQS_MAX_REQUEST);
	c->receive = cb;
	c->arg = arg;
	return sqs_start(a, c, sqs_build_receive(&c->body, queue_url,
	    SQS_MAX_MESSAGES, wait_s, SQS_VISIBILITY_S), "ReceiveMessage",
	    (wait_s + SQS_TIMEOUT_EXTRA_S) * 1000L, SQS_MAX_ANSWER, 1,
	    sqs_receive_done_cb);
}

int
sqs_delete(struct aws *a, const char *queue_url, const char *receipt_handle,
    aws_status_cb cb, void *arg)
{
	struct sqs_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, SQS_MAX_REQUEST);
	c->status = cb;
	c->arg = arg;
	return sqs_start(a, c, sqs_build_delete(&c->body, queue_url,
	    receipt_handle), "DeleteMessage", 0, 0, 0, sqs_delete_done_cb);
}
