/*
 * peercmd: `stingy-vpn keys ...` and `stingy-vpn peer ...` (the contract
 * is peercmd.h). The AWS call (keys init) runs on a private event base,
 * as initcmd does; desired.conf changes go through confedit_update.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "aws.h"
#include "buf.h"
#include "confedit.h"
#include "desired.h"
#include "fileio.h"
#include "http.h"
#include "log.h"
#include "oneshot.h"
#include "peercmd.h"
#include "peers.h"
#include "qr.h"
#include "ssm.h"
#include "wgkey.h"

#define PC_PNG_SCALE	8		/* pixels per module */
#define PC_FILE_MODE	0600		/* client files hold a private key */
#define PC_SERVER_LIST	(64 * 1024)	/* bytes of the rendered peer list */

static const char keys_usage[] =
"usage: stingy-vpn keys init [-c FILE] [--force] [-v]\n"
"       stingy-vpn keys pubkey < PRIVATE-KEY\n"
"\n"
"  init     make the server's WireGuard key pair: the private key goes\n"
"           straight into SSM <ssm_prefix>/wireguard/private-key (a\n"
"           SecureString), the public key into desired.conf as\n"
"           server_public_key. An existing parameter is replaced only with\n"
"           --force; every client then needs the new public key.\n"
"  pubkey   read a private key, print its public key (as wg pubkey)\n"
"\n"
"  -c, --config FILE      desired.conf (default $STINGY_VPN_CONF, else\n"
"                         " DESIRED_DEFAULT_PATH ")\n"
"  -f, --force            replace the server's key in SSM\n"
"  -v, --verbose          debug logging\n";

static const char peer_usage[] =
"usage: stingy-vpn peer add NAME [-c FILE] [--endpoint HOST] [--out FILE]\n"
"                           [--png FILE] [--no-qr]\n"
"       stingy-vpn peer remove NAME [-c FILE]\n"
"       stingy-vpn peer list [-c FILE]\n"
"       stingy-vpn peer render-server [-c FILE]\n"
"\n"
"  add            a new client: its key pair, the next free address, a\n"
"                 [peer NAME] section in desired.conf, and its wg-quick\n"
"                 config in FILE (default ./NAME.conf, mode 0600, never\n"
"                 over an existing file); a QR code of it on stdout when\n"
"                 that is a terminal\n"
"  remove         delete [peer NAME] from desired.conf\n"
"  list           the peers: name, address, public key (abbreviated)\n"
"  render-server  the peer list the instance reads from SSM\n"
"                 <ssm_prefix>/wireguard/peers\n"
"\n"
"  -c, --config FILE      desired.conf (default $STINGY_VPN_CONF, else\n"
"                         " DESIRED_DEFAULT_PATH ")\n"
"  -e, --endpoint HOST    the server's name or address for the client\n"
"                         (default: [dns] name)\n"
"  -o, --out FILE         where the client config goes (default ./NAME.conf)\n"
"  -p, --png FILE         also write the QR code as a PNG (mode 0600)\n"
"  -n, --no-qr            no QR code on the terminal\n";

/* ---- small helpers ---- */

static const char *
pc_default_conf(void)
{
	const char *e = getenv("STINGY_VPN_CONF");

	return e != NULL && *e != '\0' ? e : DESIRED_DEFAULT_PATH;
}

/* load: desired.conf, or NULL after printing its errors as "PROG: ..." lines. */
static struct desired *
pc_load(const char *prog, const char *conf)
{
	struct desired *d;
	char *errors = NULL, *line, *save = NULL;

	if ((d = desired_load(conf, &errors)) != NULL) {
		free(errors);
		return d;
	}
	for (line = errors ? strtok_r(errors, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "%s: %s\n", prog, line);
	if (errors == NULL)
		fprintf(stderr, "%s: %s: invalid\n", prog, conf);
	free(errors);
	return NULL;
}

static int
pc_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") == n;
}

