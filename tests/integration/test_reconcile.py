"""The reconciler and executor against moto: one healthy VPN instance kept
alive through interruptions, make before break, crash-safe.

Each test gets its own moto (harness.py). The daemon talks to it through
faultproxy.py, whose record shows what was sent and in which order; a
Bootstrapper plays the instance bootstrap (the stingy-vpn:ready tag) and an
AliveSampler watches that no more than max_instances are ever alive. Asserts
are on what AWS holds (boto3) and on the daemon's SQLite rows.
"""
import json
import os
import signal
import time
import unittest

from harness import DaemonTest, http_get, wait_for

MAX_INSTANCES = 2                   # the default of desired.conf


def spot_warning_body(instance_id, event_id, when="2026-11-24T03:12:45Z"):
    return json.dumps({
        "version": "0", "id": event_id,
        "detail-type": "EC2 Spot Instance Interruption Warning", "source": "aws.ec2",
        "time": when, "region": "us-east-1", "resources": [],
        "detail": {"instance-id": instance_id, "instance-action": "terminate"}})


def state_change_body(instance_id, state, event_id, when):
    return json.dumps({
        "version": "0", "id": event_id,
        "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
        "time": when, "region": "us-east-1", "resources": [],
        "detail": {"instance-id": instance_id, "state": state}})


def run_tags(params):
    """The instance tags of a RunInstances request, from its form fields."""
    tags = {}
    spec = 1
    while "TagSpecification.%d.ResourceType" % spec in params:
        if params["TagSpecification.%d.ResourceType" % spec] == "instance":
            n = 1
            while "TagSpecification.%d.Tag.%d.Key" % (spec, n) in params:
                tags[params["TagSpecification.%d.Tag.%d.Key" % (spec, n)]] = \
                    params.get("TagSpecification.%d.Tag.%d.Value" % (spec, n), "")
                n += 1
        spec += 1
    return tags


class ReconcileTest(DaemonTest):
    """Helpers: a world with an EIP, the proxy, the bootstrap and the sampler."""

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

    def start(self, **overrides):
        keys = {"elastic_ip": self.eip, "sqs_wait": "1s", "describe_interval": "10s"}
        keys.update(overrides)
        d = self.start_daemon(**keys)
        self.wait_healthy(timeout=30)
        return d

    def alive(self):
        return self.world.instances(states=("pending", "running"))

    def primary(self, exclude=()):
        """The one alive instance when it is ready and the EIP and SSM point
        at it, else None."""
        alive = self.alive()
        if len(alive) != 1:
            return None
        (iid, inst), = alive.items()
        if iid in exclude or "stingy-vpn:ready" not in inst["TagMap"]:
            return None
        if inst["State"]["Name"] != "running":
            return None
        if self.world.eip_instance(self.eip) != iid or self.world.ssm_value() != iid:
            return None
        return iid

    def wait_primary(self, exclude=(), timeout=60):
        return wait_for(lambda: self.primary(exclude), timeout=timeout, interval=0.25,
                        what="exactly one ready primary with the EIP and SSM on it"
                             " (not %s)" % (list(exclude),))

    def warn(self, iid):
        return self.world.put_event("EC2 Spot Instance Interruption Warning",
                                    {"instance-id": iid, "instance-action": "terminate"})

    def send(self, body):
        self.world.sqs.send_message(QueueUrl=self.world.queue_url, MessageBody=body)

    def runs(self):
        """RunInstances requests that moto carried out (answered 200), whether
        or not the daemon got the answer."""
        return [r for r in self.proxy.requests("RunInstances") if r.upstream_status == 200]

    def first(self, op, pred=lambda p: True):
        """The first recorded request of op whose params satisfy pred."""
        for r in self.proxy.requests(op):
            if pred(r.params):
                return r
        self.fail("no %s request matching the predicate in %s" % (
            op, [r.params for r in self.proxy.requests(op)]))

    def terminate_of(self, iid):
        return self.first("TerminateInstances",
                          lambda p: iid in [v for k, v in p.items() if k.startswith("InstanceId")])

    def event_ids(self):
        return {r[0] for r in self.query("SELECT event_id FROM events")}

    def assert_end_state(self, primary, ever):
        """Exactly one alive (primary); every other instance ever made is
        terminated; ever instances in all; never more than MAX_INSTANCES
        alive at once."""
        self.assertEqual(set(self.alive()), {primary})
        everything = self.world.instances(states=None)
        self.assertEqual(len(everything), ever, {i: v["State"]["Name"]
                                                 for i, v in everything.items()})
        for iid, inst in everything.items():
            if iid != primary:
                self.assertEqual(inst["State"]["Name"], "terminated", iid)
        self.sampler.sample()
        self.assertLessEqual(self.sampler.max_alive, MAX_INSTANCES, self.sampler.max_ids)
        self.assertGreater(self.sampler.samples, 10)


