#!/usr/bin/env python3
"""Find import loops between the files of a Rust crate.

Usage: scripts/import-cycles.py <crate>/src [...]

Each file is a node. A file depends on another file of the same crate when it names a path
into it: `crate::a::b`, `super::x`, `self::x`, or `x::` where `mod x;` is declared in the file.
A path is resolved to the deepest file module it reaches. A parent's `mod child;` declaration
is not an edge, and neither is a re-export (`pub use child::X`): both are the module tree.
A parent that calls into its child while the child uses the parent's items is a loop; the
shared items belong in a leaf module. `--strict` counts re-exports too.
Prints every strongly connected component with more than one file and exits 1 if there is
one.
"""
import os
import re
import sys


def module_files(src):
    """Map module path tuple -> file path for every .rs file under src."""
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(root, f)
            rel = os.path.relpath(full, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            # bins under src/bin are separate crates
            if rel and rel[0] == "bin":
                continue
            mods[tuple(rel)] = full
    return mods


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def expand_use(tree):
    """Expand a use tree like `a::{b, c::{d, e}}` into paths."""
    tree = tree.replace(" ", "").replace("\n", "")
    out = []

    def rec(prefix, s):
        # split top level on commas
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        for p in parts:
            if "{" in p:
                head, rest = p.split("{", 1)
                rec(prefix + head, rest[:-1] if rest.endswith("}") else rest)
            else:
                out.append(prefix + p)

    rec("", tree)
    return out


def resolve(path, here, mods):
    """Resolve a path (list of segments) seen in module `here` to a module tuple or None."""
    if not path:
        return None
    if path[0] == "crate":
        base, rest = (), path[1:]
    elif path[0] in ("super", "self"):
        base = list(here)
        i = 0
        while i < len(path) and path[i] in ("super", "self"):
            if path[i] == "super":
                base = base[:-1]
            i += 1
        base, rest = tuple(base), path[i:]
    else:
        base, rest = tuple(here), path
    best = base if base in mods else None
    cur = base
    for seg in rest:
        cur = cur + (seg,)
        if cur in mods:
            best = cur
        else:
            break
    return best


def edges_of(modpath, fpath, mods, reexports):
    text = strip_comments(open(fpath, encoding="utf-8").read())
    # child modules declared here
    children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M))
    # inline modules (`mod tests { ... }`): paths inside them are relative to them
    spans = []
    for m in re.finditer(r"\bmod\s+(\w+)\s*\{", text):
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        spans.append((m.start(), i, m.group(1)))

    def inline_at(pos):
        return tuple(n for (a, b, n) in spans if a < pos < b)

    use_spans = [(m.start(), m.end()) for m in re.finditer(r"\buse\s+[^;]+;", text)]
    paths = []
    for m in re.finditer(r"(\bpub(?:\([^)]*\))?\s+)?\buse\s+([^;]+);", text):
        if m.group(1) and not reexports:
            continue  # a re-export: the module tree, not a use
        for p in expand_use(m.group(2)):
            p = re.sub(r"\bas\s*\w+$", "", p.replace("as", " as ")).strip()
            paths.append((p, m.start()))
    for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", text):
        paths.append((m.group(1), m.start()))
    for m in re.finditer(r"(?<![:\w])(\w+)((?:::\w+)+)", text):
        in_use = any(a <= m.start() < b for a, b in use_spans)
        if m.group(1) in children and not inline_at(m.start()) and not in_use:
            paths.append((m.group(1) + m.group(2), m.start()))
    out = set()
    for p, pos in paths:
        segs = [s for s in p.split("::") if s and s != "*"]
        inner = inline_at(pos)
        if segs and segs[0] in children and segs[0] not in ("crate", "super", "self") and not inner:
            segs = ["self"] + segs
        elif segs and segs[0] not in ("crate", "super", "self"):
            continue  # an external crate
        if segs and segs[0] in ("super", "self") and inner:
            # climb out of the inline modules first
            k = 0
            while k < len(segs) and segs[k] in ("super", "self") and inner:
                if segs[k] == "super":
                    inner = inner[:-1]
                k += 1
            if inner:
                continue  # stays inside an inline module of this file
            segs = ["self"] + segs[k:]
        target = resolve(segs, modpath, mods)
        if target is None or target == modpath:
            continue
        out.add(target)
    # a file naming its ancestors' module only through `super::X` where X is a sibling is
    # resolved to the sibling above; naming the parent itself is an edge too.
    return out


def sccs(graph):
    index, low, stack, on, res, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            res.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            strong(v)
    return res


def main():
    bad = False
    args = sys.argv[1:]
    strict = "--strict" in args
    for src in [a for a in args if a != "--strict"]:
        mods = module_files(src)
        graph = {m: edges_of(m, f, mods, strict) for m, f in mods.items()}
        loops = [c for c in sccs(graph) if len(c) > 1]
        name = lambda m: "::".join(m) or "<root>"
        if not loops:
            print(f"{src}: {len(mods)} files, no import loops")
        for c in loops:
            bad = True
            members = set(c)
            print(f"{src}: loop between {', '.join(sorted(name(m) for m in c))}")
            for m in sorted(c):
                for t in sorted(graph[m] & members):
                    print(f"    {name(m)} -> {name(t)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
