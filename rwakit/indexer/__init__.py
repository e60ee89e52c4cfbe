"""The read model: the platform's chain events indexed into SQL (docs/indexer.md).

tables (the SQL tables), events (raw logs decoded), logs (eth_getLogs in adaptive ranges, block
headers), projection (events to rows), store (one transaction per batch, rollbacks, rebuilds),
follower (``Indexer``: the loop, reorgs, the background thread), lock (one indexer per database),
verify (the index against the chain). Nothing here is imported by this package's ``__init__``:
rwakit.db imports ``tables`` alone to create them.
"""
