"""`stingy-vpn init --stack NAME`: desired.conf from a CloudFormation stack.

moto deploys small stacks of our own (a queue, an SSM parameter, a launch
template, an Elastic IP, a topic, and literal outputs for the rest) with the
output keys the real template (deploy/stingy-vpn.yaml) exports. The real
binary reads them through AWS_ENDPOINT_URL; the tests assert on the file it
writes (mode, contents against what moto holds, `stingy-vpn check` reading
it back) and on what it refuses: an existing file without --force, a stack
that does not exist, a stack in a bad status, missing or hostile outputs.
"""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import BIN, CREDS, REGION, Moto, wait_for

ENDPOINT = "vpn"


def template(name, subnets, optional=True, drop=(), overrides=None):
    """A CloudFormation template (JSON) with the outputs init reads; its
    resources are named after the stack `name`."""
    resources = {
        "Queue": {"Type": "AWS::SQS::Queue",
                  "Properties": {"QueueName": name + "-events"}},
        "InstanceId": {"Type": "AWS::SSM::Parameter",
                       "Properties": {"Name": "/%s/instance-id" % name, "Type": "String",
                                      "Value": "initial"}},
        "Template": {"Type": "AWS::EC2::LaunchTemplate",
                     "Properties": {"LaunchTemplateName": name,
                                    "LaunchTemplateData": {"ImageId": "ami-12c6146b",
                                                           "InstanceType": "t4g.nano"}}},
    }
    outputs = {
        "EndpointName": ENDPOINT,
        "Region": {"Ref": "AWS::Region"},
        "QueueUrl": {"Ref": "Queue"},
        "QueueArn": {"Fn::GetAtt": ["Queue", "Arn"]},
        "LaunchTemplateId": {"Ref": "Template"},
        "SubnetIds": ", ".join(subnets),
        "SsmPrefix": "/" + name,
        "WireGuardCidr": "10.8.0.0/24",
        "InstanceType": "t4g.nano",
    }
    if optional:
        resources["Eip"] = {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}}
        resources["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}
        outputs["ElasticIpAllocationId"] = {"Fn::GetAtt": ["Eip", "AllocationId"]}
        outputs["SnsTopicArn"] = {"Ref": "Topic"}
    outputs.update(overrides or {})
    for k in drop:
        outputs.pop(k, None)
    return json.dumps({
        "Resources": resources,
        "Outputs": {k: {"Value": v, "Description": "stingy-vpn " + k} for k, v in outputs.items()},
    })


class InitTest(unittest.TestCase):
    """One moto for the class; its stacks are made once. Each test gets a
    scratch directory and runs the real binary."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise AssertionError("binary %s is missing: run make first" % BIN)
        cls.moto = Moto()
        cls.moto.start()
        try:
            cls._make_stacks()
        except BaseException:
            cls.moto.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    @classmethod
    def _create(cls, name, **kw):
        cls.cfn.create_stack(StackName=name, TemplateBody=template(name, cls.subnets, **kw))
        wait_for(lambda: cls._status(name) != "CREATE_IN_PROGRESS", 30, 0.1,
                 what="stack %s" % name)
        st = cls._status(name)
        assert st == "CREATE_COMPLETE", (name, st)
        return cls.cfn.describe_stacks(StackName=name)["Stacks"][0]

    @classmethod
    def _status(cls, name):
        return cls.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]

    @classmethod
    def _make_stacks(cls):
        cls.cfn = cls.moto.client("cloudformation")
        ec2 = cls.moto.client("ec2")
        cls.subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
        cls.full = cls._create("stingy-vpn")
        cls.bare = cls._create("stingy-vpn-bare", optional=False)
        cls._create("stingy-vpn-partial", optional=False, drop=("QueueUrl", "SsmPrefix"))
        cls._create("stingy-vpn-hostile", optional=False, overrides={
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q\n[dns]\nprovider = route53"})
        gone = cls._create("stingy-vpn-gone", optional=False)
        cls.gone_id = gone["StackId"]
        cls.cfn.delete_stack(StackName="stingy-vpn-gone")
        wait_for(lambda: cls.cfn.describe_stacks(StackName=cls.gone_id)["Stacks"][0]["StackStatus"]
                 == "DELETE_COMPLETE", 30, 0.1, what="stack deleted")
        # what AWS holds, to compare the file with
        outs = {o["OutputKey"]: o["OutputValue"] for o in cls.full["Outputs"]}
        # the stack's QueueUrl is AWS's own form; moto's SQS answers with its
        # host, and the account and queue name agree
        cls.queue_url = outs["QueueUrl"]
        sqs_url = cls.moto.client("sqs").get_queue_url(QueueName="stingy-vpn-events")["QueueUrl"]
        assert sqs_url.split("/")[-2:] == cls.queue_url.split("/")[-2:], (sqs_url, cls.queue_url)
        lts = ec2.describe_launch_templates(LaunchTemplateNames=["stingy-vpn", "stingy-vpn-bare"])
        lts = {t["LaunchTemplateName"]: t["LaunchTemplateId"] for t in lts["LaunchTemplates"]}
        cls.launch_template = lts["stingy-vpn"]
        cls.bare_launch_template = lts["stingy-vpn-bare"]
        cls.eip = outs["ElasticIpAllocationId"]
        assert ec2.describe_addresses(AllocationIds=[cls.eip])["Addresses"]
        cls.topic = outs["SnsTopicArn"]
        topics = cls.moto.client("sns").list_topics()["Topics"]
        assert cls.topic in [t["TopicArn"] for t in topics], topics

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stingy-init-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.conf = os.path.join(self.tmp, "desired.conf")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
                    "LANG": "C", "AWS_ENDPOINT_URL": self.moto.url, "AWS_REGION": REGION}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(CREDS)

    def run_bin(self, *args, env=None):
        r = subprocess.run([BIN] + list(args), env=env or self.env, capture_output=True,
                           text=True, timeout=60)
        for line in (r.stderr or "").splitlines():
            self.assertNotIn("Sanitizer", line, r.stderr)
            self.assertNotIn("runtime error:", line, r.stderr)
        return r

    def init(self, *args, env=None):
        return self.run_bin("init", *args, env=env)

    def check(self, path=None):
        r = self.run_bin("check", "-c", path or self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def leftovers(self):
        return sorted(n for n in os.listdir(self.tmp) if n != "desired.conf")

    def assert_full(self, printed, state_db="/var/lib/stingy-vpn/state.db",
                    listen="127.0.0.1:9851"):
        lines = printed.splitlines()
        for want in ("region = us-east-1",
                     "queue_url = " + self.queue_url,
                     "state_db = " + state_db,
                     "listen = " + listen,
                     "[endpoint %s]" % ENDPOINT,
                     "launch_template = " + self.launch_template,
                     "instance_types = t4g.nano, t4g.micro",
                     "subnets = " + ", ".join(self.subnets),
                     "elastic_ip = " + self.eip,
                     "ssm_prefix = /stingy-vpn",
                     "wireguard_cidr = 10.8.0.0/24",
                     "sns_topic = " + self.topic,
                     "# profile ="):
            self.assertIn(want, lines, printed)

    def test_writes_conf_check_accepts(self):
        r = self.init("--stack", "stingy-vpn", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("wrote " + self.conf, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o644)
        self.assertEqual(self.leftovers(), [], "no temporary file left behind")
        with open(self.conf) as f:
            text = f.read()
        self.assertTrue(text.startswith("# stingy-vpn desired.conf, written by `stingy-vpn init`"),
                        text)
        self.assertIn("stack stingy-vpn in us-east-1 at ", text)
        self.assertIn("# stack id: " + self.full["StackId"] + "\n", text)
        self.assertIn("`stingy-vpn check -c %s`" % self.conf, text)
        self.assert_full(self.check())

    def test_existing_file_refused_then_force(self):
        with open(self.conf, "w") as f:
            f.write("# mine\n")
        os.chmod(self.conf, 0o600)
        before = os.stat(self.conf)
        r = self.init("--stack", "stingy-vpn", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("%s exists; pass --force to replace it" % self.conf, r.stderr)
        with open(self.conf) as f:
            self.assertEqual(f.read(), "# mine\n")
        after = os.stat(self.conf)
        self.assertEqual((after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)),
                         (before.st_ino, before.st_mtime_ns, 0o600))
        self.assertEqual(self.leftovers(), [])
        # refused before AWS is asked: a stack that does not exist is not reached
        r = self.init("--stack", "no-such-stack", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("exists; pass --force", r.stderr)
        self.assertNotIn("does not exist", r.stderr)

        r = self.init("--stack", "stingy-vpn", "-c", self.conf, "--force",
                      "--state-db", "/srv/stingy/state.db", "--listen", "127.0.0.1:19851")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o644)
        self.assertNotEqual(os.stat(self.conf).st_ino, before.st_ino, "replaced by rename")
        self.assert_full(self.check(), state_db="/srv/stingy/state.db", listen="127.0.0.1:19851")

        # a second run without --force keeps the generated file as well
        with open(self.conf, "rb") as f:
            generated = f.read()
        r = self.init("--stack", "stingy-vpn-bare", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        with open(self.conf, "rb") as f:
            self.assertEqual(f.read(), generated)

        # --force with the other stack: the optional keys go
        r = self.init("--stack", "stingy-vpn-bare", "-c", self.conf, "-f")
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = self.check().splitlines()
        self.assertIn("# elastic_ip =", printed)
        self.assertIn("# sns_topic =", printed)
        self.assertIn("launch_template = " + self.bare_launch_template, printed)
        self.assertIn("ssm_prefix = /stingy-vpn-bare", printed)
        self.assertEqual(self.leftovers(), [])

    def test_stdout(self):
        r = self.init("--stack", "stingy-vpn", "-c", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        self.assertEqual(os.listdir(self.tmp), [])
        self.assertTrue(r.stdout.startswith("# stingy-vpn desired.conf"), r.stdout)
        self.assertIn("`stingy-vpn check -c FILE`", r.stdout)
        path = os.path.join(self.tmp, "from-stdout.conf")
        with open(path, "w") as f:
            f.write(r.stdout)
        self.assert_full(self.check(path))

    def test_default_path_from_env(self):
        env = dict(self.env, STINGY_VPN_CONF=self.conf)
        r = self.init("--stack", "stingy-vpn", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_full(self.check())

    def test_stack_does_not_exist(self):
        r = self.init("--stack", "no-such-stack", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stingy-vpn init: stack no-such-stack does not exist in us-east-1", r.stderr)
        self.assertIn("ValidationError", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        self.assertEqual(os.listdir(self.tmp), [])
        # stacks are per region: the same name elsewhere does not exist
        r = self.init("--stack", "stingy-vpn", "--region", "us-west-2", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stack stingy-vpn does not exist in us-west-2", r.stderr)

    def test_bad_status_refused(self):
        r = self.init("--stack", self.gone_id, "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stack stingy-vpn-gone is DELETE_COMPLETE: init reads a stack that is "
                      "CREATE_COMPLETE, UPDATE_COMPLETE or UPDATE_ROLLBACK_COMPLETE", r.stderr)
        self.assertFalse(os.path.exists(self.conf))

    def test_missing_outputs_named(self):
        r = self.init("--stack", "stingy-vpn-partial", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stack stingy-vpn-partial: missing outputs: QueueUrl, SsmPrefix", r.stderr)
        self.assertFalse(os.path.exists(self.conf))

    def test_hostile_output_not_written(self):
        r = self.init("--stack", "stingy-vpn-hostile", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("output QueueUrl: holds a line break", r.stderr)
        self.assertNotIn("\nprovider", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        r = self.init("--stack", "stingy-vpn-hostile", "-c", "-")
        self.assertEqual((r.returncode, r.stdout), (1, ""))

    def test_region_and_profile_as_the_daemon_resolves_them(self):
        env = dict(self.env)
        del env["AWS_REGION"]
        r = self.init("--stack", "stingy-vpn", "-c", self.conf, env=env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no aws region", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        r = self.init("--stack", "stingy-vpn", "-c", self.conf, "--region", REGION, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # --profile: credentials and region from the shared files, written as [aws] profile
        os.mkdir(os.path.join(self.tmp, ".aws"))
        with open(os.path.join(self.tmp, ".aws", "credentials"), "w") as f:
            f.write("[stingy]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (CREDS["AWS_ACCESS_KEY_ID"], CREDS["AWS_SECRET_ACCESS_KEY"]))
        with open(os.path.join(self.tmp, ".aws", "config"), "w") as f:
            f.write("[profile stingy]\nregion = us-east-1\n")
        for k in CREDS:
            del env[k]
        r = self.init("--stack", "stingy-vpn", "-c", self.conf, "--force", "--profile", "stingy",
                      env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("profile = stingy", self.check().splitlines())
        r = self.init("--stack", "stingy-vpn", "-c", "-", "--profile", "nobody", env=env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stingy-vpn init: ", r.stderr)

    def test_usage(self):
        for args in ((), ("--stack",), ("--stack", "bad name"), ("--stack", "s", "extra"),
                     ("--bogus",)):
            r = self.init(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        r = self.init("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--stack NAME", r.stdout)
        r = self.run_bin("--help")
        self.assertIn("init  --stack NAME", r.stdout)
        self.assertEqual(os.listdir(self.tmp), [])


if __name__ == "__main__":
    unittest.main()
