"""The DNS record follows the endpoint: Cloudflare (the fake in fakecf.py,
which records every request) and Route 53 (moto).

Each test runs the real daemon against moto through the recording proxy
(test_reconcile.ReconcileTest), with the instance bootstrap played by a
thread. Asserts are on what the provider holds, on exactly what was sent to
it, on /status, /healthz, the SQLite row and the SNS alerts; and, for every
test, that the Cloudflare token is in no log line, status page or file.
"""
import http.server
import json
import os
import signal
import threading
import time
import unittest
import urllib.request

from fakecf import FakeCloudflare, new_id
from harness import http_get, wait_for
from loopback import LoopbackHTTPServer
from test_reconcile import ReconcileTest

TOKEN = "cf-test-token-4b9d0c7e1a2f"
TOKEN_PARAM = "/stingy-vpn/cloudflare-token"
ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
NAME = "vpn.example.com"


class DnsTest(ReconcileTest):
    """A fake Cloudflare with the zone, the token in SSM, SNS into an inbox."""

    def setUp(self):
        super().setUp()
        self.cf = FakeCloudflare(token=TOKEN).start()
        self.addCleanup(self.cf.stop)
        self.cf.add_zone(ZONE, "example.com")
        self.world.ssm.put_parameter(Name=TOKEN_PARAM, Value=TOKEN, Type="SecureString")
        sns = self.moto.client("sns")
        self.topic = sns.create_topic(Name="stingy-vpn-alerts")["TopicArn"]
        q = self.world.sqs.create_queue(QueueName="alert-inbox")
        self.inbox = q["QueueUrl"]
        arn = self.world.sqs.get_queue_attributes(
            QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=arn)
        self.alerts = []

    def tearDown(self):
        leaks = []
        for d in self.daemons:
            if TOKEN in d.output():
                leaks.append("log " + d.logpath)
        if os.path.exists(self.db):
            for suffix in ("", "-wal"):
                if os.path.exists(self.db + suffix):
                    with open(self.db + suffix, "rb") as f:
                        if TOKEN.encode() in f.read():
                            leaks.append("file " + self.db + suffix)
        for a in self.alerts:
            if TOKEN in json.dumps(a):
                leaks.append("alert %s" % a.get("Subject"))
        super().tearDown()
        self.assertEqual(leaks, [], "the token leaked")

    # ---- helpers ----

    def start_dns(self, eip=False, **overrides):
        keys = {"elastic_ip": self.eip if eip else None, "sqs_wait": "1s",
                "describe_interval": "10s", "sns_topic": self.topic,
                "dns_provider": "cloudflare", "dns_name": NAME, "dns_zone_id": ZONE,
                "dns_token_parameter": TOKEN_PARAM, "dns_api_url": self.cf.url}
        keys.update(overrides)
        d = self.start_daemon(**keys)
        self.wait_healthy_or_dns(timeout=30)
        return d

    def wait_healthy_or_dns(self, timeout):
        """/healthz answers (200, or 503 for a DNS reason only)."""
        def up():
            code, body = http_get(self.url("/healthz"))
            return code == 200 or (code == 503 and body.startswith("dns:"))
        wait_for(up, timeout, what="/healthz up")

    def public_ip(self, iid):
        return self.world.instances(states=None)[iid].get("PublicIpAddress", "")

    def record_content(self):
        recs = self.cf.records(ZONE, name=NAME, type="A")
        return recs[0]["content"] if len(recs) == 1 else None

    def dns_primary(self, exclude=()):
        """The one alive instance when it is ready, SSM names it and the
        record holds its public IP; else None."""
        alive = self.alive()
        if len(alive) != 1:
            return None
        (iid, inst), = alive.items()
        if iid in exclude or "stingy-vpn:ready" not in inst["TagMap"]:
            return None
        ip = inst.get("PublicIpAddress")
        if not ip or self.record_content() != ip or self.world.ssm_value() != iid:
            return None
        return iid

    def wait_dns_primary(self, exclude=(), timeout=60):
        return wait_for(lambda: self.dns_primary(exclude), timeout=timeout, interval=0.25,
                        what="one ready instance with SSM and the record on it (not %s)"
                             % (list(exclude),))

    def dns_status(self):
        return self.status()["dns"]

    def collect(self):
        r = self.world.sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0)
        for m in r.get("Messages", []):
            self.alerts.append(json.loads(m["Body"]))
            self.world.sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=m["ReceiptHandle"])
        return [a.get("Subject", "") for a in self.alerts]

    def wait_describes(self, n=2):
        m = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= m + n,
                 timeout=15 * n + 10, what="%d more describes" % n)

    def assert_bodies(self, reqs, content, ttl=60):
        for r in reqs:
            self.assertEqual(r["body"], {"type": "A", "name": NAME, "content": content,
                                         "ttl": ttl, "proxied": False}, r)

    def assert_bearer(self):
        for r in self.cf.requests():
            self.assertEqual(r["headers"].get("authorization"), "Bearer " + TOKEN, r["path"])


