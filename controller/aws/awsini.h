/*
 * awsini: a reader for the shared AWS files, ~/.aws/credentials and
 * ~/.aws/config, as the SDKs read them.
 *
 * Format: "[section]" lines (blanks around the name trimmed, a trailing
 * "# comment" or "; comment" allowed), "key = value" lines, '#' and ';'
 * comment lines, and in a value a '#' or ';' that follows whitespace starts
 * a comment. An indented line after "key =" continues that value (the
 * SDKs' sub-properties); it is appended after a '\n'. Keys compare without
 * regard to case, section names exactly. A section that appears twice is
 * merged, and a later key replaces an earlier one. Lines that fit none of
 * these, and properties before any section, are ignored, as the SDKs do;
 * so are sections and keys past the caps below.
 *
 * The credentials file holds secrets: awsini_free() wipes every value.
 */
#ifndef AWSINI_H
#define AWSINI_H

#include <stddef.h>

#define AWSINI_MAX_PATH	1024	/* bytes for a file name */
#define AWSINI_MAX_FILE	(1024 * 1024)	/* bytes; larger files are refused */
#define AWSINI_MAX_SECTIONS	1024	/* more are ignored, with their keys */
#define AWSINI_MAX_ENTRIES	4096	/* more keys are ignored (lookups are linear) */

struct awsini;

/*
 * awsini_parse: parses len bytes of text (need not be NUL-terminated).
 * Returns a new object the caller frees with awsini_free(), or NULL when out
 * of memory or len > AWSINI_MAX_FILE. Never fails on content.
 */
struct awsini *awsini_parse(const char *text, size_t len);

/*
 * awsini_load: reads and parses the file at path. Returns NULL and sets
 * *missing = 1 when the file does not exist (not an error for callers: the
 * files are optional); returns NULL with *missing = 0 and a message in err
 * naming path on any other failure (unreadable, too large).
 */
struct awsini *awsini_load(const char *path, int *missing, char *err,
    size_t errlen);

/* awsini_free: wipes the values and frees everything. NULL is a no-op. */
void awsini_free(struct awsini *ini);

/*
 * awsini_get: the value of key in section, owned by ini; NULL when the
 * section or the key is absent.
 */
const char *awsini_get(const struct awsini *ini, const char *section,
    const char *key);

/* awsini_has_section: 1 when section appeared in the file. */
int awsini_has_section(const struct awsini *ini, const char *section);

/*
 * awsini_profile_get: key for a profile in the credentials file
 * (config == 0: section "[NAME]") or the config file (config == 1: section
 * "[profile NAME]", and for NAME "default" also "[default]", which wins).
 * NULL when absent or ini is NULL.
 */
const char *awsini_profile_get(const struct awsini *ini, int config,
    const char *profile, const char *key);

/* awsini_profile_exists: 1 when the profile has a section, as above. */
int awsini_profile_exists(const struct awsini *ini, int config,
    const char *profile);

/*
 * awsini_profile_name: the profile to use: given when not NULL or empty,
 * else $AWS_PROFILE when set and not empty, else "default". The result is
 * given itself, the environment's string or a literal: do not free it.
 */
const char *awsini_profile_name(const char *given);

/*
 * awsini_credentials_path, awsini_config_path: $AWS_SHARED_CREDENTIALS_FILE
 * (else $HOME/.aws/credentials) and $AWS_CONFIG_FILE (else
 * $HOME/.aws/config), a leading "~/" expanded, into buf. Return buf, or NULL
 * when no home directory is known or the path does not fit.
 */
char *awsini_credentials_path(char *buf, size_t len);
char *awsini_config_path(char *buf, size_t len);

#endif
