"""Every change to workflows: handoffs, tasks and the case pathway. Each function is one transaction."""
