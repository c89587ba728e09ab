"""Where things live in the hub's tree: contrib/hamilton/contrib/user/<user>/<dataflow>/."""

from pathlib import Path

from .spec import USER

HUB_CONTRIB = Path(__file__).resolve().parent  # holds contrib/... as a clone of the hub does
USER_PATH = Path("contrib", "hamilton", "contrib", "user", USER)
# A dataflow's text files: exactly what hamilton.dataflows.pull_module downloads. The hub also
# wants dag.png (the website shows it, the loader never fetches it).
TEXT_FILES = ("__init__.py", "requirements.txt", "README.md", "valid_configs.jsonl", "tags.json")


def user_dir(root: Path) -> Path:
    """The user's folder under a root that holds contrib/ (hub_contrib/ or a hamilton clone)."""
    return root / USER_PATH


def dataflow_dir(root: Path, dataflow: str) -> Path:
    """One dataflow's folder under root."""
    return user_dir(root) / dataflow


def picture_name(index: int, config: dict) -> str:
    """dag.png for the first config (the one the hub shows); dag_<key>-<value>_... for others."""
    if index == 0:
        return "dag.png"
    parts = (f"{key}-{str(value).lower()}" for key, value in config.items())
    return f"dag_{'_'.join(parts)}.png"
