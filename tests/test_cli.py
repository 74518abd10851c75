"""The ``tracker`` command through a real subprocess: output, JSON schema and exit codes."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tracker.vocab import STATUSES_BY_KIND

CASE_FIELDS = {"key", "kind", "jurisdiction", "title", "status", "status_label", "status_date",
               "identifiers", "parties", "urls", "tags", "why_tracked", "events"}
EVENT_FIELDS = {"date", "text", "classification", "significance", "source", "source_url"}
ANDERSEN = "cand-3:23-cv-00201"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("TRACKER_") and k not in {"COURTLISTENER_TOKEN"}}
    environment.update(XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                       HOME=str(home))
    return environment


def tracker(*args, env):
    result = subprocess.run([sys.executable, "-m", "tracker", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def seeded(env):
    result = tracker("seed", env=env)
    assert result.returncode == 0, result.stderr
    assert "new" in result.stderr
    return env


def cases_json(*args, env) -> list[dict]:
    result = tracker("cases", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_db_upgrade_creates_the_default_database(env):
    result = tracker("db", "upgrade", env=env)
    assert result.returncode == 0
    assert os.path.exists(os.path.join(env["XDG_DATA_HOME"], "ai-copyright-tracker", "tracker.db"))


def test_seed_is_idempotent(seeded):
    again = tracker("seed", env=seeded)
    assert again.returncode == 0
    assert "0 new, 0 updated" in again.stderr


def test_cases_table_lists_the_watchlist(seeded):
    result = tracker("cases", "--limit", "0", env=seeded)
    assert result.returncode == 0
    header = result.stdout.splitlines()[0].split()
    assert header[:5] == ["key", "kind", "jur.", "status", "date"]
    assert ANDERSEN in result.stdout and "us-119-s-1367" in result.stdout


def test_cases_json_schema(seeded):
    data = cases_json(env=seeded)
    assert len(data) >= 60
    for case in data:
        assert case.keys() >= CASE_FIELDS
        assert set(case["parties"]) == {"plaintiffs", "defendants"}
        assert case["status_date"] is None or len(case["status_date"]) == 10
        for event in case["events"]:
            assert event.keys() >= EVENT_FIELDS


def test_filters_combine(seeded):
    data = cases_json("--kind", "lawsuit", "--jurisdiction", "cand", "--since", "2025-01-01",
                      "--search", "stability", env=seeded)
    assert [c["key"] for c in data] == [ANDERSEN]
    on_appeal = cases_json("--kind", "lawsuit", "--status", "on_appeal", env=seeded)
    assert on_appeal and all(c["status"] == "on_appeal" for c in on_appeal)


def test_party_filter_finds_suits_by_name(seeded):
    keys = {c["key"] for c in cases_json("--party", "openai", env=seeded)}
    assert "nysd-1:23-cv-11195" in keys  # NYT v. Microsoft and OpenAI
    assert "cand-3:23-cv-03417" not in keys  # Kadrey v. Meta


def test_show_prints_the_timeline(seeded):
    result = tracker("show", ANDERSEN, env=seeded)
    assert result.returncode == 0
    assert "Andersen et al. v. Stability AI Ltd. et al." in result.stdout
    assert "Timeline" in result.stdout
    assert "2023-01-13" in result.stdout and "Complaint filed." in result.stdout


def test_show_json_is_one_case_with_its_events(seeded):
    result = tracker("show", ANDERSEN, "--json", env=seeded)
    case = json.loads(result.stdout)
    assert case["key"] == ANDERSEN and case["kind"] == "lawsuit"
    assert case["events"][0] == {**case["events"][0], "date": "2023-01-13", "text": "Complaint filed."}
    assert [e["date"] for e in case["events"]] == sorted(e["date"] for e in case["events"])


def test_show_gives_an_mdl_members_mdl_and_the_stage_it_is_at(seeded):
    result = tracker("show", "nysd-1:23-cv-08292", env=seeded)
    assert result.returncode == 0, result.stderr
    status = next(line for line in result.stdout.splitlines() if line.startswith("status"))
    assert "In MDL No. 3143 (since 2025-04-03)" in status
    assert "the MDL (nysd-1:25-md-03143) is at Discovery" in status
    data = json.loads(tracker("show", "nysd-1:23-cv-08292", "--json", env=seeded).stdout)
    assert (data["status"], data["mdl"]["name"], data["mdl"]["stage"]) == (
        "in_mdl", "MDL No. 3143", "discovery")


def test_show_unknown_key_exits_1_with_suggestions(seeded):
    result = tracker("show", "cand-3:23-cv-201", env=seeded)
    assert result.returncode == 1
    assert "no case with key" in result.stderr
    assert ANDERSEN in result.stderr
    assert tracker("show", "nope", env=seeded).returncode == 1


@pytest.mark.parametrize("args", [
    ("cases", "--status", "bogus"),
    ("cases", "--kind", "treaty"),
    ("cases", "--since", "2025-13-01"),
    ("cases", "--jurisdiction", "c a"),
    ("cases", "--limit", "-1"),
    ("export", "--format", "xml"),
    ("frobnicate",),
])
def test_bad_arguments_exit_2(seeded, args):
    result = tracker(*args, env=seeded)
    assert result.returncode == 2
    assert result.stderr.strip()


@pytest.mark.parametrize("url", ["nonsense://x", "sqlite:////proc/no/such/dir/t.db",
                                 "postgresql+psycopg://postgres@127.0.0.1:1/none"])
def test_unusable_database_exits_2_with_one_line(env, url):
    result = tracker("cases", env={**env, "TRACKER_DATABASE_URL": url})
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")


def test_export_csv_has_one_row_per_case(seeded, tmp_path):
    result = tracker("export", "--format", "csv", "--kind", "federal_bill", env=seeded)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["kind"] == "federal_bill" for r in rows)
    assert {"us-119-s-1367", "us-119-s-146"} <= {r["key"] for r in rows}
    take_it_down = next(r for r in rows if r["key"] == "us-119-s-146")
    assert take_it_down["status"] == "enacted" and take_it_down["status_label"] == "Enacted"


def test_export_events_has_one_row_per_event_and_cases_carry_staff_columns(seeded):
    assert tracker("stance", "us-119-s-146", "support", env=seeded).returncode == 0
    assert tracker("tag", "us-119-s-146", "ncii", "platforms", env=seeded).returncode == 0
    assert tracker("note", "us-119-s-146", "Signed in May", "--public", env=seeded).returncode == 0
    assert tracker("note", "us-119-s-146", "Ask counsel first", env=seeded).returncode == 0
    cases = json.loads(tracker("export", "--kind", "federal_bill", env=seeded).stdout)
    result = tracker("export", "--events", "--format", "csv", "--kind", "federal_bill", env=seeded)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == sum(len(case["events"]) for case in cases) > len(cases)
    take_it_down = [r for r in rows if r["case_key"] == "us-119-s-146"]
    events = next(c for c in cases if c["key"] == "us-119-s-146")["events"]
    assert [(r["date"], r["text"]) for r in take_it_down] == [(e["date"], e["text"]) for e in events]
    assert {r["case_status"] for r in take_it_down} == {"Enacted"}
    assert all(r["case_kind"] == "federal_bill" for r in rows)
    assert any(r["classification"] for r in rows) and not any("[" in r["classification"] for r in rows)
    flat = json.loads(tracker("export", "--events", "--kind", "federal_bill", env=seeded).stdout)
    assert len(flat) == len(rows) and flat[0]["case_key"] == rows[0]["case_key"]
    by_case = {r["key"]: r for r in csv.DictReader(io.StringIO(tracker(
        "export", "--format", "csv", "--kind", "federal_bill", env=seeded).stdout))}
    assert (by_case["us-119-s-146"]["stance"], by_case["us-119-s-146"]["staff_tags"]) == (
        "support", "ncii; platforms")
    assert by_case["us-119-s-146"]["public_notes"] == "Signed in May"  # the internal note stays out


def test_export_json_to_a_file_matches_cases_json(seeded, tmp_path):
    target = tmp_path / "lawsuits.json"
    result = tracker("export", "--kind", "lawsuit", "--output", str(target), env=seeded)
    assert result.returncode == 0
    assert json.loads(target.read_text()) == cases_json("--kind", "lawsuit", env=seeded)


def imported_by(args: list[str], env: dict[str, str]) -> set[str]:
    """The modules a fresh ``tracker ARGS`` process has imported when it ends."""
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['tracker'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('tracker', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES=' + ','.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, *args], env=env,
                            capture_output=True, text=True, timeout=120)
    return set(result.stderr.rpartition("MODULES=")[2].split(","))


def test_query_commands_import_no_scrapy_apscheduler_or_alembic(seeded):
    for args in (["cases"], ["show", ANDERSEN], ["export", "--format", "csv"], ["config"]):
        heavy = {name.split(".")[0] for name in imported_by(args, seeded)}
        assert not heavy & {"scrapy", "apscheduler", "alembic"}, args


def test_a_command_imports_only_its_own_command_module(seeded):
    """`tracker show` answers in a second: the other commands' modules are never imported."""
    commands = {name for name in imported_by(["show", ANDERSEN], seeded) if name.startswith("tracker.cli.")}
    assert commands == {f"tracker.cli.{name}" for name in ("cases", "events", "columns", "params")}
    # while `tracker --help` lists every command, staff ones included
    listed = tracker("--help", env=seeded).stdout
    assert all(name in listed for name in ("show", "review", "subscribers", "scheduler", "outcome"))


