"""A dataflow module's source rewritten to the hub's import pattern; nothing else changes.

The hub's pattern: third-party imports sit at the top inside
``with contrib.catch_import_errors(__name__, __file__, logger):`` so a missing package names the
requirements.txt to install. So the dataflow's lazy third-party imports are hoisted there, while
imports of the image-telephone package stay inside their config-gated nodes: the openai configs
must run without it. A hub dataflow is one file, so a top-level import of a sibling module in
dataflows/ (shared rules, such as _openai_chat.py) is replaced by that module's code, and an
extension of another dataflow (title_images of caption_images) is published merged with it.
"""

import ast
import importlib.metadata
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .spec import DISTRIBUTION, PACKAGE

_Import = ast.Import | ast.ImportFrom
_SIBLING = f"{PACKAGE}.dataflows."  # a module beside the dataflows: its code is written in


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
    """stdlib, hamilton, a sibling in dataflows/ (written in), the project's own package, or
    third-party (needs requirements.txt)."""
    root = _root(node)
    if isinstance(node, ast.ImportFrom) and node.module.startswith(_SIBLING):
        return "sibling"
    if root in sys.stdlib_module_names:
        return "stdlib"
    return root if root in ("hamilton", PACKAGE) else "third-party"


_LOGGER = "logger = logging.getLogger(__name__)"


def _is_logger(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and ast.unparse(node) == _LOGGER


def _is_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import | ast.ImportFrom)


def _node_name(function: str) -> str:
    """The node a function defines: @config.when variants drop their __suffix."""
    return function.rsplit("__", 1)[0]


