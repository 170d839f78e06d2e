"""The API's settings: Django REST framework (REST_FRAMEWORK) and the OpenAPI schema (SPECTACULAR_SETTINGS),
imported by ``config.settings``. Nothing here reads the environment."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",  # hashed, expiring tokens (accounts/tokens.py)
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Throttles key on REMOTE_ADDR, which uvicorn sets from the proxy's X-Forwarded-For only for the proxies given
    # to --forwarded-allow-ips; left unset, DRF would key on the whole header, which any client can vary.
    # config/settings.py sets it from TAVOLO_TRUSTED_PROXIES, as the login lockout reads it (accounts/lockout.py).
    "NUM_PROXIES": 0,
    # Errors in the API's one JSON shape, documented as every operation's `default` response (core.errors).
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # DRF's, with the JSON one refusing bodies nested deeper than core.parsers.MAX_DEPTH (a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tavolo API",
    "DESCRIPTION": (
        "Case management across a network of social-service organisations. Authenticate with the session "
        "or with a token from POST /api/v1/auth/token/ (header `Authorization: Token <key>`; it expires, see `expiry`, "
        "and POST /api/v1/auth/logout/ revokes it). Objects your "
        "organisation may not see answer 404. Every error is JSON of one shape, "
        '`{"error": {"status", "code", "message", "fields"}}`; a 503 (with Retry-After) means: try the same '
        "request again. The writes that move a handoff or a task take an Idempotency-Key header: retried with the "
        "same key, they return the first answer instead of acting twice."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # Choice sets whose field names other choice sets also use ("status", "kind", "reason"), or that two field
    # names use ("sections", "share_sections").
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "cases.models.CaseStatus",
        "HandoffStatusEnum": "workflows.models.HandoffStatus",
        "HandoffKindEnum": "workflows.models.HandoffKind",
        "DeclineReasonEnum": "workflows.models.DeclineReason",
        "ShareSectionEnum": "partners.models.ShareSection",
    },
    # Request bodies get their own components (CaseRequest, PatchedCaseRequest...): without read-only fields, and
    # with minLength 1 where blank is refused, so a request the schema calls valid is one the API accepts.
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses (core.schema.AutoSchema) and blank enums ("" for a field the model allows blank, by
    # ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE, drf-spectacular's default) are declared: the schema tells the truth,
    # and tests/api/test_schemathesis.py holds every response to it.
}
