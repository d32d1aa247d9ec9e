"""The daemon against moto: it observes, ingests events, and reports health.

Each test gets its own moto on a free loopback port (see harness.py).
"""
import json
import os
import re
import signal
import subprocess
import time
import unittest

from harness import (BIN, DaemonTest, Moto, World, http_get, wait_for)


def metrics(test):
    """The daemon's /metrics as {name{labels}: value}."""
    status, body = http_get(test.url("/metrics"))
    test.assertEqual(status, 200, body)
    out = {}
    for line in body.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def spot_warning(instance_id, event_id="7a1f3c2e-5b8d-4e61-9f0a-2c4d6e8f1a3b"):
    return json.dumps({
        "version": "0", "id": event_id,
        "detail-type": "EC2 Spot Instance Interruption Warning", "source": "aws.ec2",
        "time": "2026-11-24T03:12:45Z", "region": "us-east-1", "resources": [],
        "detail": {"instance-id": instance_id, "instance-action": "terminate"}})


class ObserveTest(DaemonTest):
    def test_sees_instance_created_with_boto3(self):
        ours = self.world.run_instance()
        foreign = self.world.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                               InstanceType="t3.micro")["Instances"][0]["InstanceId"]
        self.start_daemon()
        self.wait_healthy()
        rows = wait_for(lambda: self.query(
            "SELECT instance_id, state, instance_type, endpoint, gone FROM instances"),
            what="instances row")
        self.assertEqual(rows, [(ours, "running", "t4g.nano", "vpn", 0)])
        self.assertNotIn(foreign, [r[0] for r in rows])

        # Gone from EC2 (terminated): the next describe marks it gone.
        self.world.ec2.terminate_instances(InstanceIds=[ours])
        self.daemons[0].stop()
        self.start_daemon(describe_interval="10s")
        wait_for(lambda: self.query("SELECT gone FROM instances WHERE instance_id=?",
                                    (ours,)) == [(1,)], what="instance marked gone")

    def test_describe_completes_during_long_poll(self):
        # The queue is empty and sqs_wait is 20 s: the first ReceiveMessage
        # stays outstanding while DescribeInstances runs twice (at start and
        # 10 s later) on the same loop.
        self.start_daemon(sqs_wait="20s", describe_interval="10s")
        self.wait_healthy()
        m = wait_for(lambda: (lambda m: m if m.get('stingy_describe_total{result="ok"}', 0) >= 2
                              else None)(metrics(self)), timeout=18, what="two describes")
        # The first poll is short (WaitTimeSeconds=0, so /healthz can turn
        # green at once); the second is the 20 s long poll, still outstanding.
        self.assertEqual(m['stingy_sqs_polls_total{result="ok"}'], 1.0)
        self.assertEqual(m["stingy_sqs_inflight"], 1.0)
        # And the long poll does complete afterwards.
        wait_for(lambda: metrics(self).get('stingy_sqs_polls_total{result="ok"}', 0) >= 2,
                 timeout=20, what="the long poll to complete")


