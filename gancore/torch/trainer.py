"""The trainer: :class:`TrainConfig`, :func:`train` and :class:`TrainResult`.

One loop. Each iteration takes ``n_critic`` steps on the discriminator's (or critic's)
objective, then one step on the generator's; logging, evaluation and checkpoints sit in
one marked block at the end of the iteration. Nothing in the per-step path copies to
the host: the step's metrics stay on the device until the next ``log_every`` boundary.
"""

import copy
import os
import re
import sys
from dataclasses import asdict, dataclass, field, replace
from functools import partial

import numpy as np
import torch

from .._arrays import boolean, one_of, positive_int, positive_number, probability
from ..distributions import LineSegment, Mixture, MultivariateNormal, Normal
from .checkpoint import load_checkpoint, save_checkpoint
from .evaluate import sample_distances
from .losses import (_gradient_penalty_of, _input_gradients, _interpolates,
                     _r1_penalty_of, clip_weights, critic_loss, discriminator_loss,
                     minimax_generator_loss, nonsaturating_generator_loss,
                     wasserstein_generator_loss)
from .models import ACTIVATIONS, discriminator, generator
from .updates import adam_update, flatten_parameters, optimiser_state, rmsprop_update

__all__ = ["LOSSES", "TrainConfig", "TrainResult", "published_defaults", "train"]

LOSSES = ("minimax", "nonsaturating", "wgan", "wgan-gp")

_ADAM_GAN = {"optimizer": "adam", "lr": 2e-4, "betas": (0.5, 0.999), "n_critic": 1,
             "batch_size": 64}
_PUBLISHED = {
    # Goodfellow et al. (2014) take k = 1 discriminator step per generator step; their
    # code used SGD with momentum. Adam(2e-4, betas (0.5, 0.999)) is Radford et al.
    # (2016)'s setting, the one most GAN code has used since.
    "minimax": _ADAM_GAN,
    "nonsaturating": _ADAM_GAN,
    # Arjovsky et al. (2017), Algorithm 1. Their code also ran 100 critic steps for the
    # first 25 generator steps and on every 500th.
    "wgan": {"optimizer": "rmsprop", "lr": 5e-5, "betas": None, "n_critic": 5,
             "batch_size": 64},
    # Gulrajani et al. (2017), Algorithm 1. Their toy-data script used lambda = 0.1,
    # batch 256 and Adam betas (0.5, 0.9).
    "wgan-gp": {"optimizer": "adam", "lr": 1e-4, "betas": (0.0, 0.9), "n_critic": 5,
                "batch_size": 64},
}
_DISTRIBUTIONS = (Normal, MultivariateNormal, Mixture, LineSegment)
# fields that may change between a checkpoint and its resumption
_RESUMABLE = {"steps", "log_every", "eval_every", "eval_samples", "checkpoint",
              "checkpoint_every", "cuda_graph"}


