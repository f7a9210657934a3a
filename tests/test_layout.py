"""The tree's shape, enforced: imports run one way (scorecards -> resilience -> vendors -> procurement),
and no module imports another module's private (underscored) names.

Only the composition roots may import every app: the root URLconf, the API root and the demo
command (procurement's urls, api and demo modules)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each app, and the apps it may import.
MAY_IMPORT = {
    "procurement": set(),
    "vendors": {"procurement"},
    "resilience": {"procurement", "vendors"},
    "capacity": {"procurement", "vendors", "resilience"},
    "costs": {"procurement", "vendors", "resilience"},
    "scorecards": {"procurement", "vendors", "resilience", "costs"},
    "questionnaires": {"procurement", "vendors", "resilience", "scorecards"},
    "dora": {"procurement", "vendors", "resilience", "scorecards"},
}
COMPOSITION_ROOTS = {"procurement/urls.py", "procurement/api.py", "procurement/demo.py"}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.AST, path: Path):
    """(module imported, names imported from it) for every import, relative ones resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, [alias.name for alias in node.names]


@pytest.mark.parametrize("app", MAY_IMPORT)
def test_imports_run_one_way(app):
    wrong = []
    for path, tree in _modules(app):
        if str(path.relative_to(ROOT)) in COMPOSITION_ROOTS:
            continue
        for module, _ in _imports(tree, path):
            top = module.split(".")[0]
            if top in MAY_IMPORT and top != app and top not in MAY_IMPORT[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("app", MAY_IMPORT)
def test_no_module_imports_another_modules_private_names(app):
    wrong = []
    for path, tree in _modules(app):
        for module, names in _imports(tree, path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and module.split(".")[0] in MAY_IMPORT:
                wrong.append(f"{path.relative_to(ROOT)} imports {', '.join(private)} from {module}")
    assert not wrong, "\n".join(wrong)
