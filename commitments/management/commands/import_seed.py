"""python manage.py import_seed PATH [PATH ...] [--dry-run] [--json] [--reference-date D]"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from commitments.importer.batch import parse_documents
from commitments.importer.decode import MAX_BYTES
from commitments.importer.errors import SeedError
from commitments.importer.formats.detect import OFFICE_MAX_BYTES, PDF_MAX_BYTES
from commitments.importer.parse import ParsedDocument, parse_document
from commitments.services.imports import documents_import_parsed, source_size_check


class Command(BaseCommand):
    help = _(
        "导入讲话、通知或任务分工表:文本(UTF-8、UTF-16、GBK/GB18030)、Word(.docx)、Excel(.xlsx)"
        "或带文字层的 PDF,格式按文件内容识别。生成来源文件、工作指示、责任主体和承诺事项。"
        "同一文件重复导入不做任何改动;大小上限:文本 %(text)d MB,Word/Excel %(office)d MB,"
        "PDF %(pdf)d MB。"
    ) % {
        "text": MAX_BYTES // (1024 * 1024),
        "office": OFFICE_MAX_BYTES // (1024 * 1024),
        "pdf": PDF_MAX_BYTES // (1024 * 1024),
    }

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help=_("待导入的文件(.txt、.docx、.xlsx、.pdf)")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只解析,不写数据库"))
        parser.add_argument(
            "--json",
            action="store_true",
            help=_("以 JSON 输出解析结果(多个文件时输出 JSON 数组)"),
        )
        parser.add_argument(
            "--reference-date",
            metavar="YYYY-MM-DD",
            help=_("解析“今年”“三个月内”等相对时间时使用的日期,默认取文件中的讲话或印发日期"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reference = _parse_date(options["reference_date"])
        paths: list[str] = options["paths"]
        dry_run: bool = options["dry_run"]
        as_json: bool = options["json"]
        failures: list[tuple[Path, str]] = []
        outputs: list[dict[str, Any]] = []
        read: list[tuple[Path, bytes]] = []
        total = len(paths)
        for number, raw_path in enumerate(paths, start=1):
            path = Path(raw_path)
            if total > 1:  # progress is worth a line only when there is more than one file
                self.stderr.write(f"[{number}/{total}] {path}", ending="\n")
            try:
                data = _read(path)
                if dry_run:
                    parsed = parse_document(data, reference_date=reference, name=path.name)
                    if as_json:
                        outputs.append(parsed.as_dict())
                    else:
                        counts = {k: len(parsed.of_kind(k)) for k in ("task", "quoted", "context")}
                        self.stdout.write(
                            _(
                                "%(path)s: 试解析 %(title)s,工作任务 %(task)d 条,"
                                "上级指示 %(quoted)d 条,背景 %(context)d 条"
                            )
                            % {"path": path, "title": parsed.title, **counts}
                        )
                        self._write_skipped(parsed.skipped)
                    continue
                read.append((path, data))
            except SeedError as exc:
                self._fail(failures, path, exc.message, total=total)
        # Files are parsed side by side and written together: a folder imports several times
        # faster than file by file, with the same result for every file.
        parsed_files: list[tuple[Path, ParsedDocument]] = []
        for (path, _data), outcome in zip(
            read,
            parse_documents([(p.name, d) for p, d in read], reference_date=reference),
            strict=True,
        ):
            if isinstance(outcome, SeedError):
                self._fail(failures, path, outcome.message, total=total)
            else:
                parsed_files.append((path, outcome))
        results = (
            documents_import_parsed(items=[(p.name, parsed) for p, parsed in parsed_files])
            if parsed_files
            else []
        )
        for (path, _parsed), result in zip(parsed_files, results, strict=True):
            if as_json:
                outputs.append(
                    {
                        "path": str(path),
                        "document_id": result.document.pk,
                        "sha256": result.document.sha256,
                        "created": result.created,
                        "unchanged": result.unchanged,
                        "directives": result.directive_count,
                        "commitments": result.commitment_count,
                        "skipped": list(result.skipped),
                    }
                )
                continue
            self.stdout.write(
                _(
                    "%(path)s: %(state)s「%(title)s」,工作指示 %(directives)d 条,"
                    "承诺事项 %(commitments)d 项"
                )
                % {
                    "path": path,
                    "state": result.state,
                    "title": result.document.title,
                    "directives": result.directive_count,
                    "commitments": result.commitment_count,
                }
            )
            self._write_skipped(result.skipped)
        if as_json and outputs:
            payload: Any = outputs[0] if total == 1 else outputs
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        if failures:
            if total == 1:
                path, reason = failures[0]
                raise CommandError(f"{path}: {reason}")
            # Each reason was written as its file failed; the summary names the files.
            raise CommandError(
                _("%(n)d/%(total)d 个文件未导入:%(list)s")
                % {
                    "n": len(failures),
                    "total": total,
                    "list": ";".join(str(p) for p, _r in failures),
                }
            )

    def _fail(
        self, failures: list[tuple[Path, str]], path: Path, reason: str, *, total: int
    ) -> None:
        failures.append((path, reason))
        if total > 1:  # a single file's reason is the CommandError at the end, said once
            self.stderr.write(f"{path}: {reason}")

    def _write_skipped(self, skipped: tuple[str, ...]) -> None:
        """未识别 N 段: paragraphs with a date or a unit's name that gave no task, so that the
        office adds them by hand instead of losing them silently."""
        if not skipped:
            return
        self.stdout.write(
            _("  未识别 %(n)d 段(含日期或单位名称,未生成工作任务):") % {"n": len(skipped)}
        )
        for paragraph in skipped:
            text = paragraph if len(paragraph) <= 100 else paragraph[:99] + "…"
            self.stdout.write(f"    - {text}")


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("参考日期无效:%(value)s(应为 YYYY-MM-DD)") % {"value": value}
        ) from None


def _read(path: Path) -> bytes:
    if not path.exists():
        raise SeedError(_("文件不存在"))
    if not path.is_file():
        raise SeedError(_("不是普通文件"))
    # Checked before reading, so a 50 MB file is refused without loading it into memory; the
    # limit depends on the format, which the first bytes tell.
    size = path.stat().st_size
    try:
        with path.open("rb") as handle:
            source_size_check(size=size, head=handle.read(1024))
            handle.seek(0)
            return handle.read()
    except OSError as exc:
        raise SeedError(_("无法读取文件:%(error)s") % {"error": exc.strerror}) from exc


__all__ = ["Command"]
