"""督办: a task past its due date is not done (TASK_OVERDUE)."""

from core.rules import Context, Rule, register

from ..choices import TaskStatus
from ..models import Task


@register
class TaskOverdue(Rule):
    code = "TASK_OVERDUE"
    title = "督办任务按期完成"
    summary = "督办任务超过完成时限仍未完成的，列为违规，直至完成。"
    edge = "时限当天未完成：不违规；时限次日仍未完成：违规。"
    source = "district"
    quote = "议决督办：会议决定事项明确责任人和完成时限，督办落实。"
    remedy = "请责任人尽快完成督办任务并登记完成日期；确需延期的，请登记进展并说明原因。"

    def check(self, ctx: Context):
        tasks = (
            ctx.scope(Task.objects.all(), "decision__school")
            .filter(due_on__lt=ctx.today)
            .exclude(status=TaskStatus.DONE)
        )
        for pk, school_id, title, due_on in tasks.values_list("pk", "decision__school_id", "title", "due_on"):
            days = (ctx.today - due_on).days
            yield self.breach(Task, pk, school_id, f"督办任务“{title}”已逾期 {days} 天（时限 {due_on:%Y-%m-%d}）。")
