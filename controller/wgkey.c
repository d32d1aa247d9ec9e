/*
 * wgkey: X25519 key pairs through libcrypto's EVP_PKEY_X25519 and the
 * wireguard-tools base64 form (the contract is wgkey.h).
 *
 * The base64 coder works on 6-bit values with masks instead of branches or
 * table lookups indexed by secret bytes, after wireguard-tools'
 * src/encoding.c, but in unsigned arithmetic (no shifts of negative
 * numbers).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "wgkey.h"

/* ssl_error: "what: the first libcrypto error" into err, and the queue emptied. */
static void
wgkey_ssl_error(char *err, size_t errlen, const char *what)
{
	char why[256] = "unknown error";
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	snprintf(err, errlen, "wgkey: %s: %s", what, why);
}

void
wgkey_clamp(unsigned char key[WGKEY_LEN])
{
	key[0] &= 248;
	key[31] &= 127;
	key[31] |= 64;
}

void
wgkey_wipe(struct wgkey *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

int
wgkey_from_private(struct wgkey *k, const unsigned char priv[WGKEY_LEN],
    char *err, size_t errlen)
{
	unsigned char copy[WGKEY_LEN];
	EVP_PKEY *pk = NULL;
	size_t len = WGKEY_LEN;
	int rc = -1;

	memcpy(copy, priv, WGKEY_LEN);	/* priv may be k->priv */
	wgkey_clamp(copy);
	if ((pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, copy,
	    WGKEY_LEN)) == NULL) {
		wgkey_ssl_error(err, errlen, "X25519 private key");
		goto done;
	}
	if (EVP_PKEY_get_raw_public_key(pk, k->pub, &len) != 1 ||
	    len != WGKEY_LEN) {
		wgkey_ssl_error(err, errlen, "X25519 public key");
		goto done;
	}
	memcpy(k->priv, copy, WGKEY_LEN);
	rc = 0;
done:
	OPENSSL_cleanse(copy, sizeof(copy));
	EVP_PKEY_free(pk);	/* clears its key material */
	if (rc == -1)
		wgkey_wipe(k);
	return rc;
}

int
wgkey_generate(struct wgkey *k, char *err, size_t errlen)
{
	unsigned char priv[WGKEY_LEN];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t len = WGKEY_LEN;
	int rc = -1;

	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pk) != 1) {
		wgkey_ssl_error(err, errlen, "X25519 key generation");
		goto done;
	}
	if (EVP_PKEY_get_raw_private_key(pk, priv, &len) != 1 ||
	    len != WGKEY_LEN) {
		wgkey_ssl_error(err, errlen, "X25519 raw private key");
		goto done;
	}
	/* clamped as wg genkey stores it; the public key is the same either way */
	rc = wgkey_from_private(k, priv, err, errlen);
done:
	OPENSSL_cleanse(priv, sizeof(priv));
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	if (rc == -1)
		wgkey_wipe(k);
	return rc;
}

/* mask_gt: all ones when x > n (x, n below 2^31), else 0. */
static unsigned
wgkey_mask_gt(unsigned x, unsigned n)
{
	return 0u - ((n - x) >> 31);
}

/* enc: the base64 character of the 6-bit value x. */
static char
wgkey_enc(unsigned x)
{
	x &= 63;
	return (char)(x + 'A' + (wgkey_mask_gt(x, 25) & 6) -
	    (wgkey_mask_gt(x, 51) & 75) - (wgkey_mask_gt(x, 61) & 15) +
	    (wgkey_mask_gt(x, 62) & 3));
}

/* in_range: all ones when lo <= c <= hi (all below 256), else 0. */
static unsigned
wgkey_in_range(unsigned c, unsigned lo, unsigned hi)
{
	return ((((c - lo) | (hi - c)) >> 31) & 1) - 1;
}

/* dec: the 6-bit value of c in the low bits; *bad gets all ones when c is not base64. */
static unsigned
wgkey_dec(unsigned char ch, unsigned *bad)
{
	unsigned c = ch, up = wgkey_in_range(c, 'A', 'Z'),
	    lo = wgkey_in_range(c, 'a', 'z'), dig = wgkey_in_range(c, '0', '9'),
	    plus = wgkey_in_range(c, '+', '+'), slash = wgkey_in_range(c, '/', '/');

	*bad |= ~(up | lo | dig | plus | slash);
	return ((up & (c - 'A')) | (lo & (c - 'a' + 26)) | (dig & (c - '0' + 52)) |
	    (plus & 62) | (slash & 63)) & 63;
}

void
wgkey_to_base64(char out[WGKEY_B64_SIZE], const unsigned char key[WGKEY_LEN])
{
	unsigned v;
	size_t i, o = 0;

	for (i = 0; i + 3 <= WGKEY_LEN; i += 3) {
		v = (unsigned)key[i] << 16 | (unsigned)key[i + 1] << 8 | key[i + 2];
		out[o++] = wgkey_enc(v >> 18);
		out[o++] = wgkey_enc(v >> 12);
		out[o++] = wgkey_enc(v >> 6);
		out[o++] = wgkey_enc(v);
	}
	/* 30 bytes so far; the last two make three characters and a '=' */
	v = (unsigned)key[30] << 16 | (unsigned)key[31] << 8;
	out[o++] = wgkey_enc(v >> 18);
	out[o++] = wgkey_enc(v >> 12);
	out[o++] = wgkey_enc(v >> 6);
	out[o++] = '=';
	out[o] = '\0';
	v = 0;
}

int
wgkey_from_base64(unsigned char key[WGKEY_LEN], const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned v, bad = 0;
	size_t i, o = 0;

	if (strlen(s) != WGKEY_B64_LEN || s[WGKEY_B64_LEN - 1] != '=') {
		memset(key, 0, WGKEY_LEN);
		return -1;
	}
	for (i = 0; i < 40; i += 4) {
		v = wgkey_dec(u[i], &bad) << 18 | wgkey_dec(u[i + 1], &bad) << 12 |
		    wgkey_dec(u[i + 2], &bad) << 6 | wgkey_dec(u[i + 3], &bad);
		key[o++] = (unsigned char)(v >> 16);
		key[o++] = (unsigned char)(v >> 8);
		key[o++] = (unsigned char)v;
	}
	v = wgkey_dec(u[40], &bad) << 18 | wgkey_dec(u[41], &bad) << 12 |
	    wgkey_dec(u[42], &bad) << 6;
	/* 18 bits for 16: the two past the last byte must be zero (canonical) */
	bad |= 0u - ((v >> 6 & 3) != 0);
	key[o++] = (unsigned char)(v >> 16);
	key[o++] = (unsigned char)(v >> 8);
	v = 0;
	if (bad != 0) {
		OPENSSL_cleanse(key, WGKEY_LEN);
		return -1;
	}
	return 0;
}

int
wgkey_valid_base64(const char *s)
{
	unsigned char key[WGKEY_LEN];
	int ok = wgkey_from_base64(key, s) == 0;

	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}
