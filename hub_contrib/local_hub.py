"""Puts our contribution in Hamilton's dataflow cache, so hamilton.dataflows loads it offline.

`dataflows.import_module(dataflow, user, version)` reads
`<DATAFLOW_FOLDER>/<version>/contrib/hamilton/contrib/user/<user>/<dataflow>/__init__.py` and
downloads only when that file is missing (or `overwrite=True`); `dataflows.inspect` reads
requirements.txt and valid_configs.jsonl beside it. DATAFLOW_FOLDER is `~/.hamilton/dataflows`,
fixed when hamilton.dataflows is first imported. A version of "latest" always asks the network.

    python -m hub_contrib.local_hub [--target-dir DIR] [--version NAME]
"""

import argparse
import shutil
from pathlib import Path

from hamilton import dataflows

from .layout import HUB_CONTRIB, TEXT_FILES, dataflow_dir
from .spec import DATAFLOWS, USER

LOCAL_VERSION = "image-telephone-local"


def install_local_hub(target_dir: Path | None = None, version: str = LOCAL_VERSION) -> list[Path]:
    """Copies each dataflow's files where import_module(..., version=version) looks for them."""
    if version == "latest":
        raise ValueError('version "latest" makes Hamilton ask GitHub; pin a name instead')
    root = Path(target_dir or dataflows.DATAFLOW_FOLDER) / version
    installed = []
    for spec in DATAFLOWS:
        destination = dataflow_dir(root, spec.name)
        destination.mkdir(parents=True, exist_ok=True)
        for name in TEXT_FILES:
            shutil.copyfile(dataflow_dir(HUB_CONTRIB, spec.name) / name, destination / name)
        installed.append(destination)
    return installed


def main(argv: list[str] | None = None) -> None:
    """The command line: install, then say how to load."""
    parser = argparse.ArgumentParser(prog="python -m hub_contrib.local_hub", description=__doc__)
    parser.add_argument("--target-dir", type=Path, help="default: Hamilton's DATAFLOW_FOLDER")
    parser.add_argument("--version", default=LOCAL_VERSION, help="default: %(default)s")
    args = parser.parse_args(argv)
    for folder in install_local_hub(args.target_dir, args.version):
        print(folder)
        print(f'  dataflows.import_module("{folder.name}", "{USER}", version="{args.version}")')


if __name__ == "__main__":
    main()
