/*
 * cfn: the CloudFormation adapter (Query protocol, API version 2010-05-15,
 * XML answers), DescribeStacks of one stack only: `stingy-vpn init` reads
 * a stack's status and outputs from it.
 *
 * cfn.c holds the pure builder and parser (no I/O, tested and fuzzed with
 * strings) and the asynchronous call through aws_call(). expat stays inside
 * (via xml.c); callers see struct cfn_stack.
 *
 * The answer is untrusted input. The parser is strict about the document:
 * the root must be DescribeStacksResponse (an ErrorResponse is reported as
 * its code and message), it must hold exactly one stack, with a StackStatus.
 * Values are kept byte for byte as expat decoded them (a value may hold a
 * newline or any other character XML allows): whoever writes them anywhere
 * checks them first. Limits: at most CFN_MAX_OUTPUTS outputs (AWS's quota
 * is 200 per template), keys of CFN_MAX_KEY bytes, values of CFN_MAX_VALUE
 * bytes, and the fixed fields below their array sizes. An answer past any
 * of them, with an output without OutputKey, or with an OutputKey twice, is
 * refused as a whole, never cut.
 */
#ifndef CFN_H
#define CFN_H

#include <stddef.h>

#include "aws.h"

struct buf;

#define CFN_API_VERSION		"2010-05-15"
#define CFN_MAX_OUTPUTS		200		/* outputs per stack */
#define CFN_MAX_KEY		255		/* bytes of an OutputKey (a logical id) */
#define CFN_MAX_VALUE		4096		/* bytes of an OutputValue */
#define CFN_MAX_STACK_ARG	1024		/* bytes of a StackName argument */
#define CFN_MAX_ANSWER		(1024 * 1024)	/* bytes of a DescribeStacks answer */

struct cfn_output {
	char	*key;		/* never NULL or "" */
	char	*value;		/* never NULL; "" when the answer had none */
};

struct cfn_stack {
	char			 name[129];	/* StackName, "" when absent */
	char			 id[1025];	/* StackId (an ARN), "" when absent */
	char			 status[65];	/* StackStatus: "CREATE_COMPLETE", ... */
	struct cfn_output	*outputs;	/* in document order */
	size_t			 n_outputs;
};

/* cfn_stack_free: frees the outputs and leaves s empty; NULL is a no-op. */
void cfn_stack_free(struct cfn_stack *s);

/* cfn_stack_output: the value of output key, owned by s; NULL when absent. */
const char *cfn_stack_output(const struct cfn_stack *s, const char *key);

/*
 * cfn_valid_stack_arg: 1 when s can be sent as StackName: a stack name (a
 * letter, then up to 127 of A-Z, a-z, 0-9 and '-') or a stack id ("arn:"
 * and up to CFN_MAX_STACK_ARG - 1 bytes of printable ASCII without blanks).
 */
int cfn_valid_stack_arg(const char *s);

/*
 * cfn_build_describe_stacks: appends
 * "Action=DescribeStacks&Version=2010-05-15&StackName=..." (percent-encoded)
 * to out. Returns 0, or -1 when stack is not cfn_valid_stack_arg or out's
 * cap is reached (out may then hold part of a body).
 */
int cfn_build_describe_stacks(struct buf *out, const char *stack);

/*
 * cfn_parse_describe_stacks: a DescribeStacksResponse xml[0..len) (need not
 * be NUL-terminated) into *out, which it overwrites without freeing (pass it
 * empty). Returns 0, or -1 with the reason in err (always NUL-terminated,
 * printable ASCII) and *out left empty. An <ErrorResponse> gives -1 with
 * "cloudformation DescribeStacks: CODE: MESSAGE".
 */
int cfn_parse_describe_stacks(const char *xml, size_t len,
    struct cfn_stack *out, char *err, size_t errlen);

/*
 * cfn_describe_cb: err NULL on success. stack is valid during the call only
 * (the adapter frees it afterwards; the callback may move its contents out
 * and leave it empty); NULL on error.
 */
typedef void (*cfn_describe_cb)(const struct aws_error *err,
    struct cfn_stack *stack, void *arg);

/*
 * cfn_describe_stack: DescribeStacks of one stack (name or id; copied)
 * with aws_call()'s standard retries. Returns 0 and later calls cb exactly
 * once from the loop, or -1 (cb never called) when the request cannot be
 * built or started. A 2xx answer that does not parse is an error with code
 * "MalformedResponse" and the parser's reason as message.
 */
int cfn_describe_stack(struct aws *a, const char *stack, cfn_describe_cb cb,
    void *arg);

#endif
