"""The daemon keeps SSM <ssm_prefix>/wireguard/peers equal to
`stingy-vpn peer render-server` (reconcile rule 11), the real binary
against moto through the recording proxy.

`peer add` and `peer remove` while the daemon runs reach SSM within a few
seconds (the daemon re-reads desired.conf within 2 s) as a SecureString;
nothing is put when nothing changed (the proxy counts PutParameter on the
peers parameter); a value changed behind the daemon's back is corrected
after a restart, and a restart with nothing changed puts nothing; the
value is what deploy/instance/stingy-vpn-instance renders; /status,
/metrics and `stingy-vpn status` show the sync; a failing PutParameter
backs off, shows in /status and recovers.
"""
import os
import subprocess
import tempfile
import time
import unittest

from harness import BIN, DaemonTest, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INSTANCE = os.path.join(ROOT, "deploy", "instance", "stingy-vpn-instance")
PREFIX = "/stingy-vpn"
PEERS = PREFIX + "/wireguard/peers"
KEY = PREFIX + "/wireguard/private-key"


class PeerSyncTest(DaemonTest):

    def setUp(self):
        super().setUp()
        self.cli_env = dict(self.env)       # the CLI talks to moto directly
        self.proxy = self.use_proxy()
        self.write_conf(enabled="no", ssm_prefix=PREFIX)
        self.cli("keys", "init", "-c", self.conf)

    def cli(self, *args, check=True):
        r = subprocess.run([BIN] + list(args), env=self.cli_env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=30)
        if check:
            self.assertEqual(r.returncode, 0, "stingy-vpn %s: exit %d\n%s%s"
                             % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def rendered(self):
        return self.cli("peer", "render-server", "-c", self.conf).stdout

    def ssm_peers(self):
        try:
            p = self.world.ssm.get_parameter(Name=PEERS, WithDecryption=True)["Parameter"]
        except self.world.ssm.exceptions.ParameterNotFound:
            return None, None
        return p["Value"], p["Type"]

    def puts(self):
        return [r for r in self.proxy.requests("PutParameter")
                if (r.params or {}).get("Name") == PEERS]

    def wait_synced(self, timeout=15):
        want = self.rendered()
        wait_for(lambda: self.ssm_peers()[0] == want, timeout, what="SSM peers = render-server")
        wait_for(lambda: (self.status().get("peers") or {}).get("synced") is True, timeout,
                 what="/status peers.synced")
        return want

    def test_add_remove_restart(self):
        self.start_daemon()
        self.wait_healthy()
        # At start the list (header only: no peers yet) goes to SSM once.
        want = self.wait_synced()
        value, kind = self.ssm_peers()
        self.assertEqual((value, kind), (want, "SecureString"))
        self.assertEqual(len(self.puts()), 1)
        st = self.status()["peers"]
        self.assertEqual((st["parameter"], st["count"], st["last_error"]), (PEERS, 0, None))
        self.assertIsNotNone(st["last_synced_at"])

        # peer add while the daemon runs: SSM follows within seconds.
        for name in ("alice", "bob"):
            self.cli("peer", "add", name, "-c", self.conf, "-e", "vpn.example.com", "-n",
                     "-o", os.path.join(self.tmp, name + ".conf"))
        want = self.rendered()
        self.assertIn("# alice", want)
        self.assertIn("# bob", want)
        t0 = time.monotonic()
        self.wait_synced(timeout=10)
        self.assertLess(time.monotonic() - t0, 10)
        wait_for(lambda: self.status()["peers"]["count"] == 2, 5, what="count 2")
        self.assertEqual(self.ssm_peers(), (want, "SecureString"))
        m = self.metrics()
        self.assertEqual(m["stingy_peers"], 2)
        self.assertEqual(m["stingy_peers_in_sync"], 1)
        self.assertGreaterEqual(m['stingy_ssm_puts_total{result="ok"}'], 2)

        # The instance's renderer takes the value.
        keyfile = os.path.join(self.tmp, "key")
        peersfile = os.path.join(self.tmp, "peers")
        key = self.world.ssm.get_parameter(Name=KEY, WithDecryption=True)["Parameter"]["Value"]
        with open(keyfile, "w") as f:
            f.write(key + "\n")
        with open(peersfile, "w") as f:
            f.write(self.ssm_peers()[0])
        env_file = os.path.join(self.tmp, "instance.env")
        with open(env_file, "w") as f:
            f.write("STINGY_PREFIX=%s\nSTINGY_PORT=51820\nSTINGY_CIDR=10.8.0.0/24\n"
                    "STINGY_VPC_CIDR=10.0.0.0/16\nAWS_REGION=us-east-1\n" % PREFIX)
        s = subprocess.run([INSTANCE, "render", "--no-nat", "--key", keyfile, "--peers",
                            peersfile],
                           env={"PATH": os.environ["PATH"], "STINGY_INSTANCE_ENV": env_file},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=30)
        self.assertEqual((s.returncode, s.stderr), (0, ""))
        self.assertIn("\n" + want.rstrip("\n") + "\n", s.stdout)
        self.assertEqual(s.stdout.count("[Peer]"), 2)

        # `stingy-vpn status` has a line for it.
        st = subprocess.run([BIN, "status", "-c", self.conf], env=self.cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=30)
        self.assertIn("peers        2 in %s (in sync" % PEERS, st.stdout, st.stdout + st.stderr)

        # Nothing changed: nothing is put, across reconcile rounds.
        n = len(self.puts())
        time.sleep(4)
        self.assertEqual(len(self.puts()), n)

        # peer remove: updated.
        self.cli("peer", "remove", "bob", "-c", self.conf)
        want = self.wait_synced(timeout=10)
        self.assertNotIn("# bob", want)
        self.assertEqual(len(self.puts()), n + 1)

        # The log holds the count and a digest prefix, never the list.
        d = self.daemons[0]
        self.assertEqual(self.stop_daemons_checked(), [])
        self.assertNotIn("PublicKey", d.output())

        # A restart with nothing changed puts nothing (the store remembers
        # the digest; the read at start confirms it).
        n = len(self.puts())
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: (self.status().get("peers") or {}).get("synced") is True, 10,
                 what="synced after restart")
        reads = lambda: [r for r in self.proxy.requests("GetParameter")
                         if (r.params or {}).get("Name") == PEERS]
        wait_for(lambda: len(reads()) >= 1 and reads()[-1].status == 200, 10,
                 what="the read at start")
        time.sleep(2)
        self.assertEqual(len(self.puts()), n)
        self.assertEqual(self.stop_daemons_checked(), [])

        # Changed behind the daemon's back: corrected after a restart.
        self.world.ssm.put_parameter(Name=PEERS, Value="# tampered\n", Type="SecureString",
                                     Overwrite=True)
        self.start_daemon()
        self.wait_healthy()
        self.wait_synced(timeout=15)
        self.assertEqual(self.ssm_peers(), (want, "SecureString"))
        self.assertEqual(len(self.puts()), n + 1)
        self.assertEqual(self.stop_daemons_checked(), [])

    def test_put_failure_backs_off_and_recovers(self):
        rule = self.proxy.fail("PutParameter", "AccessDeniedException", 400,
                               match=lambda p: p.get("Name") == PEERS)
        self.start_daemon()
        self.wait_healthy()
        wait_for(lambda: (self.status().get("peers") or {}).get("last_error"), 15,
                 what="peers.last_error")
        st = self.status()["peers"]
        self.assertFalse(st["synced"])
        self.assertIn("AccessDeniedException", st["last_error"])
        m = self.metrics()
        self.assertEqual(m["stingy_peers_in_sync"], 0)
        self.assertGreaterEqual(m['stingy_ssm_puts_total{result="error"}'], 1)
        # Backing off: a handful of tries in 5 s, not one a round.
        time.sleep(5)
        self.assertLessEqual(len(self.puts()), 5)
        self.proxy.remove(rule)
        self.wait_synced(timeout=70)
        self.assertIsNone(self.status()["peers"]["last_error"])
        self.assertEqual(self.stop_daemons_checked(), [])


if __name__ == "__main__":
    unittest.main()
