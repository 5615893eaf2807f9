from django.core.management.base import BaseCommand

from commitments.services.demo import demo_superuser_ensure


class Command(BaseCommand):
    help = "创建(或重置)演示用超级管理员并打印其密码"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        password = demo_superuser_ensure(username=username)
        self.stdout.write(f"演示账号 / demo login: {username} / {password}")
