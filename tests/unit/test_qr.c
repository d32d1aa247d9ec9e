/*
 * test_qr: the checksums against their standard check values and a
 * bit-by-bit reference; the terminal drawing and the PNG taken apart again
 * (signature, IHDR, every CRC recomputed, the zlib stream's header, stored
 * blocks and Adler-32, every pixel) and compared with libqrencode's own
 * modules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "t.h"

#define TEXT "[Interface]\nPrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n" \
	"Address = 10.8.0.2/32\nDNS = 1.1.1.1\n\n[Peer]\n" \
	"PublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n" \
	"Endpoint = vpn.example.com:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n" \
	"PersistentKeepalive = 25\n"

/* ref_crc32: one bit at a time, the way the PNG spec's sample code reads. */
static uint32_t
ref_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static uint32_t
ref_adler32(const unsigned char *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

static void
test_checksums(void)
{
	unsigned char *big = malloc(200000);

	T_EQ_INT(qr_crc32(0, "123456789", 9), 0xcbf43926u);
	T_EQ_INT(qr_crc32(0, "", 0), 0);
	T_EQ_INT(qr_adler32(1, "Wikipedia", 9), 0x11e60398u);
	T_EQ_INT(qr_adler32(1, "", 0), 1);
	/* continued in pieces, as the chunks are */
	T_EQ_INT(qr_crc32(qr_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	if (big == NULL)
		return;
	for (size_t i = 0; i < 200000; i++)
		big[i] = (unsigned char)(i * 7919 >> 3 ^ i);
	memset(big + 50000, 0xff, 60000);	/* sums near the modulus */
	T_EQ_INT(qr_crc32(0, big, 200000), ref_crc32(big, 200000));
	T_EQ_INT(qr_adler32(1, big, 200000), ref_adler32(big, 200000));
	for (size_t n = 0; n < 300; n += 7)
		T_EQ_INT(qr_crc32(0, big + 3, n), ref_crc32(big + 3, n));
	free(big);
}

/* encode: libqrencode's own answer, to compare ours with */
static QRcode *
direct(const char *text)
{
	return QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
}

static void
test_encode(void)
{
	struct qr_code q;
	QRcode *c = direct(TEXT);
	char err[256];
	char *huge;

	T_EQ_INT(qr_encode(TEXT, &q, err, sizeof(err)), 0);
	T_OK(c != NULL && q.width == c->width, "width %d", q.width);
	T_EQ_INT((q.width - 17) % 4, 0);
	if (c != NULL && q.width == c->width) {
		int same = 1;

		for (int i = 0; i < q.width * q.width; i++)
			same &= q.dark[i] == (c->data[i] & 1);
		T_OK(same, "the modules are libqrencode's");
	}
	QRcode_free(c);
	qr_code_free(&q);
	T_OK(q.dark == NULL && q.width == 0, "freed and empty");
	huge = malloc(4000);
	memset(huge, 'x', 3999);
	huge[3999] = '\0';
	T_EQ_INT(qr_encode(huge, &q, err, sizeof(err)), -1);
	T_EQ_STR(err, "qr: text of 3999 bytes does not fit a QR code (at most 2953)");
	free(huge);
}

/* glyph: what a terminal character says of its two modules: bit 1 top light, 2 bottom light */
static int
glyph(const char **p)
{
	if (**p == ' ') {
		(*p)++;
		return 0;
	}
	if (strncmp(*p, "\342\226\200", 3) == 0) {
		*p += 3;
		return 1;
	}
	if (strncmp(*p, "\342\226\204", 3) == 0) {
		*p += 3;
		return 2;
	}
	if (strncmp(*p, "\342\226\210", 3) == 0) {
		*p += 3;
		return 3;
	}
	return -1;
}

static void
check_terminal(const struct qr_code *q, int ansi)
{
	const char *on = "\033[40;37;1m", *off = "\033[0m";
	int side = q->width + 8, rows = (side + 1) / 2, ok = 1, lines = 0;
	char *s = NULL;
	const char *p;
	size_t len = 0;

	T_EQ_INT(qr_terminal(q, ansi, &s, &len), 0);
	if (s == NULL)
		return;
	T_EQ_INT(strlen(s), (long long)len);
	p = s;
	for (int r = 0; r < rows && ok; r++) {
		if (ansi) {
			ok &= strncmp(p, on, strlen(on)) == 0;
			p += strlen(on);
		}
		for (int x = 0; x < side && ok; x++) {
			int g = glyph(&p), y = 2 * r;
			int top = x >= 4 && x < 4 + q->width && y >= 4 && y < 4 + q->width ?
			    !q->dark[(y - 4) * q->width + x - 4] : 1;
			int bot = x >= 4 && x < 4 + q->width && y + 1 >= 4 &&
			    y + 1 < 4 + q->width ?
			    !q->dark[(y + 1 - 4) * q->width + x - 4] : 1;

			ok &= g == (top | bot << 1);
			if (!ok)
				fprintf(stderr, "row %d col %d: glyph %d, want %d\n", r,
				    x, g, top | bot << 1);
		}
		if (ansi) {
			ok &= strncmp(p, off, strlen(off)) == 0;
			p += strlen(off);
		}
		ok &= *p++ == '\n';
		lines++;
	}
	T_OK(ok && *p == '\0', "terminal drawing (ansi %d) matches the modules", ansi);
	T_EQ_INT(lines, rows);
	/* the first two rows are all quiet zone: light, full blocks */
	p = s + (ansi ? strlen(on) : 0);
	for (int x = 0; x < side; x++)
		ok &= glyph(&p) == 3;
	T_OK(ok, "quiet zone on top");
	qr_free(s, len);
}

static void
test_terminal(void)
{
	struct qr_code q;
	char err[256];

	T_EQ_INT(qr_encode(TEXT, &q, err, sizeof(err)), 0);
	check_terminal(&q, 1);
	check_terminal(&q, 0);
	qr_code_free(&q);
	T_EQ_INT(qr_encode("x", &q, err, sizeof(err)), 0);
	T_EQ_INT(q.width, 21);
	check_terminal(&q, 1);
	qr_code_free(&q);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* check_png: png taken apart; the pixels against q at scale. */
static void
check_png(const struct qr_code *q, unsigned scale, const unsigned char *png,
    size_t len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t off = 8, px = (size_t)(q->width + 8) * scale, rowbytes = 1 + (px + 7) / 8;
	unsigned char *raw = NULL;
	size_t rawlen = 0, chunks = 0;
	const unsigned char *idat = NULL;
	uint32_t idatlen = 0;
	int crc_ok = 1, order_ok = 1, pix_ok = 1;

	T_OK(len > 8 && memcmp(png, sig, 8) == 0, "signature");
	while (off + 12 <= len) {
		uint32_t n = be32(png + off);
		const unsigned char *type = png + off + 4;

		if (off + 12 + n > len)
			break;
		crc_ok &= be32(png + off + 8 + n) == ref_crc32(type, n + 4);
		if (chunks == 0) {
			order_ok &= memcmp(type, "IHDR", 4) == 0 && n == 13;
			T_EQ_INT(be32(type + 4), (long long)px);
			T_EQ_INT(be32(type + 8), (long long)px);
			T_EQ_INT(type[12], 1);		/* bit depth */
			T_EQ_INT(type[13], 0);		/* grayscale */
			T_EQ_INT(type[14] | type[15] | type[16], 0);
		} else if (chunks == 1) {
			order_ok &= memcmp(type, "IDAT", 4) == 0;
			idat = type + 4;
			idatlen = n;
		} else
			order_ok &= chunks == 2 && memcmp(type, "IEND", 4) == 0 && n == 0;
		off += 12 + n;
		chunks++;
	}
	T_OK(crc_ok, "every chunk's CRC");
	T_OK(order_ok && chunks == 3 && off == len, "IHDR, IDAT, IEND and nothing else");
	if (idat == NULL || idatlen < 6)
		return;
	/* zlib: header, stored blocks, Adler-32 */
	T_EQ_INT(idat[0], 0x78);
	T_EQ_INT((idat[0] * 256 + idat[1]) % 31, 0);
	T_EQ_INT(idat[1] & 0x20, 0);		/* no preset dictionary */
	raw = malloc(idatlen);
	{
		size_t i = 2, blocks = 0;
		int last = 0, ok = 1;

		while (!last && i + 5 <= idatlen - 4) {
			unsigned n = idat[i + 1] | idat[i + 2] << 8;
			unsigned nn = idat[i + 3] | idat[i + 4] << 8;

			last = idat[i] & 1;
			ok &= (idat[i] & 6) == 0 && (n ^ nn) == 0xffff && n > 0;
			ok &= i + 5 + n <= idatlen - 4;
			if (!ok)
				break;
			memcpy(raw + rawlen, idat + i + 5, n);
			rawlen += n;
			i += 5 + n;
			blocks++;
		}
		T_OK(ok && last && i == idatlen - 4, "stored blocks, the last marked final");
		T_OK(blocks == (rawlen + 65534) / 65535, "%zu blocks for %zu bytes", blocks,
		    rawlen);
		T_EQ_INT(be32(idat + idatlen - 4), ref_adler32(raw, rawlen));
	}
	T_EQ_INT(rawlen, (long long)(px * rowbytes));
	for (size_t y = 0; y < px && rawlen == px * rowbytes; y++) {
		const unsigned char *row = raw + y * rowbytes;

		pix_ok &= row[0] == 0;		/* filter none */
		for (size_t x = 0; x < px; x++) {
			int white = row[1 + x / 8] >> (7 - x % 8) & 1;
			int mx = (int)(x / scale) - 4, my = (int)(y / scale) - 4;
			int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
			    q->dark[my * q->width + mx];

			pix_ok &= white == !dark;
		}
	}
	T_OK(pix_ok, "every pixel (scale %u)", scale);
	free(raw);
}

static void
test_png(void)
{
	static const unsigned scales[] = { 1, 3, 8, 32 };
	struct qr_code q;
	unsigned char *png = NULL;
	size_t len = 0;
	char err[256];

	T_EQ_INT(qr_encode(TEXT, &q, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		T_EQ_INT(qr_png(&q, scales[i], &png, &len), 0);
		if (png != NULL)
			check_png(&q, scales[i], png, len);
		qr_free(png, len);
		png = NULL;
	}
	T_EQ_INT(qr_png(&q, 0, &png, &len), -1);
	T_OK(png == NULL && len == 0, "scale 0 refused");
	T_EQ_INT(qr_png(&q, QR_MAX_SCALE + 1, &png, &len), -1);
	qr_code_free(&q);
}

int
main(void)
{
	T_RUN(test_checksums);
	T_RUN(test_encode);
	T_RUN(test_terminal);
	T_RUN(test_png);
	return t_done("test_qr");
}
