"""The counts table: counter shards moved by the streams, the markers that make each
stream record count once, and the storage totals listed on a schedule."""
