"""deploy/stingy-vpn.yaml: cfn-lint, the generator, the user data, the
parameter patterns, and two stacks deployed into moto through CloudFormation
(what AWS then holds, read back with boto3).

moto 5.2.1 facts these tests rely on or work around (checked):
- it resolves the ImageId default (an AWS::SSM::Parameter::Value) from the
  public /aws/service/ami-amazon-linux-latest/ parameters it ships;
- it enforces no AllowedPattern, AllowedValues or MinValue, so the patterns
  are tested here with Python's re (the same regex features as Java's);
- it does not make AWS::SQS::QueuePolicy, and ignores EIP tags, the VPC's
  DNS settings, the subnets' MapPublicIpOnLaunch and (in DescribeRouteTables)
  the subnet associations: those are checked in the template itself;
- it keeps a role's inline policy (from CloudFormation) as a Python repr;
- its Fn::Sub leaves "${!" unconverted when a '"' comes before the closing
  '}'; the user data read back is compared with that undone.
"""
import ast
import base64
import importlib.util
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import yaml

from harness import Moto, ROOT, SHARED, wait_for

DEPLOY = os.path.join(ROOT, "deploy")
TEMPLATE = os.path.join(DEPLOY, "stingy-vpn.yaml")
GEN = os.path.join(DEPLOY, "gen-template.py")
REGION = "us-east-1"
USERDATA_LIMIT = 16384
AMI_PARAM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
DESCRIBE_ONLY = {"ec2:DescribeInstances", "ec2:DescribeAddresses", "ec2:DescribeSpotPriceHistory"}
OUTPUTS = {"EndpointName", "Region", "QueueUrl", "QueueArn", "DeadLetterQueueUrl",
           "LaunchTemplateId", "SubnetIds", "SecurityGroupId", "SsmPrefix", "WireGuardCidr",
           "WireGuardPort", "InstanceType", "ControllerUserName", "ControllerPolicyArn",
           "InstanceRoleArn"}
EIP_OUTPUTS = {"ElasticIpAllocationId", "ElasticIp"}
TOPIC_OUTPUTS = {"SnsTopicArn"}
LAUNCH_TAG_KEYS = {"stingy-vpn:endpoint", "stingy-vpn:launch-id", "stingy-vpn:template",
                   "Project", "Name"}


def load_gen():
    spec = importlib.util.spec_from_file_location("gen_template", GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt a.b, ...)."""


def _cfn_tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path=TEMPLATE):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)   # noqa: S506 (our own loader)


def userdata_sub(template):
    """The string inside the launch template's UserData Fn::Base64 Fn::Sub."""
    ud = template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
    return ud["Fn::Base64"]["Fn::Sub"]


def fn_sub(text, values):
    """CloudFormation's Fn::Sub, string form: ${!x} is the literal ${x};
    ${Name} is values[Name] (a KeyError for a name not given)."""
    def one(m):
        if m.group(0) == "${!":
            return "${"
        return str(values[m.group(1)])
    return re.sub(r"\$\{!|\$\{([A-Za-z0-9_.:]+)\}", one, text)


def heredocs(script):
    """{destination: (body, mode)} of every `cat > DEST <<'STINGY_EOF'` in
    script, each followed by its `chmod MODE DEST`."""
    lines = script.split("\n")
    out = {}
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"cat > (\S+) <<'STINGY_EOF'", lines[i])
        if not m:
            i += 1
            continue
        dest = m.group(1)
        end = lines.index("STINGY_EOF", i + 1)
        body = "".join(s + "\n" for s in lines[i + 1:end])
        cm = re.fullmatch(r"chmod ([0-7]{4}) (\S+)", lines[end + 1])
        assert cm and cm.group(2) == dest, "no chmod right after %s" % dest
        assert dest not in out, "%s written twice" % dest
        out[dest] = (body, cm.group(1))
        i = end + 2
    return out


def java_match(pattern, value):
    """CloudFormation's AllowedPattern test: the whole value must match."""
    return re.fullmatch(pattern, value) is not None


