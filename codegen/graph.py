"""The structure graph of a service: which structures reach which, the groups of recursive
structures that must share a module, and the modules the models are written to."""

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


def module_groups(service: Service, reachable: set[str]) -> list[tuple[str, list[str]]]:
    """The model modules, as (the name the module is named after, its structures).

    The structures that only one operation reaches — its input and output, and what only they
    hold — share one module named after the operation: a call loads them all anyway, and one
    module is smaller than several (a wheel compresses each file on its own). Any other structure
    has a module of its own, or shares one with the structures it is recursive with.
    """
    components = structure_groups(service, reachable)
    component_of = {name: i for i, group in enumerate(components) for name in group}
    owners: dict[int, set[str]] = {}
    for op in service.operations.values():
        todo = [r for r in (op.input, op.output) if r is not None and r in component_of]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(t for t in struct_deps(service, name) if t in component_of)
        for name in seen:
            owners.setdefault(component_of[name], set()).add(op.name)
    modules: list[tuple[str, list[str]]] = []
    by_operation: dict[str, list[str]] = {}
    for i, group in enumerate(components):
        found = owners.get(i, set())
        if len(found) == 1:
            by_operation.setdefault(next(iter(found)), []).extend(group)
        else:
            modules.append((group[0], group))
    modules.extend((op, sorted(group)) for op, group in by_operation.items())
    return sorted(modules)


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
