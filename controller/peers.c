/*
 * peers: desired.conf's peers as WireGuard texts (the contract is peers.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "desired.h"
#include "peers.h"
#include "wgkey.h"

/* order: the indexes of d->peers sorted by name (the parser sorts too; this does not rely on it). */
static void
peers_order(const struct desired *d, size_t idx[DESIRED_MAX_PEERS])
{
	size_t i, j, t;

	for (i = 0; i < d->n_peers; i++)
		idx[i] = i;
	for (i = 1; i < d->n_peers; i++)	/* at most 64: insertion sort */
		for (j = i; j > 0 && strcmp(d->peers[idx[j - 1]].name,
		    d->peers[idx[j]].name) > 0; j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

int
peers_render_server(const struct desired *d, struct buf *out)
{
	size_t idx[DESIRED_MAX_PEERS], i;
	const struct desired_peer *p;
	int rc = 0;

	buf_reset(out);
	peers_order(d, idx);
	rc |= buf_addf(out, "# stingy-vpn: the peers of [endpoint %s] in "
	    "desired.conf\n", d->endpoint ? d->endpoint : "");
	for (i = 0; i < d->n_peers && d->n_peers <= DESIRED_MAX_PEERS; i++) {
		p = &d->peers[idx[i]];
		rc |= buf_addf(out, "\n# %s\n[Peer]\nPublicKey = %s\n"
		    "AllowedIPs = %s/32\n", p->name, p->public_key, p->address);
		if (p->keepalive >= 0)
			rc |= buf_addf(out, "PersistentKeepalive = %d\n",
			    p->keepalive);
	}
	if (rc != 0) {
		buf_reset(out);
		return -1;
	}
	return 0;
}

int
peers_valid_host(const char *host)
{
	unsigned char a6[16];
	size_t len = strlen(host), label = 0, i;
	uint32_t a4;

	if (strchr(host, ':') != NULL)
		return inet_pton(AF_INET6, host, a6) == 1;
	if (strspn(host, "0123456789.") == len)
		return desired_parse_ipv4(host, &a4) == 0;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		if (host[i] == '.' || host[i] == '\0') {
			if (label == 0 || label > 63 || host[i - 1] == '-' ||
			    host[i - label] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_", host[i]) == NULL)
			return 0;
		label++;
	}
	return 1;
}

/* append: printf into out at *used; -1 when it does not fit. */
static int peers_append(char *, size_t, size_t *, const char *, ...)
	__attribute__((format(printf, 4, 5)));

static int
peers_append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *used, outlen - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int
peers_render_client(const struct desired *d, const struct desired_peer *p,
    const char *private_b64, const char *host, char *out, size_t outlen,
    char *err, size_t errlen)
{
	size_t used = 0, i;
	int bad = 0;

	if (outlen == 0) {
		snprintf(err, errlen, "peers: no room for the client config");
		return -1;
	}
	out[0] = '\0';
	if (d->server_public_key == NULL) {
		snprintf(err, errlen, "peers: [endpoint %s] has no server_public_key: "
		    "run `stingy-vpn keys init` first", d->endpoint ? d->endpoint : "");
		return -1;
	}
	if (!wgkey_valid_base64(private_b64)) {
		snprintf(err, errlen, "peers: the client's private key is not a "
		    "WireGuard key");
		return -1;
	}
	if (!peers_valid_host(host)) {
		snprintf(err, errlen, "peers: endpoint host '%.64s' is not a DNS "
		    "name or an IP address (give the port as wireguard_port)",
		    host);
		return -1;
	}
	bad |= peers_append(out, outlen, &used, "[Interface]\nPrivateKey = %s\n"
	    "Address = %s/32\n", private_b64, p->address);
	for (i = 0; i < d->n_client_dns && !bad; i++)
		bad |= peers_append(out, outlen, &used, "%s%s", i ? ", " : "DNS = ",
		    d->client_dns[i]);
	if (d->n_client_dns > 0)
		bad |= peers_append(out, outlen, &used, "\n");
	bad |= peers_append(out, outlen, &used, "\n[Peer]\nPublicKey = %s\n"
	    "Endpoint = %s%s%s:%u\nAllowedIPs = 0.0.0.0/0, ::/0\n"
	    "PersistentKeepalive = 25\n", d->server_public_key,
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    d->wireguard_port);
	if (bad) {
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		snprintf(err, errlen, "peers: the client config for %s does not "
		    "fit in %zu bytes", p->name, outlen);
		return -1;
	}
	return 0;
}

int
peers_next_address(const struct desired *d, char *out, size_t outlen)
{
	uint32_t net, mask, a, used;
	unsigned prefix;
	size_t i;

	if (d->wireguard_cidr == NULL ||
	    desired_parse_cidr(d->wireguard_cidr, &net, &prefix) == -1)
		return -1;
	mask = (uint32_t)0xffffffffu << (32 - prefix);
	/* net + 1 is the server; net | ~mask the broadcast address */
	for (a = net + 2; a < (net | ~mask); a++) {
		for (i = 0; i < d->n_peers; i++)
			if (d->peers[i].address != NULL &&
			    desired_parse_ipv4(d->peers[i].address, &used) == 0 &&
			    used == a)
				break;
		if (i < d->n_peers)
			continue;
		if (snprintf(out, outlen, "%u.%u.%u.%u", a >> 24, a >> 16 & 255,
		    a >> 8 & 255, a & 255) >= (int)outlen)
			return -1;
		return 0;
	}
	return -1;
}
