/*
 * xml: a small path-tracking SAX collector over expat, shared by the AWS
 * adapters that read XML answers (ec2, sns, awserr). expat never leaves
 * xml.c; callers see element paths and text.
 *
 * Element names are local names: a "prefix:" is dropped and namespaces are
 * ignored, so <instanceId> and <ec2:instanceId> match alike. A pattern is
 * names separated by '/', where "*" matches any one element:
 * "*" "/reservationSet/item/instancesSet/item" matches the instance items of
 * any root element.
 *
 * Limits (an AWS answer is far inside them; a hostile one is stopped):
 * nesting deeper than XML_PATH_DEPTH elements fails the parse; a name longer
 * than XML_NAME_MAX - 1 bytes is recorded as "?" (it can match only "*");
 * text beyond XML_TEXT_MAX bytes in one element is cut and flagged. A
 * document with a DOCTYPE (hence entity declarations) is refused.
 */
#ifndef XML_COLLECT_H
#define XML_COLLECT_H

#include <stddef.h>

#define XML_PATH_DEPTH	32
#define XML_NAME_MAX	64
#define XML_TEXT_MAX	16384

struct xml_path {
	const char	*el[XML_PATH_DEPTH];	/* el[0] is the root element */
	size_t		 depth;			/* open elements, the current one included */
};

struct xml_handler {
	/*
	 * start: an element opened; p includes it. Return 0 to go on, -1 to
	 * stop the parse (write the reason into your own error buffer).
	 */
	int	(*start)(void *arg, const struct xml_path *p);
	/*
	 * end: an element closes; p still includes it. text is its character
	 * data since its last child element (entities decoded, UTF-8,
	 * NUL-terminated, len bytes), cut to XML_TEXT_MAX bytes with truncated
	 * set when it was longer. Return 0 or -1 as for start.
	 */
	int	(*end)(void *arg, const struct xml_path *p, const char *text,
		    size_t len, int truncated);
};

/*
 * xml_parse: parses xml[0..len) and calls h's non-NULL callbacks. Returns 0
 * when the document was well formed and no callback failed. Returns -1 with
 * "xml line N: reason" in err when expat, a limit or the DOCTYPE rule
 * stopped it; when a callback returned -1, err is left as the callback wrote
 * it. Keeps nothing after it returns.
 */
int xml_parse(const char *xml, size_t len, const struct xml_handler *h,
    void *arg, char *err, size_t errlen);

/* xml_path_is: the whole path matches pattern. */
int xml_path_is(const struct xml_path *p, const char *pattern);

/* xml_path_starts: the path's first elements match pattern (or all of it). */
int xml_path_starts(const struct xml_path *p, const char *pattern);

/* xml_path_at: elements from index `from` to the current one match pattern. */
int xml_path_at(const struct xml_path *p, size_t from, const char *pattern);

/* xml_path_segments: the number of elements pattern names. */
size_t xml_path_segments(const char *pattern);

#endif
