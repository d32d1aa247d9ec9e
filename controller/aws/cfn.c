/*
 * cfn: CloudFormation DescribeStacks: request builder, XML answer parser
 * (no I/O) and the asynchronous call through aws_call(). The call's context
 * owns its body and is freed in one place: its done callback, after the
 * caller's callback returned.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfn.h"
#include "log.h"
#include "xml.h"

#define CFN_WHAT	"cloudformation DescribeStacks"
#define CFN_MAX_REQUEST	(8 * 1024)	/* request bytes: a stack id encoded */

#define CFN_ROOT	"DescribeStacksResponse"
#define CFN_MEMBER	CFN_ROOT "/DescribeStacksResult/Stacks/member"
#define CFN_OUTPUT	CFN_MEMBER "/Outputs/member"

/*
 * cfn_clean: src[0..len) into dst (dstlen > 0 bytes) for a message: bytes
 * outside printable ASCII become '?'. Always NUL-terminates.
 */
static void
cfn_clean(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[n] = '\0';
}

void
cfn_stack_free(struct cfn_stack *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_outputs; i++) {
		free(s->outputs[i].key);
		free(s->outputs[i].value);
	}
	free(s->outputs);
	memset(s, 0, sizeof(*s));
}

const char *
cfn_stack_output(const struct cfn_stack *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_outputs; i++)
		if (strcmp(s->outputs[i].key, key) == 0)
			return s->outputs[i].value;
	return NULL;
}

