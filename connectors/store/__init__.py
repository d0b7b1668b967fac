"""Stores: the ClickHouse server and the embedded chDB engine behind one interface (``base.Store``)."""