class CloudflareSyncTest(DnsTest):
    def test_first_sync_then_failover(self):
        rid = self.cf.add_record(ZONE, NAME, "192.0.2.1")      # holds another value
        self.start_dns()
        a = self.wait_dns_primary()
        ip_a = self.public_ip(a)

        # Read (list by name and type), one PATCH, read back.
        reqs = self.cf.requests()
        ops = [r["op"] for r in reqs]
        self.assertEqual(ops[:3], ["list", "patch", "get"], ops)
        self.assertEqual(reqs[0]["query"], {"type": "A", "name": NAME})
        self.assertEqual(reqs[1]["path"], "/client/v4/zones/%s/dns_records/%s" % (ZONE, rid))
        writes = self.cf.writes()
        self.assertEqual(len(writes), 1, writes)
        self.assert_bodies(writes, ip_a)
        self.assertEqual(self.cf.record(rid)["proxied"], False)
        self.assert_bearer()
        # The record moved before SSM named the instance.
        put = self.first("PutParameter", lambda q: q.get("Value") == a)
        self.assertLess(writes[0]["time"], put.t)

        st = wait_for(lambda: self.dns_status()["in_sync"] and self.dns_status(), timeout=10,
                      what="status in sync")
        self.assertEqual((st["provider"], st["name"], st["value"], st["want"]),
                         ("cloudflare", NAME, ip_a, ip_a))
        self.assertIsNotNone(st["synced_at"])
        self.assertIsNone(st["config_error"])
        row = self.query("SELECT dns_value, dns_synced_at FROM endpoint")
        self.assertEqual(row[0][0], ip_a)
        self.assertGreater(row[0][1], 0)
        audit = self.query("SELECT target, detail, result FROM audit WHERE action = 'upsert-dns'")
        self.assertEqual(audit, [(NAME, "192.0.2.1 -> " + ip_a, "ok")])

        # An interruption: the record follows the replacement, then the old goes.
        self.warn(a)
        b = self.wait_dns_primary(exclude=(a,))
        ip_b = self.public_ip(b)
        self.assertNotEqual(ip_a, ip_b)
        writes = self.cf.writes()
        self.assertEqual(len(writes), 2, writes)
        self.assert_bodies(writes[1:], ip_b)
        term = self.terminate_of(a)
        self.assertLess(writes[1]["time"], term.t)
        self.assert_end_state(b, 2)
        self.assertEqual(self.cf.errors, [])
        self.assert_bearer()
        out = self.daemons[0].output()
        self.assertIn("dns %s: A %s confirmed (was %s)" % (NAME, ip_b, ip_a), out)

    def test_no_write_when_the_record_is_right(self):
        a = self.world.run_instance(tags={"stingy-vpn:ready": "1"})
        ip = self.public_ip(a)
        rid = self.cf.add_record(ZONE, NAME, ip, ttl=60)
        self.start_dns(dns_record_id=rid)
        self.assertEqual(self.wait_dns_primary(), a)
        wait_for(lambda: self.dns_status()["in_sync"], timeout=10, what="in sync")
        self.wait_describes(2)
        self.assertEqual(self.cf.writes(), [])
        gets = self.cf.requests(op="get")
        self.assertGreaterEqual(len(gets), 1)
        self.assertEqual(self.cf.requests(op="list"), [])      # record_id given: no lookup
        self.assertEqual(self.metrics()["stingy_dns_writes_total"], 0)
        self.assertEqual(self.metrics()["stingy_dns_in_sync"], 1)
        # A restart reads again and still writes nothing.
        self.daemons[0].stop()
        self.cf.clear_log()
        self.start_daemon()
        self.wait_healthy(timeout=30)
        wait_for(lambda: self.dns_status()["in_sync"], timeout=15, what="in sync again")
        self.assertEqual(self.cf.writes(), [])
        self.assertGreaterEqual(len(self.cf.requests(op="get")), 1)
        self.assertEqual(self.cf.record(rid)["content"], ip)

    def test_ttl_or_proxied_wrong_is_rewritten(self):
        a = self.world.run_instance(tags={"stingy-vpn:ready": "1"})
        ip = self.public_ip(a)
        rid = self.cf.add_record(ZONE, NAME, ip, ttl=300, proxied=True)
        self.start_dns(dns_ttl="120")
        wait_for(lambda: self.dns_status()["in_sync"], timeout=30, what="in sync")
        writes = self.cf.writes()
        self.assertEqual(len(writes), 1, writes)
        self.assert_bodies(writes, ip, ttl=120)
        rec = self.cf.record(rid)
        self.assertEqual((rec["content"], rec["ttl"], rec["proxied"]), (ip, 120, False))

    def test_create_when_missing(self):
        self.start_dns(dns_create="yes")
        a = self.wait_dns_primary()
        ip = self.public_ip(a)
        creates = self.cf.requests(op="create")
        self.assertEqual(len(creates), 1, self.cf.requests())
        self.assert_bodies(creates, ip)
        recs = self.cf.records(ZONE, name=NAME)
        self.assertEqual(len(recs), 1)
        # Read back by the id the create answered.
        gets = self.cf.requests(op="get")
        self.assertTrue(gets and gets[0]["path"].endswith("/" + recs[0]["id"]), gets)
        self.assertEqual(self.cf.writes(), creates)


