"""Every command, fed bad input, answers with one line and exit code 1 or 2, never a traceback.

The table is built from the commands themselves: a bad value for each option and argument of
every command (by its type), each command under bad environment variables, and unreadable
files where a command reads or writes one. Each runs through ``tracker.cli.main`` in this
process (a subprocess each would take minutes).
"""

import io
import os
import signal
import sys
import typing
from datetime import date
from enum import Enum
from pathlib import Path

import pytest
import typer.main

from tracker.cli import app, main, register

NOWHERE = "/proc/no-such-folder/file"  # cannot be created, even by root
# Commands that never read the user's settings: the demo makes its own, vocab needs none.
SETTINGS_FREE = {"demo", "vocab"}
# Commands that show settings without opening the database: a bad database URL is theirs to show.
DATABASE_FREE = {"config", "review rules", "watchlist check"}
DATABASE_SETTINGS = {"mysql", "not-a-url", "sqlite-nowhere"}


class Hung(BaseException):
    """A command that did not return (one that serves or waits, reached by mistake)."""


def leaf_commands() -> list[tuple[list[str], object]]:
    register()

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if not subcommands or getattr(command, "invoke_without_command", False):
            yield path, command
        for name, sub in (subcommands or {}).items():
            yield from walk(sub, [*path, name])

    return [(path, command) for path, command in walk(typer.main.get_command(app), []) if path]


def annotation(param):
    kind = param.type_descriptor.annotation
    return (typing.get_args(kind)[0], True) if typing.get_origin(kind) is list else (kind, False)


def placeholder(param) -> str:
    kind, _ = annotation(param)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return next(iter(kind)).value
    if kind is int:
        return "1"
    return "nope@example.org" if param.name == "email" else "nope"


def bad_value(param) -> str | None:
    kind, _ = annotation(param)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "bogus"
    if kind in (int, float):
        return "many"
    if kind is date:
        return "2025-13-01"
    if kind is Path:
        return NOWHERE
    return None  # any text is a valid text


def required_arguments(command) -> list[str]:
    return [placeholder(p) for p in command.params
            if p.required and p.param_type_name == "argument"]


def option_cases():
    for path, command in leaf_commands():
        for param in command.params:
            value = bad_value(param) if param.name != "help" else None
            if value is None or getattr(param, "is_flag", False):
                continue
            arguments = required_arguments(command)
            if param.param_type_name == "argument":
                arguments = [value if p is param else placeholder(p) for p in command.params
                             if p.param_type_name == "argument" and p.required or p is param]
                yield pytest.param([*path, *arguments], id=" ".join([*path, param.name]))
            else:
                yield pytest.param([*path, *arguments, param.opts[0], value],
                                   id=" ".join([*path, param.opts[0]]))


def settings_cases():
    """Each command with each bad setting, but a bad database URL only for the commands that open
    the database."""
    for path, command in leaf_commands():
        if path[0] in SETTINGS_FREE:
            continue
        for setting in BAD_SETTINGS:
            if setting in DATABASE_SETTINGS and " ".join(path) in DATABASE_FREE:
                continue
            yield pytest.param([*path, *required_arguments(command)], setting,
                               id=f"{' '.join(path)}-{setting}")


