from django.core.management.base import BaseCommand, CommandError

from commitments.services.demo_data import demo_ledger_generate


class Command(BaseCommand):
    help = "生成演示/压测用的承诺事项(批量写入,不记变更历史)"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="事项数(默认 100000)")
        parser.add_argument("--units", type=int, default=60, help="责任单位数(两级)")
        parser.add_argument("--users", type=int, default=300, help="单位成员数")
        parser.add_argument("--documents", type=int, default=40, help="来源文件数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")

    def handle(self, *args, count, units, users, documents, seed, **options) -> None:
        try:
            result = demo_ledger_generate(
                count=count, units=units, users=users, documents=documents, seed=seed
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已生成 {result.commitments} 条事项、{result.progress_updates} 条进展;"
            f"涉及 {result.units} 个单位、{result.users} 名成员、{result.documents} 份文件。"
        )
