/*
 * peercmd: the WireGuard key and peer commands.
 *
 *   stingy-vpn keys init [-c FILE] [--force] [-v]
 *   stingy-vpn keys pubkey                  (plumbing: as `wg pubkey`)
 *   stingy-vpn peer add NAME [-c FILE] [--endpoint HOST] [--out FILE]
 *                      [--png FILE] [--no-qr]
 *   stingy-vpn peer remove NAME [-c FILE]
 *   stingy-vpn peer list [-c FILE]
 *   stingy-vpn peer render-server [-c FILE] (plumbing: the SSM peer list)
 *
 * keys init makes the server's key pair in memory, puts the private key
 * straight into SSM <ssm_prefix>/wireguard/private-key as a SecureString
 * (PutParameter; Overwrite only with --force, so that a running server's
 * key is never replaced by accident) and records the public key as
 * server_public_key in [endpoint NAME] of desired.conf. The private key
 * never reaches a file, the log or the terminal on this side. When the
 * parameter exists and --force is not given, the command fails, unless
 * the parameter holds exactly the key just made (a retried PutParameter
 * whose first attempt landed).
 *
 * peer add makes the client's key pair in memory, appends [peer NAME] with
 * the public key and the lowest free address (peers_next_address) to
 * desired.conf, and writes the client's wg-quick config to --out (default
 * ./NAME.conf) and, with --png, a QR code of it as a PNG: both created
 * with O_EXCL (never over an existing file) and mode 0600, since they hold
 * the client's private key. The QR code is drawn on stdout only when stdout
 * is a terminal, and not with --no-qr: piped or logged output never gets
 * the key. The endpoint host is --endpoint, else [dns] name, else the
 * command asks for --endpoint. It needs server_public_key (keys init).
 * The private key exists only in those files and in memory, wiped.
 *
 * desired.conf is edited as text (confedit), checked by the parser before
 * it is replaced, atomically; a failure leaves it as it was and removes
 * the client files made. A running daemon reloads the file by itself.
 *
 * Exit status: 0 done, 1 failed (nothing changed), 2 usage error. Messages
 * go to stderr as "stingy-vpn peer add: ...".
 */
#ifndef PEERCMD_H
#define PEERCMD_H

/* peercmd_main: `stingy-vpn peer ...`; argv[0] is "peer". */
int peercmd_main(int argc, char **argv);

/* peercmd_keys_main: `stingy-vpn keys ...`; argv[0] is "keys". */
int peercmd_keys_main(int argc, char **argv);

#endif
