/*
 * test_confedit: desired.conf edited as text: exact results, every other
 * line kept, add then remove giving the file back, and the file written
 * only when the result checks (atomically, mode kept, nothing left over).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "confedit.h"
#include "desired.h"
#include "t.h"

#define K1	"aYdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUCk="
#define K2	"OyE87QA+ibNaJsIsvQEcm/qylXhBWyBp9/yLAZmLkD0="
#define SRV	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="

#define CONF \
	"# my VPN\n" \
	"[aws]\n" \
	"region = eu-west-1   \n" \
	"queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n" \
	"\n" \
	"; the one endpoint\n" \
	"[endpoint vpn]\n" \
	"launch_template = lt-0123456789abcdef0\n" \
	"# server_public_key is set by keys init\n" \
	"\n" \
	"# alerts follow\n" \
	"[alerts]\n" \
	"max_interruptions_per_day = 3\n"

static char err[1024];

static void
test_add(void)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	T_EQ_INT(confedit_add_peer(&out, CONF, strlen(CONF), "alice", K1,
	    "10.8.0.2", -1, "2026-12-01", err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), CONF
	    "\n"
	    "# peer alice: added by stingy-vpn peer add on 2026-12-01\n"
	    "[peer alice]\n"
	    "public_key = " K1 "\n"
	    "address = 10.8.0.2\n");
	/* no newline at the end: one first; keepalive; no date */
	T_EQ_INT(confedit_add_peer(&out, "[x]\nk = v", 9, "bob", K2, "10.8.0.3",
	    25, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "[x]\nk = v\n\n# peer bob: added by stingy-vpn "
	    "peer add\n[peer bob]\npublic_key = " K2 "\naddress = 10.8.0.3\n"
	    "keepalive = 25\n");
	/* CRLF files get CRLF lines */
	T_EQ_INT(confedit_add_peer(&out, "[x]\r\nk = v\r\n", 12, "bob", K2,
	    "10.8.0.3", -1, NULL, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "[x]\r\nk = v\r\n\r\n# peer bob: added by "
	    "stingy-vpn peer add\r\n[peer bob]\r\npublic_key = " K2 "\r\n"
	    "address = 10.8.0.3\r\n");
	buf_free(&out);
}

static void
test_add_refused(void)
{
	static const char text[] = "[aws]\n  [ peer   alice ]  \n";
	struct buf out;

	buf_init(&out, 1 << 20);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "alice", K1,
	    "10.8.0.2", -1, NULL, err, sizeof(err)), -1);
	T_EQ_STR(err, "confedit: [peer alice] exists already, on line 2");
	T_EQ_INT(out.len, 0);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "Alice", K1,
	    "10.8.0.2", -1, NULL, err, sizeof(err)), -1);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "a\nb", K1,
	    "10.8.0.2", -1, NULL, err, sizeof(err)), -1);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "bob", "x",
	    "10.8.0.2", -1, NULL, err, sizeof(err)), -1);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "bob", K1,
	    "10.8.0.2\n[aws]", -1, NULL, err, sizeof(err)), -1);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "bob", K1,
	    "10.8.0.2", 65536, NULL, err, sizeof(err)), -1);
	T_EQ_INT(confedit_add_peer(&out, text, strlen(text), "bob", K1,
	    "10.8.0.2", -1, "x\ny", err, sizeof(err)), -1);
	buf_free(&out);
}

/* add then remove is the identity, for files ending in a newline */
static void
test_add_remove_identity(void)
{
	static const char *const texts[] = {
		CONF,
		"",
		"[aws]\r\nregion = eu-west-1\r\n",
		CONF "\n[peer bob]\npublic_key = " K2 "\naddress = 10.8.0.3\n\n\n",
		CONF "# peer alice: added by stingy-vpn\n",
		"\xef\xbb\xbf[aws]\n",
	};
	struct buf a, b;

	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		T_EQ_INT(confedit_add_peer(&a, texts[i], strlen(texts[i]), "alice",
		    K1, "10.8.0.2", 25, "today", err, sizeof(err)), 0);
		T_EQ_INT(confedit_remove_peer(&b, buf_str(&a), a.len, "alice", err,
		    sizeof(err)), 0);
		T_EQ_STR(buf_str(&b), texts[i]);
	}
	buf_free(&a);
	buf_free(&b);
}

