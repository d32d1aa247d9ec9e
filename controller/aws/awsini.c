/* awsini: the shared AWS config and credentials files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pwd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "awsini.h"

struct awsini_entry {
	size_t	 section;	/* index into sections */
	char	*key;
	char	*value;
};

struct awsini {
	char			**sections;
	size_t			  nsections;
	struct awsini_entry	 *entries;
	size_t			  nentries;
	size_t			  cap_entries;
	size_t			  cap_sections;
};

#define AWSINI_NO_SECTION	((size_t)-1)	/* none yet, or a broken header */
#define AWSINI_DROPPED		((size_t)-2)	/* past AWSINI_MAX_SECTIONS */

static int
awsini_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void
awsini_wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* trim: [*s, *e) without leading and trailing blanks. */
static void
awsini_trim(const char **s, const char **e)
{
	while (*s < *e && awsini_space(**s))
		(*s)++;
	while (*e > *s && awsini_space((*e)[-1]))
		(*e)--;
}

static char *
awsini_strndup(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * section: the index of name, added when new; AWSINI_DROPPED past
 * AWSINI_MAX_SECTIONS, AWSINI_NO_SECTION on ENOMEM.
 */
static size_t
awsini_section(struct awsini *ini, const char *s, size_t n)
{
	char *name = NULL, *d;
	size_t i;
	int blank = 0;

	if ((name = malloc(n + 1)) == NULL)
		return AWSINI_NO_SECTION;
	/* collapse blank runs so "[profile   x]" names profile x */
	for (d = name, i = 0; i < n; i++) {
		if (awsini_space(s[i])) {
			blank = 1;
			continue;
		}
		if (blank && d != name)
			*d++ = ' ';
		blank = 0;
		*d++ = s[i];
	}
	*d = '\0';
	for (i = 0; i < ini->nsections; i++)
		if (strcmp(ini->sections[i], name) == 0) {
			free(name);
			return i;
		}
	if (ini->nsections == AWSINI_MAX_SECTIONS) {
		free(name);
		return AWSINI_DROPPED;
	}
	if (ini->nsections == ini->cap_sections) {
		size_t nc = ini->cap_sections ? ini->cap_sections * 2 : 8;
		char **p = realloc(ini->sections, nc * sizeof(*p));

		if (p == NULL) {
			free(name);
			return AWSINI_NO_SECTION;
		}
		ini->sections = p;
		ini->cap_sections = nc;
	}
	ini->sections[ini->nsections] = name;
	return ini->nsections++;
}

static struct awsini_entry *
awsini_find(const struct awsini *ini, size_t section, const char *key)
{
	size_t i;

	for (i = 0; i < ini->nentries; i++)
		if (ini->entries[i].section == section &&
		    strcasecmp(ini->entries[i].key, key) == 0)
			return &ini->entries[i];
	return NULL;
}

/*
 * set: key = value in section, replacing an earlier value. *out is the
 * entry, or NULL when the key was dropped past AWSINI_MAX_ENTRIES. -1 on
 * ENOMEM.
 */
static int
awsini_set(struct awsini *ini, size_t section, const char *k, size_t klen,
    const char *v, size_t vlen, struct awsini_entry **out)
{
	struct awsini_entry *e;
	char *key = NULL, *value = NULL;

	if ((key = awsini_strndup(k, klen)) == NULL ||
	    (value = awsini_strndup(v, vlen)) == NULL)
		goto fail;
	if ((e = awsini_find(ini, section, key)) != NULL) {
		free(key);
		awsini_wipe_free(e->value);
		e->value = value;
		*out = e;
		return 0;
	}
	if (ini->nentries == AWSINI_MAX_ENTRIES) {
		/* past the cap: ignored, like a line that does not parse */
		free(key);
		awsini_wipe_free(value);
		*out = NULL;
		return 0;
	}
	if (ini->nentries == ini->cap_entries) {
		size_t nc = ini->cap_entries ? ini->cap_entries * 2 : 16;
		struct awsini_entry *p = realloc(ini->entries, nc * sizeof(*p));

		if (p == NULL)
			goto fail;
		ini->entries = p;
		ini->cap_entries = nc;
	}
	e = &ini->entries[ini->nentries++];
	e->section = section;
	e->key = key;
	e->value = value;
	*out = e;
	return 0;
fail:
	free(key);
	awsini_wipe_free(value);
	*out = NULL;
	return -1;
}

/* append: "\n" + the continuation line to e's value. -1 on ENOMEM. */
static int
awsini_append(struct awsini_entry *e, const char *s, size_t n)
{
	size_t old = strlen(e->value);
	char *p;

	if ((p = malloc(old + n + 2)) == NULL)
		return -1;
	memcpy(p, e->value, old);
	p[old] = '\n';
	memcpy(p + old + 1, s, n);
	p[old + n + 1] = '\0';
	awsini_wipe_free(e->value);
	e->value = p;
	return 0;
}

/* strip_comment: cut a '#' or ';' comment that follows whitespace. */
static const char *
awsini_strip_comment(const char *s, const char *e)
{
	const char *p;

	for (p = s; p < e; p++)
		if ((*p == '#' || *p == ';') && p > s && awsini_space(p[-1]))
			return p;
	return e;
}

/*
 * line: one line [s, e) without its newline. *section is the current
 * section, *last the property an indented line continues. -1 on ENOMEM.
 */
static int
awsini_line(struct awsini *ini, const char *s, const char *e, size_t *section,
    struct awsini_entry **last)
{
	const char *eq, *ks, *ke, *vs, *ve, *close;
	int indented = s < e && awsini_space(*s);

	awsini_trim(&s, &e);
	if (s == e)
		return 0;
	if (*s == '#' || *s == ';') {
		*last = NULL;
		return 0;
	}
	if (indented && *last != NULL) {
		e = awsini_strip_comment(s, e);
		awsini_trim(&s, &e);
		if (s == e)
			return 0;
		return awsini_append(*last, s, (size_t)(e - s));
	}
	*last = NULL;
	if (*s == '[') {
		close = memchr(s, ']', (size_t)(e - s));
		*section = AWSINI_NO_SECTION;	/* a broken header swallows what follows */
		if (close == NULL)
			return 0;
		ks = s + 1;
		ke = close;
		awsini_trim(&ks, &ke);
		if (ks == ke)
			return 0;
		*section = awsini_section(ini, ks, (size_t)(ke - ks));
		return *section == AWSINI_NO_SECTION ? -1 : 0;
	}
	if (*section == AWSINI_NO_SECTION || *section == AWSINI_DROPPED ||
	    (eq = memchr(s, '=', (size_t)(e - s))) == NULL)
		return 0;
	ks = s;
	ke = eq;
	awsini_trim(&ks, &ke);
	if (ks == ke)
		return 0;
	vs = eq + 1;
	ve = e;
	awsini_trim(&vs, &ve);
	ve = awsini_strip_comment(vs, ve);
	awsini_trim(&vs, &ve);
	return awsini_set(ini, *section, ks, (size_t)(ke - ks), vs,
	    (size_t)(ve - vs), last);
}

struct awsini *
awsini_parse(const char *text, size_t len)
{
	struct awsini *ini;
	struct awsini_entry *last = NULL;
	size_t section = AWSINI_NO_SECTION;
	const char *p = text, *end = text + len, *nl;

	if (len > AWSINI_MAX_FILE || (ini = calloc(1, sizeof(*ini))) == NULL)
		return NULL;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (awsini_line(ini, p, nl, &section, &last) == -1) {
			awsini_free(ini);
			return NULL;
		}
		p = nl + 1;
	}
	return ini;
}

