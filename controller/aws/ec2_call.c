/*
 * ec2_call: the asynchronous EC2 calls. Each builds its body with ec2.c,
 * hands it to aws_call() and turns the answer into the caller's callback.
 * A call's context owns its body and is freed in one place: its done
 * callback, after the caller's callback returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ec2.h"
#include "log.h"

#define EC2_MAX_REQUEST		(64 * 1024)		/* request bytes */
#define EC2_MAX_DESCRIBE	(8 * 1024 * 1024)	/* answer bytes per page */

enum ec2_kind { EC2_DESCRIBE, EC2_RUN, EC2_TERMINATE, EC2_TAGS,
	EC2_ASSOCIATE, EC2_ADDRESSES };

struct ec2_call {
	enum ec2_kind		 kind;
	struct aws		*aws;
	struct buf		 body;
	void			*arg;
	union {
		ec2_describe_cb		 describe;
		ec2_run_cb		 run;
		ec2_terminate_cb	 terminate;
		aws_status_cb		 status;
		ec2_associate_cb	 associate;
		ec2_addresses_cb	 addresses;
	} cb;
	char			 instance_id[32];	/* TerminateInstances */
	/* DescribeInstances paging */
	char			*prefix;	/* the first page's body */
	struct ec2_instances	 all;
	int			 pages;
};

static const char *const ec2_what[] = {
	[EC2_DESCRIBE] = "ec2 DescribeInstances",
	[EC2_RUN] = "ec2 RunInstances",
	[EC2_TERMINATE] = "ec2 TerminateInstances",
	[EC2_TAGS] = "ec2 CreateTags",
	[EC2_ASSOCIATE] = "ec2 AssociateAddress",
	[EC2_ADDRESSES] = "ec2 DescribeAddresses",
};

static struct ec2_call *
ec2_call_new(struct aws *a, enum ec2_kind kind, void *arg)
{
	struct ec2_call *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kind = kind;
	c->aws = a;
	c->arg = arg;
	buf_init(&c->body, EC2_MAX_REQUEST);
	return c;
}

static void
ec2_call_free(struct ec2_call *c)
{
	if (c == NULL)
		return;
	buf_free(&c->body);
	free(c->prefix);
	ec2_instances_free(&c->all);
	free(c);
}

/* Fills e for an error found here, not in an AWS answer. */
static void
ec2_local_error(struct aws_error *e, long status, const char *code,
    const char *message)
{
	memset(e, 0, sizeof(*e));
	e->http_status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->message, sizeof(e->message), "%s", message);
}

/* Delivers an error to the caller's callback, whatever its shape. */
static void
ec2_fail(struct ec2_call *c, const struct aws_error *e)
{
	switch (c->kind) {
	case EC2_DESCRIBE:
		c->cb.describe(e, NULL, c->arg);
		break;
	case EC2_RUN:
		c->cb.run(e, NULL, c->arg);
		break;
	case EC2_TERMINATE:
		c->cb.terminate(e, NULL, c->arg);
		break;
	case EC2_TAGS:
		c->cb.status(e, c->arg);
		break;
	case EC2_ASSOCIATE:
		c->cb.associate(e, NULL, c->arg);
		break;
	case EC2_ADDRESSES:
		c->cb.addresses(e, NULL, c->arg);
		break;
	}
}

static void ec2_done_cb(const struct aws_response *res, void *arg);

/* Sends c->body. 0 when aws_call took it. */
static int
ec2_send(struct ec2_call *c)
{
	struct aws_request req;

	memset(&req, 0, sizeof(req));
	req.service = "ec2";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.what = ec2_what[c->kind];
	if (c->kind == EC2_DESCRIBE)
		req.max_response = EC2_MAX_DESCRIBE;
	return aws_call(c->aws, &req, ec2_done_cb, c);
}

/*
 * One DescribeInstances page arrived: keep its instances, then either ask
 * for the next page (returns 1: c lives on) or finish (returns 0).
 */