class TemplateFiles(unittest.TestCase):
    """The committed template, its generator and its sources; no moto."""

    @classmethod
    def setUpClass(cls):
        cls.gen = load_gen()
        cls.tpl = load_template()
        # The round trip runs on what the generator makes now, so that it
        # tests the generator even while the committed file is stale.
        r = subprocess.run([sys.executable, GEN, "--output", "-"], capture_output=True,
                           text=True, check=True)
        cls.fresh = yaml.load(r.stdout, Loader=CfnLoader)   # noqa: S506

    def test_cfn_lint_clean(self):
        exe = shutil.which("cfn-lint")
        cmd = [exe] if exe else [sys.executable, "-m", "cfnlint"]
        r = subprocess.run(cmd + ["--", TEMPLATE], capture_output=True, text=True, timeout=120)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_committed_template_is_generated(self):
        r = subprocess.run([sys.executable, GEN, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "t.yaml")
            r = subprocess.run([sys.executable, GEN, "--output", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "rb") as a, open(TEMPLATE, "rb") as b:
                self.assertEqual(a.read(), b.read())

    def test_generator_refuses_bad_sources(self):
        """A missing source file, one without a final newline, or one with
        a line that would end the heredoc: exit 2, the file named, nothing
        written."""
        cases = {
            "missing": None,
            "no newline": "#!/bin/sh\necho hi",
            "eof line": "#!/bin/sh\ncat <<'STINGY_EOF'\nx\nSTINGY_EOF\n",
            "carriage return": "#!/bin/sh\r\necho hi\r\n",
        }
        for what, content in cases.items():
            with self.subTest(what), tempfile.TemporaryDirectory() as tmp:
                shutil.copy(GEN, tmp)
                shutil.copy(os.path.join(DEPLOY, "stingy-vpn.yaml.in"), tmp)
                for src, _, _ in self.gen.FILES:
                    os.makedirs(os.path.dirname(os.path.join(tmp, src)), exist_ok=True)
                    with open(os.path.join(tmp, src), "w", newline="") as f:
                        f.write("placeholder\n")
                victim = os.path.join(tmp, self.gen.FILES[0][0])
                if content is None:
                    os.unlink(victim)
                else:
                    with open(victim, "w", newline="") as f:
                        f.write(content)
                out = os.path.join(tmp, "out.yaml")
                r = subprocess.run([sys.executable, os.path.join(tmp, "gen-template.py"),
                                    "--output", out], capture_output=True, text=True)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(os.path.basename(victim), r.stderr)
                self.assertFalse(os.path.exists(out))

    def test_userdata_round_trip(self):
        """Fn::Sub of the UserData, with stack values, gives back a script
        that writes instance.env with those values and every source file
        byte for byte, with its mode, then reloads systemd and bootstraps."""
        sub = userdata_sub(self.fresh)
        names = set(re.findall(r"\$\{([^!][^}]*)\}", sub))
        self.assertEqual(names, {"SsmPrefix", "WireGuardPort", "WireGuardCidr", "AWS::Region"})
        values = {"SsmPrefix": "/rt/prefix", "WireGuardPort": 51999,
                  "WireGuardCidr": "172.20.0.0/22", "AWS::Region": "eu-west-3"}
        script = fn_sub(sub, values)
        lines = script.split("\n")
        self.assertEqual(lines[0], "#!/bin/bash")
        commands = [s for s in lines[1:] if s and not s.startswith("#")]
        self.assertEqual(commands[0], "set -euo pipefail")
        self.assertEqual(lines[-3:], ["systemctl daemon-reload",
                                      "/usr/local/sbin/stingy-vpn-instance bootstrap", ""])
        docs = heredocs(script)
        env = docs.pop("/etc/stingy-vpn/instance.env")
        self.assertEqual(env, ("STINGY_PREFIX=/rt/prefix\nSTINGY_PORT=51999\n"
                               "STINGY_CIDR=172.20.0.0/22\nSTINGY_VPC_CIDR=10.0.0.0/16\n"
                               "AWS_REGION=eu-west-3\n", "0644"))
        want = {}
        for src, dest, mode in self.gen.FILES:
            with open(os.path.join(DEPLOY, src), encoding="utf-8", newline="") as f:
                want[dest] = (f.read(), mode)
        self.assertEqual(set(docs), set(want))
        for dest in want:
            self.assertEqual(docs[dest], want[dest], dest)
        self.assertEqual({dest for _, dest, _ in self.gen.FILES}, {
            "/usr/local/sbin/stingy-vpn-instance",
            "/etc/systemd/system/stingy-vpn-sync.service",
            "/etc/systemd/system/stingy-vpn-sync.timer"})
        r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sizes(self):
        """User data under EC2's 16 KB with every parameter at its longest;
        the template under CloudFormation's 51,200 bytes."""
        params = self.tpl["Parameters"]
        longest = {"SsmPrefix": "/" + "p" * (params["SsmPrefix"]["MaxLength"] - 1),
                   "WireGuardPort": 65535, "WireGuardCidr": "255.255.255.252/30",
                   "AWS::Region": "ap-southeast-5-long-name"}
        raw = fn_sub(userdata_sub(self.fresh), longest).encode("utf-8")
        self.assertLessEqual(len(raw), USERDATA_LIMIT)
        # CloudFormation takes a TemplateBody of at most 51,200 bytes (what
        # `aws cloudformation deploy` sends without an S3 bucket).
        self.assertLessEqual(os.path.getsize(TEMPLATE), 51200)

    def test_patterns(self):
        """AllowedPattern, table-driven (moto does not enforce them)."""
        params = self.tpl["Parameters"]
        table = {
            "WireGuardCidr": (
                ["10.8.0.0/24", "10.1.0.0/16", "10.255.255.252/30", "172.16.0.0/12",
                 "192.168.77.0/24", "100.64.0.0/10", "11.0.0.0/8", "10.200.0.0/16"],
                ["10.0.5.0/24", "10.0.0.0/16", "10.0.0.0/24", "10.0.255.0/24", "10.0.0.0/8",
                 "10.0.0.0/12", "10.0.0.0/15", "10.8.0.0/8", "10.1.0.0/12", "10.64.0.0/10",
                 "10.8.0.0/31", "10.8.0.0/7", "10.8.0/24", "10.8.0.0", "256.1.0.0/24",
                 "010.8.0.0/24", " 10.8.0.0/24", "10.8.0.0/24\n", ""]),
            "SsmPrefix": (
                ["/stingy-vpn", "/a", "/home/vpn", "/My_Stuff.v2/x-y", "/xaws", "/s-ssm",
                 "/home/aws"],
                ["", "/", "/awsx", "/SSM-vpn", "stingy-vpn", "/stingy-vpn/", "//x", "/a//b", "/aws", "/aws/x",
                 "/AWS-x", "/ssm", "/SsMy", "/a b", "/a$b"]),
            "EndpointName": (
                ["vpn", "home-1", "a" * 32],
                ["", "VPN", "a" * 33, "vpn_1", "vpn.home"]),
            "AdminCidr": (
                ["", "203.0.113.7/32", "0.0.0.0/0", "192.168.0.0/16"],
                ["203.0.113.7", "203.0.113.7/33", "::/0", "a.b.c.d/1"]),
            "AlertEmail": (
                ["", "ops@example.com", "a.b+c@mail.example.org"],
                ["ops", "ops@example", "a@b@c.d", "ops @example.com"]),
            "Route53HostedZoneId": (
                ["", "Z0123456789ABCDEFGHIJ", "Z2FDTNDATAQYW2"],
                ["z123456", "Z12", "/hostedzone/Z0123456789ABCDEFGHIJ", "Z0123-4567"]),
        }
        for name, (good, bad) in table.items():
            pattern = params[name]["AllowedPattern"]
            default = params[name].get("Default")
            if default is not None:
                self.assertTrue(java_match(pattern, str(default)), "%s default" % name)
            for v in good:
                self.assertTrue(java_match(pattern, v), "%s should take %r" % (name, v))
            for v in bad:
                self.assertFalse(java_match(pattern, v), "%s should refuse %r" % (name, v))

    def test_wireguard_cidr_never_overlaps_vpc(self):
        """Every network the pattern takes is clear of 10.0.0.0/16, and every
        proper network outside 10.0.0.0/8 is taken: a sweep."""
        pattern = self.tpl["Parameters"]["WireGuardCidr"]["AllowedPattern"]
        vpc = ipaddress.ip_network("10.0.0.0/16")
        taken = 0
        for a in (0, 9, 10, 11, 100, 172, 192, 255):
            for b in range(0, 256, 3):
                for plen in range(6, 33):
                    s = "%d.%d.0.0/%d" % (a, b, plen)
                    net = ipaddress.ip_network(s, strict=False)
                    ok = java_match(pattern, s)
                    if ok:
                        taken += 1
                        self.assertFalse(net.overlaps(vpc), s)
                        self.assertTrue(8 <= plen <= 30, s)
                    elif a != 10 and 8 <= plen <= 30 and net.network_address == \
                            ipaddress.ip_address("%d.%d.0.0" % (a, b)):
                        self.fail("%s refused" % s)
        self.assertGreater(taken, 1000)

    def test_what_moto_cannot_show(self):
        """The queue policy (moto does not make it), the Elastic IP's tags
        (moto drops them), and the launch template's shape."""
        res = self.tpl["Resources"]
        qp = res["EventQueuePolicy"]["Properties"]
        self.assertEqual(qp["Queues"], [{"Ref": "EventQueue"}])
        [st] = qp["PolicyDocument"]["Statement"]
        self.assertEqual((st["Effect"], st["Principal"], st["Action"], st["Resource"]),
                         ("Allow", {"Service": "events.amazonaws.com"}, "sqs:SendMessage",
                          {"Fn::GetAtt": ["EventQueue", "Arn"]}))
        self.assertEqual(st["Condition"], {"ArnEquals": {"aws:SourceArn": [
            {"Fn::GetAtt": ["Ec2EventsRule", "Arn"]}, {"Fn::GetAtt": ["HealthEventsRule", "Arn"]}]}})
        rules = {k for k, v in res.items() if v["Type"] == "AWS::Events::Rule"}
        self.assertEqual(rules, {"Ec2EventsRule", "HealthEventsRule"})
        tags = {t["Key"]: t["Value"] for t in res["Eip"]["Properties"]["Tags"]}
        self.assertEqual(tags["stingy-vpn:endpoint"], {"Ref": "EndpointName"})
        self.assertEqual(tags["Project"], "stingy-vpn")
        self.assertEqual(res["Eip"]["Condition"], "HasEip")
        self.assertEqual(res["AlertTopic"]["Condition"], "HasTopic")
        self.assertEqual(res["SshIngress"]["Condition"], "HasAdmin")
        data = res["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
        for key in ("NetworkInterfaces", "InstanceMarketOptions", "KeyName"):
            self.assertNotIn(key, data)
        vpc = res["Vpc"]["Properties"]
        self.assertEqual((vpc["CidrBlock"], vpc["EnableDnsSupport"], vpc["EnableDnsHostnames"]),
                         ("10.0.0.0/16", True, True))
        for sub in ("SubnetA", "SubnetB"):
            self.assertIs(res[sub]["Properties"]["MapPublicIpOnLaunch"], True, sub)
            self.assertEqual(res[sub + "Routes"]["Properties"],
                             {"SubnetId": {"Ref": sub}, "RouteTableId": {"Ref": "RouteTable"}})
        types = {v["Type"] for v in res.values()}
        self.assertNotIn("AWS::IAM::AccessKey", types)
        outs = self.tpl["Outputs"]
        self.assertEqual(set(outs), OUTPUTS | EIP_OUTPUTS | TOPIC_OUTPUTS)
        for k in EIP_OUTPUTS:
            self.assertEqual(outs[k].get("Condition"), "HasEip")
        self.assertEqual(outs["SnsTopicArn"].get("Condition"), "HasTopic")


class DeployedStacks(unittest.TestCase):
    """Two stacks in one moto: A with the defaults, B with every option
    flipped. Each test reads what AWS (moto) holds."""

    B_PARAMS = {"EndpointName": "home", "SsmPrefix": "/svpn-b", "WireGuardPort": "51999",
                "WireGuardCidr": "10.9.0.0/24", "AdminCidr": "203.0.113.7/32",
                "CreateElasticIp": "no", "AlertEmail": "ops@example.com",
                "Route53HostedZoneId": "Z0123456789ABCDEFGHIJ", "InstanceType": "t4g.micro"}

    @classmethod
    def setUpClass(cls):
        cls.tpl = load_template()
        with open(TEMPLATE, encoding="utf-8") as f:
            cls.body = f.read()
        cls.moto = Moto()
        cls.moto.start()
        try:
            c = cls.moto.client
            cls.cf, cls.ec2, cls.sqs, cls.iam = c("cloudformation"), c("ec2"), c("sqs"), c("iam")
            cls.events, cls.ssm, cls.sns = c("events"), c("ssm"), c("sns")
            cls.ami = cls.ssm.get_parameter(Name=AMI_PARAM)["Parameter"]["Value"]
            cls.a = cls.deploy("svpn-a", {})
            cls.b = cls.deploy("svpn-b", cls.B_PARAMS)
        except Exception:
            cls.moto.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    @classmethod
    def deploy(cls, name, params):
        cls.cf.create_stack(StackName=name, TemplateBody=cls.body, Capabilities=["CAPABILITY_IAM"],
                            Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                        for k, v in params.items()])
        stack = wait_for(lambda: (lambda s: s if not s["StackStatus"].endswith("_IN_PROGRESS")
                                  else None)(cls.cf.describe_stacks(StackName=name)["Stacks"][0]),
                         timeout=30, what="stack %s" % name)
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        res = cls.cf.describe_stack_resources(StackName=name)["StackResources"]
        values = {"EndpointName": "vpn", "SsmPrefix": "/stingy-vpn", "WireGuardPort": "51820",
                  "WireGuardCidr": "10.8.0.0/24", "InstanceType": "t4g.nano", "AdminCidr": "",
                  "CreateElasticIp": "yes", "AlertEmail": "", "Route53HostedZoneId": ""}
        values.update(params)
        return {"name": name, "stack": stack, "params": values,
                "out": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
                "res": {r["LogicalResourceId"]: r.get("PhysicalResourceId")
                        for r in res if "LogicalResourceId" in r}}

    # -------------------------------------------------------------- helpers
    def policy(self, s):
        arn = s["out"]["ControllerPolicyArn"]
        p = self.iam.get_policy(PolicyArn=arn)["Policy"]
        doc = self.iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])
        doc = doc["PolicyVersion"]["Document"]
        if isinstance(doc, str):
            doc = json.loads(doc)
        return doc

    @staticmethod
    def aslist(x):
        return x if isinstance(x, list) else [x]

    def arn(self, rest, service="ec2", region=REGION, account="123456789012"):
        return "arn:aws:%s:%s:%s:%s" % (service, region, account, rest)

    # ---------------------------------------------------------------- tests
    def test_outputs(self):
        for s, extra in ((self.a, EIP_OUTPUTS), (self.b, TOPIC_OUTPUTS)):
            out, p = s["out"], s["params"]
            self.assertEqual(set(out), OUTPUTS | extra, s["name"])
            self.assertEqual(out["EndpointName"], p["EndpointName"])
            self.assertEqual(out["Region"], REGION)
            self.assertEqual(out["SsmPrefix"], p["SsmPrefix"])
            self.assertEqual(out["WireGuardCidr"], p["WireGuardCidr"])
            self.assertEqual(out["WireGuardPort"], p["WireGuardPort"])
            self.assertEqual(out["InstanceType"], p["InstanceType"])
            self.assertEqual(out["LaunchTemplateId"], s["res"]["LaunchTemplate"])
            self.assertRegex(out["LaunchTemplateId"], r"^lt-[0-9a-f]{8,17}$")
            self.assertEqual(out["SubnetIds"], "%s, %s" % (s["res"]["SubnetA"], s["res"]["SubnetB"]))
            self.assertRegex(out["SecurityGroupId"], r"^sg-")
            self.assertEqual(self.iam.get_user(UserName=out["ControllerUserName"])["User"]["UserName"],
                             out["ControllerUserName"])
            self.assertEqual(self.iam.get_role(RoleName=out["InstanceRoleArn"].split("/")[-1])
                             ["Role"]["Arn"], out["InstanceRoleArn"])
            attrs = self.sqs.get_queue_attributes(QueueUrl=out["QueueUrl"],
                                                  AttributeNames=["QueueArn"])["Attributes"]
            self.assertEqual(attrs["QueueArn"], out["QueueArn"])
        self.assertRegex(self.a["out"]["ElasticIpAllocationId"], r"^eipalloc-[0-9a-f]{8,17}$")
        self.assertEqual(self.b["out"]["SnsTopicArn"], self.b["res"]["AlertTopic"])

    def test_network(self):
        for s in (self.a, self.b):
            vpc_id = s["res"]["Vpc"]
            vpc = self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
            self.assertEqual(vpc["CidrBlock"], "10.0.0.0/16")
            ids = s["out"]["SubnetIds"].split(", ")
            subnets = self.ec2.describe_subnets(SubnetIds=ids)["Subnets"]
            self.assertEqual({n["CidrBlock"] for n in subnets}, {"10.0.0.0/24", "10.0.1.0/24"})
            self.assertEqual(len({n["AvailabilityZone"] for n in subnets}), 2)
            for n in subnets:
                self.assertEqual(n["VpcId"], vpc_id)
            igws = self.ec2.describe_internet_gateways(Filters=[
                {"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
            self.assertEqual([g["InternetGatewayId"] for g in igws], [s["res"]["InternetGateway"]])
            rt = self.ec2.describe_route_tables(RouteTableIds=[s["res"]["RouteTable"]])["RouteTables"][0]
            self.assertIn(("0.0.0.0/0", igws[0]["InternetGatewayId"]),
                          [(r.get("DestinationCidrBlock"), r.get("GatewayId")) for r in rt["Routes"]])

    def ingress(self, s):
        sg = self.ec2.describe_security_groups(GroupIds=[s["out"]["SecurityGroupId"]])
        sg = sg["SecurityGroups"][0]
        self.assertEqual(sg["VpcId"], s["res"]["Vpc"])
        return sorted((p["IpProtocol"], p.get("FromPort"), p.get("ToPort"),
                       tuple(sorted(r["CidrIp"] for r in p.get("IpRanges", []))),
                       tuple(p.get("Ipv6Ranges", [])), tuple(p.get("UserIdGroupPairs", [])))
                      for p in sg["IpPermissions"])

    def test_security_group(self):
        self.assertEqual(self.ingress(self.a), [("udp", 51820, 51820, ("0.0.0.0/0",), (), ())])
        self.assertEqual(self.ingress(self.b), [("tcp", 22, 22, ("203.0.113.7/32",), (), ()),
                                                ("udp", 51999, 51999, ("0.0.0.0/0",), (), ())])

    def test_launch_template(self):
        for s in (self.a, self.b):
            lt_id = s["out"]["LaunchTemplateId"]
            v = self.ec2.describe_launch_template_versions(LaunchTemplateId=lt_id,
                                                           Versions=["$Latest"])
            data = v["LaunchTemplateVersions"][0]["LaunchTemplateData"]
            self.assertEqual(data["ImageId"], self.ami)
            self.assertEqual(data["InstanceType"], s["params"]["InstanceType"])
            self.assertEqual(data["SecurityGroupIds"], [s["out"]["SecurityGroupId"]])
            for key in ("NetworkInterfaces", "InstanceMarketOptions", "SecurityGroups"):
                self.assertNotIn(key, data)
            self.assertEqual(data["MetadataOptions"], {"HttpTokens": "required",
                                                       "HttpPutResponseHopLimit": 1,
                                                       "HttpEndpoint": "enabled"})
            [bdm] = data["BlockDeviceMappings"]
            self.assertEqual(bdm["DeviceName"], "/dev/xvda")
            self.assertEqual(bdm["Ebs"], {"VolumeType": "gp3", "DeleteOnTermination": True,
                                          "Encrypted": True})
            self.assertIn({"ResourceType": "volume",
                           "Tags": [{"Key": "Project", "Value": "stingy-vpn"}]},
                          data["TagSpecifications"])
            profile_arn = data["IamInstanceProfile"]["Arn"]
            profile = self.iam.get_instance_profile(InstanceProfileName=profile_arn.split("/")[-1])
            self.assertEqual(profile["InstanceProfile"]["Arn"], profile_arn)
            self.assertEqual([r["Arn"] for r in profile["InstanceProfile"]["Roles"]],
                             [s["out"]["InstanceRoleArn"]])
            got = base64.b64decode(data["UserData"]).decode("utf-8")
            p = s["params"]
            want = fn_sub(userdata_sub(self.tpl), {
                "SsmPrefix": p["SsmPrefix"], "WireGuardPort": p["WireGuardPort"],
                "WireGuardCidr": p["WireGuardCidr"], "AWS::Region": REGION})
            self.assertIn("STINGY_PREFIX=%s\nSTINGY_PORT=%s\nSTINGY_CIDR=%s\n" % (
                p["SsmPrefix"], p["WireGuardPort"], p["WireGuardCidr"]), got)
            # moto's Fn::Sub misses some ${!...} literals (see the top).
            self.assertEqual(got.replace("${!", "${"), want)

    def test_queues(self):
        for s in (self.a, self.b):
            q = self.sqs.get_queue_attributes(QueueUrl=s["out"]["QueueUrl"],
                                              AttributeNames=["All"])["Attributes"]
            dlq = self.sqs.get_queue_attributes(QueueUrl=s["out"]["DeadLetterQueueUrl"],
                                                AttributeNames=["All"])["Attributes"]
            self.assertEqual(q["SqsManagedSseEnabled"], "true")
            self.assertEqual(q["MessageRetentionPeriod"], "3600")
            self.assertEqual(q["VisibilityTimeout"], "60")
            self.assertEqual(json.loads(q["RedrivePolicy"]),
                             {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 5})
            self.assertEqual(dlq["SqsManagedSseEnabled"], "true")
            self.assertEqual(dlq["MessageRetentionPeriod"], "1209600")
            self.assertNotIn("RedrivePolicy", dlq)

    def test_rules_and_delivery(self):
        s = self.a
        want = {
            "Ec2EventsRule": {"source": ["aws.ec2"], "detail-type": [
                "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
                "EC2 Instance State-change Notification"]},
            "HealthEventsRule": {"source": ["aws.health"], "detail-type": ["AWS Health Event"],
                                 "detail": {"service": ["EC2"],
                                            "eventTypeCategory": ["scheduledChange"]}},
        }
        for logical, pattern in want.items():
            name = s["res"][logical]
            rule = self.events.describe_rule(Name=name)
            self.assertEqual(json.loads(rule["EventPattern"]), pattern)
            self.assertEqual(rule["State"], "ENABLED")
            targets = self.events.list_targets_by_rule(Rule=name)["Targets"]
            self.assertEqual([t["Arn"] for t in targets], [s["out"]["QueueArn"]])
        samples = ["spot-interruption-warning.json", "rebalance-recommendation.json",
                   "state-change-running.json", "health-scheduled-change.json"]
        entries = []
        for f in samples:
            with open(os.path.join(SHARED, "events", f), encoding="utf-8") as fh:
                ev = json.load(fh)
            entries.append({"Source": ev["source"], "DetailType": ev["detail-type"],
                            "Detail": json.dumps(ev["detail"])})
        # Not for the rules: another EC2 event, and a Health event of RDS.
        entries.append({"Source": "aws.ec2", "DetailType": "EC2 AMI State Change",
                        "Detail": json.dumps({"ImageId": "ami-1", "State": "available"})})
        entries.append({"Source": "aws.health", "DetailType": "AWS Health Event",
                        "Detail": json.dumps({"service": "RDS",
                                              "eventTypeCategory": "scheduledChange"})})
        r = self.events.put_events(Entries=entries)
        self.assertEqual(r["FailedEntryCount"], 0)
        got = []

        def drain():
            m = self.sqs.receive_message(QueueUrl=s["out"]["QueueUrl"], MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1)
            for msg in m.get("Messages", []):
                got.append(json.loads(msg["Body"]))
                self.sqs.delete_message(QueueUrl=s["out"]["QueueUrl"],
                                        ReceiptHandle=msg["ReceiptHandle"])
            return len(got) >= 4
        wait_for(drain, timeout=15, what="four events in the queue")
        drain()
        self.assertEqual(sorted(e["detail-type"] for e in got), sorted(
            ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
             "EC2 Instance State-change Notification", "AWS Health Event"]))
        warning = [e for e in got if e["detail-type"].startswith("EC2 Spot")][0]
        self.assertEqual(warning["detail"], {"instance-id": "i-0abc1234def567890",
                                             "instance-action": "terminate"})
        health = [e for e in got if e["source"] == "aws.health"][0]
        self.assertEqual(health["detail"]["service"], "EC2")

    def test_ssm_parameter(self):
        for s in (self.a, self.b):
            p = self.ssm.get_parameter(Name=s["params"]["SsmPrefix"] + "/instance-id")["Parameter"]
            self.assertEqual((p["Type"], p["Value"]), ("String", "initial"))

    def test_optional_resources(self):
        """EIP iff CreateElasticIp=yes, topic and subscription iff AlertEmail."""
        addrs = self.ec2.describe_addresses()["Addresses"]
        self.assertEqual([(a["AllocationId"], a["PublicIp"], a["Domain"]) for a in addrs],
                         [(self.a["out"]["ElasticIpAllocationId"], self.a["out"]["ElasticIp"], "vpc")])
        self.assertNotIn("Eip", self.b["res"])
        self.assertNotIn("AlertTopic", self.a["res"])
        topics = [t["TopicArn"] for t in self.sns.list_topics()["Topics"]]
        self.assertEqual(topics, [self.b["out"]["SnsTopicArn"]])
        subs = self.sns.list_subscriptions_by_topic(TopicArn=topics[0])["Subscriptions"]
        self.assertEqual([(x["Protocol"], x["Endpoint"]) for x in subs], [("email", "ops@example.com")])

    def test_controller_identity(self):
        for s in (self.a, self.b):
            user = s["out"]["ControllerUserName"]
            attached = self.iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
            self.assertEqual([p["PolicyArn"] for p in attached], [s["out"]["ControllerPolicyArn"]])
            self.assertEqual(self.iam.list_user_policies(UserName=user)["PolicyNames"], [])
            self.assertEqual(self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"], [])

    def test_controller_policy_is_tight(self):
        """No wildcard action; Resource "*" only on the three Describe calls;
        every write limited to this stack's things; nothing else granted."""
        common = {"ec2:RunInstances", "ec2:CreateTags", "ec2:TerminateInstances",
                  "iam:PassRole", "iam:CreateServiceLinkedRole", "ssm:GetParameter",
                  "ssm:PutParameter", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                  "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility",
                  "cloudformation:DescribeStacks"} | DESCRIBE_ONLY
        for s, extra in ((self.a, {"ec2:AssociateAddress"}),
                         (self.b, {"sns:Publish", "route53:ChangeResourceRecordSets",
                                   "route53:ListResourceRecordSets", "route53:GetChange"})):
            doc = self.policy(s)
            self.assertEqual(doc["Version"], "2012-10-17")
            # IAM's limit for a managed policy, blanks not counted.
            self.assertLess(len(json.dumps(doc, separators=(",", ":"))), 6144)
            sts = doc["Statement"]
            actions = set()
            for st in sts:
                self.assertEqual(st["Effect"], "Allow")
                self.assertNotIn("NotAction", st)
                self.assertNotIn("NotResource", st)
                acts = set(self.aslist(st["Action"]))
                for a in acts:
                    self.assertNotIn("*", a, st)
                actions |= acts
                if "*" in self.aslist(st["Resource"]):
                    self.assertEqual(self.aslist(st["Resource"]), ["*"])
                    self.assertEqual(acts, DESCRIBE_ONLY, st)
            self.assertEqual(actions, common | extra, s["name"])
            self.check_statements(s, {st["Sid"]: st for st in sts})

    def check_statements(self, s, by):
        out, p = s["out"], s["params"]
        lt_arn = self.arn("launch-template/" + out["LaunchTemplateId"])
        stack = self.arn("stack/%s/*" % s["name"], "cloudformation")
        self.assertEqual(by["RunFromOurTemplate"]["Resource"], lt_arn)
        run = by["RunOurInstances"]
        self.assertEqual(run["Resource"], self.arn("instance/*"))
        cond = run["Condition"]
        self.assertEqual(cond["ArnEquals"], {"ec2:LaunchTemplate": lt_arn})
        self.assertEqual(cond["StringEquals"], {
            "ec2:InstanceMarketType": "spot",
            "aws:RequestTag/stingy-vpn:endpoint": p["EndpointName"],
            "aws:RequestTag/Project": "stingy-vpn"})
        self.assertEqual(set(cond["ForAllValues:StringEquals"]["aws:TagKeys"]), LAUNCH_TAG_KEYS)
        created = by["RunCreatesVolumeAndInterface"]
        self.assertEqual(set(created["Resource"]), {self.arn("volume/*"),
                                                    self.arn("network-interface/*")})
        self.assertEqual(created["Condition"], {"ArnEquals": {"ec2:LaunchTemplate": lt_arn}})
        a, b = out["SubnetIds"].split(", ")
        self.assertEqual(set(by["RunInOurNetwork"]["Resource"]), {
            self.arn("subnet/" + a), self.arn("subnet/" + b),
            self.arn("security-group/" + out["SecurityGroupId"]),
            self.arn("spot-instances-request/*")})
        self.assertNotIn("Condition", by["RunInOurNetwork"])
        img = by["RunAmazonImages"]
        self.assertEqual((img["Resource"], img["Condition"]),
                         ("arn:aws:ec2:%s::image/*" % REGION,
                          {"StringEquals": {"ec2:Owner": "amazon"}}))
        slr = by["SpotServiceLinkedRole"]
        self.assertEqual(slr["Resource"], "arn:aws:iam::123456789012:role/aws-service-role/"
                         "spot.amazonaws.com/AWSServiceRoleForEC2Spot")
        self.assertEqual(slr["Condition"], {"StringEquals": {"iam:AWSServiceName": "spot.amazonaws.com"}})
        self.assertEqual(by["PassInstanceRole"]["Resource"], out["InstanceRoleArn"])
        self.assertEqual(by["PassInstanceRole"]["Condition"],
                         {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
        tag = by["TagAtLaunch"]
        self.assertEqual(set(tag["Resource"]), {self.arn("instance/*"), self.arn("volume/*"),
                                                self.arn("spot-instances-request/*")})
        self.assertEqual(tag["Condition"], {"StringEquals": {"ec2:CreateAction": "RunInstances"}})
        own = by["TagOurInstances"]
        self.assertEqual(own["Resource"], self.arn("instance/*"))
        self.assertEqual(own["Condition"]["StringEquals"],
                         {"aws:ResourceTag/stingy-vpn:endpoint": p["EndpointName"]})
        keys = set(own["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"])
        self.assertFalse(keys & {"stingy-vpn:endpoint", "Project"}, "ownership tags changeable")
        ours = {"StringEquals": {"aws:ResourceTag/stingy-vpn:endpoint": p["EndpointName"],
                                 "aws:ResourceTag/Project": "stingy-vpn"}}
        term = by["TerminateOurInstances"]
        self.assertEqual((term["Action"], term["Resource"], term["Condition"]),
                         ("ec2:TerminateInstances", self.arn("instance/*"), ours))
        self.assertEqual(by["OurParameters"]["Resource"],
                         self.arn("parameter%s/*" % p["SsmPrefix"], "ssm"))
        self.assertEqual(by["OurQueue"]["Resource"], out["QueueArn"])
        self.assertEqual(by["ReadThisStack"]["Resource"], stack)
        # The "no" branches of the optional statements repeat ReadThisStack.
        noop = {k: v for k, v in by["ReadThisStack"].items() if k != "Sid"}
        if p["CreateElasticIp"] == "yes":
            assoc = by["AssociateOurAddress"]
            self.assertEqual(set(assoc["Resource"]), {
                self.arn("elastic-ip/" + out["ElasticIpAllocationId"]), self.arn("instance/*")})
            self.assertEqual(assoc["Condition"], ours)
        else:
            self.assertEqual({k: v for k, v in by["NoElasticIp"].items() if k != "Sid"}, noop)
        if p["AlertEmail"]:
            self.assertEqual(by["PublishAlerts"]["Resource"], out["SnsTopicArn"])
        else:
            self.assertEqual({k: v for k, v in by["NoAlertTopic"].items() if k != "Sid"}, noop)
        zone = "arn:aws:route53:::hostedzone/" + p["Route53HostedZoneId"]
        if p["Route53HostedZoneId"]:
            up = by["UpsertARecords"]
            self.assertEqual((up["Action"], up["Resource"]), ("route53:ChangeResourceRecordSets", zone))
            self.assertEqual(up["Condition"], {"ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
                "route53:ChangeResourceRecordSetsRecordTypes": ["A"]}})
            self.assertEqual(set(by["ReadRecordsAndChanges"]["Resource"]),
                             {zone, "arn:aws:route53:::change/*"})
        else:
            for sid in ("NoHostedZone", "NoHostedZoneRead"):
                self.assertEqual({k: v for k, v in by[sid].items() if k != "Sid"}, noop)

    def test_instance_role(self):
        for s in (self.a, self.b):
            name = s["out"]["InstanceRoleArn"].split("/")[-1]
            role = self.iam.get_role(RoleName=name)["Role"]
            trust = role["AssumeRolePolicyDocument"]
            if isinstance(trust, str):
                trust = json.loads(trust)
            self.assertEqual([(t["Effect"], t["Principal"], t["Action"]) for t in trust["Statement"]],
                             [("Allow", {"Service": "ec2.amazonaws.com"}, "sts:AssumeRole")])
            self.assertEqual(self.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"], [])
            [pname] = self.iam.list_role_policies(RoleName=name)["PolicyNames"]
            doc = self.iam.get_role_policy(RoleName=name, PolicyName=pname)["PolicyDocument"]
            if isinstance(doc, str):
                doc = ast.literal_eval(doc)     # moto: a repr, not JSON
            by = {st["Sid"]: st for st in doc["Statement"]}
            self.assertEqual(set(by), {"ReadWireGuardSettings", "TagSelfReady"})
            read = by["ReadWireGuardSettings"]
            self.assertEqual(set(read["Action"]), {"ssm:GetParameter", "ssm:GetParameters"})
            self.assertEqual(read["Resource"],
                             self.arn("parameter%s/wireguard/*" % s["params"]["SsmPrefix"], "ssm"))
            self.assertNotIn("Condition", read)
            tag = by["TagSelfReady"]
            self.assertEqual((tag["Action"], tag["Resource"]), ("ec2:CreateTags", self.arn("instance/*")))
            self.assertEqual(tag["Condition"], {
                "StringEquals": {"aws:ARN": "${ec2:SourceInstanceARN}"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["stingy-vpn:ready"]}})


if __name__ == "__main__":
    unittest.main()