class EventTest(DaemonTest):
    def test_event_from_eventbridge_is_recorded_and_deleted(self):
        iid = self.world.run_instance()
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: self.query("SELECT instance_id FROM instances"), what="instance seen")
        eid = self.world.put_event("EC2 Spot Instance Interruption Warning",
                                   {"instance-id": iid, "instance-action": "terminate"})
        rows = wait_for(lambda: self.query(
            "SELECT event_id, kind, instance_id FROM events"), what="event row")
        self.assertEqual(rows, [(eid, "spot-interruption", iid)])
        wait_for(lambda: self.world.queue_depth() == 0, what="message deleted")
        self.assertEqual(self.query("SELECT doomed_reason FROM instances WHERE instance_id=?",
                                    (iid,)), [("spot-interruption",)])

    def test_duplicates_are_recorded_once(self):
        iid = self.world.run_instance()
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: self.query("SELECT instance_id FROM instances"), what="instance seen")
        body = spot_warning(iid)
        self.world.sqs.send_message(QueueUrl=self.world.queue_url, MessageBody=body)
        self.world.sqs.send_message(QueueUrl=self.world.queue_url, MessageBody=body)
        wait_for(lambda: metrics(self).get("stingy_events_duplicate_total", 0) >= 1,
                 what="duplicate counted")
        wait_for(lambda: self.world.queue_depth() == 0, what="both deleted")
        self.assertEqual(len(self.query("SELECT * FROM events")), 1)

    def test_foreign_events_are_deleted_and_counted(self):
        self.start_daemon()
        self.wait_healthy()
        self.world.put_event("EC2 Spot Instance Interruption Warning",
                             {"instance-id": "i-0123456789abcdef0", "instance-action": "terminate"})
        wait_for(lambda: metrics(self).get("stingy_events_foreign_total", 0) == 1,
                 what="foreign event counted")
        wait_for(lambda: self.world.queue_depth() == 0, what="message deleted")
        self.assertEqual(self.query("SELECT count(*) FROM events"), [(0,)])

    def test_malformed_messages_are_quarantined_and_daemon_runs_on(self):
        iid = self.world.run_instance()
        self.start_daemon()
        self.wait_healthy()
        bad = ["this is not json", '{"id": 5}', '["an", "array"]',
               '{"version":"0","id":"x","source":"aws.ec2","detail-type":'
               '"EC2 Spot Instance Interruption Warning","detail":{"instance-id":"i-zz!"}}']
        for b in bad:
            self.world.sqs.send_message(QueueUrl=self.world.queue_url, MessageBody=b)
        rows = wait_for(lambda: (lambda r: r if len(r) == len(bad) else None)(
            self.query("SELECT body, reason FROM quarantine ORDER BY id")),
            what="quarantine rows")
        self.assertEqual(sorted(r[0] if isinstance(r[0], str) else r[0].decode() for r in rows),
                         sorted(bad))
        for _, reason in rows:
            self.assertTrue(reason.startswith("event: "), reason)
        wait_for(lambda: self.world.queue_depth() == 0, what="bad messages deleted")
        self.assertTrue(self.daemons[0].alive())
        # A good event after the bad ones still gets through.
        self.world.sqs.send_message(QueueUrl=self.world.queue_url, MessageBody=spot_warning(iid))
        wait_for(lambda: self.query("SELECT count(*) FROM events") == [(1,)], what="good event")
        self.assertEqual(metrics(self)["stingy_events_quarantined_total"], float(len(bad)))


class HealthTest(DaemonTest):
    def test_healthz_follows_the_emulator(self):
        self.start_daemon(sqs_wait="1s", health_max_age="30s", describe_interval="10s")
        self.wait_healthy()
        status, body = http_get(self.url("/healthz"))
        self.assertEqual((status, body.strip()), (200, "ok"))

        self.moto.stop()
        status, body = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(
            http_get(self.url("/healthz"))), timeout=45, what="/healthz 503")
        self.assertRegex(body.strip(), r"^(sqs|ec2): no successful (poll|describe) for \d+ s")
        self.assertEqual(len(body.strip().splitlines()), 1)
        self.assertTrue(self.daemons[0].alive())

        self.moto.start()
        self.world = World(self.moto)      # moto starts empty: the same queue again
        self.wait_healthy(timeout=45)
        status, body = http_get(self.url("/healthz"))
        self.assertEqual((status, body.strip()), (200, "ok"))

    def test_status_and_metrics(self):
        iid = self.world.run_instance()
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: self.query("SELECT instance_id FROM instances"), what="instance seen")
        status, body = http_get(self.url("/status"))
        self.assertEqual(status, 200)
        st = json.loads(body)
        self.assertEqual(st["endpoint"], "vpn")
        self.assertTrue(st["healthy"])
        self.assertIn(iid, [i["id"] for i in st["instances"]])
        self.assertNotIn("AWS_SECRET", body)
        self.assertNotIn("testsecretnotreal", body)
        m = metrics(self)
        self.assertEqual(m["stingy_healthy"], 1.0)
        self.assertEqual(m['stingy_instances{state="running"}'], 1.0)
        self.assertEqual(http_get(self.url("/nope"))[0], 404)


