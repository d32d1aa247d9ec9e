"""deploy/client/stingy-vpn-reresolve: re-resolving WireGuard endpoint names.

Most tests run the script with WG pointing at a fake `wg` that answers
`show IFACE latest-handshakes` from a file and logs every `set`. One test
(RealWireGuardTest) uses the real wg and wireguard-go inside a private
network namespace, when run as root with those tools installed.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import wireguard_netns_support

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "deploy", "client", "stingy-vpn-reresolve")

FAKE_WG = r"""#!/bin/sh
# Fake wg for test_reresolve.py. $FAKE_WG_DIR/handshakes.IFACE holds the
# answer to `show IFACE latest-handshakes`; no such file means no such
# interface. Every call goes to calls.log, every `set` also to set.log.
d=${FAKE_WG_DIR:?}
printf '%s\n' "$*" >>"$d/calls.log"
case $1 in
show)
	if [ -e "$d/fail-show" ] || [ ! -e "$d/handshakes.$2" ]; then
		echo "Unable to access interface: No such device" >&2
		exit 1
	fi
	if [ $# -ne 3 ] || [ "$3" != latest-handshakes ]; then
		echo "fake wg: unexpected: $*" >&2
		exit 64
	fi
	cat "$d/handshakes.$2"
	;;
set)
	printf '%s\n' "$*" >>"$d/set.log"
	if [ -e "$d/fail-set" ]; then
		echo "fake wg: set failed" >&2
		exit 1
	fi
	;;
*)
	echo "fake wg: unexpected: $*" >&2
	exit 64
	;;
