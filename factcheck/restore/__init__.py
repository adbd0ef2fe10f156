"""Restoring a JSON Lines archive through the same operations as every other way in."""