struct awsini *
awsini_load(const char *path, int *missing, char *err, size_t errlen)
{
	struct awsini *ini = NULL;
	FILE *f = NULL;
	char *text = NULL;
	size_t len = 0, n;

	*missing = 0;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			*missing = 1;
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((text = malloc(AWSINI_MAX_FILE + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while ((n = fread(text + len, 1, AWSINI_MAX_FILE + 1 - len, f)) > 0)
		if ((len += n) > AWSINI_MAX_FILE)
			break;
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > AWSINI_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    AWSINI_MAX_FILE);
		goto out;
	}
	if ((ini = awsini_parse(text, len)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (f != NULL)
		fclose(f);
	return ini;
}

void
awsini_free(struct awsini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nentries; i++) {
		free(ini->entries[i].key);
		awsini_wipe_free(ini->entries[i].value);
	}
	for (i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->entries);
	free(ini->sections);
	free(ini);
}

static size_t
awsini_section_index(const struct awsini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->nsections; i++)
		if (strcmp(ini->sections[i], section) == 0)
			return i;
	return AWSINI_NO_SECTION;
}

const char *
awsini_get(const struct awsini *ini, const char *section, const char *key)
{
	struct awsini_entry *e;
	size_t i;

	if (ini == NULL || (i = awsini_section_index(ini, section)) ==
	    AWSINI_NO_SECTION)
		return NULL;
	e = awsini_find(ini, i, key);
	return e ? e->value : NULL;
}

int
awsini_has_section(const struct awsini *ini, const char *section)
{
	return ini != NULL && awsini_section_index(ini, section) !=
	    AWSINI_NO_SECTION;
}

const char *
awsini_profile_get(const struct awsini *ini, int config, const char *profile,
    const char *key)
{
	char section[300];

	if (ini == NULL)
		return NULL;
	if (!config)
		return awsini_get(ini, profile, key);
	if (strcmp(profile, "default") == 0 &&
	    awsini_has_section(ini, "default"))
		return awsini_get(ini, "default", key);
	if ((size_t)snprintf(section, sizeof(section), "profile %s", profile) >=
	    sizeof(section))
		return NULL;
	return awsini_get(ini, section, key);
}

int
awsini_profile_exists(const struct awsini *ini, int config,
    const char *profile)
{
	char section[300];

	if (ini == NULL)
		return 0;
	if (!config)
		return awsini_has_section(ini, profile);
	if (strcmp(profile, "default") == 0 &&
	    awsini_has_section(ini, "default"))
		return 1;
	if ((size_t)snprintf(section, sizeof(section), "profile %s", profile) >=
	    sizeof(section))
		return 0;
	return awsini_has_section(ini, section);
}

const char *
awsini_profile_name(const char *given)
{
	const char *env;

	if (given != NULL && *given != '\0')
		return given;
	if ((env = getenv("AWS_PROFILE")) != NULL && *env != '\0')
		return env;
	return "default";
}

static const char *
awsini_home(void)
{
	const char *home;
	struct passwd *pw;

	if ((home = getenv("HOME")) != NULL && *home != '\0')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return pw->pw_dir;
	return NULL;
}

/* path: $env, else ~/.aws/file, with "~/" expanded. */
static char *
awsini_path(const char *env, const char *file, char *buf, size_t len)
{
	const char *v = getenv(env), *home;
	int n;

	if (v != NULL && *v != '\0' && strncmp(v, "~/", 2) != 0) {
		n = snprintf(buf, len, "%s", v);
	} else {
		if ((home = awsini_home()) == NULL)
			return NULL;
		if (v != NULL && *v != '\0')
			n = snprintf(buf, len, "%s/%s", home, v + 2);
		else
			n = snprintf(buf, len, "%s/.aws/%s", home, file);
	}
	if (n < 0 || (size_t)n >= len)
		return NULL;
	return buf;
}

char *
awsini_credentials_path(char *buf, size_t len)
{
	return awsini_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", buf,
	    len);
}

char *
awsini_config_path(char *buf, size_t len)
{
	return awsini_path("AWS_CONFIG_FILE", "config", buf, len);
}
