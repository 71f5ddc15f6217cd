"""Database engine and declarative base (no Flask: pipelines and scripts use them too)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored with its zone and always read back as aware UTC (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class Base(DeclarativeBase):
    """Declarative base for all registry models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, never evaluated at import)."""
    return datetime.now(UTC)


SQLITE_BUSY_TIMEOUT = 30  # seconds a writer waits for SQLite's write lock before "locked"
READER = "registry_reader"  # execution option: this transaction only reads


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets real transactions, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT,
                                                  "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy own BEGIN so SAVEPOINTs work and writers queue instead of failing.

    A transaction begins IMMEDIATE (it takes the write lock at once, so a writer waits its
    turn instead of failing when it first writes), unless it was begun as a reader's
    (`begin_reading`): that one begins DEFERRED and, in WAL mode, reads a snapshot without
    taking the write lock or waiting for it.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reader = connection.get_execution_options().get(READER, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if reader else "BEGIN IMMEDIATE")


class ReadOnlyWrite(RuntimeError):
    """A reader's transaction (`begin_reading`) was asked to write: `begin_writing` first."""


def begin_reading(session: Session) -> None:
    """Begin the session's transaction as a reader's: on SQLite it holds no write lock, so
    a long read (a quality run's frame, a release's inputs) never makes writers wait.

    The transaction must only read: writing in it could fail on SQLite when another writer
    committed since it began, or wait for the lock it was meant not to take. Call
    `begin_writing` before the first write; on every database a write before it is refused
    (`ReadOnlyWrite`), so a missing call fails in tests rather than as "database is
    locked" on a busy day. A session already in a transaction keeps it.
    """
    if not session.in_transaction():
        session.connection(execution_options={READER: True})
        session.info[READER] = session.get_transaction()


def is_reading(session: Session) -> bool:
    """Whether the session's transaction began as a reader's (`begin_reading`)."""
    return session.in_transaction() and session.info.get(READER) is session.get_transaction()


def begin_writing(session: Session) -> None:
    """End a reader's transaction (it wrote nothing) and begin a writer's one, which waits
    for SQLite's write lock here; a session already writing keeps its transaction.

    Whatever the reads saw may have changed meanwhile: check what matters again after this.
    """
    if not is_reading(session):
        return
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyWrite("a reader's transaction has changes to write; call "
                            "begin_writing before changing anything")
    session.commit()
    session.info.pop(READER, None)
    # a session bound to one connection (tests) keeps it: drop the reader's option
    session.connection(execution_options={READER: False})


@event.listens_for(Session, "before_flush")
def _refuse_flushing_in_a_reader(session: Session, _context, _instances) -> None:
    if is_reading(session) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyWrite("a reader's transaction (begin_reading) has changes to write; "
                            "call begin_writing before changing anything")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_writing_in_a_reader(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and is_reading(state.session):
        raise ReadOnlyWrite("a reader's transaction (begin_reading) was asked to write; call "
                            f"begin_writing first: {str(state.statement)[:120]}")