static int
ec2_describe_page(struct ec2_call *c, const struct aws_response *res)
{
	struct ec2_instances page;
	struct ec2_instance *v;
	struct aws_error e;
	char why[256];

	if (ec2_parse_describe(res->body, res->body_len, &page, why,
	    sizeof(why)) == -1) {
		ec2_local_error(&e, res->status, "MalformedResponse", why);
		ec2_fail(c, &e);
		return 0;
	}
	c->pages++;
	if (page.n > EC2_MAX_INSTANCES - c->all.n) {
		ec2_instances_free(&page);
		snprintf(why, sizeof(why), "more than %d instances in %d pages",
		    EC2_MAX_INSTANCES, c->pages);
		ec2_local_error(&e, res->status, "TooManyInstances", why);
		ec2_fail(c, &e);
		return 0;
	}
	if (page.n > 0) {
		v = realloc(c->all.v, (c->all.n + page.n) * sizeof(*v));
		if (v == NULL) {
			ec2_instances_free(&page);
			ec2_local_error(&e, res->status, "OutOfMemory",
			    "cannot keep the instances");
			ec2_fail(c, &e);
			return 0;
		}
		/* The instances (and their tags) move; the page's array goes. */
		memcpy(v + c->all.n, page.v, page.n * sizeof(*v));
		c->all.v = v;
		c->all.n += page.n;
		free(page.v);
		page.v = NULL;
		page.n = 0;
	}
	if (page.next_token == NULL) {
		log_debug("ec2 DescribeInstances: %zu instances in %d pages",
		    c->all.n, c->pages);
		/* Lent to the callback; ec2_call_free releases it. */
		c->cb.describe(NULL, &c->all, c->arg);
		return 0;
	}
	if (c->pages == EC2_MAX_PAGES) {
		ec2_instances_free(&page);
		snprintf(why, sizeof(why), "still a nextToken after %d pages",
		    EC2_MAX_PAGES);
		ec2_local_error(&e, res->status, "TooManyPages", why);
		ec2_fail(c, &e);
		return 0;
	}
	buf_reset(&c->body);
	if (buf_adds(&c->body, c->prefix) == -1 ||
	    buf_adds(&c->body, "&NextToken=") == -1 ||
	    buf_add_urlenc(&c->body, page.next_token) == -1 ||
	    ec2_send(c) == -1) {
		ec2_instances_free(&page);
		ec2_local_error(&e, 0, "RequestNotStarted",
		    "cannot send the request for the next page");
		ec2_fail(c, &e);
		return 0;
	}
	ec2_instances_free(&page);
	return 1;
}

static void
ec2_run_answer(struct ec2_call *c, const struct aws_response *res)
{
	struct ec2_instances list;
	struct aws_error e;
	char why[256];

	if (ec2_parse_run(res->body, res->body_len, &list, why,
	    sizeof(why)) == -1) {
		ec2_local_error(&e, res->status, "MalformedResponse", why);
		ec2_fail(c, &e);
		return;
	}
	c->cb.run(NULL, &list.v[0], c->arg);
	ec2_instances_free(&list);
}