/* create: path new (O_EXCL, no symlink followed), mode 0600; the fd or -1 with err. */
static int
pc_create(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    PC_FILE_MODE)) == -1) {
		snprintf(err, errlen, errno == EEXIST ? "%s exists; remove it or "
		    "pass another file" : "%s: %s", path, strerror(errno));
		return -1;
	}
	/* the umask may have taken bits away, never added: 0600 exactly */
	if (fchmod(fd, PC_FILE_MODE) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

/* finish: data into the new file fd, fsync'd and closed; -1 with err. */
static int
pc_finish(int fd, const char *path, const void *data, size_t len, char *err,
    size_t errlen)
{
	int rc = 0;

	if (fileio_write_all(fd, data, len) == -1 || fsync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return rc;
}

/* ---- keys ---- */

struct pc_ssm {
	struct event_base	*base;
	int			 done;
	int			 failed;
	struct aws_error	 err;
	const char		*want;		/* get: the value to compare with */
	int			 same;		/* get: the parameter holds want */
};

static void
pc_put_done_cb(const struct aws_error *err, long long version, void *arg)
{
	struct pc_ssm *s = arg;

	(void)version;
	s->done = 1;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	}
	event_base_loopbreak(s->base);
}

static void
pc_get_done_cb(const struct aws_error *err, const struct ssm_parameter *p,
    void *arg)
{
	struct pc_ssm *s = arg;
	size_t n;

	s->done = 1;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	} else if (p != NULL && p->value != NULL &&
	    (n = strlen(p->value)) == strlen(s->want))
		s->same = CRYPTO_memcmp(p->value, s->want, n) == 0;
	event_base_loopbreak(s->base);
}

/* wait: runs the loop until the call answered. */
static void
pc_wait(struct oneshot *o, struct pc_ssm *s)
{
	if (oneshot_wait(o, &s->done, &s->err) == -1)
		s->failed = 1;
}

/*
 * put_key: value as SecureString name, Overwrite only with force. 0, or -1
 * with err. ParameterAlreadyExists without force is a failure unless the
 * parameter already holds value (our own earlier attempt landed).
 */
static int
pc_put_key(const struct desired *d, const char *name, const char *value,
    int force, char *err, size_t errlen)
{
	struct oneshot o;
	struct pc_ssm s;
	struct aws *a;
	char why[512];
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (oneshot_open(&o, d->region, d->profile, err, errlen) == -1)
		goto done;
	s.base = o.base;
	a = o.aws;
	if (ssm_put_parameter(a, name, value, "SecureString", force,
	    pc_put_done_cb, &s) == -1) {
		snprintf(err, errlen, "ssm PutParameter %s: the request could not "
		    "start", name);
		goto done;
	}
	pc_wait(&o, &s);
	if (s.failed && !force && strcmp(s.err.code, "ParameterAlreadyExists") == 0) {
		memset(&s.err, 0, sizeof(s.err));
		s.done = s.failed = 0;
		s.want = value;
		if (ssm_get_parameter(a, name, 1, pc_get_done_cb, &s) == -1) {
			snprintf(err, errlen, "ssm GetParameter %s: the request could "
			    "not start", name);
			goto done;
		}
		pc_wait(&o, &s);
		if (!s.failed && !s.same) {
			snprintf(err, errlen, "ssm: %s exists: the server has a key "
			    "already. `stingy-vpn keys init --force` replaces it; "
			    "every client then needs the new public key", name);
			goto done;
		}
	}
	if (s.failed) {
		snprintf(err, errlen, "ssm PutParameter %s in %s: %s", name,
		    aws_region(a), aws_error_str(&s.err, why, sizeof(why)));
		goto done;
	}
	rc = 0;
done:
	oneshot_close(&o);
	return rc;
}

static int
pc_set_key_edit(struct buf *out, const char *text, size_t len, void *arg,
    char *err, size_t errlen)
{
	return confedit_set_endpoint_key(out, text, len, "server_public_key",
	    arg, err, errlen);
}

