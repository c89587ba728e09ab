"""The hub contribution: generated from dataflows/, valid by the hub's rules, loadable offline."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from hub_contrib.build import check, main
from hub_contrib.hub_module import DataflowSource, merged_source
from hub_contrib.introspect import build_driver, type_name
from hub_contrib.layout import HUB_CONTRIB, TEXT_FILES, dataflow_dir, user_dir
from hub_contrib.spec import DATAFLOWS, USER
from image_telephone.testing import OpenAICompatibleServer
from image_telephone.titling import CollectionTitler, TitleSettings

REPO = HUB_CONTRIB.parent
SPECS = {spec.name: spec for spec in DATAFLOWS}
CONFIG_LINES = [
    (name, line)
    for name in SPECS
    for line in (dataflow_dir(HUB_CONTRIB, name) / "valid_configs.jsonl").read_text().splitlines()
]
CONFIG_IDS = [f"{name}:{line}" for name, line in CONFIG_LINES]
# The keys the hub's own tags.json files use; its docs build reads use_case_tags and
# driver_tags.executor (apache/hamilton contrib/docs/compile_docs.py).
HUB_TAG_KEYS = {"schema", "use_case_tags", "secondary_tags", "driver_tags"}
HUB_README_HEADINGS = ["# Purpose of this module", "# Configuration Options", "# Limitations"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHAT = "/v1/chat/completions"
API_PATHS = {
    "caption_images": CHAT,
    "generate_images": "/v1/images/generations",
    "rewrite_captions": CHAT,
    "title_images": CHAT,
}


def _subprocess_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1", **extra}


@pytest.fixture(scope="module")
def hub_modules(tmp_path_factory) -> dict:
    """The generated hub modules, copied under tmp and imported as their own packages."""
    folder = tmp_path_factory.mktemp("hub")
    modules = {}
    for name in SPECS:
        shutil.copytree(dataflow_dir(HUB_CONTRIB, name), folder / name)
        spec = importlib.util.spec_from_file_location(f"hub_{name}", folder / name / "__init__.py")
        modules[name] = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = modules[name]
        spec.loader.exec_module(modules[name])
    yield modules
    for module in modules.values():
        del sys.modules[module.__name__]


def _inputs(name: str, start_image: Path) -> dict:
    if name == "caption_images":
        return {"image_url": str(start_image)}
    if name == "title_images":  # a title's length, as the title command asks for one
        return {"image_url": str(start_image), "candidates": 3, "max_tokens": 6, "stop": ["\n"]}
    if name == "rewrite_captions":
        caption = "a red circle on a dark blue background"
        return {"caption_text": caption, "more_of": "red", "panel": 1, "panels": 3}
    return {"image_generation_prompt": "a red circle on a dark blue background"}


def _check_result(name: str, config: dict, result: dict) -> None:
    """What each dataflow's example outputs must hold."""
    if name == "caption_images":
        assert result["generated_caption"].strip()
        assert result["metadata"]["generated_caption"] == result["generated_caption"]
    elif name == "generate_images":
        assert result["generated_image_png"].startswith(PNG_MAGIC)
    elif name == "rewrite_captions":
        assert result["rewritten_caption"].strip()
        assert result["rewrite_completion"]["text"] == result["rewritten_caption"]
    else:
        assert result["title"] and result["title_record"]["title"] == result["title"]
        assert len(result["title"].split()) <= 8
    if name in ("caption_images", "generate_images"):
        assert result["metadata"]["provider"] == config["provider"]