static void
ec2_done_cb(const struct aws_response *res, void *arg)
{
	struct ec2_call *c = arg;
	struct ec2_addresses addrs;
	struct aws_error e;
	char why[256], out[48];
	int rc = 0;

	if (!res->ok) {
		ec2_fail(c, &res->err);
		goto done;
	}
	switch (c->kind) {
	case EC2_DESCRIBE:
		if (ec2_describe_page(c, res) == 1)
			return;		/* the next page's call owns c now */
		goto done;
	case EC2_RUN:
		ec2_run_answer(c, res);
		goto done;
	case EC2_TERMINATE:
		rc = ec2_parse_terminate(res->body, res->body_len,
		    c->instance_id, out, sizeof(out), why, sizeof(why));
		if (rc == 0)
			c->cb.terminate(NULL, out, c->arg);
		break;
	case EC2_TAGS:
		rc = ec2_parse_create_tags(res->body, res->body_len, why,
		    sizeof(why));
		if (rc == 0)
			c->cb.status(NULL, c->arg);
		break;
	case EC2_ASSOCIATE:
		rc = ec2_parse_associate(res->body, res->body_len, out,
		    sizeof(out), why, sizeof(why));
		if (rc == 0)
			c->cb.associate(NULL, out, c->arg);
		break;
	case EC2_ADDRESSES:
		rc = ec2_parse_describe_addresses(res->body, res->body_len,
		    &addrs, why, sizeof(why));
		if (rc == 0) {
			c->cb.addresses(NULL, &addrs, c->arg);
			ec2_addresses_free(&addrs);
		}
		break;
	}
	if (rc == -1) {
		ec2_local_error(&e, res->status, "MalformedResponse", why);
		ec2_fail(c, &e);
	}
done:
	ec2_call_free(c);
}

/* Sends a built call; frees it and returns -1 when that fails. */
static int
ec2_start(struct ec2_call *c, int built)
{
	if (built == -1 || ec2_send(c) == -1) {
		log_debug("%s: request not started", ec2_what[c->kind]);
		ec2_call_free(c);
		return -1;
	}
	return 0;
}

int
ec2_describe_instances(struct aws *a, const struct ec2_filter *f, size_t nf,
    ec2_describe_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || (c = ec2_call_new(a, EC2_DESCRIBE, arg)) == NULL)
		return -1;
	c->cb.describe = cb;
	/* The filters are kept as the first page's body: later pages add NextToken. */
	if (ec2_build_describe(&c->body, f, nf, NULL) == -1 ||
	    (c->prefix = strdup(buf_str(&c->body))) == NULL)
		return ec2_start(c, -1);
	return ec2_start(c, 0);
}

int
ec2_run_instance(struct aws *a, const struct ec2_run_params *p,
    ec2_run_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || (c = ec2_call_new(a, EC2_RUN, arg)) == NULL)
		return -1;
	c->cb.run = cb;
	return ec2_start(c, ec2_build_run(&c->body, p));
}

int
ec2_terminate_instance(struct aws *a, const char *instance_id,
    ec2_terminate_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || instance_id == NULL ||
	    strlen(instance_id) >= sizeof(c->instance_id) ||
	    (c = ec2_call_new(a, EC2_TERMINATE, arg)) == NULL)
		return -1;
	c->cb.terminate = cb;
	memcpy(c->instance_id, instance_id, strlen(instance_id) + 1);
	return ec2_start(c, ec2_build_terminate(&c->body, instance_id));
}

int
ec2_create_tags(struct aws *a, const char *resource_id,
    const struct ec2_tag *tags, size_t n, aws_status_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || (c = ec2_call_new(a, EC2_TAGS, arg)) == NULL)
		return -1;
	c->cb.status = cb;
	return ec2_start(c, ec2_build_create_tags(&c->body, resource_id, tags,
	    n));
}

int
ec2_associate_address(struct aws *a, const char *allocation_id,
    const char *instance_id, ec2_associate_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || (c = ec2_call_new(a, EC2_ASSOCIATE, arg)) == NULL)
		return -1;
	c->cb.associate = cb;
	return ec2_start(c, ec2_build_associate(&c->body, allocation_id,
	    instance_id));
}

int
ec2_describe_addresses(struct aws *a, const char *allocation_id,
    ec2_addresses_cb cb, void *arg)
{
	struct ec2_call *c;

	if (cb == NULL || (c = ec2_call_new(a, EC2_ADDRESSES, arg)) == NULL)
		return -1;
	c->cb.addresses = cb;
	return ec2_start(c, ec2_build_describe_addresses(&c->body,
	    allocation_id));
}
