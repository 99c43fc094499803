"""Sphinx extension: the ``loss-table`` directive renders the trainer's table of losses
(:data:`gancore.torch.LOSSES`) at build time, so the docs' table of published defaults
is read from the records, never typed again."""

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList


class LossTable(Directive):
    """The table of losses: name, one-line description, optimiser and defaults, the
    fields each accepts, and where its defaults come from."""

    def run(self):
        from gancore.torch.objectives import LOSSES

        lines = [".. list-table::", "   :header-rows: 1", "",
                 "   * - loss", "     - what it is", "     - optimiser, lr, betas",
                 "     - n_critic, batch", "     - fields", "     - defaults from"]
        for loss in LOSSES.values():
            betas = "" if loss.betas is None else f", ({loss.betas[0]:g}, {loss.betas[1]:g})"
            lines += [f"   * - ``{loss.name}``", f"     - {loss.description}",
                      f"     - {loss.optimizer} {loss.lr:g}{betas}",
                      f"     - {loss.n_critic}, {loss.batch_size}",
                      "     - " + (", ".join(f"``{f}``" for f in loss.fields) or "-"),
                      f"     - {loss.defaults_source}"]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("loss-table", LossTable)
    return {"parallel_read_safe": True}
