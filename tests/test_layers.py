"""The package's layers: every import path is a folder, and no module imports a layer above it."""

import ast
from pathlib import Path

import image_telephone

PACKAGE = Path(image_telephone.__file__).parent
# Lowest first; a module may import its own layer and those below it.
LAYERS = [
    {"errors", "redaction", "interrupts", "extras", "import_hooks", "dataflows", "testing"},
    {"providers", "images"},
    {"store"},
    {"game"},
    {"analysis", "titling"},
    {"tournament"},
    {"cli", "api", "__init__"},
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(index for index, names in enumerate(LAYERS) if top in names)


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, ".".join(["image_telephone", *parts])


def test_every_module_lives_in_a_folder_named_by_its_import_path():
    for path, module in _modules():
        if path.parent.name == "dataflows":
            continue  # the one mapping: dataflows/ is installed as image_telephone.dataflows
        assert (
            path.relative_to(PACKAGE.parent)
            .with_suffix("")
            .as_posix()
            .startswith(module.replace(".", "/").removesuffix("/__init__"))
        )


def test_no_module_imports_a_layer_above_it():
    upward = []
    for path, module in _modules():
        for imported in _imports(path):
            if imported.startswith("image_telephone.") and _layer(imported) > _layer(module):
                upward.append(f"{module} imports {imported}")
    assert upward == []