static void
test_remove_middle(void)
{
	static const char text[] =
	    "[aws]\n"
	    "region = eu-west-1\n"
	    "\n"
	    "# peer alice: added by stingy-vpn peer add on 2026-11-30\n"
	    "[peer alice]\n"
	    "public_key = " K1 "\n"
	    "# her phone\n"
	    "address = 10.8.0.2\n"
	    "\n"
	    "\n"
	    "# bob's laptop, by hand\n"
	    "[peer bob]\n"
	    "public_key = " K2 "\n"
	    "address = 10.8.0.3\n"
	    "# trailing comment, about what follows\n"
	    "[dns]\n"
	    "provider = none\n";
	struct buf out;

	buf_init(&out, 1 << 20);
	T_EQ_INT(confedit_remove_peer(&out, text, strlen(text), "alice", err,
	    sizeof(err)), 0);
	T_EQ_STR(buf_str(&out),
	    "[aws]\n"
	    "region = eu-west-1\n"
	    "\n"
	    "\n"
	    "# bob's laptop, by hand\n"
	    "[peer bob]\n"
	    "public_key = " K2 "\n"
	    "address = 10.8.0.3\n"
	    "# trailing comment, about what follows\n"
	    "[dns]\n"
	    "provider = none\n");
	/* bob's comment is not ours: it stays; the one above [dns] too */
	T_EQ_INT(confedit_remove_peer(&out, text, strlen(text), "bob", err,
	    sizeof(err)), 0);
	T_EQ_STR(buf_str(&out),
	    "[aws]\n"
	    "region = eu-west-1\n"
	    "\n"
	    "# peer alice: added by stingy-vpn peer add on 2026-11-30\n"
	    "[peer alice]\n"
	    "public_key = " K1 "\n"
	    "# her phone\n"
	    "address = 10.8.0.2\n"
	    "\n"
	    "\n"
	    "# bob's laptop, by hand\n"
	    "# trailing comment, about what follows\n"
	    "[dns]\n"
	    "provider = none\n");
	buf_free(&out);
}

