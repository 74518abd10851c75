"""The classifier against the labelled corpus in tests/data/classify/.

    .venv/bin/python bench/classify.py [--misses 20]

Prints the corpus sizes, the share of items whose action classes are right, the same share on
the entries that set a status (expected or predicted: a false "transfer" counts against it),
ruling, disposition and significance agreement, each class's precision and recall, the
confusion matrix (expected classes against the classifier's, where they differ) and the first
misses. Goals (issue #15): at least 97% of items right; 100% of status-setting entries right.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus import evaluate, label  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=20, help="how many misses to print")
    args = parser.parse_args()
    report = evaluate()
    sizes = report.sizes()
    print("corpus: " + ", ".join(f"{name} {n}" for name, n in sorted(sizes.items())))
    status = report.status_setting()
    print(f"classes right            {report.accuracy():7.2%}   ({sum(s.right for s in report.items)}"
          f"/{len(report.items)}; goal >= 97%)")
    for corpus in sorted({s.corpus for s in report.items}):
        part = [s for s in report.items if s.corpus == corpus]
        print(f"  {corpus:22} {report.accuracy(part):7.2%}")
    print(f"status-setting right     {report.accuracy(status):7.2%}   ({sum(s.right for s in status)}"
          f"/{len(status)}; goal 100%)")
    for name in ("ruling", "disposition", "significance"):
        print(f"{name + ' right':24} {report.field_accuracy(name):7.2%}")
    print(f"statements kept right    {report.statement_accuracy():7.2%}   judged on the article"
          f" ({report.statement_accuracy(on_feed=True):.2%} on the feed's text)")

    print("\nclass                             precision  recall   (tp/fp/fn)")
    for cls, (tp, fp, fn) in report.per_class().items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"  {cls:32} {precision:7.1%}  {recall:7.1%}   ({tp}/{fp}/{fn})")

    print("\nconfusion (expected -> got, where they differ)")
    for (expected, got), n in sorted(report.confusion().items(), key=lambda kv: -kv[1]):
        if expected != got:
            print(f"  {n:4}  {expected} -> {got}")

    misses = [s for s in report.items if not s.right][:args.misses]
    print(f"\nfirst {len(misses)} misses")
    for s in misses:
        print(f"  [{s.corpus}] expected {label(s.expected)}, got {label(s.got)}:"
              f" {s.text[:140]}")


if __name__ == "__main__":
    main()
