/*
 * test_wgkey: X25519 key pairs against RFC 7748's vectors, the clamping
 * wg genkey does, and the base64 form against a plain reference coder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "t.h"
#include "wgkey.h"

static void
unhex(unsigned char *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

/* RFC 7748 section 6.1 */
#define ALICE_PRIV	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PUB	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define BOB_PRIV	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_PUB		"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define SHARED		"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

/* the same keys as base64 (python3 base64.b64encode) */
#define ALICE_PRIV_B64	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define ALICE_PUB_B64	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define BOB_PUB_B64	"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="

static void
test_rfc7748_public_keys(void)
{
	static const struct { const char *priv, *pub; } v[] = {
		{ ALICE_PRIV, ALICE_PUB }, { BOB_PRIV, BOB_PUB },
	};
	unsigned char priv[32], pub[32], clamped[32];
	char err[256];
	struct wgkey k;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(priv, v[i].priv);
		unhex(pub, v[i].pub);
		T_EQ_INT(wgkey_from_private(&k, priv, err, sizeof(err)), 0);
		T_OK(memcmp(k.pub, pub, 32) == 0, "vector %zu: public key", i);
		/* stored clamped, as wg genkey stores it */
		memcpy(clamped, priv, 32);
		clamped[0] &= 248;
		clamped[31] = (clamped[31] & 127) | 64;
		T_OK(memcmp(k.priv, clamped, 32) == 0, "vector %zu: clamped", i);
		T_OK(memcmp(k.priv, priv, 32) != 0, "vector %zu: the vector is "
		    "not clamped itself", i);
		/* the clamped key has the same public key: X25519 clamps */
		T_EQ_INT(wgkey_from_private(&k, k.priv, err, sizeof(err)), 0);
		T_OK(memcmp(k.pub, pub, 32) == 0, "vector %zu: clamped public", i);
		wgkey_wipe(&k);
	}
}

