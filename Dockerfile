# Multi-stage build; the runtime image runs as the non-root "app" user of the .NET images.
# Not built in CI (no Docker engine there); see README.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json nuget.config Directory.Build.props Directory.Packages.props WinBack.sln ./
COPY src/WinBack.Domain/WinBack.Domain.csproj src/WinBack.Domain/
COPY src/WinBack.Api/WinBack.Api.csproj src/WinBack.Api/
RUN dotnet restore src/WinBack.Api/WinBack.Api.csproj
COPY src/ src/
RUN dotnet publish src/WinBack.Api/WinBack.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# A 64 MB young-generation budget: batches of 1,000 activities allocate fast, and the default budget collected so
# often that the GC took a fifth of the API's CPU (docs/benchmarks.md #16). The runtime reads it from the environment only.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_GCgen0size=0x4000000
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "WinBack.Api.dll"]
