"""Backups of the whole portal and their restore into an empty database.

A backup is a directory:

- `database.json`: every row of every table (models, historical tables and many-to-many tables), in the
  format of Django's `dumpdata` (one object per line, primary keys kept, many-to-many rows as their own
  objects) so that `manage.py loaddata` can read it too;
- `media/`: the uploaded evidence files and the rendered PDF reports (everything under MEDIA_ROOT);
- `manifest.json`: format version, creation time, Django version, the applied migrations, the row count of
  every table and the size and SHA-256 of every file.

`dump.backup()` writes one (`manage.py backup --out DIR`); `load.restore()` checks every file against the
manifest, refuses a database that already holds data, migrates it to the backup's migration state, loads all
rows in one transaction, checks the row counts, migrates to the current code and copies the files back
(`manage.py restore DIR`).
"""

FORMAT = "haidian-governance-backup"
FORMAT_VERSION = 1
DATABASE_FILE = "database.json"
MANIFEST_FILE = "manifest.json"
MEDIA_DIR = "media"
