"""/metrics in the Prometheus text format (issue 6).

PromFmtTest checks the validator (promfmt.py) itself: it takes well-formed
exposition and refuses each kind of broken one. MetricsTest runs the real
daemon against moto, through faultproxy.py, across a first launch and an
interruption with its replacement, then validates the whole /metrics page
with promfmt and checks the values against what the proxy saw.
"""
import math
import time
import unittest
import urllib.request

import promfmt
from harness import DaemonTest, wait_for

GOOD = """\
# HELP up_total things that happened, with a \\\\ and a \\n in the help
# TYPE up_total counter
up_total{result="ok"} 3
up_total{result="error",why="a \\"quote\\", a \\\\ and a \\n"} 0
# a plain comment
# HELP temp_celsius a gauge
# TYPE temp_celsius gauge
temp_celsius -1.5e3
temp_celsius{room="x"} NaN
temp_celsius{room="y"} +Inf
temp_celsius{room="z"} -Inf 1700000000000
# HELP lat_seconds a histogram
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.001"} 1
lat_seconds_bucket{le="1e-02"} 2
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 1.25
lat_seconds_count 3
lat_seconds_bucket{path="/x",le="0.001"} 0
lat_seconds_bucket{path="/x",le="1e-02"} 0
lat_seconds_bucket{path="/x",le="+Inf"} 0
lat_seconds_sum{path="/x"} 0
lat_seconds_count{path="/x"} 0
# HELP empty_total a family with no samples yet
# TYPE empty_total counter
"""


def broken(find, replace, count=1):
    assert find in GOOD, find
    return GOOD.replace(find, replace, count)


