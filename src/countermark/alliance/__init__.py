"""Alliance: signed, append-only feeds that member marketplaces publish and pull from each other."""
