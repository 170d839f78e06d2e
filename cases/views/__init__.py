"""The server-rendered pages of the cases app, one module per area. Views stay thin: parse the input,
call a selector or a service, render. Permissions live in `cases.permissions` and the selectors."""
