"""`stingy-vpn cost`: the monthly estimate from the current spot prices.

moto answers DescribeSpotPriceHistory with placeholder prices, so most
tests run the real binary against FakeEc2, a tiny HTTP server standing in
for EC2 (AWS_ENDPOINT_URL_EC2): it checks that each request is a
DescribeSpotPriceHistory signed with SigV4 (the signature recomputed here,
independently of the C signer) with the expected InstanceType.N,
ProductDescription.1, StartTime and MaxResults, and answers the recorded
pages in tests/fixtures/spotprice/ (page 1 carries a nextToken, which must
come back on the second request). The printed and JSON figures are checked
exactly against figures computed here, in Python with Decimal, from the
fixture and the constants cost.h documents. One test runs against moto
itself, to prove a real implementation accepts the request.
"""
import datetime
import decimal
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import types
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import BIN, CREDS, REGION, Moto, World, free_port, write_conf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures", "spotprice")
PAGE1 = os.path.join(FIX, "describe_spot_price_history_page1.xml")
PAGE2 = os.path.join(FIX, "describe_spot_price_history_page2.xml")
ERROR = os.path.join(FIX, "error_unauthorized.xml")
NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"

# The documented constants (controller/cost.h), written out again here.
HOURS = 730
IPV4_PER_HOUR = Decimal("0.005")
GP3_PER_GB_MONTH = Decimal("0.08")
ROOT_GB = 8
DATA_PER_GB = Decimal("0.09")
DATA_FREE_GB = 100
ON_DEMAND = {("t4g.nano", "us-east-1"): Decimal("0.0042"),
             ("t4g.nano", "eu-west-1"): Decimal("0.0046"),
             ("t4g.micro", "us-east-1"): Decimal("0.0084"),
             ("t4g.micro", "eu-west-1"): Decimal("0.0092")}

TYPES = ["t4g.nano", "t4g.micro"]
CONF_REGION = "eu-west-1"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fixture_prices():
    """[(type, zone, Decimal price)] of both pages, and page 1's nextToken."""
    out, token = [], None
    for path in (PAGE1, PAGE2):
        root = ET.fromstring(read(path))
        for item in root.iter(NS + "item"):
            out.append((item.findtext(NS + "instanceType"),
                        item.findtext(NS + "availabilityZone"),
                        Decimal(item.findtext(NS + "spotPrice"))))
        token = token or root.findtext(NS + "nextToken")
    return out, token


def usd(d, places=2):
    return str(d.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP))


def micro(d):
    return int((d * 1000000).to_integral_value(rounding=decimal.ROUND_HALF_UP))


def pct(num, den):
    return int((Decimal(100) * num / den).to_integral_value(rounding=decimal.ROUND_HALF_UP))


def expected(prices, region, types_, data_gb):
    """The estimate, computed from scratch: the first type with a price at
    its dearest zone; IPv4, EBS, data past the free 100 GB."""
    first = next(t for t in types_ if any(p[0] == t for p in prices))
    run = max((p for p in prices if p[0] == first), key=lambda p: p[2])
    cheapest = min(prices, key=lambda p: p[2])
    items = {
        "instance": run[2] * HOURS,
        "cheapest": cheapest[2] * HOURS,
        "public IPv4": IPV4_PER_HOUR * HOURS,
        "EBS": GP3_PER_GB_MONTH * ROOT_GB,
        "data out": max(0, data_gb - DATA_FREE_GB) * DATA_PER_GB,
    }
    total = sum(v for k, v in items.items() if k != "cheapest")
    od_hour = ON_DEMAND[(run[0], region)]
    od_total = total - items["instance"] + od_hour * HOURS
    return {"run": run, "cheapest": cheapest, "items": items, "total": total,
            "od_hour": od_hour, "od_total": od_total,
            "save": pct(od_total - total, od_total),
            "save_instance": pct(od_hour - run[2], od_hour)}


