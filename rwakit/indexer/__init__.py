"""The read model: the platform's chain events indexed into SQL (docs/indexer.md).

tables (the SQL tables), events (raw logs decoded), logs (eth_getLogs in adaptive ranges, block
headers), projection (events to rows; fund_projection for the fund vaults' events), store (one
transaction per batch, rollbacks, rebuilds), follower (``Indexer``: the loop, reorgs, the background
thread), lock (one indexer per database), verify (the index against the chain), queries (every read,
now or as of a block, in one snapshot; fund_queries for the funds), exports (the register of holders
as CSV and XLSX). Nothing here is imported by this package's ``__init__``: rwakit.db.schema imports
``tables`` alone to migrate them.
"""
