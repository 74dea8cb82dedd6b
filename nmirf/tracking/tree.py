"""Entities as a tree, built in memory from one query (a ministry's departments under it)."""

from dataclasses import dataclass, field


@dataclass
class Node:
    entity: object
    children: list["Node"] = field(default_factory=list)


def build_tree(entities) -> list[Node]:
    """The roots, each with its children, names in order. An entity whose parent is not in
    `entities` (archived and hidden, or not visible) is shown at the top level, so that
    nothing visible disappears."""
    nodes = {entity.pk: Node(entity) for entity in entities}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.entity.parent_id)
        (parent.children if parent is not None else roots).append(node)

    def sort(level):
        level.sort(key=lambda n: n.entity.name.casefold())
        for node in level:
            sort(node.children)

    sort(roots)
    return roots
