"""Every write of the housing chain: one function per domain operation, one transaction each."""
