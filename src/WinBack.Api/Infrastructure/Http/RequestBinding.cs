using System.Reflection;
using System.Text.Json;
using FastEndpoints;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>Where FastEndpoints binds each request property from; the OpenAPI filters document exactly this.</summary>
public static class RequestBinding
{
    public enum Source { Path, Query, Header, Body }

    public static Source SourceOf(PropertyInfo property, string method)
    {
        if (property.GetCustomAttribute<RouteParamAttribute>() is not null) return Source.Path;
        if (property.GetCustomAttribute<FromHeaderAttribute>() is not null) return Source.Header;
        if (property.GetCustomAttribute<QueryParamAttribute>() is not null || IsBodyless(method)) return Source.Query;
        return Source.Body;
    }

    /// <summary>True for properties that never come from the JSON body, whatever the verb.</summary>
    public static bool IsOutsideBody(PropertyInfo property) => SourceOf(property, HttpMethods.Post) != Source.Body;

    /// <summary>The name a property has on the wire: its [BindFrom] name, else its camelCase name.</summary>
    public static string WireName(PropertyInfo property) =>
        property.GetCustomAttribute<BindFromAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    public static bool IsBodyless(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsDelete(method) || HttpMethods.IsHead(method);

    public static IReadOnlyList<PropertyInfo> Properties(EndpointDefinition definition) =>
        definition.ReqDtoType is { } dto && dto != typeof(EmptyRequest)
            ? dto.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            : [];

    public static bool TakesJsonBody(EndpointDefinition definition, string method) =>
        !IsBodyless(method) && Properties(definition).Any(p => SourceOf(p, method) == Source.Body);
}
