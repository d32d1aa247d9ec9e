/* sns: SNS Query request builder and XML answer parser (no I/O). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sns.h"
#include "xml.h"

char *
sns_subject_clean(char *dst, size_t dstlen, const char *subject)
{
	size_t n = 0, max = dstlen - 1;
	const unsigned char *s;

	if (dstlen == 0)
		return dst;
	if (max > SNS_MAX_SUBJECT)
		max = SNS_MAX_SUBJECT;
	for (s = (const unsigned char *)subject; s && *s && n < max; s++) {
		unsigned char c = *s;

		if (c >= 0x80) {
			if ((c & 0xc0) == 0x80)
				continue;	/* continuation: the lead gave its '?' */
			c = '?';
		} else if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && n == 0)
			continue;
		dst[n++] = (char)c;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	return dst;
}

int
sns_build_publish(struct buf *out, const char *topic_arn,
    const char *subject, const char *message)
{
	char clean[SNS_MAX_SUBJECT + 1];

	if (topic_arn == NULL || topic_arn[0] == '\0' || message == NULL ||
	    message[0] == '\0' || strlen(message) > SNS_MAX_MESSAGE)
		return -1;
	if (buf_addf(out, "Action=Publish&Version=%s&TopicArn=",
	    SNS_API_VERSION) == -1 || buf_add_urlenc(out, topic_arn) == -1)
		return -1;
	sns_subject_clean(clean, sizeof(clean), subject);
	if (clean[0] != '\0' && (buf_adds(out, "&Subject=") == -1 ||
	    buf_add_urlenc(out, clean) == -1))
		return -1;
	if (buf_adds(out, "&Message=") == -1 ||
	    buf_add_urlenc(out, message) == -1)
		return -1;
	return 0;
}

struct sns_ctx {
	char	*id;
	size_t	 idlen;
	int	 got;
	char	*err;
	size_t	 errlen;
};

static int
sns_start(void *arg, const struct xml_path *p)
{
	struct sns_ctx *c = arg;

	if (p->depth == 1 && strcmp(p->el[0], "PublishResponse") != 0) {
		snprintf(c->err, c->errlen, "sns Publish: unexpected root "
		    "element <%.64s>", p->el[0]);
		return -1;
	}
	return 0;
}

static int
sns_end(void *arg, const struct xml_path *p, const char *text, size_t len,
    int truncated)
{
	struct sns_ctx *c = arg;

	if (!xml_path_is(p, "PublishResponse/PublishResult/MessageId"))
		return 0;
	if (truncated || len >= c->idlen) {
		snprintf(c->err, c->errlen, "sns Publish: MessageId too long "
		    "(%zu bytes)", len);
		return -1;
	}
	memcpy(c->id, text, len + 1);
	c->got = len > 0;
	return 0;
}

int
sns_parse_publish(const char *xml, size_t len, char *id, size_t idlen,
    char *err, size_t errlen)
{
	static const struct xml_handler h = { sns_start, sns_end };
	struct sns_ctx c;
	char xerr[160] = "";

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.idlen = idlen;
	c.err = err;
	c.errlen = errlen;
	if (idlen == 0) {
		snprintf(err, errlen, "sns Publish: no room for the MessageId");
		return -1;
	}
	if (xml_parse(xml, len, &h, &c, xerr, sizeof(xerr)) == -1) {
		if (xerr[0] != '\0')
			snprintf(err, errlen, "sns Publish: %s", xerr);
		return -1;
	}
	if (!c.got) {
		snprintf(err, errlen, "sns Publish: no MessageId in the answer");
		return -1;
	}
	return 0;
}