class FirstLaunchTest(ReconcileTest):
    def test_first_launch_from_empty_account(self):
        self.boot.delay = 1.0
        seen_at_send = []

        def intent_rows(rec):
            seen_at_send.append(self.query(
                "SELECT launch_id, state, instance_type, subnet_id FROM launch_intents"))
        self.proxy.hook("RunInstances", intent_rows, forward=True)
        self.start()
        iid = self.wait_primary()

        runs = self.runs()
        self.assertEqual(len(runs), 1)
        p = runs[0].params
        token = p["ClientToken"]
        self.assertEqual(p["LaunchTemplate.LaunchTemplateId"], self.world.launch_template)
        self.assertEqual(p["LaunchTemplate.Version"], "$Latest")
        self.assertEqual(p["InstanceType"], "t4g.nano")
        self.assertEqual(p.get("SubnetId") or p.get("NetworkInterface.1.SubnetId"),
                         self.world.subnets[0])
        self.assertEqual(p["InstanceMarketOptions.MarketType"], "spot")
        self.assertEqual(p["InstanceMarketOptions.SpotOptions.SpotInstanceType"], "one-time")
        self.assertEqual((p["MinCount"], p["MaxCount"]), ("1", "1"))
        want = {"stingy-vpn:endpoint": "vpn", "stingy-vpn:launch-id": token,
                "stingy-vpn:template": self.world.launch_template + ":$Latest",
                "Project": "stingy-vpn", "Name": "stingy-vpn-vpn"}
        tags = run_tags(p)
        self.assertEqual({k: tags.get(k) for k in want}, want)
        inst = self.world.instances()[iid]
        self.assertEqual({k: inst["TagMap"].get(k) for k in want}, want)
        self.assertEqual(inst["InstanceType"], "t4g.nano")

        # Intent before action: the row was committed when RunInstances left.
        self.assertEqual(len(seen_at_send), 1)
        self.assertEqual(len(seen_at_send[0]), 1, seen_at_send)
        lid, state, itype, subnet = seen_at_send[0][0]
        self.assertEqual((lid, itype, subnet), (token, "t4g.nano", self.world.subnets[0]))
        self.assertIn(state, ("pending", "sent"))
        self.assertEqual(self.query("SELECT launch_id, state, instance_id FROM launch_intents"),
                         [(token, "launched", iid)])

        # Ready first, then the EIP, then SSM.
        ready_at = [t for t, i in self.boot.tagged if i == iid][0]
        assoc = self.first("AssociateAddress")
        self.assertEqual((assoc.params["AllocationId"], assoc.params["InstanceId"]),
                         (self.eip, iid))
        self.assertEqual(assoc.params.get("AllowReassociation"), "true")
        put = self.first("PutParameter", lambda q: q.get("Value") == iid)
        self.assertEqual(put.params["Name"], "/stingy-vpn/instance-id")
        self.assertLess(ready_at, assoc.t)
        self.assertLess(assoc.t, put.t)
        self.assertEqual(self.proxy.count("TerminateInstances"), 0)

        actions = {r[0] for r in self.query("SELECT action FROM audit")}
        self.assertTrue({"launch", "associate-eip", "put-ssm"} <= actions, actions)
        self.assertEqual(http_get(self.url("/healthz"))[0], 200)
        m = self.metrics()
        self.assertEqual(m["stingy_launches_past_hour"], 1.0)
        st = self.status()
        self.assertEqual(st["endpoint_state"]["target"], iid)
        self.assertEqual(st["endpoint_state"]["eip_instance"], iid)
        self.assertEqual(st["endpoint_state"]["ssm_value"], iid)
        self.assert_end_state(iid, ever=1)
        self.assertEqual(self.sampler.max_alive, 1)

    def test_wait_ready_no_uses_a_running_instance(self):
        self.boot.pause()               # nobody tags it ready
        self.start(wait_ready="no")
        iid = wait_for(lambda: (lambda a: list(a)[0] if len(a) == 1 and
                                self.world.eip_instance(self.eip) in a and
                                self.world.ssm_value() in a else None)(self.alive()),
                       timeout=40, what="the EIP and SSM on the running instance")
        self.assertNotIn("stingy-vpn:ready", self.alive()[iid]["TagMap"])
        self.assertEqual(len(self.runs()), 1)


