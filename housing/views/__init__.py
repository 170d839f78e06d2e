"""The housing pages. Thin: parse (`housing.forms`) → selector/service → render; a refused action shows the page
again with the message. One module per page family; `housing.urls` routes to them."""
