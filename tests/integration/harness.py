"""Test bed for the integration tests: moto on a free loopback port, the AWS
side made in it with boto3, and the real stingy-vpn binary run against it.

Nothing here talks to anything but 127.0.0.1.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STINGY_BIN") or os.path.join(ROOT, os.environ.get("BUILD", "build/plain"), "stingy-vpn")
SHARED = os.environ.get("STINGY_SHARED") or os.path.join(ROOT, "..", "shared")
REGION = "us-east-1"
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDTESTTESTTEST", "AWS_SECRET_ACCESS_KEY": "testsecretnotreal"}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=15.0, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value; return it, or fail."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


class Moto:
    """A moto server on its own port; start() again after stop() reuses the port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self.url = "http://127.0.0.1:%d" % self.port
        self.logf = tempfile.TemporaryFile()

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.logf, stderr=subprocess.STDOUT)
        wait_for(self._up, timeout=30, what="moto on port %d" % self.port)

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError("moto exited with %s" % self.proc.returncode)
        try:
            with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=1):
                return True
        except (OSError, urllib.error.URLError):
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def client(self, service):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"])


class AwsView:
    """Clients for one endpoint's AWS side in moto, and the questions tests
    ask of it. World makes that side by script; StackWorld deploys
    deploy/stingy-vpn.yaml through CloudFormation. Both set queue_url,
    queue_arn, subnets, launch_template and ssm_prefix."""

    ssm_prefix = "/stingy-vpn"

    def __init__(self, moto, endpoint="vpn"):
        self.moto = moto
        self.endpoint = endpoint
        self.ec2 = moto.client("ec2")
        self.sqs = moto.client("sqs")
        self.events = moto.client("events")
        self.ssm = moto.client("ssm")

    def run_instance(self, tags=None, itype="t4g.nano"):
        tags = dict(tags or {})
        tags.setdefault("stingy-vpn:endpoint", self.endpoint)
        tags.setdefault("Project", "stingy-vpn")
        tags.setdefault("stingy-vpn:template", self.launch_template + ":$Latest")
        r = self.ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType=itype,
            SubnetId=self.subnets[0],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}])
        return r["Instances"][0]["InstanceId"]

    def put_event(self, detail_type, detail, source="aws.ec2"):
        r = self.events.put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}])
        assert r["FailedEntryCount"] == 0, r
        return r["Entries"][0]["EventId"]

    def allocate_eip(self):
        """A new Elastic IP allocation; its id."""
        return self.ec2.allocate_address(Domain="vpc")["AllocationId"]

    def eip_instance(self, allocation_id):
        """The instance the allocation is associated with, "" for none."""
        a = self.ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
        return a.get("InstanceId") or ""

    def ssm_value(self, name="/stingy-vpn/instance-id"):
        return self.ssm.get_parameter(Name=name)["Parameter"]["Value"]

    def instances(self, states=("pending", "running"), endpoint=None, client=None):
        """{instance id: instance dict} of the endpoint's instances in states
        (None: every state), by the stingy-vpn:endpoint tag."""
        filters = [{"Name": "tag:stingy-vpn:endpoint", "Values": [endpoint or self.endpoint]}]
        if states is not None:
            filters.append({"Name": "instance-state-name", "Values": list(states)})
        out = {}
        for page in (client or self.ec2).get_paginator("describe_instances").paginate(
                Filters=filters):
            for res in page["Reservations"]:
                for i in res["Instances"]:
                    i["TagMap"] = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
                    out[i["InstanceId"]] = i
        return out

    def queue_depth(self):
        a = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        a = a["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


class World(AwsView):
    """The AWS side a test needs, made in moto: queue, rule, template, subnets."""

    def __init__(self, moto, endpoint="vpn"):
        super().__init__(moto, endpoint)
        q = self.sqs.create_queue(QueueName="stingy-vpn-events")
        self.queue_url = q["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = arn["Attributes"]["QueueArn"]
        self.events.put_rule(Name="stingy-vpn-ec2",
                             EventPattern=json.dumps({"source": ["aws.ec2", "aws.health"]}))
        self.events.put_targets(Rule="stingy-vpn-ec2", Targets=[{"Id": "q", "Arn": self.queue_arn}])
        subnets = self.ec2.describe_subnets()["Subnets"]
        self.subnets = [s["SubnetId"] for s in subnets[:2]]
        lt = self.ec2.create_launch_template(
            LaunchTemplateName="stingy-vpn",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t4g.nano"})
        self.launch_template = lt["LaunchTemplate"]["LaunchTemplateId"]
        self.ssm.put_parameter(Name="/stingy-vpn/instance-id", Value="initial", Type="String")


TEMPLATE = os.path.join(ROOT, "deploy", "stingy-vpn.yaml")


class StackWorld(AwsView):
    """The AWS side as a user makes it: deploy/stingy-vpn.yaml deployed into
    moto through CloudFormation. `params` are the stack's parameters by name;
    `outputs` holds the stack's outputs once it is CREATE_COMPLETE."""

    def __init__(self, moto, stack="stingy-vpn", params=None, timeout=60):
        params = dict(params or {})
        # moto 5.2.1's RunInstances demands a root volume size (MissingParameter
        # size/snapshot) where AWS takes the AMI snapshot's: give it one.
        params.setdefault("RootVolumeSize", "8")
        super().__init__(moto, params.get("EndpointName", "vpn"))
        self.stack = stack
        self.cfn = moto.client("cloudformation")
        with open(TEMPLATE) as f:
            body = f.read()
        self.cfn.create_stack(
            StackName=stack, TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        st = wait_for(lambda: (lambda st: st if st != "CREATE_IN_PROGRESS" else None)(
            self._status()), timeout,
                      interval=0.2, what="stack %s created" % stack)
        if st != "CREATE_COMPLETE":
            raise AssertionError("stack %s: %s" % (stack, st))
        out = self.cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in out}
        self.queue_url = self.outputs["QueueUrl"]
        self.queue_arn = self.outputs["QueueArn"]
        self.launch_template = self.outputs["LaunchTemplateId"]
        self.subnets = [s.strip() for s in self.outputs["SubnetIds"].split(",")]
        self.ssm_prefix = self.outputs["SsmPrefix"]
        self.eip = self.outputs.get("ElasticIpAllocationId")

    def _status(self):
        return self.cfn.describe_stacks(StackName=self.stack)["Stacks"][0]["StackStatus"]

    def ssm_value(self, name=None):
        return super().ssm_value(name or self.ssm_prefix + "/instance-id")


ALIVE = ("pending", "running", "stopping", "stopped")


class Bootstrapper(threading.Thread):
    """Plays the instance bootstrap: every `interval` s it tags the endpoint's
    running instances that lack it with stingy-vpn:ready=1, each once it has
    been seen running for `delay` s. pause() stops the tagging until resume();
    ids in `never` are never tagged. stop() ends the thread."""

    def __init__(self, moto, endpoint="vpn", delay=0.0, interval=0.2):
        super().__init__(daemon=True)
        self.ec2 = moto.client("ec2")
        self.endpoint = endpoint
        self.delay = delay
        self.interval = interval
        self.never = set()
        self.tagged = []            # (monotonic time, instance id), in order
        self.errors = 0
        self._seen = {}
        self._paused = threading.Event()
        self._halt = threading.Event()

    def pause(self):
        self._paused.set()

    def resume(self):
        self._paused.clear()

    def stop(self):
        self._halt.set()
        if self.is_alive():
            self.join(10)

    def run(self):
        while not self._halt.wait(self.interval):
            if self._paused.is_set():
                continue
            try:
                self._round()
            except Exception:       # moto restarting, say: try again
                self.errors += 1

    def _round(self):
        r = self.ec2.describe_instances(Filters=[
            {"Name": "tag:stingy-vpn:endpoint", "Values": [self.endpoint]},
            {"Name": "instance-state-name", "Values": ["running"]}])
        now = time.monotonic()
        for res in r["Reservations"]:
            for i in res["Instances"]:
                iid = i["InstanceId"]
                tags = {t["Key"] for t in i.get("Tags", [])}
                if "stingy-vpn:ready" in tags or iid in self.never:
                    continue
                first = self._seen.setdefault(iid, now)
                if now - first < self.delay or self._paused.is_set():
                    continue
                self.ec2.create_tags(Resources=[iid],
                                     Tags=[{"Key": "stingy-vpn:ready", "Value": "1"}])
                self.tagged.append((now, iid))


class AliveSampler(threading.Thread):
    """Describes the endpoint's instances every `interval` s and keeps the
    largest number alive (pending, running, stopping, stopped) at once, and
    every change of {id: state} with its monotonic time."""

    def __init__(self, world, interval=0.1):
        super().__init__(daemon=True)
        self.world = world
        self.ec2 = world.moto.client("ec2")
        self.interval = interval
        self.max_alive = 0
        self.max_ids = ()
        self.history = []           # (monotonic time, {id: state}) on each change
        self.samples = 0
        self.errors = 0
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()
        if self.is_alive():
            self.join(10)

    def run(self):
        while True:
            try:
                self.sample()
            except Exception:
                self.errors += 1
            if self._halt.wait(self.interval):
                return

    def sample(self):
        got = self.world.instances(states=None, client=self.ec2)
        states = {iid: i["State"]["Name"] for iid, i in got.items()}
        alive = sorted(iid for iid, st in states.items() if st in ALIVE)
        self.samples += 1
        if len(alive) > self.max_alive:
            self.max_alive = len(alive)
            self.max_ids = tuple(alive)
        if not self.history or self.history[-1][1] != states:
            self.history.append((time.monotonic(), states))

    def first_seen(self, iid, state="running"):
        """Monotonic time of the first sample showing iid in state, or None."""
        for t, states in self.history:
            if states.get(iid) == state:
                return t
        return None


# The Debian package each tool of the real-WireGuard tests comes from.
_TOOL_PACKAGES = {"wg": "wireguard-tools", "wg-quick": "wireguard-tools",
                  "wireguard-go": "wireguard-go", "ip": "iproute2", "nsenter": "util-linux"}


def wireguard_netns_support(tools=("wg", "wireguard-go", "ip")):
    """(True, "") when this machine can run wireguard-go in network
    namespaces with `tools` on PATH; else (False, why), for skipUnless."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False, "needs root (network namespaces and a tun device)"
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pkgs = sorted({_TOOL_PACKAGES.get(t, t) for t in missing})
        return False, "needs %s (apt-get install %s)" % (", ".join(missing), " ".join(pkgs))
    if not os.path.exists("/dev/net/tun"):
        return False, "needs /dev/net/tun"
    return True, ""


def write_conf(path, world, db, port, **overrides):
    """A desired.conf for world; overrides replace keys by name."""
    keys = {
        "region": REGION,
        "queue_url": world.queue_url,
        "state_db": db,
        "listen": "127.0.0.1:%d" % port,
        "describe_interval": "10s",
        "sqs_wait": "2s",
        "health_max_age": "60s",
        "launch_template": world.launch_template,
        "instance_types": "t4g.nano, t4g.micro",
        "subnets": ", ".join(world.subnets),
    }
    keys.update(overrides)
    sections = {
        "aws": ["region", "profile", "queue_url"],
        "controller": ["state_db", "listen", "describe_interval", "sqs_wait", "health_max_age"],
        "endpoint " + world.endpoint: ["enabled", "launch_template", "launch_template_version",
                                       "instance_types", "subnets", "max_instances",
                                       "launch_budget", "elastic_ip", "ssm_prefix",
                                       "wireguard_cidr", "wait_ready", "ready_timeout",
                                       "rebalance", "capacity_cooldown"],
        "alerts": ["sns_topic", "max_interruptions_per_day", "alert_interval"],
        # [dns] keys are given as dns_<key>: dns_provider, dns_name, ...
        "dns": ["dns_provider", "dns_name", "dns_zone_id", "dns_record_id", "dns_create",
                "dns_ttl", "dns_token_parameter", "dns_api_url"],
    }
    with open(path, "w") as f:
        for sec, names in sections.items():
            if not any(keys.get(n) is not None for n in names) and sec == "dns":
                continue
            f.write("[%s]\n" % sec)
            for n in names:
                if keys.get(n) is not None:
                    key = n[4:] if sec == "dns" else n
                    f.write("%s = %s\n" % (key, keys[n]))
            f.write("\n")


class Daemon:
    """The real binary, `stingy-vpn run`, with its stderr kept in a file."""

    def __init__(self, conf, env, args=("-v",)):
        self.conf = conf
        self.env = env
        self.args = list(args)
        self.proc = None
        self.logpath = conf + ".log"

    def start(self):
        self.log = open(self.logpath, "ab")
        self.proc = subprocess.Popen([BIN, "run", "-c", self.conf] + self.args,
                                     stdout=self.log, stderr=self.log, env=self.env)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("daemon did not stop within %ss of signal %s" % (timeout, sig))
        self.log.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def output(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")


def http_get(url, timeout=5):
    """(status, body) of a GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (OSError, urllib.error.URLError):
        return 0, ""


class DaemonTest(unittest.TestCase):
    """Per test: a moto, a world in it, a scratch dir, and helpers to run the daemon."""

    def setUp(self):
        if not os.path.exists(BIN):
            self.fail("binary %s is missing: run make first" % BIN)
        self.tmp = tempfile.mkdtemp(prefix="stingy-it-")
        self.moto = Moto()
        self.moto.start()
        self.addCleanup(self.moto.stop)
        self.world = World(self.moto)
        self.db = os.path.join(self.tmp, "state.db")
        self.conf = os.path.join(self.tmp, "desired.conf")
        self.port = free_port()
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
                    "AWS_ENDPOINT_URL": self.moto.url, "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(CREDS)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if d.alive():
                d.stop()
        if self._outcome_failed():
            for d in self.daemons:
                sys.stderr.write("---- daemon log %s ----\n%s\n" % (d.logpath, d.output()[-6000:]))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _outcome_failed(self):
        res = getattr(self, "_outcome", None)
        if res is None or not hasattr(res, "result"):
            return False
        r = res.result
        return any(t is self for t, _ in getattr(r, "failures", []) + getattr(r, "errors", []))

    def write_conf(self, **overrides):
        write_conf(self.conf, self.world, self.db, self.port, **overrides)

    def start_daemon(self, **overrides):
        if not os.path.exists(self.conf) or overrides:
            self.write_conf(**overrides)
        d = Daemon(self.conf, self.env).start()
        self.daemons.append(d)
        return d

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait_healthy(self, timeout=20):
        return wait_for(lambda: http_get(self.url("/healthz"))[0] == 200, timeout,
                        what="/healthz 200")

    def stop_daemons_checked(self):
        """Stops every daemon still running with SIGTERM; returns what went
        wrong: an exit status other than 0 (a daemon killed with SIGKILL on
        purpose is let be), a sanitizer report in a log. Empty when clean."""
        problems = []
        for d in self.daemons:
            try:
                rc = d.stop() if d.proc is not None else None
            except AssertionError as e:
                problems.append(str(e))
                continue
            if rc not in (None, 0, -signal.SIGKILL):
                problems.append("daemon exited with %s" % rc)
        for path in sorted({d.logpath for d in self.daemons}):
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            for line in text.splitlines():
                if "Sanitizer" in line or "runtime error:" in line:
                    problems.append("%s: %s" % (os.path.basename(path), line))
                    break
        return problems

    def use_proxy(self):
        """A FaultProxy in front of moto; daemons started from now on talk
        to AWS through it. Stopped at cleanup."""
        from faultproxy import FaultProxy
        self.proxy = FaultProxy(self.moto.url).start()
        self.addCleanup(self.proxy.stop)
        self.env["AWS_ENDPOINT_URL"] = self.proxy.url
        return self.proxy

    def start_bootstrapper(self, delay=0.0):
        """A Bootstrapper for the world's endpoint, stopped at cleanup."""
        b = Bootstrapper(self.moto, self.world.endpoint, delay=delay)
        b.start()
        self.addCleanup(b.stop)
        return b

    def start_sampler(self):
        """An AliveSampler for the world's endpoint, stopped at cleanup."""
        s = AliveSampler(self.world)
        s.start()
        self.addCleanup(s.stop)
        return s

    def status(self):
        """/status as JSON (fails the test when it is not 200)."""
        code, body = http_get(self.url("/status"))
        self.assertEqual(code, 200, body)
        return json.loads(body)

    def metrics(self):
        """/metrics as {name{labels}: value}."""
        code, body = http_get(self.url("/metrics"))
        self.assertEqual(code, 200, body)
        out = {}
        for line in body.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
        return out

    def query(self, sql, args=()):
        """Rows from the daemon's database, read-only, through Python's sqlite3."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