def published_defaults(loss, /):
    """The published optimiser, learning rate, betas, n_critic and batch size for
    ``loss`` (see :class:`TrainConfig`); a new dict."""
    return dict(_PUBLISHED[one_of("loss", loss, LOSSES)])


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; ``None`` means the published default.

    ======================  ==========  ==================  ====  =======  ==========
    loss                    optimiser   lr, betas           c     lambda   n_critic
    ======================  ==========  ==================  ====  =======  ==========
    ``"minimax"``           Adam        2e-4, (0.5, .999)   -     -        1
    ``"nonsaturating"``     Adam        2e-4, (0.5, .999)   -     -        1
    ``"wgan"``              RMSProp     5e-5                0.01  -        5
    ``"wgan-gp"``           Adam        1e-4, (0, 0.9)      -     10       5
    ======================  ==========  ==================  ====  =======  ==========

    Batch size 64 throughout. Where the authors' own code differed is noted in
    :func:`published_defaults`'s source and in the trainer's documentation page.

    ``gp_lambda`` is a length in data units (the critic's values are distances): in one
    dimension the generator's mean swings by about ``2 * gp_lambda`` around the target,
    so the published 10 runs away there; about 0.01 times the data's standard
    deviation converges (see the WGAN-GP theory page).

    ``cuda_graph=True`` (CUDA only) records one whole iteration, ``n_critic``
    discriminator steps and the generator's, as a CUDA graph after three eager ones,
    and replays it: one launch instead of hundreds of small kernels. It computes what
    the eager run computes; the tests compare the two wherever a GPU is present.
    """

    loss: str = "nonsaturating"   # one of LOSSES
    data: object = field(default_factory=lambda: Normal(0.0, 1.0))  # a gancore distribution
    steps: int = 2000             # generator steps
    batch_size: int | None = None
    n_critic: int | None = None   # discriminator / critic steps per generator step
    lr: float | None = None       # both players
    betas: tuple | None = None    # Adam's (beta1, beta2)
    clip: float = 0.01            # WGAN: weights clipped to [-clip, clip]
    gp_lambda: float = 10.0       # WGAN-GP: penalty weight
    r1_gamma: float = 0.0         # GAN losses: R1 penalty gamma / 2 E||grad logit||^2; 0 = off
    latent_dim: int = 8
    widths: tuple = (64, 64)      # hidden widths of both networks
    activation: str = "leaky_relu"
    standardize: bool = True      # networks work in the data's standard units (Affine)
    ema: float | None = 0.999     # decay of the generator's weight average; None = off
    data_pool: int = 2**20        # data points drawn once; batches are drawn from them
    device: str = "auto"          # "auto": CUDA when available, else CPU
    cuda_graph: bool = False      # CUDA: replay each iteration as one captured CUDA graph
    dtype: str = "float32"
    seed: int = 0
    log_every: int = 100          # metrics copied to the host every log_every steps
    eval_every: int = 500         # W1 and JSD to the target every eval_every steps
    eval_samples: int = 10_000
    checkpoint: str | None = None  # path of the checkpoint file
    checkpoint_every: int = 1000

    def __post_init__(self):
        _check_config(self)


def _check_config(cfg):
    """Check every field of ``cfg`` (``None`` fields stand for the published defaults);
    errors name the field."""
    one_of("loss", cfg.loss, LOSSES)
    if not isinstance(cfg.data, _DISTRIBUTIONS):
        raise TypeError("data must be a gancore Normal, MultivariateNormal, Mixture or "
                        f"LineSegment; got {type(cfg.data).__name__}")
    defaults = published_defaults(cfg.loss)
    for name in ("steps", "batch_size", "n_critic", "latent_dim", "data_pool", "log_every",
                 "eval_every", "eval_samples", "checkpoint_every", "seed"):
        value = getattr(cfg, name)
        if value is not None or name not in defaults:
            positive_int(name, value, least=0 if name in ("steps", "seed") else 1)
    for name in ("lr", "clip", "gp_lambda", "r1_gamma"):
        value = getattr(cfg, name)
        if value is not None or name not in defaults:
            positive_number(name, value, allow_zero=name in ("gp_lambda", "r1_gamma"))
    if cfg.betas is not None:
        if not isinstance(cfg.betas, (tuple, list)) or len(cfg.betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2); got {cfg.betas!r}")
        for name, beta in zip(("betas[0]", "betas[1]"), cfg.betas):
            probability(name, beta, below_one=True)
    if cfg.ema is not None:
        probability("ema", cfg.ema, below_one=True)
    if not isinstance(cfg.widths, (tuple, list)):
        raise TypeError(f"widths must be a sequence of ints; got {cfg.widths!r}")
    for width in cfg.widths:
        positive_int("widths", width)
    boolean("standardize", cfg.standardize)
    boolean("cuda_graph", cfg.cuda_graph)
    one_of("dtype", cfg.dtype, ("float32", "float64"))
    one_of("activation", cfg.activation, ACTIVATIONS)
    if not isinstance(cfg.device, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?",
                                                             cfg.device):
        raise (ValueError if isinstance(cfg.device, str) else TypeError)(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {cfg.device!r}")
    if cfg.checkpoint is not None and not isinstance(cfg.checkpoint, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path or None; got {cfg.checkpoint!r}")
    batch = cfg.batch_size if cfg.batch_size is not None else defaults["batch_size"]
    if cfg.data_pool < batch:
        raise ValueError(f"data_pool ({cfg.data_pool}) must be at least batch_size "
                         f"({batch})")


def _resolve(config):
    """``config`` with its ``None`` fields set to the published defaults, validated."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    defaults = published_defaults(config.loss)
    filled = {k: defaults[k] for k in ("batch_size", "n_critic", "lr", "betas")
              if getattr(config, k) is None}
    return replace(config, **filled)


def _device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {name!r}") from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch sees no CUDA device")
    return device


