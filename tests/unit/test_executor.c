/* test_executor: the pure parts of the executor. */
#include "t.h"
#include "executor.h"

static void
test_launch_error_class(void)
{
	static const struct {
		const char *code;
		long status;
		int transport;
		enum launch_error_class want;
	} cases[] = {
		{ "InsufficientInstanceCapacity", 500, 0, LAUNCH_ERR_CAPACITY },
		{ "InsufficientInstanceCapacity", 400, 0, LAUNCH_ERR_CAPACITY },
		{ "UnfulfillableCapacity", 400, 0, LAUNCH_ERR_CAPACITY },
		{ "InsufficientCapacity", 503, 0, LAUNCH_ERR_CAPACITY },
		{ "SpotCapacityNotAvailable", 400, 0, LAUNCH_ERR_CAPACITY },
		{ "InvalidLaunchTemplateId.NotFound", 400, 0, LAUNCH_ERR_CONFIG },
		{ "InvalidLaunchTemplateId.VersionNotFound", 400, 0, LAUNCH_ERR_CONFIG },
		{ "InvalidParameterValue", 400, 0, LAUNCH_ERR_CONFIG },
		{ "InvalidSubnetID.NotFound", 400, 0, LAUNCH_ERR_CONFIG },
		{ "UnauthorizedOperation", 403, 0, LAUNCH_ERR_CONFIG },
		{ "MaxSpotInstanceCountExceeded", 400, 0, LAUNCH_ERR_CONFIG },
		{ "SpotMaxPriceTooLow", 400, 0, LAUNCH_ERR_CONFIG },
		{ "VcpuLimitExceeded", 400, 0, LAUNCH_ERR_CONFIG },
		{ "RequestLimitExceeded", 503, 0, LAUNCH_ERR_AMBIGUOUS },
		{ "InternalError", 500, 0, LAUNCH_ERR_AMBIGUOUS },
		{ "Timeout", 0, 1, LAUNCH_ERR_AMBIGUOUS },
		{ "ConnectError", 0, 1, LAUNCH_ERR_AMBIGUOUS },
		{ "MalformedResponse", 200, 0, LAUNCH_ERR_AMBIGUOUS },
		{ "IdempotentParameterMismatch", 400, 0, LAUNCH_ERR_OTHER },
		{ NULL, 400, 0, LAUNCH_ERR_OTHER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_OK(executor_launch_error_class(cases[i].code, cases[i].status,
		    cases[i].transport) == cases[i].want, "case %zu: %s %ld",
		    i, cases[i].code ? cases[i].code : "(null)", cases[i].status);
}

int
main(void)
{
	T_RUN(test_launch_error_class);
	return t_done("test_executor");
}