@pytest.fixture
def user(tmp_path, monkeypatch):
    """A user with a database of their own and nothing else set."""
    for name in [n for n in os.environ if n.startswith("TRACKER_")] + [
            "COURTLISTENER_TOKEN", "CONGRESS_API_KEY", "OPENSTATES_API_KEY"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def run(args: list[str], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["tracker", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n" * 2))  # prompts

    def hung(*_):
        raise Hung(" ".join(args))

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return code, err


def assert_refused(args, code: int, err: str) -> None:
    assert code in (1, 2), f"tracker {' '.join(args)} exited {code}: {err}"
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "╭" not in err, err  # one line, not a panel


@pytest.mark.parametrize("args", list(option_cases()))
def test_a_bad_value_for_any_option_is_one_line(args, user, monkeypatch, capsys):
    code, err = run(args, monkeypatch, capsys)
    assert_refused(args, code, err)


def non_utf8(folder: Path) -> Path:
    path = folder / "latin1.toml"
    path.write_bytes("database_url = 'sqlite:///caf\xe9.db'\n".encode("latin-1"))
    return path


BAD_SETTINGS = {
    "mysql": {"TRACKER_DATABASE_URL": "mysql://u:secret@127.0.0.1/tracker"},
    "not-a-url": {"TRACKER_DATABASE_URL": "tracker.db"},
    "sqlite-nowhere": {"TRACKER_DATABASE_URL": f"sqlite:///{NOWHERE}"},
    "intervals-not-json": {"TRACKER_CRAWL_INTERVALS": "notjson"},
    "negative": {"TRACKER_STALE_AFTER": "-1"},
    "time-zone": {"TRACKER_TIMEZONE": "Mars/Olympus_Mons"},
    "unknown-source": {"TRACKER_SOURCES__NOPE__URL": "http://127.0.0.1:9"},
    "delay-not-number": {"TRACKER_SOURCES__COURTLISTENER__DELAY": "soon"},
    "config-missing": {"TRACKER_CONFIG": NOWHERE},
    "config-a-folder": {"TRACKER_CONFIG": "/"},
    "config-not-utf8": {"TRACKER_CONFIG": non_utf8},
    "config-not-toml": {"TRACKER_CONFIG": "/etc/hostname"},
}


@pytest.mark.parametrize(("args", "setting"), list(settings_cases()))
def test_every_command_refuses_bad_settings_in_one_line(args, setting, user, monkeypatch, capsys):
    for name, value in BAD_SETTINGS[setting].items():
        monkeypatch.setenv(name, str(value(user) if callable(value) else value))
    code, err = run(args, monkeypatch, capsys)
    assert_refused(args, code, err)


def test_unreadable_files_named_on_the_command_line(user, monkeypatch, capsys):
    assert run(["seed"], monkeypatch, capsys)[0] == 0
    assert run(["subscribers", "add", "you@example.org", "--confirmed"], monkeypatch, capsys)[0] == 0
    assert run(["review", "approve", "--case", "cand-3:23-cv-00201"], monkeypatch, capsys)[0] == 0
    for args in (["digest", "preview", "you@example.org", "--since", "2000-01-01", "--html",
                  "/proc/missing-folder/digest.html"],
                 ["export", "--output", "/proc/missing-folder/cases.csv"],
                 ["seed", "--file", str(non_utf8(user))],
                 ["seed", "--file", "/proc/self"]):
        code, err = run(args, monkeypatch, capsys)
        assert_refused(args, code, err)
        assert code == 2


def test_usage_errors_are_one_line_and_help_shows_no_python_types(user, monkeypatch, capsys):
    code, err = run(["cases", "--since", "2025-13-01"], monkeypatch, capsys)
    assert code == 2 and err.startswith("error:") and "not a date (YYYY-MM-DD)" in err
    assert len(err.strip().splitlines()) == 1
    run(["cases", "--help"], monkeypatch, capsys)
    run(["review", "approve", "--help"], monkeypatch, capsys)
    monkeypatch.setattr(sys, "argv", ["tracker", "cases", "--help"])
    with pytest.raises(SystemExit):
        main()
    shown = capsys.readouterr().out
    assert "<bool>" not in shown and "list[" not in shown and "STATUS" in shown


def test_filters_name_what_is_known(user, monkeypatch, capsys):
    code, err = run(["cases", "--jurisdiction", "cnad"], monkeypatch, capsys)
    assert code == 0 and "No cases yet: `tracker seed` loads the watchlist." in err  # an empty store
    assert run(["seed"], monkeypatch, capsys)[0] == 0
    code, err = run(["cases", "--jurisdiction", "cnad"], monkeypatch, capsys)
    assert code == 2 and "no case has the jurisdiction 'cnad'" in err and "cand" in err
    code, err = run(["cases", "--tag", "trainingdata"], monkeypatch, capsys)
    assert code == 2 and "no case has the tag 'trainingdata' (did you mean training-data" in err
    code, err = run(["cases", "--search", "no such words anywhere"], monkeypatch, capsys)
    assert code == 0 and "No cases match these filters" in err and "seed" not in err
    code, err = run(["subscribers", "add", "kinds@example.org", "--kind", "LAWSUIT", "--confirmed"],
                    monkeypatch, capsys)
    assert code == 0, err
    monkeypatch.setattr(sys, "argv", ["tracker", "cases", "--kind", "LAWSUIT", "--json"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert {'"kind": "lawsuit"'} == {line.strip().rstrip(",") for line in capsys.readouterr().out.splitlines()
                                    if '"kind"' in line}