def _defined(tree: ast.Module) -> set[str]:
    """The names a module's top-level statements define (functions, classes, assignments)."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign | ast.AnnAssign) and not _is_logger(statement):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _docstring_end(tree: ast.Module) -> int:
    """The line after the module docstring (0 when there is none)."""
    return tree.body[0].end_lineno if ast.get_docstring(tree) else 0


def merged_source(base: str, extension: str, extension_file: str) -> str:
    """One module holding what `with_modules(base, extension).allow_module_overrides()` builds:
    the extension's docstring, the base without the nodes the extension redefines, the extension.
    """
    base_tree, extension_tree = ast.parse(base), ast.parse(extension)
    clashes = {n for n in _defined(base_tree) & _defined(extension_tree) if n.startswith("_")}
    if clashes:
        raise ValueError(f"both modules define {', '.join(sorted(clashes))}: rename one")
    redefined = {
        _node_name(statement.name)
        for statement in extension_tree.body
        if isinstance(statement, ast.FunctionDef) and not statement.name.startswith("_")
    }
    lines = base.splitlines(keepends=True)
    dropped = set(range(_docstring_end(base_tree)))
    for statement in base_tree.body:
        if isinstance(statement, ast.FunctionDef) and _node_name(statement.name) in redefined:
            first = min([d.lineno for d in statement.decorator_list] + [statement.lineno])
            dropped.update(range(first - 1, statement.end_lineno))
    kept = "".join(line for index, line in enumerate(lines) if index not in dropped)
    extension_lines = extension.splitlines(keepends=True)
    split = _docstring_end(extension_tree)
    text = (
        "".join(extension_lines[:split]) + "\n" + kept + "\n\n" + "".join(extension_lines[split:])
    )
    return re.sub(r"\n{4,}", "\n\n\n", text)  # at most two blank lines where nodes were dropped


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

    @cached_property
    def siblings(self) -> list[tuple[str, "DataflowSource"]]:
        """The sibling modules in dataflows/ imported at the top: file name and source."""
        found = []
        for node in self.tree.body:
            if not isinstance(node, ast.ImportFrom) or _kind(node) != "sibling":
                continue
            if any(alias.asname for alias in node.names):
                raise ValueError(f"line {node.lineno}: import {node.module}'s names unrenamed")
            path = Path(importlib.util.find_spec(node.module).origin)
            sibling = DataflowSource(path.read_text(encoding="utf-8"))
            if any(_kind(n) in ("sibling", PACKAGE) for n in sibling.tree.body if _is_import(n)):
                raise ValueError(f"{path.name}: a shared module imports only libraries")
            missing = {alias.name for alias in node.names} - _defined(sibling.tree)
            if missing:
                raise ValueError(f"{path.name} does not define {', '.join(sorted(missing))}")
            clashes = (_defined(sibling.tree) & _defined(self.tree)) - {"logger"}
            if clashes:
                raise ValueError(f"{path.name} and the dataflow both define {sorted(clashes)}")
            found.append((path.name, sibling))
        return found

    def _top_imports(self) -> list[_Import]:
        return [n for n in self.tree.body if _is_import(n)]

    def third_party_imports(self) -> list[_Import]:
        """Every third-party import, wherever it sits (siblings' too): into the catch block."""
        nested = [node for _, node in self._nested_imports()]
        own = [node for node in self._top_imports() + nested if _kind(node) == "third-party"]
        return own + [
            node for _, sibling in self.siblings for node in sibling.third_party_imports()
        ]

    def _body(self) -> str:
        """The code without its docstring, its logger and the imports the hub's section holds."""
        tree = self.tree
        moved = [n for n in tree.body if _is_logger(n)] + self._top_imports()
        moved += [node for _, node in self._nested_imports() if _kind(node) == "third-party"]
        lines = self.source.splitlines(keepends=True)
        dropped: set[int] = set()
        for node in moved:
            dropped.update(range(node.lineno - 1, node.end_lineno))
            after = node.end_lineno  # a blank line after a hoisted import goes with it
            if node.col_offset and after < len(lines) and not lines[after].strip():
                dropped.add(after)
        start = _docstring_end(tree)
        return "".join(
            line for index, line in enumerate(lines[start:], start) if index not in dropped
        ).strip("\n")

    def requirements(self) -> list[str]:
        """The distributions that provide the third-party imports: requirements.txt's lines."""
        distributions = importlib.metadata.packages_distributions()
        roots = {_root(node) for node in self.third_party_imports()}
        return sorted({distributions[root][0].lower() for root in roots})

    def package_functions(self) -> set[str]:
        """Names of the functions that import image-telephone (so need it installed)."""
        nested = self._nested_imports()
        return {function.name for function, node in nested if _kind(node) == PACKAGE}

    def hub_source(self, dataflow: str, first_config: dict, origins: tuple[str, ...]) -> str:
        """The module as the hub's __init__.py: notices, import section, dataflow, main block;
        origins are the dataflows/ files it is made from (its siblings are added)."""
        tree = self.tree
        if any(_kind(node) == PACKAGE for node in self._top_imports()):
            raise ValueError(f"{dataflow}: import {PACKAGE} inside the nodes that need it")
        if any(_kind(node) == "sibling" for _, node in self._nested_imports()):
            raise ValueError(f"{dataflow}: import shared modules at the top, not in a node")
        docstring_end = _docstring_end(tree)
        lines = self.source.splitlines(keepends=True)
        top_imports = self._top_imports()
        top_imports += [node for _, sibling in self.siblings for node in sibling._top_imports()]
        shared = [
            f"# From dataflows/{name} (the hub takes one file per dataflow)\n{sibling._body()}"
            for name, sibling in self.siblings
        ]
        body = "\n\n\n".join([*shared, self._body()])
        files = [*origins, *(f"dataflows/{name}" for name, _ in self.siblings)]
        sources = ", ".join(files[:-1]) + (" and " if len(files) > 1 else "") + files[-1]
        standard = [n for n in top_imports if _kind(n) == "stdlib"]
        standard.append(ast.parse("import logging").body[0])
        hamilton = [n for n in top_imports if _kind(n) == "hamilton"]
        hamilton.append(ast.parse("from hamilton import contrib").body[0])
        catch = _render_imports(self.third_party_imports()) or ["pass"]
        parts = [
            "".join(lines[:docstring_end]).rstrip("\n"),
            "",
            "# --- START NOTICES",
            f"# Generated by `python -m hub_contrib.build` of {DISTRIBUTION} (Apache-2.0) from",
            f"# {sources}:",
            "# change those and regenerate, not this file.",
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
