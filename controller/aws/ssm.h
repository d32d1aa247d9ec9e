/*
 * ssm: the SSM Parameter Store adapter (JSON 1.1 protocol: POST /,
 * Content-Type application/x-amz-json-1.1, X-Amz-Target AmazonSSM.<Action>).
 *
 * ssm.c holds the pure builders and parsers; ssm_call.c the asynchronous
 * calls through aws_call(). json-c stays inside.
 *
 * Secrets: a parameter value (a SecureString's above all) is never logged.
 * ssm_parameter_free() wipes the value before freeing it; the request body
 * of PutParameter and the parser's own copies are wiped too. The answer
 * body belongs to the aws/http layer, which this module cannot wipe.
 */
#ifndef SSM_H
#define SSM_H

#include <stddef.h>

#include "aws.h"

struct buf;

#define SSM_MAX_NAME	2048		/* bytes; AWS: 2048 characters */
#define SSM_MAX_VALUE	(64 * 1024)	/* bytes; AWS: 8 KiB (advanced tier) */
#define SSM_MAX_TYPE	32

struct ssm_parameter {
	char		*name;
	char		*type;		/* "String", "StringList", "SecureString" */
	char		*value;		/* secret for SecureString */
	long long	 version;
};

/*
 * ssm_build_get: {"Name":...,"WithDecryption":true|false} into out. Returns
 * 0, or -1 when name is NULL or empty or out's cap is reached.
 */
int ssm_build_get(struct buf *out, const char *name, int with_decryption);

/*
 * ssm_parse_get: a GetParameter answer {"Parameter":{"Name","Type","Value",
 * "Version",...}} into *out (overwritten, pass it empty; free with
 * ssm_parameter_free). Name, Type and Value must be strings without NULs
 * within the SSM_MAX_* bounds, Version an integer from 1 to 2^53. Returns 0,
 * or -1 with the reason (never the value) in err and *out left empty.
 */
int ssm_parse_get(const char *json, size_t len, struct ssm_parameter *out,
    char *err, size_t errlen);

/* ssm_parameter_free: wipes the value, frees everything, leaves p empty; NULL is a no-op. */
void ssm_parameter_free(struct ssm_parameter *p);

/*
 * ssm_build_put: {"Name":...,"Value":...,"Type":...,"Overwrite":true|false}
 * into out. type NULL means "String". Returns 0, or -1 when name is NULL or
 * empty, value NULL, or out's cap is reached; on -1 the caller should wipe
 * out (it may hold part of the value).
 */
int ssm_build_put(struct buf *out, const char *name, const char *value,
    const char *type, int overwrite);

/*
 * ssm_parse_put: the Version of a PutParameter answer {"Version":n,
 * "Tier":...} into *version. Returns 0, or -1 with the reason in err.
 */
int ssm_parse_put(const char *json, size_t len, long long *version, char *err,
    size_t errlen);

/* ssm_get_cb: p is valid during the call only (then wiped); NULL on error. */
typedef void (*ssm_get_cb)(const struct aws_error *err,
    const struct ssm_parameter *p, void *arg);
/* ssm_put_cb: version is the parameter's new version; 0 on error. */
typedef void (*ssm_put_cb)(const struct aws_error *err, long long version,
    void *arg);

/*
 * ssm_get_parameter, ssm_put_parameter: GetParameter and PutParameter.
 * Copy everything (a copied value is wiped when the call ends). Return 0
 * and later call cb exactly once, or -1 (cb never called) when the request
 * cannot be built or started. A 2xx answer that does not parse is an error
 * with code "MalformedResponse".
 */
int ssm_get_parameter(struct aws *a, const char *name, int with_decryption,
    ssm_get_cb cb, void *arg);
int ssm_put_parameter(struct aws *a, const char *name, const char *value,
    const char *type, int overwrite, ssm_put_cb cb, void *arg);

#endif
