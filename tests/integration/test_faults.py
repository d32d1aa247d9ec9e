"""Faults between the controller and AWS, injected by faultproxy.py.

ProxySelfTest checks the proxy itself through boto3 and raw HTTP; the
FaultTest cases run the daemon through it while every operation fails one way
or another for a while, then check that it kept running, did not hammer, and
converged with no duplicate instance once the faults stopped.
"""
import http.client
import json
import socket
import threading
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

import faultproxy
from faultproxy import FaultProxy
from harness import CREDS, REGION, DaemonTest, Moto, World, http_get, wait_for


def through(proxy, service, read_timeout=10):
    """A boto3 client for service that talks to moto through proxy, no retries."""
    cfg = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                 read_timeout=read_timeout, connect_timeout=5)
    return boto3.client(service, region_name=REGION, endpoint_url=proxy.url, config=cfg,
                        aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"])


def raw_post(proxy, target, body, timeout=5):
    """(status, body) of a JSON-protocol POST through the proxy, raw."""
    c = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=timeout)
    try:
        c.request("POST", "/", body=body, headers={
            "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/"
                             "aws4_request, SignedHeaders=host, Signature=00"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


class ProxySelfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.moto.start()
        cls.world = World(cls.moto)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.proxy = FaultProxy(self.moto.url).start()
        self.addCleanup(self.proxy.stop)

    def test_forwards_and_records(self):
        sqs, ec2, ssm = (through(self.proxy, s) for s in ("sqs", "ec2", "ssm"))
        sqs.send_message(QueueUrl=self.world.queue_url, MessageBody="hello")
        got = sqs.receive_message(QueueUrl=self.world.queue_url, WaitTimeSeconds=0)
        self.assertEqual([m["Body"] for m in got["Messages"]], ["hello"])
        sqs.delete_message(QueueUrl=self.world.queue_url,
                           ReceiptHandle=got["Messages"][0]["ReceiptHandle"])
        self.assertIsInstance(ec2.describe_instances()["Reservations"], list)
        self.assertEqual(ssm.get_parameter(Name="/stingy-vpn/instance-id")["Parameter"]["Value"],
                         "initial")
        recs = self.proxy.requests()
        self.assertEqual([(r.service, r.op, r.fault, r.status) for r in recs], [
            ("sqs", "SendMessage", None, 200), ("sqs", "ReceiveMessage", None, 200),
            ("sqs", "DeleteMessage", None, 200), ("ec2", "DescribeInstances", None, 200),
            ("ssm", "GetParameter", None, 200)])
        self.assertEqual(recs[0].params["QueueUrl"], self.world.queue_url)
        self.assertEqual(recs[0].params["MessageBody"], "hello")
        self.assertEqual(recs[3].params["Version"], "2016-11-15")
        self.assertEqual(recs[4].params["Name"], "/stingy-vpn/instance-id")
        self.assertEqual(self.proxy.count("ReceiveMessage"), 1)
        self.assertEqual(self.proxy.count(service="sqs"), 3)
        self.assertTrue(all(a.t <= b.t for a, b in zip(recs, recs[1:])))

    def test_ec2_error_for_one_type_only(self):
        ec2 = through(self.proxy, "ec2")
        rule = self.proxy.fail("RunInstances", "InsufficientInstanceCapacity", 500,
                               match=lambda p: p.get("InstanceType") == "t4g.nano")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                              InstanceType="t4g.nano")
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "InsufficientInstanceCapacity")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 500)
        ok = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                               InstanceType="t4g.micro")
        self.assertEqual(ok["Instances"][0]["InstanceType"], "t4g.micro")
        self.assertEqual(rule.applied, 1)
        self.assertEqual([(r.params["InstanceType"], r.fault, r.status)
                          for r in self.proxy.requests("RunInstances")],
                         [("t4g.nano", "error", 500), ("t4g.micro", None, 200)])
        self.proxy.remove(rule)
        ok = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                               InstanceType="t4g.nano")
        self.assertEqual(ok["Instances"][0]["InstanceType"], "t4g.nano")

    def test_run_instances_is_idempotent_on_client_token(self):
        ec2 = through(self.proxy, "ec2")
        args = dict(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t4g.nano")
        a = ec2.run_instances(ClientToken="tok-1", **args)["Instances"][0]["InstanceId"]
        b = ec2.run_instances(ClientToken="tok-1", **args)["Instances"][0]["InstanceId"]
        c = ec2.run_instances(ClientToken="tok-2", **args)["Instances"][0]["InstanceId"]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertEqual([(r.replayed, r.upstream_status) for r in self.proxy.requests()],
                         [(False, 200), (True, None), (False, 200)])
        # An answer lost on the way still counts: the retry gets the launch.
        self.proxy.truncate("RunInstances", times=1)
        with self.assertRaises(botocore.exceptions.BotoCoreError):
            ec2.run_instances(ClientToken="tok-3", **args)
        d = ec2.run_instances(ClientToken="tok-3", **args)["Instances"][0]["InstanceId"]
        self.assertEqual(self.proxy.requests()[-1].replayed, True)
        self.moto.client("ec2").terminate_instances(InstanceIds=[a, c, d])

    def test_throttle_times_and_skip(self):
        ec2 = through(self.proxy, "ec2")
        self.proxy.fail("DescribeInstances", "RequestLimitExceeded", 503, times=2, skip=1)
        ec2.describe_instances()                      # skipped: through
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                ec2.describe_instances()
            self.assertEqual(cm.exception.response["Error"]["Code"], "RequestLimitExceeded")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 503)
        ec2.describe_instances()                      # used up: through
        self.assertEqual([r.fault for r in self.proxy.requests()],
                         [None, "error", "error", None])

    def test_json_errors_for_sqs_and_ssm(self):
        sqs, ssm = through(self.proxy, "sqs"), through(self.proxy, "ssm")
        self.proxy.fail("ReceiveMessage", "QueueDoesNotExist", 400)
        self.proxy.fail("GetParameter", "ParameterNotFound", 400)
        self.proxy.fail("PutParameter", "InternalServerError", 500)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sqs.receive_message(QueueUrl=self.world.queue_url)
        self.assertEqual(cm.exception.response["Error"]["Code"], "QueueDoesNotExist")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ssm.get_parameter(Name="/stingy-vpn/instance-id")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ParameterNotFound")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ssm.put_parameter(Name="/x", Value="y", Type="String")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        status, body = raw_post(self.proxy, "AmazonSQS.ReceiveMessage", b"{}")
        self.assertEqual((status, json.loads(body)["__type"]),
                         (400, "com.amazonaws.sqs#QueueDoesNotExist"))

    def test_reset_truncate_garbage(self):
        self.proxy.reset("ReceiveMessage")
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected)):
            raw_post(self.proxy, "AmazonSQS.ReceiveMessage", b"{}")
        self.proxy.clear()
        q = json.dumps({"QueueUrl": self.world.queue_url, "AttributeNames": ["All"]}).encode()
        self.proxy.truncate("GetQueueAttributes")
        with self.assertRaises(http.client.IncompleteRead):
            raw_post(self.proxy, "AmazonSQS.GetQueueAttributes", q)
        self.proxy.clear()
        self.proxy.garbage("GetQueueAttributes")
        status, body = raw_post(self.proxy, "AmazonSQS.GetQueueAttributes", q)
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, body)
        self.proxy.clear()
        status, body = raw_post(self.proxy, "AmazonSQS.GetQueueAttributes", q)
        self.assertEqual(status, 200)
        self.assertIn("Attributes", json.loads(body))
        self.assertEqual([(r.fault, r.status, r.upstream_status) for r in self.proxy.requests()],
                         [("reset", None, None), ("truncate", 200, 200), ("garbage", 200, 200),
                          (None, 200, 200)])

    def test_stall_past_the_client_timeout_and_stop_releases_it(self):
        self.proxy.stall("ReceiveMessage", seconds=120)
        t = time.monotonic()
        with self.assertRaises(socket.timeout):
            raw_post(self.proxy, "AmazonSQS.ReceiveMessage", b"{}", timeout=0.5)
        self.assertEqual(self.proxy.requests()[0].fault, "stall")
        # A second stalled request still held, and an idle kept-alive
        # connection: stop() ends both and returns promptly.
        threading.Thread(target=lambda: self.assertRaises(
            OSError, raw_post, self.proxy, "AmazonSQS.ReceiveMessage", b"{}", 60),
            daemon=True).start()
        idle = socket.create_connection(("127.0.0.1", self.proxy.port))
        self.addCleanup(idle.close)
        wait_for(lambda: self.proxy.count() == 2, what="second request")
        # Removing the rule ends a stall too.
        self.proxy.stall("GetQueueUrl", seconds=120)
        late = []
        th = threading.Thread(target=lambda: late.append(self.assertRaises(
            (ConnectionResetError, http.client.RemoteDisconnected), raw_post, self.proxy,
            "AmazonSQS.GetQueueUrl", b"{}", 60)))
        th.start()
        wait_for(lambda: self.proxy.count("GetQueueUrl") == 1, what="third request")
        t2 = time.monotonic()
        self.proxy.clear()
        th.join(10)
        self.assertLess(time.monotonic() - t2, 5)
        self.assertEqual(len(late), 1)
        self.proxy.stop()
        self.assertLess(time.monotonic() - t, 15)
        self.assertEqual(self.proxy._conns, {})
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.proxy.port), timeout=1).close()

    def test_delay_forwards_late(self):
        sqs = through(self.proxy, "sqs")
        self.proxy.delay("GetQueueUrl", seconds=0.5)
        t = time.monotonic()
        url = sqs.get_queue_url(QueueName="stingy-vpn-events")["QueueUrl"]
        self.assertTrue(url.endswith("/123456789012/stingy-vpn-events"), url)
        self.assertGreaterEqual(time.monotonic() - t, 0.5)
        # Held after forwarding: the answer tells what was true when asked.
        direct = self.moto.client("sqs")
        self.proxy.clear()
        self.proxy.delay("ListQueues", seconds=1.0, when="after")
        got = []
        th = threading.Thread(target=lambda: got.append(sqs.list_queues(QueueNamePrefix="late")))
        th.start()
        wait_for(lambda: self.proxy.count("ListQueues") == 1, what="ListQueues sent")
        time.sleep(0.3)
        direct.create_queue(QueueName="late-queue")
        th.join(10)
        self.assertEqual(got[0].get("QueueUrls", []), [])
        self.assertEqual([(r.fault, r.status, r.upstream_status) for r in self.proxy.requests()],
                         [("delay", 200, 200), ("delay", 200, 200)])

    def test_hooks_before_and_after_forwarding(self):
        sqs = through(self.proxy, "sqs")
        direct = self.moto.client("sqs")
        seen = []
        self.proxy.hook("CreateQueue", lambda r: seen.append(("before", r.params["QueueName"])))
        with self.assertRaises(botocore.exceptions.BotoCoreError):
            sqs.create_queue(QueueName="hook-before")
        self.assertEqual(seen, [("before", "hook-before")])
        self.assertNotIn("hook-before", str(direct.list_queues().get("QueueUrls", [])))

        self.proxy.hook("CreateQueue", lambda r: seen.append(("after", r.params["QueueName"])),
                        when="after")
        with self.assertRaises(botocore.exceptions.BotoCoreError):
            sqs.create_queue(QueueName="hook-after")
        self.assertEqual(seen[-1], ("after", "hook-after"))
        self.assertEqual([(r.fault, r.status, r.upstream_status)
                          for r in self.proxy.requests("CreateQueue")],
                         [("hook", None, None), ("hook", None, 200)])
        self.assertIn("hook-after", str(direct.list_queues().get("QueueUrls", [])))

        self.proxy.hook("CreateQueue", lambda r: seen.append(("pass", r.params["QueueName"])),
                        forward=True)
        sqs.create_queue(QueueName="hook-forward")
        self.assertEqual(seen[-1], ("pass", "hook-forward"))
        # Each hook fired once (times=1); a failing hook is reported, not fatal.
        sqs.create_queue(QueueName="hook-none")
        self.assertEqual(len(seen), 3)
        self.proxy.hook("GetQueueUrl", lambda r: 1 / 0, forward=True)
        sqs.get_queue_url(QueueName="hook-none")
        self.assertEqual(len(self.proxy.hook_errors), 1)
        self.assertIn("ZeroDivisionError", self.proxy.hook_errors[0])

    def test_connections_are_bounded(self):
        old = faultproxy.MAX_CONNECTIONS
        faultproxy.MAX_CONNECTIONS = 3
        self.addCleanup(setattr, faultproxy, "MAX_CONNECTIONS", old)
        socks = [socket.create_connection(("127.0.0.1", self.proxy.port)) for _ in range(3)]
        for s in socks:
            self.addCleanup(s.close)
        wait_for(lambda: len(self.proxy._conns) == 3, what="three connections held")
        extra = socket.create_connection(("127.0.0.1", self.proxy.port))
        extra.settimeout(5)
        self.assertEqual(extra.recv(10), b"")     # closed at once
        extra.close()
        self.assertEqual(self.proxy.refused, 1)

    def test_rate_per_window(self):
        now = time.monotonic()
        p = self.proxy
        for dt in (0, 1, 2, 61, 62):
            r = faultproxy.Request("sqs", "ReceiveMessage", {})
            r.t = now + dt
            p._records.append(r)
        self.assertEqual(p.max_per_window(now, now + 120), 3.0)
        self.assertEqual(p.max_per_window(now, now + 30), 6.0)   # 3 in 30 s = 6 a minute
        self.assertEqual(p.max_per_window(now + 200, now + 300), 0.0)


