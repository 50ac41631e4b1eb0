namespace WinBack.Domain.Customers;

/// <summary>Stripe's cancellation feedback (<c>cancellation_details.feedback</c>) as WinBack's churn reasons.</summary>
public static class StripeChurnReasons
{
    /// <returns>Null when the customer gave no feedback; "other" for feedback Stripe adds later.</returns>
    public static ChurnReason? Of(string? feedback) => feedback switch
    {
        null or "" => null,
        "too_expensive" => ChurnReason.TooExpensive,
        "missing_features" => ChurnReason.MissingFeatures,
        "switched_service" => ChurnReason.Switched,
        "unused" => ChurnReason.Forgot,
        "customer_service" or "low_quality" => ChurnReason.BadExperience,
        "too_complex" => ChurnReason.TooComplex,
        _ => ChurnReason.Other,
    };
}
