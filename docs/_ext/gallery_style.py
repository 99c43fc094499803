"""The gallery's matplotlib settings, applied before each example runs."""

import matplotlib.pyplot as plt


def readable_figures(gallery_conf, fname):
    """Reset matplotlib, then raise the font size so that figures of 8 to 10 inches
    shown in the content column (about 880 px) keep their text at 14 px or more,
    the body's smallest size."""
    plt.rcdefaults()
    plt.rcParams.update({"font.size": 12})


# The training examples, in reading order: the loop, then the benchmarks and what
# populations, sampling and the f-divergences do with it. They come first and take
# 25 to 60 s each against a few seconds for all the others; the gallery runs two at a
# time, in this order, so that a long one starting last would leave one core idle
# (alphabetical order ended the build 14 s after the first core was free).
TRAINING = ("plot_training.py", "plot_mode_collapse.py", "plot_populations.py",
            "plot_misspecified_fits.py", "plot_sampling.py", "plot_no_gans_land.py")


class TrainingFirst:
    """The gallery's order (sphinx-gallery's ``within_subsection_order``): the
    :data:`TRAINING` examples as listed, then the others by file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return ((0, TRAINING.index(filename), "") if filename in TRAINING
                else (1, 0, filename))
