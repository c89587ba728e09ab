"""GameSettings declares each knob once: the run command's flags, a tournament's role fields
and the dataflows' inputs are derived from it, so adding a knob is adding one field."""

import dataclasses

from image_telephone.cli.main import _parser
from image_telephone.game.channel import Channel
from image_telephone.game.settings import GameSettings, knobs
from image_telephone.providers.registry import provider
from image_telephone.tournament.config import CAPTION_FIELDS, IMAGE_FIELDS

SAMPLE = {str: "x", int: 7, float: 0.5}


def _value(knob):
    return ("x", "y") if isinstance(knob.default, tuple) else SAMPLE[knob.metadata["kind"]]


def test_every_knob_is_a_flag_of_run():
    parser, _ = _parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    flags = {option: action.dest for action in run._actions for option in action.option_strings}
    for knob in knobs():
        assert flags[knob.metadata["flag"]] == knob.name


def test_a_flag_reaches_the_settings_the_game_plays_with():
    parser, _ = _parser()
    argv = ["run", "--text", "t"]
    for knob in knobs():
        for item in _value(knob) if isinstance(knob.default, tuple) else [_value(knob)]:
            argv += [knob.metadata["flag"], str(item)]
    args = parser.parse_args(argv)
    for knob in knobs():
        parsed = getattr(args, knob.name)
        assert (tuple(parsed) if isinstance(knob.default, tuple) else parsed) == _value(knob)


def test_the_roles_of_a_tournament_take_their_knobs():
    assert set(CAPTION_FIELDS) == {k.name for k in knobs("caption")}
    assert set(IMAGE_FIELDS) == {k.name for k in knobs("image")}
    assert set(CAPTION_FIELDS) | set(IMAGE_FIELDS) <= {
        f.name for f in dataclasses.fields(GameSettings)
    }


def test_each_knob_reaches_the_dataflows_it_feeds():
    # Every knob openai takes (another provider's options, e.g. replicate's inputs, it refuses).
    takes = provider("openai").options
    values = {
        k.name: _value(k)
        for k in knobs()
        if k.name not in ("temperature", "size")
        and (k.metadata["provider_option"] is None or k.name in takes)
    }
    values.update(more_of="x", size="64x64", quality="low")  # values their checks accept
    server = "http://127.0.0.1:9/v1"  # never called: the channel is only built
    settings = GameSettings(provider="openai", base_url=server, mode="more", **values)
    channel = Channel(settings)
    inputs = {
        "caption": channel.caption_inputs,
        "generate": channel.generate_inputs,
        "rewrite": channel.rewrite_inputs,
    }
    for knob in knobs():
        for dataflow in knob.metadata["inputs"]:
            if knob.name in values:
                assert knob.name in inputs[dataflow], (knob.name, dataflow)
