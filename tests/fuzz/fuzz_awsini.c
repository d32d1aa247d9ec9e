/*
 * fuzz_awsini: the shared AWS files reader (awsini_parse and the lookups on
 * its result) and the credential_process output parser, on the same bytes.
 * Both read local files a user or a helper program wrote: they must not
 * crash or leak on anything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awsini.h"
#include "creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const profiles[] = { "default", "dev", "profile dev",
	    "" };
	static const char *const keys[] = { "region", "aws_access_key_id",
	    "credential_process", "endpoint_url", "s3" };
	struct awsini *ini;
	struct creds c;
	char err[256];
	size_t i, j;

	if ((ini = awsini_parse((const char *)data, size)) != NULL) {
		for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
			(void)awsini_profile_exists(ini, 0, profiles[i]);
			(void)awsini_profile_exists(ini, 1, profiles[i]);
			for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
				const char *v;

				if ((v = awsini_profile_get(ini, 1, profiles[i],
				    keys[j])) != NULL)
					(void)strlen(v);
				if ((v = awsini_get(ini, profiles[i], keys[j])) !=
				    NULL)
					(void)strlen(v);
			}
		}
		awsini_free(ini);
	}

	memset(&c, 0, sizeof(c));
	if (creds_process_parse((const char *)data, size, &c, err,
	    sizeof(err)) == 0) {
		free(c.access_key_id);
		free(c.secret_access_key);
		free(c.session_token);
	}
	return 0;
}
