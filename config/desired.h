/*
 * desired: the parsed desired.conf, what the user wants.
 *
 * The format is INI-style: "[section]" or "[section NAME]" headers,
 * "key = value" lines, '#' or ';' comments on lines of their own, durations
 * with units (500ms, 30s, 5m, 2h, 1d; a bare number is seconds), booleans
 * (yes/no, true/false, on/off, 1/0), lists separated by commas.
 *
 * The parser is incremental (desired_parse_init / _line / _finish) so tests
 * and the fuzzer drive it with strings. It reports every error in one pass as
 * "FILE:LINE: message" and never stops at the first.
 */
#ifndef DESIRED_H
#define DESIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DESIRED_MAX_LIST 16
#define DESIRED_MAX_PEERS 64	/* [peer NAME] sections */

/* Where desired.conf is when neither -c nor $STINGY_VPN_CONF says. */
#define DESIRED_DEFAULT_PATH "/etc/stingy-vpn/desired.conf"

enum rebalance_policy { REBALANCE_REPLACE, REBALANCE_MARK };
/* Who holds the endpoint's DNS record: nobody (no [dns]), Cloudflare, Route 53. */
enum dns_provider { DNS_NONE, DNS_CLOUDFLARE, DNS_ROUTE53 };

#define DESIRED_CF_API	"https://api.cloudflare.com/client/v4"

/*
 * [peer NAME]: one WireGuard client. Names, keys and addresses are unique
 * across peers; the address is a host of wireguard_cidr other than its
 * network, broadcast and first host (the server's).
 */
struct desired_peer {
	char		*name;		/* [a-z0-9-]{1,32} */
	char		*public_key;	/* 44-character base64 (wg pubkey) */
	char		*address;	/* "10.8.0.2": the client's /32, written without "/32" */
	int		 keepalive;	/* PersistentKeepalive in seconds, 0..65535; -1: unset */
};

struct desired {
	/* [aws] */
	char		*region;		/* required: "eu-west-1" */
	char		*profile;		/* NULL: AWS_PROFILE or "default" */
	char		*queue_url;		/* required: the SQS queue EventBridge fills */

	/* [controller] */
	char		*state_db;		/* default "/var/lib/stingy-vpn/state.db" */
	char		*listen;		/* "127.0.0.1:9851"; "" or "off" disables */
	unsigned	 describe_interval_ms;	/* default 60 s */
	unsigned	 sqs_wait_ms;		/* long poll, 1..20 s, default 20 s */
	unsigned	 health_max_age_ms;	/* default 180 s: newest success that counts */

	/* [endpoint NAME]: exactly one */
	char		*endpoint;		/* the NAME, [a-z0-9-]{1,32} */
	bool		 enabled;		/* default yes */
	char		*launch_template;	/* required: "lt-" + hex */
	char		*launch_template_version; /* "$Latest" (default), "$Default" or a number */
	char		*instance_types[DESIRED_MAX_LIST];	/* default t4g.nano */
	size_t		 n_instance_types;
	char		*subnets[DESIRED_MAX_LIST];		/* "subnet-" + hex; may be empty */
	size_t		 n_subnets;
	unsigned	 max_instances;		/* 1..4, default 2 */
	unsigned	 launch_budget;		/* launches per hour, 1..20, default 4 */
	char		*elastic_ip;		/* NULL or "eipalloc-" + hex */
	char		*ssm_prefix;		/* default "/stingy-vpn", starts with '/' */
	char		*wireguard_cidr;	/* default "10.8.0.0/24" */
	bool		 wait_ready;		/* wait for the stingy-vpn:ready tag; default yes */
	unsigned	 ready_timeout_ms;	/* default 5 min */
	enum rebalance_policy rebalance;	/* default REBALANCE_REPLACE */
	unsigned	 capacity_cooldown_ms;	/* default 30 min */
	/* for client configs (`stingy-vpn peer add`) */
	unsigned	 wireguard_port;	/* the server's UDP port, default 51820 */
	char		*server_public_key;	/* NULL or 44-character base64; `keys init` writes it */
	char		*client_dns[DESIRED_MAX_LIST];	/* IPv4; default 1.1.1.1; may be empty */
	size_t		 n_client_dns;

