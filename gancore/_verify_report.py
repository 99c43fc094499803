"""The report of ``gancore verify``: a row per theorem from its proofs' results, the
table of rows that fits the terminal, and the lines of a failure's report that say what
failed."""

import math
import re
import shutil
import textwrap

# short names for the namespaces column
_SHORT = {"numpy": "numpy", "array_api_strict": "strict", "torch": "torch",
          "torch_cuda": "cuda", "cupy": "cupy"}


def theorem_rows(items):
    """Aggregate the items into one row per theorem, in the order first collected."""
    rows = {}
    for entry in items.values():
        row = rows.setdefault(entry["theorem"], {
            "statement": entry["statement"], "namespaces": set(), "examples": 0,
            "error": 0.0, "tolerance": math.inf, "ratio": -1.0, "passed": 0, "failed": 0,
            "skipped": 0, "seconds": 0.0,
        })
        row["seconds"] += entry.get("seconds", 0.0)
        row["skipped"] += entry["outcome"] == "skipped"
        if entry["outcome"] == "failed" or entry["outcome"] == "not run":
            row["failed"] += 1
        if entry["outcome"] == "passed":
            row["passed"] += 1
            row["namespaces"].add(entry["namespace"])
        tally = entry.get("tally")
        if tally is not None:
            row["examples"] += tally["examples"]
            error, tolerance = tally["error"], tally["tolerance"]
            ratio = error / tolerance if tolerance > 0 else (0.0 if error == 0 else math.inf)
            if ratio > row["ratio"]:
                row["ratio"], row["error"], row["tolerance"] = ratio, error, tolerance
    return rows


def verdict(row):
    """``holds``, ``skipped`` (every proof skipped: its backends absent or not selected)
    or ``FAILS``."""
    if row["failed"] == 0 and row["passed"] > 0:
        return "holds"
    if row["failed"] == 0 and row["passed"] == 0 and row.get("skipped", 0) > 0:
        return "skipped"
    return "FAILS"


def results_table(rows, *, width=None, wide=False):
    """The table of theorems and whether the run holds: ``(text, holds)``.

    Each row gives the namespaces that ran, the examples, the largest error against its
    tolerance, the verdict and the time. The statements wrap on indented lines under
    their rows so that every line fits ``width`` (the terminal's by default); where the
    namespaces' names would make a row too wide, the row counts them and a line under
    the table names them. With ``wide`` the statements form a column instead, each on
    one line, and nothing is shortened.
    """
    width = width or shutil.get_terminal_size((100, 24)).columns
    header = ("theorem", "namespaces", "examples", "largest error / tol", "verdict",
              "time")
    spaces = {name: sorted(_SHORT.get(n, n) for n in row["namespaces"])
              for name, row in rows.items()}
    lines = []
    for name, row in rows.items():
        error = (f"{row['error']:.2g} / {row['tolerance']:.2g}" if row["ratio"] >= 0
                 else "-")
        lines.append([name, ",".join(spaces[name]) or "-", str(row["examples"]), error,
                      verdict(row), f"{row.get('seconds', 0.0):.1f} s"])
    if wide:
        header = header[:1] + ("statement",) + header[1:]
        lines = [line[:1] + [rows[line[0]]["statement"]] + line[1:] for line in lines]
    legend = []
    if not wide and _width(header, lines) > width:
        for line in lines:
            line[1] = str(len(spaces[line[0]]))
        legend = textwrap.wrap("namespaces: " + ", ".join(sorted(
            {n for names in spaces.values() for n in names})), width=max(width, 40))
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths)).rstrip()]
    for line in lines:
        out.append(fmt.format(*line).rstrip())
        if not wide:
            out += textwrap.wrap(rows[line[0]]["statement"], width=max(width, 40),
                                 break_on_hyphens=False,
                                 initial_indent="    ", subsequent_indent="    ")
    verdicts = [line[-2] for line in lines]
    return ("\n".join(out + legend), all(v != "FAILS" for v in verdicts)
            and any(v == "holds" for v in verdicts))


def _width(header, lines):
    """The width of the widest row of a table whose columns are two spaces apart."""
    return sum(max(len(r[i]) for r in [header, *lines]) for i in range(len(header))) + \
        2 * (len(header) - 1)


def failure_summary(text):
    """The lines of a failure's report that say what failed: the error's message and
    hypothesis's falsifying example (the last 12 lines when neither is found)."""
    lines = text.strip().splitlines()
    keep, example = [], False
    for line in lines:
        body = line[1:].strip() if line.startswith("E") else None
        if body is None:
            continue
        if re.match(r"\w*(Error|Exception)\b", body) and len(keep) < 6:
            keep.append(body)
        elif body.startswith(("Falsifying example", "Failing test case")):
            example = True
            keep.append(body)
        elif example and body and not body.startswith(("You can reproduce", "Explanation")):
            keep.append(body)
        elif example:
            example = False
    return "\n".join(keep[:16]) if keep else "\n".join(lines[-12:])