class InterruptionTest(ReconcileTest):
    def test_interruption_warning_is_make_before_break(self):
        self.start()
        old = self.wait_primary()
        eid = self.warn(old)
        new = self.wait_primary(exclude=(old,))

        run2 = self.runs()[1]
        assoc = self.first("AssociateAddress", lambda p: p["InstanceId"] == new)
        put = self.first("PutParameter", lambda p: p.get("Value") == new)
        term = self.terminate_of(old)
        # Launch, EIP, SSM, and only then the old one goes.
        self.assertLess(run2.t, assoc.t)
        self.assertLess(assoc.t, put.t)
        self.assertLess(put.t, term.t)
        # Both were running at once: the old one served until the cut-over.
        both = [s for _, s in self.sampler.history
                if s.get(old) == "running" and s.get(new) == "running"]
        self.assertTrue(both, self.sampler.history)
        self.assertEqual(self.proxy.count("TerminateInstances"), 1)
        self.assertIn(eid, self.event_ids())
        self.assertEqual(self.query("SELECT doomed_reason FROM instances WHERE instance_id=?",
                                    (old,)), [("spot-interruption",)])
        self.assert_end_state(new, ever=2)
        self.assertEqual(self.status()["interruptions_24h"], 1)

    def test_termination_without_warning_is_repaired_by_the_describe(self):
        self.start()
        old = self.wait_primary()
        self.world.ec2.terminate_instances(InstanceIds=[old])
        new = self.wait_primary(exclude=(old,), timeout=45)
        self.assertNotEqual(new, old)
        # No event told it: the queue carried nothing for the old instance.
        self.assertEqual(self.query("SELECT count(*) FROM events WHERE instance_id=?", (old,)),
                         [(0,)])
        self.assertEqual(len(self.runs()), 2)
        self.assertEqual(self.proxy.count("TerminateInstances"), 0)
        self.assert_end_state(new, ever=2)

    def test_rebalance_mark_then_replace(self):
        d = self.start(rebalance="mark")
        old = self.wait_primary()
        eid = self.world.put_event("EC2 Instance Rebalance Recommendation", {"instance-id": old})
        wait_for(lambda: eid in self.event_ids(), what="rebalance recorded")
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe after the rebalance")
        self.assertEqual(len(self.runs()), 1)           # only marked
        self.assertEqual(self.primary(), old)
        # rebalance = replace (the default) by SIGHUP: the mark now dooms it.
        self.write_conf(elastic_ip=self.eip, sqs_wait="1s", describe_interval="10s")
        d.proc.send_signal(signal.SIGHUP)
        new = self.wait_primary(exclude=(old,))
        self.assertLess(self.first("PutParameter", lambda p: p.get("Value") == new).t,
                        self.terminate_of(old).t)
        self.assert_end_state(new, ever=2)


class EventOrderTest(ReconcileTest):
    def test_duplicate_and_out_of_order_events(self):
        self.start()
        old = self.wait_primary()
        # The same warning delivered three times: one replacement.
        body = spot_warning_body(old, "0d1c2b3a-0000-4000-8000-000000000001")
        for _ in range(3):
            self.send(body)
        new = self.wait_primary(exclude=(old,))
        self.assertEqual(len(self.runs()), 2)
        wait_for(lambda: self.world.queue_depth() == 0, what="all three deleted")
        self.assertEqual(self.query("SELECT count(*) FROM events WHERE instance_id=?", (old,)),
                         [(1,)])

        # The old instance's state changes arrive late and out of order:
        # terminated, then the stale pending and running of its launch. None
        # may bring it back as primary or target.
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        self.send(state_change_body(old, "terminated", "0d1c2b3a-0000-4000-8000-000000000002",
                                    "2026-11-24T03:14:45Z"))
        self.send(state_change_body(old, "running", "0d1c2b3a-0000-4000-8000-000000000003",
                                    "2026-11-24T02:00:05Z"))
        self.send(state_change_body(old, "pending", "0d1c2b3a-0000-4000-8000-000000000004",
                                    "2026-11-24T02:00:00Z"))
        # A stale "pending" for the new one must not disturb it either.
        self.send(state_change_body(new, "pending", "0d1c2b3a-0000-4000-8000-000000000005",
                                    "2026-11-24T03:12:50Z"))
        wait_for(lambda: len(self.event_ids()) == 5, what="all five events recorded")
        wait_for(lambda: self.world.queue_depth() == 0, what="all deleted")
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe after the events")
        time.sleep(1)
        self.assertEqual(self.primary(), new)
        self.assertEqual(self.world.instances(states=None)[old]["State"]["Name"], "terminated")
        self.assertEqual(len(self.runs()), 2)
        moved = self.first("AssociateAddress", lambda p: p["InstanceId"] == new).t
        self.assertEqual([r.params["InstanceId"] for r in self.proxy.requests("AssociateAddress")
                          if r.t > moved and r.params["InstanceId"] != new], [])
        st = self.status()
        self.assertEqual(st["endpoint_state"]["target"], new)
        self.assertEqual(self.query("SELECT doomed_reason IS NULL FROM instances "
                                    "WHERE instance_id=?", (new,)), [(1,)])
        self.assertNotEqual(self.query("SELECT state FROM instances WHERE instance_id=?",
                                       (old,)), [("running",)])
        self.assert_end_state(new, ever=2)