esac
"""


def key(n):
    """A fixed, valid-looking WireGuard public key (44 base64 characters)."""
    return base64.b64encode(hashlib.sha256(b"peer%d" % n).digest()).decode()


K1, K2, K3, K4, K5 = (key(n) for n in range(1, 6))
# Keys with '+' and '/' in them, which must not confuse the matching.
assert any("+" in k or "/" in k for k in (K1, K2, K3, K4, K5))

INTERFACE = """[Interface]
PrivateKey = {priv}
Address = 10.8.0.2/32
DNS = 10.8.0.1
""".format(priv=key(99))


def peer(k, endpoint=None, allowed="10.8.0.0/24"):
    s = "\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (k, allowed)
    if endpoint:
        s += "Endpoint = %s\n" % endpoint
    return s


class ReresolveTest(unittest.TestCase):
    shell = None    # None: run the script directly (its #!/bin/sh)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="stingy-reresolve-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.wg = os.path.join(self.dir, "wg")
        with open(self.wg, "w") as f:
            f.write(FAKE_WG)
        os.chmod(self.wg, 0o755)

    # helpers

    def config(self, text, name="wg0.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def handshakes(self, ages, iface="wg0"):
        """ages: {key: seconds ago, or None for never (0)}."""
        now = int(time.time())
        with open(os.path.join(self.dir, "handshakes." + iface), "w") as f:
            for k, age in ages.items():
                f.write("%s\t%d\n" % (k, 0 if age is None else now - age))

    def run_script(self, *args, wg=None, shell=None):
        env = dict(os.environ, WG=wg or self.wg, FAKE_WG_DIR=self.dir)
        shell = shell or self.shell
        cmd = ([shell] if shell else []) + [SCRIPT] + list(args)
        return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=20)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def sets(self):
        return self.log("set.log")

    def assertOk(self, r):
        self.assertEqual(r.returncode, 0, "exit %d\nstdout: %s\nstderr: %s"
                         % (r.returncode, r.stdout, r.stderr))

    # the cases

    def test_stale_peer_is_re_resolved(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        self.handshakes({K1: 300})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), ["set wg0 peer %s endpoint vpn.example.com:51820" % K1])
        out = r.stdout + r.stderr
        self.assertEqual(len(out.splitlines()), 1, out)
        self.assertIn(K1[:8], out)
        self.assertNotIn(K1, out, "the public key should be abbreviated")
        self.assertIn("vpn.example.com:51820", out)

    def test_fresh_peer_is_untouched(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        self.handshakes({K1: 10})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), [])
        self.assertEqual(r.stdout, "")
        self.assertIn("show wg0 latest-handshakes", self.log("calls.log"))

    def test_never_handshaken_peer_is_re_resolved(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        self.handshakes({K1: None})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), ["set wg0 peer %s endpoint vpn.example.com:51820" % K1])
        self.assertIn("never", r.stdout)

    def test_ip_literal_endpoints_are_untouched(self):
        conf = self.config(INTERFACE + peer(K1, "192.0.2.1:51820")
                           + peer(K2, "[2001:db8::1]:51820")
                           + peer(K3, "[::1]:51820"))
        self.handshakes({K1: None, K2: None, K3: 1000})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), [])
        self.assertEqual(r.stdout + r.stderr, "")

    def test_peer_without_endpoint_is_untouched(self):
        conf = self.config(INTERFACE + peer(K1))
        self.handshakes({K1: None})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), [])

    def test_peer_missing_from_the_interface_is_not_added(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820")
                           + peer(K2, "vpn.example.com:51820"))
        self.handshakes({K2: 500})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), ["set wg0 peer %s endpoint vpn.example.com:51820" % K2])

    def test_multiple_peers(self):
        conf = self.config(INTERFACE
                           + peer(K1, "vpn.example.com:51820")       # stale
                           + peer(K2, "home.example.net:4500")       # fresh
                           + peer(K3, "other-vpn.example.org:443")   # never
                           + peer(K4, "198.51.100.7:51820")          # literal
                           + peer(K5))                               # no endpoint
        self.handshakes({K1: 3600, K2: 5, K3: None, K4: 9999, K5: None})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), [
            "set wg0 peer %s endpoint vpn.example.com:51820" % K1,
            "set wg0 peer %s endpoint other-vpn.example.org:443" % K3,
        ])
        self.assertEqual(len(r.stdout.splitlines()), 2, r.stdout)

    def test_threshold_option(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        self.handshakes({K1: 60})
        self.assertOk(self.run_script(conf))
        self.assertEqual(self.sets(), [], "60 s is fresh with the default 135 s")
        self.assertOk(self.run_script("-t", "30", conf))
        self.assertEqual(self.sets(), ["set wg0 peer %s endpoint vpn.example.com:51820" % K1])
        self.handshakes({K1: 300})
        self.assertOk(self.run_script("-t", "600", conf))
        self.assertEqual(len(self.sets()), 1, "300 s is fresh with -t 600")
        r = self.run_script("-t", "soon", conf)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("soon", r.stderr)
        self.assertEqual(len(self.sets()), 1)

    def test_comments_spacing_and_case(self):
        text = ("# stingy-vpn client config\r\n"
                "[interface]\r\n"
                "privatekey=%s\r\n"
                "Address\t=\t10.8.0.2/32   # our tunnel address\r\n"
                "\r\n"
                "#[Peer]\r\n"
                "#PublicKey = %s\r\n"
                "#Endpoint = commented.example.com:1\r\n"
                "\r\n"
                "  [PEER]  \r\n"
                "PUBLICKEY   =   %s   # the server\r\n"
                "  # Endpoint = old.example.com:1\r\n"
                "endPoint=vpn.example.com:51820#where it lives\r\n"
                "AllowedIPs = 0.0.0.0/0, ::/0\r\n"
                "\t[Peer]\n"
                "\tPublicKey\t= %s\n"
                "\tEndpoint =  [2001:db8::2]:51820 \n"
                "[Peer]\n"
                "Endpoint = second.example.com : 51821\n"
                "publicKey= %s\n") % (key(99), K4, K1, K2, K3)
        conf = self.config(text)
        self.handshakes({K1: None, K2: None, K3: 200, K4: None})
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), [
            "set wg0 peer %s endpoint vpn.example.com:51820" % K1,
            "set wg0 peer %s endpoint second.example.com:51821" % K3,
        ])

    def test_config_path_names_the_interface(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"), name="home.conf")
        self.handshakes({K1: None}, iface="home")
        r = self.run_script(conf)
        self.assertOk(r)
        self.assertEqual(self.sets(), ["set home peer %s endpoint vpn.example.com:51820" % K1])
        self.assertIn("show home latest-handshakes", self.log("calls.log"))

    def test_interface_name_reads_etc_wireguard(self):
        iface = "nosuch%d" % (os.getpid() % 100000)
        self.assertFalse(os.path.exists("/etc/wireguard/%s.conf" % iface))
        r = self.run_script(iface)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/etc/wireguard/%s.conf" % iface, r.stderr)
        self.assertIn("not found", r.stderr)

    def test_missing_config_fails_with_a_message(self):
        missing = os.path.join(self.dir, "nothere.conf")
        r = self.run_script(missing)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(missing, r.stderr)
        self.assertIn("not found", r.stderr)
        self.assertEqual(self.log("calls.log"), [])

    def test_bad_usage(self):
        r = self.run_script()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("usage", r.stderr)
        r = self.run_script("wg0", "wg1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("usage", r.stderr)

    def test_wg_show_failing_fails(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        # no handshakes.wg0: the fake wg says the interface does not exist
        r = self.run_script(conf)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("No such device", r.stderr)
        self.assertIn("wg0", r.stderr)
        self.assertEqual(self.sets(), [])

    def test_wg_set_failing_fails(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820")
                           + peer(K2, "vpn2.example.com:51820"))
        self.handshakes({K1: None, K2: None})
        open(os.path.join(self.dir, "fail-set"), "w").close()
        r = self.run_script(conf)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("failed", r.stderr)
        self.assertEqual(len(self.sets()), 2, "one failure should not stop the others")

    def test_wg_not_found_fails(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820"))
        r = self.run_script(conf, wg=os.path.join(self.dir, "no-such-wg"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("failed", r.stderr)

    def test_runs_under_each_available_shell(self):
        conf = self.config(INTERFACE + peer(K1, "vpn.example.com:51820")
                           + peer(K2, "fresh.example.com:51820")
                           + peer(K3, "[2001:db8::1]:51820"))
        self.handshakes({K1: 1000, K2: 1, K3: None})
        shells = [s for s in ("dash", "bash", "busybox") if shutil.which(s)]
        for s in shells:
            with self.subTest(shell=s):
                if os.path.exists(os.path.join(self.dir, "set.log")):
                    os.unlink(os.path.join(self.dir, "set.log"))
                cmd = [shutil.which(s)] + (["sh"] if s == "busybox" else [])
                env = dict(os.environ, WG=self.wg, FAKE_WG_DIR=self.dir)
                r = subprocess.run(cmd + [SCRIPT, conf], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True,
                                   timeout=20)
                self.assertOk(r)
                self.assertEqual(self.sets(),
                                 ["set wg0 peer %s endpoint vpn.example.com:51820" % K1])

    def test_script_is_executable(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK), SCRIPT + " should be executable")

    @unittest.skipUnless(shutil.which("shellcheck"),
                         "shellcheck is not installed (apt-get install shellcheck)")
    def test_shellcheck_clean(self):
        r = subprocess.run(["shellcheck", SCRIPT], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout)


_REAL_OK, _REAL_WHY = wireguard_netns_support()


@unittest.skipUnless(_REAL_OK, _REAL_WHY)
class RealWireGuardTest(unittest.TestCase):
    """wireguard-go in a private network namespace whose /etc/hosts (through
    /etc/netns/NAME/hosts, which `ip netns exec` bind-mounts over it) maps
    the server name first to 10.77.0.1, then to 10.77.0.2. The namespace has
    only a loopback device and no route to 10.x, so nothing is ever sent."""

    NAME = "vpn.stingy-reresolve.test"

    def setUp(self):
        pid = os.getpid()
        self.netns = "stingy-rr-%d" % pid
        self.iface = "srr%d" % (pid % 100000)
        self.dir = tempfile.mkdtemp(prefix="stingy-reresolve-real-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

        r = subprocess.run(["ip", "netns", "add", self.netns], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        if r.returncode != 0:
            self.skipTest("ip netns add failed: " + r.stdout.strip())
        self.addCleanup(subprocess.run, ["ip", "netns", "del", self.netns],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        made_etc_netns = not os.path.isdir("/etc/netns")
        self.etc = os.path.join("/etc/netns", self.netns)
        os.makedirs(self.etc)
        if made_etc_netns:
            self.addCleanup(self._rmdir_if_empty, "/etc/netns")
        self.addCleanup(shutil.rmtree, self.etc, ignore_errors=True)
        self.hosts("10.77.0.1")

        self.ns("ip", "link", "set", "lo", "up")
        if not os.path.isdir("/var/run/wireguard"):     # wireguard-go makes it
            self.addCleanup(self._rmdir_if_empty, "/var/run/wireguard")
        log = open(os.path.join(self.dir, "wireguard-go.log"), "w")
        self.addCleanup(log.close)
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        self.wgo = subprocess.Popen(["ip", "netns", "exec", self.netns,
                                     "wireguard-go", "-f", self.iface],
                                    stdout=log, stderr=subprocess.STDOUT, env=env)
        self.addCleanup(self._stop_wireguard_go)
        sock = "/var/run/wireguard/%s.sock" % self.iface
        deadline = time.time() + 10
        while not os.path.exists(sock):
            if self.wgo.poll() is not None or time.time() > deadline:
                with open(log.name) as f:
                    self.fail("wireguard-go did not start: " + f.read())
            time.sleep(0.05)

    def _stop_wireguard_go(self):
        if self.wgo.poll() is None:
            self.wgo.terminate()
            try:
                self.wgo.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.wgo.kill()
                self.wgo.wait()
        try:
            os.unlink("/var/run/wireguard/%s.sock" % self.iface)
        except FileNotFoundError:
            pass

    @staticmethod
    def _rmdir_if_empty(path):
        try:
            os.rmdir(path)
        except OSError:
            pass

    def hosts(self, addr):
        with open(os.path.join(self.etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n%s %s\n" % (addr, self.NAME))

    def ns(self, *cmd, env=None):
        r = subprocess.run(["ip", "netns", "exec", self.netns] + list(cmd),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=20, env=env)
        self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s"
                         % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def endpoints(self):
        return self.ns("wg", "show", self.iface, "endpoints").stdout.split()

    def test_endpoint_follows_the_name(self):
        priv = self.ns("wg", "genkey").stdout.strip()
        server_priv = self.ns("wg", "genkey").stdout.strip()
        server = subprocess.run(["wg", "pubkey"], input=server_priv, stdout=subprocess.PIPE,
                                universal_newlines=True, check=True).stdout.strip()
        conf = os.path.join(self.dir, self.iface + ".conf")
        with open(conf, "w") as f:
            f.write("[Interface]\nPrivateKey = %s\n\n[Peer]\nPublicKey = %s\n"
                    "AllowedIPs = 10.77.1.0/24\nEndpoint = %s:51820\n"
                    % (priv, server, self.NAME))
        os.chmod(conf, 0o600)
        self.ns("wg", "setconf", self.iface, conf)
        self.assertEqual(self.endpoints(), [server, "10.77.0.1:51820"])

        self.hosts("10.77.0.2")     # the server was replaced; the record moved
        self.assertEqual(self.endpoints(), [server, "10.77.0.1:51820"],
                         "wg resolves the name only once")
        r = self.ns("env", "WG=wg", SCRIPT, "-t", "1", conf)
        self.assertIn(server[:8], r.stdout)
        self.assertEqual(self.endpoints(), [server, "10.77.0.2:51820"])


if __name__ == "__main__":
    unittest.main()
