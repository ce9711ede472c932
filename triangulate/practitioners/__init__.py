"""practitioners."""
