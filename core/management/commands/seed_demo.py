"""`manage.py seed_demo [--password PW]`: load (or refresh) the demo district; safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from core import dataversion
from schools.demo import DEFAULT_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "载入演示数据：海淀区学区、学校、虚构人员及演示账号（可重复执行，不会产生重复数据）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"演示账号的密码（默认：{DEFAULT_PASSWORD}）。重复执行时会重置为该密码。",
        )

    def handle(self, *args, password: str, **options):
        if not password:
            raise CommandError("密码不能为空。")
        counts = seed_demo(password=password)
        dataversion.bump()  # the demo data is written in bulk (no signals)
        self.stdout.write(
            self.style.SUCCESS(
                "演示数据已就绪："
                f"学区 {counts['districts']} 个，教育集团 {counts['groups']} 个，"
                f"学校 {counts['schools']} 所（另有校区 {counts['campuses']} 个），"
                f"人员 {counts['people']} 人，任职 {counts['appointments']} 条，"
                f"会议组成人员 {counts['memberships']} 条，制度参数 {counts['policies']} 条，"
                f"演示账号 {counts['users']} 个。"
            )
        )
        self.stdout.write(f"本次新建 {counts['created']} 条、更新 {counts['updated']} 条记录。")
        shown = "默认密码 " + DEFAULT_PASSWORD if password == DEFAULT_PASSWORD else "--password 指定的密码"
        self.stdout.write(
            "演示账号：district_admin、district_viewer、xuequ_viewer、secretary、principal、clerk、clerk_b"
            f"（{shown}）。"
        )