class FaultTest(DaemonTest):
    """The daemon through the proxy while AWS calls fail for a while."""

    # What the daemon legitimately sends in a minute here: a ReceiveMessage
    # every sqs_wait = 2 s (30), a describe every 10 s with its address read
    # (12), each call retried up to 3 times with backoff. Without backoff a
    # failing poll alone runs to thousands a minute.
    MAX_PER_MINUTE = 120

    def setUp(self):
        super().setUp()
        self.proxy = self.use_proxy()
        self.eip = self.world.allocate_eip()
        self.boot = self.start_bootstrapper()
        self.sampler = self.start_sampler()

    def tearDown(self):
        self.sampler.stop()
        self.boot.stop()
        problems = self.stop_daemons_checked()
        failed = self._outcome_failed()
        super().tearDown()
        # A clean exit and no sanitizer report, checked once the test passed
        # (a failed test has its daemon logs printed already).
        if not failed:
            self.assertEqual(problems, [])

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
        return wait_for(lambda: self.primary(exclude), timeout=timeout, interval=0.5,
                        what="one ready primary with the EIP and SSM on it")

    def op_counts(self, start, end):
        out = {}
        for r in self.proxy.requests():
            if start <= r.t <= end:
                key = "%s:%s" % (r.op, r.fault)
                out[key] = out.get(key, 0) + 1
        return out

    def run_faults(self, phases, warn_at):
        """Converge; apply each (name, seconds, install[, until]) in turn
        for its seconds (or, with until, until until() is true, seconds at
        most), an interruption warning for the primary arriving warn_at s
        into the faults; clear; check the rate, then that it converges make
        before break with no duplicate instance."""
        self.d = self.start_daemon(elastic_ip=self.eip, sqs_wait="2s", describe_interval="10s")
        self.wait_healthy(timeout=30)
        first = self.wait_primary()
        start = time.monotonic()
        warned = None
        rates = []
        for name, secs, install, *until in phases:
            t = time.monotonic()
            self.proxy.clear()
            install(self.proxy)
            while time.monotonic() < t + secs and not (until and until[0]()):
                if warned is None and time.monotonic() >= start + warn_at:
                    warned = self.world.put_event(
                        "EC2 Spot Instance Interruption Warning",
                        {"instance-id": first, "instance-action": "terminate"})
                time.sleep(0.2)
            rates.append((name, self.op_counts(t, time.monotonic())))
            self.assertTrue(self.d.alive(), "daemon died during %s" % name)
        end = time.monotonic()
        self.proxy.clear()
        faulted = [r for r in self.proxy.requests(since=start) if r.t <= end]
        self.assertTrue([r for r in faulted if r.fault is not None])
        rate = self.proxy.max_per_window(start, end, 60.0)
        self.assertLess(rate, self.MAX_PER_MINUTE,
                        "%.0f requests a minute during the faults: %s" % (rate, rates))
        # The faults over: the warning is acted on, make before break.
        second = self.wait_primary(exclude=(first,), timeout=120)
        self.assertIn(warned, {r[0] for r in self.query("SELECT event_id FROM events")})
        everything = self.world.instances(states=None)
        self.assertEqual({i: v["State"]["Name"] for i, v in everything.items()},
                         {first: "terminated", second: "running"})       # no duplicate
        self.assertLessEqual(self.sampler.max_alive, 2, self.sampler.max_ids)
        self.assertEqual(self.query("SELECT state, count(*) FROM launch_intents "
                                    "WHERE state IN ('pending', 'sent', 'launched') "
                                    "GROUP BY state"), [("launched", 2)])
        self.assertTrue(self.d.alive())
        self.assertEqual(http_get(self.url("/healthz"))[0], 200)
        return rates

    def test_errors_resets_and_bad_answers(self):
        # Truncated and garbage answers come first: those requests reach
        # moto, and a ReceiveMessage whose answer is spoilt has taken its
        # messages out of sight for the visibility timeout (60 s), as on AWS.
        # The warning is put during the later phases, whose requests never
        # reach moto.
        self.run_faults([
            ("truncated", 7, lambda p: p.truncate(None)),
            ("garbage", 7, lambda p: p.garbage(None)),
            # EC2 throttles, SQS and SSM answer 500.
            ("throttle+500", 8, lambda p: (
                p.fail(None, "RequestLimitExceeded", 503, service="ec2"),
                p.fail(None, "InternalFailure", 500, service="sqs"),
                p.fail(None, "InternalServerError", 500, service="ssm"))),
            ("reset", 8, lambda p: p.reset(None)),
        ], warn_at=16)

    def test_lost_run_instances_answers_make_no_duplicate(self):
        # RunInstances reaches EC2 but its answer is spoilt: first garbage
        # with 200, then (next replacement) a truncated body. EC2 launched
        # both times; the daemon must find that launch (ClientToken retry
        # or launch-id tag lookup), never launch a second instance for it.
        self.d = self.start_daemon(elastic_ip=self.eip, sqs_wait="1s", describe_interval="10s")
        self.wait_healthy(timeout=30)
        first = self.wait_primary()
        self.proxy.garbage("RunInstances", times=1)
        self.world.put_event("EC2 Spot Instance Interruption Warning",
                             {"instance-id": first, "instance-action": "terminate"})
        second = self.wait_primary(exclude=(first,), timeout=90)
        self.proxy.truncate("RunInstances", times=1)
        self.world.put_event("EC2 Spot Instance Interruption Warning",
                             {"instance-id": second, "instance-action": "terminate"})
        third = self.wait_primary(exclude=(first, second), timeout=90)
        spoilt = [r for r in self.proxy.requests("RunInstances") if r.fault is not None]
        self.assertEqual([r.fault for r in spoilt], ["garbage", "truncate"])
        everything = self.world.instances(states=None)
        self.assertEqual({i: v["State"]["Name"] for i, v in everything.items()},
                         {first: "terminated", second: "terminated", third: "running"})
        # The spoilt launches are the ones that serve(d).
        for r, iid in zip(spoilt, (second, third)):
            self.assertEqual(everything[iid]["TagMap"]["stingy-vpn:launch-id"],
                             r.params["ClientToken"])
        self.assertLessEqual(self.sampler.max_alive, 2, self.sampler.max_ids)

    def test_stall_past_the_timeout(self):
        # The SQS long poll gives up after sqs_wait + 15 s, EC2 and SSM calls
        # after 30 s: every answer stalls long enough for both to give up.
        # Both are seen to give up (in the log), then the stall ends (the
        # requests still held are reset).
        def both_timed_out():
            log = self.d.output()
            return ("ec2 DescribeInstances: Timeout" in log
                    and "sqs: ReceiveMessage: Timeout" in log)
        self.run_faults([("stall", 50, lambda p: p.stall(None, seconds=120), both_timed_out)],
                        warn_at=10)
        self.assertTrue(both_timed_out(), "the stall ended before both timeouts")


if __name__ == "__main__":
    unittest.main()