class PromFmtTest(unittest.TestCase):
    def test_accepts_good(self):
        e = promfmt.parse(GOOD)
        self.assertEqual(e.value("up_total", result="ok"), 3)
        self.assertEqual(e.value("up_total", result="error", why='a "quote", a \\ and a \n'), 0)
        self.assertEqual(e.families["up_total"].help,
                         "things that happened, with a \\ and a \n in the help")
        self.assertTrue(math.isnan(e.value("temp_celsius", room="x")))
        self.assertEqual(e.value("temp_celsius", room="y"), math.inf)
        self.assertEqual(e.value("temp_celsius"), -1500)
        self.assertEqual(e.families["lat_seconds"].type, "histogram")
        self.assertEqual(e.samples("empty_total"), [])
        self.assertEqual(promfmt.parse("").families, {})
        self.assertEqual(promfmt.parse(GOOD.encode()).value("lat_seconds_count"), 3)

    def assertRefused(self, text, why, strict=True):
        with self.assertRaises(promfmt.PromFormatError) as cm:
            promfmt.parse(text, strict=strict)
        self.assertIn(why, str(cm.exception))

    def test_refuses_broken(self):
        cases = [
            # HELP and TYPE
            (broken("# TYPE up_total counter\n", ""), "before any TYPE"),
            (broken("# HELP temp_celsius a gauge\n", ""), "not right after its HELP"),
            (broken("# TYPE temp_celsius gauge\n", "# TYPE temp_celsius gauge\n"
                    "# TYPE temp_celsius gauge\n"), "TYPE temp_celsius twice"),
            (GOOD + "# TYPE up_total counter\n", "TYPE up_total twice"),
            (GOOD + "# HELP up_total again\n", "HELP up_total twice"),
            (broken("# TYPE temp_celsius gauge", "# TYPE temp_celsius gauges"), "unknown type"),
            (broken("# HELP up_total", "# HELP up-total"), "bad metric name"),
            (broken("with a \\\\ and", "with a \\x and"), "bad escape in HELP"),
            (broken("# HELP up_total", "# HELP up").replace(
                "# TYPE up_total counter", "# TYPE up counter"), "does not end in _total"),
            # names and labels
            (broken('up_total{result="ok"} 3', '9up_total{result="ok"} 3'), "bad metric name"),
            (broken('up_total{result="ok"} 3', 'up_total{re-sult="ok"} 3'), "expected ="),
            (broken('up_total{result="ok"} 3', 'up_total{__name="ok"} 3'), "reserved"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok",result="x"} 3'), "twice"),
            (broken('up_total{result="ok"} 3', 'up_total{result="o\\k"} 3'), "bad escape"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok} 3'), "not closed"),
            (broken('up_total{result="ok"} 3', 'up_total{result=ok} 3'), "expected ="),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok" x="y"} 3'),
             "expected , or }"),
            (broken('up_total{result="ok"} 3', 'up_total{result="a\nb"} 3'), "not closed"),
            # values
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} three'), "not a float"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} inf'), "not a float"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"}'), "bad character"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} 3 12.5'), "timestamp"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} 3 1 2'), "expected a value"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"}  3'), "single spaces"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} -3'), "counter up_total is"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok"} NaN'), "counter up_total is"),
            (broken('temp_celsius -1.5e3', 'temp_celsius -1.5e3\ntemp_celsius 2'), "twice"),
            (broken('up_total{result="ok"} 3', 'up_total{result="ok",x="1"} 3\n'
                    'up_total{x="1",result="ok"} 4'), "twice"),
            # groups
            (GOOD + 'up_total{result="late"} 1\n', "resumed"),
            # histograms
            (broken('lat_seconds_bucket{le="1e-02"} 2', 'lat_seconds_bucket{le="1e-02"} 0'),
             "not cumulative"),
            (broken('lat_seconds_bucket{le="+Inf"} 3\n', ''), "no +Inf bucket"),
            (broken('lat_seconds_count 3', 'lat_seconds_count 4'), "!= _count"),
            (broken('lat_seconds_count 3\n', ''), "_count or _sum missing"),
            (broken('lat_seconds_sum 1.25\n', ''), "_count or _sum missing"),
            (broken('lat_seconds_bucket{le="0.001"} 1', 'lat_seconds_bucket 1'), "without le"),
            (broken('lat_seconds_bucket{le="0.001"} 1', 'lat_seconds_bucket{le="x"} 1'),
             "not a float"),
            (broken('lat_seconds_sum 1.25', 'lat_seconds_sum{le="1"} 1.25'), "le label on"),
            (broken('lat_seconds_bucket{le="0.001"} 1', 'lat_seconds_bucket{le="0.01"} 1'),
             "an le twice"),
            (broken('lat_seconds_bucket{le="0.001"} 1', 'lat_seconds_bucket{le="0.001"} 1.5'),
             "not a count"),
            (broken('lat_seconds_bucket{le="0.001"} 1\nlat_seconds_bucket{le="1e-02"} 2',
                    'lat_seconds_bucket{le="1e-02"} 2\nlat_seconds_bucket{le="0.001"} 1'),
             "not in le order"),
            (broken('temp_celsius{room="x"} NaN', 'temp_celsius{room="x",le="1"} 1'),
             "le label outside"),
            # the text itself
            (GOOD.rstrip("\n"), "no newline"),
            (broken("# a plain comment\n", "\n"), "empty line"),
            (broken("temp_celsius -1.5e3", "temp_celsius -1.5e3\r"), "carriage return"),
        ]
        for text, why in cases:
            with self.subTest(why=why):
                self.assertRefused(text, why)
        self.assertRefused(b"# HELP a_total \xff\n", "not UTF-8")
        # strict=False still refuses what the format itself forbids
        self.assertRefused(broken('lat_seconds_count 3', 'lat_seconds_count 4'), "!= _count",
                           strict=False)
        self.assertRefused(broken('up_total{result="ok"} 3', 'up_total{result="o\\k"} 3'),
                           "bad escape", strict=False)
        lax = promfmt.parse("no_type 1\n\n# TYPE up counter\nup\t2\n", strict=False)
        self.assertEqual(lax.value("up"), 2)
        self.assertEqual(lax.families["no_type"].type, "untyped")


def spot_warning(world, iid):
    return world.put_event("EC2 Spot Instance Interruption Warning",
                           {"instance-id": iid, "instance-action": "terminate"})


class MetricsTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.proxy = self.use_proxy()
        self.eip = self.world.allocate_eip()
        self.boot = self.start_bootstrapper()

    def tearDown(self):
        self.boot.stop()
        problems = self.stop_daemons_checked()
        failed = self._outcome_failed()
        super().tearDown()
        if not failed:
            self.assertEqual(problems, [])

    def scrape(self):
        """/metrics validated: (Exposition, raw text); fails on a bad page."""
        with urllib.request.urlopen(self.url("/metrics"), timeout=5) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"],
                             "text/plain; version=0.0.4; charset=utf-8")
            body = r.read()
        try:
            return promfmt.parse(body), body.decode()
        except promfmt.PromFormatError as e:
            self.fail("/metrics is not valid exposition: %s\n%s" % (e, body.decode()))

    def primary(self, exclude=()):
        alive = self.world.instances(states=("pending", "running"))
        if len(alive) != 1:
            return None
        (iid, inst), = alive.items()
        if iid in exclude or "stingy-vpn:ready" not in inst["TagMap"]:
            return None
        if self.world.eip_instance(self.eip) != iid or self.world.ssm_value() != iid:
            return None
        return iid

    def wait_primary(self, exclude=(), timeout=60):
        return wait_for(lambda: self.primary(exclude), timeout=timeout, interval=0.25,
                        what="one ready primary with the EIP and SSM on it")

    def test_metrics_through_launch_and_interruption(self):
        t0 = time.time()
        self.start_daemon(elastic_ip=self.eip, sqs_wait="1s", describe_interval="10s")
        self.wait_healthy(timeout=30)
        old = self.wait_primary()
        spot_warning(self.world, old)
        new = self.wait_primary(exclude=(old,))
        # The old one is terminated after the cut-over; wait for its answer.
        wait_for(lambda: self.scrape()[0].value("stingy_terminations_total", result="ok") >= 1,
                 timeout=30, what="the old instance terminated")
        wait_for(lambda: self.scrape()[0].value("stingy_primary_info", 0, instance_id=new,
                                                instance_type="t4g.nano",
                                                az=self.world.instances()[new]
                                                ["Placement"]["AvailabilityZone"]) == 1,
                 timeout=30, what="stingy_primary_info on the new instance")
        e, text = self.scrape()
        t1 = time.time()

        types = {name: f.type for name, f in e.families.items()}
        for name, t in {
                "stingy_instances": "gauge", "stingy_interruptions_total": "counter",
                "stingy_interruptions_24h": "gauge", "stingy_primary_info": "gauge",
                "stingy_launches_total": "counter", "stingy_terminations_total": "counter",
                "stingy_eip_associations_total": "counter", "stingy_ssm_puts_total": "counter",
                "stingy_events_by_type_total": "counter",
                "stingy_reconcile_duration_seconds": "histogram",
                "stingy_sqs_last_ok_timestamp_seconds": "gauge",
                "stingy_describe_last_ok_timestamp_seconds": "gauge",
                "stingy_aws_requests_total": "counter", "stingy_aws_errors_total": "counter",
                # kept from before issue 6
                "stingy_events_total": "counter", "stingy_sqs_polls_total": "counter",
                "stingy_describe_total": "counter", "stingy_reconciles_total": "counter"}.items():
            self.assertEqual(types.get(name), t, name)
        # The daemon's estimate (DescribeSpotPriceHistory at start) and the peer list.
        self.assertEqual(types.get("stingy_estimated_monthly_cost_dollars"), "gauge")
        self.assertEqual(types.get("stingy_peers"), "gauge")
        self.assertEqual(types.get("stingy_peers_in_sync"), "gauge")
        self.assertNotIn("stingy_dns_last_sync_timestamp_seconds", types)   # no [dns]

        v = e.value
        self.assertEqual(v("stingy_launches_total", result="ok"), 2)
        for r in ("capacity", "config", "error"):
            self.assertEqual(v("stingy_launches_total", result=r), 0, r)
        self.assertEqual(v("stingy_interruptions_total"), 1)
        self.assertEqual(v("stingy_interruptions_24h"), 1)
        self.assertEqual(v("stingy_events_by_type_total", type="interruption", result="new"), 1)
        self.assertEqual(v("stingy_events_by_type_total", type="interruption",
                           result="duplicate"), 0)
        self.assertEqual(v("stingy_events_total"), sum(
            val for lab, val in e.series("stingy_events_by_type_total")
            if lab["result"] == "new"))
        self.assertEqual(v("stingy_terminations_total", result="ok"), 1)
        self.assertEqual(v("stingy_terminations_total", result="error"), 0)
        self.assertGreaterEqual(v("stingy_eip_associations_total", result="ok"), 2)
        self.assertGreaterEqual(v("stingy_ssm_puts_total", result="ok"), 2)
        self.assertEqual(v("stingy_instances", state="running"), 1)
        self.assertEqual([lab for lab, val in e.series("stingy_primary_info")],
                         [{"instance_id": new, "instance_type": "t4g.nano",
                           "az": self.world.instances()[new]["Placement"]["AvailabilityZone"]}])

        count = v("stingy_reconcile_duration_seconds_count")
        self.assertGreater(count, 0)
        self.assertEqual(count, v("stingy_reconcile_duration_seconds_bucket", le="+Inf"))
        self.assertLessEqual(count, v("stingy_reconciles_total"))
        self.assertGreater(v("stingy_reconcile_duration_seconds_sum"), 0)
        self.assertLess(v("stingy_reconcile_duration_seconds_sum") / count, 0.01)

        # Every RunInstances the proxy saw, counted once (no retries here).
        self.assertEqual(self.proxy.count("RunInstances"), 2)
        self.assertEqual(v("stingy_aws_requests_total", service="ec2", action="RunInstances"), 2)
        self.assertEqual(v("stingy_aws_requests_total", service="ec2",
                           action="TerminateInstances"), 1)
        self.assertGreaterEqual(v("stingy_aws_requests_total", service="sqs",
                                  action="ReceiveMessage"), 2)
        self.assertGreaterEqual(v("stingy_aws_requests_total", service="ssm",
                                  action="PutParameter"), 2)
        reqs = sum(val for _, val in e.series("stingy_aws_requests_total"))
        self.assertLessEqual(reqs, self.proxy.count())
        # The one 4xx expected: the peer list's first read, before the
        # daemon ever put it (reconcile rule 11), is ParameterNotFound.
        self.assertEqual([s for s in e.series("stingy_aws_errors_total")
                          if s[0] != {"service": "ssm", "code": "ParameterNotFound"}], [])

        for name in ("stingy_sqs_last_ok_timestamp_seconds",
                     "stingy_describe_last_ok_timestamp_seconds"):
            self.assertGreaterEqual(v(name), math.floor(t0), name)
            self.assertLessEqual(v(name), t1 + 1, name)
        self.assertIn("# TYPE stingy_reconcile_duration_seconds histogram\n", text)

        # 503s from "AWS": SQS's long poll is tried once, so the poll fails;
        # DescribeInstances is retried, so the round succeeds. Each failed
        # attempt counts as an error, each attempt as a request.
        polls = v("stingy_aws_requests_total", service="sqs", action="ReceiveMessage")
        describes = v("stingy_aws_requests_total", service="ec2", action="DescribeInstances")
        describe_errors = v("stingy_describe_total", result="error")
        rule = self.proxy.fail("ReceiveMessage", "ServiceUnavailable", 503, times=1)
        wait_for(lambda: rule.applied == 1, timeout=20, what="the SQS 503 sent")
        rule = self.proxy.fail("DescribeInstances", "ServiceUnavailable", 503, times=1)
        wait_for(lambda: rule.applied == 1, timeout=30, what="the EC2 503 sent")

        def both_counted():
            x = self.scrape()[0]
            return x if (x.value("stingy_aws_errors_total", 0, service="sqs",
                                 code="ServiceUnavailable") == 1 and
                         x.value("stingy_aws_errors_total", 0, service="ec2",
                                 code="ServiceUnavailable") == 1 and
                         x.value("stingy_describe_total", result="ok") >
                         v("stingy_describe_total", result="ok")) else None
        e = wait_for(both_counted, timeout=30, what="both 503s counted")
        self.assertEqual(e.value("stingy_sqs_polls_total", result="error"), 1)
        self.assertEqual(e.value("stingy_describe_total", result="error"), describe_errors)
        self.assertGreaterEqual(e.value("stingy_aws_requests_total", service="sqs",
                                        action="ReceiveMessage"), polls + 2)
        self.assertGreaterEqual(e.value("stingy_aws_requests_total", service="ec2",
                                        action="DescribeInstances"), describes + 2)
        # No answer at all: code network. curl quietly resends a request
        # whose reused connection dies, so reset until one is seen.
        rule = self.proxy.reset("ReceiveMessage")
        e = wait_for(lambda: (lambda x: x if x.value("stingy_aws_errors_total", 0,
                                                     service="sqs", code="network") >= 1
                              else None)(self.scrape()[0]),
                     timeout=20, what="a reset counted")
        self.proxy.remove(rule)
        # (ssm: the peer list's first read, ParameterNotFound.)
        action = {"sqs": "ReceiveMessage", "ec2": "DescribeInstances", "ssm": "GetParameter"}
        for labels, n in e.series("stingy_aws_errors_total"):
            self.assertLessEqual(n, e.value("stingy_aws_requests_total", service=labels["service"],
                                            action=action[labels["service"]]), labels)
        self.assertEqual(e.value("stingy_healthy"), 1)

if __name__ == "__main__":
    unittest.main()
