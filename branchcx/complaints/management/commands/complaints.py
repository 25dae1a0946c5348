from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.complaints import classifier


class Command(BaseCommand):
    help = (
        "Complaint text classifier: train-classifier estimates the score on a held-out 20%, "
        "then trains the saved model on every row given; evaluate-classifier scores the "
        "saved model on a test file (or repeats the estimate). Both end with "
        "'accuracy=… macro_f1=…'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, what in (
            (
                "train-classifier",
                "Score a model trained on 80% on the other 20%, then train on all rows, save.",
            ),
            ("evaluate-classifier", "Score the saved model on a test file (or its hold-out)."),
        ):
            command = sub.add_parser(name, help=what)
            command.add_argument(
                "--from-csv", type=Path, help="Data from a CSV instead of closed complaints."
            )
            command.add_argument("--text-column", default="text")
            command.add_argument("--label-column", default="label")
            command.add_argument("--model", type=Path, help="Model file (default: data folder).")
            command.add_argument(
                "--target",
                choices=classifier.TARGETS,
                default="business",
                help="What to suggest: business category (default), cause or priority.",
            )
        sub.choices["train-classifier"].add_argument(
            "--keep-holdout",
            action="store_true",
            help="Save the model trained on 80%%, so evaluate-classifier can score the 20%% "
            "it never saw (by fingerprint); by default the saved model learns from all rows.",
        )
        sub.choices["evaluate-classifier"].add_argument(
            "--test-csv", type=Path, help="Score on this file (same column options)."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "train-classifier":
            self._train(opts)
        else:
            self._evaluate(opts)

    def _data(self, opts: dict[str, Any], path: Path | None = None) -> tuple[list[str], list[str]]:
        path = path or opts["from_csv"]
        if path is None:
            from branchcx.complaints.queries import training_examples

            texts, labels = training_examples(opts["target"])
            source = "closed complaints"
        else:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            try:
                texts, labels = classifier.read_csv(path, opts["text_column"], opts["label_column"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            source = path.name
        if len(set(labels)) < 2 or len(texts) < 10:
            raise CommandError(f"Too little labelled text in {source} to train or score on.")
        self.stdout.write(f"{len(texts)} examples, {len(set(labels))} labels from {source}")
        return texts, labels

    def _source(self, opts: dict[str, Any]) -> str:
        return opts["from_csv"].name if opts["from_csv"] else f"complaints:{opts['target']}"

    def _path(self, opts: dict[str, Any]) -> Path:
        path: Path = opts["model"] or classifier.model_path(opts["target"])
        return path

    def _train(self, opts: dict[str, Any]) -> None:
        texts, labels = self._data(opts)
        train_x, test_x, train_y, test_y = classifier.split(texts, labels)
        model = classifier.train(train_x, train_y)
        scores = classifier.evaluate(model, test_x, test_y)
        if opts["keep_holdout"]:
            classifier.remember_holdout(model, test_x, self._source(opts))
        else:
            # the estimate is the 80% model's; the model kept learns from every row given
            model = classifier.train(texts, labels)
            model.meta["source"] = self._source(opts)
        model.meta["estimate"] = {"accuracy": scores.accuracy, "macro_f1": scores.macro_f1,
                                  "n": scores.n}  # fmt: skip
        path = classifier.save(model, self._path(opts))
        self.stdout.write(
            f"trained on {model.trained_on} in {model.seconds:.1f} s, saved to {path}; "
            f"held-out {scores.n}:"
        )
        self.stdout.write(scores.line())

    def _evaluate(self, opts: dict[str, Any]) -> None:
        model = classifier.load(self._path(opts))
        if model is None:
            raise CommandError("No trained model yet: run 'branchcx complaints train-classifier'.")
        if opts["test_csv"] is not None:
            test_x, test_y = self._data(opts, opts["test_csv"])
        elif "holdout" not in model.meta and "estimate" in model.meta:
            # trained on every row: there is nothing unseen to score, only the estimate
            estimate = classifier.Scores(**model.meta["estimate"])
            self.stdout.write(
                f"the model learnt from every row; estimated at training on {estimate.n} "
                "held-out rows (score it on new data with --test-csv):"
            )
            self.stdout.write(estimate.line())
            return
        else:
            # exactly the rows training held out, found again by their fingerprints
            test_x, test_y = classifier.holdout_rows(model, *self._data(opts))
            if not test_x:
                raise CommandError(
                    f"The model was trained on {model.meta.get('source', 'other data')} and "
                    "none of its held-out rows are in this data: give the same --from-csv, "
                    "or score on a file with --test-csv."
                )
        scores = classifier.evaluate(model, test_x, test_y)
        self.stdout.write(f"scored on {scores.n}:")
        self.stdout.write(scores.line())
