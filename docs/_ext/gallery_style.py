"""The gallery's matplotlib settings, applied before each example runs."""

import matplotlib.pyplot as plt


def readable_figures(gallery_conf, fname):
    """Reset matplotlib, then raise the font size so that figures of 8 to 10 inches
    shown in the content column (about 880 px) keep their text at 14 px or more,
    the body's smallest size."""
    plt.rcdefaults()
    plt.rcParams.update({"font.size": 12})
