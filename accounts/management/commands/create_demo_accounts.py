"""Create (idempotently) and print demo accounts for every role of a plan."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q

from accounts.models import User
from targets.models import Department, Plan

DEFAULT_PASSWORD = "demo12345"

# ASCII user names for the departments people most often try first.
PINYIN = {
    "市发展改革委": "fagaiwei",
    "市科技局": "kejiju",
    "市优化办": "youhuaban",
    "市财政局": "caizhengju",
    "市应急局": "yingjiju",
    "市人力资源社会保障局": "renshebaoju",
    "市商务局": "shangwuju",
    "市统计局": "tongjiju",
    "市工业和信息化局": "gongxinju",
    "市文化旅游广电体育局": "wenlvju",
    "市教育局": "jiaoyuju",
    "市交通运输局": "jiaotongju",
    "市住房城乡建设局": "zhujianju",
    "市农业农村局": "nongyeju",
    "市自然资源和规划局": "zirangju",
    "市水利局": "shuiliju",
    "市市场监管局": "shijianju",
    "市政府金融办": "jinrongban",
    "市卫生健康委": "weijianwei",
    "市民政局": "minzhengju",
    "市公安局": "gonganju",
    "市生态环境局": "shengtaiju",
    "市国资委": "guoziwei",
    "市林业局": "linyeju",
    "市医保局": "yibaoju",
    "市委组织部": "zuzhibu",
    "市安委办": "anweiban",
    "市委宣传部": "xuanchuanbu",
    "市城管局": "chengguanju",
    "市司法局": "sifaju",
}

# Departments that lead tasks in every battle's work plan, offered first.
PREFERRED_STAFF = ("市商务局", "市科技局", "市财政局", "市应急局", "市人力资源社会保障局", "市统计局", "市发展改革委")
LEADS_PER_BATTLE = 2


def username_for(department):
    return PINYIN.get(department.name, f"dept{department.pk}")


class Command(BaseCommand):
    help = "创建（可重复运行）并打印各角色的演示账号：管理员、市领导、各专班办公室、部分牵头单位填报员。"

    def add_arguments(self, parser):
        parser.add_argument("plan_code", help="方案代码，如 huaihua-2023")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="演示账号的共用密码")
        parser.add_argument("--reset-passwords", action="store_true", help="把已存在的演示账号的密码也重置为共用密码")

    def handle(self, *args, plan_code, password, reset_passwords, **options):
        try:
            plan = Plan.objects.get(code=plan_code)
        except Plan.DoesNotExist:
            raise CommandError(f"没有代码为 {plan_code} 的方案，请先导入方案。") from None

        rows = []
        with transaction.atomic():
            rows.append(
                self.ensure(
                    "admin",
                    User.Role.ADMIN,
                    None,
                    password,
                    reset_passwords,
                    "管理员（可进入管理后台）",
                    is_staff=True,
                    is_superuser=True,
                )
            )
            rows.append(
                self.ensure(
                    "leader",
                    User.Role.LEADER,
                    None,
                    password,
                    reset_passwords,
                    "市领导（只读全部）",
                    first_name="市领导",
                )
            )
            battles = list(plan.battles.select_related("task_force__office").order_by("number"))
            for battle in battles:
                task_force = getattr(battle, "task_force", None)
                if task_force is None:
                    continue
                rows.append(
                    self.ensure(
                        f"office{battle.number}",
                        User.Role.OFFICE,
                        task_force.office,
                        password,
                        reset_passwords,
                        f"{battle.short_name}专班办公室",
                    )
                )
            for department, note in self.staff_departments(plan, battles):
                rows.append(
                    self.ensure(username_for(department), User.Role.STAFF, department, password, reset_passwords, note)
                )
        self.print_table(rows, password)

    def staff_departments(self, plan, battles):
        """The preferred departments the plan names, plus the busiest lead departments of each battle."""
        lead = Q(responsibilities__role="lead", responsibilities__section__battle__plan=plan)
        chosen = {}
        preferred = Department.objects.filter(name__in=PREFERRED_STAFF).annotate(
            leads=Count("responsibilities", filter=lead, distinct=True),
            plan_targets=Count("targets", filter=Q(targets__battle__plan=plan), distinct=True),
        )
        for department in preferred:
            if department.leads or department.plan_targets:
                chosen[department.pk] = (
                    department,
                    f"牵头任务 {department.leads} 项，负责指标 {department.plan_targets} 项",
                )
        for battle in battles:
            busiest = (
                Department.objects.annotate(
                    leads=Count(
                        "responsibilities",
                        filter=Q(responsibilities__role="lead", responsibilities__section__battle=battle),
                    )
                )
                .filter(leads__gt=0)
                .exclude(kind=Department.Kind.COLLECTIVE)
                .order_by("-leads", "order", "name")[:LEADS_PER_BATTLE]
            )
            for department in busiest:
                chosen.setdefault(department.pk, (department, f"{battle.short_name}牵头任务 {department.leads} 项"))
        return sorted(chosen.values(), key=lambda item: (item[0].order, item[0].name))

    def ensure(self, username, role, department, password, reset_password, note, **extra):
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            # create_user skips the password validators on purpose: the demo password is printed anyway.
            user = User.objects.create_user(
                username=username, password=password, role=role, department=department, **extra
            )
        else:
            user.role, user.department, user.is_active = role, department, True
            for key, value in extra.items():
                setattr(user, key, value)
            fields = ["role", "department", "is_active", *extra]
            if reset_password:
                user.set_password(password)
                fields.append("password")
            user.save(update_fields=fields)
        state = "新建" if created else ("已存在，密码已重置" if reset_password else "已存在")
        return (username, user.get_role_display(), department.name if department else "—", note, state)

    def print_table(self, rows, password):
        headers = ("用户名", "角色", "单位", "说明", "状态")
        widths = [max(display_width(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]

        def line(cells):
            return " | ".join(str(cell) + " " * (widths[i] - display_width(str(cell))) for i, cell in enumerate(cells))

        self.stdout.write(
            f"演示账号（新建账号的密码均为：{password}；已存在的账号保留原密码，可用 --reset-passwords 重置）"
        )
        self.stdout.write(line(headers))
        self.stdout.write("-+-".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))


def display_width(text):
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
