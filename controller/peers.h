/*
 * peers: the WireGuard texts made from desired.conf's [peer NAME] sections.
 * Pure: no I/O, no clock, no randomness; the same configuration gives the
 * same bytes.
 *
 *   peers_render_server   the [Peer] list the instance reads from SSM
 *                         <ssm_prefix>/wireguard/peers
 *   peers_render_client   one client's wg-quick config (it holds the
 *                         client's private key: the caller wipes it)
 *   peers_next_address    the address `peer add` gives the next client
 */
#ifndef PEERS_H
#define PEERS_H

#include <stddef.h>

struct buf;
struct desired;
struct desired_peer;

/* SSM's standard tier takes values up to 4 KB; the advanced tier 8 KB. */
#define PEERS_SSM_STANDARD_MAX	4096
/* Bytes of the largest client config (DNS list, 253-byte host), NUL included. */
#define PEERS_CLIENT_MAX	2048
/* "255.255.255.255" and the NUL */
#define PEERS_ADDR_SIZE		16

/*
 * peers_render_server: the peer list for the instance, in the one format
 * deploy/instance/stingy-vpn-instance accepts (it refuses every other key):
 *
 *   # stingy-vpn: the peers of [endpoint NAME] in desired.conf
 *
 *   # alice
 *   [Peer]
 *   PublicKey = <44 characters>
 *   AllowedIPs = 10.8.0.2/32
 *   PersistentKeepalive = 25          (only when keepalive is set)
 *
 * one block per peer, in name order (strcmp), each preceded by a blank
 * line; the text ends with a newline. It is never empty (the header line
 * stands even with no peers: SSM refuses an empty value, and the instance
 * reads a comment-only list as "no peers").
 *
 * The contract the daemon relies on to put it to SSM as a SecureString
 * whenever it differs from what SSM holds: the bytes depend only on
 * d->endpoint and d->peers (names, keys, addresses, keepalives), never on
 * their order in the file, the time or anything else, so comparing texts
 * is comparing peer lists. It holds public keys and addresses only, no
 * secret. It grows by about 110 bytes a peer (at most 170): past
 * PEERS_SSM_STANDARD_MAX (some 35 peers) it needs SSM's advanced tier.
 *
 * out is reset, then filled. Returns 0, or -1 when out's cap is reached
 * (out is then reset to empty).
 */
int peers_render_server(const struct desired *d, struct buf *out);

/*
 * peers_render_client: the wg-quick config of peer p (a peer of d) with
 * private key private_b64 (its 44-character base64) and the server at
 * host (a DNS name, an IPv4 address or an IPv6 address, which is put in
 * brackets) and d->wireguard_port:
 *
 *   [Interface]
 *   PrivateKey = <private_b64>
 *   Address = 10.8.0.2/32
 *   DNS = 1.1.1.1                    (client_dns; no line when it is empty)
 *
 *   [Peer]
 *   PublicKey = <server_public_key>
 *   Endpoint = vpn.example.com:51820
 *   AllowedIPs = 0.0.0.0/0, ::/0
 *   PersistentKeepalive = 25
 *
 * AllowedIPs sends all traffic, IPv6 too, into the tunnel (the server
 * forwards IPv4 only: IPv6 is dropped there instead of leaking outside).
 * Written into out (outlen bytes, PEERS_CLIENT_MAX is enough) without any
 * reallocation, so that wiping out wipes every copy. Returns 0, or -1 with
 * the reason in err (no server_public_key, a bad host or key, out too
 * small) and out wiped; the reason never holds the private key.
 */
int peers_render_client(const struct desired *d, const struct desired_peer *p,
    const char *private_b64, const char *host, char *out, size_t outlen,
    char *err, size_t errlen);

/*
 * peers_next_address: the lowest host of d->wireguard_cidr after the
 * server's (the first host) that no peer has, not the broadcast address,
 * as "a.b.c.d" into out (PEERS_ADDR_SIZE bytes). Returns 0, or -1 when
 * every host is taken (a /30 holds one client, a /24 253) or out is too
 * small.
 */
int peers_next_address(const struct desired *d, char *out, size_t outlen);

/*
 * peers_valid_host: 1 when host can be a client's Endpoint host: a DNS
 * name (labels of letters, digits, '-' and '_', at most 253 bytes), an
 * IPv4 address or an IPv6 address (without brackets or a port).
 */
int peers_valid_host(const char *host);

#endif
