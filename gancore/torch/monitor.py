"""The trainer's metrics: each step's losses and D outputs, kept on the device until a
logging boundary, then copied to the host at once and checked for non-finite values."""

import numpy as np
import torch

from .steps import Metrics

__all__ = ["METRICS", "flush", "freeze", "no_member_left"]

METRICS = Metrics._fields


def flush(pending, summary, *, start_step, histories, stopped, nets):
    """Append the ``pending`` steps' metrics to the live members' ``histories`` and stop
    the members that went non-finite.

    ``pending`` holds one :class:`~gancore.torch.steps.Metrics` per step, each field
    with a leading member axis; ``summary`` maps D's outputs to what is logged (D, or
    the critic's value). A live member (``stopped[i] is None``) whose metric is
    not finite at some step, or whose parameters in ``nets`` (name to ``(N, P)``
    tensor) are not finite at the end, gets ``stopped[i] = (step, message)``; its
    history ends before that step. Returns the members stopped by this call.
    """
    if not pending:
        return []
    n_steps, members = len(pending), len(histories)
    losses = torch.stack([torch.stack((row.loss_d, row.loss_g), -1)
                          for row in pending])                            # (S, N, 2)
    outputs = torch.stack([torch.cat((row.d_real, row.d_fake), -1)
                           for row in pending])                           # (S, N, 2m)
    means = summary(outputs).unflatten(-1, (2, -1)).mean(-1)              # (S, N, 2)
    finite = torch.stack([flat.isfinite().all(1) for flat in nets.values()], 1)
    values, finite = (t.cpu().numpy() for t in (torch.cat([losses, means], -1),
                                                finite.to(losses.dtype)))
    newly = []
    for i in range(members):
        if stopped[i] is not None:
            continue
        rows = values[:, i]
        bad = np.argwhere(~np.isfinite(rows))
        end = n_steps if not bad.size else bad[0][0]
        history = histories[i]
        history["step"].extend(range(start_step + 1, start_step + end + 1))
        for j, name in enumerate(METRICS):
            history[name].extend(rows[:end, j].tolist())
        if bad.size:
            s, j = bad[0]
            stopped[i] = (start_step + s + 1,
                          f"{METRICS[j]} is {rows[s, j]} at step {start_step + s + 1}")
        elif not finite[i].all():
            name = list(nets)[int(np.argmin(finite[i]))]
            stopped[i] = (start_step + n_steps, f"the {name}'s parameters are not finite "
                                                f"after step {start_step + n_steps}")
        if stopped[i] is not None:
            newly.append(i)
    return newly


def _saved(last_saved):
    return ("no checkpoint was written" if last_saved is None else
            f"the last good checkpoint is {str(last_saved[1])!r} (step {last_saved[0]})")


def freeze(members, state, single, last_saved):
    """Freeze the newly stopped ``members``: keep their parameter rows as they were and
    reset their rows and optimiser state to zeros, so that they compute finite numbers
    (which no other member sees) until the run ends. ``FloatingPointError`` for a run
    of one."""
    for i in members:
        if single:
            raise FloatingPointError(f"training stopped: {state.stopped[i][1]}; "
                                     f"{_saved(last_saved)}")
        state.frozen[i] = {name: flat[i].clone() for name, flat in state.flats.items()}
        with torch.no_grad():
            for tensor in [*state.flats.values(), *(t for opt in state.optimisers.values()
                                                     for t in (opt["exp_avg"], opt["exp_avg_sq"]))]:
                tensor[i] = 0


def no_member_left(stopped, last_saved):
    """The ``FloatingPointError`` (to raise) naming every member's stop, for a
    population whose members (their ``stopped`` records, in order) all went
    non-finite."""
    return FloatingPointError("training stopped: every member went non-finite (" +
                             "; ".join(f"member {i}: {s[1]}" for i, s in enumerate(stopped))
                             + f"); {_saved(last_saved)}")
