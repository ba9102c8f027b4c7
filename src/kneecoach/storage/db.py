"""Open the journal database: URL, engine, pragmas, automatic migrations, one transaction.

The URL is given by the caller (the app layer reads the ``database_url`` setting,
``KNEECOACH_DATABASE_URL``; storage reads no settings); empty means the SQLite file
``journal.sqlite3`` in the data folder (``kneecoach info`` prints it). A PostgreSQL URL
(``postgresql+psycopg://...``) works unchanged once ``psycopg`` is installed
(``pip install 'kneecoach[postgres]'``).

SQLite is opened in WAL mode with ``synchronous=FULL``, foreign keys on, a 30 s
busy timeout and ``BEGIN IMMEDIATE`` transactions, so several processes writing
at once wait for each other instead of failing, and a process killed mid-write
leaves the last committed state (SQLite's journal rolls the rest back).

Every :func:`open_database` brings the schema to the newest Alembic revision
shipped in ``kneecoach/storage/migrations`` (in one transaction, under the same
lock as every other write), then settles the derived files a crash or a rollback
left behind (:func:`kneecoach.storage.files.sweep`).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

from kneecoach.core.errors import StorageError
from kneecoach.core.settings import home_dir
from kneecoach.storage.files import (
    adopt_legacy_folder,
    discard_staged,
    finish_staged,
    forget_staged,
    sweep,
)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_NAME = "journal.sqlite3"
BUSY_TIMEOUT_MS = 30_000


def resolve_url(url: str = "") -> str:
    """The journal URL: ``url``, or (empty) the SQLite file in the data folder."""
    return url or f"sqlite:///{home_dir() / SQLITE_NAME}"


def describe_url(url: str) -> str:
    """``url`` with any password hidden (for ``kneecoach info`` and messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@dataclass
class Database:
    """An open journal database: the engine and the folder of derived files."""

    engine: Engine
    url: str
    files_dir: Path
    _sessions: sessionmaker[Session]
    #: folders of stored files no record names, moved aside when it opened (never deleted)
    quarantined: list[Path] = field(default_factory=list)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on any error.

        Files staged in it (:func:`kneecoach.storage.files.staging_folder`) are moved
        into place after the commit and removed after a rollback.
        """
        session = self._sessions()
        body_done = False
        try:
            with session.begin():
                yield session
                body_done = True
        except BaseException as exc:
            if body_done:  # the commit itself failed: whether it happened, the sweep decides
                forget_staged(session)
            else:
                discard_staged(session)
            if isinstance(exc, OperationalError):
                raise StorageError(
                    f"the journal database {describe_url(self.url)} could not be written "
                    f"({exc.orig}); try again, and check the disk and KNEECOACH_DATABASE_URL"
                ) from None
            raise
        else:
            finish_staged(session, self.files_dir)
        finally:
            session.close()

    def identity(self) -> str:
        """The database, as the files folder's ``.journal`` marker records its owner."""
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
            return f"sqlite:///{Path(u.database).expanduser().resolve()}"
        return describe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The files folder of the default journal (``journal.sqlite3``), and of every journal
#: before each database had its own.
SHARED_FILES = "journal-files"


def files_dir_for(url: str) -> Path:
    """Each database's own folder of derived files: beside a SQLite file and named after it
    (``journal.sqlite3`` → ``journal-files``, ``clinic.db`` → ``clinic-files``), so two
    journals in one folder never share one; for a server database, in the data folder,
    named after the server and the database."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        db = Path(u.database).expanduser().resolve()
        return db.parent / f"{db.stem}-files"
    where = "-".join(str(x) for x in (u.host or "local", u.port, u.database) if x)
    return home_dir() / f"journal-files-{re.sub(r'[^A-Za-z0-9._-]+', '_', where)}"


def legacy_files_dir(url: str) -> Path:
    """Where this database's files were before each database had its own folder."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return Path(u.database).expanduser().resolve().parent / SHARED_FILES
    return home_dir() / SHARED_FILES


def open_database(url: str = "", *, migrate: bool = True) -> Database:
    """Open (and create, and migrate to the newest schema) the journal database at ``url``
    (empty: the SQLite file in the data folder)."""
    url = resolve_url(url)
    engine = journal_engine(url)
    journal = Database(
        engine, url, files_dir_for(url), sessionmaker(engine, expire_on_commit=False)
    )
    if migrate:
        adopt_legacy_folder(journal.files_dir, legacy_files_dir(url), journal.identity())
        try:
            _when_unlocked(lambda: upgrade(engine))
            # tidying is best effort: writing files reports its own errors
            with journal.transaction() as session, contextlib.suppress(OSError):
                journal.quarantined = sweep(session, journal.files_dir, journal.identity())
        except OperationalError as exc:
            engine.dispose()
            raise StorageError(
                f"cannot open the journal database {describe_url(url)}: {exc.orig}. Check "
                "KNEECOACH_DATABASE_URL (kneecoach info shows it) and that the server runs"
            ) from None
        except StorageError:
            engine.dispose()
            raise
    return journal


def _when_unlocked(step: Callable[[], None]) -> None:
    """Run ``step``, again while SQLite says "database is locked", for up to the busy timeout.

    Two processes opening a new journal at once both switch it to WAL and migrate it; SQLite
    answers the second "locked" at once there, without waiting for its busy timeout (seen
    as a failed ``kneecoach log`` in 1 of 4 runs of the concurrency test).
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            step()
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def journal_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite: folder created, pragmas set); no migration."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"database_url {url!r} is not a database URL; expected e.g. sqlite:///path/journal.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().parent
        try:  # health data: folders kneecoach creates are readable by their owner only
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # and so is the database it creates, wherever it is (SQLite gives its -wal and
            # -shm files the database's permissions)
            with contextlib.suppress(FileExistsError):
                os.close(os.open(Path(parsed.database).expanduser(), os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise StorageError(
                f"cannot create the journal folder {folder} ({exc.strerror}); set "
                "KNEECOACH_HOME or KNEECOACH_DATABASE_URL to a place you can write"
            ) from None
    try:
        engine = create_engine(parsed)
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"the database driver {exc.name!r} for {describe_url(url)} is not installed; for "
            "PostgreSQL run: pip install 'kneecoach[postgres]'"
        ) from None
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot use database URL {describe_url(url)}: {exc}") from None
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling is switched off; _sqlite_begin emits BEGIN IMMEDIATE,
    # so a writer takes the lock at the start and waits (busy_timeout) rather than failing.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration for the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest schema revision this kneecoach knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None``: empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction (nothing to do: one quick read)."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    found = current_revision(engine)
    if found is not None and found not in known:
        raise StorageError(
            f"the journal database is at schema {found!r}, newer than this kneecoach knows; "
            "upgrade kneecoach (pip install -U kneecoach)"
        )
    command.upgrade(alembic_config(engine), revision)
