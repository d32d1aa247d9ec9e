/*
 * test_peers: the server's peer list and the client config, word for
 * word, and the next free address at the edges of the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "desired.h"
#include "peers.h"
#include "t.h"

#define K1	"aYdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUCk="
#define K2	"OyE87QA+ibNaJsIsvQEcm/qylXhBWyBp9/yLAZmLkD0="
#define K3	"5Cu/hTP08LHUTn/ByaxUpqw2hkLdG4oQoXdSVe7Qwxo="
#define SRV	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define PRIV	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="

#define BASE	"[aws]\nregion = eu-west-1\n" \
	"queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n" \
	"[endpoint vpn]\nlaunch_template = lt-0123456789abcdef0\n"

static struct desired *
parse(const char *text)
{
	char *err = NULL;
	struct desired *d = desired_parse_string("t.conf", text, strlen(text), &err);

	if (d == NULL)
		fprintf(stderr, "parse failed:\n%s", err ? err : "");
	free(err);
	return d;
}

static void
test_server_list(void)
{
	/* in the file: carol, alice, bob; rendered by name */
	struct desired *d = parse(BASE
	    "[peer carol]\npublic_key = " K3 "\naddress = 10.8.0.4\n"
	    "[peer alice]\npublic_key = " K1 "\naddress = 10.8.0.2/32\nkeepalive = 25\n"
	    "[peer bob]\npublic_key = " K2 "\naddress = 10.8.0.3\nkeepalive = 0\n");
	struct buf b;

	buf_init(&b, 64 * 1024);
	T_OK(d != NULL, "parsed");
	if (d == NULL)
		return;
	T_EQ_INT(peers_render_server(d, &b), 0);
	T_EQ_STR(buf_str(&b),
	    "# stingy-vpn: the peers of [endpoint vpn] in desired.conf\n"
	    "\n"
	    "# alice\n"
	    "[Peer]\n"
	    "PublicKey = " K1 "\n"
	    "AllowedIPs = 10.8.0.2/32\n"
	    "PersistentKeepalive = 25\n"
	    "\n"
	    "# bob\n"
	    "[Peer]\n"
	    "PublicKey = " K2 "\n"
	    "AllowedIPs = 10.8.0.3/32\n"
	    "PersistentKeepalive = 0\n"
	    "\n"
	    "# carol\n"
	    "[Peer]\n"
	    "PublicKey = " K3 "\n"
	    "AllowedIPs = 10.8.0.4/32\n");
	/* again into the same buffer: reset first, same bytes */
	{
		char *first = strdup(buf_str(&b));

		T_EQ_INT(peers_render_server(d, &b), 0);
		T_EQ_STR(buf_str(&b), first);
		free(first);
	}
	/* a buffer too small: -1 and empty */
	{
		struct buf small;

		buf_init(&small, 100);
		T_EQ_INT(peers_render_server(d, &small), -1);
		T_EQ_INT(small.len, 0);
		buf_free(&small);
	}
	buf_free(&b);
	desired_free(d);
}

/* The file's order does not matter: the same peers give the same bytes. */
static void
test_server_list_deterministic(void)
{
	struct desired *a = parse(BASE
	    "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.3\n"
	    "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2\n");
	struct desired *b = parse(BASE
	    "# the other way round\n"
	    "[peer a]\naddress = 10.8.0.2\npublic_key = " K1 "\n\n"
	    "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.3/32\n");
	struct buf x, y;

	buf_init(&x, 4096);
	buf_init(&y, 4096);
	T_OK(a && b, "parsed");
	if (a && b) {
		T_EQ_INT(peers_render_server(a, &x), 0);
		T_EQ_INT(peers_render_server(b, &y), 0);
		T_EQ_STR(buf_str(&x), buf_str(&y));
	}
	buf_free(&x);
	buf_free(&y);
	desired_free(a);
	desired_free(b);
}

static void
test_server_list_empty(void)
{
	struct desired *d = parse(BASE);
	struct buf b;

	buf_init(&b, 4096);
	T_OK(d != NULL, "parsed");
	if (d != NULL) {
		T_EQ_INT(peers_render_server(d, &b), 0);
		T_EQ_STR(buf_str(&b), "# stingy-vpn: the peers of [endpoint vpn] "
		    "in desired.conf\n");
	}
	buf_free(&b);
	desired_free(d);
}