# ---- SigV4, recomputed ----

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_problem(method, path, headers, body, secret):
    """None when the request's Authorization is a valid SigV4 signature
    made with secret, else what is wrong."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header: %r" % auth[:40]
    fields = dict(kv.strip().split("=", 1) for kv in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        return "bad credential scope %r" % fields["Credential"]
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return "host and x-amz-date must be signed: %r" % signed
    lower = {k.lower(): v for k, v in headers.items()}
    canon_headers = "".join("%s:%s\n" % (h, " ".join(lower.get(h, "").split())) for h in signed)
    payload = hashlib.sha256(body).hexdigest()
    if lower.get("x-amz-content-sha256", payload) != payload:
        return "x-amz-content-sha256 does not match the body"
    creq = "\n".join([method, path, "", canon_headers, ";".join(signed), payload])
    amz_date = lower["x-amz-date"]
    scope = "/".join(cred[1:])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = _hmac(("AWS4" + secret).encode(), cred[1])
    for part in cred[2:]:
        k = _hmac(k, part)
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, fields["Signature"]):
        return "signature mismatch"
    return None


class FakeEc2:
    """EC2 for DescribeSpotPriceHistory only. mode: "pages" (the recorded
    two pages), "error" (403 UnauthorizedOperation), "garbage" (a 200 with
    a price that is not a number). Every request is kept in `requests` as
    (params, scope); `problems` lists what was wrong with any of them."""

    def __init__(self, mode="pages", region=CONF_REGION, types_=TYPES):
        self.mode = mode
        self.region = region
        self.types = types_
        self.requests = []
        self.problems = []
        self.token = fixture_prices()[1]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                code, answer = fake.answer(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(code)
                self.send_header("Content-Type", "text/xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def check(self, method, path, headers, body):
        """What is wrong with one request, as a list of strings."""
        bad = []
        if method != "POST" or path != "/":
            bad.append("%s %s, want POST /" % (method, path))
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            bad.append("content type %r" % headers.get("Content-Type"))
        why = sigv4_problem(method, path, headers, body, CREDS["AWS_SECRET_ACCESS_KEY"])
        if why:
            bad.append("sigv4: " + why)
        auth = headers.get("Authorization", "")
        scope = "Credential=%s/%s/%s/ec2/aws4_request," % (
            CREDS["AWS_ACCESS_KEY_ID"], time.strftime("%Y%m%d", time.gmtime()), self.region)
        if scope not in auth:
            bad.append("credential scope is not %s: %r" % (scope, auth[:120]))
        q = urllib.parse.parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
        p = {k: v[0] for k, v in q.items()}
        if any(len(v) != 1 for v in q.values()):
            bad.append("a parameter given twice: %r" % q)
        want = {"Action": "DescribeSpotPriceHistory", "Version": "2016-11-15",
                "ProductDescription.1": "Linux/UNIX", "MaxResults": "1000"}
        for i, t in enumerate(self.types, 1):
            want["InstanceType.%d" % i] = t
        for k, v in want.items():
            if p.get(k) != v:
                bad.append("%s=%r, want %r" % (k, p.get(k), v))
        extra = set(p) - set(want) - {"StartTime", "NextToken"}
        if extra:
            bad.append("unexpected parameters %s" % sorted(extra))
        try:
            start = datetime.datetime.strptime(p.get("StartTime", ""), "%Y-%m-%dT%H:%M:%SZ")
            start = start.replace(tzinfo=datetime.timezone.utc).timestamp()
            if abs(start - time.time()) > 120:
                bad.append("StartTime %s is not now" % p["StartTime"])
        except ValueError:
            bad.append("StartTime %r is not ISO 8601 UTC" % p.get("StartTime"))
        return p, bad

    def answer(self, method, path, headers, body):
        p, bad = self.check(method, path, headers, body)
        self.requests.append(p)
        self.problems.extend(bad)
        if self.mode == "error":
            return 403, read(ERROR)
        if self.mode == "garbage":
            return 200, read(PAGE2).replace(b"0.003200", b"0,0032")
        if "NextToken" not in p:
            if len(self.requests) != 1:
                self.problems.append("request %d without NextToken" % len(self.requests))
            return 200, read(PAGE1)
        if p["NextToken"] != self.token:
            self.problems.append("NextToken %r, want %r" % (p["NextToken"], self.token))
            return 400, b"<Response><Errors><Error><Code>InvalidNextToken</Code></Error></Errors></Response>"
        first = dict(self.requests[0])
        same = {k: v for k, v in p.items() if k != "NextToken"}
        if same != first:
            self.problems.append("page 2 changed the query: %r vs %r" % (same, first))
        return 200, read(PAGE2)


class CostTest(unittest.TestCase):

    def setUp(self):
        if not os.path.exists(BIN):
            self.fail("binary %s is missing: run make first" % BIN)
        self.tmp = tempfile.mkdtemp(prefix="stingy-cost-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.conf = os.path.join(self.tmp, "desired.conf")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
                    "LANG": "C",
                    # anything but EC2 would go nowhere
                    "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % free_port()}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(CREDS)

    def fake(self, mode="pages"):
        f = FakeEc2(mode).start()
        self.addCleanup(f.stop)
        self.env["AWS_ENDPOINT_URL_EC2"] = f.url
        return f

    def write(self, world=None, region=CONF_REGION, **overrides):
        world = world or types.SimpleNamespace(
            endpoint="vpn", launch_template="lt-0123456789abcdef0",
            queue_url="https://sqs.%s.amazonaws.com/123456789012/stingy-vpn-events" % region,
            subnets=["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
        write_conf(self.conf, world, os.path.join(self.tmp, "state.db"), free_port(),
                   region=region, **overrides)

    def cost(self, *args, env=None):
        r = subprocess.run([BIN, "cost", "-c", self.conf] + list(args), env=env or self.env,
                           capture_output=True, text=True, timeout=60)
        for line in r.stderr.splitlines():
            self.assertNotIn("Sanitizer", line, r.stderr)
            self.assertNotIn("runtime error:", line, r.stderr)
        return r

    def assertClean(self, fake, pages=2):
        self.assertEqual(fake.problems, [])
        self.assertEqual(len(fake.requests), pages)

    def test_text_from_two_pages(self):
        fake = self.fake()
        self.write(elastic_ip="eipalloc-0123456789abcdef0",
                   sns_topic="arn:aws:sns:eu-west-1:123456789012:stingy-vpn")
        r = self.cost()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertClean(fake)
        prices, _ = fixture_prices()
        want = expected(prices, CONF_REGION, TYPES, 10)
        lines = {ln.split()[0] if not ln.startswith("public IPv4") else "public IPv4": ln
                 for ln in r.stdout.splitlines() if ln.strip()}
        self.assertEqual(lines["total"].split(), ["total", usd(want["total"])])
        self.assertTrue(lines["instance"].endswith(" " + usd(want["items"]["instance"])),
                        lines["instance"])
        self.assertIn("t4g.nano spot, up to $%s/h (%s;" % (usd(want["run"][2], 4), want["run"][1]),
                      lines["instance"])
        self.assertTrue(lines["cheapest"].endswith(" " + usd(want["items"]["cheapest"])))
        self.assertIn("%s in %s" % want["cheapest"][:2], lines["cheapest"])
        self.assertTrue(lines["public IPv4"].endswith(" 3.65"), lines["public IPv4"])
        self.assertIn("Elastic IP", lines["public IPv4"])
        self.assertTrue(lines["EBS"].endswith(" " + usd(want["items"]["EBS"])))
        self.assertIn("on-demand would be $%s (you save %d%%; the instance alone %d%%)"
                      % (usd(want["od_total"]), want["save"], want["save_instance"]), r.stdout)
        # the figures the README shows
        self.assertEqual((usd(want["total"]), usd(want["od_total"]), want["save"]),
                         ("5.68", "7.65", 26))

    def test_json_numbers(self):
        fake = self.fake()
        self.write()            # no Elastic IP, no topic
        r = self.cost("--json", "--data-gb", "250")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertClean(fake)
        got = json.loads(r.stdout)
        prices, _ = fixture_prices()
        want = expected(prices, CONF_REGION, TYPES, 250)
        self.assertEqual(got["region"], CONF_REGION)
        self.assertEqual(got["endpoint"], "vpn")
        self.assertEqual(got["data_gb"], 250)
        self.assertEqual(got["hours_per_month"], HOURS)
        self.assertEqual(got["total_micro_usd_per_month"], micro(want["total"]))
        self.assertEqual(got["total_usd_per_month"], usd(want["total"]))
        items = {i["item"]: i for i in got["items"]}
        for name, value in want["items"].items():
            self.assertEqual(items[name]["micro_usd_per_month"], micro(value), name)
            self.assertEqual(items[name]["usd_per_month"], usd(value), name)
        self.assertIn("auto-assigned", items["public IPv4"]["basis"])
        self.assertEqual(sum(i["micro_usd_per_month"] for i in got["items"] if i["in_total"]),
                         micro(want["total"]))
        self.assertEqual([i["item"] for i in got["items"] if not i["in_total"]], ["cheapest"])
        inst = got["instance"]
        self.assertEqual((inst["instance_type"], inst["availability_zone"],
                          inst["micro_usd_per_hour"]),
                         (want["run"][0], want["run"][1], micro(want["run"][2])))
        self.assertEqual(got["cheapest"]["micro_usd_per_hour"], micro(want["cheapest"][2]))
        self.assertEqual(sorted((p["instance_type"], p["availability_zone"], p["micro_usd_per_hour"])
                                for p in got["spot_prices"]),
                         sorted((t, z, micro(p)) for t, z, p in prices))
        od = got["on_demand"]
        self.assertTrue(od["known"])
        self.assertEqual(od["micro_usd_per_hour"], micro(want["od_hour"]))
        self.assertEqual(od["total_micro_usd_per_month"], micro(want["od_total"]))
        self.assertEqual(od["save_percent"], want["save"])
        self.assertEqual(od["instance_save_percent"], want["save_instance"])
        # 1.387 + 3.65 + 0.64 + 150 x 0.09
        self.assertEqual(got["total_micro_usd_per_month"], 19177000)

    def test_ec2_error(self):
        fake = self.fake("error")
        self.write()
        r = self.cost()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("stingy-vpn cost: ec2 DescribeSpotPriceHistory in eu-west-1: "
                      "UnauthorizedOperation: ", r.stderr)
        self.assertIn("(HTTP 403)", r.stderr)
        self.assertEqual(len(fake.requests), 1)      # a 403 is not retried
        self.assertEqual(fake.problems, [])

    def test_garbage_price(self):
        fake = self.fake("garbage")
        self.write()
        r = self.cost("--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("ec2 DescribeSpotPriceHistory in eu-west-1: MalformedResponse: ", r.stderr)
        self.assertIn('bad spotPrice "0,0032"', r.stderr)
        self.assertEqual(fake.problems, [])

    def test_usage_and_config(self):
        fake = self.fake()
        self.write()
        for args in (["--data-gb", "ten"], ["--data-gb", "-1"], ["--data-gb", "1000001"],
                     ["extra"], ["--bogus"]):
            r = self.cost(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertEqual(r.stdout, "")
        r = subprocess.run([BIN, "cost", "-c", os.path.join(self.tmp, "missing.conf")],
                           env=self.env, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("missing.conf", r.stderr)
        with open(self.conf, "a") as f:
            f.write("[endpoint vpn]\nnot_a_key = 1\n")
        self.assertEqual(self.cost().returncode, 2)
        self.write()
        env = {k: v for k, v in self.env.items() if not k.startswith("AWS_ACCESS")
               and not k.startswith("AWS_SECRET")}
        r = self.cost(env=env)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("credentials", r.stderr)
        self.assertEqual(fake.requests, [])          # nothing was asked
        r = subprocess.run([BIN, "cost", "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--data-gb", r.stdout)

    def test_against_moto(self):
        """moto accepts the request as sent (its prices are placeholders:
        0.00001 $/h in every zone, t4g.nano first in us-east-1)."""
        moto = Moto()
        moto.start()
        self.addCleanup(moto.stop)
        world = World(moto)
        self.write(world=world, region=REGION)
        self.env["AWS_ENDPOINT_URL"] = moto.url
        r = self.cost()
        self.assertEqual(r.returncode, 0, r.stderr)
        total = [ln for ln in r.stdout.splitlines() if ln.startswith("total")]
        self.assertEqual(len(total), 1, r.stdout)
        # 0.00001 x 730 + 3.65 + 0.64 = 4.2973; on-demand 0.0042 x 730 + 4.29 = 7.356
        self.assertEqual(total[0].split(), ["total", "4.30"])
        self.assertIn("on-demand would be $7.36", r.stdout)


if __name__ == "__main__":
    unittest.main()