class LifecycleTest(DaemonTest):
    def test_sigterm_stops_cleanly_during_long_poll(self):
        d = self.start_daemon(sqs_wait="20s")
        self.wait_healthy()
        t = time.monotonic()
        self.assertEqual(d.stop(signal.SIGTERM), 0)
        self.assertLess(time.monotonic() - t, 10)
        self.assertIn("stopping", d.output())
        self.assertNotIn("testsecretnotreal", d.output())

    def test_sigint_stops_cleanly(self):
        d = self.start_daemon()
        self.wait_healthy()
        self.assertEqual(d.stop(signal.SIGINT), 0)

    def test_refuses_bad_config_with_every_error(self):
        self.write_conf(describe_interval="5 minutes")
        with open(self.conf) as f:
            text = f.read()
        # An unknown key in the endpoint section too: both are reported.
        text = text.replace("[endpoint vpn]\n", "[endpoint vpn]\ninstnace_types = t4g.nano\n")
        with open(self.conf, "w") as f:
            f.write(text)
        r = subprocess.run([BIN, "run", "-c", self.conf], env=self.env, capture_output=True,
                           text=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, re.escape(self.conf) + r":\d+: unknown key 'instnace_types'")
        self.assertRegex(r.stderr, re.escape(self.conf) + r":\d+: .*describe_interval")
        self.assertFalse(os.path.exists(self.db))

    def test_refuses_to_start_without_credentials(self):
        self.write_conf()
        env = {k: v for k, v in self.env.items() if not k.startswith("AWS_ACCESS")
               and not k.startswith("AWS_SECRET")}
        r = subprocess.run([BIN, "run", "-c", self.conf], env=env, capture_output=True,
                           text=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("credentials", r.stderr)

    def test_refuses_corrupt_state_file(self):
        self.write_conf()
        with open(self.db, "wb") as f:
            f.write(b"this is not an sqlite database, it is garbage" * 100)
        r = subprocess.run([BIN, "run", "-c", self.conf], env=self.env, capture_output=True,
                           text=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(self.db, r.stderr)
        with open(self.db, "rb") as f:
            self.assertTrue(f.read().startswith(b"this is not"))   # nothing lost

    def test_state_file_is_private(self):
        self.start_daemon()
        self.wait_healthy()
        self.assertEqual(os.stat(self.db).st_mode & 0o777, 0o600)


class NotifyTest(DaemonTest):
    def test_systemd_notify_ready_watchdog_stopping(self):
        import socket
        path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(15)
        self.addCleanup(sock.close)
        self.env["NOTIFY_SOCKET"] = path
        self.env["WATCHDOG_USEC"] = "1000000"      # a WATCHDOG=1 every 0.5 s
        d = self.start_daemon()
        first = sock.recv(4096).decode()
        self.assertIn("READY=1", first.split("\n"))
        got = [sock.recv(4096).decode() for _ in range(3)]
        self.assertEqual(got, ["WATCHDOG=1"] * 3)
        d.proc.send_signal(signal.SIGTERM)
        while True:
            msg = sock.recv(4096).decode()
            if msg != "WATCHDOG=1":
                break
        self.assertEqual(msg, "STOPPING=1")
        self.assertEqual(d.proc.wait(15), 0)


class ReloadTest(DaemonTest):
    def describe_interval(self):
        return json.loads(http_get(self.url("/status"))[1])["config"]["describe_interval_ms"]

    def test_edit_applies_and_bad_edit_is_refused(self):
        d = self.start_daemon(describe_interval="30s")
        self.wait_healthy()
        self.assertEqual(self.describe_interval(), 30000)
        # A good edit, picked up by the file watch without a signal.
        self.write_conf(describe_interval="45s")
        wait_for(lambda: self.describe_interval() == 45000, what="reload on change")
        # A bad edit, then SIGHUP: refused, the old configuration stays.
        with open(self.conf, "a") as f:
            f.write("bogus line without equals\n")
        d.proc.send_signal(signal.SIGHUP)
        st = wait_for(lambda: (lambda s: s if s["config"].get("last_reload_error") else None)(
            json.loads(http_get(self.url("/status"))[1])), what="reload error reported")
        self.assertIn(self.conf + ":", st["config"]["last_reload_error"])
        self.assertEqual(self.describe_interval(), 45000)
        self.assertTrue(d.alive())
        self.assertIn("keeping the running configuration", d.output())


if __name__ == "__main__":
    unittest.main()
