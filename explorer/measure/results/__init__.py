"""Results: the rows' columns and statistics, the machine's metadata, run ids, and the files a run saves."""
