/*
 * sns_call: the asynchronous SNS Publish through aws_call(). The context
 * owns its body and is freed in its done callback, after the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sns.h"

#define SNS_MAX_REQUEST	(1024 * 1024)	/* request bytes: a message percent-encoded */

struct sns_call {
	struct buf	 body;
	sns_publish_cb	 cb;
	void		*arg;
};

static void
sns_call_free(struct sns_call *c)
{
	buf_free(&c->body);
	free(c);
}

static void
sns_publish_done_cb(const struct aws_response *res, void *arg)
{
	struct sns_call *c = arg;
	struct aws_error e;
	char id[128], why[256];

	if (!res->ok)
		c->cb(&res->err, NULL, c->arg);
	else if (sns_parse_publish(res->body, res->body_len, id, sizeof(id),
	    why, sizeof(why)) == -1) {
		memset(&e, 0, sizeof(e));
		e.http_status = res->status;
		snprintf(e.code, sizeof(e.code), "MalformedResponse");
		snprintf(e.message, sizeof(e.message), "%s", why);
		c->cb(&e, NULL, c->arg);
	} else
		c->cb(NULL, id, c->arg);
	sns_call_free(c);
}

int
sns_publish(struct aws *a, const char *topic_arn, const char *subject,
    const char *message, sns_publish_cb cb, void *arg)
{
	struct aws_request req;
	struct sns_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, SNS_MAX_REQUEST);
	c->cb = cb;
	c->arg = arg;
	if (sns_build_publish(&c->body, topic_arn, subject, message) == -1)
		goto fail;
	memset(&req, 0, sizeof(req));
	req.service = "sns";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.what = "sns Publish";
	if (aws_call(a, &req, sns_publish_done_cb, c) == -1)
		goto fail;
	return 0;
fail:
	log_debug("sns Publish: request not started");
	sns_call_free(c);
	return -1;
}
