"""Every IAM shape as a typed model, under its botocore name, loaded on first use.

``models.ListRolesResponse``, ``models.EntityDetails``, ``models.JobStatusType`` … Attributes are
snake_case with the wire names as aliases; see :class:`iamlast._runtime.shape.Shape` for the
``of_xml`` (responses) / ``of_json`` / ``to_json`` / ``to_query`` (requests) surface the models
share. Writing IAM's XML documents is for fakes and servers: ``iamlast.testing.to_xml``.
Response-side models (:class:`OpenShape`) keep members the model does not know in ``model_extra``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._runtime.core import EmptyResponse
from ._runtime.shape import ErrorShape, OpenShape, OutputShape, ResponseMetadata, Shape, SharedShape

if TYPE_CHECKING:
    from ._generated.enums import *  # noqa: F403
    from ._generated.shapes import *  # noqa: F403

__all__ = [
    "EmptyResponse",
    "ErrorShape",
    "OpenShape",
    "OutputShape",
    "ResponseMetadata",
    "Shape",
    "SharedShape",
]


def __getattr__(name: str) -> Any:
    from ._generated import enums, shapes

    if name in shapes._INDEX:
        value = getattr(shapes, name)
    elif not name.startswith("_") and isinstance(getattr(enums, name, None), type):
        value = getattr(enums, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    from ._generated import enums, shapes

    return sorted({*__all__, *shapes.__all__, *enums.__all__})
