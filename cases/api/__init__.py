"""REST API of case data (/api/v1/). Every viewset reads through `cases.selectors` and writes through
`cases.services`: the API follows exactly the permission rules of the web UI."""
