"""The package's layout: imports run one way (inputs → metrics → plan → report → runner → cli)
and no module imports itself back through others. Read from the source with `ast`, so a
function-level import counts like a top-level one."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"

# The steps of the flow, first to last; a module may import only from its own step or earlier ones.
STEPS = (
    ("auditkit.errors", "auditkit.stages"),
    ("auditkit.i18n",),
    ("auditkit.inputs",),
    ("auditkit.metrics",),
    ("auditkit.plan",),
    ("auditkit.report",),
    ("auditkit.runner", "auditkit.batch"),
    ("auditkit.cli",),
)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def step(module: str) -> int | None:
    for rank, prefixes in enumerate(STEPS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The auditkit modules `module` imports (a `from package import name` of a submodule counts
    as importing that submodule)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "auditkit"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "auditkit":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return found - {module}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {m: imports(m, p, set(found)) for m, p in found.items()}


def test_every_module_belongs_to_a_step():
    loose = [m for m in modules() if m != "auditkit" and step(m) is None]
    assert not loose, f"modules outside every step of the flow (add them to a sub-package): {loose}"


def test_imports_run_one_way():
    backwards = [f"{m} imports {t}" for m, targets in graph().items() if m != "auditkit"
                 for t in sorted(targets) if step(t) is not None and step(t) > step(m)]
    assert not backwards, "imports against the flow:\n" + "\n".join(backwards)


def test_no_import_cycle():
    g = graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_a_backward_import(tmp_path):
    """The checker itself: a metrics module importing from report is reported."""
    path = tmp_path / "bad.py"
    path.write_text("from auditkit.report import charts\nfrom ..plan import scorecard\n")
    found = imports("auditkit.metrics.bad", path, {"auditkit.report.charts", "auditkit.plan.scorecard"})
    assert found == {"auditkit.report.charts", "auditkit.plan.scorecard"}
    assert step("auditkit.report.charts") > step("auditkit.metrics.bad")
