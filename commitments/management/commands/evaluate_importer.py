"""python manage.py evaluate_importer [--corpus DIR] [--quiet] [NAME ...]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.importer.evaluation import CORPUS_ENV, corpus_dir, evaluate, report, total


class Command(BaseCommand):
    help = (
        "Parse every document of the annotated corpus (dry run, no database) and print, per "
        "document and in total, tasks found, owners and deadlines right, negatives taken as "
        "tasks and the time taken, then the misses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME", help="only these documents")
        parser.add_argument(
            "--corpus", metavar="DIR", help=f"corpus folder (default ${CORPUS_ENV} or ../shared)"
        )
        parser.add_argument("--quiet", action="store_true", help="leave out the list of misses")
        parser.add_argument(
            "--no-reference-date",
            action="store_true",
            help="do not pass the annotation's reference date (as a user without one would)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        corpus = Path(options["corpus"]) if options["corpus"] else None
        corpus = corpus or corpus_dir(Path(settings.BASE_DIR))
        if corpus is None or not (corpus / "gold.json").is_file():
            raise CommandError(
                f"no corpus found (set {CORPUS_ENV} or --corpus to a folder holding gold.json)"
            )
        scores = evaluate(
            corpus, options["names"] or None, with_reference=not options["no_reference_date"]
        )
        if not scores:
            raise CommandError("no such document in gold.json")
        self.stdout.write(f"corpus: {corpus}")
        self.stdout.write(report(scores, misses=not options["quiet"]))
        overall = total(scores)
        self.stdout.write(
            f"\nrecall {overall.recall:.2f}  owners {overall.owner_rate:.2f}  "
            f"deadlines {overall.deadline_rate:.2f}  "
            f"({len(scores) / overall.seconds:.1f} documents/s parse only)"
        )
