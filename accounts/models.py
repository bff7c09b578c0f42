from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A civil servant's account. Every account but an admin's belongs to one department."""

    class Role(models.TextChoices):
        STAFF = "staff", _("部门填报员")
        OFFICE = "office", _("专班办公室")
        LEADER = "leader", _("市领导")
        ADMIN = "admin", _("管理员")

    department = models.ForeignKey(
        "targets.Department",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        full = self.get_full_name()
        return f"{full}（{self.username}）" if full else self.username

    @property
    def is_plan_admin(self):
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def reads_everything(self):
        """Leaders and admins see the whole plan; others see their department or battles."""
        return self.is_plan_admin or self.role == self.Role.LEADER

    def office_battle_ids(self):
        """Battles whose task-force office this user's department hosts (cached per request)."""
        if not hasattr(self, "_office_battle_ids"):
            from targets.models import Battle

            if self.role != self.Role.OFFICE or self.department_id is None:
                self._office_battle_ids = frozenset()
            else:
                self._office_battle_ids = frozenset(
                    Battle.objects.filter(task_force__office_id=self.department_id).values_list("id", flat=True)
                )
        return self._office_battle_ids
