"""The structure graph of a service: which structures reach which, and the groups of recursive
structures that must share a module."""

from __future__ import annotations

from .model import Service


def structure_groups(service: Service, reachable: set[str]) -> list[list[str]]:
    """Strongly connected components of the structure graph (recursive shapes share a module)."""
    graph: dict[str, set[str]] = {}
    for name in sorted(reachable):
        shape = service.shapes[name]
        if shape.type != "structure":
            continue
        graph[name] = {t for t in struct_deps(service, name) if t in reachable}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        # Iterative Tarjan, so deep models cannot hit Python's recursion limit.
        work = [(node, iter(sorted(graph[node])))]
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[current] = min(low[current], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[current])
            if low[current] == index[current]:
                group = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    group.append(item)
                    if item == current:
                        break
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(groups)


def struct_deps(service: Service, name: str) -> set[str]:
    """Structures a structure's members reach through lists and maps."""
    out: set[str] = set()
    shape = service.shapes[name]
    for member in shape.members:
        collect_structs(service, member.target, out)
    return out


def collect_structs(service: Service, target: str, out: set[str]) -> None:
    shape = service.shapes[target]
    if shape.type == "structure":
        out.add(target)
    for ref in (shape.member, shape.key, shape.value):
        if ref is not None:
            collect_structs(service, ref.target, out)


def collect_enums(service: Service, target: str, out: set[str]) -> None:
    shape = service.shapes[target]
    if shape.type == "string" and shape.enum is not None:
        out.add(target)
    for ref in (shape.member, shape.key, shape.value):
        if ref is not None:
            collect_enums(service, ref.target, out)


def collect_maps(service: Service, target: str, out: set[str]) -> None:
    shape = service.shapes[target]
    if shape.type == "map":
        out.add(target)
    for ref in (shape.member, shape.key, shape.value):
        if ref is not None:
            collect_maps(service, ref.target, out)
