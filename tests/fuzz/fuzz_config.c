/*
 * fuzz_config: desired_parse_string on arbitrary bytes. On success the
 * printed form must parse back to an equal configuration and print the same
 * again; anything else is a bug and aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct desired *d = NULL, *d2 = NULL;
	char *errors = NULL, *errors2 = NULL, *s1 = NULL, *s2 = NULL;

	d = desired_parse_string("fuzz.conf", (const char *)data, size, &errors);
	if (d == NULL) {
		/* a refusal always says why */
		if (errors == NULL || strncmp(errors, "fuzz.conf:", 10) != 0)
			abort();
		goto done;
	}
	if (errors != NULL)
		abort();
	if ((s1 = desired_print(d)) == NULL)
		abort();
	d2 = desired_parse_string("printed", s1, strlen(s1), &errors2);
	if (d2 == NULL) {
		fprintf(stderr, "printed form refused:\n%s---\n%s", s1, errors2);
		abort();
	}
	if (!desired_equal(d, d2)) {
		fprintf(stderr, "round trip differs:\n%s", s1);
		abort();
	}
	if ((s2 = desired_print(d2)) == NULL || strcmp(s1, s2) != 0)
		abort();
done:
	desired_free(d);
	desired_free(d2);
	free(errors);
	free(errors2);
	free(s1);
	free(s2);
	return 0;
}
