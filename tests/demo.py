"""make demo: the controller against a local AWS emulator (moto), narrated.

Starts moto on a free loopback port, creates the AWS side in it, runs the
real stingy-vpn daemon, and walks through what it does, with timestamps.
Everything it starts, it stops. Nothing leaves 127.0.0.1.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
from harness import (CREDS, Daemon, Moto, World, free_port, http_get,  # noqa: E402
                     wait_for, write_conf)

T0 = time.monotonic()


def say(msg):
    print("[%s +%6.2fs] %s" % (time.strftime("%H:%M:%S"), time.monotonic() - T0, msg), flush=True)


def show_status(port):
    st = json.loads(http_get("http://127.0.0.1:%d/status" % port)[1])
    for i in st["instances"]:
        say("    instance %s  %s  %s  ready=%s  doomed=%s" % (
            i["id"], i["state"], i["type"], i["ready"], i["doomed"] or "-"))
    for e in st["recent_events"][:3]:
        say("    event %s  %s  %s" % (e["kind"], e["instance_id"] or "-", e["detail"] or ""))
    return st


def main():
    tmp = tempfile.mkdtemp(prefix="stingy-demo-")
    moto = Moto()
    daemon = None
    try:
        say("starting the AWS emulator (moto) on %s" % moto.url)
        moto.start()
        world = World(moto)
        say("created the AWS side: SQS queue, EventBridge rule aws.ec2 -> SQS, "
            "launch template %s, subnets %s" % (world.launch_template, ", ".join(world.subnets)))
        port = free_port()
        conf = os.path.join(tmp, "desired.conf")
        write_conf(conf, world, os.path.join(tmp, "state.db"), port,
                   describe_interval="10s", sqs_wait="5s")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "AWS_ENDPOINT_URL": moto.url}
        env.update(CREDS)
        daemon = Daemon(conf, env, args=[]).start()
        say("started the controller: stingy-vpn run -c %s" % conf)
        wait_for(lambda: http_get("http://127.0.0.1:%d/healthz" % port)[0] == 200, 30)
        say("GET /healthz -> 200 ok: the SQS long poll and DescribeInstances both succeed")

        iid = world.run_instance()
        say("an instance tagged stingy-vpn:endpoint=vpn is launched: %s "
            "(the reconciler of the next release launches it itself)" % iid)
        wait_for(lambda: any(i["id"] == iid for i in json.loads(
            http_get("http://127.0.0.1:%d/status" % port)[1])["instances"]), 30)
        say("the controller's periodic DescribeInstances found it:")
        show_status(port)

        say("AWS sends a spot interruption warning for %s through EventBridge put-events" % iid)
        world.put_event("EC2 Spot Instance Interruption Warning",
                        {"instance-id": iid, "instance-action": "terminate"})
        wait_for(lambda: any(i["id"] == iid and i["doomed"] for i in json.loads(
            http_get("http://127.0.0.1:%d/status" % port)[1])["instances"]), 30)
        say("the controller took the warning from SQS, committed it, deleted the message, "
            "and marked the instance doomed:")
        show_status(port)
        wait_for(lambda: world.queue_depth() == 0, 30)
        say("the queue is empty again")

        say("a malformed message arrives on the queue")
        world.sqs.send_message(QueueUrl=world.queue_url, MessageBody="{not json")
        wait_for(lambda: json.loads(http_get("http://127.0.0.1:%d/status" % port)[1])
                 ["quarantined"] == 1, 30)
        say("it was kept in quarantine, deleted from the queue, and the daemon runs on")
        status, body = http_get("http://127.0.0.1:%d/healthz" % port)
        say("GET /healthz -> %d %s" % (status, body.strip()))
        say("next release: the replacement launches before the old instance is gone, "
            "the Elastic IP and SSM follow it, then the old one is terminated")
    finally:
        if daemon and daemon.alive():
            daemon.stop()
            say("stopped the controller (SIGTERM)")
        moto.stop()
        say("stopped the emulator")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
