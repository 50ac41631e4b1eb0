using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in PostgreSQL, so that every process of the service (and the next
/// container) decrypts what another encrypted, and no key lives on a local disk. Data Protection calls it synchronously.
/// </summary>
public sealed class PostgresXmlRepository(string connectionString) : IXmlRepository
{
    public const string TableName = MartenSetup.SchemaName + ".data_protection_key";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("name").AsPrimaryKey();
        table.AddColumn("xml", "text").NotNull();
        return table;
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"select xml from {TableName}", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
            elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"insert into {TableName} (name, xml) values (@name, @xml) on conflict (name) do nothing", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
