"""Bringing articles in: one at a time from the form, or many files at once."""
