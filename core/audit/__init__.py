"""审计日志: an append-only trail of record changes and logins (`core.models.AuditEvent`).

`recording` writes the events (from django-simple-history, amendments and Django's auth signals),
`selectors`, `filters`, `exports` and `views` serve the district admins' page `/audit/`.
"""
