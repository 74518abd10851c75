"""`tracker cases`, `tracker matters` and `matter show` fit 80 and 120 columns: keys shortened to
a prefix `tracker show` takes, text cut at a word with "…", status, date and title always shown."""

import json
import re

import pytest

from tests.test_cli import env, tracker  # noqa: F401  (the fixture: a home of its own)
from tracker.cli.columns import clip, short_keys

DAY = re.compile(r"  (\d{4}-\d{2}-\d{2}|—)  ")


@pytest.fixture(scope="module")
def store(env):  # noqa: F811
    assert tracker("seed", env=env).returncode == 0
    return env


@pytest.mark.parametrize("width", [80, 120])
def test_cases_fit_the_terminal_with_status_date_and_title(store, width):
    result = tracker("cases", "--limit", "0", env={**store, "COLUMNS": str(width)})
    header, *rows = result.stdout.splitlines()
    assert header.split()[:1] == ["key"] and header.split()[-3:] == ["status", "date", "title"]
    assert all(len(line) <= width for line in [header, *rows])
    assert all(DAY.search(row) for row in rows)  # the date, between the status and the title
    long_keys = [row.split()[0] for row in rows if row.split()[0].endswith("…")]
    assert long_keys and "`tracker show` takes them" in result.stderr
    # A shortened key, as shown, names its case.
    shown = tracker("show", long_keys[0], env=store)
    assert shown.returncode == 0, shown.stderr
    full = re.search(r"^key\s+(\S+)", shown.stdout, re.M).group(1)
    assert full.startswith(long_keys[0].rstrip("…")) and len(full) > len(long_keys[0])


def test_wide_and_json_give_whole_keys(store):
    keys = {case["key"] for case in json.loads(tracker("cases", "--json", env=store).stdout)}
    wide = tracker("cases", "--wide", "--limit", "0", env={**store, "COLUMNS": "80"}).stdout
    assert {line.split()[0] for line in wide.splitlines()[1:]} <= keys
    assert "…" not in " ".join(line.split()[0] for line in wide.splitlines())
    assert max(len(key) for key in keys) > 40  # long keys exist, whole in both


def test_show_takes_a_unique_prefix_and_names_an_ambiguous_one(store):
    assert tracker("show", "cand-3:23-cv-0020", env=store).returncode == 0
    ambiguous = tracker("show", "statement-", env=store)
    assert ambiguous.returncode == 1 and "the start of several keys" in ambiguous.stderr
    assert len(ambiguous.stderr.splitlines()) == 2  # the error and the keys it could be


@pytest.mark.parametrize("width", [80, 120])
def test_matters_have_a_header_and_fit(store, width):
    header, *rows = tracker("matters", env={**store, "COLUMNS": str(width)}).stdout.splitlines()
    assert header.startswith("key") and header.split()[-3:] == ["status", "date", "title"]
    assert rows and all(len(line) <= width for line in [header, *rows])


def test_matter_show_cuts_text_with_an_ellipsis(store):
    key = json.loads(tracker("matters", "--json", env=store).stdout)[0]["key"]
    lines = tracker("matter", "show", key, env={**store, "COLUMNS": "80"}).stdout.splitlines()
    members = lines[lines.index(next(line for line in lines if line.startswith("Members"))) + 1:]
    assert all(len(line) <= 80 for line in members)
    assert any(line.endswith("…") for line in members)


def test_clip_cuts_at_a_word_and_keys_stay_distinct():
    assert clip("Motion to dismiss granted in part", 20) == "Motion to dismiss…"
    assert clip("short", 20) == "short"
    shown = short_keys(["statement-sag-aftra-2025-04-09-a", "statement-sag-aftra-2025-04-09-b", "us-1"], 12)
    assert len(set(shown.values())) == 3 and shown["us-1"] == "us-1"


NOTE = ("sag-aftra: the item selector \"article.post\" found nothing on https://www.sagaftra.org/news; "
        "wga: HTTP 503 from https://www.wga.org/news-events/news")


@pytest.mark.parametrize("width", [80, 120])
def test_crawl_notes_are_cut_at_a_word_with_an_ellipsis(monkeypatch, capsys, width):
    from types import SimpleNamespace

    from tracker.cli.crawl import _print_crawl_summary

    monkeypatch.setenv("COLUMNS", str(width))
    counts = dict.fromkeys(("cases_new", "cases_updated", "cases_unchanged", "events_added",
                            "changes_added", "dropped", "errors", "requests"), 0)
    _print_crawl_summary([SimpleNamespace(source="statements", state="partial", last_error=NOTE,
                                          finish_reason="finished", **counts)])
    lines = capsys.readouterr().err.splitlines()
    assert all(len(line) <= width for line in lines)
    (noted,) = [line for line in lines if "sag-aftra" in line]
    shown = noted.split("sag-aftra", 1)[1].removesuffix("…")
    assert noted.endswith("…") and ("sag-aftra" + shown + " ") in NOTE + " "  # whole words only
    assert lines[-1] == "(the notes in full: `tracker sources --json`)"
