"""A dataflow module's source rewritten to the hub's import pattern; nothing else changes.

The hub's pattern: third-party imports sit at the top inside
``with contrib.catch_import_errors(__name__, __file__, logger):`` so a missing package names the
requirements.txt to install. So the dataflow's lazy third-party imports are hoisted there, while
imports of the image-telephone package stay inside their config-gated nodes: the openai configs
must run without it.
"""

import ast
import importlib.metadata
import json
import sys
from dataclasses import dataclass
from functools import cached_property

from .spec import DISTRIBUTION, PACKAGE

_Import = ast.Import | ast.ImportFrom


def _root(node: _Import) -> str:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            raise ValueError(f"line {node.lineno}: a hub module cannot use relative imports")
        return node.module.split(".")[0]
    roots = {alias.name.split(".")[0] for alias in node.names}
    if len(roots) > 1:
        raise ValueError(f"line {node.lineno}: import one module per statement")
    return roots.pop()


def _kind(node: _Import) -> str:
    """stdlib, hamilton, the project's own package, or third-party (needs requirements.txt)."""
    root = _root(node)
    if root in sys.stdlib_module_names:
        return "stdlib"
    return root if root in ("hamilton", PACKAGE) else "third-party"


_LOGGER = "logger = logging.getLogger(__name__)"


def _is_logger(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and ast.unparse(node) == _LOGGER


def _name_key(alias: ast.alias) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then the rest."""
    name = alias.name
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name.lower())


def _render_imports(nodes: list[_Import]) -> list[str]:
    """isort-ordered import lines: straight imports first, then from-imports, merged by module."""
    straight = {(a.name, a.asname) for n in nodes if isinstance(n, ast.Import) for a in n.names}
    froms: dict[str, dict[tuple[str, str | None], ast.alias]] = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                froms.setdefault(node.module, {})[(alias.name, alias.asname)] = alias
    lines = [
        f"import {name}" + (f" as {asname}" if asname else "")
        for name, asname in sorted(straight, key=lambda item: item[0].lower())
    ]
    for module in sorted(froms, key=str.lower):
        names = sorted(froms[module].values(), key=_name_key)
        lines.append(f"from {module} import {', '.join(ast.unparse(a) for a in names)}")
    return lines


def python_literal(config: dict) -> str:
    """A JSON config as Python source, double-quoted like the rest of the module."""
    items = (
        f"{json.dumps(key)}: {json.dumps(value) if isinstance(value, str) else repr(value)}"
        for key, value in config.items()
    )
    return "{" + ", ".join(items) + "}"


@dataclass(frozen=True)
class DataflowSource:
    """A dataflow module's source, split the way the hub lays a module out."""

    source: str

    @cached_property
    def tree(self) -> ast.Module:
        """The parsed module."""
        return ast.parse(self.source)

    def _nested_imports(self) -> list[tuple[ast.FunctionDef, _Import]]:
        tree = self.tree
        return [
            (function, node)
            for function in tree.body
            if isinstance(function, ast.FunctionDef)
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]

    def third_party_imports(self) -> list[_Import]:
        """Every third-party import, wherever it sits: these move into the catch block."""
        top = [n for n in self.tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        nested = [node for _, node in self._nested_imports()]
        return [node for node in top + nested if _kind(node) == "third-party"]

    def requirements(self) -> list[str]:
        """The distributions that provide the third-party imports: requirements.txt's lines."""
        distributions = importlib.metadata.packages_distributions()
        roots = {_root(node) for node in self.third_party_imports()}
        return sorted({distributions[root][0].lower() for root in roots})

    def package_functions(self) -> set[str]:
        """Names of the functions that import image-telephone (so need it installed)."""
        nested = self._nested_imports()
        return {function.name for function, node in nested if _kind(node) == PACKAGE}

    def hub_source(self, dataflow: str, first_config: dict) -> str:
        """The module as the hub's __init__.py: notices, import section, dataflow, main block."""
        tree = self.tree
        top_imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        if any(_kind(node) == PACKAGE for node in top_imports):
            raise ValueError(f"{dataflow}: import {PACKAGE} inside the nodes that need it")
        moved = [n for n in tree.body if _is_logger(n)] + top_imports + self.third_party_imports()
        lines = self.source.splitlines(keepends=True)
        dropped: set[int] = set()
        for node in moved:
            dropped.update(range(node.lineno - 1, node.end_lineno))
            after = node.end_lineno  # a blank line after a hoisted import goes with it
            if node.col_offset and after < len(lines) and not lines[after].strip():
                dropped.add(after)
        docstring_end = tree.body[0].end_lineno if ast.get_docstring(tree) else 0
        body = "".join(
            line
            for index, line in enumerate(lines[docstring_end:], docstring_end)
            if index not in dropped
        ).strip("\n")
        standard = [n for n in top_imports if _kind(n) == "stdlib"]
        standard.append(ast.parse("import logging").body[0])
        hamilton = [n for n in top_imports if _kind(n) == "hamilton"]
        hamilton.append(ast.parse("from hamilton import contrib").body[0])
        catch = _render_imports(self.third_party_imports()) or ["pass"]
        parts = [
            "".join(lines[:docstring_end]).rstrip("\n"),
            "",
            "# --- START NOTICES",
            f"# Generated by `python -m hub_contrib.build` from dataflows/{dataflow}.py of",
            f"# {DISTRIBUTION} (Apache-2.0): change that file and regenerate, not this one.",
            "# --- END NOTICES",
            "# --- START IMPORT SECTION",
            *_render_imports(standard),
            "",
            *_render_imports(hamilton),
            "",
            _LOGGER,
            "",
            "with contrib.catch_import_errors(__name__, __file__, logger):",
            *(f"    {line}" for line in catch),
            "",
            "# --- END IMPORT SECTION",
            "# --- START HAMILTON DATAFLOW",
            body,
            "",
            "",
            "# --- END HAMILTON DATAFLOW",
            "# --- START MAIN CODE",
            'if __name__ == "__main__":',
            "    # Draws dag.png for the first line of valid_configs.jsonl (the hub's template).",
            f"    import __init__ as {dataflow}",
            "    from hamilton import base, driver",
            "",
            "    dr = driver.Driver(",
            f"        {python_literal(first_config)},",
            f"        {dataflow},",
            "        adapter=base.DefaultAdapter(),",
            "    )",
            '    render = {"format": "png", "view": False}',
            '    dr.display_all_functions("dag", render, show_legend=False)',
            "# --- END MAIN CODE",
        ]
        return "\n".join(parts).lstrip("\n") + "\n"
