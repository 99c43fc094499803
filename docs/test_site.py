"""Checks of the built site (run after ``sphinx-build``, as the README's docs command does).

- every theory page links to the rendered source of each proof module it names, and
  that page exists;
- every function or class a theory page names has an API entry that links back to the
  page, and every gallery example links back to the theory pages that show its figures;
- no page loads a script, stylesheet or image from another host (the site works
  offline).
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
