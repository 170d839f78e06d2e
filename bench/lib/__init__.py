"""What the benchmark scripts share (bench/*.py put bench/ on sys.path and import `lib.<module>`)."""
