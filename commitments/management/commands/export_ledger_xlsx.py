from pathlib import Path

from django.core.management.base import BaseCommand

from commitments.models import Commitment
from commitments.selectors.office import office_today
from commitments.services.excel import commitments_to_xlsx


class Command(BaseCommand):
    help = "把全部承诺事项导出为 Excel 台账(.xlsx)"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options) -> None:
        data = commitments_to_xlsx(commitments=Commitment.objects.all(), today=office_today())
        path.write_bytes(data)
        self.stdout.write(f"已导出到 {path}")
