/*
 * sns: the SNS adapter (Query protocol, API version 2010-03-31, XML answers).
 *
 * sns.c holds the pure builder and parser; sns_call.c the asynchronous call
 * through aws_call(). expat stays inside (via xml.c).
 */
#ifndef SNS_H
#define SNS_H

#include <stddef.h>

#include "aws.h"

struct buf;

#define SNS_API_VERSION		"2010-03-31"
#define SNS_MAX_SUBJECT		99		/* AWS: "less than 100 characters" */
#define SNS_MAX_MESSAGE		(256 * 1024)	/* bytes; AWS: 256 KiB */

/*
 * sns_subject_clean: subject made acceptable to SNS into dst (dstlen bytes):
 * printable ASCII only (a control character becomes ' ', each non-ASCII
 * UTF-8 sequence one '?'), leading spaces dropped (a subject must begin with
 * a letter, digit or punctuation), at most SNS_MAX_SUBJECT characters and
 * trailing spaces dropped. dst may end up "". Returns dst.
 */
char *sns_subject_clean(char *dst, size_t dstlen, const char *subject);

/*
 * sns_build_publish: Action=Publish&Version=2010-03-31&TopicArn=...
 * [&Subject=...]&Message=..., the subject cleaned as above and left out
 * when NULL or empty after cleaning. Returns 0, or -1 when topic_arn or
 * message is NULL or empty, message is longer than SNS_MAX_MESSAGE bytes,
 * or out's cap is reached (out may then hold part of a body).
 */
int sns_build_publish(struct buf *out, const char *topic_arn,
    const char *subject, const char *message);

/*
 * sns_parse_publish: the MessageId of a PublishResponse into id (idlen
 * bytes). Returns 0, or -1 with the reason in err.
 */
int sns_parse_publish(const char *xml, size_t len, char *id, size_t idlen,
    char *err, size_t errlen);

/* sns_publish_cb: message_id is valid during the call only; NULL on error. */
typedef void (*sns_publish_cb)(const struct aws_error *err,
    const char *message_id, void *arg);

/*
 * sns_publish: Publish to topic_arn. Copies everything; returns 0 and later
 * calls cb exactly once, or -1 (cb never called) when the request cannot be
 * built or started. A 2xx answer that does not parse is an error with code
 * "MalformedResponse".
 */
int sns_publish(struct aws *a, const char *topic_arn, const char *subject,
    const char *message, sns_publish_cb cb, void *arg);

#endif
