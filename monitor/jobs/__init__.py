"""Scheduled jobs: drift, data quality and performance checks over windows of stored data."""