class CloudflareFailureTest(DnsTest):
    def test_missing_record_without_create_is_a_configuration_error(self):
        self.start_dns()
        reason = wait_for(lambda: (lambda c, b: c == 503 and b)(*http_get(self.url("/healthz"))),
                          timeout=30, what="/healthz 503")
        self.assertTrue(reason.startswith("dns: record %s: no A record named %s in zone %s "
                                          "(create = no)" % (NAME, NAME, ZONE)), reason)
        st = self.dns_status()
        self.assertIn("no A record named", st["config_error"])
        self.assertFalse(st["in_sync"])
        self.assertEqual(self.metrics()["stingy_dns_config_error"], 1)
        wait_for(lambda: "stingy-vpn vpn: dns-config" in self.collect(), timeout=20,
                 what="the dns-config alert")
        # Retried slowly: more rounds send no more requests and no second alert.
        n = len(self.cf.requests())
        self.wait_describes(2)
        self.assertEqual(len(self.cf.requests()), n)
        self.assertEqual(self.collect().count("stingy-vpn vpn: dns-config"), 1)
        self.assertEqual(self.cf.writes(), [])
        # The VPN itself is not held hostage: the instance serves, SSM names it.
        alive = self.alive()
        self.assertEqual(len(alive), 1)
        self.assertEqual(self.world.ssm_value(), "initial")
        self.assertTrue(self.daemons[0].alive())

    def test_unknown_record_id_is_a_configuration_error(self):
        missing = new_id()
        self.start_dns(dns_record_id=missing)
        wait_for(lambda: self.dns_status()["config_error"], timeout=30, what="config error")
        st = self.dns_status()
        self.assertIn("record_id %s does not exist (cloudflare 81044)" % missing,
                      st["config_error"])
        code, body = http_get(self.url("/healthz"))
        self.assertEqual(code, 503)
        self.assertIn("81044", body)

    def test_rate_limit_honours_retry_after(self):
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.cf.fail_next(1, 429, retry_after=3, methods="PATCH")
        self.start_dns()
        a = self.wait_dns_primary()
        reqs = self.cf.requests()
        i = [k for k, r in enumerate(reqs) if r["status"] == 429][0]
        gap = reqs[i + 1]["time"] - reqs[i]["time"]
        self.assertGreaterEqual(gap, 2.9, "next request %.2f s after the 429" % gap)
        self.assertLess(gap, 10, "next request %.2f s after the 429" % gap)
        self.assertEqual([r["status"] for r in self.cf.requests(op="patch")], [429, 200])
        self.assertEqual(self.record_content(), self.public_ip(a))
        self.assertEqual(self.metrics()["stingy_dns_rate_limited_total"], 1)
        wait_for(lambda: "stingy-vpn vpn: dns" in self.collect(), timeout=20,
                 what="the dns alert for the failed update")

    def test_server_errors_back_off_with_jitter(self):
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.cf.fail_next(3, 500)
        self.start_dns()
        a = self.wait_dns_primary()
        reqs = self.cf.requests()
        self.assertEqual([r["status"] for r in reqs[:4]], [500, 500, 500, 200], reqs[:5])
        gaps = [reqs[k + 1]["time"] - reqs[k]["time"] for k in range(3)]
        # [1, 2), [2, 4), [4, 8) seconds: doubling, jittered, never hammering.
        for g, lo, hi in zip(gaps, (0.9, 1.9, 3.9), (2.5, 4.5, 8.5)):
            self.assertGreaterEqual(g, lo, gaps)
            self.assertLess(g, hi, gaps)
        self.assertEqual(self.record_content(), self.public_ip(a))
        st = self.dns_status()
        self.assertEqual(st["failures"], 3)
        self.assertIn("HTTP 500", st["last_error"])
        subjects = wait_for(lambda: "stingy-vpn vpn: dns" in self.collect() and self.collect(),
                            timeout=20, what="the dns alert")
        self.assertEqual(subjects.count("stingy-vpn vpn: dns"), 1, subjects)   # rate-limited
        alert = [x for x in self.alerts if x.get("Subject") == "stingy-vpn vpn: dns"][0]
        self.assertIn("record %s (cloudflare)" % NAME, alert["Message"])

    def test_network_errors_are_retried(self):
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.cf.drop_next(2)
        self.start_dns()
        a = self.wait_dns_primary()
        self.assertEqual(self.record_content(), self.public_ip(a))
        self.assertGreaterEqual(self.dns_status()["failures"], 2)

    def test_bad_token_is_fetched_again_then_a_configuration_error(self):
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.cf.bad_token()
        self.start_dns()
        wait_for(lambda: self.dns_status()["config_error"], timeout=30, what="config error")
        st = self.dns_status()
        self.assertIn("Invalid access token (cloudflare 9109, HTTP 403)", st["config_error"])
        self.assertEqual(st["token_fetches"], 2)      # once, and again after the 403
        token_reads = [r for r in self.proxy.requests("GetParameter")
                       if r.params.get("Name") == TOKEN_PARAM]
        self.assertEqual(len(token_reads), 2)
        self.assertTrue(all(r.params.get("WithDecryption") is True for r in token_reads))
        self.assertEqual([r["status"] for r in self.cf.requests()], [403, 403])
        code, body = http_get(self.url("/healthz"))
        self.assertEqual(code, 503)
        self.assertIn("dns: record %s: " % NAME, body)
        wait_for(lambda: "stingy-vpn vpn: dns-config" in self.collect(), timeout=20,
                 what="the dns-config alert")
        self.assertEqual(self.collect().count("stingy-vpn vpn: dns-config"), 1)
        # The user rotates the token in SSM and edits desired.conf: it recovers.
        new = "cf-rotated-token-77aa"
        self.world.ssm.put_parameter(Name=TOKEN_PARAM, Value=new, Type="SecureString",
                                     Overwrite=True)
        self.cf.set_token(new)
        self.cf.good_token()
        time.sleep(1.1)   # a new mtime for the file watch
        self.write_conf(elastic_ip=None, sqs_wait="1s", describe_interval="10s",
                        sns_topic=self.topic, dns_provider="cloudflare", dns_name=NAME,
                        dns_zone_id=ZONE, dns_token_parameter=TOKEN_PARAM,
                        dns_api_url=self.cf.url, dns_ttl="120")
        self.daemons[0].proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.dns_status()["in_sync"], timeout=30, what="in sync after the fix")
        self.wait_healthy(timeout=15)
        self.assertIsNone(self.dns_status()["config_error"])
        for d in self.daemons:
            self.assertNotIn(new, d.output())

    def test_slow_answers_do_not_block_the_loop(self):
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.cf.delay(3, methods="GET")
        self.start_dns()
        wait_for(lambda: any(not r["done"] for r in self.cf.requests()), timeout=30,
                 what="a slow Cloudflare request outstanding")
        t = time.monotonic()
        code, _ = http_get(self.url("/healthz"), timeout=2)
        self.assertIn(code, (200, 503))
        self.assertLess(time.monotonic() - t, 1.0)
        a = self.wait_dns_primary(timeout=60)
        self.assertEqual(self.record_content(), self.public_ip(a))