class EipRaceTest(ReconcileTest):
    def test_a_late_address_read_does_not_undo_the_association(self):
        # Every DescribeAddresses answer comes 1.5 s late: a read started
        # before AssociateAddress returns after it, showing the EIP where it
        # was (on no instance). The association must not be sent again
        # because of that stale answer.
        self.proxy.delay("DescribeAddresses", seconds=1.5, when="after")
        self.start()
        iid = self.wait_primary()
        assoc = self.first("AssociateAddress").t
        # Every address read sent before the association has been answered.
        wait_for(lambda: time.monotonic() > assoc + 3, what="the late reads answered")
        self.assertTrue([r for r in self.proxy.requests("DescribeAddresses") if r.t < assoc])
        self.assertEqual(self.primary(), iid)
        self.assertEqual([r.params["InstanceId"] for r in self.proxy.requests("AssociateAddress")],
                         [iid])


class CrashTest(ReconcileTest):
    """kill -9 at each step of a replacement, then a restart."""

    def crash_at(self, op, when, check_dead=None):
        d1 = self.start(launch_budget="10")
        old = self.wait_primary()
        n_runs = len(self.runs())
        rule = self.proxy.hook(op, lambda r: os.kill(d1.proc.pid, signal.SIGKILL),
                               when=when, forward=False)
        e1 = self.warn(old)
        wait_for(lambda: not d1.alive(), timeout=60, what="the daemon killed at %s" % op)
        self.assertEqual(d1.proc.returncode, -signal.SIGKILL)
        self.assertEqual(rule.applied, 1)
        self.proxy.remove(rule)
        # An event while the daemon is down is not lost either. (It is put
        # once the dead daemon's last long poll has ended: a message handed
        # to a dead poller comes back only after the 60 s visibility timeout.)
        last = self.proxy.requests("ReceiveMessage")[-1].t
        wait_for(lambda: time.monotonic() > last + 1.5, what="the last long poll over")
        e2 = self.world.put_event("EC2 Instance Rebalance Recommendation", {"instance-id": old})
        self.assertIn(old, self.alive())                # the old one still serves
        if check_dead:
            check_dead(old, n_runs)
        self.start(launch_budget="10")
        new = self.wait_primary(exclude=(old,), timeout=90)
        wait_for(lambda: {e1, e2} <= self.event_ids(), what="both events recorded")
        self.assert_end_state(new, ever=2)
        self.assertEqual(self.query("SELECT count(*) FROM launch_intents "
                                    "WHERE state IN ('pending', 'sent')"), [(0,)])
        return old, new

    def test_kill_after_intent_commit(self):
        def dead(old, n_runs):
            rows = self.query("SELECT state, instance_id FROM launch_intents "
                              "WHERE state != 'launched'")
            self.assertEqual(len(rows), 1, rows)
            self.assertIn(rows[0][0], ("pending", "sent"))
            self.assertIsNone(rows[0][1])
            self.assertEqual(len(self.runs()), n_runs)  # it never reached EC2
            self.assertEqual(len(self.world.instances(states=None)), 1)
        old, new = self.crash_at("RunInstances", "before", dead)
        self.assertEqual(self.query("SELECT state FROM launch_intents WHERE instance_id IS NULL"),
                         [("abandoned",)])

    def test_kill_after_run_instances(self):
        made = []

        def dead(old, n_runs):
            # EC2 launched it; the daemon never heard back.
            others = [i for i in self.world.instances(states=None) if i != old]
            self.assertEqual(len(others), 1)
            made.append(others[0])
            rows = self.query("SELECT state, instance_id FROM launch_intents "
                              "WHERE state != 'launched'")
            self.assertEqual(len(rows), 1, rows)
            self.assertIn(rows[0][0], ("pending", "sent"))
        old, new = self.crash_at("RunInstances", "after", dead)
        # The tag lookup found it: no second launch.
        self.assertEqual(new, made[0])
        self.assertEqual(len(self.runs()), 2)
        lid = self.world.instances()[new]["TagMap"]["stingy-vpn:launch-id"]
        self.assertEqual(self.query("SELECT state, instance_id FROM launch_intents "
                                    "WHERE launch_id=?", (lid,)), [("launched", new)])

    def test_kill_after_eip_association(self):
        def dead(old, n_runs):
            others = [i for i in self.alive() if i != old]
            self.assertEqual(len(others), 1)
            self.assertEqual(self.world.eip_instance(self.eip), others[0])
            self.assertEqual(self.world.ssm_value(), old)
        old, new = self.crash_at("AssociateAddress", "after", dead)
        self.assertEqual(len(self.runs()), 2)

    def test_kill_before_ssm_put(self):
        def dead(old, n_runs):
            others = [i for i in self.alive() if i != old]
            self.assertEqual(len(others), 1)
            self.assertEqual(self.world.eip_instance(self.eip), others[0])
            self.assertEqual(self.world.ssm_value(), old)
        old, new = self.crash_at("PutParameter", "before", dead)
        self.assertEqual(len(self.runs()), 2)


