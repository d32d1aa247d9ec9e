/*
 * qr: a text as a QR code (libqrencode), drawn for a terminal or written
 * as a PNG image, for the WireGuard apps' "scan from QR code".
 *
 * The code is level L (what `qrencode` makes by default: the smallest
 * symbol, which a phone reads easily from a screen), with a quiet zone of
 * QR_MARGIN modules on every side.
 *
 * Terminal: two modules per character row with UTF-8 half blocks
 * (U+2580, U+2584, U+2588, and a space), light modules drawn in the
 * foreground and dark ones left to the background, as `qrencode -t utf8`
 * does; with ansi, each row also sets a white foreground on a black
 * background (`qrencode -t ansiutf8`), so that a phone reads it from any
 * terminal, dark or light.
 *
 * PNG: 1-bit grayscale, scale pixels per module, written here with no
 * libpng: the image data in stored (uncompressed) deflate blocks of a zlib
 * stream, the CRC-32 of each chunk and the Adler-32 of the stream
 * computed here.
 *
 * Secrets: what is encoded is usually a client config with its private
 * key. Every buffer handed out or used on the way is allocated once at its
 * final size (no realloc leaves a copy behind) and wiped when freed: the
 * caller frees outputs with qr_free and codes with qr_code_free. What
 * libqrencode allocates inside is out of reach.
 */
#ifndef QR_H
#define QR_H

#include <stddef.h>
#include <stdint.h>

#define QR_MARGIN	4	/* modules of quiet zone */
#define QR_MAX_SCALE	32	/* pixels per module */

struct qr_code {
	int		 width;		/* modules per side, quiet zone not included */
	unsigned char	*dark;		/* width * width, row by row: 1 dark, 0 light */
};

/*
 * qr_encode: text (NUL-terminated, at most 2953 bytes: version 40-L) as a
 * QR code into *q. Returns 0, or -1 with the reason in err and *q empty.
 */
int qr_encode(const char *text, struct qr_code *q, char *err, size_t errlen);

/* qr_code_free: wipes and frees q's modules, leaves q empty. */
void qr_code_free(struct qr_code *q);

/*
 * qr_terminal: q for a terminal, with ANSI colours when ansi is set, as a
 * malloc'd NUL-terminated text of *len bytes in *out: (width + 2 *
 * QR_MARGIN + 1) / 2 lines of width + 2 * QR_MARGIN characters. The
 * caller frees it with qr_free(*out, *len). Returns 0, or -1 (out of
 * memory) with *out NULL.
 */
int qr_terminal(const struct qr_code *q, int ansi, char **out, size_t *len);

/*
 * qr_png: q as a PNG of (width + 2 * QR_MARGIN) * scale pixels a side
 * (scale 1 to QR_MAX_SCALE), malloc'd, *len bytes, into *out; the caller
 * frees it with qr_free(*out, *len). Returns 0, or -1 (bad scale, out of
 * memory) with *out NULL.
 */
int qr_png(const struct qr_code *q, unsigned scale, unsigned char **out,
    size_t *len);

/* qr_free: wipes len bytes of p, then frees it; NULL is a no-op. */
void qr_free(void *p, size_t len);

/*
 * qr_crc32: the CRC-32 of PNG and zlib (ISO 3309, reflected 0xEDB88320),
 * continued from crc (start with 0). qr_adler32: Adler-32 (RFC 1950),
 * continued from adler (start with 1). For the tests.
 */
uint32_t qr_crc32(uint32_t crc, const void *p, size_t n);
uint32_t qr_adler32(uint32_t adler, const void *p, size_t n);

#endif