/* Our key pairs agree with libcrypto's X25519 Diffie-Hellman (RFC 7748 6.1). */
static void
test_rfc7748_shared_secret(void)
{
	unsigned char a[32], bpub[32], want[32], got[32];
	EVP_PKEY *mine = NULL, *theirs = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	struct wgkey k;
	size_t len = sizeof(got);
	char err[256];

	unhex(a, ALICE_PRIV);
	unhex(want, SHARED);
	T_EQ_INT(wgkey_from_base64(bpub, BOB_PUB_B64), 0);
	T_EQ_INT(wgkey_from_private(&k, a, err, sizeof(err)), 0);
	mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, k.priv, 32);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, bpub, 32);
	T_OK(mine && theirs, "keys loaded");
	if (mine && theirs && (ctx = EVP_PKEY_CTX_new(mine, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
	    EVP_PKEY_derive(ctx, got, &len) == 1)
		T_OK(len == 32 && memcmp(got, want, 32) == 0, "shared secret");
	else
		T_OK(0, "derive failed");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	wgkey_wipe(&k);
}

static void
test_generate(void)
{
	struct wgkey a, b, again;
	char err[256];
	unsigned char zero[32] = { 0 };

	T_EQ_INT(wgkey_generate(&a, err, sizeof(err)), 0);
	T_EQ_INT(wgkey_generate(&b, err, sizeof(err)), 0);
	T_OK(memcmp(a.priv, b.priv, 32) != 0, "two keys differ");
	T_OK(memcmp(a.pub, b.pub, 32) != 0, "two public keys differ");
	T_EQ_INT(a.priv[0] & 7, 0);
	T_EQ_INT(a.priv[31] & 0xc0, 0x40);
	T_EQ_INT(wgkey_from_private(&again, a.priv, err, sizeof(err)), 0);
	T_OK(memcmp(again.pub, a.pub, 32) == 0, "public from private");
	T_OK(memcmp(again.priv, a.priv, 32) == 0, "clamping is idempotent");
	wgkey_wipe(&a);
	T_OK(memcmp(a.priv, zero, 32) == 0 && memcmp(a.pub, zero, 32) == 0,
	    "wiped");
	wgkey_wipe(&b);
	wgkey_wipe(&again);
	wgkey_wipe(NULL);
}

/* ref_b64: the textbook encoder, for comparison. */
static void
ref_b64(char *out, const unsigned char *in, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = abc[in[i] >> 2];
		out[o++] = abc[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = abc[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		out[o++] = abc[in[i + 2] & 63];
	}
	if (n - i == 2) {
		out[o++] = abc[in[i] >> 2];
		out[o++] = abc[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = abc[(in[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void
test_base64_vectors(void)
{
	unsigned char key[32], back[32];
	char s[WGKEY_B64_SIZE];

	unhex(key, ALICE_PRIV);
	wgkey_to_base64(s, key);
	T_EQ_STR(s, ALICE_PRIV_B64);
	unhex(key, ALICE_PUB);
	wgkey_to_base64(s, key);
	T_EQ_STR(s, ALICE_PUB_B64);
	memset(key, 0, 32);
	wgkey_to_base64(s, key);
	T_EQ_STR(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	memset(key, 0xff, 32);
	wgkey_to_base64(s, key);
	T_EQ_STR(s, "//////////////////////////////////////////8=");
	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)i;
	wgkey_to_base64(s, key);
	T_EQ_STR(s, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	T_EQ_INT(wgkey_from_base64(back, s), 0);
	T_OK(memcmp(back, key, 32) == 0, "decoded 0..31");
}

static void
test_base64_random(void)
{
	unsigned char key[32], back[32];
	char s[WGKEY_B64_SIZE], ref[64];
	int same = 0, n = 2000;

	for (int i = 0; i < n; i++) {
		if (RAND_bytes(key, 32) != 1)
			break;
		wgkey_to_base64(s, key);
		ref_b64(ref, key, 32);
		same += strcmp(s, ref) == 0 && wgkey_from_base64(back, s) == 0 &&
		    memcmp(back, key, 32) == 0 && wgkey_valid_base64(s);
	}
	T_EQ_INT(same, n);
}

static void
test_base64_refused(void)
{
	static const char *const bad[] = {
		"",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm=",	/* 43 */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoA=",	/* 45 */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoA",	/* no '=' */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==",	/* two '=' */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp=",	/* bits past 256 */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmr=",
		"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=",	/* url-safe alphabet */
		"hSDwCYkwp1R0i33ctD73Wg2-Og0mOBr066SpjqqbTmo=",
		"hSDwCYkwp1R0i33ctD73Wg2 Og0mOBr066SpjqqbTmo=",
		"hSDwCYkwp1R0i33ctD73Wg2=Og0mOBr066SpjqqbTmo=",
		"hSDwCYkwp1R0i33ctD73Wg2\xffOg0mOBr066SpjqqbTmo=",
		"$(reboot)R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=",
		" hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",
	};
	unsigned char key[32], zero[32] = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(key, 0x55, 32);
		T_OK(wgkey_from_base64(key, bad[i]) == -1, "refused: '%s'", bad[i]);
		T_OK(memcmp(key, zero, 32) == 0, "zeroed after '%s'", bad[i]);
		T_OK(!wgkey_valid_base64(bad[i]), "not valid: '%s'", bad[i]);
	}
	T_OK(wgkey_valid_base64(ALICE_PUB_B64), "valid");
}

/* Every one of the 64 values of every position decodes as the reference says. */
static void
test_base64_alphabet(void)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char key[32];
	char s[WGKEY_B64_SIZE];
	int ok = 0, refused = 0;

	for (int c = 1; c < 256; c++) {
		memcpy(s, ALICE_PUB_B64, sizeof(s));
		s[7] = (char)c;	/* the last of bytes 3..5: the low 6 bits of key[5] */
		if (strchr(abc, c) != NULL) {
			ok += wgkey_from_base64(key, s) == 0 &&
			    (key[5] & 63) == (unsigned)(strchr(abc, c) - abc);
		} else
			refused += wgkey_from_base64(key, s) == -1;
	}
	T_EQ_INT(ok, 64);
	T_EQ_INT(refused, 255 - 64);
}

int
main(void)
{
	T_RUN(test_rfc7748_public_keys);
	T_RUN(test_rfc7748_shared_secret);
	T_RUN(test_generate);
	T_RUN(test_base64_vectors);
	T_RUN(test_base64_random);
	T_RUN(test_base64_refused);
	T_RUN(test_base64_alphabet);
	return t_done("test_wgkey");
}