@pytest.mark.parametrize(("name", "line"), CONFIG_LINES, ids=CONFIG_IDS)
def test_every_valid_config_runs_from_the_hub_module(name, line, hub_modules, start_image):
    config = json.loads(line)
    inputs = _inputs(name, start_image)
    outputs = list(SPECS[name].example_outputs)
    if config.get("include_embeddings"):
        outputs.append("caption_embeddings")
    dr = build_driver(hub_modules[name], config)
    if config["provider"] == "openai":
        with OpenAICompatibleServer() as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
            result = dr.execute(outputs, inputs={**inputs, "openai_client": client})
            paths = {request.path for request in server.requests}
        embeddings = {"/v1/embeddings"} if config.get("include_embeddings") else set()
        assert paths == {API_PATHS[name], *embeddings}
    else:
        result = dr.execute(outputs, inputs=inputs)
    _check_result(name, config, result)
    if config.get("include_embeddings"):
        assert len(result["caption_embeddings"]) > 0
        assert result["metadata"]["embeddings_model"]


def _described(modules, config: dict) -> set[tuple]:
    return {
        (
            v.name,
            type_name(v.type),
            v.is_external_input,
            v.documentation,
            frozenset(v.required_dependencies),
            frozenset(v.optional_dependencies),
            repr(sorted(v.optional_dependencies_default_values.items())),
        )
        for v in build_driver(modules, config).list_available_variables()
    }


@pytest.mark.parametrize(("name", "line"), CONFIG_LINES, ids=CONFIG_IDS)
def test_hub_module_has_the_same_dag_as_the_source(name, line, hub_modules):
    # title_images is published merged with caption_images, which it extends
    sources = [importlib.import_module(module) for module in SPECS[name].module_names]
    config = json.loads(line)
    assert _described(hub_modules[name], config) == _described(sources, config)


def test_hub_modules_use_the_hubs_import_pattern_and_main_block():
    for name in SPECS:
        text = (dataflow_dir(HUB_CONTRIB, name) / "__init__.py").read_text()
        assert "from hamilton import contrib\n" in text
        assert "\nwith contrib.catch_import_errors(__name__, __file__, logger):\n" in text
        assert "\n    import openai\n" in text.split("# --- END IMPORT SECTION")[0]
        assert '\nif __name__ == "__main__":\n' in text
        assert re.search(r"^from image_telephone|^import image_telephone", text, re.M) is None


OPENAI_WITHOUT_PACKAGE = """
import importlib.abc, sys
import openai
from hamilton import driver

class NoImageTelephone(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "image_telephone":
            raise ImportError("image_telephone is not installed here")

sys.meta_path.insert(0, NoImageTelephone())
sys.path.insert(0, sys.argv[1])
import caption_images, generate_images, rewrite_captions, title_images

client = openai.OpenAI(base_url=sys.argv[2], api_key="test", max_retries=0)
dr = driver.Builder().with_config({"provider": "openai"}).with_modules(generate_images).build()
png = dr.execute(["generated_image_png"], inputs={"image_generation_prompt": "a kite",
                                              "openai_client": client})["generated_image_png"]
config = {"provider": "openai", "include_embeddings": True}
dr = driver.Builder().with_config(config).with_modules(caption_images).build()
import base64
uri = "data:image/png;base64," + base64.b64encode(png).decode()
caption = dr.execute(["generated_caption"], inputs={"image_url": uri, "openai_client": client})
for goal, extra in (("more", {"more_of": "windy"}), ("story", {"panel": 1, "panels": 4})):
    dr = driver.Builder().with_config({"provider": "openai", "goal": goal})
    dr = dr.with_modules(rewrite_captions).build()
    inputs = {"caption_text": caption["generated_caption"], "openai_client": client, **extra}
    assert dr.execute(["rewritten_caption"], inputs=inputs)["rewritten_caption"]
dr = driver.Builder().with_config({"provider": "openai"}).with_modules(title_images).build()
inputs = {"image_url": uri, "openai_client": client, "max_tokens": 6}
title = dr.execute(["title"], inputs=inputs)["title"]
assert title
assert not [m for m in sys.modules if m.startswith("image_telephone")]
print(caption["generated_caption"])
"""


