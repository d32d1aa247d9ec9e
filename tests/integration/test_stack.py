"""The path a user takes, end to end against moto: deploy/stingy-vpn.yaml
deployed through CloudFormation, `stingy-vpn init --stack` writing
desired.conf from the stack's outputs, and the controller run on that file:
the first launch from the stack's launch template into the stack's subnets,
the Elastic IP and the SSM mirror, then a spot interruption warning sent
through the stack's EventBridge rule and queue, and the recovery.

A Bootstrapper thread plays the instance bootstrap (moto does not run user
data): it tags a running instance stingy-vpn:ready.
"""
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import (BIN, CREDS, REGION, Bootstrapper, Daemon, Moto, StackWorld,
                     free_port, http_get, wait_for)


class StackTest(unittest.TestCase):
    """One moto and one stack per test; the controller runs from what
    `stingy-vpn init --stack` wrote."""

    params = {"EndpointName": "home", "CreateElasticIp": "yes",
              "AlertEmail": "ops@example.com"}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stingy-stack-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.moto = Moto()
        self.moto.start()
        self.addCleanup(self.moto.stop)
        self.world = StackWorld(self.moto, stack="vpn-stack", params=self.params)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
                    "AWS_ENDPOINT_URL": self.moto.url, "AWS_REGION": REGION, "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(CREDS)
        self.conf = os.path.join(self.tmp, "desired.conf")
        self.db = os.path.join(self.tmp, "state.db")
        self.port = free_port()
        self.daemon = None

    def tearDown(self):
        if self.daemon is not None and self.daemon.alive():
            self.daemon.stop()

    def init(self, *extra):
        return subprocess.run(
            [BIN, "init", "--stack", "vpn-stack", "-c", self.conf, "--state-db", self.db,
             "--listen", "127.0.0.1:%d" % self.port] + list(extra),
            env=self.env, capture_output=True, text=True, timeout=60)

    def running(self):
        return sorted(self.world.instances(states=("pending", "running")))

    def test_init_then_launch_interruption_and_recovery(self):
        r = self.init()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o644)
        out = self.world.outputs
        with open(self.conf) as f:
            text = f.read()
        for key in ("QueueUrl", "LaunchTemplateId", "ElasticIpAllocationId", "SnsTopicArn"):
            self.assertIn(out[key], text, key)
        self.assertIn("[endpoint home]", text)

        boot = Bootstrapper(self.moto, "home", delay=0.5)
        boot.start()
        self.addCleanup(boot.stop)
        self.daemon = Daemon(self.conf, self.env).start()

        # First launch: from the stack's template, into one of its subnets.
        first = wait_for(lambda: (self.running() or [None])[0], 30, what="first launch")
        inst = self.world.instances()[first]
        self.assertIn(inst["SubnetId"], self.world.subnets)
        self.assertEqual(inst["TagMap"]["stingy-vpn:endpoint"], "home")
        self.assertTrue(inst["TagMap"]["stingy-vpn:template"].startswith(
            out["LaunchTemplateId"] + ":"), inst["TagMap"])
        eip = out["ElasticIpAllocationId"]
        wait_for(lambda: self.world.eip_instance(eip) == first, 30, what="EIP on first")
        wait_for(lambda: self.world.ssm_value() == first, 30, what="SSM mirror of first")
        wait_for(lambda: http_get("http://127.0.0.1:%d/healthz" % self.port)[0] == 200, 30,
                 what="/healthz 200")

        # The warning goes through the stack's EventBridge rule to its queue.
        self.world.put_event("EC2 Spot Instance Interruption Warning",
                             {"instance-id": first, "instance-action": "terminate"})
        second = wait_for(lambda: ([i for i in self.running() if i != first] or [None])[0],
                          30, what="replacement launch")
        self.assertIn(first, self.running(), "the old instance must serve until the cut-over")
        wait_for(lambda: self.world.eip_instance(eip) == second, 30, what="EIP on replacement")
        wait_for(lambda: self.world.ssm_value() == second, 30, what="SSM mirror of replacement")
        wait_for(lambda: self.running() == [second], 30, what="old instance terminated")
        wait_for(lambda: self.world.queue_depth() == 0, 30, what="queue drained")
        self.assertEqual(http_get("http://127.0.0.1:%d/healthz" % self.port)[0], 200)
        rc = self.daemon.stop()
        self.assertEqual(rc, 0, self.daemon.output()[-3000:])

    def test_stack_without_eip_or_topic(self):
        """The optional parts off: init leaves elastic_ip and sns_topic out and
        the controller still launches and mirrors the id."""
        self.moto.stop()
        self.moto = Moto()
        self.moto.start()
        self.addCleanup(self.moto.stop)
        self.env["AWS_ENDPOINT_URL"] = self.moto.url
        self.world = StackWorld(self.moto, stack="vpn-stack",
                                params={"EndpointName": "home", "CreateElasticIp": "no"})
        self.assertNotIn("ElasticIpAllocationId", self.world.outputs)
        self.assertNotIn("SnsTopicArn", self.world.outputs)
        r = self.init()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.conf) as f:
            text = f.read()
        self.assertNotIn("elastic_ip =", text)
        self.assertNotIn("sns_topic =", text)
        boot = Bootstrapper(self.moto, "home")
        boot.start()
        self.addCleanup(boot.stop)
        self.daemon = Daemon(self.conf, self.env).start()
        first = wait_for(lambda: (self.running() or [None])[0], 30, what="first launch")
        wait_for(lambda: self.world.ssm_value() == first, 30, what="SSM mirror")
        self.assertEqual(self.daemon.stop(), 0)


if __name__ == "__main__":
    unittest.main()
