/* xml: path-tracking SAX collector over expat for the AWS adapters. */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <expat.h>

#include "xml.h"

struct xml_state {
	XML_Parser		 parser;
	const struct xml_handler *h;
	void			*arg;
	struct xml_path		 path;
	char			 names[XML_PATH_DEPTH][XML_NAME_MAX];
	char			 text[XML_TEXT_MAX + 1];
	size_t			 textlen;
	int			 truncated;
	int			 failed;	/* a callback failed: err is theirs */
	const char		*why;		/* our own reason to stop, or NULL */
};

static void
xml_stop(struct xml_state *st, const char *why)
{
	if (st->why == NULL && !st->failed)
		st->why = why;
	XML_StopParser(st->parser, XML_FALSE);
}

static void
xml_start_cb(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state *st = data;
	const char *local;
	size_t n;

	(void)attrs;
	if (st->why || st->failed)
		return;
	if (st->path.depth == XML_PATH_DEPTH) {
		xml_stop(st, "elements nested too deep");
		return;
	}
	local = strrchr(name, ':');
	local = local ? local + 1 : name;
	n = strlen(local);
	if (n >= XML_NAME_MAX) {
		local = "?";
		n = 1;
	}
	memcpy(st->names[st->path.depth], local, n + 1);
	st->path.el[st->path.depth] = st->names[st->path.depth];
	st->path.depth++;
	st->textlen = 0;
	st->truncated = 0;
	st->text[0] = '\0';
	if (st->h->start && st->h->start(st->arg, &st->path) == -1) {
		st->failed = 1;
		XML_StopParser(st->parser, XML_FALSE);
	}
}

static void
xml_end_cb(void *data, const XML_Char *name)
{
	struct xml_state *st = data;

	(void)name;
	if (st->why || st->failed || st->path.depth == 0)
		return;
	st->text[st->textlen] = '\0';
	if (st->h->end && st->h->end(st->arg, &st->path, st->text,
	    st->textlen, st->truncated) == -1) {
		st->failed = 1;
		XML_StopParser(st->parser, XML_FALSE);
		return;
	}
	st->path.depth--;
	st->textlen = 0;
	st->truncated = 0;
}

static void
xml_text_cb(void *data, const XML_Char *s, int len)
{
	struct xml_state *st = data;
	size_t room, n;

	if (len <= 0)
		return;
	n = (size_t)len;
	room = XML_TEXT_MAX - st->textlen;
	if (n > room) {
		n = room;
		st->truncated = 1;
	}
	memcpy(st->text + st->textlen, s, n);
	st->textlen += n;
}

/* A DOCTYPE can declare entities: AWS never sends one, so refuse it. */
static void
xml_doctype_cb(void *data, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	xml_stop(data, "DOCTYPE refused");
}

int
xml_parse(const char *xml, size_t len, const struct xml_handler *h,
    void *arg, char *err, size_t errlen)
{
	struct xml_state *st = NULL;
	int rc = -1;

	if (len > INT_MAX) {
		snprintf(err, errlen, "xml: document too big (%zu bytes)", len);
		return -1;
	}
	/* About 18 KiB: keep it off the stack of whoever calls us. */
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "xml: out of memory");
		return -1;
	}
	st->h = h;
	st->arg = arg;
	if ((st->parser = XML_ParserCreate(NULL)) == NULL) {
		snprintf(err, errlen, "xml: out of memory");
		goto done;
	}
	XML_SetUserData(st->parser, st);
	XML_SetElementHandler(st->parser, xml_start_cb, xml_end_cb);
	XML_SetCharacterDataHandler(st->parser, xml_text_cb);
	XML_SetStartDoctypeDeclHandler(st->parser, xml_doctype_cb);
	if (XML_Parse(st->parser, xml, (int)len, XML_TRUE) == XML_STATUS_OK &&
	    !st->failed && st->why == NULL) {
		rc = 0;
		goto done;
	}
	if (st->failed)
		goto done;
	snprintf(err, errlen, "xml line %lu: %s",
	    (unsigned long)XML_GetCurrentLineNumber(st->parser),
	    st->why ? st->why : XML_ErrorString(XML_GetErrorCode(st->parser)));
done:
	if (st->parser)
		XML_ParserFree(st->parser);
	free(st);
	return rc;
}

/* Whether the n names in el match the n segments of pattern exactly. */
static int
xml_match(const char *const *el, size_t n, const char *pattern)
{
	const char *seg = pattern, *slash;
	size_t i, seglen;

	for (i = 0; i < n; i++) {
		if (*seg == '\0')
			return 0;
		slash = strchr(seg, '/');
		seglen = slash ? (size_t)(slash - seg) : strlen(seg);
		if (!(seglen == 1 && seg[0] == '*') &&
		    (strncmp(el[i], seg, seglen) != 0 || el[i][seglen] != '\0'))
			return 0;
		seg += seglen;
		if (*seg == '/')
			seg++;
	}
	return *seg == '\0';
}

size_t
xml_path_segments(const char *pattern)
{
	size_t n;

	if (*pattern == '\0')
		return 0;
	for (n = 1; *pattern; pattern++)
		if (*pattern == '/')
			n++;
	return n;
}

int
xml_path_is(const struct xml_path *p, const char *pattern)
{
	return xml_match(p->el, p->depth, pattern);
}

int
xml_path_starts(const struct xml_path *p, const char *pattern)
{
	size_t n = xml_path_segments(pattern);

	return n <= p->depth && xml_match(p->el, n, pattern);
}

int
xml_path_at(const struct xml_path *p, size_t from, const char *pattern)
{
	return from <= p->depth && xml_match(p->el + from, p->depth - from,
	    pattern);
}
