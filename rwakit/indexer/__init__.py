"""The read model: the platform's chain events indexed into SQL (see tables.py for the design)."""
