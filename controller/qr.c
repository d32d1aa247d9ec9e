/*
 * qr: QR codes through libqrencode, drawn for a terminal or as a PNG
 * written by hand (the contract is qr.h). The only file that includes
 * qrencode.h.
 *
 * PNG layout (RFC 2083 / ISO 15948): the 8-byte signature, IHDR (width,
 * height, bit depth 1, colour type 0 grayscale, deflate, filter method 0,
 * no interlace), one IDAT, IEND. Each chunk is length, type, data and the
 * CRC-32 of type and data. The IDAT data is a zlib stream (RFC 1950:
 * CMF 0x78, FLG 0x01, which makes CMF*256+FLG a multiple of 31) of
 * stored deflate blocks (RFC 1951 3.2.4: a header byte with BFINAL and
 * BTYPE 00, LEN and its complement NLEN, little endian, then up to 65535
 * raw bytes) and the big-endian Adler-32 of the raw data. The raw data is
 * one row after another, each a filter byte 0 (none) and the pixels, 8 a
 * byte, most significant bit first, 1 white and 0 black.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include "qr.h"

#define QR_MAX_TEXT	2953		/* bytes: version 40, level L, 8-bit */
#define QR_STORED_MAX	65535		/* bytes in one stored deflate block */
#define QR_ADLER_MOD	65521
#define QR_ADLER_NMAX	5552		/* bytes before the sums must be reduced */

/* half blocks: upper, lower, full */
#define QR_UPPER	"\342\226\200"
#define QR_LOWER	"\342\226\204"
#define QR_FULL		"\342\226\210"
#define QR_ANSI_ON	"\033[40;37;1m"	/* white (bold) on black, as qrencode -t ansiutf8 */
#define QR_ANSI_OFF	"\033[0m"

uint32_t
qr_crc32(uint32_t crc, const void *p, size_t n)
{
	/* the reflected polynomial, four bits at a time */
	static const uint32_t nibble[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
		0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const unsigned char *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		crc = (crc >> 4) ^ nibble[crc & 15];
		crc = (crc >> 4) ^ nibble[crc & 15];
	}
	return ~crc;
}

uint32_t
qr_adler32(uint32_t adler, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t k;

	while (n > 0) {
		k = n < QR_ADLER_NMAX ? n : QR_ADLER_NMAX;
		n -= k;
		while (k--) {
			a += *c++;
			b += a;
		}
		a %= QR_ADLER_MOD;
		b %= QR_ADLER_MOD;
	}
	return b << 16 | a;
}

void
qr_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

void
qr_code_free(struct qr_code *q)
{
	if (q == NULL)
		return;
	if (q->dark != NULL)
		qr_free(q->dark, (size_t)q->width * (size_t)q->width);
	q->dark = NULL;
	q->width = 0;
}

