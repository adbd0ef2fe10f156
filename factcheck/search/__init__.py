"""Search across everything the newsroom knows: the index, the query language, the page."""
