"""What Hamilton's own introspection says about a dataflow across its valid configs."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from hamilton import driver
from hamilton.graph_types import HamiltonNode


def build_driver(modules: ModuleType | Sequence[ModuleType], config: dict) -> driver.Driver:
    """A Driver for a module under config, the way a hub user builds one; for several modules
    (a dataflow and its extension), later ones override earlier ones' nodes."""
    if isinstance(modules, ModuleType):
        return driver.Builder().with_config(config).with_modules(modules).build()
    builder = driver.Builder().with_config(config).with_modules(*modules)
    return builder.allow_module_overrides().build()


def type_name(annotation: Any) -> str:
    """A type as written in source: str, list[float], float | None, Any."""
    if type(annotation) is type:
        return annotation.__name__
    return str(annotation).replace("typing.", "")


@dataclass
class InputRow:
    """An external input: where it is used, whether required, and in which configs."""

    name: str
    types: set[str] = field(default_factory=set)
    defaults: set[str] = field(default_factory=set)  # "required", or the default's repr
    used_by: set[str] = field(default_factory=set)
    configs: set[int] = field(default_factory=set)


@dataclass
class NodeRow:
    """One node variant (a @config.when variant has its own docstring) and its configs."""

    name: str
    type: str
    documentation: str
    source_line: tuple[int, int]  # (which module, line): a base's nodes before its extension's
    configs: set[int] = field(default_factory=set)
    final_in: set[int] = field(default_factory=set)  # configs where nothing else uses it


def _dependencies(variable: HamiltonNode) -> set[str]:
    return variable.required_dependencies | variable.optional_dependencies


def _default(name: str, consumers: list[HamiltonNode]) -> str:
    if any(name in consumer.required_dependencies for consumer in consumers):
        return "required"
    return repr(consumers[0].optional_dependencies_default_values[name])


@dataclass
class Introspection:
    """Inputs and nodes of a dataflow, merged over its configs (numbered from 0)."""

    inputs: list[InputRow]
    nodes: list[NodeRow]
    functions: list[dict[str, str]]  # per config: node name -> the function defining it

    @classmethod
    def of(cls, modules: Sequence[ModuleType], configs: tuple[dict, ...]) -> "Introspection":
        """Builds a Driver per config and reads list_available_variables()."""
        inputs: dict[str, InputRow] = {}
        nodes: dict[tuple[str, str, str], NodeRow] = {}
        functions: list[dict[str, str]] = []
        order = {module.__name__: index for index, module in enumerate(modules)}
        for index, config in enumerate(configs):
            variables = build_driver(modules, config).list_available_variables()
            computed = [v for v in variables if not v.is_external_input]
            used = set().union(*(_dependencies(v) for v in computed))
            functions.append({})
            for variable in computed:
                function = variable.originating_functions[0]
                # @config.when renames the function; its code keeps the name it has in source
                functions[index][variable.name] = function.__code__.co_name
                key = (variable.name, type_name(variable.type), variable.documentation or "")
                line = (order.get(function.__module__, 0), function.__code__.co_firstlineno)
                row = nodes.setdefault(key, NodeRow(*key, line))
                row.configs.add(index)
                if variable.name not in used:
                    row.final_in.add(index)
            for variable in variables:
                if not variable.is_external_input or variable.name in config:
                    continue  # config values are inputs too, but they are set by with_config
                consumers = [v for v in computed if variable.name in _dependencies(v)]
                row = inputs.setdefault(variable.name, InputRow(variable.name))
                row.types.add(type_name(variable.type))
                row.defaults.add(_default(variable.name, consumers))
                row.used_by.update(consumer.name for consumer in consumers)
                row.configs.add(index)
        return cls(
            inputs=sorted(inputs.values(), key=lambda r: ("required" not in r.defaults, r.name)),
            nodes=sorted(nodes.values(), key=lambda row: (row.source_line, row.name)),
            functions=functions,
        )