static void
test_remove_refused(void)
{
	static const char two[] = "[peer a]\n[peer a]\n";
	struct buf out;

	buf_init(&out, 1 << 20);
	T_EQ_INT(confedit_remove_peer(&out, CONF, strlen(CONF), "alice", err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "confedit: no [peer alice] in the file");
	T_EQ_INT(confedit_remove_peer(&out, two, strlen(two), "a", err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "confedit: [peer a] is there 2 times (first on line 1): "
	    "fix the file by hand");
	/* a commented-out header is not a header */
	T_EQ_INT(confedit_remove_peer(&out, "# [peer a]\n", 11, "a", err,
	    sizeof(err)), -1);
	buf_free(&out);
}

static void
test_set_endpoint_key(void)
{
	static const char crlf[] = "[endpoint vpn]\r\nserver_public_key =\r\n"
	    "x = 1\r\n";
	struct buf out;

	buf_init(&out, 1 << 20);
	/* not there: right after the header */
	T_EQ_INT(confedit_set_endpoint_key(&out, CONF, strlen(CONF),
	    "server_public_key", SRV, err, sizeof(err)), 0);
	{
		const char *s = buf_str(&out), *h = strstr(s, "[endpoint vpn]\n");

		T_OK(h != NULL && strncmp(h + 15, "server_public_key = " SRV "\n"
		    "launch_template", 20 + 44 + 1 + 15) == 0, "inserted: %s", s);
		T_EQ_INT(out.len, strlen(CONF) + strlen("server_public_key = " SRV "\n"));
	}
	/* there (empty, CRLF): replaced, the line ending kept */
	T_EQ_INT(confedit_set_endpoint_key(&out, crlf, strlen(crlf),
	    "server_public_key", SRV, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "[endpoint vpn]\r\nserver_public_key = " SRV
	    "\r\nx = 1\r\n");
	/* a key of the same name in another section is not touched */
	T_EQ_INT(confedit_set_endpoint_key(&out, "[dns]\nname = a\n[endpoint e]\n",
	    28, "name", "b", err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "[dns]\nname = a\n[endpoint e]\nname = b\n");
	/* the header is the last line, without a newline */
	T_EQ_INT(confedit_set_endpoint_key(&out, "[endpoint e]", 12, "k", "v", err,
	    sizeof(err)), 0);
	T_EQ_STR(buf_str(&out), "[endpoint e]\nk = v\n");
	T_EQ_INT(confedit_set_endpoint_key(&out, "[aws]\n", 6, "k", "v", err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "confedit: no [endpoint NAME] section in the file");
	T_EQ_INT(confedit_set_endpoint_key(&out, CONF, strlen(CONF), "k",
	    "v\n[aws]", err, sizeof(err)), -1);
	T_EQ_INT(confedit_set_endpoint_key(&out, CONF, strlen(CONF), "K", "v",
	    err, sizeof(err)), -1);
	buf_free(&out);
}

/* ---- the file ---- */

static char dir[] = "/tmp/test_confedit.XXXXXX";
static char path[256];

static void
write_file(const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	T_OK(fd != -1, "create %s", path);
	if (fd == -1)
		return;
	T_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static int
dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || (e->d_name[1] != '\0' &&
		    strcmp(e->d_name, "..") != 0);
	if (d)
		closedir(d);
	return n;
}

struct add_arg {
	const char	*name, *key, *addr;
};

static int
add_cb(struct buf *out, const char *text, size_t len, void *arg, char *e,
    size_t elen)
{
	struct add_arg *a = arg;

	return confedit_add_peer(out, text, len, a->name, a->key, a->addr, -1,
	    NULL, e, elen);
}

#define VALID	"[aws]\nregion = eu-west-1\n" \
	"queue_url = https://sqs.eu-west-1.amazonaws.com/123456789012/q\n" \
	"# keep me\n[endpoint vpn]\nlaunch_template = lt-0123456789abcdef0\n"

static void
test_update(void)
{
	struct add_arg a = { "alice", K1, "10.8.0.2" };
	struct desired *d = NULL;
	struct stat st, st2;
	char *got;

	T_OK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/desired.conf", dir);
	write_file(VALID, 0640);
	stat(path, &st);
	T_EQ_INT(confedit_update(path, add_cb, &a, 0, &d, err, sizeof(err)), 0);
	T_OK(d != NULL && d->n_peers == 1 && strcmp(d->peers[0].name, "alice") == 0,
	    "the edited configuration is handed back");
	desired_free(d);
	got = t_read_file(path, NULL);
	T_OK(got && strncmp(got, VALID "\n# peer alice", strlen(VALID) + 13) == 0,
	    "written: %s", got ? got : "");
	free(got);
	T_OK(stat(path, &st2) == 0 && (st2.st_mode & 07777) == 0640, "mode kept");
	T_OK(st2.st_ino != st.st_ino, "replaced by rename");
	T_EQ_INT(dir_entries(), 1);

	/* the same again: the edit refuses, the file stays */
	stat(path, &st);
	T_EQ_INT(confedit_update(path, add_cb, &a, 0, &d, err, sizeof(err)), -1);
	T_OK(strstr(err, "exists already") != NULL, "%s", err);
	T_OK(d == NULL, "no result on failure");
	stat(path, &st2);
	T_OK(st2.st_ino == st.st_ino && st2.st_mtime == st.st_mtime, "untouched");

	/* an address outside the network: the parser refuses, nothing written */
	a.name = "bob";
	a.key = K2;
	a.addr = "10.9.0.2";
	T_EQ_INT(confedit_update(path, add_cb, &a, 0, NULL, err, sizeof(err)), -1);
	T_OK(strstr(err, "the edited file would not check: ") != NULL &&
	    strstr(err, "address 10.9.0.2 of [peer bob] is outside wireguard_cidr "
	    "10.8.0.0/24") != NULL, "%s", err);
	stat(path, &st2);
	T_OK(st2.st_ino == st.st_ino, "untouched");
	T_EQ_INT(dir_entries(), 1);

	/* dry run: checked, not written */
	a.addr = "10.8.0.3";
	T_EQ_INT(confedit_update(path, add_cb, &a, CONFEDIT_DRY_RUN, &d, err,
	    sizeof(err)), 0);
	T_OK(d != NULL && d->n_peers == 2, "dry run hands back the result");
	desired_free(d);
	stat(path, &st2);
	T_OK(st2.st_ino == st.st_ino, "dry run: untouched");

	/* a file that does not check now: refused as it is */
	write_file("[aws]\n", 0644);
	T_EQ_INT(confedit_update(path, add_cb, &a, 0, NULL, err, sizeof(err)), -1);
	T_OK(strstr(err, "would not check") != NULL, "%s", err);
	T_EQ_INT(confedit_update("/nonexistent/desired.conf", add_cb, &a, 0, NULL,
	    err, sizeof(err)), -1);
	T_EQ_STR(err, "/nonexistent/desired.conf: No such file or directory");
	T_EQ_INT(dir_entries(), 1);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	T_RUN(test_add);
	T_RUN(test_add_refused);
	T_RUN(test_add_remove_identity);
	T_RUN(test_remove_middle);
	T_RUN(test_remove_refused);
	T_RUN(test_set_endpoint_key);
	T_RUN(test_update);
	return t_done("test_confedit");
}
