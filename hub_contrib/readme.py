"""A dataflow's hub README: the hub's headings, filled from the module and Hamilton's view of it."""

import ast
import importlib.metadata
import json
from collections.abc import Sequence
from types import ModuleType

from .hub_module import DataflowSource, python_literal
from .introspect import Introspection
from .layout import picture_name
from .spec import DISTRIBUTION, USER, DataflowSpec


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`"


def _configs_label(indexes: set[int], configs: tuple[dict, ...]) -> str:
    """'all', a key=value that picks exactly these configs, or else the configs themselves."""
    if len(indexes) == len(configs):
        return "all"
    for key, value in dict.fromkeys(item for config in configs for item in config.items()):
        if indexes == {i for i, config in enumerate(configs) if config.get(key) == value}:
            return _code(f"{key}={value if isinstance(value, str) else json.dumps(value)}")
    return ", ".join(_code(json.dumps(configs[index])) for index in sorted(indexes))


def _origins(spec: DataflowSpec) -> str:
    """The source files, as the README names them."""
    files = [_code(f"dataflows/{name}.py") for name in (*spec.bases, spec.name)]
    if len(files) == 1:
        return files[0]
    return f"{', '.join(files[:-1])} (merged into this module) and {files[-1]}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]


def _example(spec: DataflowSpec) -> list[str]:
    inputs = ", ".join(f'"{name}": {value}' for name, value in spec.example_inputs.items())
    outputs = ", ".join(f'"{name}"' for name in spec.example_outputs)
    config = python_literal(spec.configs[0])
    return [
        "```python",
        "import openai",
        "from hamilton import dataflows, driver",
        "",
        f'{spec.name} = dataflows.import_module("{spec.name}", "{USER}")',
        f"dr = driver.Builder().with_config({config}).with_modules({spec.name}).build()",
        "result = dr.execute(",
        f"    [{outputs}],",
        f"    inputs={{{inputs}}},",
        ")",
        "```",
    ]


def _config_rows(spec: DataflowSpec, found: Introspection, source: DataflowSource) -> list[tuple]:
    """Per config: its JSON, its picture, and the nodes that need image-telephone installed."""
    gated = source.package_functions()
    rows = []
    for index, config in enumerate(spec.configs):
        needing = sorted(name for name, fn in found.functions[index].items() if fn in gated)
        needs = f"`{DISTRIBUTION}` (for {', '.join(map(_code, needing))})" if needing else "—"
        picture = _code(picture_name(index, config))
        rows.append((str(index + 1), _code(json.dumps(config)), picture, needs))
    return rows


def _finals(found: Introspection, configs: tuple[dict, ...]) -> str:
    finals = [row for row in found.nodes if row.final_in]
    labels = {}
    for row in finals:
        label = _configs_label(row.final_in, configs)
        labels[row.name] = _code(row.name) + ("" if label == "all" else f" ({label})")
    return ", ".join(labels[name] for name in sorted(labels))


def render_readme(spec: DataflowSpec, modules: Sequence[ModuleType], source: DataflowSource) -> str:
    """README.md with the hub's sections: purpose, configuration options, limitations."""
    found = Introspection.of(modules, spec.configs)
    configs = spec.configs
    inputs = [
        (
            _code(row.name),
            _code(" / ".join(sorted(row.types))),
            " / ".join(sorted(row.defaults)),
            ", ".join(map(_code, sorted(row.used_by))),
            _configs_label(row.configs, configs),
        )
        for row in found.inputs
    ]
    nodes = [
        (_code(row.name), _code(row.type), _configs_label(row.configs, configs), row.documentation)
        for row in found.nodes
    ]
    lines = [
        "# Purpose of this module",
        ast.get_docstring(source.tree).replace("``", "`"),
        "",
        f"Maintained in `{DISTRIBUTION}` as {_origins(spec)}; its build writes this folder.",
        "Pull it and run it:",
        "",
        *_example(spec),
        "",
        'Any node can be replaced for one run: `dr.execute(..., overrides={"<node>": value})`.',
        "",
        "# Configuration Options",
        "Each line of `valid_configs.jsonl` is a config for `.with_config(...)`, drawn in its own",
        "picture (the hub shows `dag.png`). `requirements.txt` covers every config; some need",
        "one more package:",
        "",
        *_table(("line", "config", "picture", "also needs"), _config_rows(spec, found, source)),
        "",
        "## Inputs",
        *_table(("input", "type", "default", "used by", "configs"), inputs),
        "",
        "## Outputs",
        "Request any node from `execute`. The final ones (nothing else uses them): "
        f"{_finals(found, configs)}.",
        "",
        *_table(("node", "type", "configs", "description"), nodes),
        "",
        "# Limitations",
        f"- Python {importlib.metadata.metadata(DISTRIBUTION)['Requires-Python']}.",
        *(f"- {limitation}" for limitation in spec.limitations),
    ]
    return "\n".join(lines) + "\n"
