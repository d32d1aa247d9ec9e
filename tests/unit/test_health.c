#include "t.h"
#include "health.h"

static void
test_health_table(void)
{
	static const struct {
		time_t now, sqs, desc;
		const char *sqs_err, *desc_err, *blocker;
		int healthy;
		const char *reason;
	} cases[] = {
		{ 1000, 990, 980, NULL, NULL, NULL, 1, "ok" },
		{ 1000, 0, 980, NULL, NULL, NULL, 0, "sqs: no successful poll yet" },
		{ 1000, 0, 0, "ConnectError: refused", NULL, NULL, 0,
		  "sqs: no successful poll yet (last error: ConnectError: refused)" },
		{ 1000, 800, 990, "Timeout: x", NULL, NULL, 0,
		  "sqs: no successful poll for 200 s (last error: Timeout: x)" },
		{ 1000, 990, 0, NULL, NULL, NULL, 0, "ec2: no successful describe yet" },
		{ 1000, 990, 700, NULL, "AuthFailure: bad\nkey", NULL, 0,
		  "ec2: no successful describe for 300 s (last error: AuthFailure: bad key)" },
		{ 1000, 880, 880, NULL, NULL, NULL, 1, "ok" },	/* exactly max age */
		{ 1000, 879, 990, NULL, NULL, NULL, 0, "sqs: no successful poll for 121 s" },
		{ 1000, 990, 990, NULL, NULL, "launch budget exhausted", 0,
		  "launch budget exhausted" },
		{ 1000, 990, 990, "old error", "old", "", 1, "ok" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct health_input in = { .now = cases[i].now, .started = 1,
		    .last_sqs_ok = cases[i].sqs, .last_describe_ok = cases[i].desc,
		    .sqs_error = cases[i].sqs_err, .describe_error = cases[i].desc_err,
		    .max_age_s = 120, .blocker = cases[i].blocker };
		char reason[256];
		int h = health_eval(&in, reason, sizeof(reason));

		T_OK(h == cases[i].healthy, "case %zu: healthy %d", i, h);
		T_EQ_STR(reason, cases[i].reason);
	}
}

static void
test_health_truncates(void)
{
	struct health_input in = { .now = 10, .max_age_s = 5,
	    .sqs_error = "a very long error message that will not fit" };
	char reason[16];

	T_OK(health_eval(&in, reason, sizeof(reason)) == 0, "unhealthy");
	T_EQ_INT(strlen(reason), 15);
	T_OK(health_eval(&in, reason, 0) == 0, "zero-length buffer");
}

int
main(void)
{
	T_RUN(test_health_table);
	T_RUN(test_health_truncates);
	return t_done("test_health");
}
