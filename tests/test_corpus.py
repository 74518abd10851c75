"""The classifier held to its measured scores on the labelled corpus (tests/data/classify/).

The floors are the figures bench/classify.py printed when they were set (see bench/README.md):
a change that lowers any of them fails here, so a rule can only be loosened knowingly, by
editing the floor in the same commit with the reason.
"""

import pytest
import yaml

from tests.corpus import DATA, evaluate

# Measured 2026-11-30: 1175 of 1178 items; 131 of 131 status-setting entries; statements 30 of 30.
CLASSES_RIGHT = 1175 / 1178
# The issue's minimum size of each part of the corpus.
MINIMUM_SIZES = {"dockets": 400, "congress": 150, "openstates": 100, "federal_register": 40,
                 "statements": 30}


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_the_corpus_is_the_size_the_issue_asks_for(report):
    sizes = report.sizes()
    for part, minimum in MINIMUM_SIZES.items():
        assert sizes[part] >= minimum, part


def test_classes_are_right_at_least_as_often_as_measured(report):
    assert report.accuracy() >= CLASSES_RIGHT
    assert report.accuracy() >= 0.97


def test_every_status_setting_entry_is_right(report):
    wrong = [s for s in report.status_setting() if not s.right]
    assert not wrong, [(sorted(s.expected), sorted(s.got), s.text[:80]) for s in wrong]


def test_rulings_dispositions_and_significance_hold(report):
    assert report.field_accuracy("ruling") >= 0.997
    assert report.field_accuracy("disposition") >= 0.997
    assert report.field_accuracy("significance") == 1.0


def test_statements_are_judged_right_on_their_articles(report):
    assert report.statement_accuracy() == 1.0
    assert report.statement_accuracy(on_feed=True) < report.statement_accuracy()  # why articles matter


@pytest.mark.parametrize("name", ["dockets", "congress", "openstates", "federal_register", "statements"])
def test_every_item_says_where_it_comes_from(name):
    corpus = yaml.safe_load((DATA / f"{name}.yaml").read_text())
    sources = corpus.get("sources", {})
    for item in corpus["items"]:
        source = item["source"]
        assert source in sources or source.startswith(("http", "fixture:", "this repository")), item
