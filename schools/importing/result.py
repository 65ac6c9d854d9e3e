"""What an import returns: the errors of the file (`RowError`) or the counts of what was written."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    """One problem of the file: sheet, Excel row number (None = the whole file) and a Chinese reason."""

    sheet: str
    row: int | None
    message: str


@dataclass
class Counts:
    """How many rows of one kind were created, changed, or found identical to the database."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"新增 {self.created}、更新 {self.updated}、未变 {self.unchanged}"


@dataclass
class ImportResult:
    """The outcome of `import_workbook`: errors (nothing written) or the counts of what was written."""

    errors: list[RowError] = field(default_factory=list)
    schools: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    appointments: Counts = field(default_factory=Counts)
    new_districts: list[str] = field(default_factory=list)
    new_groups: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """A one-line Chinese summary of a successful import."""
        text = f"导入完成。学校：{self.schools}；人员：{self.people}；任职：{self.appointments}。"
        if self.new_districts:
            text += f"新建学区：{'、'.join(self.new_districts)}。"
        if self.new_groups:
            text += f"新建教育集团：{'、'.join(self.new_groups)}。"
        return text
