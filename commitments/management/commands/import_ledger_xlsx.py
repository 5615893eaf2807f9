from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commitments.services.excel import commitments_import_xlsx


class Command(BaseCommand):
    help = "从 Excel 台账(.xlsx)导入承诺事项;任何一格有误则全部不导入,并列出每个错误"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options) -> None:
        if not path.is_file():
            raise CommandError(f"文件不存在:{path}")
        result = commitments_import_xlsx(source=path.read_bytes())
        if len(result.errors) == 1:  # said once, in the error Django prints
            raise CommandError(f"{result.errors[0]};未导入任何数据")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(result.errors)} 处错误,未导入任何数据")
        self.stdout.write(f"已导入 {len(result.created)} 项承诺事项,更新 {len(result.updated)} 项")
