"""SQL side of rwakit: SQLModel tables, the engine, the transaction log (SqlJournal).

The chain is the source of truth for balances and KYC status; the database keeps what does not
belong on chain (asset descriptions, investor profiles, API keys, issuances and value-moving
controls by idempotency key) and the journal of every transaction the platform signed.
"""

from rwakit.db.engine import DatabaseUnavailable, make_engine, ping
from rwakit.db.journal import SqlJournal, TxLog, journal_ref
from rwakit.db.schema import migrate

__all__ = ["DatabaseUnavailable", "SqlJournal", "TxLog", "journal_ref", "make_engine", "migrate", "ping"]
