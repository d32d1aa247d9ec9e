/*
 * sqs: the SQS adapter (JSON 1.0 protocol: POST /, Content-Type
 * application/x-amz-json-1.0, X-Amz-Target AmazonSQS.<Action>).
 *
 * sqs.c holds the pure builders and parsers; sqs_call.c the asynchronous
 * calls through aws_call(). json-c stays inside.
 *
 * A received message without a usable ReceiptHandle (missing, not a string,
 * empty, longer than SQS_MAX_HANDLE or holding a NUL) cannot be deleted, so
 * it is skipped and counted in sqs_messages.skipped: the rest of the answer
 * is still delivered (failing the whole answer would hold good events back
 * until their visibility timeout ran out, and the broken one comes back
 * anyway until the queue's redrive policy moves it to the dead-letter
 * queue). A message with a handle but no string MessageId or Body, or one
 * longer than SQS_MAX_ID / SQS_MAX_BODY, is delivered with "" in that field,
 * so that the caller quarantines and deletes it as a malformed body.
 * Messages past SQS_MAX_MESSAGES in one answer are skipped and counted too.
 */
#ifndef SQS_H
#define SQS_H

#include <stddef.h>

#include "aws.h"

struct buf;

#define SQS_MAX_MESSAGES	10		/* ReceiveMessage's own maximum */
#define SQS_MAX_HANDLE		8192		/* bytes; AWS: 1024 characters */
#define SQS_MAX_ID		128		/* bytes; AWS: 100 characters */
#define SQS_MAX_BODY		(1024 * 1024)	/* bytes; AWS: 1 MiB */
#define SQS_MAX_ANSWER		(16 * 1024 * 1024)	/* the whole ReceiveMessage answer, bytes */
#define SQS_VISIBILITY_S	60
#define SQS_TIMEOUT_EXTRA_S	15		/* the HTTP timeout is wait_s + this */

struct sqs_message {
	char	*message_id;
	char	*receipt_handle;
	char	*body;		/* NUL-terminated; may hold NULs from \u0000 */
	size_t	 body_len;
};

struct sqs_messages {
	struct sqs_message	*v;
	size_t			 n;
	size_t			 skipped;	/* messages left out, see above */
};

/*
 * sqs_build_receive: {"QueueUrl":...,"MaxNumberOfMessages":n,
 * "WaitTimeSeconds":w,"VisibilityTimeout":v} into out. Returns 0, or -1 when
 * queue_url is NULL or empty, max_messages is outside 1..10, wait_s outside
 * 0..20, visibility_s outside 0..43200, or out's cap is reached (out may
 * then hold part of a body).
 */
int sqs_build_receive(struct buf *out, const char *queue_url,
    int max_messages, int wait_s, int visibility_s);

/*
 * sqs_parse_receive: a ReceiveMessage answer ({}, {"Messages":[]} or
 * {"Messages":[{...}]}) into *out, which it overwrites without freeing (pass
 * it empty). Returns 0, or -1 with the reason in err and *out left empty
 * when the answer is not a JSON object, has trailing data, or Messages is
 * not an array. Messages are handled as described at the top.
 */
int sqs_parse_receive(const char *json, size_t len, struct sqs_messages *out,
    char *err, size_t errlen);

/* sqs_messages_free: frees what msgs holds and leaves it empty; NULL is a no-op. */
void sqs_messages_free(struct sqs_messages *msgs);

/* sqs_build_delete: {"QueueUrl":...,"ReceiptHandle":...}; -1 when either is NULL or empty. */
int sqs_build_delete(struct buf *out, const char *queue_url,
    const char *receipt_handle);

/* sqs_receive_cb: msgs is valid during the call only (the adapter frees it;
 * the callback may move the contents out, leaving it empty); NULL on error. */
typedef void (*sqs_receive_cb)(const struct aws_error *err,
    struct sqs_messages *msgs, void *arg);

/*
 * sqs_receive: one ReceiveMessage long poll of wait_s seconds (0..20) for up
 * to 10 messages, hidden for SQS_VISIBILITY_S seconds; HTTP timeout wait_s +
 * SQS_TIMEOUT_EXTRA_S s; a single attempt (the daemon polls again itself).
 * Copies everything. Returns 0 and later calls cb exactly once, or -1 (cb
 * never called) when the request cannot be built or started. A 2xx answer
 * that does not parse is an error with code "MalformedResponse".
 */
int sqs_receive(struct aws *a, const char *queue_url, int wait_s,
    sqs_receive_cb cb, void *arg);

/*
 * sqs_delete: DeleteMessage of one receipt handle. Copies everything;
 * returns as sqs_receive does; cb gets err NULL on success.
 */
int sqs_delete(struct aws *a, const char *queue_url,
    const char *receipt_handle, aws_status_cb cb, void *arg);

#endif
