/*
 * fake_aws.h: a fake aws_call() for the service adapters' unit tests.
 * Header only, like t.h; include it after t.h in a test that links no
 * aws.o (the adapter tests), so the linker takes this aws_call instead.
 *
 *   T_EQ_INT(ssm_get_parameter(a, "/p", 1, cb, &got), 0);
 *   T_EQ_STR(fake.target, "AmazonSSM.GetParameter");   what was asked
 *   fake_answer(200, FIX "ssm/get_parameter.json", 1);  what AWS answers
 *
 * A request's strings are copied into `fake` ("(null)" for a NULL); the
 * body is kept whole (free(fake.body) at the end). Setting fake.refuse to
 * n makes the next n calls return -1 without being recorded.
 */
#ifndef FAKE_AWS_H
#define FAKE_AWS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

static struct {
	int		 calls;		/* calls recorded */
	int		 refuse;	/* the next this many calls return -1 */
	char		 service[16], method[8], content_type[64], target[64];
	char		 path[256], query[512], what[64];
	char		*body;
	size_t		 body_len;
	long		 timeout_ms;
	size_t		 max_response;
	int		 max_attempts;
	aws_done_cb	 done;
	void		*arg;
} fake;

static void
fake_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "(null)");
}

int
aws_call(struct aws *a, const struct aws_request *req, aws_done_cb done,
    void *arg)
{
	(void)a;
	if (fake.refuse > 0) {
		fake.refuse--;
		return -1;
	}
	fake.calls++;
	fake_copy(fake.service, sizeof(fake.service), req->service);
	fake_copy(fake.method, sizeof(fake.method), req->method);
	fake_copy(fake.path, sizeof(fake.path), req->path);
	fake_copy(fake.query, sizeof(fake.query), req->query);
	fake_copy(fake.content_type, sizeof(fake.content_type),
	    req->content_type);
	fake_copy(fake.target, sizeof(fake.target), req->target);
	fake_copy(fake.what, sizeof(fake.what), req->what);
	free(fake.body);
	fake.body = req->body ? strndup(req->body, req->body_len) : NULL;
	fake.body_len = req->body_len;
	fake.timeout_ms = req->timeout_ms;
	fake.max_response = req->max_response;
	fake.max_attempts = req->max_attempts;
	fake.done = done;
	fake.arg = arg;
	return 0;
}

/*
 * fake_answer: completes the pending call with status and body (a fixture
 * path when file is 1), as aws.c would: an error answer parsed into
 * res.err. The pending callback is cleared before it runs, so that it may
 * start the next call (a next page).
 */
static void __attribute__((unused))
fake_answer(long status, const char *body, int file)
{
	struct aws_response res;
	aws_done_cb done = fake.done;
	char *text = NULL;
	size_t len;

	if (file) {
		text = t_read_file(body, &len);
		T_OK(text != NULL, "fixture %s", body);
		if (text == NULL)
			return;
		body = text;
	} else
		len = strlen(body);
	memset(&res, 0, sizeof(res));
	res.ok = status >= 200 && status < 300;
	res.status = status;
	res.body = body;
	res.body_len = len;
	res.attempts = 1;
	if (!res.ok)
		aws_error_parse(body, len, status, &res.err);
	fake.done = NULL;
	T_OK(done != NULL, "a call is pending");
	if (done)
		done(&res, fake.arg);
	free(text);
}

#endif
