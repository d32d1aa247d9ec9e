/*
 * wgkey: WireGuard key pairs (X25519, RFC 7748) through libcrypto, and
 * their base64 form, as wireguard-tools writes them.
 *
 * A private key is 32 random bytes clamped as `wg genkey` clamps them
 * (key[0] &= 248; key[31] &= 127; key[31] |= 64). X25519 clamps the scalar
 * by itself, so the public key of a clamped and of an unclamped key is the
 * same; the clamping only makes our stored private key byte-identical to
 * what wg would store, so that `wg pubkey` of our private key is our public
 * key.
 *
 * The base64 form is exactly WGKEY_B64_LEN (44) characters: 43 of the
 * standard alphabet and one '='. Decoding refuses anything else, including
 * a non-canonical last character (bits past the 256th set), as wg does.
 *
 * Secrets: struct wgkey holds a private key; wgkey_wipe() clears it with
 * OPENSSL_cleanse, and every function here wipes its own copies (the
 * libcrypto EVP_PKEY clears its key when freed). A base64 private key a
 * caller formats into its own buffer is the caller's to wipe.
 */
#ifndef WGKEY_H
#define WGKEY_H

#include <stddef.h>

#define WGKEY_LEN	32	/* bytes of a key */
#define WGKEY_B64_LEN	44	/* characters of its base64 form */
#define WGKEY_B64_SIZE	(WGKEY_B64_LEN + 1)	/* with the NUL */

struct wgkey {
	unsigned char	priv[WGKEY_LEN];	/* clamped */
	unsigned char	pub[WGKEY_LEN];
};

/*
 * wgkey_generate: a new key pair from the libcrypto private random
 * generator into *k. Returns 0, or -1 with the reason in err and *k wiped.
 */
int wgkey_generate(struct wgkey *k, char *err, size_t errlen);

/*
 * wgkey_from_private: *k from a private key (copied and clamped; priv is
 * only read and may be k->priv). Returns 0, or -1 with err and *k wiped.
 */
int wgkey_from_private(struct wgkey *k, const unsigned char priv[WGKEY_LEN],
    char *err, size_t errlen);

/* wgkey_clamp: the X25519 / wg genkey clamping, in place. */
void wgkey_clamp(unsigned char key[WGKEY_LEN]);

/* wgkey_wipe: clears *k (OPENSSL_cleanse); NULL is a no-op. */
void wgkey_wipe(struct wgkey *k);

/* wgkey_to_base64: key as 44 characters and a NUL into out. */
void wgkey_to_base64(char out[WGKEY_B64_SIZE], const unsigned char key[WGKEY_LEN]);

/*
 * wgkey_from_base64: s (NUL-terminated) into key. Returns 0, or -1 when s
 * is not exactly a canonical 44-character key; on -1 key is zeroed. Runs
 * in time independent of the bytes of a well-formed key (it may decode a
 * private key).
 */
int wgkey_from_base64(unsigned char key[WGKEY_LEN], const char *s);

/* wgkey_valid_base64: 1 when s is a key wgkey_from_base64 takes. */
int wgkey_valid_base64(const char *s);

#endif
