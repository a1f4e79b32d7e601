"""Grouped k-fold cross-validation on the corpus train split (the held-out side is never read).

Rows are assigned to folds by a hash of their split key, so every article of one development falls
in one fold, as in the train/held-out split. Each fold's model is trained on the other folds; the
figures are pooled over all folds. Run: .venv/bin/python -m tests.classify.crossval [--folds 5]
[--errors] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json

from monitor.classify import Classifier
from monitor.classify.corpus import LabelRow, load_corpus, split
from monitor.classify.evaluate import Figures, figures
from monitor.classify.model import RelevanceModel
from monitor.types import Classification


def fold_of(row: LabelRow, folds: int) -> int:
    digest = hashlib.sha256(("cv:" + row.split_key).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % folds


def cross_validate(rows: list[LabelRow], folds: int = 5) -> list[tuple[LabelRow, Classification]]:
    """(row, classification) for every row, each classified by a model that never saw its fold."""
    pairs: list[tuple[LabelRow, Classification]] = []
    for k in range(folds):
        test = [r for r in rows if fold_of(r, folds) == k]
        train = [r for r in rows if fold_of(r, folds) != k]
        classifier = Classifier(RelevanceModel.train(train))
        pairs.extend((r, classifier.classify(r.title, r.text, language=r.language)) for r in test)
    return pairs


def errors(pairs: list[tuple[LabelRow, Classification]]) -> list[str]:
    """One line per row where relevance, country, stage or count is wrong."""
    lines = []
    for row, res in pairs:
        wrong = []
        if row.relevant != res.relevant:
            wrong.append(f"relevant {res.relevant} ({res.score:.2f})")
        elif row.relevant:
            if res.receiving_country != row.receiving_country:
                wrong.append(f"country {res.receiving_country} != {row.receiving_country}")
            if res.stage != row.stage:
                got = res.stage.value if res.stage else None
                wrong.append(f"stage {got} != {row.stage.value if row.stage else None}")
            if res.deportee_count != row.deportee_count:
                wrong.append(f"count {res.deportee_count} != {row.deportee_count}")
        if wrong:
            lines.append(f"{row.id} [{row.language}] {row.title[:90]!r}: {'; '.join(wrong)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--errors", action="store_true", help="list the rows classified wrongly")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    train, _ = split(load_corpus())
    pairs = cross_validate(train, args.folds)
    result: Figures = figures(pairs)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(f"{args.folds}-fold grouped CV on the train split: {result.summary()}")
    if args.errors:
        print("\n".join(errors(pairs)))


if __name__ == "__main__":
    main()
