"""Regenerates hub_contrib/contrib/... from dataflows/, or with --check lists what is out of date.

python -m hub_contrib.build                    # rewrite hub_contrib/contrib/.../user/<user>/
python -m hub_contrib.build --check            # exit 1 listing the differences
python -m hub_contrib.build --root ../hamilton # write into (or check) a clone of the hub
"""

import argparse
import importlib
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

from .hub_module import DataflowSource, merged_source
from .introspect import build_driver
from .layout import HUB_CONTRIB, USER_PATH, picture_name, user_dir
from .readme import render_readme
from .spec import AUTHOR_MD, DATAFLOWS, USER, DataflowSpec


def _modules(spec: DataflowSpec) -> list[ModuleType]:
    """The source modules of a dataflow: the ones it extends first, then its own."""
    return [importlib.import_module(name) for name in spec.module_names]


def _source(spec: DataflowSpec) -> DataflowSource:
    """The dataflow as one module: an extension is published merged with what it extends."""
    modules = _modules(spec)
    text = Path(modules[0].__file__).read_text(encoding="utf-8")
    for module in modules[1:]:
        extension = Path(module.__file__)
        text = merged_source(
            text, extension.read_text(encoding="utf-8"), f"dataflows/{extension.name}"
        )
    return DataflowSource(text)


def _dataflow_texts(spec: DataflowSpec) -> dict[str, str]:
    source = _source(spec)
    origins = tuple(f"dataflows/{name}.py" for name in (*spec.bases, spec.name))
    tags = {
        "schema": "1.0",
        "use_case_tags": list(spec.use_case_tags),
        "secondary_tags": spec.secondary_tags,
    }
    return {
        "__init__.py": ASF_HEADER + source.hub_source(spec.name, spec.configs[0], origins),
        "README.md": render_readme(spec, _modules(spec), source),
        "requirements.txt": "".join(f"{name}\n" for name in source.requirements()),
        "tags.json": json.dumps(tags, indent=2) + "\n",
        "valid_configs.jsonl": "".join(json.dumps(config) + "\n" for config in spec.configs),
    }


# What every Python file of Apache Hamilton's contrib carries.
ASF_HEADER = """\
# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.  See the NOTICE file
# distributed with this work for additional information
# regarding copyright ownership.  The ASF licenses this file
# to you under the Apache License, Version 2.0 (the
# "License"); you may not use this file except in compliance
# with the License.  You may obtain a copy of the License at
#
#   http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing,
# software distributed under the License is distributed on an
# "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
# KIND, either express or implied.  See the License for the
# specific language governing permissions and limitations
# under the License.

"""


def expected_texts() -> dict[Path, str]:
    """Every text file of our contribution, by its path relative to the root."""
    files = {
        USER_PATH / "__init__.py": ASF_HEADER + f'"""{USER}\'s dataflows"""\n',
        USER_PATH / "author.md": AUTHOR_MD,
    }
    for spec in DATAFLOWS:
        for name, text in _dataflow_texts(spec).items():
            files[USER_PATH / spec.name / name] = text
    return files


def expected_pictures() -> dict[Path, tuple[DataflowSpec, dict]]:
    """Every DAG picture, by its relative path, with the dataflow and config it draws."""
    return {
        USER_PATH / spec.name / picture_name(index, config): (spec, config)
        for spec in DATAFLOWS
        for index, config in enumerate(spec.configs)
    }


def write(root: Path = HUB_CONTRIB) -> list[Path]:
    """Replaces the user's folder under root with freshly generated files; returns them."""
    texts, pictures = expected_texts(), expected_pictures()
    shutil.rmtree(user_dir(root), ignore_errors=True)  # so renamed or dropped files go too
    for relative, text in texts.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    for relative, (spec, config) in pictures.items():
        dr = build_driver(_modules(spec), config)
        dr.display_all_functions(
            str(root / relative), {"format": "png", "view": False}, show_legend=False
        )
    return sorted(root / relative for relative in [*texts, *pictures])


def check(root: Path = HUB_CONTRIB) -> list[str]:
    """What differs from a fresh build: text files by content, pictures by name only."""
    texts = expected_texts()
    expected = set(texts) | set(expected_pictures())
    present = {
        path.relative_to(root)
        for path in user_dir(root).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    problems = [f"missing: {path}" for path in sorted(expected - present)]
    problems += [f"unexpected: {path}" for path in sorted(present - expected)]
    problems += [
        f"differs: {path}"
        for path in sorted(texts.keys() & present)
        if (root / path).read_text(encoding="utf-8") != texts[path]
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    """The command line: build, or --check; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m hub_contrib.build", description=__doc__)
    parser.add_argument("--check", action="store_true", help="list differences, write nothing")
    parser.add_argument(
        "--root", type=Path, default=HUB_CONTRIB, help="the folder holding contrib/"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for path in write(args.root):
            print(path)
        return 0
    problems = check(args.root)
    for problem in problems:
        print(problem)
    if problems:
        print("out of date: run `python -m hub_contrib.build`, commit the result", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