/* 35 peers fit SSM's standard tier; the text grows as documented. */
static void
test_server_list_size(void)
{
	struct buf text, out;
	struct desired *d;
	char key[48];

	buf_init(&text, 64 * 1024);
	buf_init(&out, 64 * 1024);
	buf_adds(&text, BASE);
	for (int i = 0; i < 64; i++) {
		/* distinct keys: vary the first characters */
		snprintf(key, sizeof(key), "%c%c%s", 'A' + i % 26, 'a' + i / 26,
		    &K1[2]);
		buf_addf(&text, "[peer peer-%02d]\npublic_key = %s\naddress = "
		    "10.8.0.%d\nkeepalive = 25\n", i, key, i + 2);
	}
	d = parse(buf_str(&text));
	T_OK(d != NULL, "64 peers parse");
	if (d != NULL) {
		T_EQ_INT(peers_render_server(d, &out), 0);
		T_OK(out.len > PEERS_SSM_STANDARD_MAX && out.len < 64 * 170,
		    "64 peers: %zu bytes", out.len);
		T_OK(out.len / 64 > 100 && out.len / 64 < 170, "per peer %zu",
		    out.len / 64);
	}
	buf_free(&text);
	buf_free(&out);
	desired_free(d);
}

static void
test_client_config(void)
{
	struct desired *d = parse(BASE "server_public_key = " SRV "\n"
	    "[peer alice]\npublic_key = " K1 "\naddress = 10.8.0.2\n");
	char out[PEERS_CLIENT_MAX], err[256] = "";

	T_OK(d != NULL, "parsed");
	if (d == NULL)
		return;
	T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "vpn.example.com",
	    out, sizeof(out), err, sizeof(err)), 0);
	T_EQ_STR(out,
	    "[Interface]\n"
	    "PrivateKey = " PRIV "\n"
	    "Address = 10.8.0.2/32\n"
	    "DNS = 1.1.1.1\n"
	    "\n"
	    "[Peer]\n"
	    "PublicKey = " SRV "\n"
	    "Endpoint = vpn.example.com:51820\n"
	    "AllowedIPs = 0.0.0.0/0, ::/0\n"
	    "PersistentKeepalive = 25\n");
	T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "2001:db8::1",
	    out, sizeof(out), err, sizeof(err)), 0);
	T_OK(strstr(out, "\nEndpoint = [2001:db8::1]:51820\n") != NULL,
	    "IPv6 in brackets: %s", out);
	T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "203.0.113.7",
	    out, sizeof(out), err, sizeof(err)), 0);
	T_OK(strstr(out, "\nEndpoint = 203.0.113.7:51820\n") != NULL, "IPv4");
	desired_free(d);

	/* another port, two DNS servers, none */
	d = parse(BASE "server_public_key = " SRV "\nwireguard_port = 443\n"
	    "client_dns = 9.9.9.9, 149.112.112.112\n"
	    "[peer alice]\npublic_key = " K1 "\naddress = 10.8.0.2\n");
	T_OK(d != NULL, "parsed");
	if (d != NULL) {
		T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "vpn.example.com",
		    out, sizeof(out), err, sizeof(err)), 0);
		T_OK(strstr(out, "\nDNS = 9.9.9.9, 149.112.112.112\n\n[Peer]\n") &&
		    strstr(out, "Endpoint = vpn.example.com:443\n"), "%s", out);
	}
	desired_free(d);
	d = parse(BASE "server_public_key = " SRV "\nclient_dns =\n"
	    "[peer alice]\npublic_key = " K1 "\naddress = 10.8.0.2\n");
	T_OK(d != NULL, "parsed");
	if (d != NULL) {
		T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "vpn.example.com",
		    out, sizeof(out), err, sizeof(err)), 0);
		T_OK(strstr(out, "DNS") == NULL &&
		    strstr(out, "Address = 10.8.0.2/32\n\n[Peer]\n"), "%s", out);
	}
	desired_free(d);
}

