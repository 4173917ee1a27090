#!/usr/bin/env python3
"""Lists import circles between the source files of one crate.

Usage: scripts/import_circles.py crates/hearth-app/src [more crate src dirs]

A file imports another when it names a path into it (`use crate::a::b::X`,
`crate::a::b::f(...)`, `use super::x::Y`). A `mod.rs` that only declares and
re-exports its children does not count as importing them. Exit status 1 when any
circle exists, with each circle printed as `a.rs -> b.rs -> a.rs`.

Rust has no tool of its own for this (cargo-modules draws module trees but does
not fail a build on cycles), hence this short reader of `use` paths.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def module_of(root: Path, file: Path) -> list[str]:
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def resolve(files: dict, base: list[str], segments: list[str]):
    """The file a path `base::segments` lands in: the deepest module that exists."""
    path = base + segments
    for end in range(len(path), 0, -1):
        key = tuple(path[:end])
        if key in files:
            return files[key]
    return None


def edges_of(root: Path, files: dict, file: Path) -> set:
    module = module_of(root, file)
    # `super` of a non-mod file is its parent module; of mod.rs, the grandparent.
    here = module if file.name != "mod.rs" else module
    parent = here[:-1]
    text = re.sub(r"//[^\n]*", "", file.read_text())
    text = re.sub(r"#\[cfg\(test\)\]\s*mod tests \{.*", "", text, flags=re.S)
    targets = set()

    def add(kind: str, segs: list[str]):
        base = [] if kind == "crate" else parent
        target = resolve(files, base, segs)
        if target and target != file:
            targets.add(target)

    for kind, prefix, group in USE_GROUP.findall(text):
        segs = [s for s in prefix.split("::") if s]
        for item in group.split(","):
            item = item.strip().split(" as ")[0]
            if not item or item == "self":
                add(kind, segs)
                continue
            add(kind, segs + [s for s in item.split("::") if s and s != "{" and s != "}"])
    for kind, rest in PATH.findall(USE_GROUP.sub("", text)):
        add(kind, [s for s in rest.split("::") if s])
    if file.name == "mod.rs" or file.name == "lib.rs":
        # Declaring and re-exporting children is not depending on them.
        children = {f for k, f in files.items() if list(k[: len(module)]) == module and len(k) > len(module)}
        targets -= children
    return targets


def circles(root: Path) -> list[list[str]]:
    files = {}
    for file in sorted(root.rglob("*.rs")):
        files[tuple(module_of(root, file))] = file
    graph = {f: edges_of(root, files, f) for f in files.values()}
    # Tarjan's strongly connected components.
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(str(c) for c in component))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


def main() -> int:
    failed = False
    for arg in sys.argv[1:]:
        for component in circles(Path(arg)):
            failed = True
            print("import circle: " + " <-> ".join(component))
    if not failed:
        print("no import circles in " + ", ".join(sys.argv[1:]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
