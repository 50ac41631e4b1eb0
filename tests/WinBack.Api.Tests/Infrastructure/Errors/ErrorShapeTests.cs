using System.Net;
using System.Text;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Errors;

/// <summary>Every class of bad input gets a 4xx problem+json with a stable code and a message that names the field.</summary>
public sealed class ErrorShapeTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private async Task<HttpResponseMessage> PostKeyAsync(string body, string contentType = "application/json")
    {
        var tenant = await app.CreateTenantAsync();
        return await tenant.Admin.PostAsync("/v1/api-keys", new StringContent(body, Encoding.UTF8, contentType));
    }

    [Fact]
    public async Task Malformed_json_gets_400_invalid_json_about_the_body()
    {
        var problem = await (await PostKeyAsync("{\"scope\":")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");

        problem.FieldErrors("body").Single().ShouldStartWith("The body is not valid JSON");
    }

    [Fact]
    public async Task A_wrong_type_names_the_field_and_the_expected_type()
    {
        var problem = await (await PostKeyAsync("""{"scope":"admin","description":5}"""))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");

        problem.FieldErrors("description").Single().ShouldBe("Expected a string, got a number.");
    }

    [Fact]
    public async Task An_unknown_enum_value_lists_the_allowed_ones()
    {
        var problem = await (await PostKeyAsync("""{"scope":"root"}""")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");

        problem.FieldErrors("scope").Single().ShouldBe("'root' is not allowed; use one of: admin, ingest.");
    }

    [Fact]
    public async Task An_unknown_field_is_rejected_by_name()
    {
        var problem = await (await PostKeyAsync("""{"scope":"admin","scopes":["admin"]}"""))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");

        problem.FieldErrors("scopes").Single().ShouldContain("Unknown field 'scopes'");
    }

    [Fact]
    public async Task A_missing_required_field_gets_400_validation_failed()
    {
        var problem = await (await PostKeyAsync("{}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("scope").Single().ShouldBe("'scope' must not be empty.");
    }

    [Fact]
    public async Task A_body_without_json_content_type_gets_415()
    {
        await (await PostKeyAsync("scope=admin", "application/x-www-form-urlencoded"))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        var tenant = await app.CreateTenantAsync();
        await (await tenant.Admin.PostAsync("/v1/api-keys", null))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var padding = new string('x', 3 * 1024 * 1024);

        await (await PostKeyAsync($$"""{"scope":"admin","description":"{{padding}}"}"""))
            .ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task An_unknown_route_gets_404_and_a_wrong_verb_405()
    {
        var tenant = await app.CreateTenantAsync();

        await (await tenant.Admin.GetAsync("/v1/nothing-here")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "route_not_found");
        await (await tenant.Admin.PutAsync("/v1/api-keys", null)).ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task Bad_query_parameters_get_400_naming_each_one()
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Admin.GetAsync("/v1/api-keys?limit=500&startingAfter=rule_x"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("limit").ShouldNotBeEmpty();
        problem.FieldErrors("startingAfter").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_non_numeric_limit_gets_400_not_500()
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Admin.GetAsync("/v1/api-keys?limit=ten")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("limit").ShouldNotBeEmpty();
    }
}