def test_titling_from_the_hub_asks_the_model_as_often_as_the_title_command(
    hub_modules, start_image, openai_server
):
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="test", max_retries=0)
    dr = build_driver(hub_modules["title_images"], {"provider": "openai"})
    inputs = {**_inputs("title_images", start_image), "openai_client": client}
    hub_title = dr.execute(["title_record"], inputs=inputs)["title_record"]
    hub_requests = openai_server.requests
    settings = TitleSettings(
        provider="openai", candidates=3, max_tokens=6, base_url=openai_server.base_url
    )
    titler = CollectionTitler(settings, api_key="test")
    command_title = titler.title_one(str(start_image), 0)
    command_requests = openai_server.requests[len(hub_requests) :]
    assert [r.path for r in hub_requests] == [r.path for r in command_requests] == [CHAT]
    assert hub_requests[0].body["n"] == command_requests[0].body["n"] == 3
    assert hub_title["title"] and command_title["title"]


def test_openai_configs_run_without_the_image_telephone_package(tmp_path, openai_server):
    for name in SPECS:
        shutil.copytree(dataflow_dir(HUB_CONTRIB, name), tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-c", OPENAI_WITHOUT_PACKAGE, str(tmp_path), openai_server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=_subprocess_env(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


LOCAL_HUB = """
import json, sys
from hamilton import dataflows, driver
from hub_contrib.local_hub import LOCAL_VERSION, install_local_hub

def no_network(url):
    raise AssertionError(f"hamilton.dataflows went to the network: {url}")

dataflows._get_request = no_network  # its only way out
install_local_hub()
module = dataflows.import_module("caption_images", "image_telephone", version=LOCAL_VERSION)
info = dataflows.inspect("caption_images", "image_telephone", version=LOCAL_VERSION)
dr = driver.Builder().with_config({"provider": "offline"}).with_modules(module).build()
caption = dr.execute(["generated_caption"], inputs={"image_url": sys.argv[1]})
print(json.dumps({
    "file": module.__file__,
    "configurations": info.configurations,
    "dependencies": info.python_dependencies,
    "satisfied": dataflows.are_py_dependencies_satisfied(
        "caption_images", "image_telephone", version=LOCAL_VERSION),
    "listed": dataflows.list(version=LOCAL_VERSION),
    "caption": caption["generated_caption"],
    "user_url": info.user,
}))
"""


def test_local_hub_loads_with_hamilton_dataflows_offline(tmp_path, start_image):
    done = subprocess.run(
        [sys.executable, "-c", LOCAL_HUB, str(start_image)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_subprocess_env(HOME=str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    folder = tmp_path / ".hamilton" / "dataflows" / "image-telephone-local"
    assert Path(found["file"]) == dataflow_dir(folder, "caption_images") / "__init__.py"
    published = dataflow_dir(HUB_CONTRIB, "caption_images")
    assert found["configurations"] == (published / "valid_configs.jsonl").read_text().splitlines()
    assert found["dependencies"] == (published / "requirements.txt").read_text().splitlines()
    assert found["satisfied"] is True
    assert sorted(map(tuple, found["listed"])) == [
        ("image-telephone-local", USER, name) for name in sorted(SPECS)
    ]
    assert found["caption"].strip()
    # The author page names the same address as Hamilton's own inspect.
    assert found["user_url"] in (user_dir(HUB_CONTRIB) / "author.md").read_text()


def test_every_published_python_file_carries_the_asf_header():
    for path in user_dir(HUB_CONTRIB).rglob("*.py"):
        assert path.read_text().startswith("# Licensed to the Apache Software Foundation"), path


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is not installed")
def test_hub_main_block_draws_dag_png(tmp_path):
    shutil.copytree(dataflow_dir(HUB_CONTRIB, "generate_images"), tmp_path / "generate_images")
    folder = tmp_path / "generate_images"
    (folder / "dag.png").unlink()
    done = subprocess.run(
        [sys.executable, "__init__.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env=_subprocess_env(),
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "dag.png").read_bytes().startswith(PNG_MAGIC)


def test_published_tree_matches_a_fresh_build():
    assert check() == []


def test_check_lists_every_difference_of_a_modified_copy(tmp_path, capsys):
    shutil.copytree(HUB_CONTRIB / "contrib", tmp_path / "contrib")
    folder = dataflow_dir(tmp_path, "caption_images")
    readme = folder / "README.md"
    readme.write_text(readme.read_text().replace("Purpose", "Porpoise"))
    (folder / "dag_provider-offline.png").unlink()
    (folder / "notes.txt").write_text("stray")
    assert main(["--check", "--root", str(tmp_path)]) == 1
    printed = capsys.readouterr().out.splitlines()
    relative = folder.relative_to(tmp_path)
    assert printed == [
        f"missing: {relative / 'dag_provider-offline.png'}",
        f"unexpected: {relative / 'notes.txt'}",
        f"differs: {relative / 'README.md'}",
    ]


def test_layout_and_metadata_follow_the_hubs_rules():
    user = user_dir(HUB_CONTRIB)
    assert USER.isidentifier() and {"author.md", "__init__.py"} <= {p.name for p in user.iterdir()}
    assert "# Github" in (user / "author.md").read_text()
    for name in SPECS:
        folder = dataflow_dir(HUB_CONTRIB, name)
        assert name.isidentifier()
        files = {path.name for path in folder.iterdir()}
        pictures = {f for f in files if f.endswith(".png")}
        assert files - pictures == set(TEXT_FILES) and "dag.png" in pictures
        assert len(pictures) == len(SPECS[name].configs)

        tags = json.loads((folder / "tags.json").read_text())
        assert set(tags) <= HUB_TAG_KEYS and tags["schema"] == "1.0"
        assert tags["use_case_tags"] and all(isinstance(t, str) for t in tags["use_case_tags"])
        assert all(isinstance(v, str) for v in tags["secondary_tags"].values())

        lines = (folder / "valid_configs.jsonl").read_text().splitlines()
        configs = [json.loads(line) for line in lines]
        # dataflows.inspect_module builds a Driver from the first line as it stands: a bare config
        assert configs and all(isinstance(c, dict) and "config" not in c for c in configs)
        assert len({json.dumps(c, sort_keys=True) for c in configs}) == len(configs)

        # bare names: hamilton.dataflows.are_py_dependencies_satisfied cannot parse specifiers
        requirements = (folder / "requirements.txt").read_text().splitlines()
        assert requirements and all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", r) for r in requirements)

        readme = (folder / "README.md").read_text().splitlines()
        assert [line for line in readme if line.startswith("# ")] == HUB_README_HEADINGS


REFUSED_SOURCES = {
    "renamed": (
        "from image_telephone.dataflows._openai_chat import _chat_completion as chat\n",
        "import image_telephone.dataflows._openai_chat's names unrenamed",
    ),
    "missing": (
        "from image_telephone.dataflows._openai_chat import _no_such_rule\n",
        "_openai_chat.py does not define _no_such_rule",
    ),
    "clash": (
        "from image_telephone.dataflows._openai_chat import _chat_completion\n\n"
        "_REASONING_MODEL_PREFIXES = ('o1',)\n",
        "both define ['_REASONING_MODEL_PREFIXES']",
    ),
    "in a node": (
        "def caption() -> str:\n"
        "    from image_telephone.dataflows._openai_chat import _chat_completion\n"
        "    return ''\n",
        "import shared modules at the top",
    ),
}


@pytest.mark.parametrize("case", REFUSED_SOURCES)
def test_build_refuses_a_shared_module_it_cannot_write_in(case):
    text, message = REFUSED_SOURCES[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        DataflowSource('"""A dataflow."""\n' + text).hub_source("x", {}, ("dataflows/x.py",))


def test_an_extension_cannot_reuse_a_private_name_of_its_base():
    base = '"""Base."""\n\n\ndef _helper() -> int:\n    return 1\n'
    extension = '"""Extension."""\n\n\ndef _helper() -> int:\n    return 2\n'
    with pytest.raises(ValueError, match="both modules define _helper"):
        merged_source(base, extension, "dataflows/extension.py")