def _record(cfg, device):
    """The config as plain data (for checkpoints and ``config.json``)."""
    out = asdict(cfg)
    out["data"] = repr(cfg.data)
    out["device"] = device.type
    out["widths"], out["betas"] = list(cfg.widths), cfg.betas and list(cfg.betas)
    return out


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    config : TrainConfig
        The configuration with its defaults filled in.
    generator, discriminator : torch.nn.Module
        The trained networks (the discriminator returns logits, or critic values).
    average : torch.nn.Module or None
        The exponential moving average of the generator's weights (``config.ema``).
    history : dict of lists
        ``step``, ``loss_d``, ``loss_g``, ``d_real`` and ``d_fake`` (mean D(x) and
        D(G(z)); the critic's mean values for the Wasserstein losses) for every step;
        ``eval_step``, ``w1`` and ``jsd`` every ``eval_every`` steps and at the end.
    step : int
        Generator steps taken.
    """

    config: TrainConfig
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    average: torch.nn.Module | None
    history: dict
    step: int

    def sample(self, n, /, *, seed=None):
        """``n`` samples from the averaged generator (the raw one when ``ema`` is None),
        shape ``(n,)`` in 1-D and ``(n, dim)`` otherwise, on the training device."""
        positive_int("n", n)
        if seed is not None:
            positive_int("seed", seed, least=0)
        net = self.generator if self.average is None else self.average
        return _generate(net, n, self.config, seed)


def _generate(net, n, cfg, seed):
    param = next(net.parameters())
    rng = torch.Generator(device=param.device)
    if seed is None:
        rng.seed()  # a non-deterministic seed for this generator alone
    else:
        rng.manual_seed(seed)
    with torch.no_grad():
        x = net(torch.randn(n, cfg.latent_dim, generator=rng, device=param.device,
                            dtype=param.dtype))
    return x[:, 0] if cfg.data.dim == 1 else x


def _build(cfg, pool, device, dtype):
    """Networks (initialised from the seed without touching torch's global RNG) and the
    weight average, each with its parameters flattened into one vector (returned
    too: generator, discriminator, average)."""
    dim = cfg.data.dim
    shift = scale = None
    if cfg.standardize:
        shift, std = pool.mean(0), pool.std(0)
        scale = torch.where(std > 0, std, torch.ones_like(std))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        g = generator(dim, latent_dim=cfg.latent_dim, widths=tuple(cfg.widths),
                      activation=cfg.activation, shift=shift, scale=scale)
        # a Wasserstein critic's values are distances: in data units (see discriminator)
        wasserstein = cfg.standardize and cfg.loss in ("wgan", "wgan-gp")
        d = discriminator(dim, widths=tuple(cfg.widths), activation=cfg.activation,
                          shift=shift, scale=scale,
                          value_scale=scale.mean() if wasserstein else None)
    g, d = g.to(device, dtype), d.to(device, dtype)
    if cfg.loss == "wgan":
        clip_weights(d, cfg.clip)
    average = copy.deepcopy(g).requires_grad_(False) if cfg.ema is not None else None
    flats = [flatten_parameters(net) if net is not None else None for net in (g, d, average)]
    return g, d, average, flats


def _gradient(loss, params):
    """The gradient of ``loss`` with respect to the flat vector behind ``params``."""
    return torch.cat([t.reshape(-1) for t in torch.autograd.grad(loss, params)])


def train(config, /, *, resume=None, progress=None):
    """Train a GAN on ``config.data`` with ``config.loss``; see :class:`TrainConfig`.

    Each generator step follows ``n_critic`` steps on the discriminator (critic):

    - ``"minimax"``, ``"nonsaturating"``: D minimises :func:`discriminator_loss`
      (+ :func:`r1_penalty` when ``r1_gamma > 0``); G minimises
      :func:`minimax_generator_loss` or :func:`nonsaturating_generator_loss`.
    - ``"wgan"``: the critic minimises :func:`critic_loss` with RMSProp and is clipped
      to ``[-clip, clip]`` after every step; G minimises
      :func:`wasserstein_generator_loss`.
    - ``"wgan-gp"``: the critic minimises :func:`critic_loss` +
      :func:`gradient_penalty`; G as for WGAN.

    Data batches are drawn with replacement from ``data_pool`` points sampled once
    from ``data`` with ``seed``; noise, batch indices and the penalty's epsilons come
    from one ``torch.Generator`` seeded with ``seed``, drawn once per iteration for all
    its steps. Adam and RMSProp (with ``torch.optim``'s arithmetic) update each
    network's parameters as one flat vector (:mod:`gancore.torch.updates`). On the CPU
    the same config gives the same run, bit for bit.

    Parameters
    ----------
    config : TrainConfig
    resume : str or path, optional
        A checkpoint of a run with the same config (``steps`` and the logging,
        evaluation and checkpoint settings may differ): training continues from it
        and, on the CPU, reaches exactly the state the uninterrupted run reaches.
    progress : bool, optional
        Show a tqdm progress bar; by default only when stderr is a terminal.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        For a bad config (naming the field), a CUDA device that torch does not see, or
        ``cuda_graph=True`` on the CPU.
    RuntimeError
        When ``cuda_graph=True`` and torch cannot record the iteration as a CUDA graph.
    FloatingPointError
        When a loss, a D output or a parameter stops being finite; the message names the
        step and the quantity. Detected at the next ``log_every`` boundary, before any
        checkpoint is written, so the last checkpoint on disk is a good one.
    """
    cfg = _resolve(config)
    if progress is not None:
        boolean("progress", progress)
    if resume is not None and not isinstance(resume, (str, os.PathLike)):
        raise TypeError(f"resume must be a path or None; got {type(resume).__name__}")
    device, dtype = _device(cfg.device), getattr(torch, cfg.dtype)
    if cfg.cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device; device is {device.type!r}")
    from array_api_compat import torch as xp_torch

    pool = cfg.data.sample(cfg.data_pool, seed=cfg.seed, xp=xp_torch, device=device,
                           dtype=dtype).reshape(cfg.data_pool, cfg.data.dim)
    target = cfg.data.sample(cfg.eval_samples, seed=cfg.seed + 1)
    g, d, average, (flat_g, flat_d, flat_a) = _build(cfg, pool, device, dtype)
    # one optimiser state per player; its update acts on the player's flat vector
    opt_g, opt_d = optimiser_state(flat_g), optimiser_state(flat_d)
    update = (partial(rmsprop_update, lr=cfg.lr)
              if published_defaults(cfg.loss)["optimizer"] == "rmsprop" else
              partial(adam_update, lr=cfg.lr, betas=tuple(cfg.betas)))
    rng = torch.Generator(device=device)
    rng.manual_seed(cfg.seed)
    history = {k: [] for k in ("step", "loss_d", "loss_g", "d_real", "d_fake",
                               "eval_step", "w1", "jsd")}
    start, last_saved = 0, None
    if resume is not None:
        start, history = _restore(resume, cfg, device, g, d, opt_g, opt_d, average, rng)
        last_saved = (start, resume)

    gan = cfg.loss in ("minimax", "nonsaturating")
    r1 = gan and cfg.r1_gamma > 0
    d_objective = discriminator_loss if gan else critic_loss
    g_objective = {"minimax": minimax_generator_loss,
                   "nonsaturating": nonsaturating_generator_loss}.get(
                       cfg.loss, wasserstein_generator_loss)
    m = cfg.batch_size
    pending = []
    summary = torch.sigmoid if gan else torch.as_tensor  # mean D(x), or mean critic value
    sampler = g if average is None else average
    g_params, d_params = list(g.parameters()), list(d.parameters())

    def noise(n):
        return torch.randn(n, cfg.latent_dim, generator=rng, device=device, dtype=dtype)

    show = sys.stderr.isatty() if progress is None else bool(progress)
    from tqdm.auto import tqdm

    def iteration():
        """One generator step after ``n_critic`` discriminator steps; returns what the
        step logs (losses and D's outputs on real then fake), on the device."""
        # the iteration's random draws at once: the batches of all n_critic critic
        # steps, and the generator's own batch in the same generator pass (G does not
        # change during the critic steps, so one pass serves them all)
        k = cfg.n_critic
        real = pool[torch.randint(len(pool), (k * m,), generator=rng, device=device)]
        both = g(noise((k + 1) * m))
        fake, fake_g = both[:k * m].detach(), both[k * m:]
        rows = [real, fake]
        if cfg.loss == "wgan-gp":
            eps = torch.rand(k * m, 1, generator=rng, device=device, dtype=dtype)
            rows.append(_interpolates(real, fake, eps))
        # step i's critic input: its real, fake and (WGAN-GP) interpolated rows, which
        # one critic pass evaluates; each row's value and input gradient depend on that
        # row alone, so the penalties take their rows of one input gradient
        inputs = torch.cat([r.view(k, m, -1) for r in rows], 1)
        penalised = r1 or cfg.loss == "wgan-gp"

        # -- discriminator / critic: n_critic steps descending its loss ------------------
        for i in range(k):
            x = inputs[i].requires_grad_(True) if penalised else inputs[i]
            out = d(x)
            loss_d = d_objective(out[:m], out[m:2 * m])
            if cfg.loss == "wgan-gp":
                grads = _input_gradients(out[2 * m:], x)[2 * m:]
                loss_d = loss_d + _gradient_penalty_of(grads, cfg.gp_lambda)
            if r1:
                grads = _input_gradients(out[:m], x)[:m]
                loss_d = loss_d + _r1_penalty_of(grads, cfg.r1_gamma)
            update(flat_d, _gradient(loss_d, d_params), opt_d)
            if cfg.loss == "wgan":
                clip_weights(d, cfg.clip)

        # -- generator: one step descending its loss, D held fixed ------------------------
        loss_g = g_objective(d(fake_g))
        update(flat_g, _gradient(loss_g, g_params), opt_g)  # D's parameters stay as they are
        return loss_d.detach(), loss_g.detach(), out[:2 * m].detach()

    run = _graphed(iteration, rng, device) if cfg.cuda_graph else iteration
    bar = tqdm(total=cfg.steps, initial=start, disable=not show, desc=cfg.loss,
               dynamic_ncols=True)
    try:
        for step in range(start, cfg.steps):
            pending.append(run())
            if average is not None:
                # warm-up: decay (1 + t) / (10 + t) until it reaches cfg.ema
                decay = min(cfg.ema, (1 + step) / (10 + step))
                with torch.no_grad():
                    flat_a.lerp_(flat_g, 1 - decay)

            # -- side concerns: logging, evaluation, checkpoints --------------------------
            done = step + 1
            save = cfg.checkpoint is not None and (done % cfg.checkpoint_every == 0
                                                   or done == cfg.steps)
            evaluate = done % cfg.eval_every == 0 or done == cfg.steps
            if done % cfg.log_every == 0 or done == cfg.steps or save or evaluate:
                _flush(pending, summary, start_step=done - len(pending), history=history,
                       nets={"generator": g, "discriminator": d}, last_saved=last_saved)
                pending = []
                if evaluate:
                    w1, js = sample_distances(
                        _generate(sampler, cfg.eval_samples, cfg, cfg.seed + done),
                        target)
                    history["eval_step"].append(done)
                    history["w1"].append(w1)
                    history["jsd"].append(js)
                bar.set_postfix(loss_d=f"{history['loss_d'][-1]:.4g}",
                                loss_g=f"{history['loss_g'][-1]:.4g}",
                                w1=f"{history['w1'][-1]:.4g}" if history["w1"] else "-")
                if save:
                    save_checkpoint(_state(cfg, device, done, g, d, opt_g, opt_d, average,
                                           rng, history), cfg.checkpoint)
                    last_saved = (done, cfg.checkpoint)
            bar.update(1)
    finally:
        bar.close()
    return TrainResult(config=cfg, generator=g, discriminator=d, average=average,
                       history=history, step=max(start, cfg.steps))


_METRICS = ("loss_d", "loss_g", "d_real", "d_fake")
_FORMAT = 2  # of the checkpoints


def _graphed(iteration, rng, device, *, warmup=3):
    """``iteration`` (which takes no argument and returns tensors) replayed as one CUDA
    graph: the kernels of a whole iteration launched at once instead of one by one.

    The first ``warmup`` calls run eagerly on a side stream (they let the libraries
    pick their kernels and allocate their workspaces), the next one records
    the graph, and every call runs one iteration. The random draws come from ``rng``,
    registered with the graph, which advances it on every replay as eager calls would.
    The outputs are copied out of the graph's buffers, which the next replay
    overwrites.
    """
    graph, outputs, calls = None, None, 0
    side = torch.cuda.Stream(device)

    def run():
        nonlocal graph, outputs, calls
        with torch.cuda.device(device):
            if graph is None and calls < warmup:
                calls += 1
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    result = iteration()
                torch.cuda.current_stream().wait_stream(side)
                return result
            if graph is None:
                graph = torch.cuda.CUDAGraph()
                graph.register_generator_state(rng)
                try:
                    with torch.cuda.graph(graph):
                        outputs = iteration()
                except RuntimeError as err:
                    raise RuntimeError("cuda_graph=True: recording the training iteration "
                                       f"as a CUDA graph failed ({err}); train with "
                                       "cuda_graph=False") from err
            graph.replay()
            return tuple(t.clone() for t in outputs)

    return run


def _flush(pending, summary, *, start_step, history, nets, last_saved):
    """Reduce the pending ``(loss_d, loss_g, D outputs on real then fake)`` of each step
    to the metrics, copy them to the host (one transfer) and stop on a non-finite value,
    naming its step and quantity."""
    if not pending:
        return
    losses = torch.stack([torch.stack(row[:2]) for row in pending])
    outputs = torch.stack([row[2] for row in pending])
    means = summary(outputs).view(len(pending), 2, -1).mean(2)  # D(x), D(G(z)) per step
    finite = [torch.stack([p.isfinite().all() for p in net.parameters()]).all()
              for net in nets.values()]
    rows = torch.cat([torch.cat([losses, means], 1).flatten(),
                      torch.stack(finite).to(losses.dtype)]).cpu().numpy()
    values = rows[:-len(nets)].reshape(len(pending), len(_METRICS))
    saved = ("no checkpoint was written" if last_saved is None else
             f"the last good checkpoint is {str(last_saved[1])!r} (step {last_saved[0]})")
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        i, j = bad[0]
        raise FloatingPointError(f"training stopped: {_METRICS[j]} is {values[i, j]} at "
                                 f"step {start_step + i + 1}; {saved}")
    for name, ok in zip(nets, rows[-len(nets):]):
        if not ok:
            raise FloatingPointError(f"training stopped: the {name}'s parameters are not "
                                     f"finite after step {start_step + len(pending)}; "
                                     f"{saved}")
    history["step"].extend(range(start_step + 1, start_step + len(pending) + 1))
    for j, name in enumerate(_METRICS):
        history[name].extend(values[:, j].tolist())


def _state(cfg, device, step, g, d, opt_g, opt_d, average, rng, history):
    return {"format": _FORMAT, "config": _record(cfg, device), "step": step,
            "generator": g.state_dict(), "discriminator": d.state_dict(),
            "average": None if average is None else average.state_dict(),
            "opt_g": opt_g, "opt_d": opt_d,
            "rng": rng.get_state(), "history": history}


def _restore(path, cfg, device, g, d, opt_g, opt_d, average, rng):
    state = load_checkpoint(path, map_location=device)
    if state.get("format") != _FORMAT:
        raise ValueError(f"resume: {str(path)!r} is a checkpoint of format "
                         f"{state.get('format')!r}; this gancore reads format {_FORMAT} "
                         "(format 1 held torch.optim states, from gancore before the "
                         "flat-vector optimisers)")
    saved, now = state["config"], _record(cfg, device)
    for name in saved:
        if name not in _RESUMABLE and saved[name] != now.get(name):
            raise ValueError(f"resume: the checkpoint was written with {name}="
                             f"{saved[name]!r}, this config has {name}={now.get(name)!r}")
    g.load_state_dict(state["generator"])
    d.load_state_dict(state["discriminator"])
    if average is not None:
        average.load_state_dict(state["average"])
    for mine, saved in ((opt_g, state["opt_g"]), (opt_d, state["opt_d"])):
        for name, value in saved.items():  # the step count: an int on CPU, else a tensor
            if torch.is_tensor(mine[name]):
                mine[name].copy_(torch.as_tensor(value))
            else:
                mine[name] = int(value)
    rng.set_state(state["rng"].cpu())
    return state["step"], {k: list(v) for k, v in state["history"].items()}
