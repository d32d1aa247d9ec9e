/*
 * fuzz_cfn_xml: cfn_parse_describe_stacks on arbitrary bytes, checking what
 * a success promises (bounded counts and sizes, unique non-empty keys, a
 * status of A-Z and '_', terminated fields) and that a failure leaves the
 * stack empty with a printable reason; then a parsed stack's outputs
 * through initcmd_build, whose text must pass the config parser, hold no
 * control character and print back to an equal configuration.
 * Seeds: tests/fuzz/seeds/cfn_xml/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "desired.h"
#include "initcmd.h"

#define HOLDS(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static void
check_stack(const struct cfn_stack *s)
{
	size_t i, j;

	if (!HOLDS(s->name) || !HOLDS(s->id) || !HOLDS(s->status) ||
	    s->status[0] == '\0' || s->n_outputs > CFN_MAX_OUTPUTS ||
	    (s->n_outputs > 0 && s->outputs == NULL))
		abort();
	for (i = 0; s->status[i] != '\0'; i++)
		if (!((s->status[i] >= 'A' && s->status[i] <= 'Z') ||
		    s->status[i] == '_'))
			abort();
	for (i = 0; i < s->n_outputs; i++) {
		const struct cfn_output *o = &s->outputs[i];

		if (o->key == NULL || o->value == NULL || o->key[0] == '\0' ||
		    strlen(o->key) > CFN_MAX_KEY ||
		    strlen(o->value) > CFN_MAX_VALUE)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(s->outputs[j].key, o->key) == 0)
				abort();
		if (cfn_stack_output(s, o->key) != o->value)
			abort();
	}
}

static void
check_err(const char *err, size_t len)
{
	size_t i, n = strnlen(err, len);

	if (n == len || n == 0)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7f)
			abort();
}

static void
check_build(struct cfn_stack *s)
{
	struct initcmd_opts o;
	struct desired *d = NULL, *d2 = NULL;
	char *text, *errors = NULL, *perr = NULL, *printed = NULL;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.stack = "fuzz";
	o.path = "-";
	o.now = 1764580000;
	/* the status rule is unit-tested: let every stack reach the outputs */
	snprintf(s->status, sizeof(s->status), "CREATE_COMPLETE");
	text = initcmd_build(s, &o, &errors);
	if ((text == NULL) == (errors == NULL))
		abort();
	if (text == NULL) {
		if (errors[0] == '\0' || errors[strlen(errors) - 1] != '\n')
			abort();
		for (i = 0; errors[i] != '\0'; i++)
			if (errors[i] != '\n' && ((unsigned char)errors[i] < 0x20 ||
			    (unsigned char)errors[i] >= 0x7f))
				abort();
		goto done;
	}
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] != '\n' && ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] >= 0x7f))
			abort();
	if ((d = desired_parse_string("fuzz", text, strlen(text), &perr)) == NULL) {
		fprintf(stderr, "init text refused:\n%s---\n%s", text, perr);
		abort();
	}
	if ((printed = desired_print(d)) == NULL ||
	    (d2 = desired_parse_string("printed", printed, strlen(printed),
	    NULL)) == NULL || !desired_equal(d, d2))
		abort();
done:
	desired_free(d);
	desired_free(d2);
	free(printed);
	free(perr);
	free(text);
	free(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfn_stack s;
	char err[256];

	if (cfn_parse_describe_stacks((const char *)data, size, &s, err,
	    sizeof(err)) == 0) {
		check_stack(&s);
		check_build(&s);
	} else {
		if (s.n_outputs != 0 || s.outputs != NULL || s.status[0] != '\0')
			abort();
		check_err(err, sizeof(err));
	}
	cfn_stack_free(&s);
	return 0;
}
