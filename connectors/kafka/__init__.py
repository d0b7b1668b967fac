"""Kafka adapters: the message source the ingest reads from, and a producer for the simulator."""
