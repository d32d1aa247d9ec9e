"""make demo: the whole loop against a local AWS emulator (moto), narrated.

Starts moto on a free loopback port and deploys the AWS side into it the way
a user does on AWS: deploy/stingy-vpn.yaml through CloudFormation (VPC,
subnets, security group, launch template, EventBridge rules, SQS queue with
its dead-letter queue, Elastic IP, SNS topic, SSM parameter, the
controller's IAM user). `stingy-vpn init --stack` writes desired.conf from
the stack's outputs, then the real daemon runs on that file and the demo
shows: the first launch, a spot interruption
warning sent through EventBridge put-events, the make-before-break
replacement, the Elastic IP moving and the SSM mirror updating, then the old
instance terminated. A small thread plays the instance bootstrap, which on
AWS tags the instance stingy-vpn:ready once WireGuard is up. Everything it
starts, it stops. Nothing leaves 127.0.0.1.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
from harness import (BIN, CREDS, REGION, Bootstrapper, Daemon, Moto,  # noqa: E402
                     StackWorld, free_port, http_get, wait_for)

T0 = time.monotonic()


def say(msg):
    print("[%s +%6.2fs] %s" % (time.strftime("%H:%M:%S"), time.monotonic() - T0, msg),
          flush=True)


class Demo:
    def __init__(self, tmp):
        self.tmp = tmp
        self.moto = Moto()
        self.daemon = None
        self.boot = None

    def status(self):
        return json.loads(http_get("http://127.0.0.1:%d/status" % self.port)[1])

    def running(self):
        return sorted(self.world.instances(states=("pending", "running")).keys())

    def show(self):
        for iid, i in sorted(self.world.instances(states=None).items()):
            say("    %s  %-13s %s  ready=%s" % (
                iid, i["State"]["Name"], i["InstanceType"],
                "yes" if "stingy-vpn:ready" in i["TagMap"] else "no"))
        say("    Elastic IP %s -> %s;  SSM /stingy-vpn/instance-id = %s" % (
            self.eip_address, self.world.eip_instance(self.eip) or "(none)",
            self.world.ssm_value()))

    def run(self):
        say("starting the AWS emulator (moto) on %s" % self.moto.url)
        self.moto.start()
        say("deploying deploy/stingy-vpn.yaml into it through CloudFormation "
            "(stack vpn-stack, EndpointName=vpn, CreateElasticIp=yes)")
        self.world = StackWorld(self.moto, stack="vpn-stack",
                                params={"EndpointName": "vpn", "CreateElasticIp": "yes"})
        out = self.world.outputs
        self.eip = out["ElasticIpAllocationId"]
        self.eip_address = out["ElasticIp"]
        say("stack CREATE_COMPLETE: launch template %s, subnets %s, queue %s, "
            "Elastic IP %s (%s), SSM %s/instance-id = %s"
            % (out["LaunchTemplateId"], out["SubnetIds"], out["QueueUrl"].rsplit("/", 1)[-1],
               self.eip, self.eip_address, out["SsmPrefix"], self.world.ssm_value()))
        self.boot = Bootstrapper(self.moto, delay=2.0)
        self.boot.start()
        say("on AWS the instance bootstrap tags an instance stingy-vpn:ready once "
            "WireGuard is up; here a helper thread does that 2 s after it runs")

        self.port = free_port()
        conf = os.path.join(self.tmp, "desired.conf")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": self.tmp,
               "AWS_ENDPOINT_URL": self.moto.url, "AWS_REGION": REGION}
        env.update(CREDS)
        cmd = [BIN, "init", "--stack", "vpn-stack", "-c", conf,
               "--state-db", os.path.join(self.tmp, "state.db"),
               "--listen", "127.0.0.1:%d" % self.port]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError("stingy-vpn init failed: %s" % r.stderr.strip())
        say("wrote desired.conf from the stack's outputs: stingy-vpn init --stack vpn-stack")
        with open(conf) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    say("    " + line.rstrip())
        self.conf, self.env = conf, env
        self.daemon = Daemon(conf, env, args=[]).start()
        say("started the controller: stingy-vpn run -c %s" % conf)

        first = wait_for(lambda: (self.running() or [None])[0], 30, what="first launch")
        say("the controller saw no instance and launched one: %s" % first)
        wait_for(lambda: self.world.eip_instance(self.eip) == first, 30, what="EIP")
        say("once it was ready, the controller moved the Elastic IP onto it")
        wait_for(lambda: self.world.ssm_value() == first, 30, what="SSM")
        say("and mirrored its id to SSM. The VPN is up:")
        self.show()
        status, body = http_get("http://127.0.0.1:%d/healthz" % self.port)
        say("GET /healthz -> %d %s" % (status, body.strip()))

        say("AWS now sends a spot interruption warning for %s through EventBridge "
            "(two minutes' notice)" % first)
        t_warn = time.monotonic()
        self.world.put_event("EC2 Spot Instance Interruption Warning",
                             {"instance-id": first, "instance-action": "terminate"})
        second = wait_for(lambda: ([i for i in self.running() if i != first] or [None])[0],
                          30, what="replacement")
        say("the controller launched the replacement %s %.2f s after the warning, while "
            "%s keeps serving (make before break):" % (second, time.monotonic() - t_warn, first))
        self.show()
        wait_for(lambda: self.world.eip_instance(self.eip) == second, 60, what="EIP move")
        say("the replacement became ready; the Elastic IP %s moved to it %.2f s after the "
            "warning: clients keep the same address" % (self.eip_address, time.monotonic() - t_warn))
        wait_for(lambda: self.world.ssm_value() == second, 30, what="SSM update")
        say("SSM /stingy-vpn/instance-id now says %s" % second)
        wait_for(lambda: self.running() == [second], 30, what="old terminated")
        say("only then was the old instance terminated, %.2f s after the warning "
            "(AWS would have taken it at 120 s):" % (time.monotonic() - t_warn))
        self.show()
        st = self.status()
        say("GET /status: primary %s, %d interruption(s) in 24 h, healthy=%s" % (
            st["endpoint_state"]["primary"], st.get("interruptions_24h", 0), st["healthy"]))
        self.peers()

    def cli(self, *args):
        r = subprocess.run([BIN] + list(args), env=self.env, capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise AssertionError("stingy-vpn %s failed: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def peers(self):
        prefix = self.world.outputs["SsmPrefix"]
        self.cli("keys", "init", "-c", self.conf)
        say("stingy-vpn keys init: the server's private key went straight into the SSM "
            "SecureString %s/wireguard/private-key; desired.conf keeps only the public key"
            % prefix)
        out = os.path.join(self.tmp, "alice.conf")
        self.cli("peer", "add", "alice", "-c", self.conf, "--endpoint", self.eip_address,
                 "--out", out, "--no-qr")
        say("stingy-vpn peer add alice: a key pair, the next free address, [peer alice] in "
            "desired.conf and the client config %s (mode %o; a QR code on a terminal)"
            % (out, os.stat(out).st_mode & 0o777))
        name = prefix + "/wireguard/peers"

        def synced():
            try:
                p = self.world.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
            except self.world.ssm.exceptions.ParameterNotFound:
                return None
            return p if "# alice" in p["Value"] else None
        p = wait_for(synced, 30, what="the peer list in SSM")
        say("the controller saw desired.conf change and put the peer list into %s (%s); the "
            "instance applies it within a minute with wg syncconf:" % (name, p["Type"]))
        for line in p["Value"].splitlines():
            say("    " + line)
        c = wait_for(lambda: self.status().get("cost"), 30, what="the cost estimate")
        say("GET /status: the estimate is ~$%.2f a month against $%.2f on demand (moto's spot "
            "prices are placeholders; `stingy-vpn cost` prints the breakdown)"
            % (c["total"], c["on_demand"]))

    def stop(self):
        if self.daemon and self.daemon.alive():
            self.daemon.stop()
            say("stopped the controller (SIGTERM)")
        if self.boot:
            self.boot.stop()
        self.moto.stop()
        say("stopped the emulator; nothing is left running")


def main():
    tmp = tempfile.mkdtemp(prefix="stingy-demo-")
    demo = Demo(tmp)
    try:
        demo.run()
    except AssertionError as e:
        say("the demo failed: %s" % e)
        if demo.daemon:
            sys.stderr.write(demo.daemon.output()[-4000:])
        return 1
    finally:
        demo.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
