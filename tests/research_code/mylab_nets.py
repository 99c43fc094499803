"""Networks as research code writes them: factories that return a new module per call."""

from torch import nn


def generator():
    """A small generator of 1-D points from a 2-D latent."""
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))


class Critic(nn.Module):
    """A critic that is not a Sequential: it runs through torch.func in a population."""

    def __init__(self):
        super().__init__()
        self.hidden, self.out = nn.Linear(1, 16), nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.hidden(x).relu())
