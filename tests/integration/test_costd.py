"""The daemon's monthly estimate (cost.h, cost_estimate_desired), the real
binary against moto: DescribeSpotPriceHistory at start, the figure in
/metrics equal to what `stingy-vpn cost --json` prints for the same world
(moto's placeholder prices are the same in every zone, so the running
instance's zone does not move it), the /status `cost` object, the
`stingy-vpn status` line; a failing price call keeps the daemon healthy.
"""
import json
import subprocess
import unittest

from harness import BIN, DaemonTest, wait_for

METRIC = "stingy_estimated_monthly_cost_dollars"


class CostDaemonTest(DaemonTest):

    def cli(self, *args):
        return subprocess.run([BIN] + list(args), env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=30)

    def test_estimate_matches_cost_command(self):
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: METRIC in self.metrics(), 15, what=METRIC)
        r = self.cli("cost", "--json", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        want = json.loads(r.stdout)
        total_micro = want["total_micro_usd_per_month"]
        self.assertEqual(round(self.metrics()[METRIC] * 1e6), total_micro)
        c = self.status()["cost"]
        self.assertEqual(c["total_micro"], total_micro)
        self.assertEqual(c["on_demand_micro"], want["on_demand"]["total_micro_usd_per_month"])
        self.assertEqual("%.2f" % c["total"], want["total_usd_per_month"])
        self.assertIsNotNone(c["as_of"])
        self.assertIsNone(c["last_error"])
        st = self.cli("status", "-c", self.conf)
        self.assertIn("cost         ~$%s/month (on-demand $%s)\n"
                      % (want["total_usd_per_month"], want["on_demand"]["total_usd_per_month"]),
                      st.stdout, st.stdout + st.stderr)
        self.assertEqual(self.stop_daemons_checked(), [])

    def test_price_failure_never_blocks(self):
        proxy = self.use_proxy()
        proxy.fail("DescribeSpotPriceHistory", "UnauthorizedOperation", 403)
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: proxy.count("DescribeSpotPriceHistory") >= 1, 15, what="price call")
        wait_for(lambda: self.world.instances(), 20, what="a launch all the same")
        self.assertNotIn(METRIC, self.metrics())
        self.assertIsNone(self.status()["cost"])
        self.assertGreaterEqual(
            self.metrics().get('stingy_aws_errors_total{service="ec2",code="UnauthorizedOperation"}',
                               0), 1)
        self.assertEqual(self.stop_daemons_checked(), [])


if __name__ == "__main__":
    unittest.main()
