namespace WinBack.Api.Infrastructure.Errors;

/// <summary>Stable machine codes; clients branch on these, so never rename one.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string InvalidJson = "invalid_json";
    public const string MissingApiKey = "missing_api_key";
    public const string InvalidApiKey = "invalid_api_key";
    public const string InsufficientScope = "insufficient_scope";
    public const string ResourceMissing = "resource_missing";
    public const string RouteNotFound = "route_not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RequestTooLarge = "request_too_large";
    public const string BadRequest = "bad_request";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string RateLimited = "rate_limited";
    public const string ConcurrencyConflict = "concurrency_conflict";
    public const string PreconditionRequired = "precondition_required";
    public const string TestModeOnly = "test_mode_only";
    public const string StripeKeyRejected = "stripe_key_rejected";
    public const string StripeUnavailable = "stripe_unavailable";
    public const string StripeSignatureInvalid = "stripe_signature_invalid";
    public const string DatabaseUnavailable = "database_unavailable";
    public const string TenantMoving = "tenant_moving";
    public const string MoveConflict = "move_conflict";
    public const string ApiKeyLimitReached = "api_key_limit_reached";
    public const string InternalError = "internal_error";
    public const string ImportFinished = "import_finished";
    public const string RiskModelMissing = "risk_model_missing";
}
