"""Every AWS Organizations shape as a typed model, under its botocore name, loaded on first use
(attributes are snake_case with the wire names as aliases; response models keep members the model
does not know in ``model_extra``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._runtime.core import EmptyResponse

if TYPE_CHECKING:
    from .._generated_organizations.enums import *  # noqa: F403
    from .._generated_organizations.shapes import *  # noqa: F403

__all__ = ["EmptyResponse"]


def __getattr__(name: str) -> Any:
    from .._generated_organizations import enums, shapes

    if name in shapes._INDEX:
        value = getattr(shapes, name)
    elif not name.startswith("_") and isinstance(getattr(enums, name, None), type):
        value = getattr(enums, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    from .._generated_organizations import enums, shapes

    return sorted({*__all__, *shapes.__all__, *enums.__all__})
