/*
 * costcmd: `stingy-vpn cost`, what the endpoint of desired.conf costs a
 * month. It reads desired.conf, asks EC2 DescribeSpotPriceHistory for the
 * current Linux/UNIX spot prices of instance_types in the region (one event
 * base, one http client, one aws context, aws_call()'s standard retries,
 * every page), runs the model (cost.h) and prints its table or JSON.
 *
 * The subnets' zones are not looked up (the controller's policy has no
 * ec2:DescribeSubnets), so every zone AWS answers a price for is
 * considered. The controller's IAM user may call DescribeSpotPriceHistory:
 * deploy/stingy-vpn.yaml.in grants it on "*" (statement
 * DescribeHasNoResourceLevel).
 */
#ifndef COSTCMD_H
#define COSTCMD_H

/*
 * costcmd_parse_gb: a --data-gb value, decimal digits only, 0..
 * COST_MAX_DATA_GB, into *gb. Returns 0, or -1 for anything else.
 */
int costcmd_parse_gb(const char *s, long long *gb);

/*
 * costcmd_main: the `cost` subcommand; argv[0] is "cost".
 *
 *   stingy-vpn cost [-c FILE] [--data-gb N] [--json] [-v]
 *
 * -c defaults to $STINGY_VPN_CONF, else DESIRED_DEFAULT_PATH. Credentials
 * and endpoints are found as for run (profile from desired.conf).
 *
 * Exit status: 0 printed; 1 when AWS failed (the message names the call,
 * the region and AWS's error code) or answered no price for any of the
 * types; 2 on usage errors, a desired.conf that does not check, or no
 * credentials. Messages go to stderr as "stingy-vpn cost: ...";
 * nothing is printed on stdout unless the estimate is.
 */
int costcmd_main(int argc, char **argv);

#endif
