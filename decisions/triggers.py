"""Re-check a school's compliance once the write that may change it has committed."""

from django.conf import settings


def recheck_school(school_id: int) -> None:
    if not settings.COMPLIANCE_CHECK_ON_WRITE:
        return
    from .tasks import check_compliance_for_school

    check_compliance_for_school.delay_on_commit(school_id)