class PoolTest(ReconcileTest):
    def test_capacity_error_falls_back_to_the_next_pool(self):
        rule = self.proxy.fail("RunInstances", "InsufficientInstanceCapacity", 500,
                               match=lambda p: p.get("InstanceType") == "t4g.nano",
                               message="There is no Spot capacity available that matches"
                                       " your request.")
        self.start()
        iid = self.wait_primary()
        self.assertEqual(self.alive()[iid]["InstanceType"], "t4g.micro")
        tried = [(r.params["InstanceType"], r.fault) for r in self.proxy.requests("RunInstances")]
        self.assertEqual(tried[-1], ("t4g.micro", None))
        nano = [r for r in self.proxy.requests("RunInstances")
                if r.params["InstanceType"] == "t4g.nano"]
        self.assertTrue(nano)
        self.assertTrue(all(r.fault == "error" for r in nano))
        # At most one intent per pool (type, subnet) of the failing type.
        pools = {(r.params["InstanceType"], r.params.get("SubnetId")) for r in nano}
        tokens = {r.params["ClientToken"] for r in nano}
        self.assertEqual(len(tokens), len(pools))
        self.assertLessEqual(len(pools), len(self.world.subnets))
        blocks = self.query("SELECT type, until > strftime('%s','now') FROM pool_blocks")
        self.assertIn(("t4g.nano", 1), blocks)
        self.assertEqual(self.query("SELECT count(*) FROM launch_intents WHERE state='failed'"),
                         [(len(tokens),)])
        # A replacement skips the cooling pool straight away.
        applied = rule.applied
        old = iid
        self.warn(old)
        new = self.wait_primary(exclude=(old,))
        self.assertEqual(self.alive()[new]["InstanceType"], "t4g.micro")
        self.assertEqual(rule.applied, applied)
        self.assert_end_state(new, ever=2)
        # A capacity error is about the pool, not a transient fault: each
        # pool is asked once, not retried with the same ClientToken.
        self.assertEqual(len(nano), len(pools),
                         [(r.params.get("SubnetId"), r.params["ClientToken"]) for r in nano])

    def test_launch_budget_reached_launches_nothing(self):
        self.start(launch_budget="2")
        a = self.wait_primary()
        self.warn(a)
        b = self.wait_primary(exclude=(a,))
        self.warn(b)                    # the third launch would pass the budget
        code, body = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(
            http_get(self.url("/healthz"))), timeout=30, what="/healthz 503")
        self.assertIn("budget", body)
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe past the budget")
        self.assertEqual(len(self.runs()), 2)
        self.assertEqual(self.metrics()["stingy_launches_past_hour"], 2.0)
        # Nothing serving is terminated without a replacement: b still serves.
        self.assertEqual(self.primary(), b)
        self.assertIn("budget", self.daemons[0].output())
        self.assertTrue(self.daemons[0].alive())


