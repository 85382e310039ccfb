"""Hash banks in the database: brand reference images, known counterfeits, allowed images (PDQ hashes)."""