static int
pc_keys_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = pc_default_conf(), *prog = "stingy-vpn keys init";
	char err[2048], name[600], priv[WGKEY_B64_SIZE],
	    pub[WGKEY_B64_SIZE];
	struct desired *d = NULL;
	struct wgkey k;
	int ch, force = 0, verbose = 0, rc = 1;

	memset(&k, 0, sizeof(k));
	priv[0] = '\0';
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:fvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			fputs(keys_usage, stdout);
			return 0;
		default:
			fputs(keys_usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	log_init(verbose, 0);
	if ((d = pc_load(prog, conf)) == NULL)
		goto done;
	snprintf(name, sizeof(name), "%s/wireguard/private-key", d->ssm_prefix);
	if (wgkey_generate(&k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	wgkey_to_base64(priv, k.priv);
	wgkey_to_base64(pub, k.pub);
	/* the edit must be possible before the key goes anywhere */
	if (confedit_update(conf, pc_set_key_edit, pub, CONFEDIT_DRY_RUN, NULL,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	if (pc_put_key(d, name, priv, force, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	if (confedit_update(conf, pc_set_key_edit, pub, 0, NULL, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n%s: the new key is in SSM %s: set "
		    "server_public_key = %s in [endpoint %s] by hand\n", prog, err,
		    prog, name, pub, d->endpoint);
		goto done;
	}
	printf("%s\n", pub);
	fprintf(stderr, "%s: the server's private key is in SSM %s (SecureString); "
	    "its public key %s is server_public_key in %s. %s\n", prog, name, pub,
	    conf, force ? "A running instance applies the new key within a minute "
	    "(its sync timer); every client needs a config with the new public key "
	    "(peer remove, peer add)" : "The instance reads it when it boots.");
	rc = 0;
done:
	OPENSSL_cleanse(priv, sizeof(priv));
	wgkey_wipe(&k);
	desired_free(d);
	return rc;
}

/* keys pubkey: one private key on stdin, its public key on stdout. */
static int
pc_keys_pubkey(int argc, char **argv)
{
	char line[256], out[WGKEY_B64_SIZE], err[256];
	unsigned char priv[WGKEY_LEN];
	struct wgkey k;
	size_t n;
	int rc = 1;

	(void)argv;
	if (argc != 1) {
		fputs(keys_usage, stderr);
		return 2;
	}
	memset(&k, 0, sizeof(k));
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (wgkey_from_base64(priv, line) == -1) {
		fprintf(stderr, "stingy-vpn keys pubkey: not a WireGuard key on "
		    "stdin\n");
		goto done;
	}
	if (wgkey_from_private(&k, priv, err, sizeof(err)) == -1) {
		fprintf(stderr, "stingy-vpn keys pubkey: %s\n", err);
		goto done;
	}
	wgkey_to_base64(out, k.pub);
	printf("%s\n", out);
	rc = 0;
done:
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(priv, sizeof(priv));
	wgkey_wipe(&k);
	return rc;
}

int
peercmd_keys_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return pc_keys_init(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pubkey") == 0)
		return pc_keys_pubkey(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		fputs(keys_usage, stdout);
		return 0;
	}
	fputs(keys_usage, stderr);
	return 2;
}

/* ---- peer ---- */

struct pc_args {
	const char	*conf;
	const char	*name;		/* NULL when the command takes none */
	const char	*endpoint;
	const char	*out;
	const char	*png;
	int		 no_qr;
};

/* args: 0, or the exit status (2, or 0 after --help with *exit_now). */
static int
pc_args(int argc, char **argv, int want_name, int add, struct pc_args *a,
    int *exit_now)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "png", required_argument, NULL, 'p' },
		{ "no-qr", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*exit_now = 0;
	memset(a, 0, sizeof(*a));
	a->conf = pc_default_conf();
	optind = 1;
	while ((ch = getopt_long(argc, argv, add ? "c:e:o:p:nh" : "c:h",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			break;
		case 'e':
			a->endpoint = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->png = optarg;
			break;
		case 'n':
			a->no_qr = 1;
			break;
		case 'h':
			fputs(peer_usage, stdout);
			*exit_now = 1;
			return 0;
		default:
			fputs(peer_usage, stderr);
			return 2;
		}
	}
	if (!add && (a->endpoint || a->out || a->png || a->no_qr)) {
		fputs(peer_usage, stderr);
		return 2;
	}
	if (want_name) {
		if (optind >= argc) {
			fprintf(stderr, "stingy-vpn peer %s: NAME is required\n",
			    argv[0]);
			return 2;
		}
		a->name = argv[optind++];
		if (!pc_valid_name(a->name)) {
			fprintf(stderr, "stingy-vpn peer %s: invalid name: use 1 to "
			    "32 of a-z, 0-9 and '-'\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stingy-vpn peer %s: unexpected argument '%s'\n",
		    argv[0], argv[optind]);
		return 2;
	}
	return 0;
}

/* What the add edit needs and what it found, inside the lock. */
struct pc_add {
	const char	*name;
	const char	*public_key;
	char		 address[PEERS_ADDR_SIZE];
	char		 when[32];
};

static int
pc_add_edit(struct buf *out, const char *text, size_t len, void *arg,
    char *err, size_t errlen)
{
	struct pc_add *a = arg;
	struct desired *d;
	char *errors = NULL;
	int rc = -1;

	/* the file as it is now, under the lock: the address is chosen here */
	if ((d = desired_parse_string("desired.conf", text, len, &errors)) == NULL) {
		snprintf(err, errlen, "the file does not check (run stingy-vpn "
		    "check)");
		goto done;
	}
	if (desired_find_peer(d, a->name) != NULL) {
		snprintf(err, errlen, "[peer %s] exists already", a->name);
		goto done;
	}
	if (peers_next_address(d, a->address, sizeof(a->address)) == -1) {
		snprintf(err, errlen, "no free address left in wireguard_cidr %s",
		    d->wireguard_cidr);
		goto done;
	}
	rc = confedit_add_peer(out, text, len, a->name, a->public_key,
	    a->address, -1, a->when, err, errlen);
done:
	desired_free(d);
	free(errors);
	return rc;
}

static int
pc_remove_edit(struct buf *out, const char *text, size_t len, void *arg,
    char *err, size_t errlen)
{
	return confedit_remove_peer(out, text, len, arg, err, errlen);
}

/* show_qr: the code on stdout, drawn for a terminal. */
static void
pc_show_qr(const struct qr_code *q, const char *name)
{
	char *s = NULL;
	size_t n = 0;

	if (qr_terminal(q, 1, &s, &n) == -1) {
		fprintf(stderr, "stingy-vpn peer add: out of memory for the QR code\n");
		return;
	}
	printf("\n%s\n  scan this in the WireGuard app (add tunnel, scan from "
	    "QR code) for %s\n\n", s, name);
	fflush(stdout);
	qr_free(s, n);
}

/* add_outputs: the client config and its PNG into their files; the QR on the terminal. */
static int
pc_add_outputs(const struct pc_args *a, const char *out, const char *text,
    int fd, int pngfd, char *err, size_t errlen)
{
	struct qr_code q = { 0, NULL };
	unsigned char *png = NULL;
	size_t pnglen = 0;
	int show = !a->no_qr && isatty(STDOUT_FILENO), rc = -1;

	if (pc_finish(fd, out, text, strlen(text), err, errlen) == -1) {
		if (pngfd != -1)
			close(pngfd);
		return -1;
	}
	if (pngfd == -1 && !show)
		return 0;
	if (qr_encode(text, &q, err, errlen) == -1)
		goto done;
	if (pngfd != -1) {
		if (qr_png(&q, PC_PNG_SCALE, &png, &pnglen) == -1) {
			snprintf(err, errlen, "qr: cannot make the PNG");
			goto done;
		}
		rc = pc_finish(pngfd, a->png, png, pnglen, err, errlen);
		pngfd = -1;
		if (rc == -1)
			goto done;
		rc = -1;
	}
	if (show)
		pc_show_qr(&q, a->name);
	rc = 0;
done:
	if (pngfd != -1)
		close(pngfd);
	qr_free(png, pnglen);
	qr_code_free(&q);
	return rc;
}

/* endpoint: the host clients connect to; NULL after a message. */
static const char *
pc_endpoint(const struct pc_args *a, const struct desired *d)
{
	const char *host = a->endpoint;

	if (host == NULL && d->dns_provider != DNS_NONE)
		host = d->dns_name;
	if (host == NULL) {
		fprintf(stderr, "stingy-vpn peer add: which address do clients "
		    "connect to? Pass --endpoint HOST (the Elastic IP's address, "
		    "or a DNS name), or set [dns] name in %s\n", a->conf);
		return NULL;
	}
	if (!peers_valid_host(host)) {
		fprintf(stderr, "stingy-vpn peer add: --endpoint '%.64s': not a DNS "
		    "name or an IP address (without a port: the port is "
		    "wireguard_port)\n", host);
		return NULL;
	}
	return host;
}

static int
pc_add(int argc, char **argv)
{
	const char *prog = "stingy-vpn peer add", *host;
	char err[1024], priv[WGKEY_B64_SIZE], pub[WGKEY_B64_SIZE],
	    text[PEERS_CLIENT_MAX], *defout = NULL;
	const struct desired_peer *pe;
	struct desired *d = NULL, *nd = NULL;
	struct pc_add edit;
	struct pc_args a;
	struct wgkey k;
	struct buf list;
	const char *out;
	int rc, exit_now, fd = -1, pngfd = -1, made_out = 0, made_png = 0,
	    added = 0;
	time_t now = time(NULL);
	struct tm tm;

	memset(&k, 0, sizeof(k));
	memset(&edit, 0, sizeof(edit));
	priv[0] = text[0] = '\0';
	buf_init(&list, PC_SERVER_LIST);
	if ((rc = pc_args(argc, argv, 1, 1, &a, &exit_now)) != 0 || exit_now)
		return rc;
	rc = 1;
	if ((d = pc_load(prog, a.conf)) == NULL)
		goto done;
	if (d->server_public_key == NULL) {
		fprintf(stderr, "%s: [endpoint %s] in %s has no server_public_key: "
		    "run `stingy-vpn keys init` first\n", prog, d->endpoint, a.conf);
		goto done;
	}
	if (desired_find_peer(d, a.name) != NULL) {
		fprintf(stderr, "%s: [peer %s] exists already in %s (stingy-vpn "
		    "peer remove %s first)\n", prog, a.name, a.conf, a.name);
		goto done;
	}
	if ((host = pc_endpoint(&a, d)) == NULL)
		goto done;
	if ((out = a.out) == NULL) {
		if (asprintf(&defout, "%s.conf", a.name) == -1) {
			defout = NULL;
			fprintf(stderr, "%s: out of memory\n", prog);
			goto done;
		}
		out = defout;
	}
	if (a.png != NULL && strcmp(a.png, out) == 0) {
		fprintf(stderr, "%s: --png and --out name the same file\n", prog);
		goto done;
	}
	if (wgkey_generate(&k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	wgkey_to_base64(priv, k.priv);
	wgkey_to_base64(pub, k.pub);
	wgkey_wipe(&k);
	/* the files first (O_EXCL): nothing is added for a client file we may not write */
	if ((fd = pc_create(out, err, sizeof(err))) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	made_out = 1;
	if (a.png != NULL) {
		if ((pngfd = pc_create(a.png, err, sizeof(err))) == -1) {
			fprintf(stderr, "%s: %s\n", prog, err);
			goto done;
		}
		made_png = 1;
	}
	edit.name = a.name;
	edit.public_key = pub;
	if (gmtime_r(&now, &tm) != NULL)
		strftime(edit.when, sizeof(edit.when), "%Y-%m-%d", &tm);
	if (confedit_update(a.conf, pc_add_edit, &edit, 0, &nd, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, a.conf, err);
		goto done;
	}
	added = 1;
	if ((pe = desired_find_peer(nd, a.name)) == NULL) {
		fprintf(stderr, "%s: [peer %s] is not in the edited file\n", prog,
		    a.name);
		goto done;
	}
	if (peers_render_client(nd, pe, priv, host, text, sizeof(text), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	rc = pc_add_outputs(&a, out, text, fd, pngfd, err, sizeof(err));
	fd = pngfd = -1;	/* closed by pc_add_outputs */
	if (rc == -1) {
		rc = 1;
		fprintf(stderr, "%s: %s\n", prog, err);
		goto done;
	}
	if (peers_render_server(nd, &list) == 0 && list.len > PEERS_SSM_STANDARD_MAX)
		fprintf(stderr, "%s: warning: the peer list is %zu bytes, more "
		    "than SSM's standard tier takes (%d)\n", prog, list.len,
		    PEERS_SSM_STANDARD_MAX);
	fprintf(stderr, "%s: [peer %s] %s added to %s; client config in %s "
	    "(mode 0600)%s%s. The server takes the peer once the list is in SSM "
	    "%s/wireguard/peers (see stingy-vpn peer render-server)\n", prog,
	    a.name, edit.address, a.conf, out, a.png ? " and " : "",
	    a.png ? a.png : "", nd->ssm_prefix);
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (pngfd != -1)
		close(pngfd);
	if (rc != 0) {
		if (made_out)
			(void)unlink(out);
		if (made_png)
			(void)unlink(a.png);
		if (added && confedit_update(a.conf, pc_remove_edit,
		    (void *)(uintptr_t)a.name, 0, NULL, err, sizeof(err)) == -1)
			fprintf(stderr, "%s: could not take [peer %s] out of %s "
			    "again: %s; remove it by hand\n", prog, a.name, a.conf,
			    err);
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(text, sizeof(text));
	wgkey_wipe(&k);
	buf_free(&list);
	free(defout);
	desired_free(nd);
	desired_free(d);
	return rc;
}

static int
pc_remove(int argc, char **argv)
{
	const char *prog = "stingy-vpn peer remove";
	struct desired *d = NULL;
	struct pc_args a;
	char err[1024];
	int rc, exit_now;

	if ((rc = pc_args(argc, argv, 1, 0, &a, &exit_now)) != 0 || exit_now)
		return rc;
	rc = 1;
	if ((d = pc_load(prog, a.conf)) == NULL)
		goto done;
	if (desired_find_peer(d, a.name) == NULL) {
		fprintf(stderr, "%s: no [peer %s] in %s\n", prog, a.name, a.conf);
		goto done;
	}
	if (confedit_update(a.conf, pc_remove_edit, (void *)(uintptr_t)a.name, 0,
	    NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, a.conf, err);
		goto done;
	}
	fprintf(stderr, "%s: [peer %s] removed from %s. The server drops it once "
	    "the list is in SSM %s/wireguard/peers (see stingy-vpn peer "
	    "render-server); its client config no longer connects after that\n",
	    prog, a.name, a.conf, d->ssm_prefix);
	rc = 0;
done:
	desired_free(d);
	return rc;
}

static int
pc_list(int argc, char **argv)
{
	const struct desired_peer *pe;
	struct desired *d;
	struct pc_args a;
	char ka[16];
	int rc, exit_now;

	if ((rc = pc_args(argc, argv, 0, 0, &a, &exit_now)) != 0 || exit_now)
		return rc;
	if ((d = pc_load("stingy-vpn peer list", a.conf)) == NULL)
		return 1;
	if (d->n_peers == 0) {
		fprintf(stderr, "stingy-vpn peer list: no peers in %s (stingy-vpn "
		    "peer add NAME adds one)\n", a.conf);
	} else {
		printf("%-32s  %-15s  %-14s  %s\n", "NAME", "ADDRESS", "PUBLIC KEY",
		    "KEEPALIVE");
		for (pe = d->peers; pe < d->peers + d->n_peers; pe++) {
			if (pe->keepalive >= 0)
				snprintf(ka, sizeof(ka), "%d", pe->keepalive);
			else
				snprintf(ka, sizeof(ka), "-");
			printf("%-32s  %-15s  %.10s...  %s\n", pe->name, pe->address,
			    pe->public_key, ka);
		}
	}
	if (fflush(stdout) == EOF)
		rc = 1;
	desired_free(d);
	return rc;
}

static int
pc_render_server(int argc, char **argv)
{
	struct desired *d;
	struct pc_args a;
	struct buf b;
	int rc, exit_now;

	if ((rc = pc_args(argc, argv, 0, 0, &a, &exit_now)) != 0 || exit_now)
		return rc;
	if ((d = pc_load("stingy-vpn peer render-server", a.conf)) == NULL)
		return 1;
	buf_init(&b, PC_SERVER_LIST);
	if (peers_render_server(d, &b) == -1) {
		fprintf(stderr, "stingy-vpn peer render-server: the list is too "
		    "big\n");
		rc = 1;
	} else if (fwrite(b.data, 1, b.len, stdout) != b.len ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "stingy-vpn peer render-server: cannot write to "
		    "stdout\n");
		rc = 1;
	}
	buf_free(&b);
	desired_free(d);
	return rc;
}

int
peercmd_main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(int, char **);
	} cmds[] = {
		{ "add", pc_add },
		{ "remove", pc_remove },
		{ "list", pc_list },
		{ "render-server", pc_render_server },
	};
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		fputs(peer_usage, stdout);
		return 0;
	}
	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fputs(peer_usage, stderr);
	return 2;
}