class ElasticIpDnsTest(DnsTest):
    def test_record_holds_the_eip_and_is_left_alone_on_failover(self):
        addr = self.world.ec2.describe_addresses(AllocationIds=[self.eip])["Addresses"][0]
        eip_ip = addr["PublicIp"]
        self.cf.add_record(ZONE, NAME, "192.0.2.1")
        self.start_dns(eip=True)
        a = self.wait_primary()
        wait_for(lambda: self.record_content() == eip_ip, timeout=20, what="record on the EIP")
        self.assertEqual(len(self.cf.writes()), 1)
        self.warn(a)
        b = self.wait_primary(exclude=(a,))
        self.wait_describes(1)
        self.assertEqual(self.record_content(), eip_ip)
        self.assertEqual(len(self.cf.writes()), 1, self.cf.writes())
        self.assert_end_state(b, 2)


class Route53Shim:
    """Between the daemon and moto for Route 53 only: forwards every request
    and, since moto answers INSYNC at once, turns the Status of the UPSERT's
    answer and of the first `pending` GetChange answers into PENDING, as
    Route 53 does while a change propagates. Records (monotonic time,
    method, path, status sent) of every request."""

    def __init__(self, upstream, pending=2):
        self.upstream = upstream
        self.pending = pending
        self.log = []
        self.lock = threading.Lock()
        shim = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                self.forward(None)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.forward(self.rfile.read(n))

            def forward(self, body):
                t = time.monotonic()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                req = urllib.request.Request(shim.upstream + self.path, data=body,
                                             headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                text = data.decode("utf-8", "replace")
                shown = "INSYNC" if "<Status>INSYNC</Status>" in text else None
                with shim.lock:
                    if shown and (self.command == "POST" or
                                  ("/change/" in self.path and shim.pending > 0)):
                        if self.command == "GET":
                            shim.pending -= 1
                        text = text.replace("<Status>INSYNC</Status>", "<Status>PENDING</Status>")
                        shown = "PENDING"
                    shim.log.append((t, self.command, self.path, shown))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def changes(self):
        with self.lock:
            return [x for x in self.log if "/change/" in x[2]]


class Route53Test(DnsTest):
    def setUp(self):
        super().setUp()
        self.r53 = self.moto.client("route53")
        zone = self.r53.create_hosted_zone(Name="example.org.", CallerReference="stingy-test")
        self.zone = zone["HostedZone"]["Id"].split("/")[-1]
        # Route 53 is REST with GETs; the recording proxy only forwards POSTs.
        self.env["AWS_ENDPOINT_URL_ROUTE_53"] = self.moto.url

    def r53_value(self, name="vpn.example.org."):
        sets = self.r53.list_resource_record_sets(HostedZoneId=self.zone,
                                                  StartRecordName=name, StartRecordType="A")
        for rr in sets["ResourceRecordSets"]:
            if rr["Name"] == name and rr["Type"] == "A":
                return rr["TTL"], [v["Value"] for v in rr["ResourceRecords"]]
        return None

    def test_route53_follows_the_instance(self):
        self.start_dns(dns_provider="route53", dns_name="vpn.example.org",
                       dns_zone_id=self.zone, dns_token_parameter=None, dns_api_url=None)
        a = wait_for(lambda: (lambda al: len(al) == 1 and list(al)[0])(self.alive()),
                     timeout=30, what="an instance")
        ip_a = wait_for(lambda: self.public_ip(a), timeout=10, what="its IP")
        wait_for(lambda: self.r53_value() == (60, [ip_a]), timeout=30, what="the A record")
        wait_for(lambda: self.world.ssm_value() == a, timeout=20, what="SSM")
        st = wait_for(lambda: self.dns_status()["in_sync"] and self.dns_status(), timeout=10,
                      what="in sync")
        self.assertEqual((st["provider"], st["value"], st["writes"]), ("route53", ip_a, 1))
        # No second write while it is right.
        self.wait_describes(1)
        self.assertEqual(self.dns_status()["writes"], 1)
        self.warn(a)
        b = wait_for(lambda: (lambda al: len(al) == 1 and list(al)[0] != a and list(al)[0])(
            self.alive()), timeout=60, what="the replacement alone")
        ip_b = self.public_ip(b)
        wait_for(lambda: self.r53_value() == (60, [ip_b]), timeout=30, what="the record moved")
        self.assertEqual(self.world.ssm_value(), b)
        self.assertEqual(self.dns_status()["writes"], 2)
        self.assertEqual(self.cf.requests(), [])

    def test_route53_waits_for_insync_without_blocking(self):
        shim = Route53Shim(self.moto.url, pending=2)
        self.addCleanup(shim.stop)
        self.env["AWS_ENDPOINT_URL_ROUTE_53"] = shim.url
        self.start_dns(dns_provider="route53", dns_name="vpn.example.org",
                       dns_zone_id=self.zone, dns_token_parameter=None, dns_api_url=None)
        wait_for(lambda: any(x[3] == "PENDING" and x[1] == "GET" for x in shim.changes()),
                 timeout=30, what="a GetChange answered PENDING")
        # The loop goes on while the change propagates.
        t = time.monotonic()
        code, _ = http_get(self.url("/healthz"), timeout=2)
        self.assertEqual(code, 200)
        self.assertLess(time.monotonic() - t, 1.0)
        self.assertEqual(self.dns_status()["state"], "wait-insync")
        a = wait_for(lambda: (lambda al: len(al) == 1 and list(al)[0])(self.alive()),
                     timeout=10, what="the instance")
        wait_for(lambda: self.world.ssm_value() == a, timeout=30, what="SSM after INSYNC")
        polls = shim.changes()
        self.assertEqual([x[3] for x in polls], ["PENDING", "PENDING", "INSYNC"], polls)
        gaps = [polls[k + 1][0] - polls[k][0] for k in range(2)]
        self.assertTrue(all(1.8 <= g < 5 for g in gaps), gaps)
        # SSM names the instance only once the change is in sync.
        put = self.first("PutParameter", lambda q: q.get("Value") == a)
        self.assertGreater(put.t, polls[-1][0])
        self.assertEqual(self.dns_status()["writes"], 1)
        self.assertEqual(self.r53_value(), (60, [self.public_ip(a)]))

    def test_route53_unknown_zone_is_a_configuration_error(self):
        self.start_dns(dns_provider="route53", dns_name="vpn.example.org",
                       dns_zone_id="Z0000000000000NOSUCH", dns_token_parameter=None,
                       dns_api_url=None)
        st = wait_for(lambda: self.dns_status()["config_error"] and self.dns_status(),
                      timeout=30, what="config error")
        self.assertIn("NoSuchHostedZone", st["config_error"])
        code, body = http_get(self.url("/healthz"))
        self.assertEqual(code, 503)


if __name__ == "__main__":
    unittest.main()