int
qr_encode(const char *text, struct qr_code *q, char *err, size_t errlen)
{
	QRcode *c = NULL;
	size_t n, i;
	int rc = -1;

	q->width = 0;
	q->dark = NULL;
	if (strlen(text) > QR_MAX_TEXT) {
		snprintf(err, errlen, "qr: text of %zu bytes does not fit a QR "
		    "code (at most %d)", strlen(text), QR_MAX_TEXT);
		return -1;
	}
	/* version 0: the smallest that holds it; case-sensitive, mixed modes */
	if ((c = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) ==
	    NULL || c->width <= 0) {
		snprintf(err, errlen, "qr: libqrencode could not encode the text");
		goto done;
	}
	n = (size_t)c->width * (size_t)c->width;
	if ((q->dark = malloc(n)) == NULL) {
		snprintf(err, errlen, "qr: out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		q->dark[i] = c->data[i] & 1;
	q->width = c->width;
	rc = 0;
done:
	if (c != NULL) {
		if (c->data != NULL && c->width > 0)
			OPENSSL_cleanse(c->data, (size_t)c->width * (size_t)c->width);
		QRcode_free(c);
	}
	return rc;
}

/* dark: module (x, y) of the symbol with its quiet zone; outside is light. */
static int
qr_dark(const struct qr_code *q, int x, int y)
{
	x -= QR_MARGIN;
	y -= QR_MARGIN;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->dark[(size_t)y * (size_t)q->width + (size_t)x];
}

int
qr_terminal(const struct qr_code *q, int ansi, char **out, size_t *len)
{
	const char *on = ansi ? QR_ANSI_ON : "", *off = ansi ? QR_ANSI_OFF : "";
	int side = q->width + 2 * QR_MARGIN, rows = (side + 1) / 2, x, y;
	size_t cap, o = 0;
	char *s;

	*out = NULL;
	*len = 0;
	cap = (size_t)rows * (strlen(on) + (size_t)side * 3 + strlen(off) + 1) + 1;
	if ((s = malloc(cap)) == NULL)
		return -1;
	for (y = 0; y < side; y += 2) {
		memcpy(s + o, on, strlen(on));
		o += strlen(on);
		for (x = 0; x < side; x++) {
			/* light modules are the foreground; a row past the end is light */
			int top = !qr_dark(q, x, y), bottom = !qr_dark(q, x, y + 1);
			const char *g = top && bottom ? QR_FULL : top ? QR_UPPER :
			    bottom ? QR_LOWER : " ";

			memcpy(s + o, g, strlen(g));
			o += strlen(g);
		}
		memcpy(s + o, off, strlen(off));
		o += strlen(off);
		s[o++] = '\n';
	}
	s[o] = '\0';
	*out = s;
	*len = o;
	return 0;
}

static unsigned char *
qr_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

/* chunk: length, type, data (len bytes, already at p + 8), CRC; returns the end. */
static unsigned char *
qr_chunk(unsigned char *p, const char *type, size_t len)
{
	qr_be32(p, (uint32_t)len);
	memcpy(p + 4, type, 4);
	return qr_be32(p + 8 + len, qr_crc32(0, p + 4, len + 4));
}

/* raw: the filtered image data, rows of a filter byte and 1-bit pixels. */
static void
qr_raw(const struct qr_code *q, unsigned scale, unsigned char *raw,
    size_t rowbytes)
{
	size_t px = (size_t)(q->width + 2 * QR_MARGIN) * scale, x, y;
	unsigned char *row;

	for (y = 0; y < px; y++) {
		row = raw + y * rowbytes;
		memset(row, 0xff, rowbytes);	/* light, padding bits too */
		row[0] = 0;			/* filter: none */
		for (x = 0; x < px; x++)
			if (qr_dark(q, (int)(x / scale), (int)(y / scale)))
				row[1 + x / 8] &= (unsigned char)~(0x80u >> (x % 8));
	}
}

int
qr_png(const struct qr_code *q, unsigned scale, unsigned char **out,
    size_t *len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	size_t px, rowbytes, rawlen, blocks, idatlen, total, off, n;
	unsigned char *raw = NULL, *png = NULL, *p, *d;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (scale < 1 || scale > QR_MAX_SCALE || q->width <= 0)
		return -1;
	px = (size_t)(q->width + 2 * QR_MARGIN) * scale;
	rowbytes = 1 + (px + 7) / 8;
	rawlen = px * rowbytes;
	blocks = (rawlen + QR_STORED_MAX - 1) / QR_STORED_MAX;
	idatlen = 2 + blocks * 5 + rawlen + 4;
	total = sizeof(sig) + (12 + 13) + (12 + idatlen) + 12;
	if ((raw = malloc(rawlen)) == NULL || (png = malloc(total)) == NULL)
		goto done;
	qr_raw(q, scale, raw, rowbytes);

	p = png;
	memcpy(p, sig, sizeof(sig));
	p += sizeof(sig);
	d = p + 8;				/* IHDR */
	d = qr_be32(d, (uint32_t)px);
	d = qr_be32(d, (uint32_t)px);
	*d++ = 1;				/* bit depth */
	*d++ = 0;				/* grayscale */
	*d++ = 0;				/* deflate */
	*d++ = 0;				/* filter method 0 */
	*d++ = 0;				/* no interlace */
	p = qr_chunk(p, "IHDR", 13);

	d = p + 8;				/* IDAT: the zlib stream */
	*d++ = 0x78;				/* deflate, 32 KB window */
	*d++ = 0x01;				/* no dictionary, check bits */
	for (off = 0; off < rawlen; off += n) {
		n = rawlen - off < QR_STORED_MAX ? rawlen - off : QR_STORED_MAX;
		*d++ = off + n == rawlen;	/* BFINAL, BTYPE 00 */
		*d++ = (unsigned char)(n & 0xff);
		*d++ = (unsigned char)(n >> 8);
		*d++ = (unsigned char)(~n & 0xff);
		*d++ = (unsigned char)((~n >> 8) & 0xff);
		memcpy(d, raw + off, n);
		d += n;
	}
	qr_be32(d, qr_adler32(1, raw, rawlen));
	p = qr_chunk(p, "IDAT", idatlen);
	p = qr_chunk(p, "IEND", 0);
	if ((size_t)(p - png) != total)
		goto done;	/* cannot happen: the sizes above are exact */
	*out = png;
	*len = total;
	png = NULL;
	rc = 0;
done:
	qr_free(raw, rawlen);
	qr_free(png, total);
	return rc;
}