int
cfn_valid_stack_arg(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n >= CFN_MAX_STACK_ARG)
		return 0;
	if (strncmp(s, "arn:", 4) == 0) {
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] <= 0x20 ||
			    (unsigned char)s[i] >= 0x7f)
				return 0;
		return 1;
	}
	if (n > 128 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
cfn_build_describe_stacks(struct buf *out, const char *stack)
{
	if (!cfn_valid_stack_arg(stack))
		return -1;
	if (buf_addf(out, "Action=DescribeStacks&Version=%s&StackName=",
	    CFN_API_VERSION) == -1 || buf_add_urlenc(out, stack) == -1)
		return -1;
	return 0;
}

/* ---- the answer ---- */

struct cfn_ctx {
	struct cfn_stack	*out;
	size_t			 alloc;		/* outputs allocated */
	int			 error_root;	/* the root is <ErrorResponse> */
	int			 stacks;	/* Stacks/member seen */
	int			 got_name, got_id, got_status;
	int			 got_key, got_value;	/* in the current output */
	char			 code[64];	/* ErrorResponse/Error/Code */
	char			 message[256];
	char			*err;
	size_t			 errlen;
};

/* fail: CFN_WHAT ": " and the message into c->err; returns -1. */
static int cfn_fail(struct cfn_ctx *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static int
cfn_fail(struct cfn_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, CFN_WHAT ": %s", msg);
	return -1;
}

/* q: s cleaned for a message, cut to 64 bytes, in buf (CFN_QBUF bytes). */
#define CFN_QBUF	65
static const char *
cfn_q(char *buf, const char *s)
{
	cfn_clean(buf, CFN_QBUF, s, strlen(s));
	return buf;
}

/* new_output: appends an empty output; -1 past the cap or out of memory. */
static int
cfn_new_output(struct cfn_ctx *c)
{
	struct cfn_stack *s = c->out;
	struct cfn_output *v;
	size_t n;

	if (s->n_outputs == CFN_MAX_OUTPUTS)
		return cfn_fail(c, "more than %d outputs", CFN_MAX_OUTPUTS);
	if (s->n_outputs == c->alloc) {
		n = c->alloc ? c->alloc * 2 : 16;
		if (n > CFN_MAX_OUTPUTS)
			n = CFN_MAX_OUTPUTS;
		if ((v = realloc(s->outputs, n * sizeof(*v))) == NULL)
			return cfn_fail(c, "out of memory");
		s->outputs = v;
		c->alloc = n;
	}
	s->outputs[s->n_outputs].key = NULL;
	s->outputs[s->n_outputs].value = NULL;
	s->n_outputs++;
	c->got_key = c->got_value = 0;
	return 0;
}

static int
cfn_start(void *arg, const struct xml_path *p)
{
	struct cfn_ctx *c = arg;
	char q[CFN_QBUF];

	if (p->depth == 1) {
		if (strcmp(p->el[0], "ErrorResponse") == 0)
			c->error_root = 1;
		else if (strcmp(p->el[0], CFN_ROOT) != 0)
			return cfn_fail(c, "unexpected root element <%s>",
			    cfn_q(q, p->el[0]));
		return 0;
	}
	if (xml_path_is(p, CFN_MEMBER)) {
		if (++c->stacks > 1)
			return cfn_fail(c, "more than one stack in the "
			    "answer");
		return 0;
	}
	if (xml_path_is(p, CFN_OUTPUT))
		return cfn_new_output(c);
	return 0;
}

/* set_field: text into a fixed field of size n; -1 when too long or twice. */
static int
cfn_set_field(struct cfn_ctx *c, char *field, size_t n, int *got,
    const char *name, const char *text, size_t len, int truncated)
{
	if (*got)
		return cfn_fail(c, "%s given twice", name);
	if (truncated || len >= n || memchr(text, '\0', len) != NULL)
		return cfn_fail(c, "%s too long or not text", name);
	memcpy(field, text, len);
	field[len] = '\0';
	*got = 1;
	return 0;
}

/* valid_status: 1..64 of A-Z and '_', as every StackStatus is. */
static int
cfn_valid_status(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return 0;
	return i > 0 && i <= 64;
}

/* output_text: OutputKey or OutputValue of the current output. */
static int
cfn_output_text(struct cfn_ctx *c, int is_key, const char *text, size_t len,
    int truncated)
{
	struct cfn_output *o = &c->out->outputs[c->out->n_outputs - 1];
	size_t max = is_key ? CFN_MAX_KEY : CFN_MAX_VALUE;
	const char *name = is_key ? "OutputKey" : "OutputValue";
	char **dst = is_key ? &o->key : &o->value;
	int *got = is_key ? &c->got_key : &c->got_value;

	if (*got)
		return cfn_fail(c, "%s given twice in one output", name);
	if (truncated || len > max)
		return cfn_fail(c, "%s longer than the limit", name);
	if (memchr(text, '\0', len) != NULL)
		return cfn_fail(c, "%s holds a NUL byte", name);
	if ((*dst = malloc(len + 1)) == NULL)
		return cfn_fail(c, "out of memory");
	memcpy(*dst, text, len);
	(*dst)[len] = '\0';
	*got = 1;
	return 0;
}

/* output_end: an output closes: it needs a key, unique in the stack. */
static int
cfn_output_end(struct cfn_ctx *c)
{
	struct cfn_stack *s = c->out;
	struct cfn_output *o = &s->outputs[s->n_outputs - 1];
	char q[CFN_QBUF];
	size_t i;

	if (o->key == NULL || o->key[0] == '\0')
		return cfn_fail(c, "an output without OutputKey");
	if (o->value == NULL && (o->value = strdup("")) == NULL)
		return cfn_fail(c, "out of memory");
	for (i = 0; i + 1 < s->n_outputs; i++)
		if (strcmp(s->outputs[i].key, o->key) == 0)
			return cfn_fail(c, "output %s given twice",
			    cfn_q(q, o->key));
	return 0;
}

static int
cfn_end(void *arg, const struct xml_path *p, const char *text, size_t len,
    int truncated)
{
	struct cfn_ctx *c = arg;
	struct cfn_stack *s = c->out;
	char q[CFN_QBUF];

	if (c->error_root) {
		if (xml_path_is(p, "ErrorResponse/Error/Code"))
			cfn_clean(c->code, sizeof(c->code), text, len);
		else if (xml_path_is(p, "ErrorResponse/Error/Message"))
			cfn_clean(c->message, sizeof(c->message), text, len);
		return 0;
	}
	if (xml_path_is(p, CFN_MEMBER "/StackName"))
		return cfn_set_field(c, s->name, sizeof(s->name), &c->got_name,
		    "StackName", text, len, truncated);
	if (xml_path_is(p, CFN_MEMBER "/StackId"))
		return cfn_set_field(c, s->id, sizeof(s->id), &c->got_id,
		    "StackId", text, len, truncated);
	if (xml_path_is(p, CFN_MEMBER "/StackStatus")) {
		if (cfn_set_field(c, s->status, sizeof(s->status),
		    &c->got_status, "StackStatus", text, len, truncated) == -1)
			return -1;
		if (!cfn_valid_status(s->status))
			return cfn_fail(c, "StackStatus \"%s\" is not a "
			    "status", cfn_q(q, s->status));
		return 0;
	}
	if (xml_path_is(p, CFN_OUTPUT "/OutputKey"))
		return cfn_output_text(c, 1, text, len, truncated);
	if (xml_path_is(p, CFN_OUTPUT "/OutputValue"))
		return cfn_output_text(c, 0, text, len, truncated);
	if (xml_path_is(p, CFN_OUTPUT))
		return cfn_output_end(c);
	return 0;
}

int
cfn_parse_describe_stacks(const char *xml, size_t len, struct cfn_stack *out,
    char *err, size_t errlen)
{
	static const struct xml_handler h = { cfn_start, cfn_end };
	struct cfn_ctx c;
	char xerr[160] = "";

	memset(out, 0, sizeof(*out));
	if (errlen == 0)
		return -1;
	err[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	if (xml == NULL || len > CFN_MAX_ANSWER) {
		snprintf(err, errlen, CFN_WHAT ": no answer or larger than "
		    "%d bytes", CFN_MAX_ANSWER);
		goto fail;
	}
	if (xml_parse(xml, len, &h, &c, xerr, sizeof(xerr)) == -1) {
		if (xerr[0] != '\0')
			snprintf(err, errlen, CFN_WHAT ": %s", xerr);
		goto fail;
	}
	if (c.error_root) {
		snprintf(err, errlen, CFN_WHAT ": %s: %s",
		    c.code[0] ? c.code : "ErrorResponse without a code",
		    c.message[0] ? c.message : "no message");
		goto fail;
	}
	if (c.stacks == 0) {
		snprintf(err, errlen, CFN_WHAT ": no stack in the answer");
		goto fail;
	}
	if (!c.got_status) {
		snprintf(err, errlen, CFN_WHAT ": the stack has no StackStatus");
		goto fail;
	}
	return 0;
fail:
	cfn_stack_free(out);
	return -1;
}

/* ---- the call ---- */

struct cfn_call {
	struct buf	 body;
	cfn_describe_cb	 cb;
	void		*arg;
};

static void
cfn_call_free(struct cfn_call *c)
{
	buf_free(&c->body);
	free(c);
}

static void
cfn_describe_done_cb(const struct aws_response *res, void *arg)
{
	struct cfn_call *c = arg;
	struct cfn_stack stack;
	struct aws_error e;
	char why[256];

	memset(&stack, 0, sizeof(stack));
	if (!res->ok)
		c->cb(&res->err, NULL, c->arg);
	else if (cfn_parse_describe_stacks(res->body, res->body_len, &stack,
	    why, sizeof(why)) == -1) {
		memset(&e, 0, sizeof(e));
		e.http_status = res->status;
		snprintf(e.code, sizeof(e.code), "MalformedResponse");
		snprintf(e.message, sizeof(e.message), "%s", why);
		c->cb(&e, NULL, c->arg);
	} else
		c->cb(NULL, &stack, c->arg);
	cfn_stack_free(&stack);
	cfn_call_free(c);
}

int
cfn_describe_stack(struct aws *a, const char *stack, cfn_describe_cb cb,
    void *arg)
{
	struct aws_request req;
	struct cfn_call *c;

	if (cb == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	buf_init(&c->body, CFN_MAX_REQUEST);
	c->cb = cb;
	c->arg = arg;
	if (cfn_build_describe_stacks(&c->body, stack) == -1)
		goto fail;
	memset(&req, 0, sizeof(req));
	req.service = "cloudformation";
	req.method = "POST";
	req.path = "/";
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.max_response = CFN_MAX_ANSWER;
	req.what = CFN_WHAT;
	if (aws_call(a, &req, cfn_describe_done_cb, c) == -1)
		goto fail;
	return 0;
fail:
	log_debug(CFN_WHAT ": request not started");
	cfn_call_free(c);
	return -1;
}
