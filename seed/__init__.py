"""The demo data (TOML files tracing each value to its source) and its loader."""
