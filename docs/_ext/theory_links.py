"""Sphinx extension: a page per proof module, and links from the API back to the theory.

- ``docs/proofs/<key>.md`` is written at the start of every build for each
  ``proofs/test_<key>.py`` that names a theorem (``THEOREM``, ``STATEMENT``): the
  statement, how to run it alone (``gancore verify <key>``) and its source, with line
  numbers. Theory pages link to these pages, so every proof is one click from its
  theorem.
- Every function or class that a theory page names (``{func}`gancore.x``` or
  ``{class}`...```) gets a "Theory" rubric at the end of its API entry that links back to
  each such page, and an "Examples" rubric linking to the gallery scripts that call it.
- Every gallery example ends with links to the theory pages that show its figures.
"""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
PROOFS = DOCS.parent / "proofs"
NAMED = re.compile(r"\{(?:func|class)\}`~?(gancore(?:\.\w+)+)`")
FIGURE = re.compile(r"sphx_glr_(plot_\w+?)_\d{3}\.png")
CALLED = re.compile(r"\b(gancore(?:\.torch)?\.[A-Za-z_]\w*)\b")


def proof_modules():
    """``{key: (theorem, statement, path)}`` for the proof modules, in file order (as
    ``gancore verify --list`` names them)."""
    from gancore.verify import theorems

    return {key: (name, statement, PROOFS / path.name)
            for key, name, statement, _, path in theorems()}


def theory_pages():
    """``{page: text}`` of the theory pages (not their index)."""
    return {p.stem: p.read_text() for p in sorted((DOCS / "theory").glob("*.md"))
            if p.name != "index.md"}


def _index(texts, pattern):
    """``{match: [keys of the texts where pattern matches]}``, each key once per match."""
    found = {}
    for key, text in texts.items():
        for match in dict.fromkeys(pattern.findall(text)):
            found.setdefault(match, []).append(key)
    return found


def named_on_theory_pages():
    """``{qualified name: [theory pages naming it]}``."""
    return _index(theory_pages(), NAMED)


def figures_on_theory_pages():
    """``{gallery script: [theory pages showing one of its figures]}``."""
    return _index(theory_pages(), FIGURE)


def called_in_examples():
    """``{qualified name: [gallery scripts that use it]}``."""
    return _index({p.stem: p.read_text() for p in sorted((DOCS / "examples").glob("plot_*.py"))},
                  CALLED)


def _write_proof_pages(app):
    out = DOCS / "proofs"
    out.mkdir(exist_ok=True)
    modules = proof_modules()
    index = ["# The proofs", "",
             "Each theorem's proof module, rendered from `proofs/`: the properties "
             "hypothesis checks, with their tolerances derived in the comments. "
             "`gancore verify KEY` runs one alone; `gancore verify --list` names them all.",
             "", "```{toctree}", ":maxdepth: 1", ""]
    for key, (theorem, statement, path) in modules.items():
        index.append(key)
        page = [f"# Proof: {theorem}", "", f"*{statement}*", "",
                f"`proofs/{path.name}`, the row **{theorem}** of `gancore verify`; run it "
                f"alone with `gancore verify {key}`.", "",
                f"```{{literalinclude}} ../../proofs/{path.name}", ":language: python",
                ":linenos:", "```", ""]
        _write_if_changed(out / f"{key}.md", "\n".join(page))
    index += ["```", ""]
    _write_if_changed(out / "index.md", "\n".join(index))


def _write_if_changed(path, text):
    """Write only what changed, so that Sphinx rebuilds only the pages that did."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _add_theory_links(app, what, name, obj, options, lines):
    pages = app.env.gancore_named.get(name)
    if pages:
        lines += ["", ".. rubric:: Theory", ""]
        lines += [f"- :doc:`/theory/{page}`" for page in pages]
    scripts = app.env.gancore_called.get(name)
    if scripts:
        lines += ["", ".. rubric:: Examples", ""]
        lines += [f"- :ref:`sphx_glr_auto_examples_{script}.py`" for script in scripts]


def _link_examples_to_theory(app, docname, source):
    """Append to a gallery example's page the theory pages that show its figures."""
    if docname.startswith("auto_examples/plot_"):
        pages = app.env.gancore_shown.get(docname.split("/", 1)[1], [])
        if pages:
            source[0] += "\n\n.. rubric:: Theory\n\n" + "".join(
                f"- :doc:`/theory/{page}`\n" for page in pages)


def _reread_linked_pages(app, env, added, changed, removed):
    """The API entries and gallery pages carry links computed from other pages: read
    them again on every build, so that an edit of a theory page reaches them."""
    return [doc for doc in env.found_docs
            if doc.startswith(("generated/", "auto_examples/plot_"))]


def _collect(app):
    app.env.gancore_named = named_on_theory_pages()
    app.env.gancore_called = called_in_examples()
    app.env.gancore_shown = figures_on_theory_pages()


def setup(app):
    app.connect("builder-inited", _write_proof_pages)
    app.connect("builder-inited", _collect)
    # after numpydoc (priority 500) has turned the docstring into reST
    app.connect("autodoc-process-docstring", _add_theory_links, priority=900)
    app.connect("source-read", _link_examples_to_theory)
    app.connect("env-get-outdated", _reread_linked_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
