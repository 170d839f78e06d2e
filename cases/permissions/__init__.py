"""Access to case data, in two modules:

- `cases.permissions.checks`: the read side, who may see and do what (`visible_cases`, `case_capabilities`,
  `records_filter`, `require_case_capability`...), every check in SQL;
- `cases.permissions.grants`: the write side, giving and removing access (`grant_case_access`, `share_case`,
  `decay_shared_access`...), and the only writer of the derived `PersonAccess` rows.

Import from the module itself; this package re-exports nothing.
"""
