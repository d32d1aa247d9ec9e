"""make demo: the whole loop against a local AWS emulator (moto), narrated.

Starts moto on a free loopback port and creates the AWS side in it (queue,
EventBridge rule, launch template, subnets, Elastic IP, SSM parameter), runs
the real stingy-vpn daemon, and shows: the first launch, a spot interruption
warning sent through EventBridge put-events, the make-before-break
replacement, the Elastic IP moving and the SSM mirror updating, then the old
instance terminated. A small thread plays the instance bootstrap, which on
AWS tags the instance stingy-vpn:ready once WireGuard is up. Everything it
starts, it stops. Nothing leaves 127.0.0.1.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
from harness import (CREDS, Bootstrapper, Daemon, Moto, World, free_port,  # noqa: E402
                     http_get, wait_for, write_conf)

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
        self.world = World(self.moto)
        self.eip = self.world.allocate_eip()
        self.eip_address = self.world.ec2.describe_addresses(
            AllocationIds=[self.eip])["Addresses"][0]["PublicIp"]
        say("created the AWS side: an SQS queue fed by an EventBridge rule for aws.ec2 "
            "events, launch template %s, two subnets, Elastic IP %s (%s), and the SSM "
            "parameter /stingy-vpn/instance-id = initial"
            % (self.world.launch_template, self.eip, self.eip_address))
        self.boot = Bootstrapper(self.moto, delay=2.0)
        self.boot.start()
        say("on AWS the instance bootstrap tags an instance stingy-vpn:ready once "
            "WireGuard is up; here a helper thread does that 2 s after it runs")

        self.port = free_port()
        conf = os.path.join(self.tmp, "desired.conf")
        write_conf(conf, self.world, os.path.join(self.tmp, "state.db"), self.port,
                   elastic_ip=self.eip, sqs_wait="5s")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": self.tmp,
               "AWS_ENDPOINT_URL": self.moto.url}
        env.update(CREDS)
        self.daemon = Daemon(conf, env, args=[]).start()
        say("started the controller: stingy-vpn run -c %s" % conf)
        say("desired.conf asks for one t4g.nano spot instance (t4g.micro as a fallback) "
            "behind the Elastic IP")

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
