"""What every app shares and no domain owns: runtime plumbing (health, request ids and logs, error answers,
idempotent API writes, storage). Domain apps may import it; it imports no domain app."""
