import gc

from factcheck import create_app

app = create_app()
# What the app keeps for its lifetime (modules, mappers, compiled statements) is set
# aside from the garbage collector: otherwise each full collection walks all of it, and
# a request that happens to trigger one waits 80 ms (a search at newsroom scale met one
# in fifty). Forked workers also keep sharing these pages instead of copying them.
gc.freeze()
