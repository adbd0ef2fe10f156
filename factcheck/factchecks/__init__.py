"""The fact-check library: published fact-checks, ours and other newsrooms', and
matching claims against them ("has this been checked before?")."""