class EditTest(ReconcileTest):
    def reload(self, d, how, **overrides):
        keys = {"elastic_ip": self.eip, "sqs_wait": "1s", "describe_interval": "10s"}
        keys.update(overrides)
        self.write_conf(**keys)
        if how == "sighup":
            d.proc.send_signal(signal.SIGHUP)

    def test_instance_type_change_by_file_is_make_before_break(self):
        d = self.start()
        old = self.wait_primary()
        self.assertEqual(self.alive()[old]["InstanceType"], "t4g.nano")
        self.reload(d, "file", instance_types="t4g.micro, t4g.small")
        new = self.wait_primary(exclude=(old,))
        self.assertEqual(self.alive()[new]["InstanceType"], "t4g.micro")
        self.assertLess(self.first("PutParameter", lambda p: p.get("Value") == new).t,
                        self.terminate_of(old).t)
        self.assertTrue([s for _, s in self.sampler.history
                         if s.get(old) == "running" and s.get(new) == "running"])
        self.assert_end_state(new, ever=2)

    def test_disable_by_sighup_then_enable_by_file(self):
        d = self.start()
        old = self.wait_primary()
        self.reload(d, "sighup", enabled="no")
        wait_for(lambda: not self.alive(), timeout=30, what="no instance alive")
        # The endpoint stays: EIP allocation and SSM parameter are kept.
        addrs = self.world.ec2.describe_addresses(AllocationIds=[self.eip])["Addresses"]
        self.assertEqual(len(addrs), 1)
        self.assertEqual(self.world.ssm_value(), old)
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe while disabled")
        self.assertEqual(len(self.runs()), 1)
        self.assertEqual(self.alive(), {})
        self.reload(d, "file", enabled="yes")
        new = self.wait_primary(exclude=(old,))
        self.assertEqual(len(self.runs()), 2)
        self.assert_end_state(new, ever=2)
        self.assertEqual(self.sampler.max_alive, 1)

    def test_refused_template_version_leaves_the_vpn_alone(self):
        d = self.start()
        old = self.wait_primary()
        self.reload(d, "sighup", launch_template_version="99")
        wait_for(lambda: "VersionNotFound" in json.dumps(self.status().get("endpoint_state"))
                 + json.dumps(self.status().get("last_errors")),
                 timeout=30, what="the refusal in /status")
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe after the refusal")
        refused = [r for r in self.proxy.requests("RunInstances")
                   if r.params.get("LaunchTemplate.Version") == "99"]
        self.assertEqual(len(refused), 1)               # refused once, not hammered
        self.assertEqual(self.primary(), old)
        self.assertEqual(self.world.instances(states=None).keys(), {old})
        self.assertIn("VersionNotFound", d.output())
        self.assertTrue(d.alive())
        # Back to a good version: converges again (the old one is current).
        self.reload(d, "file", launch_template_version="$Latest")
        time.sleep(3)
        self.assertEqual(self.primary(), old)
        self.assertEqual(len(self.runs()), 1)

    def test_unknown_launch_template_is_refused(self):
        # moto fails an unknown template id with an internal error; AWS
        # answers InvalidLaunchTemplateId.NotFound, so the proxy does.
        bogus = "lt-0123456789abcdef0"
        self.proxy.fail("RunInstances", "InvalidLaunchTemplateId.NotFound", 400,
                        match=lambda p: p.get("LaunchTemplate.LaunchTemplateId") == bogus,
                        message="The specified launch template, with template ID %s, does "
                                "not exist." % bogus)
        d = self.start()
        old = self.wait_primary()
        self.reload(d, "file", launch_template=bogus)
        wait_for(lambda: "InvalidLaunchTemplateId.NotFound" in (
            self.status()["endpoint_state"].get("blocker") or ""), timeout=30,
                 what="the refusal as /status endpoint_state.blocker")
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 1,
                 timeout=25, what="a describe after the refusal")
        self.assertEqual(len([r for r in self.proxy.requests("RunInstances")
                              if r.params.get("LaunchTemplate.LaunchTemplateId") == bogus]), 1)
        self.assertEqual(self.primary(), old)
        self.assertEqual(self.world.instances(states=None).keys(), {old})
        self.assertIn("InvalidLaunchTemplateId.NotFound", d.output())
        self.assertIn(bogus, d.output())
        # /status names what was refused, not only AWS's (truncated) words.
        st = self.status()
        self.assertIn(bogus, st["endpoint_state"]["blocker"] + json.dumps(st["last_errors"]))


if __name__ == "__main__":
    unittest.main()
