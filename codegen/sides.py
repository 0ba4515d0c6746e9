"""Which side of the wire each structure is on, and so which base class its model gets.

Requests are strict and responses keep what they do not know (see ``iamlast._runtime.shape``):

- ``Shape``: only requests carry it; an unknown member is refused.
- ``OpenShape``: only responses (outputs, errors, what they nest); unknown members are kept.
- ``SharedShape``: both (``Tag``): strict when built from keywords or a mapping, open when read.
- ``OutputShape`` / ``ErrorShape``: an operation's output, a modelled error (open).
"""

from __future__ import annotations

from .model import ModelError, Service, Shape


def base_class(service: Service, shape: Shape) -> str:
    """The runtime base class of a structure's model (an output or error requests also carry
    would be both strict and open: the generator refuses it rather than guess)."""
    if shape.name in service.top_outputs or shape.exception:
        if shape.name in service.input_shapes:
            raise ModelError(f"shape {shape.name}: an output or error that requests carry too")
        return "OutputShape" if shape.name in service.top_outputs else "ErrorShape"
    if shape.name not in service.output_shapes:
        return "Shape"
    return "SharedShape" if shape.name in service.input_shapes else "OpenShape"


def is_open(service: Service, shape: Shape) -> bool:
    """Whether the model keeps unknown members (every response-side structure)."""
    return shape.name in service.output_shapes


def _structures_under(service: Service, name: str) -> set[str]:
    """Every structure a structure reaches through its members, lists and maps."""
    found: set[str] = set()
    todo = [name]
    while todo:
        shape = service.shapes[todo.pop()]
        refs = [m.target for m in shape.members]
        refs += [r.target for r in (shape.member, shape.key, shape.value) if r is not None]
        for ref in refs:
            if ref not in found:
                if service.shapes[ref].type == "structure":
                    found.add(ref)
                todo.append(ref)
    return found


def holding_shared(service: Service) -> set[str]:
    """Response-only structures that nest a shared one (``Role`` holds ``Tag``): their models
    validate their shared shapes as responses do (keeping unknown members, not refusing them)."""
    shared = service.input_shapes & service.output_shapes
    return {
        name
        for name in service.output_shapes - service.input_shapes
        if service.shapes[name].type == "structure" and _structures_under(service, name) & shared
    }
