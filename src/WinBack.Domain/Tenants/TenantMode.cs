namespace WinBack.Domain.Tenants;

/// <summary><c>test</c> tenants get test keys (<c>wb_test_</c>) and a test clock; <c>live</c> tenants run on real time.</summary>
public enum TenantMode { Live, Test }
