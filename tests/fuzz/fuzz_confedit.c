/*
 * fuzz_confedit: the desired.conf text edits on arbitrary bytes, held to
 * the config parser. Anything below that fails aborts.
 *
 *   - add_peer then remove_peer gives the input back, for any input that
 *     is empty or ends with a newline and has no [peer fuzz-peer] yet;
 *   - when the input parses: adding a peer (at peers_next_address) parses
 *     to the same configuration plus that peer; removing each existing
 *     peer parses to the same configuration less that one; setting
 *     server_public_key parses to the same with only that key changed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "confedit.h"
#include "desired.h"
#include "peers.h"

#define NAME	"fuzz-peer"
#define KEY	"aYdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUCk="
#define SRV	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct desired *
parse(const struct buf *b)
{
	char *errors = NULL;
	struct desired *d = desired_parse_string("fuzz.conf", buf_str(b), b->len,
	    &errors);

	free(errors);
	return d;
}

/* drop: takes peer i out of d (freeing it), as if never parsed. */
static void
drop(struct desired *d, size_t i)
{
	free(d->peers[i].name);
	free(d->peers[i].public_key);
	free(d->peers[i].address);
	memmove(&d->peers[i], &d->peers[i + 1], (d->n_peers - i - 1) *
	    sizeof(d->peers[0]));
	d->n_peers--;
}

static void
check_add(const struct desired *d, const char *text, size_t len)
{
	char addr[PEERS_ADDR_SIZE], err[512];
	const struct desired_peer *p;
	struct desired *d2;
	struct buf out;

	if (desired_find_peer(d, NAME) != NULL || d->n_peers == DESIRED_MAX_PEERS ||
	    peers_next_address(d, addr, sizeof(addr)) == -1)
		return;
	buf_init(&out, CONFEDIT_MAX_FILE * 2);
	if (confedit_add_peer(&out, text, len, NAME, KEY, addr, 25, NULL, err,
	    sizeof(err)) == -1) {
		/* only another peer's key may be ours */
		fprintf(stderr, "add refused: %s\n", err);
		abort();
	}
	d2 = parse(&out);
	if (d2 == NULL) {
		/* our key may be taken by a peer of the input: then refused rightly */
		for (size_t i = 0; i < d->n_peers; i++)
			if (strcmp(d->peers[i].public_key, KEY) == 0)
				goto done;
		fprintf(stderr, "added file refused:\n%s", buf_str(&out));
		abort();
	}
	if ((p = desired_find_peer(d2, NAME)) == NULL || strcmp(p->address, addr) ||
	    strcmp(p->public_key, KEY) || p->keepalive != 25)
		abort();
	drop(d2, (size_t)(p - d2->peers));
	if (!desired_equal(d, d2)) {
		fprintf(stderr, "adding changed more than the peer\n");
		abort();
	}
done:
	desired_free(d2);
	buf_free(&out);
}

static void
check_remove(const struct desired *d, const struct buf *in)
{
	const char *text = buf_str(in);
	size_t len = in->len;
	struct desired *d2, *d3;
	struct buf out;
	char err[512];

	buf_init(&out, CONFEDIT_MAX_FILE * 2);
	for (size_t i = 0; i < d->n_peers && i < 8; i++) {
		if (confedit_remove_peer(&out, text, len, d->peers[i].name, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "remove %s refused: %s\n", d->peers[i].name, err);
			abort();
		}
		if ((d2 = parse(&out)) == NULL) {
			fprintf(stderr, "without %s refused:\n%s", d->peers[i].name,
			    buf_str(&out));
			abort();
		}
		if (d2->n_peers + 1 != d->n_peers)
			abort();
		/* d2 is d less peer i: compare by putting d's copy of it back */
		if ((d3 = parse(in)) == NULL)
			abort();
		drop(d3, i);
		if (!desired_equal(d2, d3)) {
			fprintf(stderr, "removing %s changed more\n", d->peers[i].name);
			abort();
		}
		desired_free(d3);
		desired_free(d2);
	}
	buf_free(&out);
}

static void
check_set_key(const struct desired *d, const char *text, size_t len)
{
	struct desired *d2;
	struct buf out;
	char err[512];

	buf_init(&out, CONFEDIT_MAX_FILE * 2);
	if (confedit_set_endpoint_key(&out, text, len, "server_public_key", SRV,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "set refused: %s\n", err);
		abort();
	}
	if ((d2 = parse(&out)) == NULL) {
		fprintf(stderr, "set file refused:\n%s", buf_str(&out));
		abort();
	}
	if (d2->server_public_key == NULL || strcmp(d2->server_public_key, SRV))
		abort();
	free(d2->server_public_key);
	d2->server_public_key = d->server_public_key ? strdup(d->server_public_key) :
	    NULL;
	if (!desired_equal(d, d2))
		abort();
	desired_free(d2);
	buf_free(&out);
}

/* identity: add, then remove, gives text back. */
static void
check_identity(const char *text, size_t len)
{
	struct buf a, b;
	char err[512];

	if (len > 0 && text[len - 1] != '\n')
		return;
	buf_init(&a, CONFEDIT_MAX_FILE * 2);
	buf_init(&b, CONFEDIT_MAX_FILE * 2);
	if (confedit_add_peer(&a, text, len, NAME, KEY, "10.8.0.2", -1, "fuzz",
	    err, sizeof(err)) == 0) {
		if (confedit_remove_peer(&b, buf_str(&a), a.len, NAME, err,
		    sizeof(err)) == -1 || b.len != len ||
		    memcmp(buf_str(&b), text, len) != 0) {
			fprintf(stderr, "add+remove is not the identity: %s\n", err);
			abort();
		}
	} else if (strstr(err, "exists already") == NULL)
		abort();
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in;
	struct desired *d;
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_identity(text, size);
	buf_init(&in, size + 1);
	buf_add(&in, text, size);
	if ((d = parse(&in)) != NULL) {
		check_add(d, text, size);
		check_remove(d, &in);
		check_set_key(d, text, size);
		desired_free(d);
	}
	buf_free(&in);
	free(text);
	return 0;
}
