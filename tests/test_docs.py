"""The documentation covers the public API, and its pages and figures exist."""

import re
from pathlib import Path

import pytest

import gancore

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _listed(module_name):
    text = (DOCS / "api.md").read_text()
    block = text.split(f".. currentmodule:: {module_name}\n", 1)[1].split("```", 1)[0]
    return set(re.findall(r"^   (\w+)$", block, flags=re.M))


def test_every_public_core_name_is_in_the_api_reference():
    assert _listed("gancore") == set(gancore.__all__)


def test_every_public_trainer_name_is_in_the_api_reference():
    torch_api = pytest.importorskip("gancore.torch")
    # LOSSES is the table of Loss records, documented in TrainConfig and Loss
    assert _listed("gancore.torch") == set(torch_api.__all__) - {"LOSSES"}
    updates = pytest.importorskip("gancore.torch.updates")
    assert _listed("gancore.torch.updates") == set(updates.__all__)


def test_every_theory_page_is_listed_and_shows_a_gallery_figure():
    index = (DOCS / "theory" / "index.md").read_text()
    pages = sorted(p for p in (DOCS / "theory").glob("*.md") if p.name != "index.md")
    assert len(pages) == 16
    scripts = {p.stem for p in (DOCS / "examples").glob("plot_*.py")}
    for page in pages:
        assert f"\n{page.stem}\n" in index, f"{page.name} is not in the theory toctree"
        figures = re.findall(r"sphx_glr_(plot_\w+?)_\d{3}\.png", page.read_text())
        assert figures, f"{page.name} shows no figure"
        assert set(figures) <= scripts, f"{page.name} shows a figure no script draws"


def _docstrings():
    """``(qualified name, docstring)`` of every module of the package and of every
    function, class and method defined in one (gancore.torch's where torch is
    installed)."""
    import importlib
    import inspect
    import pkgutil

    found = pkgutil.walk_packages(gancore.__path__, "gancore.")
    names = ["gancore"] + [m.name for m in found
                           if m.name != "gancore.__main__"]  # (which runs the command line)
    for module_name in names:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # gancore.torch without torch
            continue
        yield module_name, module.__doc__
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module_name:
                continue
            if inspect.isclass(obj):
                for attribute, member in vars(obj).items():
                    if inspect.isfunction(member):
                        yield f"{module_name}.{name}.{attribute}", member.__doc__
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module_name}.{name}", obj.__doc__


def test_no_docstring_holds_a_control_character():
    # a backslash escape in a docstring that is not raw (\f of \frac, \b, \v, \a)
    # becomes a control character, and its formula renders wrong in the API reference
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
    found = [name for name, doc in _docstrings() if doc and control.search(doc)]
    assert not found, f"docstrings with a control character: {found}"
