"""A strict parser and validator of the Prometheus text exposition format,
version 0.0.4, written from the format's specification
(prometheus.io/docs/instrumenting/exposition_formats/) for the tests of
/metrics. It refuses what the specification forbids, and, being meant for
our own output, a few things it merely discourages (marked STRICT below).

    expo = promfmt.parse(text)            # raises PromFormatError(line, why)
    expo.value("stingy_launches_total", result="ok")     # 2.0
    expo.families["stingy_reconcile_duration_seconds"].type  # "histogram"

What parse() checks:
- the text is UTF-8 and every line ends with '\\n' (the last one too);
- `# HELP name text` and `# TYPE name type` at most once per name, the
  TYPE before the family's first sample; type one of counter, gauge,
  histogram, summary, untyped; HELP text escapes only `\\\\` and `\\n`;
  other `#` lines are comments;
- samples: `name[{label="value",...}] value [timestamp]`, metric names
  [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not
  starting with "__", no label twice in one sample, label values escaping
  exactly `\\\\`, `\\"` and `\\n`; values a decimal float, +Inf, -Inf or NaN;
  timestamps an integer (ms);
- a family's samples in one group (no family resumed after another);
- no series (name and label set) twice;
- histograms: only <name>_bucket (with an le label that is a float or
  +Inf), <name>_sum and <name>_count; per label set (le aside) buckets
  non-decreasing as le grows, a +Inf bucket equal to _count, and _count
  and _sum present; no le label outside _bucket;
- summaries: <name>, with a quantile label, <name>_sum and <name>_count.
STRICT (our conventions, on by default, off with strict=False): every
family has HELP and TYPE, HELP right before TYPE and both before the
samples; no sample without a TYPE; counters named *_total, sampled under
exactly that name, and not negative or NaN; _count and buckets whole and
not negative; blanks are single spaces; no empty lines.
"""
import math
import re

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z")
INT = re.compile(r"-?\d+\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class PromFormatError(ValueError):
    def __init__(self, lineno, why):
        super().__init__("line %d: %s" % (lineno, why))
        self.lineno = lineno
        self.why = why


class Sample:
    __slots__ = ("name", "labels", "value", "timestamp", "lineno")

    def __init__(self, name, labels, value, timestamp, lineno):
        self.name = name
        self.labels = labels            # {name: value}, in the order written
        self.value = value
        self.timestamp = timestamp
        self.lineno = lineno

    def key(self):
        return (self.name, tuple(sorted(self.labels.items())))

    def __repr__(self):
        return "%s%s %r" % (self.name, self.labels or "", self.value)


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []
        self.help_line = self.type_line = None


class Exposition:
    def __init__(self):
        self.families = {}              # name -> Family, in order of appearance

    def samples(self, name=None):
        out = []
        for f in self.families.values():
            out.extend(s for s in f.samples if name is None or s.name == name)
        return out

    def value(self, name, default=None, **labels):
        """The value of the series name{labels} (exactly that label set)."""
        want = tuple(sorted(labels.items()))
        for s in self.samples(name):
            if tuple(sorted(s.labels.items())) == want:
                return s.value
        if default is not None:
            return default
        raise KeyError("%s%s" % (name, labels or ""))

    def series(self, name):
        """[(labels dict, value)] of the samples named name."""
        return [(dict(s.labels), s.value) for s in self.samples(name)]


def _unescape_help(text, lineno):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "\\n":
                raise PromFormatError(lineno, "bad escape in HELP text")
            out.append("\\" if text[i + 1] == "\\" else "\n")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _parse_value(tok, lineno, what="value"):
    if tok in ("+Inf", "-Inf", "NaN"):
        return float(tok.replace("Inf", "inf").replace("NaN", "nan"))
    if not FLOAT.match(tok):
        raise PromFormatError(lineno, "%s %r is not a float" % (what, tok))
    return float(tok)


def _parse_labels(line, i, lineno):
    """Labels from line[i] == '{'; returns (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        m = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").match(line, i)
        if not m:
            raise PromFormatError(lineno, "bad label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise PromFormatError(lineno, "label name %r is reserved" % name)
        if name in labels:
            raise PromFormatError(lineno, "label %r twice" % name)
        i = m.end()
        if line[i:i + 2] != '="':
            raise PromFormatError(lineno, "label %r: expected =\"" % name)
        i += 2
        val = []
        while True:
            if i >= len(line):
                raise PromFormatError(lineno, "label %r: value not closed" % name)
            c = line[i]
            if c == '"':
                i += 1
                break
            if c == "\\":
                nxt = line[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise PromFormatError(lineno, "label %r: bad escape \\%s" % (name, nxt))
                val.append({"\\": "\\", '"': '"', "n": "\n"}[nxt])
                i += 2
                continue
            val.append(c)
            i += 1
        labels[name] = "".join(val)
        if i < len(line) and line[i] == ",":
            i += 1
            continue
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        raise PromFormatError(lineno, "label list: expected , or } at column %d" % (i + 1))


def _family_of(name, families):
    """The declared family a sample name belongs to, or None."""
    f = families.get(name)
    if f is not None and f.type not in ("histogram", "summary"):
        return f
    for sfx in ("_bucket", "_sum", "_count"):
        if name.endswith(sfx):
            base = families.get(name[:-len(sfx)])
            if base is not None and base.type in ("histogram", "summary"):
                if sfx == "_bucket" and base.type != "histogram":
                    return None
                return base
    if f is not None and f.type == "summary":
        return f
    return None


def parse(text, strict=True):
    """text (str or UTF-8 bytes) as an Exposition; PromFormatError when not valid."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise PromFormatError(text[:e.start].count(b"\n") + 1, "not UTF-8")
    if text and not text.endswith("\n"):
        raise PromFormatError(text.count("\n") + 1, "the last line has no newline")
    expo = Exposition()
    fams = expo.families
    seen_series = {}
    current = None                      # the family whose samples come now
    closed = set()                      # families whose group has ended
    lines = text.split("\n")[:-1] if text else []
    for lineno, line in enumerate(lines, 1):
        if "\r" in line:
            raise PromFormatError(lineno, "carriage return")
        if line.strip() == "":
            if strict:
                raise PromFormatError(lineno, "empty line")
            continue
        if line.startswith("#"):
            _comment(line, lineno, fams, current, strict)
            continue
        s = _sample(line, lineno, strict)
        fam = _family_of(s.name, fams)
        if fam is None or fam.type is None:
            if strict:
                raise PromFormatError(lineno, "sample %s before any TYPE of its family" % s.name)
            fam = fam or fams.setdefault(s.name, Family(s.name))
            fam.type = fam.type or "untyped"
        if strict and (fam.help is None):
            raise PromFormatError(lineno, "family %s has no HELP" % fam.name)
        if fam is not current:
            if fam.name in closed or fam.samples:
                raise PromFormatError(lineno, "family %s resumed after another" % fam.name)
            if current is not None:
                closed.add(current.name)
            current = fam
        k = s.key()
        if k in seen_series:
            raise PromFormatError(lineno, "series %s%s twice (first on line %d)" % (
                s.name, dict(k[1]), seen_series[k]))
        seen_series[k] = lineno
        _check_sample(fam, s, lineno, strict)
        fam.samples.append(s)
    for fam in fams.values():
        if fam.type == "histogram":
            _check_histogram(fam, strict)
        elif fam.type == "summary":
            _check_summary(fam)
    return expo


def _comment(line, lineno, fams, current, strict):
    parts = line[1:].split(None, 2) if not strict else None
    if strict:
        if not (line.startswith("# HELP ") or line.startswith("# TYPE ")):
            return                      # a plain comment
        kw = line[2:6]
        rest = line[7:]
        name, sep, tail = rest.partition(" ")
    else:
        if len(parts) < 2 or parts[0] not in ("HELP", "TYPE"):
            return
        kw, name = parts[0], parts[1]
        tail = parts[2] if len(parts) > 2 else ""
    if not METRIC_NAME.match(name):
        raise PromFormatError(lineno, "%s: bad metric name %r" % (kw, name))
    fam = fams.get(name)
    if fam is None:
        fam = fams[name] = Family(name)
    if kw == "HELP":
        if fam.help is not None:
            raise PromFormatError(lineno, "HELP %s twice" % name)
        if strict and (fam.type is not None or fam.samples):
            raise PromFormatError(lineno, "HELP %s after its TYPE or samples" % name)
        fam.help = _unescape_help(tail, lineno)
        fam.help_line = lineno
        return
    if fam.type is not None:
        raise PromFormatError(lineno, "TYPE %s twice" % name)
    if fam.samples:
        raise PromFormatError(lineno, "TYPE %s after its samples" % name)
    t = tail.strip() if not strict else tail
    if t not in TYPES:
        raise PromFormatError(lineno, "TYPE %s: unknown type %r" % (name, t))
    if strict and (fam.help is None or fam.help_line != lineno - 1):
        raise PromFormatError(lineno, "TYPE %s not right after its HELP" % name)
    if strict and t == "counter" and not name.endswith("_total"):
        raise PromFormatError(lineno, "counter %s does not end in _total" % name)
    fam.type = t
    fam.type_line = lineno


def _sample(line, lineno, strict):
    m = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*").match(line)
    if not m:
        raise PromFormatError(lineno, "bad metric name")
    name = m.group(0)
    i = m.end()
    labels = {}
    if i < len(line) and line[i] == "{":
        labels, i = _parse_labels(line, i, lineno)
    rest = line[i:]
    if rest[:1] not in (" ", "\t"):
        raise PromFormatError(lineno, "%s: bad character %r after the name" % (name, rest[:1]))
    if strict:
        if not rest.startswith(" ") or "  " in rest or "\t" in rest or rest.endswith(" "):
            raise PromFormatError(lineno, "%s: blanks must be single spaces" % name)
    toks = rest.split()
    if len(toks) not in (1, 2):
        raise PromFormatError(lineno, "%s: expected a value and an optional timestamp" % name)
    value = _parse_value(toks[0], lineno)
    ts = None
    if len(toks) == 2:
        if not INT.match(toks[1]):
            raise PromFormatError(lineno, "%s: timestamp %r is not an integer" % (name, toks[1]))
        ts = int(toks[1])
    return Sample(name, labels, value, ts, lineno)


def _check_sample(fam, s, lineno, strict):
    if fam.type == "counter" and strict:
        if s.name != fam.name:
            raise PromFormatError(lineno, "counter sample %s is not %s" % (s.name, fam.name))
        if math.isnan(s.value) or s.value < 0:
            raise PromFormatError(lineno, "counter %s is %r" % (s.name, s.value))
    if fam.type == "histogram":
        if s.name == fam.name + "_bucket":
            if "le" not in s.labels:
                raise PromFormatError(lineno, "%s without le" % s.name)
            _parse_value(s.labels["le"], lineno, "le")
        elif "le" in s.labels:
            raise PromFormatError(lineno, "le label on %s" % s.name)
        if s.name != fam.name + "_sum":
            v = s.value
            if math.isnan(v) or v < 0 or (strict and (math.isinf(v) or v != int(v))):
                raise PromFormatError(lineno, "%s is %r: not a count" % (s.name, v))
    elif "le" in s.labels and strict:
        raise PromFormatError(lineno, "le label outside a histogram: %s" % s.name)
    if fam.type == "summary" and s.name == fam.name and "quantile" not in s.labels:
        raise PromFormatError(lineno, "summary %s without quantile" % s.name)


def _check_histogram(fam, strict):
    groups = {}
    for s in fam.samples:
        rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if s.name.endswith("_bucket"):
            g["buckets"].append((_parse_value(s.labels["le"], s.lineno, "le"), s))
        elif s.name.endswith("_sum"):
            g["sum"] = s
        else:
            g["count"] = s
    for rest, g in groups.items():
        where = "%s%s" % (fam.name, dict(rest) or "")
        line = (g["buckets"] or [(0, g["sum"] or g["count"])])[0][1].lineno
        if not g["buckets"]:
            raise PromFormatError(line, "%s: no buckets" % where)
        les = [le for le, _ in g["buckets"]]
        if len(set(les)) != len(les):
            raise PromFormatError(line, "%s: an le twice" % where)
        if math.inf not in les:
            raise PromFormatError(line, "%s: no +Inf bucket" % where)
        if any(math.isnan(le) for le in les):
            raise PromFormatError(line, "%s: le NaN" % where)
        if strict and les != sorted(les):
            raise PromFormatError(line, "%s: buckets not in le order" % where)
        prev = None
        for le, s in sorted(g["buckets"], key=lambda b: b[0]):
            if prev is not None and s.value < prev.value:
                raise PromFormatError(s.lineno, "%s: bucket le=%s (%r) below le=%s (%r): "
                                      "not cumulative" % (where, s.labels["le"], s.value,
                                                          prev.labels["le"], prev.value))
            prev = s
        if g["count"] is None or g["sum"] is None:
            raise PromFormatError(line, "%s: _count or _sum missing" % where)
        if prev.value != g["count"].value:
            raise PromFormatError(g["count"].lineno, "%s: +Inf bucket %r != _count %r" % (
                where, prev.value, g["count"].value))


def _check_summary(fam):
    names = {s.name for s in fam.samples}
    if fam.samples and not {fam.name + "_sum", fam.name + "_count"} <= names:
        raise PromFormatError(fam.samples[0].lineno, "summary %s: _sum or _count missing"
                              % fam.name)