def test_version(env):
    from tracker import __version__

    result = tracker("--version", env=env)
    assert (result.returncode, result.stdout) == (0, f"tracker {__version__}\n")


def test_config_masks_secrets(env):
    result = tracker("config", "--json", env={**env, "COURTLISTENER_TOKEN": "abcdef123456"})
    shown = json.loads(result.stdout)
    assert shown["sources.courtlistener.key"] == "********"
    assert "abcdef123456" not in result.stdout


def test_vocab_lists_every_status(env):
    result = tracker("vocab", "--json", env=env)
    table = json.loads(result.stdout)
    for kind, statuses in STATUSES_BY_KIND.items():
        assert [s["status"] for s in table[kind.value]] == [s.value for s in statuses]
        assert all(s["label"] and s["meaning"] for s in table[kind.value])


def test_every_command_has_help(env):
    for args in (["--help"], ["cases", "--help"], ["show", "--help"], ["export", "--help"],
                 ["seed", "--help"], ["config", "--help"], ["vocab", "--help"],
                 ["db", "upgrade", "--help"]):
        result = tracker(*args, env=env)
        assert result.returncode == 0 and "Usage" in result.stdout


def test_show_gives_staff_the_research_fields(seeded):
    # Issue #16: as_of, confidence and research notes are shown by the CLI, a staff tool.
    text = tracker("show", ANDERSEN, env=seeded).stdout
    assert "facts as of" in text and "Research notes (staff only)" in text and "conflict" in text
    curation = json.loads(tracker("show", ANDERSEN, "--json", env=seeded).stdout)["curation"]
    assert curation["as_of"] and curation["confidence"] in {"high", "medium"}
    rows = list(csv.DictReader(io.StringIO(tracker("export", "--format", "csv", env=seeded).stdout)))
    assert {"as_of", "confidence", "research_notes"} <= set(rows[0])


def test_watchlist_check_passes_on_the_shipped_file(env):
    result = tracker("watchlist", "check", "--today", "2026-11-30", env=env)
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stderr
    assert all(line.startswith(("error: ", "warning: ")) for line in result.stdout.splitlines())


def test_watchlist_check_exits_1_on_an_error(env, tmp_path):
    bad = tmp_path / "watchlist.yaml"
    bad.write_text("""- key: cand-3:26-cv-00001
  kind: lawsuit
  jurisdiction: cand
  title: A v. B
  sources: [http://example.org/a]
  confidence: high
  as_of: '2026-11-01'
  why_tracked: a test
  tags: [test]
  events:
  - date: '2026-10-01'
    text: Complaint filed.
""")
    result = tracker("watchlist", "check", "--file", str(bad), "--today", "2026-11-30", env=env)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "error: cand-3:26-cv-00001: http://example.org/a: not over https [source]"]
    assert tracker("watchlist", "check", "--today", "someday", env=env).returncode == 2
