/*
 * ssm_call: the asynchronous SSM calls through aws_call(). A call's context
 * owns its body (wiped: it may hold a value) and is freed in its done
 * callback, after the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "ssm.h"

#define SSM_MAX_REQUEST	(256 * 1024)	/* request bytes */

struct ssm_call {
	struct buf	 body;
	ssm_get_cb	 get;
	ssm_put_cb	 put;
	void		*arg;
};

static void
ssm_call_free(struct ssm_call *c)
{
	if (c->body.data)
		explicit_bzero(c->body.data, c->body.alloc);
	buf_free(&c->body);
	free(c);
}

static void
ssm_malformed(struct aws_error *e, long status, const char *why)
{
	memset(e, 0, sizeof(*e));
	e->http_status = status;
	snprintf(e->code, sizeof(e->code), "MalformedResponse");
	snprintf(e->message, sizeof(e->message), "%s", why);
}

static void
ssm_get_done_cb(const struct aws_response *res, void *arg)
{
	struct ssm_call *c = arg;
	struct ssm_parameter p;
	struct aws_error e;
	char why[256];

	if (!res->ok)
		c->get(&res->err, NULL, c->arg);
	else if (ssm_parse_get(res->body, res->body_len, &p, why,
	    sizeof(why)) == -1) {
		ssm_malformed(&e, res->status, why);
		c->get(&e, NULL, c->arg);
	} else {
		c->get(NULL, &p, c->arg);
		ssm_parameter_free(&p);
	}
	ssm_call_free(c);
}

static void
ssm_put_done_cb(const struct aws_response *res, void *arg)
{
	struct ssm_call *c = arg;
	struct aws_error e;
	long long version = 0;
	char why[256];

	if (!res->ok)
		c->put(&res->err, 0, c->arg);
	else if (ssm_parse_put(res->body, res->body_len, &version, why,
	    sizeof(why)) == -1) {
		ssm_malformed(&e, res->status, why);
		c->put(&e, 0, c->arg);
	} else
		c->put(NULL, version, c->arg);
	ssm_call_free(c);
}

/* Sends c's body as action; frees c and returns -1 when it cannot. */
static int
ssm_start(struct aws *a, struct ssm_call *c, int built, const char *action,
    aws_done_cb done)
{
	struct aws_request req;
	char target[64], what[64];

	if (built == -1)
		goto fail;
	snprintf(target, sizeof(target), "AmazonSSM.%s", action);
	snprintf(what, sizeof(what), "ssm %s", action);
	memset(&req, 0, sizeof(req));
	req.service = "ssm";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-amz-json-1.1";
	req.target = target;
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.what = what;
	if (aws_call(a, &req, done, c) == -1)
		goto fail;
	return 0;
fail:
	log_debug("ssm %s: request not started", action);
	ssm_call_free(c);
	return -1;
}

int
ssm_get_parameter(struct aws *a, const char *name, int with_decryption,
    ssm_get_cb cb, void *arg)
{
	struct ssm_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, SSM_MAX_REQUEST);
	c->get = cb;
	c->arg = arg;
	return ssm_start(a, c, ssm_build_get(&c->body, name, with_decryption),
	    "GetParameter", ssm_get_done_cb);
}

int
ssm_put_parameter(struct aws *a, const char *name, const char *value,
    const char *type, int overwrite, ssm_put_cb cb, void *arg)
{
	struct ssm_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, SSM_MAX_REQUEST);
	c->put = cb;
	c->arg = arg;
	return ssm_start(a, c, ssm_build_put(&c->body, name, value, type,
	    overwrite), "PutParameter", ssm_put_done_cb);
}
