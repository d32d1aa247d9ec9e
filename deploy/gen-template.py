#!/usr/bin/env python3
"""Make deploy/stingy-vpn.yaml from deploy/stingy-vpn.yaml.in by inlining the
instance bootstrap files into the launch template's UserData.

    gen-template.py                  write deploy/stingy-vpn.yaml
    gen-template.py --output PATH    write PATH instead ('-' for stdout)
    gen-template.py --check          compare with deploy/stingy-vpn.yaml (or
                                     --output PATH); exit 1 when it differs

The UserData is a bash script inside Fn::Sub: it writes
/etc/stingy-vpn/instance.env from the stack's parameters, writes every file of
FILES below with a quoted heredoc and chmods it, reloads systemd and runs the
bootstrap. Every literal "${" in an inlined file becomes "${!" so that Fn::Sub
gives the file back unchanged. Standard library only.
"""
import argparse
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_IN = "stingy-vpn.yaml.in"
TEMPLATE_OUT = "stingy-vpn.yaml"
PLACEHOLDER = "@STINGY_USERDATA@"
EOF_MARK = "STINGY_EOF"
USERDATA_LIMIT = 16384          # bytes of raw user data EC2 accepts
TEMPLATE_LIMIT = 51200          # bytes of a TemplateBody CloudFormation accepts

# (source relative to deploy/, destination on the instance, mode): the one
# list of what the user data installs, in this order.
FILES = [
    ("instance/stingy-vpn-instance", "/usr/local/sbin/stingy-vpn-instance", "0755"),
    ("instance/stingy-vpn-sync.service", "/etc/systemd/system/stingy-vpn-sync.service", "0644"),
    ("instance/stingy-vpn-sync.timer", "/etc/systemd/system/stingy-vpn-sync.timer", "0644"),
]

# instance.env: (key, value as written inside Fn::Sub).
ENV = [
    ("STINGY_PREFIX", "${SsmPrefix}"),
    ("STINGY_PORT", "${WireGuardPort}"),
    ("STINGY_CIDR", "${WireGuardCidr}"),
    ("STINGY_VPC_CIDR", "10.0.0.0/16"),
    ("AWS_REGION", "${AWS::Region}"),
]

# The longest value each Fn::Sub variable can take (the template's MaxLength
# or pattern), for the worst-case size check.
MAX_LEN = {"SsmPrefix": 200, "WireGuardPort": 5, "WireGuardCidr": 18, "AWS::Region": 25}

# Characters YAML cannot carry unchanged in a block scalar: C0 controls but
# tab and newline, DEL, C1 controls, BOM; CR would be read as a line break.
BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")


class GenError(Exception):
    pass


def escape_sub(text):
    """text with every "${" turned into "${!" (a literal for Fn::Sub)."""
    return text.replace("${", "${!")


def read_source(deploy_dir, rel):
    path = os.path.join(deploy_dir, rel)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise GenError("%s: %s" % (path, e.strerror or e))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise GenError("%s: not UTF-8 (byte %d)" % (path, e.start))
    if not text:
        raise GenError("%s: empty" % path)
    if not text.endswith("\n"):
        raise GenError("%s: must end with a newline (a heredoc always adds one)" % path)
    m = BAD_CHARS.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise GenError("%s:%d: character U+%04X cannot go through YAML unchanged"
                       % (path, line, ord(m.group())))
    for n, line in enumerate(text.split("\n"), 1):
        if line == EOF_MARK:
            raise GenError("%s:%d: a line '%s' would end the heredoc" % (path, n, EOF_MARK))
    return text


def user_data(deploy_dir):
    """The user data script as written inside Fn::Sub."""
    out = [
        "#!/bin/bash",
        "# stingy-vpn instance bootstrap, made by deploy/gen-template.py from",
        "# deploy/instance/*. cloud-init runs it once, as root, at first boot.",
        "set -euo pipefail",
        "umask 022",
        "install -d -m 0755 /etc/stingy-vpn",
        "cat > /etc/stingy-vpn/instance.env <<'%s'" % EOF_MARK,
    ]
    out += ["%s=%s" % kv for kv in ENV]
    out += [EOF_MARK, "chmod 0644 /etc/stingy-vpn/instance.env"]
    made = set()
    for src, dest, mode in FILES:
        text = read_source(deploy_dir, src)
        parent = os.path.dirname(dest)
        if parent not in made:
            out.append("install -d -m 0755 %s" % parent)
            made.add(parent)
        out.append("cat > %s <<'%s'" % (dest, EOF_MARK))
        out += escape_sub(text).split("\n")[:-1]
        out += [EOF_MARK, "chmod %s %s" % (mode, dest)]
    out += ["systemctl daemon-reload", "/usr/local/sbin/stingy-vpn-instance bootstrap"]
    return "\n".join(out) + "\n"


def worst_case_size(script):
    """Bytes of the user data EC2 would get with every variable at its longest."""
    def var(m):
        return "x" * MAX_LEN.get(m.group(1), 64)
    text = re.sub(r"\$\{([^!}][^}]*)\}", var, script).replace("${!", "${")
    return len(text.encode("utf-8"))


def render(deploy_dir):
    path = os.path.join(deploy_dir, TEMPLATE_IN)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise GenError("%s: %s" % (path, e.strerror or e))
    at = [i for i, line in enumerate(lines) if line.strip() == PLACEHOLDER]
    if len(at) != 1:
        raise GenError("%s: expected one line '%s', found %d" % (path, PLACEHOLDER, len(at)))
    i = at[0]
    indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
    script = user_data(deploy_dir)
    size = worst_case_size(script)
    if size > USERDATA_LIMIT:
        raise GenError("user data would be %d bytes, EC2 takes %d" % (size, USERDATA_LIMIT))
    # A literal block scalar: each line gets the indent; an empty line stays
    # empty (YAML reads it back as an empty line).
    body = [indent + s if s else "" for s in script.split("\n")[:-1]]
    head = ["# GENERATED by deploy/gen-template.py from deploy/%s and deploy/instance/*:"
            % TEMPLATE_IN,
            "# do not edit; edit the sources and run python3 deploy/gen-template.py."]
    text = "\n".join(head + lines[:i] + body + lines[i + 1:])
    if len(text.encode("utf-8")) > TEMPLATE_LIMIT:
        raise GenError("the template would be %d bytes, CloudFormation takes %d in a TemplateBody"
                       % (len(text.encode("utf-8")), TEMPLATE_LIMIT))
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", "-o", help="where to write (default deploy/%s; '-' for stdout)"
                    % TEMPLATE_OUT)
    ap.add_argument("--check", action="store_true",
                    help="do not write: exit 1 when the output file is not what would be written")
    ap.add_argument("--deploy-dir", default=HERE, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    output = args.output or os.path.join(args.deploy_dir, TEMPLATE_OUT)
    try:
        text = render(args.deploy_dir)
    except GenError as e:
        sys.stderr.write("gen-template: %s\n" % e)
        return 2
    if args.check:
        try:
            with open(output, encoding="utf-8") as f:
                have = f.read()
        except OSError as e:
            sys.stderr.write("gen-template: %s: %s\n" % (output, e.strerror or e))
            return 1
        if have == text:
            return 0
        sys.stderr.write("gen-template: %s is stale; run python3 deploy/gen-template.py\n" % output)
        sys.stderr.writelines(difflib.unified_diff(
            have.splitlines(True), text.splitlines(True), output, "generated", n=1))
        return 1
    if output == "-":
        sys.stdout.write(text)
        return 0
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
