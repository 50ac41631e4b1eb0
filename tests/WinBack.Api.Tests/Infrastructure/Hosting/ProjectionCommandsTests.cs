using Shouldly;
using WinBack.Api.Infrastructure.Hosting;
using Xunit;

namespace WinBack.Api.Tests.Infrastructure.Hosting;

public sealed class ProjectionCommandsTests
{
    [Fact]
    public void A_rebuild_gets_a_day_per_projection_unless_it_names_its_own_timeout()
    {
        ProjectionCommands.Normalize(["projections", "--rebuild"]).ShouldBe(["projections", "rebuild", "--shard-timeout", "24h"]);
        ProjectionCommands.Normalize(["projections", "rebuild", "--projection", "Reports"])
            .ShouldBe(["projections", "rebuild", "--projection", "Reports", "--shard-timeout", "24h"]);
        ProjectionCommands.Normalize(["projections", "rebuild", "--shard-timeout", "2h"]).ShouldBe(["projections", "rebuild", "--shard-timeout", "2h"]);
        ProjectionCommands.Normalize(["projections", "list"]).ShouldBe(["projections", "list"]);
    }
}
