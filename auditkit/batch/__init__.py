"""Batches of clients: which are up to date (`state`), running the others on the local process pool
or a Dask cluster (`engine`, `cluster`), showing progress (`progress`) and re-running a recorded run
to check it (`reproduce`)."""