	/*
	 * [dns]: optional. With a provider, the A record `dns_name` follows
	 * the endpoint: the Elastic IP's address when elastic_ip is set, else
	 * the public IP of the ready instance.
	 */
	enum dns_provider dns_provider;		/* default DNS_NONE */
	char		*dns_name;		/* "vpn.example.com", no trailing dot */
	char		*dns_zone_id;		/* Cloudflare: 32 hex; Route 53: "Z..." */
	char		*dns_record_id;		/* Cloudflare only; NULL: look it up by name */
	bool		 dns_create;		/* Cloudflare: create the record when missing */
	unsigned	 dns_ttl;		/* seconds, default 60 */
	char		*dns_token_parameter;	/* Cloudflare: SSM SecureString with the API token */
	char		*dns_api_url;		/* Cloudflare API base, default DESIRED_CF_API */

	/* [alerts] */
	char		*sns_topic;		/* NULL or an arn:aws:sns:... */
	unsigned	 max_interruptions_per_day;	/* default 3 */
	unsigned	 alert_interval_ms;	/* minimum gap per alert kind; default 1 h */

	/* [peer NAME]: optional, any number up to DESIRED_MAX_PEERS; sorted by name */
	struct desired_peer peers[DESIRED_MAX_PEERS];
	size_t		 n_peers;
};

struct desired_parser;	/* opaque */

/*
 * desired_parse_init: a parser that names errors after `file` (copied).
 * NULL only when out of memory.
 */
struct desired_parser *desired_parse_init(const char *file);
/* desired_parse_line: one line without its newline; lineno counts from 1. */
void desired_parse_line(struct desired_parser *p, const char *line, size_t len);
/*
 * desired_parse_finish: checks required keys and cross-key rules, then
 * returns the configuration (the caller frees it with desired_free) or NULL
 * when any error was found. Every error, one per line as "FILE:LINE: message"
 * (LINE is 0 for file-wide errors), is appended to *errors (a malloc'd string
 * the caller frees; NULL when there were none). Frees the parser.
 */
struct desired *desired_parse_finish(struct desired_parser *p, char **errors);

/* desired_parse_string: the three steps over a whole buffer. */
struct desired *desired_parse_string(const char *file, const char *text,
    size_t len, char **errors);
/* desired_load: reads path and parses it; a read error is reported the same way. */
struct desired *desired_load(const char *path, char **errors);

/*
 * desired_print: the normalised configuration, every key with its effective
 * value (defaults included), durations in their largest exact unit. What it
 * prints parses back to an equal configuration. Returns a malloc'd string.
 */
char *desired_print(const struct desired *d);

/* desired_equal: 1 when every field is the same. */
int desired_equal(const struct desired *a, const struct desired *b);

void desired_free(struct desired *d);

/* Validators, exported for tests and for other modules' checks. 1 when valid. */
int desired_valid_region(const char *s);
int desired_valid_cidr(const char *s);
/* desired_dns_provider_name: "none", "cloudflare", "route53". */
const char *desired_dns_provider_name(enum dns_provider p);
/* desired_parse_duration: "30s" -> 30000; -1 when invalid. */
long long desired_parse_duration(const char *s);
/*
 * desired_parse_ipv4: "a.b.c.d" (decimal, no leading zeros, nothing else)
 * into *addr in host byte order. 0, or -1 when s is not one.
 */
int desired_parse_ipv4(const char *s, uint32_t *addr);
/*
 * desired_parse_cidr: a valid wireguard_cidr ("10.8.0.0/24") into its
 * network (host byte order) and prefix length. 0, or -1 when not valid.
 */
int desired_parse_cidr(const char *s, uint32_t *net, unsigned *prefix);
/* desired_find_peer: the peer named name, or NULL. */
const struct desired_peer *desired_find_peer(const struct desired *d,
    const char *name);

#endif
