"""Where people work on an article: the workspace, claim panel, corrections, assignments."""
