using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Npgsql;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;

namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in PostgreSQL, so that every process of the service (and the next
/// container) decrypts what another encrypted, and no key lives on a local disk. Data Protection encrypts each new key
/// with the configured certificate before storing it; a key that an earlier version stored in plain text is encrypted
/// in place when the ring is read (at every start). Data Protection calls it synchronously.
/// </summary>
public sealed class PostgresXmlRepository(string connectionString, IXmlEncryptor encryptor) : IXmlRepository
{
    public const string TableName = MartenSetup.SchemaName + ".data_protection_key";
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";

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
        var rows = new List<(string Name, string Xml)>();
        using (var command = Sql.Command(connection, $"select name, xml from {TableName}"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                rows.Add((reader.Get<string>("name"), reader.Get<string>("xml")));
        return rows.Select(row => XElement.Parse(row.Xml) is var key && IsPlain(key) ? EncryptInPlace(connection, row.Name, row.Xml, key) : key)
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = Sql.Command(connection, $"insert into {TableName} (name, xml) values (@name, @xml) on conflict (name) do nothing",
            ("name", friendlyName), ("xml", Text(element)));
        command.ExecuteNonQuery();
    }

    private static bool IsPlain(XElement key) => key.Descendants().Any(e => (bool?)e.Attribute(RequiresEncryption) == true);

    // What Data Protection itself stores for an encrypted key: each element marked requiresEncryption replaced by an
    // <encryptedSecret decryptorType="…"> that holds the encryptor's output.
    private XElement EncryptInPlace(NpgsqlConnection connection, string name, string stored, XElement plain)
    {
        var encrypted = new XElement(plain);
        foreach (var secret in encrypted.Descendants().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList())
        {
            var info = encryptor.Encrypt(new XElement(secret));
            secret.ReplaceWith(new XElement(DataProtection + "encryptedSecret",
                new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!), info.EncryptedElement));
        }
        using var command = Sql.Command(connection, $"update {TableName} set xml = @encrypted where name = @name and xml = @plain",
            ("name", name), ("plain", stored), ("encrypted", Text(encrypted)));
        command.ExecuteNonQuery();
        return encrypted;
    }

    private static string Text(XElement element) => element.ToString(SaveOptions.DisableFormatting);
}
