"""Checks of the built site (run after ``sphinx-build``, as the README's docs command does).

- every theory page links to the rendered source of each proof module it names, and
  that page exists;
- every function or class a theory page names has an API entry that links back to the
  page, and every gallery example links back to the theory pages that show its figures;
- no page loads a script, stylesheet or image from another host (the site works
  offline);
- no section of a Markdown page is empty (a table the benchmark report writes, lost).
"""

import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent
SITE = DOCS / "_build" / "html"
sys.path.insert(0, str(DOCS / "_ext"))

from theory_links import (figures_on_theory_pages, named_on_theory_pages,  # noqa: E402
                          proof_modules, theory_pages)

if not (SITE / "index.html").exists():
    pytest.fail(f"no built site at {SITE}: run the README's docs command first",
                pytrace=False)

PAGES = theory_pages()


def _html(path):
    return (SITE / path).read_text()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_theory_page_links_to_its_proofs_source(page):
    named = set(re.findall(r"proofs/test_(\w+)\.py", PAGES[page]))
    assert named, f"theory/{page}.md names no proof module"
    assert named <= set(proof_modules()), f"theory/{page}.md names a missing proof module"
    html = _html(f"theory/{page}.html")
    for key in named:
        assert f'href="../proofs/{key}.html"' in html, f"{page} does not link to {key}"
        proof = re.sub(r"<[^>]+>", "", _html(f"proofs/{key}.html"))  # the text alone
        # the source itself, rendered: the module's first property is on the page
        first = re.search(r"^def (test_\w+)", (DOCS.parent / "proofs" / f"test_{key}.py")
                          .read_text(), flags=re.M).group(1)
        assert first in proof and f"gancore verify {key}" in proof


@pytest.mark.parametrize("name, pages", sorted(named_on_theory_pages().items()))
def test_every_function_a_theory_page_names_links_back(name, pages):
    html = _html(f"generated/{name}.html")
    for page in pages:
        assert f'href="../theory/{page}.html"' in html, f"{name} does not link to {page}"


@pytest.mark.parametrize("script, pages", sorted(figures_on_theory_pages().items()))
def test_every_gallery_example_links_back_to_its_theory_pages(script, pages):
    html = _html(f"auto_examples/{script}.html")
    for page in pages:
        assert f'href="../theory/{page}.html"' in html, f"{script} does not link to {page}"


def test_no_page_loads_anything_from_another_host():
    loads = re.compile(r'<(?:script|img)[^>]+src="https?://|<link[^>]+href="https?://')
    offenders = [str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
                 if loads.search(p.read_text())]
    assert not offenders, f"pages that load from other hosts: {offenders}"


def _headings(text):
    """``(level, title, has_content)`` for each Markdown heading outside code fences:
    ``has_content`` is false when the next heading (or the end) follows with nothing
    between but blank lines."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,6} ", line):
            level = len(line.split()[0])
            found.append([level, line[level + 1:], False])
        elif line.strip() and found:
            found[-1][2] = True
    return found


@pytest.mark.parametrize("page", sorted(str(p.relative_to(DOCS))
                                         for pattern in ("*.md", "theory/*.md", "proofs/*.md")
                                         for p in DOCS.glob(pattern)))
def test_no_section_of_a_page_is_empty(page):
    headings = _headings((DOCS / page).read_text())
    # a heading followed by a deeper one has that section as its content
    empty = [title for (level, title, content), after in zip(headings, headings[1:] + [None])
             if not content and (after is None or after[0] <= level)]
    assert not empty, f"{page}: sections with nothing in them: {empty}"
