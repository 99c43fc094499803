"""Sphinx configuration for gancore's documentation (MyST pages, numpydoc, a gallery)."""

import os
from pathlib import Path
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

project = "gancore"
author = "the gancore developers"
copyright = "2026, the gancore developers"

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax served with the site: math renders offline too
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",  # a copy button on every code block
    "theory_links",  # _ext/: a page per proof module; API entries link to their theory
    "loss_table",  # _ext/: the trainer's table of losses, read from gancore.torch.LOSSES
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["dollarmath", "amsmath"]
exclude_patterns = ["_build", "examples", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5"]

autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "gallery_style.TrainingFirst",
    # no "Computation times" pages: orphans that search ranks high and that load their
    # table scripts from CDNs (the site must work offline)
    "write_computation_times": False,
    # two examples at a time: the training examples take 35-65 s each, and two in
    # parallel on two cores built the site in 2.0 min instead of 3.3
    "parallel": 2,
    "reset_modules": ("gallery_style.readable_figures",),
}

# The scientific-Python theme (NumPy, SciPy, pandas, matplotlib, scikit-learn use it):
# responsive down to a phone, previous/next links and the current page in the sidebar.
# Its fonts and scripts are bundled with the theme, so the site works offline.
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": True,
    "header_links_before_dropdown": 7,
    # the API page's tables and the gallery's code need the whole width (their sections
    # are in the left sidebar or few)
    "secondary_sidebar_items": {
        "**": ["page-toc"], "api": [], "auto_examples/index": [],
        **{f"auto_examples/{p.stem}": [] for p in Path(__file__).parent.glob("examples/plot_*.py")},
    },
    "navbar_end": ["theme-switcher"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_title = "gancore"
html_static_path = ["_static"]
html_css_files = ["gancore.css"]  # wrapped shell commands, scrollable wide equations
# the prompt and output of console blocks are left out of what the button copies
copybutton_exclude = ".linenos, .gp, .go"
