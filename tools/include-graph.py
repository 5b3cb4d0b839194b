#!/usr/bin/env python3
"""Print the import cycles among the C files of src/.

Definition. A .c file *imports* another .c file when it includes, directly
or through the headers those include, a private header (one under src/)
that declares a function or a variable the other file defines. Public
headers (include/cgate/) are the API every layer may use and are left out:
they declare the whole framework, so following them would say nothing about
how the code is layered. An import cycle is a strongly connected component
of that graph with more than one file: files that cannot be read, built or
tested one below the other.

Declarations and definitions are found by their shape in clang-formatted C
(a name followed by '(' at the start of a line, or `extern ... name;`), which
is all this tree uses; static functions are private to their file.

usage: tools/include-graph.py [ROOT]    (exit status 0; cycles on stdout)
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
SRC = os.path.join(ROOT, "src")

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A declaration or definition at column 0: "type name(" or "type *name(".
FUNCTION = re.compile(r"^(?!static\b|typedef\b|#|\s)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(", re.M)
EXTERN = re.compile(r"^extern\b[^;(]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*;", re.M)
# A variable defined at file scope, not static: "const struct x name = ...".
VARIABLE = re.compile(r"^(?!static\b|typedef\b|extern\b|#|\s|return\b)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*=", re.M)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def sources():
    for top, _, files in os.walk(SRC):
        for name in files:
            if name.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(top, name), SRC)


def resolve(including, name):
    """The private header an #include names, relative to src/, or None."""
    for base in (os.path.dirname(including), ""):
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(SRC, candidate)):
            return candidate
    return None


def main():
    files = sorted(sources())
    text = {f: read(os.path.join(SRC, f)) for f in files}
    includes = {f: {h for h in (resolve(f, n) for n in INCLUDE.findall(text[f])) if h} for f in files}
    declared = {h: set(FUNCTION.findall(text[h])) | set(EXTERN.findall(text[h])) for h in files if h.endswith(".h")}
    definer = {}
    for c in files:
        if c.endswith(".c"):
            for name in set(FUNCTION.findall(text[c])) | set(VARIABLE.findall(text[c])):
                definer.setdefault(name, set()).add(c)

    def reach(f):  # every private header f includes, directly or not
        seen, todo = set(), list(includes[f])
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.add(h)
                todo.extend(includes.get(h, ()))
        return seen

    graph = {}
    for c in (f for f in files if f.endswith(".c")):
        names = set().union(*(declared[h] for h in reach(c))) if includes[c] else set()
        graph[c] = sorted({d for n in names for d in definer.get(n, ()) if d != c})

    cycles = [sorted(scc) for scc in components(graph) if len(scc) > 1]
    for scc in sorted(cycles, key=lambda s: (-len(s), s)):
        print(f"cycle of {len(scc)} files: {' '.join(scc)}")
        for c in scc:
            inside = [d for d in graph[c] if d in scc]
            print(f"  {c} -> {' '.join(inside)}")
    print(f"{len(cycles)} cycle(s) among {len(graph)} files of src/")


def components(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = []
                    while True:
                        n = stack.pop()
                        on_stack.discard(n)
                        scc.append(n)
                        if n == node:
                            break
                    out.append(scc)
    return out


if __name__ == "__main__":
    main()
