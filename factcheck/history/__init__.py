"""The audit history as pages: the admin log, the chain check and one annotation's history."""