static void
test_client_config_refused(void)
{
	static const char *const bad_hosts[] = {
		"", "vpn.example.com:51820", "vpn example.com", "-vpn.example.com",
		"vpn..example.com", "[2001:db8::1]", "2001:db8::1:51820:x:y:z:w",
		"1.2.3.256", "vpn.example.com\nPostUp = reboot", "vpn#x",
	};
	struct desired *d = parse(BASE
	    "[peer alice]\npublic_key = " K1 "\naddress = 10.8.0.2\n");
	char out[PEERS_CLIENT_MAX], small[64], err[256];

	T_OK(d != NULL, "parsed");
	if (d == NULL)
		return;
	err[0] = '\0';
	T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "vpn.example.com",
	    out, sizeof(out), err, sizeof(err)), -1);
	T_EQ_STR(err, "peers: [endpoint vpn] has no server_public_key: run "
	    "`stingy-vpn keys init` first");
	free(d->server_public_key);
	d->server_public_key = strdup(SRV);
	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, bad_hosts[i],
		    out, sizeof(out), err, sizeof(err)), -1);
		T_OK(!peers_valid_host(bad_hosts[i]), "host '%s'", bad_hosts[i]);
	}
	T_EQ_INT(peers_render_client(d, &d->peers[0], "not-a-key", "vpn.example.com",
	    out, sizeof(out), err, sizeof(err)), -1);
	/* too small: refused, wiped, and the reason holds no key */
	memset(small, 'x', sizeof(small));
	T_EQ_INT(peers_render_client(d, &d->peers[0], PRIV, "vpn.example.com",
	    small, sizeof(small), err, sizeof(err)), -1);
	T_EQ_STR(small, "");
	T_OK(memchr(small + 1, 'x', sizeof(small) - 1) == NULL &&
	    memmem(small, sizeof(small), "dwdt", 4) == NULL, "wiped");
	T_OK(strstr(err, PRIV) == NULL && strstr(err, "alice"), "%s", err);
	T_OK(peers_valid_host("vpn.example.com") && peers_valid_host("192.0.2.1") &&
	    peers_valid_host("::1") && peers_valid_host("my_host.lan"), "valid hosts");
	desired_free(d);
}

/* next: peers_next_address of text, or "full". */
static void
next_is(const char *text, const char *want)
{
	struct desired *d = parse(text);
	char out[PEERS_ADDR_SIZE] = "";

	T_OK(d != NULL, "parsed");
	if (d == NULL)
		return;
	if (peers_next_address(d, out, sizeof(out)) == -1)
		snprintf(out, sizeof(out), "full");
	T_EQ_STR(out, want);
	desired_free(d);
}

static void
test_next_address(void)
{
	char *text;

	next_is(BASE, "10.8.0.2");
	next_is(BASE "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2\n", "10.8.0.3");
	next_is(BASE "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.3\n", "10.8.0.2");
	next_is(BASE "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2\n"
	    "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.4\n", "10.8.0.3");
	next_is(BASE "[peer a]\npublic_key = " K1 "\naddress = 10.8.0.2\n"
	    "[peer b]\npublic_key = " K2 "\naddress = 10.8.0.3\n", "10.8.0.4");
	/* a /30: server .1, one client .2, broadcast .3 */
	next_is(BASE "wireguard_cidr = 10.9.9.0/30\n", "10.9.9.2");
	next_is(BASE "wireguard_cidr = 10.9.9.0/30\n"
	    "[peer a]\npublic_key = " K1 "\naddress = 10.9.9.2\n", "full");
	/* a /29: .2 to .6 */
	next_is(BASE "wireguard_cidr = 172.16.0.8/29\n"
	    "[peer a]\npublic_key = " K1 "\naddress = 172.16.0.10\n"
	    "[peer b]\npublic_key = " K2 "\naddress = 172.16.0.11\n"
	    "[peer c]\npublic_key = " K3 "\naddress = 172.16.0.13\n", "172.16.0.12");
	/* a /8 */
	next_is(BASE "wireguard_cidr = 10.0.0.0/8\n", "10.0.0.2");
	/* a /26 full: 61 clients */
	{
		struct buf b;
		char key[48];

		buf_init(&b, 64 * 1024);
		buf_adds(&b, BASE "wireguard_cidr = 10.8.0.64/26\n");
		for (int i = 0; i < 61; i++) {
			snprintf(key, sizeof(key), "%c%c%s", 'A' + i % 26, 'a' + i / 26,
			    &K1[2]);
			buf_addf(&b, "[peer p%d]\npublic_key = %s\naddress = 10.8.0.%d\n",
			    i, key, 66 + i);
		}
		text = buf_detach(&b);
		next_is(text, "full");
		/* one fewer: the last host, .126 */
		*strstr(text, "[peer p60]") = '\0';
		next_is(text, "10.8.0.126");
		free(text);
	}
	{
		struct desired *d = parse(BASE);
		char tiny[8];

		T_OK(d && peers_next_address(d, tiny, sizeof(tiny)) == -1,
		    "out too small");
		desired_free(d);
	}
}

int
main(void)
{
	T_RUN(test_server_list);
	T_RUN(test_server_list_deterministic);
	T_RUN(test_server_list_empty);
	T_RUN(test_server_list_size);
	T_RUN(test_client_config);
	T_RUN(test_client_config_refused);
	T_RUN(test_next_address);
	return t_done("test_peers");
}
