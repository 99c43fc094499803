"""``gancore train``'s options, generated from :class:`~gancore.torch.TrainConfig`'s
fields: one ``--field-name`` per field a shell can express, with the field's help and
default, so that the command line and the config cannot drift apart.

Research code's networks and losses are given as ``module:attr`` import strings
(``--generator mypackage.nets:Generator``, ``--loss mypackage.losses:my_loss``).
"""

import argparse
import importlib
import types
import typing
from dataclasses import MISSING, fields

from .config import TrainConfig
from .objectives import LOSSES, Loss
from .report import parse_data
from .settings import PER_MEMBER

__all__ = ["add_config_arguments", "import_string", "parse_field", "parse_sweep"]


def import_string(spec, /, *, what="object"):
    """The object that ``"package.module:attr"`` names (``attr`` may be dotted);
    ``ValueError`` naming the spec when it is malformed or cannot be imported."""
    module_name, colon, attr = spec.partition(":")
    if not colon or not module_name or not attr:
        raise ValueError(f"{spec!r}: expected a {what} as module:attr, such as "
                         "mypackage.losses:my_loss")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"{spec!r}: cannot import the {what} ({err})") from None
    return obj


def _loss(text):
    """A loss name of the table, or a :class:`Loss` record by ``module:attr``."""
    if text in LOSSES:
        return text
    if ":" not in text:
        raise ValueError(f"{text!r}: expected one of {', '.join(LOSSES)}, or a Loss record "
                         "as module:attr")
    loss = import_string(text, what="loss record")
    if not isinstance(loss, Loss):
        raise ValueError(f"{text!r} is a {type(loss).__name__}, not a gancore.torch.Loss")
    return loss


def _factory(text):
    """A network factory (a callable returning a new module) by ``module:attr``."""
    return import_string(text, what="network factory")


def _none_or(convert):
    def parse(text):
        return None if text.strip().lower() == "none" else convert(text)
    return parse


def _numbers(convert, count=None):
    def parse(text):
        values = tuple(convert(v) for v in text.split(","))
        if count is not None and len(values) != count:
            raise ValueError(f"expected {count} comma-separated numbers; got {text!r}")
        return values
    return parse


_SPECIAL = {"loss": _loss, "data": parse_data, "generator": _factory,
            "discriminator": _factory, "widths": _numbers(int),
            "betas": _numbers(float, 2), "codes": _numbers(float, 3)}
_METAVARS = {"loss": "NAME|MODULE:ATTR", "data": "SPEC", "generator": "MODULE:ATTR",
             "discriminator": "MODULE:ATTR", "widths": "W1,W2,...",
             "betas": "BETA1,BETA2", "codes": "A,B,C", "checkpoint": "PATH"}


def _converter(f):
    """The parser of one field's value from its text (booleans are flags instead); a
    field that may be None reads ``none`` as None."""
    if f.name in _SPECIAL:
        convert = _SPECIAL[f.name]
    else:
        kinds = [t for t in typing.get_args(f.type) if t is not type(None)] or [f.type]
        convert = {int: int, float: float, str: str}[kinds[0]]
    optional = isinstance(f.type, types.UnionType) and type(None) in typing.get_args(f.type)
    return _none_or(convert) if optional else convert


def parse_field(name, text, /):
    """Field ``name``'s value from ``text`` as the command line reads it."""
    (f,) = [f for f in fields(TrainConfig) if f.name == name]
    return _converter(f)(text)


def _typed(f):
    """argparse's ``type`` for field ``f``: its converter, whose ValueError argparse
    reports as an invalid value of the option."""
    convert = _converter(f)

    def parse(text):
        try:
            return convert(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    parse.__name__ = f.name
    return parse


def add_config_arguments(parser, /):
    """Add one option per TrainConfig field to ``parser`` (the field's name with dashes,
    its help and default); booleans get ``--name`` / ``--no-name``."""
    table = "; ".join(f"{name}: {loss.description}" for name, loss in LOSSES.items())
    for f in fields(TrainConfig):
        default = f.default if f.default is not MISSING else None
        help_text = f.metadata.get("help", "")
        if f.name == "loss":
            help_text += f". The table: {table}"
        if f.name == "data":
            help_text = ('the target: "normal(m, s)", "mvnormal(mean, cov)", '
                         '"mixture(weights, [[m, s], ...])", "segment(theta)", the '
                         'mode-coverage benchmarks "ring(8)" and "grid(5)", or a .npy '
                         "file of samples, shape (n,) or (n, d)")
            default = "normal(0, 1)"
        flag = "--" + f.name.replace("_", "-")
        if f.type is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                                default=default, help=help_text)
            continue
        shown = "the output directory's checkpoint.pt" if f.name == "checkpoint" else default
        if shown is not None:  # None fields say what their default is in their help
            help_text = f"{help_text} (default: {shown})"
        parser.add_argument(flag, type=_typed(f), default=default,
                            metavar=_METAVARS.get(f.name, f.name.upper()),
                            help=help_text.replace("%", "%%"))


def parse_sweep(specs, /):
    """``{"gp_lambda": [0.001, 0.01]}`` from ``["gp_lambda=1e-3,1e-2"]``: a per-member
    field or a loss option of the table (dashes read as underscores; members may
    differ on their loss's options) and its values, each parsed as the field's option
    parses it (``betas`` and ``codes`` tuples separated by ``;``); ``ValueError`` for
    another field or a value that does not parse."""
    sweepable = list(dict.fromkeys([*(name for name in PER_MEMBER if name != "data"),
                                    *(o for loss in LOSSES.values() for o in loss.options)]))
    axes = {}
    for spec in specs:
        name, _, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if name not in sweepable or not values:
            raise ValueError(f"--sweep {spec!r}: expected FIELD=V1,V2,... with FIELD one "
                             f"of {', '.join(sweepable)}")
        try:
            items = values.split(";") if name in ("betas", "codes") else values.split(",")
            axes[name] = [parse_field(name, v) for v in items]
        except ValueError as err:
            raise ValueError(f"--sweep {spec!r}: a value does not parse ({err})") from None
    return axes
