"""The verdict scale as a feature: its table, the admin's operations and pages."""
